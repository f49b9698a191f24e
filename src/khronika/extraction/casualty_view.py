"""One sentence as the casualty rules read it: its tokens and indexes of what starts where.

Every lookup a rule makes per number is a dict access or a bisect over an index built once per
sentence, so checking a number costs a few steps however many numbers the sentence holds.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from khronika.extraction.numbers import NumberMatch
from khronika.lang import LanguagePack
from khronika.records import FigureKind, Qualifier

_TOKEN = re.compile(r"[\w'’ʼ]+(?:-[\w'’ʼ]+)*|[^\w\s]")

KeywordEntry = tuple[FigureKind, int, str]  # kind, end, the word in lower case


@dataclass(frozen=True)
class RawFigure:
    """A casualty figure found in a sentence, before it is tied to an event."""

    kind: FigureKind
    value: int | None
    qualifier: Qualifier
    group: str
    start: int  # the number's span (or the phrase's, for statements of none)
    end: int
    rule: str
    word: str | None = None
    subset: bool = False  # part of a total said elsewhere ("including three children")
    update: bool = False  # said as an update ("increased to 20")
    earlier: bool = False  # said of an earlier moment ("earlier, 16 were injured")


class Token(NamedTuple):
    """A word or a punctuation mark (a tuple: a sentence has hundreds, made in one pass)."""

    start: int
    end: int
    lower: str
    text: str


class SentenceView:
    """Lookups over one sentence so each number is checked in a few steps.

    Each lookup is built on first use: most sentences have no number and no casualty word,
    and their figures (none) need only the statements-of-none and single-person patterns.
    """

    def __init__(
        self,
        text: str,
        start: int,
        end: int,
        pack: LanguagePack,
        numbers: list[NumberMatch],
        present: AbstractSet[str] | None = None,
    ) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.pack = pack
        self.numbers = numbers
        self.present = present

    @cached_property
    def tokens(self) -> list[Token]:
        return [
            Token(m.start(), m.end(), m.group(0).lower(), m.group(0))
            for m in _TOKEN.finditer(self.text, self.start, self.end)
        ]

    @cached_property
    def _token_starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def number_at(self) -> dict[int, NumberMatch]:
        return {n.start: n for n in self.numbers}

    @cached_property
    def keyword_at(self) -> dict[int, KeywordEntry]:
        found: dict[int, KeywordEntry] = {}
        for kind, regex in (("killed", self.pack.killed), ("injured", self.pack.injured)):
            for m in regex.finditer(self.text, self.start, self.end):
                found.setdefault(m.start(), (kind, m.end(), m.group(0).lower()))  # type: ignore[arg-type]
        return found

    @cached_property
    def _keywords_by_kind(self) -> tuple[tuple[list[int], list[KeywordEntry]], ...]:
        """``keyword_at`` split by kind, killed first (its order), each sorted by start."""
        split: dict[str, tuple[list[int], list[KeywordEntry]]] = {
            "killed": ([], []),
            "injured": ([], []),
        }
        for start, entry in self.keyword_at.items():
            starts, entries = split[entry[0]]
            starts.append(start)
            entries.append(entry)
        return tuple(split.values())

    def keyword_covering(self, offset: int) -> KeywordEntry | None:
        """The death or injury word whose span holds ``offset``, a death word first (the
        matches of one kind do not overlap, so the last one starting at or before it)."""
        for starts, entries in self._keywords_by_kind:
            i = bisect_right(starts, offset) - 1
            if i >= 0 and offset < entries[i][1]:
                return entries[i]
        return None

    @cached_property
    def says_toll(self) -> bool:
        """Whether the sentence names a toll ("death toll", "number of injured") at all."""
        grammar = self.pack.grammar
        return any(
            regex.search(self.text, self.start, self.end)
            for regex in (grammar.toll_killed, grammar.toll_injured)
        )

    @cached_property
    def person_at(self) -> dict[int, tuple[str, int, bool]]:
        found: dict[int, tuple[str, int, bool]] = {}
        for lex in self.pack.person_nouns:
            for m in lex.regex.finditer(self.text, self.start, self.end):
                found.setdefault(m.start(), (lex.value, m.end(), bool(lex.extra.get("subset"))))
        return found

    @cached_property
    def thing_at(self) -> dict[int, int]:
        return {
            m.start(): m.end()
            for m in self.pack.not_persons.finditer(self.text, self.start, self.end)
        }

    @cached_property
    def _qualifier_matches(self) -> tuple[dict[int, Qualifier], dict[int, int]]:
        """By end offset: the longest qualifier ending there ("не менше", at least, over
        "менше", less than), and where the pack's first qualifier ending there starts."""
        longest: dict[int, tuple[int, Qualifier]] = {}
        first_start: dict[int, int] = {}
        for lex in self.pack.qualifiers:
            for m in lex.regex.finditer(self.text, self.start, self.end):
                if m.end() not in longest or m.start() < longest[m.end()][0]:
                    longest[m.end()] = (m.start(), lex.value)  # type: ignore[assignment]
                first_start.setdefault(m.end(), m.start())
        return {end: value for end, (_, value) in longest.items()}, first_start

    @property
    def qualifier_end(self) -> dict[int, Qualifier]:
        return self._qualifier_matches[0]

    @cached_property
    def _qualifier_ends(self) -> list[int]:
        return sorted(self.qualifier_end)

    def qualifier_start_before(self, offset: int) -> int:
        """Where a qualifier right before ``offset`` ("at least 3") starts; ``offset`` if none
        ends there with only spaces between."""
        i = bisect_right(self._qualifier_ends, offset) - 1
        if i < 0:
            return offset
        end_offset = self._qualifier_ends[i]
        if self.text[end_offset:offset].strip():
            return offset  # the nearest qualifier is words away, so every earlier one is too
        return self._qualifier_matches[1].get(end_offset, end_offset)

    def token_index_from(self, offset: int) -> int:
        """Index of the first token starting at or after ``offset`` (tokens are in order)."""
        return bisect_left(self._token_starts, offset)

    def qualifier_before(self, offset: int) -> Qualifier:
        stripped = offset
        while stripped > self.start and self.text[stripped - 1] == " ":
            stripped -= 1
        return self.qualifier_end.get(stripped, "exact")


class Spans:
    """Sorted spans answering "does one hold this offset?" by bisection; they may overlap."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach: list[int] = []  # the furthest end of the spans up to each one
        furthest = -1
        for _, end in ordered:
            furthest = max(furthest, end)
            self._reach.append(furthest)

    def hold(self, offset: int) -> bool:
        i = bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._reach[i]
