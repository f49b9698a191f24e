"""The ingest loop: store each report first, then extract it, store its mentions, and link
them into events.

A report is stored before its extraction runs, so an exception in extraction never loses it: it
is kept as ``failed`` with its error and ``retry_failed`` extracts it again. Commits come in
batches (every ``BATCH_REPORTS`` reports or ``BATCH_SECONDS``, and when the run ends or is
interrupted): each report's writes are a savepoint inside the batch, and linking rewrites an
event once per batch. A crash loses at most the uncommitted batch, which the next ingest of the
same input reads again; a report stored but not extracted stays ``pending`` and is extracted
then, once (kept ``failed`` while it runs, so a second kill leaves it to ``retry_failed``).
A report whose id is stored with other text is a new revision: extracted and linked like a
new report, the earlier revision's mentions kept. Extracting one report may take at most
``EXTRACTION_BUDGET`` seconds (``KHRONIKA_EXTRACTION_BUDGET`` sets another, 0 none); a report
that takes longer is kept as failed with that error and the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from khronika import pipeline
from khronika.extraction.budget import extraction_budget, time_budget
from khronika.linking import Linker
from khronika.records import Extraction, Report
from khronika.store import Store

if TYPE_CHECKING:
    from khronika.ingest import ReadError

Extractor = Callable[[Report], Extraction]
Outcome = Literal["new", "revised", "unchanged", "failed"]

BATCH_REPORTS = 200
BATCH_SECONDS = 2.0


@dataclass
class IngestSummary:
    """What one run did; ``errors`` holds one line per failed input or extraction.

    ``read`` counts every input item, unreadable ones included (those count as ``failed``), so
    ``read == new + revised + unchanged + failed``. ``events`` counts the mentions stored.
    """

    read: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: int = 0
    events: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # reports kept, with what reading noted

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def line(self) -> str:
        revised = f"{self.revised} revised, " if self.revised else ""
        return (
            f"{self.read} reports read: {self.new} new, {revised}{self.unchanged} unchanged, "
            f"{self.failed} failed; {self.events} mentions stored and linked"
        )


class ExtractionFailed(Exception):
    """Extraction of one report raised; the report is stored as failed with this message."""


def unfinished_error(report: Report) -> str:
    """Why a report left pending by a stopped run is kept failed while it is retried."""
    return (
        f"{report.origin or report.id}: extraction did not finish (the run stopped during it); "
        "`khronika ingest --retry-failed` tries it again"
    )


def still_failed_error(store: Store, report: Report) -> str:
    """Why an unchanged report read again is not extracted again: it failed before, and a
    retry is asked for, not made by every ingest of the same file."""
    stored = store.get_report(report.id)
    unknown = f"{report.origin or report.id}: extraction failed"
    before = stored.error if stored is not None and stored.error else unknown
    return f"{before} (before; unchanged since: `khronika ingest --retry-failed` tries it again)"


def extraction_error(report: Report, error: BaseException) -> str:
    """The one-line message for an extraction that raised, naming the report's origin."""
    return f"{report.origin or report.id}: extraction failed: {type(error).__name__}: {error}"


def extract_and_save(
    store: Store,
    report: Report,
    extractor: Extractor | None = None,
    linker: Linker | None = None,
) -> int:
    """Extract a stored report, save its mentions and link them; on an exception in extraction
    keep the report as failed.

    Returns the number of mentions stored; raises ``ExtractionFailed`` after recording the error.
    """
    extract = extractor or pipeline.extract_report
    try:
        with time_budget(extraction_budget()):
            extraction = extract(report)
    except Exception as error:
        message = extraction_error(report, error)
        store.mark_failed(report.id, message)
        raise ExtractionFailed(message) from error
    with store.transaction():  # the mentions and their links together, or neither
        saved = store.save_extraction(extraction)
        (linker or Linker(store)).update(saved)
    return saved.count


def ingest(
    store: Store,
    items: Iterable[Report | ReadError],
    extractor: Extractor | None = None,
) -> IngestSummary:
    """Store and extract each report; read errors and failed extractions are counted, not fatal.

    Reports already stored are left unchanged, except ``pending`` ones (a run that stopped
    mid-extraction), which are extracted now and counted as new.
    """
    summary = IngestSummary()
    linker = Linker(store)
    with CommitBatches(store, linker) as batches:
        for item in items:
            summary.read += 1
            batches.tick()
            if not isinstance(item, Report):
                summary.failed += 1
                summary.errors.append(str(item))
                continue
            summary.warnings += [f"{item.origin or item.id}: warning: {w}" for w in item.warnings]
            outcome, count, error = ingest_one(store, item, linker, extractor, batches.renew)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            summary.events += count
            if error is not None:
                summary.errors.append(error)
    return summary


def ingest_one(
    store: Store,
    report: Report,
    linker: Linker,
    extractor: Extractor | None = None,
    commit: Callable[[], None] | None = None,
) -> tuple[Outcome, int, str | None]:
    """Store one report and, unless the same text is stored and extracted already, extract and
    link it: what happened, how many mentions were stored, and the error if extraction failed.
    ``ingest`` and the API's POST /api/reports both go through here.

    A report an earlier run left ``pending`` is retried once: first kept (``commit``) as failed
    with why, so a run killed again during it leaves it listed by ``reports --failed`` for
    ``--retry-failed``, not re-run by every later ingest."""
    added = store.store_report(report)
    if added == "unchanged":
        status = store.report_status(report.id)
        if status == "failed":
            return "unchanged", 0, still_failed_error(store, report)
        if status != "pending":
            return "unchanged", 0, None
        store.mark_failed(report.id, unfinished_error(report))
        if commit is not None:
            commit()
    try:
        count = extract_and_save(store, report, extractor, linker)
    except ExtractionFailed as failure:
        return "failed", 0, str(failure)
    return ("revised" if added == "revised" else "new"), count, None


def retry_failed(
    store: Store,
    extractor: Extractor | None = None,
    wrap: Callable[[list[Report]], Iterable[Report]] = iter,
) -> IngestSummary:
    """Extract the stored failed reports again, and those left pending (a run stopped or
    killed mid-extraction); those that now succeed count as new."""
    summary = IngestSummary()
    linker = Linker(store)
    with CommitBatches(store, linker) as batches:
        for report in wrap([stored.report for stored in store.unfinished_reports()]):
            summary.read += 1
            batches.tick()
            _extract_into(summary, store, report, extractor, linker)
    return summary


def extract_pending(
    store: Store,
    extractor: Extractor | None = None,
    seconds: float | None = None,
    enough: Callable[[], bool] = lambda: False,
) -> tuple[IngestSummary, bool]:
    """Extract and link the stored reports still ``pending`` (stored by a watcher, or left by
    a run that stopped mid-extraction), in the order they were stored. With ``seconds``, stop
    after about that long (committing that often too), and after any report once ``enough()``
    says so; also says whether any are left."""
    summary = IngestSummary()
    linker = Linker(store)
    started = time.monotonic()
    every = BATCH_SECONDS if seconds is None else seconds
    with CommitBatches(store, linker, seconds=every) as batches:
        for stored in store.reports("pending"):
            if summary.read and (
                enough() or (seconds is not None and time.monotonic() - started > seconds)
            ):
                return summary, True
            summary.read += 1
            batches.tick()
            _extract_into(summary, store, stored.report, extractor, linker)
    return summary, False


class CommitBatches:
    """One store transaction and one linking batch at a time, renewed every ``size`` reports or
    ``seconds``. On an exception (a crash of the loop, Ctrl-C) the open batch is still settled
    and committed: every report's own writes are a savepoint, so what is done is consistent."""

    def __init__(
        self,
        store: Store,
        linker: Linker,
        size: int = BATCH_REPORTS,
        seconds: float = BATCH_SECONDS,
    ) -> None:
        self.store, self.linker, self.size, self.seconds = store, linker, size, seconds
        self._stack: ExitStack | None = None
        self._count = 0
        self._opened = 0.0

    def __enter__(self) -> CommitBatches:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close()

    def renew(self) -> None:
        """Commit the batch now and open the next."""
        self._close()
        self._open()

    def tick(self) -> None:
        """Count one more report; first commit and open a new batch if this one is full or
        old."""
        if self._count >= self.size or time.monotonic() - self._opened > self.seconds:
            self._close()
            self._open()
        self._count += 1

    def _open(self) -> None:
        self._stack = ExitStack()
        self._stack.enter_context(self.store.transaction())
        self._stack.enter_context(self.linker.batch())
        self._count, self._opened = 0, time.monotonic()

    def _close(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            stack.close()


def _extract_into(
    summary: IngestSummary,
    store: Store,
    report: Report,
    extractor: Extractor | None,
    linker: Linker,
) -> None:
    try:
        summary.events += extract_and_save(store, report, extractor, linker)
    except ExtractionFailed as failure:
        summary.failed += 1
        summary.errors.append(str(failure))
        return
    summary.new += 1
