"""Reports are routed to the pack of their language."""

import pytest

from khronika.language import detect_language
from khronika.pipeline import extract_report
from khronika.records import Report


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two people were injured in the shelling of Kherson.", "en"),
        ("Унаслідок обстрілу Херсона поранено двох людей, повідомила ОВА.", "uk"),
        ("В результате обстрела Белгорода пострадали два человека, сообщил губернатор.", "ru"),
        ("12 / 7", None),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_a_language_without_a_pack_fails_with_a_clear_error() -> None:
    report = Report(id="r1", text="Hello", language="fr")
    with pytest.raises(ValueError, match="no language pack for 'fr'"):
        extract_report(report)


@pytest.mark.parametrize(
    "text",
    [
        "Novokaterynivka",
        "Tsvetnye Peski",
        "Prominent rebel warlord Arseny 'Motorola' Pavlov dies in Donetsk blast",
    ],
)
def test_a_few_names_are_not_taken_for_a_language_without_a_pack(text: str) -> None:
    """A place name or a headline of names cannot show another language: lingua's search over
    all its languages called these Czech, Sotho or Slovak, and the report would have failed."""
    assert detect_language(text) in ("en", "uk", "ru")
