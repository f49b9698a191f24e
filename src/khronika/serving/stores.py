"""One store connection per worker thread: SQLite connections stay in the thread that opened
them (and so do psycopg's, used one at a time), WAL (or PostgreSQL's snapshots) lets readers go
on while a report is ingested, and one lock keeps this process's writers in turn."""

from __future__ import annotations

import threading
from pathlib import Path

from khronika.store import Store

CACHE_MB = 64  # per worker thread; threads are few (anyio's pool) and pages are shared by OS


class Stores:
    """Hands each thread its own ``Store`` on the same file, opened on first use."""

    def __init__(self, path: str | Path, read_only: bool | None = None) -> None:
        """``read_only``: open every connection so it cannot write (a server without a token
        writes nothing); ``None``: only when the file is not writable."""
        with Store(path, create=False, read_only=read_only) as first:  # the commands' errors
            self.read_only = first.read_only
        self.path = path
        self.write_lock = threading.Lock()
        self._local = threading.local()

    def get(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.path, create=False, read_only=self.read_only)
            store.cache_pages(CACHE_MB)
            self._local.store = store
        return store
