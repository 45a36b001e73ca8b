"""Pattern recognizers beyond Presidio's own: shapes, checksums and context words.

Each is a Presidio PatternRecognizer. A recognizer with a checksum drops matches
that fail it (and keeps its pattern score for those that pass: a Luhn-valid number
is not proof, one in ten random numbers passes). Low base scores are raised above
the threshold by a context word nearby (Presidio's LemmaContextAwareEnhancer), so
an MRN-shaped number counts only next to "MRN", "chart" or "patient".
Imports Presidio: load this module only when an engine is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from aigc_guard.checks.pii.checksums import VALIDATIONS, fr_nir, luhn, vin
from aigc_guard.checks.pii.settings import CustomRecognizer

CASE_SENSITIVE = re.DOTALL | re.MULTILINE
NO_WORD_BEFORE = r"(?<![\w@/.:+-])"
NO_WORD_AFTER = r"(?![\w@/-]|\.\w)"


class CheckedPatternRecognizer(PatternRecognizer):
    """A PatternRecognizer whose matches must pass `check`; the pattern score is kept.

    `label` is a prefix a pattern may match for certainty ("MRN 00482913") that is not
    part of the value: results start after it.
    """

    def __init__(
        self,
        *,
        check: Callable[[str], bool] | None,
        label: re.Pattern[str] | None = None,
        **kwargs: object,
    ) -> None:
        self._check = check
        self._label = label
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def validate_result(self, pattern_text: str) -> bool | None:
        if self._check is None:
            return None
        return None if self._check(pattern_text) else False

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list:  # type: ignore[override]
        results = super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
        if self._label is not None:
            for result in results:
                label = self._label.match(text, result.start, result.end)
                if label and label.end() < result.end:
                    result.start = label.end()
        return results


def _recognizer(
    entity: str,
    language: str,
    patterns: Sequence[tuple[str, float]],
    *,
    context: Sequence[str] = (),
    check: Callable[[str], bool] | None = None,
    flags: int = CASE_SENSITIVE,
    name: str | None = None,
    label: str | None = None,
    cls: type[CheckedPatternRecognizer] | None = None,
) -> PatternRecognizer:
    return (cls or CheckedPatternRecognizer)(
        check=check,
        label=re.compile(label) if label else None,
        supported_entity=entity,
        supported_language=language,
        name=name or f"aigc_guard:{entity.lower()}",
        patterns=[
            Pattern(f"{entity.lower()}-{i}", regex, score)
            for i, (regex, score) in enumerate(patterns)
        ],
        context=list(context),
        global_regex_flags=flags,
    )


# -- payment cards -----------------------------------------------------------------------
_CARD_PREFIX = re.compile(
    r"^(?:4|5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|3(?:0[0-5]|[68])"
    r"|6(?:011|5|4[4-9]|2)|35(?:2[89]|[3-8])|5[06-9]|6[0-9]|2131|1800)"
)


def card_number(text: str) -> bool:
    """12-19 digits, a known issuer prefix (IIN), and the Luhn check digit."""
    digits = re.sub(r"\D", "", text)
    return 12 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn(digits)


CARD_CONTEXT = ("card", "credit", "debit", "visa", "mastercard", "amex", "maestro", "charged",
                "paid", "payment", "carte", "cb")  # fmt: skip


def card_recognizer(language: str) -> PatternRecognizer:
    grouped = r"\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5}"
    return _recognizer(
        "CREDIT_CARD", language,
        [(NO_WORD_BEFORE + rf"(?:{grouped}|\d{{12,19}})" + NO_WORD_AFTER, 0.6)],
        context=CARD_CONTEXT, check=card_number,
    )  # fmt: skip


# -- phone numbers -----------------------------------------------------------------------
# Abbreviations as notes and chats write them count too: "mob. 0781...", "txt 0781...",
# a next of kin's ("NOK: wife, Ada, 0781...").
PHONE_CONTEXT = ("phone", "telephone", "tel", "call", "cell", "mobile", "fax", "text",
                 "contact", "reach", "ring", "whatsapp", "sms", "landline", "dial",
                 "téléphone", "portable", "appeler", "joindre", "telefon", "handy", "mob",
                 "txt", "tlf", "nok", "kin", "móvil", "teléfono", "cellulare",
                 "mobiel")  # fmt: skip
_SEP = r"[ .\-\u00a0]?"
_PHONE_BODY = (
    r"(?:(?:\+|00)\d{1,3}" + _SEP + r"(?:\(0\)" + _SEP + r")?)?"  # country code, (0)
    r"(?:\(\d{1,5}\)" + _SEP + r"|\d{1,5}" + _SEP + r")"  # area code
    r"\d{2,4}(?:" + _SEP + r"\d{2,5}){0,3}"  # subscriber groups
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?"  # extension
)
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_IPV4_LIKE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def phone_shape(text: str) -> bool:
    """7-15 digits that are not a date, an IPv4 address or a decimal number."""
    core = re.split(r"\s?(?:x|ext\.?|extension)\s?", text)[0]
    digits = re.sub(r"\D", "", core)
    if not 7 <= len(digits) <= 15:
        return False
    return not (_DATE_LIKE.match(core) or _IPV4_LIKE.match(core) or re.fullmatch(r"\d+\.\d+", core))


# "my new number is", "your mobile number:": a person's own number, named right before it
# (not "order number", "account number": only possessives and phone words may qualify it).
OWN_NUMBER = re.compile(
    r"\b(?:my|your|his|her|our|their|new|direct|private|home|work)[ \t]+"
    r"(?:(?:new|mobile|cell|phone|direct|contact|private|home|work)[ \t]+)?number"
    r"(?:[ \t]+(?:is|was|will be|has changed to|changed to|is now))?[ \t]*[:\-]?[ \t]*$",
    re.IGNORECASE,
)
OWN_NUMBER_SCORE = 0.5
# A label right before a number that names it as something else ("quoting reference
# 168225634", "order 002303057", "Record 00494026"): a phone word further back ("call us
# at ... quoting reference") does not make it a phone number.
OTHER_NUMBER_LABEL = re.compile(
    r"\b(?:ref|reference|order|invoice|ticket|case|booking|confirmation|tracking|account"
    r"|acct|policy|claim|serial|sku|item|transaction|receipt|contract|member|passport"
    r"|licence|license|record|chart|mrn|card|code|id)\.?(?:[ \t]+(?:number|no\.?|num|#))?"
    r"[ \t]*[:#]?[ \t]*$",
    re.IGNORECASE,
)


def own_number_before(text: str, start: int) -> bool:
    """The words right before `start` name a person's own number ("my number is")."""
    return bool(OWN_NUMBER.search(text, max(0, start - 48), start))


def other_label_before(text: str, start: int) -> bool:
    """The word right before `start` labels the number as a reference, order, record..."""
    return bool(OTHER_NUMBER_LABEL.search(text, max(0, start - 32), start))


def phone_context_checked(text: str, result: RecognizerResult, threshold: float = 0.4) -> None:
    """A weak phone result right after "my number is" is raised; one right after another
    label gets no boost from context words further back (Presidio skips a result marked
    as already enhanced)."""
    if own_number_before(text, result.start):
        result.score = max(result.score, OWN_NUMBER_SCORE)
        return
    bare = text[result.start : result.end].isdigit()
    if (bare or result.score < threshold) and other_label_before(text, result.start):
        if bare:  # "passport no. 002796696", "Record 00494026": that, not a phone
            result.score = min(result.score, 0.2)
        metadata = result.recognition_metadata if result.recognition_metadata is not None else {}
        metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        result.recognition_metadata = metadata


class PhonePatternRecognizer(CheckedPatternRecognizer):
    """Phone shapes; a bare digit run right after "my number is" counts without a context
    word from the list (the phrase is the context), and one right after another label
    ("reference", "order") gets no context boost."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list:  # type: ignore[override]
        results = super().analyze(text, entities, nlp_artifacts)
        for result in results:
            phone_context_checked(text, result)
        return results


def phone_recognizer(language: str) -> PatternRecognizer:
    """Phone-shaped numbers that libphonenumber rejects (an unassigned area code is still a
    phone number in a letter): formatted ones score 0.45, bare digit runs need context; a
    trunk-prefixed area code and one group ("0115 4960492", UK style) is 0.3."""
    formatted = (
        r"(?:(?:\+|00)\d{1,3}|\(\d{1,5}\))[ .\-\u00a0]?[\d(][\d ()./\-\u00a0]{3,18}\d"
        r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
    )
    grouped = r"\d{2,5}(?:[ .\-]\d{2,5}){2,4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
    return _recognizer(
        "PHONE_NUMBER", language,
        [
            (NO_WORD_BEFORE + formatted + NO_WORD_AFTER, 0.45),
            (NO_WORD_BEFORE + grouped + NO_WORD_AFTER, 0.3),
            (NO_WORD_BEFORE + r"0\d{2,4} \d{5,8}" + NO_WORD_AFTER, 0.3),
            (NO_WORD_BEFORE + r"\d{3}[ .\-]\d{3}[ .\-]\d{4}" + NO_WORD_AFTER, 0.45),
            (NO_WORD_BEFORE + r"0\d{9,10}" + NO_WORD_AFTER, 0.2),
            (NO_WORD_BEFORE + r"\d{10,11}" + NO_WORD_AFTER, 0.1),
        ],
        context=PHONE_CONTEXT, check=phone_shape, flags=CASE_SENSITIVE | re.IGNORECASE,
        cls=PhonePatternRecognizer,
    )  # fmt: skip


# -- health and identity numbers -------------------------------------------------------
# Context words are matched against single lemmas: one word each.
MRN_CONTEXT = ("mrn", "record", "chart", "patient", "hospital", "mr#", "dossier")
HEALTH_PLAN_CONTEXT = ("member", "insurance", "insurer", "policy", "plan", "subscriber",
                       "beneficiary", "medicaid", "medicare")  # fmt: skip


# What may stand between an id's label and the id: "is", a colon, "#" or a dash.
_LABEL_END = r"(?:[ \t]*(?:is|:|#|-)){0,2}[ \t]*"
# A record number's label, then any id shape a hospital uses ("MRN: E123456-7",
# "Hospital no.: 0012345/1", "Patient ID MR-0012345"): the label names it, whatever the
# format. The value holds at least four digits.
MRN_LABEL = (
    r"(?i:\bmrn|\bmedical[ \t]+record(?:[ \t]+(?:number|no\.?|num|#|id))?"
    r"|\bhospital[ \t]+(?:number|no\.?|num|#|id)|\bpatient[ \t]+(?:id|number|no\.?|#)"
    r"|\bchart[ \t]+(?:number|no\.?|#)|\bunit[ \t]+(?:number|no\.?))" + _LABEL_END
)
LABELLED_ID = r"(?=[A-Z\d/.-]*(?:\d[/.-]?){4})[A-Z]{0,4}[-/]?\d[\dA-Z]*(?:[-/.][\dA-Z]+){0,3}"


def mrn_recognizer(language: str) -> PatternRecognizer:
    return _recognizer(
        "MEDICAL_RECORD_NUMBER", language,
        [
            (r"(?<![\w-])MRN[-:#\s]{0,3}[A-Z]{0,2}\d{5,10}" + NO_WORD_AFTER, 0.85),
            (MRN_LABEL + LABELLED_ID + NO_WORD_AFTER, 0.85),
            (NO_WORD_BEFORE + r"[A-Z]{0,2}\d{6,10}" + NO_WORD_AFTER, 0.05),
            (NO_WORD_BEFORE + r"\d{2,3}-\d{3}-\d{3,4}" + NO_WORD_AFTER, 0.05),
        ],
        context=MRN_CONTEXT, label=rf"MRN[-:#\s]{{0,3}}|{MRN_LABEL}",
    )  # fmt: skip


# A passport's label, then any country's passport number: 6-10 letters and digits with
# a digit (US 9 digits, UK 9, DE "C01X00T47", FR "12AB34567", IT "YA1234567").
PASSPORT_LABEL = (
    r"(?i:\bpassport(?:[ \t]+(?:number|no\.?|num|#|nr\.?))?|\bpasseport|\breisepass"
    r"|\bpasaporte|\bpassaporto)" + _LABEL_END
)


def passport_recognizer(language: str) -> PatternRecognizer:
    return _recognizer(
        "US_PASSPORT", language,
        [(PASSPORT_LABEL + r"(?=[A-Z]{0,3}\d)[A-Z\d]{6,10}" + NO_WORD_AFTER, 0.85)],
        label=PASSPORT_LABEL, name="aigc_guard:passport",
    )  # fmt: skip


def health_plan_recognizer(language: str) -> PatternRecognizer:
    return _recognizer(
        "HEALTH_PLAN_NUMBER", language,
        [(NO_WORD_BEFORE + r"[A-Z]{1,4}\d{6,12}" + NO_WORD_AFTER, 0.05),
         (NO_WORD_BEFORE + r"[A-Z]{3}\d{3}[A-Z]\d{5}" + NO_WORD_AFTER, 0.05)],
        context=HEALTH_PLAN_CONTEXT,
    )  # fmt: skip


# Not "driver": software has drivers too ("the printer driver 930063185").
DRIVER_LICENSE_CONTEXT = ("licence", "license", "lic", "dl", "permit", "permis",
                          "führerschein")  # fmt: skip


def driver_license_recognizer(language: str) -> PatternRecognizer:
    """State licence formats (letter-led, dashed groups as on FL, IL, WI cards, or plain
    digits); all need a context word except the letter-led dashed ones."""
    return _recognizer(
        "US_DRIVER_LICENSE", language,
        [
            (NO_WORD_BEFORE + r"[A-Z]\d{2,4}(?:-\d{1,4}){2,4}" + NO_WORD_AFTER, 0.3),
            (NO_WORD_BEFORE + r"[A-Z]{1,2}\d{5,13}" + NO_WORD_AFTER, 0.1),
            (NO_WORD_BEFORE + r"\d{7,12}" + NO_WORD_AFTER, 0.05),
        ],
        context=DRIVER_LICENSE_CONTEXT, flags=CASE_SENSITIVE,
    )  # fmt: skip


def vin_recognizer(language: str) -> PatternRecognizer:
    return _recognizer(
        "VEHICLE_ID", language,
        [(NO_WORD_BEFORE + r"[A-HJ-NPR-Z0-9]{17}" + NO_WORD_AFTER, 0.6)],
        context=("vin", "vehicle", "chassis", "car"), check=vin,
    )  # fmt: skip


def imei_recognizer(language: str) -> PatternRecognizer:
    return _recognizer(
        "DEVICE_ID", language,
        [(NO_WORD_BEFORE + r"\d{2}[ -]?\d{6}[ -]?\d{6}[ -]?\d" + NO_WORD_AFTER, 0.1)],
        context=("imei", "device", "handset", "serial", "phone"), check=luhn,
    )  # fmt: skip


def fr_nir_recognizer(language: str) -> PatternRecognizer:
    nir = r"[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}"
    return _recognizer(
        "FR_NIR", language, [(NO_WORD_BEFORE + nir + NO_WORD_AFTER, 0.6)],
        context=("sécurité", "securite", "sociale", "nir", "insee", "social", "security"),
        check=fr_nir,
    )  # fmt: skip


def custom_recognizer(spec: CustomRecognizer, language: str) -> PatternRecognizer:
    """A recognizer declared in a policy: its patterns, deny list, context and checksum."""
    flags = CASE_SENSITIVE if spec.case_sensitive else CASE_SENSITIVE | re.IGNORECASE
    patterns = [Pattern(f"policy-{i}", p.regex, p.score) for i, p in enumerate(spec.patterns)]
    return CheckedPatternRecognizer(
        check=VALIDATIONS[spec.validation] if spec.validation else None,
        supported_entity=spec.entity,
        supported_language=language,
        name=f"policy:{spec.entity.lower()}",
        patterns=patterns or None,
        deny_list=list(spec.deny_list) or None,
        deny_list_score=spec.deny_list_score,
        context=list(spec.context) or None,
        global_regex_flags=flags,
    )


__all__ = [
    "CheckedPatternRecognizer",
    "card_number",
    "card_recognizer",
    "custom_recognizer",
    "driver_license_recognizer",
    "fr_nir_recognizer",
    "health_plan_recognizer",
    "imei_recognizer",
    "mrn_recognizer",
    "other_label_before",
    "own_number_before",
    "passport_recognizer",
    "phone_context_checked",
    "phone_recognizer",
    "phone_shape",
    "vin_recognizer",
]
