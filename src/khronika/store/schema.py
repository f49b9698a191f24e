"""The SQLite schema (version 5: reports with revisions and reading warnings, mentions, linked
events, a full-text index of the events, a log of event changes, the watcher's sources and raw
fetches) and the migrations from version 1 (one event per mention, no revisions), version 2 (no
full-text index, no place name or precision columns), version 3 (no change log, no watcher
tables) and version 4 (no warnings column).

Reports and their revisions are what users gave: never dropped. Mentions are what extraction
made of one revision; events, links and figures are derived from mentions by linking and can
be rebuilt at any time. People's corrections (merges, splits) and the redirects of event ids
are kept across rebuilds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from khronika.store.errors import NeedsMigration, NoSchema, UnknownSchema

SCHEMA_VERSION = 5

_EVENT_COLUMNS = """
    background INTEGER NOT NULL,
    event_date TEXT, event_type TEXT, sub_event_type TEXT,
    country_code TEXT, admin1 TEXT, latitude REAL, longitude REAL,
    fatalities_best INTEGER, injured_best INTEGER,
    json TEXT NOT NULL,
    place TEXT, geo_precision INTEGER
"""

# Full text of each event (its notes and the sentences its sources are quoted in), keyed by the
# event's rowid; diacritics are folded so "Kharkiv" and "Khárkiv" meet, any case.
FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 (
    notes, quotes, tokenize = 'unicode61 remove_diacritics 2'
);
"""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    title TEXT, url TEXT, published TEXT, source TEXT, language TEXT, encoding TEXT,
    origin TEXT, format TEXT, received TEXT, edited TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    error TEXT,
    extractor_version TEXT,
    warnings TEXT
);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status);
CREATE TABLE IF NOT EXISTS revisions (
    report_id TEXT NOT NULL REFERENCES reports (id),
    revision INTEGER NOT NULL,
    text TEXT NOT NULL,
    title TEXT, published TEXT, received TEXT, edited TEXT, origin TEXT,
    PRIMARY KEY (report_id, revision)
);
CREATE TABLE IF NOT EXISTS mentions (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id),
    revision INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    said_at TEXT,
    sort_key TEXT NOT NULL,
    event_id TEXT,
    link TEXT,
    features TEXT,
    {_EVENT_COLUMNS}
);
CREATE INDEX IF NOT EXISTS mentions_report ON mentions (report_id, revision, ordinal);
DROP INDEX IF EXISTS mentions_event;
CREATE INDEX IF NOT EXISTS mentions_event_order ON mentions (event_id, sort_key);
CREATE INDEX IF NOT EXISTS mentions_unlinked ON mentions (event_id) WHERE event_id IS NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS mention_boxes USING rtree (
    mention_rowid, day_min, day_max, lat_min, lat_max, lon_min, lon_max
);
CREATE VIRTUAL TABLE IF NOT EXISTS mention_reach USING rtree (
    mention_rowid, day_min, day_max, lat_min, lat_max, lon_min, lon_max
);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    n_reports INTEGER NOT NULL,
    sort_key TEXT NOT NULL,
    {_EVENT_COLUMNS}
);
CREATE INDEX IF NOT EXISTS events_date ON events (event_date);
CREATE INDEX IF NOT EXISTS events_country ON events (country_code, event_date);
CREATE INDEX IF NOT EXISTS events_admin1 ON events (admin1 COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_type ON events (event_type COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_sub_type ON events (sub_event_type COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_latitude ON events (latitude, longitude);
CREATE INDEX IF NOT EXISTS events_killed ON events (fatalities_best);
-- Every column the API filters, orders and summarises by, in its newest-first order: pages,
-- points and counts are read from this index alone, never from the rows with their JSON.
CREATE INDEX IF NOT EXISTS events_cover ON events (
    background, event_date DESC, sort_key, id, event_type, sub_event_type, country_code,
    admin1, latitude, longitude, fatalities_best, injured_best, n_reports, place, geo_precision
);
CREATE TABLE IF NOT EXISTS figures (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, value INTEGER, qualifier TEXT, grp TEXT, speaker TEXT, channel TEXT,
    report_id TEXT, start INTEGER, "end" INTEGER
);
CREATE INDEX IF NOT EXISTS figures_event ON figures (event_id);
{FTS_SCHEMA}
CREATE TABLE IF NOT EXISTS event_reports (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    report_id TEXT NOT NULL,
    PRIMARY KEY (event_id, report_id)
);
CREATE INDEX IF NOT EXISTS event_reports_report ON event_reports (report_id);
CREATE TABLE IF NOT EXISTS redirects (
    old_id TEXT PRIMARY KEY,
    new_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
-- Every write of an event, in order, for live readers (the API's stream): 'new', 'updated',
-- 'removed', or 'reset' (event_id '*': every event was dropped for a full re-link).
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('new', 'updated', 'removed', 'reset')),
    at TEXT NOT NULL
);
-- The watcher's sources: where each is fetched now, its validators and cursor, its health.
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    configured TEXT NOT NULL,
    url TEXT NOT NULL,
    etag TEXT, last_modified TEXT, cursor TEXT,
    last_fetch TEXT, last_status INTEGER, last_ok TEXT, last_new TEXT,
    items INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_poll TEXT,
    paused TEXT
);
-- What a source's items were when last read (a folder's files, a feed's article pages), so an
-- unchanged one is not read again.
CREATE TABLE IF NOT EXISTS source_items (
    source_id TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (source_id, key)
);
-- Every body fetched from the network, verbatim (zlib-compressed), once per distinct body.
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    fetched TEXT NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT,
    digest TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS fetches_digest ON fetches (source_id, url, digest);
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
    together TEXT NOT NULL,
    apart TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL
);
"""


def migrate_from_v1(conn: sqlite3.Connection) -> None:
    """Keep every report (as revision 1) and re-extract them all: v1's per-report events are
    derived data, rebuilt by the next ``khronika ingest`` or ``khronika reextract``."""
    conn.execute("ALTER TABLE reports ADD COLUMN revision INTEGER NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE reports ADD COLUMN edited TEXT")
    for table in ("event_reports", "figures", "events"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.executescript(SCHEMA)
    conn.execute(
        "INSERT OR IGNORE INTO revisions (report_id, revision, text, title, published, received, "
        "origin) SELECT id, 1, text, title, published, received, origin FROM reports"
    )
    conn.execute("UPDATE reports SET status = 'pending' WHERE status = 'done'")


def add_report_warnings(conn: sqlite3.Connection) -> None:
    """Version 5: the reading warnings of each report (a JSON list), none for those stored."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(reports)")}
    if "warnings" not in columns:
        conn.execute("ALTER TABLE reports ADD COLUMN warnings TEXT")


def require_fts5() -> None:
    """Fail early, saying why, when this Python's SQLite was built without FTS5."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5 (text)")
    except sqlite3.OperationalError as err:
        raise RuntimeError(
            f"this Python's SQLite {sqlite3.sqlite_version} has no FTS5 ({err}); Khronika's "
            "full-text search needs it: use a Python whose sqlite3 module is built with FTS5 "
            "(python.org and most Linux distributions' builds are)"
        ) from None
    finally:
        probe.close()


def migrate_from_v2(
    conn: sqlite3.Connection, columns: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Add the place name and precision columns and the full-text index, filled from the JSON
    of the stored events and mentions (``columns`` copies them out, as writes do)."""
    for table in ("mentions", "events"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN place TEXT")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN geo_precision INTEGER")
        rows = conn.execute(f"SELECT rowid, json FROM {table}").fetchall()
        for rowid, text in rows:
            copied = columns(json.loads(text))
            conn.execute(
                f"UPDATE {table} SET place = ?, geo_precision = ? WHERE rowid = ?",
                (copied["place"], copied["geo_precision"], rowid),
            )
    conn.executescript(FTS_SCHEMA)


def prepare_sqlite(
    conn: sqlite3.Connection,
    version: int,
    columns: Callable[[dict[str, Any]], dict[str, Any]],
    create: bool,
    read_only: bool = False,
    begin: Callable[[], Any] | None = None,
) -> str | None:
    """Create or migrate the schema under the write lock; the version found before (None: a
    new database). A store at ``version`` is only read (so a reader never waits for a writer,
    and a read-only file opens). Raises ``UnknownSchema`` for a version this code cannot read,
    ``NoSchema`` when ``create`` is off and the file holds no Khronika tables, and
    ``NeedsMigration`` when ``read_only`` and the schema is older. ``begin`` takes the write
    lock (the connection's own wait and retries)."""
    found = _version(conn)
    if found == str(version):
        return found
    if found is None and (read_only or not create):
        raise NoSchema()
    if found is not None and not (found.isdigit() and 1 <= int(found) < version):
        raise UnknownSchema(found)
    if read_only:
        raise NeedsMigration(str(found))
    (begin or (lambda: conn.execute("BEGIN IMMEDIATE")))()
    with conn:
        old = _version(conn)  # again, under the lock: another writer may have migrated it
        if old == str(version):
            return old
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        if old == "1":
            migrate_from_v1(conn)
        elif old == "2":
            migrate_from_v2(conn, columns)
        conn.executescript(SCHEMA)
        if old is not None:
            add_report_warnings(conn)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(version),),
        )
    return old


def _version(conn: sqlite3.Connection) -> str | None:
    """The schema version the file holds; None when it holds no Khronika tables yet."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return str(row[0]) if row is not None else None
