"""Is this an event? The confidence gate, read through the whole extraction on short reports
written for these tests: trigger words with nothing behind them become candidates with their
reasons; reports that state what happened stay events."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from khronika.extraction.confidence import THRESHOLD, Signals, score
from khronika.lang import load_pack
from khronika.pipeline import Extraction, extract_report
from khronika.places import Gazetteer
from khronika.records import Report


def extract(text: str, gaz: Gazetteer, language: str, day: int = 4) -> Extraction:
    report = Report(
        id="r1", text=text, published=datetime(2024, 6, day), language=language, source="test"
    )
    return extract_report(report, gaz)


@pytest.mark.parametrize(
    ("language", "text", "reason"),
    [
        (
            "en",
            "Ukraine needs more air defence systems and artillery shells, the minister said.",
            "wanted",
        ),
        ("en", "The new aid package will include HIMARS rockets and drones for Ukraine.", "wanted"),
        ("en", "Volunteers raised $2 million to buy drones for a brigade near Bakhmut.", "wanted"),
        (
            "en",
            "Since the start of the full-scale invasion Russia has launched more than 9,000"
            " missiles at Ukraine.",
            "war-wide",
        ),
        (
            "en",
            "Ukrainians keep fighting for their freedom and independence, the president told"
            " the summit.",
            "figurative",
        ),
        (
            "uk",
            "Україна потребує більше систем ППО та артилерійських снарядів, заявив міністр.",
            "wanted",
        ),
        (
            "uk",
            "З початку повномасштабного вторгнення Росія випустила по Україні понад 9 тисяч ракет.",
            "war-wide",
        ),
        (
            "uk",
            "Українці борються за свободу і незалежність, сказав президент на саміті.",
            "figurative",
        ),
        (
            "ru",
            "Украине нужны дополнительные системы ПВО и артиллерийские снаряды, заявил министр.",
            "wanted",
        ),
        (
            "ru",
            "С начала полномасштабного вторжения Россия выпустила по Украине более 9 тысяч ракет.",
            "war-wide",
        ),
    ],
)
def test_trigger_words_with_nothing_behind_them_are_candidates(
    language: str, text: str, reason: str, gaz: Gazetteer
) -> None:
    extraction = extract(text, gaz, language)
    assert extraction.events == [], text
    reasons = " ".join(r for event in extraction.candidates for r in event.confidence_reasons)
    if extraction.candidates:
        assert reason in reasons, reasons


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "A Russian missile hit a hospital in Kharkiv on Monday, killing two people."),
        ("en", "Six Ukrainian soldiers killed by rebel fire in the east: ministry"),
        (
            "en",
            "Ukraine and Russia carried out a prisoner exchange on Thursday, the president said.",
        ),
        ("uk", "Російська ракета влучила в лікарню в Харкові в понеділок, загинули двоє людей."),
        (
            "ru",
            "Российская ракета попала в больницу в Харькове в понедельник, погибли два человека.",
        ),
    ],
)
def test_reports_that_state_what_happened_stay_events(
    language: str, text: str, gaz: Gazetteer
) -> None:
    events = extract(text, gaz, language).events
    assert events, text
    assert events[0].confidence >= THRESHOLD
    assert events[0].confidence_reasons[0].endswith("base")


def test_a_distractor_sentence_does_not_sink_a_real_event(gaz: Gazetteer) -> None:
    text = (
        "Ukraine needs more air defence, the mayor said. "
        "Two people were killed when a Russian missile hit Kremenchuk on Monday."
    )
    events = extract(text, gaz, "en").events
    assert [e.location.name for e in events if e.location] == ["Kremenchuk"]


def test_war_scale_counts_are_not_one_event(gaz: Gazetteer) -> None:
    text = "Nearly 30,000 Russian soldiers have been killed in Ukraine, the General Staff said."
    extraction = extract(text, gaz, "en")
    assert extraction.events == []
    assert any("war-wide" in r for e in extraction.candidates for r in e.confidence_reasons)


@pytest.mark.parametrize(
    ("language", "protest", "demand"),
    [
        (
            "en",
            "Several hundred residents of Zaporizhzhia rallied outside the city council on "
            "Saturday and demanded that the authorities open more shelters in schools.",
            "The mayor of Zaporizhzhia called on Saturday for missile strikes on Russian "
            "airfields in Crimea.",
        ),
        (
            "uk",
            "У суботу в Запоріжжі кілька сотень людей вийшли на акцію протесту й вимагали "
            "відкрити більше укриттів у школах.",
            "У суботу мер Запоріжжя закликав завдати ракетних ударів по російських аеродромах у "
            "Криму.",
        ),
        (
            "ru",
            "В субботу в Запорожье несколько сотен человек вышли на акцию протеста и требуют "
            "открыть больше укрытий в школах.",
            "В субботу мэр Запорожья призвал нанести ракетные удары по Белгороду.",
        ),
    ],
)
def test_a_protest_that_demands_is_an_event_a_demand_alone_is_not_one(
    language: str, protest: str, demand: str, gaz: Gazetteer
) -> None:
    [event] = extract(protest, gaz, language).events
    assert event.event_type == "Protests"
    assert not any("demanded" in r for r in event.confidence_reasons)
    asked = extract(demand, gaz, language)
    assert asked.events == []  # a candidate for its demand, or no mention at all
    for candidate in asked.candidates:
        assert any("asked, called or demanded" in r for r in candidate.confidence_reasons)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "About 300 people have been killed in Izium since Russian forces captured the town "
            "in April, the regional governor said on Friday.",
        ),
        (
            "uk",
            "Близько 300 людей загинули в Ізюмі відтоді, як російські війська захопили місто у "
            "квітні, повідомив у п'ятницю голова ОВА.",
        ),
        (
            "ru",
            "Около 300 человек погибли в Изюме с тех пор, как российские войска захватили город "
            "в апреле, сообщил в пятницу глава ОВА.",
        ),
    ],
)
def test_a_total_over_time_stays_a_candidate_however_well_anchored(
    language: str, text: str, gaz: Gazetteer
) -> None:
    extraction = extract(text, gaz, language, day=8)
    assert extraction.events == []
    [candidate] = extraction.candidates
    assert candidate.confidence < THRESHOLD
    assert "a total over time is not one event" in candidate.confidence_reasons[-1]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "A Russian missile struck a shopping centre in Lviv, a city that hosts hundreds of "
            "thousands of displaced people, on Friday morning.",
        ),
        (
            "uk",
            "Російська ракета влучила в торговельний центр у Львові, де перебувають сотні тисяч "
            "переселенців, у п'ятницю вранці.",
        ),
        (
            "ru",
            "Российская ракета попала в торговый центр во Львове, где находятся сотни тысяч "
            "переселенцев, в пятницу утром.",
        ),
    ],
)
def test_a_large_number_of_people_beside_a_strike_is_not_a_war_total(
    language: str, text: str, gaz: Gazetteer
) -> None:
    [event] = extract(text, gaz, language, day=8).events
    assert event.location is not None and event.location.name == "Lviv"
    assert not any("war-wide" in r for r in event.confidence_reasons)


def test_the_war_told_in_a_relative_clause_belongs_to_the_word_before_it(gaz: Gazetteer) -> None:
    text = (
        "After weeks of shelling of Kupiansk, which has gone on since the start of the war, a "
        "Russian missile hit the town's hospital on Friday, killing two nurses."
    )
    [event] = extract(text, gaz, "en", day=8).events
    assert event.fatalities.best == 2
    assert not any("war-wide" in r for r in event.confidence_reasons)


@pytest.mark.parametrize(
    ("language", "obituary", "report"),
    [
        (
            "en",
            "Died a defender of Kharkiv with the call sign Lynx. He went to the front in the "
            "first days of the war. He was only 24 years old.",
            "A Ukrainian soldier died in Kharkiv on Monday, the regional governor said.",
        ),
        (
            "uk",
            "Загинув захисник Харкова з позивним «Рись». Він пішов на фронт у перші дні війни. "
            "Йому було лише 24 роки.",
            "У понеділок у Харкові загинув український військовий, повідомив голова ОВА.",
        ),
        (
            "ru",
            "Погиб защитник Харькова с позывным «Рысь». Он ушёл на фронт в первые дни войны. "
            "Ему было всего 24 года.",
            "В понедельник в Харькове погиб украинский военный, сообщил глава ОВА.",
        ),
    ],
)
def test_a_death_in_a_life_told_is_a_candidate_a_death_reported_is_an_event(
    language: str, obituary: str, report: str, gaz: Gazetteer
) -> None:
    told = extract(obituary, gaz, language, day=8)
    assert told.events == []
    assert any("a life told" in r for e in told.candidates for r in e.confidence_reasons)
    assert extract(report, gaz, language, day=8).events


def test_every_step_of_a_confidence_is_a_reason_and_the_sum_is_the_value() -> None:
    pack = load_pack("en")
    text = "Russian troops shelled Kupiansk on Monday."
    signals = Signals(
        anchor="own-place",
        specific=True,
        victims=False,
        dated=True,
        counted_weapons=False,
        targets=False,
        trigger_spans=[(text.index("shelled"), text.index("shelled") + len("shelled"))],
        trigger_sentences=[(0, len(text))],
        chosen_sentence=(0, len(text)),
    )
    confidence = score(text, signals, pack)
    steps = [float(reason.split()[0]) for reason in confidence.reasons]
    assert round(sum(steps), 2) == confidence.value
    assert confidence.emitted


def test_extract_prints_candidates_only_when_asked(gaz: Gazetteer) -> None:
    # (the gaz fixture points KHRONIKA_HOME at the session's own data directory)
    text = "Ukraine needs more artillery shells and drones, the minister said."
    base = [sys.executable, "-m", "khronika.cli", "extract", "--published", "2024-06-04", "-"]
    plain = subprocess.run(base, input=text, capture_output=True, text=True, check=True)
    asked = subprocess.run(
        [*base, "--candidates"], input=text, capture_output=True, text=True, check=True
    )
    assert "candidates" not in json.loads(plain.stdout)
    candidates = json.loads(asked.stdout)["candidates"]
    assert candidates and all("confidence_reasons" in c for c in candidates)
