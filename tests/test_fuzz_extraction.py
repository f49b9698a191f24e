"""Property tests of the extraction: any text is read without an exception into output of the
shape ``khronika extract`` prints, and counts of things never become casualty figures.

``make fuzz`` runs the same entry points much longer (scripts/fuzz_extraction.py); set
``KHRONIKA_FUZZ_EXAMPLES`` to run these with more examples.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khronika import pipeline
from khronika.extraction.mentions import read_sentences
from khronika.lang import load_pack
from khronika.places import Gazetteer
from khronika.records import Event, Report

EXAMPLES = int(os.environ.get("KHRONIKA_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # hermetic: no example database written beside the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PACKS = Path(__file__).resolve().parents[1] / "src" / "khronika" / "lang"
LANGUAGES = ("en", "uk", "ru")


@cache
def _gazetteer() -> Gazetteer:
    return Gazetteer.default()


@cache
def pack_words(language: str, key: str) -> tuple[str, ...]:
    """The plain words of a casualties list in a language pack: "drones?" gives "drones" and
    "drone", "ракет\\w*" gives "ракет", "ракети" and "ракетів" (those the pattern matches);
    entries that are patterns of more than that are left out."""
    with (PACKS / f"{language}.toml").open("rb") as f:
        entries = tomllib.load(f)["casualties"][key]
    pattern = load_pack(language).not_persons if key == "not_persons" else None
    words: set[str] = set()
    for entry in entries:
        optional = re.fullmatch(r"(\w+)(\w)\?", entry)  # "drones?"
        stem = re.fullmatch(r"(\w+)\\w\*", entry)  # "ракет\w*"
        if optional:
            words.update({optional[1], optional[1] + optional[2]})
        elif stem:
            words.update({stem[1], stem[1] + "и", stem[1] + "ів"})
        elif re.fullmatch(r"\w+", entry):
            words.add(entry)
    if pattern is not None:
        words = {w for w in words if pattern.fullmatch(w)}
    return tuple(sorted(words))


NUMBER_WORDS = [
    "one",
    "two",
    "three",
    "seventeen",
    "twenty-five",
    "hundred",
    "thousand",
    "million",
    "billion",
    "dozens",
    "один",
    "два",
    "три",
    "двадцять",
    "п'ятеро",
    "сотні",
    "тисяча",
    "мільйон",
    "десятки",
    "один",
    "два",
    "три",
    "двадцать",
    "пятеро",
    "сотни",
    "тысяча",
    "миллион",
    "десятки",
]
CASUALTY_WORDS = [
    "killed",
    "injured",
    "wounded",
    "dead",
    "died",
    "people",
    "civilians",
    "soldiers",
    "children",
    "toll",
    "загинули",
    "поранені",
    "загиблих",
    "людей",
    "цивільних",
    "дітей",
    "погибли",
    "ранены",
    "погибших",
    "человек",
    "мирных",
    "детей",
]

huge_numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
digits = st.from_regex(r"\d{1,4}(?:[.,: /-]\d{1,4}){0,3}", fullmatch=True)
words = st.sampled_from(NUMBER_WORDS + CASUALTY_WORDS)
mixed_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=300)
texts = st.lists(
    st.one_of(mixed_text, huge_numbers, digits, words, st.sampled_from([".", "\n", "\n\n", ","])),
    max_size=40,
).map(" ".join)


@cache
def reference_shape() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Keys of ``khronika extract``'s JSON for a report with an event: top level, report,
    event."""
    text = "A Russian drone strike on Kherson killed two civilians on 3 May 2024, police said."
    data = pipeline.extract_report(Report(id="ref", text=text, language="en")).to_dict()
    assert data["events"], "the reference report must give an event"
    return frozenset(data), frozenset(data["report"]), frozenset(data["events"][0])


@FUZZ
@given(text=texts, language=st.sampled_from(LANGUAGES))
def test_any_text_extracts_into_json_of_the_extract_shape(text: str, language: str) -> None:
    report = Report(id="fuzz", text=text, language=language)
    data = pipeline.extract_report(report, _gazetteer()).to_dict()
    top, report_keys, event_keys = reference_shape()
    assert set(data) == top and set(data["report"]) == report_keys
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    for event in data["events"] + data["background"]:
        assert set(event) == event_keys
        assert Event.from_dict(event).to_dict() == event
        for casualties in (event["fatalities"], event["injured"]):
            for value in (casualties["low"], casualties["best"], casualties["high"]):
                assert value is None or (isinstance(value, int) and value >= 0)


@st.composite
def thing_sentences(draw: st.DrawFn) -> tuple[str, str, list[tuple[int, int]], tuple[int, int]]:
    """An English report where counts of things ("12 drones") sit beside one count of people
    killed; the spans of the thing counts and of the people count."""
    things = pack_words("en", "not_persons")
    parts: list[str] = []
    thing_spans: list[tuple[int, int]] = []
    offset = 0
    for _ in range(draw(st.integers(1, 3))):
        number = str(draw(st.integers(2, 999)))
        phrase = f"{number} {draw(st.sampled_from(things))}"
        verb = draw(st.sampled_from(["were destroyed", "were hit", "were launched", "burned"]))
        thing_spans.append((offset, offset + len(number)))
        part = f"{phrase} {verb}, "
        parts.append(part)
        offset += len(part)
    killed = str(draw(st.integers(2, 999)))
    people = draw(st.sampled_from(["people", "civilians", "soldiers", "residents"]))
    tail = f"and {killed} {people} were killed in the attack on Kharkiv."
    killed_start = offset + len("and ")
    text = "".join(parts) + tail
    text = text[0].upper() + text[1:]
    return text, killed, thing_spans, (killed_start, killed_start + len(killed))


@st.composite
def uk_thing_sentences(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """A Ukrainian sentence of counts of things and a death word: no figure from the counts."""
    things = pack_words("uk", "not_persons")
    parts, spans, offset = [], [], 0
    for _ in range(draw(st.integers(1, 3))):
        number = str(draw(st.integers(2, 999)))
        part = f"{number} {draw(st.sampled_from(things))} "
        spans.append((offset, offset + len(number)))
        parts.append(part)
        offset += len(part)
    verb = draw(st.sampled_from(["загинули", "поранені", "знищено", "загинуло"]))
    return "".join(parts) + verb + " у Харкові.", spans


def _figures(text: str, language: str) -> list[tuple[int, int, str, int | None]]:
    report = Report(id="things", text=text, language=language)
    facts = read_sentences(report, load_pack(language), _gazetteer(), None)
    return [(f.start, f.end, f.kind, f.value) for fact in facts for f in fact.figures]


@FUZZ
@given(case=thing_sentences())
def test_counts_of_things_are_never_casualty_figures(
    case: tuple[str, str, list[tuple[int, int]], tuple[int, int]],
) -> None:
    text, killed, thing_spans, killed_span = case
    figures = _figures(text, "en")
    assert not [f for f in figures if (f[0], f[1]) in thing_spans], (text, figures)
    assert (killed_span[0], killed_span[1], "killed", int(killed)) in figures, (text, figures)


@FUZZ
@given(case=uk_thing_sentences())
def test_counts_of_things_are_never_figures_in_ukrainian(
    case: tuple[str, list[tuple[int, int]]],
) -> None:
    text, thing_spans = case
    figures = _figures(text, "uk")
    assert not [f for f in figures if (f[0], f[1]) in thing_spans], (text, figures)


def test_the_pack_lists_give_words_to_build_from() -> None:
    assert {"drone", "drones", "missiles"} <= set(pack_words("en", "not_persons"))
    assert len(pack_words("uk", "not_persons")) >= 5
