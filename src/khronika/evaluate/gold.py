"""Scoring against hand-coded gold events of real reports written in two languages (Warline).

One item per line (``shared/eval/README.md``, ``shared/eval/score_gold.py``)::

    {"id": str, "date": "YYYY-MM-DD" (publication), "en": str, "uk": str,
     "events": [GOLD, ...], "events_en": [GOLD, ...] (optional), "texts_differ": bool}

GOLD holds ``main``, ``event_type``, ``sub_event_type``, ``admin1``, ``geo_precision`` (1-3),
``lat``/``lon`` (precision 1-2), ``date``, ``killed``, ``injured`` (null: no number stated).
``events_en``, when present, is the gold of the English text; otherwise both share ``events``.

Each language is a report of its own, ``{id}-{lang}``, published on ``date``, its language
detected, as score_gold.py feeds ``khronika extract``. The metrics are score_gold.py's, under
its keys (``gold_metrics``); two views are added: a reliability table (every non-background
mention, candidates under the confidence threshold too, by confidence band: how many match a
gold event of their report) and the precision/recall/F1 that emitting only mentions at or
above each of a few thresholds would give, per language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from khronika.evaluate.extraction import (
    EventDict,
    Extractor,
    pipeline_extractor,
    pipeline_extractor_with_candidates,
    run_extractor_lists,
)
from khronika.evaluate.gold_metrics import (
    AGREEMENT_RULES,
    F1_TABLE,
    FIELD_RULES,
    Scores,
    f1_rows,
    reliability_tables,
    score_agreement,
    score_language,
)
from khronika.evaluate.readers import EvalInputError, read_json_lines, select_rows
from khronika.evaluate.result import EvalResult, FieldScore, Miss, Progress
from khronika.extraction.confidence import THRESHOLD
from khronika.ingest.parse import parse_date_value
from khronika.records import Report

LANGUAGES = ("en", "uk")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
REQUIRED_KEYS = ("id", "date", "en", "uk", "events")


@dataclass(frozen=True)
class GoldItem:
    """One report pair with its gold events; ``where`` is its file and line."""

    id: str
    published: datetime
    texts: dict[str, str]
    events: list[dict[str, Any]]
    events_en: list[dict[str, Any]] | None
    texts_differ: bool
    where: str

    def gold(self, lang: str) -> list[dict[str, Any]]:
        return self.events_en if lang == "en" and self.events_en is not None else self.events


@dataclass(frozen=True)
class Extracted:
    """The non-background events and candidates of one report."""

    events: list[EventDict]
    candidates: list[EventDict]


def read_gold(path: str | Path) -> list[GoldItem]:
    """Every item of a gold JSONL file, each checked; errors name the file and line."""
    items: list[GoldItem] = []
    seen: set[str] = set()
    for where, value in read_json_lines(path):
        item = parse_item(value, where)
        if item.id in seen:
            raise EvalInputError(f"{where}: id {item.id!r} used twice")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise EvalInputError(f"{path}: no items (expected one JSON object per line)")
    return items


def parse_item(value: object, where: str) -> GoldItem:
    """One gold line, checked key by key."""
    if not isinstance(value, dict):
        raise EvalInputError(f"{where}: an item must be a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in value]
    if missing:
        raise EvalInputError(f"{where}: missing key(s) {', '.join(missing)}")
    item_id = value["id"]
    if isinstance(item_id, bool) or not isinstance(item_id, str | int) or item_id == "":
        raise EvalInputError(f"{where}: 'id' must be a non-empty string")
    where = f"{where} (item {item_id})"
    try:
        published = parse_date_value(value["date"])
    except ValueError as error:
        raise EvalInputError(f"{where}: 'date': {error}") from None
    texts: dict[str, str] = {}
    for lang in LANGUAGES:
        text = value[lang]
        if not isinstance(text, str) or not text.strip():
            raise EvalInputError(f"{where}: {lang!r} must be a non-empty string")
        texts[lang] = text
    events = _gold_events(value["events"], "events", where)
    events_en = (
        _gold_events(value["events_en"], "events_en", where) if "events_en" in value else None
    )
    texts_differ = value.get("texts_differ", False)
    if not isinstance(texts_differ, bool):
        raise EvalInputError(f"{where}: 'texts_differ' must be true or false")
    return GoldItem(str(item_id), published, texts, events, events_en, texts_differ, where)


def _gold_events(value: object, key: str, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise EvalInputError(f"{where}: {key!r} must be a list")
    for number, event in enumerate(value, start=1):
        at = f"{where}: {key}[{number}]"
        if not isinstance(event, dict):
            raise EvalInputError(f"{at} must be an object")
        precision = event.get("geo_precision", 1)
        if not _is_int(precision) or not 1 <= precision <= 3:
            raise EvalInputError(f"{at}: 'geo_precision' must be 1, 2 or 3")
        for name in ("lat", "lon"):
            if event.get(name) is not None and not _is_number(event[name]):
                raise EvalInputError(f"{at}: {name!r} must be a number or null")
        if (event.get("lat") is None) != (event.get("lon") is None):
            raise EvalInputError(f"{at}: 'lat' and 'lon' go together")
        for name in ("killed", "injured"):
            if event.get(name) is not None and not _is_int(event[name]):
                raise EvalInputError(f"{at}: {name!r} must be a whole number or null")
        for name in ("date", "admin1", "event_type", "sub_event_type"):
            if event.get(name) is not None and not isinstance(event[name], str):
                raise EvalInputError(f"{at}: {name!r} must be a string")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def item_report(item: GoldItem, lang: str) -> Report:
    """One language of an item as score_gold.py gives it to ``khronika extract``."""
    return Report(
        id=f"{item.id}-{lang}",
        text=item.texts[lang],
        published=item.published,
        language=None,  # detected, as for a JSON Lines input without "lang"
        origin=item.where,
        format="jsonl",
    )


def extract_item(item: GoldItem, lang: str, extractor: Extractor) -> Extracted:
    """One language of an item, extracted."""
    events, _, candidates = run_extractor_lists(extractor, item_report(item, lang))
    return Extracted(
        events=[e for e in events if not e.get("background")],
        candidates=[e for e in candidates if not e.get("background")],
    )


def score_gold(
    path: str | Path,
    extractor: Extractor = pipeline_extractor_with_candidates,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Score each selected item (both languages) as score_gold.py does, plus the reliability
    views; ``misses`` hold score_gold.py's ``--misses`` records (``Miss.record()``)."""
    if extractor is pipeline_extractor:  # the command's default: this scorer reads candidates
        extractor = pipeline_extractor_with_candidates
    items = read_gold(path)
    chosen = [items[i] for i in select_rows(len(items), limit, sample, seed)]
    outputs: dict[str, list[Extracted]] = {lang: [] for lang in LANGUAGES}
    seconds = dict.fromkeys(LANGUAGES, 0.0)
    for done, item in enumerate(chosen, start=1):
        for lang in LANGUAGES:
            start = time.perf_counter()
            outputs[lang].append(extract_item(item, lang, extractor))
            seconds[lang] += time.perf_counter() - start
        if progress:
            progress(done, len(chosen))
    scores = Scores()
    misses: list[Miss] = []
    for lang in LANGUAGES:
        for item, out in zip(chosen, outputs[lang], strict=True):
            miss = score_language(
                item.id, lang, item.texts[lang], item.gold(lang), out.events, scores
            )
            if miss is not None:
                misses.append(miss)
    for item, en, uk in zip(chosen, outputs["en"], outputs["uk"], strict=True):
        if not item.texts_differ:
            score_agreement(en.events, uk.events, scores)
    result = EvalResult(
        dataset="gold", source=str(path), rows=len(chosen), fields=_ordered(scores), misses=misses
    )
    result.tables[F1_TABLE] = f1_rows(scores, LANGUAGES)
    for lang in LANGUAGES:
        reports = [
            (item.gold(lang), [*out.events, *out.candidates])
            for item, out in zip(chosen, outputs[lang], strict=True)
        ]
        bands, rows, unrated = reliability_tables(reports, THRESHOLDS, THRESHOLD)
        result.tables[f"{lang} reliability: mentions (candidates too) by confidence"] = bands
        result.tables[f"{lang} emitting only mentions at or above a threshold"] = rows
        if unrated:
            result.notes.append(f"{lang}: {unrated} mention(s) without a confidence, not binned")
    result.notes.append(
        "match: within 10 km of the gold (precision 1-2 with lat/lon), else same admin1; dated"
        " within a day. Candidates count only in the reliability tables."
    )
    result.notes.append(
        "extraction seconds: "
        + ", ".join(f"{lang} {seconds[lang]:.1f}" for lang in LANGUAGES)
        + f" ({len(chosen)} reports each)"
    )
    return result


def _ordered(scores: Scores) -> dict[str, FieldScore]:
    """Fields per language in FIELD_RULES order, agreement last; only those scored."""
    names = [
        *(f"{lang}.{name}" for lang in LANGUAGES for name in FIELD_RULES),
        *(f"agreement.{name}" for name in AGREEMENT_RULES),
    ]
    return {name: scores.fields[name] for name in names if name in scores.fields}
