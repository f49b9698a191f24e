"""Dates said in reports resolve against the publication date, with their precision."""

from datetime import date

import pytest

from khronika.lang import load_pack
from khronika.time import find_dates

PACK = load_pack("en")
THURSDAY = date(2024, 5, 23)


def resolve(text: str, published: date | None = THURSDAY) -> list[tuple[str, str, str, bool]]:
    return [
        (text[t.start : t.end], t.date.isoformat(), t.precision, t.since)
        for t in find_dates(text, 0, len(text), published, PACK)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 14 August 2020, people gathered.", ("14 August 2020", "2020-08-14", "day", False)),
        ("Shelling on August 14, 2020 hit it.", ("August 14, 2020", "2020-08-14", "day", False)),
        ("The front opened on May 10.", ("May 10", "2024-05-10", "day", False)),
        ("It happened yesterday.", ("yesterday", "2024-05-22", "day", False)),
        ("Drones attacked overnight.", ("overnight", "2024-05-23", "day", False)),
        ("A strike on Tuesday.", ("on Tuesday", "2024-05-21", "day", False)),
        ("Shelling last Thursday.", ("last Thursday", "2024-05-16", "day", False)),
        ("Fighting earlier this week.", ("earlier this week", "2024-05-20", "week", False)),
        ("Fighting since May 10.", ("May 10", "2024-05-10", "day", True)),
        ("On the night of 4 to 5 May.", ("4 to 5 May", "2024-05-05", "day", False)),
        ("Published 2024-05-01.", ("2024-05-01", "2024-05-01", "day", False)),
        ("Dated 01.05.2024.", ("01.05.2024", "2024-05-01", "day", False)),
        ("In March 2023 it began.", ("March 2023", "2023-03-01", "month", False)),
    ],
)
def test_expressions_resolve_against_publication(
    text: str, expected: tuple[str, str, str, bool]
) -> None:
    assert resolve(text)[0] == expected


def test_a_day_month_after_publication_is_last_year() -> None:
    assert resolve("It began on December 30.", date(2024, 1, 2))[0][1] == "2023-12-30"


def test_may_the_verb_is_not_a_month() -> None:
    assert resolve("Officials said it may rain on 5 days.") == []


def test_relative_words_need_a_publication_date() -> None:
    assert resolve("It happened yesterday.", None) == []
    assert resolve("On 9 October 2018, rebels fired.", None)[0][1] == "2018-10-09"
