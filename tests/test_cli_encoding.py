"""A terminal that cannot show Cyrillic must not crash the command line or lose a character:
the real command in a child process with stdout and stderr set to ASCII."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEXT = "Росіяни вдарили ракетою по Харкову, загинули двоє людей, повідомив Олег Синєгубов."


def khronika(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C", "PYTHONUTF8": "0"}
    command = [sys.executable, "-c", "from khronika.cli import main; raise SystemExit(main())"]
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, timeout=120, check=False
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "kharkiv.jsonl"
    line = {"id": "k1", "text": TEXT, "published": "2024-06-04"}
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_extract_writes_ascii_json_that_keeps_every_character(report: Path) -> None:
    done = khronika("extract", str(report), cwd=report.parent)
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    assert done.stdout.isascii()
    (line,) = [json.loads(x) for x in done.stdout.decode("ascii").splitlines() if x]
    quoted = [e["text"] for event in line["events"] for e in event["evidence"].values()]
    assert "Харкову" in quoted, quoted


def test_pretty_text_escapes_what_the_terminal_cannot_show(report: Path) -> None:
    done = khronika("extract", "--format", "pretty", str(report), cwd=report.parent)
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    assert b"Kharkiv" in done.stdout and done.stdout.isascii()


def test_an_export_to_stdout_is_utf8_whatever_the_terminal(report: Path) -> None:
    db = report.parent / "k.db"
    ingested = khronika("ingest", str(report), "--db", str(db), cwd=report.parent)
    assert ingested.returncode == 0, ingested.stderr.decode("ascii", "replace")
    done = khronika("events", "--db", str(db), "--format", "jsonl", cwd=report.parent)
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    (event,) = [json.loads(x) for x in done.stdout.decode("utf-8").splitlines() if x]
    assert "Харкову" in [e["text"] for e in event["evidence"].values()]
