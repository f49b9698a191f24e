"""Where reports and events are kept: SQLite now, other databases later behind the same names."""

from khronika.store.filters import (
    BBox,
    EventFilter,
    EventKey,
    Near,
    haversine_km,
    parse_bbox,
    parse_date,
    parse_near,
    parse_query,
    resolve_country,
)
from khronika.store.schema import SCHEMA_VERSION
from khronika.store.sources import SourceState
from khronika.store.sqlite import (
    SavedMentions,
    Store,
    StoredReport,
    StoreError,
    default_db_path,
)

__all__ = [
    "SCHEMA_VERSION",
    "BBox",
    "EventFilter",
    "EventKey",
    "Near",
    "SavedMentions",
    "SourceState",
    "Store",
    "StoreError",
    "StoredReport",
    "default_db_path",
    "haversine_km",
    "parse_bbox",
    "parse_date",
    "parse_near",
    "parse_query",
    "resolve_country",
]
