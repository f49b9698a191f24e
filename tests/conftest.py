"""Fixtures shared by the test files."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from khronika.places import Gazetteer


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
