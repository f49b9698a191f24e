"""Plain typed records passed between Khronika's stages.

A Report is what a source said (kept verbatim). Extraction turns it into Mentions, each with
Figures and the Evidence of every field. Reconciliation turns Mentions into Events, whose
fields are derived from the Mentions, never typed in. Every record converts to plain JSON
with ``to_dict`` so the CLI, the store and the exports share one shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Qualifier = Literal["exact", "at least", "more than", "up to", "less than", "about", "implied"]
FigureKind = Literal["killed", "injured"]
ClaimStatus = Literal["reported", "claimed", "confirmed", "denied"]
DatePrecision = Literal["day", "week", "month", "year"]


def content_id(text: str, prefix: str = "r") -> str:
    """A stable id from content, so the same input always gets the same id."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:16]}"


@dataclass(frozen=True)
class Evidence:
    """Why a value is what it is: where in which report, and which rule said so."""

    report_id: str
    start: int
    end: int
    text: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        # Spelled out: ``dataclasses.asdict`` deep-copies field by field and was a tenth of
        # the time of extracting a short report (every event holds a dozen of these).
        return {
            "report_id": self.report_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(**data)


@dataclass
class Report:
    """One report as its source gave it. ``text`` is never altered after reading."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    published: datetime | None = None
    source: str | None = None
    language: str | None = None
    encoding: str | None = None
    origin: str | None = None  # file path (and record number) it was read from
    format: str | None = None  # reader that produced it: text, html, json, csv, telegram, feed
    received: datetime | None = None
    edited: datetime | None = None  # when the source last edited it (a Telegram post's edit)
    # What reading had to do or could not tell ("published: ... ignored", "looks like mojibake").
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
            "language": self.language,
            "encoding": self.encoding,
            "origin": self.origin,
            "format": self.format,
            "received": self.received.isoformat() if self.received else None,
            "edited": self.edited.isoformat() if self.edited else None,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The inverse of ``to_dict``, with the report's text under ``text``."""
        return cls(
            id=data["id"],
            text=data["text"],
            title=data.get("title"),
            url=data.get("url"),
            published=_datetime(data.get("published")),
            source=data.get("source"),
            language=data.get("language"),
            encoding=data.get("encoding"),
            origin=data.get("origin"),
            format=data.get("format"),
            received=_datetime(data.get("received")),
            edited=_datetime(data.get("edited")),
            warnings=tuple(data.get("warnings") or ()),
        )


@dataclass
class Figure:
    """One casualty number said once, by someone, in one sentence."""

    kind: FigureKind
    value: int | None  # the number as said; None only for vague words without convention
    qualifier: Qualifier
    group: str  # "all", "civilians", "children", "soldiers", ...
    evidence: Evidence
    low: int | None = None
    high: int | None = None
    word: str | None = None  # the vague word when one was used ("dozens")
    speaker: str | None = None
    channel: str | None = None
    as_of: str | None = None  # "earlier", "later" or a time when the report says so
    order: int = 0  # position in the report's telling: later figures supersede earlier ones
    part_of_total: bool = False  # "including three children": never added to a total

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "qualifier": self.qualifier,
            "group": self.group,
            "low": self.low,
            "high": self.high,
            "word": self.word,
            "speaker": self.speaker,
            "channel": self.channel,
            "as_of": self.as_of,
            "part_of_total": self.part_of_total,
            "report_id": self.evidence.report_id,
            "evidence": self.evidence.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        """The inverse of ``to_dict`` (``order`` is not in it: the history's order says it)."""
        return cls(
            kind=data["kind"],
            value=data["value"],
            qualifier=data["qualifier"],
            group=data["group"],
            evidence=Evidence.from_dict(data["evidence"]),
            low=data["low"],
            high=data["high"],
            word=data["word"],
            speaker=data["speaker"],
            channel=data["channel"],
            as_of=data["as_of"],
            part_of_total=data["part_of_total"],
        )


@dataclass
class Place:
    """Where an event happened, resolved against the gazetteer."""

    name: str
    country_code: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None  # ACLED: 1 settlement, 2 near/part of region, 3 province
    gazetteer_id: str | None = None
    place_kind: str | None = None  # settlement, city_district, admin1, country, unknown
    sublocations: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # others considered, for "why?"
    evidence: Evidence | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "country_code": self.country_code,
            "admin1": self.admin1,
            "admin2": self.admin2,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "geo_precision": self.geo_precision,
            "gazetteer_id": self.gazetteer_id,
            "place_kind": self.place_kind,
            "sublocations": list(self.sublocations),
            "candidates": list(self.candidates),
            "evidence": self.evidence.to_dict() if self.evidence else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        evidence = data.get("evidence")
        return cls(
            **{k: v for k, v in data.items() if k != "evidence"},
            evidence=Evidence.from_dict(evidence) if evidence else None,
        )


@dataclass
class Source:
    """Who said it and how: outlet, speaker, channel and the quoted sentence."""

    report_id: str
    outlet: str | None
    speaker: str | None
    channel: str | None
    quote: str
    start: int
    end: int
    rule: str
    speaker_role: str | None = None  # "Kharkiv Governor", "President"
    speaker_kind: str | None = None  # party, emergency, official, monitor: who is talking

    def to_dict(self) -> dict[str, Any]:
        return {  # spelled out, as Evidence's
            "report_id": self.report_id,
            "outlet": self.outlet,
            "speaker": self.speaker,
            "channel": self.channel,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "speaker_role": self.speaker_role,
            "speaker_kind": self.speaker_kind,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(**data)


@dataclass
class Weapon:
    kind: str
    evidence: Evidence
    count: int | None = None
    qualifier: Qualifier | None = None
    speaker: str | None = None
    channel: str | None = None
    claim_status: ClaimStatus = "reported"
    intercepted: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "count": self.count,
            "qualifier": self.qualifier,
            "intercepted": self.intercepted,
            "speaker": self.speaker,
            "channel": self.channel,
            "claim_status": self.claim_status,
            "evidence": self.evidence.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weapon:
        return cls(
            **{k: v for k, v in data.items() if k != "evidence"},
            evidence=Evidence.from_dict(data["evidence"]),
        )


@dataclass
class Target:
    kind: str  # "printing house", "residential building", ...
    text: str
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "evidence": self.evidence.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        return cls(data["kind"], data["text"], Evidence.from_dict(data["evidence"]))


@dataclass
class Mention:
    """One event as one report tells it, with the evidence of each field."""

    report_id: str
    event_type: str
    sub_event_type: str
    event_date: date | None
    date_precision: DatePrecision
    location: Place | None
    date_end: date | None = None
    actor1: str | None = None
    actor2: str | None = None
    figures: list[Figure] = field(default_factory=list)
    weapons: list[Weapon] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    claim_status: ClaimStatus = "reported"
    background: bool = False  # ongoing context ("since May 10"), not the news itself
    civilian_targeting: bool = False
    evidence: dict[str, Evidence] = field(default_factory=dict)  # field name -> evidence
    ordinal: int = 0  # position among the report's mentions
    confidence: float = 1.0  # that the report states this happened (extraction/confidence.py)
    confidence_reasons: list[str] = field(default_factory=list)  # each step, in words


@dataclass
class Casualties:
    """low/best/high derived from Figures, with the figures in the order they were said."""

    low: int | None = None
    best: int | None = None
    high: int | None = None
    history: list[Figure] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "best": self.best,
            "high": self.high,
            "history": [f.to_dict() for f in self.history],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Casualties:
        history = [Figure.from_dict(f) for f in data["history"]]
        return cls(data["low"], data["best"], data["high"], history)


@dataclass
class Event:
    """A real-world event reconciled from its Mentions (in v1: one Mention each)."""

    id: str
    event_date: date | None
    date_precision: DatePrecision
    event_type: str
    sub_event_type: str
    location: Place | None
    fatalities: Casualties
    injured: Casualties
    report_ids: list[str]
    date_end: date | None = None
    actor1: str | None = None
    actor2: str | None = None
    weapons: list[Weapon] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    claim_status: ClaimStatus = "reported"
    background: bool = False
    civilian_targeting: bool = False
    notes: str = ""
    evidence: dict[str, Evidence] = field(default_factory=dict)
    confidence: float = 1.0
    confidence_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "date_precision": self.date_precision,
            "date_end": self.date_end.isoformat() if self.date_end else None,
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "actor1": self.actor1,
            "actor2": self.actor2,
            "location": self.location.to_dict() if self.location else None,
            "fatalities": self.fatalities.to_dict(),
            "injured": self.injured.to_dict(),
            "weapons": [w.to_dict() for w in self.weapons],
            "targets": [t.to_dict() for t in self.targets],
            "sources": [s.to_dict() for s in self.sources],
            "claim_status": self.claim_status,
            "civilian_targeting": self.civilian_targeting,
            "background": self.background,
            "confidence": self.confidence,
            "confidence_reasons": list(self.confidence_reasons),
            "notes": self.notes,
            "report_ids": list(self.report_ids),
            "evidence": {k: v.to_dict() for k, v in self.evidence.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """The inverse of ``to_dict``: what a backfill's shard file keeps of an extraction."""
        location = data["location"]
        return cls(
            id=data["id"],
            event_date=_date(data["event_date"]),
            date_precision=data["date_precision"],
            date_end=_date(data["date_end"]),
            event_type=data["event_type"],
            sub_event_type=data["sub_event_type"],
            actor1=data["actor1"],
            actor2=data["actor2"],
            location=Place.from_dict(location) if location else None,
            fatalities=Casualties.from_dict(data["fatalities"]),
            injured=Casualties.from_dict(data["injured"]),
            weapons=[Weapon.from_dict(w) for w in data["weapons"]],
            targets=[Target.from_dict(t) for t in data["targets"]],
            sources=[Source.from_dict(s) for s in data["sources"]],
            claim_status=data["claim_status"],
            civilian_targeting=data["civilian_targeting"],
            background=data["background"],
            confidence=data["confidence"],
            confidence_reasons=list(data["confidence_reasons"]),
            notes=data["notes"],
            report_ids=list(data["report_ids"]),
            evidence={k: Evidence.from_dict(v) for k, v in data["evidence"].items()},
        )


@dataclass
class Extraction:
    """What one report yields: its events (main first), its background, and the candidates kept
    under the confidence threshold (not stored, shown by ``extract --candidates``)."""

    report: Report
    events: list[Event] = field(default_factory=list)
    background: list[Event] = field(default_factory=list)
    candidates: list[Event] = field(default_factory=list)

    def to_dict(self, candidates: bool = False) -> dict[str, Any]:
        data = {
            "report": self.report.to_dict(),
            "events": [e.to_dict() for e in self.events],
            "background": [e.to_dict() for e in self.background],
        }
        if candidates:
            data["candidates"] = [e.to_dict() for e in self.candidates]
        return data


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
