"""Spotting place names in English text: capitalized token runs looked up in the gazetteer.

Runs every sentence of every report, so the work per token is a few dictionary look-ups on
normalised keys; the longest known run wins. Besides known names, a capitalized run is kept
(with no candidates) where the text itself says it is a place: "in Geel Gub village",
"near Charivne, Zaporizhia", "(Cadale, Middle Shabelle)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from khronika.lang import facility_nouns, place_words
from khronika.places.gazetteer import (
    ADMIN1,
    COUNTRY,
    FOCUS_COUNTRIES,
    SETTLEMENT,
    Candidate,
    Gazetteer,
    admin1_key,
    is_raion_adjective,
)
from khronika.places.lists import regions_in_lists
from khronika.places.morphology import is_cyrillic, is_given_name, modifies_next
from khronika.places.romanize import name_key

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*(?:-[^\W\d_]+(?:['’ʼ][^\W\d_]+)*)*")
_POSSESSIVE_ENDINGS = ("'s", "’s", "ʼs")
# Between two words of one name: a space, or a spaced dash ("Donetsk - Kuibyshivskyi"), and
# the same followed by a line break.
_JOINERS = frozenset(
    joiner + line_break
    for joiner in (" ", "-", "–", " -", " –", "- ", "– ", " - ", " – ")
    for line_break in ("", "\n")
)
_WORD_AFTER = re.compile(r"\s*([^\W\d_][\w'’ʼ]*)")
_LETTER = re.compile(r"[^\W\d_]")
_WORD_JOINERS = "'’ʼ-"  # inside a word between letters: "Kryvyi Rih's", "al-Shabaab"
_BETWEEN_PLACES = re.compile(r",? [\w -]{0,40}, ")

# A lone name with no place preposition whose every candidate is a settlement this small and
# outside the focus countries is more likely a surname ("Kirby", "Stoltenberg") than a place.
_SUSPECT_POPULATION = 50_000


@dataclass(frozen=True)
class PlaceSpan:
    """A place name found in a text, with what it may mean and the words around it."""

    start: int
    end: int
    surface: str
    candidates: tuple[Candidate, ...]
    kind_hint: str | None
    preposition: str | None


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str


def _capitals() -> re.Pattern[str]:
    """Any character ``str.isupper`` accepts: those of the Basic Multilingual Plane listed as
    ranges, every character beyond it let through (checked one by one)."""
    codes = [code for code in range(0x10000) if chr(code).isupper()]
    ranges = []
    first = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            ranges.append(f"\\u{first:04x}-\\u{previous:04x}")
            first = code
        previous = code
    return re.compile(f"[{''.join(ranges)}\\U00010000-\\U0010ffff]")


_CAPITAL = _capitals()


def _capitalized_tokens(text: str, start: int, end: int) -> list[_Token]:
    """The words of ``text[start:end]`` (as ``_WORD.finditer`` splits it) that start with a
    capital: only they make names. A lowercase word between two of them still breaks a run,
    as the text between them is then no joiner.

    Capitals are few, so they are found first; one starts a word unless a letter, or a
    letter and an in-word joiner, come right before it within the range.
    """
    tokens: list[_Token] = []
    for capital in _CAPITAL.finditer(text, start, end):
        at = capital.start()
        if tokens and at < tokens[-1].end:
            continue  # inside the word just taken ("NATO", "McDonald")
        if at > start and _LETTER.match(text, at - 1):
            continue
        if at - 2 >= start and text[at - 1] in _WORD_JOINERS and _LETTER.match(text, at - 2):
            continue  # "al-Shabaab": the word began earlier
        word = _WORD.match(text, at, end)
        if word is not None and text[at].isupper():
            tokens.append(_Token(at, word.end(), word.group()))
    return tokens


def spot_places(
    text: str, start: int = 0, end: int | None = None, gazetteer: Gazetteer | None = None
) -> list[PlaceSpan]:
    """Place names in ``text[start:end]`` with their candidates; offsets index ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"spot_places: text must be str, got {type(text).__name__}")
    stop = len(text) if end is None else end
    if not 0 <= start <= stop <= len(text):
        raise ValueError(f"spot_places: bad range start={start} end={end} for {len(text)} chars")
    places = gazetteer or Gazetteer.default()
    tokens = _capitalized_tokens(text, start, stop)
    spans: list[PlaceSpan] = []
    index = 0
    while index < len(tokens):
        span, used = _longest_match(text, tokens, index, places, spans)
        if span is not None and _inflected_common_word(text, start, span, places):
            others = tuple(c for c in span.candidates if c.kind != SETTLEMENT)
            span = replace(span, candidates=others) if others else None  # "Запорізьку АЕС"
        if span is not None and _names_a_river(text, span):
            span = None  # "across the Dnipro River", "міст через річку Десна"
        if span is not None:
            spans.append(span)
        index += used
    return regions_in_lists(text, spans, places)


# A Cyrillic word matched to settlements this small only through a dictionary form needs a
# place cue (a preposition, "село") when its capital may come from its position alone.
_COMMON_WORD_POPULATION = 20_000
_CAPITALISED_BEFORE = re.compile(r"(?<![^\W\d_])[А-ЯІЇЄҐЁ][^\W\d_]*\s$")
_NEXT_WORD = re.compile(r"\s+([^\W\d_][\w'’ʼ-]*)")


def _inflected_common_word(text: str, start: int, span: PlaceSpan, places: Gazetteer) -> bool:
    """ "Військові йдуть" (soldiers, not Viiskove), "Збройних Сил" (forces, not Syla),
    "Українську столицю" (not Ukrainsk), "обстріляли Запорізьку АЕС" (not Zaporizke): a
    Cyrillic word that is a small village's name only once un-inflected, capitalised by its
    place in the sentence or in another name, or an adjective agreeing with the noun after
    it, is a common word unless the text marks it as a place."""
    surface = span.surface
    if " " in surface or not is_cyrillic(surface) or span.kind_hint is not None:
        return False
    settlements = [c for c in span.candidates if c.kind == SETTLEMENT]
    if not settlements or any(c.kind == COUNTRY for c in span.candidates):
        return False
    if any(c.population >= _COMMON_WORD_POPULATION for c in settlements):
        return False
    following = _NEXT_WORD.match(text, span.end)
    if following is not None and modifies_next(surface, following.group(1)):
        return True  # "Українське місто", "Запорізьку АЕС": a modifier, not a name
    if places.is_settlement_key(name_key(surface)) or places.is_known_name(name_key(surface)):
        return False  # spelt as the village is: "Мирне", "Щасливе"
    if _cue_before(text, span.start):
        return False
    before = text[start : span.start]
    initial = not any(ch.isalpha() for ch in before)
    inside_name = bool(_CAPITALISED_BEFORE.search(before))
    return initial or inside_name


# A raion's centre this big is a town a report may name by its adjective.
_ADJECTIVE_TOWN_POPULATION = 10_000


def _town_of_adjective(
    surface: str, places: Gazetteer, text: str, end: int
) -> tuple[Candidate, ...]:
    """ "Маріупольському драмтеатру", "Лисичанська гімназія": a town's adjective agreeing with
    a noun for something that can be hit names the town where it stands."""
    following = _NEXT_WORD.match(text, end)
    if following is None or not facility_nouns().fullmatch(following.group(1)):
        return ()
    if not modifies_next(surface, following.group(1), guessed=True):
        return ()
    towns = []
    for centre in places.raion_lookup(surface):
        if centre.population < _ADJECTIVE_TOWN_POPULATION:
            continue
        towns += [
            c
            for c in places.lookup(centre.name)
            if c.kind == SETTLEMENT and c.population >= _ADJECTIVE_TOWN_POPULATION
        ]
    return tuple(dict.fromkeys(towns))


def _only_small(found: list[Candidate]) -> bool:
    """Nothing, or only villages too small to be a town a report names by its adjective."""
    return all(c.kind == SETTLEMENT and c.population < _ADJECTIVE_TOWN_POPULATION for c in found)


def _names_a_river(text: str, span: PlaceSpan) -> bool:
    """Whether a river word stands right before or after the name."""
    rivers = place_words().rivers
    return _word_after(text, span.end) in rivers or _letters_before(text, span.start) in rivers


def _cue_before(text: str, start: int) -> bool:
    word = _letters_before(text, start)
    return word is not None and word in place_words().cues


def _run_length(text: str, tokens: list[_Token], index: int, limit: int) -> int:
    """How many capitalized tokens from ``index`` form one run (joined by space or dash)."""
    length = 1
    while (
        length < limit
        and not tokens[index + length - 1].text.endswith(_POSSESSIVE_ENDINGS)
        and index + length < len(tokens)
        and text[tokens[index + length - 1].end : tokens[index + length].start] in _JOINERS
        and not _is_acronym(tokens[index + length].text)
    ):
        length += 1
    return length


def _is_acronym(word: str) -> bool:
    """ "FPV-дрон", "ОВА", "ЗСУ": an acronym does not continue a name ("у Нікополі FPV-дрон")."""
    head = word.split("-", 1)[0]
    return len(head) >= 2 and head.isupper()


def _longest_match(
    text: str,
    tokens: list[_Token],
    index: int,
    places: Gazetteer,
    earlier: list[PlaceSpan],
) -> tuple[PlaceSpan | None, int]:
    run = _run_length(text, tokens, index, places.max_tokens)
    if run > 1 and name_key(tokens[index + run - 1].text) in places.organisation_words:
        return None, run  # "New York Times", "Kyiv Independent": an outlet, not a place
    if run > 1 and name_key(tokens[index].text) in places.first_names:
        whole = text[tokens[index].start : tokens[index + run - 1].end]
        if not places.is_known_name(name_key(whole)):
            return None, run  # "Dmitry Kozak": a person, not the village Kozak
    for length in range(run, 0, -1):
        first, last = tokens[index], tokens[index + length - 1]
        surface = text[first.start : last.end]
        end = last.end
        if surface.endswith(_POSSESSIVE_ENDINGS):
            surface, end = surface[:-2], end - 2
        candidates, hint = _candidates(surface, places, text, first.start, end, earlier)
        if (
            candidates is not None
            and length == 1 < run
            and _is_personal_name(tokens, index, places)
        ):
            unknown = _unknown_place(text, tokens, index, run, places)
            return unknown if unknown[0] is not None else (None, run)
        if candidates is not None:
            preposition = _preposition(text, first.start)
            span = PlaceSpan(first.start, end, surface, candidates, hint, preposition)
            kind_word = length < run and tokens[index + length].text.lower() in place_words().kinds
            return span, length + 1 if kind_word else length  # "Ilovaysk Town": Town is read
        if (
            length == run
            and run > 1
            and last.text.lower() not in place_words().kinds
            and not _person_within(tokens, index, run, places)
        ):
            # A whole unknown name the text marks as a place beats a known part of it (not
            # when its last word is a kind: "Ilovaysk Town" is Ilovaysk; nor when a person's
            # name follows the place: "міста Скадовськ Олександра Яковлєва").
            unknown = _unknown_place(text, tokens, index, run, places)
            if unknown[0] is not None:
                return unknown
    return _unknown_place(text, tokens, index, run, places)


def _candidates(
    surface: str, places: Gazetteer, text: str, start: int, end: int, earlier: list[PlaceSpan]
) -> tuple[tuple[Candidate, ...] | None, str | None]:
    """What a surface may mean here, or None when it is no place (unknown or a common word)."""
    key = name_key(surface)
    hint = _hint(text, start, end)
    admin1 = places.admin1_lookup(surface)
    admin1_slot = (
        bool(admin1)
        and hint is None
        and _follows_place(text, start, earlier)
        and not _lists_units(earlier[-1], admin1)
    )
    if admin1_slot:
        hint = ADMIN1
    if hint is None and (key in places.stopwords or _looks_like_abbreviation(surface, text, start)):
        return None, None
    if hint is None and key in places.first_names and _preposition(text, start) is None:
        return None, None  # "Oleh was killed": a man; "in Stanislav": the village
    first_word = key.split(" ", 1)[0]
    if first_word != key and first_word in places.stopwords and not places.is_known_name(key):
        return None, None  # "The Washington (Post)", "North Kharkiv"
    if surface.isupper() and len(surface) <= 5:  # "US", "UK", "ДНР": a country, a region or nothing
        country = places.country_by_key(key)
        if country:
            return (places.country_candidate(country),), None
        return (tuple(admin1), ADMIN1) if admin1 else (None, None)
    if _RAION_AFTER.match(text, end):  # "в Глушковском районе", "Nikopol district"
        raion = places.raion_lookup(surface)
        if raion and not any(c.kind == "city_district" for c in places.lookup(surface)):
            # the raion's centre, the town it is named after (an anchor for the places near
            # it) and the raion itself as context ("Kupiansk district")
            return (*raion, *places.lookup(surface), *places.admin2_lookup(surface)), "district"
    found: list[Candidate] = []
    region_word = hint in (ADMIN1, "district")
    if hint == ADMIN1 and not admin1:
        hint = None  # "Kryvyi Rih regional (council)": a city, not a region
    if hint != ADMIN1:
        settlements = places.lookup(surface)
        if hint is None and _suspect_lone_name(surface, settlements, text, start):
            settlements = []
        settlements += _respellings(surface, settlements, hint, places, text, start)
        found.extend(settlements)
    if hint == "district":
        found.extend(places.admin2_lookup(surface))
        if surface.isascii() and not any(
            c.kind == "city_district" or c.population >= _CITY_NOT_DISTRICT for c in found
        ):  # "one of Kyiv's districts" is Kyiv, not Kharkiv's Kyivskyi district
            found.extend(_district_by_short_name(surface, places))
    found.extend(admin1)
    country = places.country_by_key(key)
    if country is not None:
        found.append(places.country_candidate(country))
    if hint is None and not admin1 and is_cyrillic(surface) and _only_small(found):
        town = _town_of_adjective(surface, places, text, end)
        if town:  # "по Маріупольському драмтеатру": the theatre in Mariupol; "Лисичанська
            return town, "city"  # гімназія" is Lysychansk's, not the hamlet "Лисичанський"
    if not found and region_word and is_raion_adjective(surface):
        # A raion gone from today's codifier ("Popasnyansky district", "Amvrosievsky region",
        # both merged in 2020) still names its centre town: an anchor for the places in it.
        return (tuple(places.raion_lookup(surface)) or None), "district"
    return (tuple(found), hint) if found else (None, None)


_CITY_NOT_DISTRICT = 100_000


def _district_by_short_name(surface: str, places: Gazetteer) -> list[Candidate]:
    """A city's district called by its short name ("the Podil district", "Saltivka
    district"): the city districts whose adjective the pack's endings make of it."""
    found: dict[str, Candidate] = {}
    for strip, add in place_words().district_adjective:
        if strip and not surface.endswith(strip):
            continue
        adjective = (surface[: -len(strip)] if strip else surface) + add
        for candidate in places.lookup(adjective):
            if candidate.kind == "city_district":
                found.setdefault(candidate.id, candidate)
    return list(found.values())


def _respellings(
    surface: str,
    settlements: list[Candidate],
    hint: str | None,
    places: Gazetteer,
    text: str,
    start: int,
) -> list[Candidate]:
    """Ukrainian villages a Latin name may be another romanization of ("Troitskoye" for
    Troitske; Cyrillic forms go through morphology instead). Only where the name is a place
    anyway ("Petrova" is a surname as often) or has words enough not to be one by chance
    ("Stanitsa Luganskaya"), and never beside a Ukrainian place spelt as written."""
    marked = bool(settlements) or hint in ("village", "city") or bool(_preposition(text, start))
    if not surface.isascii() or not (marked or " " in surface):
        return []
    key = name_key(surface)
    if any(c.country_code == "UA" and name_key(c.name) == key for c in settlements):
        return []
    known = {c.id for c in settlements}
    return [c for c in places.respelled_lookup(surface) if c.id not in known]


# "Глушковском районе", "Kupianskyi raion". English "X district" stays with the district hint:
# it names a city's district ("Odesa's Peresyp district") as often as a raion.
_RAION_AFTER = re.compile(r"\s+(?:район\w*|raion|rayon)\b", re.IGNORECASE)


def _suspect_lone_name(surface: str, settlements: list[Candidate], text: str, start: int) -> bool:
    """A one-word name, no place preposition before it, meaning only small foreign towns."""
    return (
        bool(settlements)
        and " " not in surface
        and _preposition(text, start) is None
        and all(
            c.country_code not in FOCUS_COUNTRIES and c.population < _SUSPECT_POPULATION
            for c in settlements
        )
    )


def _is_personal_name(tokens: list[_Token], index: int, places: Gazetteer) -> bool:
    """ "Vladimir Putin", "Boris Johnson": a known first word followed by a name that is no
    region or country ("Stepove Donetsk" is a village and its oblast)."""
    word = tokens[index + 1].text
    key = name_key(word[:-2] if word.endswith(_POSSESSIVE_ENDINGS) else word)
    if word.lower() in place_words().kinds:
        return False  # "Ilovaysk Town": a place and its kind
    if key in places.person_names:
        return True
    if not word.isascii():  # "Володимира Путіна": the dictionaries know given names
        return is_given_name(tokens[index].text) and not places.admin1_lookup(word)
    if key in places.stopwords:
        return False
    return not places.admin1_lookup(word) and places.country_by_key(key) is None


def _person_within(tokens: list[_Token], index: int, run: int, places: Gazetteer) -> bool:
    """Whether a given name starts somewhere after the first word of a capitalized run."""
    for token in tokens[index + 1 : index + run]:
        word = token.text
        if word.isascii() and name_key(word) in places.first_names:
            return True
        if not word.isascii() and is_given_name(word):
            return True
    return False


def _looks_like_abbreviation(surface: str, text: str, start: int) -> bool:
    """Very short names ("Mil", "Ra") count only after a place preposition."""
    return len(surface) <= 3 and surface.isascii() and _preposition(text, start) is None


def _hint(text: str, start: int, end: int) -> str | None:
    """The kind the neighbouring words give: "Donetsk region", "Київській області", "village
    of X", "село Мирне"."""
    words = place_words()
    after = _word_after(text, end)
    if after in words.admin1_after:
        return ADMIN1
    if after in words.district_after:
        return "district"
    before = _letters_before(text, start)
    of = _letters_before(text, text.rfind("of", 0, start)) if before == "of" else None
    if before in words.village_before or of in words.village_of or after in words.village_after:
        return "village"
    if before in words.town_before or of in words.town_of or after in words.town_after:
        return "city"
    return None


def _follows_place(text: str, start: int, earlier: list[PlaceSpan]) -> bool:
    """True after "Place, " or "(Place, ": the admin1 slot of "Charivne, Zaporizhia"."""
    if not earlier:
        return False
    between = text[earlier[-1].end : start]
    return between in (", ", ",", " ") or bool(_BETWEEN_PLACES.fullmatch(between))


def _lists_units(before: PlaceSpan, units: list[Candidate]) -> bool:
    """ "Zhytomyr, Lviv, Chernihiv": after the name of another first-level unit, a unit's name
    is the next item of a list, not where the name before it lies ("Charivne, Zaporizhia");
    reading it so would put Zhytomyr in Lviv oblast."""
    named = {(c.country_code, c.admin1_code) for c in before.candidates if c.kind == ADMIN1}
    return bool(named) and not any((u.country_code, u.admin1_code) in named for u in units)


def _unknown_place(
    text: str,
    tokens: list[_Token],
    index: int,
    run: int,
    places: Gazetteer,
) -> tuple[PlaceSpan | None, int]:
    """An unknown capitalized run the text marks as a place, or nothing."""
    first, last = tokens[index], tokens[index + run - 1]
    surface = text[first.start : last.end]
    run_tokens = tokens[index : index + run]
    if name_key(surface) in places.stopwords or any(t.text.isupper() for t in run_tokens):
        return None, 1
    after = _word_after(text, last.end)
    hint = _hint(text, first.start, last.end)
    follows_admin1 = _admin1_follows(text, last.end, places)
    words = place_words()
    marked = after in words.after_name
    if not (marked or hint in ("village", "city") or follows_admin1):
        return None, 1
    if hint not in ("village", "city", None):
        return None, 1
    return PlaceSpan(first.start, last.end, surface, (), hint, _preposition(text, first.start)), run


_AFTER_NAME = re.compile(r"^(?: (?:village|town|area|city|settlement))?\s*([,(])([^().;\n]{1,60})")


def _admin1_follows(text: str, end: int, places: Gazetteer) -> bool:
    """Whether ", <admin1>" or " (<district>, <admin1>)" comes right after ``end``."""
    match = _AFTER_NAME.match(text[end : end + 80])
    if not match:
        return False
    parts = [part.strip() for part in match.group(2).split(",")]
    chunk = parts[-1] if match.group(1) == "(" else parts[0]
    return bool(chunk) and bool(places.admin1_by_key(admin1_key(chunk)))


def _word_after(text: str, end: int) -> str | None:
    """The word of any script (apostrophes kept) after ``end``, lowercased; spaces may come
    first."""
    match = _WORD_AFTER.match(text, end, end + 40)
    return match.group(1).lower() if match else None


def _letters_before(text: str, start: int) -> str | None:
    """The word of any script ending before ``start``, lowercased."""
    window = text[max(0, start - 40) : start].rstrip()
    first = len(window)
    while first and window[first - 1].isalpha():
        first -= 1
    return window[first:].lower() or None


def _preposition(text: str, start: int) -> str | None:
    """The place preposition right before a name, in any of the packs' languages."""
    word = _letters_before(text, start)
    return word if word in place_words().prepositions else None
