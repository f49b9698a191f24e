"""``khronika gazetteer``: add sources to the place index, look names up, see what it holds.

    khronika gazetteer add geonames CC [--file PATH] [--source dump|postal] [--url BASE]
    khronika gazetteer add supplement FILE
    khronika gazetteer lookup NAME [--context TEXT] [--date YYYY-MM-DD]
    khronika gazetteer info

Added sources are saved in the data dir ($KHRONIKA_HOME, else the per-user data dir) and the
index is rebuilt there at once, so the next extraction uses them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from khronika.places.gazetteer import Gazetteer, data_home, index_path
from khronika.places.imports import (
    DUMP,
    GEONAMES_BASE,
    SOURCES,
    check_country,
    download,
    imported_files,
    imports_dir,
    read_geonames,
    read_supplement,
    text_of,
)
from khronika.places.resolve import build_context, explain
from khronika.places.spot import spot_places


def build_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``gazetteer`` on a parent's subparsers; the handler is ``run``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "gazetteer", help="add place sources, look names up", description=__doc__
    )
    _add_arguments(parser)
    parser.set_defaults(handler=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="gazetteer_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a source to the index")
    sources = add.add_subparsers(dest="source_type", required=True, metavar="SOURCE")
    geonames = sources.add_parser("geonames", help="GeoNames' files for one country")
    geonames.add_argument("country", help="ISO code, e.g. UA")
    geonames.add_argument("--file", type=Path, help="a local copy (.zip or .txt), no download")
    geonames.add_argument(
        "--source",
        choices=sorted(SOURCES),
        default=DUMP,
        help="dump: every feature with alternate names; postal: post offices (default dump)",
    )
    geonames.add_argument("--url", default=GEONAMES_BASE, help="download server base URL")
    supplement = sources.add_parser("supplement", help="a CSV of places no source has")
    supplement.add_argument("file", type=Path)
    lookup = actions.add_parser("lookup", help="candidates of a name, scored")
    lookup.add_argument("name")
    lookup.add_argument("--context", default="", help="report text the name appears in")
    lookup.add_argument(
        "--date",
        type=_day,
        help="the report's day, YYYY-MM-DD: candidates near the fighting then score higher",
    )
    actions.add_parser("info", help="what the index holds")


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed ``gazetteer`` command; errors go to stderr with status 1."""
    try:
        if args.gazetteer_action == "add" and args.source_type == "geonames":
            return _add_geonames(args.country, args.file, args.source, args.url)
        if args.gazetteer_action == "add":
            return _add_supplement(args.file)
        if args.gazetteer_action == "lookup":
            return _lookup(args.name, args.context, args.date)
        return _info()
    except (OSError, ValueError) as err:
        print(f"khronika gazetteer: {err}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m khronika.places.command`` (and a CLI that forwards)."""
    parser = argparse.ArgumentParser(prog="khronika gazetteer", description=__doc__)
    _add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    return run(args)


def _add_geonames(country: str, file: Path | None, source: str, base: str) -> int:
    code = check_country(country)
    if file is not None:
        try:
            data = file.read_bytes()
        except OSError as err:
            raise OSError(f"{file}: cannot read ({err.strerror or err})") from err
        origin = str(file)
    else:
        data = download(code, source, base)
        origin = f"{base.rstrip('/')}/{SOURCES[source]}/{code}.zip"
    text = text_of(data, origin, code)
    result = read_geonames(text, origin, code)
    if not result.places:
        raise ValueError(f"{origin}: no populated places of {code} in the file")
    target = imports_dir(data_home()) / f"geonames-{result.kind}-{code}.txt"
    _save(target, text)
    print(f"{origin}: {len(result.places)} populated places ({result.kind}) saved to {target}")
    for problem in result.skipped[:10]:
        print(f"  skipped {problem}")
    if len(result.skipped) > 10:
        print(f"  ... {len(result.skipped) - 10} more rows skipped")
    return _rebuild()


def _add_supplement(file: Path) -> int:
    result = read_supplement(file)
    target = imports_dir(data_home()) / f"supplement-{file.stem}.csv"
    _save(target, file.read_text(encoding="utf-8-sig"))
    print(f"{file}: {len(result.places)} places saved to {target}")
    return _rebuild()


def _save(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".part{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def _rebuild() -> int:
    started = time.perf_counter()
    path = index_path()
    Gazetteer._default = None
    gazetteer = Gazetteer.load(path)
    Gazetteer._default = gazetteer
    print(f"index {path} ready in {time.perf_counter() - started:.1f} s: {gazetteer.size} places")
    return 0


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _lookup(name: str, context: str, day: date | None = None) -> int:
    gazetteer = Gazetteer.default()
    text = context if name in context else f"{context} {name}".strip()
    spans = spot_places(text, gazetteer=gazetteer)
    span = next((s for s in spans if s.surface == name), None)
    if span is None:
        span = next((s for s in spans if name in s.surface or s.surface in name), None)
    if span is None:
        print(f"{name!r}: no place of that name in the gazetteer")
        return 1
    for line in explain(span, build_context(spans, gazetteer, when=day), gazetteer):
        print(line)
    return 0


def _info() -> int:
    path = index_path()
    gazetteer = Gazetteer.default()
    print(f"data dir: {data_home()}")
    print(f"index:    {path}")
    print(f"places:   {gazetteer.size} ({gazetteer.approximate_count} placed at their hromada)")
    for country, count in gazetteer.counts_by_country()[:10]:
        print(f"  {country}: {count}")
    for imported in imported_files(data_home()):
        print(f"import:   {imported.name} ({imported.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
