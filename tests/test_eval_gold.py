"""``khronika eval gold``: score_gold.py's metrics, the reliability table, misses, bad input.

The gold items below are invented for these tests; the real Warline file is read only by the
last test, which is skipped when ``../shared`` is not beside the repository.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from khronika.evaluate import EvalInputError, format_text
from khronika.evaluate import gold as gold_module
from khronika.evaluate.command import main
from khronika.evaluate.extraction import pipeline_extractor
from khronika.evaluate.gold import read_gold, score_gold
from khronika.evaluate.gold_metrics import (
    F1_TABLE,
    Scores,
    band_of,
    score_gold_json,
    score_language,
)
from khronika.evaluate.result import EvalResult, FieldScore
from khronika.places import Gazetteer
from khronika.records import Report

SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
ERV = "Explosions/Remote violence"
SHELLING = "Shelling/artillery/missile attack"
AIR = "Air/drone strike"


def gold_event(**values: Any) -> dict[str, Any]:
    event = {
        "main": True,
        "event_type": ERV,
        "sub_event_type": SHELLING,
        "place": "somewhere",
        "admin1": None,
        "country_code": "UA",
        "geo_precision": 1,
        "lat": None,
        "lon": None,
        "date": "2023-05-10",
        "killed": None,
        "injured": None,
    }
    event.update(values)
    return event


def item(item_id: str, events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "date": "2023-05-10",
        "en": f"English text of {item_id}.",
        "uk": f"Український текст {item_id}.",
        "source": "test",
        "events": events,
        "texts_differ": False,
        **extra,
    }


G1 = gold_event(place="Alpha", admin1="Donetsk", lat=48.0, lon=37.0, killed=2)
G3 = gold_event(place="Kharkiv Oblast", admin1="Kharkiv Oblast", geo_precision=3, date="2023-05-09")
G4 = gold_event(place="Gamma", admin1="Kherson", lat=46.6, lon=32.6, date="2023-05-11")
ITEMS = [
    item("t-1", [G1]),
    item("t-2", []),
    item("t-3", [G3]),
    item("t-4", [], events_en=[G4], texts_differ=True),
]


def event(
    confidence: float,
    lat: float | None = None,
    lon: float | None = None,
    admin1: str | None = None,
    day: str = "2023-05-10",
    sub_event_type: str = SHELLING,
    killed: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An event dict in the ``Event.to_dict()`` shape, with what the scorer reads."""
    return {
        "event_type": ERV,
        "sub_event_type": sub_event_type,
        "event_date": day,
        "location": {"name": admin1 or "x", "admin1": admin1, "latitude": lat, "longitude": lon},
        "fatalities": {"best": killed},
        "injured": {"best": None},
        "background": False,
        "confidence": confidence,
        "confidence_reasons": ["test"],
        **extra,
    }


OUTPUT: dict[str, dict[str, list[dict[str, Any]]]] = {
    "t-1-en": {
        "events": [event(0.9, 48.02, 37.01, "Donetsk Oblast", killed=2)],
        "candidates": [event(0.35, admin1="Kharkiv")],
        "background": [event(1.0, 48.0, 37.0, "Donetsk", day="2022-02-24")],
    },
    "t-1-uk": {"events": [event(0.75, 48.0, 37.0, "Donetsk", killed=3)]},
    "t-2-en": {"events": [event(0.55, 50.45, 30.52, "Kyiv City")]},
    "t-2-uk": {"candidates": [event(0.2, 50.45, 30.52, "Kyiv City")]},
    "t-3-en": {"events": [event(0.65, admin1="Kharkiv", sub_event_type=AIR)]},
    "t-3-uk": {
        "events": [event(0.6, 49.84, 24.03, "Lviv")],
        "candidates": [event(0.45, admin1="Kharkiv", day="2023-05-09")],
    },
}


def fake(report: Report) -> Mapping[str, Any]:
    assert report.language is None and report.published is not None
    out = OUTPUT.get(report.id, {})
    return {"events": [], "background": [], "candidates": [], **out}


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in ITEMS), "utf-8")
    return path


def counts(result: EvalResult) -> dict[str, tuple[int, int]]:
    return {name: (score.right, score.scored) for name, score in result.fields.items()}


def table(result: EvalResult, start: str) -> list[dict[str, Any]]:
    return next(rows for title, rows in result.tables.items() if title.startswith(start))


def test_metrics_are_score_gold_rules(gold_file: Path) -> None:
    result = score_gold(gold_file, fake)
    assert result.rows == 4
    assert counts(result) == {
        "en.item_has_event_precision": (2, 3),  # t-2 has an event, its gold none
        "en.item_has_event_recall": (2, 3),  # t-4 (events_en) found nothing
        "en.event_precision": (2, 3),
        "en.event_recall": (2, 3),  # t-3: admin1 match, a day apart
        "en.main_found": (2, 3),
        "en.main_event_type": (2, 3),
        "en.main_sub_event_type": (1, 3),
        "en.main_place_10km": (1, 2),  # precision 1 only
        "en.main_admin1": (2, 3),
        "en.main_killed_exact": (2, 3),
        "en.main_injured_exact": (2, 3),
        "en.main_killed_stated_exact": (1, 1),
        "uk.item_has_event_precision": (2, 2),  # a candidate is not an event
        "uk.item_has_event_recall": (2, 2),
        "uk.event_precision": (1, 2),  # Lviv is not Kharkiv Oblast
        "uk.event_recall": (1, 2),
        "uk.main_found": (1, 2),
        "uk.main_event_type": (2, 2),
        "uk.main_sub_event_type": (2, 2),
        "uk.main_place_10km": (1, 1),
        "uk.main_admin1": (1, 2),
        "uk.main_killed_exact": (1, 2),  # 3 for 2
        "uk.main_injured_exact": (2, 2),
        "uk.main_killed_stated_exact": (0, 1),
        "agreement.has_event": (2, 3),  # t-4 differs, skipped
        "agreement.event_type": (2, 2),
        "agreement.place_10km": (1, 1),  # t-3 en has no coordinates
        "agreement.killed": (1, 2),
        "agreement.injured": (2, 2),
    }
    assert {row["field"]: row["f1"] for row in result.tables[F1_TABLE]} == {
        "en.item_has_event_f1": 0.667,
        "en.event_f1": 0.667,
        "uk.item_has_event_f1": 1.0,
        "uk.event_f1": 0.5,
    }
    flat = score_gold_json(result)
    assert flat["en.main_place_10km"] == 0.5 and flat["uk.event_f1"] == 0.5
    assert flat["agreement.has_event"] == 0.667


def test_reliability_bands_and_thresholds(gold_file: Path) -> None:
    result = score_gold(gold_file, fake)
    bands = {row["band"]: row for row in table(result, "en reliability")}
    assert len(bands) == 10
    assert {b: (r["mentions"], r["match"]) for b, r in bands.items() if r["mentions"]} == {
        "0.3-0.4": (1, 0),  # the candidate: in Kharkiv, the gold in Donetsk
        "0.5-0.6": (1, 0),
        "0.6-0.7": (1, 1),
        "0.9-1.0": (1, 1),  # background not counted
    }
    assert bands["0.6-0.7"]["share"] == 1.0 and bands["0.0-0.1"]["share"] is None
    uk = {row["band"]: (row["mentions"], row["match"]) for row in table(result, "uk reliability")}
    assert uk["0.4-0.5"] == (1, 1)  # a candidate that matches the gold
    assert uk["0.2-0.3"] == (1, 0) and uk["0.6-0.7"] == (1, 0) and uk["0.7-0.8"] == (1, 1)
    en = {row["threshold"]: row for row in table(result, "en emitting")}
    assert list(en) == [0.3, 0.4, 0.5, 0.6, 0.7]
    assert en[0.3] | {"note": ""} == {
        "threshold": 0.3,
        "emitted": 4,
        "matched": 2,
        "precision": 0.5,
        "gold_found": 2,
        "gold": 3,
        "recall": 0.667,
        "f1": 0.571,
        "note": "",
    }
    assert (en[0.6]["precision"], en[0.6]["recall"], en[0.6]["f1"]) == (1.0, 0.667, 0.8)
    assert (en[0.7]["emitted"], en[0.7]["recall"], en[0.7]["f1"]) == (1, 0.333, 0.5)
    assert en[0.5]["note"] == "pipeline threshold"
    # at the pipeline's threshold the table is the event precision/recall
    assert en[0.5]["precision"] == round(result.fields["en.event_precision"].share or 0, 3)
    assert en[0.5]["recall"] == round(result.fields["en.event_recall"].share or 0, 3)
    uk_rows = {row["threshold"]: row for row in table(result, "uk emitting")}
    assert (uk_rows[0.4]["precision"], uk_rows[0.4]["recall"], uk_rows[0.4]["f1"]) == (
        0.667,
        1.0,
        0.8,
    )
    assert uk_rows[0.6]["emitted"] == 2  # "at or above": 0.6 counts at 0.6
    assert (uk_rows[0.7]["precision"], uk_rows[0.7]["recall"], uk_rows[0.7]["f1"]) == (
        1.0,
        0.5,
        0.667,
    )


def test_bands_edges() -> None:
    assert [band_of(c) for c in (0.0, 0.09, 0.1, 0.29, 0.3, 0.7, 0.99, 1.0)] == [
        0,
        0,
        1,
        2,
        3,
        7,
        9,
        9,
    ]


def test_mentions_without_confidence_are_noted(gold_file: Path) -> None:
    def bare(report: Report) -> Mapping[str, Any]:
        events = [dict(e) for e in fake(report)["events"]]
        for e in events:
            e.pop("confidence")
        return {"events": events, "background": []}

    result = score_gold(gold_file, bare)
    assert counts(result)["en.event_precision"] == (2, 3)  # the metrics need no confidence
    assert sum(r["mentions"] for r in table(result, "en reliability")) == 0
    assert any("en: 3 mention(s) without a confidence" in note for note in result.notes)


def test_misses_are_score_gold_records(gold_file: Path) -> None:
    result = score_gold(gold_file, fake)
    records = [miss.record() for miss in result.misses]
    assert [(r["id"], r["lang"]) for r in records] == [
        ("t-2", "en"),
        ("t-3", "en"),
        ("t-4", "en"),
        ("t-1", "uk"),
        ("t-3", "uk"),
    ]
    assert records[0] == {
        "id": "t-2",
        "lang": "en",
        "problem": "event where the gold has none",
        "text": "English text of t-2.",
        "got": [
            {
                "type": SHELLING,
                "date": "2023-05-10",
                "place": "Kyiv City",
                "admin1": "Kyiv City",
                "lat": 50.45,
                "lon": 30.52,
                "killed": None,
                "injured": None,
            }
        ],
    }
    assert records[1]["problem"] == "sub_event_type" and records[1]["gold"] == G3
    assert records[2]["problem"] == (
        "main event not found, event_type, sub_event_type, place, admin1, killed, injured"
    )
    assert records[2]["got"] == [] and records[2]["gold"] == G4
    assert records[3]["problem"] == "killed"
    assert records[4]["problem"] == "main event not found, admin1"
    # main events not found (file order), an event the gold lacks, a toll, the rest
    ranked = [miss.row_id for miss in result.ranked_misses()]
    assert ranked == ["t-4-en", "t-3-uk", "t-2-en", "t-1-uk", "t-3-en"]


def test_far_place_miss_ranks_first() -> None:
    scores = Scores()
    far = event(0.9, 48.5, 37.0, "Donetsk", killed=2)  # ~56 km north of G1
    miss = score_language("t-9", "en", "text", [G1], [far], scores)
    assert miss is not None and miss.fields == ["main_found", "place_10km"]
    assert miss.distance_km is not None and 55 < miss.distance_km < 57
    assert miss.rank() == (0, -miss.distance_km)
    assert miss.record()["problem"] == "main event not found, place"


def test_command_text_json_and_misses_file(
    gold_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    misses = tmp_path / "misses.jsonl"
    argv = ["gold", str(gold_file), "--misses", "2", "--misses-file", str(misses)]
    assert main(argv, extractor=fake) == 0
    text = capsys.readouterr().out
    assert "gold: " in text and "(4 rows scored)" in text
    assert "en.main_place_10km" in text and "1/2" in text
    assert "en reliability: mentions (candidates too) by confidence:" in text
    assert "pipeline threshold" in text and "0.571" in text
    assert "worst misses (2 of 5)" in text
    lines = [json.loads(line) for line in misses.read_text("utf-8").splitlines()]
    assert len(lines) == 5 and lines[0]["problem"] == "event where the gold has none"
    assert main(["gold", str(gold_file), "--json", "--limit", "2"], extractor=fake) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows"] == 2
    assert payload["fields"]["en.event_precision"]["right"] == 1
    assert payload["fields"]["en.event_precision"]["scored"] == 2
    assert "uk reliability: mentions (candidates too) by confidence" in payload["tables"]


def test_limit_and_sample_select_items(gold_file: Path) -> None:
    assert score_gold(gold_file, fake, limit=1).rows == 1
    sampled = score_gold(gold_file, fake, sample=2, seed=5)
    assert sampled.rows == 2
    assert sampled.rows == score_gold(gold_file, fake, sample=2, seed=5).rows
    with pytest.raises(ValueError, match="sample of 9"):
        score_gold(gold_file, fake, sample=9)


def test_default_extractor_reads_candidates(
    gold_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def with_candidates(report: Report) -> Mapping[str, Any]:
        seen.append(report.id)
        return fake(report)

    monkeypatch.setattr(gold_module, "pipeline_extractor_with_candidates", with_candidates)
    result = score_gold(gold_file, pipeline_extractor, limit=1)
    assert seen == ["t-1-en", "t-1-uk"]
    assert sum(r["mentions"] for r in table(result, "en reliability")) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a"\n', "line 1: not JSON"),
        ("id,date,en,uk\nx,2023-01-01,a,b\n", "line 1: not JSON"),
        (json.dumps(ITEMS[0]) + "\n\n{oops\n", "line 3: not JSON"),
        ("[1, 2]\n", "line 1: an item must be a JSON object"),
        (json.dumps({k: v for k, v in ITEMS[0].items() if k != "uk"}), "missing key(s) uk"),
        (json.dumps({k: v for k, v in ITEMS[0].items() if k not in ("id", "date")}), "id, date"),
        (json.dumps({k: v for k, v in ITEMS[0].items() if k != "events"}), "missing key(s) events"),
        (json.dumps(ITEMS[0] | {"events": {}}), "'events' must be a list"),
        (json.dumps(ITEMS[0] | {"events_en": None}), "'events_en' must be a list"),
        (json.dumps(ITEMS[0] | {"date": "10.05.2023"}), "'date'"),
        (json.dumps(ITEMS[0] | {"en": ""}), "'en' must be a non-empty string"),
        (json.dumps(ITEMS[0] | {"events": [G1 | {"lat": "48"}]}), "'lat' must be a number"),
        (json.dumps(ITEMS[0] | {"events": [G1 | {"geo_precision": 5}]}), "geo_precision"),
        (json.dumps(ITEMS[0]) + "\n" + json.dumps(ITEMS[0]), "line 2: id 't-1' used twice"),
        ("\n", "no items"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, "utf-8")
    with pytest.raises(EvalInputError) as error:
        read_gold(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_command_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "date": "2023-01-01"}\n', "utf-8")
    assert main(["gold", str(path)], extractor=fake) == 2
    err = capsys.readouterr().err
    assert f"{path}, line 1" in err and "en, uk, events" in err
    assert main(["gold", str(tmp_path / "none.jsonl")], extractor=fake) == 2
    assert "none.jsonl: cannot read" in capsys.readouterr().err


def test_tables_render_in_any_result() -> None:
    result = EvalResult(dataset="x", source="y", rows=1, fields={"f": FieldScore(1, 1)})
    assert result.to_dict()["tables"] == {}
    result.tables["demo"] = [{"name": "a", "share": 0.5, "n": None}, {"name": "bb", "share": 1}]
    text = format_text(result)
    assert "demo:\nname  share  n\na     0.500  -\nbb        1  -\n" in text
    assert result.to_dict()["tables"]["demo"][1] == {"name": "bb", "share": 1}


# --- real data (skipped without ../shared) ---------------------------------------------


def _nan_as_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in values.items()}


def test_real_file_agrees_with_score_gold(
    gaz: Gazetteer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real, script = SHARED_EVAL / "warline-dev.jsonl", SHARED_EVAL / "score_gold.py"
    khronika = Path(sys.executable).parent / "khronika"
    if not real.exists() or not script.exists():
        pytest.skip(f"{SHARED_EVAL} has no warline-dev.jsonl and score_gold.py")
    if not khronika.exists():
        pytest.skip(f"no khronika command beside {sys.executable}")
    first = [line for line in real.read_text("utf-8").splitlines() if line.strip()][:20]
    head = tmp_path / "warline-head.jsonl"
    head.write_text("\n".join(first) + "\n", "utf-8")
    run = subprocess.run(
        [sys.executable, str(script), str(head), "--khronika", str(khronika), "--json"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),  # the gaz fixture's KHRONIKA_HOME: the same place index
    )
    assert run.returncode == 0, run.stderr
    reference = _nan_as_none(json.loads(run.stdout.strip().splitlines()[-1]))
    assert main(["gold", str(real), "--limit", "20", "--json", "--quiet"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows"] == 20
    result = EvalResult(
        dataset="gold",
        source=str(real),
        rows=payload["rows"],
        fields={k: FieldScore(v["right"], v["scored"]) for k, v in payload["fields"].items()},
        tables=payload["tables"],
    )
    assert score_gold_json(result) == reference
