"""What a pack's patterns cannot say of a word: its likeliest part of speech, from pymorphy3's
Ukrainian and Russian dictionaries. A pattern proposes by the ending; the dictionary says
whether the word is a noun that only shares it ("Байрактарів", "снарядів": genitive plurals
that end like "полетів").

The analyzers are loaded here once per process, for ``places.morphology`` too: pymorphy3 keeps
a language's tag set on a shared class, so a second analyzer of the same language would
re-register it under the first one's parses.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

WITH_DICTIONARY = ("uk", "ru")


@cache
def analyzer(code: str) -> Any:
    """The pymorphy3 analyzer of ``code`` (one of ``WITH_DICTIONARY``), loaded on first use."""
    import pymorphy3  # noqa: PLC0415 - loaded on first use only

    return pymorphy3.MorphAnalyzer(lang=code)


@lru_cache(maxsize=16384)
def likeliest_noun(word: str, code: str) -> bool:
    """Whether the likeliest reading of ``word`` in language ``code`` is a noun; False for a
    language without a dictionary here."""
    if code not in WITH_DICTIONARY:
        return False
    parses = analyzer(code).parse(word)
    return bool(parses) and parses[0].tag.POS == "NOUN"
