"""The Parquet and UCDP GED-style exports, read back the way their users read them (pyarrow,
csv.DictReader), through the library, the command line and the HTTP API; and the spreadsheet
formula guard every CSV export shares."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from khronika import __version__, export, export_tables
from khronika.cli import main
from khronika.linking import Linker
from khronika.pipeline import Extraction
from khronika.reconcile import casualties
from khronika.records import Event, Figure, Place, Report
from khronika.serving import app as app_module
from khronika.store import Store
from test_export import REPORT, SHARED, sample_events
from test_store import make_event, make_report, span


def parquet_table(data: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(data))


def parquet_bytes(events: list[dict[str, Any]]) -> bytes:
    out = io.BytesIO()
    export.write(events, "parquet", out)
    return out.getvalue()


def ucdp_rows(events: list[dict[str, Any]], reports: Any = None) -> list[dict[str, str]]:
    out = io.StringIO()
    export.write(events, "ucdp", out, reports=reports)
    text = out.getvalue()
    assert text.splitlines()[0] == ",".join(export_tables.UCDP_COLUMNS)
    return list(csv.DictReader(io.StringIO(text)))


def ucdp_row(event: Event) -> dict[str, str]:
    [row] = ucdp_rows([event.to_dict()])
    return row


# Parquet


def test_parquet_has_typed_columns_and_reads_back() -> None:
    events = sample_events()
    table = parquet_table(parquet_bytes(events))
    assert table.column_names == list(export_tables.PARQUET_COLUMNS)
    schema = table.schema
    assert schema.field("event_date").type == pa.date32()
    assert schema.field("date_end").type == pa.date32()
    assert schema.field("fatalities_best").type == pa.int32()
    assert schema.field("geo_precision").type == pa.int32()
    assert schema.field("latitude").type == pa.float64()
    assert schema.field("weapons").type == pa.list_(pa.string())
    assert schema.field("report_ids").type == pa.list_(pa.string())
    assert schema.field("civilian_targeting").type == pa.bool_()
    kharkiv, mogadishu, nowhere = table.to_pylist()
    assert kharkiv["event_date"] == date(2024, 5, 23)
    assert (kharkiv["fatalities_best"], kharkiv["injured_best"]) == (7, 20)
    assert kharkiv["fatalities_low"] is None  # unknown stays null, not 0
    assert kharkiv["latitude"] == pytest.approx(49.9935)
    assert kharkiv["weapons"] == ["missile×15", "drone"]
    assert kharkiv["targets"] == ["printing house"]
    assert kharkiv["sources"] == ["Oleh Syniehubov (Telegram)", "Volodymyr Zelenskyy (X)"]
    assert kharkiv["report_ids"] == [REPORT]
    assert kharkiv["civilian_targeting"] is True and mogadishu["civilian_targeting"] is False
    assert mogadishu["date_precision"] == "week"
    assert nowhere["event_date"] is None and nowhere["latitude"] is None
    assert nowhere["location"] is None and nowhere["fatalities_best"] is None
    assert [json.loads(text) for text in table.column("json").to_pylist()] == events


def test_parquet_metadata_names_the_version_and_the_export_time() -> None:
    metadata = parquet_table(parquet_bytes(sample_events())).schema.metadata
    stamp = json.loads(metadata[b"khronika"])
    assert stamp["version"] == __version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", stamp["exported"])


def test_parquet_is_written_in_batches() -> None:
    events = [make_event(REPORT, ordinal).to_dict() for ordinal in range(5)]
    chunks = list(export_tables.parquet_chunks(iter(events), batch_events=2))
    assert len(chunks) == 4  # three row groups as they are written, then the footer
    data = b"".join(chunks)
    assert pq.ParquetFile(io.BytesIO(data)).num_row_groups == 3
    assert parquet_table(data).column("id").to_pylist() == [event["id"] for event in events]


def test_parquet_of_nothing_is_a_valid_file() -> None:
    table = parquet_table(parquet_bytes([]))
    assert table.num_rows == 0 and table.schema.field("event_date").type == pa.date32()


# UCDP columns


def test_ucdp_header_is_ucdp_geds() -> None:
    sample = SHARED / "eval" / "ucdp-ukraine-2014-2021.csv"
    if not sample.exists():
        pytest.skip("shared evaluation data not present")
    with sample.open(encoding="utf-8", errors="replace") as handle:
        assert tuple(handle.readline().strip().split(",")) == export_tables.UCDP_COLUMNS


def test_priogrid_cells_are_ucdps() -> None:
    sample = SHARED / "eval" / "ucdp-ukraine-2014-2021.csv"
    if not sample.exists():
        pytest.skip("shared evaluation data not present")
    with sample.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        cell = export_tables.priogrid_gid(float(row["latitude"]), float(row["longitude"]))
        assert str(cell) == row["priogrid_gid"], row["id"]
    assert len(rows) > 2000


def test_ucdp_columns_of_a_strike() -> None:
    report = Report(
        REPORT,
        "text",
        title="Missile strike on Kharkiv",
        published=None,
        source="Example News",
    )
    kharkiv, mogadishu, nowhere = ucdp_rows(sample_events(), reports={REPORT: report}.get)
    assert kharkiv["id"] == kharkiv["relid"] == sample_events()[0]["id"]
    assert kharkiv["year"] == "2024"
    assert (kharkiv["best"], kharkiv["low"], kharkiv["high"]) == ("7", "", "")
    assert (kharkiv["deaths_civilians"], kharkiv["deaths_unknown"]) == ("0", "7")
    assert (kharkiv["deaths_a"], kharkiv["deaths_b"]) == ("", "")
    assert (kharkiv["where_prec"], kharkiv["where_coordinates"]) == ("1", "Kharkiv")
    assert (kharkiv["adm_1"], kharkiv["adm_2"], kharkiv["country"]) == (
        "Kharkiv",
        "Kharkivskyi",
        "Ukraine",
    )
    assert kharkiv["geom_wkt"] == "POINT (36.2304 49.9935)"
    assert kharkiv["priogrid_gid"] == "201313"
    assert kharkiv["number_of_sources"] == "1"
    assert kharkiv["source_office"] == "Example News"
    assert kharkiv["source_headline"] == "Missile strike on Kharkiv"
    assert kharkiv["source_date"] == ""  # the report gives no publication date
    assert kharkiv["source_article"] == '"Example News,,Missile strike on Kharkiv"'
    assert kharkiv["source_original"] == "Oleh Syniehubov;Volodymyr Zelenskyy"
    assert kharkiv["type_of_violence"] == ""  # no actor named: UCDP could not code it
    assert (kharkiv["country_id"], kharkiv["region"], kharkiv["active_year"]) == ("", "", "")
    assert (mogadishu["date_start"], mogadishu["date_end"], mogadishu["date_prec"]) == (
        "2024-05-23",
        "2024-05-29",
        "3",
    )
    for column in ("best", "low", "high", "deaths_civilians", "deaths_unknown"):
        assert mogadishu[column] == nowhere[column] == ""  # unknown is empty, never 0
    for column in ("where_prec", "latitude", "priogrid_gid", "date_start", "year", "date_prec"):
        assert nowhere[column] == ""


@pytest.mark.parametrize(
    ("start", "precision", "end", "expected"),
    [
        (date(2024, 5, 23), "day", None, ("2024-05-23", "1")),
        (date(2024, 5, 23), "day", date(2024, 5, 25), ("2024-05-25", "2")),  # "23-25 May"
        (date(2024, 5, 20), "week", None, ("2024-05-26", "3")),
        (date(2024, 5, 20), "week", date(2024, 5, 23), ("2024-05-23", "2")),  # "this week"
        (date(2024, 5, 23), "day", date(2024, 6, 10), ("2024-06-10", "4")),
        (date(2024, 5, 1), "month", None, ("2024-05-31", "4")),
        (date(2024, 1, 1), "year", None, ("2024-12-31", "5")),
    ],
)
def test_ucdp_date_precision(
    start: date, precision: str, end: date | None, expected: tuple
) -> None:
    event = make_event(REPORT, event_date=start)
    event.date_precision, event.date_end = precision, end  # type: ignore[assignment]
    row = ucdp_row(event)
    assert (row["date_start"], row["date_end"], row["date_prec"]) == (start.isoformat(), *expected)


@pytest.mark.parametrize(
    ("kind", "geo_precision", "coordinates", "expected"),
    [
        ("settlement", 1, True, "1"),
        ("city_district", 1, True, "1"),
        ("settlement", 2, True, "2"),
        ("raion", 2, True, "3"),
        ("admin1", 3, True, "4"),
        ("unknown", 3, True, "4"),  # a name the gazetteer lacks, at its admin1's centre
        ("country", None, True, "6"),
        ("unknown", None, False, "6"),  # only the country is known
    ],
)
def test_ucdp_where_precision(
    kind: str, geo_precision: int | None, coordinates: bool, expected: str
) -> None:
    event = make_event(REPORT)
    assert event.location is not None
    event.location = replace(event.location, place_kind=kind, geo_precision=geo_precision)
    if not coordinates:
        event.location = replace(event.location, latitude=None, longitude=None)
    row = ucdp_row(event)
    assert row["where_prec"] == expected
    assert (row["geom_wkt"] != "") is coordinates


def actors(event_type: str, sub: str, actor1: str | None, actor2: str | None) -> Event:
    event = make_event(REPORT, event_type=event_type, sub_event_type=sub, killed=(5,))
    event.actor1, event.actor2 = actor1, actor2
    return event


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            actors("Battles", "Armed clash", "Al Shabaab", "Military Forces of Somalia"),
            ("1", "Military Forces of Somalia", "Al Shabaab"),  # the state is side_a
        ),
        (
            actors("Battles", "Armed clash", "Russian forces", "Ukrainian forces"),
            ("1", "Russian forces", "Ukrainian forces"),
        ),
        (
            actors("Battles", "Armed clash", "Al Shabaab", "Islamic State Somalia Province"),
            ("2", "Al Shabaab", "Islamic State Somalia Province"),
        ),
        (
            actors("Battles", "Armed clash", "Al Shabaab", "Unidentified Armed Group"),
            ("", "Al Shabaab", "Unidentified Armed Group"),
        ),
        (
            actors("Explosions/Remote violence", "Air/drone strike", "Russian forces", None),
            ("1", "Russian forces", ""),
        ),
        (
            actors("Explosions/Remote violence", "Remote explosive/landmine/IED", None, None),
            ("", "", ""),
        ),
        (
            actors("Violence against civilians", "Attack", "Wagner Group", None),
            ("3", "Wagner Group", "Civilians"),
        ),
        (
            actors("Protests", "Excessive force against protesters", "Protesters", "Police Forces"),
            ("3", "Police Forces", "Civilians"),
        ),
        (actors("Protests", "Peaceful protest", "Protesters", None), ("", "Protesters", "")),
        (
            actors("Strategic developments", "Arrests", "Police Forces", None),
            ("", "Police Forces", ""),
        ),
    ],
)
def test_ucdp_type_of_violence_and_sides(event: Event, expected: tuple[str, str, str]) -> None:
    row = ucdp_row(event)
    assert (row["type_of_violence"], row["side_a"], row["side_b"]) == expected
    both = expected[1] and expected[2]
    assert row["dyad_name"] == (f"{expected[1]} - {expected[2]}" if both else "")


def killed(value: int, group: str, start: int = 10, part: bool = False) -> Figure:
    return Figure("killed", value, "exact", group, span(REPORT, "x", start), part_of_total=part)


def with_figures(*figures: Figure, event_type: str = "Explosions/Remote violence") -> Event:
    event = make_event(REPORT, event_type=event_type, sub_event_type="Attack")
    event.actor1 = "Russian forces"
    event.fatalities = casualties(list(figures), "killed")
    return event


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # "seven people were killed, including three children"
        (with_figures(killed(7, "all"), killed(3, "children", part=True)), ("7", "3", "4")),
        # "five civilians were killed"
        (with_figures(killed(5, "civilians")), ("5", "5", "0")),
        # "one soldier and three civilians were killed"
        (with_figures(killed(1, "combatants"), killed(3, "civilians")), ("4", "3", "1")),
        # "two soldiers were killed", later "four people": the later statement gives best
        (with_figures(killed(2, "combatants"), killed(4, "all", start=50)), ("4", "0", "4")),
        # one-sided violence: its victims are civilians by UCDP's definition
        (
            with_figures(killed(6, "all"), event_type="Violence against civilians"),
            ("6", "6", "0"),
        ),
        (with_figures(), ("", "", "")),
    ],
)
def test_ucdp_deaths_follow_the_figures_groups(event: Event, expected: tuple) -> None:
    row = ucdp_row(event)
    assert (row["best"], row["deaths_civilians"], row["deaths_unknown"]) == expected
    assert (row["deaths_a"], row["deaths_b"]) == ("", "")


def test_ucdp_deaths_of_a_linked_event_come_from_the_chosen_report() -> None:
    event = make_event(REPORT, killed=(5,)).to_dict()
    civilians = {**killed(5, "civilians").to_dict(), "report_id": "r-a"}
    civilians["evidence"] = {**civilians["evidence"], "report_id": "r-a"}
    people = {**killed(5, "all").to_dict(), "report_id": "r-b"}
    people["evidence"] = {**people["evidence"], "report_id": "r-b"}
    event["fatalities"] = {
        "low": 5,
        "best": 5,
        "high": 5,
        "best_from": {"report_id": "r-b"},
        "history": [civilians, people],
    }
    [row] = ucdp_rows([event])
    assert (row["deaths_civilians"], row["deaths_unknown"]) == ("0", "5")
    event["fatalities"]["best_from"] = {"report_id": "r-a"}
    [row] = ucdp_rows([event])
    assert (row["deaths_civilians"], row["deaths_unknown"]) == ("5", "0")


def test_ucdp_low_best_high_are_khronikas() -> None:
    event = make_event(REPORT)
    event.fatalities = casualties(
        [Figure("killed", 7, "at least", "all", span(REPORT, "at least 7", 10))], "killed"
    )
    row = ucdp_row(event)
    assert (row["low"], row["best"], row["high"]) == ("7", "7", "")
    event.fatalities = casualties([killed(3, "all")], "killed")
    row = ucdp_row(event)
    assert (row["low"], row["best"], row["high"]) == ("3", "3", "3")


# Spreadsheet formulas


FORMULAS = ['=HYPERLINK("http://x.example","y")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def formula_event() -> dict[str, Any]:
    event = make_event(REPORT)
    event.location = Place(FORMULAS[3], "US", FORMULAS[2], FORMULAS[4], 40.7, -70.5, 1)
    event.actor1, event.actor2 = FORMULAS[0], FORMULAS[5]
    event.notes = FORMULAS[1]
    event.sources[0].speaker = FORMULAS[0]
    event.sources[0].outlet = FORMULAS[1]
    return event.to_dict()


@pytest.mark.parametrize("fmt", ["csv", "acled", "ucdp"])
def test_csv_cells_never_start_a_formula(fmt: str) -> None:
    out = io.StringIO()
    title = Report(REPORT, "text", title=FORMULAS[0])
    export.write([formula_event()], fmt, out, reports={REPORT: title}.get)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    for column, cell in row.items():
        if cell.startswith(export.FORMULA_STARTS):
            float(cell)  # only a number may start so: a negative longitude
            assert column == "longitude"
    assert row["longitude"] == "-70.5"
    quoted = {"'" + formula.replace("\r", "\n") for formula in FORMULAS}
    assert sum(cell in quoted for cell in row.values()) >= 4
    if fmt == "ucdp":
        assert row["source_headline"] == "'" + FORMULAS[0]
        assert row["side_a"] == "'" + FORMULAS[0]


# Command line and HTTP API


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "k.db"
    with Store(path) as store:
        report = make_report("At least seven killed in Kharkiv.", "Missile strike on Kharkiv")
        assert store.add_report(report)
        event = make_event(report.id, killed=(5, 7), injured=(16, 20))
        event.actor1 = "Russian forces"
        Linker(store).update(store.save_extraction(Extraction(report, [event])))
    return path


def test_cli_writes_parquet_to_a_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "events.parquet"
    assert main(["events", "--db", str(db), "--format", "parquet", "--output", str(output)]) == 0
    assert capsys.readouterr().out == ""
    table = pq.read_table(output)
    [event] = [json.loads(text) for text in table.column("json").to_pylist()]
    assert table.column("id").to_pylist() == [event["id"]]
    assert table.column("fatalities_best").to_pylist() == [7]
    assert b"khronika" in table.schema.metadata


def test_cli_writes_parquet_to_a_pipe_but_not_to_a_terminal(
    db: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["events", "--db", str(db), "--format", "parquet"]) == 0
    data = capsysbinary.readouterr().out
    assert data[:4] == b"PAR1" and parquet_table(data).num_rows == 1

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    assert main(["events", "--db", str(db), "--format", "parquet"]) == 2
    error = capsysbinary.readouterr().err.decode()
    assert "--format parquet is binary: give --output FILE or redirect stdout" in error
    assert sys.stdout.getvalue() == ""


def test_cli_writes_ucdp_with_the_reports_headlines(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--db", str(db), "--format", "ucdp"]) == 0
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["source_headline"] == "Missile strike on Kharkiv"
    assert row["source_date"] == "2024-05-23"
    assert row["source_article"] == '"Example News,2024-05-23,Missile strike on Kharkiv"'
    assert (row["type_of_violence"], row["side_a"], row["best"]) == ("1", "Russian forces", "7")
    output = tmp_path / "ucdp.csv"
    assert main(["events", "--db", str(db), "--format", "ucdp", "--output", str(output)]) == 0
    with output.open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == [row]


@pytest.fixture
def examples_client(built: Path, tmp_path: Path) -> Any:
    copy = tmp_path / "examples.db"
    copy.write_bytes(built.read_bytes())
    with TestClient(app_module.create_app(copy)) as client:
        yield client, copy


def test_api_exports_parquet_and_ucdp(
    examples_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, path = examples_client
    monkeypatch.setattr(app_module, "EXPORT_PAGE", 4)  # several pages, one file
    with Store(path) as store:
        expected = [event["id"] for event in store.query_events()]
    answer = client.get("/api/export", params={"format": "parquet"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    disposition = answer.headers["content-disposition"]
    assert disposition == "attachment; filename=khronika-events.parquet"
    assert parquet_table(answer.content).column("id").to_pylist() == expected

    answer = client.get("/api/export", params={"format": "ucdp"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.text.splitlines()[0] == ",".join(export_tables.UCDP_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["id"] for row in rows] == expected and len(expected) > 8
    assert any(row["source_date"] for row in rows)
