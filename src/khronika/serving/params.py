"""Query parameters to the store's ``EventFilter``, with errors that name the parameter.

The same parsers as the command line (``khronika.store.filters``), so ``?near=`` and
``--near`` accept and refuse the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Query

from khronika.serving.responses import ApiError
from khronika.store import (
    EventFilter,
    parse_bbox,
    parse_date,
    parse_near,
    parse_query,
    resolve_country,
)

T = TypeVar("T")

# The ranges the parsers check, as patterns, so the OpenAPI document states them too.
LATITUDE = r"[+-]?(90(\.0*)?|[1-8]?\d(\.\d*)?|\.\d+)"
LONGITUDE = r"[+-]?(180(\.0*)?|(1[0-7]\d|[1-9]?\d)(\.\d*)?|\.\d+)"
KILOMETRES = r"(\d{0,6}[1-9]\d{0,6}(\.\d{0,9})?|\d{0,6}\.\d{0,8}[1-9]\d{0,8})"
_SEP = r"\s*,\s*"
NEAR_PATTERN = rf"^\s*{LATITUDE}{_SEP}{LONGITUDE}{_SEP}{KILOMETRES}\s*$"
BBOX_PATTERN = rf"^\s*{LONGITUDE}{_SEP}{LATITUDE}{_SEP}{LONGITUDE}{_SEP}{LATITUDE}\s*$"
FORMS = {
    "near": "LAT,LON,KM (latitude -90..90, longitude -180..180, km above 0)",
    "bbox": "W,S,E,N in degrees (longitudes -180..180, latitudes -90..90)",
}


def parsed(name: str, parse: Callable[[str], T], value: str | None) -> T | None:
    """``parse(value)``, its ValueError turned into a 400 naming the parameter."""
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as err:
        raise ApiError(400, f"argument {name}: {err}") from None


def _day(description: str) -> Any:
    """A YYYY-MM-DD parameter, stated so in the schema (``date.fromisoformat`` alone would also
    take 20240523 and week dates)."""
    return Query(
        description=description,
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        json_schema_extra={"format": "date"},
    )


def event_filter(
    since: Annotated[str | None, _day("from this day (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, _day("to this day (YYYY-MM-DD)")] = None,
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
    min_killed: Annotated[
        int | None, Query(ge=0, le=10_000_000, description="best killed >= N")
    ] = None,
    bbox: Annotated[
        str | None, Query(description="W,S,E,N in degrees", pattern=BBOX_PATTERN)
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="words that must occur in the notes or quoted sentences",
            max_length=500,
            pattern=r"[^\W_]",  # at least one letter or digit
        ),
    ] = None,
    background: Annotated[
        bool, Query(description="include background events (ongoing context)")
    ] = False,
) -> EventFilter:
    """The filters every event endpoint shares."""
    first = parsed("since", parse_date, since)
    last = parsed("until", parse_date, until)
    if first is not None and last is not None and first > last:
        raise ApiError(400, f"argument since: {first} is after until {last}")
    return EventFilter(
        since=first,
        until=last,
        country=parsed("country", resolve_country, country),
        admin1=admin1,
        event_type=event_type,
        near=parsed("near", parse_near, near),
        min_killed=min_killed,
        include_background=background,
        bbox=parsed("bbox", parse_bbox, bbox),
        q=parsed("q", parse_query, q),
    )
