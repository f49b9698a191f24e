"""Small parsers shared by the readers and the command line."""

from __future__ import annotations

from datetime import UTC, datetime


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
