"""A local web site for the watcher's tests and benchmarks: feeds, channel previews and pages
served from a dict that the test changes while the server runs, on 127.0.0.1 only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from hashlib import sha256
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """What one path answers: a body (with an ETag from its content) or a bare status."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Site:
    base: str
    pages: dict[str, Answer | Callable[[], Answer]]
    hits: list[tuple[str, dict[str, str]]]  # path and request headers, in order

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        return sum(1 for hit, _ in self.hits if hit == path)


@contextmanager
def serving() -> Iterator[Site]:
    pages: dict[str, Answer | Callable[[], Answer]] = {}
    hits: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append((self.path, dict(self.headers)))
            page = pages.get(self.path)
            answer = page() if callable(page) else page
            if answer is None:
                answer = Answer(b"not here", 404, "text/plain")
            if answer.delay:
                time.sleep(answer.delay)
            etag = '"' + sha256(answer.body).hexdigest()[:16] + '"'
            if answer.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(answer.status)
            if answer.status == 200:
                self.send_header("ETag", etag)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", pages, hits)
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    text: str
    published: datetime
    link: str = ""


def rss(items: list[Item], title: str = "Test Wire") -> Answer:
    """An RSS 2.0 feed of ``items``, newest first as feeds list them."""
    entries = "".join(
        f"<item><guid>{escape(i.guid)}</guid><title>{escape(i.title)}</title>"
        f"<link>{escape(i.link or 'http://example.invalid/' + i.guid)}</link>"
        f"<pubDate>{format_datetime(i.published.replace(tzinfo=UTC))}</pubDate>"
        f"<description>{escape(i.text)}</description></item>"
        for i in sorted(items, key=lambda i: i.published, reverse=True)
    )
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.invalid/</link>"
        f"<description>wire</description>{entries}</channel></rss>"
    )
    return Answer(body.encode("utf-8"))


def channel_page(name: str, title: str, posts: list[tuple[int, datetime, str]]) -> Answer:
    """A page shaped like a public channel preview (t.me/s/NAME), posts oldest first."""
    blocks = "".join(
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message" '
        f'data-post="{name}/{number}"><div class="tgme_widget_message_text">'
        f"{escape(text).replace(chr(10), '<br>')}</div>"
        f'<div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" '
        f'href="https://t.me/{name}/{number}"><time datetime="'
        f'{when.replace(tzinfo=UTC).isoformat()}">{when:%H:%M}</time></a></div></div></div>'
        for number, when, text in posts
    )
    body = (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
        f'<div class="tgme_channel_info"><div class="tgme_channel_info_header_title">'
        f"{escape(title)}</div></div>{blocks}</body></html>"
    )
    return Answer(body.encode("utf-8"), content_type="text/html; charset=utf-8")


def article(title: str, paragraphs: list[str], published: datetime) -> Answer:
    """A news article page: navigation and footer around the story, as sites have."""
    story = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    body = (
        f"<!DOCTYPE html><html lang='en'><head><title>{escape(title)}</title>"
        f'<meta property="article:published_time" content="{published.isoformat()}Z"></head>'
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{story}</article>"
        f"<footer>Copyright Test Wire. All rights reserved.</footer></body></html>"
    )
    return Answer(body.encode("utf-8"), content_type="text/html; charset=utf-8")
