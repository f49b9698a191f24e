"""The polite HTTP fetcher the watcher polls its sources with.

One request at a time per host with a gap between them, conditional requests so an unchanged
source costs a 304, redirects followed by hand so a permanent move can be stored, and every
failure returned as one line instead of raised: a watcher polling hundreds of sources must not
stop for one bad host.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Self

import httpx

import khronika

DEFAULT_USER_AGENT = (
    f"Khronika/{khronika.__version__} "
    "(+https://github.com/khronika/khronika; conflict event monitor)"
)

_SCHEMES = ("http", "https")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_THROTTLED = frozenset({429, 503})  # the answers whose Retry-After the watcher must honour


@dataclass(frozen=True)
class Validators:
    """What the last 200 said about its body, sent back so an unchanged source answers 304."""

    etag: str | None = None
    last_modified: str | None = None


_NONE_SENT = Validators()


@dataclass(frozen=True)
class FetchResult:
    """One poll's outcome; failures are values too, so a caller never needs a try block."""

    url: str  # the URL that was asked for
    status: int  # final HTTP status; 0 when no answer came (network error, timeout, too large)
    body: bytes | None  # the body of a 200, verbatim (None otherwise)
    content_type: str | None
    validators: Validators  # from the 200's ETag / Last-Modified; otherwise the ones sent
    final_url: str  # the URL the answer came from after redirects
    moved_to: str | None  # every hop permanent (301/308): the URL to store instead
    retry_after: float | None  # seconds, from Retry-After on 429/503
    error: str | None  # one line naming the URL and the problem, for anything but 200/304
    seconds: float  # wall time of the request (waiting for the host not included)

    @property
    def ok(self) -> bool:
        return self.status in (200, 304)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def gone(self) -> bool:
        """410: the publisher says the source is gone for good, so the watcher can retire it."""
        return self.status == 410


class _Failed(Exception):
    """A hop that got no usable answer; becomes a status-0 FetchResult in ``get``."""

    def __init__(self, problem: str, seconds: float = 0.0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.seconds = seconds


@dataclass
class _Host:
    """One host's turn: the lock that serialises its requests and when the next may start."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    ready_at: float = 0.0  # time.monotonic() before which the host is left alone


@dataclass(frozen=True)
class _Answer:
    """What ``get`` needs of one hop's response once its connection is released."""

    status: int
    status_line: str  # "HTTP 503 Service Unavailable"
    headers: httpx.Headers
    body: bytes | None
    seconds: float


class Fetcher:
    """Thread-safe; one request at a time per host, at least `host_delay` seconds between the end
    of one request to a host and the start of the next; a User-Agent naming Khronika.

    ``timeout`` bounds connecting and every read, and one response's whole body as well, so a
    server trickling bytes cannot hold a worker (and its host's turn) for long.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 20.0,
        host_delay: float = 1.0,
        max_bytes: int = 10_000_000,
        max_redirects: int = 5,
    ) -> None:
        self.timeout = timeout
        self.host_delay = host_delay
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        # Redirects are followed by hand: only then is it known whether every hop was permanent.
        self._client = httpx.Client(
            follow_redirects=False, timeout=timeout, headers={"User-Agent": user_agent}
        )
        self._hosts: dict[tuple[str, str, int], _Host] = {}
        self._hosts_lock = threading.Lock()

    def get(self, url: str, validators: Validators = _NONE_SENT) -> FetchResult:
        """Fetch ``url``; nothing the network, the server or the URL does makes this raise."""
        headers = _conditional_headers(validators)
        current, seconds = url, 0.0
        hops: list[int] = []  # the status of each redirect followed
        try:
            while True:
                target = _http_url(current)
                answer = self._exchange(target, headers)
                seconds += answer.seconds
                location = answer.headers.get("location")
                if answer.status not in _REDIRECTS or location is None:
                    break
                if len(hops) >= self.max_redirects:
                    raise _Failed(f"too many redirects (more than {self.max_redirects})")
                hops.append(answer.status)
                current = _redirect_target(target, location)
        except _Failed as failure:
            return FetchResult(
                url=url,
                status=0,
                body=None,
                content_type=None,
                validators=validators,
                final_url=current,
                moved_to=None,
                retry_after=None,
                error=_line(url, failure.problem, current),
                seconds=seconds + failure.seconds,
            )
        status = answer.status
        return FetchResult(
            url=url,
            status=status,
            body=answer.body,
            content_type=answer.headers.get("content-type"),
            validators=(
                Validators(answer.headers.get("etag"), answer.headers.get("last-modified"))
                if status == 200
                else validators
            ),
            final_url=current,
            moved_to=current if hops and _PERMANENT.issuperset(hops) else None,
            retry_after=(
                _retry_after(answer.headers.get("retry-after")) if status in _THROTTLED else None
            ),
            error=None if status in (200, 304) else _line(url, answer.status_line, current),
            seconds=seconds,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _host(self, target: httpx.URL) -> _Host:
        key = (target.scheme, target.host, target.port or (443 if target.scheme == "https" else 80))
        with self._hosts_lock:
            return self._hosts.setdefault(key, _Host())

    def _exchange(self, target: httpx.URL, headers: dict[str, str]) -> _Answer:
        """One request in its host's turn: wait out the gap, ask, release the turn."""
        host = self._host(target)
        with host.lock:
            pause = host.ready_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            started = time.monotonic()
            try:
                return self._ask(target, headers, started)
            except _Failed as failure:
                failure.seconds = time.monotonic() - started
                raise
            finally:
                host.ready_at = time.monotonic() + self.host_delay

    def _ask(self, target: httpx.URL, headers: dict[str, str], started: float) -> _Answer:
        try:
            with self._client.stream("GET", target, headers=headers) as response:
                status = response.status_code
                body = self._read(response, started) if status == 200 else None
                reason = response.reason_phrase or _phrase(status)
                return _Answer(
                    status=status,
                    status_line=f"HTTP {status} {reason}".rstrip(),
                    headers=response.headers,
                    body=body,
                    seconds=time.monotonic() - started,
                )
        except httpx.TimeoutException:
            raise _Failed(f"timed out after {self.timeout:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            raise _Failed(_network_problem(exc)) from None

    def _read(self, response: httpx.Response, started: float) -> bytes:
        """The body, abandoned as soon as it outgrows ``max_bytes`` or the deadline."""
        declared = response.headers.get("content-length", "")
        # A compressed body's Content-Length says nothing certain about the decoded size.
        plain = "content-encoding" not in response.headers
        if plain and re.fullmatch(r"[0-9]+", declared) and int(declared) > self.max_bytes:
            raise _Failed(f"larger than {self.max_bytes} bytes (Content-Length {declared})")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise _Failed(f"larger than {self.max_bytes} bytes")
            if time.monotonic() - started > self.timeout:
                raise _Failed(f"timed out after {self.timeout:g} s (body still arriving)")
            chunks.append(chunk)
        return b"".join(chunks)


def next_delay(
    interval: float, errors: int, retry_after: float | None = None, cap: float = 3600.0
) -> float:
    """Seconds until the next poll of a source after `errors` consecutive failures (0 = healthy:
    `interval`): exponential backoff interval*2**errors capped at max(cap, interval), never below
    retry_after when the server gave one."""
    # The exponent is bounded so a source failing for months cannot overflow the float.
    delay = min(interval * 2.0 ** min(max(errors, 0), 64), max(cap, interval))
    return delay if retry_after is None else max(delay, retry_after)


def _conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _http_url(text: str) -> httpx.URL:
    """``text`` as an absolute http(s) URL; anything else is refused before a socket opens."""
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise _Failed(f"invalid URL ({exc})") from None
    if url.scheme not in _SCHEMES:
        shown = f"scheme {url.scheme!r}" if url.scheme else "no scheme"
        raise _Failed(f"not fetched: {shown}, only http and https are")
    if not url.host:
        raise _Failed("invalid URL (no host)")
    if url.port is not None and not 0 < url.port < 65536:
        raise _Failed(f"invalid URL (port {url.port})")
    return url


def _redirect_target(base: httpx.URL, location: str) -> str:
    """The next hop, resolved against the current one; a non-http(s) target named as sent."""
    try:
        resolved = base.join(location)
    except httpx.InvalidURL as exc:
        raise _Failed(f"redirected to an invalid URL {location!r} ({exc})") from None
    if resolved.scheme not in _SCHEMES:
        raise _Failed(f"redirected to {location}, not fetched: only http and https are")
    return str(resolved)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date; None when unreadable."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _network_problem(exc: BaseException) -> str:
    """The commonest failures in plain words, found down the chain of wrapped exceptions."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve host ({cause.strerror})"
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _line(url: str, problem: str, at: str) -> str:
    """``url: problem``, naming the hop that failed when a redirect led elsewhere; one line."""
    message = f"{url}: {problem}" if at == url else f"{url}: {problem} (at {at})"
    return " ".join(message.split())
