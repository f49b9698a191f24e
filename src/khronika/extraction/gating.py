"""The patterns of a pack family that could match a sentence, from an index of gate literals.

``lang.could_match`` says whether one pattern could match a sentence holding certain gate
literals; asking it of each of a family's patterns costs one call per pattern per sentence (or
per number). ``gated`` gives the same answer for the whole family from an index built once per
pack: the patterns without a gate, and for each literal the patterns it opens.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from functools import cache
from typing import Any

from khronika.lang import LanguagePack


def gated(pack: LanguagePack, family: str, present: AbstractSet[str] | None) -> list[Any]:
    """The pack's ``family`` of patterns (``triggers``, ``weapons`` ...) that could match a
    sentence holding the gate literals ``present`` (``None``: all of them), in the pack's
    order."""
    items, always, by_literal = _gate_index(pack, family)
    if present is None:
        return list(items)
    chosen = set(always)
    for literal in present:
        chosen.update(by_literal.get(literal, ()))
    return [items[i] for i in sorted(chosen)]


@cache
def _gate_index(
    pack: LanguagePack, family: str
) -> tuple[tuple[Any, ...], tuple[int, ...], dict[str, list[int]]]:
    items = tuple(getattr(pack, family))
    by_literal: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        for literal in item.gate:
            by_literal.setdefault(literal, []).append(index)
    return items, tuple(i for i, item in enumerate(items) if not item.gate), by_literal
