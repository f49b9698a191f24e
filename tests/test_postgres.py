"""What only a shared PostgreSQL store must show: the same events as SQLite from the same
reports, the SQL versions of the functions SQLite takes from Python, its block index, and clear
errors. (Everything else, many writers at once too, runs on both backends through the
``store_location`` and ``db`` fixtures.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, running_pg
from khronika.cli import main
from khronika.store import Store, StoreError
from khronika.store.filters import normalize_admin1
from khronika.store.postgres import display_name, fold


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Any:
    return running_pg(request)


def events_by_id(location: str | Path) -> dict[str, dict[str, Any]]:
    with Store(location) as store:
        return {event["id"]: event for event in store.query_events()}


def test_the_examples_give_the_same_events_on_both_engines(
    built: Path, built_pg: str, pg: Any
) -> None:
    on_sqlite = events_by_id(built)
    on_postgres = events_by_id(pg.create_database(built_pg))
    assert on_sqlite and on_postgres.keys() == on_sqlite.keys()
    for event_id, event in on_sqlite.items():
        assert on_postgres[event_id] == event, event_id


def test_admin1_names_and_distances_agree_with_python(pg: Any) -> None:
    names = ["Kharkiv Oblast", "  kharkiv   oblast ", "Kyiv City", "Mykolaiv’s Region", "Oblast"]
    names += ["Donetsk Region Oblast", "Zaporizhzhia", "Одеська область"]
    with Store(pg.create_database()) as store:
        for name in names:
            row = store._db.execute("SELECT normalize_admin1(?)", (name,)).fetchone()
            assert row[0] == normalize_admin1(name), name
        row = store._db.execute("SELECT haversine_km(50.0, 36.23, 46.48, 30.72)").fetchone()
    from khronika.store.filters import haversine_km

    assert abs(row[0] - haversine_km(50.0, 36.23, 46.48, 30.72)) < 1e-6


def test_linking_blocks_are_found_through_the_spatial_index(built_pg: str, pg: Any) -> None:
    """The block query a mention's linking asks is answered by the GiST rectangle index (not
    a scan of every row, which is what B-trees on each bound gave), with the same rows as the
    plain comparisons."""
    with Store(pg.create_database(built_pg)) as store:
        rows = store._db.execute(
            "SELECT day_min, day_max, lat_min, lat_max, lon_min, lon_max FROM mention_reach"
        ).fetchall()
        assert rows
        overlaps, params = store._db.box_overlaps("b", tuple(rows[0]))
        query = f"SELECT count(*) FROM mention_boxes b WHERE {overlaps}"
        store._db.execute("SET enable_seqscan = off")  # the examples' store is small
        plan = " ".join(r[0] for r in store._db.execute(f"EXPLAIN {query}", params).fetchall())
        assert "mention_boxes_block" in plan, plan
        for bounds in rows:
            overlaps, params = store._db.box_overlaps("b", tuple(bounds))
            indexed = store._db.execute(
                f"SELECT count(*) FROM mention_boxes b WHERE {overlaps}", params
            )
            plain = store._db.execute(
                "SELECT count(*) FROM mention_boxes b WHERE b.day_max >= ? AND b.day_min <= ? "
                "AND b.lat_max >= ? AND b.lat_min <= ? AND b.lon_max >= ? AND b.lon_min <= ?",
                tuple(bounds),
            )
            assert indexed.fetchone()[0] == plain.fetchone()[0] > 0


def test_a_version_4_store_trades_its_block_b_trees_for_the_spatial_index(pg: Any) -> None:
    url = pg.create_database()
    with Store(url) as store, store.transaction():  # back to what a version 4 store had
        for table in ("mention_boxes", "mention_reach"):
            store._db.execute(f"DROP INDEX {table}_block")
            store._db.execute(f"CREATE INDEX {table}_day ON {table} (day_min, day_max)")
        store._db.execute("ALTER TABLE reports DROP COLUMN warnings")
        store._db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with Store(url) as store:
        names = {
            row[0]
            for row in store._db.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('mention_boxes', "
                "'mention_reach')"
            )
        }
        assert store.schema_version() == 5
    assert {"mention_boxes_block", "mention_reach_block"} <= names
    assert not {"mention_boxes_day", "mention_reach_day"} & names


def test_search_folds_latin_diacritics_but_not_cyrillic_letters() -> None:
    assert fold("Khárkiv ÉCOLE") == "kharkiv ecole"
    assert fold("Йосипівка") == "йосипівка"


def test_unreachable_server_and_missing_store_are_clear_errors(pg: Any) -> None:
    with pytest.raises(StoreError, match="cannot connect") as caught:
        Store("postgresql://someone:secret@127.0.0.1:9/nowhere")
    assert "secret" not in str(caught.value)
    assert display_name("postgresql://u:pw@h:5/d") == "postgresql://u@h:5/d"
    with pytest.raises(StoreError, match="no Khronika database here"):
        Store(pg.create_database(), create=False)
    assert main(["events", "--db", pg.url("absent_database")]) == 1


def test_cli_ingest_events_and_show_on_a_url(
    pg: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg.create_database()
    assert main(["ingest", "--db", url, str(EXAMPLES)]) == 0
    capsys.readouterr()
    assert main(["events", "--db", url, "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 20
    first = json.loads(lines[0])["id"]
    assert main(["show", "--db", url, first]) == 0
    assert first in capsys.readouterr().out
