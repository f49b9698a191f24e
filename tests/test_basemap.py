"""The committed offline basemap the map page draws: valid GeoJSON, Ukraine in its recognised
borders, one outline per admin1 unit under the names events carry, placed where the cities are.

Only the committed file is read (no build dependencies); the rebuild test runs when shapely,
world-atlas and the GeoNames postal file beside the repository are at hand."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASEMAP = ROOT / "src/khronika/serving/static/geo/basemap.json"
CURATED = ROOT / "src/khronika/places/data/admin1_curated.tsv"
POSTAL = ROOT.parent / "shared/gazetteer/UA-geonames-postal.txt"
Ring = list[list[float]]
Polygon = list[Ring]


@pytest.fixture(scope="module")
def basemap() -> dict[str, Any]:
    return json.loads(BASEMAP.read_text(encoding="utf-8"))


def polygons(feature: dict[str, Any]) -> list[Polygon]:
    geometry = feature["geometry"]
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting: a ray to the east crosses the ring an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(feature: dict[str, Any], lat: float, lon: float) -> bool:
    return any(
        in_ring(lon, lat, shell) and not any(in_ring(lon, lat, hole) for hole in holes)
        for shell, *holes in polygons(feature)
    )


def signed_area(ring: Ring) -> float:
    """Shoelace area in degrees², longitude scaled by the cosine of 48.5° (mid-Ukraine);
    positive when the ring runs counter-clockwise."""
    scale = math.cos(math.radians(48.5))
    pairs = zip(ring, ring[1:], strict=False)
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs) / 2 * scale


def ring_area(ring: Ring) -> float:
    return abs(signed_area(ring))


def area(feature: dict[str, Any]) -> float:
    return sum(
        ring_area(shell) - sum(ring_area(hole) for hole in holes)
        for shell, *holes in polygons(feature)
    )


def layer(basemap: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    return {
        f["properties"]["name"]: f for f in basemap["features"] if f["properties"]["layer"] == name
    }


def ukrainian_admin1_names() -> set[str]:
    """The names Khronika gives Ukraine's units (event.location.admin1, the API's admin1)."""
    rows = [line.split("\t") for line in CURATED.read_text(encoding="utf-8").splitlines()]
    return {row[3] for row in rows if row[0] == "UA"}


def test_valid_geojson_and_small(basemap: dict[str, Any]) -> None:
    assert basemap["type"] == "FeatureCollection"
    assert "GeoNames" in basemap["attribution"] and "Natural Earth" in basemap["attribution"]
    assert BASEMAP.stat().st_size <= 1_000_000
    for feature in basemap["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert feature["properties"]["layer"] in ("country", "oblast")
        for shell, *holes in polygons(feature):
            assert signed_area(shell) > 0 and all(signed_area(h) < 0 for h in holes)  # RFC 7946
            for ring in [shell, *holes]:
                assert len(ring) >= 4 and ring[0] == ring[-1]
                for lon, lat in ring:
                    assert 18 <= lon <= 46 and 41 <= lat <= 57
                    assert round(lon, 4) == lon and round(lat, 4) == lat


def test_countries_around_ukraine(basemap: dict[str, Any]) -> None:
    codes = {f["properties"]["iso_a2"] for f in layer(basemap, "country").values()}
    assert {"UA", "RU", "BY", "PL", "SK", "HU", "RO", "MD", "TR", "GE"} <= codes
    assert all(len(code) == 2 for code in codes)


def test_oblasts_complete_under_khronika_names(basemap: dict[str, Any]) -> None:
    oblasts = layer(basemap, "oblast")
    assert set(oblasts) == ukrainian_admin1_names()
    assert len(oblasts) == 27
    for name, feature in oblasts.items():
        assert feature["properties"]["admin1"] == name
        assert feature["properties"]["name_uk"]
    assert oblasts["Kharkiv"]["properties"]["name_uk"] == "Харківська область"
    assert oblasts["Crimea"]["properties"]["name_uk"] == "Автономна Республіка Крим"


@pytest.mark.parametrize(
    ("place", "lat", "lon", "oblast"),
    [
        ("Kharkiv", 49.99, 36.23, "Kharkiv"),
        ("Lviv", 49.84, 24.03, "Lviv"),
        ("Simferopol", 44.95, 34.10, "Crimea"),
        ("Sevastopol", 44.60, 33.52, "Sevastopol"),
        ("Donetsk", 48.00, 37.80, "Donetsk"),
        ("Luhansk", 48.57, 39.31, "Luhansk"),
        ("Kyiv", 50.45, 30.52, "Kyiv City"),
        ("Bila Tserkva", 49.81, 30.11, "Kyiv"),
        ("Odesa", 46.48, 30.73, "Odesa"),
        ("Mariupol", 47.10, 37.55, "Donetsk"),
        ("Melitopol", 46.84, 35.37, "Zaporizhia"),
        ("Kherson", 46.64, 32.61, "Kherson"),
        ("Dnipro", 48.46, 35.04, "Dnipropetrovsk"),
        ("Uzhhorod", 48.62, 22.29, "Zakarpattia"),
    ],
)
def test_cities_fall_in_their_oblast(
    basemap: dict[str, Any], place: str, lat: float, lon: float, oblast: str
) -> None:
    oblasts = layer(basemap, "oblast")
    holding = [name for name, feature in oblasts.items() if contains(feature, lat, lon)]
    assert holding == [oblast], place
    assert contains(layer(basemap, "country")["Ukraine"], lat, lon), place


def test_ukraine_in_recognised_borders(basemap: dict[str, Any]) -> None:
    countries = layer(basemap, "country")
    for lat, lon in [(44.95, 34.10), (44.60, 33.52), (45.36, 36.47)]:  # Crimea
        assert contains(countries["Ukraine"], lat, lon)
        assert not contains(countries["Russia"], lat, lon)
    assert contains(countries["Russia"], 50.60, 36.59)  # Belgorod
    assert not contains(countries["Ukraine"], 50.60, 36.59)
    assert not any(contains(f, 50.60, 36.59) for f in layer(basemap, "oblast").values())


def test_oblasts_cover_ukraine(basemap: dict[str, Any]) -> None:
    """Areas add up, and a grid of points inside Ukraine each lies in exactly one oblast."""
    ukraine = layer(basemap, "country")["Ukraine"]
    oblasts = list(layer(basemap, "oblast").values())
    assert sum(area(f) for f in oblasts) == pytest.approx(area(ukraine), rel=0.01)
    counts = []
    for step_lat in range(44, 53 * 4):
        for step_lon in range(22 * 3, 41 * 3):
            lat, lon = step_lat / 4 + 0.01, step_lon / 3 + 0.01
            if contains(ukraine, lat, lon):
                counts.append(sum(contains(f, lat, lon) for f in oblasts))
    assert len(counts) > 500
    assert sum(count == 1 for count in counts) / len(counts) > 0.99


def test_rebuild_gives_the_committed_file(tmp_path: Path) -> None:
    """The script reproduces basemap.json byte for byte from the sources."""
    if importlib.util.find_spec("shapely") is None:
        pytest.skip("shapely not installed (pip install -e '.[basemap]')")
    if not POSTAL.is_file():
        pytest.skip(f"GeoNames postal file not found at {POSTAL}")
    atlas = Path(os.environ.get("WORLD_ATLAS", ROOT / ".venv/world-atlas/node_modules/world-atlas"))
    if not (atlas / "countries-10m.json").is_file():
        pytest.skip(
            f"world-atlas not found at {atlas} (`make basemap` installs it; or set WORLD_ATLAS)"
        )
    output = tmp_path / "basemap.json"
    script = ROOT / "scripts/build_basemap.py"
    command = [sys.executable, str(script), "--world-atlas", str(atlas), "--postal", str(POSTAL)]
    subprocess.run([*command, "--output", str(output)], check=True, capture_output=True)
    assert output.read_bytes() == BASEMAP.read_bytes()
