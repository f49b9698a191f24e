"""Where the fighting was on a given day, as lines on the map: a prior for same-name villages.

Front-line news names villages whose names recur across an oblast. When nothing in a report
tells two of them apart, the one near the fighting at the report's date is the likelier, so the
resolver gives a candidate a small bonus that fades with its distance to the nearest line active
that day. The shipped lines (``data/priors/conflict_lines.toml``) are coarse; a
``conflict_lines.toml`` in the data dir ($KHRONIKA_HOME) adds lines of the user's own, e.g. a
newer front.
"""

from __future__ import annotations

import math
import threading
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from khronika.places.gazetteer import DATA_DIR, data_home

SHIPPED_LINES = DATA_DIR / "priors" / "conflict_lines.toml"
USER_LINES_NAME = "conflict_lines.toml"
_KM_PER_DEGREE_LATITUDE = 110.57
_KM_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111.32


class ConflictLinesError(ValueError):
    """A conflict-lines file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class ConflictLine:
    """One line (a front, a border under fire) and the days it stood."""

    name: str
    points: tuple[tuple[float, float], ...]  # (latitude, longitude)
    start: date
    end: date | None = None  # None: still standing

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def distance_km(self, latitude: float, longitude: float) -> float:
        """Distance from a point to the nearest segment, on a local flat projection (the
        lines are short enough that the error is far below their own precision)."""
        scale = _KM_PER_DEGREE_LONGITUDE_AT_EQUATOR * math.cos(math.radians(latitude))
        px, py = longitude * scale, latitude * _KM_PER_DEGREE_LATITUDE
        best = math.inf
        previous: tuple[float, float] | None = None
        for lat, lon in self.points:
            current = (lon * scale, lat * _KM_PER_DEGREE_LATITUDE)
            if previous is not None:
                best = min(best, _segment_distance(px, py, previous, current))
            previous = current
        return best


def _segment_distance(
    px: float, py: float, a: tuple[float, float], b: tuple[float, float]
) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


class ConflictLines:
    """The lines known, queried by day: which is nearest to a point, and how far."""

    _default: ClassVar[ConflictLines | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, lines: list[ConflictLine]) -> None:
        self.lines = lines

    @classmethod
    def default(cls) -> ConflictLines:
        """The shipped lines plus the data dir's own file, loaded once per process."""
        with cls._default_lock:
            if cls._default is None:
                lines = read_lines(SHIPPED_LINES)
                user_file = data_home() / USER_LINES_NAME
                if user_file.exists():
                    lines.extend(read_lines(user_file))
                cls._default = cls(lines)
            return cls._default

    def nearest(self, latitude: float, longitude: float, day: date) -> tuple[float, str] | None:
        """(km, line name) of the nearest line active on ``day``; None when none is."""
        found = [
            (line.distance_km(latitude, longitude), line.name)
            for line in self.lines
            if line.active_on(day)
        ]
        return min(found) if found else None


def read_lines(path: Path) -> list[ConflictLine]:
    """Parse a conflict-lines TOML file ([[line]] tables: name, from, until, points)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConflictLinesError(f"{path}: cannot read conflict lines: {error}") from error
    tables = data.get("line")
    if not isinstance(tables, list) or not tables:
        raise ConflictLinesError(f"{path}: no [[line]] tables")
    return [_parse_line(table, f"{path}: line {number}") for number, table in enumerate(tables, 1)]


def _parse_line(table: Any, where: str) -> ConflictLine:
    if not isinstance(table, dict):
        raise ConflictLinesError(f"{where}: not a table")
    unknown = set(table) - {"name", "from", "until", "points"}
    if unknown:
        raise ConflictLinesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name, start, end = table.get("name"), table.get("from"), table.get("until")
    if not isinstance(name, str) or not name.strip():
        raise ConflictLinesError(f"{where}: 'name' must be a non-empty string")
    if not isinstance(start, date):
        raise ConflictLinesError(f"{where} ({name}): 'from' must be a date such as 2022-02-24")
    if end is not None and (not isinstance(end, date) or end < start):
        raise ConflictLinesError(f"{where} ({name}): 'until' must be a date not before 'from'")
    raw_points = table.get("points")
    if not isinstance(raw_points, list) or len(raw_points) < 2:
        raise ConflictLinesError(f"{where} ({name}): 'points' needs at least two [lat, lon]")
    points = []
    for index, point in enumerate(raw_points, 1):
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180)
        ):
            raise ConflictLinesError(
                f"{where} ({name}): point {index} must be [latitude, longitude], got {point!r}"
            )
        points.append((float(point[0]), float(point[1])))
    return ConflictLine(name=name, points=tuple(points), start=start, end=end)
