"""``khronika backfill``: extract a large input in parallel shards and load it into the store.

The inputs are read once to count them (so progress can say "12/400 shards"), then again and
cut into shards of K reports in input order; each shard not already in the work dir is
extracted by a worker (``engines``) and kept as a Parquet file (``shards``). Meanwhile this
process loads the kept shards in input order, each as soon as those before it are kept,
through the ingest loop (``load``): reports, their mentions and linking, in ingest's commit
batches. Linking stays serial, in the store's canonical order, because the events must be those
a serial ingest makes: the same ids and the same JSON; running it alongside the extraction
hides its time behind the workers'. A kill at any moment loses at most the shards being
extracted and the open commit batch; the same command again reuses the kept shards, skips the
stored reports, and finishes with the same result.

With ``store=None`` only the shards are made (``--extract-only``): extraction on a cluster now,
the loading later by the same command with a store, which reuses every kept shard.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from khronika.backfill.engines import ENGINES, EngineError, EngineName, start
from khronika.backfill.load import load
from khronika.backfill.shards import (
    SHARD_SIZE,
    Shard,
    ShardOutcome,
    WorkDir,
    WorkDirError,
    plan,
)
from khronika.ingest import DEFAULT_OPTIONS, ReadOptions, read_paths
from khronika.ingest_run import IngestSummary
from khronika.places import Gazetteer
from khronika.places.gazetteer import index_path
from khronika.store import Store

__all__ = ["ENGINES", "SHARD_SIZE", "BackfillError", "BackfillSummary", "backfill"]

Progress = Callable[[str], None]


class BackfillError(Exception):
    """The backfill cannot start or go on; the message names the input, dir or engine."""


@dataclass
class BackfillSummary:
    """What one backfill did: ingest's summary of the loading, and the shards' figures."""

    ingest: IngestSummary
    shards: int = 0
    reused: int = 0
    seconds: float = 0.0  # extraction, loading and linking, overlapped
    extract_seconds: float = 0.0  # until the last shard was kept
    wait_seconds: float = 0.0  # of ``seconds``, the loading waited this long for shards
    worker_seconds: float = 0.0  # the workers' extraction time, added up over the shards
    worker_peak_rss_kb: dict[int, int] = field(default_factory=dict)  # pid -> peak
    loaded: bool = True  # False: the shards were only extracted (no store given)

    @property
    def ok(self) -> bool:
        return self.ingest.ok

    @property
    def load_seconds(self) -> float:
        """The loading's own time: storing and linking, the rest of ``seconds``."""
        return self.seconds - self.wait_seconds

    def line(self) -> str:
        rss = max(self.worker_peak_rss_kb.values(), default=0) / 1024
        if self.loaded is False:
            return (
                f"{self.shards} shards ({self.reused} reused) extracted in "
                f"{self.extract_seconds:.1f} s, not loaded; peak worker memory {rss:.0f} MB"
            )
        return (
            f"{self.ingest.line()}; {self.shards} shards ({self.reused} reused) in "
            f"{self.seconds:.1f} s: extraction {self.extract_seconds:.1f} s, loading and "
            f"linking {self.load_seconds:.1f} s alongside; peak worker memory {rss:.0f} MB"
        )


def backfill(
    store: Store | None,
    paths: Sequence[str | Path],
    work_dir: str | os.PathLike[str],
    engine: EngineName = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    shard_size: int = SHARD_SIZE,
    options: ReadOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
    after_shard: Callable[[int], None] | None = None,
) -> BackfillSummary:
    """Extract ``paths`` in shards on ``engine`` and load them into ``store`` (``None``: only
    extract); ``after_shard`` is called with each shard's index once its file is kept (the
    tests crash there)."""
    _check_inputs(paths)
    if shard_size < 1:
        raise BackfillError(f"shard size must be at least 1, got {shard_size}")
    try:
        work = WorkDir(work_dir, shard_size)
    except WorkDirError as error:
        raise BackfillError(str(error)) from None
    try:
        return _run(store, paths, work, engine, workers, scheduler, options, progress, after_shard)
    finally:
        work.close()


def _run(
    store: Store | None,
    paths: Sequence[str | Path],
    work: WorkDir,
    engine: EngineName,
    workers: int | None,
    scheduler: str | None,
    options: ReadOptions,
    progress: Progress | None,
    after_shard: Callable[[int], None] | None,
) -> BackfillSummary:
    shard_size = work.manifest["shard_size"]
    say = progress or (lambda line: None)
    count = sum(1 for _ in read_paths(paths, options))
    total = -(-count // shard_size)
    summary = BackfillSummary(IngestSummary(), shards=total, loaded=store is not None)
    work.save_manifest(inputs=[str(p) for p in paths], reports=count, shards_total=total)
    if not index_path().exists():  # built once here, not by every worker at once
        Gazetteer.load(index_path())

    files: list[Path] = []
    names: dict[int, Shard] = {}
    meter = _Meter(say, "extracting", total, "extracted")

    def todo() -> Iterator[Shard]:
        for shard in plan(read_paths(paths, options), shard_size):
            files.append(work.file(shard))
            if work.done(shard):
                summary.reused += 1
                meter.step(0)
            else:
                names[shard.index] = shard
                yield shard

    def complete(outcomes: Iterator[ShardOutcome]) -> Iterator[Path]:
        """The shard files in input order, each as soon as it and those before it are kept
        (a shard not in ``names`` is reused or kept), while the workers go on with the later
        ones; the time spent waiting for them is counted apart from the loading's."""
        loaded = 0
        while True:
            waited = time.monotonic()
            outcome = next(outcomes, None)
            summary.wait_seconds += time.monotonic() - waited
            if outcome is None:
                break
            work.write(names.pop(outcome.index), outcome)
            summary.worker_peak_rss_kb[outcome.pid] = outcome.peak_rss_kb
            summary.worker_seconds += outcome.seconds
            meter.step(outcome.reports)
            if after_shard is not None:
                after_shard(outcome.index)
            while loaded < len(files) and loaded not in names:
                yield files[loaded]
                loaded += 1
        summary.extract_seconds = time.monotonic() - started
        yield from files[loaded:]

    loading = _Meter(say, "loading and linking", total, "stored")
    started = time.monotonic()
    workers = workers or os.cpu_count() or 1
    try:
        with start(engine, workers, scheduler) as runner:
            kept = complete(runner.map(todo()))
            if store is None:
                for _ in kept:
                    pass
            else:
                summary.ingest = load(store, kept, loading.step)
    except (EngineError, WorkDirError) as error:
        raise BackfillError(str(error)) from None
    summary.seconds = time.monotonic() - started
    if store is not None:
        work.save_manifest(loaded=time.time(), db=store.name)
    return summary


def _check_inputs(paths: Sequence[str | Path]) -> None:
    """Refuse at once what a long run would only find missing: no inputs, stdin (read twice),
    an input that is not there."""
    if not paths:
        raise BackfillError("give the inputs to backfill (files or folders)")
    for path in paths:
        if str(path) == "-":
            raise BackfillError("-: backfill reads its inputs twice, so not from stdin")
        if not os.path.exists(path):
            raise BackfillError(f"{path}: no such file or directory")


class _Meter:
    """One progress line every second or so: shards done of all, reports per second."""

    def __init__(self, say: Progress, what: str, total: int, verb: str) -> None:
        self.say, self.what, self.total, self.verb = say, what, total, verb
        self.done = self.reports = 0
        self.started = self.last = time.monotonic()

    def step(self, reports: int) -> None:
        self.done += 1
        self.reports += reports
        now = time.monotonic()
        if now - self.last >= 1.0 or self.done == self.total:
            self.last = now
            rate = self.reports / max(now - self.started, 1e-9)
            self.say(
                f"backfill: {self.what}: {self.done}/{self.total} shards, "
                f"{self.reports} reports {self.verb}, {rate:.1f} reports/s"
            )
