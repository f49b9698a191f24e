"""The ``khronika`` command: parse arguments, call the library, print.

Exit status: 0 when everything went well, 1 when an input, an extraction or a lookup failed,
2 for usage errors. Every error is one line ``khronika: error: ...`` on stderr (read and
extraction errors name their input instead).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO, TypeVar

from tqdm import tqdm

from khronika import __version__, export, pipeline
from khronika.ingest import FORMATS as INPUT_FORMATS
from khronika.ingest import ReadOptions, read_paths
from khronika.ingest.parse import parse_published
from khronika.ingest_run import IngestSummary, extraction_error, ingest, retry_failed
from khronika.records import Report
from khronika.store import (
    EventFilter,
    Store,
    StoreError,
    default_db_path,
    parse_date,
    parse_near,
    resolve_country,
)

LANGUAGES = ("en", "uk", "ru")
COLUMN_FIELDS = ("text", "id", "title", "url", "published", "source", "lang")

T = TypeVar("T")


class Parser(argparse.ArgumentParser):
    """argparse with errors as one line ``khronika: error: ...``."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"khronika: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type`` whose ValueError message becomes the error shown for the option."""

    def convert(value: str) -> T:
        try:
            return parse(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = parse.__name__
    return convert


def _integer(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"not a whole number: {value!r}") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}, got {value!r}")
        return number

    return _checked(parse)


def _column(value: str) -> tuple[str, str]:
    name, sep, column = value.partition("=")
    if not sep or not column:
        raise ValueError(f"expected FIELD=COLUMN, got {value!r}")
    if name not in COLUMN_FIELDS:
        raise ValueError(
            f"unknown field {name!r} in {value!r} (fields: {', '.join(COLUMN_FIELDS)})"
        )
    return name, column


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reading")
    group.add_argument(
        "--published",
        metavar="DATE",
        type=_checked(parse_published),
        help="publication date of inputs that lack one (ISO date or date-time)",
    )
    group.add_argument("--source", metavar="NAME", help="outlet of inputs that name none")
    group.add_argument("--lang", choices=LANGUAGES, help="language of the inputs (else detected)")
    group.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        metavar="FMT",
        help=f"read every input as this format ({', '.join(INPUT_FORMATS)}); else guessed",
    )
    group.add_argument(
        "--column",
        metavar="FIELD=COL",
        action="append",
        type=_checked(_column),
        default=[],
        help=f"CSV: take FIELD ({', '.join(COLUMN_FIELDS)}) from column COL; repeatable",
    )
    group.add_argument(
        "--max-bytes",
        metavar="N",
        type=_integer(1),
        default=ReadOptions.max_bytes,
        help="refuse inputs larger than N bytes (default: %(default)s)",
    )


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", help="SQLite database (default: $KHRONIKA_DB, else khronika.db)"
    )


def build_parser() -> Parser:
    parser = Parser(
        prog="khronika",
        description="Conflict news in; dated, geocoded, source-attributed events out.",
    )
    parser.add_argument("--version", action="version", version=f"khronika {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = commands.add_parser(
        "extract", help="print the events of each report", description=_extract.__doc__
    )
    extract.add_argument("files", nargs="+", metavar="FILE", help="input files; - for stdin")
    extract.add_argument(
        "--format", choices=("jsonl", "pretty"), default="jsonl", help="output (default: jsonl)"
    )
    extract.add_argument(
        "--candidates",
        action="store_true",
        help="also print the mentions under the confidence threshold, with their reasons",
    )
    _add_reading_options(extract)
    extract.set_defaults(handler=_extract)

    ingest_cmd = commands.add_parser(
        "ingest", help="store reports and their events", description=_ingest.__doc__
    )
    ingest_cmd.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; - stdin")
    ingest_cmd.add_argument(
        "--retry-failed", action="store_true", help="extract stored failed reports again"
    )
    _add_db_option(ingest_cmd)
    _add_reading_options(ingest_cmd)
    ingest_cmd.set_defaults(handler=_ingest)

    events = commands.add_parser(
        "events", help="query stored events and export them", description=_events.__doc__
    )
    _add_db_option(events)
    events.add_argument("--since", metavar="DATE", type=_checked(parse_date), help="from DATE")
    events.add_argument("--until", metavar="DATE", type=_checked(parse_date), help="to DATE")
    events.add_argument(
        "--country",
        metavar="CC|NAME",
        type=_checked(resolve_country),
        help="ISO code or English name",
    )
    events.add_argument("--admin1", metavar="NAME", help="first-level region, e.g. Kharkiv")
    events.add_argument(
        "--type", metavar="TYPE", dest="event_type", help="event type or sub-type (any case)"
    )
    events.add_argument(
        "--near",
        metavar="LAT,LON,KM",
        type=_checked(parse_near),
        help="within KM kilometres of a point",
    )
    events.add_argument("--min-killed", metavar="N", type=_integer(0), help="best killed >= N")
    events.add_argument(
        "--background", action="store_true", help="include background events (ongoing context)"
    )
    events.add_argument("--limit", metavar="N", type=_integer(1), help="at most N events")
    events.add_argument(
        "--format", choices=export.FORMATS, default="table", help="output (default: table)"
    )
    events.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    events.set_defaults(handler=_events)

    show = commands.add_parser(
        "show", help="one event with the evidence of each field", description=_show.__doc__
    )
    show.add_argument("event_id", metavar="EVENT_ID")
    _add_db_option(show)
    show.add_argument("--json", action="store_true", help="print the event's JSON")
    show.set_defaults(handler=_show)

    reports = commands.add_parser(
        "reports", help="list stored reports", description=_reports.__doc__
    )
    _add_db_option(reports)
    reports.add_argument(
        "--failed", action="store_true", help="only reports whose extraction failed"
    )
    reports.set_defaults(handler=_reports)

    commands.add_parser(
        "gazetteer",
        help="the place index: lookup NAME, add geonames CC, add supplement FILE, info",
        add_help=False,
    )
    evaluate = commands.add_parser(
        "eval",
        help="score extraction against gold data (acled, ucdp, cases)",
        description="khronika eval {acled,ucdp,cases} FILE [--json] [--limit N] ...",
        add_help=False,  # --help goes on to the evaluation command itself
    )
    evaluate.add_argument("arguments", nargs=argparse.REMAINDER)
    evaluate.set_defaults(handler=_eval)
    return parser


class UsageError(Exception):
    """An argument combination argparse cannot check; exits with status 2."""


class CommandError(Exception):
    """A command could not do what was asked; exits with status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["eval"]:  # its options (--help too) belong to the evaluation command
        return _run_eval(arguments[1:])
    if arguments[:1] == ["gazetteer"]:  # likewise for the gazetteer's own subcommands
        from khronika.places.command import main as gazetteer_main

        return gazetteer_main(arguments[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    try:
        status: int = args.handler(args)
    except UsageError as err:
        _error(str(err))
        return 2
    except (CommandError, StoreError) as err:
        _error(str(err))
        return 1
    except BrokenPipeError:
        # The reader went away (`khronika events | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def _eval(args: argparse.Namespace) -> int:
    """Score the extraction against a gold file; see ``khronika eval --help``."""
    return _run_eval(args.arguments)


def _run_eval(arguments: list[str]) -> int:
    from khronika.evaluate.command import main as evaluate_main

    try:
        return evaluate_main(arguments, prog="khronika eval")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2


def _error(message: str) -> None:
    sys.stderr.write(f"khronika: error: {message}\n")


def _read_options(args: argparse.Namespace) -> ReadOptions:
    columns: dict[str, str] = {}
    for name, column in args.column:
        if name in columns and columns[name] != column:
            raise UsageError(
                f"argument --column: {name} given twice ({columns[name]!r} and {column!r})"
            )
        columns[name] = column
    return ReadOptions(
        published=args.published,
        source=args.source,
        lang=args.lang,
        columns=columns,
        max_bytes=args.max_bytes,
        format=args.input_format,
    )


def _progress(items: Iterable[T]) -> Iterable[T]:
    """A progress bar on stderr, shown only when stderr is a terminal."""
    return tqdm(items, unit="report", file=sys.stderr, disable=not sys.stderr.isatty())


def _extract(args: argparse.Namespace) -> int:
    """Print the events of each report: one JSON object per report, or a readable summary."""
    status = 0
    for item in read_paths(args.files, _read_options(args)):
        if not isinstance(item, Report):
            print(item, file=sys.stderr)
            status = 1
            continue
        try:
            extraction = pipeline.extract_report(item)
        except Exception as err:
            print(extraction_error(item, err), file=sys.stderr)
            status = 1
            continue
        data = extraction.to_dict(candidates=args.candidates)
        if args.format == "jsonl":
            print(json.dumps(data, ensure_ascii=False))
        else:
            sys.stdout.write(pretty_extraction(data))
        sys.stdout.flush()
    return status


def _ingest(args: argparse.Namespace) -> int:
    """Store each report (committed first), extract it and store its events.

    Reports already stored are skipped; a failed extraction keeps the report with its error,
    and --retry-failed extracts those again.
    """
    if not args.paths and not args.retry_failed:
        raise UsageError("give PATH... to ingest, or --retry-failed")
    options = _read_options(args)
    summaries: list[tuple[str, IngestSummary]] = []
    with Store(default_db_path(args.db)) as store:
        if args.retry_failed:
            summaries.append(("retried: ", retry_failed(store, wrap=_progress)))
        if args.paths:
            summaries.append(("", ingest(store, _progress(read_paths(args.paths, options)))))
    for prefix, summary in summaries:
        print(prefix + summary.line(), file=sys.stderr)
        for line in summary.errors:
            print(line, file=sys.stderr)
    return 0 if all(summary.ok for _, summary in summaries) else 1


def _event_filter(args: argparse.Namespace) -> EventFilter:
    if args.since and args.until and args.since > args.until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    return EventFilter(
        since=args.since,
        until=args.until,
        country=args.country,
        admin1=args.admin1,
        event_type=args.event_type,
        near=args.near,
        min_killed=args.min_killed,
        include_background=args.background,
        limit=args.limit,
    )


@contextmanager
def _output(path: str | None, csv_like: bool) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8", newline="" if csv_like else None) as handle:
            yield handle
    except OSError as err:
        raise CommandError(f"argument --output: cannot write {path!r}: {err.strerror}") from None


def _events(args: argparse.Namespace) -> int:
    """Query stored events (main events, newest first) and print or write them."""
    filters = _event_filter(args)
    with Store(default_db_path(args.db), create=False) as store:
        events = store.query_events(filters)
    with _output(args.output, args.format in ("csv", "acled")) as out:
        export.write(events, args.format, out)
    return 0


def _show(args: argparse.Namespace) -> int:
    """Print one event with the evidence of each field: quote, offsets, speaker, report, rule."""
    with Store(default_db_path(args.db), create=False) as store:
        event = store.get_event(args.event_id)
        if event is None:
            similar = store.event_ids_starting(args.event_id)
            hint = f"; ids starting so: {', '.join(similar)}" if similar else ""
            raise CommandError(f"no event with id {args.event_id!r}{hint}")
        if args.json:
            print(json.dumps(event, ensure_ascii=False, indent=2))
            return 0
        reports: dict[str, dict[str, Any] | None] = {}
        for report_id in _evidence_report_ids(event):
            stored = store.get_report(report_id)
            reports[report_id] = stored.report.to_dict() if stored else None
    sys.stdout.write(explain_event(event, reports))
    return 0


def _reports(args: argparse.Namespace) -> int:
    """List stored reports: id, status, origin, title and, for failed ones, the error."""
    with Store(default_db_path(args.db), create=False) as store:
        stored = store.failed_reports() if args.failed else store.reports()
        counts = store.counts()
    for item in stored:
        report = item.report
        line = "  ".join(
            [report.id, item.status.ljust(7), report.origin or "-", report.title or "(no title)"]
        )
        print(line)
        if item.error:
            print(f"    error: {item.error}")
    print(
        f"{counts['reports']} reports: {counts['done']} done, {counts['failed']} failed, "
        f"{counts['pending']} pending; {counts['events']} events, "
        f"{counts['background']} background",
        file=sys.stderr,
    )
    return 0


# Readable text for `extract --format pretty` and `show`.


def _figure_text(figure: dict[str, Any], attributed: bool = True) -> str:
    value = figure.get("value")
    amount = figure.get("word") or ("?" if value is None else str(value))
    if figure.get("word") and value is not None:
        amount += f" (~{value})"
    qualifier = figure.get("qualifier")
    text = amount if qualifier in (None, "exact") else f"{qualifier} {amount}"
    if figure.get("group") not in (None, "all"):
        text += f" {figure['group']}"
    remarks = [figure.get("speaker"), figure.get("channel")] if attributed else []
    if figure.get("as_of"):
        remarks.append(f"as of {figure['as_of']}")
    said = ", ".join(part for part in remarks if part)
    return f"{text} [{said}]" if said else text


def _casualty_text(casualties: dict[str, Any] | None) -> str:
    casualties = casualties or {}
    best = casualties.get("best")
    text = "unknown" if best is None else str(best)
    bounds = [
        f"{key} {casualties[key]}" for key in ("low", "high") if casualties.get(key) is not None
    ]
    if bounds:
        text += f" ({', '.join(bounds)})"
    history = casualties.get("history") or []
    if history:
        text += "; said: " + " → ".join(_figure_text(figure) for figure in history)
    return text


def _place_text(place: dict[str, Any] | None) -> str:
    if not place:
        return "unknown"
    parts = [place.get("name"), place.get("admin1"), place.get("country_code")]
    text = ", ".join(dict.fromkeys(part for part in parts if part)) or "unknown"
    if place.get("latitude") is not None and place.get("longitude") is not None:
        text += f" ({place['latitude']:.4f}, {place['longitude']:.4f})"
    if place.get("geo_precision") is not None:
        text += f" precision {place['geo_precision']}"
    return text


def _date_text(event: dict[str, Any]) -> str:
    text = event.get("event_date") or "undated"
    if event.get("date_end"):
        text += f" to {event['date_end']}"
    return f"{text} ({event.get('date_precision')})"


def _event_lines(event: dict[str, Any], bullet: str, indent: str) -> list[str]:
    """The event's heading after ``bullet``, its fields below it indented by ``indent``."""
    lines = [
        f"{bullet}{_date_text(event)}  {event.get('event_type')} / {event.get('sub_event_type')}"
        f"  [{event.get('id')}]",
        f"{indent}place: {_place_text(event.get('location'))}",
        f"{indent}killed: {_casualty_text(event.get('fatalities'))}",
        f"{indent}injured: {_casualty_text(event.get('injured'))}",
    ]
    optional = {
        "weapons": export.weapons_cell(event),
        "targets": export.targets_cell(event),
        "sources": "; ".join(export.source_labels(event)),
        "claim": event.get("claim_status") if event.get("claim_status") != "reported" else "",
        "confidence": _confidence_text(event),
        "notes": event.get("notes"),
    }
    lines += [f"{indent}{label}: {value}" for label, value in optional.items() if value]
    return lines


def _confidence_text(event: dict[str, Any]) -> str:
    value = event.get("confidence")
    if value is None:
        return ""
    reasons = event.get("confidence_reasons") or []
    return f"{value:.2f}" + (f" ({'; '.join(reasons)})" if reasons else "")


def pretty_extraction(data: dict[str, Any]) -> str:
    """A readable summary of one ``Extraction.to_dict()``: its events, then its background."""
    report = data["report"]
    parts = [report.get("title"), f"[{report['id']}]", report.get("origin")]
    lines = ["== " + "  ".join(part for part in parts if part)]
    events = data.get("events") or []
    if not events:
        lines.append("  no events found")
    for number, event in enumerate(events, 1):
        lines += _event_lines(event, f"  {number}. ", "     ")
    background = data.get("background") or []
    if background:
        lines.append("  background:")
        for event in background:
            lines += _event_lines(event, "   - ", "     ")
    candidates = data.get("candidates") or []
    if candidates:
        lines.append("  candidates (under the confidence threshold):")
        for event in candidates:
            lines += _event_lines(event, "   ? ", "     ")
    return "\n".join(lines) + "\n\n"


def _evidence_report_ids(event: dict[str, Any]) -> list[str]:
    """Every report the event's evidence points to, its own reports first."""
    ids = list(event.get("report_ids") or [])
    ids += [evidence["report_id"] for _, evidence in _evidence_items(event)]
    ids += [source["report_id"] for source in event.get("sources") or []]
    return list(dict.fromkeys(ids))


def _evidence_items(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    items = [(name, evidence) for name, evidence in (event.get("evidence") or {}).items()]
    place = event.get("location") or {}
    if place.get("evidence"):
        items.append(("location", place["evidence"]))
    for kind in ("fatalities", "injured"):
        items += [
            (kind, figure["evidence"]) for figure in (event.get(kind) or {}).get("history", [])
        ]
    for key in ("weapons", "targets"):
        items += [(key, item["evidence"]) for item in event.get(key) or []]
    return items


def _report_text(report_id: str, reports: dict[str, dict[str, Any] | None]) -> str:
    report = reports.get(report_id)
    if report is None:
        return f"report {report_id} (not stored)"
    details = [report.get("title"), report.get("url"), report.get("origin")]
    known = "; ".join(part for part in details if part)
    return f"report {report_id}" + (f" ({known})" if known else "")


def _evidence_lines(
    evidence: dict[str, Any] | None, reports: dict[str, dict[str, Any] | None], indent: str
) -> list[str]:
    if not evidence:
        return [f"{indent}no evidence recorded"]
    return [
        f"{indent}“{evidence.get('text')}”",
        f"{indent}chars {evidence.get('start')}-{evidence.get('end')} of "
        f"{_report_text(evidence['report_id'], reports)}; rule {evidence.get('rule')}",
    ]


def _who(item: dict[str, Any]) -> str:
    who = ", ".join(part for part in (item.get("speaker"), item.get("channel")) if part)
    return f"said by {who}" if who else "speaker not named"


def explain_event(event: dict[str, Any], reports: dict[str, dict[str, Any] | None]) -> str:
    """Each field of an event with its evidence: quote, offsets, speaker, report and rule."""
    evidence = event.get("evidence") or {}
    place = event.get("location") or {}
    lines = [f"event {event['id']}" + ("  (background)" if event.get("background") else "")]
    lines.append(f"date: {_date_text(event)}")
    lines += _evidence_lines(evidence.get("event_date") or evidence.get("date"), reports, "    ")
    lines.append(f"type: {event.get('event_type')} / {event.get('sub_event_type')}")
    type_evidence = evidence.get("sub_event_type") or evidence.get("event_type")
    lines += _evidence_lines(type_evidence, reports, "    ")
    lines.append(f"place: {_place_text(place or None)}")
    lines += _evidence_lines(place.get("evidence") or evidence.get("location"), reports, "    ")
    shown = {"event_date", "date", "event_type", "sub_event_type", "location"}
    for name, item in evidence.items():
        if name not in shown:
            lines.append(f"{name}:")
            lines += _evidence_lines(item, reports, "    ")
    for kind, label in (("fatalities", "killed"), ("injured", "injured")):
        casualties = event.get(kind) or {}
        lines.append(f"{label}: {_casualty_text({**casualties, 'history': []})}")
        for number, figure in enumerate(casualties.get("history") or [], 1):
            lines.append(f"  {number}. {_figure_text(figure, attributed=False)}, {_who(figure)}")
            lines += _evidence_lines(figure.get("evidence"), reports, "       ")
    for weapon in event.get("weapons") or []:
        count = "" if weapon.get("count") is None else f" × {weapon['count']}"
        intercepted = weapon.get("intercepted")
        extra = f", {intercepted} intercepted" if intercepted is not None else ""
        lines.append(
            f"weapon: {weapon['kind']}{count}{extra} ({weapon.get('claim_status')}), {_who(weapon)}"
        )
        lines += _evidence_lines(weapon.get("evidence"), reports, "    ")
    for target in event.get("targets") or []:
        lines.append(f"target: {target.get('kind')}: {target.get('text')}")
        lines += _evidence_lines(target.get("evidence"), reports, "    ")
    for source in event.get("sources") or []:
        outlet = f" in {source['outlet']}" if source.get("outlet") else ""
        lines.append(f"source: {_who(source)}{outlet}")
        quote = {
            "report_id": source["report_id"],
            "start": source.get("start"),
            "end": source.get("end"),
            "text": source.get("quote"),
            "rule": source.get("rule"),
        }
        lines += _evidence_lines(quote, reports, "    ")
    if event.get("notes"):
        lines.append(f"notes: {event['notes']}")
    lines.append(f"reports: {', '.join(event.get('report_ids') or [])}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
