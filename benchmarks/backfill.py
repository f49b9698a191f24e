"""Backfill throughput: reports per second with 1, 2 and 4 local workers and 2 Dask workers,
for the extraction alone and end to end, peak memory per worker, and a check that a sample's
events are those of a serial ingest.

Each run is done twice. ``extract only`` (``--extract-only``: the shards are made, nothing is
loaded) measures how the parallel stage scales: this process only reads and hands out the
inputs. ``end to end`` is the command as users run it: the loading (storing and linking, serial
and in input order, in this process) goes alongside the extraction, so on a 2-core machine it
competes with the workers for the cores. ``load only`` is the loading of kept shards by itself,
the serial part. Columns: reports per second, the run's seconds, ``worker s`` the workers'
extraction time added up, and the peak RSS of each worker.

``python benchmarks/backfill.py [--reports 200000] [--sample 20000] [--workers 1,2,4] [--dask]``
builds the reports by replaying the shared development data (news articles, Warline's English
and Ukrainian texts, ACLED notes, UCDP headlines) round after round, each round with fresh ids
and its dates (publication and the days the texts state) shifted by a week (``tests/replay.py``),
into JSONL files in a temporary folder (never in the repo).
Needs ``../shared/eval``; on a shared or small machine, try ``--reports 5000`` first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from khronika.backfill import BackfillSummary, backfill  # noqa: E402
from khronika.backfill.work import peak_rss_kb  # noqa: E402
from khronika.ingest import read_paths  # noqa: E402
from khronika.ingest_run import ingest  # noqa: E402
from khronika.places import Gazetteer  # noqa: E402
from khronika.places.gazetteer import index_path  # noqa: E402
from khronika.store import Store  # noqa: E402
from replay import EVAL, originals, write_inputs  # noqa: E402


def events(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, json FROM events ORDER BY id").fetchall()


def run(
    folder: Path,
    inputs: list[Path],
    engine: str,
    workers: int,
    shard_size: int,
    extract_only: bool = False,
    work: Path | None = None,
) -> tuple[BackfillSummary, float, Path]:
    """One backfill into a fresh store (none with ``extract_only``); ``work`` reuses shards."""
    name = f"{engine}-{workers}" + ("-extract" if extract_only else "")
    db = folder / f"{name}.db"
    work = work or folder / f"{name}.work"
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        store = None if extract_only else stack.enter_context(Store(db))
        summary = backfill(
            store,
            inputs,
            work,
            engine=engine,  # type: ignore[arg-type]
            workers=workers,
            shard_size=shard_size,
            progress=lambda line: print("  " + line, file=sys.stderr),
        )
    return summary, time.monotonic() - started, db


def line(name: str, reports: int, summary: BackfillSummary, seconds: float) -> str:
    peaks = sorted(summary.worker_peak_rss_kb.values())
    rss = "/".join(f"{kb / 1024:.0f}" for kb in peaks) or "-"
    return (
        f"{name:24} {reports:8d} {reports / seconds:10.1f} {seconds:9.1f} "
        f"{summary.worker_seconds:9.1f}  {rss}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=20_000, help="reports checked vs serial")
    parser.add_argument("--workers", default="1,2,4", help="local worker counts to run")
    parser.add_argument("--dask", action="store_true", help="also run Dask with 2 workers")
    parser.add_argument(
        "--end-to-end", default=None, help="local worker counts to run end to end (default: all)"
    )
    parser.add_argument("--shard-size", type=int, default=500)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    parser.add_argument("--eval", type=Path, default=EVAL, help="the shared evaluation data")
    args = parser.parse_args()
    if not args.eval.is_dir():
        print(f"needs the shared evaluation data in {args.eval}", file=sys.stderr)
        return 2
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="khronika-bf-"))
    os.environ.setdefault("KHRONIKA_HOME", str(folder / "home"))
    try:
        return measure(folder, args)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path, args: argparse.Namespace) -> int:
    if not index_path().exists():  # the place index is built once, before any timing
        Gazetteer.load(index_path())
    base = originals(args.eval)
    inputs = write_inputs(base, folder / "inputs", args.reports)
    size = sum(p.stat().st_size for p in inputs) / 1e6
    print(
        f"{args.reports} reports ({len(base)} originals replayed) in {len(inputs)} JSONL files "
        f"({size:.0f} MB), cpus: {os.cpu_count()}"
    )
    print(f"{'run':24} {'reports':>8} {'reports/s':>10} {'seconds':>9} {'worker s':>9}  worker MB")
    runs = [("local", int(n)) for n in args.workers.split(",") if n]
    if args.dask:
        runs.append(("dask", 2))
    kept: Path | None = None
    for engine, workers in runs:
        summary, seconds, _ = run(folder, inputs, engine, workers, args.shard_size, True)
        print(line(f"{engine} {workers}: extract only", args.reports, summary, seconds), flush=True)
        kept = kept or folder / f"{engine}-{workers}-extract.work"
    if kept is not None:
        summary, seconds, _ = run(folder, inputs, "local", 1, args.shard_size, work=kept)
        print(line("load only (kept shards)", args.reports, summary, seconds), flush=True)
    whole = (
        runs
        if args.end_to_end is None
        else [("local", int(n)) for n in args.end_to_end.split(",") if n]
    )
    for engine, workers in whole:
        summary, seconds, _ = run(folder, inputs, engine, workers, args.shard_size)
        print(line(f"{engine} {workers}: end to end", args.reports, summary, seconds), flush=True)

    own = peak_rss_kb() / 1024
    print(f"peak RSS of the loading process (this one) after these runs: {own:.0f} MB")

    sample = min(args.sample, args.reports)
    sample_inputs = write_inputs(base, folder / "sample", sample)
    started = time.monotonic()
    with Store(folder / "serial.db") as store:
        serial = ingest(store, read_paths(sample_inputs))
    serial_seconds = time.monotonic() - started
    summary, seconds, db = run(folder / "sample", sample_inputs, "local", 2, args.shard_size)
    same = events(db) == events(folder / "serial.db")
    print(
        f"sample of {sample}: serial ingest {sample / serial_seconds:.1f} reports/s "
        f"({serial.events} mentions), backfill with 2 workers {sample / seconds:.1f} reports/s; "
        f"events identical to the serial run: {same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
