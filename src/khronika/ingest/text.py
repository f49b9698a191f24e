"""Plain text and Markdown: the text is kept exactly; a date line or front matter adds metadata.

A file's report id is the one its front matter states, else one made from the file's identity
(source and path under the input root), never from its content: an edited file is a revision
of the same report, not a second report telling its event twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime

from khronika.ingest.base import Input, ReadOptions, new_report
from khronika.ingest.parse import date_or_warning
from khronika.records import Report

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$", re.DOTALL | re.MULTILINE)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_]+)[ \t]*:[ \t]*(.*?)[ \t]*$")
_DATE_LINE = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})(?![\d-])", re.IGNORECASE)
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")
_MARKDOWN_SUFFIXES = (".md", ".markdown")


def read_text(source: Input, options: ReadOptions) -> Iterator[Report]:
    """One report per file; ``text`` is the decoded file content, unaltered."""
    fields, body = _front_matter(source.text)
    lines = [line for line in body.splitlines() if line.strip()]
    warnings: list[str] = []
    published = _date_field(fields, ("date", "published"), warnings)
    if lines and (match := _DATE_LINE.match(lines[0])):
        published = published or _date_field(
            {"date line": match.group(1)}, ("date line",), warnings
        )
        lines = lines[1:]
    title = fields.get("title")
    if not title and lines and source.origin.lower().endswith(_MARKDOWN_SUFFIXES):
        heading = _HEADING.match(lines[0].strip())
        title = heading.group(1) if heading else None
    yield new_report(
        source,
        options,
        "text",
        source.text,
        report_id=fields.get("id") or file_id(source.identity, options.source),
        title=title,
        url=fields.get("url"),
        published=published,
        outlet=fields.get("source"),
        language=fields.get("lang") or fields.get("language"),
        warnings=warnings,
    )


def file_id(identity: str | None, outlet: str | None) -> str | None:
    """The id of a file without one of its own; None (an id from content) for standard input."""
    if identity is None:
        return None
    digest = hashlib.sha256(
        f"{outlet or ''}\n{identity}".encode("utf-8", "surrogateescape")  # any file name
    ).hexdigest()
    return f"f-{digest[:16]}"


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Fields of a leading ``---`` block and the text after it; no block gives ({}, text)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        if found := _FRONT_MATTER_LINE.match(line):
            fields[found.group(1).lower()] = found.group(2).strip("\"'")
    return fields, text[match.end() :]


def _date_field(
    fields: dict[str, str], names: tuple[str, ...], warnings: list[str]
) -> datetime | None:
    """The first named date field that is set, parsed (one that does not parse is a warning)."""
    name = next((name for name in names if fields.get(name)), None)
    return date_or_warning(fields[name], name, warnings) if name else None
