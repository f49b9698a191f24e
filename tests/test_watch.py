"""The watcher end to end against local servers only: feeds with validators, failing, throttled,
moved and gone endpoints, a channel preview with an edited post, article pages from a feed, and
a folder; real extraction and linking into a temporary store."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from khronika.cli import main
from khronika.ingest_run import extract_pending as real_extract_pending
from khronika.places import Gazetteer
from khronika.store import EventFilter, Store, StoreBusy
from khronika.watch import poll as poll_module
from khronika.watch import runner as runner_module
from khronika.watch.config import ConfigError, load_config
from khronika.watch.runner import Watcher, WatchSummary
from watch_site import Answer, Item, Site, article, channel_page, rss, serving

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "reports"
T0 = datetime(2026, 12, 2, 6, 0)
STRIKES = [
    "A Russian drone struck an apartment block in Kharkiv overnight, killing two people and "
    "injuring five, the regional governor said.",
    "Russian shelling of Nikopol damaged a school and three houses on Tuesday morning; one "
    "woman was injured, the regional administration said.",
    "A missile hit the port of Odesa on Tuesday evening, killing one dock worker and wounding "
    "four, the city's mayor said.",
]
EDITED_BEFORE = (
    "Внаслідок ракетного удару по Одесі загинули двоє людей, ще семеро поранені, повідомив "
    "голова ОВА Олег Кіпер."
)
EDITED_AFTER = EDITED_BEFORE.replace("загинули двоє людей", "загинули троє людей")


@pytest.fixture(autouse=True)
def _places(gaz: Gazetteer) -> None:
    """Extraction reads the session's gazetteer, never the user's."""


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


def items(count: int) -> list[Item]:
    return [
        Item(f"wire-{n}", f"Strike {n}", STRIKES[n % len(STRIKES)], T0 + timedelta(hours=n))
        for n in range(count)
    ]


def write_config(folder: Path, *sources: str, settings: str = "") -> Path:
    path = folder / "watch.toml"
    path.write_text(
        "[watch]\nhost_delay = 0\nmin_interval = 0.1\ntimeout = 2\n"
        + settings
        + "".join(f"\n[[source]]\n{source}\n" for source in sources),
        encoding="utf-8",
    )
    return path


def run_once(config: Path, db: str | Path) -> WatchSummary:
    lines: list[str] = []
    with Store(db) as store:
        summary = Watcher(load_config(config), store, log=lines.append).run(once=True)
    summary.errors.extend(line for line in lines if line not in summary.errors)
    return summary


def feed_source(site: Site, path: str = "/feed.xml", sid: str = "wire") -> str:
    return f'id = "{sid}"\nkind = "rss"\nurl = "{site.url(path)}"\ninterval = 1'


def test_a_feed_is_read_once_then_answers_304_and_a_new_item_is_new(
    site: Site, tmp_path: Path, store_location: str | Path
) -> None:
    site.pages["/feed.xml"] = rss(items(3))
    config, db = write_config(tmp_path, feed_source(site)), store_location
    first = run_once(config, db)
    assert (first.polled, first.new, first.failed) == (1, 3, 0), first.errors
    assert first.mentions >= 3
    second = run_once(config, db)
    assert (second.new, second.unchanged) == (0, 0)  # a 304: nothing read again
    assert site.hits[-1][1].get("If-None-Match")
    assert "Khronika/" in site.hits[-1][1]["User-Agent"]
    site.pages["/feed.xml"] = rss(items(4))
    third = run_once(config, db)
    assert (third.new, third.unchanged) == (1, 3)
    with Store(db) as store:
        assert store.counts()["pending"] == 0
        [report] = [s.report for s in store.reports() if s.report.id == "wire-3"]
        assert report.source == "Test Wire" and report.format == "feed"
        [raw] = [b for b in store.fetched_bodies("wire") if b"wire-3" in b[2]]
        assert raw[2] == site.pages["/feed.xml"].body  # type: ignore[union-attr]  # verbatim
        state = store.source_state("wire")
        assert state is not None and state.items == 4 and state.errors == 0
        events = store.query_events(EventFilter(q="Kharkiv"))
        assert events and events[0]["fatalities"]["best"] == 2
    site.pages["/feed.xml"] = rss(items(4), title="Test Wire (renamed)")
    assert run_once(config, db).unchanged == 4
    with Store(db) as store:  # a changed body with nothing new in it is not kept again
        assert len(store.fetched_bodies("wire")) == 2


def test_a_poller_that_raises_backs_off_instead_of_stopping_the_watch(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_location: str | Path
) -> None:
    site.pages["/feed.xml"] = rss(items(1))
    config = write_config(tmp_path, feed_source(site), feed_source(site, "/other.xml", "other"))

    def broken(source: object, *args: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(runner_module, "poll", broken)
    with Store(store_location) as store:
        watcher = Watcher(load_config(config), store, log=lambda line: None)
        summary = watcher.run(once=True)
    assert (summary.polled, summary.failed) == (2, 2)
    assert "wire: poll failed: RuntimeError: a bug" in summary.errors
    assert all(s.errors == 1 and s.next_poll for s in watcher.states.values())


def test_failures_back_off_throttling_waits_a_move_is_kept_and_gone_pauses(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], store_location: str | Path
) -> None:
    site.pages["/busy.xml"] = Answer(b"slow down", 429, "text/plain", {"Retry-After": "120"})
    site.pages["/old.xml"] = Answer(b"", 301, "text/plain", {"Location": "/new.xml"})
    site.pages["/new.xml"] = rss(items(1))
    site.pages["/gone.xml"] = Answer(b"gone", 410, "text/plain")
    config = write_config(
        tmp_path,
        feed_source(site, "/busy.xml", "busy"),
        feed_source(site, "/old.xml", "moved"),
        feed_source(site, "/gone.xml", "gone"),
        'id = "down"\nkind = "rss"\nurl = "http://127.0.0.1:9/feed.xml"\ninterval = 1',
    )
    db = store_location
    summary = run_once(config, db)
    assert (summary.polled, summary.failed, summary.new) == (4, 3, 1)
    with Store(db) as store:
        busy, down, gone, moved = store.source_states()
    assert busy.errors == 1 and busy.last_status == 429
    wait = datetime.fromisoformat(busy.next_poll or "") - datetime.fromisoformat(
        busy.last_fetch or ""
    )
    assert wait.total_seconds() >= 119  # Retry-After, not the 1 s interval
    assert down.last_status == 0 and "connection refused" in (down.last_error or "")
    assert moved.url == site.url("/new.xml") and moved.configured == site.url("/old.xml")
    assert gone.paused and "410" in gone.paused

    again = run_once(config, db)  # busy and down are in backoff, gone is paused
    assert again.polled == 1 and again.paused == 1
    assert site.count("/old.xml") == 1 and site.count("/new.xml") == 2  # the stored move

    assert main(["sources", "--db", str(db)]) == 0
    table = capsys.readouterr().out
    assert "paused: the source is gone (HTTP 410)" in table and "1 errors, next try" in table
    assert main(["sources", "--db", str(db), "--resume", "gone", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()[1:]]
    assert next(r for r in rows if r["id"] == "gone")["paused"] is None


def test_an_edited_channel_post_updates_its_event_and_keeps_both_figures(
    site: Site, tmp_path: Path, store_location: str | Path
) -> None:
    posts = [(101, T0, EDITED_BEFORE), (102, T0 + timedelta(minutes=5), "Тривога триває.")]
    site.pages["/s/odesa_ova"] = channel_page("odesa_ova", "Одеська ОВА", posts)
    source = f'id = "ova"\nkind = "telegram"\nurl = "{site.url("/s/odesa_ova")}"\ninterval = 1'
    config, db = write_config(tmp_path, source), store_location
    assert run_once(config, db).new == 2
    with Store(db) as store:
        [event] = store.query_events(EventFilter(q="Одесі"))
        assert event["fatalities"]["best"] == 2
        assert event["report_ids"] == ["telegram:odesa_ova:101"]
        assert store.source_state("ova").cursor == "102"  # type: ignore[union-attr]
    posts[0] = (101, T0, EDITED_AFTER)
    site.pages["/s/odesa_ova"] = channel_page("odesa_ova", "Одеська ОВА", posts)
    edited = run_once(config, db)
    assert (edited.new, edited.revised, edited.unchanged) == (0, 1, 1)
    with Store(db) as store:
        [event] = store.query_events(EventFilter(q="Одесі"))
        assert event["fatalities"]["best"] == 3
        told = [f["value"] for f in event["fatalities"]["history"]]
        assert 2 in told and 3 in told
        assert len(store.revisions("telegram:odesa_ova:101")) == 2


def test_a_page_source_reads_each_feed_entry_from_its_article(
    site: Site, tmp_path: Path, store_location: str | Path
) -> None:
    story = [STRIKES[0], "Rescuers searched the rubble until the morning."]
    site.pages["/a/1"] = article("Drone strike on Kharkiv", story, T0)
    site.pages["/a/2"] = Answer(b"broken", 500, "text/plain")
    listing = [
        Item("story-1", "Drone strike on Kharkiv", "Short summary.", T0, site.url("/a/1")),
        Item("story-2", "Shelling of Nikopol", STRIKES[1], T0, site.url("/a/2")),
    ]
    site.pages["/news.xml"] = rss(listing)
    source = f'id = "site"\nkind = "page"\nurl = "{site.url("/news.xml")}"\ninterval = 1'
    config, db = write_config(tmp_path, source), store_location
    summary = run_once(config, db)
    assert summary.new == 2 and any("kept the feed's text" in e for e in summary.errors)
    with Store(db) as store:
        read = {s.report.id: s.report for s in store.reports()}
    assert STRIKES[0] in read["story-1"].text and "Home" not in read["story-1"].text
    assert "Rescuers searched" in read["story-1"].text and "Copyright" not in read["story-1"].text
    assert read["story-2"].text == STRIKES[1]  # the article failed: the feed's own text
    run_once(config, db)
    assert site.count("/a/1") == 1  # an article read once is not fetched again


def test_a_folder_source_reads_new_and_changed_files_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_location: str | Path
) -> None:
    monkeypatch.setattr(poll_module, "SETTLE_SECONDS", 0.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "one.txt").write_text(f"date 2026-12-02\n{STRIKES[0]}", encoding="utf-8")
    (inbox / ".hidden.txt").write_text(STRIKES[1], encoding="utf-8")
    config = write_config(tmp_path, 'id = "inbox"\nkind = "folder"\npath = "inbox"\ninterval = 1')
    db = store_location
    assert run_once(config, db).new == 1
    assert run_once(config, db).new == 0  # unchanged: not even read
    (inbox / "sub").mkdir()
    (inbox / "sub" / "two.jsonl").write_text(
        json.dumps({"id": "j-1", "text": STRIKES[2], "published": "2026-12-02T18:00"}) + "\n",
        encoding="utf-8",
    )
    later = time.time() + 5
    os.utime(inbox / "one.txt", (later, later))  # touched, not changed
    summary = run_once(config, db)
    assert (summary.new, summary.unchanged) == (1, 0)
    with Store(db) as store:
        assert set(store.source_items("inbox")) == {"one.txt", "sub/two.jsonl"}


def test_a_file_still_being_written_waits_for_the_next_poll(
    tmp_path: Path, store_location: str | Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "fresh.txt").write_text(STRIKES[0], encoding="utf-8")
    config = write_config(tmp_path, 'id = "inbox"\nkind = "folder"\npath = "inbox"\ninterval = 1')
    summary = run_once(config, store_location)
    assert (summary.new, summary.settling) == (0, 1)
    assert "1 file still being written" in summary.line()  # said, not silently skipped


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "no [[source]] tables"),
        ("[[source]]\nid = 'a b'\nkind = 'rss'\nurl = 'http://x/'", "id must be letters"),
        ("[[source]]\nid = 'a'\nkind = 'email'\nurl = 'http://x/'", "kind must be one of"),
        ("[[source]]\nid = 'a'\nkind = 'rss'", "source 'a': url is missing"),
        ("[[source]]\nid = 'a'\nkind = 'rss'\nurl = 'ftp://x/'", "must be an http(s) URL"),
        (
            "[[source]]\nid = 'a'\nkind = 'rss'\nurl = 'http://x/'\ninterval = 5",
            "below the minimum",
        ),
        ("[[source]]\nid = 'a'\nkind = 'rss'\nurl = 'http://x/'\nevery = 5", "unknown key 'every'"),
        ("[[source]]\nid = 'a'\nkind = 'folder'\npath = 'nowhere'", "is not a directory"),
        ("[[source]]\nid = 'a'\nkind = 'telegram'\nurl = 'https://t.me/kyiv'", "t.me/s/kyiv"),
        (
            "[[source]]\nid = 'a'\nkind = 'rss'\nurl = 'http://x/'\n"
            "[[source]]\nid = 'a'\nkind = 'rss'\nurl = 'http://y/'",
            "two sources have the id 'a'",
        ),
        ("[watch]\nhost_delay = -1\n[[source]]\nid='a'\nkind='rss'\nurl='http://x/'", "at least 0"),
        ("[[source]\nid = 'a'", "not valid TOML"),
    ],
)
def test_bad_configs_are_refused_naming_the_file_and_the_field(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: ") as raised:
        load_config(path)
    assert message in str(raised.value)


def test_the_cli_runs_once_with_a_summary_and_lists_reports_for_scripts(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], store_location: str | Path
) -> None:
    site.pages["/feed.xml"] = rss(items(2))
    config, db = write_config(tmp_path, feed_source(site)), store_location
    assert main(["watch", str(config), "--db", str(db), "--once"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("watch: 1 polls (0 failed): 2 new, 0 revised, 0 unchanged reports")
    assert main(["reports", "--db", str(db), "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["status"], r["revisions"], r["source"]) for r in lines] == [
        ("wire-0", "done", 1, "Test Wire"),
        ("wire-1", "done", 1, "Test Wire"),
    ]
    assert main(["watch", str(tmp_path / "missing.toml"), "--db", str(db)]) == 1
    assert "missing.toml: no such file" in capsys.readouterr().err


def test_a_folder_of_telegram_desktop_exports_is_read_message_by_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_location: str | Path
) -> None:
    monkeypatch.setattr(poll_module, "SETTLE_SECONDS", 0.0)
    inbox = tmp_path / "exports"
    shutil.copytree(EXAMPLES / "telegram", inbox / "channel")
    config = write_config(tmp_path, 'id = "tg"\nkind = "folder"\npath = "exports"\ninterval = 1')
    db = store_location
    first = run_once(config, db)
    assert first.new > 1 and first.unreadable == 0, first.errors
    with Store(db) as store:
        ids = [s.report.id for s in store.reports()]
    assert all(rid.startswith("telegram:") for rid in ids) and len(ids) == first.new


def test_a_single_page_source_is_one_report_and_a_changed_page_a_revision(
    site: Site, tmp_path: Path, store_location: str | Path
) -> None:
    site.pages["/live/kharkiv"] = article("Kharkiv live", [STRIKES[0]], T0)
    source = f'id = "blog"\nkind = "page"\nurl = "{site.url("/live/kharkiv")}"\ninterval = 1'
    config, db = write_config(tmp_path, source), store_location
    assert run_once(config, db).new == 1
    site.pages["/live/kharkiv"] = article("Kharkiv live", [STRIKES[0], STRIKES[2]], T0)
    assert run_once(config, db).revised == 1
    with Store(db) as store:
        [stored] = store.reports()
    assert stored.report.id == f"page:{site.url('/live/kharkiv')}" and stored.revision == 2


def busy_then(times: int) -> tuple[list[int], Callable[..., Any]]:
    """``extract_pending`` that finds the store busy ``times`` times, then runs."""
    calls: list[int] = []

    def extract_pending(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise StoreBusy("k.db: locked by another writer past the retries")
        return real_extract_pending(*args, **kwargs)

    return calls, extract_pending


def test_a_busy_store_makes_extraction_wait_not_the_watch_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poll_module, "SETTLE_SECONDS", 0.0)
    monkeypatch.setattr(runner_module, "BUSY_WAIT", 0.05)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "one.txt").write_text(f"date 2026-12-02\n{STRIKES[0]}", encoding="utf-8")
    config = write_config(tmp_path, 'id = "inbox"\nkind = "folder"\npath = "inbox"\ninterval = 60')
    db = tmp_path / "k.db"

    # --once: the report is stored and left pending; the run ends and says why.
    _, fake = busy_then(times=1)
    monkeypatch.setattr(runner_module, "extract_pending", fake)
    summary = run_once(config, db)
    assert (summary.new, summary.mentions) == (1, 0)
    assert any("the store is busy" in e and "left pending" in e for e in summary.errors)
    with Store(db) as store:
        assert [r.status for r in store.reports()] == ["pending"]

    # Running on: two busy slices (waits of 0.05 s, then 0.1 s), then the report is extracted.
    calls, fake = busy_then(times=2)
    monkeypatch.setattr(runner_module, "extract_pending", fake)
    lines: list[str] = []
    stop = threading.Event()
    summaries: list[WatchSummary] = []

    def watch() -> None:  # the store is opened in the thread that uses it, as `khronika watch`
        with Store(db) as store:
            watcher = Watcher(load_config(config), store, log=lines.append)
            summaries.append(watcher.summary)
            watcher.run(stop=stop)

    thread = threading.Thread(target=watch)
    thread.start()
    deadline = time.monotonic() + 20
    while not (summaries and summaries[0].mentions) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and summaries[0].mentions > 0, lines
    with Store(db) as store:
        assert [r.status for r in store.reports()] == ["done"]
    waits = [line.rsplit("again in ", 1)[1] for line in lines if "the store is busy" in line]
    assert waits == ["0.05 s", "0.1 s"] and len(calls) >= 3
