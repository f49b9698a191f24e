"""Places: the gazetteer, spotting place names in text, and choosing what they mean in context.

spans = spot_places(text)
context = build_context(spans)
place = resolve(spans[0], context)
"""

from khronika.places.gazetteer import Candidate, Gazetteer, is_approximate, is_landmark
from khronika.places.lists import listed_regions, qualifies
from khronika.places.resolve import (
    PlaceContext,
    build_context,
    haversine_km,
    names_several_units,
    resolve,
)
from khronika.places.romanize import name_key, romanize_ukrainian
from khronika.places.spot import PlaceSpan, spot_places

__all__ = [
    "Candidate",
    "Gazetteer",
    "PlaceContext",
    "PlaceSpan",
    "build_context",
    "haversine_km",
    "is_approximate",
    "is_landmark",
    "listed_regions",
    "name_key",
    "names_several_units",
    "qualifies",
    "resolve",
    "romanize_ukrainian",
    "spot_places",
]
