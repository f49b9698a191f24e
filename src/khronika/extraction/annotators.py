"""The extraction components, in the order they run: each adds its layers to a ``Document``.

``PIPELINE`` is the order. It matters where one layer is read to make another: places leave
out people's and actors' names and trigger words, and a sentence is background only while it
has no casualty figures of its own, so ``mood`` runs before ``group_totals`` adds figures.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import cache

from khronika.extraction.attribution import (
    Attributor,
    find_people,
    find_speakers,
    statement_at,
)
from khronika.extraction.budget import budgeted
from khronika.extraction.casualties import find_figures
from khronika.extraction.casualties import group_totals as add_group_totals
from khronika.extraction.document import (
    ActorName,
    Document,
    EventPlace,
    Mood,
    Pipeline,
    TriggerHit,
    component,
)
from khronika.extraction.gating import gated
from khronika.extraction.numbers import find_numbers
from khronika.extraction.sentences import Sentence, split_sentences
from khronika.lang import LanguagePack, fold_case, sentence_gates
from khronika.places import PlaceSpan, is_landmark, qualifies, spot_places
from khronika.time import TimeExpression, find_dates


@component("sentences", adds=("sentences",))
def sentences(doc: Document) -> None:
    """The story's sentences, captions and front matter left out."""
    doc.sentences = split_sentences(doc.text, doc.pack)


@component("gates", needs=("sentences",), adds=("gates",))
def gates(doc: Document) -> None:
    """The gate literals each sentence holds: patterns whose literals are absent are skipped
    (lang.could_match), so most patterns never run on most sentences."""
    finder = sentence_gates(doc.pack)
    doc.gates = [finder.find(fold_case(doc.text[s.start : s.end])) for s in doc.sentences]


@component("triggers", needs=("sentences", "gates"), adds=("triggers",))
def triggers(doc: Document) -> None:
    """Event triggers, not negated ("no shelling") and not in what may happen ("if Russia
    was to hit")."""
    doc.triggers = [
        _triggers_in(doc.text, sentence, present, doc.pack)
        for sentence, present in zip(budgeted(doc.sentences), doc.gates, strict=True)
    ]


def _triggers_in(
    text: str, sentence: Sentence, present: AbstractSet[str], pack: LanguagePack
) -> list[TriggerHit]:
    s, e = sentence.start, sentence.end
    negated = [(m.start(), m.end()) for m in pack.negated_event.finditer(text, s, e)]
    return [
        TriggerHit(t, m.start(), m.end())
        for t in gated(pack, "triggers", present)
        for m in t.regex.finditer(text, s, e)
        if t.event_type == "none"
        or not (any(a <= m.start() < b for a, b in negated) or _hypothetical(text, s, m, pack))
    ]


def _hypothetical(text: str, sentence_start: int, match: re.Match[str], pack: LanguagePack) -> bool:
    """Whether the trigger sits in a clause about what may happen ("if Russia was to hit")."""
    window = text[max(sentence_start, match.start() - 80) : match.start()]
    clauses = pack.grammar.clause_break.split(window)
    return bool(pack.hypothetical.search(clauses[-1]))


@component("people", needs=("sentences",), adds=("people",))
def people(doc: Document) -> None:
    """People's names introduced by a title ("Governor Oleh Synyehubov"): read once, for
    attribution (who is known by surname later) and for places (a name is never a place)."""
    doc.people = [find_people(doc.text, s, doc.pack) for s in doc.sentences]


@component(
    "attribution",
    needs=("sentences", "gates", "triggers", "people"),
    adds=("attributions", "speakers"),
)
def attribution(doc: Document) -> None:
    """Who says so: each sentence's speaker and channel. The speakers it names are looked
    up once, where a statement or a trigger needs them, and kept for ``speaker_names``."""
    text, pack = doc.text, doc.pack
    reader = Attributor(text, pack)
    doc.attributions, doc.speakers = [], []
    for index, sentence in enumerate(budgeted(doc.sentences)):
        present = doc.gates[index]
        verb_at = statement_at(text, sentence, pack)
        needed = verb_at is not None or bool(doc.triggers[index])
        speakers = find_speakers(text, sentence, pack, present) if needed else []
        doc.speakers.append(speakers)
        doc.attributions.append(
            reader.read(sentence, doc.people[index], verb_at, speakers, present)
        )


@component("speaker_names", needs=("triggers", "speakers"))
def speaker_names(doc: Document) -> None:
    """A gate: "Ukraine's Air Force said": a speaker's name is no air strike."""
    for index, found in enumerate(doc.triggers):
        names = doc.speakers[index]
        if found and names:
            doc.triggers[index] = [
                t for t in found if not any(n.start <= t.start and t.end <= n.end for n in names)
            ]


@component("dates", needs=("sentences",), adds=("dates", "event_dates"))
def dates(doc: Document) -> None:
    """Dates, resolved against the publication date, and the one that dates the sentence's
    event (not when it was said)."""
    doc.dates = [
        find_dates(doc.text, s.start, s.end, doc.published, doc.pack) for s in doc.sentences
    ]
    doc.event_dates = [
        _event_date(doc.text, sentence, found, doc.pack)
        for sentence, found in zip(doc.sentences, doc.dates, strict=True)
    ]


def _event_date(
    text: str, sentence: Sentence, dates: list[TimeExpression], pack: LanguagePack
) -> TimeExpression | None:
    """The sentence's first date that is not when the statement was made ("said on Sunday");
    the statement's date only when it gives no other."""
    said: list[TimeExpression] = []
    for expr in dates:
        if expr.since or expr.precision == "year":
            continue
        before = text[max(sentence.start, expr.start - 30) : expr.start]
        if pack.grammar.said_before.search(before):
            said.append(expr)
            continue
        return expr
    return said[0] if said else None


@component("numbers", needs=("sentences",), adds=("numbers",))
def numbers(doc: Document) -> None:
    """Numbers in digits and in words."""
    doc.numbers = [find_numbers(doc.text, s.start, s.end, doc.pack) for s in doc.sentences]


@component("figures", needs=("sentences", "gates", "dates", "numbers"), adds=("figures",))
def figures(doc: Document) -> None:
    """Casualty figures: numbers tied to a death or injury word, never those inside a date."""
    doc.figures = [
        find_figures(
            doc.text,
            sentence.start,
            sentence.end,
            found,
            [(d.start, d.end) for d in dated],
            doc.pack,
            present,
        )
        for sentence, present, dated, found in zip(
            budgeted(doc.sentences), doc.gates, doc.dates, doc.numbers, strict=True
        )
    ]


@component("actors", needs=("sentences", "gates"), adds=("actors",))
def actors(doc: Document) -> None:
    """Names of the sides ("Russian forces"): never places."""
    text, pack = doc.text, doc.pack
    doc.actors = [
        [
            ActorName(m.start(), m.end(), lex.value)
            for lex in gated(pack, "actors", present)
            for m in lex.regex.finditer(text, sentence.start, sentence.end)
        ]
        for sentence, present in zip(doc.sentences, doc.gates, strict=True)
    ]


@component("places", needs=("sentences", "triggers", "people", "actors"), adds=("places",))
def places(doc: Document) -> None:
    """Place names, less people's and actors' names, trigger words ("Grad" rockets) and
    names that stand for a side ("Kiev says")."""
    text, pack = doc.text, doc.pack
    found: list[list[PlaceSpan]] = []
    for index, sentence in enumerate(budgeted(doc.sentences)):
        taken = [(p.start, p.end) for p in doc.people[index]]
        taken += [(a.start, a.end) for a in doc.actors[index]]
        hits = doc.triggers[index]
        spans = [
            span
            for span in spot_places(text, sentence.start, sentence.end, doc.gazetteer)
            if not any(a < span.end and span.start < b for a, b in taken)
            and not any(_trigger_word(span, t) for t in hits)
        ]
        found.append([span for span in spans if not _names_a_party(text, span, sentence, pack)])
    doc.places = found


def _trigger_word(span: PlaceSpan, trigger: TriggerHit) -> bool:
    """Whether a place span is one of a trigger's own words ("Grad" rockets); a place that a
    trigger merely spans with words on both sides ("police in Kursk detained") stays a place."""
    overlaps = trigger.start < span.end and span.start < trigger.end
    return overlaps and not (trigger.start < span.start and span.end < trigger.end)


# A headline names its source last, after a colon or a spaced dash: "... killed in the east: Kiev".
_SOURCE_SEPARATOR = re.compile(r"(?::|\s[-–—])\s*$")


def _names_a_party(text: str, span: PlaceSpan, sentence: Sentence, pack: LanguagePack) -> bool:
    """Whether a place name stands for a side rather than a place: "Kiev says", "two Kiev
    soldiers", "Kyiv's aggression", "pro-Kiev troops", or a headline's closing source ("...
    killed in the east: Kiev"). Countries are kept: they still say which country a report is
    about."""
    if any(c.kind == "country" for c in span.candidates):
        return False
    roles = pack.place_roles
    after = text[span.end : sentence.end]
    possessive = pack.grammar.possessive.match(after)
    following = after[possessive.end() :] if possessive else after
    following = following.lstrip()
    if not roles["title_after"].match(following) and roles["party_after"].match(following):
        return True
    before = text[max(sentence.start, span.start - 30) : span.start]
    if _place_role_at_end(pack, "party_before").search(before.removesuffix("-")):
        return True  # (a prefix is joined by a hyphen: "pro-Kiev")
    if not _SOURCE_SEPARATOR.search(text[max(0, span.start - 5) : span.start]):
        return False  # (the text is searched: the splitter may end a sentence at the colon)
    if any(c.kind == "city_district" for c in span.candidates):
        return False  # "Donetsk - Kirovskyi": a city and its district
    tail = following.strip(" .!?\"'”»")
    return not tail or bool(roles["party_after"].match(tail))


@cache
def _place_role_at_end(pack: LanguagePack, role: str) -> re.Pattern[str]:
    """A place role's words ending a window ("25 km from"), compiled once per pack; matched
    case-sensitively, as the role's own pattern text says."""
    return re.compile(r"(?:" + pack.place_roles[role].pattern + r")\s*$")


@component("event_places", needs=("sentences", "places"), adds=("event_places",))
def event_places(doc: Document) -> None:
    """Which places are where something happened: not places in titles ("Kharkiv Governor"),
    regions, or reference points ("25 km from Kharkiv")."""
    doc.event_places = [
        _event_places(doc.text, sentence, spans, doc.pack)
        for sentence, spans in zip(doc.sentences, doc.places, strict=True)
    ]


def _event_places(
    text: str, s: Sentence, spans: list[PlaceSpan], pack: LanguagePack
) -> list[EventPlace]:
    out: list[EventPlace] = []
    references: list[PlaceSpan] = []
    distant: list[PlaceSpan] = []  # reference points within reach: the place if none is named
    previous: PlaceSpan | None = None
    for span in spans:
        kinds = {c.kind for c in span.candidates}
        qualifier = (
            previous is not None
            and text[previous.end : span.start].strip() == ","
            and qualifies(span, previous)
        )
        previous = span
        if not kinds & {"settlement", "city_district"} or "country" in kinds:
            continue  # "Russia": context, not the place of an event
        if span.kind_hint == "admin1" or ("admin1" in kinds and qualifier):
            continue  # "Donetsk region", "near Charivne, Zaporizhia": the region
        after = text[span.end : min(s.end, span.end + 40)]
        before = text[max(s.start, span.start - 60) : span.start]
        quoted = before.endswith(("«", '"', "“")) and after.startswith(("»", '"', "”"))
        if quoted and not any(is_landmark(c) for c in span.candidates):
            continue  # a quoted name is a unit's or an operation's («Хортиця»), not a plant's
        possessive = bool(pack.grammar.possessive.match(after))
        if not possessive and pack.place_roles["title_after"].match(after.lstrip()):
            continue
        if pack.grammar.district_after.match(after) and "city_district" not in kinds:
            continue  # "the Nikopol district": the raion around the town, not the town
        if possessive and _followed_by_settlement(spans, span):
            references.append(span)  # "Kherson's Antonivka suburb": Antonivka is the place
            continue
        distance = _place_role_at_end(pack, "distance_before").search(before)
        if distance is not None:
            references.append(span)
            if _within_reach(distance.group(0)):
                distant.append(span)
            continue
        if _place_role_at_end(pack, "reference_before").search(before):
            references.append(span)
            continue
        near = bool(_place_role_at_end(pack, "near_before").search(before))
        out.append(EventPlace(span, near, None))
    if references and out:
        out = [EventPlace(p.span, p.near, references[0]) for p in out]
    elif distant:  # "30 km from Popasna" and no place of its own: near the town, as ACLED codes
        out = [EventPlace(distant[0], True, None)]
    return out


# "N km from X" with no place of its own is near X up to this far; beyond, X only orients.
NEAR_REACH_KM = 50.0
_DISTANCE = re.compile(r"\d+(?:[.,]\d+)?")


def _within_reach(phrase: str) -> bool:
    """Whether a distance phrase ("30 km from", "north of") puts the event near its place."""
    number = _DISTANCE.search(phrase)
    if number is None:
        return True  # "north of Kupiansk": just outside it
    value = float(number.group(0).replace(",", "."))
    miles = "mile" in phrase.lower()
    return value * (1.609 if miles else 1.0) <= NEAR_REACH_KM


def _followed_by_settlement(spans: list[PlaceSpan], span: PlaceSpan) -> bool:
    following = next((s for s in spans if s.start > span.end), None)
    if following is None or following.start - span.end > 4:
        return False
    return any(c.kind == "settlement" for c in following.candidates) and not any(
        c.kind == "city_district" for c in following.candidates
    )


@component("mood", needs=("sentences", "triggers", "dates", "figures"), adds=("mood",))
def mood(doc: Document) -> None:
    """Background ("fighting has gone on since May"), claims and denials."""
    text, pack = doc.text, doc.pack
    found: list[Mood] = []
    for sentence, hits, dated, counted in zip(
        doc.sentences, doc.triggers, doc.dates, doc.figures, strict=True
    ):
        s, e = sentence.start, sentence.end
        cue = _background_cue(text, sentence, hits, pack)
        background = bool(cue) or any(d.since for d in dated)
        found.append(
            Mood(
                background=background
                and not counted
                and not _dated_to_a_day(dated, cue.start() if cue else e),
                claim=bool(pack.claim_cue.search(text, s, e)),
                denial=bool(pack.denial_cue.search(text, s, e)),
            )
        )
    doc.mood = found


def _background_cue(
    text: str, sentence: Sentence, hits: list[TriggerHit], pack: LanguagePack
) -> re.Match[str] | None:
    """The sentence's first background cue, passing over one inside a comma-set relative
    clause that holds no trigger: in "after the battles for the island, which went on since
    the war began, the troops withdrew on 30 June" the span is the battles', not the news';
    and over one told of the war itself ("Вторгнення Росії в Україну триває четвертий
    тиждень, але Маріуполь ... під бомбардуваннями"): the war goes on, the news is the rest."""
    s, e = sentence.start, sentence.end
    cues = list(pack.background_cue.finditer(text, s, e))
    if not cues:
        return None  # most sentences: the clauses and the war need not be looked for
    clauses = [(m.start(), m.end()) for m in pack.grammar.relative_clause.finditer(text, s, e)]
    wars = [m.end() for m in pack.negated_event.finditer(text, s, e)]
    for cue in cues:
        if any(_tells_of(text, end, cue.start(), pack) for end in wars):
            continue
        clause = next((c for c in clauses if c[0] <= cue.start() < c[1]), None)
        if clause is None or any(clause[0] <= t.start < clause[1] for t in hits):
            return cue
    return None


_WAR_REACH = 20  # characters between the war named as a whole and the cue that tells of it


def _tells_of(text: str, war_end: int, cue_start: int, pack: LanguagePack) -> bool:
    """Whether a cue follows the war named as a whole closely, in its clause: its verb."""
    gap = cue_start - war_end
    return 0 <= gap <= _WAR_REACH and not pack.grammar.clause_break.search(text, war_end, cue_start)


def _dated_to_a_day(dates: list[TimeExpression], cue_start: int) -> bool:
    """ "Fighting goes on; today our units repelled 12 attacks" and "On 2 November, forces
    continued to loot the town" are news of that day, not background; a day after the cue
    ("has continued since the offensive began on May 10") dates the background itself."""
    return any(
        (d.relative and d.rule in ("today", "yesterday", "overnight"))
        or (
            not d.relative
            and d.precision == "day"
            and not d.since
            and d.date_end is None
            and d.end <= cue_start
        )
        for d in dates
    )


@component("group_totals", needs=("sentences", "numbers", "figures"))
def group_totals(doc: Document) -> None:
    """ "A family of four lived there ... All of them died": a figure for the sentence that
    says the counted group died or was hurt, added to its figures."""
    add_group_totals(
        doc.text,
        [(s.start, s.end) for s in doc.sentences],
        doc.figures,
        doc.numbers,
        doc.pack,
    )


PIPELINE = Pipeline(
    [
        sentences,
        gates,
        triggers,
        people,
        attribution,
        speaker_names,
        dates,
        numbers,
        figures,
        actors,
        places,
        event_places,
        mood,
        group_totals,
    ]
)
