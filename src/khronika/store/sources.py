"""The watcher's state in the store: each source's validators, cursor and health, the items it
has read, and every body fetched, verbatim. Kept beside the reports so one file holds
everything a restart needs, and one transaction stores a fetch with the reports read from it."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import asdict, dataclass, fields
from typing import Any

from khronika.store.database import Database

_STATE_COLUMNS = (
    "id, kind, configured, url, etag, last_modified, cursor, last_fetch, last_status, "
    "last_ok, last_new, items, errors, last_error, next_poll, paused"
)


@dataclass
class SourceState:
    """What the watcher knows of one source between polls (times are ISO UTC strings).

    ``configured`` is the URL or path as the config gives it; ``url`` is where it is fetched
    now (a permanent redirect rewrites it; a new ``configured`` starts the state afresh)."""

    id: str
    kind: str
    configured: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    last_fetch: str | None = None
    last_status: int | None = None
    last_ok: str | None = None
    last_new: str | None = None
    items: int = 0  # reports new or revised from this source, all told
    errors: int = 0  # consecutive failed polls (0 = healthy)
    last_error: str | None = None
    next_poll: str | None = None
    paused: str | None = None  # why polling stopped (a 410), until the config changes

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SourceTables:
    """Mixin of ``Store``: the ``sources``, ``source_items`` and ``fetches`` tables."""

    _db: Database

    def source_states(self) -> list[SourceState]:
        rows = self._db.execute(f"SELECT {_STATE_COLUMNS} FROM sources ORDER BY id")
        return [SourceState(*row) for row in rows]

    def source_state(self, source_id: str) -> SourceState | None:
        row = self._db.execute(
            f"SELECT {_STATE_COLUMNS} FROM sources WHERE id = ?", (source_id,)
        ).fetchone()
        return SourceState(*row) if row else None

    def save_source_state(self, state: SourceState) -> None:
        names = [f.name for f in fields(SourceState)]
        values = [getattr(state, name) for name in names]
        self._db.execute(
            f"INSERT INTO sources ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))}) ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{name} = excluded.{name}" for name in names[1:]),
            values,
        )

    def source_items(self, source_id: str) -> dict[str, str]:
        """Key (a file's path, an article's URL) -> digest of what was read."""
        rows = self._db.execute(
            "SELECT key, digest FROM source_items WHERE source_id = ?", (source_id,)
        )
        return {row[0]: row[1] for row in rows}

    def save_source_item(self, source_id: str, key: str, digest: str, seen: str) -> None:
        self._db.execute(
            "INSERT INTO source_items (source_id, key, digest, seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (source_id, key) DO UPDATE SET digest = excluded.digest, "
            "seen = excluded.seen",
            (source_id, key, digest, seen),
        )

    def add_fetch(
        self,
        source_id: str,
        url: str,
        fetched: str,
        status: int,
        content_type: str | None,
        body: bytes,
    ) -> bool:
        """Keep a fetched body verbatim, once per distinct body of a URL; whether it is new."""
        digest = hashlib.sha256(body).hexdigest()
        cursor = self._db.execute(
            "INSERT INTO fetches (source_id, url, fetched, status, content_type, digest, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (source_id, url, fetched, status, content_type, digest, zlib.compress(body, 6)),
        )
        return cursor.rowcount > 0

    def fetched_bodies(self, source_id: str) -> list[tuple[str, str, bytes]]:
        """(url, fetched, body) of every body kept for a source, oldest first."""
        rows = self._db.execute(
            "SELECT url, fetched, body FROM fetches WHERE source_id = ? ORDER BY id",
            (source_id,),
        )
        return [(row[0], row[1], zlib.decompress(bytes(row[2]))) for row in rows]
