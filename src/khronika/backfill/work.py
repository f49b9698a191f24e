"""What a backfill worker does: extract one shard's reports into one Parquet file.

The gazetteer and the language packs are loaded once per worker process (``warm_up``, run by the
process pool's initializer or the Dask worker plugin) and kept by their own module-level
caches, never once per report. An extraction that raises is kept as that report's error, so
the loading stores the report as failed, as ``khronika ingest`` does.
"""

from __future__ import annotations

import json
import os
import resource
import time
from typing import Any

from khronika import pipeline
from khronika.backfill.shards import SCHEMA, ShardOutcome, encode
from khronika.extraction.budget import extraction_budget, time_budget
from khronika.lang import load_pack
from khronika.language import detect_language
from khronika.places import Gazetteer
from khronika.places.morphology import word_forms
from khronika.records import Report

LANGUAGES = ("en", "uk", "ru")


def warm_up() -> None:
    """Load what every extraction needs, once for this process: the gazetteer, the packs, the
    language detector and the Cyrillic morphology (fed the packs' own month names)."""
    Gazetteer.default()
    for code in LANGUAGES:
        months = list(load_pack(code).months)
        detect_language(" ".join(months))
        word_forms(months[0])


def extract_shard(index: int, items: list[dict[str, Any]]) -> ShardOutcome:
    """Extract each report of a shard (its items as ``shards.item_record`` made them)."""
    started = time.perf_counter()
    rows = [_row(ordinal, item) for ordinal, item in enumerate(items)]
    return ShardOutcome(
        index=index,
        data=encode(rows),
        reports=len(rows),
        failed=sum(1 for row in rows if row["error"] or row["read_error_message"]),
        mentions=sum(row["mentions"] for row in rows),
        seconds=time.perf_counter() - started,
        pid=os.getpid(),
        peak_rss_kb=peak_rss_kb(),
    )


def peak_rss_kb() -> int:
    """This process's peak resident memory. Linux's VmHWM is this process's own; ru_maxrss
    starts from the parent's when a worker is spawned (fork, then exec), so it is the
    fallback only."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _row(ordinal: int, item: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SCHEMA.names)
    row.update(ordinal=ordinal, mentions=0)
    if "read_error" in item:
        error = item["read_error"]
        row.update(read_error_origin=error["origin"], read_error_message=error["message"])
        return row
    row["report"] = json.dumps(item["report"], ensure_ascii=False)
    report = Report.from_dict(item["report"])
    try:
        with time_budget(extraction_budget()):  # as ingest: a hostile report fails, not hangs
            extraction = pipeline.extract_report(report)
    except Exception as error:  # kept as the report's error, as ingest keeps it
        row.update(error_type=type(error).__name__, error=str(error))
        return row
    row.update(
        language=report.language,
        events=json.dumps([e.to_dict() for e in extraction.events], ensure_ascii=False),
        background=json.dumps([e.to_dict() for e in extraction.background], ensure_ascii=False),
        mentions=len(extraction.events) + len(extraction.background),
    )
    return row
