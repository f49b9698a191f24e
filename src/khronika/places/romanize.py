"""Name normalisation: one matching key for the many spellings of a place name.

News writes the same Ukrainian place as Lyubotyn, Liubotyn or Lubotin, and Kharkiv as Kharkov.
The key folds the spellings that differ only by transliteration habit (ya/ia, kh/h, -skyi/-sky,
doubled letters) so that one dictionary look-up finds them all; the gazetteer keeps the real
names. Ukrainian Cyrillic is romanized by the official 2010 table (Cabinet resolution 55).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = "'’ʼ`´‘ʹʻ\""
_DASHES = "-‐‑‒–—―"
_KEEP = re.compile(r"[^\w ]+")
_SPACES = re.compile(r"\s+")
_DOUBLED = re.compile(r"(\w)\1+")
_TRANSLATE = str.maketrans({**{c: "" for c in _APOSTROPHES}, **{c: " " for c in _DASHES}})

# Latin spellings that transliteration habits make interchangeable, applied in order.
_LATIN_FOLDS = (
    ("shch", "sch"),  # Щ: Shcherbynivka, Scherbynivka
    ("zhzh", "zh"),
    ("kh", "h"),
    ("g", "h"),
    ("w", "v"),
    ("y", "i"),
    ("ij ", "i "),
)


@lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """The matching key of a name: case, marks, apostrophes, hyphens and variants folded."""
    plain = text.translate(_TRANSLATE)
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _SPACES.sub(" ", _KEEP.sub("", plain.casefold())).strip()
    if not plain:
        return ""
    folded = plain + " "
    for old, new in _LATIN_FOLDS:
        folded = folded.replace(old, new)
    return _DOUBLED.sub(r"\1", folded).strip()


# Cabinet of Ministers of Ukraine resolution 55 (27 January 2010): the first letter of a word
# takes the initial form for є ї й ю я.
_UA_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UA_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia",
}  # fmt: skip


def romanize_ukrainian(text: str) -> str:
    """Official 2010 romanization of a Ukrainian name ("Харків" -> "Kharkiv")."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    word_start = True
    previous = ""
    for char in text:
        lower = char.lower()
        if lower in _APOSTROPHES:
            continue
        if lower == "г" and previous == "з":
            latin = "gh"  # зг -> zgh, to keep it apart from ж (zh)
        elif word_start and lower in _UA_INITIAL:
            latin = _UA_INITIAL[lower]
        else:
            latin = _UA_LETTERS.get(lower, char)
        if char != lower and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
        word_start = not char.isalpha()
        previous = lower
    return "".join(out)


# Case endings of Ukrainian and Russian nouns, longest first, and the nominative endings a
# stripped stem may take: enough to read "Харкові", "Харькову", "Сумах" without a dictionary.
_CASE_ENDINGS = (
    "ові", "еві", "ою", "ею", "ом", "ем", "ах", "ях", "ам", "ям", "ой", "ей", "ий", "ого",
    "ому", "ім", "ым", "ої", "ій", "ою", "і", "у", "ю", "а", "я", "е", "и", "ы",
)  # fmt: skip
_NOMINATIVE_ENDINGS = ("", "а", "я", "и", "ы", "ь", "е", "о", "ий", "ій", "ая", "а", "ь")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]")


def cyrillic_base_forms(name: str) -> list[str]:
    """Possible nominatives of an inflected Ukrainian or Russian place name, likeliest first.

    Only the last word changes ("Кривому Розі" is left to the dictionary), and a stem's o/e
    before its last consonant may also be the і of the Ukrainian nominative (Харкова -> Харків).
    """
    if not _CYRILLIC_WORD.search(name):
        return []
    head, _, last = name.rpartition(" ")
    lower = last.lower()
    forms: list[str] = []
    for ending in _CASE_ENDINGS:
        if not lower.endswith(ending) or len(lower) - len(ending) < 3:
            continue
        stem = last[: len(last) - len(ending)]
        stems = [stem]
        if len(stem) > 2 and stem[-2].lower() in "ое":
            stems.append(stem[:-2] + "і" + stem[-1])
        nominatives = [base + tail for base in stems for tail in _NOMINATIVE_ENDINGS]
        if stem.lower().endswith("ц") and ending:
            # The e of -ець/-ец drops out of the other cases: Тростянці, Тростянця -> Тростянець.
            nominatives += [stem[:-1] + "ець", stem[:-1] + "ец"]
        for nominative in nominatives:
            form = f"{head} {nominative}".strip()
            if form != name and form not in forms:
                forms.append(form)
    return forms
