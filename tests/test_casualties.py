"""Casualty figures: people killed and injured, never things counted."""

import pytest

from khronika.extraction.casualties import find_figures
from khronika.extraction.numbers import find_numbers
from khronika.lang import load_pack

PACK = load_pack("en")


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    numbers = find_numbers(text, 0, len(text), PACK)
    found = find_figures(text, 0, len(text), numbers, [], PACK)
    return [(f.kind, f.value, f.qualifier, f.group) for f in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "At least seven people were killed and 20 injured in the strike.",
            [("killed", 7, "at least", "all"), ("injured", 20, "exact", "all")],
        ),
        (
            "The shelling killed two civilians and wounded five others.",
            [("killed", 2, "exact", "civilians"), ("injured", 5, "exact", "all")],
        ),
        (
            "One soldier and three rebels were killed.",
            [("killed", 1, "exact", "combatants"), ("killed", 3, "exact", "combatants")],
        ),
        ("Dozens of people were injured.", [("injured", 12, "about", "all")]),
        ("Several residents were wounded.", [("injured", None, "about", "all")]),
        ("Up to 10 people may have died.", [("killed", 10, "up to", "all")]),
        ("A 65-year-old man was killed.", [("killed", 1, "exact", "civilians")]),
        ("The drone hit the car, injuring at least 2.", [("injured", 2, "at least", "all")]),
        ("The death toll rose to 9.", [("killed", 9, "exact", "all")]),
        (
            "There were no casualties.",
            [("killed", 0, "exact", "all"), ("injured", 0, "exact", "all")],
        ),
    ],
)
def test_figures(text: str, expected: list[tuple[str, int | None, str, str]]) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Russia launched 15 missiles at once on the city.",
        "The town lies about 25 kilometers (15.5 miles) from the border.",
        "The village was hit 45 times in 3 hours.",
        "Casualties unknown.",
        "The 93rd brigade repelled 12 assaults.",
        "Fighting has gone on for three years, since 2021.",
    ],
)
def test_numbers_that_count_other_things_are_not_casualties(text: str) -> None:
    assert figures(text) == []


def test_update_and_subset_flags() -> None:
    text = "The number of injured increased to 20, including three children."
    numbers = find_numbers(text, 0, len(text), PACK)
    found = find_figures(text, 0, len(text), numbers, [], PACK)
    assert [(f.value, f.update, f.subset) for f in found] == [(20, True, False), (3, True, True)]
