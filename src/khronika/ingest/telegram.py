"""Telegram Desktop channel exports (result.json): one report per text message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from khronika.ingest.base import BadInput, Input, ReadError, ReadOptions, new_report
from khronika.ingest.parse import date_or_warning
from khronika.records import Report


def is_telegram_export(document: object) -> bool:
    """Telegram Desktop writes a channel as an object holding a ``messages`` list."""
    return isinstance(document, dict) and isinstance(document.get("messages"), list)


def read_export(
    export: dict[str, Any], source: Input, options: ReadOptions
) -> Iterator[Report | ReadError]:
    """Reports of the text messages; service and empty messages are not reports, but an export
    with none but those is an error, not silence."""
    given = False
    for item in _messages(export, source, options):
        given = True
        yield item
    if not given:
        raise BadInput(
            "no text messages in the Telegram export (only service messages, media, or none)"
        )


def _messages(
    export: dict[str, Any], source: Input, options: ReadOptions
) -> Iterator[Report | ReadError]:
    channel = export.get("name") if isinstance(export.get("name"), str) else None
    channel_key = export.get("id") or channel
    username = _username(export)
    for index, message in enumerate(export["messages"], start=1):
        if not isinstance(message, dict):
            yield ReadError(f"{source.origin}#{index}", "message is not a JSON object")
            continue
        if message.get("type") != "message":
            continue
        message_id = message.get("id")
        origin = f"{source.origin}#{message_id if message_id is not None else index}"
        warnings: list[str] = []
        try:
            text = flatten_text(message.get("text", ""), warnings)
        except BadInput as error:
            yield ReadError(origin, str(error))
            continue
        if not text.strip():
            continue
        if message_id is None or isinstance(message_id, bool | dict | list):
            wrong = f"message id should be a number or a string, got {type(message_id).__name__}"
            yield ReadError(origin, "message has no id" if message_id is None else wrong)
            continue
        published = date_or_warning(message.get("date"), "date", warnings)
        edited = date_or_warning(message.get("edited"), "edited", warnings)
        yield new_report(
            source,
            options,
            "telegram",
            text,
            origin=origin,
            report_id=f"telegram:{channel_key}:{message_id}",
            url=f"https://t.me/{username}/{message_id}" if username else None,
            published=published,
            outlet=channel,
            edited=edited,
            warnings=warnings,
        )


def flatten_text(value: object, warnings: list[str] | None = None) -> str:
    """Message text as plain text: strings and entity objects' ``text`` joined in order; an
    entity without text is left out (said in ``warnings``), never the whole message."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise BadInput("message text is neither a string nor a list")
    parts = []
    odd = 0
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            odd += 1
    if odd and warnings is not None:
        warnings.append(f"{odd} text entit{'ies' if odd > 1 else 'y'} without text left out")
    return "".join(parts)


def _username(export: dict[str, Any]) -> str | None:
    """The public username, given directly or as a t.me link; exports often omit it."""
    username = export.get("username")
    if isinstance(username, str) and username.strip():
        return username.strip().lstrip("@")
    link = export.get("link")
    if isinstance(link, str) and "t.me/" in link:
        return link.rstrip("/").rsplit("/", 1)[-1] or None
    return None
