"""Coverage-guided fuzzing of the text readers and the extraction (``make fuzz``).

Each input is read as a file of the format it picks (text, html, json, csv, ...) and every
report it yields is extracted, with a time budget, and its output serialised as ``khronika
extract`` prints it. A crash is an exception other than the budget's, or output that is not
JSON; atheris then stops and writes the input to ``crash-*`` in the working directory.

    python scripts/fuzz_extraction.py -max_total_time=60 [corpus-dir]

Needs atheris (``pip install -e '.[fuzz]'``); the options are libFuzzer's.
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports(include=["khronika"]):
    from khronika import pipeline
    from khronika.extraction.budget import ExtractionTimeout, time_budget
    from khronika.ingest import ReadOptions, read_bytes
    from khronika.places import Gazetteer
    from khronika.records import Report

EXTENSIONS = (".txt", ".md", ".html", ".json", ".jsonl", ".csv", ".xml")
LANGUAGES = (None, "en", "uk", "ru")
BUDGET_SECONDS = 5.0  # an input this slow is a finding of its own, not a hang of the run
OPTIONS = ReadOptions(max_bytes=200_000)
GAZETTEER = Gazetteer.default()


def extract_one(report: Report) -> None:
    """Extract a report and serialise the result; a budget overrun is reported, not raised."""
    try:
        with time_budget(BUDGET_SECONDS):
            data = pipeline.extract_report(report, GAZETTEER).to_dict(candidates=True)
    except ExtractionTimeout:
        print(f"slow input ({len(report.text)} characters): over {BUDGET_SECONDS} s")
        return
    json.loads(json.dumps(data, ensure_ascii=False))


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    extension = provider.PickValueInList(list(EXTENSIONS))
    language = provider.PickValueInList(list(LANGUAGES))
    if provider.ConsumeBool():  # the bytes as a file of that format
        payload = provider.ConsumeBytes(provider.remaining_bytes())
        for item in read_bytes(payload, f"fuzz{extension}", OPTIONS):
            if isinstance(item, Report):
                if language is not None or item.language not in LANGUAGES:
                    item.language = language  # a language no pack reads is refused by design
                extract_one(item)
    else:  # the text straight to the extraction
        text = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
        extract_one(Report(id="fuzz", text=text, language=language))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
