"""``khronika backfill``: translate its arguments for ``khronika.backfill`` and print; the
sharding, the engines and the loading are the library's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from khronika.backfill import ENGINES, SHARD_SIZE, BackfillError, BackfillSummary, backfill
from khronika.ingest import ReadOptions
from khronika.store import Store, default_db_path


def add_command(
    commands: argparse._SubParsersAction,
    add_db_option: Callable[[argparse.ArgumentParser], None],
    add_reading_options: Callable[[argparse.ArgumentParser], None],
    read_options: Callable[[argparse.Namespace], ReadOptions],
    whole_number: Callable[[int], Callable[[str], int]],
) -> None:
    parser = commands.add_parser(
        "backfill",
        help="ingest a large input: extraction in parallel shards, then the store",
        description=_backfill.__doc__,
    )
    parser.add_argument("paths", nargs="+", metavar="INPUT", help="files or folders")
    add_db_option(parser)
    parser.add_argument(
        "--engine", choices=ENGINES, default="local", help="local processes (default) or Dask"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler (tcp://host:8786); default: a local Dask cluster",
    )
    parser.add_argument(
        "--workers", metavar="N", type=whole_number(1), help="worker processes (default: cores)"
    )
    parser.add_argument(
        "--work-dir",
        metavar="DIR",
        help="where the shards are kept, so a rerun goes on (default: DB.backfill next to the db)",
    )
    parser.add_argument(
        "--shard-size",
        metavar="K",
        type=whole_number(1),
        default=SHARD_SIZE,
        help="reports per shard (default: %(default)s)",
    )
    parser.add_argument(
        "--extract-only",
        action="store_true",
        help="only make the shards (the store is not opened); the same command without it "
        "loads them later",
    )
    add_reading_options(parser)
    parser.set_defaults(handler=_backfill, read_options=read_options)


def _backfill(args: argparse.Namespace) -> int:
    """Store the reports of large inputs and their events, extracting them in parallel shards
    (on local processes, or on Dask) and then loading and linking them in input order: the
    events are those `khronika ingest` of the same inputs makes. The shards are kept in the
    work dir, so after a crash or Ctrl-C the same command goes on where it stopped."""
    if args.scheduler and args.engine != "dask":
        sys.stderr.write("khronika: error: --scheduler needs --engine dask\n")
        return 2
    db = default_db_path(args.db)
    if args.work_dir is None and not isinstance(db, Path):
        sys.stderr.write("khronika: error: a PostgreSQL store needs --work-dir for the shards\n")
        return 2
    work_dir = args.work_dir or Path(db).with_name(Path(db).name + ".backfill")

    def run(store: Store | None) -> BackfillSummary:
        return backfill(
            store,
            args.paths,
            work_dir,
            engine=args.engine,
            workers=args.workers,
            scheduler=args.scheduler,
            shard_size=args.shard_size,
            options=args.read_options(args),
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )

    try:
        if args.extract_only:
            summary = run(None)
        else:
            with Store(db) as store:
                summary = run(store)
    except BackfillError as error:
        sys.stderr.write(f"khronika: error: {error}\n")
        return 1
    print(summary.line(), file=sys.stderr)
    for line in summary.ingest.errors:
        print(line, file=sys.stderr)
    return 0 if summary.ok else 1
