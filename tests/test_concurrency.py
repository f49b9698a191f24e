"""Four writers at once on one store, on each engine (two ingests of overlapping inputs, two
watchers reading a folder, and the API taking posts): none fails or meets "database is locked",
every report is stored once, and the events are those a full re-link gives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from conftest import EXAMPLES
from khronika.linking import Linker
from khronika.serving.app import create_app
from khronika.store import Store

TOKEN = "concurrency-test-token-0123456789"
PLACES = ["Kharkiv", "Odesa", "Dnipro", "Sumy", "Zaporizhzhia"]


def _report_lines(prefix: str, count: int) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"{prefix}-{n}",
                "text": f"A drone struck {PLACES[n % len(PLACES)]} overnight on {n % 27 + 1} "
                f"March 2025; {n % 4} people were injured, the regional administration said.",
                "published": f"2025-03-{n % 27 + 1:02d}T09:00:00+00:00",
                "source": "Wire (our own fixture)",
            }
        )
        + "\n"
        for n in range(count)
    )


def test_four_writers_on_one_store_lose_double_and_lock_nothing(
    store_location: str | Path, tmp_path: Path, built: Path
) -> None:
    db = str(store_location)
    Store(db).close()  # the shared store is set up once, then everyone writes
    half = tmp_path / "half"
    half.mkdir()
    for path in sorted(EXAMPLES.glob("*.txt"))[::2]:
        shutil.copy(path, half / path.name)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "wire.jsonl").write_text(_report_lines("watched", 40), encoding="utf-8")
    written = time.time() - 60  # settled: a file changed in the last seconds waits a poll
    os.utime(inbox / "wire.jsonl", (written, written))
    config = tmp_path / "watch.toml"
    config.write_text(
        f'[watch]\nhost_delay = 0\n\n[[source]]\nid = "inbox"\nkind = "folder"\npath = "{inbox}"\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "khronika.cli"]
    writers = [
        [*command, "ingest", "--db", db, str(EXAMPLES)],
        [*command, "ingest", "--db", db, str(half), str(EXAMPLES)],
        [*command, "watch", str(config), "--once", "--db", db],
        [*command, "watch", str(config), "--once", "--db", db],
    ]
    processes = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for argv in writers
    ]
    answers: list[int] = []

    def post() -> None:
        with TestClient(create_app(db, token=TOKEN)) as client:
            body = _report_lines("posted", 30).splitlines()
            for start in range(0, 30, 5):
                answer = client.post(
                    "/api/reports",
                    content="\n".join(body[start : start + 5]) + "\n",
                    headers={
                        "Content-Type": "application/x-ndjson",
                        "Authorization": f"Bearer {TOKEN}",
                    },
                )
                answers.append(answer.status_code)

    poster = threading.Thread(target=post)
    poster.start()
    outputs = [process.communicate(timeout=600) for process in processes]
    poster.join(timeout=600)
    said = "".join(out.decode() + err.decode() for out, err in outputs)
    assert [process.returncode for process in processes] == [0, 0, 0, 0], said
    assert answers == [200] * 6
    assert "locked" not in said and "Traceback" not in said

    with Store(built) as alone:  # the examples ingested by one writer: their revisions
        expected = {stored.report.id: stored.revision for stored in alone.reports()}
    expected |= {f"watched-{n}": 1 for n in range(40)} | {f"posted-{n}": 1 for n in range(30)}
    with Store(db) as store:
        reports = store.reports()
        assert {stored.report.id: stored.revision for stored in reports} == expected
        assert len(reports) == len(expected)
        assert all(stored.status == "done" for stored in reports)
        assert store.counts()["revisions"] == sum(expected.values())
        assert store.check(full=True) == []
        linked = {event["id"]: event for event in store.query_events()}
        with store.transaction():
            Linker(store).relink_all()
        relinked = {event["id"]: event for event in store.query_events()}
    assert linked.keys() == relinked.keys()
    for event_id, event in linked.items():
        assert event["mention_ids"] == relinked[event_id]["mention_ids"], event_id
