"""Serving speed at scale: latency of the API over real HTTP on a store of 100,000 events.

``python benchmarks/serving.py`` (part of ``make bench``):

1. The shipped examples are ingested into a temporary store (real extraction and linking), and
   their events (main and background) are jittered into ``--events`` (default 100,000) new
   ones: the date moved by up to a year either way, the place by up to 0.3 degrees, fresh ids;
   each written through the store's own write path (``write_event``: row, figures, reports,
   full-text index).
2. ``khronika serve`` runs in its own process on 127.0.0.1 (the real command and uvicorn), and
   ``--requests`` (default 200) requests per scenario go to it over HTTP with httpx (one
   keep-alive connection, one request at a time), each with a different date window or
   place where the scenario has one, so no answer is the previous one.
3. Printed: p50/p95/max milliseconds and answer size per scenario, and the server's peak RSS
   (``VmHWM``). The target is p95 <= 50 ms for a filtered page of 500 events.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "reports"
KHRONIKA = Path(sys.executable).parent / "khronika"
TARGET_MS = 50.0

Params = Callable[[random.Random], dict[str, str]]


def build_store(
    path: Path, count: int, seed: int = 12, degrees: float = 0.3, placed_only: bool = False
) -> int:
    """Ingest the examples, then write ``count`` copies of their events (all, or only the
    placed main ones), each date moved up to a year and each place up to ``degrees``."""
    from khronika.ingest import read_paths
    from khronika.ingest_run import ingest
    from khronika.store import EventFilter, Store

    with Store(path) as store:
        summary = ingest(store, read_paths([EXAMPLES]))
        if not summary.ok:
            failed = "\n".join(summary.errors)
            raise SystemExit(f"benchmark: ingesting the examples failed:\n{failed}")
        seeds = store.query_events(EventFilter(include_background=not placed_only))
        if placed_only:
            seeds = [e for e in seeds if (e.get("location") or {}).get("latitude") is not None]
        rng = random.Random(seed)
        started = time.perf_counter()
        with store.transaction():
            for number in range(count):
                store.write_event(*_jittered(rng.choice(seeds), number, rng, degrees))
        elapsed = time.perf_counter() - started
    print(f"wrote {count:,} events in {elapsed:.1f} s ({count / elapsed:,.0f}/s)")
    return len(seeds)


def _jittered(
    seed: dict[str, Any], number: int, rng: random.Random, degrees: float
) -> tuple[dict[str, Any], str]:
    from khronika.store.core import sort_key

    event = json.loads(json.dumps(seed))
    event["id"] = f"ev-bench-{number:07d}"
    if event.get("event_date"):
        day = date.fromisoformat(event["event_date"]) + timedelta(days=rng.randint(-365, 365))
        event["event_date"] = day.isoformat()
    place = event.get("location") or {}
    if place.get("latitude") is not None and place.get("longitude") is not None:
        place["latitude"] = round(place["latitude"] + rng.uniform(-degrees, degrees), 5)
        place["longitude"] = round(place["longitude"] + rng.uniform(-degrees, degrees), 5)
    return event, sort_key(event.get("event_date"), None, f"bench-{number:07d}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _window(rng: random.Random, days: int) -> dict[str, str]:
    start = date(2023, 6, 1) + timedelta(days=rng.randint(0, 700))
    return {"since": start.isoformat(), "until": (start + timedelta(days=days)).isoformat()}


def _box(rng: random.Random) -> str:
    west, south = rng.uniform(30, 36), rng.uniform(46, 49)
    return f"{west:.2f},{south:.2f},{west + 4:.2f},{south + 3:.2f}"


SCENARIOS: list[tuple[str, str, Params]] = [
    (
        "events type+since/until+bbox, limit 500",
        "/api/events",
        lambda r: {
            "type": "Explosions/Remote violence",
            **_window(r, 180),
            "bbox": _box(r),
            "limit": "500",
        },
    ),
    (
        "events min_killed, limit 500",
        "/api/events",
        lambda r: {"min_killed": str(r.randint(1, 3)), **_window(r, 365), "limit": "500"},
    ),
    (
        "events admin1, limit 500",
        "/api/events",
        lambda r: {"admin1": r.choice(["Kharkiv", "Donetsk", "Kherson"]), "limit": "500"},
    ),
    ("events q (full text), limit 500", "/api/events", lambda r: {"q": "drone", "limit": "500"}),
    ("events unfiltered, limit 500", "/api/events", lambda r: {"limit": "500"}),
    ("events unfiltered, limit 100", "/api/events", lambda r: {}),
    ("points unfiltered", "/api/points", lambda r: {}),
    ("points type+since/until", "/api/points", lambda r: {"type": "Battles", **_window(r, 365)}),
    ("stats unfiltered", "/api/stats", lambda r: {}),
    ("stats since/until", "/api/stats", lambda r: _window(r, 365)),
]


def _measure(client: httpx.Client, path: str, params: Params, requests: int) -> dict[str, float]:
    rng = random.Random(5)
    client.get(path, params=params(rng))  # warm: the first answer opens the worker's connection
    times: list[float] = []
    sizes: list[int] = []
    wire: list[int] = []
    counts: list[int] = []
    for _ in range(requests):
        query = params(rng)
        started = time.perf_counter()
        answer = client.get(path, params=query)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        sizes.append(len(answer.content))
        wire.append(answer.num_bytes_downloaded)
        body = answer.json()
        counts.append(
            body.get("count", len(body.get("rows", [])) or body.get("total", {}).get("events", 0))
        )
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "max": times[-1],
        "kb": statistics.mean(sizes) / 1000,
        "wire_kb": statistics.mean(wire) / 1000,
        "items": statistics.mean(counts),
    }


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", metavar="DIR", help="build the store in DIR and keep it")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="khronika-serve-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    try:
        if not db.exists():
            seeds = build_store(db, args.events)
            print(f"{seeds} example events jittered into {args.events:,}; store {db}")
        port = free_port()
        server = subprocess.Popen(
            [str(KHRONIKA), "serve", "--db", str(db), "--port", str(port)],
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            results = _run(port, args.requests)
            rss = _peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    header = f"{'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'items':>8} {'kB':>9} {'gzip kB':>8}"
    print(f"\n{'scenario':44} {header}")
    for name, row in results.items():
        print(
            f"{name:44} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f} "
            f"{row['items']:8.0f} {row['kb']:9.0f} {row['wire_kb']:8.0f}"
        )
    print(f"\nserver peak RSS: {rss:.0f} MB")
    filtered = results[SCENARIOS[0][0]]["p95"]
    verdict = "meets" if filtered <= TARGET_MS else "MISSES"
    print(f"filtered page of 500: p95 {filtered:.1f} ms {verdict} the {TARGET_MS:.0f} ms target")
    return 0


def wait_for_server(client: httpx.Client, seconds: float) -> None:
    """Until ``khronika serve`` (started by the caller) answers on the client's base URL."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.get("/api/stats", params={"since": "2999-01-01"})
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit("benchmark: the server did not start") from None
            time.sleep(0.1)


def _run(port: int, requests: int) -> dict[str, dict[str, float]]:
    base = f"http://127.0.0.1:{port}"
    # Asks for gzip, as browsers do; the table gives both the decoded and the wire size.
    with httpx.Client(base_url=base, timeout=60, headers={"Accept-Encoding": "gzip"}) as client:
        wait_for_server(client, 60)
        return {name: _measure(client, path, params, requests) for name, path, params in SCENARIOS}


if __name__ == "__main__":
    sys.exit(main())
