"""HTML fragments to plain text that keeps paragraph breaks, for feeds and page fallbacks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


class _TextCollector(HTMLParser):
    """Collects visible text, one entry per block element; <br> becomes a line break."""

    def __init__(self, only: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.only = only  # collect text only inside this element (e.g. "p"), or everywhere
        self.blocks: list[str] = []
        self.lines: list[list[str]] = [[]]  # the current block's lines, split at <br>
        self.hidden_depth = 0
        self.only_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden_depth += 1
        elif tag == "br":
            self.lines.append([])
        elif tag in _BLOCKS:
            self.flush()
        if tag == self.only:
            self.only_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCKS:
            self.flush()
        if tag == self.only:
            self.only_depth = max(0, self.only_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden_depth == 0 and (self.only is None or self.only_depth > 0):
            self.lines[-1].append(data)

    def flush(self) -> None:
        lines = (_SPACES.sub(" ", "".join(parts)).strip() for parts in self.lines)
        block = "\n".join(line for line in lines if line)
        if block:
            self.blocks.append(block)
        self.lines = [[]]


def html_to_text(fragment: str, only: str | None = None) -> str:
    """Visible text of ``fragment``, paragraphs separated by a blank line.

    With ``only`` set to a tag name, just the text inside those elements is kept.
    """
    collector = _TextCollector(only)
    collector.feed(fragment)
    collector.close()
    collector.flush()
    return "\n\n".join(collector.blocks)
