"""Edits are revisions: the same report read again with changed text (an edited Telegram post,
a corrected wire story, an edited file without an id) is one report with two revisions, in
every reader and in ``watch``; its event is updated, never told twice."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from khronika.ingest import read_paths
from khronika.ingest_run import ingest
from khronika.places import Gazetteer
from khronika.store import EventFilter, Store
from khronika.watch import poll as poll_module
from khronika.watch.config import load_config
from khronika.watch.runner import Watcher
from watch_site import Item, article, rss, serving

BEFORE = (
    "A Russian missile strike on Kharkiv killed three civilians on 2 March 2023, the governor said."
)
AFTER = BEFORE.replace("three civilians", "five civilians")
T0 = datetime(2023, 3, 2, 9, 0)


@pytest.fixture(autouse=True)
def _places(gaz: Gazetteer) -> None:
    """Extraction reads the session's gazetteer, never the user's."""


def text_file(text: str) -> bytes:
    return f"date 2023-03-02\n{text}\n".encode()


def json_record(text: str) -> bytes:
    return json.dumps({"id": "wire-7", "text": text, "published": "2023-03-02T09:00"}).encode()


def json_lines(text: str) -> bytes:
    return json_record(text) + b"\n" + json.dumps({"id": "wire-8", "text": "Calm day."}).encode()


def csv_rows(text: str) -> bytes:
    return f'id,published,text\nrow-1,2023-03-02,"{text}"\n'.encode()


def telegram_export(text: str) -> bytes:
    post = {"id": 41, "type": "message", "date": "2023-03-02T09:00:00", "text": [text]}
    export = {"name": "Region news", "id": 9, "messages": [post]}
    return json.dumps(export).encode()


def feed(text: str) -> bytes:
    return rss([Item("story-1", "Strike on Kharkiv", text, T0)]).body


def html_page(text: str) -> bytes:
    return article("Strike on Kharkiv", [text, "Rescuers worked through the night."], T0).body


READERS: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "text-without-id": ("report.txt", text_file),
    "markdown-without-id": ("report.md", text_file),
    "html-file": ("page.html", html_page),
    "json": ("wire.json", json_record),
    "jsonl": ("wire.jsonl", json_lines),
    "csv": ("rows.csv", csv_rows),
    "telegram": ("result.json", telegram_export),
    "feed": ("feed.xml", feed),
}


def killed(store: Store) -> list[int | None]:
    return [event["fatalities"]["best"] for event in store.query_events(EventFilter(q="Kharkiv"))]


def ingest_path(store: Store, path: Path) -> tuple[int, int]:
    summary = ingest(store, read_paths([path]))
    assert summary.failed == 0, summary.errors
    return summary.new, summary.revised


@pytest.mark.parametrize("kind", READERS)
def test_an_edited_input_is_a_revision_of_its_report(kind: str, tmp_path: Path) -> None:
    name, write = READERS[kind]
    path = tmp_path / "inbox" / name
    path.parent.mkdir()
    path.write_bytes(write(BEFORE))
    with Store(tmp_path / "k.db") as store:
        assert ingest_path(store, path)[1] == 0
        counts = store.counts()
        assert killed(store) == [3]
        path.write_bytes(write(AFTER))
        assert ingest_path(store, path) == (0, 1)  # read again: revised, nothing new
        after = store.counts()
        assert (after["reports"], after["events"]) == (counts["reports"], counts["events"])
        assert after["revisions"] == counts["revisions"] + 1
        [edited] = [s.report for s in store.reports() if "Kharkiv" in s.report.text]
        texts = [revision["text"] for revision in store.revisions(edited.id)]
        assert len(texts) == 2 and "three" in texts[0] and texts[1] == edited.text
        assert "five" in edited.text
        assert killed(store) == [5]  # the event follows the latest revision, once
        assert ingest_path(store, path) == (0, 0)  # the same text once more: unchanged


def test_a_parquet_row_with_an_id_edited_is_a_revision(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    with Store(tmp_path / "k.db") as store:
        for text in (BEFORE, AFTER):
            table = pa.table({"id": ["p-1"], "text": [text], "published": ["2023-03-02"]})
            pq.write_table(table, path)
            ingest_path(store, path)
        assert len(store.revisions("p-1")) == 2 and store.counts()["reports"] == 1
        assert killed(store) == [5]


def test_a_text_file_keeps_its_id_whether_its_folder_or_itself_is_given(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_bytes(text_file(BEFORE))
    (inbox / "b.txt").write_bytes(text_file(BEFORE))  # the same text in another file
    by_folder = [item.id for item in read_paths([inbox])]
    by_file = [item.id for item in read_paths([inbox / "a.txt", inbox / "b.txt"])]
    assert by_folder == by_file and len(set(by_folder)) == 2


def test_a_text_file_that_states_an_id_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "stated.md"
    path.write_text(f"---\nid: desk-12\ndate: 2023-03-02\n---\n{BEFORE}\n", encoding="utf-8")
    [report] = read_paths([path])
    assert report.id == "desk-12"


def write_config(folder: Path, source: str) -> Path:
    path = folder / "watch.toml"
    path.write_text(
        f"[watch]\nhost_delay = 0\nmin_interval = 0.1\ntimeout = 2\n\n[[source]]\n{source}\n",
        encoding="utf-8",
    )
    return path


def watch_once(config: Path, database: Path) -> tuple[int, int]:
    with Store(database) as store:
        summary = Watcher(load_config(config), store, log=lambda line: None).run(once=True)
    return summary.new, summary.revised


def test_watch_reads_an_edited_folder_file_as_a_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poll_module, "SETTLE_SECONDS", 0.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "report.txt"
    path.write_bytes(text_file(BEFORE))
    os.utime(path, (time.time() - 10, time.time() - 10))
    config = write_config(tmp_path, 'id = "inbox"\nkind = "folder"\npath = "inbox"\ninterval = 1')
    database = tmp_path / "k.db"
    assert watch_once(config, database) == (1, 0)
    path.write_bytes(text_file(AFTER))
    os.utime(path, (time.time() - 5, time.time() - 5))  # another time: read again
    assert watch_once(config, database) == (0, 1)
    with Store(database) as store:
        assert store.counts()["reports"] == 1 and store.counts()["revisions"] == 2
        assert killed(store) == [5]
    with Store(database) as store:  # and ingest of the same folder names the same report
        assert ingest_path(store, inbox) == (0, 0)


def test_watch_reads_an_article_again_when_its_feed_entry_changes(tmp_path: Path) -> None:
    with serving() as site:
        link = site.url("/a/1")
        site.pages["/a/1"] = article("Strike on Kharkiv", [BEFORE], T0)
        site.pages["/news.xml"] = rss([Item("story-1", "Strike", "Short summary.", T0, link)])
        source = f'id = "site"\nkind = "page"\nurl = "{site.url("/news.xml")}"\ninterval = 1'
        config, database = write_config(tmp_path, source), tmp_path / "k.db"
        assert watch_once(config, database) == (1, 0)
        assert watch_once(config, database) == (0, 0)  # nothing changed: not fetched again
        assert site.count("/a/1") == 1
        site.pages["/a/1"] = article("Strike on Kharkiv", [AFTER], T0)
        site.pages["/news.xml"] = rss([Item("story-1", "Strike", "Corrected summary.", T0, link)])
        assert watch_once(config, database) == (0, 1)
        assert site.count("/a/1") == 2
    with Store(database) as store:
        assert len(store.revisions("story-1")) == 2 and killed(store) == [5]
