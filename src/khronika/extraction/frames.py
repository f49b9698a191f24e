"""Sentence facts → frames: which sentences tell of which event, in reading order.

A sentence with an event trigger joins the frame of the place it names (or the frame being
told when it names none); a sentence with only casualty figures adds them to the frame being
told. Sentences about ongoing context ("have intensified since May 10") become background
frames that never receive casualties of the news event. ``mention_fields`` then turns each
frame into a Mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from khronika.extraction.budget import budgeted
from khronika.extraction.casualties import RawFigure
from khronika.extraction.document import EventPlace, SentenceFacts, TriggerHit
from khronika.extraction.gating import gated
from khronika.lang import LanguagePack
from khronika.places import PlaceContext, listed_regions, names_several_units, resolve
from khronika.records import Evidence, Place, Report, Weapon
from khronika.time import TimeExpression

# Characters before a counted weapon's interception count for "shot down all": a few words.
_INTERCEPTED_REACH = 80


@dataclass
class Frame:
    """A mention under construction."""

    place: Place | None
    place_key: str | None
    background: bool
    facts: list[SentenceFacts] = field(default_factory=list)
    triggers: list[TriggerHit] = field(default_factory=list)
    figures: list[tuple[RawFigure, SentenceFacts]] = field(default_factory=list)
    weapons: list[Weapon] = field(default_factory=list)
    date_expr: TimeExpression | None = None
    ordinal: int = 0
    separate: bool = False  # told as another event ("Separately, ...") without a place
    # weapons counted for a list of places this frame is one of ("45 missiles on Zhytomyr,
    # Lviv and Mykolaiv"): the count stays with the first, but it is told of this one too
    counted_with_others: bool = False


class FrameBuilder:
    """Reads a report's sentence facts in order into frames."""

    def __init__(
        self,
        report: Report,
        facts: list[SentenceFacts],
        pack: LanguagePack,
        context: PlaceContext,
    ) -> None:
        self.report = report
        self.text = report.text
        self.facts = facts
        self.pack = pack
        self.context = context
        self.frames: list[Frame] = []
        self._placed: dict[str, Frame] = {}  # the first frame (not background) of each place
        self.current: Frame | None = None
        self.pending: list[tuple[RawFigure, SentenceFacts]] = []

    def build(self) -> list[Frame]:
        """The frames in the order they were opened; figures told before any frame go to the
        main one."""
        for facts in budgeted(self.facts):
            self._read(facts)
        if self.pending and self.frames:
            main = next((f for f in self.frames if not f.background), None)
            if main is not None:
                main.figures[:0] = self.pending
        return self.frames

    def _read(self, facts: SentenceFacts) -> None:
        trigger = facts.main_trigger
        if trigger is None and not facts.figures:
            return
        places = facts.event_places
        if facts.background and trigger is not None:
            self._background(facts, trigger, places)
            return
        if trigger is None:
            frame = self._frame_for_places(places, create=False)
            if frame is None and places and self.current is not None:
                frame = self._frame_for_places(
                    places, create=True
                )  # "In Marhanets, a man was hurt"
            frame = frame or self.current
            if frame is None:
                self.pending.extend((f, facts) for f in facts.figures)
                return
            frame.figures.extend((f, facts) for f in facts.figures)
            frame.facts.append(facts)
            return
        if trigger.trigger.generic and not places and not facts.figures and self.current is None:
            return  # "an attack" with nothing to anchor it is talk about the war, not an event
        frames = self._frames_for(facts, places)
        first = frames[0]
        for frame in frames:
            frame.triggers.extend(facts.triggers)
            frame.facts.append(facts)
            if frame.date_expr is None:
                frame.date_expr = facts.event_date
        first.figures.extend((f, facts) for f in facts.figures)
        weapons = self._weapons(facts)
        first.weapons.extend(weapons)
        for frame in frames[1:]:
            frame.counted_with_others |= bool(weapons)
        self.current = first

    def _frames_for(self, facts: SentenceFacts, places: list[EventPlace]) -> list[Frame]:
        date_expr = facts.event_date
        if not places:  # "strikes on the Zhytomyr, Lviv and Mykolaiv regions": one event each
            regions = listed_regions(self.text, facts.places)
            places = [EventPlace(span, False, None) for span in regions]
        if not places:
            s = facts.sentence
            separate = self.pack.new_event_cue.match(self.text, s.start, s.end)
            if (
                self.current is not None
                and not separate
                and not _different_day(self.current, date_expr)
            ):
                return [self.current]
            fresh = self._new_frame(None, False)
            fresh.separate = bool(separate)
            return [fresh]
        frames = []
        for place in places:
            frame = self._frame_for_places([place], create=True)
            assert frame is not None
            if frame not in frames:
                frames.append(frame)
        return frames

    def _frame_for_places(self, places: list[EventPlace], create: bool) -> Frame | None:
        for place in places:
            resolved = resolve_event_place(place, self.context, self.report.id)
            key = resolved.gazetteer_id or resolved.name.lower()
            told = self._placed.get(key)
            if told is not None:
                _merge_sublocations(told.place, resolved)
                return told
            if not create:
                continue
            placeless = self.current
            if placeless is not None and placeless.place is None and not placeless.background:
                placeless.place, placeless.place_key = resolved, key
                self._placed[key] = placeless
                return placeless
            frame = self._new_frame(resolved, False)
            frame.place_key = key
            return frame
        return None

    def _new_frame(self, place: Place | None, background: bool) -> Frame:
        frame = Frame(
            place=place,
            place_key=(place.gazetteer_id or place.name.lower()) if place else None,
            background=background,
            ordinal=len(self.frames),
        )
        self.frames.append(frame)
        if frame.place_key is not None and not background:
            self._placed.setdefault(frame.place_key, frame)
        return frame

    def _background(
        self, facts: SentenceFacts, trigger: TriggerHit, places: list[EventPlace]
    ) -> None:
        place = (
            resolve_event_place(places[0], self.context, self.report.id)
            if places
            else admin_place(facts, self.context, self.report.id)
        )
        frame = self._new_frame(place, True)
        frame.triggers.extend(facts.triggers)
        frame.facts.append(facts)
        since = next((d for d in facts.dates if d.since), None)
        frame.date_expr = since or facts.event_date

    def _weapons(self, facts: SentenceFacts) -> list[Weapon]:
        """Counted weapons ("15 missiles", "24 drones, 19 of them shot down")."""
        text, s = self.text, facts.sentence
        out: list[Weapon] = []
        attribution = facts.attribution
        speaker = attribution.speaker if attribution else None
        channel = attribution.channel if attribution else None
        party = bool(attribution and attribution.kind in ("party", "person"))
        weapons = gated(self.pack, "weapons", facts.present)
        for number in facts.numbers if weapons else ():
            if number.value is None:
                continue
            after = text[number.end : min(s.end, number.end + 40)]
            word = after.lstrip()
            for lex in weapons:
                m = lex.regex.match(word)
                if m is None or after[: len(after) - len(word)].strip():
                    continue
                end = number.end + (len(after) - len(word)) + m.end()
                intercepted = self._intercepted(facts, end)
                out.append(
                    Weapon(
                        kind=lex.value,
                        count=number.value,
                        intercepted=intercepted,
                        speaker=speaker,
                        channel=channel,
                        claim_status="claimed" if party else "reported",
                        evidence=Evidence(
                            self.report.id,
                            number.start,
                            end,
                            text[number.start : end],
                            "counted-weapon",
                        ),
                    )
                )
                break
        return out

    def _intercepted(self, facts: SentenceFacts, after_weapon: int) -> int | None:
        text, s, grammar = self.text, facts.sentence, self.pack.grammar
        for number in facts.numbers:
            if number.start < after_weapon or number.value is None:
                continue
            # "19 of them shot down", "shot down all 19": read in place, not from copies
            reach = max(s.start, number.start - _INTERCEPTED_REACH)
            if grammar.intercepted_after.match(
                text, number.end, s.end
            ) or grammar.intercepted_before.search(text, reach, number.start):
                return number.value
        return None


def resolve_event_place(place: EventPlace, context: PlaceContext, report_id: str) -> Place:
    """The gazetteer place of an event place; "near" a settlement is less precise."""
    span = place.span
    evidence = Evidence(report_id, span.start, span.end, span.surface, "gazetteer+context")
    resolved = resolve(span, context, evidence)
    if place.near and resolved.geo_precision == 1:
        resolved.geo_precision = 2
    return resolved


def admin_place(facts: SentenceFacts, context: PlaceContext, report_id: str) -> Place | None:
    """The first region the sentence names, for a frame that names no settlement."""
    for span in facts.places:
        if names_several_units(span):
            continue  # "Donbas" spans two oblasts: it does not say which
        if any(c.kind == "admin1" for c in span.candidates):
            evidence = Evidence(report_id, span.start, span.end, span.surface, "admin1-mention")
            return resolve(span, context, evidence)
    return None


def report_day(facts: list[SentenceFacts], published: date | None) -> date | None:
    """The day a report speaks of, for the conflict-line prior: its publication date, else
    the first date it gives (ACLED notes and pasted texts carry none)."""
    if published is not None:
        return published
    return next((expr.date for f in facts for expr in f.dates if not expr.since), None)


def _different_day(frame: Frame, expr: TimeExpression | None) -> bool:
    if expr is None or frame.date_expr is None or expr.relative:
        return False
    return expr.date != frame.date_expr.date and frame.date_expr.precision == "day"


def _merge_sublocations(target: Place | None, other: Place) -> None:
    if target is None:
        return
    for sub in other.sublocations:
        if sub not in target.sublocations:
            target.sublocations.append(sub)
