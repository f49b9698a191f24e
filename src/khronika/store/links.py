"""The link tables of the store: which event each mention is in and why, the spatial-temporal
index linking blocks on, the events themselves, redirects of old event ids, and people's
corrections. Plain rows in, plain rows out: the rules live in ``khronika.linking``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from khronika.store.changes import RESET, ChangeLog
from khronika.store.database import Database
from khronika.store.filters import EventFilter, EventKey, normalize_admin1
from khronika.store.transactions import Transactions


@dataclass(frozen=True)
class LinkRow:
    """One mention as linking sees it: its order, its event and its link features."""

    id: str
    sort_key: str
    event_id: str | None
    features: dict[str, Any] | None


@dataclass(frozen=True)
class Box:
    """A block in days (proleptic ordinals) and degrees."""

    day_min: float
    day_max: float
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float


def event_columns(data: dict[str, Any]) -> dict[str, Any]:
    """The filter columns copied out of an event's (or mention's) JSON."""
    place = data.get("location") or {}
    return {
        "background": int(bool(data.get("background"))),
        "event_date": data.get("event_date"),
        "event_type": data.get("event_type"),
        "sub_event_type": data.get("sub_event_type"),
        "country_code": place.get("country_code"),
        "admin1": place.get("admin1"),
        "latitude": place.get("latitude"),
        "longitude": place.get("longitude"),
        "fatalities_best": (data.get("fatalities") or {}).get("best"),
        "injured_best": (data.get("injured") or {}).get("best"),
        "json": json.dumps(data, ensure_ascii=False),
        "place": place.get("name"),
        "geo_precision": place.get("geo_precision"),
    }


def search_text(data: dict[str, Any]) -> tuple[str, str]:
    """What full-text search reads of an event: its notes, and the sentences it is quoted in."""
    quotes = dict.fromkeys(
        source.get("quote") or "" for source in data.get("sources") or [] if source.get("quote")
    )
    return str(data.get("notes") or ""), "\n".join(quotes)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@lru_cache(maxsize=1 << 14)  # a few blocks' worth: some 50 MB, not the whole store
def _parsed(features: str) -> dict[str, Any]:
    """Link features are read again and again while a block is decided; parse each text once.
    Callers only read them."""
    parsed: dict[str, Any] = json.loads(features)
    return parsed


def _link_row(row: Any) -> LinkRow:
    features = _parsed(row["features"]) if row["features"] else None
    return LinkRow(row["id"], row["sort_key"], row["event_id"], features)


class LinkTables(ChangeLog, Transactions):
    """Mixin of ``Store``: the link state, read and written by ``khronika.linking``."""

    _db: Database

    # Mentions as linking sees them

    def _delete_mentions(self, ids: list[str]) -> None:
        for mid in ids:
            row = self._db.execute("SELECT rowid FROM mentions WHERE id = ?", (mid,)).fetchone()
            if row is None:
                continue
            self._db.execute("DELETE FROM mention_boxes WHERE mention_rowid = ?", (row[0],))
            self._db.execute("DELETE FROM mention_reach WHERE mention_rowid = ?", (row[0],))
            self._db.execute("DELETE FROM mentions WHERE id = ?", (mid,))

    def mention_documents(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored JSON of these mentions, by id."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT id, json, event_id FROM mentions WHERE id IN ({marks})", chunk
            ):
                data = json.loads(row["json"])
                data["event_id"] = row["event_id"]
                out[row["id"]] = data
        return out

    def index_mention(
        self, mid: str, features: dict[str, Any], box: Box | None, reach: Box | None = None
    ) -> None:
        """Keep a mention's link features; put it in the block index at ``box`` (its point)
        and ``reach`` (the block it looks into). None for both: never a candidate."""
        row = self._db.execute("SELECT rowid FROM mentions WHERE id = ?", (mid,)).fetchone()
        if row is None:
            raise KeyError(f"no stored mention {mid!r}")
        self._db.execute(
            "UPDATE mentions SET features = ? WHERE id = ?",
            (json.dumps(features, ensure_ascii=False), mid),
        )
        for table, extent in (("mention_boxes", box), ("mention_reach", reach)):
            self._db.execute(f"DELETE FROM {table} WHERE mention_rowid = ?", (row[0],))
            if extent is not None:
                self._db.execute(
                    f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (row[0], extent.day_min, extent.day_max, extent.lat_min, extent.lat_max)
                    + (extent.lon_min, extent.lon_max),
                )

    def mentions_reaching(self, point: Box) -> list[LinkRow]:
        """Mentions whose block contains ``point``: those whose decision may depend on it."""
        return self._box_query("mention_reach", point)

    def mentions_in_box(self, box: Box) -> list[LinkRow]:
        """Indexed mentions whose point lies in ``box``: the candidates of a block."""
        return self._box_query("mention_boxes", box)

    def _box_query(self, table: str, box: Box) -> list[LinkRow]:
        bounds = (box.day_min, box.day_max, box.lat_min, box.lat_max, box.lon_min, box.lon_max)
        overlaps, params = self._db.box_overlaps("b", bounds)
        rows = self._db.execute(
            f"SELECT m.id, m.sort_key, m.event_id, m.features FROM {table} b "
            f"JOIN mentions m ON m.rowid = b.mention_rowid WHERE {overlaps}",
            params,
        )
        return [_link_row(row) for row in rows]

    def link_rows(self, ids: Iterable[str]) -> list[LinkRow]:
        out: list[LinkRow] = []
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id, sort_key, event_id, features FROM mentions WHERE id IN ({marks})",
                chunk,
            )
            out += [_link_row(row) for row in rows]
        return out

    def members(self, event_ids: Iterable[str]) -> list[LinkRow]:
        """The mentions linked into these events."""
        out: list[LinkRow] = []
        for chunk in _chunks(list(event_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT id, sort_key, event_id, features FROM mentions "
                f"WHERE event_id IN ({marks})",
                chunk,
            )
            out += [_link_row(row) for row in rows]
        return out

    def first_keys(self, event_ids: Iterable[str], before: str) -> dict[str, str]:
        """The first sort key of each event among its mentions that sort before ``before``:
        where the event begins as seen by a mention decided at ``before``."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(event_ids)):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                "SELECT event_id, min(sort_key) FROM mentions "
                f"WHERE event_id IN ({marks}) AND sort_key < ? GROUP BY event_id",
                [*chunk, before],
            ):
                out[row[0]] = row[1]
        return out

    def all_mention_ids(self) -> list[str]:
        """Every mention, in the canonical order linking follows."""
        return [row[0] for row in self._db.execute("SELECT id FROM mentions ORDER BY sort_key")]

    def assign(self, mid: str, event_id: str, link: dict[str, Any]) -> None:
        """Put a mention in an event, with the reasons why."""
        self._db.execute(
            "UPDATE mentions SET event_id = ?, link = ? WHERE id = ?",
            (event_id, json.dumps(link, ensure_ascii=False), mid),
        )

    def links_of(self, event_id: str) -> list[dict[str, Any]]:
        """Each mention of an event with why it is there, in canonical order."""
        rows = self._db.execute(
            "SELECT id, report_id, said_at, link FROM mentions WHERE event_id = ? "
            "ORDER BY sort_key",
            (event_id,),
        )
        return [
            {
                "mention_id": row["id"],
                "report_id": row["report_id"],
                "said_at": row["said_at"],
                **(json.loads(row["link"]) if row["link"] else {}),
            }
            for row in rows
        ]

    # Events

    def write_event(self, data: dict[str, Any], sort_key: str) -> None:
        """Replace one event (its row, figures and reports) with ``data``; ``sort_key`` (its
        founding mention's) orders events of one day."""
        event_id = data["id"]
        existed = self._drop_event(event_id)
        self.log_change(event_id, "updated" if existed else "new")
        columns = event_columns(data)
        rowid = self._db.insert_id(
            "INSERT INTO events (id, n_reports, sort_key, "
            + ", ".join(columns)
            + ") VALUES (?, ?, ?"
            + ", ?" * len(columns)
            + ")",
            (event_id, data.get("n_reports", 1), sort_key, *columns.values()),
            "rowid",
        )
        self._db.execute(
            "INSERT INTO events_fts (rowid, notes, quotes) VALUES (?, ?, ?)",
            (rowid, *self._db.search_row(*search_text(data))),
        )
        figures = [
            *(data.get("fatalities") or {}).get("history", []),
            *(data.get("injured") or {}).get("history", []),
        ]
        self._db.executemany(
            "INSERT INTO figures (event_id, kind, value, qualifier, grp, speaker, channel, "
            'report_id, start, "end") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [
                (
                    event_id,
                    f["kind"],
                    f["value"],
                    f["qualifier"],
                    f["group"],
                    f.get("speaker"),
                    f.get("channel"),
                    f["evidence"]["report_id"],
                    f["evidence"]["start"],
                    f["evidence"]["end"],
                )
                for f in figures
            ],
        )
        self._db.executemany(
            "INSERT INTO event_reports (event_id, report_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(event_id, rid) for rid in dict.fromkeys(data.get("report_ids", []))],
        )

    def delete_event(self, event_id: str) -> None:
        if self._drop_event(event_id):
            self.log_change(event_id, "removed")

    def _drop_event(self, event_id: str) -> bool:
        """Delete one event's row and text; whether there was one."""
        row = self._db.execute("SELECT rowid FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            return False
        self._db.execute("DELETE FROM events_fts WHERE rowid = ?", (row[0],))
        self._db.execute("DELETE FROM events WHERE rowid = ?", (row[0],))
        return True

    def index_event_text(self) -> None:
        """Build the full-text index of every stored event again (after a migration)."""
        self._db.execute("DELETE FROM events_fts")
        for row in self._db.execute("SELECT rowid, json FROM events").fetchall():
            self._db.execute(
                "INSERT INTO events_fts (rowid, notes, quotes) VALUES (?, ?, ?)",
                (row[0], *self._db.search_row(*search_text(json.loads(row[1])))),
            )

    def event_exists(self, event_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone()
        return row is not None

    def add_redirect(self, old_id: str, new_id: str, reason: str) -> None:
        """An id that is gone points to the event that now holds its founding mention."""
        if old_id == new_id:
            return
        self._db.execute("DELETE FROM redirects WHERE old_id = ?", (new_id,))
        self._db.execute(
            "INSERT INTO redirects (old_id, new_id, reason, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id, "
            "reason = excluded.reason, at = excluded.at",
            (old_id, new_id, reason, _now()),
        )

    def resolve_event_id(self, event_id: str) -> tuple[str, list[dict[str, Any]]]:
        """The current id of ``event_id`` and the redirects followed to reach it."""
        followed: list[dict[str, Any]] = []
        seen = {event_id}
        current = event_id
        while not self.event_exists(current):
            row = self._db.execute(
                "SELECT new_id, reason, at FROM redirects WHERE old_id = ?", (current,)
            ).fetchone()
            if row is None or row["new_id"] in seen:
                break
            followed.append({"from": current, "to": row["new_id"], "reason": row["reason"]})
            current = row["new_id"]
            seen.add(current)
        return current, followed

    def query_events(self, filters: EventFilter | None = None) -> list[dict[str, Any]]:
        """Stored event JSON matching ``filters``, newest first (undated last)."""
        return list(self.iter_events(filters or EventFilter()))

    def iter_events(self, filters: EventFilter) -> Iterator[dict[str, Any]]:
        for _, text in self.iter_event_json(filters):
            yield json.loads(text)

    def iter_event_json(self, filters: EventFilter) -> Iterator[tuple[EventKey, str]]:
        """Each matching event's stored JSON text (not decoded) with its place in the order:
        newest first, undated last, then the founding mention's order; ``filters.after``
        continues after a given event (keyset paging)."""
        where, params = where_clauses(filters, self._db)
        if filters.after is not None:
            after = filters.after
            if after.event_date is None:
                where.append("(event_date IS NULL AND (sort_key, id) > (?, ?))")
                params += [after.sort_key, after.id]
            else:
                where.append(
                    "(event_date < ? OR event_date IS NULL "
                    "OR (event_date = ? AND (sort_key, id) > (?, ?)))"
                )
                params += [after.event_date, after.event_date, after.sort_key, after.id]
        # The page is chosen from the covering index; only its rows' JSON is read.
        inner = "SELECT rowid FROM events"
        if where:
            inner += " WHERE " + " AND ".join(where)
        inner += f" ORDER BY {self._db.event_order}"
        if filters.limit is not None:
            inner += " LIMIT ?"
            params.append(filters.limit)
        sql = (
            f"SELECT id, event_date, sort_key, json FROM events WHERE rowid IN ({inner}) "
            f"ORDER BY {self._db.event_order}"
        )
        for row in self._db.execute(sql, params):
            yield EventKey(row["event_date"], row["sort_key"], row["id"]), row["json"]

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        """An event by id; an id that was merged or split away follows its redirect."""
        current, followed = self.resolve_event_id(event_id)
        row = self._db.execute("SELECT json FROM events WHERE id = ?", (current,)).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["json"])
        if followed:
            data["redirected_from"] = followed
        return data

    def event_ids_starting(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids that begin with ``prefix``, to suggest when an id was mistyped or shortened."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(
            "SELECT id FROM events WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
            (escaped + "%", limit),
        )
        return [row["id"] for row in rows]

    def figures(self, event_id: str) -> list[dict[str, Any]]:
        """The figure rows of one event, in the order of its history."""
        rows = self._db.execute(
            'SELECT kind, value, qualifier, grp, speaker, channel, report_id, start, "end" '
            "FROM figures WHERE event_id = ? ORDER BY rowid",
            (event_id,),
        )
        return [dict(row) for row in rows]

    def clear_links(self) -> None:
        """Forget every link and event (not redirects or corrections): a full re-link follows."""
        self._db.execute("UPDATE mentions SET event_id = NULL, link = NULL")
        self._db.execute("DELETE FROM events")
        self._db.execute("DELETE FROM events_fts")
        self.log_change(RESET, "reset")

    # People's corrections

    def add_correction(
        self, kind: str, together: list[str], apart: list[str], note: str | None
    ) -> int:
        return self._db.insert_id(
            "INSERT INTO corrections (kind, together, apart, note, at) VALUES (?, ?, ?, ?, ?)",
            (kind, json.dumps(together), json.dumps(apart), note, _now()),
            "id",
        )

    def corrections(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT id, kind, together, apart, note, at FROM corrections")
        return [
            {
                "id": row["id"],
                "kind": row["kind"],
                "together": json.loads(row["together"]),
                "apart": json.loads(row["apart"]),
                "note": row["note"],
                "at": row["at"],
            }
            for row in rows
        ]


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def where_clauses(
    filters: EventFilter, db: Database, table: str = "events"
) -> tuple[list[str], list[Any]]:
    """SQL conditions and their parameters for ``filters`` over ``table`` (events or mentions;
    full-text search covers events only), in ``db``'s dialect."""
    where: list[str] = []
    params: list[Any] = []
    if filters.q is not None:
        if table != "events":
            raise ValueError("full-text search (q) covers linked events, not mentions")
        condition, values = db.text_match(filters.q)
        where.append(condition)
        params += values
    if not filters.include_background:
        where.append("background = 0")
    if filters.since is not None:
        where.append("event_date >= ?")
        params.append(filters.since.isoformat())
    if filters.until is not None:
        where.append("event_date <= ?")
        params.append(filters.until.isoformat())
    if filters.country is not None:
        where.append(db.ci_equal("country_code"))
        params.append(filters.country)
    if filters.admin1 is not None:
        where.append("normalize_admin1(admin1) = ?")
        params.append(normalize_admin1(filters.admin1))
    if filters.event_type is not None:
        where.append(f"({db.ci_equal('event_type')} OR {db.ci_equal('sub_event_type')})")
        params += [filters.event_type, filters.event_type]
    if filters.min_killed is not None:
        where.append("fatalities_best >= ?")
        params.append(filters.min_killed)
    if filters.near is not None:
        near = filters.near
        # A latitude band narrows the rows (using the index) before the exact distance.
        band = near.km / 111.0
        where.append("latitude BETWEEN ? AND ? AND longitude IS NOT NULL")
        params += [near.latitude - band, near.latitude + band]
        where.append("haversine_km(latitude, longitude, ?, ?) <= ?")
        params += [near.latitude, near.longitude, near.km]
    if filters.bbox is not None:
        box = filters.bbox
        where.append("latitude BETWEEN ? AND ?")
        params += [box.south, box.north]
        join = "AND" if box.west <= box.east else "OR"  # OR: the box crosses the antimeridian
        where.append(f"(longitude >= ? {join} longitude <= ?)")
        params += [box.west, box.east]
    return where, params
