"""A time budget for extracting one report, checked cooperatively as the extraction goes.

No signal and no thread: the extraction asks ``check_budget()`` between its steps and per
sentence in its longest loops, and the check raises ``ExtractionTimeout`` once the deadline set
by ``time_budget`` has passed. Outside ``time_budget`` the check costs one lookup and never
raises, so extraction without a budget is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("extraction_deadline", default=None)


class ExtractionTimeout(Exception):
    """Extraction of one report went past its time budget."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, extraction stops with ``ExtractionTimeout`` after ``seconds``
    (``None``: no limit)."""
    token = _deadline.set(None if seconds is None else (time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_budget() -> None:
    """Raise ``ExtractionTimeout`` if the budget of the extraction running now is spent."""
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit[0]:
        raise ExtractionTimeout(
            f"extraction took longer than {limit[1]:g} s; the report is too long or too dense "
            "to read within its time budget"
        )


def budgeted(items: Iterable[T]) -> Iterator[T]:
    """``items``, checking the budget before each one (a component's loop over sentences)."""
    for item in items:
        check_budget()
        yield item
