"""RSS and Atom feeds: one report per entry, its HTML reduced to plain paragraphs."""

from __future__ import annotations

import codecs
import io
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import feedparser

from khronika.ingest.base import BadInput, Input, ReadError, ReadOptions, new_report
from khronika.ingest.markup import html_to_text
from khronika.records import Report


def read_feed(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """Entries of a feed; a malformed feed still gives the entries the parser recovered."""
    # A stream, never a str: feedparser fetches a str that looks like a URL or a file name.
    parsed = feedparser.parse(io.BytesIO(source.data))
    if not parsed.entries:
        if parsed.get("bozo"):
            raise BadInput(f"malformed feed ({parsed.get('bozo_exception')})")
        raise BadInput("feed has no entries")
    feed = parsed.get("feed", {})
    source = replace(source, encoding=_encoding(parsed.get("encoding")) or source.encoding)
    for number, entry in enumerate(parsed.entries, start=1):
        origin = f"{source.origin}#{number}"
        text = _entry_text(entry)
        if not text:
            yield ReadError(origin, "entry has no text (no content or summary)")
            continue
        link = entry.get("link")
        yield new_report(
            source,
            options,
            "feed",
            text,
            origin=origin,
            report_id=entry.get("id") or link,
            title=entry.get("title"),
            url=link,
            published=_utc(entry.get("published_parsed") or entry.get("updated_parsed")),
            outlet=feed.get("title"),
            language=entry.get("language") or feed.get("language"),
        )


def _entry_text(entry: Any) -> str:
    """Full content when the feed carries it, else the summary; markup becomes paragraphs."""
    contents = entry.get("content") or []
    detail = contents[0] if contents else entry.get("summary_detail")
    if not detail or not detail.get("value", "").strip():
        return ""
    if detail.get("type") == "text/plain":
        return str(detail["value"]).strip()
    return html_to_text(detail["value"])


def _utc(parsed: time.struct_time | None) -> datetime | None:
    """feedparser already converted the entry's time to UTC."""
    return datetime(*parsed[:6]) if parsed else None


def _encoding(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None
