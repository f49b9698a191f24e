"""The Warline gold metrics, rule for rule as ``shared/eval/score_gold.py`` computes them.

Every helper here mirrors one of score_gold.py's (same name where it has one), so the two
agree number for number: an extracted event *matches* a gold event when it stands within
10 km of it (gold precision 1-2 with lat/lon) or in the same admin1 (otherwise), dated within
a day. Only non-background events count; the candidates (mentions under the confidence
threshold) are read only by the reliability table, never by the score_gold metrics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from khronika.evaluate.result import EvalResult, FieldScore, Miss

EventDict = Mapping[str, Any]
MATCH_KM = 10
BANDS = 10
F1_TABLE = "F1 (score_gold.py's item_has_event_f1, event_f1)"

FIELD_RULES = {
    "item_has_event_precision": "reports with an extracted event whose gold states one",
    "item_has_event_recall": "reports whose gold states an event with an extracted one",
    "event_precision": "extracted events matching a gold event of their report",
    "event_recall": "gold events matched by an extracted event",
    "main_found": "gold main event matched by an extracted event",
    "main_event_type": "equal, on the extracted event chosen for the main one",
    "main_sub_event_type": "equal, on the chosen event",
    "main_place_10km": "within 10 km; gold precision 1 with lat/lon",
    "main_admin1": "same admin1 (loose); gold with admin1",
    "main_killed_exact": "fatalities.best equal (null must stay null)",
    "main_injured_exact": "injured.best equal (null must stay null)",
    "main_killed_stated_exact": "fatalities.best equal; gold states a number",
    "main_injured_stated_exact": "injured.best equal; gold states a number",
}
AGREEMENT_RULES = {
    "has_event": "en and uk both with events or both without (texts_differ skipped)",
    "event_type": "first events' event_type equal; both with events",
    "place_10km": "first events within 10 km; both with coordinates",
    "killed": "first events' fatalities.best equal; both with events",
    "injured": "first events' injured.best equal; both with events",
}
_ADMIN_WORDS = re.compile(r"\b(oblast|region|province|city|municipality|state|republic|of)\b")
_ADMIN_ALIASES = {"zaporizhia": "zaporizhzhia", "kiev": "kyiv", "kharkov": "kharkiv"}


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.pi / 180
    a = (
        math.sin((lat2 - lat1) * p / 2) ** 2
        + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    )
    return 12742 * math.asin(math.sqrt(min(1.0, a)))


def norm_admin(value: object) -> str:
    text = str(value or "").lower().replace("'", "").replace("’", "")
    text = re.sub(r"[^a-z]", "", _ADMIN_WORDS.sub("", text))
    return _ADMIN_ALIASES.get(text, text)


def same_admin(a: object, b: object) -> bool:
    a, b = norm_admin(a), norm_admin(b)
    return bool(a and b) and (a == b or a.startswith(b) or b.startswith(a))


def days_apart(a: object, b: object) -> int:
    try:
        return abs((date.fromisoformat(str(a)[:10]) - date.fromisoformat(str(b)[:10])).days)
    except ValueError:
        return 99


def loc(event: EventDict) -> Mapping[str, Any]:
    return event.get("location") or {}


def best(event: EventDict, kind: str) -> Any:
    return (event.get(kind) or {}).get("best")


def event_km(a: EventDict, b: EventDict) -> float | None:
    """Kilometres between two extracted events; None unless both have coordinates."""
    la, lb = loc(a), loc(b)
    if la.get("latitude") is None or lb.get("latitude") is None:
        return None
    return km(
        float(la["latitude"]), float(la["longitude"]), float(lb["latitude"]), float(lb["longitude"])
    )


def gold_km(event: EventDict, gold: EventDict) -> float | None:
    """Kilometres from an extracted event to a gold point; None when either lacks one."""
    where = loc(event)
    if where.get("latitude") is None or gold.get("lat") is None or gold.get("lon") is None:
        return None
    return km(float(where["latitude"]), float(where["longitude"]), gold["lat"], gold["lon"])


def place_match(event: EventDict, gold: EventDict) -> bool:
    """Does the extracted event stand where the gold event is?"""
    if gold.get("geo_precision", 1) <= 2 and gold.get("lat") is not None:
        distance = gold_km(event, gold)
        return distance is not None and distance <= MATCH_KM
    return same_admin(loc(event).get("admin1"), gold.get("admin1"))


def matches(event: EventDict, gold: EventDict) -> bool:
    return place_match(event, gold) and days_apart(event.get("event_date"), gold.get("date")) <= 1


def compact(event: EventDict) -> dict[str, Any]:
    where = loc(event)
    return {
        "type": event.get("sub_event_type"),
        "date": event.get("event_date"),
        "place": where.get("name"),
        "admin1": where.get("admin1"),
        "lat": where.get("latitude"),
        "lon": where.get("longitude"),
        "killed": best(event, "fatalities"),
        "injured": best(event, "injured"),
    }


def f1(precision: float | None, recall: float | None) -> float | None:
    """score_gold.py's F1, rounded to 3 places; None where it would be NaN (a share of 0)."""
    if precision is None or recall is None:
        return None
    total = precision + recall
    return round(2 * precision * recall / total, 3) if total else 0.0


@dataclass
class GoldMiss(Miss):
    """A Warline miss; ``record`` is score_gold.py's ``--misses`` line for it."""

    line: dict[str, Any] = field(default_factory=dict)

    def rank(self) -> tuple[int, float]:
        """Far place misses first, then main events not found, events the gold lacks, type,
        tolls, the rest."""
        names = set(self.fields)
        if self.distance_km is not None and names & {"place_10km", "main_found"}:
            return (0, -self.distance_km)
        order = ("main_found", "no_gold_event", "event_type", "killed", "injured")
        return next(((i + 1, 0.0) for i, name in enumerate(order) if name in names), (6, 0.0))

    def record(self) -> dict[str, Any]:
        return dict(self.line)


@dataclass
class Scores:
    """Right/scored counts under score_gold.py's keys, kept in the order first scored."""

    fields: dict[str, FieldScore] = field(default_factory=dict)

    def add(self, key: str, is_right: bool) -> None:
        group, _, name = key.partition(".")
        rules = AGREEMENT_RULES if group == "agreement" else FIELD_RULES
        self.fields.setdefault(key, FieldScore(note=rules.get(name, ""))).add(is_right)

    def share(self, key: str) -> float | None:
        score = self.fields.get(key)
        return score.share if score is not None else None


def main_gold(gold: Sequence[EventDict]) -> EventDict | None:
    return next((g for g in gold if g.get("main")), gold[0] if gold else None)


def score_language(
    key: str,
    lang: str,
    text: str,
    gold: Sequence[EventDict],
    events: Sequence[EventDict],
    scores: Scores,
) -> GoldMiss | None:
    """Score one report in one language (``events``: its non-background events)."""
    has_gold, has_event = bool(gold), bool(events)
    if has_event:
        scores.add(f"{lang}.item_has_event_precision", has_gold)
    if has_gold:
        scores.add(f"{lang}.item_has_event_recall", has_event)
    for g in gold:
        scores.add(f"{lang}.event_recall", any(matches(e, g) for e in events))
    for e in events:
        scores.add(f"{lang}.event_precision", any(matches(e, g) for g in gold))
    got = [compact(x) for x in events]
    main = main_gold(gold)
    if main is None:
        if not has_event:
            return None
        line = {"id": key, "lang": lang, "problem": "event where the gold has none", "text": text}
        return _miss(line | {"got": got}, ["no_gold_event"], {"events": 0}, events, None)
    chosen = (
        [e for e in events if matches(e, main)]
        or [e for e in events if place_match(e, main)]
        or list(events[:1])
    )
    x = chosen[0] if chosen else None
    problems: list[tuple[str, str]] = []

    def check(name: str, ok: bool, problem: str) -> None:
        scores.add(f"{lang}.main_{name}", ok)
        if not ok:
            problems.append((name, problem))

    check("found", x is not None and matches(x, main), "main event not found")
    check(
        "event_type", x is not None and x.get("event_type") == main.get("event_type"), "event_type"
    )
    check(
        "sub_event_type",
        x is not None and x.get("sub_event_type") == main.get("sub_event_type"),
        "sub_event_type",
    )
    if main.get("geo_precision") == 1 and main.get("lat") is not None:
        check("place_10km", x is not None and place_match(x, main), "place")
    if main.get("admin1"):
        check(
            "admin1",
            x is not None and same_admin(loc(x).get("admin1"), main.get("admin1")),
            "admin1",
        )
    check("killed_exact", x is not None and best(x, "fatalities") == main.get("killed"), "killed")
    check("injured_exact", x is not None and best(x, "injured") == main.get("injured"), "injured")
    if main.get("killed") is not None:
        scores.add(
            f"{lang}.main_killed_stated_exact",
            x is not None and best(x, "fatalities") == main["killed"],
        )
    if main.get("injured") is not None:
        scores.add(
            f"{lang}.main_injured_stated_exact",
            x is not None and best(x, "injured") == main["injured"],
        )
    if not problems:
        return None
    line = {"id": key, "lang": lang, "problem": ", ".join(p for _, p in problems), "text": text}
    names = ["main_found" if n == "found" else n.removesuffix("_exact") for n, _ in problems]
    distance = gold_km(x, main) if x is not None else None
    return _miss(line | {"gold": main, "got": got}, names, dict(main), events, x, distance)


def _miss(
    line: dict[str, Any],
    names: list[str],
    gold: dict[str, Any],
    events: Sequence[EventDict],
    chosen: EventDict | None,
    distance: float | None = None,
) -> GoldMiss:
    shown = chosen if chosen is not None else (events[0] if events else None)
    extracted = {"events": len(events), **compact(shown)} if shown is not None else None
    return GoldMiss(
        row_id=f"{line['id']}-{line['lang']}",
        text=line["text"],
        fields=names,
        gold=gold,
        extracted=extracted,
        distance_km=distance,
        line=line,
    )


def score_agreement(en: Sequence[EventDict], uk: Sequence[EventDict], scores: Scores) -> None:
    """Do the English and Ukrainian main (first) events of one report agree?"""
    scores.add("agreement.has_event", bool(en) == bool(uk))
    if not (en and uk):
        return
    scores.add("agreement.event_type", en[0].get("event_type") == uk[0].get("event_type"))
    distance = event_km(en[0], uk[0])
    if distance is not None:
        scores.add("agreement.place_10km", distance <= MATCH_KM)
    scores.add("agreement.killed", best(en[0], "fatalities") == best(uk[0], "fatalities"))
    scores.add("agreement.injured", best(en[0], "injured") == best(uk[0], "injured"))


def f1_rows(scores: Scores, languages: Sequence[str]) -> list[dict[str, Any]]:
    """score_gold.py's ``{lang}.item_has_event_f1`` and ``{lang}.event_f1``."""
    rows = []
    for lang in languages:
        for name in ("item_has_event", "event"):
            precision = scores.share(f"{lang}.{name}_precision")
            recall = scores.share(f"{lang}.{name}_recall")
            rows.append({"field": f"{lang}.{name}_f1", "f1": f1(precision, recall)})
    return rows


def score_gold_json(result: EvalResult) -> dict[str, float | None]:
    """The metrics as ``score_gold.py --json`` prints them (shares and F1 rounded to 3)."""
    out: dict[str, float | None] = {
        name: round(score.right / score.scored, 3)
        for name, score in result.fields.items()
        if score.scored
    }
    out.update({row["field"]: row["f1"] for row in result.tables.get(F1_TABLE, [])})
    return out


def confidence_of(mention: EventDict) -> float | None:
    value = mention.get("confidence")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def band_of(confidence: float) -> int:
    """0 for [0.0, 0.1), ..., 9 for [0.9, 1.0] (1.0 too); a hair of slack for float noise."""
    return min(BANDS - 1, max(0, math.floor(confidence * BANDS + 1e-9)))


def reliability_tables(
    reports: Sequence[tuple[Sequence[EventDict], Sequence[EventDict]]],
    thresholds: Sequence[float],
    current: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """(bands, thresholds, mentions without a confidence) of one language's reports, each
    given as (gold events, non-background mentions: events and candidates alike)."""
    counts, hits = [0] * BANDS, [0] * BANDS
    rated: list[tuple[Sequence[EventDict], list[tuple[float, EventDict, bool]]]] = []
    unrated = 0
    for gold, mentions in reports:
        own: list[tuple[float, EventDict, bool]] = []
        for mention in mentions:
            confidence = confidence_of(mention)
            if confidence is None:
                unrated += 1
                continue
            hit = any(matches(mention, g) for g in gold)
            counts[band_of(confidence)] += 1
            hits[band_of(confidence)] += hit
            own.append((confidence, mention, hit))
        rated.append((gold, own))
    bands = [
        {
            "band": f"{i / BANDS:.1f}-{(i + 1) / BANDS:.1f}",
            "mentions": counts[i],
            "match": hits[i],
            "share": round(hits[i] / counts[i], 3) if counts[i] else None,
        }
        for i in range(BANDS)
    ]
    total_gold = sum(len(gold) for gold, _ in reports)
    rows = []
    for threshold in sorted({*thresholds, current}):
        emitted = [hit for _, own in rated for c, _, hit in own if c >= threshold]
        found = sum(
            any(matches(x, g) for c, x, _ in own if c >= threshold)
            for gold, own in rated
            for g in gold
        )
        precision = sum(emitted) / len(emitted) if emitted else None
        recall = found / total_gold if total_gold else None
        rows.append(
            {
                "threshold": threshold,
                "emitted": len(emitted),
                "matched": sum(emitted),
                "precision": round(precision, 3) if precision is not None else None,
                "gold_found": found,
                "gold": total_gold,
                "recall": round(recall, 3) if recall is not None else None,
                "f1": f1(precision, recall),
                "note": "pipeline threshold" if threshold == current else "",
            }
        )
    return bands, rows, unrated
