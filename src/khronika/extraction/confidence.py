"""How sure are we that a mention states something that happened?

A trigger word is not an event: "Ukraine needs MLRS", "fighting for democracy", "more than
900 missiles since the war began" all hold one. Each mention gets a confidence in [0, 1] from
its evidence: how specific its trigger is, what anchors it (a place of its own, victims, a
date), whether its sentences say something happened, and whether they speak of what is
wanted, planned, supplied, counted over the whole war or meant figuratively. Every step adds a
reason, so a user can ask why. Mentions under ``THRESHOLD`` are kept as candidates, not events.

The weights are set by hand, one per kind of evidence; only ``THRESHOLD`` was calibrated, on
the Warline dev split (``khronika eval gold`` prints the reliability table it was read from).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from khronika.lang import LanguagePack, confidence_gates, could_match
from khronika.lang.morphology import WITH_DICTIONARY, likeliest_noun
from khronika.taxonomy import SUB_EVENT_TYPES

THRESHOLD = 0.5
BASE = 0.35

Anchor = Literal["own-place", "own-region", "anaphor", "report-place", "country", "none"]

# (weight, reason) for each kind of evidence: the reasons are what `show` and `--candidates`
# print, so they say in words what was seen.
_ANCHOR = {
    "own-place": (0.25, "names the place where it happened"),
    "own-region": (0.1, "names only a region"),
    "anaphor": (0.25, "names its place by referring back to it ('the city')"),
    "report-place": (0.0, "takes the report's place, names none of its own"),
    "country": (-0.05, "names only a country it happened in"),
    "none": (-0.15, "no place at all"),
}
# Protests and riots make demands: "demanded" is what they did, not a sign nothing happened.
_PROTEST = frozenset(
    t.sub_event_type for t in SUB_EVENT_TYPES if t.event_type in ("Protests", "Riots")
)
# A protest's demands and gestures ("demanded", "in a show of support") are the protest itself,
# and a protest held every day is a protest (ACLED codes each day of a recurring one).
_PROTEST_MOODS = frozenset({"demand", "figurative", "habitual"})
# Agreements (a prisoner exchange, a truce) are made between states: no place is expected.
_NATIONAL = frozenset({"Agreement"})
_NATIONAL_STEP = (0.0, "an agreement between the sides, no place expected")
_SPECIFIC = (0.1, "specific trigger")
_GENERIC = (-0.05, "generic trigger word only")
_HAPPENED = (0.15, "a verb says it happened")
_NO_HAPPENED = (-0.1, "no verb says it happened (a weapon or a noun only)")
_VICTIMS = (0.2, "states victims")
_UNCOUNTED_VICTIMS = (0.1, "says people were killed or hurt, without a count")
_VICTIM_REACH = 40  # characters between a person noun and a death or injury word
_DATED = (0.05, "gives its own date")
_COUNTED = (0.05, "counts weapons used")
_TARGET = (0.05, "names what was hit")
# "Died defender of Mariupol ... She went to the front ... was only 27": a life told, and a
# death in it with no attack, weapon, count or target named.
_OBITUARY = (-0.35, "a death in a life told, no attack named")
# "Russia stole 400,000 tons of grain from the occupied territories": an area as a whole, told
# by a mention that names no place of its own, is a tally over it, not one event.
_AREA_WIDE = (-0.35, "told of a whole area (the occupied territories), no place of its own")
_OWN_ANCHORS = frozenset({"own-place", "own-region"})
_MOOD = {
    "unreal": (-0.35, "wanted, planned, supplied or possible, not done"),
    "demand": (-0.35, "asked, called or demanded, not done"),
    "aggregate": (-0.35, "a war-wide total, the war as a whole or its history"),
    "habitual": (-0.35, "what happens every day: a tally, not one event"),
    "figurative": (-0.45, "a figurative use of the trigger"),
}


@dataclass(frozen=True)
class Signals:
    """What the mention builder saw of one mention, as the confidence reads it."""

    anchor: Anchor
    specific: bool  # a trigger that names a kind of event, not "attack" or "killed"
    victims: bool
    dated: bool
    counted_weapons: bool
    targets: bool
    trigger_spans: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each
    trigger_sentences: list[tuple[int, int]] = field(default_factory=list)  # (start, end)
    chosen_sentence: tuple[int, int] | None = None  # the sentence of the trigger that typed it
    sub_event_type: str = ""
    previous_sentence: tuple[int, int] | None = None  # before the chosen one: its frame
    largest_count: int = 0  # the most weapons or victims the mention counts
    # each sentence's gate literals, by (start, end): a cue none of whose literals is there
    # is not searched for (lang.could_match)
    present: Mapping[tuple[int, int], AbstractSet[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Confidence:
    value: float
    reasons: tuple[str, ...]

    @property
    def emitted(self) -> bool:
        return self.value >= THRESHOLD


def score(text: str, signals: Signals, pack: LanguagePack) -> Confidence:
    """The confidence of one mention, with a reason for every step."""
    value = BASE
    reasons: list[str] = [f"{BASE:+.2f} base"]

    def add(step: tuple[float, str]) -> None:
        nonlocal value
        value += step[0]
        reasons.append(f"{step[0]:+.2f} {step[1]}")

    if signals.anchor in ("none", "country") and signals.sub_event_type in _NATIONAL:
        add(_NATIONAL_STEP)
    else:
        add(_ANCHOR[signals.anchor])
    add(_SPECIFIC if signals.specific else _GENERIC)
    cues = pack.confidence
    seen = _gated_finder(pack, signals)
    sentences = signals.trigger_sentences
    words = [text[start:end] for start, end in signals.trigger_spans]  # as matched
    past = any(_past_tense(word, cues["past_trigger"], pack.code) for word in words)
    if past or any(seen(cues["happened"], text, s, e) for s, e in sentences):
        add(_HAPPENED)
    elif not signals.victims:
        add(_NO_HAPPENED)
    if signals.victims:
        add(_VICTIMS)
    elif any(_uncounted_victims(text, s, e, pack) for s, e in sentences):
        add(_UNCOUNTED_VICTIMS)
    if signals.dated:
        add(_DATED)
    if signals.counted_weapons:
        add(_COUNTED)
    if signals.targets:
        add(_TARGET)
    if _one_death_only(signals, words, pack) and cues["biography"].search(text):
        add(_OBITUARY)
    chosen = signals.chosen_sentence
    if _area_wide(text, cues["area_wide"], signals, seen):
        add(_AREA_WIDE)
    moods_in_chosen = chosen is not None and any(seen(cues[k], text, *chosen) for k in _MOOD)
    factual = moods_in_chosen and any(  # asked only when a mood could hold through the chosen
        seen(cues["happened"], text, s, e)
        and not any(seen(cues[kind], text, s, e) for kind in _MOOD)
        for s, e in sentences
    )
    protest = signals.sub_event_type in _PROTEST
    for kind, step in _MOOD.items():
        if kind in _PROTEST_MOODS and protest:
            continue  # what protesters demanded, or "a show of support", is what the protest did
        found = _outside_relatives(pack, signals, seen) if kind == "aggregate" else seen
        holds = _mood_holds(text, cues[kind], signals, factual, found)
        if kind == "aggregate":
            holds = (holds and not _superlative(text, cues, signals, seen)) or _war_scale(
                text, cues[kind], signals, seen
            )
        if holds:
            add(step)
            if kind in ("aggregate", "habitual") and value >= THRESHOLD:
                add((THRESHOLD - 0.05 - value, "a total over time is not one event"))
    return Confidence(round(min(1.0, max(0.0, value)), 2), tuple(reasons))


# No single strike in this war launched this many weapons or killed this many: such a count
# is a campaign's or the war's ("more than 900 missiles", "nearly 17,000 soldiers killed").
WAR_SCALE_COUNT = 1000


def _one_death_only(signals: Signals, words: list[str], pack: LanguagePack) -> bool:
    """Whether a death or injury word (``words``: the triggers as matched), of one person at
    most, is all the mention has."""
    if signals.largest_count > 1 or signals.counted_weapons or signals.targets:
        return False
    return bool(words) and all(
        pack.killed.fullmatch(word) or pack.injured.fullmatch(word) for word in words
    )


def _past_tense(word: str, cue: re.Pattern[str], code: str) -> bool:
    """Whether a trigger, as matched, is told in the past tense. The pattern reads endings;
    in uk/ru a word of the trigger with a past ending counts only if the dictionary does not
    read it as a noun: "трьох Байрактарів" ends like "полетів" but names drones."""
    if not cue.fullmatch(word):
        return False
    if code not in WITH_DICTIONARY:
        return True
    return any(cue.fullmatch(w) and not likeliest_noun(w, code) for w in word.split())


def _area_wide(text: str, cue: re.Pattern[str], signals: Signals, found: Finder) -> bool:
    """Whether the sentence that typed a mention with no place of its own speaks of a whole
    area ("from the temporarily occupied territories"): with a town named, the area is only
    where the town lies."""
    chosen = signals.chosen_sentence
    return signals.anchor not in _OWN_ANCHORS and chosen is not None and found(cue, text, *chosen)


def _superlative(
    text: str, cues: dict[str, re.Pattern[str]], signals: Signals, found: Finder
) -> bool:
    """ "The largest exchange of prisoners since the war began": one event measured against
    the war, not the war itself."""
    chosen = signals.chosen_sentence
    return chosen is not None and found(cues["not_aggregate"], text, *chosen)


def _war_scale(text: str, cue: re.Pattern[str], signals: Signals, found: Finder) -> bool:
    """A count of war scale, or a total announced by the sentence before ("Since the beginning
    of the war, ... With them, troops shelled ...")."""
    if signals.largest_count >= WAR_SCALE_COUNT:
        return True
    previous = signals.previous_sentence  # (set only beside a chosen sentence)
    return previous is not None and not signals.dated and found(cue, text, *previous)


Finder = Callable[[re.Pattern[str], str, int, int], bool]


def _mood_holds(
    text: str, cue: re.Pattern[str], signals: Signals, factual: bool, found: Finder
) -> bool:
    """A mood holds when every sentence with a trigger has its cue, or when the sentence that
    typed the mention has it and no other sentence says plainly that something happened."""
    sentences = signals.trigger_sentences
    if sentences and all(found(cue, text, s, e) for s, e in sentences):
        return True
    chosen = signals.chosen_sentence
    return chosen is not None and not factual and found(cue, text, *chosen)


def _outside_relatives(pack: LanguagePack, signals: Signals, seen: Finder) -> Finder:
    """A finder that passes over a cue inside a comma-set relative clause holding none of the
    mention's triggers: in "after the fighting for the island, which went on since the start
    of the war, the troops retreated" the war's span is the fighting's, not the retreat's."""
    relative = pack.grammar.relative_clause
    triggers = signals.trigger_spans

    def found(cue: re.Pattern[str], text: str, start: int, end: int) -> bool:
        if not seen(cue, text, start, end):
            return False  # (most sentences, and the search is shared with the other moods)
        clauses = [(m.start(), m.end()) for m in relative.finditer(text, start, end)]
        for match in cue.finditer(text, start, end):
            clause = next((c for c in clauses if c[0] <= match.start() < c[1]), None)
            if clause is None or any(clause[0] <= t < clause[1] for t, _ in triggers):
                return True
        return False

    return found


def _gated_finder(pack: LanguagePack, signals: Signals) -> Finder:
    """``_found``, skipping a cue none of whose gate literals the sentence holds (the sentence
    gates are found in one scan per sentence; a cue's search is the costly part of a score)."""
    gates = confidence_gates(pack)
    present = signals.present

    def seen(cue: re.Pattern[str], text: str, start: int, end: int) -> bool:
        literals = present.get((start, end))
        if literals is not None and not could_match(gates.get(cue, ()), literals):
            return False
        return _found(cue, text, start, end)

    return seen


@lru_cache(maxsize=8192)
def _found(cue: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """Whether a cue occurs in ``text[start:end]``: the mentions of one report share their
    sentences, so each cue is searched once per sentence (a string caches its hash)."""
    return cue.search(text, start, end) is not None


@lru_cache(maxsize=4096)
def _uncounted_victims(text: str, start: int, end: int, pack: LanguagePack) -> bool:
    """ "Soldiers killed in the east", "civilians were wounded": people named beside a death
    or injury word, with no number to count."""
    harm = [
        m.start()
        for pattern in (pack.killed, pack.injured)
        for m in pattern.finditer(text, start, end)
    ]
    if not harm:
        return False
    for noun in pack.person_nouns:
        for m in noun.regex.finditer(text, start, end):
            if any(
                0 <= at - m.end() <= _VICTIM_REACH or 0 <= m.start() - at <= _VICTIM_REACH
                for at in harm
            ):
                return True
    return False
