"""Opaque cursors for keyset paging over the store's newest-first order.

A cursor is the position of the last event of a page (its date, its founding mention's sort
key, its id), so the next page starts right after it however many events arrive meanwhile;
no offsets, no skipped or repeated events when the store grows at the top.
"""

from __future__ import annotations

import base64
import binascii
import json

from khronika.serving.responses import ApiError
from khronika.store import EventKey

_VERSION = 1


def encode(key: EventKey) -> str:
    raw = json.dumps([_VERSION, key.event_date, key.sort_key, key.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode(cursor: str) -> EventKey:
    """The position a cursor holds; a 400 naming ``cursor`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, event_date, sort_key, event_id = json.loads(raw.decode("utf-8"))
        if version != _VERSION or not all(isinstance(value, str) for value in (sort_key, event_id)):
            raise ValueError
        if event_date is not None and not isinstance(event_date, str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            400, f"argument cursor: not a cursor this server gave out: {cursor[:80]!r}"
        ) from None
    return EventKey(event_date, sort_key, event_id)
