"""Language packs: what Khronika knows about a language, kept as data.

Each pack is a TOML file beside this module (``en.toml`` ...). The extraction code never tests
which language it reads; it asks the pack. Patterns are regular expressions matched
case-insensitively on word boundaries unless a pack entry says ``case = true``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PACK_DIR = Path(__file__).parent
SUPPORTED = ("en",)


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


@dataclass(frozen=True)
class Lexeme:
    """A word class entry: a pattern and the canonical value it stands for."""

    regex: re.Pattern[str]
    value: str
    extra: dict[str, Any] = field(default_factory=dict)


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
    triggers: tuple[Trigger, ...]
    killed: re.Pattern[str]
    injured: re.Pattern[str]
    casualty_either: re.Pattern[str]
    no_casualties: tuple[Lexeme, ...]
    unknown_casualties: re.Pattern[str]
    person_nouns: tuple[Lexeme, ...]
    single_persons: tuple[Lexeme, ...]
    not_persons: re.Pattern[str]
    qualifiers: tuple[Lexeme, ...]
    update_cue: re.Pattern[str]
    earlier_cue: re.Pattern[str]
    subset_cue: re.Pattern[str]
    background_cue: re.Pattern[str]
    claim_cue: re.Pattern[str]
    denial_cue: re.Pattern[str]
    negated_event: re.Pattern[str]
    hypothetical: re.Pattern[str]
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
    raw: dict[str, Any]


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
        weekdays={k.lower(): int(v) for k, v in data["time"]["weekdays"].items()},
        triggers=_triggers(data["triggers"]),
        killed=_alternation(cas["killed"]),
        injured=_alternation(cas["injured"]),
        casualty_either=_alternation(cas["either"]),
        no_casualties=_lexemes(cas["none"]),
        unknown_casualties=_alternation(cas["unknown"]),
        person_nouns=_lexemes(cas["person_nouns"]),
        single_persons=_lexemes(cas["single_persons"]),
        not_persons=_alternation(cas["not_persons"]),
        qualifiers=_lexemes(cas["qualifiers"]),
        update_cue=_alternation(cas["update_cues"]),
        earlier_cue=_alternation(cas["earlier_cues"]),
        subset_cue=_alternation(cas["subset_cues"]),
        background_cue=_alternation(data["events"]["background_cues"]),
        claim_cue=_alternation(data["events"]["claim_cues"]),
        denial_cue=_alternation(data["events"]["denial_cues"]),
        negated_event=_alternation(data["events"]["negations"]),
        hypothetical=_alternation(data["events"]["hypothetical"]),
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
        raw=data,
    )
