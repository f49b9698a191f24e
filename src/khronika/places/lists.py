"""Lists of places: one region word or one shared form makes every item a region.

"Zhytomyr, Lviv and Chernihiv regions", "в Житомирській, Львівській та Чернігівській областях":
the region word after the last item says what all of them are; read one by one, the first items
look like cities or villages ("Zhytomyrske"). "по Житомирській, Львівській та Чернігівській"
(no region word at all): Cyrillic region adjectives listed together are regions too, where a
city would be a noun ("Житомира, Львова").
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from khronika.lang import place_words
from khronika.places.gazetteer import ADMIN1, Gazetteer
from khronika.places.morphology import is_feminine_adjective
from khronika.places.romanize import name_key

if TYPE_CHECKING:
    from khronika.places.spot import PlaceSpan


def _joined(text: str, left: PlaceSpan, right: PlaceSpan) -> bool:
    """Whether only a comma or a list word ("and", "та") stands between two spans."""
    gap = text[left.end : right.start]
    words = gap.replace(",", " ").split()
    if not gap.strip():
        return False  # one name in two words is the spotter's business
    return len(words) <= 1 and all(w.lower() in place_words().list_joiners for w in words)


def _lists(text: str, spans: list[PlaceSpan]) -> list[list[int]]:
    """Runs of two or more span indexes that form one list."""
    runs: list[list[int]] = []
    for index in range(len(spans)):
        if runs and runs[-1][-1] == index - 1 and _joined(text, spans[index - 1], spans[index]):
            runs[-1].append(index)
        else:
            runs.append([index])
    # "A, B and C": a list word before the last item; "Kherson, Kherson region" is a place and
    # where it lies.
    return [
        run
        for run in runs
        if len(run) > 1 and _list_word_between(text, spans[run[-2]], spans[run[-1]])
    ]


def _list_word_between(text: str, left: PlaceSpan, right: PlaceSpan) -> bool:
    """Whether the gap before the last item opens with a list word ("and", "та")."""
    words = text[left.end : right.start].replace(",", " ").split()
    return bool(words) and words[0].lower() in place_words().list_joiners


def _region_adjective(span: PlaceSpan, places: Gazetteer) -> bool:
    """ "Житомирській", "Хмельницької": a feminine adjective naming a region, not a place
    spelt so ("Веселе") nor a city ("Хмельницького" is the city's)."""
    return (
        " " not in span.surface
        and is_feminine_adjective(span.surface)
        and any(c.kind == ADMIN1 for c in span.candidates)
        and not places.is_settlement_key(name_key(span.surface))
    )


def regions_in_lists(
    text: str, spans: list[PlaceSpan], places: Gazetteer | None = None
) -> list[PlaceSpan]:
    """The spans, with the items of a list of regions marked as regions."""
    gazetteer = places or Gazetteer.default()
    marked = list(spans)
    for run in _lists(text, marked):
        items = [marked[i] for i in run]
        by_word = items[-1].kind_hint == ADMIN1 and _region_word_after(text, items[-1].end)
        if not (by_word or all(_region_adjective(s, gazetteer) for s in items)):
            continue
        for i in run:
            span = marked[i]
            if span.kind_hint != ADMIN1 and any(c.kind == ADMIN1 for c in span.candidates):
                marked[i] = replace(span, kind_hint=ADMIN1)
    return marked


def listed_regions(text: str, spans: list[PlaceSpan]) -> list[PlaceSpan]:
    """The regions of the first list of two or more regions in ``spans`` ("Zhytomyr, Lviv and
    Chernihiv regions", "по Житомирській, Львівській та Миколаївській"): where a sentence names
    no settlement, each is a place where it happened, as an ACLED coder codes one event per
    region named."""
    for run in _lists(text, spans):
        items = [spans[i] for i in run]
        if all(s.kind_hint == ADMIN1 for s in items):
            return items
    return []


def qualifies(region: PlaceSpan, place: PlaceSpan) -> bool:
    """Whether ``region`` after ``place`` and a comma says where the place lies ("Charivne,
    Zaporizhia"), rather than being the next item of a list ("Zhytomyr, Lviv"): some meaning
    of the place lies in the region."""
    regions = {c.admin1_code for c in region.candidates if c.kind == ADMIN1}
    return any(c.admin1_code in regions for c in place.candidates if c.kind != ADMIN1)


_WORD = re.compile(r"\s*([^\W\d_][\w'’ʼ]*)")


def _region_word_after(text: str, end: int) -> bool:
    """Whether a region word ("regions", "областях") follows ``end``."""
    match = _WORD.match(text, end, end + 40)
    return match is not None and match.group(1).lower() in place_words().admin1_after
