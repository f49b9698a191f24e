"""JSON and JSON Lines: one report per object, fields by their usual names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from khronika.ingest.base import BadInput, Input, ReadError, ReadOptions, new_report
from khronika.ingest.parse import parse_date_value
from khronika.ingest.telegram import is_telegram_export, read_export
from khronika.records import Report

TEXT_FIELDS = ("text", "content", "body")
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number"}


def read_json(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """A JSON array of objects, one object, a Telegram export, or JSON Lines misnamed .json."""
    try:
        document = _parse(source.text)
    except BadInput:
        if _first_line_is_object(source.text):
            yield from read_json_lines(source, options)
            return
        raise
    if is_telegram_export(document):
        yield from read_export(document, source, options)
    elif isinstance(document, dict):
        yield _record_report(document, source.origin, source, options, "json")
    elif isinstance(document, list):
        if not document:
            raise BadInput("no records (empty JSON array)")
        for number, item in enumerate(document, start=1):
            yield _record_report(item, f"{source.origin}#{number}", source, options, "json")
    else:
        raise BadInput(f"expected a JSON object or an array of objects, got {_json_type(document)}")


def read_telegram(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """The reader used when the user forces ``telegram``."""
    document = _parse(source.text)
    if not is_telegram_export(document):
        raise BadInput("not a Telegram export (expected an object with a messages list)")
    yield from read_export(document, source, options)


def read_json_lines(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """One object per line; a bad line is reported and the others are still read."""
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and other line separators.
    for number, line in enumerate(source.text.split("\n"), start=1):
        if not line.strip():
            continue
        origin = f"{source.origin}:{number}"
        try:
            item = _parse(line, single_line=True)
        except BadInput as error:
            yield ReadError(origin, str(error))
            continue
        yield _record_report(item, origin, source, options, "jsonl")


def _record_report(
    item: object, origin: str, source: Input, options: ReadOptions, reader: str
) -> Report | ReadError:
    """The Report of one JSON object, or the ReadError saying which field is wrong."""
    if not isinstance(item, dict):
        return ReadError(origin, f"record is not a JSON object (got {_json_type(item)})")
    try:
        return new_report(
            source,
            options,
            reader,
            _text(item),
            origin=origin,
            report_id=_string(item, "id"),
            title=_string(item, "title"),
            url=_string(item, "url"),
            published=_published(item),
            outlet=_string(item, "source"),
            language=_string(item, "lang") or _string(item, "language"),
            edited=_edited(item),
        )
    except BadInput as error:
        return ReadError(origin, str(error))


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _parse(text: str, single_line: bool = False) -> Any:
    """json.loads that raises BadInput saying where, also for nesting too deep to parse."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = (
            f"column {error.colno}" if single_line else f"line {error.lineno} column {error.colno}"
        )
        raise BadInput(f"malformed JSON ({error.msg}: {where})") from None
    except RecursionError:
        raise BadInput("malformed JSON (nested too deeply)") from None


def _first_line_is_object(text: str) -> bool:
    """JSON Lines start with a complete object on the first line, and have more lines."""
    lines = [line for line in text.split("\n") if line.strip()]
    try:
        return len(lines) > 1 and isinstance(_parse(lines[0]), dict)
    except BadInput:
        return False


def _text(item: dict[str, Any]) -> str:
    for name in TEXT_FIELDS:
        value = item.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadInput(f"field '{name}' should be a string, got {_json_type(value)}")
        if not value.strip():
            raise BadInput(f"empty text in field '{name}'")
        return value
    raise BadInput(f"no text field (expected one of {', '.join(TEXT_FIELDS)})")


def _string(item: dict[str, Any], name: str) -> str | None:
    """A field that should be a string; numbers (ids) are accepted as their JSON text."""
    value = item.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    raise BadInput(f"field '{name}' should be a string, got {_json_type(value)}")


def _published(item: dict[str, Any]) -> datetime | None:
    for name in ("published", "date"):
        if item.get(name) is not None:
            try:
                return parse_date_value(item[name])
            except ValueError as error:
                raise BadInput(f"field '{name}': {error}") from None
    return None


def _edited(item: dict[str, Any]) -> datetime | None:
    """When the source edited the report, if the record says (``edited``)."""
    if item.get("edited") is None:
        return None
    try:
        return parse_date_value(item["edited"])
    except ValueError as error:
        raise BadInput(f"field 'edited': {error}") from None
