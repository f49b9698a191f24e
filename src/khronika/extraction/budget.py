"""A time budget for extracting one report, checked cooperatively as the extraction goes.

No signal and no thread: the extraction asks ``check_budget()`` between its steps and per
sentence in its longest loops, and the check raises ``ExtractionTimeout`` once the budget set
by ``time_budget`` is spent. The clock starts at the first check, when the report's sentences
are about to be read, so loading the language pack and the place index on first use is not
counted against the first report. Outside ``time_budget`` the check costs one lookup and never
raises, so extraction without a budget is unchanged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

EXTRACTION_BUDGET = 60.0  # seconds for one report; the longest real ones take about one
BUDGET_ENV = "KHRONIKA_EXTRACTION_BUDGET"


@dataclass
class _Budget:
    seconds: float
    deadline: float | None = None  # set by the first check


_budget: ContextVar[_Budget | None] = ContextVar("extraction_budget", default=None)


class ExtractionTimeout(Exception):
    """Extraction of one report went past its time budget."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, extraction stops with ``ExtractionTimeout`` once it has run for
    ``seconds`` (``None``: no limit)."""
    token = _budget.set(None if seconds is None else _Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def check_budget() -> None:
    """Raise ``ExtractionTimeout`` if the budget of the extraction running now is spent."""
    budget = _budget.get()
    if budget is None:
        return
    now = time.monotonic()
    if budget.deadline is None:
        budget.deadline = now + budget.seconds
    elif now > budget.deadline:
        raise ExtractionTimeout(
            f"extraction took longer than {budget.seconds:g} s; the report is too long or too "
            "dense to read within its time budget"
        )


def budgeted(items: Iterable[T]) -> Iterator[T]:
    """``items``, checking the budget before each one (a component's loop over sentences)."""
    for item in items:
        check_budget()
        yield item


def extraction_budget() -> float | None:
    """Seconds one report's extraction may take: ``KHRONIKA_EXTRACTION_BUDGET`` if set (0 for
    no limit), else ``EXTRACTION_BUDGET``."""
    configured = os.environ.get(BUDGET_ENV, "").strip()
    if not configured:
        return EXTRACTION_BUDGET
    try:
        seconds = float(configured)
    except ValueError:
        raise ValueError(f"{BUDGET_ENV} must be a number of seconds, not {configured!r}") from None
    if seconds < 0 or seconds != seconds:
        raise ValueError(f"{BUDGET_ENV} must be a number of seconds, not {configured!r}")
    return seconds or None
