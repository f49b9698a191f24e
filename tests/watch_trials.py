"""Kill -9 trials of ``khronika watch``, shared by the test and ``benchmarks/watch_crash.py``.

A local feed publishes ``items`` reports we wrote (English and Ukrainian, several of one strike
so linking has work) at a steady rate while ``khronika watch`` runs in its own process and is
killed with SIGKILL at random moments, then restarted. When everything is published the last
watcher is let finish. The store must then hold every item exactly once, nothing pending, and
the same events as one uninterrupted run over the whole feed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from watch_site import Answer, Item, rss, serving

KHRONIKA = Path(sys.executable).parent / "khronika"
T0 = datetime(2026, 11, 20, 0, 0)
CITIES = [  # English name, Ukrainian accusative
    ("Kharkiv", "Харків"),
    ("Odesa", "Одесу"),
    ("Dnipro", "Дніпро"),
    ("Zaporizhzhia", "Запоріжжя"),
    ("Sumy", "Суми"),
    ("Kherson", "Херсон"),
    ("Mykolaiv", "Миколаїв"),
    ("Nikopol", "Нікополь"),
    ("Kramatorsk", "Краматорськ"),
    ("Kryvyi Rih", "Кривий Ріг"),
]
WINDOW = 200  # the newest entries the feed lists, as real feeds keep a window


def make_items(count: int, seed: int = 7) -> list[Item]:
    """Reports of strikes on a few cities, three or four per strike in two languages."""
    rng = random.Random(seed)
    made: list[Item] = []
    strike = 0
    while len(made) < count:
        strike += 1
        english, ukrainian = rng.choice(CITIES)
        killed, injured = rng.randint(0, 4), rng.randint(1, 9)
        day = T0 + timedelta(hours=6 * strike)
        texts = [
            f"A Russian drone hit {english} overnight; {killed} people were killed and "
            f"{injured} injured, the regional governor said.",
            f"Ворог атакував {ukrainian} дронами. Загинули {killed} людини, поранені "
            f"{injured}, повідомив начальник обласної військової адміністрації.",
            f"Emergency crews in {english} said {injured} people were wounded in the "
            f"overnight drone attack.",
        ]
        for n, text in enumerate(texts[: rng.randint(1, 3)]):
            number = len(made)
            made.append(
                Item(f"trial-{number}", f"Report {number}", text, day + timedelta(minutes=20 * n))
            )
    return made[:count]


@dataclass
class TrialResult:
    items: int
    kills: int
    stored: int = 0  # distinct report ids stored
    revisions: int = 0  # rows in revisions (one per report when nothing was doubled)
    pending: int = 0
    failed: int = 0
    events: int = 0
    reference_events: int = 0
    same_events: bool = False
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"{self.items} items published, watch killed {self.kills} times",
            f"stored {self.stored} reports ({self.revisions} revisions), {self.pending} pending, "
            f"{self.failed} failed",
            f"{self.events} events; uninterrupted run: {self.reference_events}; "
            f"identical: {self.same_events}",
            f"{self.seconds:.1f} s",
        ]


def _config(folder: Path, url: str) -> Path:
    path = folder / f"watch-{abs(hash(url)) % 10**8}.toml"
    path.write_text(
        "[watch]\nhost_delay = 0\nmin_interval = 0.1\ntimeout = 10\n\n"
        f'[[source]]\nid = "wire"\nkind = "rss"\nurl = "{url}"\ninterval = 1\n',
        encoding="utf-8",
    )
    return path


def _watch(config: Path, db: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(KHRONIKA), "watch", str(config), "--db", str(db), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _counts(db: Path) -> dict[str, int]:
    if not db.exists():
        return {"done": 0, "pending": 0}
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            rows = conn.execute("SELECT status, COUNT(*) FROM reports GROUP BY status").fetchall()
        except sqlite3.OperationalError:  # the first watcher has not made the tables yet
            return {"done": 0, "pending": 0}
    return {"done": 0, "pending": 0, **dict(rows)}


# What a user reads of an event (no write times): what the crash trials compare.
EVENT_FIELDS = (
    "report_ids",
    "event_date",
    "event_type",
    "sub_event_type",
    "location",
    "fatalities",
    "injured",
    "links",
    "background",
)


def _events(db: Path) -> dict[str, Any]:
    """Each event as what a user reads of it (no write times)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, json FROM events ORDER BY id").fetchall()
    kept = {}
    for event_id, text in rows:
        data = json.loads(text)
        kept[event_id] = {key: data.get(key) for key in EVENT_FIELDS}
    return kept


def trial(
    folder: Path,
    env: dict[str, str],
    items: int = 500,
    kills: int = 20,
    rate: float = 25.0,
    seed: int = 11,
    log: Callable[[str], None] = lambda line: None,
) -> TrialResult:
    """Run the trial in ``folder`` (its stores and configs); ``env`` for the watchers."""
    made = make_items(items, seed)
    rng = random.Random(seed)
    # The place index is built on first use; build it now, or the first kills all land there.
    subprocess.run(
        [str(KHRONIKA), "extract", "-"],
        input=made[0].text.encode(),
        env=env,
        check=True,
        capture_output=True,
    )
    result = TrialResult(items, kills)
    started = time.monotonic()
    published = {"count": 0}
    lock = threading.Lock()

    def feed() -> Answer:
        with lock:
            shown = made[: published["count"]]
        return rss(shown[-WINDOW:])

    with serving() as site:
        site.pages["/live.xml"] = feed
        site.pages["/all.xml"] = rss(made)
        db = folder / "crashed.db"
        config = _config(folder, site.url("/live.xml"))

        def publish() -> None:
            begun = time.monotonic()
            while published["count"] < items:
                time.sleep(0.02)
                with lock:
                    published["count"] = min(items, int((time.monotonic() - begun) * rate))

        publisher = threading.Thread(target=publish, daemon=True)
        publisher.start()
        for kill in range(kills):
            watcher = _watch(config, db, env)
            time.sleep(rng.uniform(0.2, 2.5))
            watcher.send_signal(signal.SIGKILL)
            watcher.wait()
            log(f"kill {kill + 1}: {published['count']} published, {_counts(db)}")
        publisher.join()
        watcher = _watch(config, db, env)
        deadline = time.monotonic() + 300
        while _counts(db) != {"done": items, "pending": 0} and time.monotonic() < deadline:
            time.sleep(0.5)
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=60)

        reference = folder / "uninterrupted.db"
        once = _watch(_config(folder, site.url("/all.xml")), reference, env, "--once")
        once.wait(timeout=600)

    with sqlite3.connect(db) as conn:
        result.stored = conn.execute("SELECT COUNT(DISTINCT id) FROM reports").fetchone()[0]
        result.revisions = conn.execute("SELECT COUNT(*) FROM revisions").fetchone()[0]
        status = dict(conn.execute("SELECT status, COUNT(*) FROM reports GROUP BY status"))
    result.pending, result.failed = status.get("pending", 0), status.get("failed", 0)
    crashed, uninterrupted = _events(db), _events(reference)
    result.events, result.reference_events = len(crashed), len(uninterrupted)
    result.same_events = crashed == uninterrupted
    for event_id in sorted(set(crashed) | set(uninterrupted)):
        if crashed.get(event_id) != uninterrupted.get(event_id):
            result.differences.append(event_id)
    result.seconds = time.monotonic() - started
    return result


def watcher_env(home: Path) -> dict[str, str]:
    """The environment for the watchers: this Python's khronika, a private data directory."""
    return {**os.environ, "KHRONIKA_HOME": str(home), "PYTHONUNBUFFERED": "1"}
