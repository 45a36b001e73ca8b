"""Dates of birth: a date right after a birth word.

A date is personal when it is someone's birth date; dates of events are not. So a
date counts as DATE_OF_BIRTH only when a birth word (born, DOB, date of birth, né le,
geboren) stands before it in the same clause, at most 24 characters away with no
other date or sentence end in between. Presidio's context enhancer looks five words
back, which reaches from "DOB 12/29/1998, MRN 123. Admitted" to the admission date;
this window does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aigc_guard.checks.pii.textual import Hit, TextRecognizer

MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
    r"|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    r"|novembre|décembre|decembre|Januar|Februar|März|Juni|Juli|Oktober|Dezember)\.?"
)
YEAR = r"(?:1[89]\d{2}|20\d{2})"
# Numeric dates with a two-digit year ("DOB 04/12/85") count too: only a birth word
# before one makes it a finding.
DATE = re.compile(
    rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:{YEAR}|\d{{2}}(?![./-]?\d))"
    rf"|{YEAR}[./-]\d{{1,2}}[./-]\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er)?\.?(?:[ \t]+|-){MONTHS}(?:,?[ \t]+|-){YEAR}"
    rf"|{MONTHS}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+{YEAR})\b",
    re.IGNORECASE,
)
BIRTH_WORD = re.compile(
    r"(?:\bborn\b|\bbirth\b|\bbirthdate\b|\bbirthday\b|\bdob\b|\bd\.o\.b\b\.?|\bb\.(?=\s)"
    r"|\bnée?\b|\bnaissance\b|\bgeboren\b|\bgeb\.|\bnato\b|\bnata\b|\bnacido\b|\bnacida\b)",
    re.IGNORECASE,
)
WINDOW = 24


class BirthDateRecognizer(TextRecognizer):
    """DATE_OF_BIRTH: a date within WINDOW characters after a birth word."""

    def __init__(self, language: str) -> None:
        super().__init__(
            entities=["DATE_OF_BIRTH"], name="aigc_guard:birth-dates", language=language
        )

    def find(self, text: str, doc: Any) -> Iterable[Hit]:
        previous_end = 0
        for match in DATE.finditer(text):
            window_start = max(previous_end, match.start() - WINDOW)
            before = text[window_start : match.start()]
            words = list(BIRTH_WORD.finditer(before))
            if words and not re.search(r"[.;!?](?:\s|$)|\n\n", before[words[-1].end() :]):
                yield ("DATE_OF_BIRTH", match.start(), match.end(), 0.85)
            previous_end = match.end()


__all__ = ["BirthDateRecognizer"]
