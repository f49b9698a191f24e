"""CSV and TSV: a header row, then one report per row; columns mapped by name."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace

from khronika.ingest.base import BadInput, Input, ReadError, ReadOptions, new_report
from khronika.ingest.parse import date_or_warning
from khronika.records import Report

# Field -> column names tried, in order, when the user maps none.
AUTO_COLUMNS = {
    "text": ("text", "content", "body"),
    "id": ("id",),
    "title": ("title",),
    "url": ("url",),
    "published": ("published", "date"),
    "source": ("source",),
    "lang": ("lang", "language"),
}
_DELIMITERS = (",", ";", "\t", "|")


def read_table(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """Rows are numbered as a spreadsheet shows them: the header is row 1."""
    # A field can be as large as the whole input; the module default (128 KiB) is smaller.
    csv.field_size_limit(max(csv.field_size_limit(), min(options.max_bytes, sys.maxsize)))
    rows = csv.reader(io.StringIO(source.text, newline=""), delimiter=_delimiter(source))
    try:
        header = next(rows, [])
    except csv.Error as error:
        raise BadInput(f"malformed CSV header ({error})") from None
    columns = _column_indexes(header, options.columns)
    last: Report | ReadError | None = None  # held back: an unclosed quote shows at the end
    number = 1
    last_spans = False  # whether the held-back row took more than one line
    while True:  # a malformed row is one error; the rows after it are still read
        number += 1
        started = rows.line_num
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            item: Report | ReadError = ReadError(
                f"{source.origin}:{number}", f"malformed CSV row ({error})"
            )
        else:
            if not any(cell.strip() for cell in row):
                continue
            item = _row_report(row, header, columns, f"{source.origin}:{number}", source, options)
        if last is not None:
            yield last
        last, last_spans = item, rows.line_num - started > 1
    if last is None:
        raise BadInput("no data rows (only a header)")
    odd_quotes = source.text.count('"') % 2 == 1
    if isinstance(last, Report) and odd_quotes and (last_spans or "\n" in last.text):
        note = "an unclosed quote: this row's quoted field runs to the end of the file"
        last = replace(last, warnings=(*last.warnings, note))
    yield last


def _delimiter(source: Input) -> str:
    """Tab for .tsv; otherwise the separator the header line uses most."""
    if source.origin.lower().endswith(".tsv"):
        return "\t"
    header_line = source.text.split("\n", 1)[0]
    return max(_DELIMITERS, key=header_line.count) if header_line else ","


def _column_indexes(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Field -> column index from the user's mapping, else from the usual column names."""
    unknown = sorted(set(mapping) - set(AUTO_COLUMNS))
    if unknown:
        raise BadInput(
            f"unknown field {', '.join(unknown)} in column mapping "
            f"(fields: {', '.join(AUTO_COLUMNS)})"
        )
    names = [name.strip() for name in header]
    lowered = [name.lower() for name in names]
    indexes = {}
    for field_name, candidates in AUTO_COLUMNS.items():
        if field_name in mapping:
            wanted = mapping[field_name].strip()
            if wanted not in names:
                raise BadInput(
                    f"column '{wanted}' (for {field_name}) not found; "
                    f"the columns are: {', '.join(names)}"
                )
            indexes[field_name] = names.index(wanted)
            continue
        found = next((lowered.index(name) for name in candidates if name in lowered), None)
        if found is not None:
            indexes[field_name] = found
    if "text" not in indexes:
        raise BadInput(
            f"no text column (expected one of {', '.join(AUTO_COLUMNS['text'])}, "
            f"or map one with text=COLUMN); the columns are: {', '.join(names)}"
        )
    return indexes


def _row_report(
    row: list[str],
    header: list[str],
    columns: dict[str, int],
    origin: str,
    source: Input,
    options: ReadOptions,
) -> Report | ReadError:
    if len(row) > len(header):
        return ReadError(origin, f"row has {len(row)} fields, the header has {len(header)}")

    def cell(field_name: str) -> str | None:
        index = columns.get(field_name)
        value = row[index].strip() if index is not None and index < len(row) else ""
        return value or None

    text_index = columns["text"]
    text = row[text_index] if text_index < len(row) else ""
    if not text.strip():
        return ReadError(origin, f"no text in column '{header[text_index].strip()}'")
    warnings: list[str] = []
    published = date_or_warning(cell("published"), "published", warnings)
    return new_report(
        source,
        options,
        "csv",
        text,
        origin=origin,
        report_id=cell("id"),
        title=cell("title"),
        url=cell("url"),
        published=published,
        outlet=cell("source"),
        language=cell("lang"),
        warnings=warnings,
    )
