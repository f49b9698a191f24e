"""The records' own promises: every field in ``to_dict`` (written out by hand for speed), and
an event's summary the same whether made from the event or from its JSON shape."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest

from khronika.pipeline import extract_report
from khronika.places import Gazetteer
from khronika.reconcile import notes
from khronika.records import Evidence, Report, Source


def test_evidence_and_source_dicts_hold_every_field_and_read_back() -> None:
    evidence = Evidence("r1", 3, 9, "Bakhmut", "place:gazetteer")
    source = Source(
        "r1",
        "Ukrinform",
        "Pavlo Kyrylenko",
        "telegram",
        "he said",
        0,
        7,
        "said",
        "Donetsk Governor",
        "official",
    )
    for record in (evidence, source):
        data = record.to_dict()
        assert list(data) == [f.name for f in fields(record)]
        assert type(record).from_dict(data) == record


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "Russian forces struck Kharkiv with two S-300 missiles on Monday, hitting a "
            "school and killing 3 people, Governor Oleh Syniehubov said.",
        ),
        ("en", "Russia claimed its troops had captured Pisky, the Ukrainian army denied it."),
        (
            "uk",
            "У суботу окупанти обстріляли Нікополь з «Градів», поранено двох людей, "
            "повідомив голова ОВА Сергій Лисак.",
        ),
        ("ru", "В Херсоне прошёл митинг против оккупации, сообщили местные жители."),
    ],
)
def test_an_events_summary_is_the_one_its_json_gives(
    language: str, text: str, gaz: Gazetteer
) -> None:
    """``reconcile`` builds the summary from a light view of the event; a linked event builds
    it from the JSON shape. Both must say the same."""
    report = Report(id="r1", text=text, published=datetime(2024, 6, 4), language=language)
    extraction = extract_report(report, gaz)
    events = [*extraction.events, *extraction.candidates, *extraction.background]
    assert events, text
    for event in events:
        assert event.notes == notes(event.to_dict())
