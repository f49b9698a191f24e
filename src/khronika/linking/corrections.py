"""People stay in charge: a merge or a split is stored as a correction (which mentions belong
together, which apart) that every later linking run keeps, then the events are re-linked."""

from __future__ import annotations

from khronika.linking.linker import Linker
from khronika.store import Store


class CorrectionError(ValueError):
    """The correction names an event or report that is not there; the message says which."""


def _current(store: Store, event_id: str) -> str:
    current, _ = store.resolve_event_id(event_id)
    if not store.event_exists(current):
        raise CorrectionError(f"no event with id {event_id!r}")
    return current


def merge(store: Store, event_ids: list[str], note: str | None = None) -> str:
    """Put the mentions of these events into one event; returns its id."""
    if len(event_ids) < 2:
        raise CorrectionError("merge needs at least two events")
    current = list(dict.fromkeys(_current(store, e) for e in event_ids))
    if len(current) < 2:
        raise CorrectionError(f"{', '.join(event_ids)} are already one event ({current[0]})")
    members = store.members(current)
    together = [m.id for m in sorted(members, key=lambda m: m.sort_key)]
    with store.transaction():
        store.add_correction("merge", together, [], note)
    Linker(store).relink_mentions(together, set(current))
    return _event_of(store, together[0])


def split(store: Store, event_id: str, report_ids: list[str], note: str | None = None) -> str:
    """Take the mentions of these reports out of the event into their own; returns its id."""
    current = _current(store, event_id)
    members = store.members([current])
    docs = store.mention_documents(m.id for m in members)
    wanted = set(report_ids)
    missing = wanted - {doc["report_id"] for doc in docs.values()}
    if missing:
        raise CorrectionError(
            f"event {current} has no mention from report(s) {', '.join(sorted(missing))}"
        )
    ordered = sorted(members, key=lambda m: m.sort_key)
    together = [m.id for m in ordered if docs[m.id]["report_id"] in wanted]
    apart = [m.id for m in ordered if docs[m.id]["report_id"] not in wanted]
    if not apart:
        raise CorrectionError(f"these are all the reports of event {current}: nothing to split")
    with store.transaction():
        store.add_correction("split", together, apart, note)
    Linker(store).relink_mentions(together + apart, {current})
    return _event_of(store, together[0])


def _event_of(store: Store, mention_id: str) -> str:
    [row] = store.link_rows([mention_id])
    assert row.event_id is not None
    return row.event_id
