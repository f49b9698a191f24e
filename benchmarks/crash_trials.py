"""Kill -9 trials of ``ingest``, ``watch`` and ``backfill`` on the shared news articles.

``python benchmarks/crash_trials.py [--trials 20] [--modes ingest,watch,backfill] [--limit N]``:
for each mode, one uninterrupted run over the 447 English news articles of
``../shared/eval/news-en-2022-2024.csv`` is the reference; then each trial starts the same
command on a new store, kills it with SIGKILL at a random moment within the reference's
duration, runs it again to the end, and compares the store with the reference by meaning:
each report's revisions (their texts), the mentions of each revision, and each event as a user
reads it (reports, date, type, place, tolls, links). Printed per mode: reports lost, doubled
(a revision or mention more than the reference), events differing, reports left pending or
failed. ``watch`` reads the articles from a folder source (``watch --once``), ``backfill``
extracts them in shards on two worker processes. ``ingest`` and ``backfill`` take each
article's ``seen_at`` as its publication time; with ``--undated`` they do not, and an article's
time is when the run read it: a rerun after a kill reads the articles the first run did not
commit later than those it did, which can change the order linking follows (a difference in
what was received when, not a loss). ``watch`` reads the folder's file in one poll either way.
Skips, saying so, when ../shared is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from watch_trials import EVENT_FIELDS  # noqa: E402  (what the watcher's trials compare too)

ARTICLES = ROOT.parent / "shared" / "eval" / "news-en-2022-2024.csv"
MODES = ("ingest", "watch", "backfill")


@dataclass
class Meaning:
    """What a store says, without write times: what the trials compare."""

    revisions: dict[str, list[str]]  # report id -> its texts, oldest first
    mentions: Counter[str]  # "report#revision" -> mentions stored
    events: dict[str, dict[str, Any]]
    unfinished: int  # reports pending or failed


@dataclass
class ModeResult:
    mode: str
    trials: int = 0
    lost: int = 0
    doubled: int = 0
    differing: int = 0
    unfinished: int = 0
    killed_at: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    reference_seconds: float = 0.0
    reference_events: int = 0
    examples: list[str] = field(default_factory=list)

    def line(self) -> str:
        mean = sum(self.seconds) / len(self.seconds) if self.seconds else 0.0
        return (
            f"{self.mode:8} {self.trials} trials (reference {self.reference_seconds:.1f} s, "
            f"{self.reference_events} events; a trial {mean:.1f} s): lost {self.lost}, "
            f"doubled {self.doubled}, events differing {self.differing}, "
            f"left unfinished {self.unfinished}"
        )


def meaning(db: Path) -> Meaning:
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        revisions: dict[str, list[str]] = {}
        for report_id, text in conn.execute(
            "SELECT report_id, text FROM revisions ORDER BY report_id, revision"
        ):
            revisions.setdefault(report_id, []).append(text)
        mentions = Counter(
            {
                f"{report_id}#{revision}": count
                for report_id, revision, count in conn.execute(
                    "SELECT report_id, revision, COUNT(*) FROM mentions GROUP BY 1, 2"
                )
            }
        )
        events = {
            event_id: _timeless({key: json.loads(text).get(key) for key in EVENT_FIELDS})
            for event_id, text in conn.execute("SELECT id, json FROM events")
        }
        unfinished = conn.execute("SELECT COUNT(*) FROM reports WHERE status <> 'done'")
        return Meaning(revisions, mentions, events, int(unfinished.fetchone()[0]))


RECEIVED = ("said_at", "received")  # when this run read an undated article: not its meaning


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in RECEIVED}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value


def compare(trial: Meaning, reference: Meaning) -> tuple[int, int, int, list[str]]:
    """Lost, doubled and differing counts, and a few of the ids behind them."""
    lost = doubled = 0
    seen: list[str] = []
    for report_id, texts in reference.revisions.items():
        got = trial.revisions.get(report_id, [])
        missing = sum((Counter(texts) - Counter(got)).values())
        extra = len(got) - len(texts) + missing
        lost += missing
        doubled += max(extra, 0)
        if missing or extra > 0:
            seen.append(report_id)
    doubled += sum(len(t) for r, t in trial.revisions.items() if r not in reference.revisions)
    for key in reference.mentions.keys() | trial.mentions.keys():
        more = trial.mentions[key] - reference.mentions[key]
        doubled += max(more, 0)
        lost += max(-more, 0)
        if more:
            seen.append(key)
    differing = [
        event_id
        for event_id in sorted(reference.events.keys() | trial.events.keys())
        if reference.events.get(event_id) != trial.events.get(event_id)
    ]
    return lost, doubled, len(differing), (seen + differing)[:5]


class Runner:
    """The command of one mode, on a store in ``folder``."""

    def __init__(
        self, mode: str, folder: Path, articles: Path, env: dict[str, str], dated: bool
    ) -> None:
        self.mode, self.folder, self.env = mode, folder, env
        self.dated = ["--column", "published=seen_at"] if dated else []
        self.articles = articles
        folder.mkdir(parents=True, exist_ok=True)
        if mode == "watch":
            inbox = folder / "inbox"
            inbox.mkdir()
            shutil.copy(articles, inbox / articles.name)
            settled = time.time() - 60  # a file changed within seconds waits for a later poll
            os.utime(inbox / articles.name, (settled, settled))
            self.config = folder / "watch.toml"
            self.config.write_text(
                f'[watch]\nhost_delay = 0\n\n[[source]]\nid = "news"\nkind = "folder"\n'
                f'path = "{inbox}"\n',
                encoding="utf-8",
            )

    def argv(self, db: Path) -> list[str]:
        command = [sys.executable, "-m", "khronika.cli"]
        if self.mode == "ingest":
            return [*command, "ingest", "--db", str(db), str(self.articles), *self.dated]
        if self.mode == "watch":
            return [*command, "watch", str(self.config), "--once", "--db", str(db)]
        return [
            *command,
            "backfill",
            str(self.articles),
            "--db",
            str(db),
            "--workers",
            "2",
            "--shard-size",
            "40",
            *self.dated,
        ]

    def start(self, db: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv(db), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def finish(self, db: Path) -> None:
        """Run to the end; ``watch --once`` again while reports are left unfinished (a watcher
        extracts in slices, so one pass may leave some to the next)."""
        for _ in range(5):
            done = subprocess.run(self.argv(db), env=self.env, capture_output=True)
            if done.returncode not in (0, 1) or not db.exists():
                raise RuntimeError(f"{self.mode}: exit {done.returncode}: {done.stderr[-800:]!r}")
            if self.mode != "watch" or meaning(db).unfinished == 0:
                return


def run_mode(
    mode: str,
    trials: int,
    articles: Path,
    work: Path,
    env: dict[str, str],
    rng: random.Random,
    dated: bool = True,
) -> ModeResult:
    result = ModeResult(mode)
    runner = Runner(mode, work / mode, articles, env, dated)
    reference_db = work / mode / "reference.db"
    started = time.monotonic()
    runner.finish(reference_db)
    result.reference_seconds = time.monotonic() - started
    reference = meaning(reference_db)
    result.reference_events = len(reference.events)
    for number in range(trials):
        db = work / mode / f"trial-{number}.db"
        begun = time.monotonic()
        process = runner.start(db)
        moment = rng.uniform(0.5, max(result.reference_seconds, 1.0))
        try:
            process.wait(timeout=moment)  # ended before the kill: a trial without a crash
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        result.killed_at.append(moment)
        runner.finish(db)
        result.seconds.append(time.monotonic() - begun)
        got = meaning(db)
        lost, doubled, differing, examples = compare(got, reference)
        result.trials += 1
        result.lost += lost
        result.doubled += doubled
        result.differing += differing
        result.unfinished += got.unfinished
        if examples and len(result.examples) < 10:
            result.examples.append(f"trial {number} (killed at {moment:.1f} s): {examples}")
        print(
            f"  {mode} trial {number + 1}: killed at {moment:.1f} s; lost {lost}, doubled "
            f"{doubled}, differing {differing}, unfinished {got.unfinished}",
            flush=True,
        )
        if examples:
            continue  # kept to look at (with --keep)
        for path in db.parent.glob(db.name + "*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=20, help="kills per mode (default: 20)")
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated, of " + ", ".join(MODES)
    )
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--undated", action="store_true", help="do not take seen_at as the publication time"
    )
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown:
        parser.error(f"unknown mode {unknown[0]!r} (modes: {', '.join(MODES)})")
    if not ARTICLES.exists():
        print(f"skipped: {ARTICLES} is absent (the shared evaluation data)")
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="khronika-crashes-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "KHRONIKA_HOME": os.environ.get("KHRONIKA_HOME") or str(work / "home"),
    }
    articles = ARTICLES
    if args.limit:
        articles = work / f"first-{args.limit}.csv"
        _first_rows(ARTICLES, articles, args.limit)
    # The place index is built on first use: build it now, not inside the first trial.
    subprocess.run(
        [sys.executable, "-m", "khronika.cli", "extract", "-"],
        input=b"A drone hit Kharkiv overnight.",
        env=env,
        capture_output=True,
        check=True,
    )
    rng = random.Random(args.seed)
    results = []
    try:
        for mode in modes:
            results.append(run_mode(mode, args.trials, articles, work, env, rng, not args.undated))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    for result in results:
        print(result.line())
        for example in result.examples:
            print(f"    {example}")
    bad = any(r.lost or r.doubled or r.differing or r.unfinished for r in results)
    print("TRIALS FAILED" if bad else "nothing lost, doubled or different in any trial")
    return 1 if bad else 0


def _first_rows(source: Path, target: Path, count: int) -> None:
    import csv

    with (
        source.open(encoding="utf-8", newline="") as read,
        target.open("w", encoding="utf-8", newline="") as write,
    ):
        rows = csv.reader(read)
        out = csv.writer(write)
        out.writerow(next(rows))
        for _, row in zip(range(count), rows, strict=False):
            out.writerow(row)


if __name__ == "__main__":
    sys.exit(main())
