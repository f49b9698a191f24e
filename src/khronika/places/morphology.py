"""Dictionary forms of inflected Ukrainian and Russian place names, for gazetteer lookups.

Reports inflect names ("у Харкові", "по Кривому Рогу", "на Херсонщині", "Запорізькій області");
the gazetteer knows nominatives ("Харків", "Кривий Ріг", "Херсонщина", "Запорізька"). pymorphy3's
Ukrainian and Russian dictionaries give each word's lemma (and, for adjectives, the feminine
form region names take); the ending-stripping of ``cyrillic_base_forms`` covers names the
dictionaries do not know. Analyzers are loaded once, on first use.
"""

from __future__ import annotations

import itertools
import re
from functools import cache, lru_cache
from typing import Any

from khronika.lang import morphology as word_morphology
from khronika.places.romanize import cyrillic_base_forms

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MAX_PARSES = 4
_MAX_COMBINATIONS = 24


@cache
def _analyzers() -> tuple[Any, ...]:
    """The uk and ru analyzers, shared with the packs' word tests (``lang.morphology``)."""
    return tuple(word_morphology.analyzer(code) for code in word_morphology.WITH_DICTIONARY)


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


# Masculine adjective endings: "Київський район" is a district, never "Київська область".
_MASCULINE_ADJECTIVE = ("ий", "ый", "ого", "ому", "им", "ым")


def may_name_region(word: str) -> bool:
    """Whether an inflected word may be a region's name: not a masculine adjective."""
    return not word.lower().endswith(_MASCULINE_ADJECTIVE)


@lru_cache(maxsize=65536)
def word_forms(word: str) -> tuple[str, ...]:
    """Possible dictionary forms of one word, likeliest first (lower case)."""
    forms: list[str] = []
    for analyzer in _analyzers():
        for parse in analyzer.parse(word)[:_MAX_PARSES]:
            forms.append(parse.normal_form)
            if "ADJF" in parse.tag and "femn" in parse.tag:  # "Запорізькій" -> "запорізька"
                feminine = parse.inflect({"femn", "sing", "nomn"})
                if feminine is not None:
                    forms.append(feminine.word)
    forms.extend(form.lower() for form in cyrillic_base_forms(word))
    return tuple(dict.fromkeys(f for f in forms if f and f != word.lower()))


@lru_cache(maxsize=65536)
def name_forms(surface: str) -> tuple[str, ...]:
    """Possible dictionary forms of an inflected (possibly multi-word) name."""
    if not is_cyrillic(surface):
        return ()
    words = surface.split()
    options = [(*word_forms(word), word.lower()) for word in words]  # dictionary forms first
    combos = itertools.islice(itertools.product(*options), _MAX_COMBINATIONS)
    return tuple(dict.fromkeys(" ".join(c) for c in combos if " ".join(c) != surface.lower()))


@lru_cache(maxsize=65536)
def is_feminine_adjective(word: str) -> bool:
    """Whether a Cyrillic word may be a feminine adjective ("Хмельницької", "Сумской"): the
    form region names take, where a city named like an adjective is masculine
    ("Хмельницького")."""
    return is_cyrillic(word) and any(
        "ADJF" in parse.tag and "femn" in parse.tag
        for analyzer in _analyzers()
        for parse in analyzer.parse(word)[:_MAX_PARSES]
    )


_CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct", "voct"})


@lru_cache(maxsize=65536)
def modifies_next(word: str, following: str, guessed: bool = False) -> bool:
    """Whether ``word`` is an adjective agreeing in case with the noun after it, as the
    dictionaries know them: "Запорізьку АЕС", "Запорожскую АЭС" name a plant, not a village.
    ``guessed`` also takes the analyser's guesses for ``word`` (a town's adjective such as
    "Лисичанская" is in no dictionary; the noun must still be known)."""
    if not (is_cyrillic(word) and is_cyrillic(following)):
        return False
    for analyzer in _analyzers():
        first = analyzer.parse(following)[0]
        if not first.is_known or "NOUN" not in first.tag or _PROPER & set(first.tag.grammemes):
            continue  # "Тёткино из": a preposition first, and no common noun
        adjective = _known_cases(analyzer, word, "ADJF", guessed)
        noun = _known_cases(analyzer, following, "NOUN")
        if adjective & noun:
            return True
    return False


_PROPER = frozenset({"Name", "Surn", "Patr", "Geox"})


def _known_cases(analyzer: Any, word: str, part: str, guessed: bool = False) -> set[str]:
    return {
        grammeme
        for parse in analyzer.parse(word)
        if (guessed or parse.is_known) and part in parse.tag and "Poss" not in parse.tag
        for grammeme in _CASES & set(parse.tag.grammemes)
    }


@lru_cache(maxsize=65536)
def is_given_name(word: str) -> bool:
    """Whether the dictionaries know a Cyrillic word as a given name in some form
    ("Володимира", "Сергія"): followed by a surname it starts a person, not a town."""
    if not is_cyrillic(word):
        return False
    return any(
        parse.is_known and "Name" in parse.tag
        for analyzer in _analyzers()
        for parse in analyzer.parse(word)[:_MAX_PARSES]
    )
