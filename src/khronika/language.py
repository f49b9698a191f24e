"""Which language a report is in, so the right language pack reads it.

Letters decide: Latin text is English (the only Latin-script pack), Cyrillic text is Ukrainian
when letters only Ukrainian uses (і ї є ґ) outnumber those only Russian uses (ы э ъ ё), else
Russian: almost every Ukrainian sentence has an і. Good enough to route reports between packs;
a statistical detector can replace this function without changing its callers.
"""

from __future__ import annotations

import re

_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")
_SAMPLE = 20_000


def detect_language(text: str) -> str | None:
    """ "en", "uk" or "ru"; None when the text has too few letters to tell."""
    sample = text[:_SAMPLE]
    latin = len(_LATIN.findall(sample))
    cyrillic = len(_CYRILLIC.findall(sample))
    if latin + cyrillic < 10:
        return None
    if latin >= cyrillic:
        return "en"
    ukrainian = len(_UKRAINIAN_ONLY.findall(sample))
    russian = len(_RUSSIAN_ONLY.findall(sample))
    return "uk" if ukrainian > russian else "ru"  # Ukrainian prose is full of і; Russian has none
