"""The store under faults: opened read-only, damaged, full, locked by another writer, and with
reports a stopped run left unfinished. Each ends in one clear line naming the database and what
to do, never a traceback, and nothing half-written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES
from khronika.cli import main
from khronika.records import Extraction, Report
from khronika.serving.stores import Stores
from khronika.store import SCHEMA_VERSION, Store, StoreBusy, StoreError, database
from khronika.store.health import check


def _damage(path: Path) -> None:
    """Garbage over the middle half of the file (its header and schema page stay)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 4)
        handle.write(_garbage(size // 2))


def _garbage(length: int) -> bytes:
    return (bytes(range(256)) * (length // 256 + 1))[:length]


def _report(number: int) -> Report:
    return Report(
        id=f"fault-{number}",
        text=f"A drone struck Kharkiv overnight on {number % 27 + 1} March 2025; {number % 4} "
        "people were injured, the regional administration said.",
        source="Wire (our own fixture)",
    )


def _snapshot(path: Path) -> bytes:
    return path.read_bytes()


# Read-only


def test_a_read_only_store_writes_nothing_and_refuses_writes(sqlite_db: Path) -> None:
    before = _snapshot(sqlite_db)
    with Store(sqlite_db, create=False, read_only=True) as store:
        assert store.read_only
        assert store.counts()["reports"] > 0
        with pytest.raises(StoreError, match="read-only"):
            store.store_report(_report(1))
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store._db.execute("DELETE FROM reports")  # the connection itself cannot write
    assert _snapshot(sqlite_db) == before


def test_read_only_does_not_migrate_an_older_schema(sqlite_db: Path) -> None:
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    before = _snapshot(sqlite_db)
    with pytest.raises(StoreError, match="schema version 3 needs migrating.*read-only"):
        Store(sqlite_db, create=False, read_only=True)
    assert _snapshot(sqlite_db) == before


def test_a_file_that_is_not_writable_opens_read_only_by_itself(
    sqlite_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root, chmod stops nothing: what "not writable" decides is checked through the seam.
    monkeypatch.setattr("khronika.store.core.writable", lambda path: False)
    with Store(sqlite_db, create=False, read_only=None) as store:
        assert store.read_only
    assert Stores(sqlite_db).read_only


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_a_read_only_file_in_a_read_only_folder_is_queried(
    sqlite_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    shutil.copy(sqlite_db, folder / "k.db")
    (folder / "k.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        assert main(["events", "--db", str(folder / "k.db"), "--format", "jsonl"]) == 0
        assert capsys.readouterr().out.count("\n") > 20
        assert sorted(os.listdir(folder)) == ["k.db"]
    finally:
        folder.chmod(0o755)


def test_reading_commands_and_a_server_without_token_open_read_only(
    sqlite_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(sqlite_db)
    assert main(["events", "--db", str(sqlite_db), "--limit", "3"]) == 0
    assert main(["reports", "--db", str(sqlite_db)]) == 0
    assert Stores(sqlite_db, read_only=True).get().read_only
    assert _snapshot(sqlite_db) == before
    assert main(["serve", "--db", str(sqlite_db), "--read-only", "--token-file", "x"]) == 2
    assert "accepts no reports" in capsys.readouterr().err


# Damage


def test_check_says_a_sound_store_is_sound(
    sqlite_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--db", str(sqlite_db)]) == 0
    out = capsys.readouterr().out
    assert f"schema version {SCHEMA_VERSION}" in out and "integrity: ok" in out
    assert "what to do" not in out


def test_check_finds_damage_and_every_command_says_so_in_one_line(
    sqlite_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damage(sqlite_db)
    health = check(sqlite_db)
    assert not health.sound and "restore" in health.advice()[0]
    assert main(["check", "--db", str(sqlite_db)]) == 1
    out = capsys.readouterr().out
    assert "DAMAGED" in out and "restore" in out and "from a backup" in out
    for command in (["events", "--format", "jsonl"], ["link"], ["events", "--mentions"]):
        status = main([*command, "--db", str(sqlite_db)])
        err = capsys.readouterr().err
        assert status == 1, command
        assert err.count("\n") == 1 and "Traceback" not in err, command
        assert str(sqlite_db) in err and "khronika check" in err, command


def test_ingest_refuses_to_write_into_a_damaged_store(
    sqlite_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damage(sqlite_db)
    before = _snapshot(sqlite_db)
    assert main(["ingest", "--db", str(sqlite_db), str(EXAMPLES)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "khronika check" in err
    assert _snapshot(sqlite_db) == before


def test_a_file_that_is_no_database_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200, encoding="utf-8")
    assert main(["events", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["check", "--db", str(path)]) == 1
    assert path.read_text(encoding="utf-8").startswith("these are my notes")


# Full disk


def test_a_full_disk_stops_ingest_with_one_error_and_whole_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "full.db"
    Store(db).close()
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    opened = database.SQLiteDatabase.__init__

    def small_disk(self: database.SQLiteDatabase, *args: object, **kwargs: object) -> None:
        opened(self, *args, **kwargs)  # type: ignore[arg-type]
        if not self.read_only:  # SQLite's own "database or disk is full", at a few pages more
            self.execute(f"PRAGMA max_page_count = {pages + 12}")

    monkeypatch.setattr(database.SQLiteDatabase, "__init__", small_disk)
    assert main(["ingest", "--db", str(db), str(EXAMPLES)]) == 1
    err = capsys.readouterr().err
    assert "database or disk is full" in err and str(db) in err and "Traceback" not in err
    assert "the store holds" in err
    monkeypatch.undo()
    with Store(db) as store:
        assert store.check(full=True) == []
        stored = store.reports()
        assert all(item.status == "done" for item in stored)
        for item in stored:  # a committed report has its revision and its mentions
            assert store.revisions(item.report.id)
    assert main(["ingest", "--db", str(db), str(EXAMPLES)]) == 0  # room again: it goes on
    with Store(db) as store:
        assert store.counts()["pending"] == store.counts()["failed"] == 0


# Locked


def test_a_writer_waits_out_a_lock_held_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "busy.db"
    Store(db).close()
    monkeypatch.setattr(database, "BUSY_SECONDS", 0.2)
    monkeypatch.setattr(database, "LOCK_BACKOFF", (0.2, 0.4, 0.8))
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.8, holder.rollback)
    release.start()
    started = time.monotonic()
    with Store(db) as store:
        assert store.store_report(_report(1)) == "new"
    release.join()
    holder.close()
    assert 0.7 < time.monotonic() - started < 10


def test_a_lock_held_past_every_retry_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "busy.db"
    Store(db).close()
    monkeypatch.setattr(database, "BUSY_SECONDS", 0.1)
    monkeypatch.setattr(database, "LOCK_BACKOFF", (0.1, 0.2))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with Store(db) as store, pytest.raises(StoreBusy, match="another writer"):
            store.store_report(_report(1))
        assert main(["ingest", "--db", str(db), str(EXAMPLES / "kharkiv-strike.txt")]) == 1
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert "another writer" in err and "run the command again" in err
    assert "Traceback" not in err
    with Store(db) as store:
        assert store.counts()["reports"] == 0


# Unfinished reports


def test_a_report_left_pending_is_listed_and_retried_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "pending.db"
    with Store(db) as store:
        store.store_report(_report(1))  # stored, then the run was killed before extraction
        store.store_report(_report(2))
        store.mark_failed("fault-2", "fault-2: extraction failed: RuntimeError: boom")
    assert main(["reports", "--failed", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "fault-1  pending" in out and "fault-2  failed" in out
    assert main(["check", "--db", str(db)]) == 0
    assert "--retry-failed" in capsys.readouterr().out
    assert main(["ingest", "--retry-failed", "--db", str(db)]) == 0
    assert "2 reports read: 2 new" in capsys.readouterr().err
    assert main(["ingest", "--retry-failed", "--db", str(db)]) == 0
    assert "0 reports read" in capsys.readouterr().err
    with Store(db) as store:
        assert {item.status for item in store.reports()} == {"done"}
        assert len(store.mentions_of_report("fault-1")) == 1


# Both engines


def test_read_only_and_check_on_each_engine(db: str | Path) -> None:
    with Store(db, create=False, read_only=True) as store:
        counts = store.counts()
        with pytest.raises(StoreError, match="read-only"):
            store.store_report(_report(1))
    health = check(db)
    assert health.sound and health.schema_version == SCHEMA_VERSION
    assert health.counts == counts and health.advice() == []
    with Store(db) as store:
        store.store_report(_report(1))  # stored, not extracted: left for --retry-failed
    assert "--retry-failed" in check(db).advice()[0]


def test_a_pending_report_is_retried_once_by_ingest_not_by_every_ingest(tmp_path: Path) -> None:
    from khronika import pipeline
    from khronika.ingest_run import ingest

    db = tmp_path / "leftover.db"
    with Store(db) as store:
        store.store_report(_report(1))  # left pending by a run that was stopped
    seen: list[str] = []

    def killed_during(report: Report) -> Extraction:
        # What another process sees while this extraction runs: what a kill -9 would leave.
        with sqlite3.connect(db) as other:
            row = other.execute("SELECT status, error FROM reports WHERE id = ?", (report.id,))
            status, error = row.fetchone()
        seen.append(status)
        assert "did not finish" in error and "--retry-failed" in error
        raise KeyboardInterrupt  # the run is stopped again, during the retry

    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        ingest(store, [_report(1)], extractor=killed_during)
    assert seen == ["failed"]
    with Store(db) as store:
        summary = ingest(store, [_report(1)], extractor=killed_during)  # not re-run
        assert summary.unchanged == 1 and seen == ["failed"]
        assert [item.report.id for item in store.unfinished_reports()] == ["fault-1"]
        summary = ingest(store, [_report(2)], extractor=pipeline.extract_report)
        assert summary.new == 1


def test_after_a_full_disk_the_same_store_reads_and_writes_again(tmp_path: Path) -> None:
    from khronika.ingest_run import ingest

    db = tmp_path / "full.db"
    with Store(db) as store:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError, match="database or disk is full"):
            ingest(store, [_report(n) for n in range(40)])
        assert store.counts()["reports"] == 0  # the whole batch went, nothing half-kept
        store._db.execute("PRAGMA max_page_count = 1000000")
        assert ingest(store, [_report(n) for n in range(40)]).new == 40
