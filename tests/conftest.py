"""Fixtures shared by the test files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from khronika.places import Gazetteer

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


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    """A copy of the examples' store that a test may change."""
    path = tmp_path / "k.db"
    shutil.copy(built, path)
    return path
