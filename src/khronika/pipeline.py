"""The whole extraction for one report: language pack, mentions, reconciliation into events."""

from __future__ import annotations

from khronika.extraction.confidence import THRESHOLD
from khronika.extraction.mentions import extract_mentions
from khronika.lang import load_pack
from khronika.language import detect_language
from khronika.places import Gazetteer
from khronika.reconcile import reconcile
from khronika.records import Extraction, Report

DEFAULT_LANGUAGE = "en"

__all__ = ["Extraction", "extract_report"]


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
