"""The ``khronika`` command: parse arguments, call the library, print.

Exit status: 0 when everything went well, 1 when an input, an extraction or a lookup failed,
2 for usage errors. Every error is one line ``khronika: error: ...`` on stderr (read and
extraction errors name their input instead).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn, TypeVar

from tqdm import tqdm

from khronika import __version__, cli_backfill, cli_live, cli_record, cli_store, pipeline
from khronika.cli_errors import CommandError, UsageError
from khronika.cli_output import json_text, prepare_streams
from khronika.explain import pretty_extraction
from khronika.extraction.budget import extraction_budget, time_budget
from khronika.ingest import FORMATS as INPUT_FORMATS
from khronika.ingest import ReadOptions, read_paths
from khronika.ingest.parse import parse_published
from khronika.ingest_run import IngestSummary, extraction_error, ingest, retry_failed
from khronika.records import Report
from khronika.store import (
    Store,
    StoreError,
    database_errors,
    default_db_path,
    explain,
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

    cli_record.add_commands(commands, _add_db_option, _checked, _integer)

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
        "behind a proxy every client has the proxy's address, unless --trust-proxy names it)",
    )
    serve.add_argument(
        "--trust-proxy",
        metavar="ADDR",
        action="append",
        default=[],
        help="a reverse proxy's address whose X-Forwarded-For names the client; repeatable "
        "(default: none, so no client can claim another address)",
    )
    serve.set_defaults(handler=_serve)

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
            with time_budget(extraction_budget()):
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
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: a local client
    # could then take a fresh rate limit per made-up address.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_graceful_shutdown=3,
        proxy_headers=bool(args.trust_proxy),
        forwarded_allow_ips=",".join(args.trust_proxy) or None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
