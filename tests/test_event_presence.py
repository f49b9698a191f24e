"""Whether a report states an event (issue 10): classes of error read from real reports, each
with cases written for these tests. A background cue inside a relative clause is the clause's;
a withdrawal or a town given up without a fight is told in uk/ru as in en; "всього за 10 км"
("just 10 km") is no total; "weeks of fighting" is a span of the war, not an event; what a side
wants is not done; "на сьогодні" is a running total; a mention with no
place of its own that speaks of the occupied territories tells a tally over them; a noun
ending like a past verb ("Байрактарів") says nothing happened; "родом з", "went to defend" tell
a life; someone "held by Russian soldiers" was detained; "на знак підтримки" is a gesture, as en
"a show of support" is, and a protest's gesture is the protest; "the war goes on" makes no
background of the news beside it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from khronika.extraction.annotators import PIPELINE
from khronika.extraction.document import Document
from khronika.lang import load_pack
from khronika.lang.morphology import likeliest_noun
from khronika.pipeline import extract_report
from khronika.places import Gazetteer
from khronika.records import Event, Report

PUBLISHED = date(2024, 6, 4)


def events_of(text: str, gaz: Gazetteer, language: str) -> list[Event]:
    report = Report(
        id="r1",
        text=text,
        published=datetime(PUBLISHED.year, PUBLISHED.month, PUBLISHED.day),
        language=language,
        source="test",
    )
    return extract_report(report, gaz).events


def foreground(text: str, gaz: Gazetteer, language: str) -> list[Event]:
    return [e for e in events_of(text, gaz, language) if not e.background]


def reasons_of(text: str, gaz: Gazetteer, language: str) -> list[str]:
    """Every confidence reason of every mention, events and candidates alike."""
    report = Report(id="r1", text=text, published=datetime(2024, 6, 4), language=language)
    extraction = extract_report(report, gaz)
    return [r for e in extraction.events + extraction.candidates for r in e.confidence_reasons]


@pytest.mark.parametrize(
    ("language", "text", "place"),
    [
        (
            "en",
            "After the battles for Dovhenke, which continued since the start of the war, "
            "Russian troops retreated from the village on Friday.",
            "Dovhenke",
        ),
        (
            "uk",
            "Після боїв за Довгеньке, які тривали з початку війни, російські війська відступили "
            "з села в п'ятницю.",
            "Dovhenke",
        ),
        (
            "ru",
            "После боёв за Купянск, которые продолжались с начала войны, российские войска "
            "отступили из города в пятницу.",
            "Kupiansk",
        ),
    ],
)
def test_a_background_cue_inside_a_relative_clause_is_the_clause_s(
    language: str, text: str, place: str, gaz: Gazetteer
) -> None:
    """ "..., which continued since the start of the war, ...": the battles went on, the
    retreat is the news."""
    events = foreground(text, gaz, language)
    assert [e.location.name if e.location else None for e in events] == [place]


def test_a_relative_clause_with_a_trigger_keeps_its_background(gaz: Gazetteer) -> None:
    """ "The town, which has been shelled since May, ...": the clause holds what went on."""
    text = "Kupiansk, which has been shelled since May, is without power and water."
    report = Report(id="r1", text=text, language="en")
    doc = PIPELINE.until("mood")(Document(report, load_pack("en"), gaz, PUBLISHED))
    assert [m.background for m in doc.mood] == [True]


@pytest.mark.parametrize(
    ("language", "text", "place"),
    [
        ("uk", "Російські військові залишили місто Куп'янськ вночі.", "Kupiansk"),
        ("ru", "Российские военные оставили город Купянск ночью.", "Kupiansk"),
        ("ru", "Российские войска вошли в Купянск без боя.", "Kupiansk"),
        (
            "uk",
            "Зрештою окупанти вийшли з Балаклії, не чинячи жодного опору.",
            "Balakliia",
        ),
        (
            "en",
            "The Russian troops left Kupiansk on Sunday, offering almost no resistance.",
            "Kupiansk",
        ),
        (
            "en",
            "After the night's strikes, the Russian troops left the town of Kupiansk.",
            "Kupiansk",
        ),
    ],
)
def test_a_town_given_up_is_a_transfer_of_territory(
    language: str, text: str, place: str, gaz: Gazetteer
) -> None:
    events = foreground(text, gaz, language)
    assert [(e.sub_event_type, e.location.name if e.location else None) for e in events] == [
        ("Non-violent transfer of territory", place)
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("uk", "Тисячі жителів залишили місто Ізюм через обстріли."),
        ("ru", "Жители оставили город Купянск из-за обстрелов."),
        ("en", "Thousands of residents left Kupiansk on Sunday."),
    ],
)
def test_residents_leaving_a_town_are_no_withdrawal(
    language: str, text: str, gaz: Gazetteer
) -> None:
    events = foreground(text, gaz, language)
    assert "Non-violent transfer of territory" not in {e.sub_event_type for e in events}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("uk", "Ракета влучила в будинок у Краматорську, всього за 10 кілометрів від фронту."),
        ("ru", "Ракета попала в дом в Краматорске, всего в 10 километрах от фронта."),
    ],
)
def test_just_so_far_away_is_no_total(language: str, text: str, gaz: Gazetteer) -> None:
    """ "всього за 10 кілометрів" is "just 10 km away", not "in total"."""
    events = foreground(text, gaz, language)
    assert [e.location.name if e.location else None for e in events] == ["Kramatorsk"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "After weeks of battles, Irpin lies in ruins."),
        ("uk", "Після тижнів боїв Ірпінь лежить у руїнах."),
        ("en", "Russian troops have been shelling Avdiivka for two months."),
        ("uk", "Російські війська впродовж двох місяців обстрілюють Авдіївку."),
        ("ru", "Российские войска на протяжении двух месяцев обстреливают Авдеевку."),
    ],
)
def test_weeks_of_fighting_are_the_war_s_course_not_an_event(
    language: str, text: str, gaz: Gazetteer
) -> None:
    """ "After weeks of battles", "for two months": a span of the war, no event of a day."""
    assert foreground(text, gaz, language) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "After weeks of fighting, Russian troops left Kupiansk on Sunday."),
        ("uk", "Після тижнів боїв окупанти залишили місто Куп'янськ у неділю."),
        ("ru", "После недель боёв оккупанты оставили город Купянск в воскресенье."),
    ],
)
def test_the_news_after_weeks_of_fighting_stays_an_event(
    language: str, text: str, gaz: Gazetteer
) -> None:
    """The span takes out its own trigger only: the withdrawal that ended it is the news."""
    events = foreground(text, gaz, language)
    assert [(e.sub_event_type, e.event_date) for e in events] == [
        ("Non-violent transfer of territory", date(2024, 6, 2))
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The Russian army least of all wants a clash with the US army near Popasna."),
        (
            "uk",
            "Російська армія найменше бажає повномасштабного зіткнення з армією США біля Попасної.",
        ),
        ("ru", "Российская армия меньше всего желает столкновения с армией США под Попасной."),
    ],
)
def test_what_a_side_wants_is_not_done(language: str, text: str, gaz: Gazetteer) -> None:
    assert foreground(text, gaz, language) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Russian forces shelled Kupiansk overnight. They want to destroy the town."),
        ("uk", "Окупанти обстріляли Куп'янськ уночі. Вони хочуть зруйнувати місто вщент."),
        ("ru", "Оккупанты обстреляли Купянск ночью. Они хотят разрушить город."),
    ],
)
def test_a_wish_beside_a_strike_leaves_the_strike(language: str, text: str, gaz: Gazetteer) -> None:
    events = foreground(text, gaz, language)
    assert [e.location.name if e.location else None for e in events] == ["Kupiansk"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "To date, Ukrainian forces have destroyed 210 Russian aircraft and 180 helicopters, "
            "the General Staff said.",
        ),
        (
            "uk",
            "На сьогодні українські сили знищили 210 російських літаків та 180 гелікоптерів, "
            "повідомив Генштаб.",
        ),
        (
            "ru",
            "На сегодня украинские силы уничтожили 210 российских самолётов и 180 вертолётов, "
            "сообщил Генштаб.",
        ),
    ],
)
def test_a_tally_as_of_today_is_no_event(language: str, text: str, gaz: Gazetteer) -> None:
    """ "На сьогодні" is uk's "to date" and "so far": the war's running total."""
    assert foreground(text, gaz, language) == []


def test_a_toll_as_of_today_stays_the_strike_s(gaz: Gazetteer) -> None:
    text = "Ракета влучила в будинок у Краматорську вночі. На сьогодні відомо про двох загиблих."
    events = foreground(text, gaz, "uk")
    assert [(e.location.name if e.location else None, e.fatalities.best) for e in events] == [
        ("Kramatorsk", 2)
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The occupiers stole 300 tonnes of grain from a warehouse in Melitopol."),
        ("uk", "Окупанти вкрали 300 тонн зерна зі складу в Мелітополі."),
        ("ru", "Оккупанты украли 300 тонн зерна со склада в Мелитополе."),
    ],
)
def test_stolen_grain_is_looting(language: str, text: str, gaz: Gazetteer) -> None:
    events = foreground(text, gaz, language)
    assert [(e.sub_event_type, e.location.name if e.location else None) for e in events] == [
        ("Looting/property destruction", "Melitopol")
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "The occupiers have stolen more than 2,000 tonnes of grain from the occupied "
            "territories, the ministry said.",
        ),
        (
            "uk",
            "Окупанти вкрали з тимчасово окупованих територій понад 2 тисячі тонн зерна, "
            "повідомили в міністерстві.",
        ),
        (
            "ru",
            "Оккупанты украли с временно оккупированных территорий более 2 тысяч тонн зерна, "
            "сообщили в министерстве.",
        ),
    ],
)
def test_a_tally_over_the_occupied_territories_is_no_event(
    language: str, text: str, gaz: Gazetteer
) -> None:
    assert foreground(text, gaz, language) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "In the occupied territories, Russian troops detained the mayor of Melitopol."),
        ("uk", "На окупованих територіях російські військові затримали мера Мелітополя."),
        ("ru", "На оккупированных территориях российские военные задержали мэра Мелитополя."),
    ],
)
def test_a_town_named_in_the_occupied_territories_keeps_its_event(
    language: str, text: str, gaz: Gazetteer
) -> None:
    events = foreground(text, gaz, language)
    assert [e.location.name if e.location else None for e in events] == ["Melitopol"]


@pytest.mark.parametrize(
    ("word", "language", "noun"),
    [
        ("Байрактарів", "uk", True),
        ("снарядів", "uk", True),
        ("обстріляли", "uk", False),
        ("зруйновано", "uk", False),
        ("обстрел", "ru", True),
        ("обстреляли", "ru", False),
        ("shelled", "en", False),
    ],
)
def test_the_dictionary_tells_a_noun_from_a_verb_of_the_same_ending(
    word: str, language: str, noun: bool
) -> None:
    assert likeliest_noun(word, language) is noun


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "uk",
            "Волонтери зібрали кошти для придбання п'яти Байрактарів для бригади під Куп'янськом.",
        ),
        ("ru", "Жители Купянска боятся, что обстрел повторится."),
    ],
)
def test_a_noun_that_ends_like_a_past_verb_says_nothing_happened(
    language: str, text: str, gaz: Gazetteer
) -> None:
    """ "п'яти Байрактарів" and "обстрел" end like "полетів" and "стрелял": nouns, no verb."""
    assert not any("a verb says it happened" in r for r in reasons_of(text, gaz, language))


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "Oleksandr Kovalenko, a defender of Bakhmut, has died. He was a native of Poltava "
            "and volunteered to defend his country.",
        ),
        (
            "uk",
            "22 травня в Бахмуті загинула захисниця Олена Коваленко. Вона була родом з Полтави "
            "і поїхала захищати країну.",
        ),
        (
            "ru",
            "22 мая в Бахмуте погибла защитница Елена Коваленко. Она была родом из Полтавы и "
            "поехала защищать страну.",
        ),
        ("en", "Mariia is 9 years old and lives in Kharkiv. Her diary says her grandfather died."),
        ("uk", "Марії 9 років, вона живе в Харкові. У щоденнику вона пише, що загинув її дідусь."),
        ("ru", "Марии 9 лет, она живёт в Харькове. В дневнике она пишет, что погиб её дедушка."),
    ],
)
def test_a_death_in_a_life_told_is_no_event(language: str, text: str, gaz: Gazetteer) -> None:
    """ "родом з Полтави", "поїхала захищати": a portrait, like "went to the front"."""
    assert foreground(text, gaz, language) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "A Russian drone strike killed a man in Kherson on Monday. He was a native of Poltava.",
        ),
        ("uk", "Російський дрон у понеділок убив чоловіка в Херсоні. Він був родом з Полтави."),
        ("ru", "Российский дрон в понедельник убил мужчину в Херсоне. Он был родом из Полтавы."),
    ],
)
def test_where_a_victim_came_from_leaves_the_strike(
    language: str, text: str, gaz: Gazetteer
) -> None:
    events = foreground(text, gaz, language)
    assert [e.location.name if e.location else None for e in events] == ["Kherson"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "A teacher from Yahidne was held by Russian soldiers for 26 days in a school basement.",
        ),
        (
            "uk",
            "Учителька з Ягідного 26 днів утримувалась російськими військовими в підвалі школи.",
        ),
        (
            "ru",
            "Учительница из Ягодного 26 дней удерживалась российскими военными в подвале школы.",
        ),
    ],
)
def test_held_by_soldiers_is_a_detention(language: str, text: str, gaz: Gazetteer) -> None:
    events = foreground(text, gaz, language)
    assert [e.sub_event_type for e in events] == ["Abduction/forced disappearance"]


def test_prisoners_held_by_authorities_are_no_abduction(gaz: Gazetteer) -> None:
    text = "The prisoners of war were held by Ukrainian authorities in a camp near Lviv."
    assert foreground(text, gaz, "en") == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "Three leaders travelled to Kyiv in a show of support as the city came under "
            "further Russian attack.",
        ),
        (
            "uk",
            "Три лідери приїхали до Києва на знак підтримки, оскільки Київ зазнає подальших "
            "атак Росії.",
        ),
        (
            "ru",
            "Три лидера приехали в Киев в знак поддержки, поскольку Киев подвергается новым "
            "атакам России.",
        ),
    ],
)
def test_a_visit_in_a_show_of_support_is_no_attack(
    language: str, text: str, gaz: Gazetteer
) -> None:
    assert foreground(text, gaz, language) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Thousands rallied in Lviv on Sunday in a show of support for the army."),
        ("uk", "Тисячі людей вийшли на мітинг у Львові в неділю на знак підтримки армії."),
        ("ru", "Тысячи людей вышли на митинг во Львове в воскресенье в знак поддержки армии."),
    ],
)
def test_a_rally_in_a_show_of_support_is_a_protest(
    language: str, text: str, gaz: Gazetteer
) -> None:
    events = foreground(text, gaz, language)
    assert [(e.sub_event_type, e.location.name if e.location else None) for e in events] == [
        ("Peaceful protest", "Lviv")
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "Russia's war in Ukraine has continued, and Kharkiv came under heavy shelling "
            "on Monday.",
        ),
        (
            "uk",
            "Війна Росії проти України триває третій рік, а Харків у понеділок знову потрапив "
            "під обстріл.",
        ),
        (
            "ru",
            "Война России против Украины продолжается третий год, а Харьков в понедельник снова "
            "попал под обстрел.",
        ),
    ],
)
def test_the_war_going_on_leaves_the_day_s_news(language: str, text: str, gaz: Gazetteer) -> None:
    """ "The war goes on" tells of the war: the shelling beside it is no background."""
    events = foreground(text, gaz, language)
    assert [(e.location.name if e.location else None, e.event_date) for e in events] == [
        ("Kharkiv", date(2024, 6, 3))
    ]
