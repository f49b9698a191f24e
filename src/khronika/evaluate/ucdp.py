"""Scoring against UCDP GED rows: each source headline is a report, the row is the event.

UCDP lists several sources of one event, so the row's headlines are reconciled as Khronika
reconciles reports of one event: each headline's main event is taken (in the row's order); the
row's event is the first of them, with the most precise location any of them gives (a settlement
beats a region, geo_precision 1 beats 2) and the casualty figure of the latest headline that
gives one (later figures supersede earlier ones). No headline is searched beyond its main event.
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
    pipeline_extractor_with_candidates,
    run_extractor_lists,
)
from khronika.evaluate.normalize import admin1_loose_match
from khronika.evaluate.readers import (
    EvalInputError,
    GoldRow,
    NoReportText,
    datetime_at_midnight,
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
from khronika.places import build_context, haversine_km, resolve, spot_places
from khronika.places.resolve import main_place
from khronika.records import Place, Report

UCDP_COLUMNS = (
    "id",
    "type_of_violence",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "latitude",
    "longitude",
    "date_start",
    "date_end",
    "best",
    "high",
    "low",
)

FIELD_RULES = {
    "event_found": "some headline of the row yields an event",
    "mention_found": (
        "some headline yields an event or a candidate under the confidence threshold"
        " (nothing the headlines tell is lost)"
    ),
    "event_date": "main event's date within date_start..date_end",
    "admin1": "loose stem match with adm_1 (Kiev→Kyiv, Donets'ka→Donetsk); rows with adm_1",
    "place_25km": "within 25 km; rows with where_prec 1-2",
    "place_25km_location_text": (
        "gazetteer alone on the row's where_description, within 25 km; rows with where_prec 1-2"
        " (extra view: the place step without extraction)"
    ),
    "place_25km_headline_ceiling": (
        "the nearest of the places the row's headlines name (spotted and resolved on each"
        " headline's day, event or not) within 25 km; rows with where_prec 1-2 (extra view: the"
        " most place_25km could reach from these headlines, the gold choosing the place)"
    ),
    "fatalities": "fatalities.best within [low, high] (best when high is 0)",
    "fatalities_null_as_0": "same, null best read as 0",
}

_EXTRA_VIEWS = (  # not listed as misses
    "fatalities_null_as_0",
    "place_25km_location_text",
    "place_25km_headline_ceiling",
)

VIOLENCE_TYPES = {"1": "UCDP 1 state-based", "2": "UCDP 2 non-state", "3": "UCDP 3 one-sided"}

_ARTICLE_SEPARATOR = re.compile(r'"\s*;\s*"')
_ARTICLE = re.compile(r"(?P<outlet>.*?),(?P<date>\d{4}-\d{2}-\d{2}),(?P<headline>.*)", re.DOTALL)


@dataclass(frozen=True)
class Headline:
    text: str
    published: date
    outlet: str | None


@dataclass(frozen=True)
class UcdpGold:
    row_id: str
    where: str
    headlines: list[Headline]
    violence_type: str
    date_start: date
    date_end: date
    adm_1: str
    where_description: str
    location_text: str  # UCDP's where_description: how its coders named the place
    where_prec: int
    latitude: float | None
    longitude: float | None
    best: int | None  # None: no count (UCDP always has one; Khronika's own export may not)
    low: int | None
    high: int | None

    def deaths_range(self) -> tuple[int, int] | None:
        """[low, high], or [best, best] when high is 0 or missing (README rule); None when
        no count is given."""
        if self.best is None:
            return None
        if not self.high or self.low is None:
            return (self.best, self.best)
        return (self.low, self.high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date_start": self.date_start.isoformat(),
            "date_end": self.date_end.isoformat(),
            "where": self.where_description,
            "adm_1": self.adm_1,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "where_prec": self.where_prec,
            "best": self.best,
            "low": self.low,
            "high": self.high,
        }


def split_headlines(row: GoldRow) -> list[Headline]:
    """The row's headlines with their dates.

    ``source_headline`` and ``source_date`` are ``;``-separated lists; when a headline itself
    contains ``;`` the counts differ, and the ``source_article`` entries
    (``"Outlet,YYYY-MM-DD,Headline";...``) are used instead. A single ``source_date`` is
    written dd/mm/yyyy (day first, unlike date_start), several are ISO dates.
    """
    where = row.where()
    headlines = row.get("source_headline").split(";")
    dates = row.get("source_date").split(";")
    outlets = row.get("source_office").split(";")
    if len(headlines) == len(dates):
        return [
            Headline(
                text=text.strip(),
                published=parse_gold_date(day, "dmy", where, "source_date"),
                outlet=(outlets[i].strip() or None) if len(outlets) == len(dates) else None,
            )
            for i, (text, day) in enumerate(zip(headlines, dates, strict=True))
        ]
    entries = _ARTICLE_SEPARATOR.split(row.get("source_article").strip().strip('"'))
    parsed = [_ARTICLE.fullmatch(entry) for entry in entries]
    if len(parsed) != len(dates) or not all(parsed):
        raise EvalInputError(
            f"{where}: {len(headlines)} headlines for {len(dates)} source dates, and "
            "source_article does not resolve it"
        )
    return [
        Headline(
            text=match["headline"].strip(),
            published=date.fromisoformat(match["date"]),
            outlet=match["outlet"].strip() or None,
        )
        for match in parsed
        if match
    ]


def _count(value: str, where: str, column: str) -> int | None:
    """A death count; empty means none given (Khronika's export of an event with no toll)."""
    return parse_gold_int(value, where, column) if value.strip() else None


def parse_ucdp_row(row: GoldRow) -> UcdpGold:
    """One UCDP record as typed gold; date_start/date_end are month first."""
    where = row.where()
    key = row.get("id")
    if not key:
        raise EvalInputError(f"{where}: id is empty")
    headlines = [headline for headline in split_headlines(row) if headline.text]
    if not headlines:
        raise NoReportText(f"{where}: source_headline is empty, there is no report")
    return UcdpGold(
        row_id=f"ucdp:{key}",
        where=where,
        headlines=headlines,
        violence_type=row.get("type_of_violence"),
        date_start=parse_gold_date(row.get("date_start"), "mdy", where, "date_start"),
        date_end=parse_gold_date(row.get("date_end"), "mdy", where, "date_end"),
        adm_1=row.get("adm_1"),
        where_description=row.get("where_coordinates"),
        location_text=row.get("where_description"),
        where_prec=parse_gold_int(row.get("where_prec"), where, "where_prec"),
        latitude=parse_gold_float(row.get("latitude"), where, "latitude"),
        longitude=parse_gold_float(row.get("longitude"), where, "longitude"),
        best=_count(row.get("best"), where, "best"),
        low=_count(row.get("low"), where, "low"),
        high=_count(row.get("high"), where, "high"),
    )


def score_ucdp(
    path: str | Path,
    extractor: Extractor = pipeline_extractor,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Score each selected UCDP row's main event (see the module doc) against the row."""
    if extractor is pipeline_extractor:  # the default: candidates count for mention_found
        extractor = pipeline_extractor_with_candidates
    table = read_gold_csv(path, UCDP_COLUMNS)
    indices = select_rows(len(table.rows), limit, sample, seed)
    fields = {name: FieldScore(note=rule) for name, rule in FIELD_RULES.items()}
    result = EvalResult(dataset="ucdp", source=str(table.path), rows=0, fields=fields)
    if table.fallback_lines:
        result.notes.append(f"{table.fallback_lines} line(s) were not UTF-8, read as cp1252")
    for done, gold in parsed_rows(table, indices, parse_ucdp_row, result.notes):
        main, mentioned = _main_event(gold, extractor)
        _score_row(gold, main, result)
        result.fields["mention_found"].add(main is not None or mentioned)
        result.rows += 1
        if progress:
            progress(done, len(indices))
    return result


def _main_event(gold: UcdpGold, extractor: Extractor) -> tuple[EventDict | None, bool]:
    """The row's main event (None when no headline yields one), and whether any headline
    yields a candidate."""
    mains: list[EventDict] = []
    mentioned = False
    for number, headline in enumerate(gold.headlines, start=1):
        report = headline_report(gold, number, headline)
        events, _, candidates = run_extractor_lists(extractor, report)
        mentioned = mentioned or bool(candidates)
        if events:
            mains.append(events[0])
    return (_reconcile(mains) if mains else None), mentioned


def headline_report(gold: UcdpGold, number: int, headline: Headline) -> Report:
    """One headline of a UCDP row as a report published on its source date."""
    return Report(
        id=f"{gold.row_id}:{number}",
        text=headline.text,
        published=datetime_at_midnight(headline.published),
        source=headline.outlet,
        language="en",
        origin=gold.where,
        format="csv",
    )


def _reconcile(mains: list[EventDict]) -> EventDict:
    """One event from the main events of several reports of it (see the module docstring)."""
    event = dict(mains[0])
    located = [e for e in mains if location_of(e).get("latitude") is not None]
    if located:
        event["location"] = min(located, key=_place_rank)["location"]
    stated = [e for e in mains if (e.get("fatalities") or {}).get("best") is not None]
    if stated:
        event["fatalities"] = stated[-1]["fatalities"]
    return event


def _place_rank(event: EventDict) -> tuple[int, int]:
    location = location_of(event)
    kind_rank = {"city_district": 0, "settlement": 0, "unknown": 1, "admin1": 2}
    precision = location.get("geo_precision")
    return (kind_rank.get(str(location.get("place_kind")), 3), precision if precision else 3)


def _score_row(gold: UcdpGold, main: EventDict | None, result: EvalResult) -> None:
    predicted_type = str(main.get("event_type")) if main is not None else NO_EVENT
    violence = VIOLENCE_TYPES.get(gold.violence_type, f"UCDP {gold.violence_type}")
    count_confusion(result.confusion, violence, predicted_type)
    checks: dict[str, bool] = {"event_found": main is not None}
    checks["event_date"] = main is not None and _date_within(main, gold)
    if gold.adm_1:
        predicted_admin1 = location_of(main).get("admin1") if main is not None else None
        checks["admin1"] = admin1_loose_match(gold.adm_1, predicted_admin1)
    distance = distance_km(main, gold.latitude, gold.longitude)
    if gold.where_prec in (1, 2) and gold.latitude is not None and gold.longitude is not None:
        checks["place_25km"] = distance is not None and distance <= 25
        named = [place for h in gold.headlines for place in places_of_text(h.text, h.published)]
        checks["place_25km_headline_ceiling"] = any(
            place.latitude is not None
            and place.longitude is not None
            and haversine_km(place.latitude, place.longitude, gold.latitude, gold.longitude) <= 25
            for place in named
        )
        if gold.location_text:
            place = place_of_text(gold.location_text, gold.date_start)
            checks["place_25km_location_text"] = (
                place is not None
                and place.latitude is not None
                and place.longitude is not None
                and haversine_km(place.latitude, place.longitude, gold.latitude, gold.longitude)
                <= 25
            )
    deaths = gold.deaths_range()
    if deaths is not None:  # a row with no count is not scored on it
        low, high = deaths
        best = casualty_best(main, "fatalities") if main is not None else None
        checks["fatalities"] = best is not None and low <= best <= high
        checks["fatalities_null_as_0"] = main is not None and low <= (best or 0) <= high
    for name, is_right in checks.items():
        result.fields[name].add(is_right)
    wrong = [name for name, is_right in checks.items() if not is_right and name not in _EXTRA_VIEWS]
    if wrong:
        result.misses.append(
            Miss(
                row_id=gold.row_id,
                text=" | ".join(headline.text for headline in gold.headlines),
                fields=wrong,
                gold=gold.to_dict(),
                extracted=event_summary(main) if main is not None else None,
                distance_km=distance,
            )
        )


def place_of_text(text: str, day: date | None) -> Place | None:
    """Where a short location text ("near Pisky village, Donetsk region") points: its main
    place, resolved with the rest of the text as context, as the pipeline would."""
    spans = spot_places(text)
    span = main_place(spans)
    if span is None:
        return None
    return resolve(span, build_context(spans, when=day))


def places_of_text(text: str, day: date | None) -> list[Place]:
    """Every place a short text names, each resolved with the rest as context."""
    spans = spot_places(text)
    context = build_context(spans, when=day)
    return [resolve(span, context) for span in spans]


def _date_within(main: EventDict, gold: UcdpGold) -> bool:
    value = main.get("event_date")
    if not isinstance(value, str):
        return False
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return False
    return gold.date_start <= day <= gold.date_end
