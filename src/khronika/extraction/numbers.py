"""Numbers in digits and in words, with their spans: "20", "1,200", "seven", "twenty-five",
"a dozen", and the vague words ACLED codes by convention ("dozens" = 12)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from khronika.lang import LanguagePack

_DIGITS = re.compile(r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w]|[.,]\d)")
_APOSTROPHES = re.compile("[’ʼ]")  # п’ять, пʼять and п'ять are one word
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F\u0400-\u04FF'’ʼ]+")
# Articles count only in "a dozen", "a hundred", "a couple of".


@dataclass(frozen=True)
class NumberMatch:
    start: int
    end: int
    value: int | None  # None: a vague word with no convention ("several")
    word: str | None = None  # the vague word, when one was used
    digits: bool = False


def find_numbers(text: str, start: int, end: int, pack: LanguagePack) -> list[NumberMatch]:
    """All numbers between ``start`` and ``end`` of ``text``, in order."""
    found = [
        NumberMatch(m.start(), m.end(), int(m.group(1).replace(",", "")), digits=True)
        for m in _DIGITS.finditer(text, start, end)
    ]
    found.extend(_word_numbers(text, start, end, pack))
    found.extend(_vague_numbers(text, start, end, pack))
    found.sort(key=lambda n: (n.start, -n.end))
    result: list[NumberMatch] = []
    for number in found:
        if result and number.start < result[-1].end:
            continue
        if result and result[-1].word and not text[result[-1].end : number.start].strip():
            result.pop()  # "some 20": the vague word was a qualifier
        result.append(number)
    return result


@dataclass(frozen=True)
class _NumberWords:
    """What a pack's number words need precompiled, so most sentences are ruled out fast."""

    starters: frozenset[str]  # words a number in words can begin with (articles aside)
    any_number_word: re.Pattern[str]  # found in every sentence that has a number in words
    vague: tuple[tuple[str, int | None, re.Pattern[str]], ...]
    any_vague: re.Pattern[str] | None  # found in every sentence that has a vague word


@cache
def _number_words(pack: LanguagePack) -> _NumberWords:
    articles = pack.grammar.articles
    starters = (set(pack.number_units) | set(pack.number_tens)) - articles
    # "a dozen": an article counts only before one of these (see _article_counts).
    words = sorted(starters | pack.grammar.counted_after_article, key=len, reverse=True)
    letters = r"A-Za-z\u00C0-\u024F\u0400-\u04FF'’"  # the letters of _WORD
    any_word = "|".join(re.escape(w).replace("'", "['’ʼ]") for w in words)
    vague_words = sorted(pack.vague_numbers, key=len, reverse=True)
    return _NumberWords(
        starters=frozenset(starters),
        any_number_word=re.compile(rf"(?<![{letters}])(?i:{any_word})(?![{letters}])"),
        vague=tuple(
            (word, value, re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w])", re.I))
            for word, value in pack.vague_numbers.items()
        ),
        any_vague=re.compile(
            rf"(?<![\w-])(?:{'|'.join(map(re.escape, vague_words))})(?![\w])", re.I
        )
        if vague_words
        else None,
    )


def _word_numbers(text: str, start: int, end: int, pack: LanguagePack) -> list[NumberMatch]:
    known = _number_words(pack)
    if not known.any_number_word.search(text[start:end]):  # a slice: lookbehind stops at start
        return []
    words = [
        (m.start(), m.end(), _APOSTROPHES.sub("'", m.group(0).lower()))
        for m in _WORD.finditer(text, start, end)
    ]
    matches: list[NumberMatch] = []
    i = 0
    while i < len(words):
        word = words[i][2]
        if word not in known.starters and word not in pack.grammar.articles and "-" not in word:
            i += 1  # _parse_words would stop at this word at once
            continue
        parsed = _parse_words(words, i, text, pack)
        if parsed is None:
            i += 1
            continue
        value, last = parsed
        matches.append(NumberMatch(words[i][0], words[last][1], value))
        i = last + 1
    return matches


def _parse_words(
    words: list[tuple[int, int, str]], i: int, text: str, pack: LanguagePack
) -> tuple[int, int] | None:
    """Parse a number-word sequence starting at word ``i``: (value, index of its last word)."""
    total = 0
    current = 0
    last = -1
    j = i
    while j < len(words):
        w_start, _, word = words[j]
        if j > i and text[words[j - 1][1] : w_start].strip() not in ("", "-"):
            break
        parts = word.split("-") if "-" in word else [word]
        if word in pack.grammar.articles:
            if not _article_counts(words, j, pack):
                break
        elif word in pack.number_units:
            current += pack.number_units[word]
        elif word in pack.number_tens:
            current += pack.number_tens[word]
        elif word in pack.number_scales and last >= 0:
            scale = pack.number_scales[word]
            if scale >= 1000:
                total += max(current, 1) * scale
                current = 0
            else:
                current = max(current, 1) * scale
        elif word in pack.grammar.number_joiner and last >= 0 and j + 1 < len(words):
            j += 1
            continue
        elif all(p in pack.number_tens or p in pack.number_units for p in parts) and len(parts) > 1:
            current += sum(pack.number_tens.get(p, pack.number_units.get(p, 0)) for p in parts)
        else:
            break
        last = j
        j += 1
    if last < 0:
        return None
    if words[last][2] in pack.grammar.number_joiner:
        last -= 1
    return total + current, last


def _article_counts(words: list[tuple[int, int, str]], j: int, pack: LanguagePack) -> bool:
    """An article counts only before "dozen", "hundred"...: "a dozen" is 12, "a man" none."""
    return j + 1 < len(words) and words[j + 1][2] in pack.grammar.counted_after_article


def _vague_numbers(text: str, start: int, end: int, pack: LanguagePack) -> list[NumberMatch]:
    known = _number_words(pack)
    sentence = text[start:end]
    if known.any_vague is None or not known.any_vague.search(sentence):
        return []
    matches = []
    for word, value, regex in known.vague:
        for m in regex.finditer(sentence):
            matches.append(NumberMatch(start + m.start(), start + m.end(), value, word=word))
    return matches
