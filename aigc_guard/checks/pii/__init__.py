"""The PII check: personal data in text, prompts, image metadata and (OCR) image pixels.

Modules, one concern each: catalog (the types and how each is detected), settings
(the policy section), checksums, gazetteers, patterns / names / places / dates (our
recognizers), engine (Presidio configured from the settings), chunks (long texts),
ocr, metadata, redaction, check (PiiCheck). Importing this package loads neither
Presidio nor spaCy.
"""

from __future__ import annotations

from aigc_guard.checks.pii.catalog import CATALOG
from aigc_guard.checks.pii.check import PiiCheck
from aigc_guard.checks.pii.settings import CustomRecognizer, EntityRule, PiiSettings

__all__ = ["CATALOG", "CustomRecognizer", "EntityRule", "PiiCheck", "PiiSettings"]
