"""Reading gold files: decoding, required columns, row selection and their date formats.

Rows are kept raw until selected, so a problem in row 3,000 does not stop a ``--limit 50``
run, yet every selected row that cannot be read stops the run with its file and line named.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar


class EvalInputError(ValueError):
    """A gold file or one of its rows cannot be read; the message names file and row."""


class NoReportText(EvalInputError):
    """A gold row with no text to extract (ACLED notes or UCDP headlines empty): it cannot be
    scored, so it is skipped and counted, not a reason to stop (Khronika's own UCDP export
    has no headline for a report without a title)."""


@dataclass(frozen=True)
class GoldRow:
    """One raw CSV record and where it starts in its file."""

    values: dict[str, str]
    line: int  # first line of the record, 1-based, header being line 1
    source: str

    def where(self) -> str:
        return f"{self.source}, line {self.line}"

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


@dataclass(frozen=True)
class GoldTable:
    path: Path
    columns: list[str]
    rows: list[GoldRow]
    fallback_lines: int  # lines that were not UTF-8 and were read as cp1252


def decode_lines(data: bytes, source: str) -> tuple[str, int]:
    """Decode line by line: UTF-8 where valid, else cp1252 (UCDP mixes both)."""
    parts: list[str] = []
    fallback = 0
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            parts.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            try:
                parts.append(raw.decode("cp1252"))
            except UnicodeDecodeError as error:
                raise EvalInputError(
                    f"{source}, line {number}: neither UTF-8 nor cp1252 ({error.reason})"
                ) from None
            fallback += 1
    return "".join(parts), fallback


def read_json_lines(path: str | Path) -> list[tuple[str, object]]:
    """(where, value) of every non-blank line of a JSON Lines file; a file that cannot be read
    or a line that is no JSON is an error naming the file and the line."""
    location = Path(path)
    try:
        lines = location.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EvalInputError(f"{location}: cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise EvalInputError(f"{location}: not UTF-8 ({error.reason})") from None
    values: list[tuple[str, object]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{location}, line {number}"
        try:
            values.append((where, json.loads(line)))
        except json.JSONDecodeError as error:
            raise EvalInputError(f"{where}: not JSON ({error.msg}), expected JSON Lines") from None
    return values


def read_gold_csv(path: str | Path, required: Iterable[str]) -> GoldTable:
    """All records of a gold CSV, after checking it exists and has the needed columns."""
    location = Path(path)
    source = str(location)
    try:
        data = location.read_bytes()
    except OSError as error:
        raise EvalInputError(f"{source}: cannot read ({error.strerror or error})") from None
    text, fallback = decode_lines(data, source)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames
    if not header:
        raise EvalInputError(f"{source}: empty file, expected a CSV header")
    missing = [column for column in required if column not in header]
    if missing:
        raise EvalInputError(f"{source}: missing column(s) {', '.join(missing)}")
    rows: list[GoldRow] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if None in values:
                raise EvalInputError(
                    f"{source}, line {start}: more fields than the header has columns"
                )
            rows.append(GoldRow(values=dict(values), line=start, source=source))
            start = reader.line_num + 1
    except csv.Error as error:
        raise EvalInputError(f"{source}, line {start}: malformed CSV ({error})") from None
    return GoldTable(path=location, columns=list(header), rows=rows, fallback_lines=fallback)


Gold = TypeVar("Gold")


def parsed_rows(
    table: GoldTable, indices: list[int], parse: Callable[[GoldRow], Gold], notes: list[str]
) -> Iterator[tuple[int, Gold]]:
    """The selected rows parsed, each with its count among them (from 1); rows with no text to
    extract (``NoReportText``) are skipped and counted in one line of ``notes``."""
    skipped: list[str] = []
    for done, index in enumerate(indices, start=1):
        try:
            gold = parse(table.rows[index])
        except NoReportText as empty:
            skipped.append(str(empty))
            continue
        yield done, gold
    if skipped:
        notes.append(f"{len(skipped)} row(s) skipped, no text to extract; first: {skipped[0]}")


def select_rows(total: int, limit: int | None, sample: int | None, seed: int) -> list[int]:
    """Indices to score: the first ``limit`` rows, then a seeded sample of them, file order."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of rows, got {limit}")
    pool = list(range(total if limit is None else min(limit, total)))
    if sample is None:
        return pool
    if sample < 1:
        raise ValueError(f"sample must be a positive number of rows, got {sample}")
    if sample > len(pool):
        raise ValueError(f"sample of {sample} rows asked from only {len(pool)} rows")
    return sorted(random.Random(seed).sample(pool, sample))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLASH_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?"
)


def parse_gold_date(value: str, slash_order: str, where: str, column: str) -> date:
    """A date as ``YYYY-MM-DD`` or with slashes, day first ("dmy") or month first ("mdy").

    Any time of day after a slash date ("00:00", "12:00:00 AM") is accepted and dropped.
    """
    text = value.strip()
    if _ISO_DATE.fullmatch(text[:10]) and (len(text) == 10 or text[10] in " T"):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    match = _SLASH_DATE.fullmatch(text)
    if match:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        day, month = (first, second) if slash_order == "dmy" else (second, first)
        try:
            return date(year, month, day)
        except ValueError:
            pass
    order = "dd/mm/yyyy" if slash_order == "dmy" else "mm/dd/yyyy"
    raise EvalInputError(f"{where}: {column} {value!r} is not YYYY-MM-DD or {order}")


def parse_gold_int(value: str, where: str, column: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise EvalInputError(f"{where}: {column} {value!r} is not a whole number") from None


def parse_gold_float(value: str, where: str, column: str) -> float | None:
    """A coordinate; empty means unknown (None)."""
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise EvalInputError(f"{where}: {column} {value!r} is not a number") from None


def datetime_at_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
