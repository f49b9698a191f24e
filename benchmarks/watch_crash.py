"""Kill -9 trials of ``khronika watch``: nothing lost, nothing doubled, the same events.

``python benchmarks/watch_crash.py [--items 500] [--kills 20]`` (part of ``make bench``): a local
feed publishes the items while the watcher is killed with SIGKILL at random moments and
restarted; printed: reports stored (and revisions, which would show a doubled item), pending and
failed ones, and whether the events equal those of one uninterrupted run. The trial itself is
``tests/watch_trials.py``, which the test suite runs too.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from watch_trials import trial, watcher_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--rate", type=float, default=25.0, help="items published per second")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="khronika-crash-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = trial(
            folder,
            watcher_env(folder / "home"),
            args.items,
            args.kills,
            args.rate,
            args.seed,
            log=print,
        )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print("\n".join(result.lines()))
    if result.differences:
        print(f"events that differ: {', '.join(result.differences[:10])}")
    ok = (
        result.stored == result.revisions == result.items
        and result.pending == result.failed == 0
        and result.same_events
    )
    print("every item stored once, every event the same" if ok else "TRIAL FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
