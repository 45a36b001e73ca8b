"""Presidio's own recognizers with corrections for what they get wrong on real text.

- Phone numbers: libphonenumber (leniency "possible") accepts a digit run inside an
  order number ("ORD-4411-19230"), a build number ("20230414.5") or an ISO date.
  Matches glued to letters, dashes or decimals, and dates, are dropped; a bare digit
  run without any phone formatting scores 0.2, so it needs a context word.
- Card numbers: a bare digit run right after "account" (no card word before it) is an
  account number, even when Luhn-valid. URLs: a one-letter domain ("S.Com", "B.Sc") is
  an abbreviation.
- Checksums that one random number in ten passes (NHS mod 11, ABA routing, NPI):
  Presidio scores a pass 1.0, so every tenth 9- or 10-digit reference number was an
  NHS or routing number. Capped at 0.3: the type's context word (NHS, routing) lifts it.
- spaCy NER (the small English model): a span with more than 8 digits is no DATE_TIME;
  a span with digits ("77,960.92", "02/08/2025"), without a capital ("new mobile"), of
  short capitals ("SKU TY"), in camel case ("ThinkPad") or with a company word (GmbH,
  Inc) is no PERSON or LOCATION; a one-word LOCATION that is a known first name and no
  known place ("thanks Fausto", "Zoltan: hi") is a PERSON; a one-word PERSON that is
  not a known first name ("Agenda", "Driver") and a one-word LOCATION that no gazetteer
  knows ("Changelog") score 0.3, below any sensible threshold (the name and place
  rules find them again after a title, a greeting or "lives in"). A PERSON also needs
  support (a first name, title, greeting...) and no product or firm shape (support.py).
- Context words: Presidio looks for them among the five preceding non-stop-words, and
  spaCy counts "call" as a stop word, so "call us at 0385106751" had no context.
  Here the four preceding words count (five since "contact our security desk at" and
  "call our team on" were missed), stop words included (numbers and punctuation
  excluded), matched whole: in Presidio's substring mode "us" (a passport context
  word) matched "must".
Imports Presidio: load only when an engine is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer, SpacyRecognizer

from aigc_guard.checks.pii.gazetteers import is_first_name, place_names
from aigc_guard.checks.pii.names import GREETING, ROLES, firm_shaped
from aigc_guard.checks.pii.patterns import (
    MRN_LABEL,
    PASSPORT_LABEL,
    PHONE_CONTEXT,
    phone_context_checked,
    phone_shape,
)
from aigc_guard.checks.pii.support import UNSUPPORTED_SCORE, against, has_support, in_firm_list
from aigc_guard.checks.pii.textual import line_start, speaker_at

GLUED_BEFORE = re.compile(r"[\w@/.:-]$")
GLUED_AFTER = re.compile(r"^(?:[\w@/-]|\.\w)")
SEPARATORS = re.compile(r"[ .\-]")
# Prepositions that take places, not people, before a capitalised run.
PLACE_PREPOSITION = re.compile(r"\b(?i:in|near|round|around|outside|leaving|via|towards)[ \t]+$")
CLAUSE_END = re.compile(r"[ \t]*(?:[.;!?)]|,[ \t]+[a-z]|$|\n)")
LEADING_ARTICLE = re.compile(r"(?:the|a|an|The|A|An)[ \t]+")
# A line break, a tab or two spaces: where a line, or a table's column, ends.
COLUMN_GAP = re.compile(r"\s*\n|\s*\t| {2,}")
COMPANY_WORDS = frozenset({
    "inc", "llc", "ltd", "plc", "gmbh", "gbr", "ag", "kg", "kgaa", "sa", "sas", "sarl",
    "srl", "spa", "sl", "bv", "nv", "oy", "ab", "co", "corp", "group",
})  # fmt: skip

CHECKSUM_CAP = 0.3
ROLE_FIRST = re.compile(rf"(?i:{ROLES})[ \t]+")
FIRST_NAME_BEFORE = re.compile(r"(?<![\w'’-])([A-ZÀ-Þ][a-zß-ÿ]+)[ \t]+$")
# A bare domain of one letter is an abbreviation: "S.Com" (a Spanish firm), "B.Sc".
INITIAL_DOMAIN = re.compile(r"[A-Za-z]\.[A-Za-z]{2,4}")
# "your current account 365110857072": an account number, even when Luhn-valid.
ACCOUNT_WORDS = frozenset({"account", "acct", "a/c", "iban", "compte", "konto", "cuenta"})
CARD_WORDS = frozenset({"card", "credit", "debit", "visa", "mastercard", "amex", "carte"})
# What names a bare nine-digit number as an SSN: the label right before it.
SSN_LABEL = re.compile(
    r"(?:\bssn|\bss#|\bsocial[ \t]+security(?:[ \t]+(?:number|no\.?|#))?)"
    r"(?:[ \t]*(?:is|was|:|#|no\.?|number))*[ \t]*[:#]?[ \t]*$",
    re.IGNORECASE,
)
# A capital after three lower-case letters is a product's camel case ("ThinkPad"), not a
# name's ("McDonald", "MacArthur", "DiCaprio", "LeBlanc").
PRODUCT_WORD = re.compile(r"[a-z]{3}[A-Z]")
SHORT_CAPS = re.compile(r"[A-Z]{1,3}\.?")
# A model or version number right after a capitalised run: a product, not a place.
MODEL_NUMBER_AFTER = re.compile(r"[ \t]+[A-Z]?\d{1,4}[A-Za-z]?(?![\w.,/-]?\d)")


def phone_formatted(value: str) -> bool:
    """Written as phone numbers are: +country, (area), two separators, or a leading 0
    trunk prefix with one ("030 1234567"); "65-4099045" is a reference number."""
    separators = SEPARATORS.findall(value)
    if value[:1] in "+(" or len(separators) >= 2:
        return True
    return value.startswith("0") and separators == [" "]


class CheckedPhoneRecognizer(PhoneRecognizer):
    """libphonenumber matches that stand alone as phone numbers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(context=list(PHONE_CONTEXT), **kwargs)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            value = text[result.start : result.end]
            before = text[result.start - 1] if result.start else " "
            if GLUED_BEFORE.search(before) or GLUED_AFTER.search(text[result.end : result.end + 2]):
                continue
            if not phone_shape(value):
                continue
            if not phone_formatted(value):
                result.score = min(result.score, 0.2)
            phone_context_checked(text, result)
            kept.append(result)
        return kept


class CheckedNerRecognizer(SpacyRecognizer):
    """spaCy's PERSON and LOCATION spans, minus the small model's usual mistakes; with
    `support`, a PERSON needs evidence beyond the model (support.py)."""

    def __init__(self, *, support: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.support = support

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            value = text[result.start : result.end]
            if result.entity_type == "DATE_TIME" and sum(c.isdigit() for c in value) > 8:
                continue  # "4111111111111112", "95-5530827": a number, not a date
            gap = COLUMN_GAP.search(value)
            if result.entity_type in ("PERSON", "LOCATION") and gap and gap.start():
                # "Ada Lenz\nCity", "Hugo Boss    Mandate ref": one line, one column
                result.end = result.start + gap.start()
            if result.entity_type in ("PERSON", "LOCATION"):
                article = LEADING_ARTICLE.match(text, result.start, result.end)
                if article and article.end() < result.end:
                    result.start = article.end()  # "the Acme Nova": the article is no part
            if result.entity_type == "PERSON":
                _drop_role_word(text, result)
            if result.entity_type not in ("PERSON", "LOCATION") or _plausible(text, result):
                if self.support and result.entity_type == "PERSON":
                    _require_support(text, result, getattr(nlp_artifacts, "tokens", None))
                kept.append(result)
        return kept


def _plausible(text: str, result: RecognizerResult) -> bool:
    """Drop impossible spans, relabel a first name as PERSON, demote a lone unknown word."""
    value = text[result.start : result.end]
    if any(char.isdigit() for char in value) or not any(char.isupper() for char in value):
        return False
    if PRODUCT_WORD.search(value) or all(SHORT_CAPS.fullmatch(w) for w in value.split()):
        return False
    words = value.replace(".", "").lower().split()
    if COMPANY_WORDS.intersection(words) or firm_shaped(text, result.start, result.end):
        return False
    if result.entity_type == "LOCATION" and MODEL_NUMBER_AFTER.match(text, result.end):
        return False  # "Windows Server 2022", "Echo Show 8": a product and its model
    if in_firm_list(text, result.start, result.end):
        return False  # "Hosted by Walker, Dixon and Atkinson": a firm
    if result.entity_type == "LOCATION" and _after_first_name(text, result.start):
        return False  # "parcel for Borja Carmona": a surname (the name rules find the person)
    if result.entity_type == "LOCATION" and is_first_name(words[0]):
        line = line_start(text, result.start)
        speaker = speaker_at(text, result.start, result.end)
        greeted = GREETING.search(text[max(line, result.start - 24) : result.start])
        if speaker or greeted or value.lower() not in place_names():
            result.entity_type = "PERSON"
    if result.entity_type == "PERSON" and _placed(text, result.start, result.end, words):
        result.entity_type = "LOCATION"  # "in Val Brembilla", "theft ... in Gilles."
        return True
    if len(words) == 1:
        known = is_first_name(words[0]) if result.entity_type == "PERSON" else None
        if known is False or (known is None and value.lower() not in place_names()):
            result.score = min(result.score, 0.3)
    return True


def _placed(text: str, start: int, end: int, words: list[str]) -> bool:
    """spaCy's PERSON right after a preposition that takes places ("in", "near",
    "round", "leaving"): several words or a known place with no first name, or a lone
    first name that ends the clause ("theft from vehicle, in Gilles."), is a town."""
    if not PLACE_PREPOSITION.search(text, max(0, start - 16), start):
        return False
    if against(text, start, end):
        return False  # "what is new in Adobe Acrobat Pro": a product
    if text.startswith(("'s", "’s"), end):
        return False
    if not any(is_first_name(w) for w in words):
        # one unknown word may be a product ("the branch in Jira"); a known place is not
        return len(words) > 1 or text[start:end].lower() in place_names()
    return len(words) == 1 and bool(CLAUSE_END.match(text, end))


def _drop_role_word(text: str, result: RecognizerResult) -> None:
    """ "Daughter Ada Lenz" -> "Ada Lenz": the model often takes the role word in."""
    role = ROLE_FIRST.match(text, result.start, result.end)
    if role and role.end() < result.end:
        result.start = role.end()


def _after_first_name(text: str, start: int) -> bool:
    """A known first name, capitalised, right before `start` on the same line."""
    before = FIRST_NAME_BEFORE.search(text, max(0, start - 32), start)
    return before is not None and is_first_name(before.group(1))


def _require_support(text: str, result: RecognizerResult, doc: Any = None) -> None:
    """A PERSON without a first name, title, greeting or person's shape, or shaped like a
    product or a firm ("Jira Cloud", "Watson, Hudson and Hill"), drops below threshold."""
    start, end = result.start, result.end
    if against(text, start, end, brands=doc) or not has_support(text, start, end):
        result.score = min(result.score, UNSUPPORTED_SCORE)


class StopWordContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancement over every preceding word, stop words included."""

    def __init__(self) -> None:
        super().__init__(context_similarity_factor=0.35, min_score_with_context_similarity=0.4,
                         context_prefix_count=4, context_matching_mode="whole_word")  # fmt: skip

    def _add_n_words_backward(
        self, index: int, n_words: int, lemmas: list[str], keywords: list[str]
    ) -> list[str]:
        words = [lemma.lower() for lemma in lemmas if any(char.isalpha() for char in lemma)]
        return super()._add_n_words_backward(index, n_words, lemmas, words)


def ssn_labelled(text: str, result: RecognizerResult) -> bool:
    """A bare nine-digit SSN match ("204483700") counts only right after an SSN label:
    Presidio's SSN context words include "security", so the number after "our security
    desk at +49(0)" or "driver license" near an SSN became an SSN, and an SSN outranks a
    phone or licence number."""
    return not text[result.start : result.end].isdigit() or bool(
        SSN_LABEL.search(text, max(0, result.start - 40), result.start)
    )


def not_account_number(text: str, result: RecognizerResult) -> bool:
    """A card match that is a bare digit run after "account" (within three words, no card
    word among the five before) is left to the bank-account recognizer: one random number
    in ten passes Luhn, and an account number often starts like a card."""
    words = re.findall(r"[a-z/]+", text[max(0, result.start - 48) : result.start].lower())
    account = ACCOUNT_WORDS.intersection(words[-3:]) and not CARD_WORDS.intersection(words[-5:])
    return not (account and text[result.start : result.end].isdigit())


def not_initial_domain(text: str, result: RecognizerResult) -> bool:
    """A URL match of a one-letter domain ("S.Com.", "B.Sc.") is an abbreviation."""
    return not INITIAL_DOMAIN.fullmatch(text[result.start : result.end])


OTHER_ID_LABEL = re.compile(rf"(?:{PASSPORT_LABEL}|{MRN_LABEL})$")


def not_another_ids(text: str, result: RecognizerResult) -> bool:
    """A DEA-shaped match right after a passport or record-number label is that id: one
    random letter-digit id in ten passes the DEA check ("passport number E90090427")."""
    return not OTHER_ID_LABEL.search(text, max(0, result.start - 40), result.start)


# Per entity type, which results of the built-in recognizers to keep.
RESULT_FILTERS: dict[str, Callable[[str, RecognizerResult], bool]] = {
    "US_SSN": ssn_labelled,
    "CREDIT_CARD": not_account_number,
    "URL": not_initial_domain,
    "MEDICAL_LICENSE": not_another_ids,
}


def filtered(recognizer: EntityRecognizer) -> EntityRecognizer:
    """`recognizer` (in place) without the results RESULT_FILTERS rejects for their type;
    unchanged when it finds none of those types."""
    checks = {t: RESULT_FILTERS[t] for t in recognizer.supported_entities if t in RESULT_FILTERS}
    if not checks:
        return recognizer
    analyze = recognizer.analyze

    def checked_analyze(
        text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        return [
            result
            for result in analyze(text, entities, nlp_artifacts)
            if result.entity_type not in checks or checks[result.entity_type](text, result)
        ]

    recognizer.analyze = checked_analyze  # type: ignore[method-assign]
    return recognizer


def capped(recognizer: EntityRecognizer, cap: float = CHECKSUM_CAP) -> EntityRecognizer:
    """`recognizer` with its scores capped at `cap` (before context enhancement)."""
    analyze = recognizer.analyze

    def capped_analyze(
        text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = analyze(text, entities, nlp_artifacts)
        for result in results:
            result.score = min(result.score, cap)
        return results

    recognizer.analyze = capped_analyze  # type: ignore[method-assign]
    return recognizer


__all__ = [
    "RESULT_FILTERS",
    "CheckedNerRecognizer",
    "CheckedPhoneRecognizer",
    "StopWordContextEnhancer",
    "capped",
    "filtered",
    "phone_formatted",
]
