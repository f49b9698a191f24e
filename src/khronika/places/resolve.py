"""Choosing what a place name means, from what the whole report says about where.

A village name exists in many oblasts (and countries); the report usually names the oblast
("near Charivne, Zaporizhia") or other places nearby. Candidates are scored on that context and
on population; when the evidence does not single one out, the likeliest is returned with
geo_precision 2 and the others listed, so a reader sees the doubt instead of a confident
wrong village.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from khronika.lang import place_words
from khronika.places.conflict_lines import ConflictLines
from khronika.places.gazetteer import (
    ADMIN1,
    ADMIN2,
    CITY_DISTRICT,
    COUNTRY,
    FOCUS_COUNTRIES,
    RAION,
    SETTLEMENT,
    Candidate,
    Gazetteer,
    is_approximate,
    respelling_skeleton,
)
from khronika.places.morphology import is_cyrillic, may_name_region, name_forms
from khronika.places.romanize import name_key
from khronika.places.spot import PlaceSpan
from khronika.records import Evidence, Place

# Scores: an admin1 named right after the name decides; elsewhere in the report it weighs less.
LOCAL_ADMIN1 = 100.0
REPORT_ADMIN1 = 40.0
NAMED_ADMIN2 = 30.0
CONTEXT_COUNTRY = 20.0
FOREIGN_COUNTRY = -20.0
DEFAULT_COUNTRY = 10.0
NEAR_ANCHOR = 15.0  # at distance 0, falling to 0 at ANCHOR_REACH_KM
ANCHOR_REACH_KM = 100.0
APPROXIMATE_POINT_KM = 15.0  # how far a village placed at its hromada's point may lie from it
DISTANCE_HINT = 40.0
APPROXIMATE = -1.0
ALTERNATE_NAME = -5.0  # "Pokrovsk" is Engels' old name: a place called so today comes first
RESPELLED_NAME = -3.0  # "Troitskoye" may be Troitske: a place spelt as written comes first
# A name Ukraine retired ("Дзержинск", "Artemivsk") still means the renamed Ukrainian town in war
# news, even where the report names Russia (as the speaker); an admin1 named in the report wins.
RENAMED_PLACE = 45.0
# A report that names no country is most likely about the war in Ukraine: its Russian
# spellings ("Volchansk", "Artemovsk") mean the Ukrainian town, not a Russian namesake.
FALLBACK_COUNTRY = "UA"
FALLBACK_BONUS = 8.0
DECISIVE_MARGIN = 15.0
SAME_PLACE_KM = 10.0
LOCAL_ADMIN1_CHARS = 80  # how far after a name its "X, Oblast" admin1 may come
ANCHOR_POPULATION = 100_000
RAION_CENTRE_LEAD = 3  # a raion's centre outgrows the other towns of its stem this much
# Among same-name villages nothing else separates, the one near the fighting on the report's
# day (conflict_lines.py) is the likelier: a prior, small next to an admin1 named in the report
# and below DECISIVE_MARGIN, so a choice it alone makes keeps geo_precision 2.
CONFLICT_LINE = 8.0  # at the line, falling to 0 at CONFLICT_LINE_REACH_KM
CONFLICT_LINE_REACH_KM = 40.0
# A town abroad this big, called by its own name, may be what a report names; smaller ones (or
# any matched by an alternate name) in a report whose admin1 units lie elsewhere are words that
# happen to name a place: "Muqluga Cali", "a Toyota vehicle", "Sool" (Seoul).
FOREIGN_CITY_POPULATION = 1_000_000


# Cities that are first-level units of their own yet lie inside another, which reports name
# after them ("Sevastopol, Crimea"): (country, admin1 code) -> the enclosing unit's.
ENCLOSING_ADMIN1: dict[tuple[str, str | None], tuple[str, str | None]] = {
    ("UA", "20"): ("UA", "11"),
    ("UA", "12"): ("UA", "13"),
}


def _in_unit(candidate: Candidate, unit: Candidate) -> bool:
    """Whether a candidate lies in a named admin1 unit (or in a city-unit it encloses)."""
    key = (candidate.country_code, candidate.admin1_code)
    named = (unit.country_code, unit.admin1_code)
    return key == named or ENCLOSING_ADMIN1.get(key) == named


@dataclass
class PlaceContext:
    """What the whole report says about where: units named, countries, places resolved."""

    admin1: list[Candidate]
    countries: list[str]
    anchors: list[Candidate]
    default_country: str | None = None
    admin1_at: list[tuple[int, Candidate]] = field(default_factory=list)  # (offset, unit)
    admin2: list[Candidate] = field(default_factory=list)
    anchors_at: list[tuple[int, Candidate]] = field(default_factory=list)  # (offset, place)
    when: date | None = None  # the report's day, for the conflict-line prior


def main_place(spans: Sequence[PlaceSpan]) -> PlaceSpan | None:
    """The span a one-event text is most likely about: its first settlement (known or not),
    else its first admin1, else its first country."""
    tests = (
        lambda s: (
            not is_admin1_span(s)
            and not any(c.kind == COUNTRY for c in s.candidates)
            and (not s.candidates or bool(_settlements(s)))
        ),
        is_admin1_span,
        lambda s: any(c.kind == COUNTRY for c in s.candidates),
    )
    for test in tests:
        found = next((span for span in spans if test(span)), None)
        if found is not None:
            return found
    return None


def _settlements(span: PlaceSpan) -> list[Candidate]:
    return [c for c in span.candidates if c.kind in (SETTLEMENT, CITY_DISTRICT)]


def is_admin1_span(span: PlaceSpan) -> bool:
    """Whether a span names a first-level unit rather than a settlement."""
    admin1 = [c for c in span.candidates if c.kind == ADMIN1]
    return bool(admin1) and (span.kind_hint == ADMIN1 or len(admin1) == len(span.candidates))


def names_several_units(span: PlaceSpan) -> bool:
    """Whether a span names a region spanning several units of one country ("Donbas": Donetsk
    and Luhansk oblasts): it narrows a place down but does not say which unit."""
    countries = [c.country_code for c in span.candidates if c.kind == ADMIN1]
    return len(countries) > len(set(countries))


def build_context(
    spans: Sequence[PlaceSpan],
    gazetteer: Gazetteer | None = None,
    default_country: str | None = None,
    when: date | None = None,
) -> PlaceContext:
    """Collect admin1 units, countries and unambiguous places named anywhere in a report."""
    context = PlaceContext(
        admin1=[], countries=[], anchors=[], default_country=default_country, when=when
    )
    implied: dict[str, float] = defaultdict(float)
    raions: list[PlaceSpan] = []
    for span in spans:
        if is_admin1_span(span):
            local = not names_several_units(span)  # not "Novotoshkivske in Donbas": Donetsk
            for unit in (c for c in span.candidates if c.kind == ADMIN1):
                if local:
                    context.admin1_at.append((span.start, unit))
                if unit not in context.admin1:
                    context.admin1.append(unit)
            continue
        if span.kind_hint == "district":
            context.admin2.extend(c for c in span.candidates if c.kind == ADMIN2)
            raions.append(span)
        countries = {c.country_code for c in span.candidates if c.kind != COUNTRY}
        for country in (c.country_code for c in span.candidates if c.kind == COUNTRY):
            if span.preposition is None and country in FOCUS_COUNTRIES:
                # "Russia launched", "Ukraine needs": a side that acts, not where it happens.
                implied[country] += 1
            elif country not in context.countries:
                context.countries.append(country)
        if not _only_adjective_match(span, gazetteer or Gazetteer.default()):
            for country in countries:
                implied[country] += 1 / len(countries)
        anchor = _unambiguous(_settlements(span), span.surface)
        if anchor is not None:
            context.anchors_at.append((span.start, anchor))
            if anchor not in context.anchors:
                context.anchors.append(anchor)
    for unit in context.admin1:
        if unit.country_code not in context.countries:
            context.countries.append(unit.country_code)
    if not context.countries and implied:
        ranked = sorted(implied.items(), key=lambda item: (-item[1], item[0]))
        country, weight = ranked[0]
        tied = len(ranked) > 1 and ranked[1][1] == weight
        if weight >= 1 and not tied:  # a tie ("Donetsk": UA and RU) says no country
            context.countries.append(country)
    for span in raions:
        centre = _raion_centre(span, context.countries)
        if centre is not None and centre not in context.anchors:
            context.anchors_at.append((span.start, centre))
            context.anchors.append(centre)
    return context


def _raion_centre(span: PlaceSpan, countries: list[str]) -> Candidate | None:
    """The town a raion named in the report is called after, when the name leaves no doubt
    (one town of that stem in the report's countries, or one far bigger than the rest): the
    places in the raion lie around it, whatever their size."""
    centres = sorted((c for c in span.candidates if c.kind == RAION), key=lambda c: -c.population)
    centres = [c for c in centres if c.country_code in countries] or centres
    if len(centres) == 1 or (
        len(centres) > 1 and centres[0].population >= RAION_CENTRE_LEAD * centres[1].population
    ):
        return centres[0]
    return None


def _only_adjective_match(span: PlaceSpan, gazetteer: Gazetteer) -> bool:
    """ "Киевского (района)": an inflected masculine adjective that matched only through its
    dictionary form (Kievskiy villages in Russia) says nothing about the report's country."""
    last = span.surface.split()[-1]
    return (
        is_cyrillic(last)
        and not may_name_region(last)
        and not gazetteer.is_settlement_key(name_key(span.surface))
    )


def _surface_keys(surface: str) -> frozenset[str]:
    """The keys of a surface and of its dictionary forms."""
    return frozenset({name_key(surface), *(name_key(form) for form in name_forms(surface))})


def _unambiguous(candidates: list[Candidate], surface: str | None = None) -> Candidate | None:
    """The one place a name can mean: a single candidate, or a city far bigger than the rest;
    places called so by their own name come first (GeoNames lists "Sloviansk" for Nikopol)."""
    if surface is not None and not is_cyrillic(surface):
        key = name_key(surface)
        own = [c for c in candidates if name_key(c.name) == key]
        candidates = own or candidates
    if len(candidates) == 1:
        return candidates[0]
    ranked = sorted(candidates, key=lambda c: -c.population)
    if ranked and ranked[0].population >= max(ANCHOR_POPULATION, 10 * ranked[1].population):
        return ranked[0]
    return None


def distance_km(a: Candidate, b: Candidate) -> float | None:
    """Great-circle distance between two candidates, None when either has no point."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _local_admin1(span: PlaceSpan, context: PlaceContext) -> Candidate | None:
    """The admin1 named right after the span ("Charivne, Zaporizhia")."""
    for offset, unit in context.admin1_at:
        if span.end <= offset <= span.end + LOCAL_ADMIN1_CHARS:
            return unit
    return None


def _score_parts(
    candidate: Candidate,
    span: PlaceSpan,
    context: PlaceContext,
    local: Candidate | None,
    near: tuple[Candidate, float] | None,
    prior_day: date | None = None,
    look_alikes: bool = True,
) -> list[tuple[str, float]]:
    """Why a candidate scores what it does: (reason, points) pairs. Closeness to other places
    of the report weighs only among ``look_alikes``: Lviv named beside Mykolaiv does not make
    it the town of that name near Lviv."""
    parts = [("population", 2.0 * math.log10(candidate.population + 1))]
    if local is not None and _in_unit(candidate, local):
        parts.append((f"in {local.name}, named right after it", LOCAL_ADMIN1))
    elif any(_in_unit(candidate, u) for u in context.admin1):
        parts.append((f"in {candidate.admin1}, named in the report", REPORT_ADMIN1))
    if candidate.admin2 and any(
        u.admin2 == candidate.admin2 and u.admin1_code == candidate.admin1_code
        for u in context.admin2
    ):
        parts.append((f"in {candidate.admin2} raion, named in the report", NAMED_ADMIN2))
    if context.countries:
        if candidate.country_code in context.countries:
            parts.append((f"country {candidate.country_code} of the report", CONTEXT_COUNTRY))
        else:
            parts.append((f"outside {'/'.join(context.countries)}", FOREIGN_COUNTRY))
    if candidate.country_code == context.default_country:
        parts.append(("the outlet's country", DEFAULT_COUNTRY))
    elif not context.countries and candidate.country_code == FALLBACK_COUNTRY:
        parts.append(("no country named: Ukraine first", FALLBACK_BONUS))
    # A point that is its hromada's is good to the hromada's size, not to the kilometre.
    floor_km = APPROXIMATE_POINT_KM if is_approximate(candidate) else 0.0
    distances = [
        (max(d, floor_km), anchor)
        for anchor in context.anchors
        if anchor.id != candidate.id and (d := distance_km(candidate, anchor)) is not None
    ]
    if distances and look_alikes:
        km, anchor = min(distances, key=lambda pair: pair[0])
        if km < ANCHOR_REACH_KM:
            parts.append(
                (f"{km:.0f} km from {anchor.name}", NEAR_ANCHOR * (1 - km / ANCHOR_REACH_KM))
            )
    if near is not None:
        anchor, km = near
        d = distance_km(candidate, anchor)
        if d is not None:
            error = abs(d - km) / max(km, 5.0)
            parts.append(
                (
                    f"{d:.0f} km from {anchor.name} (text: {km:g})",
                    DISTANCE_HINT * (1 - min(2.0, 2 * error)),
                )
            )
    alternate = candidate.kind == SETTLEMENT and name_key(candidate.name) != name_key(span.surface)
    respelled = alternate and _respelled(candidate, span)
    if prior_day is not None and (not alternate or respelled or is_cyrillic(span.surface)):
        # Not for a town the name is only an alias of: GeoNames lists "Sloviansk" for Nikopol.
        parts.extend(_conflict_line_part(candidate, prior_day))
    if is_approximate(candidate):
        parts.append(("no own point (hromada's)", APPROXIMATE))
    if respelled:
        parts.append(("the same name romanized otherwise", RESPELLED_NAME))
    elif alternate:
        parts.append(("matched by a former or foreign name", ALTERNATE_NAME))
    if candidate.former_keys and candidate.former_keys & _surface_keys(span.surface):
        parts.append((f"renamed Ukrainian place, now {candidate.name}", RENAMED_PLACE))
    parent = candidate.parent_id
    if candidate.kind == CITY_DISTRICT and any(a.id == parent for a in context.anchors):
        parts.append(("district of a city in the report", NEAR_ANCHOR))
    return parts


def _respelled(candidate: Candidate, span: PlaceSpan) -> bool:
    """Whether the span may be the candidate's name in another romanization (its own name,
    spelt as written, is no respelling)."""
    return (
        span.surface.isascii()
        and name_key(candidate.name) != name_key(span.surface)
        and respelling_skeleton(candidate.name) == respelling_skeleton(span.surface)
    )


def _conflict_line_part(candidate: Candidate, day: date) -> list[tuple[str, float]]:
    """Closeness to the fighting on ``day`` (for a codifier village, its hromada's point:
    near enough, as the lines themselves are coarse)."""
    if candidate.latitude is None or candidate.longitude is None:
        return []
    nearest = ConflictLines.default().nearest(candidate.latitude, candidate.longitude, day)
    if nearest is None or nearest[0] >= CONFLICT_LINE_REACH_KM:
        return []
    km, line = nearest
    return [(f"{km:.0f} km from the {line}", CONFLICT_LINE * (1 - km / CONFLICT_LINE_REACH_KM))]


def _look_alikes(span: PlaceSpan, settlements: list[Candidate]) -> bool:
    """Whether a name's places are look-alikes that priors (the front line, places named
    nearby) may separate: not when it is a city's name ("Mykolaiv" is the city, whatever
    village shares the name near the front or near another city of the report)."""
    return len(settlements) > 1 and _unambiguous(settlements, span.surface) is None


def _score(
    candidate: Candidate,
    span: PlaceSpan,
    context: PlaceContext,
    local: Candidate | None,
    near: tuple[Candidate, float] | None,
    prior_day: date | None = None,
    look_alikes: bool = True,
) -> float:
    parts = _score_parts(candidate, span, context, local, near, prior_day, look_alikes)
    return sum(points for _, points in parts)


def explain(
    span: PlaceSpan,
    context: PlaceContext,
    gazetteer: Gazetteer | None = None,
    near: tuple[Candidate, float] | None = None,
) -> list[str]:
    """Readable lines: the chosen place, then every candidate with its score and reasons."""
    place = resolve(span, context, near=near, gazetteer=gazetteer)
    lines = [
        f"{span.surface!r} -> {place.name} ({place.admin1 or '?'}, {place.country_code}) "
        f"{place.place_kind}, geo_precision {place.geo_precision}, "
        f"point {place.latitude}, {place.longitude}"
    ]
    local = _local_admin1(span, context)
    settlements = _settlements(span)
    alike = _look_alikes(span, settlements)
    prior_day = context.when if alike else None
    scored = sorted(
        ((_score_parts(c, span, context, local, near, prior_day, alike), c) for c in settlements),
        key=lambda pair: -sum(p for _, p in pair[0]),
    )
    for parts, candidate in scored[:15]:
        reasons = "; ".join(f"{why} {points:+.1f}" for why, points in parts)
        total = sum(p for _, p in parts)
        lines.append(f"  {total:7.1f}  {_label(candidate)} [{candidate.id}]: {reasons}")
    others = [c for c in span.candidates if c.kind not in (SETTLEMENT, CITY_DISTRICT)]
    lines.extend(f"     unit  {_label(c)} ({c.kind})" for c in others)
    if len(scored) > 15:
        lines.append(f"  ... {len(scored) - 15} more")
    return lines


def _label(candidate: Candidate) -> str:
    return f"{candidate.name} ({candidate.admin1 or '?'}, {candidate.country_code})"


def resolve(
    span: PlaceSpan,
    context: PlaceContext,
    evidence: Evidence | None = None,
    near: tuple[Candidate, float] | None = None,
    gazetteer: Gazetteer | None = None,
) -> Place:
    """The place a span most likely means here; ``near`` is an (anchor, km) distance hint."""
    if is_admin1_span(span):
        return _admin1_place(span, context, evidence)
    countries = [c for c in span.candidates if c.kind == COUNTRY]
    if countries and span.kind_hint not in ("city", "village"):
        return _whole_unit(countries[0], COUNTRY, evidence)  # "Russia", not Russia, Ohio
    settlements = _settlements(span)
    if not settlements and any(c.kind == RAION for c in span.candidates):
        return _raion_place(span, context, evidence, near)
    if span.kind_hint == "district" and any(c.kind == CITY_DISTRICT for c in settlements):
        settlements = [c for c in settlements if c.kind == CITY_DISTRICT]
    if not settlements:
        admin1 = [c for c in span.candidates if c.kind == ADMIN1]
        if admin1:
            return _admin1_place(span, context, evidence)
        return _unknown(span, context, evidence, gazetteer)

    if context.countries:  # a Ukrainian village respelled is no reading of a Somali name
        settlements = [
            c for c in settlements if c.country_code in context.countries or not _respelled(c, span)
        ] or settlements
    if _stray_foreign_name(span, settlements, context):
        # A name spelt exactly as a town abroad is that town's name, not a misspelt village
        # here: no fuzzy match ("University of Virginia" is no Vershyna in Donetsk oblast).
        exact = any(name_key(c.name) == name_key(span.surface) for c in settlements)
        return _unknown(span, context, evidence, gazetteer, fuzzy=not exact)
    local = _local_admin1(span, context)
    alike = _look_alikes(span, settlements)
    prior_day = context.when if alike else None
    ranked = sorted(
        ((_score(c, span, context, local, near, prior_day, alike), c) for c in settlements),
        key=lambda pair: (-pair[0], -pair[1].population, pair[1].id),
    )
    best_score, best = ranked[0]
    if local is not None and not _in_unit(best, local):
        # "X, Oblast" with no X in that oblast: the gazetteer lacks this X.
        place = _unknown(span, context, evidence, gazetteer)
        place.candidates = [_label(c) for _, c in ranked[:8]]
        return place
    rivals = [
        c
        for score, c in ranked[1:]
        if score > best_score - DECISIVE_MARGIN
        and (distance_km(best, c) is None or (distance_km(best, c) or 0) > SAME_PLACE_KM)
    ]
    precise = (
        not rivals and not is_approximate(best) and span.preposition not in place_words().vague
    )
    others = [_label(c) for _, c in ranked[1:9]]
    if best.kind == CITY_DISTRICT:
        city = (gazetteer or Gazetteer.default()).city_of(best)
        place = _place_at(best, 1 if not rivals else 2, CITY_DISTRICT, evidence, others)
        if city is not None:
            place.name, place.gazetteer_id = city.name, city.id
        place.sublocations = [best.name]
        return place
    return _place_at(best, 1 if precise else 2, SETTLEMENT, evidence, others)


def _place_at(
    candidate: Candidate,
    geo_precision: int,
    place_kind: str,
    evidence: Evidence | None,
    others: list[str],
) -> Place:
    """The Place a chosen candidate stands for, with the others considered."""
    return Place(
        name=candidate.name,
        country_code=candidate.country_code,
        admin1=candidate.admin1,
        admin2=candidate.admin2,
        latitude=candidate.latitude,
        longitude=candidate.longitude,
        geo_precision=geo_precision,
        gazetteer_id=candidate.id,
        place_kind=place_kind,
        candidates=others,
        evidence=evidence,
    )


def _stray_foreign_name(
    span: PlaceSpan, settlements: list[Candidate], context: PlaceContext
) -> bool:
    """Whether every candidate is a small town (or an alternate name) outside the focus
    countries and outside every country whose admin1 units the report names."""
    units = {unit.country_code for unit in context.admin1}
    return bool(units) and all(
        c.country_code not in units
        and c.country_code not in FOCUS_COUNTRIES
        and (c.population < FOREIGN_CITY_POPULATION or name_key(c.name) != name_key(span.surface))
        for c in settlements
    )


def _raion_place(
    span: PlaceSpan,
    context: PlaceContext,
    evidence: Evidence | None,
    near: tuple[Candidate, float] | None,
) -> Place:
    """A raion ("Глушковский район") at its centre town: near, not at, the event."""
    local = _local_admin1(span, context)
    ranked = sorted(
        ((_score(c, span, context, local, near), c) for c in span.candidates if c.kind == RAION),
        key=lambda pair: (-pair[0], -pair[1].population, pair[1].id),
    )
    place = _place_at(ranked[0][1], 2, RAION, evidence, [_label(c) for _, c in ranked[1:9]])
    place.sublocations = [span.surface]
    return place


def _fuzzy_place(
    span: PlaceSpan, unit: Candidate, evidence: Evidence | None, gazetteer: Gazetteer
) -> Place | None:
    """A name with no exact candidate that sounds like a settlement of the admin1 the report
    names ("Работино в Запорожской области" -> Robotyne): near, with the match in the evidence."""
    found = gazetteer.fuzzy_in_admin1(span.surface, unit.country_code, unit.admin1_code)
    if found is None:
        return None
    candidate, score = found
    if evidence is not None:
        rule = f"{evidence.rule}; fuzzy match {span.surface!r} ~ {candidate.name!r} ({score:.0f})"
        evidence = replace(evidence, rule=rule)
    others = [f"fuzzy: {span.surface} ~ {candidate.name} ({score:.0f})"]
    return _place_at(candidate, 2, SETTLEMENT, evidence, others)


def _admin1_place(span: PlaceSpan, context: PlaceContext, evidence: Evidence | None) -> Place:
    units = [c for c in span.candidates if c.kind == ADMIN1]
    in_context = [u for u in units if u.country_code in context.countries]
    unit = (in_context or units)[0]
    place = _whole_unit(unit, ADMIN1, evidence)
    place.candidates = [_label(u) for u in units if u is not unit]
    return place


def _whole_unit(unit: Candidate, kind: str, evidence: Evidence | None) -> Place:
    return Place(
        name=unit.name,
        country_code=unit.country_code,
        admin1=unit.admin1,
        latitude=unit.latitude,
        longitude=unit.longitude,
        geo_precision=3,
        gazetteer_id=unit.id,
        place_kind=kind,
        evidence=evidence,
    )


def _unknown(
    span: PlaceSpan,
    context: PlaceContext,
    evidence: Evidence | None,
    gazetteer: Gazetteer | None = None,
    fuzzy: bool = True,
) -> Place:
    """A name the gazetteer lacks: a settlement of the report's admin1 whose name sounds the
    same, else placed at a known place named just after it in the same admin1 ("Geel Gub
    village (Cadale, Middle Shabelle)"), else at the admin1's centroid."""
    unit = _local_admin1(span, context) or (context.admin1[0] if context.admin1 else None)
    if unit is not None and fuzzy:
        alike = _fuzzy_place(span, unit, evidence, gazetteer or Gazetteer.default())
        if alike is not None:
            return alike
    if unit is None:
        country = context.countries[0] if context.countries else context.default_country
        return Place(
            name=span.surface, country_code=country, place_kind="unknown", evidence=evidence
        )
    nearby = next(
        (
            anchor
            for offset, anchor in context.anchors_at
            if span.end <= offset <= span.end + LOCAL_ADMIN1_CHARS
            and (anchor.country_code, anchor.admin1_code) == (unit.country_code, unit.admin1_code)
        ),
        None,
    )
    point = nearby or unit
    return Place(
        name=span.surface,
        country_code=unit.country_code,
        admin1=unit.admin1,
        admin2=nearby.admin2 if nearby else None,
        latitude=point.latitude,
        longitude=point.longitude,
        geo_precision=2 if nearby else 3,
        place_kind="unknown",
        sublocations=[],
        candidates=[_label(nearby)] if nearby else [],
        evidence=evidence,
    )
