"""Query parameters to the store's ``EventFilter``, with errors that name the parameter.

The same parsers as the command line (``khronika.store.filters``), so ``?near=`` and
``--near`` accept and refuse the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

from fastapi import Query

from khronika.serving.responses import ApiError
from khronika.store import (
    EventFilter,
    parse_bbox,
    parse_near,
    parse_query,
    resolve_country,
)

T = TypeVar("T")

NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)"
NEAR_PATTERN = rf"^\s*{NUMBER}\s*,\s*{NUMBER}\s*,\s*{NUMBER}\s*$"
BBOX_PATTERN = rf"^\s*{NUMBER}\s*(,\s*{NUMBER}\s*){{3}}$"
FORMS = {"near": "three numbers LAT,LON,KM", "bbox": "four numbers W,S,E,N"}


def parsed(name: str, parse: Callable[[str], T], value: str | None) -> T | None:
    """``parse(value)``, its ValueError turned into a 400 naming the parameter."""
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as err:
        raise ApiError(400, f"argument {name}: {err}") from None


def event_filter(
    since: Annotated[date | None, Query(description="from this day (YYYY-MM-DD)")] = None,
    until: Annotated[date | None, Query(description="to this day (YYYY-MM-DD)")] = None,
    country: Annotated[
        str | None, Query(description="ISO code (UA, UKR) or English name", max_length=100)
    ] = None,
    admin1: Annotated[
        str | None,
        Query(description="first-level region, as in location.admin1", max_length=200),
    ] = None,
    event_type: Annotated[
        str | None,
        Query(alias="type", description="event type or sub-type, any case", max_length=200),
    ] = None,
    near: Annotated[
        str | None, Query(description="LAT,LON,KM: within KM of a point", pattern=NEAR_PATTERN)
    ] = None,
    min_killed: Annotated[int | None, Query(ge=0, description="best killed >= N")] = None,
    bbox: Annotated[
        str | None, Query(description="W,S,E,N in degrees", pattern=BBOX_PATTERN)
    ] = None,
    q: Annotated[
        str | None,
        Query(description="words that must occur in the notes or quoted sentences", max_length=500),
    ] = None,
    background: Annotated[
        bool, Query(description="include background events (ongoing context)")
    ] = False,
) -> EventFilter:
    """The filters every event endpoint shares."""
    if since is not None and until is not None and since > until:
        raise ApiError(400, f"argument since: {since} is after until {until}")
    return EventFilter(
        since=since,
        until=until,
        country=parsed("country", resolve_country, country),
        admin1=admin1,
        event_type=event_type,
        near=parsed("near", parse_near, near),
        min_killed=min_killed,
        include_background=background,
        bbox=parsed("bbox", parse_bbox, bbox),
        q=parsed("q", parse_query, q),
    )
