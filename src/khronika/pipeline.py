"""The whole extraction for one report: language, mentions, reconciliation into events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from khronika.records import Event, Report


@dataclass
class Extraction:
    """What one report yields: its events (main first) and its background kept apart."""

    report: Report
    events: list[Event] = field(default_factory=list)
    background: list[Event] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.report.to_dict(),
            "events": [e.to_dict() for e in self.events],
            "background": [e.to_dict() for e in self.background],
        }


def extract_report(report: Report) -> Extraction:
    """Extract the events of one report (implementation lands with the extract stage)."""
    return Extraction(report=report)
