"""Report → Mentions: which events a report tells of, and what it says about each.

Three stages, each in its own module: the components of ``annotators`` read every sentence
once into the layers of a ``Document`` (triggers, places, dates, casualty figures, speaker,
...); ``frames`` groups the sentences into frames in reading order; ``mention_fields`` turns
each frame into a Mention. ``extract_mentions`` is the entry point.

A report yields at most ``MAX_MENTIONS`` mentions (the first in reading order), so a huge or
machine-made text cannot flood the store and the linker; a capped report says so in a warning.
"""

from __future__ import annotations

import logging
from datetime import date

from khronika.extraction.annotators import PIPELINE
from khronika.extraction.budget import budgeted
from khronika.extraction.document import Document, Pipeline, SentenceFacts, TriggerHit
from khronika.extraction.frames import FrameBuilder, report_day
from khronika.extraction.mention_fields import MentionFields
from khronika.lang import LanguagePack
from khronika.places import Gazetteer, PlaceContext, build_context
from khronika.records import Mention, Report

__all__ = ["MentionBuilder", "SentenceFacts", "TriggerHit", "extract_mentions", "read_sentences"]

# Far more events than any real report tells of (a long daily roundup tells of a few dozen).
MAX_MENTIONS = 500

_log = logging.getLogger(__name__)


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
    """Builds the Mentions of one report from its sentence facts: frames, then their fields."""

    def __init__(
        self,
        report: Report,
        facts: list[SentenceFacts],
        pack: LanguagePack,
        gazetteer: Gazetteer,
        published: date | None,
    ) -> None:
        self.report = report
        self.facts = facts
        self.pack = pack
        self.published = published
        self.context: PlaceContext = build_context(
            [span for f in facts for span in f.places],
            gazetteer,
            when=report_day(facts, published),
        )

    def build(self) -> list[Mention]:
        frames = FrameBuilder(self.report, self.facts, self.pack, self.context).build()
        fields = MentionFields(
            self.report, self.facts, frames, self.pack, self.context, self.published
        )
        mentions: list[Mention] = []
        for frame in budgeted(frames):
            mention = fields.mention(frame)
            if mention is None:
                continue
            if len(mentions) == MAX_MENTIONS:
                _log.warning(
                    "%s: extraction kept the first %d mentions of the report and left out the "
                    "rest (%d frames in all)",
                    self.report.origin or self.report.id,
                    MAX_MENTIONS,
                    len(frames),
                )
                break
            mentions.append(mention)
        return mentions


def extract_mentions(
    report: Report, pack: LanguagePack, gazetteer: Gazetteer, pipeline: Pipeline = PIPELINE
) -> list[Mention]:
    """The Mentions of one report, main event first, background last; ``pipeline`` gives the
    components that read its sentences (annotators.PIPELINE, or one with a component added)."""
    published = report.published.date() if report.published else None
    facts = read_sentences(report, pack, gazetteer, published, pipeline)
    mentions = MentionBuilder(report, facts, pack, gazetteer, published).build()
    return sorted(mentions, key=lambda m: (m.background, m.ordinal))
