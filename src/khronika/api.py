"""The Python API: what the CLI does, callable from a notebook."""

from __future__ import annotations

from datetime import datetime

from khronika.ingest.parse import parse_published
from khronika.pipeline import extract_report
from khronika.records import Event, Report, content_id


def extract(
    text: str,
    published: str | datetime | None = None,
    source: str | None = None,
    lang: str | None = None,
    report_id: str | None = None,
) -> list[Event]:
    """Events in ``text``, main event first; dates resolve against ``published``."""
    when = parse_published(published) if isinstance(published, str) else published
    report = Report(
        id=report_id or content_id(text),
        text=text,
        published=when,
        source=source,
        language=lang,
        format="text",
    )
    return extract_report(report).events
