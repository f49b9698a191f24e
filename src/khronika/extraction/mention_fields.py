"""Frame → Mention: the type, date, place, actors, figures, weapons, targets, sources, claim
status and confidence of a frame, once every frame of the report is built.

Some fields borrow from the whole report: a frame with only a generic trigger takes the
report's most specific type, one without a date the lede's date, one without a place the
report's first event place.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date

from khronika.extraction.attribution import outlet_kind
from khronika.extraction.confidence import Anchor, Signals, score
from khronika.extraction.document import SentenceFacts, TriggerHit
from khronika.extraction.event_types import frame_type, report_type
from khronika.extraction.frames import Frame, admin_place, resolve_event_place
from khronika.extraction.gating import gated
from khronika.lang import SUPPORTED, LanguagePack, load_pack
from khronika.places import PlaceContext, PlaceSpan, resolve
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

_SHORT_REPORT = 6  # sentences: a post or a brief, whose lede is its event


ROUNDUP_PLACES = 3


class MentionFields:
    """The fields of each frame's Mention; knows the whole report for what a frame borrows."""

    def __init__(
        self,
        report: Report,
        facts: list[SentenceFacts],
        frames: list[Frame],
        pack: LanguagePack,
        context: PlaceContext,
        published: date | None,
    ) -> None:
        self.report = report
        self.text = report.text
        self.facts = facts
        self._sentence_ends = [f.sentence.end for f in facts]
        self._present = {(f.sentence.start, f.sentence.end): f.present for f in facts}
        self.frames = frames
        self.pack = pack
        packs = [pack, *(load_pack(code) for code in SUPPORTED if code != pack.code)]
        self._outlet_kind = outlet_kind(report.source, packs)
        self.context = context
        self.published = published
        self.report_type = report_type(frames)
        self.roundup = self._roundup()

    def _roundup(self) -> Evidence | None:
        """A day's roundup: a period cue ("протягом минулої доби") in a report that names
        ``ROUNDUP_PLACES`` places or more. Its tolls are the area's: linking lets them neither
        absorb nor set the figures of the concrete events the same places had."""
        cue = self.pack.confidence["roundup"].search(self.text)
        if cue is None:
            return None
        named = {
            span.candidates[0].id if span.candidates else span.surface.casefold()
            for fact in self.facts
            for span in fact.places
        }
        if len(named) < ROUNDUP_PLACES:
            return None
        return Evidence(
            self.report.id, cue.start(), cue.end(), cue.group(0), f"roundup:{len(named)}-places"
        )

    def mention(self, frame: Frame) -> Mention | None:
        """The frame's Mention, or None for a frame that is no event (no trigger of its own or
        to borrow, or nothing to anchor it)."""
        kind = frame_type(frame, self.report_type, self.text, self.pack, self.report.id)
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
        if self.roundup is not None:
            evidence["roundup"] = self.roundup
        figures = [] if frame.background else self._figures(frame)
        targets = self._targets(frame)
        weapons = self._trigger_weapons(frame) + frame.weapons
        signals = self._signals(frame, place, sub_event_type, chosen, figures, targets)
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

    def _signals(
        self,
        frame: Frame,
        place: Place | None,
        sub_event_type: str,
        chosen: TriggerHit,
        figures: list[Figure],
        targets: list[Target],
    ) -> Signals:
        """What the confidence score reads of a mention (confidence.py)."""
        chosen_sentence = next(
            (
                (f.sentence.start, f.sentence.end)
                for f in frame.facts
                if f.sentence.start <= chosen.start < f.sentence.end
            ),
            None,
        )
        return Signals(
            anchor=_anchor(place, frame, self.text, self.pack),
            sub_event_type=sub_event_type,
            trigger_spans=[(t.start, t.end) for t in frame.triggers],
            specific=not chosen.trigger.generic,
            victims=any(f.value for f in figures),
            dated=frame.date_expr is not None,
            counted_weapons=bool(frame.weapons) or frame.counted_with_others,
            targets=bool(targets),
            trigger_sentences=[
                (f.sentence.start, f.sentence.end) for f in frame.facts if f.main_trigger
            ],
            chosen_sentence=chosen_sentence,
            previous_sentence=self._sentence_before(chosen_sentence),
            largest_count=max(
                [f.value or 0 for f in figures] + [w.count or 0 for w in frame.weapons] + [0]
            ),
            present=self._present,
        )

    def _sentence_before(self, sentence: tuple[int, int] | None) -> tuple[int, int] | None:
        if sentence is None:
            return None
        i = bisect_right(self._sentence_ends, sentence[0]) - 1  # the sentences are in order
        if i < 0:
            return None
        before = self.facts[i].sentence
        return before.start, before.end

    def _anchored(self, frame: Frame) -> bool:
        """A placeless frame is kept only with something concrete: a casualty figure, a counted
        weapon, or a lede in a short report (a Telegram post names its place elsewhere)."""
        if frame.figures or frame.weapons:
            return True
        first = next((f for f in self.frames if not f.background), None)
        return frame is first and len(self.facts) <= _SHORT_REPORT

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
            region = admin_place(facts, self.context, self.report.id)
            if region is not None:
                return region
        return None

    def _report_place(self) -> Place | None:
        """A placeless main event takes the report's first event place, else the first raion
        it names ("в Глушковском районе": the raion's centre), else its region."""
        for facts in self.facts:
            places = facts.event_places
            if places:
                return resolve_event_place(places[0], self.context, self.report.id)
        for facts in self.facts:
            for span in facts.places:
                if any(c.kind == "raion" for c in span.candidates):
                    evidence = Evidence(
                        self.report.id, span.start, span.end, span.surface, "raion-mention"
                    )
                    return resolve(span, self.context, evidence)
        for facts in self.facts:
            admin = admin_place(facts, self.context, self.report.id)
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
                    for lex in gated(self.pack, "targets", facts.present)
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
                    speaker_kind=a.kind if a else self._outlet_kind,
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
    only a region), a settlement named before that its sentences refer back to ("the city"),
    the report's place, a country it happened in, or nothing."""
    if place is None:
        in_country = any(_in_country(text, span, pack) for f in frame.facts for span in f.places)
        return "country" if in_country else "none"
    at = place.evidence.start if place.evidence is not None else -1
    settlement = place.place_kind in ("settlement", "city_district")
    if not any(f.sentence.start <= at < f.sentence.end for f in frame.facts):
        anaphor = pack.confidence["place_anaphor"]
        refers_back = settlement and any(
            anaphor.search(text, f.sentence.start, f.sentence.end) for f in frame.facts
        )
        return "anaphor" if refers_back else "report-place"
    return "own-place" if settlement else "own-region"


def _in_country(text: str, span: PlaceSpan, pack: LanguagePack) -> bool:
    """A country named as where things happen: "in Ukraine", "in eastern Ukraine", "east
    Ukraine" (not "Ukraine says")."""
    if not any(c.kind == "country" for c in span.candidates):
        return False
    if span.preposition is not None:
        return True
    words = text[max(0, span.start - 40) : span.start].lower().split()
    return bool(words) and words[-1] in pack.compass_words


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
