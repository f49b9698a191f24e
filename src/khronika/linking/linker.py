"""Incremental linking: each mention joins the best earlier event or founds one.

Mentions are taken in one canonical order (event day, when it was said, mention id) and each is
decided only from the mentions before it, so the events are a function of the set of mentions,
not of the order reports arrived in: a re-link, a re-ingest and an ingest in another order give
the same events with the same ids. A new mention that sorts last in its block (the usual live
case) is decided alone; one that sorts earlier re-decides the later mentions it can reach
through the block index and through their events.

An event's id is minted from its founding mention (the first in canonical order), so it stays
while later reports join. When an event disappears (its founder joined another event on a
re-link, or a person merged it), its id redirects to where its mentions went.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from khronika.linking.derive import derive_event
from khronika.linking.features import (
    REGION_BOX,
    is_linkable,
    mention_features,
    own_box,
    point,
    search_box,
)
from khronika.linking.score import PairScore, compare
from khronika.store import SavedMentions, Store
from khronika.store.links import Box, LinkRow


def event_id_for(founder: str) -> str:
    """The id of the event a mention founds: stable for the mention's id."""
    return "ev-" + hashlib.sha256(founder.encode("utf-8")).hexdigest()[:16]


@dataclass
class Constraints:
    """People's corrections as pairs: mentions that must, or must not, be in one event. A later
    correction overrides an earlier one about the same pair."""

    must: dict[str, dict[str, int]] = field(default_factory=dict)
    cannot: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, corrections: Iterable[dict[str, Any]]) -> Constraints:
        constraints = cls()
        for correction in sorted(corrections, key=lambda c: c["id"]):
            number = correction["id"]
            together, apart = correction["together"], correction["apart"]
            for a in together:
                for b in together:
                    if a != b:
                        constraints._set(a, b, number, together=True)
                for b in apart:
                    constraints._set(a, b, number, together=False)
                    constraints._set(b, a, number, together=False)
        return constraints

    def _set(self, a: str, b: str, number: int, together: bool) -> None:
        add, drop = (self.must, self.cannot) if together else (self.cannot, self.must)
        add.setdefault(a, {})[b] = number
        drop.get(a, {}).pop(b, None)


@dataclass
class LinkReport:
    """What one linking run changed."""

    decided: int = 0
    events_written: int = 0
    events_removed: int = 0


class Linker:
    """Links the mentions of a store into events, writing events, links and redirects."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.constraints = Constraints.of(store.corrections())

    def update(self, saved: SavedMentions) -> LinkReport:
        """Link what one ``save_extraction`` added, and repair what it removed."""
        with self.store.transaction():
            self._index(saved.added)
            rows = self.store.link_rows(saved.added)
            keys = [key for _, _, key in saved.removed] + [row.sort_key for row in rows]
            if not keys:
                return LinkReport()
            start = min(keys)
            old_events = {eid for _, eid, _ in saved.removed if eid}
            seeds = [row.id for row in rows]
            seeds += [r.id for r in self.store.members(old_events) if r.sort_key >= start]
            return self._relink(seeds, start, old_events)

    def relink_mentions(self, ids: list[str], old_events: set[str]) -> LinkReport:
        """Decide these mentions (and what they reach) again, e.g. after a correction."""
        with self.store.transaction():
            rows = self.store.link_rows(ids)
            if not rows:
                return LinkReport()
            start = min(row.sort_key for row in rows)
            return self._relink([row.id for row in rows], start, old_events)

    def relink_all(self) -> LinkReport:
        """Link every stored mention again from scratch (corrections and redirects kept)."""
        with self.store.transaction():
            ids = self.store.all_mention_ids()
            self._index(ids)
            rows = self.store.link_rows(ids)
            before = {row.id: row.event_id for row in rows}
            old_events = {eid for eid in before.values() if eid}
            self.store.clear_links()
            return self._decide_all(
                {row.id: LinkRow(row.id, row.sort_key, None, row.features) for row in rows},
                set(before),
                before,
                old_events,
            )

    def _index(self, ids: list[str]) -> None:
        """Compute and keep the link features of these mentions (all of their revisions)."""
        docs = self.store.mention_documents(ids)
        linkable: Counter[tuple[str, int]] = Counter()
        featured = {mid: mention_features(doc, 0) for mid, doc in docs.items()}
        for f in featured.values():
            if is_linkable(f):
                linkable[(f["report"], f["revision"])] += 1
        for mid, doc in docs.items():
            f = featured[mid]
            f = mention_features(doc, linkable[(f["report"], f["revision"])])
            self.store.index_mention(mid, f, own_box(f))

    def _relink(self, seeds: list[str], start: str, old_events: set[str]) -> LinkReport:
        rows = {row.id: row for row in self.store.link_rows(seeds)}
        affected: set[str] = set()
        frontier = list(rows)
        events_seen: set[str] = set()
        while frontier:
            mid = frontier.pop()
            if mid in affected:
                continue
            affected.add(mid)
            row = rows[mid]
            reach: list[LinkRow] = []
            if row.features is not None and is_linkable(row.features):
                reach += [
                    n
                    for n in self.store.mentions_in_box(_closure_box(row.features))
                    if _blocks(row.features, n.features)
                ]
            if row.event_id and row.event_id not in events_seen:
                events_seen.add(row.event_id)
                reach += self.store.members([row.event_id])
            for near in reach:
                rows.setdefault(near.id, near)
                if near.sort_key >= start and near.id not in affected:
                    frontier.append(near.id)
        before = {mid: rows[mid].event_id for mid in affected}
        return self._decide_all(rows, affected, before, old_events)

    def _decide_all(
        self,
        rows: dict[str, LinkRow],
        affected: set[str],
        before: dict[str, str | None],
        old_events: set[str],
    ) -> LinkReport:
        assigned: dict[str, str] = {}
        for mid in sorted(affected, key=lambda m: rows[m].sort_key):
            event_id, link = self._decide(rows[mid], rows, affected, assigned)
            assigned[mid] = event_id
            self.store.assign(mid, event_id, link)
        touched = set(assigned.values()) | {e for e in before.values() if e} | old_events
        report = LinkReport(decided=len(assigned))
        for event_id in sorted(touched):
            members = self.store.members([event_id])
            if members:
                self._write(event_id, members)
                report.events_written += 1
                continue
            if self.store.event_exists(event_id):
                self.store.delete_event(event_id)
                report.events_removed += 1
            went = Counter(assigned[m] for m, e in before.items() if e == event_id)
            if went:
                target = min(went, key=lambda e: (-went[e], e))
                self.store.add_redirect(event_id, target, "its reports were linked into it")
        return report

    def _decide(
        self,
        row: LinkRow,
        rows: dict[str, LinkRow],
        affected: set[str],
        assigned: dict[str, str],
    ) -> tuple[str, dict[str, Any]]:
        f = row.features
        if f is None or not is_linkable(f):
            why = "background context" if f and f["background"] else "no day or no point to link on"
            return event_id_for(row.id), {"founded": True, "reasons": [why]}

        def event_of(other: LinkRow) -> str | None:
            return assigned.get(other.id) if other.id in affected else other.event_id

        must = self.constraints.must.get(row.id, {})
        cannot = self.constraints.cannot.get(row.id, {})
        partners = [p for p in self.store.link_rows(must) if p.sort_key < row.sort_key]
        for partner in sorted(partners, key=lambda p: p.sort_key):
            event_id = event_of(partner)
            if event_id:
                number = must[partner.id]
                return event_id, {
                    "to": partner.id,
                    "correction": number,
                    "reasons": [f"put together by a person (correction {number})"],
                }
        clusters: dict[str, list[LinkRow]] = {}
        for other in self.store.mentions_in_box(search_box(f)):
            rows.setdefault(other.id, other)
            if other.sort_key >= row.sort_key or other.features is None:
                continue
            event_id = event_of(other)
            if event_id:
                clusters.setdefault(event_id, []).append(other)
        eligible: list[tuple[float, str, str, PairScore]] = []  # score, first key, event, pair
        nearest: PairScore | None = None
        for event_id, members in clusters.items():
            if any(m.id in cannot for m in members):
                continue
            pairs = [(compare(m.features or {}, f), m) for m in members]
            if any(p.conflict for p, _ in pairs):
                continue
            pair, member = min(pairs, key=lambda pm: (-pm[0].score, pm[1].sort_key))
            pair.reasons.insert(0, member.id)
            if nearest is None or pair.score > nearest.score:
                nearest = pair
            if pair.score >= pair.threshold(member.features or {}, f):
                first = min(m.sort_key for m in members)
                eligible.append((pair.score, first, event_id, pair))
        if eligible:
            score, _, event_id, pair = min(eligible, key=lambda e: (-e[0], e[1]))
            return event_id, {
                "to": pair.reasons[0],
                "score": round(score, 2),
                "reasons": pair.reasons[1:],
            }
        reasons = ["no earlier mention close enough"]
        if nearest is not None:
            reasons.append(
                f"nearest: {nearest.reasons[0]} at {nearest.score:.1f} points, under the "
                f"threshold ({', '.join(nearest.reasons[1:])})"
            )
        return event_id_for(row.id), {"founded": True, "reasons": reasons}

    def _write(self, event_id: str, members: list[LinkRow]) -> None:
        docs = self.store.mention_documents(m.id for m in members)
        members = sorted(members, key=lambda m: m.sort_key)
        ordered = [docs[m.id] for m in members]
        event = derive_event(event_id, ordered, self.store.links_of(event_id))
        self.store.write_event(event, members[0].sort_key)


def _closure_box(f: dict[str, Any]) -> Box:
    """Wide enough to reach every mention whose own block contains this one."""
    day, (lat, lon) = f["day"], point(f)
    dlat, dlon = REGION_BOX
    return Box(day - 1, day + 1, lat - dlat, lat + dlat, lon - dlon, lon + dlon)


def _blocks(a: dict[str, Any], b: dict[str, Any] | None) -> bool:
    """Is either mention in the other's block?"""
    if b is None or not is_linkable(b):
        return False
    return _inside(search_box(a), b) or _inside(search_box(b), a)


def _inside(box: Box, f: dict[str, Any]) -> bool:
    lat, lon = point(f)
    return (
        box.day_min <= f["day"] <= box.day_max
        and box.lat_min <= lat <= box.lat_max
        and box.lon_min <= lon <= box.lon_max
    )
