"""Linking: which mentions become one event, why, and what the event then says.

Mentions are built by hand (extraction is not under test here) and go through the real store
and linker, so these tests hold the rules: blocking, conflicts, the canonical order, figures
across reports, revisions, people's corrections and redirects.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from khronika.cli import main
from khronika.linking import Linker, corrections
from khronika.records import (
    Casualties,
    Event,
    Evidence,
    Extraction,
    Figure,
    Place,
    Report,
    Source,
    Weapon,
)
from khronika.store import SCHEMA_VERSION, EventFilter, Store

PLACES = {
    "Kharkiv": ("geonames:706483", 49.9935, 36.2304, "Kharkiv"),
    "Liubotyn": ("geonames:702658", 49.9486, 35.9311, "Kharkiv"),
    "Odesa": ("geonames:698740", 46.4775, 30.7326, "Odesa"),
    "Stepanivka (Sumy)": ("geonames:1", 50.9606, 34.7744, "Sumy"),
    "Stepanivka (Kherson)": ("geonames:2", 46.6985, 32.5789, "Kherson"),
}


def place(name: str, districts: tuple[str, ...] = ()) -> Place:
    gid, lat, lon, admin1 = PLACES[name]
    return Place(
        name.split(" (")[0],
        "UA",
        admin1,
        None,
        lat,
        lon,
        1,
        gazetteer_id=gid,
        place_kind="settlement",
        sublocations=list(districts),
    )


def report(rid: str, text: str, at: str, source: str = "Example News") -> Report:
    return Report(id=rid, text=text, published=datetime.fromisoformat(at), source=source)


def mention(
    rid: str,
    where: str | None,
    day: date = date(2026, 3, 4),
    sub: str = "Air/drone strike",
    kind: str = "Explosions/Remote violence",
    districts: tuple[str, ...] = (),
    injured: int | None = None,
    killed: int | None = None,
    speaker_kind: str | None = None,
    weapon: str | None = "drone",
    background: bool = False,
    quote: str = "A sentence.",
) -> Event:
    def figures(value: int | None, what: str) -> Casualties:
        if value is None:
            return Casualties()
        evidence = Evidence(rid, 0, 10, f"{value} {what}", f"casualty.{what}")
        return Casualties(
            best=value,
            history=[Figure(what, value, "exact", "all", evidence)],  # type: ignore[arg-type]
        )

    evidence = Evidence(rid, 0, 5, "text", "test")
    return Event(
        id=f"e-{rid}",
        event_date=day,
        date_precision="day",
        event_type=kind,
        sub_event_type=sub,
        location=place(where, districts) if where else None,
        fatalities=figures(killed, "killed"),
        injured=figures(injured, "injured"),
        report_ids=[rid],
        weapons=[Weapon(weapon, evidence)] if weapon else [],
        sources=[Source(rid, "Example", None, None, quote, 0, 11, "t", None, speaker_kind)],
        background=background,
    )


@pytest.fixture
def store(store_location: str | Path) -> Iterator[Store]:
    with Store(store_location) as opened:
        yield opened


def put(store: Store, item: Report, *events: Event) -> None:
    store.store_report(item)
    Linker(store).update(store.save_extraction(Extraction(item, list(events))))


def events_of(store: Store) -> list[dict[str, object]]:
    return store.query_events(EventFilter(include_background=True))


def test_reports_of_one_strike_in_two_languages_are_one_event_with_reasons(store: Store) -> None:
    put(store, report("a", "Дрон влучив у Харків.", "2026-03-04T09:10"), mention("a", "Kharkiv"))
    put(store, report("b", "A drone hit Kharkiv.", "2026-03-04T11:00"), mention("b", "Kharkiv"))
    [event] = events_of(store)
    assert event["report_ids"] == ["a", "b"] and event["n_reports"] == 2
    founded, joined = event["links"]  # type: ignore[misc]
    assert founded["founded"] is True
    assert joined["to"] == "a#1.0"
    assert {"same day", "same place (Kharkiv)", "both Air/drone strike"} <= set(joined["reasons"])


def test_two_strikes_on_one_city_in_different_districts_stay_two(store: Store) -> None:
    put(
        store,
        report("a", "x", "2026-03-04T09:00"),
        mention("a", "Kharkiv", districts=("Kyivskyi",)),
    )
    put(
        store,
        report("b", "y", "2026-03-04T19:00"),
        mention("b", "Kharkiv", districts=("Слобідський",)),
    )
    put(
        store,
        report("c", "z", "2026-03-04T20:00"),
        mention("c", "Kharkiv", districts=("Слободской",)),
    )
    events = events_of(store)
    assert sorted(len(e["report_ids"]) for e in events) == [1, 2]  # type: ignore[arg-type]
    second = next(e for e in events if "b" in e["report_ids"])  # type: ignore[operator]
    assert second["report_ids"] == ["b", "c"]  # one district in two scripts


def test_clock_times_hours_apart_keep_two_strikes_on_one_city_apart(store: Store) -> None:
    morning, evening = "Удар о 08:10 по місту.", "At 19:40 a drone hit the city."
    put(store, report("a", "x", "2026-03-04T09:00"), mention("a", "Kharkiv", quote=morning))
    put(store, report("b", "y", "2026-03-04T20:00"), mention("b", "Kharkiv", quote=evening))
    put(store, report("c", "z", "2026-03-04T21:00"), mention("c", "Kharkiv", quote="о 19:45"))
    events = sorted(events_of(store), key=lambda e: e["report_ids"])  # type: ignore[arg-type, return-value]
    assert [e["report_ids"] for e in events] == [["a"], ["b", "c"]]
    founded = events[1]["links"][0]  # type: ignore[index]
    assert "times of day differ (08:10 / 19:40)" in " ".join(founded["reasons"])


def test_same_name_villages_far_apart_and_other_types_stay_apart(store: Store) -> None:
    put(store, report("a", "x", "2026-03-05T10:00"), mention("a", "Stepanivka (Sumy)"))
    put(store, report("b", "y", "2026-03-05T10:30"), mention("b", "Stepanivka (Kherson)"))
    put(
        store,
        report("c", "z", "2026-03-05T11:00"),
        mention("c", "Stepanivka (Sumy)", kind="Battles", sub="Armed clash", weapon=None),
    )
    assert len(events_of(store)) == 3


def test_the_latest_official_figure_is_best_and_the_history_keeps_every_figure(
    store: Store,
) -> None:
    official = "Kharkiv Regional Military Administration"
    put(
        store,
        report("a", "x", "2026-03-04T09:10", official),
        mention("a", "Kharkiv", injured=3, speaker_kind="official"),
    )
    put(
        store,
        report("b", "y", "2026-03-04T11:00", official),
        mention("b", "Kharkiv", injured=7, speaker_kind="official"),
    )
    put(store, report("c", "z", "2026-03-04T15:00"), mention("c", "Kharkiv", injured=3))
    put(
        store,
        report("d", "w", "2026-03-04T16:00", "Ministry of Defence of Russia"),
        mention("d", "Kharkiv", injured=40, speaker_kind="party"),
    )
    [event] = events_of(store)
    injured = event["injured"]
    assert injured["best"] == 7  # type: ignore[index]
    assert injured["best_from"]["report_id"] == "b"  # type: ignore[index]
    assert injured["best_from"]["source_kind"] == "official"  # type: ignore[index]
    assert [f["value"] for f in injured["history"]] == [3, 7, 3, 40]  # type: ignore[index]
    assert (injured["low"], injured["high"]) == (3, 7)  # type: ignore[index]
    assert event["figures_disputed"] is True
    assert any("party claims 40" in r for r in event["dispute_reasons"])  # type: ignore[union-attr]


def test_an_edited_post_updates_the_figures_and_keeps_both(store: Store) -> None:
    first = report("tg:1", "Two injured in Odesa.", "2026-03-06T07:00")
    put(store, first, mention("tg:1", "Odesa", injured=2))
    [before] = events_of(store)
    edited = report("tg:1", "Five injured in Odesa.", "2026-03-06T09:00")
    put(store, edited, mention("tg:1", "Odesa", injured=5))
    [after] = events_of(store)
    assert after["id"] == before["id"]
    assert after["injured"]["best"] == 5  # type: ignore[index]
    assert [f["value"] for f in after["injured"]["history"]] == [2, 5]  # type: ignore[index]
    assert after["mention_ids"] == ["tg:1#1.0", "tg:1#2.0"]
    assert [r["revision"] for r in store.revisions("tg:1")] == [1, 2]


def test_background_and_summaries_do_not_absorb_concrete_events(store: Store) -> None:
    put(store, report("a", "x", "2026-03-04T09:00"), mention("a", "Kharkiv"))
    put(
        store,
        report("s", "summary", "2026-03-04T21:00"),
        mention("s", "Kharkiv", weapon=None),
        mention("s", "Liubotyn", weapon=None),
        mention("s", "Odesa", weapon=None),
        mention("s", "Stepanivka (Sumy)", weapon=None),
    )
    put(store, report("b", "y", "2026-03-04T10:00"), mention("b", "Kharkiv", background=True))
    kharkiv = [e for e in events_of(store) if e["location"]["name"] == "Kharkiv"]  # type: ignore[index]
    assert sorted(map(len, (e["report_ids"] for e in kharkiv))) == [1, 1, 1]  # type: ignore[arg-type]
    summary = next(e for e in kharkiv if e["report_ids"] == ["s"])
    assert "under the threshold" in " ".join(summary["links"][0]["reasons"])  # type: ignore[index]


STREAM = [
    ("a", "2026-03-04T09:10", "Kharkiv", ("Kyivskyi",), 3),
    ("b", "2026-03-04T10:00", "Kharkiv", ("Kyivskyi",), 7),
    ("c", "2026-03-04T19:00", "Kharkiv", ("Slobidskyi",), 1),
    ("d", "2026-03-04T20:00", "Kharkiv", (), 1),
    ("e", "2026-03-04T21:00", "Liubotyn", (), None),
    ("f", "2026-03-05T08:00", "Kharkiv", (), 7),
]


def _ingest_stream(path: str | Path, order: tuple[int, ...]) -> dict[str, list[str]]:
    with Store(path) as opened:
        for index in order:
            rid, at, where, districts, injured = STREAM[index]
            day = date.fromisoformat(at[:10])
            put(
                opened,
                report(rid, rid, at),
                mention(rid, where, day, districts=districts, injured=injured),
            )
        return {e["id"]: e["mention_ids"] for e in events_of(opened)}  # type: ignore[misc]


def test_any_order_of_arrival_and_a_full_relink_give_the_same_events_and_ids(
    new_location: Callable[[], str | Path],
) -> None:
    first = new_location()
    expected = _ingest_stream(first, tuple(range(len(STREAM))))
    for order in itertools.islice(itertools.permutations(range(6)), 0, 720, 97):
        assert _ingest_stream(new_location(), order) == expected, order
    with Store(first) as opened:
        Linker(opened).relink_all()
        assert {e["id"]: e["mention_ids"] for e in events_of(opened)} == expected


def test_a_batch_of_updates_gives_the_events_of_one_update_at_a_time(
    new_location: Callable[[], str | Path],
) -> None:
    expected = _ingest_stream(new_location(), tuple(range(len(STREAM))))
    with Store(new_location()) as opened:
        linker = Linker(opened)
        with opened.transaction(), linker.batch():
            for rid, at, where, districts, injured in reversed(STREAM):
                opened.store_report(report(rid, rid, at))
                day = date.fromisoformat(at[:10])
                event = mention(rid, where, day, districts=districts, injured=injured)
                linker.update(opened.save_extraction(Extraction(report(rid, rid, at), [event])))
            assert events_of(opened) == []  # events are written when the batch ends
        assert {e["id"]: e["mention_ids"] for e in events_of(opened)} == expected


def test_daily_strikes_on_one_town_do_not_chain_into_one_event(store: Store) -> None:
    """Each night's strike is told like the one before (same time, toll and depot), so each
    would link to its neighbour a day earlier; but an event spans two dates at most."""
    for number in range(4):
        day = date(2026, 3, 4 + number)
        rid = f"d{number}"
        quote = "At 23:30 a drone hit the Saltivka depot No. 7, injuring 3."
        put(
            store,
            report(rid, quote, f"{day.isoformat()}T23:50"),
            mention(rid, "Kharkiv", day, injured=3, quote=quote),
        )
    events = sorted(events_of(store), key=lambda e: str(e["event_date"]))
    assert [e["report_ids"] for e in events] == [["d0", "d1"], ["d2", "d3"]]
    third = store.get_event(str(events[1]["id"]))
    assert third is not None
    founded = next(link for link in third["links"] if link.get("founded"))
    assert any("an event spans two dates at most" in r for r in founded["reasons"])


def test_a_days_roundup_does_not_set_the_figures_of_the_event_it_joins(store: Store) -> None:
    """The roundup's "one killed, three injured" is the district's day, not the morning strike."""
    put(
        store,
        report("m", "Ранкова атака на Нікополь: поранені двоє.", "2026-03-04T10:40"),
        mention("m", "Kharkiv", injured=2, speaker_kind="official", quote="поранені двоє"),
    )
    roundup = mention("r", "Kharkiv", injured=3, killed=1, speaker_kind="official")
    roundup.evidence["roundup"] = Evidence("r", 0, 12, "Упродовж дня", "roundup:5-places")
    put(store, report("r", "Упродовж дня ...", "2026-03-04T21:30"), roundup)
    events = events_of(store)
    home = next(e for e in events if "m" in e["report_ids"])  # type: ignore[operator]
    assert home["injured"]["best"] == 2 and home["fatalities"]["best"] is None  # type: ignore[index]
    assert home["report_ids"] == ["m", "r"]
    history = home["injured"]["history"]  # type: ignore[index]
    assert [h.get("roundup", False) for h in history] == [False, True]
    assert not home["figures_disputed"]
    lone = mention("s", "Odesa", date(2026, 3, 9), injured=3, speaker_kind="official")
    lone.evidence["roundup"] = Evidence("s", 0, 12, "Упродовж дня", "roundup:4-places")
    put(store, report("s", "Упродовж дня ...", "2026-03-09T21:30"), lone)
    [only] = [e for e in events_of(store) if e["report_ids"] == ["s"]]
    assert only["injured"]["best"] == 3  # type: ignore[index]  # told by the roundup alone


def test_merge_and_split_are_kept_by_relinking_and_old_ids_redirect(store: Store) -> None:
    put(store, report("a", "x", "2026-03-04T09:00"), mention("a", "Kharkiv"))
    put(store, report("b", "y", "2026-03-04T10:00"), mention("b", "Liubotyn", weapon="missile"))
    first, second = sorted(events_of(store), key=lambda e: e["report_ids"])  # type: ignore[arg-type, return-value]
    merged = corrections.merge(store, [str(second["id"]), str(first["id"])], "one strike")
    assert merged == first["id"]
    Linker(store).relink_all()
    [event] = events_of(store)
    assert event["report_ids"] == ["a", "b"]
    moved = store.get_event(str(second["id"]))
    assert moved is not None and moved["id"] == merged
    assert moved["redirected_from"][0]["to"] == merged  # type: ignore[index]

    alone = corrections.split(store, merged, ["b"], "not the same after all")
    Linker(store).relink_all()
    assert sorted(e["report_ids"] for e in events_of(store)) == [["a"], ["b"]]  # type: ignore[type-var]
    assert store.get_event(alone)["report_ids"] == ["b"]  # type: ignore[index]
    with pytest.raises(corrections.CorrectionError, match="no mention from report"):
        corrections.split(store, merged, ["zzz"])
    with pytest.raises(corrections.CorrectionError, match="no event with id"):
        corrections.merge(store, ["ev-nope", merged])


def test_re_extraction_keeps_the_event_id(store: Store) -> None:
    item = report("a", "x", "2026-03-04T09:00")
    put(store, item, mention("a", "Kharkiv", injured=2))
    put(store, report("b", "y", "2026-03-04T10:00"), mention("b", "Kharkiv", injured=2))
    [before] = events_of(store)
    Linker(store).update(
        store.save_extraction(Extraction(item, [mention("a", "Kharkiv", injured=3)]))
    )
    [after] = events_of(store)
    assert after["id"] == before["id"] and after["report_ids"] == ["a", "b"]


def test_a_version_1_store_keeps_its_reports_and_extracts_them_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE reports (id TEXT PRIMARY KEY, text TEXT NOT NULL, title TEXT, url TEXT,
            published TEXT, source TEXT, language TEXT, encoding TEXT, origin TEXT, format TEXT,
            received TEXT, status TEXT NOT NULL DEFAULT 'pending', error TEXT,
            extractor_version TEXT);
        INSERT INTO reports (id, text, status) VALUES ('r-1', 'Kharkiv was shelled.', 'done');
        CREATE TABLE events (id TEXT PRIMARY KEY, report_id TEXT, json TEXT);
        """
    )
    old.commit()
    old.close()
    with Store(path) as opened:
        assert opened.schema_version() == SCHEMA_VERSION == 5
        stored = opened.get_report("r-1")
        assert stored is not None and stored.report.text == "Kharkiv was shelled."
        assert stored.status == "pending" and stored.revision == 1
        assert opened.revisions("r-1")[0]["text"] == "Kharkiv was shelled."


def test_cli_link_merge_split_and_show(
    store_location: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_location
    with Store(db) as opened:
        put(opened, report("a", "x", "2026-03-04T09:00"), mention("a", "Kharkiv", injured=3))
        put(opened, report("b", "y", "2026-03-04T10:00"), mention("b", "Kharkiv", injured=5))
        put(opened, report("c", "z", "2026-03-04T10:00"), mention("c", "Odesa"))
        ids = {e["location"]["name"]: e["id"] for e in events_of(opened)}  # type: ignore[index]
    assert main(["show", "--db", str(db), str(ids["Kharkiv"])]) == 0
    out = capsys.readouterr().out
    assert "linked from 2 mentions in 2 reports" in out
    assert "joined via a#1.0" in out and "same place (Kharkiv)" in out
    assert main(["merge", "--db", str(db), str(ids["Kharkiv"]), str(ids["Odesa"])]) == 0
    merged = capsys.readouterr().out.strip()
    assert main(["split", "--db", str(db), merged, "--reports", "c"]) == 0
    assert main(["link", "--db", str(db)]) == 0
    assert "3 mentions linked into 2 events" in capsys.readouterr().err
    assert main(["events", "--db", str(db), "--mentions", "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["split", "--db", str(db), merged, "--reports", "nope"]) == 1
    assert "no mention from report(s) nope" in capsys.readouterr().err


def test_every_event_write_is_logged_in_order_for_live_readers(store: Store) -> None:
    start = store.last_change()
    put(store, report("a", "x", "2026-03-04T09:00"), mention("a", "Kharkiv"))
    [founded] = store.changes_after(start)
    assert founded.change == "new"
    put(store, report("b", "y", "2026-03-04T10:00"), mention("b", "Liubotyn", weapon="missile"))
    put(store, report("c", "z", "2026-03-04T11:00"), mention("c", "Kharkiv", killed=2))
    later = store.changes_after(founded.seq)
    assert {(c.event_id, c.change) for c in later} >= {(founded.event_id, "updated")}
    assert [c.seq for c in later] == sorted(c.seq for c in later)
    assert store.changes_after(store.last_change()) == []

    first, second = sorted(events_of(store), key=lambda e: e["report_ids"])  # type: ignore[arg-type, return-value]
    mark = store.last_change()
    merged = corrections.merge(store, [str(second["id"]), str(first["id"])], "one strike")
    changed = {c.event_id: c.change for c in store.changes_after(mark)}
    assert changed[str(second["id"])] == "removed" and changed[merged] == "updated"

    mark = store.last_change()
    Linker(store).relink_all()
    [reset] = store.changes_after(mark, limit=10)  # a reset comes alone: reload everything
    assert (reset.event_id, reset.change) == ("*", "reset")
    rebuilt = store.changes_after(reset.seq)
    assert {c.event_id for c in rebuilt} == {e["id"] for e in events_of(store)}
    assert {c.change for c in rebuilt} == {"new"}  # dropped, then written again: new to a reader
