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
