"""Which language a report is in, so the right language pack reads it.

Two steps, so a French report is never read as English: lingua's fast mode over all its
languages names the language; when that is one Khronika has a pack for (or nothing), the
accurate detector restricted to the pack languages decides as before. A text with many of a
pack language's own common words (lang/identification.toml) skips the first step, the costly
one (about 2 ms a report for English). Any other answer is
checked by the accurate detector over the pack languages plus that one (the fast mode errs on
short texts: "Norwegian" for a short English report; the accurate one can flip on one name:
"Kazakh" for a Ukrainian sentence) and must also win a vote of the sample's words; then its
code is returned, which the pipeline refuses with "no language pack". Text with too few
letters is None; a text of fewer than eight words (a place name, a headline of names) is read
as the pack language it is closest to, since so few words cannot show another language.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lingua import Language, LanguageDetectorBuilder

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]{3,}")
_VOTING_WORDS = 60
_TOKEN = re.compile(r"[^\W\d_]+")
_COMMON_SHARE = 0.08  # English news prose has about 20% of its common words; French has none
_COMMON_MIN = 3
_IDENTIFICATION = Path(__file__).parent / "lang" / "identification.toml"
_MIN_LETTERS = 10
_MIN_WORDS_ELSEWHERE = 8  # fewer words ("Debaltseve", a headline of names) cannot show another
_SAMPLE = 3_000  # characters: the opening of a report decides its language
_GATE_SAMPLE = 600  # enough for the fast mode to name a language, at a fifth of the cost
_CODES = {Language.ENGLISH: "en", Language.UKRAINIAN: "uk", Language.RUSSIAN: "ru"}


@cache
def _detector() -> Any:
    return LanguageDetectorBuilder.from_languages(*_CODES).build()


@cache
def _any_language() -> Any:
    """All of lingua's languages in its low-accuracy mode: under a second to build, ~90 MB."""
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


@lru_cache(maxsize=1)  # each holds accurate models (tens of MB): the language seen last
def _check_against(language: Language) -> Any:
    """The accurate detector over the pack languages and one other (loads that model once)."""
    return LanguageDetectorBuilder.from_languages(*_CODES, language).build()


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code ("en", "uk", "ru", or another such as "fr"); None when the text has
    too few letters to tell."""
    sample = text[:_SAMPLE]
    if len(_LETTER.findall(sample)) < _MIN_LETTERS:
        return None
    known = _surely_a_pack_language(sample[:_GATE_SAMPLE])
    few = len(_WORD.findall(sample[:_GATE_SAMPLE])) < _MIN_WORDS_ELSEWHERE
    guess = None if known or few else _gate(sample)
    if guess is not None and guess not in _CODES:
        check = _check_against(guess)
        if check.detect_language_of(sample) == guess and _wins_word_vote(check, guess, sample):
            return str(guess.iso_code_639_1.name).lower()
    language = _detector().detect_language_of(sample)
    return _CODES.get(language) if language is not None else None


def _wins_word_vote(check: Any, guess: Language, sample: str) -> bool:
    """More of the sample's words read as ``guess`` than as any pack language."""
    votes: dict[Language, int] = {}
    for word in _WORD.findall(sample)[:_VOTING_WORDS]:
        language = check.detect_language_of(word)
        if language is not None:
            votes[language] = votes.get(language, 0) + 1
    return votes.get(guess, 0) > max((votes.get(code, 0) for code in _CODES), default=0)


def _gate(sample: str) -> Language | None:
    """The language lingua's fast mode names among all it knows (None: it cannot tell)."""
    language: Language | None = _any_language().detect_language_of(sample[:_GATE_SAMPLE])
    return language


@cache
def _common_words() -> frozenset[str]:
    words = tomllib.loads(_IDENTIFICATION.read_text(encoding="utf-8"))
    return frozenset(word for listed in words.values() for word in listed.split())


def _surely_a_pack_language(sample: str) -> bool:
    """Enough of the words are a pack language's own common ones to skip the search."""
    tokens = _TOKEN.findall(sample.lower())
    common = _common_words()
    hits = sum(1 for token in tokens if token in common)
    # a headline of a dozen words holds one or two ("dies in Donetsk blast")
    return hits >= min(_COMMON_MIN, 1 + len(tokens) // 12) and hits >= _COMMON_SHARE * len(tokens)
