"""Gazetteer sources a user adds: GeoNames country files and a supplement CSV.

They are kept as files in the data dir's ``imports`` folder (so each KHRONIKA_HOME has its
own) and merged into the index whenever it is built; adding one changes the index's name, so
the next load rebuilds it. GeoNames publishes two files per country: the full dump
(``export/dump/CC.zip``, every feature with alternate names) and the postal-code dump
(``export/zip/CC.zip``, a point per post office, which names most villages).
"""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.request
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

GEONAMES_BASE = "https://download.geonames.org"
DUMP = "dump"
POSTAL = "postal"
SOURCES = {DUMP: "export/dump", POSTAL: "export/zip"}
_DUMP_COLUMNS = 19
_POSTAL_COLUMNS = 12
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_USABLE_ALIAS = re.compile(r"^[\s\u0020-\u024f\u0400-\u04ff’ʼ]+$")
SUPPLEMENT_COLUMNS = ("name", "latitude", "longitude", "country")
SUPPLEMENT_OPTIONAL = ("aliases", "parent", "population")


@dataclass(frozen=True)
class ImportedPlace:
    """One populated place from a user-added source, before it is joined to the index."""

    source_id: str
    name: str
    aliases: tuple[str, ...]
    country: str
    admin1_code: str | None  # a GeoNames admin1 code (full dump)
    admin1_name: str | None  # an admin1 name to look up (postal file, supplement)
    admin2: str | None
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True)
class ReadResult:
    """The places read from one file and the rows skipped, with why."""

    kind: str
    places: list[ImportedPlace]
    skipped: list[str]


def imports_dir(home: Path) -> Path:
    """The folder of user-added sources inside a data dir."""
    return home / "imports"


def imported_files(home: Path) -> list[Path]:
    """Every user-added source file of a data dir, in a stable order."""
    folder = imports_dir(home)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".csv"))


def check_country(country: str) -> str:
    """An ISO 3166 alpha-2 code in capitals, or a ValueError naming the bad value."""
    code = country.strip().upper()
    if not _COUNTRY.match(code):
        raise ValueError(f"country {country!r}: expected a two-letter ISO code such as UA")
    return code


def download(country: str, kind: str, base: str = GEONAMES_BASE, timeout: float = 60.0) -> bytes:
    """Fetch GeoNames' zip of ``kind`` (dump or postal) for ``country``."""
    url = f"{base.rstrip('/')}/{SOURCES[kind]}/{check_country(country)}.zip"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read()
    except (urllib.error.URLError, OSError) as err:
        raise OSError(f"{url}: download failed: {err}") from err
    return data


def text_of(data: bytes, origin: str, country: str) -> str:
    """The country table inside a GeoNames zip (or a plain text file's content)."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                wanted = f"{check_country(country)}.txt"
                if wanted not in archive.namelist():
                    raise ValueError(f"{origin}: the zip holds no {wanted}")
                data = archive.read(wanted)
        except zipfile.BadZipFile as err:
            raise ValueError(f"{origin}: not a readable zip file ({err})") from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{origin}: not UTF-8 text ({err})") from err


def read_geonames(text: str, origin: str, country: str) -> ReadResult:
    """Parse a GeoNames country table; the column count tells the dump from the postal file."""
    code = check_country(country)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{origin}: the file is empty")
    width = len(lines[0].split("\t"))
    if width == _DUMP_COLUMNS:
        return _read_dump(lines, origin, code)
    if width == _POSTAL_COLUMNS:
        return _read_postal(lines, origin, code)
    raise ValueError(
        f"{origin}: {width} tab-separated columns; a GeoNames dump has {_DUMP_COLUMNS} "
        f"and a postal-code file {_POSTAL_COLUMNS}"
    )


def _coordinates(latitude: str, longitude: str) -> tuple[float, float] | None:
    try:
        point = float(latitude), float(longitude)
    except ValueError:
        return None
    return point if -90 <= point[0] <= 90 and -180 <= point[1] <= 180 else None


def _read_dump(lines: list[str], origin: str, country: str) -> ReadResult:
    places: list[ImportedPlace] = []
    skipped: list[str] = []
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != _DUMP_COLUMNS:
            skipped.append(f"{origin}:{number}: {len(fields)} columns, not {_DUMP_COLUMNS}")
            continue
        if fields[6] != "P" or fields[8] != country:
            continue  # not a populated place of this country: not wanted, not an error
        point = _coordinates(fields[4], fields[5])
        if point is None:
            skipped.append(f"{origin}:{number}: bad coordinates {fields[4]!r}, {fields[5]!r}")
            continue
        aliases = tuple(a for a in fields[3].split(",") if a and _USABLE_ALIAS.match(a))
        places.append(
            ImportedPlace(
                source_id=f"geonames:{fields[0]}",
                name=fields[1],
                aliases=(fields[2], *aliases),
                country=country,
                admin1_code=fields[10] or None,
                admin1_name=None,
                admin2=None,
                latitude=point[0],
                longitude=point[1],
                population=int(fields[14]) if fields[14].isdigit() else 0,
            )
        )
    return ReadResult(DUMP, places, skipped)


def _read_postal(lines: list[str], origin: str, country: str) -> ReadResult:
    """Post offices grouped into places: one point per (name, admin1, admin2), averaged."""
    groups: dict[tuple[str, str, str], list[tuple[str, float, float]]] = defaultdict(list)
    skipped: list[str] = []
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != _POSTAL_COLUMNS:
            skipped.append(f"{origin}:{number}: {len(fields)} columns, not {_POSTAL_COLUMNS}")
            continue
        if fields[0] != country:
            skipped.append(f"{origin}:{number}: country {fields[0]!r}, not {country}")
            continue
        point = _coordinates(fields[9], fields[10])
        if point is None or not fields[2].strip():
            skipped.append(f"{origin}:{number}: no place name or bad coordinates")
            continue
        groups[(fields[2].strip(), fields[3], fields[5])].append((fields[1], *point))
    places = [
        ImportedPlace(
            source_id=f"postal:{country}:{points[0][0]}",
            name=name,
            aliases=(),
            country=country,
            admin1_code=None,
            admin1_name=admin1 or None,
            admin2=admin2 or None,
            latitude=round(sum(p[1] for p in points) / len(points), 5),
            longitude=round(sum(p[2] for p in points) / len(points), 5),
            population=0,
        )
        for (name, admin1, admin2), points in groups.items()
    ]
    return ReadResult(POSTAL, places, skipped)


def read_supplement(path: Path) -> ReadResult:
    """A user's CSV of places no source has: name, latitude, longitude, country (ISO code),
    and optionally aliases (|-separated), parent (the admin1 name) and population.
    Any bad row is an error naming the file and line: a user's place is never dropped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read as UTF-8 text ({err})") from err
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in SUPPLEMENT_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} in the header")
    unknown = [c for c in header if c not in SUPPLEMENT_COLUMNS + SUPPLEMENT_OPTIONAL]
    if unknown:
        raise ValueError(f"{path}: unknown column(s) {', '.join(unknown)}")
    places = []
    for row in reader:
        line = reader.line_num
        name = (row.get("name") or "").strip()
        if not name:
            raise ValueError(f"{path}:{line}: empty name")
        point = _coordinates(row.get("latitude") or "", row.get("longitude") or "")
        if point is None:
            raise ValueError(f"{path}:{line}: latitude/longitude must be numbers in range")
        try:
            country = check_country(row.get("country") or "")
        except ValueError as err:
            raise ValueError(f"{path}:{line}: {err}") from err
        population = (row.get("population") or "0").strip() or "0"
        if not population.isdigit():
            raise ValueError(f"{path}:{line}: population {population!r} is not a whole number")
        places.append(
            ImportedPlace(
                source_id=f"supplement:{path.stem}:{line}",
                name=name,
                aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a),
                country=country,
                admin1_code=None,
                admin1_name=(row.get("parent") or "").strip() or None,
                admin2=None,
                latitude=point[0],
                longitude=point[1],
                population=int(population),
            )
        )
    if not places:
        raise ValueError(f"{path}: no places in the file")
    return ReadResult("supplement", places, [])


def read_imported(path: Path) -> ReadResult:
    """Read a file saved in the imports folder (named geonames-KIND-CC.txt or *.csv)."""
    if path.suffix == ".csv":
        return read_supplement(path)
    country = path.stem.rsplit("-", 1)[-1]
    return read_geonames(path.read_text(encoding="utf-8"), str(path), country)


def display_name(place: ImportedPlace) -> str:
    """The English name: Ukrainian Cyrillic by the official romanization, others as given."""
    from khronika.places.romanize import romanize_ukrainian

    if place.country == "UA" and _CYRILLIC.search(place.name):
        return romanize_ukrainian(place.name)
    return place.name
