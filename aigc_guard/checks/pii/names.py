"""People's names the small spaCy model misses: gazetteer first names, titles, greetings.

Rules, in order of confidence:
- a title (Mr, Dr, Frau, Mme, ...) followed by capitalised words: 0.85;
- a known first name followed by one to three capitalised words (particles such as
  von, van, de allowed): 0.8; in capitals ("DOE JANE") when one word is a first name: 0.7;
- two or three capitalised words after a form label or salutation (Patient:, Name:,
  Employee:, Dear): 0.6, known first name or not; a surname, a comma and a known first
  name after a label ("patient Becker, Juliette"): 0.6;
- a known first name alone after a greeting (Dear, Hi, Thanks, "you,") or as a chat
  speaker ("Anna: ..."), any capitalised word after a self-introduction ("I'm
  Alderano", not "I'm Canadian"), two or three after a role or kin word ("Daughter Ada
  Lenz", "the landlord Ada Lenz"): 0.6; capitalised inside a sentence, or tagged PROPN
  by spaCy: 0.45.
A run followed by a street type or a company suffix is left to other rules; one shaped
like a product or a firm (support.py) drops below threshold, unless after a title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from aigc_guard.checks.pii.gazetteers import COMMON_WORDS, first_names, is_first_name, major_places
from aigc_guard.checks.pii.textual import Hit, TextRecognizer, line_start, speaker_at, token_at

UPPER = "A-ZÀ-ÖØ-Þ"
LOWER = "a-zß-öø-ÿ"
WORD = rf"(?<![\w])[{UPPER}][{LOWER}'’]+(?:[{UPPER}][{LOWER}]+)?(?:-[{UPPER}][{LOWER}'’]+)*(?![\w])"
CAPS_WORD = rf"[{UPPER}][{UPPER}'’]+(?:-[{UPPER}][{UPPER}'’]+)*"
PARTICLE = r"(?:von|van|de|der|den|di|da|del|della|dos|du|le|la|ten|ter|zu|af|bin|ibn)"
TITLES = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|Sig\.ra"
    r"|Dott|Dott\.ssa|Ing|Dhr|Mevr|Monsieur|Madame|Mister|Doctor|Professor)"
)
# One space between the words of a name: two or more spaces, or a tab, separate a
# table's or a form's columns ("Payee: Hugo Boss    Mandate ref").
SP = r"[ ](?![ \t])"
PARTICLES = frozenset(PARTICLE.strip("(?:)").split("|"))


def name_words(repeat: str) -> str:
    """A name's pattern: a capitalised word, then `repeat` (a regex quantifier) more,
    each one space on and up to two particles between ("Ada van der Lenz")."""
    return rf"{WORD}(?:{SP}(?:{PARTICLE}{SP}){{0,2}}{WORD}){repeat}"


RUN = re.compile(name_words("*"))
CAPS_RUN = re.compile(rf"\b{CAPS_WORD}(?:{SP}{CAPS_WORD})+\b")
CODE_AFTER = re.compile(r"[-_/#]?\d")
TITLED = re.compile(rf"\b{TITLES}\.?[ \t]+(?P<name>{name_words('{0,3}')})")
LABELS = (
    r"(?:Patient|Name|Employee|Applicant|Passenger|Candidate|Customer|Client|Driver"
    r"|Contact|Attn|Beneficiary|Insured|Member|Guest|Tenant|Dear|Patient name|Full name"
    r"|Pt|Subscriber|Policyholder|Holder|Owner|Recipient|Sender|Addressee|Student|Pupil"
    r"|Signed|Signature|Signed by|Prepared by|Approved by|Requested by|Submitted by"
    r"|Reported by|Reporter|Requester|Prescriber|Referrer|Next of kin|NOK|Spouse"
    r"|Emergency contact|Lead passenger|Main driver|Account holder|Cardholder|Employee name)"
)
_NAME = name_words("{1,2}")
# A label, capitalised as forms write it, or in any case before a colon
# ("Emergency contact: Jade Davies").
LABELLED = re.compile(rf"(?:\b{LABELS}[ \t]*:?|\b(?i:{LABELS})[ \t]*:)[ \t]+(?P<name>{_NAME})")
# A name in capitals after a label: "Name: VAN DER KAAY JAN", "Pt CABAÑAS CASEMIRO".
CAPS_LABELLED = re.compile(
    rf"\b(?:{LABELS}[ \t]*:?|(?i:{LABELS})[ \t]*:)[ \t]+"
    rf"(?P<name>{CAPS_WORD}(?:{SP}{CAPS_WORD}){{1,4}})(?![ \t]*[-_/#]?\d)\b"
)
# A name, then the birth date that belongs to it: "KATHAGEN FIENE, born on ...", "Ada
# Lenz (d.o.b. ...".
BORN_AFTER = re.compile(
    r"[ \t]*[,(][ \t]*(?i:born\b|b\.[ \t]|d\.o\.b\b|dob\b|date of birth\b|né\b|née\b)"
)
NAME_BEFORE_BIRTH = re.compile(
    rf"(?:^|(?<=[:|\n]))[ \t]*(?P<name>{CAPS_WORD}(?:{SP}{CAPS_WORD}){{1,4}}|{_NAME})"
    rf"(?={BORN_AFTER.pattern})",
    re.MULTILINE,
)
# A letter's closing, then the signer's name alone on its line ("Kind regards,\n\nAda
# Lenz", "Signed, Ada").
CLOSING = re.compile(
    r"(?im:^[ \t]*(?:signed|kind regards|best regards|warm regards|warmest regards|regards"
    r"|sincerely|yours sincerely|yours faithfully|yours truly|best wishes|many thanks"
    r"|with thanks|respectfully|cordialement|mit freundlichen grüßen|saludos)[ \t]*,?[ \t]*"
    r"(?:\n[ \t]*){0,2})"
    rf"(?P<name>{name_words('{0,2}')})[ \t]*(?=\n|$)"
)
# Words that sign for a team, not a person ("Regards,\nThe Support Team").
TEAM_WORDS = frozenset({
    "the", "team", "office", "department", "desk", "service", "services", "support",
    "staff", "management", "customer", "accounts", "administration", "reception",
})  # fmt: skip
# A party named and then given its role in a contract: 'Ada Lenz ("the Tenant")'.
PARTY_ROLE_AFTER = re.compile(
    r"[ \t]*\([ \t]*[\"“'‘]?(?:the[ \t]+)?(?i:landlord|landlady|tenant|buyer|seller"
    r"|purchaser|borrower|lender|guarantor|claimant|applicant|employee|lessee|lessor"
    r"|licensee|donor|testator|executor|beneficiary|patient|student|subscriber)\b"
)
# A legal self-introduction: "I, Ada Lenz, of 12 Baker Street, ...".
I_NAME = re.compile(rf"(?<![\w])I,[ \t]+(?P<name>{name_words('{0,3}')}),")
# Words for a person's role or kin, in any case, before a full name: "Daughter Ada Lenz
# can be reached", "between the landlord Ada Lenz and", "Debtor: Ada Lenz".
ROLES = (
    r"(?:daughter|son|wife|husband|mother|father|sister|brother|spouse|parent|landlord"
    r"|landlady|tenant|lodger|debtor|creditor|sponsor|guarantor|witness|guardian|next of kin"
    r"|line manager|account holder|cardholder|card holder|policyholder|claimant|defendant"
    r"|plaintiff|signatory|account owner|owner|cousin|aunt|uncle|niece|nephew|grandson"
    r"|granddaughter|grandmother|grandfather|grandma|grandpa|fiancée?|boyfriend|girlfriend"
    r"|partner|carer|caregiver|neighbou?r|colleague|friend)"
)
# A role, then a colon, a comma or a bracket, then the name: "Daughter (Ada Lenz)",
# "NOK: wife, Ada"; a single word only when it is a known first name.
ROLE_LABELLED = re.compile(
    rf"\b(?i:{ROLES})(?:[ \t]*[:,(][ \t]*|[ \t]+)"
    rf"(?P<name>{name_words('{0,2}')})"
)
# A self-introduction: "I'm Alderano", "my name is Robin", "hey it's Danique".
SELF_INTRO = re.compile(r"\b(?i:i'm|i am|my name is|my name's|name's|it's|it is)[ \t]+$")
# Legal forms of firms (English, German, French, Spanish, Italian, Dutch, Nordic).
LEGAL_FORMS = (
    r"(?:Inc|LLC|LLP|Ltd|Ltda|PLC|Pty|GmbH|mbH|GbR|OHG|AG|KG|KGaA|SA|S\.A|SAS|SAU|S\.A\.U"
    r"|S\.?A\.?R\.?L|Srl|S\.r\.l|SpA|SPA|S\.p\.A|S\.?L|S\.Coop|S\.Com|B\.?V|N\.?V|Oy|AB|Co"
    r"|Corp|Cie)"
)
# "patient Becker, Juliette": a surname, a comma and a known first name after a label.
INVERTED = re.compile(
    rf"\b(?i:{LABELS})[ \t]*:?[ \t]+(?P<name>{WORD},[ \t]+(?P<first>{WORD}))(?![ \t]*[{UPPER}])"
)
# A surname, a comma and a first name after any form label opening a line: "New
# starter: Boucher, Étienne".
LINE_INVERTED = re.compile(
    rf"(?m:^[ \t]*[\w][\w \t'’-]{{0,30}}:[ \t]*)(?P<name>{WORD},[ \t]+(?P<first>{WORD}))"
    rf"(?![ \t]*[{UPPER}\w])"
)
# Words that make a run of names a firm: "Stichting van Dongen", "Koninklijke de Graaf",
# "van Cuijck Groep", "Saura y asociados", "Metella e figli", "Webster and Sons".
FIRM_WORDS = (
    "group|groep|grupo|gruppe|gruppo|groupe|holding|holdings|stichting|vereniging|koninklijke"
    "|royal|hermanos|fratelli|frères|gebroeders|gebrüder|sons|söhne|zonen|figli|hijos|fils"
    "|partners|associates|asociados|associati|associés|consulting|solutions"
    # the trade a firm names itself after: "Aviva Insurance", "Abbott Laboratories"
    "|insurance|assurance|bank|banking|capital|finance|financial|investments|securities"
    "|partnership|laboratories|labs|pharmaceuticals|pharma|industries|systems|technologies"
    "|technology|software|networks|telecom|communications|motors|airlines|airways|logistics"
    "|foods|media|entertainment|studios|healthcare|properties|ventures|enterprises|hotels"
    "|resorts|international|worldwide"
)
FIRM_WORD_SET = frozenset(FIRM_WORDS.split("|"))
_LINK = r"(?:y|e|&|and|und|et|en)"
# A legal form or firm word after the span, over at most three more names or links on
# the same line without a comma: "Camacho Diaz S.L.N.E", "Saura y asociados S.L.".
FIRM_TAIL = re.compile(
    rf"(?:[ \t]+(?:[{UPPER}][\w'’.-]*|{PARTICLE}|{_LINK})){{0,3}}?"
    rf"(?:[ \t,]*(?:&[ \t]*)?{LEGAL_FORMS}\b|[ \t]+(?i:{FIRM_WORDS})\b"
    rf"|[ \t]+&[ \t]+{PARTICLE}\b)"  # "van Alemannië & van den Pol"
)
LEGAL_FORM_IN = re.compile(rf"(?<![\w.]){LEGAL_FORMS}(?!\w)")
FIRM_BEFORE = re.compile(
    rf"(?:\b(?i:stichting|vereniging|koninklijke|royal|grupo|gruppo|groep|groupe|hermanos"
    rf"|fratelli|gebroeders|gebrüder)[ \t]+(?:{PARTICLE}[ \t]+){{0,2}}"
    rf"|&[ \t]+(?:{PARTICLE}[ \t]+){{1,2}})$"
)


def firm_shaped(text: str, start: int, end: int) -> bool:
    """text[start:end] names a firm: a firm word or legal form in it, one after it in the
    same run of names, or a firm word before it ("Stichting de Gruson")."""
    value = text[start:end]
    if FIRM_WORD_SET.intersection(value.lower().replace(",", " ").split()):
        return True
    if LEGAL_FORM_IN.search(value):
        return True  # "Etelvina Segura Álamo S.L.N.E"
    return bool(FIRM_TAIL.match(text, end) or FIRM_BEFORE.search(text, max(0, start - 40), start))


# Words after which a known first name is a person ("ask Anna", "with Anna")...
GREETING = re.compile(
    r"(?:\b(?:dear|hi|hello|hey|thanks|thank you|cheers|bye|ok|okay|sorry|welcome|congrats"
    r"|morning|evening|it's|it is|this is|i'm|i am|name is|called|ask|tell|with|from|for"
    r"|bonjour|salut|merci|cher|chère|hallo|liebe|lieber)[ \t,]+"
    r"|\byou[ \t]*,[ \t]*)$",  # the addressee: "if it was you, Tonya, ..."
    re.IGNORECASE,
)
# ...and the salutations after which even an unknown word is ("Hi Tonino", not "with
# ThinkPad").
SALUTATION = re.compile(
    r"(?:\b(?:dear|hi|hello|hey|thanks|thank you|cheers|bye|welcome|congrats|bonjour|salut"
    r"|merci|cher|chère|hallo|liebe|lieber)[ \t,]+)$",
    re.IGNORECASE,
)
CAMEL_CASE = re.compile(r"[a-z]{3}[A-Z]")  # ThinkPad, PlayStation; not McDonald, DiCaprio
# Capitalised words that end a name: what follows a name in an address or a company.
STOP_WORDS = frozenset({
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard",
    "blvd", "court", "ct", "place", "pl", "square", "way", "terrace", "trace", "union",
    "crossing", "hollow", "mews", "close", "gardens", "crescent", "grove", "park",
    "parkway", "row", "walk", "hill", "highway", "inc", "llc", "ltd", "plc", "gmbh", "ag",
    "sa", "sarl", "srl", "bv", "nv", "co", "corp", "company", "group", "bank", "hospital",
    "clinic", "university", "school", "college", "foundation", "institute", "center",
    "centre", "and", "und", "et",
})  # fmt: skip
# Words in capitals around a name that are not part of it ("NOTICE TO DOE JANE").
CAPS_STOP_WORDS = frozenset({
    "to", "the", "and", "of", "for", "from", "re", "notice", "dear", "attn", "subject",
    "urgent", "important", "patient", "name", "passenger", "customer", "client", "mr",
    "mrs", "ms", "dr", "miss", "prof", "sir", "madam", "per", "via", "by", "at", "in", "on",
})  # fmt: skip


class NameRecognizer(TextRecognizer):
    """PERSON from first-name gazetteer rules (see the module docstring)."""

    def __init__(self, language: str, *, support: bool = True) -> None:
        super().__init__(entities=["PERSON"], name="aigc_guard:names", language=language)
        self.support = support

    def find(self, text: str, doc: Any) -> Iterable[Hit]:
        from aigc_guard.checks.pii.support import UNSUPPORTED_SCORE, against

        if not self.support:
            yield from self._candidates(text, doc)
            return
        for kind, start, end, score in self._candidates(text, doc):
            # A product or a firm; spaCy's ORG or PRODUCT tag only counts against a lone
            # first name (the small model tags many real full names ORG).
            weak = doc if score < 0.6 else None
            if score < 0.85 and against(text, start, end, weak, brands=doc):
                score = min(score, UNSUPPORTED_SCORE)
            yield (kind, start, end, score)

    def _candidates(self, text: str, doc: Any) -> Iterator[Hit]:
        names = first_names()
        yield from _titled(text)
        yield from _labelled(text)
        yield from _caps_names(text, names)
        for run in RUN.finditer(text):
            yield from _in_run(text, run, names, doc)


# A model number after a titled name: a brand ("Dr. Martens 1460", "Mr Coffee 4000"),
# not an age ("Mrs Smith 45"), a phone number or a street after a name.
TITLED_MODEL_AFTER = re.compile(
    r"[ \t]+(?:\d{3,}[A-Za-z]*|[A-Z]{1,3}\d+\w*)(?![\w/-])(?![ \t]*[\d(+]|[ \t]+[A-Z][a-z])"
)


def _titled(text: str) -> Iterator[Hit]:
    for match in TITLED.finditer(text):
        end = _name_end(text, match.start("name"), match.end("name"))
        if end > match.start("name") and not TITLED_MODEL_AFTER.match(text, end):
            yield ("PERSON", match.start("name"), end, 0.85)


def _labelled(text: str) -> Iterator[Hit]:
    for match in (*INVERTED.finditer(text), *LINE_INVERTED.finditer(text)):
        if is_first_name(match.group("first")):
            yield ("PERSON", match.start("name"), match.end("name"), 0.6)
    found = (*LABELLED.finditer(text), *ROLE_LABELLED.finditer(text), *I_NAME.finditer(text))
    for match in found:
        start = match.start("name")
        end = _name_end(text, start, match.end("name"))
        one = " " not in text[start:end]
        if one and not is_first_name(text[start:end], with_common_words=True):
            continue  # "Daughter Ada": one word only when it is a known first name
        if end > start and not firm_shaped(text, start, end):
            yield ("PERSON", start, end, 0.6)
    for match in (*CAPS_LABELLED.finditer(text), *NAME_BEFORE_BIRTH.finditer(text)):
        words = match.group("name").split()
        if not any(w.lower() in CAPS_STOP_WORDS for w in words[-1:]):
            yield ("PERSON", match.start("name"), match.end("name"), 0.6)
    for match in CLOSING.finditer(text):
        words = match.group("name").lower().split()
        start, end = match.start("name"), match.end("name")
        if TEAM_WORDS.intersection(words) or words[0] in COMMON_WORDS:
            continue
        if not firm_shaped(text, start, end):  # a signer outranks spaCy's place
            yield ("PERSON", start, end, 0.9)
    for run in RUN.finditer(text):
        if PARTY_ROLE_AFTER.match(text, run.end()):
            yield ("PERSON", run.start(), run.end(), 0.6)


def _caps_names(text: str, names: frozenset[str]) -> Iterator[Hit]:
    """DOE JANE or JANE DOE: a first name in capitals and its capitalised neighbours."""
    for match in CAPS_RUN.finditer(text):
        if CODE_AFTER.match(text, match.end()):
            continue  # "SKU HO-5138-SV": a code, not DOE JANE
        words = list(re.finditer(r"\S+", match.group()))
        keep = [w.group().lower() not in CAPS_STOP_WORDS for w in words]
        for index, word in enumerate(words):
            if keep[index] and _first_name(word.group(), names):
                low = index - 1 if index > 0 and keep[index - 1] else index
                high = index + 1 if index + 1 < len(words) and keep[index + 1] else index
                if low == high:
                    continue
                yield ("PERSON", match.start() + words[low].start(),
                       match.start() + words[high].end(), 0.7)  # fmt: skip
                break


def _in_run(text: str, run: re.Match[str], names: frozenset[str], doc: Any) -> Iterator[Hit]:
    """In a run of capitalised words, a first name and the surname words after it; with no
    first name, a word right after a greeting ("Hi Tonino")."""
    words = list(re.finditer(rf"{WORD}|{PARTICLE}", run.group()))
    for index, word in enumerate(words):
        if _first_name(word.group(), names):
            after = run.start() + word.start()
            greeted = GREETING.search(text[max(0, after - 24) : after])
            if index == 0 or index + 1 < len(words) or greeted:  # not "Raspberry Pi"
                yield from _from_first_name(text, run.start(), words[index:], doc)
            return
    for word in words:
        start = run.start() + word.start()
        if len(words) == 1 or SALUTATION.search(text[max(0, start - 24) : start]):
            yield from _lone_word(text, start, start + len(word.group()), doc, known=False)
            return


def _from_first_name(text: str, offset: int, words: list[re.Match[str]], doc: Any) -> Iterator[Hit]:
    """`words[0]` is a first name: it and up to three surname words after it."""
    taken: list[re.Match[str]] = []
    for following in words[1:4]:
        if following.group().lower().rstrip(".") in STOP_WORDS:
            taken = []  # "Elizabeth Trace", "Morgan Stanley Bank": not a person here
            break
        taken.append(following)
    if taken and taken[-1].group().lower() in PARTICLES:
        taken = taken[:-1]
    start = offset + words[0].start()
    end = offset + (taken[-1].end() if taken else words[0].end())
    if firm_shaped(text, start, end):
        return  # "Johann GmbH", "Royal & Co", "Stichting van Dongen"
    if taken:
        yield ("PERSON", start, end, 0.8)
    else:
        yield from _lone_word(text, start, end, doc, known=True)


def _lone_word(text: str, start: int, end: int, doc: Any, *, known: bool) -> Iterator[Hit]:
    """A capitalised word alone: a name after a greeting or as a chat speaker (0.6, known
    first name or not); a known first name inside a sentence or tagged PROPN (0.45)."""
    word = text[start:end]
    line = line_start(text, start)
    before = text[max(line, start - 24) : start]
    speaker = speaker_at(text, start, end)
    greeting = GREETING if known else SALUTATION
    if CAMEL_CASE.search(word):
        return
    if SELF_INTRO.search(before) and _introduced(word, start, doc):
        yield ("PERSON", start, end, 0.6)
        return
    if word.lower() in COMMON_WORDS:
        return
    if greeting.search(before) or (speaker and known):
        yield ("PERSON", start, end, 0.6)
        return
    if not known or word.lower() in major_places():
        return  # Florence, Austin, Paris: as often the place as the name
    inside_sentence = bool(re.search(r"[\w,;]\s*$", text[line:start]))
    token = token_at(doc, start)
    if inside_sentence or (token is not None and token.pos_ == "PROPN"):
        yield ("PERSON", start, end, 0.45)


def _introduced(word: str, start: int, doc: Any) -> bool:
    """After "I'm": a given name (Mark and Robin included), or an unknown word the model
    tags a proper noun and no nationality ("I'm Canadian")."""
    if is_first_name(word, with_common_words=True):
        return True
    if word.lower() in COMMON_WORDS:
        return False
    token = token_at(doc, start)
    return token is not None and token.pos_ == "PROPN" and token.ent_type_ != "NORP"


def _first_name(word: str, names: frozenset[str]) -> bool:
    """A known first name; a hyphenated one when every part is ("Jean-Pierre",
    "Anne-Rose", not "Mercedes-Benz")."""
    first, *rest = word.split("-")
    return is_first_name(first) and all(is_first_name(p, with_common_words=True) for p in rest)


def _name_end(text: str, start: int, end: int) -> int:
    """Where the name in text[start:end] ends: before its first stop word or trailing
    particle ("Dr Smith Hospital" -> "Smith")."""
    last = start
    for part in re.finditer(r"\S+", text[start:end]):
        word = part.group()
        if word.lower().rstrip(".") in STOP_WORDS:
            break
        if word not in PARTICLES:
            last = start + part.end()
    return last


__all__ = ["NameRecognizer", "firm_shaped"]
