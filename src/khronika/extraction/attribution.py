"""Who says so: the speaker and channel of each sentence.

Speakers are known institutions from the language pack (the State Emergency Service, the
General Staff, a defence ministry) or named people introduced by a title ("Governor Oleh
Synyehubov"); later mentions by surname ("Synyehubov further said") or by pronoun ("He
argued") resolve to the person already introduced in the same report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache

from khronika.extraction.gating import gated
from khronika.extraction.sentences import Sentence
from khronika.lang import LanguagePack, Lexeme


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


@dataclass(frozen=True)
class NamedPerson:
    """A person's name in a sentence: after a title ("Governor Oleh Synyehubov", role
    "Governor") or, where the pack says so, any capitalised name (role None)."""

    start: int
    end: int
    name: str
    role: str | None


@dataclass(frozen=True)
class SpeakerName:
    """An institution from the pack's speaker lexicon, named in a sentence."""

    start: int
    end: int
    lexeme: Lexeme


def statement_at(text: str, sentence: Sentence, pack: LanguagePack) -> int | None:
    """Where the sentence says who said it: its reporting verb ("said"), else a signature
    (see ``_signature_at``); None when it reports no statement."""
    verb = pack.reporting_verbs.search(text, sentence.start, sentence.end)
    return verb.start() if verb else _signature_at(text, sentence)


def outlet_kind(outlet: str | None, packs: Iterable[LanguagePack]) -> str | None:
    """The kind of a report's own voice when its outlet is a known speaker (an emergency
    service's or an administration's channel); outlets are named in any language."""
    if not outlet:
        return None
    for pack in packs:
        for lex in pack.speakers:
            if lex.regex.search(outlet):
                return str(lex.extra.get("kind", "official"))
    return None


def find_speakers(
    text: str, sentence: Sentence, pack: LanguagePack, present: AbstractSet[str] | None = None
) -> list[SpeakerName]:
    """The pack's speakers named in the sentence, in the lexicon's order."""
    return [
        SpeakerName(m.start(), m.end(), lex)
        for lex in gated(pack, "speakers", present)
        for m in lex.regex.finditer(text, sentence.start, sentence.end)
    ]


_WORD = re.compile(r"\w+")


class Attributor:
    """Reads the sentences of one report in order: people introduced earlier are known by
    surname later, and "he said" goes to the last speaker."""

    def __init__(self, text: str, pack: LanguagePack) -> None:
        self.text = text
        self.pack = pack
        self.people: dict[str, _Person] = {}  # surname -> person introduced earlier
        # a surname's first word -> (the order it was introduced in, the surname)
        self.surnames_by_word: dict[str, list[tuple[int, str]]] = {}
        self.last: Attribution | None = None

    def read(
        self,
        sentence: Sentence,
        named: list[NamedPerson],
        verb_at: int | None,
        speakers: list[SpeakerName],
        present: AbstractSet[str] | None = None,
    ) -> Attribution | None:
        """The sentence's attribution, from its people (``find_people``), where it reports a
        statement (``statement_at``) and the speakers it names (``find_speakers``)."""
        for person in named:
            surname = person.name.split()[-1]
            if surname not in self.people:
                self.people[surname] = _Person(person.name, person.role)
                first = _WORD.search(surname)
                key = first.group(0) if first and first.start() == 0 else ""
                self.surnames_by_word.setdefault(key, []).append((len(self.people), surname))
        if verb_at is None:
            return None
        found = self._attribute(sentence, verb_at, speakers, present)
        if found is not None:
            self.last = found
        return found

    def _attribute(
        self,
        sentence: Sentence,
        verb_at: int,
        speakers: list[SpeakerName],
        present: AbstractSet[str] | None,
    ) -> Attribution | None:
        text, pack, last = self.text, self.pack, self.last
        channel = _channel(text, sentence, pack, present)
        speaker = _known_speaker(verb_at, speakers)
        if speaker is None:
            speaker = _named_person(text, sentence, self.people, self.surnames_by_word, verb_at)
        if speaker is None and last is not None and last.speaker:
            pronoun = pack.grammar.pronoun.match(sentence.text)
            if pronoun and sentence.start + pronoun.start(1) < verb_at:
                start = sentence.start + pronoun.start(1)
                return Attribution(
                    last.speaker,
                    channel,
                    last.role,
                    last.kind,
                    start,
                    start + 2,
                    "pronoun",
                    last.side,
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


def attribute(
    text: str,
    sentences: list[Sentence],
    pack: LanguagePack,
    presents: Sequence[AbstractSet[str]] | None = None,
) -> list[Attribution | None]:
    """One attribution (or None) per sentence, in order (the ``attribution`` component does
    the same over a Document's layers)."""
    reader = Attributor(text, pack)
    result: list[Attribution | None] = []
    for index, sentence in enumerate(sentences):
        present = presents[index] if presents is not None else None
        verb_at = statement_at(text, sentence, pack)
        speakers = find_speakers(text, sentence, pack, present) if verb_at is not None else []
        result.append(
            reader.read(sentence, find_people(text, sentence, pack), verb_at, speakers, present)
        )
    return result


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
    for lex in gated(pack, "channels", present):  # those whose literals are present
        if lex.regex.search(text, sentence.start, sentence.end):
            return lex.value
    return None


def _known_speaker(verb_at: int, speakers: list[SpeakerName]) -> _Speaker | None:
    """The institution nearest the reporting verb (its subject, or after "according to")."""
    best: tuple[int, _Speaker] | None = None
    for found in speakers:
        lex = found.lexeme
        before_verb = found.end <= verb_at
        distance = verb_at - found.end if before_verb else found.start - verb_at + 20
        side = lex.extra.get("side")
        speaker = _Speaker(
            lex.value,
            None,
            str(lex.extra.get("kind", "official")),
            found.start,
            found.end,
            "speaker-lexicon",
            str(side) if side else None,
        )
        if best is None or distance < best[0]:
            best = (distance, speaker)
    return best[1] if best and best[0] < 160 else None


def find_people(text: str, sentence: Sentence, pack: LanguagePack) -> list[NamedPerson]:
    """People's names introduced by a title (or known first names, where the pack lists
    them): never places, even when a town shares the name ("President Volodymyr Zelenskyy",
    "Governor Oleh Synyehubov"), and speakers to be known by surname later."""
    patterns = _name_patterns(pack)
    found = []
    for title in pack.person_titles.finditer(text, sentence.start, sentence.end):
        after = patterns.person_after_title.match(text, title.end(), sentence.end)
        if not after:
            continue
        role_before = patterns.role_before.search(text[sentence.start : title.start()])
        role = " ".join(
            part
            for part in (
                role_before.group(1).strip() if role_before else "",
                text[title.start() : after.start(1)].strip(),
            )
            if part
        )
        found.append(
            NamedPerson(after.start(1), after.end(1), after.group(1), role[0].upper() + role[1:])
        )
    if patterns.anywhere is not None:
        found += [
            NamedPerson(m.start(), m.end(), m.group(0), None)
            for m in patterns.anywhere.finditer(text, sentence.start, sentence.end)
        ]
    return found


def person_spans(text: str, sentence: Sentence, pack: LanguagePack) -> list[tuple[int, int]]:
    """The spans of ``find_people``'s names."""
    return [(person.start, person.end) for person in find_people(text, sentence, pack)]


def _named_person(
    text: str,
    sentence: Sentence,
    people: dict[str, _Person],
    surnames_by_word: dict[str, list[tuple[int, str]]],
    verb_at: int,
) -> _Speaker | None:
    """The person known by surname who is named nearest the statement's verb; only surnames
    whose first word the sentence holds are searched, so a report naming many people is read
    in linear time."""
    words = {m.group(0) for m in _WORD.finditer(text, sentence.start, sentence.end)}
    named = sorted(
        (rank, surname) for word in (*words, "") for rank, surname in surnames_by_word.get(word, ())
    )
    best: tuple[int, _Speaker] | None = None
    for _, surname in named:  # in the order the people were introduced, as ties go
        person = people[surname]
        for m in re.finditer(rf"\b{re.escape(surname)}\b", text[sentence.start : sentence.end]):
            start = sentence.start + m.start()
            end = sentence.start + m.end()
            if end > verb_at + 40:
                continue
            speaker = _Speaker(person.name, person.role, "person", start, end, "named-person")
            if best is None or abs(verb_at - end) < best[0]:
                best = (abs(verb_at - end), speaker)
    return best[1] if best else None
