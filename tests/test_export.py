"""Every export format, read back the way its users read it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from khronika import export
from khronika.records import Evidence, Source, Weapon, content_id
from test_store import make_event

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REPORT = content_id("export fixtures")


def sample_events() -> list[dict[str, Any]]:
    kharkiv = make_event(REPORT, 0, killed=(5, 7), injured=(16, 20), civilian_targeting=True)
    kharkiv.weapons.append(Weapon("drone", Evidence(REPORT, 0, 5, "drone", "weapon.kind")))
    kharkiv.sources.append(
        Source(REPORT, "Example News", "Volodymyr Zelenskyy", "X", "q", 0, 1, "src.x")
    )
    kharkiv.sources.append(
        Source(REPORT, "Example News", "Oleh Syniehubov", "Telegram", "q", 5, 6, "src.tg")
    )
    mogadishu = make_event(
        REPORT, 1, place="Mogadishu", event_type="Battles", sub_event_type="Armed clash"
    )
    mogadishu.date_precision = "week"
    nowhere = make_event(
        REPORT,
        2,
        place=None,
        event_date=None,
        event_type="Strategic developments",
        sub_event_type="Other",
    )
    return [event.to_dict() for event in (kharkiv, mogadishu, nowhere)]


def render(write: Any, events: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    write(events, out)
    return out.getvalue()


def test_jsonl_round_trips() -> None:
    events = sample_events()
    lines = render(export.write_jsonl, events).splitlines()
    assert [json.loads(line) for line in lines] == events
    assert "×" not in lines[0]  # plain JSON, no rendering


def test_csv_has_flat_columns_and_reads_back() -> None:
    rows = list(csv.DictReader(io.StringIO(render(export.write_csv, sample_events()))))
    assert len(rows) == 3
    assert tuple(rows[0]) == export.FLAT_COLUMNS
    kharkiv, mogadishu, nowhere = rows
    assert kharkiv["event_date"] == "2024-05-23"
    assert kharkiv["location"] == "Kharkiv" and kharkiv["admin1"] == "Kharkiv"
    assert float(kharkiv["latitude"]) == pytest.approx(49.9935)
    assert (kharkiv["fatalities_best"], kharkiv["injured_best"]) == ("7", "20")
    assert kharkiv["fatalities_low"] == ""
    assert kharkiv["weapons"] == "missile×15; drone"
    assert kharkiv["targets"] == "printing house"
    assert kharkiv["sources"] == "Oleh Syniehubov (Telegram); Volodymyr Zelenskyy (X)"
    assert kharkiv["civilian_targeting"] == "true"
    assert kharkiv["report_ids"] == REPORT
    assert mogadishu["civilian_targeting"] == "false"
    assert nowhere["event_date"] == "" and nowhere["latitude"] == "" and nowhere["location"] == ""


def test_geojson_is_a_feature_collection_of_points() -> None:
    collection = json.loads(render(export.write_geojson, sample_events()))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["type"] for f in features] == ["Feature"] * 3
    kharkiv = features[0]
    assert kharkiv["geometry"] == {"type": "Point", "coordinates": [36.2304, 49.9935]}
    assert tuple(kharkiv["properties"]) == export.FLAT_COLUMNS
    assert kharkiv["properties"]["fatalities_best"] == 7
    assert kharkiv["properties"]["civilian_targeting"] is True
    assert features[2]["geometry"] is None
    assert features[2]["properties"]["latitude"] is None


ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
)


def acled_rows(events: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    out = io.StringIO()
    export.write_acled(events, out, timestamp=1716465600)
    text = out.getvalue()
    return text.splitlines()[0], list(csv.DictReader(io.StringIO(text)))


def test_acled_columns_and_conventions() -> None:
    header, (kharkiv, mogadishu, nowhere) = acled_rows(sample_events())
    assert header == ACLED_HEADER
    assert kharkiv["event_date"] == "2024-05-23" and kharkiv["year"] == "2024"
    assert kharkiv["time_precision"] == "1" and mogadishu["time_precision"] == "2"
    assert kharkiv["disorder_type"] == "Political violence"
    assert (kharkiv["iso"], kharkiv["country"], kharkiv["region"]) == ("804", "Ukraine", "Europe")
    assert (mogadishu["iso"], mogadishu["country"]) == ("706", "Somalia")
    assert mogadishu["region"] == "Eastern Africa"
    assert kharkiv["civilian_targeting"] == "Civilian targeting"
    assert mogadishu["civilian_targeting"] == ""
    assert kharkiv["fatalities"] == "7" and mogadishu["fatalities"] == "0"
    assert kharkiv["source"] == "Example News; Oleh Syniehubov; Volodymyr Zelenskyy"
    assert kharkiv["timestamp"] == "1716465600"
    assert nowhere["disorder_type"] == "Strategic developments"
    assert nowhere["iso"] == "" and nowhere["region"] == "" and nowhere["event_date"] == ""


def test_acled_header_matches_acled_files() -> None:
    sample = SHARED / "eval" / "acled-somalia-2025.csv"
    if not sample.exists():
        pytest.skip("shared evaluation data not present")
    with sample.open(encoding="utf-8") as handle:
        assert handle.readline().strip() == ACLED_HEADER


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("UA", "Europe"),
        ("SY", "Middle East"),
        ("NG", "Western Africa"),
        ("GE", "Caucasus and Central Asia"),
        ("HT", "Caribbean"),
        ("MX", "Central America"),
        ("CO", "South America"),
        ("XX", ""),
    ],
)
def test_acled_regions(country: str, region: str) -> None:
    assert export.acled_region(country) == region


def test_protests_are_demonstrations() -> None:
    protest = make_event(REPORT, event_type="Protests", sub_event_type="Peaceful protest")
    _, [row] = acled_rows([protest.to_dict()])
    assert row["disorder_type"] == "Demonstrations"


def test_table_is_fixed_width_and_truncates() -> None:
    long_place = make_event(REPORT, 3, event_date=date(2024, 5, 24))
    assert long_place.location is not None
    long_place.location.name = "Kholodnohirskyi district of Kharkiv, near the printing house"
    text = export.table([*sample_events(), long_place.to_dict()])
    lines = text.splitlines()
    assert lines[0].split() == [
        "date",
        "type",
        "place",
        "killed",
        "injured",
        "reports",
        "sources",
    ]
    assert lines[-1] == "4 events"
    assert "Kharkiv (Kharkiv)" not in lines[1]  # same name and admin1 are shown once
    assert "Explosion: Shelling/artillery" in lines[1]
    assert "…" in lines[4]
    gaps = 2 * (len(export.TABLE_WIDTHS) - 1)
    assert max(len(line) for line in lines) <= sum(export.TABLE_WIDTHS.values()) + gaps
    killed_column = lines[3][lines[0].index("killed") : lines[0].index("killed") + 6]
    assert killed_column.strip() == "?"  # unknown, not zero


def test_write_dispatches_and_rejects_unknown_formats() -> None:
    out = io.StringIO()
    export.write(sample_events(), "jsonl", out)
    assert len(out.getvalue().splitlines()) == 3
    with pytest.raises(ValueError, match="xlsx"):
        export.write([], "xlsx", io.StringIO())
    with pytest.raises(TypeError, match="binary"):
        export.write([], "parquet", io.StringIO())
