"""Literal gates skip pack patterns that cannot match a sentence; skipping must never lose a match.

The derivation is checked on small patterns, the case folding against every code point, and
the gates of every pattern of every pack against every text at hand (cases, examples and, when
present, the shared evaluation files beside the repository).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from khronika.lang import (
    SUPPORTED,
    LiteralFinder,
    could_match,
    fold_case,
    literal_gate,
    load_pack,
    sentence_gates,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# Code points, surrogates left out (they cannot stand alone in text).
EVERY_CHARACTER = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("shelling", ("shelling",)),
        (r"strikes?|struck", ("str",)),  # re's parser takes the shared prefix out of branches
        (r"strikes?|hit", ("hit", "strike")),
        (r"kill(?:ed|ing)|dead", ("dead", "kill")),
        (r"(?:heavy )?shelling", ("shelling",)),
        (r"(?:very )?(?:heavy )?", ()),
        (r"(?:drone ){2,}", ("drone ",)),
        (r"(?:drone )*attack", ("attack",)),
        (r"(?:drone )*?", ()),
        (r"\d{2,3}[ -]?mm", ("mm",)),
        (r"[bc]at", ("at",)),
        (r"\w+|shelled", ()),  # one branch needs no literal: the whole pattern needs none
        (r".", ()),
        (r"(?<![\w-])(?:strike)(?![\w])", ("strike",)),
        (r"air(?= )(?:\s)raid", ("raid",)),  # a class breaks the run; the longer side wins
        (r"air(?= )\braid", ("airraid",)),  # lookarounds and anchors consume nothing
        (r"(?!drone)attack", ("attack",)),
        (r"(?>shell)ed", ("shell",)),
        (r"strike|strikes|airstrike|drone strikes", ("strike",)),  # contain "strike"
        (r"(a)\1", ("a",)),
    ],
)
def test_gate_derivation(pattern: str, expected: tuple[str, ...]) -> None:
    assert literal_gate(re.compile(pattern, re.IGNORECASE)) == expected


def test_gate_literals_are_case_folded_whatever_the_pattern_flags() -> None:
    assert literal_gate(re.compile("NATO")) == ("nato",)
    assert literal_gate(re.compile("Kyiv", re.IGNORECASE)) == ("kyiv",)
    assert literal_gate(re.compile("ſtrike", re.IGNORECASE)) == ("strike",)


def test_fold_case_folds_each_character_alone() -> None:
    """One character for each, whatever its neighbours (final sigma, dotted capital I): a
    match's folded text is then part of its sentence's folded text."""
    assert "".join(map(fold_case, EVERY_CHARACTER)) == fold_case(EVERY_CHARACTER)
    for text in ["ΟΔΟΣ ΟΔΟΣ.", "İstanbul", "Straße, ſtrike, Kelvin K"]:
        assert fold_case(text) == "".join(map(fold_case, text))
    assert fold_case("İSTANBUL") == "istanbul"


def test_every_character_ignorecase_matches_folds_like_the_pattern_character() -> None:
    """What ``re.IGNORECASE`` lets a literal match folds to the literal: gates stay sound."""
    pattern_characters = {c for code in SUPPORTED for lit in _all_gate_literals(code) for c in lit}
    pattern_characters |= set("abcdefghijklmnopqrstuvwxyzµσβθκπρφ")
    folded = fold_case(EVERY_CHARACTER)
    for character in sorted(pattern_characters):
        for match in re.finditer(re.escape(character), EVERY_CHARACTER, re.IGNORECASE):
            assert folded[match.start()] == fold_case(character), (character, match.group())


def test_literal_finder_finds_overlapping_and_nested_literals() -> None:
    literals = ["attack", "attacked", "tack", "ack", "drone strike", "strike", "ked a"]
    finder = LiteralFinder(literals)
    for text in ["they attacked a drone strike site", "attack", "tackle", "", "no match here"]:
        folded = fold_case(text)
        assert finder.find(folded) == {lit for lit in literals if lit in folded}
    assert LiteralFinder([]).find("anything") == set()


def test_could_match_only_rules_out_gates_with_no_literal_present() -> None:
    assert could_match((), set())
    assert could_match(("strike", "shell"), {"shell"})
    assert not could_match(("strike", "shell"), {"drone"})


@pytest.mark.parametrize("source", ["repository", "shared"])
@pytest.mark.parametrize("code", SUPPORTED)
def test_every_pack_pattern_match_contains_a_gate_literal(code: str, source: str) -> None:
    texts = _texts(source)
    for name, regex in _pack_patterns(load_pack(code)):
        gate = literal_gate(regex)
        if not gate:
            continue
        for text in texts:
            for match in regex.finditer(text):
                folded = fold_case(match.group())
                assert any(lit in folded for lit in gate), (code, name, match.group(), gate)


@pytest.mark.parametrize("source", ["repository", "shared"])
@pytest.mark.parametrize("code", SUPPORTED)
def test_gated_trigger_and_actor_matching_equals_ungated(code: str, source: str) -> None:
    """What ``read_sentences`` does, on whole texts: skipping gated patterns loses nothing."""
    pack = load_pack(code)
    finder = sentence_gates(pack)
    skipped = 0
    for text in _texts(source):
        present = finder.find(fold_case(text))
        for entry in (*pack.triggers, *pack.actors):
            every = [m.span() for m in entry.regex.finditer(text)]
            gated = every if could_match(entry.gate, present) else []
            assert gated == every, (code, entry.regex.pattern[:60], text[:80])
            skipped += not could_match(entry.gate, present)
    assert skipped, "no pattern was ever skipped: the gates would do nothing"


def _all_gate_literals(code: str) -> set[str]:
    return {lit for _, regex in _pack_patterns(load_pack(code)) for lit in literal_gate(regex)}


def _pack_patterns(value: Any, name: str = "pack") -> Iterator[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern reachable from a pack: fields, lexemes, triggers, role tables."""
    if isinstance(value, re.Pattern):
        yield name, value
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            if field.name not in ("raw", "gate"):
                yield from _pack_patterns(getattr(value, field.name), f"{name}.{field.name}")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _pack_patterns(item, f"{name}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _pack_patterns(item, f"{name}[{key!r}]")


@cache
def _texts(source: str) -> tuple[str, ...]:
    """Report texts: the repository's cases and examples, or a sample of the shared eval files
    (the test skips when they are absent)."""
    if source == "shared":
        return _shared_texts()
    texts: list[str] = []
    for path in sorted((REPO / "tests" / "cases").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    for path in sorted((REPO / "examples").rglob("*")):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return tuple(texts)


# The shared files hold far more text than a fast test needs; every n-th row is a fair sample.
_SHARED_SAMPLES = {
    "news-en-2022-2024.csv": ("content", 8),
    "acled-ukraine-2018-2023.csv": ("notes", 4),
    "acled-somalia-2025.csv": ("notes", 20),
    "ucdp-ukraine-2014-2021.csv": ("source_headline", 4),
}


def _shared_texts() -> tuple[str, ...]:
    eval_dir = SHARED / "eval"
    if not eval_dir.is_dir():
        pytest.skip(f"no shared evaluation data at {eval_dir}")
    csv.field_size_limit(1 << 30)
    texts: list[str] = []
    for file_name, (column, every) in _SHARED_SAMPLES.items():
        path = eval_dir / file_name
        if path.exists():
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                rows = csv.DictReader(handle)
                texts.extend(row[column] for i, row in enumerate(rows) if i % every == 0)
    return tuple(texts)
