"""Parquet tables of reports: one row a report, the columns named as Report's fields.

``text`` is required; ``id``, ``title``, ``url``, ``published``, ``source``, ``language`` (or
``lang``) and ``edited`` are read when present (dates as timestamps, ISO text or Unix seconds).
A row without text is one ReadError naming its row (a date that does not parse, a warning); the
file is read one row group at a time, so a large table is never held whole as Python objects.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from khronika.ingest.base import Input, ReadError, ReadOptions, new_report
from khronika.ingest.parse import date_or_warning
from khronika.records import Report

FIELDS = ("id", "text", "title", "url", "published", "source", "language", "lang", "edited")


def is_parquet(data: bytes) -> bool:
    """Parquet files begin and end with the magic bytes PAR1."""
    return len(data) >= 8 and data[:4] == b"PAR1" and data[-4:] == b"PAR1"


def read_parquet(source: Input, options: ReadOptions) -> Iterator[Report | ReadError]:
    """Rows are numbered from 1, as ``origin#row``."""
    try:
        parquet = pq.ParquetFile(io.BytesIO(source.data))
    except (pa.ArrowException, OSError) as error:
        yield ReadError(source.origin, f"not a readable Parquet file: {error}")
        return
    names = parquet.schema_arrow.names
    if "text" not in names:
        found = ", ".join(names) or "none"
        yield ReadError(source.origin, f"no 'text' column (columns: {found})")
        return
    columns = [name for name in FIELDS if name in names]
    number = 0
    for group in range(parquet.num_row_groups):
        try:
            rows = parquet.read_row_group(group, columns=columns).to_pylist()
        except (pa.ArrowException, OSError, ValueError) as error:
            groups = f"{group + 1} of {parquet.num_row_groups}"
            yield ReadError(source.origin, f"row group {groups} unreadable: {error}")
            number += parquet.metadata.row_group(group).num_rows
            continue
        for row in rows:
            number += 1
            yield _row_report(row, f"{source.origin}#{number}", source, options)


def _row_report(
    row: dict[str, Any], origin: str, source: Input, options: ReadOptions
) -> Report | ReadError:
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return ReadError(origin, "no text")
    warnings: list[str] = []
    published = _date(row.get("published"), "published", warnings)
    edited = _date(row.get("edited"), "edited", warnings)
    report_id = row.get("id")
    return new_report(
        source,
        options,
        "parquet",
        text,
        origin=origin,
        report_id=str(report_id) if report_id not in (None, "") else None,
        title=_text(row.get("title")),
        url=_text(row.get("url")),
        published=published,
        outlet=_text(row.get("source")),
        language=_text(row.get("language") or row.get("lang")),
        edited=edited,
        warnings=warnings,
    )


def _date(value: object, name: str, warnings: list[str]) -> datetime | None:
    return value if isinstance(value, datetime) else date_or_warning(value, name, warnings)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
