"""Language packs: what Khronika knows about a language, kept as data.

Each pack is a TOML file beside this module (``en.toml`` ...). The extraction code never tests
which language it reads; it asks the pack. Patterns are regular expressions matched
case-insensitively on word boundaries unless a pack entry says ``case = true``.
"""

from __future__ import annotations

import re
import re._constants as _sre_constants  # the parsed-pattern opcodes literal gates walk
import re._parser as _sre_parser
import tomllib
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby
from pathlib import Path
from re._casefix import _EXTRA_CASES
from typing import Any

PACK_DIR = Path(__file__).parent
SUPPORTED = ("en", "uk", "ru")

# Literal gates. Pack patterns run on every sentence, and most cannot match most sentences: a
# pattern whose every match contains one of a few strings is skipped where none of them occurs.
# Gates compare case-folded text, folded the way re's IGNORECASE compares characters.

# str.lower() maps U+0130 to "i" plus a combining dot; IGNORECASE uses the simple lowercase "i".
_BEFORE_LOWER = {0x130: "i"}
# Characters IGNORECASE treats as one beyond lowercasing ("s" and long "ſ", "i" and dotless "ı"),
# each mapped to one member of its class.
_CASE_CLASS = {code: chr(min(code, *others)) for code, others in _EXTRA_CASES.items()}
# Items that consume no text: the literals on either side of them are adjacent in a match.
_ZERO_WIDTH = frozenset([_sre_constants.AT, _sre_constants.ASSERT, _sre_constants.ASSERT_NOT])
_REPEATS = frozenset(
    [_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT, _sre_constants.POSSESSIVE_REPEAT]
)


def fold_case(text: str) -> str:
    """``text`` as gates compare it: one character for each, lowercased and with re's
    IGNORECASE classes merged, so a case-insensitive match folds to its pattern's literals."""
    if text.isascii():
        return text.lower()
    return text.translate(_BEFORE_LOWER).lower().translate(_CASE_CLASS)


def literal_gate(regex: re.Pattern[str]) -> tuple[str, ...]:
    """Case-folded strings of which every match of ``regex`` contains at least one; empty when
    the pattern guarantees none (it is then never skipped)."""
    required = _sequence_requirement(_sre_parser.parse(regex.pattern, regex.flags))
    if required is None:
        return ()
    # A string containing another required string adds nothing: the shorter one is present.
    return tuple(sorted(s for s in required if not any(t != s and t in s for t in required)))


def could_match(gate: tuple[str, ...], present: AbstractSet[str]) -> bool:
    """False only when a pattern with this gate cannot match a text whose gate literals are
    ``present`` (a ``LiteralFinder``'s answer; gate literals it does not know count as absent)."""
    return not gate or not present.isdisjoint(gate)


class LiteralFinder:
    """Which of a fixed set of literals occur in a folded text, in one scan.

    Testing each literal with ``in`` costs one pass per literal; here the literals form a trie,
    written as one regex tried at every position, and each position reports its longest
    literal, which implies those of its prefixes that are literals too.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        unique = sorted(set(literals) - {""})
        self._scan = re.compile(f"(?=({_trie_pattern(unique)}))") if unique else None
        self._with_prefixes = {
            literal: frozenset(literal[:n] for n in range(1, len(literal) + 1)) & frozenset(unique)
            for literal in unique
        }

    def find(self, folded: str) -> set[str]:
        """The literals occurring in ``folded`` (a ``fold_case`` result)."""
        found: set[str] = set()
        if self._scan is not None:
            for match in self._scan.finditer(folded):
                found |= self._with_prefixes[match.group(1)]
        return found


@cache
def confidence_gates(pack: LanguagePack) -> dict[re.Pattern[str], tuple[str, ...]]:
    """The gate of each of a pack's ``[confidence]`` cues, by pattern."""
    return {cue: literal_gate(cue) for cue in pack.confidence.values()}


@cache
def sentence_gates(pack: LanguagePack) -> LiteralFinder:
    """The finder for the gates of a pack's per-sentence patterns (triggers, actors, speakers,
    channels, weapons, targets, statements of none, confidence cues), run once per
    sentence."""
    gates = [trigger.gate for trigger in pack.triggers] + [
        lexeme.gate
        for family in (
            pack.actors,
            pack.speakers,
            pack.channels,
            pack.weapons,
            pack.targets,
            pack.no_casualties,
        )
        for lexeme in family
    ]
    gates += list(confidence_gates(pack).values())
    return LiteralFinder(literal for gate in gates for literal in gate)


def _trie_pattern(literals: list[str]) -> str:
    """A regex for sorted, distinct, non-empty ``literals`` that matches the longest one at a
    position: alternatives branch on one character, so a position costs a test per level."""
    alternatives = []
    for first, group in groupby(literals, key=lambda literal: literal[0]):
        tails = [literal[1:] for literal in group]
        longer = [tail for tail in tails if tail]
        body = re.escape(first)
        if longer:
            optional = "?" if "" in tails else ""
            body += f"(?:{_trie_pattern(longer)}){optional}"
        alternatives.append(body)
    return "|".join(alternatives)


def _sequence_requirement(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    """The most selective requirement among a sequence's mandatory items, literals in a row
    counting as one string; None when no item requires anything."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in items:
        if op is _sre_constants.LITERAL:
            run.append(chr(value))
            continue
        if op in _ZERO_WIDTH:
            continue
        if run:
            candidates.append(frozenset([fold_case("".join(run))]))
            run = []
        required = _item_requirement(op, value)
        if required is not None:
            candidates.append(required)
    if run:
        candidates.append(frozenset([fold_case("".join(run))]))
    return max(candidates, key=_selectivity, default=None)


def _item_requirement(op: Any, value: Any) -> frozenset[str] | None:
    """What one non-literal item of a parsed pattern requires of every text it matches."""
    if op is _sre_constants.SUBPATTERN:
        return _sequence_requirement(value[3])
    if op is _sre_constants.ATOMIC_GROUP:
        return _sequence_requirement(value)
    if op in _REPEATS:
        minimum, _, body = value
        return _sequence_requirement(body) if minimum >= 1 else None
    if op is _sre_constants.BRANCH:
        union: set[str] = set()
        for branch in value[1]:
            required = _sequence_requirement(branch)
            if required is None:
                return None  # this branch can match without any of the others' strings
            union |= required
        return frozenset(union)
    return None  # classes, any character, backreferences, conditionals: nothing certain


def _selectivity(required: frozenset[str]) -> tuple[int, int]:
    """Longer strings are rarer; fewer alternatives are cheaper to look for."""
    return min(len(s) for s in required), -len(required)


@dataclass(frozen=True)
class Trigger:
    """A phrase that signals an event of one ACLED type."""

    name: str
    regex: re.Pattern[str]
    event_type: str
    sub_event_type: str
    strength: int  # specific weapons beat generic verbs when one sentence has several
    weapon: str | None = None
    generic: bool = False  # "strike", "attack": takes the report's specific type when it has one
    gate: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gate", literal_gate(self.regex))


@dataclass(frozen=True)
class Lexeme:
    """A word class entry: a pattern and the canonical value it stands for."""

    regex: re.Pattern[str]
    value: str
    extra: dict[str, Any] = field(default_factory=dict)
    gate: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gate", literal_gate(self.regex))


@dataclass(frozen=True, eq=False)
class Grammar:
    """How a language strings words together, as the extraction code needs it (see the
    ``[grammar]`` section of a pack). Patterns are compiled as written, case-insensitively."""

    linking_words: frozenset[str]
    adjectives: frozenset[str]
    joining_words: frozenset[str]
    number_fillers: frozenset[str]
    conjunctions: frozenset[str]  # join counted groups: "one soldier and three rebels"
    keyword_before_number: re.Pattern[str]
    uncounted_keywords: frozenset[str]
    age_before: re.Pattern[str]
    age_after: re.Pattern[str]
    negation_before: re.Pattern[str]
    among_after: re.Pattern[str]
    toll_to_before: re.Pattern[str]
    toll_killed: re.Pattern[str]
    toll_injured: re.Pattern[str]
    impact: re.Pattern[str]
    impact_negation: re.Pattern[str]
    impact_by_defence: re.Pattern[str]
    intercepted_after: re.Pattern[str]
    intercepted_before: re.Pattern[str]
    said_before: re.Pattern[str]
    clause_break: re.Pattern[str]
    relative_clause: re.Pattern[str]  # ", which continued since ...,": about what it follows
    possessive: re.Pattern[str]
    district_after: re.Pattern[str]
    target_determiners: frozenset[str]
    target_phrase_stop: frozenset[str]
    name: str  # a pattern fragment, case-sensitive, embedded in larger patterns
    title_gap: str  # pattern fragment: what may stand between a title and the name
    learn_names_anywhere: str  # non-empty: learn every name, not only those after titles
    role_before: str  # case-sensitive, at end
    pronoun: re.Pattern[str]
    articles: frozenset[str]
    counted_after_article: frozenset[str]
    number_joiner: frozenset[str]
    ordinal_suffix: str
    range_joiner: str
    day_of: str
    weekday_prefix: str
    last_weekday: str
    weekday_suffix: str
    year_alone: re.Pattern[str]
    since_prefix: re.Pattern[str]
    month_needs_capital: frozenset[str]


def _grammar(data: dict[str, Any]) -> Grammar:
    def words(key: str) -> frozenset[str]:
        return frozenset(str(data[key]).lower().split())

    def raw(key: str) -> re.Pattern[str]:
        return re.compile(str(data[key]), re.IGNORECASE)

    values: dict[str, Any] = {}
    for name, kind in Grammar.__annotations__.items():
        if kind == "frozenset[str]":
            values[name] = words(name)
        elif kind == "re.Pattern[str]":
            values[name] = raw(name)
        else:
            values[name] = str(data[name])
    return Grammar(**values)


@dataclass(frozen=True, eq=False)  # identity hash: packs are loaded once and cached
class LanguagePack:
    code: str
    number_units: dict[str, int]
    number_tens: dict[str, int]
    number_scales: dict[str, int]
    vague_numbers: dict[str, int | None]
    abbreviations: frozenset[str]
    months: dict[str, int]
    weekdays: dict[str, int]
    attributive_weekdays: frozenset[str]  # "понеділкового (удару)": the event's own day
    weekday_possessive: re.Pattern[str] | None  # "Monday's (strike)": the same in English
    triggers: tuple[Trigger, ...]
    killed: re.Pattern[str]
    injured: re.Pattern[str]
    no_casualties: tuple[Lexeme, ...]
    person_nouns: tuple[Lexeme, ...]
    single_persons: tuple[Lexeme, ...]
    not_persons: re.Pattern[str]
    qualifiers: tuple[Lexeme, ...]
    update_cue: re.Pattern[str]
    earlier_cue: re.Pattern[str]
    subset_cue: re.Pattern[str]
    group_size: re.Pattern[str]
    group_whole: re.Pattern[str]
    background_cue: re.Pattern[str]
    claim_cue: re.Pattern[str]
    denial_cue: re.Pattern[str]
    negated_event: re.Pattern[str]
    hypothetical: re.Pattern[str]
    new_event_cue: re.Pattern[str]
    speakers: tuple[Lexeme, ...]
    person_titles: re.Pattern[str]
    reporting_verbs: re.Pattern[str]
    channels: tuple[Lexeme, ...]
    weapons: tuple[Lexeme, ...]
    targets: tuple[Lexeme, ...]
    civilian_targets: frozenset[str]
    actors: tuple[Lexeme, ...]
    caption_cue: re.Pattern[str]
    place_roles: dict[str, re.Pattern[str]]
    time_words: dict[str, re.Pattern[str]]
    grammar: Grammar
    confidence: dict[str, re.Pattern[str]]  # happened, unreal, aggregate, figurative
    place_word_sets: dict[str, frozenset[str]]  # [place_words]: prepositions, compass, ...

    @property
    def compass_words(self) -> frozenset[str]:
        """Directions between a preposition and a country ("in eastern Ukraine")."""
        return self.place_word_sets["compass"]


def _rx(pattern: str, case: bool = False) -> re.Pattern[str]:
    flags = 0 if case else re.IGNORECASE
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", flags)


def _alternation(patterns: list[str], case: bool = False) -> re.Pattern[str]:
    return _rx("|".join(f"(?:{p})" for p in patterns), case)


def _lexemes(entries: list[dict[str, Any]]) -> tuple[Lexeme, ...]:
    lexemes = []
    for entry in entries:
        extra = {k: v for k, v in entry.items() if k not in ("pattern", "value", "case")}
        lexemes.append(
            Lexeme(_rx(entry["pattern"], bool(entry.get("case"))), str(entry["value"]), extra)
        )
    return tuple(lexemes)


def _triggers(entries: list[dict[str, Any]]) -> tuple[Trigger, ...]:
    return tuple(
        Trigger(
            name=entry["name"],
            regex=_rx(entry["pattern"], bool(entry.get("case"))),
            event_type=entry["type"],
            sub_event_type=entry["sub"],
            strength=int(entry.get("strength", 1)),
            weapon=entry.get("weapon"),
            generic=bool(entry.get("generic", False)),
        )
        for entry in entries
    )


@cache
def load_pack(code: str) -> LanguagePack:
    """Load and compile one language pack; cached, so each pack is read once per process."""
    path = PACK_DIR / f"{code}.toml"
    if not path.exists():
        raise ValueError(f"no language pack for {code!r} (supported: {', '.join(SUPPORTED)})")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    numbers = data["numbers"]
    cas = data["casualties"]
    return LanguagePack(
        code=code,
        number_units={k: int(v) for k, v in numbers["units"].items()},
        number_tens={k: int(v) for k, v in numbers["tens"].items()},
        number_scales={k: int(v) for k, v in numbers["scales"].items()},
        vague_numbers={k: (None if v < 0 else int(v)) for k, v in numbers["vague"].items()},
        abbreviations=frozenset(a.lower() for a in data["sentences"]["abbreviations"]),
        months={k.lower(): int(v) for k, v in data["time"]["months"].items()},
        weekdays={
            k.lower(): int(v)
            for table in ("weekdays", "weekday_attributive")
            for k, v in data["time"][table].items()
        },
        attributive_weekdays=frozenset(k.lower() for k in data["time"]["weekday_attributive"]),
        weekday_possessive=(
            re.compile(data["time"]["weekday_possessive"] + r"\b")
            if data["time"]["weekday_possessive"]
            else None
        ),
        triggers=_triggers(data["triggers"]),
        killed=_alternation(cas["killed"]),
        injured=_alternation(cas["injured"]),
        no_casualties=_lexemes(cas["none"]),
        person_nouns=_lexemes(cas["person_nouns"]),
        single_persons=_lexemes(cas["single_persons"]),
        not_persons=_alternation(cas["not_persons"]),
        qualifiers=_lexemes(cas["qualifiers"]),
        update_cue=_alternation(cas["update_cues"]),
        earlier_cue=_alternation(cas["earlier_cues"]),
        subset_cue=_alternation(cas["subset_cues"]),
        group_size=_alternation(cas["group_size"]),
        group_whole=_alternation(cas["group_whole"]),
        background_cue=_alternation(data["events"]["background_cues"]),
        claim_cue=_alternation(data["events"]["claim_cues"]),
        denial_cue=_alternation(data["events"]["denial_cues"]),
        negated_event=_alternation(data["events"]["negations"]),
        hypothetical=_alternation(data["events"]["hypothetical"]),
        new_event_cue=re.compile(
            r"\W*(?:" + "|".join(data["events"]["new_event_cues"]) + r")\b", re.IGNORECASE
        ),
        speakers=_lexemes(data["attribution"]["speakers"]),
        person_titles=_alternation(data["attribution"]["person_titles"]),
        reporting_verbs=_alternation(data["attribution"]["reporting_verbs"]),
        channels=_lexemes(data["attribution"]["channels"]),
        weapons=_lexemes(data["weapons"]["kinds"]),
        targets=_lexemes(data["targets"]["kinds"]),
        civilian_targets=frozenset(data["events"]["civilian_target_kinds"]),
        actors=_lexemes(data["actors"]["names"]),
        caption_cue=_alternation(data["sentences"]["caption_cues"]),
        place_roles={k: _alternation(v) for k, v in data["places"].items()},
        time_words={k: _alternation(v) for k, v in data["time"]["words"].items()},
        grammar=_grammar(data["grammar"]),
        confidence={k: _alternation(v) for k, v in data["confidence"].items()},
        place_word_sets={
            k: frozenset(str(v).lower().split()) for k, v in data["place_words"].items()
        },
    )


@dataclass(frozen=True)
class PlaceWords:
    """The words around a name that say it is a place, and of which kind, in every pack: place
    spotting runs before a report's language is needed, and the scripts keep the packs' words
    apart. One interface for the three languages (``[place_words]`` in each pack)."""

    prepositions: frozenset[str]  # "in", "в": a place follows
    vague: frozenset[str]  # "near", "біля": the place is only near the name
    cues: frozenset[str]  # prepositions and words for a settlement before its name
    admin1_after: frozenset[str]  # "region", "області"
    list_joiners: frozenset[str]  # "and", "та": between the items of a list of places
    district_after: frozenset[str]  # "district", "районі"
    district_adjective: tuple[tuple[str, str], ...]  # ("ka", "skyi"): Solomianka -> Solomianskyi
    village_before: frozenset[str]  # "село (Мирне)"
    village_of: frozenset[str]  # "the village of (X)"
    village_after: frozenset[str]  # "(X) village"; Ukrainian and Russian put the word first
    town_before: frozenset[str]  # "місто (Ізюм)"
    town_of: frozenset[str]  # "the town of (X)"
    town_after: frozenset[str]  # "(X) city"
    area: frozenset[str]  # "area", "мікрорайон"
    rivers: frozenset[str]  # "river", "річка": next to a name, the name is a river's
    after_name: frozenset[str]  # village_after | town_after | area: a settlement or an area
    kinds: frozenset[str]  # every word after a name that names a kind of place


@cache
def place_words() -> PlaceWords:
    """The place words of all packs, merged (the spotter asks them per token: built once)."""
    packs = [load_pack(code) for code in SUPPORTED]

    def union(key: str) -> frozenset[str]:
        return frozenset().union(*(pack.place_word_sets[key] for pack in packs))

    after_name = union("village_after") | union("town_after") | union("area")
    return PlaceWords(
        prepositions=union("prepositions"),
        vague=union("vague"),
        cues=union("prepositions") | union("settlement_before"),
        admin1_after=union("admin1_after"),
        list_joiners=union("list_joiners"),
        district_after=union("district_after"),
        district_adjective=tuple(
            sorted(
                (strip, add)
                for strip, _, add in (rule.partition(">") for rule in union("district_adjective"))
            )
        ),
        village_before=union("village_before"),
        village_of=union("village_of"),
        village_after=union("village_after"),
        town_before=union("town_before"),
        town_of=union("town_of"),
        town_after=union("town_after"),
        area=union("area"),
        rivers=union("river"),
        after_name=after_name,
        kinds=union("admin1_after") | union("district_after") | after_name,
    )


@cache
def facility_nouns() -> re.Pattern[str]:
    """What can be hit, in every pack ("hospital", "драмтеатру"): after a town's adjective
    ("Маріупольському драмтеатру") it says the town is where the thing stands."""
    patterns = [lex.regex.pattern for code in SUPPORTED for lex in load_pack(code).targets]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
