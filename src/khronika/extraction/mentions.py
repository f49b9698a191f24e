"""Sentences → Mentions: which events a report tells of, and what it says about each.

Each sentence is read once into ``SentenceFacts`` (triggers, places, dates, casualty figures,
speaker). Frames are then built in reading order: a sentence with an event trigger joins the
frame of the place it names (or the frame being told when it names none); a sentence with
only casualty figures adds them to the frame being told. Sentences about ongoing context
("have intensified since May 10") become background frames that never receive casualties of
the news event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from khronika.extraction.annotators import PIPELINE
from khronika.extraction.casualties import RawFigure
from khronika.extraction.confidence import Anchor, Signals, score
from khronika.extraction.document import (
    Document,
    EventPlace,
    Pipeline,
    SentenceFacts,
    TriggerHit,
)
from khronika.lang import LanguagePack, Trigger, could_match
from khronika.places import (
    Gazetteer,
    PlaceContext,
    PlaceSpan,
    build_context,
    names_several_units,
    resolve,
)
from khronika.records import (
    ClaimStatus,
    DatePrecision,
    Evidence,
    Figure,
    Mention,
    Place,
    Report,
    Source,
    Target,
    Weapon,
)
from khronika.time import TimeExpression

__all__ = ["MentionBuilder", "SentenceFacts", "TriggerHit", "extract_mentions", "read_sentences"]

_CLASH = "Armed clash"
_SHORT_REPORT = 6  # sentences: a post or a brief, whose lede is its event
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


def read_sentences(
    report: Report,
    pack: LanguagePack,
    gazetteer: Gazetteer,
    published: date | None,
    pipeline: Pipeline = PIPELINE,
) -> list[SentenceFacts]:
    """Everything the extractor needs from each sentence, read once: the pipeline's layers."""
    return pipeline(Document(report, pack, gazetteer, published)).facts()


class MentionBuilder:
    """Builds the Mentions of one report from its sentence facts."""

    def __init__(
        self,
        report: Report,
        facts: list[SentenceFacts],
        pack: LanguagePack,
        gazetteer: Gazetteer,
        published: date | None,
    ) -> None:
        self.report = report
        self.text = report.text
        self.facts = facts
        self.pack = pack
        self.gazetteer = gazetteer
        self.published = published
        self.context: PlaceContext = build_context(
            [span for f in facts for span in f.places],
            gazetteer,
            when=_report_day(facts, published),
        )
        self.frames: list[Frame] = []
        self.current: Frame | None = None
        self.pending: list[tuple[RawFigure, SentenceFacts]] = []

    # -- building ---------------------------------------------------------------------------

    def build(self) -> list[Mention]:
        for facts in self.facts:
            self._read(facts)
        if self.pending and self.frames:
            main = next((f for f in self.frames if not f.background), None)
            if main is not None:
                main.figures[:0] = self.pending
        return [m for m in (self._mention(f) for f in self.frames) if m is not None]

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
        first.weapons.extend(self._weapons(facts))
        self.current = first

    def _frames_for(self, facts: SentenceFacts, places: list[EventPlace]) -> list[Frame]:
        date_expr = facts.event_date
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
            resolved = self._resolve(place)
            key = resolved.gazetteer_id or resolved.name.lower()
            for frame in self.frames:
                if not frame.background and frame.place_key == key:
                    _merge_sublocations(frame.place, resolved)
                    return frame
            if not create:
                continue
            placeless = self.current
            if placeless is not None and placeless.place is None and not placeless.background:
                placeless.place, placeless.place_key = resolved, key
                return placeless
            frame = self._new_frame(resolved, False)
            frame.place_key = key
            return frame
        return None

    def _resolve(self, place: EventPlace) -> Place:
        span = place.span
        evidence = Evidence(self.report.id, span.start, span.end, span.surface, "gazetteer+context")
        resolved = resolve(span, self.context, evidence)
        if place.near and resolved.geo_precision == 1:
            resolved.geo_precision = 2
        return resolved

    def _new_frame(self, place: Place | None, background: bool) -> Frame:
        frame = Frame(
            place=place,
            place_key=(place.gazetteer_id or place.name.lower()) if place else None,
            background=background,
            ordinal=len(self.frames),
        )
        self.frames.append(frame)
        return frame

    def _background(
        self, facts: SentenceFacts, trigger: TriggerHit, places: list[EventPlace]
    ) -> None:
        place = self._resolve(places[0]) if places else self._admin_place(facts)
        frame = self._new_frame(place, True)
        frame.triggers.extend(facts.triggers)
        frame.facts.append(facts)
        since = next((d for d in facts.dates if d.since), None)
        frame.date_expr = since or facts.event_date

    def _admin_place(self, facts: SentenceFacts) -> Place | None:
        for span in facts.places:
            if names_several_units(span):
                continue  # "Donbas" spans two oblasts: it does not say which
            if any(c.kind == "admin1" for c in span.candidates):
                evidence = Evidence(
                    self.report.id, span.start, span.end, span.surface, "admin1-mention"
                )
                return resolve(span, self.context, evidence)
        return None

    # -- weapons ----------------------------------------------------------------------------

    def _weapons(self, facts: SentenceFacts) -> list[Weapon]:
        """Counted weapons ("15 missiles", "24 drones, 19 of them shot down")."""
        text, s = self.text, facts.sentence
        out: list[Weapon] = []
        attribution = facts.attribution
        speaker = attribution.speaker if attribution else None
        channel = attribution.channel if attribution else None
        party = bool(attribution and attribution.kind in ("party", "person"))
        for number in facts.numbers:
            if number.value is None:
                continue
            after = text[number.end : min(s.end, number.end + 40)]
            for lex in self.pack.weapons:
                if not could_match(lex.gate, facts.present):
                    continue
                m = lex.regex.match(after.lstrip())
                if m is None or after[: len(after) - len(after.lstrip())].strip():
                    continue
                end = number.end + (len(after) - len(after.lstrip())) + m.end()
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
        for number in facts.numbers:
            if number.start < after_weapon or number.value is None:
                continue
            following = self.text[number.end : facts.sentence.end]
            preceding = self.text[facts.sentence.start : number.start]
            grammar = self.pack.grammar
            if grammar.intercepted_after.match(following) or grammar.intercepted_before.search(
                preceding
            ):
                return number.value
        return None

    # -- finishing --------------------------------------------------------------------------

    def _mention(self, frame: Frame) -> Mention | None:
        kind = self._event_type(frame)
        if kind is None:
            return None
        event_type, sub_event_type, type_evidence, chosen = kind
        if frame.place is None and not frame.background and not self._anchored(frame):
            return None
        date_value, precision, date_end, date_evidence = self._date(frame)
        place = frame.place
        if place is None and not frame.background:
            place = (frame.separate and self._frame_region(frame)) or self._report_place()
        actor1, actor2 = self._actors(frame)
        if sub_event_type == "Government regains territory" and self._abroad(actor1, place):
            # Russia "liberating" a Ukrainian town, Ukraine taking a Russian one: a capture.
            event_type, sub_event_type = "Battles", "Non-state actor overtakes territory"
        evidence = {"event_type": type_evidence}
        if date_evidence:
            evidence["event_date"] = date_evidence
        if place is not None and place.evidence is not None:
            evidence["location"] = place.evidence
        figures = [] if frame.background else self._figures(frame)
        targets = self._targets(frame)
        weapons = self._trigger_weapons(frame) + frame.weapons
        signals = Signals(
            anchor=_anchor(place, frame, self.text, self.pack),
            sub_event_type=sub_event_type,
            trigger_texts=[self.text[t.start : t.end] for t in frame.triggers],
            specific=not chosen.trigger.generic,
            victims=any(f.value for f in figures),
            dated=frame.date_expr is not None,
            counted_weapons=bool(frame.weapons),
            targets=bool(targets),
            trigger_sentences=[
                (f.sentence.start, f.sentence.end) for f in frame.facts if f.main_trigger
            ],
            chosen_sentence=next(
                (
                    (f.sentence.start, f.sentence.end)
                    for f in frame.facts
                    if f.sentence.start <= chosen.start < f.sentence.end
                ),
                None,
            ),
        )
        signals = replace(
            signals,
            previous_sentence=self._sentence_before(signals.chosen_sentence),
            largest_count=max(
                [f.value or 0 for f in figures] + [w.count or 0 for w in frame.weapons] + [0]
            ),
        )
        confidence = score(self.text, signals, self.pack)
        return Mention(
            report_id=self.report.id,
            event_type=event_type,
            sub_event_type=sub_event_type,
            event_date=date_value,
            date_precision=precision,
            date_end=date_end,
            location=place,
            actor1=actor1,
            actor2=actor2,
            figures=figures,
            weapons=_dedupe_weapons(weapons),
            targets=targets,
            sources=self._sources(frame),
            claim_status=self._claim_status(frame, actor1),
            background=frame.background,
            civilian_targeting=self._civilian_targeting(figures, targets),
            evidence=evidence,
            ordinal=frame.ordinal,
            confidence=confidence.value,
            confidence_reasons=list(confidence.reasons),
        )

    def _sentence_before(self, sentence: tuple[int, int] | None) -> tuple[int, int] | None:
        if sentence is None:
            return None
        earlier = [f.sentence for f in self.facts if f.sentence.end <= sentence[0]]
        return (earlier[-1].start, earlier[-1].end) if earlier else None

    def _anchored(self, frame: Frame) -> bool:
        """A placeless frame is kept only with something concrete: a casualty figure, a counted
        weapon, or a lede in a short report (a Telegram post names its place elsewhere)."""
        if frame.figures or frame.weapons:
            return True
        first = next((f for f in self.frames if not f.background), None)
        return frame is first and len(self.facts) <= _SHORT_REPORT

    def _event_type(self, frame: Frame) -> tuple[str, str, Evidence, TriggerHit] | None:
        real = [t for t in frame.triggers if t.trigger.event_type != "none"]
        if not real:
            inherited = self._report_type()
            if inherited is None or frame.background:
                return None
            real = [inherited]
        specific = [t for t in real if not t.trigger.generic]
        if not specific:
            chosen = self._report_type() or max(real, key=lambda t: t.trigger.strength)
        else:
            chosen = _choose_type(specific, self._impact(frame))
        rule = f"trigger:{chosen.trigger.name}"
        evidence = Evidence(
            self.report.id, chosen.start, chosen.end, self.text[chosen.start : chosen.end], rule
        )
        return chosen.trigger.event_type, chosen.trigger.sub_event_type, evidence, chosen

    def _report_type(self) -> TriggerHit | None:
        """The report's most specific trigger: a generic "strike" takes its type."""
        hits = [
            t
            for frame in self.frames
            if not frame.background
            for t in frame.triggers
            if not t.trigger.generic
            and t.trigger.event_type != "none"
            and t.trigger.name != "interception"
        ]
        return max(hits, key=lambda t: (t.trigger.strength, -t.start)) if hits else None

    def _impact(self, frame: Frame) -> bool:
        if any(f.value for f, _ in frame.figures):
            return True
        for facts in frame.facts:
            s = facts.sentence
            grammar = self.pack.grammar
            for m in grammar.impact.finditer(self.text, s.start, s.end):
                if grammar.impact_negation.search(
                    self.text[max(s.start, m.start() - 20) : m.start()]
                ):
                    continue  # "there was no damage"
                if not grammar.impact_by_defence.match(self.text, m.end(), m.end() + 20):
                    return True
        return False

    def _date(
        self, frame: Frame
    ) -> tuple[date | None, DatePrecision, date | None, Evidence | None]:
        expr = frame.date_expr or self._report_date()
        if expr is not None:
            evidence = Evidence(
                self.report.id,
                expr.start,
                expr.end,
                self.text[expr.start : expr.end],
                f"date:{expr.rule}",
            )
            return expr.date, expr.precision, expr.date_end, evidence
        if self.published is not None:
            evidence = Evidence(
                self.report.id, 0, 0, self.published.isoformat(), "publication-date"
            )
            return self.published, "day", None, evidence
        return None, "day", None, None

    def _report_date(self) -> TimeExpression | None:
        """The date of the report's lede, for frames whose own sentences give none."""
        for facts in self.facts[:3]:
            expr = facts.event_date
            if expr is not None and not facts.background:
                return expr
        return None

    def _frame_region(self, frame: Frame) -> Place | None:
        """A placeless frame's own region ("shot down seven rockets over the Belgorod region")."""
        for facts in frame.facts:
            region = self._admin_place(facts)
            if region is not None:
                return region
        return None

    def _report_place(self) -> Place | None:
        """A placeless main event takes the report's first event place, else the first raion
        it names ("в Глушковском районе": the raion's centre), else its region."""
        for facts in self.facts:
            places = facts.event_places
            if places:
                return self._resolve(places[0])
        for facts in self.facts:
            for span in facts.places:
                if any(c.kind == "raion" for c in span.candidates):
                    evidence = Evidence(
                        self.report.id, span.start, span.end, span.surface, "raion-mention"
                    )
                    return resolve(span, self.context, evidence)
        for facts in self.facts:
            admin = self._admin_place(facts)
            if admin is not None:
                return admin
        return None

    def _actors(self, frame: Frame) -> tuple[str | None, str | None]:
        names: list[str] = []
        for facts in frame.facts:
            hits = sorted((actor.start, actor.value) for actor in facts.actors)
            for _, value in hits:
                if value not in names:
                    names.append(value)
            if names:
                break
        actor1 = names[0] if names else None
        actor2 = names[1] if len(names) > 1 else None
        return actor1, actor2

    def _figures(self, frame: Frame) -> list[Figure]:
        out = []
        for order, (raw, facts) in enumerate(frame.figures):
            attribution = facts.attribution
            s = facts.sentence
            out.append(
                Figure(
                    kind=raw.kind,
                    value=raw.value,
                    qualifier=raw.qualifier,
                    group=raw.group,
                    low=raw.value if raw.qualifier in ("at least", "more than") else None,
                    high=raw.value if raw.qualifier in ("up to", "less than") else None,
                    word=raw.word,
                    speaker=attribution.speaker if attribution else None,
                    channel=attribution.channel if attribution else None,
                    as_of="earlier" if raw.earlier else ("update" if raw.update else None),
                    order=order,
                    part_of_total=raw.subset,
                    evidence=Evidence(
                        self.report.id, s.start, s.end, s.text, f"casualty:{raw.rule}"
                    ),
                )
            )
        return out

    def _targets(self, frame: Frame) -> list[Target]:
        out: list[Target] = []
        seen: set[str] = set()
        for facts in frame.facts:
            s = facts.sentence
            hits = sorted(
                (
                    (m.start(), m.end(), lex.value)
                    for lex in self.pack.targets
                    if could_match(lex.gate, facts.present)
                    for m in lex.regex.finditer(self.text, s.start, s.end)
                ),
                key=lambda h: (h[0], -h[1]),
            )
            covered = -1
            for start, end, kind in hits:
                if start < covered:
                    continue  # "printing house" already covers "house"
                covered = end
                if kind in seen:
                    continue
                seen.add(kind)
                phrase_start = _phrase_start(self.text, start, s.start, self.pack)
                phrase = self.text[phrase_start:end]
                out.append(
                    Target(
                        kind=kind,
                        text=phrase,
                        evidence=Evidence(
                            self.report.id, phrase_start, end, phrase, "target-lexicon"
                        ),
                    )
                )
        return out

    def _trigger_weapons(self, frame: Frame) -> list[Weapon]:
        out = []
        for hit in frame.triggers:
            if hit.trigger.weapon:
                out.append(
                    Weapon(
                        kind=hit.trigger.weapon,
                        evidence=Evidence(
                            self.report.id,
                            hit.start,
                            hit.end,
                            self.text[hit.start : hit.end],
                            f"trigger:{hit.trigger.name}",
                        ),
                    )
                )
        return out

    def _sources(self, frame: Frame) -> list[Source]:
        out: list[Source] = []
        seen: set[tuple[str | None, str | None]] = set()
        for facts in frame.facts:
            a = facts.attribution
            key = (a.speaker, a.channel) if a else (None, None)
            if key in seen:
                continue
            seen.add(key)
            s = facts.sentence
            out.append(
                Source(
                    report_id=self.report.id,
                    outlet=self.report.source,
                    speaker=a.speaker if a else None,
                    channel=a.channel if a else None,
                    quote=s.text,
                    start=s.start,
                    end=s.end,
                    rule=a.rule if a else "report-text",
                    speaker_role=a.role if a else None,
                    speaker_kind=a.kind if a else None,
                )
            )
        return out

    def _claim_status(self, frame: Frame, actor1: str | None) -> ClaimStatus:
        """A party's word about its own forces' action is a claim, as is an explicit "claims"."""
        if any(f.denial for f in frame.facts):
            return "denied"
        if any(f.claim for f in frame.facts[:1]):
            return "claimed"
        actor_side = self._side_of(actor1)
        first = frame.facts[0].attribution if frame.facts else None
        if first is not None and first.kind == "party" and actor_side in (None, first.side):
            return "claimed"  # a side's word about its own forces' action (or unnamed ones)
        return "reported"

    def _abroad(self, actor: str | None, place: Place | None) -> bool:
        """Whether a side acts outside its own country (Russian forces in Ukraine)."""
        side = self._side_of(actor)
        home = {"russia": "RU", "ukraine": "UA"}.get(side or "")
        return bool(home and place is not None and place.country_code not in (None, home))

    def _side_of(self, actor: str | None) -> str | None:
        return next(
            (
                str(lex.extra["side"])
                for lex in self.pack.actors
                if lex.value == actor and "side" in lex.extra
            ),
            None,
        )

    def _civilian_targeting(self, figures: list[Figure], targets: list[Target]) -> bool:
        if any(f.group in ("civilians", "children") and f.value for f in figures):
            return True
        return any(t.kind in self.pack.civilian_targets for t in targets)


def _anchor(place: Place | None, frame: Frame, text: str, pack: LanguagePack) -> Anchor:
    """What anchors a mention in space: a place named in its own sentences (a settlement, or
    only a region), the report's place, a country it happened in, or nothing."""
    if place is None:
        in_country = any(_in_country(text, span, pack) for f in frame.facts for span in f.places)
        return "country" if in_country else "none"
    at = place.evidence.start if place.evidence is not None else -1
    if not any(f.sentence.start <= at < f.sentence.end for f in frame.facts):
        return "report-place"
    return "own-place" if place.place_kind in ("settlement", "city_district") else "own-region"


def _in_country(text: str, span: PlaceSpan, pack: LanguagePack) -> bool:
    """A country named as where things happen: "in Ukraine", "in eastern Ukraine", "east
    Ukraine" (not "Ukraine says")."""
    if not any(c.kind == "country" for c in span.candidates):
        return False
    if span.preposition is not None:
        return True
    words = text[max(0, span.start - 40) : span.start].lower().split()
    return bool(words) and words[-1] in pack.compass_words


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


def _report_day(facts: list[SentenceFacts], published: date | None) -> date | None:
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


def _phrase_start(text: str, start: int, floor: int, pack: LanguagePack) -> int:
    """Start of a short noun phrase ending at a target noun: "a local printing house"."""
    offset = max(floor, start - 40)
    keep = start
    for m in reversed(list(re.finditer(r"[\w'’ʼ-]+", text[offset:start]))):
        word = m.group(0).lower()
        if word not in pack.grammar.target_determiners:
            break
        keep = offset + m.start()
        if word in pack.grammar.target_phrase_stop:
            break
    return keep


def _dedupe_weapons(weapons: list[Weapon]) -> list[Weapon]:
    """One weapon per kind; a counted one wins over a bare mention."""
    by_kind: dict[str, Weapon] = {}
    for weapon in weapons:
        known = by_kind.get(weapon.kind)
        if known is None or (known.count is None and weapon.count is not None):
            by_kind[weapon.kind] = weapon
    return list(by_kind.values())


def extract_mentions(
    report: Report, pack: LanguagePack, gazetteer: Gazetteer, pipeline: Pipeline = PIPELINE
) -> list[Mention]:
    """The Mentions of one report, main event first, background last; ``pipeline`` gives the
    components that read its sentences (annotators.PIPELINE, or one with a component added)."""
    published = report.published.date() if report.published else None
    facts = read_sentences(report, pack, gazetteer, published, pipeline)
    mentions = MentionBuilder(report, facts, pack, gazetteer, published).build()
    return sorted(mentions, key=lambda m: (m.background, m.ordinal))
