"""Summaries of a selection of events computed in SQL over the copied columns, never the
events' JSON: the map's points and the counts by day, type and region stay fast when the
store holds a hundred thousand events."""

from __future__ import annotations

from typing import Any

from khronika.store.database import Database
from khronika.store.filters import EventFilter
from khronika.store.links import where_clauses

POINT_FIELDS = (
    "id",
    "date",
    "lat",
    "lon",
    "type",
    "sub_type",
    "killed",
    "injured",
    "admin1",
    "place",
    "n_reports",
    "precision",
)
_POINT_COLUMNS = (
    "id, event_date, latitude, longitude, event_type, sub_event_type, fatalities_best, "
    "injured_best, admin1, place, n_reports, geo_precision"
)
_TOTALS = (  # cast: PostgreSQL sums integers as numeric
    "COUNT(*) AS events, CAST(COALESCE(SUM(fatalities_best), 0) AS BIGINT) AS killed, "
    "CAST(COALESCE(SUM(injured_best), 0) AS BIGINT) AS injured"
)


class EventSummaries:
    """Mixin of ``Store``: read-only summaries of the events table."""

    _db: Database

    def point_rows_json(self, filters: EventFilter) -> tuple[str, int]:
        """The placed events as one JSON array of rows (``POINT_FIELDS``, newest first), made
        by the database, and how many matching events have no coordinates."""
        where, params = where_clauses(filters, self._db)
        placed = " AND ".join([*where, "latitude IS NOT NULL", "longitude IS NOT NULL"])
        row = self._db.execute(
            f"SELECT '[' || COALESCE({self._db.joined('r')}, '') || ']' FROM "
            f"(SELECT {self._db.json_row(_POINT_COLUMNS)} AS r FROM events WHERE {placed} "
            f"ORDER BY {self._db.event_order}) AS points",
            params,
        ).fetchone()
        unplaced = " AND ".join([*where, "(latitude IS NULL OR longitude IS NULL)"])
        count = self._db.execute(f"SELECT COUNT(*) FROM events WHERE {unplaced}", params)
        return str(row[0]), int(count.fetchone()[0])

    def point_rows_of(self, event_ids: list[str], filters: EventFilter) -> dict[str, str]:
        """The ``POINT_FIELDS`` row (JSON text) of each of ``event_ids`` that matches
        ``filters`` and is placed; the others are left out."""
        if not event_ids:
            return {}
        where, params = where_clauses(filters, self._db)
        marks = ", ".join("?" * len(event_ids))
        placed = " AND ".join(
            [*where, f"id IN ({marks})", "latitude IS NOT NULL", "longitude IS NOT NULL"]
        )
        rows = self._db.execute(
            f"SELECT id, {self._db.json_row(_POINT_COLUMNS)} FROM events WHERE {placed}",
            [*params, *event_ids],
        )
        return {row[0]: row[1] for row in rows}

    def stats(self, filters: EventFilter) -> dict[str, Any]:
        """Events, killed and injured (sums of the best figures known) in all, by day, by
        event type and by first-level region."""
        where, params = where_clauses(filters, self._db)
        condition = " WHERE " + " AND ".join(where) if where else ""

        def grouped(column: str, name: str, order: str) -> list[dict[str, Any]]:
            rows = self._db.execute(
                f"SELECT {column} AS {name}, {_TOTALS} FROM events{condition} "
                f"GROUP BY {column} ORDER BY {order}",
                params,
            )
            return [dict(row) for row in rows]

        total = self._db.execute(f"SELECT {_TOTALS} FROM events{condition}", params)
        return {
            "total": dict(total.fetchone()),
            "by_day": [day for day in grouped("event_date", "date", "event_date") if day["date"]],
            "by_type": grouped("event_type", "type", "events DESC, event_type"),
            "by_admin1": grouped("admin1", "admin1", "events DESC, admin1"),
        }
