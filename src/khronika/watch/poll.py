"""One poll of one source: fetch (or scan), read the reports out, and say what the source's
state is now. Runs in a worker thread and touches no store: the watcher stores the outcome,
the raw bodies and the reports together in one transaction.
"""

from __future__ import annotations

import hashlib
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from khronika.ingest import ReadError, ReadOptions, file_identity, read_bytes, walk_files
from khronika.records import Report
from khronika.store import SourceState
from khronika.watch.config import SourceConfig
from khronika.watch.fetch import Fetcher, FetchResult, Validators, next_delay

MAX_ARTICLES = 50  # article pages fetched per poll of a feed; the rest wait for the next
SETTLE_SECONDS = 2.0  # a file changed this recently may still be being written
_ENTRY = " entry:"  # in a page source's item digest: what the article's feed entry said
_FORMATS = {"rss": "feed", "telegram": "channel"}


@dataclass(frozen=True)
class Raw:
    """A body as the network gave it, kept verbatim."""

    url: str
    status: int
    content_type: str | None
    body: bytes


@dataclass
class PollResult:
    """What one poll found; ``state`` is the source's state after it."""

    source: SourceConfig
    state: SourceState
    reports: list[Report] = field(default_factory=list)  # oldest first, the order to store
    errors: list[str] = field(default_factory=list)  # unreadable items (the source is fine)
    raws: list[Raw] = field(default_factory=list)
    items: dict[str, str] = field(default_factory=dict)  # key -> digest to remember
    settling: list[str] = field(default_factory=list)  # files changed too recently to read yet
    failure: str | None = None  # the poll itself failed (network, HTTP): state.errors grew


def now_iso() -> str:
    """Now, to the second: when a source was fetched or an item seen."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def later(seconds: float = 0.0) -> str:
    """``seconds`` from now (now by default) to the millisecond, the form of ``next_poll``
    that the scheduler compares as text."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds")


def poll(
    source: SourceConfig, state: SourceState, known: dict[str, str], fetcher: Fetcher
) -> PollResult:
    """Poll once; never raises for a source's fault (it becomes ``failure`` and backoff)."""
    result = PollResult(source, replace(state, last_fetch=now_iso()))
    if source.kind == "folder":
        _scan_folder(result, known)
        result.state.last_status = None
    else:
        _fetch(result, known, fetcher)
    if result.failure is None:
        result.state.next_poll = later(source.interval)
    result.reports.sort(key=_oldest_first)
    return result


def _oldest_first(report: Report) -> tuple[bool, datetime]:
    return report.published is None, report.published or datetime.min


def _options(source: SourceConfig, fmt: str | None) -> ReadOptions:
    return ReadOptions(format=fmt, lang=source.language, source=source.outlet)


def _fetch(result: PollResult, known: dict[str, str], fetcher: Fetcher) -> None:
    state = result.state
    answer = fetcher.get(state.url, Validators(state.etag, state.last_modified))
    state.last_status = answer.status
    if answer.moved_to:
        state.url = answer.moved_to
    if answer.gone:
        state.paused = f"the source is gone (HTTP 410) since {state.last_fetch}"
        _failed(result, answer.error or f"{state.url}: HTTP 410 Gone", None)
        return
    if not answer.ok:
        _failed(result, answer.error or f"{state.url}: HTTP {answer.status}", answer.retry_after)
        return
    state.errors, state.last_error, state.last_ok = 0, None, state.last_fetch
    if answer.not_modified or answer.body is None:
        return
    state.etag, state.last_modified = answer.validators.etag, answer.validators.last_modified
    result.raws.append(Raw(answer.final_url, answer.status, answer.content_type, answer.body))
    source = result.source
    if source.kind == "page":
        _read_page(result, answer, known, fetcher)
        return
    _add(result, read_bytes(answer.body, answer.final_url, _options(source, _FORMATS[source.kind])))
    if source.kind == "telegram" and result.reports:
        numbers = [int(r.id.rsplit(":", 1)[-1]) for r in result.reports if r.id.count(":") == 2]
        state.cursor = str(max([*numbers, int(state.cursor or 0)]))


def _failed(result: PollResult, message: str, retry_after: float | None) -> None:
    state = result.state
    state.errors += 1
    state.last_error = message
    result.failure = message
    state.next_poll = later(next_delay(result.source.interval, state.errors, retry_after))


def _add(result: PollResult, items: Iterator[Report | ReadError]) -> None:
    for item in items:
        if isinstance(item, Report):
            result.reports.append(item)
        else:
            result.errors.append(str(item))


def _read_page(
    result: PollResult, answer: FetchResult, known: dict[str, str], fetcher: Fetcher
) -> None:
    """A feed's entries read from their article pages; any other page is one report, its id
    the configured URL so a changed page is a revision. An article is read again when its
    feed entry changes (a corrected story): the store keeps a changed text as a revision."""
    assert answer.body is not None
    entries = list(read_bytes(answer.body, answer.final_url, _options(result.source, "feed")))
    if not any(isinstance(entry, Report) for entry in entries):
        page = read_bytes(answer.body, answer.final_url, _options(result.source, "html"))
        _add(
            result,
            (
                replace(r, id=f"page:{result.state.configured}") if isinstance(r, Report) else r
                for r in page
            ),
        )
        return
    fetched = 0
    for entry in entries:
        if not isinstance(entry, Report):
            result.errors.append(str(entry))
            continue
        link = entry.url
        if not link:
            continue
        entry_mark = _ENTRY + hashlib.sha256(f"{entry.title}\n{entry.text}".encode()).hexdigest()
        before = known.get(link)
        if before is not None and (_ENTRY not in before or before.endswith(entry_mark)):
            continue  # read, and its entry has not changed since (or was read before we knew)
        if fetched >= MAX_ARTICLES:
            break
        fetched += 1
        result.reports.append(_article(result, entry, link, fetcher))
        result.items[link] = f"{result.items.get(link, 'unread')}{entry_mark}"


def _article(result: PollResult, entry: Report, link: str, fetcher: Fetcher) -> Report:
    """The entry read from its article page (main text by trafilatura); the feed's own text
    when the page cannot be read, so the entry is never lost."""
    answer = fetcher.get(link)
    if answer.ok and answer.body is not None:
        result.raws.append(Raw(answer.final_url, answer.status, answer.content_type, answer.body))
        result.items[link] = hashlib.sha256(answer.body).hexdigest()
        for item in read_bytes(answer.body, link, _options(result.source, "html")):
            if isinstance(item, Report):
                return replace(
                    item,
                    id=entry.id,
                    url=link,
                    title=entry.title or item.title,
                    published=item.published or entry.published,
                    source=entry.source or item.source,
                )
            result.errors.append(f"{item}; kept the feed's text")
    else:
        result.errors.append(f"{answer.error or link}; kept the feed's text")
        result.items[link] = "unread"
    return entry


def _scan_folder(result: PollResult, known: dict[str, str]) -> None:
    """New or changed files, in name order (hidden ones skipped), read as ``ingest`` reads
    them; a file's size and modification time spare reading an unchanged one again."""
    root = Path(result.source.location)
    if not root.is_dir():
        _failed(result, f"{root}: not a directory (moved or removed?)", None)
        return
    settled = time.time() - SETTLE_SECONDS
    for path in walk_files(root):
        if isinstance(path, ReadError):
            result.errors.append(str(path))
            continue
        try:
            info = path.stat()
        except OSError as error:
            result.errors.append(f"{path}: cannot access: {error.strerror or error}")
            continue
        if not stat.S_ISREG(info.st_mode):
            continue  # a socket or a pipe is no report (ingest says so; a watch waits)
        key = str(path.relative_to(root))
        signature = f"{info.st_size}:{info.st_mtime_ns}"
        before = known.get(key, "")
        if before.startswith(signature + ":"):
            continue
        if info.st_mtime > settled:
            result.settling.append(key)  # read at the next poll, once it has stopped changing
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            result.errors.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        digest = hashlib.sha256(data).hexdigest()
        result.items[key] = f"{signature}:{digest}"
        if before.endswith(":" + digest):
            continue  # touched, not changed
        options = _options(result.source, None)
        _add(result, read_bytes(data, str(path), options, file_identity(root, path)))
    result.state.errors, result.state.last_error = 0, None
    result.state.last_ok = result.state.last_fetch
