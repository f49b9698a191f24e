"""The evaluation library: scoring rules per field, file quirks, sampling and the runner."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from khronika.evaluate import (
    EvalInputError,
    ExtractorError,
    fatalities_stated,
    format_text,
    read_cases,
    score_acled,
    score_cases,
    score_ucdp,
)
from khronika.evaluate.command import main
from khronika.evaluate.normalize import admin1_key, admin1_loose_match, haversine_km
from khronika.places import Gazetteer
from khronika.records import Report

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "evaluate"
ACLED_UA = FIXTURES / "acled-ukraine-mini.csv"
ACLED_SO = FIXTURES / "acled-somalia-mini.csv"
UCDP = FIXTURES / "ucdp-mini.csv"
CASES = FIXTURES / "cases-mini.jsonl"
SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def event(
    event_type: str = "Explosions/Remote violence",
    sub_event_type: str = "Shelling/artillery/missile attack",
    event_date: str | None = None,
    admin1: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    fatalities: int | None = None,
    injured: int | None = None,
    name: str = "somewhere",
    weapons: tuple[str, ...] = (),
    history: tuple[int, ...] = (),
) -> dict[str, Any]:
    """An event dict in the ``Event.to_dict()`` shape, with only what scoring reads."""
    return {
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "event_date": event_date,
        "location": {"name": name, "admin1": admin1, "latitude": lat, "longitude": lon},
        "fatalities": {"best": fatalities, "history": [{"value": v} for v in history]},
        "injured": {"best": injured, "history": []},
        "weapons": [{"kind": kind} for kind in weapons],
        "background": False,
    }


class FakeExtractor:
    """Returns prepared events for reports whose text contains a key; records every report."""

    def __init__(
        self,
        events: Mapping[str, list[dict[str, Any]]],
        background: Mapping[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.events = events
        self.background = background or {}
        self.reports: list[Report] = []

    def __call__(self, report: Report) -> dict[str, Any]:
        self.reports.append(report)
        found = [v for k, v in self.events.items() if k in report.text]
        back = [v for k, v in self.background.items() if k in report.text]
        return {"events": found[0] if found else [], "background": back[0] if back else []}


def nothing(report: Report) -> dict[str, Any]:
    return {"events": []}


def north_of(lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point ``km`` north of (lat, lon)."""
    return lat + km / 111.195, lon


# --- ACLED -----------------------------------------------------------------------------


def perfect_acled() -> FakeExtractor:
    return FakeExtractor(
        {
            "Kupiansk": [
                event(
                    event_date="2023-03-02",
                    admin1="Kharkiv Oblast",
                    lat=49.7106,
                    lon=37.6156,
                    fatalities=2,
                )
            ],
            "Bakhmut": [event("Battles", "Armed clash", "2023-03-05", "Donetsk", 48.5956, 38.0003)],
            "Orikhiv": [
                event(
                    sub_event_type="Air/drone strike",
                    event_date="2023-03-07",
                    admin1="zaporizhia region",
                    lat=47.5676,
                    lon=35.7855,
                    fatalities=0,
                )
            ],
            "Kherson": [
                event(
                    event_date="2023-03-09",
                    admin1="Kherson",
                    lat=46.6354,
                    lon=32.6169,
                    fatalities=9,
                )
            ],
            "demonstrated in Kyiv": [
                event("Protests", "Peaceful protest", "2023-03-11", "Kyiv City", 50.4501, 30.5234)
            ],
            "Bilopillia": [
                event(
                    "Violence against civilians",
                    "Attack",
                    "2023-03-12",
                    "Sumy",
                    51.15,
                    34.3128,
                    fatalities=1,
                    injured=3,
                )
            ],
            "Black Sea": [event("Strategic developments", "Other", "2023-03-14", None, 45.0, 31.0)],
        }
    )


def test_acled_perfect_extraction_scores_every_field_right() -> None:
    result = score_acled(ACLED_UA, perfect_acled())
    assert result.rows == 7
    for name, score in result.fields.items():
        assert score.right == score.scored, name
    # admin1 only where gold has one; place_10km only on geo_precision 1 rows
    assert result.fields["admin1"].scored == 6
    assert result.fields["place_10km"].scored == 4
    assert result.fields["place_10km_any_precision"].scored == 7
    assert result.fields["place_25km"].scored == 7
    assert result.misses == []


def test_acled_fatalities_rows_exclude_split_unknown_and_coded() -> None:
    result = score_acled(ACLED_UA, perfect_acled())
    # stated: Kupiansk (two), Orikhiv (no casualties), Bilopillia (one);
    # not: Bakhmut (casualties unknown), Kherson (split across), Kyiv (crowd size), Black Sea
    assert result.fields["fatalities"].scored == 3
    somalia = score_acled(ACLED_SO, nothing)
    assert somalia.fields["fatalities"].scored == 1  # the "coded as 3" row is left out


@pytest.mark.parametrize(
    ("notes", "stated"),
    [
        ("On 2 March 2023, Russian forces shelled Izium. Two civilians were killed.", True),
        ("On 2 March 2023, forces clashed. 4 militants were killed.", True),
        ("On 2 March 2023, a shell hit a house. There were no casualties.", True),
        ("On 2 March 2023, dozens of soldiers were killed in the assault.", True),
        ("On 2 March 2023, forces clashed near Avdiivka. Casualties unknown.", False),
        ("On 2 March 2023, 6 were killed [6 fatalities split across 2 events].", False),
        (
            "On 2 March 2023, an airstrike hit a camp. Unspecified number of fatalities "
            "coded as 3.",
            False,
        ),
        ("On 2 March 2023, an unknown number of people were killed.", False),
        ("On 2 March 2023, several people were killed in the strike.", False),
        ("On 2 March 2023, a man was killed near Kupiansk.", False),
        ("On 2 March 2023, an Su-25 jet crashed, killing the pilot.", False),
        ("On 14 August 2020, about 20 people protested outside the embassy.", False),
        ("On 9 March 2023, shelling killed civilians 25 km from the front.", False),
        ("On 9 March 2023, shelling injured 3 people in Nikopol.", False),
    ],
)
def test_fatalities_stated_rule(notes: str, stated: bool) -> None:
    assert fatalities_stated(notes) is stated


def test_acled_null_fatalities_is_wrong_but_right_when_read_as_zero() -> None:
    extractor = FakeExtractor(
        {"Orikhiv": [event(event_date="2023-03-07", lat=47.5676, lon=35.7855, fatalities=None)]}
    )
    result = score_acled(ACLED_UA, extractor, limit=3)
    assert result.fields["fatalities"].right == 0
    assert result.fields["fatalities"].scored == 2
    assert result.fields["fatalities_null_as_0"].right == 1
    assert result.fields["fatalities_null_as_0"].scored == 2


def test_acled_no_event_counts_every_field_wrong() -> None:
    result = score_acled(ACLED_UA, nothing)
    assert result.fields["event_found"].right == 0
    assert all(score.right == 0 for score in result.fields.values())
    assert result.fields["event_type"].scored == 7
    assert len(result.misses) == 7
    assert all(miss.extracted is None for miss in result.misses)
    assert result.confusion["Battles"] == {"(no event)": 1}


def test_acled_place_thresholds_by_distance() -> None:
    near = north_of(49.7106, 37.6156, 8)
    middle = north_of(48.5956, 38.0003, 15)
    far = north_of(50.4501, 30.5234, 40)
    extractor = FakeExtractor(
        {
            "Kupiansk": [event(lat=near[0], lon=near[1])],
            "Bakhmut": [event(lat=middle[0], lon=middle[1])],
            "demonstrated in Kyiv": [event(lat=far[0], lon=far[1])],
        }
    )
    result = score_acled(ACLED_UA, extractor)
    assert result.fields["place_10km"].right == 1  # Kupiansk; Bakhmut is geo_precision 2
    assert result.fields["place_10km_any_precision"].right == 1
    assert result.fields["place_25km"].right == 2
    ranked = result.ranked_misses()
    assert ranked[0].row_id == "acled:UKRT005"  # the 40 km miss comes first
    assert ranked[0].distance_km == pytest.approx(40, abs=0.5)
    assert ranked[1].row_id == "acled:UKRT002"


def test_acled_misses_order_type_confusion_before_fatalities() -> None:
    extractor = FakeExtractor(
        {
            "Kupiansk": [
                event(
                    event_date="2023-03-02",
                    admin1="Kharkiv",
                    lat=49.7106,
                    lon=37.6156,
                    fatalities=5,
                )
            ],
            "Bilopillia": [
                event("Battles", "Armed clash", "2023-03-12", "Sumy", 51.15, 34.3128, fatalities=1)
            ],
        }
    )
    result = score_acled(ACLED_UA, extractor)
    ranked = [miss.row_id for miss in result.ranked_misses() if miss.extracted is not None]
    assert ranked == ["acled:UKRT006", "acled:UKRT001"]
    assert result.confusion["Violence against civilians"] == {"Battles": 1}


def test_acled_reports_carry_notes_id_and_no_publication_date() -> None:
    extractor = FakeExtractor({})
    score_acled(ACLED_SO, extractor)
    report = extractor.reports[0]
    assert report.id == "acled:SOMT001"
    assert report.text.startswith("On 3 May 2025")
    assert report.published is None
    assert report.language == "en"


def test_acled_iso_dates_and_other_column_order_are_read() -> None:
    extractor = FakeExtractor(
        {
            "Afgooye": [
                event(
                    "Battles",
                    "Armed clash",
                    "2025-05-03",
                    "Lower Shabelle",
                    2.1381,
                    45.1212,
                    fatalities=4,
                )
            ]
        }
    )
    result = score_acled(ACLED_SO, extractor)
    assert result.fields["event_date"].right == 1
    assert result.fields["fatalities"].right == 1


@pytest.mark.parametrize(
    ("gold", "predicted", "same"),
    [
        ("Donetsk", "Donetsk Oblast", True),
        ("Zaporizhia", "zaporizhia region", True),
        ("Ivano-Frankivsk", "Ivano Frankivsk", True),
        ("Kropyvnytskyi", "Kropyvnyts’kyi", True),
        ("Kyiv City", "Kyiv", False),
        ("Kharkiv", "Kherson", False),
    ],
)
def test_admin1_key(gold: str, predicted: str, same: bool) -> None:
    assert (admin1_key(gold) == admin1_key(predicted)) is same


def test_haversine_known_distance() -> None:
    # Kyiv to Kharkiv is about 410 km
    assert haversine_km(50.4501, 30.5234, 49.9935, 36.2304) == pytest.approx(410, abs=10)


def test_acled_bad_row_is_named(tmp_path: Path) -> None:
    lines = ACLED_SO.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2025-05-04", "May the 4th")
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert score_acled(broken, nothing, limit=1).rows == 1  # unselected rows are not parsed
    with pytest.raises(EvalInputError, match=r"broken\.csv, line 3: event_date 'May the 4th'"):
        score_acled(broken, nothing)


def test_acled_missing_column_is_named(tmp_path: Path) -> None:
    lines = ACLED_SO.read_text(encoding="utf-8").splitlines()
    stripped = tmp_path / "nonotes.csv"
    stripped.write_text(lines[0].replace(",notes,", ",remarks,") + "\n", encoding="utf-8")
    with pytest.raises(EvalInputError, match="nonotes.csv: missing column.*notes"):
        score_acled(stripped, nothing)


def test_extractor_failure_names_the_row() -> None:
    def broken(report: Report) -> dict[str, Any]:
        raise KeyError("lexicon")

    with pytest.raises(
        ExtractorError, match=r"acled:SOMT001 \(.*acled-somalia-mini\.csv, line 2\)"
    ):
        score_acled(ACLED_SO, broken)
    with pytest.raises(ExtractorError, match="'events' is not a list"):
        score_acled(ACLED_SO, lambda report: {"events": "none"})


# --- sampling --------------------------------------------------------------------------


def test_sample_is_reproducible_and_seeded() -> None:
    def sampled(seed: int) -> list[str]:
        extractor = FakeExtractor({})
        score_acled(ACLED_UA, extractor, sample=3, seed=seed)
        return [report.id for report in extractor.reports]

    assert sampled(7) == sampled(7)
    assert len(set(sampled(7))) == 3
    assert len({tuple(sampled(seed)) for seed in range(6)}) > 1


def test_limit_takes_first_rows_and_sample_must_fit() -> None:
    extractor = FakeExtractor({})
    score_acled(ACLED_UA, extractor, limit=2)
    assert [r.id for r in extractor.reports] == ["acled:UKRT001", "acled:UKRT002"]
    with pytest.raises(ValueError, match="sample of 5 rows asked from only 2"):
        score_acled(ACLED_UA, nothing, limit=2, sample=5)


# --- UCDP ------------------------------------------------------------------------------


def test_ucdp_deaths_range_place_date_admin1(gaz: Gazetteer) -> None:
    extractor = FakeExtractor(
        {
            "Donetsk suburb": [
                event(
                    event_date="2015-01-27",
                    admin1="Donets'ka Oblast'",
                    lat=48.0159,
                    lon=37.8028,
                    fatalities=3,
                )
            ],
            "Three soldiers": [
                event(
                    event_date="2016-03-05",
                    admin1="Luhansk",
                    lat=48.4174,
                    lon=39.3741,
                    fatalities=6,
                )
            ],
            "Blast in Kiev": [
                event(
                    event_date="2017-05-14",
                    admin1="Kyiv City",
                    lat=50.45,
                    lon=30.52333,
                    fatalities=1,
                )
            ],
            "mine hits bus": [event(event_date="2018-08-29", fatalities=None)],
        }
    )
    result = score_ucdp(UCDP, extractor)
    fields = result.fields
    assert (fields["fatalities"].right, fields["fatalities"].scored) == (2, 4)  # 3∈[2,3]; 1=best
    assert fields["fatalities_null_as_0"].right == 2
    assert (fields["place_25km"].right, fields["place_25km"].scored) == (3, 3)  # where_prec 4 out
    # the gazetteer alone on where_description, where the row has one
    location_text = fields["place_25km_location_text"]
    assert (location_text.right, location_text.scored) == (1, 1)
    # the places the headlines name, event or not: Donetsk, Luhansk's airport, Kiev
    ceiling = fields["place_25km_headline_ceiling"]
    assert (ceiling.right, ceiling.scored) == (3, 3)
    assert (fields["admin1"].right, fields["admin1"].scored) == (3, 3)  # empty adm_1 out
    assert (fields["event_date"].right, fields["event_date"].scored) == (3, 4)  # 08-29 < 08-30
    assert result.confusion["UCDP 3 one-sided"] == {"Explosions/Remote violence": 2}


def test_ucdp_high_zero_uses_best() -> None:
    # row 9003 has low 0, high 0, best 1: [low, high] would wrongly accept 0 and reject 1
    zero = FakeExtractor({"Blast in Kiev": [event(fatalities=0)]})
    assert score_ucdp(UCDP, zero).fields["fatalities"].right == 0
    one = FakeExtractor({"Blast in Kiev": [event(fatalities=1)]})
    assert score_ucdp(UCDP, one).fields["fatalities"].right == 1


def test_ucdp_main_event_is_first_headline_that_yields_one() -> None:
    extractor = FakeExtractor(
        {
            "Army says": [],
            "Three soldiers": [event(event_date="2016-03-05", fatalities=3), event()],
        }
    )
    result = score_ucdp(UCDP, extractor, limit=2)
    assert result.fields["event_found"].right == 1
    row_two = [r for r in extractor.reports if r.id.startswith("ucdp:9002")]
    assert [r.id for r in row_two] == ["ucdp:9002:1", "ucdp:9002:2"]
    assert row_two[1].published is not None
    assert row_two[1].published.date().isoformat() == "2016-03-05"
    assert row_two[1].source == "Other Wire"
    assert result.fields["fatalities"].right == 1


def test_ucdp_dates_headline_split_and_cp1252_line() -> None:
    extractor = FakeExtractor({})
    score_ucdp(UCDP, extractor)
    by_id = {report.id: report for report in extractor.reports}
    first = by_id["ucdp:9001:1"]
    assert first.published is not None and first.published.date().isoformat() == "2015-01-27"
    # a headline with ';' is kept whole (read from source_article)
    assert by_id["ucdp:9003:1"].text == "Blast in Kiev; police open terrorism probe"
    assert "ucdp:9003:2" not in by_id
    # the cp1252 line decodes its curly apostrophe; the UTF-8 line keeps its own
    assert by_id["ucdp:9004:1"].text.endswith("Donets’k")
    assert by_id["ucdp:9002:2"].text.endswith("Luhansk’s airport")


@pytest.mark.parametrize(
    ("gold", "predicted", "same"),
    [
        ("Donetsk oblast", "Donetsk", True),
        ("Donets'ka Oblast'", "Donetsk Oblast", True),
        ("Kiev Special Republican city", "Kyiv City", True),
        ("Kiev Special Republican city", "Kyiv", False),
        ("Luhansk oblast", "Lugansk", True),
        ("Odessa oblast", "Odes'ka", True),
        ("Kharkiv oblast", "Kherson", False),
        ("Donetsk oblast", None, False),
    ],
)
def test_admin1_loose_match(gold: str, predicted: str | None, same: bool) -> None:
    assert admin1_loose_match(gold, predicted) is same


# --- cases -----------------------------------------------------------------------------


def kharkiv_events() -> list[dict[str, Any]]:
    return [
        event(
            event_date="2024-05-30",
            admin1="Kharkiv",
            lat=49.99,
            lon=36.23,
            fatalities=3,
            injured=12,
            name="Kharkiv",
            weapons=("missile",),
            history=(3,),
        ),
        event(sub_event_type="Air/drone strike", name="Liubotyn", fatalities=None),
    ]


def test_cases_read_and_scored() -> None:
    cases = read_cases(CASES)
    assert [case.id for case in cases] == ["kharkiv-two-strikes", "odesa-port", "background-only"]
    extractor = FakeExtractor(
        {
            "Kharkiv overnight": kharkiv_events(),
            "port of Odesa": [
                event(
                    sub_event_type="Air/drone strike",
                    admin1="Odesa Oblast",
                    injured=2,
                    fatalities=0,
                    weapons=("drone",),
                )
            ],
        },
        background={"Chasiv Yar": [event("Battles", "Armed clash", name="Chasiv Yar")]},
    )
    result = score_cases(CASES, extractor)
    fields = result.fields
    assert (fields["location"].right, fields["location"].scored) == (2, 2)
    assert (fields["place"].right, fields["place"].scored) == (1, 1)
    assert (fields["fatalities"].right, fields["fatalities"].scored) == (2, 3)  # odesa: 0≠null
    assert (fields["events_found"].right, fields["events_found"].scored) == (1, 1)
    assert (fields["min_events"].right, fields["min_events"].scored) == (1, 1)
    assert (fields["absent_values"].right, fields["absent_values"].scored) == (1, 1)
    assert (fields["weapons"].right, fields["weapons"].scored) == (2, 2)
    # the background-only case has no main event
    assert (fields["background"].right, fields["background"].scored) == (0, 1)
    assert extractor.reports[0].published is not None
    assert extractor.reports[2].published is None


def test_cases_absent_values_and_merged_events_fail() -> None:
    merged = event(
        event_date="2024-05-30",
        admin1="Kharkiv",
        lat=49.99,
        lon=36.23,
        fatalities=15,
        injured=12,
        name="Kharkiv",
        weapons=("missile",),
        history=(3, 15),
    )
    result = score_cases(CASES, FakeExtractor({"Kharkiv overnight": [merged]}), limit=1)
    assert result.fields["absent_values"].right == 0
    assert result.fields["events_found"].right == 0  # the main event is not reused
    assert result.fields["min_events"].right == 0
    assert "absent_values 15" in result.misses[0].fields


def test_cases_bad_key_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x", "text": "A drone hit Sumy.", "published": null,'
        ' "expect": {"events": [{"casualties": 3}]}}\n',
        encoding="utf-8",
    )
    with pytest.raises(EvalInputError, match=r"bad\.jsonl, line 1 \(case x\).*casualties"):
        read_cases(bad)
    bad.write_text('{"id": "y", "text": "x", "published": "31/05/2024", "expect": {}}\n')
    with pytest.raises(EvalInputError, match="published"):
        read_cases(bad)


# --- output and runner -----------------------------------------------------------------


def test_text_report_has_table_confusion_and_misses() -> None:
    text = format_text(score_acled(ACLED_UA, nothing), misses=2)
    assert "event_type" in text and "0/7" in text
    assert "gold \\ predicted" in text
    assert "worst misses (2 of 7)" in text
    assert "fatalities_null_as_0" in text


def test_runner_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["acled", str(ACLED_UA), "--json", "--misses", "3"], extractor=perfect_acled())
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["dataset"] == "acled"
    assert payload["rows"] == 7
    assert payload["fields"]["event_type"] == {
        "right": 7,
        "scored": 7,
        "share": 1.0,
        "note": payload["fields"]["event_type"]["note"],
    }
    assert set(payload) >= {"fields", "confusion", "misses", "misses_total", "notes"}
    assert payload["misses"] == []


def test_runner_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ucdp", "/nonexistent/gold.csv"], extractor=nothing) == 2
    assert "/nonexistent/gold.csv" in capsys.readouterr().err


def test_module_runner_process_exit_codes(tmp_path: Path) -> None:
    missing = subprocess.run(
        [sys.executable, "-m", "khronika.evaluate", "cases", str(tmp_path / "none.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert "none.jsonl" in missing.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "khronika.evaluate", "cases", str(CASES), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["rows"] == 3


# --- real data (skipped without ../shared) ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "scorer"),
    [
        ("acled-ukraine-2018-2023.csv", score_acled),
        ("acled-somalia-2025.csv", score_acled),
        ("ucdp-ukraine-2014-2021.csv", score_ucdp),
    ],
)
def test_real_files_read(name: str, scorer: Any) -> None:
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    result = scorer(path, nothing, sample=40, seed=3)
    assert result.rows == 40
    assert result.fields["event_found"].scored == 40


@pytest.mark.parametrize("fmt", ["acled", "ucdp"])
def test_khronika_scores_its_own_export(
    fmt: str, built: Path, tmp_path: Path, gaz: Gazetteer
) -> None:
    """The examples' events exported as ACLED or UCDP read back as gold: a row with no text
    (a UCDP row of a report without a title) is skipped and counted, one with no death count
    is not scored on deaths, and the rest come back as extracted."""
    from khronika.cli import main as cli_main

    exported = tmp_path / f"own.{fmt}.csv"
    assert cli_main(["events", "--db", str(built), "--format", fmt, "--output", str(exported)]) == 0
    with exported.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    text = "notes" if fmt == "acled" else "source_headline"
    count = "fatalities" if fmt == "acled" else "best"
    with_text = [row for row in rows if row[text].strip()]
    assert 0 < len(with_text) <= len(rows)
    result = (score_acled if fmt == "acled" else score_ucdp)(exported)
    assert result.rows == len(with_text)
    skipped = [n for n in result.notes if "skipped, no text" in n]
    assert len(skipped) == (len(rows) > len(with_text))
    assert result.fields["event_found"].share >= 0.8
    if fmt == "ucdp":
        assert result.fields["fatalities"].scored == sum(1 for r in with_text if r[count])
