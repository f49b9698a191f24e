"""The one seam between the store and a database engine: a connection that runs the store's
portable SQL (``?`` parameters, ``ON CONFLICT`` upserts, row values) and the few fragments
that differ between engines (full-text search, JSON rows, case-insensitive equality).

The store's SQL is written once; SQLite (embedded, the default) and PostgreSQL (shared, many
writers) each implement this small protocol. Rows answer both ``row[0]`` and ``row["name"]``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from khronika.store.errors import StoreBusy, StoreError, explain
from khronika.store.filters import haversine_km, normalize_admin1, search_words
from khronika.store.schema import prepare_sqlite, require_fts5

BUSY_SECONDS = 5.0  # how long one statement waits for another writer's lock
# Then a write transaction is tried again after each of these pauses, and given up after the
# last: about a minute in all for a writer that holds its lock the whole time.
LOCK_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


def database_errors() -> tuple[type[Exception], ...]:
    """What an engine raises for a broken, locked or unreachable database. psycopg's errors
    count only once it is imported: before that, no PostgreSQL store can have raised one."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.DatabaseError, psycopg.Error) if psycopg else (sqlite3.DatabaseError,)


def store_errors() -> tuple[type[Exception], ...]:
    """``StoreError`` and every ``database_errors``: what any use of a store can raise."""
    return (StoreError, *database_errors())


def transient_errors() -> tuple[type[Exception], ...]:
    """Those of ``database_errors`` worth trying again later: locked too long, disk full,
    the server gone for a while."""
    psycopg = sys.modules.get("psycopg")
    if psycopg:
        return (StoreBusy, sqlite3.OperationalError, psycopg.OperationalError)
    return (StoreBusy, sqlite3.OperationalError)


class Cursor(Protocol):
    """What the store reads from an executed statement."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    """A connection to one Khronika database, and its engine's SQL fragments."""

    name: str  # how messages name the database (a path, or a URL without its password)
    engine: str  # "sqlite" or "postgresql"
    read_only: bool  # opened so that nothing can be written
    event_order: str  # newest first, undated last, then the founding mention's order

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def insert_id(self, sql: str, params: Sequence[Any], column: str) -> int:
        """Run an INSERT and return the generated ``column`` of the new row."""
        ...

    @property
    def in_transaction(self) -> bool: ...

    def begin(self) -> None:
        """Start a write transaction; writers of one database take turns."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...

    def prepare_schema(
        self, version: int, columns: Callable[[dict[str, Any]], dict[str, Any]], create: bool
    ) -> str | None:
        """Create or migrate the schema; the version found before (None: a new database).
        ``columns`` copies an event's filter columns out of its JSON, for migrations."""
        ...

    def check(self, full: bool = False) -> list[str]:
        """What is wrong with the stored data, as lines; none when it is sound (``full``: the
        slow, thorough check where the engine has one)."""
        ...

    def cache_pages(self, megabytes: int) -> None:
        """Let a long-lived reader keep more pages in memory, where the engine allows."""
        ...

    def ci_equal(self, column: str) -> str:
        """``column`` equals the next parameter, ignoring case."""
        ...

    def text_match(self, query: str) -> tuple[str, list[Any]]:
        """A condition on ``events.rowid`` true when the event's text holds every word of
        ``query`` (as a word or the start of one), with its parameters."""
        ...

    def search_row(self, notes: str, quotes: str) -> tuple[str, str]:
        """The two texts as this engine's full-text index stores them."""
        ...

    def json_row(self, columns: str) -> str:
        """An expression making a JSON array (as text) of ``columns``."""
        ...

    def joined(self, expression: str) -> str:
        """An aggregate joining ``expression`` over the rows with commas."""
        ...

    def box_overlaps(self, alias: str, bounds: Sequence[float]) -> tuple[str, list[float]]:
        """A condition (and its parameters) that the block-index row ``alias`` overlaps the box
        ``bounds``: day_min, day_max, lat_min, lat_max, lon_min, lon_max."""
        ...


class SQLiteDatabase:
    """One SQLite file in WAL mode; the store's default, nothing to install or run."""

    engine = "sqlite"
    event_order = "event_date DESC, sort_key, id"  # SQLite sorts NULL last when descending

    def __init__(self, connection: sqlite3.Connection, name: str, read_only: bool = False) -> None:
        self.name = name
        self.read_only = read_only
        self._begun = False  # a transaction of ours is open (unless SQLite ended it)
        self._ended_by: sqlite3.Error | None = None  # the error on which SQLite rolled it back
        self._conn = connection
        self._conn.row_factory = sqlite3.Row
        self._conn.create_function("haversine_km", 4, haversine_km, deterministic=True)
        self._conn.create_function("normalize_admin1", 1, _normalize_or_none, deterministic=True)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._refuse_if_ended()
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as err:
            self._note_end(err)
            raise

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._refuse_if_ended()
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as err:
            self._note_end(err)
            raise

    def _note_end(self, err: sqlite3.Error) -> None:
        if self._begun and not self._conn.in_transaction and self._ended_by is None:
            self._ended_by = err

    def _refuse_if_ended(self) -> None:
        """A write after SQLite rolled our transaction back would run on its own, outside any
        transaction, and keep half a step: refused, with the error that ended it."""
        if self._begun and not self._conn.in_transaction:
            cause = self._ended_by
            if cause is not None:
                raise StoreError(explain(self.name, cause))
            raise StoreError(f"{self.name}: SQLite rolled back the step under way, whole")

    def insert_id(self, sql: str, params: Sequence[Any], column: str) -> int:
        cursor: Any = self.execute(sql, params)
        return int(cursor.lastrowid or 0)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def begin(self) -> None:
        """Take the write lock now (``IMMEDIATE``), not at the first write: a transaction that
        read first could not take it later once another writer committed."""
        if self.read_only:
            raise StoreError(f"{self.name}: opened read-only, cannot write")
        self._begin_immediate()
        self._begun, self._ended_by = True, None

    def _begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE``; a lock held longer than ``BUSY_SECONDS`` is waited for again
        after each ``LOCK_BACKOFF`` pause, then given up as ``StoreBusy``."""
        for pause in (*LOCK_BACKOFF, None):
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err):
                    raise
                if pause is None:
                    raise StoreBusy(_locked_message(self.name)) from None
                time.sleep(pause)

    def commit(self) -> None:
        try:
            self._refuse_if_ended()
            self._conn.commit()
        finally:
            self._begun = False

    def rollback(self) -> None:
        self._begun = False
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()

    def prepare_schema(
        self, version: int, columns: Callable[[dict[str, Any]], dict[str, Any]], create: bool
    ) -> str | None:
        return prepare_sqlite(
            self._conn, version, columns, create, self.read_only, self._begin_immediate
        )

    def check(self, full: bool = False) -> list[str]:
        """SQLite's quick check of every page, or with ``full`` its integrity check (each index
        against its table too): the problems found, none when the file is sound."""
        pragma = "integrity_check" if full else "quick_check"
        return _problems(self._conn.execute(f"PRAGMA {pragma}").fetchall())

    def cache_pages(self, megabytes: int) -> None:
        self._conn.execute(f"PRAGMA cache_size = -{int(megabytes) * 1024}")

    def ci_equal(self, column: str) -> str:
        return f"{column} = ? COLLATE NOCASE"  # the NOCASE indexes serve it

    def text_match(self, query: str) -> tuple[str, list[Any]]:
        words = _words(query)
        expression = " ".join(f'"{word}"*' for word in words)  # no user syntax reaches FTS5
        return "rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)", [expression]

    def search_row(self, notes: str, quotes: str) -> tuple[str, str]:
        return notes, quotes  # FTS5's tokenizer folds case and diacritics itself

    def json_row(self, columns: str) -> str:
        return f"json_array({columns})"

    def joined(self, expression: str) -> str:
        return f"group_concat({expression}, ',')"

    def box_overlaps(self, alias: str, bounds: Sequence[float]) -> tuple[str, list[float]]:
        return _BOX_OVERLAPS.format(a=alias), list(bounds)  # the R*Tree answers these


# Both engines compare the six bounds; PostgreSQL first asks its GiST index of the (day,
# latitude) rectangle, which finds the few overlapping rows without reading the others.
_BOX_OVERLAPS = (
    "{a}.day_max >= ? AND {a}.day_min <= ? AND {a}.lat_max >= ? AND {a}.lat_min <= ? "
    "AND {a}.lon_max >= ? AND {a}.lon_min <= ?"
)


def _problems(rows: list[Any]) -> list[str]:
    lines = [str(row[0]) for row in rows]
    return [] if lines == ["ok"] else lines


def _locked_message(name: str) -> str:
    waited = BUSY_SECONDS * (len(LOCK_BACKOFF) + 1) + sum(LOCK_BACKOFF)
    return (
        f"{name}: another writer has held the database locked for over {waited:.0f} s; "
        "nothing of this step was written: run the command again when it is done"
    )


def _words(query: str) -> list[str]:
    words = search_words(query)
    if not words:
        raise ValueError(f"no words to search for in {query!r}")
    return words


def _normalize_or_none(name: str | None) -> str | None:
    return normalize_admin1(name) if name is not None else None


def open_sqlite(path: Path, create: bool, read_only: bool = False) -> SQLiteDatabase:
    """Open (or create) a SQLite store file; ``StoreError`` says what is wrong with it.
    Read-only, nothing is written: not the journal mode, not the schema."""
    try:
        require_fts5()
    except RuntimeError as err:
        raise StoreError(str(err)) from None
    if not create and not path.exists():
        raise StoreError(f"{path}: no such database (run `khronika ingest` first)")
    if not path.parent.is_dir():
        raise StoreError(f"{path}: cannot open database: no folder {path.parent}")
    if not read_only and not writable(path):
        raise StoreError(
            f"{path}: cannot write here (the file or its folder is read-only); the reading "
            "commands (events, show, reports, check, serve) still open it"
        )
    try:
        connection = _read_only(path) if read_only else _connect(path)
    except sqlite3.Error as err:
        raise StoreError(f"{path}: cannot open database: {err}") from None
    db = SQLiteDatabase(connection, str(path), read_only)
    try:
        if not read_only:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL keeps commits safe from crashes
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA temp_store=MEMORY")  # savepoint journals, not files
    except sqlite3.DatabaseError as err:
        db.close()
        raise StoreError(explain(str(path), err)) from None
    return db


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit at the driver: every transaction is the store's own explicit BEGIN IMMEDIATE.
    return sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write. A WAL reader needs the -shm file; where it cannot be
    made (a read-only directory, no writer running), the file is read as immutable."""
    uri = path.resolve().as_uri()
    connection = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, timeout=BUSY_SECONDS, isolation_level=None
    )
    try:
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError as err:
        if "unable to open" not in str(err):
            raise
        connection.close()
        connection = sqlite3.connect(
            f"{uri}?mode=ro&immutable=1", uri=True, timeout=BUSY_SECONDS, isolation_level=None
        )
    connection.execute("PRAGMA query_only=ON")
    return connection


def writable(path: Path) -> bool:
    """Whether this process may write the file and make its journal next to it."""
    if not path.exists():
        return os.access(path.parent, os.W_OK | os.X_OK)
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def open_postgres(url: str, read_only: bool = False) -> Database:
    """Connect to a PostgreSQL store; ``StoreError`` says why it cannot be reached."""
    from khronika.store.postgres import PostgresDatabase, display_name

    try:
        return PostgresDatabase(url, read_only)
    except ImportError:
        raise StoreError(
            f"{display_name(url)}: PostgreSQL needs psycopg 3 (pip install 'psycopg[binary]')"
        ) from None
    except database_errors() as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StoreError(f"{display_name(url)}: cannot connect: {message}") from None
