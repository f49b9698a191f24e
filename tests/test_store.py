"""The SQLite store, the event filters and the ingest loop (extraction replaced by hand-built
events, so these tests do not depend on extraction quality)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from khronika.ingest_run import ingest, retry_failed
from khronika.linking import Linker
from khronika.records import (
    Casualties,
    Event,
    Evidence,
    Extraction,
    Figure,
    Place,
    Report,
    Source,
    Target,
    Weapon,
    content_id,
)
from khronika.store import (
    SCHEMA_VERSION,
    EventFilter,
    Store,
    StoreError,
    default_db_path,
    haversine_km,
    parse_date,
    parse_near,
    resolve_country,
)

PLACES = {
    "Kharkiv": Place("Kharkiv", "UA", "Kharkiv", "Kharkivskyi", 49.9935, 36.2304, 1),
    "Liubotyn": Place("Liubotyn", "UA", "Kharkiv", "Kharkivskyi", 49.9486, 35.9311, 1),
    "Kyiv": Place("Kyiv", "UA", "Kyiv City", None, 50.4501, 30.5234, 1),
    "Mogadishu": Place("Mogadishu", "SO", "Banaadir", None, 2.0469, 45.3182, 1),
}


def make_report(text: str, title: str | None = None, origin: str | None = None) -> Report:
    return Report(
        id=content_id(text),
        text=text,
        title=title,
        url="https://news.example.org/" + content_id(text),
        published=datetime(2024, 5, 23, 11, 40),
        source="Example News",
        language="en",
        encoding="utf-8",
        origin=origin,
        format="text",
        received=datetime(2024, 5, 23, 12, 0),
    )


def span(report_id: str, text: str, start: int = 0, rule: str = "test.span") -> Evidence:
    return Evidence(report_id, start, start + len(text), text, rule)


def figure(report_id: str, kind: str, value: int, qualifier: str = "exact") -> Figure:
    sentence = f"{value} people {'killed' if kind == 'killed' else 'injured'}"
    return Figure(
        kind=kind,  # type: ignore[arg-type]
        value=value,
        qualifier=qualifier,  # type: ignore[arg-type]
        group="all",
        evidence=span(report_id, sentence, 10, f"casualty.{kind}"),
        low=value if qualifier == "at least" else None,
        speaker="Oleh Syniehubov",
        channel="Telegram",
    )


def make_event(
    report_id: str,
    ordinal: int = 0,
    *,
    event_date: date | None = date(2024, 5, 23),
    event_type: str = "Explosions/Remote violence",
    sub_event_type: str = "Shelling/artillery/missile attack",
    place: str | None = "Kharkiv",
    killed: tuple[int, ...] = (),
    injured: tuple[int, ...] = (),
    background: bool = False,
    civilian_targeting: bool = False,
) -> Event:
    killed_history = [figure(report_id, "killed", value) for value in killed]
    injured_history = [figure(report_id, "injured", value) for value in injured]
    return Event(
        id=f"e-{report_id[2:10]}-{ordinal}",
        event_date=event_date,
        date_precision="day",
        event_type=event_type,
        sub_event_type=sub_event_type,
        location=replace(PLACES[place]) if place else None,  # a copy: tests may edit it
        fatalities=Casualties(best=killed[-1] if killed else None, history=killed_history),
        injured=Casualties(best=injured[-1] if injured else None, history=injured_history),
        report_ids=[report_id],
        weapons=[Weapon("missile", span(report_id, "15 missiles", 40, "weapon.count"), count=15)],
        targets=[Target("printing house", "a printing house", span(report_id, "printing house"))],
        sources=[
            Source(report_id, "Example News", "Oleh Syniehubov", "Telegram", "q", 0, 1, "src.tg")
        ],
        background=background,
        civilian_targeting=civilian_targeting,
        notes="On 23 May 2024, Russian forces struck Kharkiv with missiles.",
        evidence={"event_date": span(report_id, "on Thursday", 3, "time.weekday")},
    )


@pytest.fixture
def store(store_location: str | Path) -> Iterator[Store]:
    with Store(store_location) as opened:
        yield opened


def stored_with(
    store: Store, text: str, *events: Event, background: tuple[Event, ...] = ()
) -> Report:
    report = make_report(text)
    assert store.add_report(report)
    Linker(store).update(store.save_extraction(Extraction(report, list(events), list(background))))
    return report


def test_round_trip_keeps_report_mention_and_event(store: Store) -> None:
    report = make_report("A missile hit Kharkiv; seven were killed.", "Strike on Kharkiv", "a.txt")
    event = make_event(report.id, killed=(5, 7), injured=(16, 20))
    assert store.add_report(report)
    assert store.report_status(report.id) == "pending"
    saved = store.save_extraction(Extraction(report, [event]))
    assert (saved.count, saved.added, saved.removed) == (1, [f"{report.id}#1.0"], [])
    Linker(store).update(saved)

    stored = store.get_report(report.id)
    assert stored is not None
    assert stored.report == report
    assert (stored.status, stored.error, stored.revision) == ("done", None, 1)
    [mention] = store.mentions_of_report(report.id)
    assert {k: mention[k] for k in event.to_dict() if k != "id"} == {
        k: v for k, v in event.to_dict().items() if k != "id"
    }
    assert mention["said_at"] == report.published.isoformat()  # type: ignore[union-attr]
    [linked] = store.query_events()
    assert mention["event_id"] == linked["id"]
    assert store.get_event(linked["id"]) == linked
    assert store.get_event("e-missing") is None
    assert linked["report_ids"] == [report.id] and linked["n_reports"] == 1
    figures = store.figures(linked["id"])
    assert [(f["kind"], f["value"]) for f in figures] == [
        ("killed", 5),
        ("killed", 7),
        ("injured", 16),
        ("injured", 20),
    ]
    assert figures[0]["report_id"] == report.id
    assert figures[0]["end"] - figures[0]["start"] == len("5 people killed")
    assert store.counts() == {
        "reports": 1,
        "pending": 0,
        "done": 1,
        "failed": 0,
        "revisions": 1,
        "mentions": 1,
        "events": 1,
        "background": 0,
        "figures": 4,
    }


def test_database_is_in_wal_mode_with_schema_version(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as opened:
        assert opened.schema_version() == SCHEMA_VERSION == 5
    connection = sqlite3.connect(tmp_path / "k.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_re_adding_a_report_changes_nothing(store: Store) -> None:
    report = stored_with(
        store, "Shelling of Kharkiv.", make_event(content_id("Shelling of Kharkiv."))
    )
    changed = make_report(report.text, title="Another title")
    assert not store.add_report(changed)
    stored = store.get_report(report.id)
    assert stored is not None and stored.report.title is None
    assert stored.status == "done"
    assert store.counts()["reports"] == 1


def test_changed_text_under_the_same_id_is_a_new_revision(store: Store) -> None:
    report = stored_with(store, "Two injured in Kharkiv.", make_event("r-x", injured=(2,)))
    edited = replace(report, text="Five injured in Kharkiv.", published=datetime(2024, 5, 23, 13))
    assert store.store_report(edited) == "revised"
    assert store.report_status(report.id) == "pending"
    assert store.store_report(report) == "unchanged"  # the first text read again
    Linker(store).update(
        store.save_extraction(Extraction(edited, [make_event("r-x", injured=(5,))]))
    )
    assert [r["text"] for r in store.revisions(report.id)] == [report.text, edited.text]
    assert [m["revision"] for m in store.mentions_of_report(report.id)] == [1, 2]
    [event] = store.query_events()
    assert event["injured"]["best"] == 5
    assert [f["value"] for f in event["injured"]["history"]] == [2, 5]
    assert event["n_reports"] == 1 and len(event["mention_ids"]) == 2


def test_background_events_are_flagged_and_counted_apart(store: Store) -> None:
    report_id = content_id("Fighting since May 10.")
    main = make_event(report_id, 0)
    context = make_event(report_id, 1, event_type="Battles", sub_event_type="Armed clash")
    stored_with(store, "Fighting since May 10.", main, background=(context,))
    [event] = store.query_events(EventFilter(include_background=True, event_type="Battles"))
    assert event["background"] is True
    assert store.counts()["events"] == 1 and store.counts()["background"] == 1


def test_save_extraction_is_one_transaction(store: Store) -> None:
    report = make_report("Two strikes, one of them badly recorded.")
    store.add_report(report)
    good = make_event(report.id, 0, killed=(2,))
    broken = make_event(report.id, 1, killed=(3,))
    broken.weapons = None  # type: ignore[assignment]
    with pytest.raises(TypeError):
        store.save_extraction(Extraction(report, [good, broken]))
    assert store.mentions_of_report(report.id) == []
    assert store.report_status(report.id) == "pending"


def test_saving_again_replaces_the_reports_mentions(store: Store) -> None:
    report = make_report("Kharkiv and Liubotyn were hit.")
    store.add_report(report)
    first = make_event(report.id, 0)
    second = make_event(report.id, 1, place="Liubotyn")
    linker = Linker(store)
    linker.update(store.save_extraction(Extraction(report, [first, second])))
    assert len(store.query_events()) == 2
    saved = store.save_extraction(Extraction(report, [first]))
    assert [mid for mid, _, _ in saved.removed] == [f"{report.id}#1.0", f"{report.id}#1.1"]
    linker.update(saved)
    assert [m["location"]["name"] for m in store.mentions_of_report(report.id)] == ["Kharkiv"]
    assert places(store.query_events()) == ["Kharkiv"]


def test_failed_report_is_kept_with_its_error(store: Store) -> None:
    report = make_report("Text the extractor chokes on.")
    store.add_report(report)
    store.mark_failed(report.id, "a.txt: extraction failed: RuntimeError: boom")
    [failed] = store.failed_reports()
    assert failed.report.text == report.text
    assert failed.error == "a.txt: extraction failed: RuntimeError: boom"
    with pytest.raises(KeyError, match="r-nope"):
        store.mark_failed("r-nope", "x")


def test_saving_an_unknown_report_is_refused(store: Store) -> None:
    report = make_report("Never added.")
    with pytest.raises(KeyError, match="add_report comes first"):
        store.save_extraction(Extraction(report, [make_event(report.id)]))


def test_unusable_databases_raise_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "missing.db", create=False)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all, just some bytes" * 50)
    with pytest.raises(StoreError, match="junk.db"):
        Store(junk)
    newer = tmp_path / "newer.db"
    Store(newer).close()
    connection = sqlite3.connect(newer)
    connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store(newer)


def test_default_db_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KHRONIKA_DB", raising=False)
    assert default_db_path() == Path("khronika.db")
    monkeypatch.setenv("KHRONIKA_DB", "/tmp/from-env.db")
    assert default_db_path() == Path("/tmp/from-env.db")
    assert default_db_path("given.db") == Path("given.db")


@pytest.fixture
def filled(store: Store) -> Store:
    """Five events across places, dates and types, plus one background event."""
    r1, r2, r3 = (content_id(t) for t in ("one", "two", "three"))
    stored_with(
        store,
        "one",
        make_event(r1, 0, place="Kharkiv", killed=(7,), civilian_targeting=True),
        make_event(r1, 1, place="Liubotyn", killed=(1,)),
        background=(
            make_event(
                r1,
                2,
                event_date=date(2024, 5, 10),
                event_type="Battles",
                sub_event_type="Armed clash",
                place="Kharkiv",
            ),
        ),
    )
    stored_with(
        store,
        "two",
        make_event(
            r2, 0, event_date=date(2024, 6, 2), place="Kyiv", sub_event_type="Air/drone strike"
        ),
        make_event(
            r2,
            1,
            event_date=None,
            place=None,
            event_type="Strategic developments",
            sub_event_type="Disrupted weapons use",
        ),
    )
    stored_with(
        store,
        "three",
        make_event(r3, 0, event_date=date(2024, 4, 1), place="Mogadishu", killed=(12,)),
    )
    return store


def places(events: list[dict[str, object]]) -> list[str | None]:
    return [e["location"]["name"] if e["location"] else None for e in events]  # type: ignore[index]


def test_default_query_is_newest_first_without_background(filled: Store) -> None:
    events = filled.query_events()
    assert places(events) == ["Kyiv", "Kharkiv", "Liubotyn", "Mogadishu", None]
    assert len(filled.query_events(EventFilter(include_background=True))) == 6
    assert places(filled.query_events(EventFilter(limit=2))) == ["Kyiv", "Kharkiv"]


def test_date_filters(filled: Store) -> None:
    since = filled.query_events(EventFilter(since=date(2024, 5, 23)))
    assert places(since) == ["Kyiv", "Kharkiv", "Liubotyn"]
    window = EventFilter(since=date(2024, 5, 1), until=date(2024, 5, 31), include_background=True)
    assert [e["event_date"] for e in filled.query_events(window)] == [
        "2024-05-23",
        "2024-05-23",
        "2024-05-10",
    ]


def test_place_filters(filled: Store) -> None:
    assert places(filled.query_events(EventFilter(country="SO"))) == ["Mogadishu"]
    assert places(filled.query_events(EventFilter(country="ua"))) == ["Kyiv", "Kharkiv", "Liubotyn"]
    kharkiv = places(filled.query_events(EventFilter(admin1="kharkiv oblast")))
    assert kharkiv == ["Kharkiv", "Liubotyn"]
    assert places(filled.query_events(EventFilter(admin1="Kyiv City"))) == ["Kyiv"]


def test_near_uses_great_circle_distance(filled: Store) -> None:
    # Liubotyn lies about 21 km west of Kharkiv; Kyiv about 410 km away.
    near = EventFilter(near=parse_near("49.9935,36.2304,25"))
    assert places(filled.query_events(near)) == ["Kharkiv", "Liubotyn"]
    close = EventFilter(near=parse_near("49.9935,36.2304,10"))
    assert places(filled.query_events(close)) == ["Kharkiv"]
    assert 400 < haversine_km(50.4501, 30.5234, 49.9935, 36.2304) < 420


def test_type_and_killed_filters(filled: Store) -> None:
    drone = filled.query_events(EventFilter(event_type="air/drone strike"))
    assert places(drone) == ["Kyiv"]
    remote = filled.query_events(EventFilter(event_type="EXPLOSIONS/REMOTE VIOLENCE"))
    assert places(remote) == ["Kyiv", "Kharkiv", "Liubotyn", "Mogadishu"]
    assert places(filled.query_events(EventFilter(min_killed=7))) == ["Kharkiv", "Mogadishu"]
    assert places(filled.query_events(EventFilter(min_killed=0))) == [
        "Kharkiv",
        "Liubotyn",
        "Mogadishu",
    ]


def test_event_id_prefix_suggestions(filled: Store) -> None:
    some_id = filled.query_events()[0]["id"]
    assert some_id in filled.event_ids_starting(some_id[:6])
    assert filled.event_ids_starting("zzz") == []
    assert filled.event_ids_starting("e-%") == []  # LIKE wildcards are taken literally


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("49.9,36.2", "expected LAT,LON,KM"),
        ("north,36.2,5", "three numbers"),
        ("95,36.2,5", "latitude"),
        ("49.9,200,5", "longitude"),
        ("49.9,36.2,0", "positive"),
        ("49.9,36.2,nan", "positive"),
    ],
)
def test_parse_near_rejects_bad_values(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_near(value)


def test_parse_date_and_country() -> None:
    assert parse_date("2024-05-23") == date(2024, 5, 23)
    with pytest.raises(ValueError, match="23.05.2024"):
        parse_date("23.05.2024")
    assert resolve_country("UA") == resolve_country("ukr") == resolve_country("Ukraine") == "UA"
    with pytest.raises(ValueError, match="Narnia"):
        resolve_country("Narnia")


def fake_extractor(report: Report) -> Extraction:
    """Stands in for extraction: one event per report, raising on reports that say FAIL."""
    if "FAIL" in report.text:
        raise RuntimeError("no sentence boundary found")
    return Extraction(report, [make_event(report.id, killed=(3,))])


def test_ingest_keeps_failed_reports_and_skips_known_ones(store: Store) -> None:
    good = make_report("Kharkiv was shelled.", origin="good.txt")
    bad = make_report("FAIL here.", origin="bad.txt")
    first = ingest(store, [good, bad], fake_extractor)
    assert (first.read, first.new, first.unchanged, first.failed, first.events) == (2, 1, 0, 1, 1)
    assert first.errors == ["bad.txt: extraction failed: RuntimeError: no sentence boundary found"]
    assert first.line() == (
        "2 reports read: 1 new, 0 unchanged, 1 failed; 1 mentions stored and linked"
    )
    assert store.report_status(bad.id) == "failed"
    assert store.get_report(bad.id).error == first.errors[0]  # type: ignore[union-attr]

    again = ingest(store, [good, bad], fake_extractor)
    assert (again.new, again.unchanged, again.failed, again.events) == (0, 2, 0, 0)

    def fixed(report: Report) -> Extraction:
        return Extraction(report, [make_event(report.id, killed=(4,))])

    retried = retry_failed(store, fixed)
    assert (retried.read, retried.new, retried.failed, retried.events) == (1, 1, 0, 1)
    assert store.report_status(bad.id) == "done" and store.failed_reports() == []


def test_ingest_resumes_pending_reports_and_counts_read_errors(store: Store) -> None:
    report = make_report("A report stored before a crash.")
    store.add_report(report)  # as if the process died before extraction

    class ReadProblem:
        def __str__(self) -> str:
            return "broken.json:3: not valid JSON"

    summary = ingest(store, [report, ReadProblem()], fake_extractor)  # type: ignore[list-item]
    assert (summary.new, summary.unchanged, summary.failed) == (1, 0, 1)
    assert summary.errors == ["broken.json:3: not valid JSON"]
    assert store.report_status(report.id) == "done"


def test_the_detected_language_is_stored(store: Store) -> None:
    report = make_report("Харків обстріляли вночі.")
    report.language = None
    store.add_report(report)
    store.save_extraction(Extraction(replace(report, language="uk"), []))
    stored = store.get_report(report.id)
    assert stored is not None and stored.report.language == "uk"


def test_a_failed_inner_transaction_undoes_only_its_own_writes(store: Store) -> None:
    kept, dropped = make_report("Kept report."), make_report("Dropped report.")
    with store.transaction():
        store.add_report(kept)
        with pytest.raises(RuntimeError), store.transaction():
            store.add_report(dropped)
            raise RuntimeError("extraction bug")
    assert store.report_status(kept.id) == "pending"
    assert store.report_status(dropped.id) is None


def test_an_interrupted_ingest_commits_the_reports_it_finished(tmp_path: Path) -> None:
    """Commits come in batches; Ctrl-C in the middle of one still keeps what was done."""
    done = [make_report(f"Kharkiv was shelled, report {n}.") for n in range(3)]

    def reports_then_interrupt() -> Iterator[Report]:
        yield from done
        raise KeyboardInterrupt

    with Store(tmp_path / "k.db") as opened, pytest.raises(KeyboardInterrupt):
        ingest(opened, reports_then_interrupt(), fake_extractor)
    with Store(tmp_path / "k.db") as reopened:
        assert [reopened.report_status(r.id) for r in done] == ["done"] * 3
        [event] = reopened.query_events()
        assert sorted(event["report_ids"]) == sorted(r.id for r in done)  # type: ignore[arg-type]
