"""The ``khronika`` command: parse arguments, call the library, print.

Exit status: 0 when everything went well, 1 when an input, an extraction or a lookup failed,
2 for usage errors. Every error is one line ``khronika: error: ...`` on stderr (read and
extraction errors name their input instead).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, NoReturn, TypeVar

from tqdm import tqdm

from khronika import __version__, cli_backfill, cli_live, cli_store, export, pipeline
from khronika.cli_output import json_text, prepare_streams, utf8_stdout
from khronika.explain import evidence_report_ids, explain_event, pretty_extraction
from khronika.ingest import FORMATS as INPUT_FORMATS
from khronika.ingest import ReadOptions, read_paths
from khronika.ingest.parse import parse_published
from khronika.ingest_run import IngestSummary, extraction_error, ingest, retry_failed
from khronika.linking import Linker, corrections
from khronika.records import Report
from khronika.store import (
    EventFilter,
    Store,
    StoredReport,
    StoreError,
    database_errors,
    default_db_path,
    explain,
    parse_bbox,
    parse_date,
    parse_near,
    parse_query,
    resolve_country,
    store_errors,
)
from khronika.watch.config import ConfigError

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
        "--db",
        metavar="PATH|URL",
        help="a SQLite file or a postgresql://user@host/db URL (default: $KHRONIKA_DB, "
        "else khronika.db)",
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
        "--retry-failed",
        action="store_true",
        help="extract stored failed and unfinished (pending) reports again",
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
        "--bbox", metavar="W,S,E,N", type=_checked(parse_bbox), help="within a box (degrees)"
    )
    events.add_argument(
        "--q",
        metavar="WORDS",
        type=_checked(parse_query),
        help="words that must occur in the notes or quoted sentences",
    )
    events.add_argument(
        "--background", action="store_true", help="include background events (ongoing context)"
    )
    events.add_argument("--limit", metavar="N", type=_integer(1), help="at most N events")
    events.add_argument(
        "--format", choices=export.FORMATS, default="table", help="output (default: table)"
    )
    events.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    events.add_argument(
        "--mentions",
        action="store_true",
        help="the raw mentions (one event as one report tells it) instead of linked events",
    )
    events.set_defaults(handler=_events)

    link = commands.add_parser(
        "link", help="link the stored mentions into events again", description=_link.__doc__
    )
    _add_db_option(link)
    link.set_defaults(handler=_link)

    merge_cmd = commands.add_parser(
        "merge", help="record that events are one event", description=_merge.__doc__
    )
    merge_cmd.add_argument("event_ids", nargs="+", metavar="EVENT_ID")
    merge_cmd.add_argument("--note", help="why (kept with the correction)")
    _add_db_option(merge_cmd)
    merge_cmd.set_defaults(handler=_merge)

    split_cmd = commands.add_parser(
        "split",
        help="record that some reports of an event tell another",
        description=_split.__doc__,
    )
    split_cmd.add_argument("event_id", metavar="EVENT_ID")
    split_cmd.add_argument(
        "--reports", nargs="+", required=True, metavar="REPORT_ID", help="the reports to take out"
    )
    split_cmd.add_argument("--note", help="why (kept with the correction)")
    _add_db_option(split_cmd)
    split_cmd.set_defaults(handler=_split)

    show = commands.add_parser(
        "show", help="one event with the evidence of each field", description=_show.__doc__
    )
    show.add_argument("event_id", metavar="EVENT_ID")
    _add_db_option(show)
    show.add_argument("--json", action="store_true", help="print the event's JSON")
    show.set_defaults(handler=_show)

    serve = commands.add_parser(
        "serve", help="serve the API and the map page over HTTP", description=_serve.__doc__
    )
    _add_db_option(serve)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=_integer(0), default=8000, help="port (default: %(default)s; 0: any free)"
    )
    serve.add_argument(
        "--token-file",
        metavar="FILE",
        help="file holding the bearer token that POST /api/reports needs (else read-only)",
    )
    serve.add_argument(
        "--read-only",
        action="store_true",
        help="open the store so that nothing can be written (the default without --token-file)",
    )
    serve.add_argument(
        "--cors-origin",
        metavar="ORIGIN",
        action="append",
        default=[],
        help="allow this origin (e.g. http://localhost:5173) cross-origin requests; repeatable",
    )
    serve.add_argument(
        "--writes-per-minute",
        metavar="N",
        type=_integer(1),
        default=60,
        help="POSTs one client address may make a minute, then 429 (default: %(default)s; "
        "behind a proxy every client has the proxy's address)",
    )
    serve.set_defaults(handler=_serve)

    reports = commands.add_parser(
        "reports", help="list stored reports", description=_reports.__doc__
    )
    _add_db_option(reports)
    reports.add_argument(
        "--failed",
        action="store_true",
        help="only reports whose extraction failed or never finished (pending)",
    )
    reports.add_argument(
        "--format",
        choices=("table", "jsonl"),
        default="table",
        help="table (default), or one JSON object per report for scripts",
    )
    reports.set_defaults(handler=_reports)
    cli_live.add_commands(commands, _add_db_option)
    cli_store.add_command(commands, _add_db_option)
    cli_backfill.add_command(
        commands, _add_db_option, _add_reading_options, _read_options, _integer
    )

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
    prepare_streams()
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
    except (CommandError, StoreError, ConfigError) as err:
        _error(str(err))
        return 1
    except database_errors() as err:  # damaged, full, locked: one line, never a traceback
        _error(explain(str(default_db_path(getattr(args, "db", None))), err))
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
        for warning in item.warnings:
            print(f"{item.origin or item.id}: warning: {warning}", file=sys.stderr)
        try:
            extraction = pipeline.extract_report(item)
        except Exception as err:
            print(extraction_error(item, err), file=sys.stderr)
            status = 1
            continue
        data = extraction.to_dict(candidates=args.candidates)
        if args.format == "jsonl":
            print(json_text(data))
        else:
            sys.stdout.write(pretty_extraction(data))
        sys.stdout.flush()
    return status


def _ingest(args: argparse.Namespace) -> int:
    """Store each report (committed first), extract it and store its events.

    Reports already stored are skipped; a failed extraction keeps the report with its error,
    and --retry-failed extracts those again, and those a stopped run left pending. A damaged
    store is refused (see `khronika check`).
    """
    if not args.paths and not args.retry_failed:
        raise UsageError("give PATH... to ingest, or --retry-failed")
    options = _read_options(args)
    summaries: list[tuple[str, IngestSummary]] = []
    location = default_db_path(args.db)
    with Store(location) as store:
        try:
            problems = store.check()
        except database_errors() as err:
            problems = [str(err)]
        if problems:
            raise CommandError(
                f"{store.name}: damaged ({problems[0]}); nothing was written: run "
                f"`khronika check --db {store.name}`"
            )
        try:
            if args.retry_failed:
                summaries.append(("retried: ", retry_failed(store, wrap=_progress)))
            if args.paths:
                summaries.append(("", ingest(store, _progress(read_paths(args.paths, options)))))
        except store_errors() as err:  # full, locked: what is kept is whole
            message = str(err) if isinstance(err, StoreError) else explain(store.name, err)
            raise CommandError(message + _stored_now(location)) from None
    for prefix, summary in summaries:
        print(prefix + summary.line(), file=sys.stderr)
        for line in [*summary.warnings, *summary.errors]:
            print(line, file=sys.stderr)
    return 0 if all(summary.ok for _, summary in summaries) else 1


def _stored_now(location: str | os.PathLike[str]) -> str:
    """What the store holds after a failed run (every committed batch is whole)."""
    try:
        with Store(location, create=False, read_only=True) as store:
            counts = store.counts()
    except store_errors():
        return ""
    return (
        f"; the store holds {counts['reports']} reports ({counts['done']} done, "
        f"{counts['failed']} failed, {counts['pending']} pending)"
    )


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
        bbox=args.bbox,
        q=args.q,
    )


@contextmanager
def _output(path: str | None, fmt: str) -> Iterator[IO[Any]]:
    """Where ``fmt`` goes: FILE, else stdout (binary formats only when it is not a terminal)."""
    binary = fmt in export.BINARY_FORMATS
    newline = "" if fmt in export.CSV_FORMATS else None
    if path is None and not binary:
        with utf8_stdout(newline) as stdout:
            yield stdout
        return
    if path is None:
        if sys.stdout.isatty():
            raise UsageError(f"--format {fmt} is binary: give --output FILE or redirect stdout")
        sys.stdout.flush()  # what was printed as text goes first
        yield sys.stdout.buffer
        return
    try:
        with (
            open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline=newline)
        ) as handle:
            yield handle
    except OSError as err:
        raise CommandError(f"argument --output: cannot write {path!r}: {err.strerror}") from None


def _events(args: argparse.Namespace) -> int:
    """Query stored events (linked across reports; main events, newest first) and print or
    write them; --mentions gives each report's own mentions instead."""
    filters = _event_filter(args)
    with Store(default_db_path(args.db), create=False, read_only=True) as store:
        # Linked events are read as they are written out, so a large export is never all in memory.
        events = store.query_mentions(filters) if args.mentions else store.iter_events(filters)

        def report(report_id: str) -> Report | None:
            stored = store.get_report(report_id)
            return stored.report if stored else None

        with _output(args.output, args.format) as out:
            export.write(events, args.format, out, reports=report)
    return 0


def _show(args: argparse.Namespace) -> int:
    """Print one event with the evidence of each field: quote, offsets, speaker, report, rule."""
    with Store(default_db_path(args.db), create=False, read_only=True) as store:
        event = store.get_event(args.event_id)
        if event is None:
            similar = store.event_ids_starting(args.event_id)
            hint = f"; ids starting so: {', '.join(similar)}" if similar else ""
            raise CommandError(f"no event with id {args.event_id!r}{hint}")
        if args.json:
            print(json_text(event, indent=2))
            return 0
        reports: dict[str, dict[str, Any] | None] = {}
        for report_id in evidence_report_ids(event):
            stored = store.get_report(report_id)
            reports[report_id] = stored.report.to_dict() if stored else None
    sys.stdout.write(explain_event(event, reports))
    return 0


def _link(args: argparse.Namespace) -> int:
    """Link every stored mention into events again, from scratch; people's merges and splits
    are kept, and ids of events that disappear redirect to where their reports went."""
    with Store(default_db_path(args.db), create=False) as store:
        result = Linker(store).relink_all()
        counts = store.counts()
    print(
        f"{result.decided} mentions linked into {counts['events']} events "
        f"({counts['background']} background)",
        file=sys.stderr,
    )
    return 0


def _merge(args: argparse.Namespace) -> int:
    """Record that these events are one; re-linking keeps the correction. Prints the event id."""
    with Store(default_db_path(args.db), create=False) as store:
        try:
            print(corrections.merge(store, args.event_ids, args.note))
        except corrections.CorrectionError as err:
            raise CommandError(str(err)) from None
    return 0


def _split(args: argparse.Namespace) -> int:
    """Record that the given reports of an event tell another event; re-linking keeps the
    correction. Prints the id of the event they now form."""
    with Store(default_db_path(args.db), create=False) as store:
        try:
            print(corrections.split(store, args.event_id, args.reports, args.note))
        except corrections.CorrectionError as err:
            raise CommandError(str(err)) from None
    return 0


def _read_token(path: str) -> str:
    """The token in ``path`` (surrounding whitespace dropped); a file others can read is
    allowed with a warning, a missing or empty one is an error."""
    try:
        info = os.stat(path)
        with open(path, encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as err:
        raise CommandError(f"argument --token-file: cannot read {path!r}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"argument --token-file: {path!r} is not UTF-8 text") from None
    if not token:
        raise CommandError(f"argument --token-file: {path!r} is empty")
    if len(token) < 16:
        raise CommandError(
            f"argument --token-file: the token in {path!r} has {len(token)} characters; "
            "use at least 16 (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
        )
    if info.st_mode & 0o077:
        print(
            f"khronika: warning: {path} can be read by other users (chmod 600 {path})",
            file=sys.stderr,
        )
    return token


def _serve(args: argparse.Namespace) -> int:
    """Serve the API (/api/..., documented at /docs) and the map page (/) over HTTP.

    Read-only unless --token-file is given; listens on 127.0.0.1 unless --host says otherwise;
    no cross-origin requests unless --cors-origin allows them.
    """
    import uvicorn

    from khronika.serving.app import create_app

    if args.read_only and args.token_file:
        raise UsageError("--read-only and --token-file: a read-only server accepts no reports")
    token = _read_token(args.token_file) if args.token_file else None
    app = create_app(
        default_db_path(args.db),
        token=token,
        cors_origins=args.cors_origin,
        writes_per_minute=args.writes_per_minute,
    )
    mode = "accepting reports" if token else "read-only"
    print(f"khronika: serving on http://{args.host}:{args.port}/ ({mode})", file=sys.stderr)
    # Open live streams (/api/stream) never end by themselves: a stop waits 3 s for them.
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=3
    )
    return 0


def _reports(args: argparse.Namespace) -> int:
    """List stored reports: id, status, origin, title and, for failed ones, the error; --failed
    lists only those failed or unfinished (pending); with --format jsonl, one JSON object per
    report (id, source, published, revisions, status...)."""
    with Store(default_db_path(args.db), create=False, read_only=True) as store:
        stored = store.unfinished_reports() if args.failed else store.reports()
        counts = store.counts()
    for item in stored:
        report = item.report
        if args.format == "jsonl":
            print(json_text(_report_line(item)))
            continue
        line = "  ".join(
            [report.id, item.status.ljust(7), report.origin or "-", report.title or "(no title)"]
        )
        print(line)
        if item.error:
            print(f"    error: {item.error}")
        for warning in report.warnings:
            print(f"    warning: {warning}")
    print(
        f"{counts['reports']} reports: {counts['done']} done, {counts['failed']} failed, "
        f"{counts['pending']} pending; {counts['events']} events, "
        f"{counts['background']} background",
        file=sys.stderr,
    )
    return 0


def _report_line(item: StoredReport) -> dict[str, Any]:
    report = item.report
    return {
        "id": report.id,
        "source": report.source,
        "published": report.published.isoformat() if report.published else None,
        "revisions": item.revision,
        "status": item.status,
        "error": item.error,
        "title": report.title,
        "url": report.url,
        "origin": report.origin,
        "format": report.format,
        "language": report.language,
        "received": report.received.isoformat() if report.received else None,
        "edited": report.edited.isoformat() if report.edited else None,
        "warnings": list(report.warnings),
    }


if __name__ == "__main__":
    sys.exit(main())
