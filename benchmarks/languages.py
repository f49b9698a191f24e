"""Throughput per language on the hand-written cases (tests/cases/{en,uk,ru}.jsonl), one core.

The first pass over each file is timed apart from the repeated passes: it includes loading a
language's pack, pymorphy3's dictionaries and lingua's models, and filling the word caches.

    .venv/bin/python benchmarks/languages.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from khronika.pipeline import extract_report
from khronika.places import Gazetteer
from khronika.records import Report

CASES = Path(__file__).resolve().parents[1] / "tests" / "cases"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="repeated passes (default 20)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    gazetteer = Gazetteer.default()
    print(f"{'lang':4} {'reports':>8} {'first pass/s':>13} {'repeated/s':>11} {'k chars/s':>10}")
    for lang in ("en", "uk", "ru"):
        texts = [
            json.loads(line)["text"]
            for line in (CASES / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        start = time.perf_counter()
        for number, text in enumerate(texts):
            extract_report(Report(id=f"{lang}-{number}", text=text), gazetteer)
        first = len(texts) / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(args.repeat):
            for number, text in enumerate(texts):
                extract_report(Report(id=f"{lang}-{number}", text=text), gazetteer)
        elapsed = time.perf_counter() - start
        repeated = args.repeat * len(texts) / elapsed
        chars = args.repeat * sum(map(len, texts)) / elapsed / 1000
        print(f"{lang:4} {len(texts):>8} {first:>13.1f} {repeated:>11.1f} {chars:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
