"""Is mention B the same event as mention A? A score in points from normalised fields, with a
reason for every point, or a conflict that forbids the link outright.

The points are weights of evidence, set by hand and checked on the linking evaluation
(``khronika eval link``): the same day and the same sub-event type are worth 1 each, the same
gazetteer place 2, nearby places less, shared targets, weapons and tolls a little. A link
needs ``LINK_THRESHOLD`` points (more for a mention of a summary report). Conflicts: two events
one report tells apart, different event types, different regions, places more than
``MAX_KM`` apart, different districts of one city.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from khronika.linking.features import is_placeless, is_region_level
from khronika.store.filters import haversine_km

LINK_THRESHOLD = 3.5
SUMMARY_EXTRA = 1.0  # a summary's mention needs this much more
MAX_KM = 25.0

_DISTANCE_POINTS = ((3.0, 1.5), (10.0, 0.8), (MAX_KM, 0.3))


@dataclass
class PairScore:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    conflict: str | None = None

    def add(self, points: float, reason: str) -> None:
        self.score += points
        self.reasons.append(reason)

    def threshold(self, a: dict[str, Any], b: dict[str, Any]) -> float:
        return LINK_THRESHOLD + (SUMMARY_EXTRA if a["summary"] or b["summary"] else 0.0)


def compare(a: dict[str, Any], b: dict[str, Any]) -> PairScore:
    """How strongly the features ``a`` and ``b`` say one event; a conflict says never."""
    pair = PairScore()
    if a["report"] == b["report"]:
        if a["revision"] == b["revision"]:
            pair.conflict = "one report tells them as two events"
            return pair
        pair.add(4.0, f"revisions {a['revision']} and {b['revision']} of one report")
    if a["type"] != b["type"]:
        pair.conflict = f"types differ ({a['type']} / {b['type']})"
        return pair
    if a["sub"] == b["sub"]:
        pair.add(1.0, f"both {a['sub']}")
    else:
        pair.add(0.3, f"both {a['type']} ({a['sub']} / {b['sub']})")
    days = abs(a["day"] - b["day"])
    if days == 0:
        pair.add(1.0, "same day")
    elif days == 1:
        pair.add(-1.5, "adjacent days")
    else:
        pair.conflict = f"{days} days apart"
        return pair
    _places(a, b, pair)
    if pair.conflict:
        return pair
    _shared(pair, a["targets"], b["targets"], 0.7, "same target")
    _shared(pair, a["weapons"], b["weapons"], 0.5, "both")
    if a["weapons"] and b["weapons"] and not set(a["weapons"]) & set(b["weapons"]):
        pair.add(-0.5, f"different weapons ({', '.join(a['weapons'])} / {', '.join(b['weapons'])})")
    shared = sorted(set(a.get("names") or []) & set(b.get("names") or []))
    if shared:
        written = [(b.get("name_words") or {}).get(key, key) for key in shared[:4]]
        points = 0.5 if len(shared) == 1 else 1.0
        pair.add(points, f"shared names or numbers ({', '.join(written)})")
    _times(pair, a.get("times") or [], b.get("times") or [])
    if a.get("update") or b.get("update"):
        pair.add(0.5, "one updates a toll")
    if a["actor1"] and a["actor1"] == b["actor1"]:
        pair.add(0.2, f"same actor ({a['actor1']})")
    for kind, word in (("killed", "killed"), ("injured", "injured")):
        _tolls(pair, a[kind], b[kind], word)
    return pair


def _places(a: dict[str, Any], b: dict[str, Any], pair: PairScore) -> None:
    if is_placeless(a) or is_placeless(b):
        if not (is_placeless(a) and is_placeless(b)):
            pair.conflict = "only one names a place"
        elif a["killed"] is not None and a["killed"] == b["killed"] and a["killed"] >= 3:
            pair.add(1.0, f"neither names a place; the toll ({a['killed']} killed) stands for it")
        else:
            pair.conflict = "neither names a place, and no toll of 3 or more ties them"
        return
    region_a, region_b = is_region_level(a), is_region_level(b)
    if region_a or region_b:
        if (a["admin1"] or "") != (b["admin1"] or ""):
            pair.conflict = f"regions differ ({a['admin1']} / {b['admin1']})"
        elif region_a and region_b:
            pair.add(0.5, f"same region ({a['admin1']})")
        else:
            precise = b if region_a else a
            pair.add(0.0, f"{precise['place']} lies in {precise['admin1']}")
        return
    km = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])
    if a["gazetteer_id"] and a["gazetteer_id"] == b["gazetteer_id"]:
        pair.add(2.0, f"same place ({a['place']})")
    elif km > MAX_KM:
        pair.conflict = f"{km:.0f} km apart"
        return
    else:
        for limit, points in _DISTANCE_POINTS:
            if km <= limit:
                pair.add(points, f"{km:.1f} km apart ({a['place']} / {b['place']})")
                break
    districts_a, districts_b = set(a["sublocations"]), set(b["sublocations"])
    names_a = ", ".join(a.get("sublocation_names") or sorted(districts_a))
    names_b = ", ".join(b.get("sublocation_names") or sorted(districts_b))
    if districts_a and districts_b:
        if districts_a & districts_b:
            pair.add(1.0, f"same part of {a['place']} ({names_a} / {names_b})")
        else:
            pair.conflict = f"different parts of {a['place']} ({names_a} / {names_b})"


def _shared(pair: PairScore, mine: list[str], theirs: list[str], points: float, label: str) -> None:
    common = sorted(set(mine) & set(theirs))
    if common:
        pair.add(points, f"{label} {', '.join(repr(c) for c in common[:3])}")


def _tolls(pair: PairScore, mine: int | None, theirs: int | None, word: str) -> None:
    if mine is None or theirs is None:
        return
    if mine == theirs:
        pair.add(0.5, f"same toll ({mine} {word})")
    elif max(mine, theirs) > 3 * min(mine, theirs) + 10:
        pair.add(-1.0, f"tolls far apart ({mine} / {theirs} {word})")


def _times(pair: PairScore, mine: list[int], theirs: list[int]) -> None:
    if not mine or not theirs:
        return
    gap = min(abs(x - y) for x in mine for y in theirs)
    if gap <= 60:
        pair.add(0.5, f"same time of day ({_clock(mine[0])} / {_clock(theirs[0])})")
    elif gap >= 180:
        pair.add(-1.5, f"times of day differ ({_clock(mine[0])} / {_clock(theirs[0])})")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
