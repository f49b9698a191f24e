"""Tests and installs that do not depend on the machine: the run keeps out of the user's home
(conftest.py points HOME and the data folders into a temporary folder, and fails a session
that wrote into that HOME), and the place index is named by its sources' content, so a fresh
clone (every file with a new time) finds the index an older clone built."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import written_to
from khronika.places.gazetteer import data_home, index_path, source_fingerprint
from khronika.places.imports import imports_dir

REAL_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)
TEMP = Path(tempfile.gettempdir()).resolve()


def test_the_run_has_its_own_empty_home_and_data_folders() -> None:
    home = Path.home().resolve()
    assert home != REAL_HOME.resolve() and home.is_relative_to(TEMP)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "KHRONIKA_HOME"):
        folder = Path(os.environ[name]).resolve()
        assert folder.is_relative_to(TEMP) and not folder.is_relative_to(home), name
    assert data_home().resolve() == Path(os.environ["KHRONIKA_HOME"]).resolve()
    assert index_path().resolve().is_relative_to(TEMP)


def test_a_child_process_inherits_the_temporary_home() -> None:
    script = "import pathlib, os; print(pathlib.Path.home(), os.environ['XDG_CACHE_HOME'])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    home, cache = result.stdout.split()
    assert Path(home) == Path.home() and Path(cache) == Path(os.environ["XDG_CACHE_HOME"])


def test_what_a_run_writes_into_home_is_found(tmp_path: Path) -> None:
    assert written_to(tmp_path) == []
    (tmp_path / ".cache" / "tool").mkdir(parents=True)
    (tmp_path / ".cache" / "tool" / "state").write_text("x")
    assert written_to(tmp_path) == [".cache", ".cache/tool", ".cache/tool/state"]


def test_the_index_name_follows_content_not_file_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    imported = imports_dir(tmp_path) / "extra.txt"
    imported.parent.mkdir()
    imported.write_text("Kupiansk-Vuzlovyi\tUA\n", encoding="utf-8")
    named = source_fingerprint()
    os.utime(imported, (946684800, 946684800))  # a fresh copy of the same file: a new time
    assert source_fingerprint() == named
    imported.write_text("Kupiansk-Vuzlovyi\tRU\n", encoding="utf-8")  # same size, new content
    os.utime(imported, (946684800, 946684800))  # and the very same time
    assert source_fingerprint() != named
    imported.write_text("Kupiansk-Vuzlovyi\tUA\n", encoding="utf-8")
    assert source_fingerprint() == named
    assert index_path() == tmp_path / f"places-{named}.pickle"
