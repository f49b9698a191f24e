"""Extraction time and memory against report size: is it linear?

Builds reports of 10 KB, 100 KB, 1 MB and 10 MB from paragraphs written here (English and
Ukrainian casualty reports, a paragraph of many numbers, text with no sentence end) and runs
``pipeline.extract_report`` (what ``khronika extract`` runs) on each, every size in its own
child process so its peak memory is its own. One line per text and size: bytes, seconds (wall
and CPU: the CPU time is what a busy machine does not inflate), seconds per MB, peak RSS,
mentions. A flat s/MB column is linear time.

Run ``python benchmarks/extraction_size.py`` (``--sizes 10K,100K`` for fewer, ``--limit 120``
to stop a size that takes longer than that).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

EN_PARAGRAPHS = (
    "Russian forces shelled the village of Bilozerske on Tuesday, killing three civilians and "
    "wounding seven others, the regional governor said. Two of the wounded are children.",
    "A drone struck a residential building in Kharkiv overnight. At least 12 people were "
    "injured, including a 14-year-old girl, and one man was killed, police reported.",
    "The death toll from Saturday's missile strike on a shopping centre rose to 16, officials "
    "said on Monday. 25 buildings were damaged and 40 cars burned.",
    "Ukrainian air defences shot down 32 of 45 drones launched overnight. No one was killed.",
    "Figures for the week: 12, 15, 7, 3, 44, 101, 2024, 18 and 36 people were killed and "
    "9, 11, 250, 1000, 4 and 17 were injured in 5 regions, with 120 drones, 34 missiles and "
    "6 tanks counted.",
)
UK_PARAGRAPHS = (
    "Внаслідок обстрілу Херсона загинули двоє людей, ще семеро поранені, повідомила "
    "обласна військова адміністрація.",
    "У Харкові після удару дрона по житловому будинку постраждали щонайменше 12 людей, серед "
    "них троє дітей. Одна жінка загинула.",
    "Кількість загиблих унаслідок ракетного удару зросла до 9. Пошкоджено 14 будинків.",
)
# A list of numbers that never ends (a table flattened to one line), a casualty word now and then.
NUMBERS_RUN = "12, 15, 7 and 3 and 44, 101 and 9 and 250 and 1000, 17 and 36, 4 and 18 killed and "
# A casualty sentence that never ends: clauses joined by commas, no full stop, no newline.
RUN_ON_CLAUSE = "7 people were killed and 3 civilians injured in shelling of Kherson, "

TEXTS = {
    "en": ("en", "\n\n".join(EN_PARAGRAPHS) + "\n\n"),
    "uk": ("uk", "\n\n".join(UK_PARAGRAPHS) + "\n\n"),
    "numbers": ("en", NUMBERS_RUN),
    "run-on": ("en", RUN_ON_CLAUSE),
}
SIZES = {"10K": 10_000, "100K": 100_000, "1M": 1_000_000, "10M": 10_000_000}


def build_text(unit: str, size: int) -> str:
    """``unit`` repeated to about ``size`` bytes of UTF-8."""
    unit_bytes = len(unit.encode("utf-8"))
    return unit * max(1, size // unit_bytes)


def run_one(name: str, size: int) -> dict[str, float | int | str]:
    """Extract one built report in this process and measure it."""
    from khronika import pipeline
    from khronika.places import Gazetteer
    from khronika.records import Report

    language, unit = TEXTS[name]
    text = build_text(unit, size)
    gazetteer = Gazetteer.default()
    pipeline.extract_report(Report(id="warm-up", text=unit, language=language), gazetteer)
    report = Report(id=f"{name}-{size}", text=text, language=language)
    started, cpu_started = time.perf_counter(), time.process_time()
    extraction = pipeline.extract_report(report, gazetteer)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mentions = len(extraction.events) + len(extraction.background) + len(extraction.candidates)
    size_bytes = len(text.encode("utf-8"))
    return {
        "text": name,
        "bytes": size_bytes,
        "seconds": seconds,
        "cpu": cpu,
        "s_per_mb": seconds / (size_bytes / 1e6),
        "peak_rss_mb": peak_kb / 1024,
        "mentions": mentions,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated sizes")
    parser.add_argument("--texts", default=",".join(TEXTS), help="comma-separated texts")
    parser.add_argument("--limit", type=float, default=None, help="seconds before a size stops")
    parser.add_argument("--one", nargs=2, metavar=("TEXT", "BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return 0
    print(
        f"{'text':8} {'bytes':>10} {'seconds':>9} {'cpu s':>8} {'s/MB':>8} {'peak RSS':>10} "
        f"{'mentions':>8}"
    )
    for name in args.texts.split(","):
        for label in args.sizes.split(","):
            command = [sys.executable, __file__, "--one", name, str(SIZES[label])]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=args.limit, check=True
                )
            except subprocess.TimeoutExpired:
                print(f"{name:8} {SIZES[label]:>10} {'>' + str(args.limit):>9} (stopped)")
                continue
            except subprocess.CalledProcessError as failed:
                print(f"{name:8} {SIZES[label]:>10} failed: {failed.stderr.strip()[-300:]}")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{row['text']:8} {row['bytes']:>10} {row['seconds']:>9.2f} {row['cpu']:>8.2f} "
                f"{row['s_per_mb']:>8.2f} {row['peak_rss_mb']:>8.0f}MB {row['mentions']:>8}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
