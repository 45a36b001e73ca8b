"""The base of our rule-based recognizers that read the text (and spaCy's tokens).

A Presidio EntityRecognizer that turns `find()`'s (type, start, end, score) tuples
into RecognizerResults, so names, places, addresses and dates of birth go through
Presidio's thresholds, de-duplication and decision explanations like any other.
Imports Presidio: load only when an engine is built.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

Hit = tuple[str, int, int, float]


class TextRecognizer(EntityRecognizer):
    """Rules over the text; `doc` is spaCy's Doc of it (None with a pattern-only engine)."""

    def __init__(self, *, entities: list[str], name: str, language: str) -> None:
        super().__init__(supported_entities=entities, name=name, supported_language=language)
        self.name: str = name

    def load(self) -> None:  # nothing to load: gazetteers are loaded on first use
        return None

    @abstractmethod
    def find(self, text: str, doc: Any) -> Iterable[Hit]:
        """Every (entity type, start, end, score) found in `text`."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        wanted = set(entities or self.supported_entities)
        results = []
        for entity, start, end, score in self.find(text, doc):
            if entity not in wanted or end <= start:
                continue
            explanation = AnalysisExplanation(
                recognizer=self.name, original_score=score, textual_explanation=self.name
            )
            results.append(
                RecognizerResult(
                    entity_type=entity, start=start, end=end, score=score,
                    analysis_explanation=explanation,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )  # fmt: skip
        return results


def line_start(text: str, position: int, *, reach: int = 200) -> int:
    """Where the line holding `position` starts, looking back at most `reach` characters
    (rules read the start of a line; a 10 MB text without newlines stays linear)."""
    floor = max(0, position - reach)
    found = text.rfind("\n", floor, position)
    return found + 1 if found >= 0 else floor


# What a chat log puts before its speaker: a time or date stamp, "[13:04]", "(9:41 pm)",
# "12/03/2025 13:04 -".
CHAT_STAMP = re.compile(
    r"[ \t]*(?:[\[(<]?[\d/.:\-, ]{4,20}(?:[ \t]?[AaPp]\.?[Mm]\.?)?[\])>]?[ \t]*-?[ \t]*)?"
)


def speaker_at(text: str, start: int, end: int) -> bool:
    """text[start:end] opens its line, after at most a chat log's time stamp, and a colon
    follows it: a chat's or a transcript's speaker ("[13:04] Anna: ...")."""
    if text[end : end + 1] != ":":
        return False
    line = line_start(text, start)
    return CHAT_STAMP.fullmatch(text, line, start) is not None


def token_at(doc: Any, offset: int) -> Any:
    """The spaCy token that starts at character `offset`, or None."""
    if doc is None:
        return None
    span = doc.char_span(offset, offset + 1, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


__all__ = ["Hit", "TextRecognizer", "line_start", "speaker_at", "token_at"]
