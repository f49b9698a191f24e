"""The SQLite store: reports with every revision kept verbatim, mentions, and linked events.

Reports are committed on their own before extraction runs, so a crash during extraction loses
nothing: the report stays ``pending`` (or ``failed`` with its error) and can be extracted again.
The same report id with different text is a new *revision*: both texts are kept, and the
mentions of each stay (their figures are the history of the event). Everything one extraction
yields is written in one transaction. Mentions and events are stored as their JSON (the shape
of ``Event.to_dict()``) plus copied columns for filtering; linking (``khronika.linking``) reads
and writes the link tables through ``LinkTables``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from khronika.records import Event, Extraction, Report
from khronika.store.database import (
    Database,
    database_errors,
    open_postgres,
    open_sqlite,
    writable,
)
from khronika.store.errors import (
    NeedsMigration,
    NoSchema,
    StoreError,
    UnknownSchema,
    explain,
)
from khronika.store.filters import EventFilter
from khronika.store.links import LinkTables, event_columns, where_clauses
from khronika.store.postgres import is_postgres_url
from khronika.store.schema import SCHEMA_VERSION
from khronika.store.sources import SourceTables
from khronika.store.summary import EventSummaries

DEFAULT_DB = "khronika.db"
DB_ENV = "KHRONIKA_DB"

ReportStatus = Literal["pending", "done", "failed"]
Added = Literal["new", "revised", "unchanged"]

_REPORT_COLUMNS = (
    "id, text, title, url, published, source, language, encoding, origin, format, received, "
    "edited, revision, status, error, extractor_version, warnings"
)


@dataclass(frozen=True)
class StoredReport:
    """A report as stored (its latest revision), with where its extraction stands."""

    report: Report
    status: ReportStatus
    error: str | None
    extractor_version: str | None
    revision: int = 1


@dataclass
class SavedMentions:
    """What one ``save_extraction`` changed, for the linker: ids added, and the mentions it
    replaced with the event each was in and its sort key."""

    count: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[tuple[str, str | None, str]] = field(default_factory=list)


def default_db_path(explicit: str | os.PathLike[str] | None = None) -> str | Path:
    """The database: the one given, else ``$KHRONIKA_DB``, else ``khronika.db``; a
    ``postgresql://`` URL stays a string, anything else is a path."""
    location = str(explicit) if explicit else os.environ.get(DB_ENV) or DEFAULT_DB
    return location if is_postgres_url(location) else Path(location)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def mention_id(report_id: str, revision: int, ordinal: int) -> str:
    """A mention is the report revision plus its ordinal: readable and stable."""
    return f"{report_id}#{revision}.{ordinal}"


def sort_key(event_date: str | None, said_at: str | None, mid: str) -> str:
    """The canonical order linking follows: event day, then when it was said, then id."""
    return f"{event_date or '9999-99-99'}|{said_at or ''}|{mid}"


class Store(LinkTables, EventSummaries, SourceTables):
    """Reports, mentions, events and figures in one database: a SQLite file (WAL mode, the
    default) or a PostgreSQL database given by its ``postgresql://`` URL; a context manager.

    ``read_only`` opens it so that nothing is written, not even the schema (readers: the
    server, queries, exports); ``None`` is read-only exactly when the file is not writable."""

    def __init__(
        self,
        location: str | os.PathLike[str],
        create: bool = True,
        read_only: bool | None = False,
    ) -> None:
        self.location: str | Path = (
            str(location) if is_postgres_url(str(location)) else Path(location)
        )
        if isinstance(self.location, Path):
            if read_only is None:
                read_only = not writable(self.location)
            self._db: Database = open_sqlite(self.location, create and not read_only, read_only)
        else:
            self._db = open_postgres(self.location, bool(read_only))
        self.name = self._db.name
        self.read_only = self._db.read_only
        try:
            old = self._db.prepare_schema(SCHEMA_VERSION, event_columns, create)
            if old == "2":
                with self.transaction():
                    self.index_event_text()
        except UnknownSchema as err:
            self._db.close()
            raise StoreError(
                f"{self.name}: schema version {err.version}, this Khronika reads "
                f"version {SCHEMA_VERSION}"
            ) from None
        except NeedsMigration as err:
            self._db.close()
            raise StoreError(
                f"{self.name}: schema version {err.version} needs migrating to version "
                f"{SCHEMA_VERSION}, and it is open read-only: run a writing command once "
                "(e.g. `khronika link`) on a writable copy"
            ) from None
        except NoSchema:
            self._db.close()
            raise StoreError(
                f"{self.name}: no Khronika database here (run `khronika ingest` first)"
            ) from None
        except database_errors() as err:
            self._db.close()
            raise StoreError(explain(self.name, err)) from None

    @property
    def engine(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.engine

    def close(self) -> None:
        self._db.close()

    def cache_pages(self, megabytes: int) -> None:
        """Keep up to ``megabytes`` of pages in memory: a long-lived reader (the server) reads
        the same index and event pages again and again (SQLite's default is 2 MB)."""
        self._db.cache_pages(megabytes)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def check(self, full: bool = False) -> list[str]:
        """What is wrong with the database, one line each; none when it is sound. Quick by
        default (fit to run before every ingest); ``full`` runs the engine's thorough check."""
        return self._db.check(full)

    def schema_version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row["value"])

    # Reports and their revisions

    def add_report(self, report: Report) -> bool:
        """Store a report (or a new revision of it); False when the same text is stored."""
        return self.store_report(report) != "unchanged"

    def store_report(self, report: Report) -> Added:
        """``new`` report, ``revised`` (same id, changed text: kept as a new revision, pending
        extraction) or ``unchanged``. Nothing stored is ever overwritten."""
        with self.transaction():
            row = self._db.execute(
                "SELECT text, revision FROM reports WHERE id = ?", (report.id,)
            ).fetchone()
            if row is not None and (
                row["text"] == report.text
                or self._db.execute(
                    "SELECT 1 FROM revisions WHERE report_id = ? AND text = ?",
                    (report.id, report.text),
                ).fetchone()
            ):
                return "unchanged"  # the latest text, or an earlier one read again
            revision = 1 if row is None else row["revision"] + 1
            values = (
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
                _iso(report.edited),
                revision,
                json.dumps(list(report.warnings), ensure_ascii=False) if report.warnings else None,
            )
            if row is None:
                self._db.execute(
                    f"INSERT INTO reports ({_REPORT_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?)",
                    (report.id, *values),
                )
            else:
                self._db.execute(
                    "UPDATE reports SET text = ?, title = ?, url = ?, published = ?, source = ?, "
                    "language = ?, encoding = ?, origin = ?, format = ?, received = ?, "
                    "edited = ?, revision = ?, warnings = ?, status = 'pending', error = NULL "
                    "WHERE id = ?",
                    (*values, report.id),
                )
            self._db.execute(
                "INSERT INTO revisions (report_id, revision, text, title, published, received, "
                "edited, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.id,
                    revision,
                    report.text,
                    report.title,
                    _iso(report.published),
                    _iso(report.received),
                    _iso(report.edited),
                    report.origin,
                ),
            )
        return "new" if row is None else "revised"

    def revisions(self, report_id: str) -> list[dict[str, Any]]:
        """Every text the report had, oldest first."""
        rows = self._db.execute(
            "SELECT revision, text, title, published, received, edited, origin FROM revisions "
            "WHERE report_id = ? ORDER BY revision",
            (report_id,),
        )
        return [dict(row) for row in rows]

    def report_status(self, report_id: str) -> ReportStatus | None:
        row = self._db.execute("SELECT status FROM reports WHERE id = ?", (report_id,)).fetchone()
        return row["status"] if row else None

    def get_report(self, report_id: str) -> StoredReport | None:
        row = self._db.execute(
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
        return [_stored_report(row) for row in self._db.execute(sql + " ORDER BY rowid", params)]

    def failed_reports(self) -> list[StoredReport]:
        return self.reports("failed")

    def unfinished_reports(self) -> list[StoredReport]:
        """Reports whose extraction failed or never finished (``pending``: stored, then the run
        stopped or was killed before their mentions were committed), in the order stored."""
        sql = f"SELECT {_REPORT_COLUMNS} FROM reports WHERE status <> 'done' ORDER BY rowid"
        return [_stored_report(row) for row in self._db.execute(sql)]

    def mark_failed(self, report_id: str, error: str) -> None:
        """Keep the report with the error that stopped its extraction, for a later retry
        (inside a batch, with the batch: a plain commit here would end the batch early)."""
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE reports SET status = 'failed', error = ?, extractor_version = ? "
                "WHERE id = ?",
                (error, _extractor_version(), report_id),
            )
        if cursor.rowcount == 0:
            raise KeyError(f"no stored report {report_id!r}")

    # Mentions

    def save_extraction(self, extraction: Extraction) -> SavedMentions:
        """Replace the mentions of the report's latest revision with these, in one transaction.

        Earlier revisions keep theirs. Returns what changed, for the linker."""
        report_id = extraction.report.id
        rows = [(event, False) for event in extraction.events]
        rows += [(event, True) for event in extraction.background]
        saved = SavedMentions(count=len(rows))
        with self.transaction():
            head = self._db.execute(
                "SELECT r.revision, v.published, v.received, v.edited FROM reports r "
                "JOIN revisions v ON v.report_id = r.id AND v.revision = r.revision WHERE r.id = ?",
                (report_id,),
            ).fetchone()
            if head is None:
                raise KeyError(f"no stored report {report_id!r}: add_report comes first")
            revision = head["revision"]
            said_at = head["edited"] or head["published"] or head["received"]
            for old in self._db.execute(
                "SELECT id, event_id, sort_key FROM mentions WHERE report_id = ? AND revision = ?",
                (report_id, revision),
            ).fetchall():
                saved.removed.append((old["id"], old["event_id"], old["sort_key"]))
            self._delete_mentions([mid for mid, _, _ in saved.removed])
            for ordinal, (event, background) in enumerate(rows):
                mid = mention_id(report_id, revision, ordinal)
                self._insert_mention(mid, report_id, revision, ordinal, said_at, event, background)
                saved.added.append(mid)
            self._db.execute(
                "UPDATE reports SET status = 'done', error = NULL, extractor_version = ?, "
                "language = COALESCE(?, language) WHERE id = ?",
                (_extractor_version(), extraction.report.language, report_id),
            )
        return saved

    def _insert_mention(
        self,
        mid: str,
        report_id: str,
        revision: int,
        ordinal: int,
        said_at: str | None,
        event: Event,
        background: bool,
    ) -> None:
        data = event.to_dict()
        data.update(
            id=mid,
            report_id=report_id,
            revision=revision,
            said_at=said_at,
            background=background or event.background,
        )
        columns = event_columns(data)
        self._db.execute(
            "INSERT INTO mentions (id, report_id, revision, ordinal, said_at, sort_key, "
            + ", ".join(columns)
            + ") VALUES (?, ?, ?, ?, ?, ?"
            + ", ?" * len(columns)
            + ")",
            (
                mid,
                report_id,
                revision,
                ordinal,
                said_at,
                sort_key(data["event_date"], said_at, mid),
                *columns.values(),
            ),
        )

    def mentions_of_report(self, report_id: str) -> list[dict[str, Any]]:
        """Every stored mention of a report, all revisions, in order."""
        rows = self._db.execute(
            "SELECT json, event_id FROM mentions WHERE report_id = ? ORDER BY revision, ordinal",
            (report_id,),
        )
        return [_with_event(row) for row in rows]

    def query_mentions(self, filters: EventFilter | None = None) -> list[dict[str, Any]]:
        """Raw mentions (one event as one report tells it) matching ``filters``, newest first."""
        try:
            where, params = where_clauses(filters or EventFilter(), self._db, "mentions")
        except ValueError as err:
            raise StoreError(str(err)) from None
        sql = "SELECT json, event_id FROM mentions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY event_date IS NULL, event_date DESC, report_id, revision, ordinal"
        if filters is not None and filters.limit is not None:
            sql += " LIMIT ?"
            params.append(filters.limit)
        return [_with_event(row) for row in self._db.execute(sql, params)]

    def counts(self) -> dict[str, int]:
        """How many reports (per status), revisions, mentions, events (main and background)
        and figures are stored."""
        counts = {"reports": 0, "pending": 0, "done": 0, "failed": 0}
        for row in self._db.execute("SELECT status, COUNT(*) AS n FROM reports GROUP BY status"):
            counts[row["status"]] = row["n"]
            counts["reports"] += row["n"]
        counts["revisions"] = self._scalar("SELECT COUNT(*) FROM revisions")
        counts["mentions"] = self._scalar("SELECT COUNT(*) FROM mentions")
        row = self._db.execute(
            "SELECT COUNT(*) AS n, COALESCE(SUM(background), 0) AS bg FROM events"
        ).fetchone()
        counts["events"] = row["n"] - row["bg"]
        counts["background"] = row["bg"]
        counts["figures"] = self._scalar("SELECT COUNT(*) FROM figures")
        return counts

    def _scalar(self, sql: str) -> int:
        return int(self._db.execute(sql).fetchone()[0])


def _with_event(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(row["json"])
    data["event_id"] = row["event_id"]
    return data


def _extractor_version() -> str:
    """The Khronika version that ran the extraction (imported late: the package imports us)."""
    from khronika import __version__

    return __version__


def _stored_report(row: Any) -> StoredReport:
    data = dict(row)  # the columns are named as the report's fields
    data["warnings"] = json.loads(data["warnings"]) if data.get("warnings") else ()
    report = Report.from_dict(data)
    return StoredReport(
        report, row["status"], row["error"], row["extractor_version"], row["revision"]
    )
