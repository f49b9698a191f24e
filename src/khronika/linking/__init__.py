"""Linking: stored mentions → events (blocked by day and place, scored with reasons, clustered
in one canonical order), and the event's fields derived from its mentions."""

from khronika.linking.derive import derive_event
from khronika.linking.linker import Linker, LinkReport, event_id_for

__all__ = ["LinkReport", "Linker", "derive_event", "event_id_for"]
