"""The live commands of ``khronika``: ``watch`` (poll the sources of a config into the store)
and ``sources`` (what the watcher knows of each). They translate arguments and print; the
watching itself is ``khronika.watch``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from khronika.cli_output import json_text
from khronika.store import SourceState, Store, default_db_path
from khronika.watch.config import ConfigError, load_config
from khronika.watch.runner import Watcher


def add_commands(
    commands: argparse._SubParsersAction,
    add_db_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    watch = commands.add_parser(
        "watch",
        help="poll feeds, channels, pages and folders into the store",
        description=_watch.__doc__,
    )
    watch.add_argument("config", metavar="CONFIG.toml", help="the sources to watch")
    add_db_option(watch)
    watch.add_argument(
        "--once", action="store_true", help="poll each source once, print a summary, exit"
    )
    watch.set_defaults(handler=_watch)

    sources = commands.add_parser(
        "sources",
        help="the watched sources: last fetch, errors, backoff",
        description=_sources.__doc__,
    )
    add_db_option(sources)
    sources.add_argument("--format", choices=("table", "jsonl"), default="table")
    sources.add_argument(
        "--resume", metavar="ID", help="poll a paused source again (after a 410 Gone)"
    )
    sources.set_defaults(handler=_sources)


def _watch(args: argparse.Namespace) -> int:
    """Poll the sources of CONFIG.toml into the store until stopped (Ctrl-C or SIGTERM end it
    after the step under way; a kill loses nothing), or once with --once. One line per source
    that gave something or failed goes to stderr."""
    config = load_config(args.config)
    stop = threading.Event()
    if not args.once:
        _stop_on_signals(stop)
    with Store(default_db_path(args.db)) as store:
        summary = Watcher(config, store).run(once=args.once, stop=stop)
    print(f"watch: {summary.line()}", file=sys.stderr if not args.once else sys.stdout)
    return 1 if args.once and (summary.failed or summary.extraction_failed) else 0


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _sources(args: argparse.Namespace) -> int:
    """Each watched source: kind, where it is fetched, last fetch and status, last new item,
    reports so far, consecutive errors and the last one, when it is polled next, and why it is
    paused if it is."""
    with Store(default_db_path(args.db), create=False) as store:
        if args.resume:
            state = store.source_state(args.resume)
            if state is None:
                raise ConfigError(f"no watched source {args.resume!r} in {store.name}")
            state.paused, state.errors, state.next_poll = None, 0, None
            with store.transaction():
                store.save_source_state(state)
            print(f"{args.resume}: resumed; the next `khronika watch` polls it")
        states = store.source_states()
    if args.format == "jsonl":
        for state in states:
            print(json_text(state.to_dict()))
        return 0
    for state in states:
        print(_row(state))
    if not states:
        print("no watched sources yet (run `khronika watch CONFIG.toml`)", file=sys.stderr)
    return 0


def _row(state: SourceState) -> str:
    health = (
        "paused: " + state.paused
        if state.paused
        else (
            f"{state.errors} errors, next try {_ago(state.next_poll)}: {state.last_error}"
            if state.errors
            else f"ok, next poll {_ago(state.next_poll) if state.next_poll else 'now'}"
        )
    )
    return (
        f"{state.id}  {state.kind:8}  {state.url}\n"
        f"    last fetch {_ago(state.last_fetch)} (HTTP {state.last_status or '-'}), "
        f"last new {_ago(state.last_new)}, {state.items} reports; {health}"
    )


def _ago(moment: str | None) -> str:
    """An ISO time as itself and how long ago (or from now) it is."""
    if not moment:
        return "never"
    seconds = (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds()
    span = abs(seconds)
    amount = (
        f"{span:.0f} s"
        if span < 120
        else f"{span / 60:.0f} min"
        if span < 7200
        else (f"{span / 3600:.1f} h")
    )
    return f"{moment[:19]}Z ({amount} {'ago' if seconds >= 0 else 'from now'})"
