"""Postal addresses and places: street patterns, postcodes, a city gazetteer.

ADDRESS: a street line (house number and a street type, in US/UK, German or French
form), extended over what follows it on the same line: city, state and ZIP code,
postcode and city, country. The street types are the postal services' own lists
(USPS Publication 28 suffixes, Royal Mail thoroughfares, German and French street
words).

LOCATION: any capitalised run right after a phrase that names a place (lives in,
moved to, near, born in, resident of, originally from, a town called, signed in, done
at, see you in, staying in) or a form's label (City:, Town:, Place of birth:, Ort:,
Ville:, Usual residence:, at the start of a line, sentence or list item): 0.9, so that
towns no list knows are found (not a month or weekday, nor a run with a digit); a run
opening a line before a comma and a date (a letter's dateline, "Rostock, 12 March
2026"): 0.85; a run found in the GeoNames gazetteer, or shaped like
a place name (Port ..., ...ville, ...burgh), right after a place word (in, from, to,
at): 0.6; in the gazetteer without such a word: 0.35, which only counts if the
policy lowers the threshold. A run followed by a model number ("Echo Show 8") or by a
firm's shape ("Baxter Group", "Hayes, Baxter and Roux") is none. spaCy's GPE/LOC tags
add to this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from aigc_guard.checks.pii.adjusted import MODEL_NUMBER_AFTER
from aigc_guard.checks.pii.gazetteers import is_first_name, major_places, place_names
from aigc_guard.checks.pii.names import SP, firm_shaped
from aigc_guard.checks.pii.support import firm_context
from aigc_guard.checks.pii.textual import Hit, TextRecognizer, line_start

STREET_TYPES_EN = (
    "Alley|Annex|Arcade|Avenue|Ave|Bayou|Beach|Bend|Bluffs?|Bottom|Boulevard|Blvd|Branch"
    "|Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape|Causeway|Centers?|Circles?|Cir|Cliffs?"
    "|Club|Commons?|Corners?|Course|Courts?|Ct|Coves?|Creek|Crescent|Crest|Crossing"
    "|Crossroad|Curve|Dale|Dam|Divide|Drives?|Dr|Estates?|Expressway|Extensions?|Falls?"
    "|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort|Freeway|Gardens?|Gateway"
    "|Glens?|Greens?|Groves?|Harbors?|Haven|Heights|Highway|Hwy|Hills?|Hollow|Inlet"
    "|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Ln|Lights?|Loaf"
    "|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway|Mount"
    "|Mountains?|Neck|Orchard|Oval|Overpass|Parks?|Parkways?|Pass|Passage|Path|Pike"
    "|Pines?|Place|Pl|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?"
    "|Rest|Ridges?|River|Roads?|Rd|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?"
    "|Spurs?|Squares?|Sq|Station|Stravenue|Stream|Streets?|St|Summit|Terrace|Ter"
    "|Throughway|Trace|Track|Trafficway|Trail|Trailer|Tunnel|Turnpike|Underpass|Unions?"
    "|Valleys?|Viaduct|Views?|Villages?|Ville|Vista|Walks?|Wall|Ways?|Wells?|Close|Rise"
    "|Wharf|Yard|Parade|Vale|Gate|Wynd|End|Bank|Circus|Embankment|Grange|Quay|Broadway|Via"
)
STREET_TYPES_DE = (
    "straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad"
    "|stieg|markt|hof|graben|kamp|tor|brücke|bogen|hain|garten|winkel|zeile|anger|berg"
)
STREET_TYPES_FR = (
    "rue|avenue|av\\.|boulevard|bd|chemin|place|impasse|allée|route|quai|cours|passage"
    "|square|voie|rond-point|faubourg|villa|hameau|sentier|lieu-dit|résidence|esplanade"
)
NAME_WORD = r"[A-ZÀ-Þ][\wÀ-ÿ'’.-]*"
HOUSE = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
SECONDARY = (
    r"(?:,?[ \t]+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Room|Fl\.?|Floor|#)[ \t]*\w{1,6})"
)

_DE_PREFIX = r"(?:(?:Am|An der|Auf dem|Im|In der|Zum|Zur)[ \t]+)"
STREET_LINES = [
    # 12 Baker Street, Apt. 3 / 1914 Landry Union Suite 5
    re.compile(
        rf"(?<![\w-]){HOUSE}[ \t]+(?:{NAME_WORD}[ \t]+){{1,3}}(?:{STREET_TYPES_EN})\b\.?"
        rf"{SECONDARY}?"
    ),
    # Flat 5, Smith Road (UK secondary first, no house number)
    re.compile(
        rf"\b(?:Flat|Studio|Apartment|Unit)[ \t]+\d{{1,4}}[A-Za-z]?,?[ \t]+(?:{HOUSE}[ \t]+)?"
        rf"(?:{NAME_WORD}[ \t]+){{1,3}}(?:{STREET_TYPES_EN})\b\.?"
    ),
    # Stahrweg 8-2 / Ilse-Schmidt-Straße 12a / Am Markt 5
    re.compile(
        rf"\b{_DE_PREFIX}?[A-ZÄÖÜ][\wäöüß.-]*?(?i:{STREET_TYPES_DE})[ \t]+\d{{1,4}}[a-z]?"
        rf"(?:[ \t]?[-/][ \t]?\d{{1,4}}[a-z]?)?(?![\w])"
    ),
    re.compile(rf"\b{_DE_PREFIX}{NAME_WORD}[ \t]+\d{{1,4}}[a-z]?\b"),
    # 12, rue de la Paix / 3 bis avenue Foch
    re.compile(
        rf"(?<![\w-])\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:{STREET_TYPES_FR})[ \t]+"
        rf"[^\n,;:()]{{2,40}}",
        re.IGNORECASE,
    ),
]
# Street lines without a house number count only when a postcode and city follow.
STREET_LINES_WITH_TAIL = [
    re.compile(rf"(?<![\w-])(?:{STREET_TYPES_FR})[ \t]+[^\n,;:()]{{2,40}}", re.IGNORECASE),
    re.compile(rf"(?<![\w-])(?:{NAME_WORD}[ \t]+){{1,3}}(?:{STREET_TYPES_EN})\b"),
]
UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
CITY_WORD = r"(?:St\.|Ste\.|Mt\.|[A-ZÀ-Þ][\wÀ-ÿ'’-]*)"
CITY = (
    rf"{CITY_WORD}(?:[ \t-](?:{CITY_WORD}|(?:sur|sous|lès|les|la|le|der|de|am|an|im|upon|on)\b))*"
)
TAILS = [
    re.compile(rf",?[ \t]+{CITY},?[ \t]+[A-Z]{{2}}[ \t]+\d{{5}}(?:-\d{{4}})?\b"),  # US
    re.compile(rf",?[ \t]+(?:{CITY},?[ \t]+)?{UK_POSTCODE}\b"),  # UK
    re.compile(
        rf",?[ \t]+(?:[A-Z]{{1,2}}-)?\d{{5}}[ \t]+{CITY}(?:[ \t]+Cedex(?:[ \t]+\d{{1,2}})?)?"
    ),  # DE, FR
]
COUNTRY_TAIL = re.compile(
    r",?[ \t]+(?:USA|U\.S\.A\.|United States|UK|United Kingdom|Germany|Deutschland|France)\b"
)

# Phrases after which a capitalised run is a place even when no list knows it.
STRONG_PLACE_WORDS = re.compile(
    r"\b(?:lives in|living in|live in|moved to|moving to|move to|based in|born in|located in"
    r"|resides in|residing in|relocated to|near|town of|city of|village of|habite à|vit à"
    r"|wohnt in|wohnhaft in|resident of|native of|grew up in|originally from|comes? from"
    r"|departing from|travell?ing (?:from|to)|flying (?:from|to)|hometown(?: of)?"
    r"|(?:town|village|city|place) (?:called|named)"
    # where a document was signed: "Signed in Zaamslag on ...", "Done at Brussels", "Fait à"
    r"|signed (?:in|at)|done (?:in|at)|executed (?:in|at)|dated at|given at|fait à|signé à"
    r"|unterzeichnet in|firmado en|firmato a"
    # where people meet or stay: "see you in Bergiola", "arriving in Ostuni"
    r"|see you in|meet (?:you|me|us) in|arriv(?:e|es|ed|ing) in|landed in|landing in"
    r"|stay(?:s|ed|ing)? in|holiday in|vacation in"
    # a trip's ends: "Flight BA2490 from Herveld", "the train to Eenrum"
    r"|(?:flight|flights|train|bus|coach|ferry)(?:[ \t]+[A-Z]{1,3}[ \t]?\d{1,5})?[ \t]+(?:from|to)"
    # a building's or service's town: "the pharmacy in Carlier", "our clinic at Eenrum"
    r"|(?:pharmacy|surgery|hospital|clinic|practice|school|library|church|station|post office"
    r"|depot|warehouse|campus|town hall|police station|fire station|care home)"
    r"[ \t]+(?:in|at|near))[ \t]+$",
    re.IGNORECASE,
)
# A form's label for a place, at the start of a line or of a sentence or list item, with
# at most one word before it: "City: Rostock", "Ort: Eutin", ". Usual residence: Eutin",
# "; Home town: Eutin".
PLACE_LABEL = re.compile(
    r"(?:^|[.;,|(])[ \t]*(?:[^\W\d_]+[ \t]+)?(?:city|town|village|place of birth|birthplace"
    r"|hometown|home town|residence|place of residence|city of residence|domicile"
    r"|city of birth|ville|lieu de naissance|lieu de résidence|ort|wohnort|stadt"
    r"|geburtsort|città|ciudad|localidad|plaats|woonplaats|location|destination"
    r"|pick-?up(?: location| point)?|drop-?off(?: location| point)?)[ \t]*:[ \t]*$",
    re.IGNORECASE,
)
MONTHS = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April"
    r"|June|July|August|September|October|November|December|janvier|février|mars|avril|mai"
    r"|juin|juillet|août|septembre|octobre|novembre|décembre|Januar|Februar|März|Juni|Juli"
    r"|Oktober|Dezember)\b"
)
# A month or weekday inside a capitalised run ends the place before it.
DATE_IN_RUN = re.compile(
    rf"[ \t]+(?:(?:on|am|de|le)[ \t]+)?(?:{MONTHS}|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b)"
)
TRAILING_LINK = re.compile(r"(?:[ \t]+(?:upon|on|sur|am|an der|de|del|di))+$")
# A letter's dateline: the place at the start of a line, a comma, then a date.
DATELINE_AFTER = re.compile(
    rf",[ \t]+(?:(?:le|den|am|on|the)[ \t]+)?(?:\d{{1,4}}[./ -]|{MONTHS})", re.IGNORECASE
)
WEEKDAYS = frozenset((
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lundi",
    "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "montag", "dienstag",
    "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "today", "yesterday",
    "tomorrow", "dear", "hi", "hello",
))  # fmt: skip
# A firm written as names: "Hayes, Baxter and Roux", "Müller und Söhne".
FIRM_AFTER = re.compile(
    r"(?:,[ \t]+[A-Z][\w'-]+[ \t]+(?:and|&|und|et|e|y)[ \t]+[A-Z]"
    r"|[ \t]+(?:and|&|und|et)[ \t]+(?:Sons|Söhne|Fils|Partners?|Associates)\b"
    r"|[ \t]+(?:Group|Holdings?|Partners|Associates|Consulting|Solutions)\b)"
)
PLACE_WORDS = re.compile(
    r"\b(?:lives in|living in|live in|moved to|moving to|move to|based in|born in|located in"
    r"|resides in|residing in|relocated to|near|town of|city of|village of|habite à|vit à"
    r"|wohnt in|wohnhaft in)[ \t]+$",
    re.IGNORECASE,
)
PLACE_WORDS = re.compile(
    r"\b(?:in|from|near|to|at|around|outside|visiting|visit|moved to|moving to|lives in"
    r"|living in|based in|born in|city of|town of|à|de|vers|près de|nach|aus|bei"
    r"|round|leaving|leave|via|towards)[ \t]+$",
    re.IGNORECASE,
)
# A kind of place right after a run: "Pick-up: Ballland airport", "Melden station".
FACILITY_AFTER = re.compile(
    r"[ \t]+(?:airport|station|train station|railway station|bus station|harbou?r|port"
    r"|ferry terminal|town centre|city centre|town center|city center)\b"
)
PLACE_RUN = re.compile(
    r"\b[A-ZÀ-Þ][\wÀ-ÿ'’-]+(?:"
    + SP  # one space: two end a table's column
    + r"(?:[A-ZÀ-Þ][\wÀ-ÿ'’-]+|upon|on|sur|am|an der|de|del|di)){0,3}"
)
# After a place opener, an optional Romance particle and the name: "Pieve Di Cagna".
_OPENED = r"(?:[ \t]+(?:Di|De|Del|Dei|Della|de|di|del|dei|della))?[ \t]+[A-Z][\w'-]+"
# French compounds: "Godard-les-Bains", "Menard-sur-Mer", "Dupuy-la-Forêt".
_FRENCH_COMPOUND = r"[A-ZÀ-Þ][\w'’]+-(?:sur|sous|lès|les|le|la|en|aux)-[A-ZÀ-Þ][\w'’-]+"
PLACE_SHAPE = re.compile(
    r"^(?:(?:North|South|East|West|New|Port|Lake|Fort|Mount|Saint|St\.|San|Santa|Bad|Le|La"
    # Romance and Dutch place openers: "Lago Di Vico", "Pieve Di Cagna", "De Kwakel"
    r"|Sainte|Sankt|Santo|São|Lago|Pieve|Val|Valle|Monte|Borgo|Castel|Castello|Porto|Ponte"
    r"|Torre|Villa|Les|Los|Las|El|De|Het|'t)"
    + _OPENED
    + "|"
    + _FRENCH_COMPOUND
    + r"|[A-Z][\w'-]*(?:ville|town|ton|burgh|borough|bury|mouth|side|stad"
    r"|view|fort|haven|berg|burg|chester|shire|port|land|field|ford|furt|heim|hausen|dorf"
    r"|ingen|stadt|bach|feld|hagen|dam|wick|wich|thorpe|ham|ley|leigh|worth|caster|cester"
    r"|minster|pool|bridge|gate|hurst|dale|mouth|court|haven|view))$"
)

# Shapes only places take ("Pieve Di Cagna", "Menard-sur-Mer"): after a place word they
# outrank a person's name rule, as a big city's name does ("round Valencia").
SURE_PLACE_SHAPE = re.compile(
    r"(?:Sainte|Sankt|São|Lago|Pieve|Borgo|Castel|Castello|Porto|Ponte|Torre|Valle|Monte)"
    + _OPENED
    + "|"
    + _FRENCH_COMPOUND
)

# Two capitalised words joined by a hyphen: a double surname or a firm ("Douglas-
# Cunningham"), not a place for its shape alone.
DOUBLE_SURNAME = re.compile(r"[A-ZÀ-Þ][a-zß-ÿ']+-[A-ZÀ-Þ][a-zß-ÿ']+")


class AddressRecognizer(TextRecognizer):
    """ADDRESS: a street line and the city, postcode and country that follow it."""

    def __init__(self, language: str) -> None:
        super().__init__(entities=["ADDRESS"], name="aigc_guard:addresses", language=language)

    def find(self, text: str, doc: Any) -> Iterable[Hit]:
        for pattern in STREET_LINES:
            for match in pattern.finditer(text):
                end = _extend(text, match.end())
                score = 0.85 if end > match.end() else 0.7
                yield ("ADDRESS", match.start(), end, score)
        for pattern in STREET_LINES_WITH_TAIL:
            for match in pattern.finditer(text):
                end = _extend(text, match.end())
                if end > match.end():
                    yield ("ADDRESS", match.start(), end, 0.8)


def _extend(text: str, end: int) -> int:
    """`end` moved over a city/state/postcode tail and a country, when they follow."""
    for tail in TAILS:
        found = tail.match(text, end)
        if found:
            end = found.end()
            break
    country = COUNTRY_TAIL.match(text, end)
    return country.end() if country else end


class PlaceRecognizer(TextRecognizer):
    """LOCATION: gazetteer or place-shaped runs after a place word."""

    def __init__(self, language: str) -> None:
        super().__init__(entities=["LOCATION"], name="aigc_guard:places", language=language)

    def find(self, text: str, doc: Any) -> Iterable[Hit]:
        places = place_names()
        for run in PLACE_RUN.finditer(text):
            yield from _place(text, run.start(), _run_end(run), places)


def _place(text: str, start: int, end: int, places: frozenset[str]) -> Iterator[Hit]:
    value = text[start:end]
    before = text[max(0, start - 28) : start]
    if FIRM_AFTER.match(text, end) or firm_shaped(text, start, end):
        return  # "from Hayes, Baxter and Roux", "Lyon SA", "from Luján y asociados": a firm
    if MODEL_NUMBER_AFTER.match(text, end):
        return  # "in Echo Show 8": a product
    if any(char.isdigit() for char in value):
        return  # "Canon EOS R8", "Q3": a model or a quarter, no place
    label = text[line_start(text, start) : start]
    first = value.split()[0]
    calendar = first.lower() in WEEKDAYS or re.fullmatch(MONTHS, first, re.IGNORECASE)
    strong = STRONG_PLACE_WORDS.search(before) or PLACE_LABEL.search(label)
    if (strong or FACILITY_AFTER.match(text, end)) and not calendar:
        yield ("LOCATION", start, end, 0.9)
        return
    if _dateline(text, start, end):
        yield ("LOCATION", start, end, 0.85)
        return
    after_place_word = bool(PLACE_WORDS.search(before))
    words = list(re.finditer(r"\S+", value))
    for size in range(len(words), 0, -1):  # the longest known prefix of the run
        candidate = value[: words[size - 1].end()]
        known = candidate.lower() in places
        shaped = PLACE_SHAPE.match(candidate) and not DOUBLE_SURNAME.fullmatch(candidate)
        if known or (after_place_word and shaped):
            stop = start + len(candidate)
            if size < len(words) and is_first_name(words[0].group()):
                return  # "from Charles Schwab": a first name and a surname, not Charles
            if firm_context(text, start, stop):
                return  # "works at Santander UK", "£20 at Marks": a firm
            if FIRM_AFTER.match(text, stop) or firm_shaped(text, start, stop):
                return  # "de Haan NV", "Baxter Group", "Patberg Juncken GbR": a firm
            sure = SURE_PLACE_SHAPE.match(candidate) or candidate.lower() in major_places()
            score = (0.9 if sure else 0.6) if after_place_word else (0.35 if known else 0.0)
            if score:
                yield ("LOCATION", start, stop, score)
            return


def _run_end(run: re.Match[str]) -> int:
    """The run's end, cut before a date it ran into ("Goslar on April 30") and a linking
    word it ends with ("Sevilla on 03/05")."""
    value = run.group()
    date = DATE_IN_RUN.search(value)
    if date and date.start():
        value = value[: date.start()]
    return run.start() + len(TRAILING_LINK.sub("", value))


def _dateline(text: str, start: int, end: int) -> bool:
    """The run opens a line and a date follows its comma ("Rostock, 12 March 2026")."""
    first = text[start:end].split()[0]
    return (
        not text[line_start(text, start) : start].strip()
        and first.lower() not in WEEKDAYS
        and not re.fullmatch(MONTHS, first, re.IGNORECASE)
        and bool(DATELINE_AFTER.match(text, end))
    )


__all__ = ["AddressRecognizer", "PlaceRecognizer"]
