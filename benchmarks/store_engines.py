"""SQLite and PostgreSQL side by side: storing and linking synthetic reports, and the API's
queries on the result (``python benchmarks/store_engines.py [--reports N]``).

The reports are ``linking.py``'s synthetic ones (one to three mentions over three years and 60
places), saved and linked as the ingest loop does, in time order (live) and in random order (a
backfill's worst case). Queries are timed on the store that results: a page of events, a
``near`` circle, a ``bbox``, a full-text word and the map's points. PostgreSQL is a throwaway
server started as the tests start it (``tests/pg_server.py``), on loopback, with fsync off (as
a test server; a production server's commits cost more).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from linking import _in_order, _places, synthetic_extraction  # noqa: E402

from khronika.ingest_run import CommitBatches  # noqa: E402
from khronika.linking import Linker  # noqa: E402
from khronika.store import EventFilter, Store, parse_bbox, parse_near  # noqa: E402
from pg_server import start  # noqa: E402


def fill(location: str | Path, reports: int, in_order: bool) -> float:
    """Seconds to store and link ``reports`` synthetic reports."""
    rng, places = random.Random(1), _places()
    with Store(location) as store:
        linker = Linker(store)
        begun = time.perf_counter()
        with CommitBatches(store, linker) as batches:
            for number in range(reports):
                batches.tick()
                at = _in_order(number, reports) if in_order else None
                report, extraction = synthetic_extraction(number, rng, places, at)
                store.store_report(report)
                with store.transaction():
                    linker.update(store.save_extraction(extraction))
        return time.perf_counter() - begun


QUERIES: dict[str, EventFilter] = {
    "page of 50": EventFilter(limit=50),
    "near Kharkiv 50 km": EventFilter(near=parse_near("49.99,36.23,50"), limit=500),
    "bbox east": EventFilter(bbox=parse_bbox("35,47,39,50"), limit=500),
    "text 'strike'": EventFilter(q="strike", limit=50),
}


def timed(action: Callable[[], Any], repeats: int = 20) -> float:
    """Median milliseconds of ``action``."""
    times = []
    for _ in range(repeats):
        begun = time.perf_counter()
        action()
        times.append((time.perf_counter() - begun) * 1000)
    return statistics.median(times)


def query_times(location: str | Path) -> dict[str, float]:
    with Store(location, create=False) as store:
        out = {name: timed(lambda f=f: store.query_events(f)) for name, f in QUERIES.items()}
        out["map points"] = timed(lambda: store.point_rows_json(EventFilter()), 5)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    args = parser.parse_args()
    server = start()
    if isinstance(server, str):
        raise SystemExit(f"PostgreSQL cannot start here: {server}")
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for order in ("in-order", "random"):
                locations: dict[str, str | Path] = {
                    "sqlite": Path(workdir) / f"{order}.db",
                    "postgresql": server.create_database(),
                }
                for engine, location in locations.items():
                    seconds = fill(location, args.reports, order == "in-order")
                    print(
                        f"{engine:10} {args.reports} reports ({order} days) stored and linked "
                        f"in {seconds:.1f} s: {args.reports / seconds:.0f} reports/s",
                        flush=True,
                    )
                    if order == "random":
                        times = query_times(location)
                        shown = ", ".join(f"{name} {ms:.1f} ms" for name, ms in times.items())
                        print(f"{engine:10} queries (median): {shown}", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
