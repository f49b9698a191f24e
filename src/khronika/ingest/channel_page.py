"""Public Telegram channel previews (t.me/s/<channel>): one report per post with text.

The page is markup written around untrusted post text, so only the text is kept: scripts and
styles inside a post are dropped, every other tag is reduced to the characters it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import lxml.html
from lxml import etree

from khronika.ingest.base import BadInput, Input, ReadError, ReadOptions, new_report, utc_naive
from khronika.records import Report

_PARSER = lxml.html.HTMLParser(encoding="utf-8")
_POST_REF = re.compile(r"([A-Za-z0-9_]+)/([1-9][0-9]*)")  # data-post: <channel>/<number>
_HIDDEN = ("script", "style", "noscript", "template")
_CURSOR = re.compile(r"[1-9][0-9]*")


def _has_class(name: str) -> str:
    """XPath test for one class among the space-separated many an element may carry."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_POSTS = f"//div[{_has_class('tgme_widget_message')}]"
_HEADER = f"//*[{_has_class('tgme_channel_info')}]"
_TITLE = f"//*[{_has_class('tgme_channel_info_header_title')}]"
# The post's own text: not a reply's quote of the post it answers (which shares the class), and
# the outer div when Telegram nests two with the same class.
_TEXT = (
    f".//div[{_has_class('tgme_widget_message_text')}]"
    f"[not({_has_class('js-message_reply_text')})]"
    f"[not(ancestor::*[{_has_class('tgme_widget_message_reply')}])]"
    f"[not(ancestor::div[{_has_class('tgme_widget_message_text')}])]"
)
_DATE = f".//a[{_has_class('tgme_widget_message_date')}]//time/@datetime"


def read_channel_page(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """Reports of the posts with text, in page order; media-only and service posts are not
    reports, and one malformed post is an error that leaves the others readable."""
    root = _parse(source.text)
    if root is None:
        raise BadInput("could not parse HTML")
    posts = root.xpath(_POSTS)
    if not posts and not root.xpath(_HEADER):
        raise BadInput(
            "not a Telegram channel preview page (t.me/s/…): no posts and no channel header"
        )
    outlet = _channel_title(root)
    for position, post in enumerate(posts, start=1):
        if "service_message" in post.get("class", "").split():
            continue
        text = _post_text(post)
        if not text:
            continue
        reference = post.get("data-post", "")
        matched = _POST_REF.fullmatch(reference.strip())
        if matched is None:
            yield ReadError(
                f"{source.origin}#{position}",
                f"post {position} of the page has no <channel>/<number> data-post: {reference!r}",
            )
            continue
        channel, number = matched.group(1).lower(), matched.group(2)
        origin = f"{source.origin}#{number}"
        try:
            published = _post_date(post)
        except ValueError as error:
            yield ReadError(origin, str(error))
            continue
        yield new_report(
            source,
            options,
            "channel",
            text,
            origin=origin,
            report_id=f"telegram:{channel}:{number}",
            url=f"https://t.me/{channel}/{number}",
            published=published,
            outlet=outlet,
        )


def older_page(markup: str) -> str | None:
    """The ``before`` cursor of the page's link to older posts; None on the oldest page."""
    root = _parse(markup)
    if root is None:
        return None
    for href in root.xpath("//link[@rel='prev']/@href"):
        for cursor in parse_qs(urlsplit(href).query).get("before", []):
            if _CURSOR.fullmatch(cursor):
                return cursor
    return None


def _parse(markup: str) -> lxml.html.HtmlElement | None:
    """The page's tree, or None when lxml finds no document in it."""
    try:
        return lxml.html.document_fromstring(markup.encode("utf-8"), parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None


def _channel_title(root: lxml.html.HtmlElement) -> str | None:
    """The channel's name as its header shows it, else as the page's Open Graph title."""
    for element in root.xpath(_TITLE):
        title = " ".join(element.text_content().split())
        if title:
            return title
    for content in root.xpath("//meta[@property='og:title']/@content"):
        title = " ".join(content.split())
        if title:
            return title
    return None


def _post_text(post: lxml.html.HtmlElement) -> str:
    """The post's text as its author wrote it: <br> is a line break, every tag is dropped
    and its characters kept (link text, emoji), except scripts and styles which go whole."""
    found = post.xpath(_TEXT)
    if not found:
        return ""
    element = found[0]
    for hidden in list(element.iter(*_HIDDEN)):
        hidden.drop_tree()  # its tail, the text after it, stays
    for line_break in element.iter("br"):
        line_break.tail = "\n" + (line_break.tail or "")
    # Telegram trims a post's ends, so surrounding whitespace is the page's indentation.
    return str(element.text_content()).strip()


def _post_date(post: lxml.html.HtmlElement) -> datetime:
    """When the post was published (naive UTC), from its date link; the offset is required,
    never guessed."""
    values = post.xpath(_DATE)
    if not values:
        raise ValueError("post has no date (a.tgme_widget_message_date time[datetime])")
    value = str(values[0])
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"post date is not an ISO date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"post date has no UTC offset: {value!r}")
    try:
        return utc_naive(moment)
    except OverflowError:  # year 1 or 9999 pushed out of range by its offset
        raise ValueError(f"post date is out of range in UTC: {value!r}") from None
