"""Sentences with their character offsets, and the parts of a report that are not the story.

Offsets always point into the report's original text, so every piece of evidence can be shown
in place. A leading ``date YYYY-MM-DD`` line and photo captions are skipped, not removed.
A "sentence" longer than ``MAX_SENTENCE`` characters (a table flattened to one line, text with
no full stops) is cut into pieces at clause boundaries, so the work per sentence is bounded and
extraction stays linear in the report's length.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from khronika.lang import LanguagePack

_DATE_HEADER = re.compile(r"\A\s*date\s+\d{4}-\d{2}-\d{2}\b[ \t]*", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A\s*---\n.*?\n---[ \t]*\n", re.DOTALL)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t]+")
# A run of end marks is tried once, from its first mark (a line of dots is no quadratic scan).
_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'»”’)\]]*+(?=\s)|\n")
_MAX_QUOTE = 600
# Opening marks that are not closing ones look only as far as a quotation may be long, so a
# line full of unclosed “ or « is read in linear time.
_QUOTE = re.compile(rf'"[^"\n]+"|“[^”\n]{{1,{_MAX_QUOTE}}}+”|«[^»\n]{{1,{_MAX_QUOTE}}}+»')
_TOKEN_BEFORE = re.compile(r"([\w.'-]+)[.!?…]*[\"'»”’)\]]*$")
# Longer than any sentence of real news (the longest of 9,000 is about 1,050 characters).
MAX_SENTENCE = 2000
# Where an over-long sentence is best cut, best first: after a clause's punctuation, at a space.
_CLAUSE_BREAK = re.compile(r"[;,:—–]\s")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int  # index of the paragraph, so headlines and ledes can be told apart


def story_start(text: str) -> int:
    """Offset where the story begins: after front matter and a leading ``date`` line."""
    match = _FRONT_MATTER.match(text)
    offset = match.end() if match else 0
    header = _DATE_HEADER.match(text, offset)
    return header.end() if header else offset


def _paragraphs(text: str, start: int) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text[start:]):
        spans.append((start + match.start(), start + match.end()))
    return spans


def _is_caption(paragraph: str, pack: LanguagePack) -> bool:
    return bool(pack.caption_cue.search(paragraph.strip()))


def _ends_sentence(text: str, cut: int, pack: LanguagePack) -> bool:
    """Whether the punctuation ending at ``cut`` closes a sentence (not "Mr." or "15.5")."""
    before = _TOKEN_BEFORE.search(text, max(0, cut - 40), cut)
    following = text[cut : cut + 3].lstrip()
    if not following:
        return True
    if text[cut - 1] == "\n":
        previous_char = text[cut - 2] if cut >= 2 else ""
        # A wrapped line: the sentence goes on when the next line starts in lower case.
        return not (following[0].islower() and previous_char not in '.!?:;"”»')
    if before:
        token = before.group(1).lower().rstrip(".")
        if token in pack.abbreviations or (len(token) == 1 and token.isalpha()):
            return False
    return not following[0].islower()


def split_sentences(text: str, pack: LanguagePack) -> list[Sentence]:
    """Split the story part of ``text`` into sentences, skipping captions."""
    sentences: list[Sentence] = []
    for index, (p_start, p_end) in enumerate(_paragraphs(text, story_start(text))):
        paragraph = text[p_start:p_end]
        if _is_caption(paragraph, pack):
            continue
        heading = _MARKDOWN_HEADING.match(paragraph)
        cursor = p_start + (heading.end() if heading else 0)
        quotes = _quoted_spans(text, cursor, p_end)
        quote_starts = [q_start for q_start, _ in quotes]
        for match in _END.finditer(text, cursor, p_end):
            cut = match.end()
            if _inside_quote(quotes, quote_starts, cut):
                continue
            if not _ends_sentence(text, cut, pack):
                continue
            _append(sentences, text, cursor, cut, index)
            cursor = cut
        _append(sentences, text, cursor, p_end, index)
    return sentences


def _inside_quote(quotes: list[tuple[int, int]], starts: list[int], cut: int) -> bool:
    """Whether ``cut`` is inside one of the (sorted, disjoint) quoted spans."""
    i = bisect_left(starts, cut) - 1
    return i >= 0 and quotes[i][0] < cut < quotes[i][1]


def _quoted_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Short closed quotations: a quoted statement stays one sentence with its attribution."""
    spans = []
    for match in _QUOTE.finditer(text, start, end):
        if match.end() - match.start() <= _MAX_QUOTE:
            spans.append((match.start(), match.end()))
    return spans


def _append(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        cut = _piece_end(text, start, start + MAX_SENTENCE)
        _append(sentences, text, start, cut, paragraph)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end - start >= 2:
        sentences.append(Sentence(start, end, text[start:end], paragraph))


def _piece_end(text: str, start: int, limit: int) -> int:
    """Where to end a piece of an over-long sentence: after the last clause break before
    ``limit`` in its second half, else at the last space there, else at ``limit``."""
    floor = start + MAX_SENTENCE // 2
    for pattern in (_CLAUSE_BREAK, _SPACE):
        breaks = list(pattern.finditer(text, floor, limit))
        if breaks:
            return breaks[-1].start() + 1
    return limit
