"""The log of event changes: every write of an event appends one row, so a live reader (the
API's stream, a map) learns what changed since the last change it saw, across processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from khronika.store.database import Database

Change = Literal["new", "updated", "removed", "reset"]
RESET = "*"  # the event id of a 'reset': every event was dropped for a full re-link
KEEP_CHANGES = 100_000  # older rows are pruned; a reader that far behind reloads everything
_PRUNE_EVERY = 1000


@dataclass(frozen=True)
class EventChange:
    """The latest change of one event after a reader's sequence number."""

    seq: int
    event_id: str
    change: Change
    at: str


class ChangeLog:
    """Mixin of ``Store``: appends to and reads the ``changes`` table."""

    _db: Database

    def log_change(self, event_id: str, change: Change) -> None:
        at = datetime.now(UTC).replace(microsecond=0).isoformat()
        seq = self._db.insert_id(
            "INSERT INTO changes (event_id, change, at) VALUES (?, ?, ?)",
            (event_id, change, at),
            "seq",
        )
        if seq % _PRUNE_EVERY == 0:
            self._db.execute("DELETE FROM changes WHERE seq <= ?", (seq - KEEP_CHANGES,))

    def last_change(self) -> int:
        """The sequence number of the latest change (0 when there is none)."""
        row = self._db.execute("SELECT MAX(seq) FROM changes").fetchone()
        return int(row[0] or 0)

    def oldest_change(self) -> int:
        """The first sequence number still kept (0 when there is none)."""
        row = self._db.execute("SELECT MIN(seq) FROM changes").fetchone()
        return int(row[0] or 0)

    def changes_after(self, seq: int, limit: int = 1000) -> list[EventChange]:
        """One row per event changed after ``seq`` (its latest change), oldest first, at most
        ``limit`` events; a 'reset' ends the list (what follows it is read after it)."""
        rows = self._db.execute(
            "SELECT seq, event_id, change, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        latest: dict[str, EventChange] = {}
        for row in rows:
            change = EventChange(row[0], row[1], row[2], row[3])
            if change.change == "reset":
                if latest:
                    break
                return [change]
            previous = latest.pop(change.event_id, None)
            if previous is not None and previous.change == "new" and change.change == "updated":
                change = EventChange(change.seq, change.event_id, "new", change.at)
            latest[change.event_id] = change
        return list(latest.values())
