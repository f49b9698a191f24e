"""ACLED's event types and sub-types, spelled as ACLED spells them, in one table.

Extraction, notes, exports and evaluation all read this table, so a type is named the same way
everywhere. ``phrase`` is how a one-line note says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubEventType:
    event_type: str
    sub_event_type: str
    disorder_type: str
    phrase: str  # "{actor} {phrase} {place}" reads as a sentence


_PV = "Political violence"
_DEM = "Demonstrations"
_SD = "Strategic developments"

SUB_EVENT_TYPES: tuple[SubEventType, ...] = (
    SubEventType("Battles", "Armed clash", _PV, "clashed with opposing forces in"),
    SubEventType("Battles", "Government regains territory", _PV, "regained control of"),
    SubEventType("Battles", "Non-state actor overtakes territory", _PV, "took control of"),
    SubEventType(
        "Explosions/Remote violence", "Air/drone strike", _PV, "carried out an air/drone strike on"
    ),
    SubEventType(
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
        _PV,
        "carried out a shelling/missile attack on",
    ),
    SubEventType(
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        _PV,
        "- a mine or explosive device went off in",
    ),
    SubEventType("Explosions/Remote violence", "Grenade", _PV, "threw a grenade in"),
    SubEventType(
        "Explosions/Remote violence", "Suicide bomb", _PV, "carried out a suicide bombing in"
    ),
    SubEventType("Explosions/Remote violence", "Chemical weapon", _PV, "used chemical weapons in"),
    SubEventType("Violence against civilians", "Attack", _PV, "attacked civilians in"),
    SubEventType(
        "Violence against civilians",
        "Abduction/forced disappearance",
        _PV,
        "abducted civilians in",
    ),
    SubEventType(
        "Violence against civilians", "Sexual violence", _PV, "committed sexual violence in"
    ),
    SubEventType("Protests", "Peaceful protest", _DEM, "protested in"),
    SubEventType("Protests", "Protest with intervention", _DEM, "protested, and were stopped, in"),
    SubEventType(
        "Protests", "Excessive force against protesters", _DEM, "met with excessive force in"
    ),
    SubEventType("Riots", "Violent demonstration", _DEM, "demonstrated violently in"),
    SubEventType("Riots", "Mob violence", _DEM, "took part in mob violence in"),
    SubEventType(_SD, "Agreement", _SD, "reached an agreement in"),
    SubEventType(_SD, "Arrests", _SD, "made arrests in"),
    SubEventType(_SD, "Change to group/activity", _SD, "changed their posture or activity in"),
    SubEventType(_SD, "Disrupted weapons use", _SD, "intercepted or defused weapons over"),
    SubEventType(_SD, "Headquarters or base established", _SD, "established a base in"),
    SubEventType(_SD, "Looting/property destruction", _SD, "looted or destroyed property in"),
    SubEventType(_SD, "Non-violent transfer of territory", _SD, "took over without fighting"),
    SubEventType(_SD, "Other", _SD, "- a strategic development in"),
)

BY_SUB_EVENT_TYPE = {t.sub_event_type: t for t in SUB_EVENT_TYPES}
EVENT_TYPES = tuple(dict.fromkeys(t.event_type for t in SUB_EVENT_TYPES))


def disorder_type(event_type: str) -> str:
    """ACLED's disorder_type column for an event type."""
    for entry in SUB_EVENT_TYPES:
        if entry.event_type == event_type:
            return entry.disorder_type
    return ""
