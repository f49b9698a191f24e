"""The SQLite store: reports kept verbatim, events as their full JSON plus indexed columns.

Reports are committed on their own before extraction runs, so a crash during extraction loses
nothing: the report stays ``pending`` (or ``failed`` with its error) and can be extracted again.
Everything one extraction yields is written in one transaction. Each event's JSON is the
``Event.to_dict()`` shape; the other columns copy fields out of it for filtering.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from khronika.pipeline import Extraction
from khronika.records import Event, Report
from khronika.store.filters import EventFilter, haversine_km, normalize_admin1

SCHEMA_VERSION = 1
DEFAULT_DB = "khronika.db"
DB_ENV = "KHRONIKA_DB"

ReportStatus = Literal["pending", "done", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    title TEXT, url TEXT, published TEXT, source TEXT, language TEXT, encoding TEXT,
    origin TEXT, format TEXT, received TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    error TEXT,
    extractor_version TEXT
);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id),
    ordinal INTEGER NOT NULL,
    background INTEGER NOT NULL,
    event_date TEXT, event_type TEXT, sub_event_type TEXT,
    country_code TEXT, admin1 TEXT, latitude REAL, longitude REAL,
    fatalities_best INTEGER, injured_best INTEGER,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_report ON events (report_id, ordinal);
CREATE INDEX IF NOT EXISTS events_date ON events (event_date);
CREATE INDEX IF NOT EXISTS events_country ON events (country_code, event_date);
CREATE INDEX IF NOT EXISTS events_admin1 ON events (admin1 COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_type ON events (event_type COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_sub_type ON events (sub_event_type COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_latitude ON events (latitude, longitude);
CREATE INDEX IF NOT EXISTS events_killed ON events (fatalities_best);
CREATE TABLE IF NOT EXISTS figures (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, value INTEGER, qualifier TEXT, grp TEXT, speaker TEXT, channel TEXT,
    report_id TEXT, start INTEGER, "end" INTEGER
);
CREATE INDEX IF NOT EXISTS figures_event ON figures (event_id);
CREATE TABLE IF NOT EXISTS event_reports (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    report_id TEXT NOT NULL,
    PRIMARY KEY (event_id, report_id)
);
CREATE INDEX IF NOT EXISTS event_reports_report ON event_reports (report_id);
"""

_REPORT_COLUMNS = (
    "id, text, title, url, published, source, language, encoding, origin, format, received, "
    "status, error, extractor_version"
)


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file."""


@dataclass(frozen=True)
class StoredReport:
    """A report as stored, with where its extraction stands."""

    report: Report
    status: ReportStatus
    error: str | None
    extractor_version: str | None


def default_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: the one given, else ``$KHRONIKA_DB``, else ``khronika.db``."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """Reports, events and figures in one SQLite file (WAL mode). Use it as a context manager."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such database (run `khronika ingest` first)")
        try:
            self._conn = sqlite3.connect(self.path)
        except sqlite3.Error as err:
            raise StoreError(f"{self.path}: cannot open database: {err}") from None
        self._conn.row_factory = sqlite3.Row
        self._conn.create_function("haversine_km", 4, haversine_km, deterministic=True)
        self._conn.create_function("normalize_admin1", 1, _normalize_or_none, deterministic=True)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL keeps commits safe from crashes
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as err:
            self._conn.close()
            raise StoreError(f"{self.path}: not a usable Khronika database: {err}") from None
        except StoreError:
            self._conn.close()
            raise

    def _migrate(self) -> None:
        with self._conn:
            self._conn.executescript(_SCHEMA)
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
            if row is None:
                self._conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            elif row["value"] != str(SCHEMA_VERSION):
                raise StoreError(
                    f"{self.path}: schema version {row['value']}, this Khronika reads "
                    f"version {SCHEMA_VERSION}"
                )

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row["value"])

    # Reports

    def add_report(self, report: Report) -> bool:
        """Store a report as ``pending`` and commit; False when its id is already stored."""
        with self._conn:
            cursor = self._conn.execute(
                f"INSERT OR IGNORE INTO reports ({_REPORT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL)",
                (
                    report.id,
                    report.text,
                    report.title,
                    report.url,
                    _iso(report.published),
                    report.source,
                    report.language,
                    report.encoding,
                    report.origin,
                    report.format,
                    _iso(report.received),
                ),
            )
        return cursor.rowcount == 1

    def report_status(self, report_id: str) -> ReportStatus | None:
        row = self._conn.execute("SELECT status FROM reports WHERE id = ?", (report_id,)).fetchone()
        return row["status"] if row else None

    def get_report(self, report_id: str) -> StoredReport | None:
        row = self._conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE id = ?", (report_id,)
        ).fetchone()
        return _stored_report(row) if row else None

    def reports(self, status: ReportStatus | None = None) -> list[StoredReport]:
        """Stored reports in the order they were added, optionally only those with ``status``."""
        sql = f"SELECT {_REPORT_COLUMNS} FROM reports"
        params: tuple[str, ...] = ()
        if status:
            sql += " WHERE status = ?"
            params = (status,)
        return [_stored_report(row) for row in self._conn.execute(sql + " ORDER BY rowid", params)]

    def failed_reports(self) -> list[StoredReport]:
        return self.reports("failed")

    def mark_failed(self, report_id: str, error: str) -> None:
        """Keep the report with the error that stopped its extraction, for a later retry."""
        with self._conn:
            cursor = self._conn.execute(
                "UPDATE reports SET status = 'failed', error = ?, extractor_version = ? "
                "WHERE id = ?",
                (error, _extractor_version(), report_id),
            )
        if cursor.rowcount == 0:
            raise KeyError(f"no stored report {report_id!r}")

    # Events

    def save_extraction(self, extraction: Extraction) -> int:
        """Replace the report's events with these, in one transaction; return how many."""
        report_id = extraction.report.id
        rows = [(event, False) for event in extraction.events]
        rows += [(event, True) for event in extraction.background]
        with self._conn:
            if self.report_status(report_id) is None:
                raise KeyError(f"no stored report {report_id!r}: add_report comes first")
            self._conn.execute("DELETE FROM events WHERE report_id = ?", (report_id,))
            for ordinal, (event, background) in enumerate(rows):
                self._insert_event(report_id, ordinal, event, background)
            self._conn.execute(
                "UPDATE reports SET status = 'done', error = NULL, extractor_version = ? "
                "WHERE id = ?",
                (_extractor_version(), report_id),
            )
        return len(rows)

    def _insert_event(self, report_id: str, ordinal: int, event: Event, background: bool) -> None:
        data = event.to_dict()
        data["background"] = background or event.background
        place = event.location
        self._conn.execute("DELETE FROM events WHERE id = ?", (event.id,))
        self._conn.execute(
            "INSERT INTO events (id, report_id, ordinal, background, event_date, event_type, "
            "sub_event_type, country_code, admin1, latitude, longitude, fatalities_best, "
            "injured_best, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.id,
                report_id,
                ordinal,
                int(data["background"]),
                data["event_date"],
                event.event_type,
                event.sub_event_type,
                place.country_code if place else None,
                place.admin1 if place else None,
                place.latitude if place else None,
                place.longitude if place else None,
                event.fatalities.best,
                event.injured.best,
                json.dumps(data, ensure_ascii=False),
            ),
        )
        self._conn.executemany(
            "INSERT INTO figures (event_id, kind, value, qualifier, grp, speaker, channel, "
            'report_id, start, "end") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [
                (
                    event.id,
                    figure.kind,
                    figure.value,
                    figure.qualifier,
                    figure.group,
                    figure.speaker,
                    figure.channel,
                    figure.evidence.report_id,
                    figure.evidence.start,
                    figure.evidence.end,
                )
                for figure in [*event.fatalities.history, *event.injured.history]
            ],
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO event_reports (event_id, report_id) VALUES (?, ?)",
            [(event.id, rid) for rid in dict.fromkeys([report_id, *event.report_ids])],
        )

    def query_events(self, filters: EventFilter | None = None) -> list[dict[str, Any]]:
        """Stored event JSON matching ``filters``, newest first (undated last)."""
        return list(self.iter_events(filters or EventFilter()))

    def iter_events(self, filters: EventFilter) -> Iterator[dict[str, Any]]:
        where, params = _where(filters)
        sql = "SELECT json FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY event_date IS NULL, event_date DESC, report_id, ordinal"
        if filters.limit is not None:
            sql += " LIMIT ?"
            params.append(filters.limit)
        for row in self._conn.execute(sql, params):
            yield json.loads(row["json"])

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT json FROM events WHERE id = ?", (event_id,)).fetchone()
        return json.loads(row["json"]) if row else None

    def event_ids_starting(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids that begin with ``prefix``, to suggest when an id was mistyped or shortened."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn.execute(
            "SELECT id FROM events WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
            (escaped + "%", limit),
        )
        return [row["id"] for row in rows]

    def figures(self, event_id: str) -> list[dict[str, Any]]:
        """The figure rows of one event, in the order they were said."""
        rows = self._conn.execute(
            'SELECT kind, value, qualifier, grp, speaker, channel, report_id, start, "end" '
            "FROM figures WHERE event_id = ? ORDER BY rowid",
            (event_id,),
        )
        return [dict(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many reports (per status), events, background events and figures are stored."""
        counts = {"reports": 0, "pending": 0, "done": 0, "failed": 0}
        for row in self._conn.execute("SELECT status, COUNT(*) AS n FROM reports GROUP BY status"):
            counts[row["status"]] = row["n"]
            counts["reports"] += row["n"]
        row = self._conn.execute(
            "SELECT COUNT(*) AS n, COALESCE(SUM(background), 0) AS bg FROM events"
        ).fetchone()
        counts["events"] = row["n"] - row["bg"]
        counts["background"] = row["bg"]
        counts["figures"] = self._conn.execute("SELECT COUNT(*) FROM figures").fetchone()[0]
        return counts


def _extractor_version() -> str:
    """The Khronika version that ran the extraction (imported late: the package imports us)."""
    from khronika import __version__

    return __version__


def _normalize_or_none(name: str | None) -> str | None:
    return normalize_admin1(name) if name is not None else None


def _where(filters: EventFilter) -> tuple[list[str], list[Any]]:
    """SQL conditions and their parameters for ``filters``."""
    where: list[str] = []
    params: list[Any] = []
    if not filters.include_background:
        where.append("background = 0")
    if filters.since is not None:
        where.append("event_date >= ?")
        params.append(filters.since.isoformat())
    if filters.until is not None:
        where.append("event_date <= ?")
        params.append(filters.until.isoformat())
    if filters.country is not None:
        where.append("country_code = ? COLLATE NOCASE")
        params.append(filters.country)
    if filters.admin1 is not None:
        where.append("normalize_admin1(admin1) = ?")
        params.append(normalize_admin1(filters.admin1))
    if filters.event_type is not None:
        where.append("(event_type = ? COLLATE NOCASE OR sub_event_type = ? COLLATE NOCASE)")
        params += [filters.event_type, filters.event_type]
    if filters.min_killed is not None:
        where.append("fatalities_best >= ?")
        params.append(filters.min_killed)
    if filters.near is not None:
        near = filters.near
        # A latitude band narrows the rows (using the index) before the exact distance.
        band = near.km / 111.0
        where.append("latitude BETWEEN ? AND ? AND longitude IS NOT NULL")
        params += [near.latitude - band, near.latitude + band]
        where.append("haversine_km(latitude, longitude, ?, ?) <= ?")
        params += [near.latitude, near.longitude, near.km]
    return where, params


def _stored_report(row: sqlite3.Row) -> StoredReport:
    report = Report(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        url=row["url"],
        published=_datetime(row["published"]),
        source=row["source"],
        language=row["language"],
        encoding=row["encoding"],
        origin=row["origin"],
        format=row["format"],
        received=_datetime(row["received"]),
    )
    return StoredReport(report, row["status"], row["error"], row["extractor_version"])
