"""Scoring against ACLED rows: the ``notes`` summary is the report, the row is the gold event.

ACLED gives no publication date, so reports go in with ``published=None``; the notes open
with the event date ("On 3 December 2023, ..."), which extraction must read itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from khronika.evaluate.extraction import (
    EventDict,
    Extractor,
    casualty_best,
    distance_km,
    event_summary,
    location_of,
    pipeline_extractor,
    run_extractor,
)
from khronika.evaluate.normalize import admin1_key
from khronika.evaluate.readers import (
    EvalInputError,
    GoldRow,
    NoReportText,
    parse_gold_date,
    parse_gold_float,
    parse_gold_int,
    parsed_rows,
    read_gold_csv,
    select_rows,
)
from khronika.evaluate.result import (
    NO_EVENT,
    EvalResult,
    FieldScore,
    Miss,
    Progress,
    count_confusion,
)
from khronika.records import Report

ACLED_COLUMNS = (
    "event_date",
    "event_type",
    "sub_event_type",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "notes",
    "fatalities",
)

FIELD_RULES = {
    "event_found": "the report yields at least one event",
    "event_type": "main event's type equals the gold type",
    "sub_event_type": "main event's sub-type equals the gold sub-type",
    "event_date": "same day",
    "admin1": "case, apostrophes, hyphens, 'Oblast'/'Region' ignored; rows with an admin1",
    "place_10km": "within 10 km; rows with geo_precision 1 (README rule)",
    "place_10km_any_precision": "within 10 km; every row with coordinates (extra view)",
    "place_25km": "within 25 km; every row with coordinates",
    "fatalities": "fatalities.best == gold; rows whose notes state the number",
    "fatalities_null_as_0": "same rows, null best read as 0 (ACLED convention)",
}

_EXTRA_VIEWS = ("place_10km_any_precision", "fatalities_null_as_0")  # not listed as misses

# Notes that say the gold figure is an ACLED coding choice or not known.
_FIGURE_NOT_STATED = re.compile(
    r"\bcoded (?:as|separately)\b"
    r"|\bsplit (?:across|among|between|over)\b"
    r"|\b(?:casualties|fatalities|deaths) (?:are |were |remain |remained )?unknown\b"
    r"|\b(?:unknown|unspecified|undisclosed|unconfirmed) number\b"
    r"|\bnumber of (?:casualties|fatalities|deaths|dead|victims) "
    r"(?:is |was |remains |remained )?(?:unknown|unclear|not known)\b",
    re.IGNORECASE,
)
_STATED_ZERO = re.compile(
    r"\bno (?:casualties|fatalities|deaths)\b"
    r"|\bno(?: one|body) (?:was |were )?(?:killed|hurt|harmed|injured)\b",
    re.IGNORECASE,
)
_FATALITY_WORD = re.compile(
    r"^(?:kill\w*|dead|died|dies|die|dying|deaths?|fatalit(?:y|ies)|bod(?:y|ies)|corpses?"
    r"|lives|executed|executing|beheaded|lynched|massacred)$",
    re.IGNORECASE,
)
_NUMBER_WORDS = frozenset(
    re.findall(
        r"\w+",
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
        "eighty ninety hundred hundreds dozen dozens",
    )
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\\.?"
)
# Numbers that are not counts of people: dates, years, times, measures, model names.
_NOT_A_COUNT = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})(?: \d{{4}})?\b"
    rf"|\b(?:{_MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?(?:, \d{{4}})?\b"
    r"|\b(?:19|20)\d{2}\b"
    r"|\b\d{1,2}[:.]\d{2}\b"
    r"|\b\d+/\d+(?:/\d+)?\b"
    r"|\b\d+(?:[.,]\d+)?\s?(?:km|kilomet\w*|metres?|meters?|m|mm|kg|tons?|tonnes?|%|percent"
    r"|hours?|minutes?|days?|weeks?|months?|years?|times)\b"
    r"|\S*(?:[A-Za-z]\d|\d[A-Za-z]|\d-|-\d)\S*"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*[\[\]]\s*")
_TOKEN = re.compile(r"[A-Za-z]+|\d+")
NUMBER_WINDOW = 8


def fatalities_stated(notes: str) -> bool:
    """Whether the notes state the fatality count, so ACLED's ``fatalities`` is gold for it.

    A row qualifies when its notes

    - say nothing that marks the figure as an ACLED coding or unknown: "coded as",
      "coded separately", "split across/among/between/over", "casualties/fatalities/deaths
      (are) unknown", "unknown/unspecified/undisclosed/unconfirmed number", "number of ...
      unknown/unclear";
    - and either state zero in words ("no casualties", "no fatalities", "no deaths",
      "no one/nobody was killed/hurt/injured"), or, within one sentence, put a number no
      more than 8 words from a death word (killed, dead, died, death, fatalities, bodies,
      lives, executed, ...).

    A number is digits or a number word (one ... twenty, thirty ... ninety, hundred(s),
    dozen(s)). "A", "several", "some" and "multiple" are not numbers (ACLED codes "several"
    as unknown). Dates, years, times, measures ("25 km", "3 days", "10 times"), "20-year-old"
    and model names ("Su-25") are removed before looking. Injury-only numbers do not qualify, since
    ACLED has no injured field to compare them with.
    """
    if _FIGURE_NOT_STATED.search(notes):
        return False
    if _STATED_ZERO.search(notes):
        return True
    for sentence in _SENTENCE_END.split(_NOT_A_COUNT.sub(" ", notes)):
        tokens = _TOKEN.findall(sentence)
        numbers = [i for i, token in enumerate(tokens) if _is_number(token)]
        deaths = [i for i, token in enumerate(tokens) if _FATALITY_WORD.match(token)]
        if any(abs(n - d) <= NUMBER_WINDOW for n in numbers for d in deaths):
            return True
    return False


def _is_number(token: str) -> bool:
    return token.isdigit() or token.lower() in _NUMBER_WORDS


@dataclass(frozen=True)
class AcledGold:
    row_id: str
    where: str
    notes: str
    event_type: str
    sub_event_type: str
    event_date: date
    admin1: str
    location: str
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    fatalities: int
    fatalities_stated: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "event_date": self.event_date.isoformat(),
            "location": self.location,
            "admin1": self.admin1,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "geo_precision": self.geo_precision,
            "fatalities": self.fatalities,
            "fatalities_stated": self.fatalities_stated,
        }


def parse_acled_row(row: GoldRow) -> AcledGold:
    """One ACLED record as typed gold; slash dates are day first (dd/mm/yyyy)."""
    where = row.where()
    key = row.get("event_id_cnty") or row.get("id")
    if not key:
        raise EvalInputError(f"{where}: neither event_id_cnty nor id is given")
    notes = row.get("notes")
    if not notes:
        raise NoReportText(f"{where}: notes is empty, there is no report to extract")
    precision = row.get("geo_precision")
    return AcledGold(
        row_id=f"acled:{key}",
        where=where,
        notes=notes,
        event_type=row.get("event_type"),
        sub_event_type=row.get("sub_event_type"),
        event_date=parse_gold_date(row.get("event_date"), "dmy", where, "event_date"),
        admin1=row.get("admin1"),
        location=row.get("location"),
        latitude=parse_gold_float(row.get("latitude"), where, "latitude"),
        longitude=parse_gold_float(row.get("longitude"), where, "longitude"),
        geo_precision=parse_gold_int(precision, where, "geo_precision") if precision else None,
        fatalities=parse_gold_int(row.get("fatalities"), where, "fatalities"),
        fatalities_stated=fatalities_stated(notes),
    )


def score_acled(
    path: str | Path,
    extractor: Extractor = pipeline_extractor,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Score the main (first) event of each selected ACLED row's notes against the row."""
    table = read_gold_csv(path, ACLED_COLUMNS)
    if "event_id_cnty" not in table.columns and "id" not in table.columns:
        raise EvalInputError(f"{table.path}: missing column event_id_cnty (or id)")
    indices = select_rows(len(table.rows), limit, sample, seed)
    fields = {name: FieldScore(note=rule) for name, rule in FIELD_RULES.items()}
    result = EvalResult(dataset="acled", source=str(table.path), rows=0, fields=fields)
    if table.fallback_lines:
        result.notes.append(f"{table.fallback_lines} line(s) were not UTF-8, read as cp1252")
    for done, gold in parsed_rows(table, indices, parse_acled_row, result.notes):
        report = Report(
            id=gold.row_id,
            text=gold.notes,
            published=None,
            language="en",
            source="ACLED",
            origin=gold.where,
            format="csv",
        )
        events, _ = run_extractor(extractor, report)
        _score_row(gold, events[0] if events else None, result)
        result.rows += 1
        if progress:
            progress(done, len(indices))
    return result


def _score_row(gold: AcledGold, main: EventDict | None, result: EvalResult) -> None:
    fields = result.fields
    checks: dict[str, bool] = {"event_found": main is not None}
    predicted_type = str(main.get("event_type")) if main is not None else NO_EVENT
    count_confusion(result.confusion, gold.event_type, predicted_type)
    checks["event_type"] = main is not None and main.get("event_type") == gold.event_type
    checks["sub_event_type"] = (
        main is not None and main.get("sub_event_type") == gold.sub_event_type
    )
    checks["event_date"] = main is not None and main.get("event_date") == (
        gold.event_date.isoformat()
    )
    if gold.admin1:
        predicted_admin1 = location_of(main).get("admin1") if main is not None else None
        checks["admin1"] = bool(predicted_admin1) and admin1_key(predicted_admin1) == admin1_key(
            gold.admin1
        )
    distance = distance_km(main, gold.latitude, gold.longitude)
    if gold.latitude is not None and gold.longitude is not None:
        near_10 = distance is not None and distance <= 10
        checks["place_25km"] = distance is not None and distance <= 25
        checks["place_10km_any_precision"] = near_10
        if gold.geo_precision == 1:
            checks["place_10km"] = near_10
    if gold.fatalities_stated:
        best = casualty_best(main, "fatalities") if main is not None else None
        checks["fatalities"] = main is not None and best == gold.fatalities
        checks["fatalities_null_as_0"] = main is not None and (best or 0) == gold.fatalities
    for name, is_right in checks.items():
        fields[name].add(is_right)
    wrong = [name for name in FIELD_RULES if checks.get(name) is False and name not in _EXTRA_VIEWS]
    if wrong:
        result.misses.append(
            Miss(
                row_id=gold.row_id,
                text=gold.notes,
                fields=wrong,
                gold=gold.to_dict(),
                extracted=event_summary(main) if main is not None else None,
                distance_km=distance,
            )
        )
