"""A backfill with two workers gives the events of a serial ingest on a 20,000-report sample of
real text: the shared development data replayed (``tests/replay.py``), not our own templates.

Compared by meaning: every event (id and JSON), every mention (its event and JSON), every
report (revision, status, error, language), and every event id a user could have been given on
the way resolves to a current event. Redirects are not compared: which short-lived ids there
were, and where each one's reports stood when it dissolved, depend on the batches (an ingest
settles the events of a batch of reports at once, a backfill those of a shard). On a 20,000
sample 34 ids were redirected by both runs, and 33 of them resolved to the same event.
``KHRONIKA_BACKFILL_SAMPLE`` sets another size. Skips without ``../shared/eval``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from khronika.backfill import backfill
from khronika.ingest import read_paths
from khronika.ingest_run import ingest
from khronika.places import Gazetteer
from khronika.store import Store
from replay import EVAL, originals, write_inputs

SAMPLE = int(os.environ.get("KHRONIKA_BACKFILL_SAMPLE", "20000"))

pytestmark = pytest.mark.skipif(not EVAL.is_dir(), reason=f"needs the shared data in {EVAL}")


def stored(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        return {
            "events": conn.execute("SELECT id, json FROM events ORDER BY id").fetchall(),
            "mentions": conn.execute(
                "SELECT id, event_id, json FROM mentions ORDER BY id"
            ).fetchall(),
            "reports": conn.execute(
                "SELECT id, revision, status, error, language FROM reports ORDER BY id"
            ).fetchall(),
        }


def redirected(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {old for (old,) in conn.execute("SELECT old_id FROM redirects")}


def resolved(db: Path, ids: set[str]) -> dict[str, str]:
    with Store(db) as store:
        return {old: store.resolve_event_id(old)[0] for old in sorted(ids)}


def test_a_two_worker_backfill_of_real_reports_stores_what_a_serial_ingest_does(
    tmp_path: Path, gaz: Gazetteer
) -> None:
    inputs = write_inputs(originals(EVAL), tmp_path / "inputs", SAMPLE)
    with Store(tmp_path / "serial.db") as store:
        serial = ingest(store, read_paths(inputs))
    with Store(tmp_path / "backfill.db") as store:
        parallel = backfill(store, inputs, tmp_path / "work", workers=2, shard_size=500)

    assert parallel.ingest.line() == serial.line()
    assert serial.read == SAMPLE and serial.events > SAMPLE // 4
    reference, result = stored(tmp_path / "serial.db"), stored(tmp_path / "backfill.db")
    for table in ("reports", "mentions", "events"):
        assert len(result[table]) == len(reference[table]), table
        differing = [a for a, b in zip(result[table], reference[table], strict=True) if a != b]
        assert not differing, f"{len(differing)} {table} differ, the first: {differing[0]}"
    events = {event_id for event_id, _ in reference["events"]}
    serial_ids, parallel_ids = (
        redirected(tmp_path / "serial.db"),
        redirected(tmp_path / "backfill.db"),
    )
    serial_to, parallel_to = (
        resolved(tmp_path / "serial.db", serial_ids),
        resolved(tmp_path / "backfill.db", parallel_ids),
    )
    assert set(serial_to.values()) <= events and set(parallel_to.values()) <= events
