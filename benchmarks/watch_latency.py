"""Live latency: from a local feed publishing an item to its event on ``/api/stream``.

``python benchmarks/watch_latency.py [--sources 50] [--trials 40]`` (part of ``make bench``):
``khronika watch`` polls ``--sources`` local feeds every second (``interval = 1``, no host
delay: they are all on 127.0.0.1) and ``khronika serve`` runs on the same store, each in its
own process. An SSE client holds ``/api/stream`` open. Each trial publishes one new report (a
strike on a city and day no other report names, so it founds a new event) on a random feed and
times the first ``point`` message for a new event after it. Printed: p50 / p95 / max seconds;
the target is p95 <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from queue import Empty, Queue

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from serving import free_port, wait_for_server  # noqa: E402

from watch_site import Item, rss, serving  # noqa: E402
from watch_trials import CITIES  # noqa: E402

KHRONIKA = Path(sys.executable).parent / "khronika"
TARGET_SECONDS = 2.0


def _listen(base: str, arrivals: Queue[tuple[float, dict[str, object]]]) -> None:
    """Every ``point`` message of the stream, with the moment it arrived, until the server
    stops."""
    try:
        with httpx.stream("GET", f"{base}/api/stream", timeout=None) as answer:
            kind = ""
            for line in answer.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "point":
                    arrivals.put((time.perf_counter(), json.loads(line[6:])))
    except httpx.HTTPError:
        return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="khronika-live-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KHRONIKA_HOME": str(folder / "home"), "PYTHONUNBUFFERED": "1"}
    db = folder / "live.db"
    rng = random.Random(3)
    feeds: list[list[Item]] = [[] for _ in range(args.sources)]
    processes: list[subprocess.Popen[bytes]] = []
    latencies: list[float] = []
    try:
        subprocess.run(  # builds the place index before anything is timed
            [str(KHRONIKA), "extract", "-"],
            input=b"A drone hit Kharkiv.",
            env=env,
            check=True,
            capture_output=True,
        )
        with serving() as site:
            for n in range(args.sources):
                site.pages[f"/feed/{n}.xml"] = rss([], title=f"Wire {n}")
            config = folder / "watch.toml"
            config.write_text(
                "[watch]\nhost_delay = 0\nmin_interval = 1\nworkers = 8\n"
                + "".join(
                    f'\n[[source]]\nid = "wire-{n}"\nkind = "rss"\n'
                    f'url = "{site.url(f"/feed/{n}.xml")}"\ninterval = 1\n'
                    for n in range(args.sources)
                ),
                encoding="utf-8",
            )
            processes.append(
                subprocess.Popen(
                    [str(KHRONIKA), "watch", str(config), "--db", str(db)],
                    env=env,
                    stderr=subprocess.DEVNULL,
                )
            )
            time.sleep(2)  # the store exists once the first polls are kept
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [str(KHRONIKA), "serve", "--db", str(db), "--port", str(port)],
                    env=env,
                    stderr=subprocess.DEVNULL,
                )
            )
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=2) as client:
                wait_for_server(client, 30)
            arrivals: Queue[tuple[float, dict[str, object]]] = Queue()
            threading.Thread(target=_listen, args=(base, arrivals), daemon=True).start()
            time.sleep(1)
            day = datetime(2026, 6, 1)
            for trial in range(args.trials):
                feed = rng.randrange(args.sources)
                english, _ = CITIES[trial % len(CITIES)]
                day += timedelta(days=3)
                text = (
                    f"A Russian missile hit {english} on {day:%d %B %Y}; {1 + trial % 4} "
                    "people were killed, the regional governor said."
                )
                feeds[feed].append(Item(f"live-{trial}", f"Strike {trial}", text, day))
                while not arrivals.empty():
                    arrivals.get_nowait()
                published = time.perf_counter()
                site.pages[f"/feed/{feed}.xml"] = rss(feeds[feed], title=f"Wire {feed}")
                while True:
                    try:
                        at, data = arrivals.get(timeout=10)
                    except Empty:
                        print(f"trial {trial}: no event within 10 s")
                        latencies.append(10.0)
                        break
                    if data.get("change") == "new":
                        latencies.append(at - published)
                        break
                time.sleep(rng.uniform(0.2, 1.2))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print(f"{process.args[1]} did not stop within 30 s of SIGTERM; killed")
                process.kill()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"{args.sources} sources polled every 1 s, {args.trials} items published: feed to "
        f"/api/stream p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
        f"max {latencies[-1]:.2f} s"
    )
    verdict = "meets" if p95 <= TARGET_SECONDS else "MISSES"
    print(f"p95 {p95:.2f} s {verdict} the {TARGET_SECONDS:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
