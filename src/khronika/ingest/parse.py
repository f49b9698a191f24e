"""Small parsers shared by the readers and the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_published(value: str) -> datetime:
    """Parse an ISO date or date-time given by a user or a file; raise ValueError naming it."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO date or date-time: {value!r}") from None
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)


def parse_date_value(value: object) -> datetime:
    """A date as inputs write it: ISO text, RFC 2822 text or Unix seconds; naive UTC result.

    Raise ValueError naming the value when it is none of these, so no date is guessed.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int | float):
        return _from_unix(value)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    try:
        return parse_published(value)
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not an ISO, RFC 2822 or Unix-time date: {value!r}") from None
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)


def _from_unix(seconds: float) -> datetime:
    """Unix time in seconds as naive UTC; refuse values outside what datetime can hold."""
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"not a Unix time in seconds: {seconds!r}") from None


def date_or_warning(value: object, name: str, warnings: list[str]) -> datetime | None:
    """``value`` parsed as a date; one that does not parse is no date and a warning, so a
    report is never refused for its date (its text may still date its events)."""
    if value is None or value == "":
        return None
    try:
        return parse_date_value(value)
    except ValueError as error:
        warnings.append(f"{name}: {error}; left without a date")
        return None
