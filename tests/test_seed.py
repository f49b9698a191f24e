"""The report the project started from comes out as the brief says (issue 2's first check)."""

from __future__ import annotations

import contextlib
import io
import json
from math import asin, cos, radians, sin, sqrt
from pathlib import Path
from typing import Any

import pytest

from khronika.cli import main

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / "kharkiv-2024-05-23.txt"


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 6371.0 * 2 * asin(sqrt(a))


@pytest.fixture(scope="module")
def extraction() -> dict[str, Any]:
    if not SEED.exists():
        pytest.skip("../shared is not beside the repository")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["extract", str(SEED)])
    assert status == 0
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1
    return dict(json.loads(lines[0]))


def casualty_values(event: dict[str, Any]) -> set[int]:
    values = set()
    for kind in ("fatalities", "injured"):
        for item in event[kind]["history"]:
            if item["value"] is not None:
                values.add(item["value"])
        for bound in ("low", "best", "high"):
            if event[kind][bound] is not None:
                values.add(event[kind][bound])
    return values


def test_main_event_is_the_kharkiv_missile_strike(extraction: dict[str, Any]) -> None:
    main_event = extraction["events"][0]
    assert main_event["event_date"] == "2024-05-23"
    assert main_event["event_type"] == "Explosions/Remote violence"
    assert main_event["sub_event_type"] == "Shelling/artillery/missile attack"
    place = main_event["location"]
    assert place["name"] == "Kharkiv"
    assert place["admin1"] == "Kharkiv"
    assert km(place["latitude"], place["longitude"], 49.98, 36.25) <= 5
    assert set(place["sublocations"]) >= {"Kholodnohirskyi", "Osnovianskyi"}


def test_main_event_casualties_and_history(extraction: dict[str, Any]) -> None:
    main_event = extraction["events"][0]
    assert main_event["fatalities"]["best"] == 7
    assert main_event["injured"]["best"] == 20
    said = [item["value"] for item in main_event["injured"]["history"]]
    assert 16 in said and said[-1] == 20
    earlier = next(i for i in main_event["injured"]["history"] if i["value"] == 16)
    assert earlier["speaker"] == "State Emergency Service of Ukraine"


def test_main_event_weapon_target_and_sources(extraction: dict[str, Any]) -> None:
    main_event = extraction["events"][0]
    assert "missile" in {w["kind"] for w in main_event["weapons"]}
    assert "printing house" in {t["kind"] for t in main_event["targets"]}
    sources = {(s["speaker"], s["channel"]) for s in main_event["sources"]}
    assert ("State Emergency Service of Ukraine", "Telegram") in sources
    assert ("Oleh Synyehubov", "Telegram") in sources
    governor = next(s for s in main_event["sources"] if s["speaker"] == "Oleh Synyehubov")
    assert "Governor" in governor["speaker_role"]


def test_the_fifteen_missiles_are_zelenskyys_claim_on_x(extraction: dict[str, Any]) -> None:
    counted = [
        w
        for event in extraction["events"]
        for w in event["weapons"]
        if w["kind"] == "missile" and w["count"] == 15
    ]
    assert len(counted) == 1
    assert counted[0]["speaker"] == "Volodymyr Zelenskyy"
    assert counted[0]["channel"] == "X"
    assert counted[0]["claim_status"] == "claimed"


def test_liubotyn_is_a_second_event_with_unknown_casualties(extraction: dict[str, Any]) -> None:
    liubotyn = [e for e in extraction["events"] if e["location"]["name"] == "Liubotyn"]
    assert len(liubotyn) == 1
    event = liubotyn[0]
    assert event is not extraction["events"][0]
    assert event["event_date"] == "2024-05-23"
    assert km(event["location"]["latitude"], event["location"]["longitude"], 49.95, 35.93) <= 5
    assert event["fatalities"]["best"] is None and event["injured"]["best"] is None


def test_vovchansk_fighting_is_background_battle_without_the_toll(
    extraction: dict[str, Any],
) -> None:
    everything = extraction["events"] + extraction["background"]
    vovchansk = [e for e in everything if (e["location"] or {}).get("name") == "Vovchansk"]
    assert vovchansk, "the fighting near Vovchansk is kept"
    for event in vovchansk:
        assert event["event_type"] == "Battles" or event in extraction["background"]
        assert casualty_values(event) == set()


def test_no_event_outside_kharkiv_oblast_and_no_false_figures(extraction: dict[str, Any]) -> None:
    everything = extraction["events"] + extraction["background"]
    for event in everything:
        assert casualty_values(event).isdisjoint({15, 25, 74, 10, 2024})
        assert (event["location"] or {}).get("country_code") in ("UA", None)
    assert {e["location"]["name"] for e in extraction["events"]} == {"Kharkiv", "Liubotyn"}
