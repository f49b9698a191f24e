"""Mentions → Events: derived fields only (low/best/high, history, id, notes), never typed in.

In this version each Mention makes its own Event; cross-report linking will later change which
Mentions an Event groups, not the shape of either.

Casualty rules (the brief's "rules of the trade"):
- Figures said in one sentence form one statement. A statement's total is its figure for
  everyone ("seven people") or else the sum of its figures for disjoint groups ("one soldier and
  three rebels"); parts of a total ("including two children") are never added.
- Statements are ordered by when they were true: "earlier" ones first, then in reading order,
  explicit updates ("increased to 20") last. ``best`` is the last statement's total, so a later
  or updated figure supersedes an earlier one; every figure stays in ``history``.
- ``low`` is the highest "at least" bound, ``high`` the lowest "up to" bound; vague words with no
  convention ("several") leave ``best`` null: unknown is never a guess.
"""

from __future__ import annotations

import hashlib
from datetime import date
from itertools import groupby
from typing import Any

from khronika.records import Casualties, Event, Figure, FigureKind, Mention
from khronika.taxonomy import BY_SUB_EVENT_TYPE

_AS_OF_RANK = {"earlier": 0, None: 1, "update": 2}


def casualties(figures: list[Figure], kind: FigureKind) -> Casualties:
    """Reconcile the figures of one kind into low/best/high with their history."""
    mine = [f for f in figures if f.kind == kind]
    if not mine:
        return Casualties()
    ordered = sorted(mine, key=lambda f: (_AS_OF_RANK.get(f.as_of, 1), f.order))
    best = None
    best_is_whole = False
    for _, group in groupby(ordered, key=lambda f: (f.evidence.start, f.as_of)):
        statement = list(group)
        total = _statement_total(statement)
        if total is None or (total == 0 and best):
            continue  # "no one was hurt" about one street does not undo the toll
        whole = any(f.group == "all" for f in statement if not f.part_of_total)
        if (
            best is not None
            and best_is_whole
            and not whole
            and total < best
            and not any(f.as_of == "update" for f in statement)
        ):
            continue  # "53 people were killed ... 10 civilians were killed in a bread line": a part
        best, best_is_whole = total, whole
    lows = [f.value for f in mine if f.qualifier in ("at least", "more than") and f.value]
    highs = [f.value for f in mine if f.qualifier in ("up to", "less than") and f.value]
    if best is None:  # only parts were given: "three children among the injured"
        lows += [f.value for f in mine if f.part_of_total and f.value]
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    if best is not None and low is not None and best < low:
        low = best
    if best is not None and high is None and low is None:
        low = high = best if all(f.qualifier == "exact" for f in mine) else None
    return Casualties(low=low, best=best, high=high, history=ordered)


def _statement_total(statement: list[Figure]) -> int | None:
    counted = [f for f in statement if not f.part_of_total and f.value is not None]
    whole = [f.value for f in counted if f.group == "all" and f.value is not None]
    if whole:
        return max(whole)
    if not counted:
        return None
    return sum(f.value for f in counted if f.value is not None)


def event_id(mention: Mention) -> str:
    """Stable: the same report gives the same ids on every run."""
    key = "|".join(
        [
            mention.report_id,
            str(mention.ordinal),
            mention.sub_event_type,
            (mention.location.gazetteer_id or mention.location.name) if mention.location else "",
            "bg" if mention.background else "",
        ]
    )
    return "ev-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def notes(event: dict[str, Any]) -> str:
    """A one-line ACLED-style summary, built only from the event's own fields (its JSON shape,
    so a linked event gets its summary the same way as one report's)."""
    day = date.fromisoformat(event["event_date"]) if event.get("event_date") else None
    when = day.strftime("%-d %B %Y") if day else "an unknown date"
    where = "an unidentified location"
    place = event.get("location")
    if place:
        where = place["name"]
        if place.get("sublocations"):
            where += f" ({', '.join(place['sublocations'])})"
        if place.get("admin1") and place["admin1"] != place["name"]:
            where += f", {place['admin1']}"
    entry = BY_SUB_EVENT_TYPE.get(event["sub_event_type"])
    phrase = entry.phrase if entry else event["sub_event_type"].lower() + " in"
    if phrase.startswith("- "):
        lead = f"On {when}, {phrase[2:]} {where}"
    else:
        lead = f"On {when}, {event.get('actor1') or 'an unidentified actor'} {phrase} {where}"
    weapons = ", ".join(
        f"{w['count']} × {w['kind']}" if w.get("count") else w["kind"]
        for w in event.get("weapons", [])[:3]
    )
    if weapons:
        lead += f" (weapons: {weapons})"
    if event.get("targets"):
        lead += ", hitting " + ", ".join(t["kind"] for t in event["targets"][:3])
    parts = [lead, _casualty_phrase(event)]
    speakers = list(dict.fromkeys(s["speaker"] for s in event.get("sources", []) if s["speaker"]))
    if speakers:
        parts.append("According to " + "; ".join(speakers[:3]))
    if event.get("claim_status", "reported") != "reported":
        parts.append(f"{event['claim_status'].capitalize()} by its source")
    prefix = "[background] " if event.get("background") else ""
    return prefix + ". ".join(parts) + "."


def _casualty_phrase(event: dict[str, Any]) -> str:
    killed = (event.get("fatalities") or {}).get("best")
    injured = (event.get("injured") or {}).get("best")
    if killed is None and injured is None:
        return "Casualties unknown"
    bits = []
    if killed is not None:
        bits.append(f"{killed} killed")
    if injured is not None:
        bits.append(f"{injured} injured")
    return ", ".join(bits)


def to_event(mention: Mention) -> Event:
    event = Event(
        id=event_id(mention),
        event_date=mention.event_date,
        date_precision=mention.date_precision,
        date_end=mention.date_end,
        event_type=mention.event_type,
        sub_event_type=mention.sub_event_type,
        location=mention.location,
        fatalities=casualties(mention.figures, "killed"),
        injured=casualties(mention.figures, "injured"),
        report_ids=[mention.report_id],
        actor1=mention.actor1,
        actor2=mention.actor2,
        weapons=mention.weapons,
        targets=mention.targets,
        sources=mention.sources,
        claim_status=mention.claim_status,
        background=mention.background,
        civilian_targeting=mention.civilian_targeting,
        evidence=dict(mention.evidence),
        confidence=mention.confidence,
        confidence_reasons=list(mention.confidence_reasons),
    )
    event.notes = notes(_summary_fields(event))
    return event


def _summary_fields(event: Event) -> dict[str, Any]:
    """What ``notes`` reads of an event, in its JSON shape: the whole ``to_dict`` (evidence,
    sources, quotes) cost more than the rest of reconciling a short report."""
    place = event.location
    return {
        "event_date": event.event_date.isoformat() if event.event_date else None,
        "location": (
            {"name": place.name, "sublocations": place.sublocations, "admin1": place.admin1}
            if place
            else None
        ),
        "sub_event_type": event.sub_event_type,
        "actor1": event.actor1,
        "weapons": [{"count": w.count, "kind": w.kind} for w in event.weapons[:3]],
        "targets": [{"kind": t.kind} for t in event.targets[:3]],
        "fatalities": {"best": event.fatalities.best},
        "injured": {"best": event.injured.best},
        "sources": [{"speaker": s.speaker} for s in event.sources],
        "claim_status": event.claim_status,
        "background": event.background,
    }


def reconcile(mentions: list[Mention]) -> list[Event]:
    return [to_event(m) for m in mentions]
