"""An event's fields derived from its mentions (the rules the README states under "Linking").

- Only the latest revision of each report votes on what and where; every revision's figures
  stay in the history.
- Date: the day most mentions give (ties: the earliest). Place: the most precise one (lowest
  geo_precision), among those the most mentions share. Type: the sub-event type most mentions
  give, weighted by confidence (ties: the most specific, i.e. the first non-generic). Actors:
  the most given.
- Killed and injured: ``best`` is the latest figure (by when it was said) from the most
  authoritative kind of source present: emergency services, administrations and officials
  over monitors over media; a party's claim only when nobody else gives a figure.
  ``low``/``high`` are the smallest and largest figures the reports end on (UCDP's range over
  sources); ``history`` is every figure in the order it was said, with who said it.
- ``figures_disputed`` is set, with reasons, when a later figure of equal or higher authority
  is lower than an earlier one (tolls rise unless corrected), or a party's claim differs from
  the figure of the others.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from khronika.linking.features import is_roundup
from khronika.reconcile import notes

AUTHORITY = {"emergency": 3, "official": 3, "monitor": 2, None: 1, "media": 1, "party": 0}
AUTHORITY_WORDS = {3: "official", 2: "monitor", 1: "media", 0: "party claim"}


def derive_event(
    event_id: str, mentions: list[dict[str, Any]], links: list[dict[str, Any]]
) -> dict[str, Any]:
    """The event of these mentions (in canonical order), with the links that joined them."""
    latest: dict[str, int] = {}
    for m in mentions:
        latest[m["report_id"]] = max(latest.get(m["report_id"], 0), m.get("revision", 1))
    voters = [m for m in mentions if m.get("revision", 1) == latest[m["report_id"]]] or mentions
    said = sorted(mentions, key=_said_order)
    day = _mode([m.get("event_date") for m in voters])
    dated = [m for m in voters if m.get("event_date") == day] or voters
    place_of = _place(voters)
    sub = _type(voters)
    typed = next(m for m in voters if m["sub_event_type"] == sub)
    event: dict[str, Any] = {
        "id": event_id,
        "event_date": day,
        "date_precision": dated[0].get("date_precision", "day"),
        "date_end": _mode([m.get("date_end") for m in dated]),
        "event_type": typed["event_type"],
        "sub_event_type": sub,
        "actor1": _mode([m.get("actor1") for m in voters]),
        "actor2": _mode([m.get("actor2") for m in voters]),
        "location": place_of,
        "fatalities": casualties(said, "fatalities"),
        "injured": casualties(said, "injured"),
        "weapons": _distinct(voters, "weapons", "kind"),
        "targets": _distinct(voters, "targets", "kind"),
        "sources": [s for m in said for s in m.get("sources", [])],
        "claim_status": _claim_status(voters),
        "civilian_targeting": any(m.get("civilian_targeting") for m in voters),
        "background": all(m.get("background") for m in voters),
        "confidence": max(m.get("confidence", 1.0) for m in voters),
        "confidence_reasons": max(voters, key=lambda m: m.get("confidence", 1.0)).get(
            "confidence_reasons", []
        ),
        "report_ids": list(dict.fromkeys(m["report_id"] for m in said)),
        "mention_ids": [m["id"] for m in mentions],
        "evidence": dict(typed.get("evidence", {})),
    }
    event["n_reports"] = len(event["report_ids"])
    disputes = _disputes(said, "fatalities", "killed") + _disputes(said, "injured", "injured")
    event["figures_disputed"] = bool(disputes)
    event["dispute_reasons"] = disputes
    event["links"] = links
    event["notes"] = notes(event)
    return event


def _said_order(m: dict[str, Any]) -> tuple[str, int, str]:
    return (m.get("said_at") or "", m.get("revision", 1), m["id"])


def _mode(values: list[Any]) -> Any:
    """The most frequent non-null value; ties go to the first given."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    top = max(counts.values())
    return next(v for v in values if v is not None and counts[v] == top)


def _place(mentions: list[dict[str, Any]]) -> dict[str, Any] | None:
    placed = [m["location"] for m in mentions if m.get("location")]
    if not placed:
        return None
    keys = Counter(p.get("gazetteer_id") or p["name"] for p in placed)
    best = min(
        placed,
        key=lambda p: (p.get("geo_precision") or 9, -keys[p.get("gazetteer_id") or p["name"]]),
    )
    key = best.get("gazetteer_id") or best["name"]
    same = [p for p in placed if (p.get("gazetteer_id") or p["name"]) == key]
    sublocations = list(dict.fromkeys(s for p in same for s in p.get("sublocations") or []))
    return {**best, "sublocations": sublocations}


def _type(mentions: list[dict[str, Any]]) -> str:
    weights: Counter[str] = Counter()
    for m in mentions:
        weights[m["sub_event_type"]] += m.get("confidence", 1.0)
    top = max(weights.values())
    return next(m["sub_event_type"] for m in mentions if weights[m["sub_event_type"]] == top)


def _distinct(mentions: list[dict[str, Any]], field: str, key: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for m in mentions:
        for item in m.get(field, []):
            seen.setdefault(item[key], item)
    return list(seen.values())


def _claim_status(mentions: list[dict[str, Any]]) -> str:
    statuses = [m.get("claim_status", "reported") for m in mentions]
    for status in ("confirmed", "reported", "claimed", "denied"):
        if status in statuses:
            return status
    return "reported"


def authority(mention: dict[str, Any], figure: dict[str, Any]) -> int:
    """How authoritative the source of one figure is: its speaker's kind, else the kind of the
    report's own voice (an official channel's post), else media."""
    sources = mention.get("sources", [])
    for source in sources:
        if figure.get("speaker") and source.get("speaker") == figure["speaker"]:
            return AUTHORITY.get(source.get("speaker_kind"), 1)
    for source in sources:
        if source.get("speaker") is None and source.get("speaker_kind"):
            return AUTHORITY.get(source["speaker_kind"], 1)
    return 1


def _statements(mentions: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Each mention's own figure (its in-report reconciliation) as one statement in time."""
    out = []
    for m in mentions:
        casualties_of = m.get(field) or {}
        history = casualties_of.get("history") or []
        if casualties_of.get("best") is None or not history:
            continue
        last = history[-1]
        out.append(
            {
                "best": casualties_of["best"],
                "low": casualties_of.get("low"),
                "high": casualties_of.get("high"),
                "authority": max(authority(m, f) for f in history),
                "report_id": m["report_id"],
                "revision": m.get("revision", 1),
                "said_at": m.get("said_at"),
                "speaker": last.get("speaker"),
            }
        )
    return out


def casualties(mentions: list[dict[str, Any]], field: str) -> dict[str, Any]:
    """low/best/high over the reports, with every figure in the order it was said."""
    history = []
    for m in mentions:
        said = {"said_at": m.get("said_at"), "revision": m.get("revision", 1)}
        if is_roundup(m):
            said["roundup"] = True  # the area's total for the day: kept, not chosen
        for f in (m.get(field) or {}).get("history") or []:
            history.append({**f, **said})
    # A day's roundup gives the area's total: it stands for the event only when the event is
    # told by roundups alone.
    concrete = [m for m in mentions if not is_roundup(m)] or mentions
    statements = _statements(concrete, field)
    if not statements:
        return {"low": None, "best": None, "high": None, "history": history}
    top = max(s["authority"] for s in statements)
    chosen = [s for s in statements if s["authority"] == top][-1]
    ends = _final_statements(statements)
    counted = [s for s in ends if s["authority"] > 0] or ends
    low = min(s["low"] if s["low"] is not None else s["best"] for s in counted)
    high = max(s["high"] if s["high"] is not None else s["best"] for s in counted)
    return {
        "low": min(low, chosen["best"]),
        "best": chosen["best"],
        "high": max(high, chosen["best"]),
        "best_from": {
            "report_id": chosen["report_id"],
            "revision": chosen["revision"],
            "said_at": chosen["said_at"],
            "speaker": chosen["speaker"],
            "source_kind": AUTHORITY_WORDS[chosen["authority"]],
        },
        "history": history,
    }


def _final_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each report's statement in its latest revision."""
    last: dict[str, dict[str, Any]] = {}
    for s in statements:
        last[s["report_id"]] = s
    return list(last.values())


def _disputes(mentions: list[dict[str, Any]], field: str, word: str) -> list[str]:
    statements = _statements([m for m in mentions if not is_roundup(m)], field)
    reasons = []
    for i, earlier in enumerate(statements):
        for later in statements[i + 1 :]:
            if later["report_id"] == earlier["report_id"]:
                continue
            comparable = earlier["authority"] > 0 and later["authority"] >= earlier["authority"]
            if comparable and later["best"] < earlier["best"]:
                reasons.append(
                    f"{word} fell from {earlier['best']} ({earlier['report_id']}) to "
                    f"{later['best']} ({later['report_id']})"
                )
    claims = [s for s in statements if s["authority"] == 0]
    others = [s for s in statements if s["authority"] > 0]
    if claims and others and claims[-1]["best"] != others[-1]["best"]:
        reasons.append(
            f"a party claims {claims[-1]['best']} {word} ({claims[-1]['report_id']}), "
            f"others say {others[-1]['best']}"
        )
    return reasons
