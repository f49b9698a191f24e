"""The live stream (``GET /api/stream``): server-sent events for every event that is new,
updated or gone since the client's last one, read from the store's change log, so what any
process writes (``watch``, ``ingest``, a POST) reaches the map within a poll.

Messages (each with ``id:`` the change's sequence number, so a reconnecting browser resumes
with ``Last-Event-ID``):
- ``point``: ``{"id", "change": "new"|"updated", "row": [POINT_FIELDS...]}``, an event that
  matches the stream's filters and has a place;
- ``drop``: ``{"id", "change", "to"}``, an event removed (``to``: the event it was merged into)
  or no longer matching the filters: a client showing it takes it away;
- ``reset``: ``{}``, everything was re-linked, or the client is further behind than the log
  keeps: reload.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from khronika.serving.stores import Stores
from khronika.store import EventFilter

POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
RECONNECT_MS = 2000
BATCH = 1000


@dataclass(frozen=True)
class _Message:
    seq: int
    kind: str
    data: str

    def encode(self) -> bytes:
        return f"id: {self.seq}\nevent: {self.kind}\ndata: {self.data}\n\n".encode()


def start_of(after: int | None, last_event_id: str | None) -> int | None:
    """Where a stream starts: after the browser's ``Last-Event-ID`` when it reconnects (its
    URL still carries the first ``after``), else ``after``, else None (from now on)."""
    if last_event_id and last_event_id.strip().isdigit():
        return int(last_event_id.strip())
    return after


def _now(stores: Stores) -> int:
    return stores.get().last_change()


def _read(stores: Stores, filters: EventFilter, seq: int) -> tuple[list[_Message], int]:
    """The messages for the changes after ``seq``, and the sequence number read up to."""
    store = stores.get()
    if seq and seq + 1 < store.oldest_change():
        last = store.last_change()
        return [_Message(last, "reset", "{}")], last
    changes = store.changes_after(seq, BATCH)
    if not changes:
        return [], seq
    if changes[0].change == "reset":
        return [_Message(changes[0].seq, "reset", "{}")], changes[0].seq
    rows = store.point_rows_of([c.event_id for c in changes], filters)
    messages = []
    for change in changes:
        row = rows.get(change.event_id)
        if row is not None:
            data = f'{{"id":{json.dumps(change.event_id)},"change":"{change.change}","row":{row}}}'
            messages.append(_Message(change.seq, "point", data))
        else:
            moved = store.resolve_event_id(change.event_id)[0] if change.change == "removed" else ""
            to = moved if moved and moved != change.event_id else None
            body = {"id": change.event_id, "change": change.change, "to": to}
            messages.append(_Message(change.seq, "drop", json.dumps(body, ensure_ascii=False)))
    return messages, max(c.seq for c in changes)


async def event_stream(
    stores: Stores,
    filters: EventFilter,
    start: int | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[bytes]:
    """Server-sent events until the client goes away; a comment line keeps proxies from
    closing an idle stream."""
    seq = start if start is not None else await run_in_threadpool(_now, stores)
    yield f"retry: {RECONNECT_MS}\n: from change {seq}\n\n".encode()
    idle = 0.0
    while not await disconnected():
        messages, seq = await run_in_threadpool(_read, stores, filters, seq)
        for message in messages:
            yield message.encode()
        if messages:
            idle = 0.0
            continue
        await asyncio.sleep(POLL_SECONDS)
        idle += POLL_SECONDS
        if idle >= HEARTBEAT_SECONDS:
            idle = 0.0
            yield b": keep-alive\n\n"
