"""The seam between scoring and extraction: an injected function and event-dict accessors.

Scoring reads the published JSON shape (``Extraction.to_dict()``: ``{"events": [...],
"background": [...]}``), so it can score any extractor, a stored JSONL run or a fake in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from khronika.evaluate.normalize import haversine_km
from khronika.pipeline import extract_report
from khronika.records import Report

Extractor = Callable[[Report], Mapping[str, Any]]
EventDict = Mapping[str, Any]


def pipeline_extractor(report: Report) -> dict[str, Any]:
    """Khronika's own pipeline, as JSON."""
    return extract_report(report).to_dict()


def pipeline_extractor_with_candidates(report: Report) -> dict[str, Any]:
    """Khronika's own pipeline, as JSON, with the mentions under the confidence threshold
    (``"candidates"``) too."""
    return extract_report(report).to_dict(candidates=True)


class ExtractorError(RuntimeError):
    """The extractor failed or answered in the wrong shape on one report (named)."""


def run_extractor(extractor: Extractor, report: Report) -> tuple[list[EventDict], list[EventDict]]:
    """(events, background) of one report; a failure names the report and where it is from."""
    events, background, _ = run_extractor_lists(extractor, report)
    return events, background


def run_extractor_lists(
    extractor: Extractor, report: Report
) -> tuple[list[EventDict], list[EventDict], list[EventDict]]:
    """(events, background, candidates) of one report; candidates are empty when the
    extractor gives none. A failure names the report and where it is from."""
    where = f"{report.id} ({report.origin})" if report.origin else report.id
    try:
        extraction = extractor(report)
    except Exception as error:
        raise ExtractorError(f"extraction failed on {where}: {error!r}") from error
    lists: list[list[EventDict]] = []
    for key in ("events", "background", "candidates"):
        value = extraction.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise ExtractorError(f"extractor output for {where}: {key!r} is not a list of objects")
        lists.append(value)
    return lists[0], lists[1], lists[2]


def location_of(event: EventDict) -> Mapping[str, Any]:
    location = event.get("location")
    return location if isinstance(location, Mapping) else {}


def coordinates_of(event: EventDict) -> tuple[float, float] | None:
    location = location_of(event)
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        return float(latitude), float(longitude)
    return None


def distance_km(
    event: EventDict | None, latitude: float | None, longitude: float | None
) -> float | None:
    """Kilometres from the event's coordinates to a gold point; None when either is missing."""
    if event is None or latitude is None or longitude is None:
        return None
    point = coordinates_of(event)
    if point is None:
        return None
    return haversine_km(latitude, longitude, point[0], point[1])


def casualty_best(event: EventDict, kind: str) -> int | None:
    """``fatalities.best`` or ``injured.best``; None when unknown."""
    casualties = event.get(kind)
    if not isinstance(casualties, Mapping):
        return None
    best = casualties.get("best")
    return best if isinstance(best, int) else None


def casualty_values(event: EventDict) -> set[int]:
    """Every number the event carries as a casualty figure: history values, low/best/high."""
    values: set[int] = set()
    for kind in ("fatalities", "injured"):
        casualties = event.get(kind)
        if not isinstance(casualties, Mapping):
            continue
        for key in ("low", "best", "high"):
            if isinstance(casualties.get(key), int):
                values.add(casualties[key])
        for figure in casualties.get("history") or []:
            if isinstance(figure, Mapping) and isinstance(figure.get("value"), int):
                values.add(figure["value"])
    return values


def event_summary(event: EventDict) -> dict[str, Any]:
    """The scored values of one event, for showing next to the gold ones."""
    location = location_of(event)
    return {
        "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"),
        "event_date": event.get("event_date"),
        "location": location.get("name"),
        "admin1": location.get("admin1"),
        "latitude": location.get("latitude"),
        "longitude": location.get("longitude"),
        "fatalities": casualty_best(event, "fatalities"),
        "injured": casualty_best(event, "injured"),
    }
