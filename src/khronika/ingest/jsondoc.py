"""JSON and JSON Lines: one report per object, fields by their usual names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from khronika.ingest.base import BadInput, Input, ReadError, ReadOptions, new_report
from khronika.ingest.parse import date_or_warning
from khronika.ingest.telegram import is_telegram_export, read_export
from khronika.records import Report

TEXT_FIELDS = ("text", "content", "body")
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
_MAX_INT_DIGITS = 4000  # Python refuses to turn longer digit strings into ints


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it had more than once (the last value wins)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    made = _Object(pairs)
    if len(made) < len(pairs):
        keys = [key for key, _ in pairs]
        made.duplicates = tuple(key for key in made if keys.count(key) > 1)
    return made


def _int_or_digits(digits: str) -> int | str:
    """A JSON integer, or its digits as text when too long for an int (a 5,000-digit id)."""
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_int_or_digits)


def read_json(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """A JSON array of objects, one object, a Telegram export, or JSON Lines misnamed .json.

    A document that does not parse whole is still read as far as it can be: as JSON Lines when
    most of its lines are objects, element by element when it is an array (a bad element is one
    error), and up to the garbage when something follows a complete document.
    """
    try:
        document = _parse(source.text)
    except BadInput as error:
        if _mostly_object_lines(source.text):
            yield from read_json_lines(source, options)
        elif _complete_prefix(source.text) is not None:
            yield from _read_up_to_garbage(source, options)
        elif source.text.lstrip().startswith("["):
            yield from _read_array_elements(source, options, error)
        else:
            raise
        return
    yield from _read_document(document, source, options)


def _read_document(
    document: object, source: Input, options: ReadOptions
) -> Iterator[Report | ReadError]:
    if is_telegram_export(document):
        assert isinstance(document, dict)
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


def _read_array_elements(
    source: Input, options: ReadOptions, error: BadInput
) -> Iterator[Report | ReadError]:
    """A top-level array that does not parse whole: each element parsed alone, so one element
    nested too deeply or malformed is one error and the others are read."""
    text = source.text
    position = text.index("[") + 1
    number = 0
    while True:
        position = _skip_separators(text, position)
        if position >= len(text) and number:
            yield ReadError(source.origin, "the JSON array is not closed (truncated file?)")
            return
        if position >= len(text) or text[position] == "]":
            if number == 0:
                raise error
            return
        number += 1
        origin = f"{source.origin}#{number}"
        end = _element_end(text, position)
        try:
            item = _parse(text[position:end], single_line=True)
        except BadInput as bad:
            line = text.count("\n", 0, position) + 1
            yield ReadError(origin, f"{bad}, the element at line {line}")
        else:
            yield _record_report(item, origin, source, options, "json")
            if end >= len(text):
                yield ReadError(source.origin, "the JSON array is not closed (truncated file?)")
        if end >= len(text):
            return
        position = end


def _skip_separators(text: str, position: int) -> int:
    while position < len(text) and (text[position].isspace() or text[position] == ","):
        position += 1
    return position


def _element_end(text: str, start: int) -> int:
    """Where the array element starting at ``start`` ends: the comma or bracket closing it at
    its own depth, outside strings (the end of the text when there is none)."""
    depth, in_string, escaped = 0, False, False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return position
            depth -= 1
        elif char == "," and depth == 0:
            return position
    return len(text)


def _complete_prefix(text: str) -> tuple[Any, int] | None:
    """The complete JSON document the text starts with and where it ends, if there is one."""
    try:
        document, end = _DECODER.raw_decode(text, len(text) - len(text.lstrip()))
    except (ValueError, RecursionError):
        return None
    return document, end


def _read_up_to_garbage(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """A complete document followed by something else: its records, and one error for the rest."""
    prefix = _complete_prefix(source.text)
    assert prefix is not None
    document, end = prefix
    yield from _read_document(document, source, options)
    line = source.text.count("\n", 0, end) + 1
    yield ReadError(source.origin, f"unexpected data after the JSON document (line {line})")


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
    warnings = [
        f"key '{key}' given more than once: the last value kept"
        for key in getattr(item, "duplicates", ())
    ]
    try:
        text, report_id = _text(item), _string(item, "id")
    except BadInput as error:
        return ReadError(origin, str(error))
    return new_report(
        source,
        options,
        reader,
        text,
        origin=origin,
        report_id=report_id,
        title=_optional_string(item, "title", warnings),
        url=_optional_string(item, "url", warnings),
        published=_date(item, ("published", "date"), warnings),
        outlet=_optional_string(item, "source", warnings),
        language=_optional_string(item, "lang", warnings)
        or _optional_string(item, "language", warnings),
        edited=_date(item, ("edited",), warnings),
        warnings=warnings,
    )


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return next(
        (name for kind, name in _JSON_TYPES.items() if isinstance(value, kind)),
        type(value).__name__,
    )


def _parse(text: str, single_line: bool = False) -> Any:
    """json.loads that raises BadInput saying where, also for nesting too deep to parse."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        where = (
            f"column {error.colno}" if single_line else f"line {error.lineno} column {error.colno}"
        )
        raise BadInput(f"malformed JSON ({error.msg}: {where})") from None
    except RecursionError:
        raise BadInput("malformed JSON (nested too deeply)") from None


def _mostly_object_lines(text: str) -> bool:
    """JSON Lines: more than one line, and at least half of them objects by themselves (so a
    bad first line does not hide the good ones after it)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return False
    objects = 0
    for line in lines:
        try:
            objects += isinstance(_parse(line), dict)
        except BadInput:
            continue
    return objects * 2 >= len(lines)


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


def _optional_string(item: dict[str, Any], name: str, warnings: list[str]) -> str | None:
    """A field the report can do without: one of the wrong type is left out, saying so."""
    try:
        return _string(item, name)
    except BadInput as error:
        warnings.append(f"{error}: left out")
        return None


def _date(item: dict[str, Any], names: tuple[str, ...], warnings: list[str]) -> datetime | None:
    """The first of the named date fields that is set; one that does not parse is a warning."""
    name = next((name for name in names if item.get(name) is not None), None)
    return date_or_warning(item[name], f"field '{name}'", warnings) if name else None
