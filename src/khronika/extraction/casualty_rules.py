"""The rules that tie a number to a death or injury word, each over a ``SentenceView``.

"seven people were killed" (number then keyword), "killing at least 3" (keyword then number),
"the death toll rose to 9" (a toll's update), and "a man was killed" (one person, no number).
"""

from __future__ import annotations

import re
from functools import cache

from khronika.extraction.casualty_view import RawFigure, SentenceView
from khronika.extraction.numbers import NumberMatch
from khronika.lang import LanguagePack
from khronika.records import FigureKind, Qualifier

_MAX_CHAIN = 9


def _says_casualties(text: str, view: SentenceView) -> bool:
    return bool(view.pack.killed.search(text) or view.pack.injured.search(text))


def subset_before(view: SentenceView, offset: int) -> bool:
    window = view.text[max(view.start, offset - 30) : offset]
    cues = list(view.pack.subset_cue.finditer(window))
    return bool(cues and not window[cues[-1].end() :].strip(" ,:—-"))


def number_then_keyword(view: SentenceView, number: NumberMatch, earlier: bool) -> list[RawFigure]:
    """ "seven people were killed", "one soldier and three rebels were killed", "20 injured"."""
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
                make_figure(view, n, kind, group, subset, earlier, "number-keyword")
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
            following = view.number_at.get(view.tokens[i + 1].start)
            if following is not None and last_group is not None:
                chain.append((following, None, False))
                i = view.token_index_from(following.end)
                continue
        return []
    return []


def keyword_then_number(view: SentenceView, number: NumberMatch, earlier: bool) -> list[RawFigure]:
    """ "killing at least 3 people", "killed two civilians", "wounding five"."""
    j = view.token_index_from(view.qualifier_start_before(number.start)) - 1
    # allow "a total of", "another"
    while j >= 0 and view.tokens[j].lower in view.pack.grammar.number_fillers:
        j -= 1
    if j < 0:
        return []
    token = view.tokens[j]
    kw_entry = view.keyword_covering(token.start)
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
    return [make_figure(view, number, kw_entry[0], group, subset, earlier, "keyword-number")]


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
# Characters read back from a number for a qualifier ("at least") or "rose to" ending there.
_WORDS_REACH = 80


def toll_to_number(view: SentenceView, number: NumberMatch, earlier: bool) -> list[RawFigure]:
    """ "the number of injured increased to 20", "the death toll rose to 9"."""
    if not view.says_toll:
        return []
    grammar = view.pack.grammar
    text, end = view.text, number.start
    while end > view.start and text[end - 1].isspace():
        end -= 1
    qualifier: Qualifier = "exact"
    for lex, qualifier_at_end in zip(
        view.pack.qualifiers, _qualifiers_at_end(view.pack), strict=True
    ):
        m = qualifier_at_end.search(text, max(view.start, end - _WORDS_REACH), end)
        if m:
            said = text[m.start() : end]
            end = m.start()
            while end > view.start and text[end - 1].isspace():
                end -= 1
            if not grammar.toll_to_before.fullmatch(said):  # "зросла до 20" is exactly 20
                qualifier = lex.value  # type: ignore[assignment]
            break
    if not grammar.toll_to_before.search(text, max(view.start, end - _WORDS_REACH), end):
        return []
    clause = text[max(view.start, end - TOLL_REACH) : end]
    tolls = [
        (m.start(), kind)
        for kind, regex in (("killed", grammar.toll_killed), ("injured", grammar.toll_injured))
        for m in regex.finditer(clause)
    ]
    if not tolls:
        return []
    kind: FigureKind = max(tolls)[1]  # type: ignore[assignment]
    figure = make_figure(view, number, kind, "all", False, earlier, "toll-update")
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


def make_figure(
    view: SentenceView,
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
        or subset_before(view, number.start)
        or bool(view.pack.grammar.among_after.match(view.text, number.end, view.end)),
        update=bool(view.pack.update_cue.search(before)),
        earlier=earlier,
    )


def single_persons(
    view: SentenceView, taken: set[tuple[int, int]], earlier: bool
) -> list[RawFigure]:
    """ "a man was killed", "killing a 71-year-old woman", "a woman and her son were hurt"."""
    if not view.keyword_at:
        return []  # a person is counted only beside a death or injury word
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
        out.append(make_figure(view, number, kind, group, False, earlier, "single-person"))
        taken.add((start, end))
    return out


def _joined(view: SentenceView, previous_end: int, start: int) -> bool:
    between = view.text[previous_end:start].lower().replace(",", " ").split()
    grammar = view.pack.grammar
    return 0 < len(between) <= 3 and all(
        w in grammar.conjunctions or w in grammar.joining_words for w in between
    )


def _group_in(view: SentenceView, start: int, end: int) -> str:
    groups = [g for s, (g, e, _) in view.person_at.items() if start <= s and e <= end]
    return groups[-1] if groups else "civilians"


def _keyword_after_phrase(view: SentenceView, offset: int) -> FigureKind | None:
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


def _keyword_before_phrase(view: SentenceView, offset: int) -> FigureKind | None:
    """ "killing the driver", "wounding a 45-year-old man"."""
    j = view.token_index_from(offset) - 1
    if j < 0:
        return None
    token = view.tokens[j]
    entry = view.keyword_covering(token.start)
    if entry is None or not _before_number(entry[2], view.pack):
        return None
    return entry[0]
