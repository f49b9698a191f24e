"""The command line end to end through ``main(argv)``, with extraction replaced by hand-built
events so the outputs are known exactly."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from khronika import __version__, pipeline
from khronika.cli import main
from khronika.pipeline import Extraction
from khronika.records import Report
from test_store import make_event

REPORTS = {
    "kharkiv.txt": "Missile strike on Kharkiv\n\nAt least seven people were killed in Kharkiv.\n",
    "kyiv.txt": "Drones over Kyiv\n\nDebris fell on a house in Kyiv overnight; nobody was hurt.\n",
    "broken.txt": "Garbled wire copy FAIL FAIL\n",
}


def fake_extract(report: Report) -> Extraction:
    """One event in the place the report names; Kharkiv also gets a background battle."""
    if "FAIL" in report.text:
        raise RuntimeError("tokenizer gave up")
    if "Kharkiv" in report.text:
        main_event = make_event(report.id, 0, killed=(5, 7), injured=(16, 20))
        fighting = make_event(
            report.id,
            1,
            event_date=date(2024, 5, 10),
            event_type="Battles",
            sub_event_type="Armed clash",
            place="Liubotyn",
        )
        return Extraction(report, [main_event], [fighting])
    return Extraction(
        report, [make_event(report.id, 0, place="Kyiv", sub_event_type="Air/drone strike")]
    )


@pytest.fixture(autouse=True)
def extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "extract_report", fake_extract)
    monkeypatch.delenv("KHRONIKA_DB", raising=False)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def db(store_location: str | Path, inputs: Path) -> str | Path:
    """A database holding the Kharkiv and Kyiv reports (the broken one left out), on each
    storage engine."""
    path = store_location
    files = [str(inputs / "kharkiv.txt"), str(inputs / "kyiv.txt")]
    assert main(["ingest", "--db", str(path), *files]) == 0
    return path


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("khronika: error: ")
    return lines[0]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"khronika {__version__}"
    for command in ([], ["extract"], ["ingest"], ["events"], ["show"], ["reports"]):
        assert main([*command, "--help"]) == 0
        assert "usage: khronika" in capsys.readouterr().out


def test_missing_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    one_error_line(capsys.readouterr().err)


def test_extract_prints_one_json_object_per_report(
    inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["extract", "--published", "2024-05-23", str(inputs / "kharkiv.txt")])
    captured = capsys.readouterr()
    assert status == 0 and captured.err == ""
    [line] = captured.out.splitlines()
    record = json.loads(line)
    assert record["report"]["published"] == "2024-05-23T00:00:00"
    assert [e["location"]["name"] for e in record["events"]] == ["Kharkiv"]
    assert [e["event_type"] for e in record["background"]] == ["Battles"]


def test_extract_reports_bad_inputs_and_goes_on(
    inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(inputs / "missing.txt")
    paths = [missing, str(inputs / "broken.txt"), str(inputs / "kyiv.txt")]
    assert main(["extract", *paths]) == 1
    captured = capsys.readouterr()
    assert [
        json.loads(line)["events"][0]["location"]["name"] for line in captured.out.splitlines()
    ] == ["Kyiv"]
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(missing + ": ")
    assert errors[1] == (
        f"{inputs / 'broken.txt'}: extraction failed: RuntimeError: tokenizer gave up"
    )


def test_extract_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(REPORTS["kyiv.txt"].encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["extract", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["events"][0]["location"]["name"] == "Kyiv"


def test_extract_pretty(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--format", "pretty", str(inputs / "kharkiv.txt")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== ")
    assert "2024-05-23 (day)  Explosions/Remote violence / Shelling/artillery/missile attack" in out
    assert "place: Kharkiv, UA (49.9935, 36.2304)" in out
    assert "killed: 7; said: 5 [Oleh Syniehubov, Telegram] → 7 [Oleh Syniehubov, Telegram]" in out
    assert "weapons: missile×15" in out
    background = out.split("background:")[1]
    assert "Battles / Armed clash" in background and "Liubotyn" in background


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["extract", "--published", "23/05/2024", "x"], ("argument --published", "23/05/2024")),
        (["extract", "--lang", "fr", "x"], ("argument --lang", "'fr'")),
        (["extract", "--column", "body=text", "x"], ("argument --column", "'body'")),
        (["extract", "--column", "text", "x"], ("argument --column", "FIELD=COLUMN")),
        (["extract", "--column", "text=a", "--column", "text=b", "x"], ("--column", "'b'")),
        (["extract", "--max-bytes", "0", "x"], ("argument --max-bytes", "'0'")),
        (["extract", "--input-format", "docx", "x"], ("argument --input-format", "'docx'")),
        (["extract"], ("FILE",)),
        (["ingest"], ("--retry-failed",)),
        (["events", "--near", "49.99,36.23"], ("argument --near", "'49.99,36.23'")),
        (["events", "--near", "a,b,c"], ("argument --near", "'a,b,c'")),
        (["events", "--since", "2024-13-01"], ("argument --since", "'2024-13-01'")),
        (["events", "--until", "yesterday"], ("argument --until", "'yesterday'")),
        (["events", "--country", "Narnia"], ("argument --country", "'Narnia'")),
        (["events", "--limit", "0"], ("argument --limit", "'0'")),
        (["events", "--min-killed", "-1"], ("argument --min-killed", "'-1'")),
        (["events", "--min-killed", "many"], ("argument --min-killed", "'many'")),
        (["events", "--format", "xlsx"], ("argument --format", "'xlsx'")),
        (
            ["events", "--since", "2024-06-01", "--until", "2024-05-01"],
            ("--since 2024-06-01", "--until 2024-05-01"),
        ),
    ],
)
def test_bad_values_are_usage_errors(
    argv: list[str], fragments: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err)
    for fragment in fragments:
        assert fragment in line


def test_ingest_stores_skips_and_retries(
    tmp_path: Path,
    inputs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(tmp_path / "k.db")
    assert main(["ingest", "--db", path, str(inputs)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "3 reports read: 2 new, 0 unchanged, 1 failed; 3 mentions stored and linked"
    assert err[1:] == [
        f"{inputs / 'broken.txt'}: extraction failed: RuntimeError: tokenizer gave up"
    ]

    # Read again unchanged, the failed report is not retried, and the run says it still failed.
    assert main(["ingest", "--db", path, str(inputs)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "3 reports read: 0 new, 3 unchanged, 0 failed; 0 mentions stored and linked",
        f"{inputs / 'broken.txt'}: extraction failed: RuntimeError: tokenizer gave up (before; "
        "unchanged since: `khronika ingest --retry-failed` tries it again)",
    ]

    assert main(["reports", "--db", path, "--failed"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and " failed " in listed[0] and "broken.txt" in listed[0]
    assert (
        listed[1].strip()
        == f"error: {inputs / 'broken.txt'}: extraction failed: RuntimeError: tokenizer gave up"
    )

    def forgiving(report: Report) -> Extraction:
        return Extraction(report, [make_event(report.id, 0, place="Kyiv")])

    monkeypatch.setattr(pipeline, "extract_report", forgiving)
    assert main(["ingest", "--db", path, "--retry-failed"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "retried: 1 reports read: 1 new, 0 unchanged, 0 failed; 1 mentions stored and linked"
    ]
    assert main(["reports", "--db", path]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3 and " failed " not in captured.out
    assert "3 reports: 3 done, 0 failed" in captured.err


def test_database_path_comes_from_the_environment(
    tmp_path: Path,
    inputs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KHRONIKA_DB", str(tmp_path / "env.db"))
    assert main(["ingest", str(inputs / "kyiv.txt")]) == 0
    assert (tmp_path / "env.db").exists()
    capsys.readouterr()
    assert main(["events", "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_querying_a_missing_database_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--db", str(tmp_path / "none.db")]) == 1
    assert "none.db: no such database" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "none.db").exists()
    assert main(["ingest", "--db", str(tmp_path / "no-dir" / "k.db"), "x.txt"]) == 1
    assert "cannot open database" in one_error_line(capsys.readouterr().err)


def event_places(argv: list[str], db: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["events", "--db", str(db), "--format", "jsonl", *argv]) == 0
    return [json.loads(line)["location"]["name"] for line in capsys.readouterr().out.splitlines()]


def test_events_filters(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sorted(event_places([], db, capsys)) == ["Kharkiv", "Kyiv"]
    assert sorted(event_places(["--background"], db, capsys)) == ["Kharkiv", "Kyiv", "Liubotyn"]
    assert event_places(["--country", "Ukraine", "--type", "AIR/DRONE STRIKE"], db, capsys) == [
        "Kyiv"
    ]
    assert event_places(["--admin1", "Kharkiv Oblast", "--background"], db, capsys) == [
        "Kharkiv",
        "Liubotyn",
    ]
    assert event_places(["--near", "50.0,36.2,15", "--background"], db, capsys) == ["Kharkiv"]
    assert event_places(["--min-killed", "7"], db, capsys) == ["Kharkiv"]
    assert event_places(["--since", "2024-05-24"], db, capsys) == []
    assert event_places(["--until", "2024-05-10", "--background"], db, capsys) == ["Liubotyn"]
    assert event_places(["--country", "SO"], db, capsys) == []
    assert len(event_places(["--limit", "1"], db, capsys)) == 1


def test_events_in_every_format(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--db", str(db)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("date") and table[-1] == "2 events"

    assert main(["events", "--db", str(db), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted(row["location"] for row in rows) == ["Kharkiv", "Kyiv"]

    assert main(["events", "--db", str(db), "--format", "geojson"]) == 0
    collection = json.loads(capsys.readouterr().out)
    assert len(collection["features"]) == 2

    output = tmp_path / "acled.csv"
    assert main(["events", "--db", str(db), "--format", "acled", "--output", str(output)]) == 0
    assert capsys.readouterr().out == ""
    acled = list(csv.DictReader(output.open(encoding="utf-8", newline="")))
    assert {row["country"] for row in acled} == {"Ukraine"}

    unwritable = str(tmp_path / "no-such-dir" / "out.csv")
    assert main(["events", "--db", str(db), "--output", unwritable]) == 1
    assert "argument --output" in one_error_line(capsys.readouterr().err)


def test_show_gives_the_evidence_of_each_field(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--db", str(db), "--format", "jsonl", "--min-killed", "1"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert main(["show", "--db", str(db), event["id"]]) == 0
    out = capsys.readouterr().out
    report_id = event["report_ids"][0]
    assert f"event {event['id']}" in out
    assert "“on Thursday”" in out and "rule time.weekday" in out
    assert "1. 5, said by Oleh Syniehubov, Telegram" in out
    assert "“7 people killed”" in out and "chars 10-25" in out and "rule casualty.killed" in out
    assert "weapon: missile × 15 (reported), speaker not named" in out
    assert "target: printing house" in out
    assert "source: said by Oleh Syniehubov, Telegram in Example News" in out
    assert f"of report {report_id} (" in out
    assert "kharkiv.txt" in out  # the origin of the report behind the evidence

    assert main(["show", "--db", str(db), "--json", event["id"]]) == 0
    assert json.loads(capsys.readouterr().out) == event


def test_show_unknown_id_suggests_similar_ones(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "--db", str(db), "ev-"]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "no event with id 'ev-'" in line and "ids starting so: ev-" in line
    assert main(["show", "--db", str(db), "zzz"]) == 1
    assert one_error_line(capsys.readouterr().err).endswith("no event with id 'zzz'")
