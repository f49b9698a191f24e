"""HTML pages: the article's main text via trafilatura, metadata from the page's own tags."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from trafilatura.settings import Document

from khronika.ingest.base import BadInput, Input, ReadOptions, new_report
from khronika.ingest.markup import html_to_text
from khronika.ingest.parse import parse_date_value
from khronika.ingest.text import file_id
from khronika.records import Report

# htmldate's extensive search reads dates out of the article body (an event's date is not the
# publication date), so only the page's own markup is trusted.
_DATE_SEARCH = {"extensive_search": False, "original_date": True}
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


@dataclass(frozen=True)
class _PageTags:
    """Metadata the page states itself in <head> and <time>."""

    published: datetime | None
    url: str | None
    site_name: str | None
    language: str | None


def read_html(source: Input, options: ReadOptions) -> Iterator[Report]:
    """One report per page; its text is the main article text, not the page's markup."""
    tags = _page_tags(source.text)
    try:
        extracted = trafilatura.bare_extraction(
            source.text,
            with_metadata=True,
            include_comments=False,
            date_extraction_params=_DATE_SEARCH,
        )
    except Exception as error:  # a third-party parser failing on odd markup is bad input
        raise BadInput(f"could not parse HTML: {error}") from None
    found: dict[str, Any] = extracted.as_dict() if isinstance(extracted, Document) else {}
    text = (found.get("text") or "").strip() or html_to_text(source.text, only="p")
    if not text:
        raise BadInput("no article text found")
    site_name = tags.site_name
    if not site_name and found.get("sitename") != found.get("hostname"):
        site_name = found.get("sitename")
    yield new_report(
        source,
        options,
        "html",
        text,
        report_id=file_id(source.identity, options.source),
        title=found.get("title"),
        url=tags.url or found.get("url"),
        published=tags.published or _first_date([found["date"]] if found.get("date") else []),
        outlet=site_name,
        language=tags.language,
    )


def _page_tags(markup: str) -> _PageTags:
    """Publication time, canonical URL, site name and language as the page declares them."""
    try:
        root = lxml.html.document_fromstring(markup.encode("utf-8"), parser=_PARSER)
    except Exception:  # lxml refuses some documents; trafilatura may still read them
        return _PageTags(None, None, None, None)
    return _PageTags(
        published=_first_date(
            root.xpath("//meta[@property='article:published_time']/@content")
            + root.xpath("//time/@datetime")
        ),
        url=_first(
            root.xpath("//link[@rel='canonical']/@href")
            + root.xpath("//meta[@property='og:url']/@content")
        ),
        site_name=_first(root.xpath("//meta[@property='og:site_name']/@content")),
        language=_first(root.xpath("/html/@lang")),
    )


def _first(values: list[str]) -> str | None:
    return next((value.strip() for value in values if value.strip()), None)


def _first_date(values: list[str]) -> datetime | None:
    """The first value that parses as a date; pages often carry malformed ones beside good."""
    for value in values:
        try:
            return parse_date_value(value)
        except ValueError:
            continue
    return None
