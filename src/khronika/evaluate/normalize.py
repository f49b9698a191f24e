"""Comparisons shared by the scorers: place names, admin1 names and distances.

Gold files and Khronika spell the same region differently ("Donets'ka Oblast'", "Donetsk
oblast", "Donetsk"), so comparing raw strings would score spelling, not extraction.
"""

from __future__ import annotations

import math
import re
import unicodedata

EARTH_RADIUS_KM = 6371.0088

_APOSTROPHES = re.compile(r"['’ʼ`´‘ʹ]")
_SEPARATORS = re.compile(r"[-‐‑‒–—_/,.]+")
_SPACES = re.compile(r"\s+")
_ADMIN_WORDS = {"oblast", "region", "province"}
_CITY_WORDS = {"city", "misto"}
_UCDP_FILLER_WORDS = {"special", "republican", "autonomous", "republic", "of", "the"}
_TRANSLITERATIONS = {
    "kiev": "kyiv",
    "kyyiv": "kyiv",
    "odessa": "odesa",
    "lugansk": "luhansk",
    "kharkov": "kharkiv",
    "zaporozhye": "zaporizhia",
    "zaporizhzhia": "zaporizhia",
    "zaporizhzhya": "zaporizhia",
    "dnepropetrovsk": "dnipropetrovsk",
    "nikolaev": "mykolaiv",
    "mykolayiv": "mykolaiv",
    "chernigov": "chernihiv",
    "zhitomir": "zhytomyr",
    "rovno": "rivne",
    "lvov": "lviv",
    "vinnitsa": "vinnytsia",
    "krym": "crimea",
}
_ADJECTIVE_ENDINGS = ("ska", "ka", "sk", "a", "y", "i")


def fold_text(value: str) -> str:
    """Lower case without accents, apostrophes or punctuation runs, single-spaced."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _APOSTROPHES.sub("", plain.casefold())
    plain = _SEPARATORS.sub(" ", plain)
    return _SPACES.sub(" ", plain).strip()


def admin1_key(name: str | None) -> str:
    """ACLED-style admin1 key: case, apostrophes, hyphens and "Oblast"/"Region" ignored.

    "Kyiv City" keeps its "city" so it stays distinct from the surrounding "Kyiv" oblast.
    No transliteration variants are merged: ACLED's spelling is part of what is scored.
    """
    if not name:
        return ""
    words = [word for word in fold_text(name).split() if word not in _ADMIN_WORDS]
    return " ".join(words)


def admin1_stem(name: str | None) -> tuple[str, bool]:
    """A loose admin1 stem for UCDP: (stem, is_city).

    Drops administrative words ("oblast", "Special Republican"), maps common Russian-era
    spellings to the Ukrainian romanization (Kiev→Kyiv, Lugansk→Luhansk), then strips a
    Ukrainian adjective ending ("Donets'ka" → "donet", "Donetsk" → "donet"). Two names
    match when one stem is a prefix of the other (see ``admin1_loose_match``).
    """
    if not name:
        return "", False
    words = fold_text(name).split()
    is_city = any(word in _CITY_WORDS for word in words)
    kept = [
        _TRANSLITERATIONS.get(word, word)
        for word in words
        if word not in _ADMIN_WORDS | _CITY_WORDS | _UCDP_FILLER_WORDS
    ]
    if not kept:
        return "", is_city
    stem = kept[0]
    for ending in _ADJECTIVE_ENDINGS:
        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
            stem = stem[: -len(ending)]
            break
    return stem, is_city


def admin1_loose_match(gold: str | None, predicted: str | None) -> bool:
    """Loose equality of two admin1 names: same city status, one stem prefixing the other."""
    gold_stem, gold_city = admin1_stem(gold)
    predicted_stem, predicted_city = admin1_stem(predicted)
    if not gold_stem or not predicted_stem or gold_city != predicted_city:
        return False
    shorter, longer = sorted((gold_stem, predicted_stem), key=len)
    return longer.startswith(shorter)


def place_name_match(expected: str, names: list[str | None]) -> bool:
    """Whether a place name equals any of ``names`` once case and punctuation are folded."""
    wanted = fold_text(expected)
    return any(name and fold_text(name) == wanted for name in names)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    half = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, half)))
