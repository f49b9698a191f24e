"""Limits that keep extraction linear and bounded: sentence length, mentions per report, and a
time budget per report that fails that report alone. Speed itself is measured by
benchmarks/extraction_size.py; the time guards here only catch a return of quadratic work."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import pytest

from khronika import pipeline
from khronika.extraction import mentions
from khronika.extraction.budget import (
    BUDGET_ENV,
    ExtractionTimeout,
    check_budget,
    extraction_budget,
    time_budget,
)
from khronika.extraction.casualty_view import SentenceView, Spans
from khronika.extraction.numbers import find_numbers
from khronika.extraction.sentences import MAX_SENTENCE, split_sentences
from khronika.ingest_run import ingest
from khronika.lang import load_pack
from khronika.records import Report
from khronika.store import Store

RUN_ON = "7 people were killed and 3 civilians injured in shelling of Kherson, "
NUMBER_LIST = "12, 15, 7 and 3 and 44, 101 and 9 and 250 and 1000, 17 and 36, 4 and 18 killed and "


def test_an_over_long_sentence_is_cut_into_bounded_pieces_that_keep_every_word() -> None:
    pack = load_pack("en")
    text = RUN_ON * 400  # 28,000 characters, no full stop
    pieces = split_sentences(text, pack)
    assert len(pieces) >= len(text) // MAX_SENTENCE
    assert all(s.end - s.start <= MAX_SENTENCE for s in pieces)
    assert all(text[s.start : s.end] == s.text for s in pieces)
    assert all(s.text.endswith(",") for s in pieces[:-1])  # cut after a clause, not in a word
    assert (
        "".join(text[a.end : b.start] for a, b in zip(pieces, pieces[1:], strict=False)).strip()
        == ""
    )
    assert [w for s in pieces for w in s.text.split()] == text.split()


def test_a_long_sentence_of_real_length_stays_one_sentence() -> None:
    pack = load_pack("en")
    clause = "the shelling of the village went on through the night and into the morning, "
    sentence = "Officials said " + clause * 20 + "and two people were killed."
    assert 1500 < len(sentence) < MAX_SENTENCE
    assert [s.text for s in split_sentences(sentence, pack)] == [sentence]


def test_a_word_longer_than_the_cap_is_cut_without_losing_characters() -> None:
    pack = load_pack("uk")
    text = "ж" * (MAX_SENTENCE * 3 + 7)
    pieces = split_sentences(text, pack)
    assert "".join(s.text for s in pieces) == text
    assert max(len(s.text) for s in pieces) == MAX_SENTENCE


@pytest.mark.parametrize("unit", [RUN_ON, NUMBER_LIST, "“" * 50 + " ", "." * 300 + "x"])
def test_texts_that_were_quadratic_extract_quickly(unit: str) -> None:
    text = unit * (200_000 // len(unit))
    started = time.monotonic()
    pipeline.extract_report(Report(id="big", text=text, language="en"))
    assert time.monotonic() - started < 60  # was minutes for 200 KB before the cap


def test_mentions_per_report_are_capped_and_the_cap_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    places = ["Kherson", "Kharkiv", "Odesa", "Sumy", "Dnipro", "Zaporizhzhia"]
    text = "\n\n".join(
        f"A missile strike on {place} on 3 May 2024 killed {n} civilians, officials said."
        for n, place in enumerate(places, start=2)
    )
    report = Report(id="many", text=text, language="en", origin="many.txt")
    found = pipeline.extract_report(report)
    assert len(found.events) + len(found.candidates) >= 4, "the test needs several mentions"
    monkeypatch.setattr(mentions, "MAX_MENTIONS", 2)
    with caplog.at_level(logging.WARNING, logger="khronika.extraction.mentions"):
        capped = pipeline.extract_report(report)
    assert len(capped.events) + len(capped.background) + len(capped.candidates) <= 2
    assert "many.txt: extraction kept the first 2 mentions" in caplog.text


def test_the_budget_stops_an_extraction_that_runs_too_long() -> None:
    report = Report(id="big", text=RUN_ON * 20_000, language="en")
    started = time.monotonic()
    with time_budget(0.05), pytest.raises(ExtractionTimeout, match="longer than 0.05 s"):
        pipeline.extract_report(report)
    assert time.monotonic() - started < 10  # stopped soon after the deadline, not at the end
    check_budget()  # outside the block there is no deadline


def test_the_budget_clock_starts_when_the_sentences_are_read() -> None:
    with time_budget(0.2):
        time.sleep(0.3)  # what comes before the first check (loading a pack) is not counted
        check_budget()
        time.sleep(0.1)
        check_budget()
        time.sleep(0.2)
        with pytest.raises(ExtractionTimeout):
            check_budget()


def test_ingest_fails_the_report_over_budget_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = Report(id="big", text=RUN_ON * 20_000, language="en", origin="big.txt")
    small = Report(
        id="small",
        text="A drone strike on Kherson killed two civilians on Monday, the governor said.",
        language="en",
        origin="small.txt",
    )
    monkeypatch.setenv(BUDGET_ENV, "1")
    with Store(tmp_path / "k.db") as store:
        summary = ingest(store, [big, small])
        assert summary.failed == 1 and summary.new == 1, summary.errors
        assert store.report_status("big") == "failed"
        assert store.report_status("small") == "done"
        (failed,) = store.failed_reports()
    assert failed.error is not None
    assert failed.error.startswith("big.txt: extraction failed: ExtractionTimeout: ")
    assert "extraction took longer than 1 s" in failed.error
    assert failed.report.text == big.text  # the report is kept whole, to retry


@pytest.mark.parametrize(("value", "expected"), [("", 60.0), ("5", 5.0), ("0", None)])
def test_the_budget_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: float | None
) -> None:
    monkeypatch.setenv(BUDGET_ENV, value)
    assert extraction_budget() == expected


def test_a_bad_budget_in_the_environment_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BUDGET_ENV, "a minute")
    with pytest.raises(ValueError, match=f"{BUDGET_ENV} must be a number of seconds"):
        extraction_budget()


def test_spans_hold_what_a_scan_of_every_span_holds() -> None:
    rng = random.Random(15)
    for _ in range(200):
        spans = [(a, a + rng.randint(0, 12)) for a in (rng.randint(0, 60) for _ in range(6))]
        index = Spans(spans)
        for offset in range(-2, 80):
            assert index.hold(offset) == any(s <= offset < e for s, e in spans)


def test_keyword_and_qualifier_lookups_agree_with_a_scan() -> None:
    pack = load_pack("en")
    text = (
        "At least 3 people were killed and more than 12 wounded, killing 2 more; "
        "the dead include at least 4 children and no fewer than 5 injured soldiers"
    )
    view = SentenceView(text, 0, len(text), pack, find_numbers(text, 0, len(text), pack))
    for offset in range(len(text)):
        scanned = next((v for s, v in view.keyword_at.items() if s <= offset < v[1]), None)
        assert view.keyword_covering(offset) == scanned
    for number in view.numbers:
        ends = [e for e in sorted(view.qualifier_end, reverse=True) if e <= number.start]
        nearest = next((e for e in ends if not text[e : number.start].strip()), None)
        start = view.qualifier_start_before(number.start)
        assert (start == number.start) == (nearest is None)
        if nearest is not None:
            assert text[start:nearest].strip() in {
                "At least",
                "more than",
                "at least",
                "no fewer than",
            }


def test_extract_and_a_backfill_worker_keep_the_budget_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``khronika extract`` and a backfill's worker fail a report over budget and go on, as
    ingest does: one hostile report never holds up the rest."""
    from khronika.backfill.work import _row
    from khronika.cli import main

    monkeypatch.setenv(BUDGET_ENV, "1")
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_text(RUN_ON * 20_000, encoding="utf-8")
    small.write_text("A drone strike on Kherson killed two civilians on Monday.", encoding="utf-8")
    assert main(["extract", "--lang", "en", str(big), str(small)]) == 1
    out, err = capsys.readouterr()
    assert f"{big}: extraction failed: ExtractionTimeout: " in err
    assert len(out.splitlines()) == 1 and "Kherson" in out  # the small one is printed

    report = Report(id="big", text=RUN_ON * 20_000, language="en", origin="big.txt")
    row = _row(0, {"report": {**report.to_dict(), "text": report.text}})
    assert row["error_type"] == "ExtractionTimeout" and row["mentions"] == 0
