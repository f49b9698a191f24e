"""Scoring against the project's own hand-written cases (JSON Lines).

One case per line::

    {"id": str, "text": str, "published": "YYYY-MM-DD" | null, "lang": "en"|"uk"|"ru",
     "source": str, "expect": {"events": [EXPECTED, ...], "min_events": int,
     "absent_values": [int, ...]}}

``lang``, ``source``, ``min_events`` and ``absent_values`` are optional. EXPECTED holds any of
``event_type``, ``sub_event_type``, ``event_date``, ``admin1``, ``location``, ``lat``+``lon``
(with ``km``, default 10), ``fatalities``, ``injured`` (int, or null meaning "must be null"),
``weapons`` (kinds that must all appear) and ``background`` (bool).

The first EXPECTED is compared with the main (first) event. Each further one takes, in
order, the best-matching event not yet taken (events and background alike, the main event
excluded), so one merged event cannot satisfy two expectations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from khronika.evaluate.extraction import (
    EventDict,
    Extractor,
    casualty_best,
    casualty_values,
    distance_km,
    event_summary,
    location_of,
    pipeline_extractor,
    run_extractor,
)
from khronika.evaluate.normalize import admin1_key, place_name_match
from khronika.evaluate.readers import (
    EvalInputError,
    datetime_at_midnight,
    read_json_lines,
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

DEFAULT_KM = 10.0
LANGUAGES = ("en", "uk", "ru")
CASE_KEYS = {"id", "text", "published", "lang", "source", "expect", "note"}
EXPECT_KEYS = {"events", "min_events", "absent_values"}
EXPECTED_KEYS = {
    "event_type",
    "sub_event_type",
    "event_date",
    "admin1",
    "location",
    "lat",
    "lon",
    "km",
    "fatalities",
    "injured",
    "weapons",
    "background",
    "claim_status",
    "date_precision",
    "fatalities_low",
    "fatalities_high",
    "injured_low",
    "injured_high",
}
BOUND_KEYS = ("fatalities_low", "fatalities_high", "injured_low", "injured_high")
FIELD_RULES = {
    "event_type": "equal",
    "sub_event_type": "equal",
    "event_date": "same ISO day",
    "admin1": "case, apostrophes, hyphens, 'Oblast'/'Region' ignored",
    "location": "name or a sublocation, case and punctuation ignored",
    "place": "within km of lat/lon (default 10)",
    "fatalities": "fatalities.best equal (null must be null)",
    "injured": "injured.best equal (null must be null)",
    "weapons": "every expected kind among the event's weapons",
    "background": "event's background flag equal",
    "claim_status": "claim_status equal",
    "date_precision": "date_precision equal",
    "bounds": "fatalities/injured low and high equal where given (null must be null)",
    "events_found": "further expectations matched on every field",
    "min_events": "at least min_events events",
    "absent_values": "none of the values in any event's casualty figures",
    "no_extra_events": "no more foreground events than expected (none where none is expected)",
}


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    published: date | None
    lang: str
    source: str | None
    expected: list[dict[str, Any]]
    min_events: int | None
    absent_values: list[int] = field(default_factory=list)
    where: str = ""


def read_cases(path: str | Path) -> list[Case]:
    """All cases of a JSONL file, each checked; errors name the file, line and case."""
    cases: list[Case] = []
    seen: set[str] = set()
    for where, value in read_json_lines(path):
        case = parse_case(value, where)
        if case.id in seen:
            raise EvalInputError(f"{where}: case id {case.id!r} used twice")
        seen.add(case.id)
        cases.append(case)
    return cases


def parse_case(value: object, where: str) -> Case:
    """One case object, validated key by key."""
    if not isinstance(value, dict):
        raise EvalInputError(f"{where}: a case must be a JSON object")
    case_id = value.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise EvalInputError(f"{where}: 'id' must be a non-empty string")
    where = f"{where} (case {case_id})"
    _reject_unknown(value, CASE_KEYS, where)
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EvalInputError(f"{where}: 'text' must be a non-empty string")
    lang = value.get("lang", "en")
    if lang not in LANGUAGES:
        raise EvalInputError(f"{where}: 'lang' must be one of {', '.join(LANGUAGES)}")
    source = value.get("source")
    if source is not None and not isinstance(source, str):
        raise EvalInputError(f"{where}: 'source' must be a string")
    expect = value.get("expect")
    if not isinstance(expect, dict):
        raise EvalInputError(f"{where}: 'expect' must be an object")
    _reject_unknown(expect, EXPECT_KEYS, f"{where} expect")
    events = expect.get("events", [])
    if not isinstance(events, list):
        raise EvalInputError(f"{where}: 'expect.events' must be a list")
    min_events = expect.get("min_events")
    if min_events is not None and not _is_int(min_events):
        raise EvalInputError(f"{where}: 'expect.min_events' must be a whole number")
    absent = expect.get("absent_values", [])
    if not isinstance(absent, list) or not all(_is_int(item) for item in absent):
        raise EvalInputError(f"{where}: 'expect.absent_values' must be a list of whole numbers")
    return Case(
        id=case_id,
        text=text,
        published=_parse_published(value.get("published"), where),
        lang=lang,
        source=source,
        expected=[
            _check_expected(item, f"{where} expected event {n}")
            for n, item in enumerate(events, start=1)
        ],
        min_events=min_events,
        absent_values=list(absent),
        where=where,
    )


def _parse_published(value: object, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise EvalInputError(f"{where}: 'published' must be YYYY-MM-DD or null, got {value!r}")


def _check_expected(item: object, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise EvalInputError(f"{where}: must be an object")
    _reject_unknown(item, EXPECTED_KEYS, where)
    for key in ("event_type", "sub_event_type", "admin1", "location"):
        if key in item and not isinstance(item[key], str):
            raise EvalInputError(f"{where}: {key!r} must be a string")
    if "event_date" in item:
        try:
            date.fromisoformat(str(item["event_date"]))
        except ValueError:
            raise EvalInputError(f"{where}: 'event_date' must be YYYY-MM-DD") from None
    if ("lat" in item) != ("lon" in item):
        raise EvalInputError(f"{where}: 'lat' and 'lon' go together")
    if "km" in item and "lat" not in item:
        raise EvalInputError(f"{where}: 'km' needs 'lat' and 'lon'")
    for key in ("lat", "lon", "km"):
        if key in item and not _is_number(item[key]):
            raise EvalInputError(f"{where}: {key!r} must be a number")
    for key in ("fatalities", "injured", *BOUND_KEYS):
        if key in item and item[key] is not None and not _is_int(item[key]):
            raise EvalInputError(f"{where}: {key!r} must be a whole number or null")
    weapons = item.get("weapons", [])
    if not isinstance(weapons, list) or not all(isinstance(kind, str) for kind in weapons):
        raise EvalInputError(f"{where}: 'weapons' must be a list of strings")
    if "background" in item and not isinstance(item["background"], bool):
        raise EvalInputError(f"{where}: 'background' must be true or false")
    return item


def _reject_unknown(value: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(value) - known)
    if unknown:
        raise EvalInputError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare_expected(expected: Mapping[str, Any], event: EventDict | None) -> dict[str, bool]:
    """Field name → right, for each field the expectation names (all wrong without event)."""
    checks: dict[str, bool] = {}
    for key in ("event_type", "sub_event_type", "event_date", "claim_status", "date_precision"):
        if key in expected:
            checks[key] = event is not None and event.get(key) == expected[key]
    bounds = [key for key in BOUND_KEYS if key in expected]
    if bounds:
        checks["bounds"] = event is not None and all(
            (event.get(key.split("_")[0]) or {}).get(key.split("_")[1]) == expected[key]
            for key in bounds
        )
    location = location_of(event) if event is not None else {}
    if "admin1" in expected:
        checks["admin1"] = bool(location.get("admin1")) and admin1_key(
            location.get("admin1")
        ) == admin1_key(expected["admin1"])
    if "location" in expected:
        names = [location.get("name"), *(location.get("sublocations") or [])]
        checks["location"] = place_name_match(expected["location"], names)
    if "lat" in expected:
        distance = distance_km(event, float(expected["lat"]), float(expected["lon"]))
        checks["place"] = distance is not None and distance <= expected.get("km", DEFAULT_KM)
    for key in ("fatalities", "injured"):
        if key in expected:
            checks[key] = event is not None and casualty_best(event, key) == expected[key]
    if "weapons" in expected:
        kinds = {
            str(weapon.get("kind", "")).casefold()
            for weapon in (event.get("weapons") or [] if event is not None else [])
            if isinstance(weapon, Mapping)
        }
        checks["weapons"] = event is not None and all(
            kind.casefold() in kinds for kind in expected["weapons"]
        )
    if "background" in expected:
        checks["background"] = event is not None and (
            bool(event.get("background")) == expected["background"]
        )
    return checks


def score_cases(
    path: str | Path,
    extractor: Extractor = pipeline_extractor,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Score every selected case's expectations against its extraction."""
    cases = read_cases(path)
    indices = select_rows(len(cases), limit, sample, seed)
    fields = {name: FieldScore(note=rule) for name, rule in FIELD_RULES.items()}
    result = EvalResult(dataset="cases", source=str(path), rows=0, fields=fields)
    for done, index in enumerate(indices, start=1):
        _score_case(cases[index], extractor, result)
        result.rows += 1
        if progress:
            progress(done, len(indices))
    result.fields = {name: score for name, score in fields.items() if score.scored}
    return result


def _score_case(case: Case, extractor: Extractor, result: EvalResult) -> None:
    report = Report(
        id=case.id,
        text=case.text,
        published=datetime_at_midnight(case.published) if case.published else None,
        source=case.source,
        language=case.lang,
        origin=case.where,
        format="text",
    )
    events, background = run_extractor(extractor, report)
    background_marked = [{**event, "background": True} for event in background]
    main = events[0] if events else None
    available = [*events[1:], *background_marked]
    wrong: list[str] = []
    matched: list[EventDict | None] = []
    for position, expected in enumerate(case.expected):
        event = main if position == 0 else _take_best(expected, available)
        matched.append(event)
        checks = compare_expected(expected, event)
        for name, is_right in checks.items():
            result.fields[name].add(is_right)
        if position > 0:
            found = event is not None and all(checks.values())
            result.fields["events_found"].add(found)
            if not found:
                wrong.append(f"events_found[{position + 1}]")
        wrong.extend(f"{name}[{position + 1}]" for name, ok in checks.items() if not ok)
        if "event_type" in expected:
            predicted = str(event.get("event_type")) if event is not None else NO_EVENT
            count_confusion(result.confusion, expected["event_type"], predicted)
    if case.min_events is not None:
        enough = len(events) >= case.min_events
        result.fields["min_events"].add(enough)
        if not enough:
            wrong.append("min_events")
    if case.min_events is None:
        foreground = [e for e in case.expected if not e.get("background")]
        extra = len(events) > len(foreground)
        result.fields["no_extra_events"].add(not extra)
        if extra:
            wrong.append(f"no_extra_events ({len(events)} for {len(foreground)})")
    if case.absent_values:
        present = set().union(*(casualty_values(event) for event in [*events, *background]))
        leaked = sorted(present.intersection(case.absent_values))
        result.fields["absent_values"].add(not leaked)
        if leaked:
            wrong.append("absent_values " + ",".join(str(value) for value in leaked))
    if wrong:
        result.misses.append(
            Miss(
                row_id=case.id,
                text=case.text,
                fields=wrong,
                gold={"expected": case.expected, "min_events": case.min_events},
                extracted={
                    "events": len(events),
                    "matched": [event_summary(e) if e else None for e in matched],
                }
                if events or background
                else None,
            )
        )


def _take_best(expected: Mapping[str, Any], available: list[EventDict]) -> EventDict | None:
    """Remove and return the available event with the most right fields (first on ties)."""
    if not available:
        return None
    scores = [sum(compare_expected(expected, event).values()) for event in available]
    best = max(range(len(available)), key=lambda i: (scores[i], -i))
    return available.pop(best)
