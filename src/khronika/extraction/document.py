"""One report as the extraction components see it: a ``Document`` and its layers.

Extraction runs an ordered list of named components over one Document (spaCy's shape). Each
component reads the layers of the components before it and adds its own, one entry per
sentence: sentences, gates, triggers, people, attributions and speakers, dates and event
dates, numbers, figures, actors, places and event places, mood. A gate adds no layer: it
takes entries out of one. The mention builder reads the layers (as ``SentenceFacts``, one per
sentence), so a new gate or signal is one more component with its own tests, not a change
inside the builder. The components themselves are in ``annotators``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from khronika.extraction.attribution import Attribution, NamedPerson, SpeakerName
from khronika.extraction.budget import check_budget
from khronika.extraction.casualties import RawFigure
from khronika.extraction.numbers import NumberMatch
from khronika.extraction.sentences import Sentence
from khronika.lang import LanguagePack, Trigger
from khronika.places import Gazetteer, PlaceSpan
from khronika.records import Report
from khronika.time import TimeExpression


@dataclass(frozen=True)
class TriggerHit:
    trigger: Trigger
    start: int
    end: int


@dataclass(frozen=True)
class ActorName:
    """A side named in a sentence ("Russian forces"): ``value`` is the pack's name for it."""

    start: int
    end: int
    value: str


@dataclass
class EventPlace:
    """A place where something happened, as a sentence names it."""

    span: PlaceSpan
    near: bool  # "near Pokrovsk"
    reference: PlaceSpan | None  # "about 25 km from Kharkiv"


@dataclass(frozen=True)
class Mood:
    """How a sentence tells what it tells."""

    background: bool  # ongoing context ("have intensified since May 10"), not the news event
    claim: bool  # an explicit "claims"
    denial: bool


@dataclass
class Document:
    """A report, what it is read with, and one list per layer, parallel to ``sentences``.

    A layer is empty until the component that adds it has run.
    """

    report: Report
    pack: LanguagePack
    gazetteer: Gazetteer
    published: date | None
    text: str = field(init=False)
    sentences: list[Sentence] = field(default_factory=list)
    gates: list[AbstractSet[str]] = field(default_factory=list)  # gate literals present
    triggers: list[list[TriggerHit]] = field(default_factory=list)
    people: list[list[NamedPerson]] = field(default_factory=list)
    attributions: list[Attribution | None] = field(default_factory=list)
    speakers: list[list[SpeakerName]] = field(default_factory=list)  # institutions named
    dates: list[list[TimeExpression]] = field(default_factory=list)
    event_dates: list[TimeExpression | None] = field(default_factory=list)  # when it happened
    numbers: list[list[NumberMatch]] = field(default_factory=list)
    figures: list[list[RawFigure]] = field(default_factory=list)
    actors: list[list[ActorName]] = field(default_factory=list)
    places: list[list[PlaceSpan]] = field(default_factory=list)
    event_places: list[list[EventPlace]] = field(default_factory=list)
    mood: list[Mood] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = self.report.text

    def facts(self) -> list[SentenceFacts]:
        """The layers of each sentence together, as the mention builder reads them."""
        return [
            SentenceFacts(
                sentence=sentence,
                triggers=triggers,
                places=places,
                dates=dates,
                figures=figures,
                numbers=numbers,
                attribution=attribution,
                background=mood.background,
                claim=mood.claim,
                denial=mood.denial,
                present=present,
                actors=actors,
                event_places=event_places,
                event_date=event_date,
            )
            for (
                sentence,
                present,
                triggers,
                attribution,
                dates,
                event_date,
                numbers,
                figures,
                actors,
                places,
                event_places,
                mood,
            ) in zip(
                self.sentences,
                self.gates,
                self.triggers,
                self.attributions,
                self.dates,
                self.event_dates,
                self.numbers,
                self.figures,
                self.actors,
                self.places,
                self.event_places,
                self.mood,
                strict=True,
            )
        ]


@dataclass
class SentenceFacts:
    """Everything the mention builder knows of one sentence, assembled from the layers."""

    sentence: Sentence
    triggers: list[TriggerHit]
    places: list[PlaceSpan]
    dates: list[TimeExpression]
    figures: list[RawFigure]
    numbers: list[NumberMatch]
    attribution: Attribution | None
    background: bool
    claim: bool
    denial: bool
    present: AbstractSet[str]  # gate literals in the sentence (lang.could_match)
    actors: list[ActorName]
    event_places: list[EventPlace]
    event_date: TimeExpression | None

    @property
    def main_trigger(self) -> TriggerHit | None:
        real = [t for t in self.triggers if t.trigger.event_type != "none"]
        if not real:
            return None
        return max(real, key=lambda t: (t.trigger.strength, -t.start))


class Component(Protocol):
    """A step of the extraction: it reads the layers it ``needs`` and adds those it ``adds``
    (a gate adds none: it takes entries out of a layer it needs)."""

    @property
    def name(self) -> str: ...

    @property
    def needs(self) -> tuple[str, ...]: ...

    @property
    def adds(self) -> tuple[str, ...]: ...

    def __call__(self, doc: Document) -> None: ...


@dataclass(frozen=True)
class FunctionComponent:
    """A component made of a function (see ``component``)."""

    name: str
    run: Callable[[Document], None]
    needs: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()

    def __call__(self, doc: Document) -> None:
        self.run(doc)


def component(
    name: str, *, needs: tuple[str, ...] = (), adds: tuple[str, ...] = ()
) -> Callable[[Callable[[Document], None]], FunctionComponent]:
    """Make a function over a Document a named component: ``@component("dates", ...)``."""

    def wrap(run: Callable[[Document], None]) -> FunctionComponent:
        return FunctionComponent(name, run, needs, adds)

    return wrap


class Pipeline:
    """Named components run in order; each may read only layers added before it."""

    def __init__(self, components: Iterable[Component]) -> None:
        self.components: tuple[Component, ...] = tuple(components)
        added: set[str] = set()
        names: set[str] = set()
        for step in self.components:
            if step.name in names:
                raise ValueError(f"two components are named {step.name!r}")
            names.add(step.name)
            missing = [layer for layer in step.needs if layer not in added]
            if missing:
                raise ValueError(f"component {step.name!r} runs before its layers {missing}")
            added.update(step.adds)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.components)

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components)

    def __call__(self, doc: Document) -> Document:
        for step in self.components:
            check_budget()
            step(doc)
        return doc

    def insert(
        self, step: Component, *, before: str | None = None, after: str | None = None
    ) -> Pipeline:
        """A new pipeline with ``step`` put before or after the component of that name."""
        if (before is None) == (after is None):
            raise ValueError("give exactly one of before= and after=")
        anchor = before if before is not None else after
        if anchor not in self.names:
            raise ValueError(f"no component named {anchor!r}")
        at = self.names.index(anchor) + (after is not None)
        return Pipeline([*self.components[:at], step, *self.components[at:]])

    def until(self, name: str) -> Pipeline:
        """The components up to and including ``name``: the layers as far as that step."""
        if name not in self.names:
            raise ValueError(f"no component named {name!r}")
        return Pipeline(self.components[: self.names.index(name) + 1])
