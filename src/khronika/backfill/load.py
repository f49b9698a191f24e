"""Loading a backfill's shards into the store: the ingest loop itself, fed from the shard files.

``ingest`` stores each report, skips those already stored, and for the others calls its
extractor, saves the mentions and links them in its commit batches. Here the extractor is a
``Replay``: it hands back what a worker extracted for the report just read from a shard (or
raises what the worker's extraction raised), so storing, batching, linking and the summary are
ingest's own and the events are those of a serial ingest of the same inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from khronika.backfill.shards import read_rows
from khronika.ingest import ReadError
from khronika.ingest_run import IngestSummary, ingest
from khronika.records import Event, Extraction, Report
from khronika.store import Store


class ReplayedError(Exception):
    """An extraction that raised in a worker, raised again under the same class name, so the
    report's stored error reads as ingest's would."""


class Replay:
    """Reads shard files in order and answers ingest's extractor calls from them."""

    def __init__(self, files: Iterable[Path], on_shard: Callable[[int], None] | None = None):
        self.files = files
        self.on_shard = on_shard
        self._current: tuple[Report, dict[str, Any]] | None = None

    def items(self) -> Iterator[Report | ReadError]:
        for path in self.files:
            rows = 0
            for row in read_rows(path):
                rows += 1
                if row["report"] is None:
                    yield ReadError(row["read_error_origin"], row["read_error_message"])
                    continue
                report = Report.from_dict(json.loads(row["report"]))
                self._current = (report, row)
                yield report
            self._current = None
            if self.on_shard is not None:
                self.on_shard(rows)

    def __call__(self, report: Report) -> Extraction:
        if self._current is None or self._current[0] is not report:
            raise RuntimeError(f"{report.id}: not the report the shard being loaded holds")
        row = self._current[1]
        if row["error"] is not None:
            raise type(row["error_type"], (ReplayedError,), {})(row["error"])
        report.language = row["language"]  # as extract_report sets it on the report it reads
        return Extraction(
            report=report,
            events=[Event.from_dict(e) for e in json.loads(row["events"])],
            background=[Event.from_dict(e) for e in json.loads(row["background"])],
        )


def load(
    store: Store, files: Iterable[Path], on_shard: Callable[[int], None] | None = None
) -> IngestSummary:
    """Store the shards' reports and mentions in input order and link them, as ingest does;
    ``on_shard`` is told how many items each shard held once they are through."""
    replay = Replay(files, on_shard)
    return ingest(store, replay.items(), extractor=replay)
