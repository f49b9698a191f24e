"""The commands over the stored record: ``events`` (query and export), ``show`` (one event with
its evidence), ``link``, ``merge`` and ``split`` (linking and people's corrections), and
``reports`` (what is stored, what failed)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from khronika import export
from khronika.cli_errors import CommandError, UsageError
from khronika.cli_output import json_text, utf8_stdout
from khronika.explain import evidence_report_ids, explain_event
from khronika.linking import Linker, corrections
from khronika.records import Report
from khronika.store import (
    EventFilter,
    Store,
    StoredReport,
    default_db_path,
    parse_bbox,
    parse_date,
    parse_near,
    parse_query,
    resolve_country,
)


def add_commands(
    commands: argparse._SubParsersAction,
    add_db_option: Callable[[argparse.ArgumentParser], None],
    checked: Callable[[Callable[[str], Any]], Callable[[str], Any]],
    integer: Callable[[int], Callable[[str], int]],
) -> None:
    """events, link, merge, split, show and reports."""
    events = commands.add_parser(
        "events", help="query stored events and export them", description=_events.__doc__
    )
    add_db_option(events)
    events.add_argument("--since", metavar="DATE", type=checked(parse_date), help="from DATE")
    events.add_argument("--until", metavar="DATE", type=checked(parse_date), help="to DATE")
    events.add_argument(
        "--country",
        metavar="CC|NAME",
        type=checked(resolve_country),
        help="ISO code or English name",
    )
    events.add_argument("--admin1", metavar="NAME", help="first-level region, e.g. Kharkiv")
    events.add_argument(
        "--type", metavar="TYPE", dest="event_type", help="event type or sub-type (any case)"
    )
    events.add_argument(
        "--near",
        metavar="LAT,LON,KM",
        type=checked(parse_near),
        help="within KM kilometres of a point",
    )
    events.add_argument("--min-killed", metavar="N", type=integer(0), help="best killed >= N")
    events.add_argument(
        "--bbox", metavar="W,S,E,N", type=checked(parse_bbox), help="within a box (degrees)"
    )
    events.add_argument(
        "--q",
        metavar="WORDS",
        type=checked(parse_query),
        help="words that must occur in the notes or quoted sentences",
    )
    events.add_argument(
        "--background", action="store_true", help="include background events (ongoing context)"
    )
    events.add_argument("--limit", metavar="N", type=integer(1), help="at most N events")
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
    add_db_option(link)
    link.set_defaults(handler=_link)

    merge_cmd = commands.add_parser(
        "merge", help="record that events are one event", description=_merge.__doc__
    )
    merge_cmd.add_argument("event_ids", nargs="+", metavar="EVENT_ID")
    merge_cmd.add_argument("--note", help="why (kept with the correction)")
    add_db_option(merge_cmd)
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
    add_db_option(split_cmd)
    split_cmd.set_defaults(handler=_split)

    show = commands.add_parser(
        "show", help="one event with the evidence of each field", description=_show.__doc__
    )
    show.add_argument("event_id", metavar="EVENT_ID")
    add_db_option(show)
    show.add_argument("--json", action="store_true", help="print the event's JSON")
    show.set_defaults(handler=_show)

    reports = commands.add_parser(
        "reports", help="list stored reports", description=_reports.__doc__
    )
    add_db_option(reports)
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
