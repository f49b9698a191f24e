"""``khronika check``: whether the store is sound, its schema and what is unfinished, and what
to do about it; and the one-line message every command gives for a database error."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from khronika.store import default_db_path
from khronika.store.health import check


def add_command(
    commands: argparse._SubParsersAction,
    add_db_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    parser = commands.add_parser(
        "check",
        help="check the store: damage, schema, unfinished reports",
        description=_check.__doc__,
    )
    add_db_option(parser)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="SQLite's quick check only (skips comparing each index with its table)",
    )
    parser.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    """Check the store without writing it: every page (SQLite's integrity check), the links
    between its tables, the schema version, and the reports failed or unfinished; then say what
    to do. Exit status 1 when the store is damaged."""
    health = check(default_db_path(args.db), full=not args.quick)
    print(f"{health.name}: {health.engine}", end="")
    print(f", schema version {health.schema_version}" if health.schema_version else "")
    if health.sound:
        print("integrity: ok")
        counts = health.counts
        print(
            f"reports: {counts['reports']} ({counts['done']} done, {counts['failed']} failed, "
            f"{counts['pending']} pending); {counts['events']} events, "
            f"{counts['background']} background"
        )
    else:
        print(f"integrity: DAMAGED ({len(health.problems)} problems)")
        for line in health.problems[:10]:
            print(f"    {line}")
    for line in health.advice():
        print(f"what to do: {line}")
    return 0 if health.sound else 1
