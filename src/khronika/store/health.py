"""Whether a store is sound, and what a database error means to the person who met it.

``khronika check`` reads a store (never writes it) and says what to do; every command turns
an engine's error into one line naming the database and the next step, not a traceback.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from khronika.store.core import Store
from khronika.store.database import database_errors
from khronika.store.errors import StoreError
from khronika.store.postgres import display_name, is_postgres_url

# Links between the tables the engines do not enforce (mentions and events are rewritten in
# batches): each count should be 0.
ORPHANS = (
    (
        "mentions of no stored report",
        "SELECT COUNT(*) FROM mentions m WHERE NOT EXISTS "
        "(SELECT 1 FROM reports r WHERE r.id = m.report_id)",
    ),
    (
        "mentions linked to no event",
        "SELECT COUNT(*) FROM mentions m WHERE m.event_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM events e WHERE e.id = m.event_id)",
    ),
    (
        "reports without their latest revision",
        "SELECT COUNT(*) FROM reports r WHERE NOT EXISTS "
        "(SELECT 1 FROM revisions v WHERE v.report_id = r.id AND v.revision = r.revision)",
    ),
)


@dataclass
class Health:
    """What ``check`` found: the damage (none when sound), the schema version and counts."""

    name: str
    engine: str
    problems: list[str] = field(default_factory=list)
    schema_version: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def sound(self) -> bool:
        return not self.problems

    def advice(self) -> list[str]:
        """What to do next, most urgent first; none when there is nothing to do."""
        db = f" --db {self.name}" if self.engine == "sqlite" else " --db URL"
        if self.problems:
            salvage = (
                f", or salvage what is readable: `sqlite3 {self.name} .recover | sqlite3 NEW.db`"
                if self.engine == "sqlite"
                else ""
            )
            return [
                f"restore {self.name} from a backup{salvage}; then ingest the inputs since the "
                "backup again (reports already stored are skipped)"
            ]
        advice = []
        unfinished = self.counts.get("failed", 0) + self.counts.get("pending", 0)
        if unfinished:
            advice.append(
                f"run `khronika ingest --retry-failed{db}` to extract the "
                f"{unfinished} failed or unfinished reports again"
            )
        return advice


def check(location: str | Path, full: bool = True) -> Health:
    """Check the store at ``location`` without writing it (a damaged file is checked too)."""
    postgres = is_postgres_url(str(location))
    name = display_name(str(location)) if postgres else str(location)
    health = Health(name, "postgresql" if postgres else "sqlite")
    try:
        store = Store(location, create=False, read_only=True)
    except StoreError as err:
        if postgres or not Path(location).exists():
            raise
        health.problems = _file_problems(Path(location)) or [str(err)]
        return health
    with store:
        try:
            health.problems = store.check(full)
            if not health.problems:
                for what, sql in ORPHANS:
                    count = int(store._db.execute(sql).fetchone()[0])
                    if count:
                        health.problems.append(f"{count} {what}")
                health.schema_version = store.schema_version()
                health.counts = store.counts()
        except database_errors() as err:
            health.problems.append(str(err))
    return health


def _file_problems(path: Path) -> list[str]:
    """SQLite's own check of a file the store could not open; empty when it cannot say."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        lines = [str(row[0]) for row in rows]
        return [] if lines == ["ok"] else lines
    except sqlite3.DatabaseError as err:
        return [str(err)]
    finally:
        conn.close()
