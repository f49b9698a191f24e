"""What every reader shares: the options, the error record and how a Report is built."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from khronika.records import Report, content_id

_SURROGATE = re.compile("[\ud800-\udfff]")
FORMATS = ("text", "html", "json", "jsonl", "csv", "telegram", "feed", "channel", "parquet")


@dataclass(frozen=True)
class ReadOptions:
    """What the user told us about inputs that do not say it themselves."""

    published: datetime | None = None  # fallback publication date for inputs that carry none
    source: str | None = None  # fallback source/outlet name
    lang: str | None = None  # language code forced by the user (en, uk, ru)
    columns: Mapping[str, str] = field(default_factory=dict)  # CSV mapping: field -> column
    max_bytes: int = 10_000_000  # larger inputs are refused with an error
    format: str | None = None  # force a reader (FORMATS); "channel" is a t.me/s preview page


@dataclass(frozen=True)
class ReadError:
    """One bad input (a file or one record of it), located so the user can fix it."""

    origin: str  # "path", "path:LINE" or "path#record"
    message: str  # one line, says what is wrong

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


class BadInput(Exception):
    """Raised inside a reader when a whole input is unusable; becomes one ReadError."""


@dataclass(frozen=True)
class Input:
    """One decoded input handed to a reader: its bytes, its text and where it came from."""

    origin: str
    data: bytes
    text: str
    encoding: str
    received: datetime
    warnings: tuple[str, ...] = ()  # what decoding had to guess or repair, for every report
    identity: str | None = None  # a file's source and path under the input root: its id's key


Reader = Callable[[Input, ReadOptions], Iterator[Report | ReadError]]


def utc_naive(moment: datetime) -> datetime:
    """Naive UTC, the one form of datetime the records hold."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def language_code(value: str | None) -> str | None:
    """Primary language subtag in lower case ("en-US" -> "en"), None when blank."""
    if value is None or not value.strip():
        return None
    return value.strip().replace("_", "-").split("-")[0].lower()


def new_report(
    source: Input,
    options: ReadOptions,
    reader: str,
    text: str,
    *,
    origin: str | None = None,
    report_id: str | None = None,
    title: str | None = None,
    url: str | None = None,
    published: datetime | None = None,
    outlet: str | None = None,
    language: str | None = None,
    edited: datetime | None = None,
    warnings: Sequence[str] = (),
) -> Report:
    """A Report whose own fields win over the user's fallbacks in ``options``; NUL characters
    and lone surrogates (which no store can hold) are taken out of every field, saying so."""
    notes = [*source.warnings, *warnings]
    when = published or options.published
    fields = {
        "text": text,
        "id": report_id,
        "title": title,
        "url": url,
        "source": outlet,
        "origin": origin or source.origin,  # a file name that is not UTF-8 has surrogates
    }
    clean = {name: storable(value, name, notes) for name, value in fields.items()}
    report_id = clean["id"].strip() if clean["id"] else None
    return Report(
        id=report_id or content_id(clean["text"] or ""),
        text=clean["text"] or "",
        title=clean["title"] or None,
        url=clean["url"] or None,
        published=utc_naive(when) if when else None,
        source=clean["source"] or options.source,
        language=language_code(storable(language, "lang", notes)) or options.lang,
        encoding=source.encoding,
        origin=clean["origin"],
        format=reader,
        received=source.received,
        edited=utc_naive(edited) if edited else None,
        warnings=tuple(dict.fromkeys(notes)),
    )


def storable(value: str | None, name: str, warnings: list[str]) -> str | None:
    """``value`` without NUL characters, and with lone surrogates (a JSON "\\ud800" escape)
    replaced by U+FFFD; each repair is added to ``warnings``."""
    if not value:
        return value
    if "\x00" in value:
        warnings.append(f"{name}: {value.count(chr(0))} NUL characters removed")
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        warnings.append(f"{name}: lone surrogate characters replaced with U+FFFD")
        value = _SURROGATE.sub("\ufffd", value)
    return value
