"""Dates said in a report, resolved against its publication date.

Report time is not event time: "yesterday", "overnight", "on Thursday" and "on May 10" all
mean something only relative to when the report was published. Every resolved date keeps the
expression it came from and the rule that resolved it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from khronika.lang import LanguagePack
from khronika.records import DatePrecision

Day = date  # the field below is called "date", so the type needs another name


@dataclass(frozen=True)
class TimeExpression:
    start: int
    end: int
    date: Day
    precision: DatePrecision
    rule: str
    date_end: Day | None = None
    since: bool = False  # "since May 10": the start of something ongoing
    relative: bool = False  # resolved against the publication date


@dataclass(frozen=True)
class _Patterns:
    day_month_year: re.Pattern[str]
    month_day_year: re.Pattern[str]
    month_year: re.Pattern[str]
    weekday: re.Pattern[str]
    since_prefix: re.Pattern[str]
    year_alone: re.Pattern[str]


_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])")
_MIN_PUBLISHED, _MAX_PUBLISHED = date(2, 1, 1), date(9998, 12, 31)
_ANY_DIGIT = re.compile(r"\d")  # every absolute date pattern has a digit: most sentences none


@cache
def _patterns(pack: LanguagePack) -> _Patterns:
    months = "|".join(sorted(map(re.escape, pack.months), key=len, reverse=True))
    weekdays = "|".join(map(re.escape, pack.weekdays))
    grammar = pack.grammar
    ordinal = rf"(\d{{1,2}}){grammar.ordinal_suffix}"
    day_range = rf"{ordinal}(?:\s*(?:{grammar.range_joiner})\s*{ordinal})?"
    year = r"(?:,?\s+(\d{4}))?(?![\w])"
    return _Patterns(
        day_month_year=re.compile(
            rf"(?<!\d){day_range}{grammar.day_of}\s+({months}){year}",
            re.IGNORECASE,
        ),
        month_day_year=re.compile(
            rf"(?<![\w])({months})\.?\s+{day_range}{year}",
            re.IGNORECASE,
        ),
        month_year=re.compile(
            rf"(?<![\w])({months})\s+(\d{{4}})(?![\w])",
            re.IGNORECASE,
        ),
        weekday=re.compile(
            rf"(?<![\w]){grammar.weekday_prefix}({weekdays}){grammar.weekday_suffix}(?![\w])",
            re.IGNORECASE,
        ),
        since_prefix=grammar.since_prefix,
        year_alone=grammar.year_alone,
    )


def _safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when the text names an impossible one ("29 February 2023")."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, published: date | None) -> date | None:
    """A day and month without a year: the latest such date not after publication (+2 days)."""
    if published is None:
        return None
    candidate = _safe_date(published.year, month, day)
    if candidate and candidate > published + timedelta(days=2):
        candidate = _safe_date(published.year - 1, month, day)
    return candidate


def find_dates(
    text: str, start: int, end: int, published: date | None, pack: LanguagePack
) -> list[TimeExpression]:
    """Date expressions between ``start`` and ``end``, resolved; unresolvable ones left out."""
    if published is not None and not _MIN_PUBLISHED <= published <= _MAX_PUBLISHED:
        published = None  # a year-1 or year-9999 date resolves nothing relative to it
    pats = _patterns(pack)
    found: list[TimeExpression] = []
    found += _absolute(text, start, end, published, pack, pats)
    found += _relative(text, start, end, published, pack, pats)
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    result: list[TimeExpression] = []
    for expr in found:
        if result and expr.start < result[-1].end:
            continue
        result.append(_mark_since(text, expr, pats, pack))
    return result


def _mark_since(
    text: str, expr: TimeExpression, pats: _Patterns, pack: LanguagePack
) -> TimeExpression:
    before = text[max(0, expr.start - 40) : expr.start]
    if expr.since or not pats.since_prefix.search(before):
        return expr
    said = text[expr.start : expr.end]
    if expr.rule == "weekday" and (
        (pack.weekday_possessive is not None and pack.weekday_possessive.search(said))
        or any(w in pack.attributive_weekdays for w in said.lower().split())
    ):
        return expr  # "the toll from Wednesday's strike": that day's event, not a start
    return TimeExpression(
        expr.start, expr.end, expr.date, expr.precision, expr.rule + "+since", since=True
    )


def _absolute(
    text: str,
    start: int,
    end: int,
    published: date | None,
    pack: LanguagePack,
    pats: _Patterns,
) -> list[TimeExpression]:
    out: list[TimeExpression] = []
    if not _ANY_DIGIT.search(text, start, end):
        return out
    for m in _ISO.finditer(text, start, end):
        d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            out.append(TimeExpression(m.start(), m.end(), d, "day", "iso-date"))
    for m in _DOTTED.finditer(text, start, end):
        d = _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            out.append(TimeExpression(m.start(), m.end(), d, "day", "dotted-date"))
    for m in pats.day_month_year.finditer(text, start, end):
        first, second, month_word, year = m.group(1), m.group(2), m.group(3), m.group(4)
        expr = _day_month(m, int(first), second, month_word, year, published, pack, "day-month")
        if expr:
            out.append(expr)
    for m in pats.month_day_year.finditer(text, start, end):
        month_word, first, second, year = m.group(1), m.group(2), m.group(3), m.group(4)
        if month_word.lower() in pack.grammar.month_needs_capital and not (
            year or m.group(0)[0].isupper()
        ):
            continue  # "it may rain"
        expr = _day_month(m, int(first), second, month_word, year, published, pack, "month-day")
        if expr:
            out.append(expr)
    for m in pats.month_year.finditer(text, start, end):
        d = _safe_date(int(m.group(2)), pack.months[m.group(1).lower()], 1)
        if d:  # "May 0000" names no month
            out.append(TimeExpression(m.start(), m.end(), d, "month", "month-year"))
    for m in pats.year_alone.finditer(text, start, end):
        year = int(m.group(1))
        if 1900 < year < 2100:
            out.append(TimeExpression(m.start(), m.end(), date(year, 1, 1), "year", "year"))
    return out


def _day_month(
    m: re.Match[str],
    day: int,
    second_day: str | None,
    month_word: str,
    year: str | None,
    published: date | None,
    pack: LanguagePack,
    rule: str,
) -> TimeExpression | None:
    month = pack.months[month_word.lower()]
    if month_word.lower() in pack.grammar.month_needs_capital and not month_word[0].isupper():
        return None
    d = _safe_date(int(year), month, day) if year else _infer_year(month, day, published)
    if d is None:
        return None
    if second_day:  # "night of 4 to 5 May", "4-5 May": the event ends on the second day
        end_day = _safe_date(d.year, d.month, int(second_day)) if int(second_day) >= day else None
        if end_day is None and int(second_day) >= day:
            return None  # "28-29 February 2023": no such range, so no date for the phrase
        if end_day:
            return TimeExpression(
                m.start(), m.end(), end_day, "day", rule + "-range", date_end=None
            )
    return TimeExpression(m.start(), m.end(), d, "day", rule + ("-year" if year else ""))


def _relative(
    text: str,
    start: int,
    end: int,
    published: date | None,
    pack: LanguagePack,
    pats: _Patterns,
) -> list[TimeExpression]:
    if published is None:
        return []
    out: list[TimeExpression] = []
    words = pack.time_words
    week_start = published - timedelta(days=published.weekday())
    resolved: dict[str, tuple[date, DatePrecision, date | None]] = {
        "day_before_yesterday": (published - timedelta(days=2), "day", None),
        "yesterday": (published - timedelta(days=1), "day", None),
        "overnight": (published, "day", None),
        "today": (published, "day", None),
        "this_week": (week_start, "week", published),
        "last_week": (week_start - timedelta(days=7), "week", week_start - timedelta(days=1)),
        "this_month": (published.replace(day=1), "month", published),
    }
    for key, (d, precision, d_end) in resolved.items():
        for m in words[key].finditer(text, start, end):
            out.append(
                TimeExpression(m.start(), m.end(), d, precision, key, date_end=d_end, relative=True)
            )
    for m in pats.weekday.finditer(text, start, end):
        target = pack.weekdays[m.group(1).lower()]
        back = (published.weekday() - target) % 7
        if m.group(0).lower().startswith(pack.grammar.last_weekday) and back == 0:
            back = 7
        d = published - timedelta(days=back)
        out.append(TimeExpression(m.start(), m.end(), d, "day", "weekday", relative=True))
    return out
