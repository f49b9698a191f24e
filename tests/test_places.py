"""Places: gazetteer look-ups, spotting in text, and choosing a place from report context.

The index is built once per test session into a temporary KHRONIKA_HOME (about ten seconds)
and shared by every test. Texts are short invented reports.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from khronika.places import (
    Gazetteer,
    PlaceSpan,
    build_context,
    haversine_km,
    name_key,
    resolve,
    romanize_ukrainian,
    spot_places,
)
from khronika.places.gazetteer import index_path, respelling_skeleton
from khronika.places.resolve import explain, main_place
from khronika.records import Place


def explain_lines(text: str, gaz: Gazetteer, surface: str) -> list[str]:
    spans = spot_places(text, gazetteer=gaz)
    span = next(s for s in spans if s.surface == surface)
    return explain(span, build_context(spans, gaz), gazetteer=gaz)


def place_in(text: str, gaz: Gazetteer, surface: str | None = None) -> Place:
    """Resolve the span with ``surface`` (or the main place) in the context of the whole text."""
    spans = spot_places(text, gazetteer=gaz)
    if surface is None:
        span = main_place(spans)
    else:
        span = next((s for s in spans if s.surface == surface), None)
    assert span is not None, [s.surface for s in spans]
    return resolve(span, build_context(spans, gaz), gazetteer=gaz)


def surfaces(text: str, gaz: Gazetteer) -> list[str]:
    return [span.surface for span in spot_places(text, gazetteer=gaz)]


# -- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Lyubotyn", "Liubotyn"),
        ("Zaporizhzhya", "Zaporizhia"),
        ("Mykolayiv", "Mykolaiv"),
        ("Hola Prystan", "Gola Pristan"),
        ("Ivano-Frankivsk", "Ivano Frankivsk"),
        ("Kuibyshevskyi", "Kuibyshevskiy"),
        ("Mar’inka", "Mar'inka"),
    ],
)
def test_name_key_folds_transliteration_variants(one: str, other: str) -> None:
    assert name_key(one) == name_key(other)


def test_name_key_keeps_different_names_apart() -> None:
    assert name_key("Kharkiv") != name_key("Kherson")
    assert name_key("Sumy") != name_key("Sambir")


@pytest.mark.parametrize(
    ("ukrainian", "latin"),
    [
        ("Харків", "Kharkiv"),
        ("Згурівка", "Zghurivka"),
        ("Яготин", "Yahotyn"),
        ("Холодногірський", "Kholodnohirskyi"),
        ("Основ’янський", "Osnovianskyi"),
        ("Їжакевич", "Yizhakevych"),
    ],
)
def test_romanize_ukrainian_follows_the_2010_table(ukrainian: str, latin: str) -> None:
    assert romanize_ukrainian(ukrainian) == latin


# -- gazetteer -------------------------------------------------------------------------------


def test_index_is_built_into_khronika_home(gaz: Gazetteer) -> None:
    assert index_path().exists()
    assert str(index_path()).startswith(os.environ["KHRONIKA_HOME"])


def test_a_file_that_is_no_index_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "places-bad.pickle"
    bad.write_bytes(b"\x80\x05N.")  # a pickled None
    with pytest.raises(ValueError, match="places-bad.pickle"):
        Gazetteer.load(bad)


@pytest.mark.parametrize(
    ("surface", "name", "admin1"),
    [
        ("Lyubotyn", "Liubotyn", "Kharkiv"),
        ("Kharkov", "Kharkiv", "Kharkiv"),
        ("Kiev", "Kyiv", "Kyiv City"),
        ("Харків", "Kharkiv", "Kharkiv"),
        ("Zaporozhye", "Zaporizhzhia", "Zaporizhia"),
    ],
)
def test_lookup_finds_the_gazetteer_name_from_a_variant(
    gaz: Gazetteer, surface: str, name: str, admin1: str
) -> None:
    top = gaz.lookup(surface)[0]
    assert (top.name, top.admin1, top.country_code) == (name, admin1, "UA")


def test_lookup_of_a_common_village_name_lists_many_oblasts(gaz: Gazetteer) -> None:
    oblasts = {c.admin1 for c in gaz.lookup("Hryhorivka")}
    assert {"Kherson", "Zaporizhia", "Donetsk"} <= oblasts


def test_codifier_villages_carry_their_raion(gaz: Gazetteer) -> None:
    charivne = [c for c in gaz.lookup("Charivne") if c.admin1 == "Zaporizhia"]
    assert charivne and charivne[0].admin2 == "Polohivskyi"


@pytest.mark.parametrize(
    ("surface", "name", "country"),
    [
        ("Zaporizhia", "Zaporizhia", "UA"),
        ("Zaporizhzhia Oblast", "Zaporizhia", "UA"),
        ("Запорізька", "Zaporizhia", "UA"),
        ("Харківська область", "Kharkiv", "UA"),
        ("Donetsk region", "Donetsk", "UA"),
        ("Kirovohrad", "Kirovograd", "UA"),
        ("Lower Shabelle", "Lower Shabelle", "SO"),
        ("Shabeellaha Hoose", "Lower Shabelle", "SO"),
        ("Hiiraan", "Hiraan", "SO"),
        ("Kursk Oblast", "Kursk", "RU"),
        ("Gomel region", "Gomel", "BY"),
    ],
)
def test_admin1_lookup(gaz: Gazetteer, surface: str, name: str, country: str) -> None:
    units = gaz.admin1_lookup(surface)
    assert [(u.name, u.country_code) for u in units] == [(name, country)]
    assert units[0].latitude is not None and units[0].longitude is not None


def test_admin1_centroid_lies_inside_the_oblast(gaz: Gazetteer) -> None:
    (kharkiv,) = gaz.admin1_lookup("Kharkiv Oblast")
    assert kharkiv.latitude is not None and kharkiv.longitude is not None
    assert haversine_km(kharkiv.latitude, kharkiv.longitude, 49.99, 36.23) < 120


@pytest.mark.parametrize(
    ("surface", "code"),
    [("Ukraine", "UA"), ("Russian Federation", "RU"), ("Russia", "RU"), ("Somalia", "SO")],
)
def test_country_lookup(gaz: Gazetteer, surface: str, code: str) -> None:
    assert gaz.country_lookup(surface) == code


def test_country_lookup_of_a_city_is_none(gaz: Gazetteer) -> None:
    assert gaz.country_lookup("Kharkiv") is None


def test_districts_of_kharkiv(gaz: Gazetteer) -> None:
    kharkiv = gaz.lookup("Kharkiv")[0]
    names = {d.name for d in gaz.districts_of(kharkiv)}
    assert {"Kholodnohirskyi", "Osnovianskyi", "Shevchenkivskyi"} <= names


# -- spotting --------------------------------------------------------------------------------


def test_span_offsets_point_at_the_surface(gaz: Gazetteer) -> None:
    text = (
        "Russian forces shelled Kharkiv's Kholodnohirskyi district and Ivano-Frankivsk. "
        "Later, strikes hit Hola Prystan, Kherson region, and Donetsk - Kuibyshivskyi."
    )
    spans = spot_places(text, gazetteer=gaz)
    assert [s.surface for s in spans] == [
        "Kharkiv",
        "Kholodnohirskyi",
        "Ivano-Frankivsk",
        "Hola Prystan",
        "Kherson",
        "Donetsk - Kuibyshivskyi",
    ]
    for span in spans:
        assert text[span.start : span.end] == span.surface


def test_spotting_respects_the_range(gaz: Gazetteer) -> None:
    text = "Strikes on Kharkiv. Later, strikes on Sumy."
    start = text.index("Later")
    spans = spot_places(text, start=start, gazetteer=gaz)
    assert [(s.surface, s.start) for s in spans] == [("Sumy", text.index("Sumy"))]


def test_bad_input_gets_a_clear_error(gaz: Gazetteer) -> None:
    with pytest.raises(TypeError, match="text must be str"):
        spot_places(b"Kharkiv", gazetteer=gaz)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bad range"):
        spot_places("Kharkiv", start=5, end=2, gazetteer=gaz)


def test_common_capitalized_words_are_not_places(gaz: Gazetteer) -> None:
    text = (
        "Police said on Monday that the Mission was the Best Man could do. "
        "The President met Russian and Ukrainian officials in May."
    )
    assert surfaces(text, gaz) == []


def test_kind_hints_and_prepositions(gaz: Gazetteer) -> None:
    text = (
        "Shelling near the village of Hryhorivka, in the Donetsk region, and in "
        "Kholodnohirskyi district."
    )
    spans = {s.surface: s for s in spot_places(text, gazetteer=gaz)}
    assert spans["Hryhorivka"].kind_hint == "village"
    assert spans["Hryhorivka"].preposition == "of"
    assert spans["Donetsk"].kind_hint == "admin1"
    assert spans["Kholodnohirskyi"].kind_hint == "district"
    assert spans["Kholodnohirskyi"].preposition == "in"


def test_a_stoplisted_admin1_counts_in_the_admin1_slot(gaz: Gazetteer) -> None:
    text = "Militants attacked a base in Baidoa town (Baidoa, Bay). The Bay was calm."
    spans = spot_places(text, gazetteer=gaz)
    bay = [s for s in spans if s.surface == "Bay"]
    assert len(bay) == 1 and bay[0].kind_hint == "admin1"


# -- resolution ----------------------------------------------------------------------------


@pytest.mark.parametrize("oblast", ["Zaporizhia", "Kherson", "Kirovograd"])
def test_homonym_village_takes_the_oblast_named_after_it(gaz: Gazetteer, oblast: str) -> None:
    place = place_in(f"On 3 May, troops shelled near Charivne, {oblast} region.", gaz)
    assert (place.name, place.admin1) == ("Charivne", oblast)
    assert place.geo_precision == 2  # "near"
    assert any(oblast not in label for label in place.candidates)


def test_oblast_named_elsewhere_in_the_report_decides(gaz: Gazetteer) -> None:
    text = (
        "Shelling continued across the Donetsk region overnight. "
        "A school in Novomykhailivka was damaged."
    )
    place = place_in(text, gaz, "Novomykhailivka")
    assert place.admin1 == "Donetsk"


def test_without_context_a_homonym_is_flagged_not_trusted(gaz: Gazetteer) -> None:
    place = place_in("A shell hit a house in Hryhorivka.", gaz)
    assert place.geo_precision == 2
    assert len(place.candidates) >= 5


def test_city_district_resolves_to_its_city_at_the_district(gaz: Gazetteer) -> None:
    place = place_in("A missile hit Kholodnohirskyi district of Kharkiv on Tuesday.", gaz)
    kharkiv = gaz.lookup("Kharkiv")[0]
    assert place.name == "Kharkiv" and place.sublocations == ["Kholodnohirskyi"]
    assert place.latitude is not None and place.longitude is not None
    assert kharkiv.latitude is not None and kharkiv.longitude is not None
    # Kholodna Hora lies west of the centre, inside the city.
    km = haversine_km(place.latitude, place.longitude, kharkiv.latitude, kharkiv.longitude)
    assert 1 < km < 10 and place.longitude < kharkiv.longitude
    assert place.geo_precision == 1 and place.place_kind == "city_district"


def test_renamed_town_means_the_ukrainian_town(gaz: Gazetteer) -> None:
    text = "Минобороны заявило, что войска завершили освобождение Дзержинска."
    assert place_in(text, gaz, "Дзержинска").name == "Toretsk"
    assert place_in("Shelling of Artemivsk went on overnight.", gaz).name == "Bakhmut"
    # An admin1 named in the report still wins over the renaming table.
    text = "A blast hit a plant in Dzerzhinsk, Nizhny Novgorod Oblast."
    assert place_in(text, gaz, "Dzerzhinsk").country_code == "RU"


def test_masculine_adjective_implies_no_country(gaz: Gazetteer) -> None:
    text = "В Донецке сегодня в результате обстрела Киевского района погибли два человека."
    donetsk = place_in(text, gaz, "Донецке")
    assert (donetsk.name, donetsk.country_code) == ("Donetsk", "UA")
    district = place_in(text, gaz, "Киевского")
    assert district.place_kind == "city_district" and district.name == "Donetsk"


def test_raion_resolves_to_its_centre(gaz: Gazetteer) -> None:
    for surface, centre, country in [
        ("Глушковском районе", "Glushkovo", "RU"),
        ("Нікопольському районі", "Nikopol", "UA"),
        ("Бахмутского района", "Bakhmut", "UA"),
    ]:
        text = f"Вчера в {surface} взорвался дрон."
        start = text.index(surface)
        candidates = tuple(gaz.raion_lookup(surface))
        span = PlaceSpan(start, start + len(surface), surface, candidates, "raion", "в")
        place = resolve(span, build_context([span], gaz), gazetteer=gaz)
        assert (place.name, place.country_code) == (centre, country)
        assert place.place_kind == "raion" and place.geo_precision == 2
    # In Ukraine the centre must lie in a raion of that name: no other Nikopol-like town.
    assert {c.admin2 for c in gaz.raion_lookup("Нікопольський район")} == {"Nikopolskyi"}


@pytest.mark.parametrize(
    ("adjective", "centre"),
    [
        ("Popasnyansky", "Popasna"),  # a Russian-style adjective of a raion merged in 2020
        ("Amvrosievsky", "Amvrosiivka"),
        ("Yasinovatsky", "Yasynuvata"),
        ("Novoaydarsky", "Novoaidar"),
        ("Kupianskyi", "Kupiansk"),  # not "Kup-a": a short stem takes no "-ian-" ending
    ],
)
def test_raion_adjective_names_its_centre_town(gaz: Gazetteer, adjective: str, centre: str) -> None:
    assert gaz.raion_lookup(adjective)[0].name == centre


@pytest.mark.parametrize(
    ("text", "village", "centre"),
    [
        (
            "Shelling hit Troitske in the Popasnyansky district, Luhansk region.",
            "Troitske",
            "Popasna",
        ),
        (
            "A mine exploded near Pobeda, Novoaydarsky district, Luhansk region.",
            "Pobeda",
            "Novoaidar",
        ),
    ],
)
def test_a_former_raion_anchors_the_village_near_its_centre(
    gaz: Gazetteer, text: str, village: str, centre: str
) -> None:
    """Raions merged in 2020 are gone from the codifier; their centre town still narrows a
    village name shared across the oblast."""
    place = place_in(text, gaz, village)
    town = gaz.lookup(centre)[0]
    assert place.latitude is not None and place.longitude is not None
    assert haversine_km(place.latitude, place.longitude, town.latitude, town.longitude) < 30


@pytest.mark.parametrize(
    ("russian", "ukrainian", "same"),
    [
        ("Troitskoye", "Troitske", True),
        ("Peski", "Pisky", True),
        ("Novogrigoryevka", "Novohryhorivka", True),
        ("Alexandrovka", "Oleksandrivka", True),
        ("Kuteinikovo", "Kuteinykove", True),
        ("Pervomayske", "Pervomaiskyi", False),  # the ending tells the gender: two names
        ("Petrova", "Petrove", False),
    ],
)
def test_respelling_skeleton_joins_russian_and_ukrainian_romanizations(
    russian: str, ukrainian: str, same: bool
) -> None:
    assert (respelling_skeleton(russian) == respelling_skeleton(ukrainian)) is same


def test_a_russian_spelling_finds_the_village_only_the_codifier_has(gaz: Gazetteer) -> None:
    """Troitske near Popasna is in the codifier under its Ukrainian name only."""
    text = "Fighting near the village of Troitskoye, Popasnyansky district, Luhansk region."
    place = place_in(text, gaz, "Troitskoye")
    popasna = gaz.lookup("Popasna")[0]
    assert place.name == "Troitske" and place.admin1 == "Luhansk"
    assert place.latitude is not None and place.longitude is not None
    assert haversine_km(place.latitude, place.longitude, popasna.latitude, popasna.longitude) < 30
    assert any("romanized otherwise" in line for line in explain_lines(text, gaz, "Troitskoye"))


def test_a_respelling_never_turns_a_surname_into_a_place(gaz: Gazetteer) -> None:
    assert spot_places("Colonel Petrova said the unit held its positions.", gazetteer=gaz) == []


def test_fuzzy_match_only_inside_the_named_admin1(gaz: Gazetteer) -> None:
    zaporizhia = gaz.admin1_lookup("Запорожской области")[0]
    kherson = gaz.admin1_lookup("Херсонской области")[0]
    found = gaz.fuzzy_in_admin1("Работино", "UA", zaporizhia.admin1_code)
    assert found is not None and found[0].name == "Robotyne" and found[1] >= 88
    assert gaz.fuzzy_in_admin1("Работино", "UA", kherson.admin1_code) is None
    assert gaz.fuzzy_in_admin1("Работа", "UA", zaporizhia.admin1_code) is None  # too short
    text = "Сообщается, что войска вошли в Работино в Запорожской области."
    start = text.index("Работино")
    spans = [
        PlaceSpan(start, start + 8, "Работино", (), None, "в"),
        *spot_places(text, gazetteer=gaz),
    ]
    place = resolve(spans[0], build_context(spans, gaz), gazetteer=gaz)
    assert place.name == "Robotyne" and place.geo_precision == 2
    assert any("Работино" in line for line in place.candidates)


@pytest.mark.parametrize(
    ("text", "city", "district"),
    [
        ("Shells landed in Donetsk - Kuibyshivskyi, Donetsk.", "Donetsk", "Kuibyshivskyi"),
        ("A rally was held in Kiev-Shevchenkivskyi.", "Kyiv", "Shevchenkivskyi"),
    ],
)
def test_city_dash_district(gaz: Gazetteer, text: str, city: str, district: str) -> None:
    place = place_in(text, gaz)
    assert (place.name, place.sublocations, place.country_code) == (city, [district], "UA")


def test_ambiguous_district_name_follows_the_city_in_the_report(gaz: Gazetteer) -> None:
    place = place_in("In Lviv, a drone hit the Shevchenkivskyi district.", gaz, "Shevchenkivskyi")
    assert (place.name, place.admin1) == ("Lviv", "Lviv")


def test_admin1_alone_resolves_at_province_precision(gaz: Gazetteer) -> None:
    place = place_in("Air defence was active over the Zaporizhzhia region.", gaz)
    assert place.place_kind == "admin1" and place.admin1 == "Zaporizhia"
    assert place.geo_precision == 3 and place.latitude is not None


@pytest.mark.parametrize(("text", "country"), [("Drones hit Belgorod.", "RU"), ("Kursk", "RU")])
def test_places_abroad(gaz: Gazetteer, text: str, country: str) -> None:
    assert place_in(text, gaz).country_code == country


def test_ukraine_is_not_preferred_without_context(gaz: Gazetteer) -> None:
    place = place_in("A shooting was reported in Odessa, Texas, on Sunday.", gaz, "Odessa")
    assert (place.country_code, place.admin1) == ("US", "Texas")


def test_unknown_village_with_an_oblast_sits_at_the_oblast(gaz: Gazetteer) -> None:
    place = place_in("Troops shelled near Qwzyrivka, Zaporizhia.", gaz)
    (oblast,) = gaz.admin1_lookup("Zaporizhia")
    assert place.name == "Qwzyrivka" and place.place_kind == "unknown"
    assert (place.admin1, place.geo_precision) == ("Zaporizhia", 3)
    assert (place.latitude, place.longitude) == (oblast.latitude, oblast.longitude)


def test_unknown_village_takes_the_district_town_named_after_it(gaz: Gazetteer) -> None:
    place = place_in("An airstrike hit Qoorqoor Dheer village (Cadale, Middle Shabelle).", gaz)
    cadale = gaz.lookup("Cadale")[0]
    assert (place.name, place.admin1, place.geo_precision) == (
        "Qoorqoor Dheer",
        "Middle Shabelle",
        2,
    )
    assert (place.latitude, place.longitude) == (cadale.latitude, cadale.longitude)


def test_distance_hint_picks_the_candidate_at_that_distance(gaz: Gazetteer) -> None:
    liubotyn = gaz.lookup("Liubotyn")
    far = next(c for c in liubotyn if c.admin1 == "Volyn")
    lutsk = gaz.lookup("Lutsk")[0]
    assert far.latitude is not None and far.longitude is not None
    assert lutsk.latitude is not None and lutsk.longitude is not None
    km = haversine_km(far.latitude, far.longitude, lutsk.latitude, lutsk.longitude)
    span = PlaceSpan(0, 8, "Liubotyn", tuple(liubotyn), None, None)
    context = build_context([span], gaz)
    assert resolve(span, context, gazetteer=gaz).admin1 == "Kharkiv"  # the town, by population
    chosen = resolve(span, context, near=(lutsk, round(km)), gazetteer=gaz)
    assert chosen.admin1 == "Volyn"
    assert chosen.latitude is not None and chosen.longitude is not None
    assert not math.isnan(chosen.latitude)


def test_evidence_is_kept_on_the_place(gaz: Gazetteer) -> None:
    from khronika.records import Evidence

    spans = spot_places("Shelling of Sumy.", gazetteer=gaz)
    evidence = Evidence("r-1", spans[0].start, spans[0].end, "Sumy", "places.spot")
    place = resolve(spans[0], build_context(spans, gaz), evidence, gazetteer=gaz)
    assert place.evidence is evidence and place.name == "Sumy"


def test_personal_names_are_not_places(gaz: Gazetteer) -> None:
    text = "Vladimir Putin spoke to Boris Johnson, and Volodymyr Zelensky visited Kharkiv."
    assert surfaces(text, gaz) == ["Kharkiv"]


def test_a_capitalized_kind_word_is_no_surname(gaz: Gazetteer) -> None:
    """ "Ilovaysk Town" is a town, not a first and last name; "Donetsk Obl" is the oblast."""
    assert surfaces("Shelling was reported near Ilovaysk Town, Donetsk region.", gaz) == [
        "Ilovaysk",
        "Donetsk",
    ]
    place = place_in("Mortar fire near Orikhove, Luhansk Obl.", gaz, "Orikhove")
    assert place.admin1 == "Luhansk"


def test_a_country_name_means_the_country(gaz: Gazetteer) -> None:
    place = place_in("Drones were launched from Russia overnight.", gaz)
    assert (place.place_kind, place.country_code, place.geo_precision) == ("country", "RU", 3)
