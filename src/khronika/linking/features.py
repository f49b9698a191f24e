"""What linking compares of a mention: normalised fields only, computed once from the stored
mention JSON and kept in the store beside it (small, so blocking stays cheap)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from khronika.places.romanize import name_key, romanize_ukrainian
from khronika.store.links import Box

# A mention is a candidate for another when their days differ by at most this much (an
# overnight attack is dated by one report on the evening and by another on the morning).
DAY_WINDOW = 1
# Settlement-level places block within about 28 km; region-level ones within their region.
PRECISE_BOX = (0.25, 0.4)
REGION_BOX = (2.5, 4.0)
# A report that tells this many events or more at once is a summary: its mentions link only
# on strong evidence, so a roundup of twenty villages does not absorb the concrete reports.
SUMMARY_SIZE = 4


def mention_features(doc: dict[str, Any], linkable_in_report: int) -> dict[str, Any]:
    """The link features of one stored mention (its JSON, as the store keeps it)."""
    place = doc.get("location") or {}
    day = date.fromisoformat(doc["event_date"]).toordinal() if doc.get("event_date") else None
    return {
        "id": doc["id"],
        "report": doc["report_id"],
        "revision": doc.get("revision", 1),
        "day": day,
        "said_at": doc.get("said_at"),
        "type": doc.get("event_type"),
        "sub": doc.get("sub_event_type"),
        "lat": place.get("latitude"),
        "lon": place.get("longitude"),
        "precision": place.get("geo_precision"),
        "place_kind": place.get("place_kind"),
        "gazetteer_id": place.get("gazetteer_id"),
        "place": place.get("name"),
        "admin1": place.get("admin1"),
        "sublocations": sorted({skeleton(s) for s in place.get("sublocations") or []}),
        "sublocation_names": sorted(set(place.get("sublocations") or [])),
        "targets": sorted({t["kind"] for t in doc.get("targets") or []}),
        "weapons": sorted({w["kind"] for w in doc.get("weapons") or []}),
        "actor1": doc.get("actor1"),
        "killed": (doc.get("fatalities") or {}).get("best"),
        "injured": (doc.get("injured") or {}).get("best"),
        "background": bool(doc.get("background")),
        "update": any(
            f.get("as_of") == "update"
            for kind in ("fatalities", "injured")
            for f in (doc.get(kind) or {}).get("history") or []
        ),
        "summary": linkable_in_report >= SUMMARY_SIZE or is_roundup(doc),
        **names(doc),
        "times": times_of_day(doc),
    }


def is_roundup(doc: dict[str, Any]) -> bool:
    """Extraction marked the mention as part of a day's roundup of many places."""
    return "roundup" in (doc.get("evidence") or {})


_CLOCK = re.compile(r"(?<![\d:.])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")


def times_of_day(doc: dict[str, Any]) -> list[int]:
    """Clock times the mention's sentences give ("at 08:10", "о 15:20"), in minutes after
    midnight, local as the text says them: two strikes on one city at 08:10 and 19:40 are two."""
    found = {
        int(match.group(1)) * 60 + int(match.group(2))
        for source in doc.get("sources") or []
        for match in _CLOCK.finditer(source.get("quote") or "")
    }
    return sorted(found)


_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\d:.,]*\d|\d")
_SENTENCE_END = re.compile(r"[.!?…:;\n]\s*$")


def names(doc: dict[str, Any]) -> dict[str, Any]:
    """The proper names and numbers of the mention's sentences as script-free keys (and one
    word as written for each, to show), so an
    English and a Ukrainian report of one event share "Motorola" / "Моторола" ("mtrl") and
    "08:10". A capitalised word that opens a sentence is not taken: it may be any word."""
    words: dict[str, str] = {}
    for source in doc.get("sources") or []:
        quote = source.get("quote") or ""
        for match in _WORD.finditer(quote):
            word = match.group()
            if word[0].isdigit():
                if len(word) >= 2:
                    words.setdefault(word, word)
                continue
            opens = match.start() == 0 or _SENTENCE_END.search(quote[: match.start()])
            if word[0].isupper() and not word.isupper() and not opens:
                key = skeleton(word)
                if len(key) >= 3:
                    words.setdefault(key[:5], word)
    place_key = (
        skeleton(doc.get("location", {}).get("name") or "")[:5] if doc.get("location") else ""
    )
    words.pop(place_key, None)
    return {"names": sorted(words), "name_words": words}


_VOWELS = str.maketrans("", "", "aeiouy ")
_RUSSIAN_ONLY = str.maketrans({"ы": "y", "э": "e", "ё": "e", "ъ": ""})  # not in the uk table


def skeleton(name: str) -> str:
    """The consonants of a romanized name: Слобідський, Слободской and Slobidskyi agree on
    "slbdsk", Kyivskyi and Киевский on "kvsk", whatever the script or the vowel habits."""
    latin = name if name.isascii() else romanize_ukrainian(name.lower().translate(_RUSSIAN_ONLY))
    return name_key(latin).translate(_VOWELS)


# Mentions that name no place block together at this point, far from any real place, so
# that placeless reports of one day meet each other and nothing else.
PLACELESS = (-89.0, -179.0)


def is_linkable(features: dict[str, Any]) -> bool:
    """Background context and mentions without a day are never linked."""
    return not features["background"] and features["day"] is not None


def is_placeless(features: dict[str, Any]) -> bool:
    return features["lat"] is None or features["lon"] is None


def point(features: dict[str, Any]) -> tuple[float, float]:
    return PLACELESS if is_placeless(features) else (features["lat"], features["lon"])


def is_region_level(features: dict[str, Any]) -> bool:
    return (features["precision"] or 1) >= 3


def own_box(features: dict[str, Any]) -> Box | None:
    """Where the mention sits in the block index: a point in (day, latitude, longitude)."""
    if not is_linkable(features):
        return None
    day, (lat, lon) = features["day"], point(features)
    return Box(day, day, lat, lat, lon, lon)


def search_box(features: dict[str, Any]) -> Box:
    """The block of a linkable mention: the days around it and the area around its place."""
    dlat, dlon = REGION_BOX if is_region_level(features) else PRECISE_BOX
    day, (lat, lon) = features["day"], point(features)
    return Box(day - DAY_WINDOW, day + DAY_WINDOW, lat - dlat, lat + dlat, lon - dlon, lon + dlon)
