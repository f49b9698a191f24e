"""Which ACLED event type a frame is, from its triggers, by ACLED's conventions.

A frame's most specific trigger types it, except where ACLED codes the whole: supporting fire
in a clash is a clash, a strike whose weapons were all shot down an interception, arrests at a
protest a protest with intervention. A frame with only generic triggers ("an attack") takes
the report's most specific type.
"""

from __future__ import annotations

from khronika.extraction.document import TriggerHit
from khronika.extraction.frames import Frame
from khronika.lang import LanguagePack, Trigger
from khronika.records import Evidence

_CLASH = "Armed clash"
_SUPPORTING_FIRE = frozenset(
    {
        "artillery",
        "mortar",
        "shelling",
        "rocket",
        "grenade",
        "air-strike",
        "glide-bomb",
        "drone",
        "drone-drop",
        "landmine",
        "ied",
    }
)
# A strike that hits civilians is still a strike (TAXONOMY.md), never an attack on civilians.
_REMOTE_WEAPONS = frozenset(
    {
        "missile",
        "rocket",
        "artillery",
        "mortar",
        "shelling",
        "air-strike",
        "glide-bomb",
        "drone",
        "drone-drop",
        "cluster",
    }
)
_DISRUPTABLE = _REMOTE_WEAPONS | {"landmine", "ied", "interception"}
_INTERVENTION = frozenset({"arrest", "arrest-by-authority", "protest-dispersed"})


def frame_type(
    frame: Frame, report_type: TriggerHit | None, text: str, pack: LanguagePack, report_id: str
) -> tuple[str, str, Evidence, TriggerHit] | None:
    """(event type, sub-event type, evidence, the trigger that typed it), or None for a frame
    with no event trigger (background, or a report with none to lend)."""
    real = [t for t in frame.triggers if t.trigger.event_type != "none"]
    if not real:
        if report_type is None or frame.background:
            return None
        real = [report_type]
    specific = [t for t in real if not t.trigger.generic]
    if not specific:
        chosen = report_type or max(real, key=lambda t: t.trigger.strength)
    else:
        chosen = _choose_type(specific, _impact(frame, text, pack))
    rule = f"trigger:{chosen.trigger.name}"
    evidence = Evidence(report_id, chosen.start, chosen.end, text[chosen.start : chosen.end], rule)
    return chosen.trigger.event_type, chosen.trigger.sub_event_type, evidence, chosen


def report_type(frames: list[Frame]) -> TriggerHit | None:
    """The report's most specific trigger: a generic "strike" takes its type."""
    hits = [
        t
        for frame in frames
        if not frame.background
        for t in frame.triggers
        if not t.trigger.generic
        and t.trigger.event_type != "none"
        and t.trigger.name != "interception"
    ]
    return max(hits, key=lambda t: (t.trigger.strength, -t.start)) if hits else None


def _impact(frame: Frame, text: str, pack: LanguagePack) -> bool:
    """Whether anything was hit: victims, or damage not put down to the air defence."""
    if any(f.value for f, _ in frame.figures):
        return True
    for facts in frame.facts:
        s = facts.sentence
        grammar = pack.grammar
        for m in grammar.impact.finditer(text, s.start, s.end):
            if grammar.impact_negation.search(text[max(s.start, m.start() - 20) : m.start()]):
                continue  # "there was no damage"
            if not grammar.impact_by_defence.match(text, m.end(), m.end() + 20):
                return True
    return False


def _choose_type(specific: list[TriggerHit], impact: bool) -> TriggerHit:
    """The frame's type among its specific triggers, by ACLED's conventions."""
    interceptions = [t for t in specific if t.trigger.name == "interception"]
    pool = [t for t in specific if t.trigger.name != "interception"] or specific
    chosen = max(pool, key=lambda t: (t.trigger.strength, -t.start))
    names = {t.trigger.name for t in pool}
    if interceptions and chosen.trigger.name in _DISRUPTABLE and not impact:
        return interceptions[0]  # everything was shot down or defused: nothing hit
    clash = next((t for t in pool if t.trigger.sub_event_type == _CLASH), None)
    if clash is not None and chosen.trigger.name in _SUPPORTING_FIRE:
        return clash  # fire in support of fighting on the ground: ACLED codes a clash
    if clash is not None and chosen.trigger.sub_event_type == "Arrests":
        return clash  # arrests at the end of a clash are part of it
    remote = [t for t in pool if t.trigger.name in _REMOTE_WEAPONS]
    if chosen.trigger.sub_event_type == "Attack" and remote:
        return max(remote, key=lambda t: (t.trigger.strength, -t.start))
    if chosen.trigger.event_type == "Protests" or "protest" in names:
        dispersal = next((t for t in pool if t.trigger.name in _INTERVENTION), None)
        if dispersal is not None and chosen.trigger.sub_event_type in (
            "Peaceful protest",
            "Arrests",
        ):
            return _as_intervention(dispersal)
    return chosen


def _as_intervention(hit: TriggerHit) -> TriggerHit:
    """Arrests at a protest make it a protest with intervention (ACLED)."""
    trigger = Trigger(
        name=f"protest+{hit.trigger.name}",
        regex=hit.trigger.regex,
        event_type="Protests",
        sub_event_type="Protest with intervention",
        strength=hit.trigger.strength,
    )
    return TriggerHit(trigger, hit.start, hit.end)
