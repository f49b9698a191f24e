"""Casualty figures in one sentence: people killed and injured, never things counted.

A number is a casualty figure only when it is tied to a death or injury word through a short
chain of words about people ("seven people were killed", "killing at least 3 civilians",
"the number of injured increased to 20"). A number followed by a thing ("15 missiles", "25 km"),
an age ("65-year-old") or inside a date ("May 10") never is.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, cached_property

from khronika.extraction.numbers import NumberMatch
from khronika.lang import LanguagePack, could_match
from khronika.records import FigureKind, Qualifier

_TOKEN = re.compile(r"[\w'’ʼ]+(?:-[\w'’ʼ]+)*|[^\w\s]")
_MAX_CHAIN = 9


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


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    lower: str
    text: str


class _SentenceView:
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
        present: AbstractSet[str] | None = None,
    ) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.pack = pack
        self.present = present

    @cached_property
    def tokens(self) -> list[_Token]:
        return [
            _Token(m.start(), m.end(), m.group(0).lower(), m.group(0))
            for m in _TOKEN.finditer(self.text, self.start, self.end)
        ]

    @cached_property
    def _token_starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def keyword_at(self) -> dict[int, tuple[FigureKind, int, str]]:
        found: dict[int, tuple[FigureKind, int, str]] = {}
        for kind, regex in (("killed", self.pack.killed), ("injured", self.pack.injured)):
            for m in regex.finditer(self.text, self.start, self.end):
                found.setdefault(m.start(), (kind, m.end(), m.group(0).lower()))  # type: ignore[arg-type]
        return found

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
    def qualifier_end(self) -> dict[int, Qualifier]:
        found: dict[int, tuple[int, Qualifier]] = {}
        for lex in self.pack.qualifiers:
            for m in lex.regex.finditer(self.text, self.start, self.end):
                if m.end() not in found or m.start() < found[m.end()][0]:
                    # the longest wins: "не менше" (at least) over "менше" (less than)
                    found[m.end()] = (m.start(), lex.value)  # type: ignore[assignment]
        return {end: value for end, (_, value) in found.items()}

    def token_index_from(self, offset: int) -> int:
        """Index of the first token starting at or after ``offset`` (tokens are in order)."""
        return bisect_left(self._token_starts, offset)

    def qualifier_before(self, offset: int) -> Qualifier:
        stripped = offset
        while stripped > self.start and self.text[stripped - 1] == " ":
            stripped -= 1
        return self.qualifier_end.get(stripped, "exact")


def find_figures(
    text: str,
    start: int,
    end: int,
    numbers: list[NumberMatch],
    excluded: list[tuple[int, int]],
    pack: LanguagePack,
    present: AbstractSet[str] | None = None,
) -> list[RawFigure]:
    """Casualty figures in the sentence ``text[start:end]``; ``present`` (the sentence's gate
    literals, lang.could_match) lets patterns that cannot match be skipped."""
    view = _SentenceView(text, start, end, pack, present)
    sentence = text[start:end]
    earlier = bool(pack.earlier_cue.search(sentence))
    figures: list[RawFigure] = list(_statements_of_none(view))
    taken = {(f.start, f.end) for f in figures}
    for number in _candidates(view, numbers, excluded):
        for figure in _figures_for(view, number, numbers, earlier):
            if (figure.start, figure.end) not in taken:
                taken.add((figure.start, figure.end))
                figures.append(figure)
    figures.extend(_single_persons(view, taken, earlier))
    figures.sort(key=lambda f: f.start)
    return _with_parts(view, figures, numbers, taken, earlier)


def _with_parts(
    view: _SentenceView,
    figures: list[RawFigure],
    numbers: list[NumberMatch],
    taken: set[tuple[int, int]],
    earlier: bool,
) -> list[RawFigure]:
    """ "..., including three children": a part of the figure said just before it."""
    out = list(figures)
    for number in numbers:
        if (number.start, number.end) in taken or not _subset_before(view, number.start):
            continue
        previous = [f for f in out if f.end <= number.start]
        i = view.token_index_from(number.end)
        if not previous or i >= len(view.tokens) or view.tokens[i].start not in view.person_at:
            continue
        group = view.person_at[view.tokens[i].start][0]
        part = _figure(view, number, previous[-1].kind, group, True, earlier, "part-of-total")
        out.append(part)
    out.sort(key=lambda f: f.start)
    return out


def _statements_of_none(view: _SentenceView) -> list[RawFigure]:
    out: list[RawFigure] = []
    for lex in view.pack.no_casualties:
        if view.present is not None and not could_match(lex.gate, view.present):
            continue
        for m in lex.regex.finditer(view.text, view.start, view.end):
            if any(f.start < m.end() and m.start() < f.end for f in out):
                continue
            kinds: tuple[FigureKind, ...] = (
                ("killed", "injured") if lex.value == "both" else (lex.value,)  # type: ignore[assignment]
            )
            for kind in kinds:
                out.append(RawFigure(kind, 0, "exact", "all", m.start(), m.end(), "none-statement"))
    return out


def _candidates(
    view: _SentenceView, numbers: list[NumberMatch], excluded: list[tuple[int, int]]
) -> list[NumberMatch]:
    """Numbers that may count people: not in a date, not an age, not "no one", not a year."""
    out = []
    for number in numbers:
        if any(s <= number.start < e for s, e in excluded):
            continue
        before = view.text[max(view.start, number.start - 20) : number.start]
        after = view.text[number.end : number.end + 12]
        grammar = view.pack.grammar
        if (
            grammar.age_before.search(before)
            or grammar.age_after.match(after)
            or grammar.negation_before.search(before)
        ):
            continue
        if number.value is not None and 1900 <= number.value <= 2100 and number.digits:
            continue
        out.append(number)
    return out


def _figures_for(
    view: _SentenceView,
    number: NumberMatch,
    numbers: list[NumberMatch],
    earlier: bool,
) -> list[RawFigure]:
    # A death/injury word right before the number binds first: "загинули двоє людей, семеро
    # поранені" is two killed and seven injured, not nine injured.
    return (
        _keyword_then_number(view, number, earlier)
        or _number_then_keyword(view, number, numbers, earlier)
        or _toll_to_number(view, number, earlier)
    )


def _says_casualties(text: str, view: _SentenceView) -> bool:
    return bool(view.pack.killed.search(text) or view.pack.injured.search(text))


def _subset_before(view: _SentenceView, offset: int) -> bool:
    window = view.text[max(view.start, offset - 30) : offset]
    cues = list(view.pack.subset_cue.finditer(window))
    return bool(cues and not window[cues[-1].end() :].strip(" ,:—-"))


def _number_then_keyword(
    view: _SentenceView, number: NumberMatch, numbers: list[NumberMatch], earlier: bool
) -> list[RawFigure]:
    """ "seven people were killed", "one soldier and three rebels were killed", "20 injured"."""
    number_at = {n.start: n for n in numbers}
    chain: list[tuple[NumberMatch, str | None, bool]] = [(number, None, False)]
    i = view.token_index_from(number.end)
    steps = 0
    while i < len(view.tokens) and steps < _MAX_CHAIN:
        steps += 1
        token = view.tokens[i]
        if token.start in view.keyword_at:
            kind, kw_end, kw = view.keyword_at[token.start]
            if kw in view.pack.grammar.uncounted_keywords:
                return []
            return [
                _figure(view, n, kind, group, subset, earlier, "number-keyword")
                for n, group, subset in chain
            ]
        last_number, last_group, _ = chain[-1]
        if token.start in view.person_at:
            group, p_end, subset = view.person_at[token.start]
            chain[-1] = (last_number, group if last_group in (None, "all") else last_group, subset)
            i = view.token_index_from(p_end)
            continue
        if token.start in view.thing_at and last_group is None:
            return []
        if (
            token.lower in view.pack.grammar.linking_words
            or token.lower in view.pack.grammar.adjectives
        ):
            i += 1
            continue
        if token.lower == "of" and (last_number.word or last_number.value in (12, 100, 1000)):
            i += 1
            continue
        if token.text[:1].isupper() and token.text.isalpha():
            i += 1  # nationalities and names of units: "One Ukrainian Government soldier"
            continue
        if token.lower == ",":
            closing = view.text.find(",", token.end + 1, view.end)
            aside = view.text[token.end : closing] if closing > 0 else ""
            grouped = chain[-1][1] is not None  # "two women, 44 and 70 years old, injured"
            if aside and (
                view.pack.subset_cue.search(aside)
                or (grouped and not _says_casualties(aside, view))
            ):
                # ", including two children,", ", 44 and 70 years old,": an aside
                i = view.token_index_from(closing + 1)
                continue
        if (token.lower in view.pack.grammar.conjunctions or token.lower == ",") and i + 1 < len(
            view.tokens
        ):
            following = number_at.get(view.tokens[i + 1].start)
            if following is not None and last_group is not None:
                chain.append((following, None, False))
                i = view.token_index_from(following.end)
                continue
        return []
    return []


def _keyword_then_number(
    view: _SentenceView, number: NumberMatch, earlier: bool
) -> list[RawFigure]:
    """ "killing at least 3 people", "killed two civilians", "wounding five"."""
    cut = number.start
    qualifier_start = cut
    for end_offset in sorted(view.qualifier_end, reverse=True):
        if end_offset <= cut and not view.text[end_offset:cut].strip():
            qualifier_start = _qualifier_start(view, end_offset)
            break
    j = view.token_index_from(qualifier_start) - 1
    # allow "a total of", "another"
    while j >= 0 and view.tokens[j].lower in view.pack.grammar.number_fillers:
        j -= 1
    if j < 0:
        return []
    token = view.tokens[j]
    kw_entry = next((v for s, v in view.keyword_at.items() if s <= token.start < v[1]), None)
    if kw_entry is None or not _before_number(kw_entry[2], view.pack):
        return []
    after = view.token_index_from(number.end)
    group = "all"
    subset = False
    if after < len(view.tokens):
        nxt = view.tokens[after]
        skip = after
        while (
            skip < len(view.tokens)
            and (
                view.tokens[skip].lower in view.pack.grammar.adjectives
                or view.tokens[skip].text[:1].isupper()
            )
            and view.tokens[skip].start not in view.person_at
        ):
            skip += 1
        if skip < len(view.tokens) and view.tokens[skip].start in view.person_at:
            group, _, subset = view.person_at[view.tokens[skip].start]
        elif nxt.start in view.thing_at:
            return []
    return [_figure(view, number, kw_entry[0], group, subset, earlier, "keyword-number")]


def _qualifier_start(view: _SentenceView, end_offset: int) -> int:
    for lex in view.pack.qualifiers:
        for m in lex.regex.finditer(view.text, view.start, end_offset):
            if m.end() == end_offset:
                return m.start()
    return end_offset


def _before_number(keyword: str, pack: LanguagePack) -> bool:
    """Whether this death/injury word may come before its number ("killing 3", not "toll 3")."""
    return bool(pack.grammar.keyword_before_number.fullmatch(keyword))


@cache
def _qualifiers_at_end(pack: LanguagePack) -> tuple[re.Pattern[str], ...]:
    """Each qualifier ("at least", "more than") ending a window, compiled once per pack."""
    return tuple(
        re.compile(rf"(?:{lex.regex.pattern})\s*$", re.IGNORECASE) for lex in pack.qualifiers
    )


# Characters from a toll's noun to its number: "the number of those killed in Saturday's strike
# on a shopping centre in Lysychansk rose to 16".
TOLL_REACH = 160


def _toll_to_number(view: _SentenceView, number: NumberMatch, earlier: bool) -> list[RawFigure]:
    """ "the number of injured increased to 20", "the death toll rose to 9"."""
    before = view.text[view.start : number.start]
    qualifier: Qualifier = "exact"
    stripped = before.rstrip()
    grammar = view.pack.grammar
    for lex, qualifier_at_end in zip(
        view.pack.qualifiers, _qualifiers_at_end(view.pack), strict=True
    ):
        m = qualifier_at_end.search(stripped)
        if m:
            said = stripped[m.start() :]
            stripped = stripped[: m.start()].rstrip()
            if not grammar.toll_to_before.fullmatch(said):  # "зросла до 20" is exactly 20
                qualifier = lex.value  # type: ignore[assignment]
            break
    if not grammar.toll_to_before.search(stripped):
        return []
    clause = stripped[-TOLL_REACH:]
    tolls = [
        (m.start(), kind)
        for kind, regex in (("killed", grammar.toll_killed), ("injured", grammar.toll_injured))
        for m in regex.finditer(clause)
    ]
    if not tolls:
        return []
    kind: FigureKind = max(tolls)[1]  # type: ignore[assignment]
    figure = _figure(view, number, kind, "all", False, earlier, "toll-update")
    update = bool(view.pack.update_cue.search(clause))
    return [
        RawFigure(
            figure.kind,
            figure.value,
            qualifier,
            figure.group,
            figure.start,
            figure.end,
            figure.rule,
            figure.word,
            figure.subset,
            update,
            earlier,
        )
    ]


def _figure(
    view: _SentenceView,
    number: NumberMatch,
    kind: FigureKind,
    group: str | None,
    subset: bool,
    earlier: bool,
    rule: str,
) -> RawFigure:
    qualifier: Qualifier = view.qualifier_before(number.start)
    if number.word and qualifier == "exact":
        qualifier = "about"
    before = re.split(r"[.;!?]", view.text[max(view.start, number.start - 40) : number.start])[-1]
    return RawFigure(
        kind=kind,
        value=number.value,
        qualifier=qualifier,
        group=group or "all",
        start=number.start,
        end=number.end,
        rule=rule,
        word=number.word,
        subset=subset
        or _subset_before(view, number.start)
        or bool(view.pack.grammar.among_after.match(view.text, number.end, view.end)),
        update=bool(view.pack.update_cue.search(before)),
        earlier=earlier,
    )


def _single_persons(
    view: _SentenceView, taken: set[tuple[int, int]], earlier: bool
) -> list[RawFigure]:
    """ "a man was killed", "killing a 71-year-old woman", "a woman and her son were hurt"."""
    matches = sorted(
        (m.start(), -m.end(), m.end(), bool(lex.extra.get("pronoun")))
        for lex in view.pack.single_persons
        for m in lex.regex.finditer(view.text, view.start, view.end)
    )
    out: list[RawFigure] = []
    for start, _, end, pronoun in matches:
        if any(s <= start < e or start <= s < end for s, e in taken):
            continue
        if pronoun and (taken or out):
            continue  # "Ранен 38-летний мужчина, он госпитализирован": one person, not two
        kind = _keyword_before_phrase(view, start) or _keyword_after_phrase(view, end)
        if kind is None and out and _joined(view, out[-1].end, start):
            kind = out[-1].kind  # "72-річна жінка та її 49-річний син": one verb for both
        if kind is None:
            continue
        number = NumberMatch(start, end, 1)
        group = _group_in(view, start, end)
        out.append(_figure(view, number, kind, group, False, earlier, "single-person"))
        taken.add((start, end))
    return out


def _joined(view: _SentenceView, previous_end: int, start: int) -> bool:
    between = view.text[previous_end:start].lower().replace(",", " ").split()
    grammar = view.pack.grammar
    return 0 < len(between) <= 3 and all(
        w in grammar.conjunctions or w in grammar.joining_words for w in between
    )


def _group_in(view: _SentenceView, start: int, end: int) -> str:
    groups = [g for s, (g, e, _) in view.person_at.items() if start <= s and e <= end]
    return groups[-1] if groups else "civilians"


def _keyword_after_phrase(view: _SentenceView, offset: int) -> FigureKind | None:
    i = view.token_index_from(offset)
    for _ in range(7):
        if i >= len(view.tokens):
            return None
        token = view.tokens[i]
        if token.start in view.keyword_at:
            kind, _, kw = view.keyword_at[token.start]
            return None if kw in view.pack.grammar.uncounted_keywords else kind
        if token.start in view.person_at:
            i = view.token_index_from(view.person_at[token.start][1])
            continue
        grammar = view.pack.grammar
        if token.lower not in grammar.linking_words | grammar.joining_words and token.lower != ",":
            return None
        i += 1
    return None


def _keyword_before_phrase(view: _SentenceView, offset: int) -> FigureKind | None:
    """ "killing the driver", "wounding a 45-year-old man"."""
    j = view.token_index_from(offset) - 1
    if j < 0:
        return None
    token = view.tokens[j]
    entry = next((v for s, v in view.keyword_at.items() if s <= token.start < v[1]), None)
    if entry is None or not _before_number(entry[2], view.pack):
        return None
    return entry[0]


def group_totals(
    text: str,
    sentences: list[tuple[int, int]],
    figures: list[list[RawFigure]],
    numbers: list[list[NumberMatch]],
    pack: LanguagePack,
) -> None:
    """ "A family of four lived there ... All of them died", "родину з 5 осіб ... Усі вони
    загинули": a group counted once and then said to have died (or been hurt) as a whole. The
    figure is added to the sentence that says so, with the count's span as its evidence."""
    if not sentences or pack.group_whole.search(text, sentences[0][0], sentences[-1][1]) is None:
        return  # most reports say nothing of a group as a whole: one search decides
    size: NumberMatch | None = None
    for (start, end), found, counted in zip(sentences, figures, numbers, strict=True):
        whole = pack.group_whole.search(text, start, end)
        inside = next(
            (n for n in counted if whole and whole.start() <= n.start < whole.end() and n.value),
            None,
        )
        size = inside or size  # "все четверо погибли": the group counts itself
        if whole is not None and size is not None:
            after = text[whole.end() : min(end, whole.end() + 40)]
            before = text[max(start, whole.start() - 40) : whole.start()]
            kind: FigureKind | None = None
            if pack.killed.search(after) or pack.killed.search(before):
                kind = "killed"
            elif pack.injured.search(after) or pack.injured.search(before):
                kind = "injured"
            if kind is not None and not any(f.kind == kind for f in found):
                found.append(
                    RawFigure(kind, size.value, "exact", "all", size.start, size.end, "group-total")
                )
        for number in counted:
            if number.value is None:
                continue
            for phrase in pack.group_size.finditer(text, max(start, number.start - 40), end):
                if phrase.start() <= number.start < phrase.end():
                    size = number  # the count inside "a family of four"
                    break
