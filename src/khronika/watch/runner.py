"""The watcher: polls each source when it is due, in worker threads, and takes every poll's
outcome through a durable pipeline in the main thread, which alone writes the store:

1. fetched: the poll's raw bodies, its reports (stored ``pending``), the items it read and the
   source's new validators and cursor, in one transaction: all of a poll or none of it;
2. extracted and linked: every ``pending`` report, in the order stored, in commit batches.

A crash (even ``kill -9``) between or inside these steps loses nothing and doubles nothing: a
poll not committed is fetched again (its validators did not advance), a stored report is kept
once by its id and text, and a report stored but not extracted is extracted at the next start.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

from khronika.ingest_run import Extractor, extract_pending
from khronika.store import SourceState, Store, transient_errors
from khronika.watch.config import SourceConfig, WatchConfig
from khronika.watch.fetch import Fetcher, next_delay
from khronika.watch.poll import PollResult, later, now_iso, poll

IDLE_SECONDS = 0.5  # the longest the loop sleeps before looking at the clock again
# Extraction runs in slices this long (each committed), with the polls that finished kept in
# between: a backlog never holds up storing what was fetched, which a feed's window may drop.
EXTRACT_SLICE = 0.5
KEEP_ERRORS = 1000
# A store another writer holds past the lock retries: extraction waits this long, doubling
# each time it is still busy, up to the longest wait.
BUSY_WAIT = 1.0
BUSY_WAIT_LONGEST = 60.0


@dataclass
class WatchSummary:
    """What the watcher did, for the ``--once`` line and the log."""

    polled: int = 0
    failed: int = 0
    paused: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    unreadable: int = 0
    settling: int = 0
    mentions: int = 0
    extraction_failed: int = 0
    errors: list[str] = field(default_factory=list)

    def note(self, error: str) -> None:
        """Keep an error line; only the latest ``KEEP_ERRORS`` (a watcher runs for months)."""
        self.errors.append(error)
        del self.errors[:-KEEP_ERRORS]

    def line(self) -> str:
        paused = f", {self.paused} paused" if self.paused else ""
        broken = f", {self.extraction_failed} failed extraction" if self.extraction_failed else ""
        settling = (
            f", {self.settling} file{'' if self.settling == 1 else 's'} still being written"
            " (left for the next poll)"
            if self.settling
            else ""
        )
        return (
            f"{self.polled} polls ({self.failed} failed{paused}): {self.new} new, "
            f"{self.revised} revised, {self.unchanged} unchanged reports, "
            f"{self.unreadable} unreadable{broken}{settling}; "
            f"{self.mentions} mentions stored and linked"
        )


def _log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Watcher:
    """Polls the configured sources into one store until stopped (or once, for cron)."""

    def __init__(
        self,
        config: WatchConfig,
        store: Store,
        extractor: Extractor | None = None,
        log: Callable[[str], None] = _log_to_stderr,
    ) -> None:
        self.config, self.store, self.extractor, self.log = config, store, extractor, log
        self.sources = {source.id: source for source in config.sources}
        self.states = {source.id: self._state_of(source) for source in config.sources}
        self.summary = WatchSummary()
        self._busy_waits = 0  # extraction slices in a row the store was too busy for
        self._extract_after = 0.0  # time.monotonic() before which extraction waits

    def _state_of(self, source: SourceConfig) -> SourceState:
        """The stored state, unless the config now names another kind or location: then a
        fresh one (the old validators and cursor belong to the old source)."""
        stored = self.store.source_state(source.id)
        if (
            stored is not None
            and stored.kind == source.kind
            and stored.configured == source.location
        ):
            return stored
        return SourceState(source.id, source.kind, source.location, source.location)

    def run(self, once: bool = False, stop: threading.Event | None = None) -> WatchSummary:
        """Poll until ``stop`` is set; with ``once``, poll each source once (those in error
        backoff excepted) and return."""
        stop = stop or threading.Event()
        backlog = True  # what a previous run stored and did not extract is extracted first
        settings = self.config.settings
        fetcher = Fetcher(
            user_agent=settings.user_agent,
            timeout=settings.timeout,
            host_delay=settings.host_delay,
            max_bytes=settings.max_bytes,
        )
        waiting = {sid for sid, state in self.states.items() if self._pollable(state, once)}
        for sid, state in self.states.items():
            if state.paused:
                self.summary.paused += 1
                self.log(f"{sid}: paused: {state.paused} (`khronika sources --resume {sid}`)")
        inflight: dict[Future[PollResult], str] = {}
        pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="khronika-poll")
        try:
            while not stop.is_set():
                for sid in self._due(waiting if once else None, inflight):
                    waiting.discard(sid)
                    future = pool.submit(
                        poll,
                        self.sources[sid],
                        replace(self.states[sid]),
                        self._known(sid),
                        fetcher,
                    )
                    inflight[future] = sid
                if once and not waiting and not inflight and not backlog:
                    break
                # Polls under way are waited for (and kept) before extraction, which stops for
                # the next one that finishes.
                may_extract = time.monotonic() >= self._extract_after
                idle = 0 if backlog and may_extract and not inflight else IDLE_SECONDS
                if inflight:
                    done, _ = wait(inflight, timeout=idle, return_when=FIRST_COMPLETED)
                else:  # wait() on no futures returns at once: the loop would spin a core
                    done = set()
                    stop.wait(idle)
                for future in done:
                    self._keep(inflight.pop(future), future)
                if (done or backlog) and time.monotonic() >= self._extract_after:
                    backlog = self._extract(lambda: any(f.done() for f in inflight), once)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # uncommitted polls are redone
            fetcher.close()
        return self.summary

    def _pollable(self, state: SourceState, once: bool) -> bool:
        # In backoff, even --once leaves a source alone: cron must not hammer a failing host.
        backoff = bool(once and state.errors and (state.next_poll or "") > later())
        return not state.paused and not backoff

    def _due(self, only: set[str] | None, inflight: dict[Future[PollResult], str]) -> list[str]:
        busy = set(inflight.values())
        now = later()
        return [
            sid
            for sid, state in self.states.items()
            if sid not in busy
            and not state.paused
            and (sid in only if only is not None else not state.next_poll or state.next_poll <= now)
        ]

    def _known(self, sid: str) -> dict[str, str]:
        if self.sources[sid].kind in ("folder", "page"):
            return self.store.source_items(sid)
        return {}

    def _keep(self, sid: str, future: Future[PollResult]) -> None:
        """Step 1: the poll's reports, bodies, items and state in one transaction. Bodies are
        kept only from polls that gave new or revised reports: an unchanged feed polled all
        day would otherwise fill the store with copies of the same entries."""
        try:
            result = future.result()
        except Exception as error:  # a bug in a poller must not stop the others
            self._poll_failed(sid, f"{sid}: poll failed: {type(error).__name__}: {error}")
            return
        counts = {"new": 0, "revised": 0, "unchanged": 0}
        state = result.state
        try:
            with self.store.transaction():
                for report in result.reports:
                    counts[self.store.store_report(report)] += 1
                fresh = counts["new"] + counts["revised"]
                seen = state.last_fetch or now_iso()
                for raw in result.raws if fresh else ():
                    self.store.add_fetch(sid, raw.url, seen, raw.status, raw.content_type, raw.body)
                for key, digest in result.items.items():
                    self.store.save_source_item(sid, key, digest, seen)
                state.items += fresh
                if fresh:
                    state.last_new = state.last_fetch
                self.store.save_source_state(state)
        except transient_errors() as error:  # locked too long, disk full: try again later
            self._poll_failed(sid, f"{sid}: could not store the poll: {error}")
            return
        self.states[sid] = state
        self._count(sid, result, counts)

    def _poll_failed(self, sid: str, message: str) -> None:
        """A poll whose outcome could not be kept: nothing of it is stored, so it is simply
        polled again, after a backoff (kept in memory: the store may be what failed)."""
        state = self.states[sid]
        state.errors += 1
        state.last_error = message
        state.next_poll = later(next_delay(self.sources[sid].interval, state.errors))
        self.summary.polled += 1
        self.summary.failed += 1
        self.summary.note(message)
        self.log(message)

    def _count(self, sid: str, result: PollResult, counts: dict[str, int]) -> None:
        summary = self.summary
        summary.polled += 1
        summary.new += counts["new"]
        summary.revised += counts["revised"]
        summary.unchanged += counts["unchanged"]
        summary.unreadable += len(result.errors)
        summary.settling += len(result.settling)
        for error in result.errors:
            summary.note(error)
            self.log(f"{sid}: {error}")
        if result.failure is not None:
            summary.failed += 1
            summary.note(result.failure)
            wait_until = result.state.next_poll or "?"
            self.log(
                f"{sid}: {result.failure} (error {result.state.errors}; next try {wait_until})"
            )
            if result.state.paused:
                self.log(f"{sid}: paused: {result.state.paused}")
        elif counts["new"] or counts["revised"]:
            self.log(f"{sid}: {counts['new']} new, {counts['revised']} revised")

    def _extract(self, enough: Callable[[], bool], once: bool = False) -> bool:
        """Step 2: extract and link pending reports for one slice; whether any are left. A
        store too busy to write (another writer past the lock retries) makes extraction wait,
        longer each time, while polling goes on; a run ``once`` leaves the rest pending for the
        next run."""
        try:
            done, left = extract_pending(self.store, self.extractor, EXTRACT_SLICE, enough)
        except transient_errors() as busy:
            self._busy_waits += 1
            wait_s = next_delay(BUSY_WAIT, self._busy_waits - 1, cap=BUSY_WAIT_LONGEST)
            self._extract_after = time.monotonic() + wait_s
            then = "left pending for the next run" if once else f"tried again in {wait_s:g} s"
            message = f"extraction: the store is busy ({busy}); {then}"
            self.summary.note(message)
            self.log(message)
            return not once
        self._busy_waits = 0
        self.summary.mentions += done.events
        self.summary.extraction_failed += done.failed
        for error in done.errors:
            self.summary.note(error)
            self.log(error)
        return left
