"""Which language a report is in, so the right language pack reads it.

lingua decides among the languages Khronika has packs for (restricted to them, so it is fast
and never answers with a language no pack reads). Text with too few letters to tell is None.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from lingua import Language, LanguageDetectorBuilder

_LETTER = re.compile(r"[^\W\d_]")
_MIN_LETTERS = 10
_SAMPLE = 3_000  # characters: the opening of a report decides its language
_CODES = {Language.ENGLISH: "en", Language.UKRAINIAN: "uk", Language.RUSSIAN: "ru"}


@cache
def _detector() -> Any:
    return LanguageDetectorBuilder.from_languages(*_CODES).build()


def detect_language(text: str) -> str | None:
    """ "en", "uk" or "ru"; None when the text has too few letters to tell."""
    sample = text[:_SAMPLE]
    if len(_LETTER.findall(sample)) < _MIN_LETTERS:
        return None
    language = _detector().detect_language_of(sample)
    return _CODES.get(language) if language is not None else None
