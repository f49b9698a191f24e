"""PostgreSQL for a store shared by several people, a watcher and a backfill (psycopg 3).

The store's SQL is SQLite's portable subset; this connection turns its ``?`` parameters into
psycopg's, and answers the engine fragments of ``Database``. Writers take turns, as they do
on SQLite: a write transaction first takes one advisory lock, so linking (which reads events
and then rewrites them) never races another writer, while readers never wait. Full-text search
is a ``tsvector`` over the same two texts, Latin diacritics folded as SQLite's FTS5 folds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from khronika.store.database import _BOX_OVERLAPS, Cursor, _words
from khronika.store.errors import NeedsMigration, NoSchema, StoreError, UnknownSchema
from khronika.store.schema_pg import (
    BLOCK_RECTANGLE,
    POSTGRES_MIGRATIONS,
    POSTGRES_SCHEMA,
    migrations_from,
)

URL_SCHEMES = ("postgresql://", "postgres://")
WRITE_LOCK = 0x6B68726F6E  # "khron": the advisory lock every write transaction takes first
_PARAMETER = re.compile(r"'[^']*'|\"[^\"]*\"|\?|%")


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def display_name(url: str) -> str:
    """The URL with its password left out, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


@lru_cache(maxsize=512)
def _psycopg_sql(sql: str) -> str:
    """``?`` becomes ``%s`` and a literal ``%`` becomes ``%%``, outside quoted text."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return token.replace("%", "%%")

    return _PARAMETER.sub(replace, sql)


class Row(tuple[Any, ...]):
    """A result row read by position or by column name, as ``sqlite3.Row`` is."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, names)

    return make


class PostgresDatabase:
    """One psycopg connection in autocommit mode: a transaction is only ever an explicit
    ``begin()``, so a long-lived reader (the server) holds no snapshot open between requests."""

    engine = "postgresql"
    event_order = "event_date DESC NULLS LAST, sort_key, id"

    def __init__(self, url: str, read_only: bool = False) -> None:
        import psycopg  # only a PostgreSQL store pays for the import

        self.name = display_name(url)
        self.read_only = read_only
        self._psycopg = psycopg
        self._conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        if read_only:  # the server refuses every write of this session
            self._conn.execute("SET default_transaction_read_only = on")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self._conn.execute(_psycopg_sql(sql), tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(_psycopg_sql(sql), [tuple(row) for row in rows])

    def insert_id(self, sql: str, params: Sequence[Any], column: str) -> int:
        row = self.execute(f"{sql} RETURNING {column}", params).fetchone()
        return int(row[0])

    @property
    def in_transaction(self) -> bool:
        status = self._conn.info.transaction_status
        return status != self._psycopg.pq.TransactionStatus.IDLE

    def begin(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.name}: opened read-only, cannot write")
        self._conn.execute("BEGIN")
        self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def check(self, full: bool = False) -> list[str]:
        """The server keeps its own pages sound (and checks them itself): reaching every table
        is the check here; the store's own checks of the data follow for both engines."""
        for table in ("meta", "reports", "revisions", "mentions", "events"):
            self._conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall()
        return []

    def cache_pages(self, megabytes: int) -> None:
        """The server's shared buffers serve every reader; nothing to set per connection."""

    def ci_equal(self, column: str) -> str:
        return f"lower({column}) = lower(?)"  # the lower() indexes serve it

    def text_match(self, query: str) -> tuple[str, list[Any]]:
        terms = " & ".join(f"{fold(word)}:*" for word in _words(query))
        condition = "rowid IN (SELECT rowid FROM events_fts WHERE doc @@ to_tsquery('simple', ?))"
        return condition, [terms]

    def search_row(self, notes: str, quotes: str) -> tuple[str, str]:
        return fold(notes), fold(quotes)

    def json_row(self, columns: str) -> str:
        return f"json_build_array({columns})::text"

    def joined(self, expression: str) -> str:
        return f"string_agg({expression}, ',')"

    def box_overlaps(self, alias: str, bounds: Sequence[float]) -> tuple[str, list[float]]:
        """The GiST index's (day, latitude) rectangle first, then the exact comparisons."""
        day_min, day_max, lat_min, lat_max, _, _ = bounds
        rectangle = (
            f"{BLOCK_RECTANGLE.format(a=alias)} && "
            "box(point(?::float8, ?::float8), point(?::float8, ?::float8))"
        )
        condition = f"{rectangle} AND {_BOX_OVERLAPS.format(a=alias)}"
        return condition, [day_min, lat_min, day_max, lat_max, *bounds]

    def prepare_schema(
        self, version: int, columns: Callable[[dict[str, Any]], dict[str, Any]], create: bool
    ) -> str | None:
        """Create the schema when the database is new; the version found before (None: new).
        Version 4 is the first PostgreSQL schema: the steps from it (schema_pg.py) run in one
        transaction, under the write lock."""
        if self.read_only:
            return self._read_version(version)
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            exists = self._conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
            old = None
            if exists and exists[0]:
                row = self._conn.execute(
                    "SELECT value FROM meta WHERE key = 'schema_version'"
                ).fetchone()
                old = row[0] if row else None
            if old is None and not create:
                raise NoSchema()
            if old not in (None, str(version), *POSTGRES_MIGRATIONS):
                raise UnknownSchema(str(old))
            if old is None:
                self._conn.execute(POSTGRES_SCHEMA)
            for step in migrations_from(old):
                self._conn.execute(step)
            if old != str(version):
                self._conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (str(version),),
                )
        return old

    def _read_version(self, version: int) -> str:
        exists = self._conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
        if not (exists and exists[0]):
            raise NoSchema()
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise NoSchema()
        if row[0] in POSTGRES_MIGRATIONS:  # older: a writer migrates it, a reader cannot
            raise NeedsMigration(str(row[0]))
        if row[0] != str(version):
            raise UnknownSchema(str(row[0]))
        return str(row[0])


def fold(text: str) -> str:
    """Case folded, and Latin letters without their diacritics ("Khárkiv" → "kharkiv");
    other scripts keep theirs (й is not и)."""
    out: list[str] = []
    for char in text.casefold():
        base = unicodedata.normalize("NFD", char)
        out.append(base[0] if base[0].isascii() and len(base) > 1 else char)
    return "".join(out)
