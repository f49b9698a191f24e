"""Extraction speed of the working tree against an earlier commit, on the same inputs.

    .venv/bin/python benchmarks/versus.py 37b1cd2            # 3 rounds of 5 passes each
    .venv/bin/python benchmarks/versus.py 37b1cd2 --rounds 2 --passes 3 --limit 500

Why: on a shared machine one run's reports/s varies by ±15 %, more than the changes to be
judged. Here both versions run in turns (base, tree, base, tree, ...), each in a fresh child
process pinned to the same core, and each input's figure is the best of all its passes, timed
in CPU seconds (``time.process_time``): the least disturbed pass of each version is compared.
The earlier commit is checked out with ``git worktree`` into a temporary folder and removed
afterwards; each version builds its own places index there, before anything is timed.

Inputs (``../shared/eval``): the ACLED Ukraine and Somalia notes (English, first ``--limit``
rows) and the 447 news articles, read with no language given, so language identification is
timed too. Without ``../shared/eval`` the command says so and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
INPUTS = (
    ("acled-ukraine notes", "acled-ukraine-2018-2023.csv", "notes", "en"),
    ("acled-somalia notes", "acled-somalia-2025.csv", "notes", "en"),
    ("news articles", "news-en-2022-2024.csv", "content", None),
)
WARM_UP = 200  # reports of each input extracted before timing (caches, first-use indexes)


def worker(limit: int, passes: int) -> dict[str, float]:
    """In the child: reports/s of each input, best of ``passes``, on one core."""
    from khronika.pipeline import extract_report
    from khronika.places import Gazetteer
    from khronika.records import Report

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    gazetteer = Gazetteer.default()
    published = datetime(2023, 1, 1, tzinfo=UTC)
    inputs: dict[str, list[Any]] = {}
    for label, name, column, language in INPUTS:
        with open(EVAL / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))[:limit]
        inputs[label] = [
            Report(id=str(i), text=row[column], language=language, published=published)
            for i, row in enumerate(rows)
        ]
    for reports in inputs.values():
        for report in reports[:WARM_UP]:
            extract_report(report, gazetteer).to_dict()
    figures = {}
    for label, reports in inputs.items():
        best = float("inf")
        for _ in range(passes):
            started = time.process_time()
            for report in reports:
                extract_report(report, gazetteer).to_dict()
            best = min(best, time.process_time() - started)
        figures[label] = len(reports) / best
    return figures


def run_child(source: Path, home: Path, limit: int, passes: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(source), "KHRONIKA_HOME": str(home)}
    command = [sys.executable, __file__, "--worker", "--limit", str(limit)]
    command += ["--passes", str(passes)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run on {source} failed:\n{done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", nargs="?", help="the earlier commit (any git revision)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each version")
    parser.add_argument("--passes", type=int, default=5, help="timed passes per turn")
    parser.add_argument("--limit", type=int, default=2000, help="rows of each input at most")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not EVAL.is_dir():
        print(f"{EVAL} is missing: nothing to measure")
        return 0
    if args.worker:
        print(json.dumps(worker(args.limit, args.passes)))
        return 0
    if not args.base:
        parser.error("name the earlier commit to compare with")
    with tempfile.TemporaryDirectory(prefix="khronika-versus-") as scratch:
        checkout = Path(scratch) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(checkout), args.base],
            check=True,
        )
        try:
            versions = {"base": checkout / "src", "tree": ROOT / "src"}
            best: dict[str, dict[str, float]] = {name: {} for name in versions}
            for round_ in range(1, args.rounds + 1):
                for name, source in versions.items():
                    home = Path(scratch) / f"home-{name}"
                    figures = run_child(source, home, args.limit, args.passes)
                    for label, value in figures.items():
                        best[name][label] = max(best[name].get(label, 0.0), value)
                    shown = ", ".join(f"{k} {v:.1f}" for k, v in figures.items())
                    print(f"round {round_} {name}: {shown}", flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)],
                check=False,
            )
    print(f"\nreports/s per CPU second, best pass (base = {args.base})")
    print(f"{'input':24} {'base':>9} {'tree':>9} {'change':>8}")
    for label, *_ in INPUTS:
        base, tree = best["base"][label], best["tree"][label]
        print(f"{label:24} {base:9.1f} {tree:9.1f} {tree / base - 1:+8.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
