"""Who says so: the speaker and channel of each sentence.

Speakers are known institutions from the language pack (the State Emergency Service, the
General Staff, a defence ministry) or named people introduced by a title ("Governor Oleh
Synyehubov"); later mentions by surname ("Synyehubov further said") or by pronoun ("He
argued") resolve to the person already introduced in the same report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache

from khronika.extraction.sentences import Sentence
from khronika.lang import LanguagePack, could_match


@dataclass(frozen=True)
class _NamePatterns:
    person_after_title: re.Pattern[str]
    role_before: re.Pattern[str]
    anywhere: re.Pattern[str] | None


@cache
def _name_patterns(pack: LanguagePack) -> _NamePatterns:
    """Names are told by their capitals, so these patterns are case-sensitive."""
    name = f"(?:{pack.grammar.name})"
    gap = pack.grammar.title_gap
    return _NamePatterns(
        person_after_title=re.compile(rf"{gap}\s+({name}(?:\s+{name}){{0,2}})"),
        role_before=re.compile(pack.grammar.role_before),
        anywhere=re.compile(name) if pack.grammar.learn_names_anywhere else None,
    )


@dataclass(frozen=True)
class Attribution:
    speaker: str | None
    channel: str | None
    role: str | None
    kind: str | None  # party, emergency, official, monitor, person
    start: int  # span of the speaker's mention (or of the sentence when implicit)
    end: int
    rule: str
    side: str | None = None  # the party an institution speaks for ("russia", "ukraine")


@dataclass
class _Person:
    name: str
    role: str | None


@dataclass(frozen=True)
class _Speaker:
    name: str
    role: str | None
    kind: str
    start: int
    end: int
    rule: str
    side: str | None = None


def attribute(
    text: str,
    sentences: list[Sentence],
    pack: LanguagePack,
    presents: Sequence[AbstractSet[str]] | None = None,
) -> list[Attribution | None]:
    """One attribution (or None) per sentence, in order."""
    people: dict[str, _Person] = {}  # surname -> person introduced earlier
    last: Attribution | None = None
    result: list[Attribution | None] = []
    for index, sentence in enumerate(sentences):
        present = presents[index] if presents is not None else None
        found = _attribute_sentence(text, sentence, pack, people, last, present)
        result.append(found)
        if found is not None:
            last = found
    return result


def _attribute_sentence(
    text: str,
    sentence: Sentence,
    pack: LanguagePack,
    people: dict[str, _Person],
    last: Attribution | None,
    present: AbstractSet[str] | None = None,
) -> Attribution | None:
    verb = pack.reporting_verbs.search(text, sentence.start, sentence.end)
    _learn_people(text, sentence, pack, people)
    verb_at = verb.start() if verb else _signature_at(text, sentence)
    if verb_at is None:
        return None
    channel = _channel(text, sentence, pack, present)
    speaker = _known_speaker(text, sentence, pack, verb_at, present)
    if speaker is None:
        speaker = _named_person(text, sentence, people, verb_at)
    if speaker is None and last is not None and last.speaker:
        pronoun = pack.grammar.pronoun.match(sentence.text)
        if pronoun and sentence.start + pronoun.start(1) < verb_at:
            start = sentence.start + pronoun.start(1)
            return Attribution(
                last.speaker, channel, last.role, last.kind, start, start + 2, "pronoun", last.side
            )
    if speaker is None:
        return None
    return Attribution(
        speaker.name,
        channel,
        speaker.role,
        speaker.kind,
        speaker.start,
        speaker.end,
        speaker.rule,
        speaker.side,
    )


_LEAD_SIGNATURE = re.compile(r"[^:.!?]{2,70}?:\s")  # "Минобороны России: ..."
_TRAILING_SIGNATURE = re.compile(r"[—–]\s*[^—–]{2,120}$")  # "... — Олег Синєгубов, начальник ОВА"


def _signature_at(text: str, sentence: Sentence) -> int | None:
    """Where a statement without a reporting verb names its speaker: a leading "Speaker:" or a
    trailing "— Speaker" (official posts sign this way). The offset stands in for the verb."""
    lead = _LEAD_SIGNATURE.match(text, sentence.start, sentence.end)
    if lead:
        return lead.end() - 1
    trail = _TRAILING_SIGNATURE.search(text, sentence.start, sentence.end)
    return trail.start() + 1 if trail else None


def _channel(
    text: str, sentence: Sentence, pack: LanguagePack, present: AbstractSet[str] | None
) -> str | None:
    for lex in pack.channels:
        if present is not None and not could_match(lex.gate, present):
            continue  # its literals are absent: it cannot match (lang.could_match)
        if lex.regex.search(text, sentence.start, sentence.end):
            return lex.value
    return None


def _known_speaker(
    text: str,
    sentence: Sentence,
    pack: LanguagePack,
    verb_at: int,
    present: AbstractSet[str] | None = None,
) -> _Speaker | None:
    """The institution nearest the reporting verb (its subject, or after "according to")."""
    best: tuple[int, _Speaker] | None = None
    for lex in pack.speakers:
        if present is not None and not could_match(lex.gate, present):
            continue
        for m in lex.regex.finditer(text, sentence.start, sentence.end):
            before_verb = m.end() <= verb_at
            distance = verb_at - m.end() if before_verb else m.start() - verb_at + 20
            side = lex.extra.get("side")
            speaker = _Speaker(
                lex.value,
                None,
                str(lex.extra.get("kind", "official")),
                m.start(),
                m.end(),
                "speaker-lexicon",
                str(side) if side else None,
            )
            if best is None or distance < best[0]:
                best = (distance, speaker)
    return best[1] if best and best[0] < 160 else None


def _learn_people(
    text: str, sentence: Sentence, pack: LanguagePack, people: dict[str, _Person]
) -> None:
    patterns = _name_patterns(pack)
    for title in pack.person_titles.finditer(text, sentence.start, sentence.end):
        after = patterns.person_after_title.match(text, title.end(), sentence.end)
        if not after:
            continue
        name = after.group(1)
        role_before = patterns.role_before.search(text[sentence.start : title.start()])
        role = " ".join(
            part
            for part in (
                role_before.group(1).strip() if role_before else "",
                text[title.start() : after.start(1)].strip(),
            )
            if part
        )
        people.setdefault(name.split()[-1], _Person(name, role[0].upper() + role[1:]))
    if patterns.anywhere is not None:
        for match in patterns.anywhere.finditer(text, sentence.start, sentence.end):
            people.setdefault(match.group(0).split()[-1], _Person(match.group(0), None))


def person_spans(text: str, sentence: Sentence, pack: LanguagePack) -> list[tuple[int, int]]:
    """Spans of people's names introduced by a title (or known first names, where the pack
    lists them): never places, even when a town shares the name ("President Volodymyr
    Zelenskyy", "Governor Oleh Synyehubov")."""
    patterns = _name_patterns(pack)
    spans = []
    for title in pack.person_titles.finditer(text, sentence.start, sentence.end):
        after = patterns.person_after_title.match(text, title.end(), sentence.end)
        if after:
            spans.append((after.start(1), after.end(1)))
    if patterns.anywhere is not None:
        spans += [
            (m.start(), m.end())
            for m in patterns.anywhere.finditer(text, sentence.start, sentence.end)
        ]
    return spans


def _named_person(
    text: str, sentence: Sentence, people: dict[str, _Person], verb_at: int
) -> _Speaker | None:
    best: tuple[int, _Speaker] | None = None
    for surname, person in people.items():
        for m in re.finditer(rf"\b{re.escape(surname)}\b", text[sentence.start : sentence.end]):
            start = sentence.start + m.start()
            end = sentence.start + m.end()
            if end > verb_at + 40:
                continue
            speaker = _Speaker(person.name, person.role, "person", start, end, "named-person")
            if best is None or abs(verb_at - end) < best[0]:
                best = (abs(verb_at - end), speaker)
    return best[1] if best else None
