"""Extraction as named components over one Document: the order, the layer each adds, and a
new component put in without a change to the mention builder.

The reports are written for these tests (English and Ukrainian), short enough that every
layer can be checked by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from khronika.extraction import annotators
from khronika.extraction.annotators import PIPELINE
from khronika.extraction.document import Document, Pipeline, component
from khronika.extraction.mentions import extract_mentions, read_sentences
from khronika.lang import fold_case, load_pack
from khronika.places import Gazetteer
from khronika.records import Report

PUBLISHED = date(2024, 5, 15)  # a Wednesday: "on Tuesday" is 14 May
EN = (
    "Russian drones hit a school in Sumy on Tuesday, killing two people and wounding four, "
    "Governor Ivan Petrenko said on Telegram. "
    "The Air Force said it shot down nine of them. "
    "A family of three lived next door. All of them were injured. "
    "Shelling of the region has gone on since March."
)
UK = (
    "Російські війська обстріляли Херсон з артилерії у вівторок, загинули двоє людей, "
    "повідомив голова ОВА Олександр Петренко. "
    "Повітряні сили повідомили, що збили шість дронів. "
    "Обстріли області тривають з березня."
)
ORDER = (
    "sentences",
    "gates",
    "triggers",
    "people",
    "attribution",
    "speaker_names",
    "dates",
    "numbers",
    "figures",
    "actors",
    "places",
    "event_places",
    "mood",
    "group_totals",
)


def document(text: str, code: str, gaz: Gazetteer, until: str | None = None) -> Document:
    pipeline = PIPELINE.until(until) if until else PIPELINE
    return pipeline(Document(Report(id="t", text=text), load_pack(code), gaz, PUBLISHED))


def test_components_are_named_and_ordered() -> None:
    assert PIPELINE.names == ORDER
    added: set[str] = set()
    for step in PIPELINE:
        assert set(step.needs) <= added, step.name  # each reads only layers made before it
        added.update(step.adds)
    assert annotators.group_totals in PIPELINE.components


def test_a_pipeline_refuses_a_component_before_its_layers() -> None:
    with pytest.raises(ValueError, match="runs before its layers"):
        PIPELINE.insert(annotators.figures, before="numbers")
    with pytest.raises(ValueError, match="two components"):
        Pipeline([annotators.sentences, annotators.sentences])
    with pytest.raises(ValueError, match="no component"):
        PIPELINE.insert(annotators.figures, after="nothing")


@pytest.mark.parametrize(("text", "code"), [(EN, "en"), (UK, "uk")])
def test_each_component_adds_its_layers_one_entry_per_sentence(
    text: str, code: str, gaz: Gazetteer
) -> None:
    for step in PIPELINE:
        before = PIPELINE.names.index(step.name)
        doc = document(text, code, gaz, until=PIPELINE.names[before - 1]) if before else None
        for layer in step.adds:
            assert doc is None or getattr(doc, layer) == [], (step.name, layer)
        after = document(text, code, gaz, until=step.name)
        for layer in step.adds:
            assert len(getattr(after, layer)) == len(after.sentences) > 0, (step.name, layer)


def test_english_layers(gaz: Gazetteer) -> None:
    doc = document(EN, "en", gaz)
    text = doc.text
    assert [s.text for s in doc.sentences][2:4] == [
        "A family of three lived next door.",
        "All of them were injured.",
    ]
    for sentence, present in zip(doc.sentences, doc.gates, strict=True):
        assert all(literal in fold_case(sentence.text) for literal in present)
    assert [(t.trigger.name, text[t.start : t.end]) for t in doc.triggers[0]] == [
        ("drone", "drones"),
        ("strike", "hit"),
    ]
    assert [(p.name, p.role) for p in doc.people[0]] == [("Ivan Petrenko", "Governor")]
    first = doc.attributions[0]
    assert first is not None
    assert (first.speaker, first.channel, first.kind) == ("Ivan Petrenko", "Telegram", "person")
    assert [s.lexeme.value for s in doc.speakers[1]] == ["Ukrainian Air Force"]
    assert [(d.date, text[d.start : d.end]) for d in doc.dates[0]] == [
        (date(2024, 5, 14), "on Tuesday")
    ]
    assert doc.event_dates[0] is doc.dates[0][0]
    assert [n.value for n in doc.numbers[0]] == [2, 4]
    assert [(f.kind, f.value) for f in doc.figures[0]] == [("killed", 2), ("injured", 4)]
    assert [a.value for a in doc.actors[0]] == ["Russian forces"]
    assert [span.surface for span in doc.places[0]] == ["Sumy"]
    assert [p.span.surface for p in doc.event_places[0]] == ["Sumy"]
    assert [m.background for m in doc.mood] == [False, False, False, False, True]


def test_ukrainian_layers(gaz: Gazetteer) -> None:
    doc = document(UK, "uk", gaz)
    text = doc.text
    assert len(doc.sentences) == 3
    names = {t.trigger.name for t in doc.triggers[0]}
    assert {"artillery", "shelling"} <= names
    assert "Олександр Петренко" in {p.name for p in doc.people[0]}
    assert [s.lexeme.value for s in doc.speakers[1]] == ["Ukrainian Air Force"]
    assert [text[d.start : d.end] for d in doc.dates[0]] == ["у вівторок"]
    assert [(f.kind, f.value) for f in doc.figures[0]] == [("killed", 2)]
    assert [a.value for a in doc.actors[0]] == ["Russian forces"]
    assert [span.surface for span in doc.places[0]] == ["Херсон"]
    assert [m.background for m in doc.mood] == [False, False, True]


@pytest.mark.parametrize(("text", "code", "index"), [(EN, "en", 1), (UK, "uk", 1)])
def test_speaker_names_gate_drops_triggers_inside_a_speakers_name(
    text: str, code: str, index: int, gaz: Gazetteer
) -> None:
    """ "The Air Force said": a speaker, not an air strike."""
    before = document(text, code, gaz, until="attribution")
    after = document(text, code, gaz, until="speaker_names")
    names = {t.trigger.name for t in after.triggers[index]}
    assert "interception" in names
    assert len(after.triggers[index]) <= len(before.triggers[index])
    if code == "en":
        assert {t.trigger.name for t in before.triggers[index]} - names == {"air-strike"}


def test_group_totals_adds_the_counted_group_to_the_sentence_that_says_it(
    gaz: Gazetteer,
) -> None:
    before = document(EN, "en", gaz, until="mood")
    after = document(EN, "en", gaz)
    assert before.figures[3] == []
    assert [(f.kind, f.value, f.rule) for f in after.figures[3]] == [("injured", 3, "group-total")]
    assert EN[after.figures[3][0].start : after.figures[3][0].end] == "three"


def test_read_sentences_is_the_pipeline_s_layers(gaz: Gazetteer) -> None:
    report = Report(id="t", text=EN)
    facts = read_sentences(report, load_pack("en"), gaz, PUBLISHED)
    doc = document(EN, "en", gaz)
    assert [f.sentence for f in facts] == doc.sentences
    assert [f.figures for f in facts] == doc.figures
    assert [f.background for f in facts] == [m.background for m in doc.mood]


# A toy gate, as a new gate would be written: one component, no change to the builder.
DRILLS = {"en": ("exercise",), "uk": ("навчан",)}


@component("drills", needs=("sentences", "triggers"))
def drills(doc: Document) -> None:
    """A gate: fire at a training exercise is no event."""
    words = DRILLS[doc.pack.code]
    for index, sentence in enumerate(doc.sentences):
        if any(word in sentence.text.lower() for word in words):
            doc.triggers[index] = []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Troops fired artillery at a range near Rivne during a training exercise.", "en"),
        ("Під час навчань біля Рівного військові стріляли з артилерії.", "uk"),
    ],
)
def test_a_new_gate_is_one_component_inserted_into_the_pipeline(
    text: str, code: str, gaz: Gazetteer
) -> None:
    report = Report(id="t", text=text)
    pack = load_pack(code)
    assert extract_mentions(report, pack, gaz), "without the gate the sentence is an event"
    with_gate = PIPELINE.insert(drills, after="speaker_names")
    assert with_gate.names.index("drills") == PIPELINE.names.index("speaker_names") + 1
    assert extract_mentions(report, pack, gaz, with_gate) == []
    assert extract_mentions(report, pack, gaz), "PIPELINE itself is left as it was"


class CountSentences:
    """A component may be a class too: a name, its layers and ``__call__``."""

    name = "count"
    needs = ("sentences",)
    adds = ()

    def __init__(self) -> None:
        self.seen = 0

    def __call__(self, doc: Document) -> None:
        self.seen += len(doc.sentences)


def test_a_class_component_runs_in_its_place(gaz: Gazetteer) -> None:
    counter = CountSentences()
    pipeline = PIPELINE.insert(counter, before="gates")
    doc = pipeline(Document(Report(id="t", text=EN), load_pack("en"), gaz, PUBLISHED))
    assert counter.seen == len(doc.sentences) == 5
    assert pipeline.names[:3] == ("sentences", "count", "gates")
