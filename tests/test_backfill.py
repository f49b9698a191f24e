"""``khronika backfill``: the events of a sharded, parallel backfill are those of a serial ingest
of the same inputs (ids and JSON), a rerun after a crash redoes no finished shard, and bad
inputs are refused with an error naming them."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from khronika.backfill import BackfillError, backfill
from khronika.backfill.shards import MANIFEST, WorkDir
from khronika.cli import main
from khronika.ingest import read_paths
from khronika.ingest_run import ingest
from khronika.pipeline import extract_report
from khronika.places import Gazetteer
from khronika.records import Event, Report
from khronika.store import Store

# Our own short reports: (language, template); {place} and {n} vary, and the same strike is
# told by several outlets and languages so that linking merges some of them.
TEXTS = [
    (
        "en",
        "Russian shelling of {place_en} killed {n} civilians and injured two more on "
        "{day_en}, the regional governor said on Telegram.",
    ),
    (
        "uk",
        "Унаслідок обстрілу {place_uk} загинули {n} цивільних, ще двоє поранені, повідомив "
        "голова обласної військової адміністрації.",
    ),
    (
        "ru",
        "В результате обстрела {place_ru} погибли {n} мирных жителей, еще двое ранены, "
        "сообщил губернатор области.",
    ),
    (
        "en",
        "A drone attack on {place_en} damaged a school and a residential building overnight; "
        "no one was hurt, the State Emergency Service said.",
    ),
]
PLACES = [
    ("Kharkiv", "Харкова", "Харькова"),
    ("Kherson", "Херсона", "Херсона"),
    ("Sumy", "Сум", "Сум"),
    ("Nikopol", "Нікополя", "Никополя"),
]
DAYS = ["2024-05-20", "2024-05-21", "2024-05-23"]


def write_inputs(folder: Path) -> list[Path]:
    """Two JSONL files of hand-written reports: 48 reports, a revision of one of them, one in
    a language no pack reads (its extraction fails) and one line that is not JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for d, day in enumerate(DAYS):
        for p, (place_en, place_uk, place_ru) in enumerate(PLACES):
            for t, (lang, template) in enumerate(TEXTS):
                text = template.format(
                    place_en=place_en,
                    place_uk=place_uk,
                    place_ru=place_ru,
                    n=2 + (p + d) % 4,
                    day_en="Monday" if d == 0 else "Tuesday",
                )
                records.append(
                    {
                        "id": f"test-{d}-{p}-{t}",
                        "text": text,
                        "lang": lang,
                        "published": f"{day}T{9 + t:02d}:00:00",
                        "source": f"outlet-{t}",
                    }
                )
    revised = dict(records[0], text=records[0]["text"].replace("two more", "five more"))
    foreign = {"id": "test-de", "text": "Ein Bericht.", "lang": "de", "published": "2024-05-20"}
    first = folder / "a.jsonl"
    second = folder / "b.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    first.write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
    tail = [*lines[30:], "{this is not json", json.dumps(foreign), json.dumps(revised)]
    second.write_text("\n".join(tail) + "\n", encoding="utf-8")
    return [first, second]


def snapshot(db: Path) -> dict[str, Any]:
    """What must be the same: events (ids, JSON), reports with status and error, redirects."""
    with sqlite3.connect(db) as conn:
        return {
            "events": conn.execute("SELECT id, json FROM events ORDER BY id").fetchall(),
            "reports": conn.execute(
                "SELECT id, revision, status, error, language FROM reports ORDER BY id"
            ).fetchall(),
            "mentions": conn.execute(
                "SELECT id, event_id, json FROM mentions ORDER BY id"
            ).fetchall(),
            "redirects": conn.execute("SELECT * FROM redirects ORDER BY 1").fetchall(),
        }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def serial(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory, gaz: Gazetteer) -> Any:
    """The reference: one serial ingest of the same inputs into a fresh store."""
    db = tmp_path_factory.mktemp("serial") / "serial.db"
    with Store(db) as store:
        summary = ingest(store, read_paths(inputs))
    assert summary.read == 51 and summary.failed == 2 and summary.revised == 1
    assert summary.events > 40
    return snapshot(db), summary


def test_a_stored_extraction_reads_back_as_the_same_events(gaz: Gazetteer) -> None:
    report = Report(id="r", text="Russian shelling of Kharkiv killed 3 civilians on Monday.")
    extraction = extract_report(report)
    events = extraction.events + extraction.background + extraction.candidates
    assert events
    for event in events:
        assert Event.from_dict(event.to_dict()).to_dict() == event.to_dict()
    data = {**report.to_dict(), "text": report.text}
    assert Report.from_dict(data) == report


def test_two_local_workers_give_the_events_of_a_serial_ingest(
    inputs: list[Path], serial: Any, tmp_path: Path
) -> None:
    reference, serial_summary = serial
    lines: list[str] = []
    with Store(tmp_path / "b.db") as store:
        summary = backfill(
            store, inputs, tmp_path / "work", workers=2, shard_size=7, progress=lines.append
        )
    assert snapshot(tmp_path / "b.db") == reference
    assert summary.ingest.line() == serial_summary.line()
    assert summary.ingest.errors == serial_summary.errors  # the same failures, worded the same
    assert (summary.shards, summary.reused) == (8, 0)  # 51 items in shards of 7
    assert 1 <= len(summary.worker_peak_rss_kb) <= 2  # the worker processes that took shards
    assert min(summary.worker_peak_rss_kb.values()) > 0
    assert lines[-1].startswith("backfill: loading and linking: 8/8 shards, 51 reports")
    assert any(line.startswith("backfill: extracting: 8/8 shards") for line in lines)


class Crash(Exception):
    pass


def test_a_rerun_after_a_crash_redoes_no_finished_shard_and_doubles_nothing(
    inputs: list[Path], serial: Any, tmp_path: Path
) -> None:
    reference, _ = serial
    work, db = tmp_path / "work", tmp_path / "b.db"

    def crash_after_two(index: int) -> None:
        kept.append(index)
        if len(kept) == 2:
            raise Crash

    kept: list[int] = []
    with Store(db) as store, pytest.raises(Crash):
        backfill(store, inputs, work, workers=2, shard_size=10, after_shard=crash_after_two)
    manifest = json.loads((work / MANIFEST).read_text())
    assert sorted(manifest["shards"]) == sorted(str(i) for i in kept)
    before = {p.name: p.stat().st_mtime_ns for p in work.glob("shard-*.parquet")}
    assert len(before) == 2 and not list(work.glob(".*tmp*"))

    with Store(db) as store:
        summary = backfill(store, inputs, work, workers=2, shard_size=10)
    assert (summary.shards, summary.reused) == (6, 2)
    after = {p.name: p.stat().st_mtime_ns for p in work.glob("shard-*.parquet")}
    assert len(after) == 6 and all(after[name] == mtime for name, mtime in before.items())
    again = json.loads((work / MANIFEST).read_text())
    for index in kept:
        assert again["shards"][str(index)] == manifest["shards"][str(index)]
    assert snapshot(db) == reference

    # A shard file lost (or damaged) is extracted again, and only that one; the reports
    # already stored are unchanged (the failed one too, as for ingest), so nothing is doubled.
    lost = sorted(after)[3]
    (work / lost).write_bytes(b"not parquet")
    with Store(db) as store:
        summary = backfill(store, inputs, work, workers=2, shard_size=10)
    assert (summary.reused, summary.ingest.new, summary.ingest.unchanged) == (5, 0, 50)
    assert summary.ingest.failed == 1  # the line that is not JSON, read again
    redone = {p.name: p.stat().st_mtime_ns for p in work.glob("shard-*.parquet")}
    assert [n for n in redone if redone[n] != after[n]] == [lost]
    assert snapshot(db) == reference


def test_extract_only_makes_the_shards_and_a_later_run_loads_them_unchanged(
    inputs: list[Path], serial: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference, _ = serial
    db, work = tmp_path / "b.db", tmp_path / "work"
    common = [*map(str, inputs), "--db", str(db), "--work-dir", str(work), "--shard-size", "10"]
    assert main(["backfill", *common, "--extract-only", "--workers", "2"]) == 0
    assert "6 shards (0 reused) extracted in" in capsys.readouterr().err
    assert not db.exists()  # the store is not even opened
    kept = {p.name: p.stat().st_mtime_ns for p in work.glob("shard-*.parquet")}
    assert len(kept) == 6
    assert main(["backfill", *common, "--workers", "1"]) == 1  # two reports fail, as in ingest
    assert "6 shards (6 reused)" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in work.glob("shard-*.parquet")} == kept
    assert snapshot(db) == reference


def test_killed_by_sigkill_mid_run_the_same_command_finishes_with_the_same_events(
    inputs: list[Path], serial: Any, tmp_path: Path
) -> None:
    reference, _ = serial
    work, db = tmp_path / "work", tmp_path / "b.db"
    command = [str(Path(sys.executable).parent / "khronika"), "backfill", *map(str, inputs)]
    command += ["--db", str(db), "--work-dir", str(work), "--workers", "2", "--shard-size", "3"]
    # Its own session, so that the kill reaches the workers too, as a kill of a whole job does.
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(2400):  # at most about two minutes, then it is killed wherever it is
            if process.poll() is not None or len(_manifest_shards(work)) >= 3:
                break
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL  # killed, not finished
    done = {p.name: p.stat().st_mtime_ns for p in work.glob("shard-*.parquet")}
    assert 3 <= len(done) < 17

    with Store(db) as store:
        summary = backfill(store, inputs, work, workers=2, shard_size=3)
    assert summary.reused == len(done) and summary.shards == 17
    assert all(p.stat().st_mtime_ns == done[p.name] for p in map(work.joinpath, done))
    assert snapshot(db) == reference


def _manifest_shards(work: Path) -> dict[str, Any]:
    try:
        shards: dict[str, Any] = json.loads((work / MANIFEST).read_text())["shards"]
    except (OSError, ValueError, KeyError):  # not written yet
        return {}
    return shards


def test_dask_local_cluster_gives_the_same_events(
    inputs: list[Path], serial: Any, tmp_path: Path
) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    reference, _ = serial
    with Store(tmp_path / "b.db") as store:
        try:
            backfill(store, inputs, tmp_path / "work", engine="dask", workers=2, shard_size=9)
        except BackfillError as error:
            if "cannot connect" in str(error):
                pytest.skip(f"a local Dask cluster cannot start here: {error}")
            raise
    assert snapshot(tmp_path / "b.db") == reference


def test_bad_inputs_and_work_dirs_are_refused_naming_them(
    inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "b.db")
    missing = tmp_path / "missing.jsonl"

    def run(*arguments: str) -> tuple[int, str]:
        status = main(["backfill", "--db", db, *arguments])
        return status, capsys.readouterr().err

    status, err = run(str(inputs[0]), str(missing))
    assert status == 1 and f"khronika: error: {missing}: no such file or directory" in err

    afile = tmp_path / "afile"
    afile.write_text("x")
    status, err = run(str(inputs[0]), "--work-dir", str(afile / "shards"))
    assert status == 1 and f"{afile / 'shards'}: cannot create the work dir" in err

    work = tmp_path / "work"
    work.mkdir()
    (work / MANIFEST).write_text("{not json")
    status, err = run(str(inputs[0]), "--work-dir", str(work))
    assert status == 1 and f"{work / MANIFEST}: not a readable backfill manifest" in err

    held = WorkDir(tmp_path / "held", 10)  # as a backfill running now holds it
    status, err = run(str(inputs[0]), "--work-dir", str(held.path))
    assert status == 1 and f"{held.path}: another backfill is using this work dir" in err
    held.close()

    status, err = run(str(inputs[0]), "--scheduler", "tcp://127.0.0.1:1")
    assert status == 2 and "--scheduler needs --engine dask" in err
    status, err = run("-")
    assert status == 1 and "not from stdin" in err
    status, err = run(str(inputs[0]), "--shard-size", "0")
    assert status == 2 and "must be at least 1" in err
    assert not (tmp_path / "b.db.backfill").exists()  # nothing started


def test_parquet_input_rows_are_reports_and_bad_rows_and_files_errors(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": ["p-1", "p-2", None],
            "text": [
                "Shelling of Kherson killed 2 civilians.",
                None,
                "Обстріл Сум: троє поранені.",
            ],
            "published": [datetime(2024, 5, 20, 9), None, datetime(2024, 5, 21)],
            "language": ["en", None, None],
            "source": ["outlet", None, "channel"],
        }
    )
    path = tmp_path / "reports.parquet"
    pq.write_table(table, path, row_group_size=2)
    first, second, third = read_paths([path])
    assert isinstance(first, Report) and isinstance(third, Report)
    assert (first.id, first.published, first.language, first.source, first.format) == (
        "p-1",
        datetime(2024, 5, 20, 9),
        "en",
        "outlet",
        "parquet",
    )
    assert first.origin == f"{path}#1" and third.id.startswith("r-")  # content id when none
    assert str(second) == f"{path}#2: no text"

    (tmp_path / "notes.parquet").write_text("not a table")
    [error] = read_paths([tmp_path / "notes.parquet"])
    assert str(error).startswith(f"{tmp_path / 'notes.parquet'}: not a readable Parquet file")
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "other.parquet")
    [error] = read_paths([tmp_path / "other.parquet"])
    assert str(error).endswith("no 'text' column (columns: body)")
