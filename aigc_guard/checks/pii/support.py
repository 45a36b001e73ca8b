"""Whether a capitalised span the NER model or a gazetteer calls a person has support.

The small spaCy model calls many product and company names PERSON ("Jira Cloud",
"Davis, Begum and Horton"), so a PERSON needs evidence beyond the model:
- support: a known first name among its words (Mark and Jack included), a title, form
  label or greeting before it, a chat speaker's colon after it, or a person's shape (an
  initial, a particle: "J. Smith", "Anne van Klaarwater", "DOE JANE");
- against: a product's shape (a model number or version right after it: "Nimbus
  Router 3000", "Surface Pro 9"), a firm's shape (three or more capitalised words in a list,
  "Watson, Hudson and Hill"; two surnames joined by a hyphen with nothing before them,
  "Moreno-Stanton"; a firm word or legal form in or after it, "Stichting van Dongen",
  "Saura y asociados S.L."), an article or possessive before it (a thing: "the Louis
  Vuitton Keepall", "your Philips Hue Bridge", "using Tesla Model Y"), or spaCy tagging
  it ORG or PRODUCT.
Unsupported or firm- and product-shaped candidates get a score below any sensible
threshold (UNSUPPORTED_SCORE), so a policy can still lower its threshold to see them.
"""

from __future__ import annotations

import re
from typing import Any

from aigc_guard.checks.pii.gazetteers import is_first_name
from aigc_guard.checks.pii.names import (
    LABELS,
    PARTICLES,
    ROLES,
    SALUTATION,
    TITLES,
    firm_shaped,
)
from aigc_guard.checks.pii.textual import line_start, speaker_at

UNSUPPORTED_SCORE = 0.3
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_CAP = rf"[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}][{_LOWER}'’]+)?"
# Titles, form labels and greetings (names.py's lists) after which a run is a person.
PERSON_BEFORE = re.compile(
    rf"(?:\b{TITLES}\.?[ \t]+|\b{LABELS}[ \t]*:?[ \t]+|\b{ROLES}[ \t]*:?[ \t]+"
    rf"|{SALUTATION.pattern.removesuffix('$')})$",
    re.IGNORECASE,
)
# A model number or version right after the span: "Router 3000", "PowerEdge R750".
PRODUCT_AFTER = re.compile(r"[ \t]+(?:v?\d[\w.]*|[A-Z]{1,3}\d+\w*)(?![\w/-])")
# Three or more single capitalised words in a list: a firm ("Watson, Hudson and Hill").
FIRM_LIST = re.compile(
    rf"(?<![\w])(?:{_CAP},[ \t]+)+{_CAP},?[ \t]+(?:and|&|e|y|et|und|en)[ \t]+{_CAP}(?![\w])"
)
PERSON_SHAPE = re.compile(
    r"(?:^|\s)(?:[A-Z]\.|von|van|de|der|den|di|da|del|della|dos|du|le|la|ten|ter|zu|bin"
    r"|ibn)\s"
)
NOT_PEOPLE_LABELS = frozenset({"ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
# An article or possessive right before the run of capitalised words that holds the
# span: a thing ("is the Louis Vuitton Keepall still available", "your Philips Hue
# Bridge"), not a person, whose name takes none; so is what one uses ("using Tesla
# Model Y"). Not "that", which more often opens a clause ("I confirm that Amy Hale").
THING_BEFORE = re.compile(
    r"(?:\b(?i:the|a|an|your|our|my|his|her|their|its|this|these|those|using)[ \t]+"
    r"|\b\d+[ \t]+[a-z]+[ \t]+of[ \t]+"  # "12 seats of", "200 licences of"
    # a count of things: "2 x Acme Nova", "3 parcels  Acme Nova", "30 new Acme Nova"
    r"|\b\d+[ \t]*(?:x|×|pcs|pieces|units|items|boxes|cases|parcels?|packs?|pallets"
    r"|new|used|spare)\.?[ \t]+)"
    rf"(?:[{_UPPER}][\w'’-]*[ \t]+){{0,3}}$"
)
# Words that end or follow a product's name: editions and tiers, kinds of device, app or
# service ("Acme Notes Enterprise", "Nest Hub", "Fire Stick"). A general list of the
# trade's words, not of product names; none is a common surname.
PRODUCT_WORDS = frozenset({
    "pro", "plus", "ultra", "lite", "mini", "premium", "enterprise", "professional",
    "business", "edition", "server", "cloud", "online", "studio", "suite", "workplace",
    "workspace", "hub", "bridge", "router", "speaker", "camera", "watch", "tablet",
    "laptop", "phone", "console", "controller", "headphones", "earbuds", "buds", "dock",
    "assistant", "sheets", "docs", "slides", "app", "platform", "software", "series",
    "model", "bundle", "kit", "desktop", "analytics", "monitor", "printer", "scanner",
    "keyboard", "charger", "backpack", "tote", "stick", "display", "thermostat", "doorbell",
})  # fmt: skip
_RUN_RIGHT = re.compile(rf"(?:[ \t]+[{_UPPER}][\w'’-]*)*")
# A form label that names a firm: "Employer: Dos Santos", "Supplier: Hartmann".
FIRM_LABEL = re.compile(
    r"\b(?i:employer|company|firm|vendor|supplier|manufacturer|brand|merchant|retailer"
    r"|organi[sz]ation|publisher|distributor|contractor|sponsor company"
    # a thing's label: "Item: Acme Nova", "Vehicle: Acme Nova"
    r"|item|product|model|device|vehicle|make|asset|article|equipment|goods)[ \t]*:[ \t]*$"
)

# A country or region right after a name, without a comma: a firm's national arm
# ("Santander UK", "Acme Deutschland"); a person's name takes none.
REGION_AFTER = re.compile(
    r"[ \t]+(?:UK|U\.K\.|USA|U\.S\.A\.|US|EU|Europe|EMEA|APAC|Americas|Deutschland|España"
    r"|Italia|Nederland|Schweiz|Suisse|Österreich|Nordic|Nordics)(?![\w&])"
)
# Words before a name that make it an employer, a shop or a merchant: "employed by",
# "works at", "bought from", "a charge of $10 from", "the board of", "customers of".
FIRM_CONTEXT_BEFORE = re.compile(
    r"\b(?i:employed by|(?:works?|worked|working|a job|employee|employees|staff) (?:at|for)"
    r"|(?:bought|ordered|purchased|shopped|shopping|shop|available|in stock|sold out)"
    r"(?: it| them| this| one)? (?:at|from)|sold by|(?:a )?charges? (?:of \S+ )?from"
    r"|refund(?:ed)? (?:of \S+ )?from|board (?:meeting )?of|shares (?:in|of)"
    r"|customers? of|subsidiary of|acquired by|merger with)[ \t]+$"
    r"|[$€£¥][ \t]?\d[\d.,]*[ \t]+at[ \t]+$"  # a price at a shop: "£77.50 at Acme"
)
# A word after a name that a firm or product takes and a person does not: its support,
# app, licence or store, units of it, an account with it ("Acme support", "Nova app
# 2.1", "30 Nova units", "renew the Nova licence"), or a department after a comma
# ("Bill to: Acme, Accounts Payable").
FIRM_OR_PRODUCT_AFTER = re.compile(
    r"(?:[ \t]+(?:support|helpdesk|help desk|customer (?:service|services|care|support)"
    r"|app|apps|licen[cs]es?|subscriptions?|units?|stores?|shops?|outlets?|branch|branches"
    r"|website|webshop|headquarters|hq|shares|stock|firmware|warranty|model|models)\b"
    r"|[ \t]+[x×][ \t]*\d"  # a count after it: "Acme Nova x 40"
    r"|-(?=[A-Za-z]*\d)[A-Za-z\d]+\b"  # a model code glued to it: "Acme Nova-DS61"
    r"|,[ \t]+(?:Accounts (?:Payable|Receivable)|Procurement|Purchasing|Finance Department"
    r"|Human Resources|Legal Department|Payroll Department)\b)"
)

# A firm's or thing's label, then capitalised words of the same run before the span
# ("Item: Adidas Stan Smith").
LABEL_THEN_RUN = re.compile(
    FIRM_LABEL.pattern.removesuffix("$") + rf"(?:[{_UPPER}][\w'’-]*[ \t])+$"
)
# "&" after the span, then a possessive or a word no first name: a firm ("Ben & Jerry's",
# "Marks & Spencer"), not two people ("Anna & Tom").
AMPERSAND_FIRM = re.compile(rf"[ \t]*&[ \t]*(?P<next>[{_UPPER}][\w'’-]*)")


def ampersand_firm(text: str, end: int) -> bool:
    found = AMPERSAND_FIRM.match(text, end)
    if found is None:
        return False
    word = found.group("next")
    return word.endswith(("'s", "’s")) or not is_first_name(word)


def firm_context(text: str, start: int, end: int) -> bool:
    """Words around the capitalised run that holds text[start:end] name a firm or a
    product: a region after it, an employer's or shop's phrase before it, or a firm's or
    product's word after it."""
    stop = _RUN_RIGHT.match(text, end)
    run_end = stop.end() if stop else end
    if REGION_AFTER.match(text, run_end) or FIRM_OR_PRODUCT_AFTER.match(text, run_end):
        return True
    if ampersand_firm(text, run_end):
        return True
    return bool(FIRM_CONTEXT_BEFORE.search(text, max(0, start - 48), start))


def has_support(text: str, start: int, end: int) -> bool:
    """A known first name among the span's words, a title, label or greeting before
    it, a speaker's colon after it, or a person's shape (initial, particle, capitals)."""
    value = text[start:end]
    words = [w for w in re.split(r"[\s-]+", value.replace(".", " ")) if len(w) > 1]
    if any(is_first_name(w, with_common_words=True) for w in words):
        return True
    if in_context(text, start, end):
        return True
    return bool(PERSON_SHAPE.search(f" {value} ")) or (value.isupper() and len(words) > 1)


def in_context(text: str, start: int, end: int) -> bool:
    """A title, form label or greeting right before the span, or a speaker's colon."""
    line = line_start(text, start)
    if PERSON_BEFORE.search(text[max(line, start - 24) : start]):
        return True
    return speaker_at(text, start, end)


def against(text: str, start: int, end: int, doc: Any = None, *, brands: Any = None) -> bool:
    """Shaped like a product or a firm, or (when `doc` is given) tagged a non-person
    entity by spaCy with no title, label or greeting before it. The small model tags
    many real full names ORG ("Helen Mason"): callers pass `doc` only for weak
    candidates such as a lone first name. `brands` (spaCy's Doc too) is read only for a
    brand right before the span ("Toyota Sienna": spaCy tags Toyota ORG)."""
    if PRODUCT_AFTER.match(text, end) or in_firm_list(text, start, end):
        return True
    if after_brand(brands, text, start):
        return True
    thing = a_thing(text, start) or product_named(text, start, end)
    thing = thing or firm_context(text, start, end)
    if (firm_shaped(text, start, end) or thing) and not in_context(text, start, end):
        return True
    value = text[start:end]
    # Two surnames joined by a hyphen, alone: a firm (a double first name such as
    # Jean-Pierre is a person).
    lone = "-" in value and " " not in value.strip() and not in_context(text, start, end)
    if lone and not all(is_first_name(p) for p in value.split("-")):
        return True
    return tagged_not_person(doc, start, end) and not in_context(text, start, end)


def after_brand(doc: Any, text: str, start: int) -> bool:
    """The word right before `start`, one space away on the same line, ends an
    organisation or product spaCy tagged: a brand, and the span its model ("Toyota
    Sienna", "Hyundai Santa Fe")."""
    if doc is None or start < 2 or text[start - 1] != " " or not text[start - 2].isalnum():
        return False
    word = text[start : start + 40].split(maxsplit=1)[0]
    if word.isupper():
        return False  # "VAN DER KINT ESMEE": a name in capitals, its particles tagged ORG
    return any(
        ent.label_ in ("ORG", "PRODUCT")
        and ent.end_char == start - 1
        and not PARTICLES.issuperset(ent.text.lower().split())
        for ent in doc.ents
    )


# A table's column header that names things: its cells are things, not people.
THING_HEADERS = frozenset({
    "item", "items", "product", "products", "model", "device", "asset", "article",
    "equipment", "vehicle", "description", "goods", "part", "sku", "make",
})  # fmt: skip


def in_thing_column(text: str, start: int) -> bool:
    """`start` lies in a cell of a "|"-separated table whose header row, the nearest line
    above with as many cells, names things in that column ("Item | Serial | Condition")."""
    line = line_start(text, start)
    stop = text.find("\n", start)
    row = text[line : stop if stop >= 0 else len(text)]
    if "|" not in row:
        return False
    column = text.count("|", line, start)
    cells = row.count("|") + 1
    above = line - 1
    for _ in range(12):  # a header within the table's first dozen rows
        if above <= 0:
            return False
        top = line_start(text, above, reach=400)
        header = text[top:above].split("|")
        if len(header) != cells:
            return False
        if header[column].strip().lower() in THING_HEADERS:
            return True
        above = top - 1
    return False


def a_thing(text: str, start: int) -> bool:
    """An article, possessive, "using" or "12 seats of" before the capitalised run that
    holds `start`, a firm's form label right before it, or a table column of things."""
    return bool(
        in_thing_column(text, start)
        or THING_BEFORE.search(text, max(0, start - 80), start)
        or FIRM_LABEL.search(text, max(0, start - 40), start)
        or LABEL_THEN_RUN.search(text, max(0, start - 60), start)
    )


def product_named(text: str, start: int, end: int) -> bool:
    """A product word after the first word of the capitalised run that starts at `start`
    ("Miro Enterprise", "Nest Hub Max")."""
    stop = _RUN_RIGHT.match(text, end)
    words = text[start : stop.end() if stop else end].lower().split()
    return any(word in PRODUCT_WORDS for word in words[1:])


def in_firm_list(text: str, start: int, end: int) -> bool:
    """The span lies inside a list of three or more single capitalised words."""
    low = max(0, start - 80)
    for match in FIRM_LIST.finditer(text, low, min(len(text), end + 80)):
        if match.start() <= start and end <= match.end():
            return True
    return False


def tagged_not_person(doc: Any, start: int, end: int) -> bool:
    """spaCy tagged a span overlapping [start, end) as an organisation or product."""
    if doc is None:
        return False
    return any(
        ent.label_ in NOT_PEOPLE_LABELS and ent.start_char < end and start < ent.end_char
        for ent in doc.ents
    )


__all__ = [
    "UNSUPPORTED_SCORE",
    "a_thing",
    "after_brand",
    "against",
    "firm_context",
    "has_support",
    "in_context",
    "in_firm_list",
    "product_named",
    "tagged_not_person",
]
