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
import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from khronika.linking.derive import derive_event
from khronika.linking.features import (
    DAY_WINDOW,
    is_linkable,
    mention_features,
    own_box,
    search_box,
)
from khronika.linking.score import PairScore, compare
from khronika.store import SavedMentions, Store
from khronika.store.links import LinkRow


def _day_of(key: str | None) -> int | None:
    """The day (ordinal) a sort key begins with; None for a key with no day."""
    if not key or key.startswith("9999"):
        return None
    return date.fromisoformat(key[:10]).toordinal()


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


@dataclass
class _Unsettled:
    """Events touched by a batch of updates, and where each re-decided mention was before it."""

    touched: set[str] = field(default_factory=set)
    was: dict[str, str | None] = field(default_factory=dict)


class Linker:
    """Links the mentions of a store into events, writing events, links and redirects."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.constraints = Constraints.of(store.corrections())
        self._unsettled: _Unsettled | None = None

    @contextmanager
    def batch(self) -> Iterator[LinkReport]:
        """Inside, each update decides its mentions at once, but the events they touched are
        rewritten once, at the end: an event that gains ten reports in a batch is derived once,
        not ten times. Decisions read mentions only, so they are the same either way. Use it
        inside one store transaction (the events are stale until the batch ends)."""
        if self._unsettled is not None:  # already batching: the outer batch settles
            yield LinkReport()
            return
        self._unsettled, report = _Unsettled(), LinkReport()
        try:
            yield report
        finally:
            unsettled, self._unsettled = self._unsettled, None
            self._settle(unsettled.touched, unsettled.was, report)

    def update(self, saved: SavedMentions) -> LinkReport:
        """Link what one ``save_extraction`` added, and repair what it removed."""
        with self.store.transaction():
            self._index(saved.added)
            old_events = {eid for _, eid, _ in saved.removed if eid}
            starts = [key for _, _, key in saved.removed]
            start = min(starts) if starts else ""
            seeds = list(saved.added)
            seeds += [r.id for r in self.store.members(old_events) if r.sort_key >= start]
            return self._relink(seeds, old_events, {})

    def relink_mentions(self, ids: list[str], old_events: set[str]) -> LinkReport:
        """Decide these mentions (and what depends on them) again, e.g. after a correction."""
        with self.store.transaction():
            return self._relink(ids, old_events, {})

    def relink_all(self) -> LinkReport:
        """Link every stored mention again from scratch (corrections and redirects kept)."""
        with self.store.transaction():
            ids = self.store.all_mention_ids()
            self._index(ids)
            before = {row.id: row.event_id for row in self.store.link_rows(ids)}
            self.store.clear_links()
            return self._relink(ids, {e for e in before.values() if e}, before)

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
            linkable_here = is_linkable(f)
            self.store.index_mention(mid, f, own_box(f), search_box(f) if linkable_here else None)

    def _relink(
        self, seeds: list[str], old_events: set[str], before: dict[str, str | None]
    ) -> LinkReport:
        """Decide mentions in canonical order, starting from ``seeds``; a mention whose event
        changes queues the later mentions whose block holds it (and, when it founded the event
        it leaves, that event's later members). The others cannot decide differently, so the
        result equals a full re-link. ``before`` overrides the stored events (a full re-link
        clears them first)."""
        queue = [(row.sort_key, row.id) for row in self.store.link_rows(seeds)]
        heapq.heapify(queue)
        queued = {mid for _, mid in queue}
        was: dict[str, str | None] = {}
        touched = set(old_events)
        report = LinkReport()

        def push(rows: Iterable[LinkRow], after: str) -> None:
            for row in rows:
                if row.sort_key > after and row.id not in queued:
                    queued.add(row.id)
                    heapq.heappush(queue, (row.sort_key, row.id))

        while queue:
            key, mid = heapq.heappop(queue)
            [row] = self.store.link_rows([mid])
            old = before.get(mid, row.event_id)
            was.setdefault(mid, old)
            event_id, link = self._decide(row)
            self.store.assign(mid, event_id, link)
            report.decided += 1
            touched.add(event_id)
            if event_id == old:
                continue
            if old:
                touched.add(old)
                if old == event_id_for(mid):  # it founded the event it leaves
                    push(self.store.members([old]), key)
            point = own_box(row.features) if row.features is not None else None
            if point is not None:  # a linkable mention: those whose block holds it decide again
                push(self.store.mentions_reaching(point), key)
        if self._unsettled is None:
            self._settle(touched, was, report)
        else:
            self._unsettled.touched |= touched
            for mid, old in was.items():
                self._unsettled.was.setdefault(mid, old)
        return report

    def _settle(self, touched: set[str], was: dict[str, str | None], report: LinkReport) -> None:
        """Rewrite the touched events from their mentions; redirect the ids that are gone."""
        now = {row.id: row.event_id for row in self.store.link_rows(list(was))}
        for event_id in sorted(touched):
            members = self.store.members([event_id])
            if members:
                self._write(event_id, members)
                report.events_written += 1
                continue
            if self.store.event_exists(event_id):
                self.store.delete_event(event_id)
                report.events_removed += 1
            went: Counter[str] = Counter()
            for mid, old in was.items():
                target = now.get(mid)
                if old == event_id and target:
                    went[target] += 1
            if went:
                into = min(went, key=lambda e: (-went[e], e))
                self.store.add_redirect(event_id, into, "its reports were linked into it")

    def _decide(self, row: LinkRow) -> tuple[str, dict[str, Any]]:
        """Join the best earlier event the block offers, or found one; with the reasons."""
        f = row.features
        if f is None or not is_linkable(f):
            why = "background context" if f and f["background"] else "no day to link on"
            return event_id_for(row.id), {"founded": True, "reasons": [why]}

        must = self.constraints.must.get(row.id, {})
        cannot = self.constraints.cannot.get(row.id, {})
        partners = [p for p in self.store.link_rows(must) if p.sort_key < row.sort_key]
        for partner in sorted(partners, key=lambda p: p.sort_key):
            event_id = partner.event_id
            if event_id:
                number = must[partner.id]
                return event_id, {
                    "to": partner.id,
                    "correction": number,
                    "reasons": [f"put together by a person (correction {number})"],
                }
        clusters: dict[str, list[LinkRow]] = {}
        for other in self.store.mentions_in_box(search_box(f)):
            if other.sort_key >= row.sort_key or other.features is None:
                continue
            event_id = other.event_id
            if event_id:
                clusters.setdefault(event_id, []).append(other)
        eligible: list[tuple[float, str, str, PairScore]] = []  # score, first key, event, pair
        nearest: PairScore | None = None
        apart: list[str] = []  # why the events in the block that conflict were not joined
        begins = self.store.first_keys(clusters, row.sort_key)
        for event_id, members in sorted(clusters.items()):
            if any(m.id in cannot for m in members):
                apart.append(f"kept apart from {event_id} by a person's correction")
                continue
            began = _day_of(begins.get(event_id))
            if began is not None and f["day"] - began > DAY_WINDOW:
                apart.append(
                    f"kept apart from {event_id}: it began on "
                    f"{date.fromordinal(began).isoformat()}, and an event spans two dates at most"
                )
                continue
            pairs = [(compare(m.features or {}, f), m) for m in members]
            conflicts = [(p.conflict, m) for p, m in pairs if p.conflict]
            if conflicts:
                conflict, member = conflicts[0]
                apart.append(f"kept apart from {member.id}: {conflict}")
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
        reasons = ["no earlier mention close enough", *apart[:3]]
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
