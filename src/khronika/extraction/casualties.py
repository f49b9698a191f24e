"""Casualty figures in one sentence: people killed and injured, never things counted.

A number is a casualty figure only when it is tied to a death or injury word through a short
chain of words about people ("seven people were killed", "killing at least 3 civilians",
"the number of injured increased to 20"). A number followed by a thing ("15 missiles", "25 km"),
an age ("65-year-old") or inside a date ("May 10") never is. The rules are in
``casualty_rules``, the per-sentence indexes they read in ``casualty_view``.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from khronika.extraction.casualty_rules import (
    keyword_then_number,
    make_figure,
    number_then_keyword,
    single_persons,
    subset_before,
    toll_to_number,
)
from khronika.extraction.casualty_view import RawFigure, SentenceView, Spans
from khronika.extraction.gating import gated
from khronika.extraction.numbers import NumberMatch
from khronika.lang import LanguagePack, Lexeme
from khronika.records import FigureKind

__all__ = ["RawFigure", "find_figures", "group_totals"]


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
    view = SentenceView(text, start, end, pack, numbers, present)
    sentence = text[start:end]
    earlier = bool(pack.earlier_cue.search(sentence))
    figures: list[RawFigure] = list(_statements_of_none(view))
    taken = {(f.start, f.end) for f in figures}
    for number in _candidates(view, numbers, excluded):
        for figure in _figures_for(view, number, earlier):
            if (figure.start, figure.end) not in taken:
                taken.add((figure.start, figure.end))
                figures.append(figure)
    figures.extend(single_persons(view, taken, earlier))
    figures.sort(key=lambda f: f.start)
    return _with_parts(view, figures, numbers, taken, earlier)


def _with_parts(
    view: SentenceView,
    figures: list[RawFigure],
    numbers: list[NumberMatch],
    taken: set[tuple[int, int]],
    earlier: bool,
) -> list[RawFigure]:
    """ "..., including three children": a part of the figure said just before it."""
    out = list(figures)
    for number in numbers:
        if (number.start, number.end) in taken or not subset_before(view, number.start):
            continue
        previous = [f for f in out if f.end <= number.start]
        i = view.token_index_from(number.end)
        if not previous or i >= len(view.tokens) or view.tokens[i].start not in view.person_at:
            continue
        group = view.person_at[view.tokens[i].start][0]
        part = make_figure(view, number, previous[-1].kind, group, True, earlier, "part-of-total")
        out.append(part)
    out.sort(key=lambda f: f.start)
    return out


def _statements_of_none(view: SentenceView) -> list[RawFigure]:
    out: list[RawFigure] = []
    statements: list[Lexeme] = gated(view.pack, "no_casualties", view.present)
    for lex in statements:
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
    view: SentenceView, numbers: list[NumberMatch], excluded: list[tuple[int, int]]
) -> list[NumberMatch]:
    """Numbers that may count people: not in a date, not an age, not "no one", not a year."""
    out = []
    dated = Spans(excluded)
    for number in numbers:
        if dated.hold(number.start):
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


def _figures_for(view: SentenceView, number: NumberMatch, earlier: bool) -> list[RawFigure]:
    # A death/injury word right before the number binds first: "загинули двоє людей, семеро
    # поранені" is two killed and seven injured, not nine injured.
    return (
        keyword_then_number(view, number, earlier)
        or number_then_keyword(view, number, earlier)
        or toll_to_number(view, number, earlier)
    )


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
                if phrase.start() > number.start:
                    break  # the phrases come in order: none further on holds the number
                if number.start < phrase.end():
                    size = number  # the count inside "a family of four"
                    break
