"""Regression guard: fixed slices of the development data are scored with the real pipeline,
and every field must stay at or above its recorded floor in ``tests/floors.toml``.

The slices of ``../shared/eval`` are skipped when that folder is absent; the hand-written
cases always run. ``python tests/test_regression_guard.py`` prints the measured values in the
floors file's layout, for raising floors after an improvement (they never go down).
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from khronika.evaluate import EvalResult, score_acled, score_cases, score_ucdp
from khronika.evaluate.gold import score_gold
from khronika.evaluate.linking import score_link_stream, score_link_ucdp, score_link_warline

TESTS = Path(__file__).resolve().parent
FLOORS_FILE = TESTS / "floors.toml"
SHARED_EVAL = TESTS.parent.parent / "shared" / "eval"
TOLERANCE = 1e-9  # shares are exact fractions; this only absorbs float rounding


@dataclass(frozen=True)
class Slice:
    name: str  # the table of its floors in floors.toml
    path: Path
    score: Callable[..., EvalResult]
    limit: int | None  # first N rows; None: all
    shared: bool  # read from ../shared/eval (skipped when absent)


SLICES = (
    Slice("acled_ukraine", SHARED_EVAL / "acled-ukraine-2018-2023.csv", score_acled, 150, True),
    Slice("acled_somalia", SHARED_EVAL / "acled-somalia-2025.csv", score_acled, 300, True),
    Slice("ucdp_ukraine", SHARED_EVAL / "ucdp-ukraine-2014-2021.csv", score_ucdp, 200, True),
    Slice("cases_en", TESTS / "cases" / "en.jsonl", score_cases, None, False),
    Slice("cases_uk", TESTS / "cases" / "uk.jsonl", score_cases, None, False),
    Slice("cases_ru", TESTS / "cases" / "ru.jsonl", score_cases, None, False),
    Slice("warline_dev", SHARED_EVAL / "warline-dev.jsonl", score_gold, None, True),
    Slice("cases_gate_en", TESTS / "cases" / "gate-en.jsonl", score_cases, None, False),
    Slice("cases_gate_uk", TESTS / "cases" / "gate-uk.jsonl", score_cases, None, False),
    Slice("cases_gate_ru", TESTS / "cases" / "gate-ru.jsonl", score_cases, None, False),
    Slice("link_warline", SHARED_EVAL / "warline-dev.jsonl", score_link_warline, None, True),
    Slice("link_ucdp", SHARED_EVAL / "ucdp-ukraine-2014-2021.csv", score_link_ucdp, None, True),
    Slice("link_stream", TESTS / "data" / "link-stream.jsonl", score_link_stream, None, False),
)


def read_floors(path: Path = FLOORS_FILE) -> dict[str, dict[str, float]]:
    """Slice name -> field -> floor; a malformed file is named with what is wrong."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    floors: dict[str, dict[str, float]] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"{path}: [{name}] must be a table of field = floor")
        for field_name, floor in table.items():
            if not isinstance(floor, int | float) or not 0 <= floor <= 1:
                raise ValueError(f"{path}: {name}.{field_name} must be a share in [0, 1]")
        floors[name] = {field_name: float(floor) for field_name, floor in table.items()}
    return floors


def measured_shares(result: EvalResult) -> dict[str, float]:
    """Share right per field, for the fields that scored at least one row."""
    return {name: s.share for name, s in result.fields.items() if s.share is not None}


def fields_below_floor(shares: Mapping[str, float], floors: Mapping[str, float]) -> list[str]:
    """One line per field under its floor (or no longer measured), naming both values."""
    problems = []
    for name, floor in floors.items():
        share = shares.get(name)
        if share is None:
            problems.append(f"{name}: has a floor of {floor:.2f} but was not measured")
        elif share + TOLERANCE < floor:
            problems.append(f"{name}: {share:.4f} is below its floor {floor:.2f}")
    return problems


def score_slice(piece: Slice) -> EvalResult:
    return piece.score(piece.path, limit=piece.limit)


def test_fields_below_floor_names_each_broken_field() -> None:
    shares = {"event_type": 0.90, "admin1": 0.95, "fatalities": 0.5}
    floors = {"event_type": 0.91, "admin1": 0.95, "place": 0.3}
    assert fields_below_floor(shares, floors) == [
        "event_type: 0.9000 is below its floor 0.91",
        "place: has a floor of 0.30 but was not measured",
    ]


def test_floors_file_covers_every_slice() -> None:
    assert set(read_floors()) == {piece.name for piece in SLICES}


@pytest.mark.parametrize("piece", SLICES, ids=[piece.name for piece in SLICES])
def test_no_field_below_its_floor(piece: Slice) -> None:
    if piece.shared and not piece.path.is_file():
        pytest.skip(f"development data not present: {piece.path}")
    result = score_slice(piece)
    problems = fields_below_floor(measured_shares(result), read_floors()[piece.name])
    where = f"{piece.path.name}" + (f", first {piece.limit} rows" if piece.limit else "")
    assert not problems, f"{piece.name} ({where}) fell below its floors:\n" + "\n".join(problems)


def print_measured() -> None:
    """The current shares, rounded down to 0.01, in floors.toml's layout."""
    for piece in SLICES:
        if not piece.path.is_file():
            print(f"# {piece.name}: skipped, {piece.path} not present\n")
            continue
        print(f"[{piece.name}]")
        for name, share in measured_shares(score_slice(piece)).items():
            print(f"{name} = {math.floor(share * 100 + TOLERANCE) / 100:.2f}")
        print()


if __name__ == "__main__":
    print_measured()
    sys.exit(0)
