"""Measure place spotting and resolution on ACLED notes (read from ../shared, never copied).

For each row: spot places in the notes, take the first settlement (known or not; else the
first admin1, else the first country), resolve it in the context of all spans, and compare
with the gold admin1 and point. Prints the share right per measure and the number of rows scored.

    .venv/bin/python scripts/measure_places.py [--misses N]
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

from khronika.places import Gazetteer, build_context, haversine_km, resolve, spot_places
from khronika.places.resolve import main_place

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
FILES = ("acled-ukraine-2018-2023.csv", "acled-somalia-2025.csv")
_UNIT_WORDS = re.compile(r"\b(oblast|region)\b", re.IGNORECASE)


def admin1_text(value: str | None) -> str:
    """Admin1 compared case-insensitively, without "Oblast"/"Region"."""
    return _UNIT_WORDS.sub("", value or "").strip().casefold()


def measure(path: Path, gazetteer: Gazetteer, misses: int) -> None:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    admin1_right = near_all = near_precise = precise_rows = 0
    shown = 0
    started = time.perf_counter()
    for row in rows:
        notes = row["notes"]
        spans = spot_places(notes, gazetteer=gazetteer)
        main = main_place(spans)
        place = None
        if main is not None:
            place = resolve(main, build_context(spans, gazetteer), gazetteer=gazetteer)
        gold = (float(row["latitude"]), float(row["longitude"]))
        right_admin1 = place is not None and admin1_text(place.admin1) == admin1_text(row["admin1"])
        within = (
            place is not None
            and place.latitude is not None
            and place.longitude is not None
            and haversine_km(place.latitude, place.longitude, *gold) <= 10
        )
        admin1_right += right_admin1
        near_all += within
        if row["geo_precision"] == "1":
            precise_rows += 1
            near_precise += within
        if (not right_admin1 or not within) and shown < misses:
            shown += 1
            got = place and (place.name, place.admin1, place.latitude, place.longitude)
            print(f"  MISS {row['location']!r} / {row['admin1']} -> {got}\n    {notes[:160]}")
    seconds = time.perf_counter() - started
    print(f"{path.name}: {len(rows)} rows ({seconds:.1f} s)")
    print(f"  admin1 right:                  {admin1_right / len(rows):.3f}")
    print(
        f"  within 10 km, geo_precision 1: {near_precise / max(precise_rows, 1):.3f}"
        f" of {precise_rows}"
    )
    print(f"  within 10 km, all rows:        {near_all / len(rows):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=0, help="print this many misses per file")
    args = parser.parse_args()
    if not EVAL.exists():
        raise SystemExit(f"no evaluation data at {EVAL}")
    gazetteer = Gazetteer.default()
    for name in FILES:
        measure(EVAL / name, gazetteer, args.misses)


if __name__ == "__main__":
    main()
