"""Nested store transactions: the outermost one commits, each inner one is a savepoint.

When the engine itself ends a transaction under the store (SQLite rolls the whole of it back
on a full disk), there is no savepoint left to roll back to: the error goes up as it is, and
the database refuses every later write of that transaction (``SQLiteDatabase``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from khronika.store.database import Database


class Transactions:
    """Mixin of ``Store``: ``with store.transaction():`` and its nesting."""

    _db: Database
    _depth: int = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``with store.transaction():`` makes the writes inside one commit. Nested, only the
        outermost commits; an exception rolls back its own level (a savepoint), so one failed
        report inside a batch of many leaves the others in place."""
        if self._depth:
            yield from self._savepoint()
            return
        self._depth = 1
        try:
            if not self._db.in_transaction:  # else a first SAVEPOINT would begin (and its
                self._db.begin()  # RELEASE commit) the transaction itself
            try:
                yield
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()
        finally:
            self._depth = 0

    def _savepoint(self) -> Iterator[None]:
        savepoint = f"level{self._depth}"
        self._depth += 1
        self._db.execute(f"SAVEPOINT {savepoint}")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:  # else the engine rolled it all back already
                self._db.execute(f"ROLLBACK TO {savepoint}")
                self._db.execute(f"RELEASE {savepoint}")
            raise
        else:
            self._db.execute(f"RELEASE {savepoint}")
        finally:
            self._depth -= 1
