"""The polite fetcher against local servers: validators, redirects, limits, errors, politeness."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import khronika
from khronika.watch.fetch import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchResult,
    Validators,
    next_delay,
)

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"v1"'
MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"
BIG = 2000  # bytes of /big, sent with its Content-Length


@dataclass
class Seen:
    """One request as the server saw it; ``end`` is taken before any byte of the answer."""

    path: str
    headers: dict[str, str]
    start: float
    end: float = 0.0


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self.stop = threading.Event()  # set at teardown: slow handlers give up
        self.holding = threading.Event()  # /hold has begun
        self.released = threading.Event()  # lets /hold answer
        self.held_until_released: bool | None = None

    def reset(self) -> None:
        with self.lock:
            self.seen.clear()
        self.holding.clear()
        self.released.clear()
        self.held_until_released = None

    def paths(self, path: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if seen.path.split("?")[0] == path]

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: clients abandoning answers on purpose is what half these tests are about."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        server = self.server
        with server.lock:
            server.seen.append(seen)
        route = ROUTES.get(self.path.split("?")[0], Handler.missing)
        route(self, seen)

    def done(self, seen: Seen) -> None:
        """Marks the request handled; called before the answer goes out, so any later request
        the client makes is seen to start after this one ended."""
        seen.end = time.monotonic()

    def answer(
        self, seen: Seen, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        self.done(seen)
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, seen: Seen, status: int, location: str) -> None:
        self.answer(seen, status, headers={"Location": location})

    def feed(self, seen: Seen) -> None:
        fresh = {"ETag": ETAG, "Last-Modified": MODIFIED}
        headers = seen.headers
        # RFC 9110: If-Modified-Since counts only when If-None-Match is absent.
        tag = headers.get("if-none-match")
        if tag == ETAG or (tag is None and headers.get("if-modified-since") == MODIFIED):
            self.answer(seen, 304, headers=fresh)
        else:
            self.answer(seen, 200, FEED, {**fresh, "Content-Type": "application/rss+xml"})

    def slow(self, seen: Seen) -> None:
        self.server.stop.wait(3)
        self.answer(seen, 200, b"late")

    def big(self, seen: Seen) -> None:
        self.answer(seen, 200, b"x" * BIG)

    def endless(self, seen: Seen) -> None:
        """No Content-Length, so only reading can tell the size; stops when the client hangs up."""
        self.done(seen)
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"y" * 16384
        deadline = time.monotonic() + 3
        try:
            while time.monotonic() < deadline and not self.server.stop.is_set():
                self.wfile.write(chunk)
        except OSError:
            pass

    def work(self, seen: Seen) -> None:
        time.sleep(0.2)
        self.answer(seen, 200, b"done")

    def hold(self, seen: Seen) -> None:
        self.server.holding.set()
        self.server.held_until_released = self.server.released.wait(5)
        self.answer(seen, 200, b"held")

    def missing(self, seen: Seen) -> None:
        self.answer(seen, 404)


def _route(status: int, headers: Callable[[Handler], dict[str, str]] | dict[str, str]) -> Route:
    def route(handler: Handler, seen: Seen) -> None:
        handler.answer(seen, status, headers=headers(handler) if callable(headers) else headers)

    return route


Route = Callable[[Handler, Seen], None]
ROUTES: dict[str, Route] = {
    "/feed": Handler.feed,
    "/a301": lambda h, s: h.redirect(s, 301, "/b301"),  # relative
    "/b301": lambda h, s: h.redirect(s, 301, f"{h.server.base}/feed"),  # absolute
    "/d308": lambda h, s: h.redirect(s, 308, "feed"),  # relative to the path
    "/c302": lambda h, s: h.redirect(s, 302, "/feed"),
    "/mixed": lambda h, s: h.redirect(s, 301, "/c302"),
    "/loop": lambda h, s: h.redirect(s, 302, "/loop"),
    "/loop301": lambda h, s: h.redirect(s, 301, "/loop301"),
    "/tofile": lambda h, s: h.redirect(s, 302, "file:///etc/passwd"),
    "/togone": lambda h, s: h.redirect(s, 301, "/gone"),
    "/nolocation": _route(301, {}),
    "/gone": _route(410, {"Retry-After": "5"}),  # Retry-After means nothing on a 410
    "/busy": _route(429, {"Retry-After": "7"}),
    "/busy-date": _route(429, lambda h: {"Retry-After": formatdate(time.time() + 60, usegmt=True)}),
    "/busy-junk": _route(429, {"Retry-After": "soon"}),
    "/down": _route(503, {"Retry-After": "120"}),
    "/slow": Handler.slow,
    "/big": Handler.big,
    "/endless": Handler.endless,
    "/work": Handler.work,
    "/hold": Handler.hold,
}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Server, Server]]:
    """Two local servers: two hosts, as far as per-host politeness is concerned (other ports)."""
    pair = (Server(), Server())
    threads = [
        threading.Thread(target=one.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        for one in pair
    ]
    for thread in threads:
        thread.start()
    yield pair
    for one in pair:
        one.stop.set()
        one.released.set()
        one.shutdown()
        one.server_close()


@pytest.fixture
def server(servers: tuple[Server, Server]) -> Server:
    for one in servers:
        one.reset()
    return servers[0]


@pytest.fixture
def other(servers: tuple[Server, Server], server: Server) -> Server:
    return servers[1]


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(host_delay=0, timeout=5) as one:
        yield one


def test_feed_then_not_modified(server: Server, fetcher: Fetcher) -> None:
    url = f"{server.base}/feed"
    first = fetcher.get(url)
    assert (first.status, first.ok, first.not_modified, first.error) == (200, True, False, None)
    assert first.body == FEED and first.content_type == "application/rss+xml"
    assert first.validators == Validators(etag=ETAG, last_modified=MODIFIED)
    assert first.final_url == url and first.moved_to is None and first.seconds > 0

    second = fetcher.get(url, first.validators)
    assert (second.status, second.ok, second.not_modified, second.error) == (304, True, True, None)
    assert second.body is None and second.validators == first.validators
    conditional = server.paths("/feed")[1].headers
    assert conditional["if-none-match"] == ETAG
    assert conditional["if-modified-since"] == MODIFIED
    assert "if-none-match" not in server.paths("/feed")[0].headers


def test_last_modified_alone_gets_304(server: Server, fetcher: Fetcher) -> None:
    sent = Validators(last_modified=MODIFIED)
    result = fetcher.get(f"{server.base}/feed", sent)
    assert result.not_modified and result.validators == sent
    assert "if-none-match" not in server.paths("/feed")[0].headers


def test_changed_etag_gets_the_body(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.base}/feed", Validators(etag='"v0"'))
    assert result.status == 200 and result.body == FEED and result.validators.etag == ETAG


def test_user_agent_names_khronika(server: Server, fetcher: Fetcher) -> None:
    fetcher.get(f"{server.base}/feed")
    agent = server.paths("/feed")[0].headers["user-agent"]
    assert agent == DEFAULT_USER_AGENT
    assert agent.startswith(f"Khronika/{khronika.__version__} (+https://")
    with Fetcher(user_agent="Khronika-test/1", host_delay=0) as custom:
        custom.get(f"{server.base}/feed")
    assert server.paths("/feed")[1].headers["user-agent"] == "Khronika-test/1"


@pytest.mark.parametrize(
    ("path", "hits", "permanent"),
    [
        ("/a301", ["/a301", "/b301", "/feed"], True),
        ("/d308", ["/d308", "/feed"], True),
        ("/c302", ["/c302", "/feed"], False),
        ("/mixed", ["/mixed", "/c302", "/feed"], False),
    ],
)
def test_redirects(
    server: Server, fetcher: Fetcher, path: str, hits: list[str], permanent: bool
) -> None:
    result = fetcher.get(f"{server.base}{path}")
    assert result.status == 200 and result.body == FEED and result.error is None
    assert result.url == f"{server.base}{path}"
    assert result.final_url == f"{server.base}/feed"
    assert result.moved_to == (f"{server.base}/feed" if permanent else None)
    with server.lock:
        assert [seen.path for seen in server.seen] == hits


def test_validators_go_along_redirects(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.base}/a301", Validators(etag=ETAG))
    assert result.not_modified and result.moved_to == f"{server.base}/feed"


def test_error_after_a_redirect_names_both(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.base}/togone")
    assert result.gone and result.moved_to == f"{server.base}/gone"
    assert result.error == f"{server.base}/togone: HTTP 410 Gone (at {server.base}/gone)"


@pytest.mark.parametrize("path", ["/loop", "/loop301"])
def test_redirect_loop(server: Server, path: str) -> None:
    with Fetcher(host_delay=0, max_redirects=3) as fetcher:
        result = fetcher.get(f"{server.base}{path}")
    assert result.status == 0 and not result.ok and result.body is None
    assert result.moved_to is None
    assert result.error == f"{server.base}{path}: too many redirects (more than 3)"
    assert len(server.paths(path)) == 4


def test_redirect_to_file_is_not_followed(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.base}/tofile")
    assert result.status == 0 and result.body is None
    assert result.error is not None
    assert result.error.startswith(f"{server.base}/tofile: redirected to file:///etc/passwd")


def test_redirect_without_location_is_an_answer(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.base}/nolocation")
    assert result.status == 301 and not result.ok and result.moved_to is None
    assert result.error == f"{server.base}/nolocation: HTTP 301 Moved Permanently"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://127.0.0.1/pub/feed.xml", "scheme 'ftp'"),
        ("not a url", "no scheme"),
        ("", "no scheme"),
        ("http://", "no host"),
        ("http://[::1/feed", "invalid URL"),
        ("http://127.0.0.1:99999/feed", "invalid URL"),
    ],
)
def test_unfetchable_urls_are_errors(fetcher: Fetcher, url: str, problem: str) -> None:
    result = fetcher.get(url)
    assert result.status == 0 and result.body is None and result.url == url
    assert result.error is not None and result.error.startswith(f"{url}: ")
    assert problem in result.error and "\n" not in result.error


def test_gone(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.base}/gone")
    assert (result.status, result.gone, result.ok, result.body) == (410, True, False, None)
    assert result.error == f"{server.base}/gone: HTTP 410 Gone"
    assert result.retry_after is None


@pytest.mark.parametrize(
    ("path", "status", "phrase", "low", "high"),
    [
        ("/busy", 429, "Too Many Requests", 7.0, 7.0),
        ("/busy-date", 429, "Too Many Requests", 55.0, 61.0),  # an HTTP-date a minute ahead
        ("/busy-junk", 429, "Too Many Requests", None, None),
        ("/down", 503, "Service Unavailable", 120.0, 120.0),
    ],
)
def test_throttled_answers(
    server: Server,
    fetcher: Fetcher,
    path: str,
    status: int,
    phrase: str,
    low: float | None,
    high: float | None,
) -> None:
    result = fetcher.get(f"{server.base}{path}")
    assert result.status == status and not result.ok
    assert result.error == f"{server.base}{path}: HTTP {status} {phrase}"
    if low is None or high is None:
        assert result.retry_after is None
    else:
        assert result.retry_after is not None and low <= result.retry_after <= high


def test_timeout(server: Server) -> None:
    with Fetcher(host_delay=0, timeout=0.5) as fetcher:
        result = fetcher.get(f"{server.base}/slow")
    assert result.status == 0 and result.body is None
    assert result.error == f"{server.base}/slow: timed out after 0.5 s"
    assert result.seconds >= 0.5


def test_declared_body_too_large(server: Server) -> None:
    with Fetcher(host_delay=0, max_bytes=BIG - 1) as fetcher:
        result = fetcher.get(f"{server.base}/big")
    assert result.status == 0 and result.body is None
    assert result.error is not None and f"larger than {BIG - 1} bytes" in result.error


def test_body_at_the_limit_is_kept(server: Server) -> None:
    with Fetcher(host_delay=0, max_bytes=BIG) as fetcher:
        result = fetcher.get(f"{server.base}/big")
    assert result.status == 200 and result.body == b"x" * BIG


def test_streamed_body_abandoned_when_too_large(server: Server) -> None:
    with Fetcher(host_delay=0, max_bytes=100_000) as fetcher:
        result = fetcher.get(f"{server.base}/endless")
    assert result.status == 0 and result.body is None
    assert result.error == f"{server.base}/endless: larger than 100000 bytes"


def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed"
    result = fetcher.get(url)
    assert result.status == 0 and result.body is None and not result.ok
    assert result.error == f"{url}: connection refused"


def _together(fetcher: Fetcher, urls: list[str]) -> list[FetchResult]:
    """Calls ``get`` for every URL from its own thread, all released at the same moment."""
    start = threading.Barrier(len(urls))

    def call(url: str) -> FetchResult:
        start.wait()
        return fetcher.get(url)

    with ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(call, urls))


def test_one_request_at_a_time_per_host(server: Server, fetcher: Fetcher) -> None:
    results = _together(fetcher, [f"{server.base}/work?n={n}" for n in range(4)])
    assert all(result.status == 200 for result in results)
    seen = sorted(server.paths("/work"), key=lambda one: one.start)
    assert len(seen) == 4
    assert all(later.start >= earlier.end for earlier, later in zip(seen, seen[1:], strict=False))


def test_host_delay_between_requests(server: Server) -> None:
    with Fetcher(host_delay=0.3) as fetcher:
        results = _together(fetcher, [f"{server.base}/work?n=1", f"{server.base}/work?n=2"])
    assert all(result.status == 200 and result.seconds >= 0.2 for result in results)
    first, second = sorted(server.paths("/work"), key=lambda one: one.start)
    assert second.start - first.end >= 0.3


def test_waiting_for_the_host_is_not_counted(server: Server) -> None:
    with Fetcher(host_delay=0.5) as fetcher:
        fetcher.get(f"{server.base}/work")
        result = fetcher.get(f"{server.base}/feed")
        returned = time.monotonic()
    # The second request cannot have started before the first ended plus the gap.
    (first,) = server.paths("/work")
    assert result.status == 200
    assert result.seconds <= returned - (first.end + 0.5) + 1e-6


def test_other_hosts_are_not_blocked(server: Server, other: Server) -> None:
    with Fetcher(host_delay=5) as fetcher, ThreadPoolExecutor(1) as pool:
        held = pool.submit(fetcher.get, f"{server.base}/hold")
        assert server.holding.wait(5)
        elsewhere = fetcher.get(f"{other.base}/feed")  # while /hold is still waiting
        server.released.set()
        assert held.result().status == 200
    assert elsewhere.status == 200
    assert server.held_until_released is True  # the other host answered while /hold waited


@pytest.mark.parametrize(
    ("interval", "errors", "retry_after", "cap", "delay"),
    [
        (60, 0, None, 3600, 60),  # healthy
        (60, 1, None, 3600, 120),
        (60, 3, None, 3600, 480),
        (60, 6, None, 3600, 3600),  # 3840 capped
        (60, 10_000, None, 3600, 3600),  # no overflow however long it fails
        (7200, 0, None, 3600, 7200),  # an interval above the cap is kept
        (7200, 4, None, 3600, 7200),
        (60, 2, None, 100, 100),
        (60, 0, 300, 3600, 300),  # the server asked for longer
        (60, 2, 30, 3600, 240),  # backoff already longer than asked
        (60, 10, 7200, 3600, 7200),  # Retry-After beyond the cap still honoured
        (0.5, 1, None, 3600, 1.0),
    ],
)
def test_next_delay(
    interval: float, errors: int, retry_after: float | None, cap: float, delay: float
) -> None:
    assert next_delay(interval, errors, retry_after, cap) == delay


def test_next_delay_defaults() -> None:
    assert next_delay(300, 0) == 300
    assert next_delay(300, 5) == 3600
    assert next_delay(300, 1, retry_after=7) == 600
