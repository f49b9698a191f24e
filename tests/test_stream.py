"""The live stream over a real uvicorn: what another process writes to the store reaches an
open ``/api/stream`` as server-sent events, in order, resumable, filtered like the points."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from conftest import served
from khronika.ingest_run import ingest
from khronika.linking import Linker, corrections
from khronika.records import Report
from khronika.serving import app as app_module
from khronika.serving import stream
from khronika.store import EventFilter, Store

Message = tuple[str, str, dict[str, Any]]  # id, event, data


@pytest.fixture
def base(db: Path) -> Iterator[str]:
    with served(app_module.create_app(db)) as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def listening(
    base: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Iterator[queue.Queue[Message]]:
    """The messages of one open stream, parsed by a reader thread as they arrive. A plain
    HTTP/1.0 socket (no chunking to undo) that the test closes on leaving, as a tab is closed."""
    messages: queue.Queue[Message] = queue.Queue()
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    target = "/api/stream?" + urlencode(params or {})
    extra = [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines = [f"GET {target} HTTP/1.0", f"Host: {host}", *extra]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    stream = sock.makefile("rb")
    head = []
    while (line := stream.readline().decode().rstrip("\r\n")) != "":
        head.append(line.lower())
    assert head[0].split()[1] == "200", head
    assert "content-type: text/event-stream; charset=utf-8" in head, head

    def read() -> None:
        fields: dict[str, str] = {}
        try:
            for raw in stream:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if "event" in fields:
                        messages.put((fields["id"], fields["event"], json.loads(fields["data"])))
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields[name] = value
        except (OSError, ValueError):
            return  # closed by the test

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield messages
    finally:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        reader.join(timeout=5)


def until(messages: queue.Queue[Message], wanted: Any, seconds: float = 10) -> list[Message]:
    """Messages read until one for which ``wanted`` holds (that one last)."""
    seen: list[Message] = []
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no such message in {seconds} s; got {seen}"
        try:
            message = messages.get(timeout=left)
        except queue.Empty:
            continue
        seen.append(message)
        if wanted(message):
            return seen


STRIKE = (
    "A Russian drone hit a warehouse in Kharkiv on the night of 2 December 2026; two workers "
    "were killed and five injured, the regional governor said."
)


def add_report(db: Path, text: str, rid: str) -> str:
    """Ingest one report as another process would; the id of its event."""
    with Store(db) as store:
        report = Report(id=rid, text=text, published=datetime(2026, 12, 2, 7), source="Test")
        assert ingest(store, [report]).ok
        [mention] = store.mentions_of_report(rid)
        return str(mention["event_id"])


def test_a_new_report_reaches_an_open_stream_and_a_merge_drops_the_old_event(
    base: str, db: Path
) -> None:
    seq = httpx.get(f"{base}/api/points").json()["seq"]
    with listening(base, params={"after": seq}) as messages:
        event_id = add_report(db, STRIKE, "stream-1")
        got = until(messages, lambda m: m[1] == "point" and m[2]["id"] == event_id)
        _, _, data = got[-1]
        assert data["change"] == "new"
        fields = httpx.get(f"{base}/api/points").json()["fields"]
        row = dict(zip(fields, data["row"], strict=True))
        assert row["killed"] == 2 and row["admin1"] == "Kharkiv"
        assert int(got[-1][0]) > seq

        with Store(db) as store:
            other = next(
                e["id"] for e in store.query_events(EventFilter(limit=5)) if e["id"] != event_id
            )
            corrections.merge(store, [other, event_id], "one strike after all")
        [dropped] = [m for m in until(messages, lambda m: m[1] == "drop") if m[1] == "drop"]
        assert dropped[2] == {"id": event_id, "change": "removed", "to": other}


def test_a_reconnect_resumes_after_its_last_event_id_and_filters_hold(base: str, db: Path) -> None:
    seq = httpx.get(f"{base}/api/points").json()["seq"]
    event_id = add_report(db, STRIKE, "stream-2")
    headers = {"Last-Event-ID": str(seq)}
    with listening(base, headers=headers) as messages:
        [(_, kind, data)] = until(messages, lambda m: m[2].get("id") == event_id)
        assert kind == "point"
    battles = {"after": seq, "type": "Battles"}
    with listening(base, params=battles) as messages:
        [(_, kind, data)] = until(messages, lambda m: m[2].get("id") == event_id)
        assert kind == "drop" and data["change"] == "new"  # not in this selection


def test_a_full_relink_asks_the_client_to_reload(base: str, db: Path) -> None:
    seq = httpx.get(f"{base}/api/points").json()["seq"]
    with listening(base, params={"after": seq}) as messages:
        with Store(db) as store:
            Linker(store).relink_all()
        assert until(messages, lambda m: m[1] == "reset")[-1][2] == {}


def test_a_browser_reconnecting_resumes_after_its_last_event_not_its_first_url() -> None:
    assert stream.start_of(after=5, last_event_id="42") == 42
    assert stream.start_of(after=5, last_event_id=None) == 5
    assert stream.start_of(after=None, last_event_id="not a number") is None


def test_bad_stream_arguments_are_named(base: str) -> None:
    answer = httpx.get(f"{base}/api/stream", params={"after": "-1"})
    assert answer.status_code == 400 and "after" in answer.json()["error"]["message"]
