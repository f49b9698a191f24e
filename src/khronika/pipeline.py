"""The whole extraction for one report: language pack, mentions, reconciliation into events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from khronika.extraction.confidence import THRESHOLD
from khronika.extraction.mentions import extract_mentions
from khronika.lang import load_pack
from khronika.language import detect_language
from khronika.places import Gazetteer
from khronika.reconcile import reconcile
from khronika.records import Event, Report

DEFAULT_LANGUAGE = "en"


@dataclass
class Extraction:
    """What one report yields: its events (main first) and its background kept apart."""

    report: Report
    events: list[Event] = field(default_factory=list)
    background: list[Event] = field(default_factory=list)
    candidates: list[Event] = field(default_factory=list)  # under the confidence threshold

    def to_dict(self, candidates: bool = False) -> dict[str, Any]:
        data = {
            "report": self.report.to_dict(),
            "events": [e.to_dict() for e in self.events],
            "background": [e.to_dict() for e in self.background],
        }
        if candidates:
            data["candidates"] = [e.to_dict() for e in self.candidates]
        return data


def extract_report(report: Report, gazetteer: Gazetteer | None = None) -> Extraction:
    """Extract the events of one report; raises ValueError for an unsupported language."""
    if report.language is None:
        report.language = detect_language(report.text) or DEFAULT_LANGUAGE
    pack = load_pack(report.language)
    events = reconcile(extract_mentions(report, pack, gazetteer or Gazetteer.default()))
    return Extraction(
        report=report,
        events=[e for e in events if not e.background and e.confidence >= THRESHOLD],
        background=[e for e in events if e.background],
        candidates=[e for e in events if not e.background and e.confidence < THRESHOLD],
    )
