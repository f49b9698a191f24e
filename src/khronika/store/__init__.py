"""Where reports and events are kept: a SQLite file by default, or a shared PostgreSQL
database, behind one ``Store`` (``khronika.store.database`` is the seam between them)."""

from khronika.store.core import SavedMentions, Store, StoredReport, default_db_path
from khronika.store.database import database_errors, store_errors, transient_errors
from khronika.store.errors import StoreBusy, StoreError, explain
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

__all__ = [
    "SCHEMA_VERSION",
    "BBox",
    "EventFilter",
    "EventKey",
    "Near",
    "SavedMentions",
    "SourceState",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoredReport",
    "database_errors",
    "default_db_path",
    "explain",
    "haversine_km",
    "parse_bbox",
    "parse_date",
    "parse_near",
    "parse_query",
    "resolve_country",
    "store_errors",
    "transient_errors",
]
