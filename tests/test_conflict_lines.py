"""The conflict-line prior: reading line files, distances, and how it separates same-name
villages without overriding what a report says."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from khronika.places import Gazetteer, build_context
from khronika.places.conflict_lines import (
    SHIPPED_LINES,
    ConflictLine,
    ConflictLines,
    ConflictLinesError,
    read_lines,
)
from khronika.places.resolve import explain, haversine_km, resolve
from khronika.places.spot import spot_places
from khronika.records import Place

SEGMENT = ConflictLine(
    name="test", points=((48.0, 37.0), (48.0, 38.0)), start=date(2022, 1, 1), end=None
)


def test_shipped_lines_are_valid_and_lie_in_the_war_zone() -> None:
    lines = read_lines(SHIPPED_LINES)
    assert len(lines) >= 5
    for line in lines:
        assert len(line.points) >= 2
        for lat, lon in line.points:
            assert 44 <= lat <= 53 and 29 <= lon <= 41, (line.name, lat, lon)


def test_distance_to_a_segment_on_a_vertex_beside_it_and_beyond_its_end() -> None:
    assert SEGMENT.distance_km(48.0, 37.0) == pytest.approx(0, abs=0.01)
    # one tenth of a degree north of the middle of the segment: about 11 km
    assert SEGMENT.distance_km(48.1, 37.5) == pytest.approx(11.06, abs=0.1)
    # beyond the eastern end, the distance is to the end point
    beyond = SEGMENT.distance_km(48.0, 38.5)
    assert beyond == pytest.approx(haversine_km(48.0, 38.0, 48.0, 38.5), rel=0.01)


def test_a_line_is_active_only_between_its_dates() -> None:
    bounded = ConflictLine("b", SEGMENT.points, date(2015, 2, 18), date(2022, 2, 23))
    assert bounded.active_on(date(2018, 5, 1))
    assert bounded.active_on(date(2022, 2, 23))
    assert not bounded.active_on(date(2022, 2, 24))
    assert not bounded.active_on(date(2014, 1, 1))
    assert SEGMENT.active_on(date(2030, 1, 1))  # open-ended
    lines = ConflictLines([bounded])
    assert lines.nearest(48.0, 37.5, date(2024, 1, 1)) is None
    assert lines.nearest(48.0, 37.5, date(2018, 1, 1)) == (pytest.approx(0, abs=0.01), "b")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("this is = not toml [", "cannot read"),
        ("title = 'no lines'", "no [[line]]"),
        ("[[line]]\nfrom = 2022-01-01\npoints = [[48, 37], [48, 38]]", "'name'"),
        ("[[line]]\nname = 'x'\nfrom = 'soon'\npoints = [[48, 37], [48, 38]]", "'from'"),
        (
            "[[line]]\nname = 'x'\nfrom = 2022-01-01\nuntil = 2021-01-01\n"
            "points = [[48, 37], [48, 38]]",
            "'until'",
        ),
        ("[[line]]\nname = 'x'\nfrom = 2022-01-01\npoints = [[48, 37]]", "at least two"),
        ("[[line]]\nname = 'x'\nfrom = 2022-01-01\npoints = [[48, 37], [95, 38]]", "point 2"),
        (
            "[[line]]\nname = 'x'\nfrom = 2022-01-01\npoints = [[1, 2], [3, 4]]\ncolour = 1",
            "colour",
        ),
    ],
)
def test_a_bad_lines_file_is_named_with_its_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "lines.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConflictLinesError) as caught:
        read_lines(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_a_data_dir_file_adds_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "conflict_lines.toml").write_text(
        "[[line]]\nname = 'my front'\nfrom = 2030-01-01\npoints = [[50, 30], [50, 31]]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    monkeypatch.setattr(ConflictLines, "_default", None)
    lines = ConflictLines.default()
    assert lines.nearest(50.0, 30.5, date(2030, 6, 1)) == (pytest.approx(0, abs=0.01), "my front")
    assert len(lines.lines) == len(read_lines(SHIPPED_LINES)) + 1
    monkeypatch.setattr(ConflictLines, "_default", None)


def _resolve(gaz: Gazetteer, text: str, name: str, day: date | None) -> tuple[Place, list[str]]:
    spans = spot_places(text, gazetteer=gaz)
    span = next(s for s in spans if s.surface == name)
    context = build_context(spans, gaz, when=day)
    return resolve(span, context), explain(span, context, gaz)


def test_the_prior_picks_the_namesake_near_the_front_and_keeps_the_doubt(gaz: Gazetteer) -> None:
    text = "Russian forces shelled Stepove, Zaporizhia."
    wartime, why = _resolve(gaz, text, "Stepove", date(2023, 3, 16))
    undated, _ = _resolve(gaz, text, "Stepove", None)
    assert wartime.admin1 == undated.admin1 == "Zaporizhia"
    assert (wartime.latitude, wartime.longitude) != (undated.latitude, undated.longitude)
    assert wartime.latitude is not None and wartime.longitude is not None
    lines = ConflictLines([*read_lines(SHIPPED_LINES)])
    nearest = lines.nearest(wartime.latitude, wartime.longitude, date(2023, 3, 16))
    assert nearest is not None and nearest[0] < 20
    assert wartime.geo_precision == 2  # a prior alone never makes a choice certain
    assert "from the front line" in why[1]


def test_the_prior_does_not_outweigh_the_city_a_name_means(gaz: Gazetteer) -> None:
    place, _ = _resolve(gaz, "A missile hit Mykolaiv overnight.", "Mykolaiv", date(2022, 7, 1))
    assert place.admin1 == "Mykolaiv" and place.latitude is not None
    assert haversine_km(place.latitude, place.longitude or 0, 46.975, 31.995) < 10


def test_an_alias_gets_no_prior(gaz: Gazetteer) -> None:
    """GeoNames lists "Sloviansk" among Nikopol's names; Nikopol lies by the front."""
    place, _ = _resolve(gaz, "Shelling hit Sloviansk.", "Sloviansk", date(2023, 7, 30))
    assert place.name == "Sloviansk" and place.admin1 == "Donetsk"
