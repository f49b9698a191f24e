"""What a scoring run yields, and how it is shown: per-field shares, confusion, worst misses.

Each field keeps its own right/scored count; nothing is blended into one number, because a
single figure hides which stage fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NO_EVENT = "(no event)"
DEFAULT_MISSES = 15
TEXT_LIMIT = 300

Progress = Callable[[int, int], None]  # (rows done, rows selected)
_CORNER = "gold \\ predicted"


@dataclass
class FieldScore:
    """How many rows a field was scored on and how many of those were right."""

    right: int = 0
    scored: int = 0
    note: str = ""

    @property
    def share(self) -> float | None:
        return self.right / self.scored if self.scored else None

    def add(self, is_right: bool) -> None:
        self.scored += 1
        self.right += int(is_right)

    def to_dict(self) -> dict[str, Any]:
        share = self.share
        return {
            "right": self.right,
            "scored": self.scored,
            "share": round(share, 4) if share is not None else None,
            "note": self.note,
        }


@dataclass
class Miss:
    """One gold row the extraction got wrong, with what is needed to see why."""

    row_id: str
    text: str
    fields: list[str]
    gold: dict[str, Any]
    extracted: dict[str, Any] | None
    distance_km: float | None = None

    def rank(self) -> tuple[int, float]:
        """Most informative first: far place misses, type confusions, fatalities, the rest."""
        names = {name.split("[")[0] for name in self.fields}  # cases suffix "[n]"
        if self.extracted is None:
            return (4, 0.0)
        if self.distance_km is not None and any(name.startswith("place") for name in names):
            return (0, -self.distance_km)
        if "event_type" in names:
            return (1, 0.0)
        if "fatalities" in names:
            return (2, 0.0)
        return (3, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row_id": self.row_id,
            "text": truncate(self.text),
            "fields": list(self.fields),
            "gold": self.gold,
            "extracted": self.extracted,
            "distance_km": round(self.distance_km, 1) if self.distance_km is not None else None,
        }

    def record(self) -> dict[str, Any]:
        """The miss as one line of a misses file: as ``to_dict``, with the whole text."""
        return {**self.to_dict(), "text": self.text}


@dataclass
class EvalResult:
    """The scores of one gold file (or one slice of it)."""

    dataset: str
    source: str
    rows: int
    fields: dict[str, FieldScore]
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # extra views, title → rows (one dict per row, the same keys in each): shown as tables
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def ranked_misses(self, limit: int | None = None) -> list[Miss]:
        """Misses in order of informativeness (stable within a class: file order)."""
        ordered = sorted(self.misses, key=lambda miss: miss.rank())
        return ordered if limit is None else ordered[:limit]

    def to_dict(self, max_misses: int | None = DEFAULT_MISSES) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "rows": self.rows,
            "fields": {name: score.to_dict() for name, score in self.fields.items()},
            "confusion": {gold: dict(row) for gold, row in self.confusion.items()},
            "misses_total": len(self.misses),
            "misses": [miss.to_dict() for miss in self.ranked_misses(max_misses)],
            "notes": list(self.notes),
            "tables": {title: [dict(row) for row in rows] for title, rows in self.tables.items()},
        }


def count_confusion(confusion: dict[str, dict[str, int]], gold: str, predicted: str) -> None:
    """Add one (gold, predicted) pair to a confusion table."""
    row = confusion.setdefault(gold, {})
    row[predicted] = row.get(predicted, 0) + 1


def truncate(text: str, limit: int = TEXT_LIMIT) -> str:
    """Text cut to ``limit`` characters, marked with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def format_text(result: EvalResult, misses: int = DEFAULT_MISSES) -> str:
    """The human-readable report: field table, confusion table, worst misses."""
    lines = [f"{result.dataset}: {result.source} ({result.rows} rows scored)", ""]
    lines.extend(_field_table(result.fields))
    if result.confusion:
        lines.append("")
        lines.extend(_confusion_table(result.confusion))
    for title, rows in result.tables.items():
        lines.append("")
        lines.extend(_table(title, rows))
    shown = result.ranked_misses(misses)
    lines.append("")
    lines.append(f"worst misses ({len(shown)} of {len(result.misses)}):")
    for miss in shown:
        lines.extend(_miss_lines(miss))
    for note in result.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def _field_table(fields: dict[str, FieldScore]) -> list[str]:
    width = max([len("field"), *(len(name) for name in fields)])
    lines = [f"{'field':<{width}}  {'right/scored':>13}  {'share':>6}  rule"]
    for name, score in fields.items():
        share = f"{score.share:.1%}" if score.share is not None else "-"
        ratio = f"{score.right}/{score.scored}"
        lines.append(f"{name:<{width}}  {ratio:>13}  {share:>6}  {score.note}".rstrip())
    return lines


def _table(title: str, rows: list[dict[str, Any]]) -> list[str]:
    """A titled table of rows: numbers right-aligned (fractions to 3 places), text left."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(row.get(c), int | float) or row.get(c) is None for row in rows)
        for c in columns
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            f"{v:>{w}}" if right else f"{v:<{w}}"
            for v, w, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return [f"{title}:", line(columns), *(line(values) for values in cells)]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _confusion_table(confusion: dict[str, dict[str, int]]) -> list[str]:
    predicted = sorted({name for row in confusion.values() for name in row})
    codes = _short_codes(predicted)
    gold_width = max([len(_CORNER), *(len(name) for name in confusion)])
    widths = [max(len(codes[name]), 4) for name in predicted]
    header = f"{_CORNER:<{gold_width}}" + "".join(
        f"  {codes[name]:>{width}}" for name, width in zip(predicted, widths, strict=True)
    )
    lines = ["event types (rows: gold, columns: predicted)", header]
    for gold in sorted(confusion):
        cells = "".join(
            f"  {confusion[gold].get(name, 0):>{width}}"
            for name, width in zip(predicted, widths, strict=True)
        )
        lines.append(f"{gold:<{gold_width}}{cells}")
    lines.append("columns: " + "; ".join(f"{codes[name]} = {name}" for name in predicted))
    return lines


def _short_codes(names: list[str]) -> dict[str, str]:
    """Initials as column headers ("Explosions/Remote violence" → "ERV"), made unique."""
    codes: dict[str, str] = {}
    for name in names:
        initials = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", name)).upper()
        code = initials or "?"
        suffix = 2
        while code in codes.values():
            code = f"{initials}{suffix}"
            suffix += 1
        codes[name] = code
    return codes


def _miss_lines(miss: Miss) -> list[str]:
    distance = f", {miss.distance_km:.1f} km off" if miss.distance_km is not None else ""
    lines = [f"- {miss.row_id}: wrong {', '.join(miss.fields)}{distance}"]
    lines.append(f"    text: {truncate(miss.text)}")
    lines.append(f"    gold: {_compact(miss.gold)}")
    extracted = _compact(miss.extracted) if miss.extracted is not None else NO_EVENT
    lines.append(f"    extracted: {extracted}")
    return lines


def _compact(values: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items() if value not in (None, ""))
