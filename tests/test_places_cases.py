"""The hard-case table (tests/places_cases.tsv): inflected forms, variants, renamed places,
homonyms, city districts, small villages and places abroad, each resolved in its sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from khronika.places import Gazetteer, build_context, resolve, spot_places

CASES = Path(__file__).with_name("places_cases.tsv")


def _cases() -> list[tuple[str, ...]]:
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            fields = line.split("\t")
            rows.append(tuple(fields) + ("",) * (6 - len(fields)))
    return rows


def test_the_table_has_at_least_80_cases() -> None:
    assert len(_cases()) >= 80


@pytest.mark.parametrize(
    ("text", "surface", "name", "admin1", "country", "kind"), _cases(), ids=lambda v: v[:30]
)
def test_hard_case(
    gaz: Gazetteer, text: str, surface: str, name: str, admin1: str, country: str, kind: str
) -> None:
    spans = spot_places(text, gazetteer=gaz)
    span = next((s for s in spans if s.surface == surface), None)
    assert span is not None, [s.surface for s in spans]
    place = resolve(span, build_context(spans, gaz), gazetteer=gaz)
    assert (place.name, place.admin1, place.country_code) == (name, admin1, country), (
        place.candidates
    )
    if kind:
        assert place.place_kind == kind
