"""Fixtures shared by the test files.

Tests that take ``store_location`` or ``db`` run once on each storage backend: a SQLite file
and a database on a throwaway PostgreSQL server (``tests/pg_server.py``), started once per
session when the first such test asks for it. ``KHRONIKA_TEST_POSTGRES=0`` leaves it out."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from khronika.places import Gazetteer

BACKENDS = ["sqlite", "postgresql"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "reports"


@pytest.fixture(scope="session")
def gaz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gazetteer]:
    """A gazetteer built once per session in its own data directory, so the place tests do
    not depend on (or change) the user's index."""
    home = tmp_path_factory.getbasetemp() / "khronika-home"
    home.mkdir(exist_ok=True)
    previous_home = os.environ.get("KHRONIKA_HOME")
    previous_default = Gazetteer._default
    os.environ["KHRONIKA_HOME"] = str(home)
    Gazetteer._default = None
    try:
        yield Gazetteer.default()
    finally:
        Gazetteer._default = previous_default
        if previous_home is None:
            os.environ.pop("KHRONIKA_HOME", None)
        else:
            os.environ["KHRONIKA_HOME"] = previous_home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """The session's PostgreSQL server, or the reason (a string) it could not start."""
    if os.environ.get("KHRONIKA_TEST_POSTGRES") == "0":
        yield "KHRONIKA_TEST_POSTGRES=0"
        return
    from pg_server import start

    server = start()
    yield server
    if not isinstance(server, str):
        server.stop()


def running_pg(request: pytest.FixtureRequest) -> object:
    """The running server, or skip the test saying why there is none."""
    server = request.getfixturevalue("pg_server")
    if isinstance(server, str):
        pytest.skip(f"PostgreSQL half skipped: {server}")
    return server


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_location(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[], str | Path]:
    """Makes a new empty store location at each call: a file, or a new PostgreSQL database."""
    made = itertools.count()

    def make() -> str | Path:
        if backend == "sqlite":
            return tmp_path / f"k{next(made) or ''}.db"
        url: str = running_pg(request).create_database()  # type: ignore[attr-defined]
        return url

    return make


@pytest.fixture
def store_location(new_location: Callable[[], str | Path]) -> str | Path:
    """Where a test's own empty store lives: a file, or a new PostgreSQL database's URL."""
    return new_location()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, gaz: Gazetteer) -> Path:
    """The example reports ingested once (real extraction and linking) into a store that the
    API's tests copy."""
    from khronika.ingest import read_paths
    from khronika.ingest_run import ingest
    from khronika.store import Store

    path = tmp_path_factory.mktemp("examples") / "examples.db"
    with Store(path) as store:
        summary = ingest(store, read_paths([EXAMPLES]))
    assert summary.ok and summary.new > 20, summary.errors
    return path


@pytest.fixture(scope="session")
def built_pg(request: pytest.FixtureRequest, built: Path) -> str:
    """The examples ingested once into a PostgreSQL template database; its name."""
    from khronika.ingest import read_paths
    from khronika.ingest_run import ingest
    from khronika.store import Store

    server = running_pg(request)
    url: str = server.create_database()  # type: ignore[attr-defined]
    with Store(url) as store:
        summary = ingest(store, read_paths([EXAMPLES]))
    assert summary.ok and summary.new > 20, summary.errors
    server.rename_to_template(url, "examples")  # type: ignore[attr-defined]
    return "examples"


@pytest.fixture
def db(backend: str, built: Path, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """A copy of the examples' store that a test may change, on each backend."""
    if backend == "postgresql":
        template = request.getfixturevalue("built_pg")
        url: str = running_pg(request).create_database(template)  # type: ignore[attr-defined]
        return url
    path = tmp_path / "k.db"
    shutil.copy(built, path)
    return path


@pytest.fixture
def sqlite_db(built: Path, tmp_path: Path) -> Path:
    """A copy of the examples' SQLite file, for what only SQLite has (its older versions)."""
    path = tmp_path / "k.db"
    shutil.copy(built, path)
    return path
