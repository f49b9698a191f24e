"""Gazetteer benchmark: index build time, load time, lookups per second and peak memory.

Builds into a fresh temporary data dir (or $KHRONIKA_HOME's imports when --with-imports), so
nothing the user has is touched. Not a test: prints figures to compare by eye.

    .venv/bin/python benchmarks/gazetteer.py
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMES = [
    "Kharkiv", "Kharkov", "Zaporizhzhia", "Hryhorivka", "Oleksandrivka", "Pokrovsk",
    "Lyubotyn", "Kyiv", "Odessa", "Mogadishu", "Baidoa", "Belgorod", "Qwzyrivka", "Robotyne",
    "Kholodnohirskyi", "Berlin", "Washington", "Kramatorsk", "Bakhmut", "Artemivsk",
]  # fmt: skip


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="khronika-bench-"))
    os.environ["KHRONIKA_HOME"] = str(home)
    from khronika.places.gazetteer import Gazetteer, index_path

    try:
        started = time.perf_counter()
        Gazetteer.load(index_path())
        print(f"build: {time.perf_counter() - started:.1f} s")
        loads = []
        for _ in range(3):
            started = time.perf_counter()
            gazetteer = Gazetteer.load(index_path())
            loads.append(time.perf_counter() - started)
        print(f"load:  {min(loads):.2f} s (best of 3)")
        rounds = 5000
        started = time.perf_counter()
        for _ in range(rounds):
            for name in NAMES:
                gazetteer.lookup(name)
        seconds = time.perf_counter() - started
        print(f"lookups: {rounds * len(NAMES) / seconds:,.0f} per second")
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak RSS (build and loads): {peak_kb / 1024:.0f} MB")
        print(f"peak RSS (load only, fresh process): {_load_only_rss_mb():.0f} MB")
        print(f"index size: {index_path().stat().st_size / 1e6:.1f} MB, {gazetteer.size} entries")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _load_only_rss_mb() -> float:
    """Peak memory of a process that only loads the built index: what extraction pays."""
    # VmHWM, not ru_maxrss: Linux carries a parent's ru_maxrss over into a spawned child.
    code = (
        "from khronika.places.gazetteer import Gazetteer; Gazetteer.default();"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


if __name__ == "__main__":
    main()
