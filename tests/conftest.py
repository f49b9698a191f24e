"""Fixtures shared by the test files.

Tests that take ``store_location`` or ``db`` run once on each storage backend: a SQLite file
and a database on a throwaway PostgreSQL server (``tests/pg_server.py``), started once per
session when the first such test asks for it. ``KHRONIKA_TEST_POSTGRES=0`` leaves it out.

The run never touches the user's files: HOME, the XDG folders and KHRONIKA_HOME point into one
temporary folder for the whole session (child processes inherit them), and a session that left
anything in that HOME fails, naming what it wrote."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from khronika.places import Gazetteer

BACKENDS = ["sqlite", "postgresql"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "reports"


_ROOT = pytest.StashKey[Path]()
_saved_env: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Point HOME (left empty), the XDG folders (where browsers and tools keep their state)
    and KHRONIKA_HOME (the place index, built once per session) into a fresh folder."""
    root = Path(tempfile.mkdtemp(prefix="khronika-tests-"))
    folders = {
        "HOME": root / "home",
        "XDG_DATA_HOME": root / "xdg" / "data",
        "XDG_CONFIG_HOME": root / "xdg" / "config",
        "XDG_CACHE_HOME": root / "xdg" / "cache",
        "XDG_STATE_HOME": root / "xdg" / "state",
        "KHRONIKA_HOME": root / "khronika",
    }
    for name, folder in folders.items():
        folder.mkdir(parents=True)
        _saved_env[name] = os.environ.get(name)
        os.environ[name] = str(folder)
    config.stash[_ROOT] = root


def written_to(home: Path) -> list[str]:
    """What a run left in its HOME (which it must not write to), as paths relative to it."""
    return sorted(str(path.relative_to(home)) for path in home.rglob("*"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    root = session.config.stash.get(_ROOT, None)
    written = written_to(root / "home") if root else []
    if written:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the tests wrote into HOME ({root / 'home'}): {', '.join(written[:20])}"
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"FAILED hermetic run: {message}", red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    root = config.stash.get(_ROOT, None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    """The gazetteer of the session's own data directory (built there by the first test that
    needs it), so the place tests do not depend on (or change) the user's index."""
    return Gazetteer.default()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: object) -> Iterator[int]:
    """A real uvicorn serving ``app`` on a free loopback port, in a thread; its port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
