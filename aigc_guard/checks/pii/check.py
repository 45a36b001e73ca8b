"""PII check: personal data in text outputs, prompts, image metadata and image pixels.

Each finding gets its type's action from the policy (block, regenerate, redact,
allow); the result asks for the strictest one and records type, position (or image
boxes) and score, never the value. Screening that fails for any reason blocks the
output (fail closed): an unscreened output is never let through.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError

from aigc_guard.artifacts import Artifact, ArtifactKind, CheckResult, Decision, strictest
from aigc_guard.checks.base import (
    Check,
    CheckContext,
    CheckSettings,
    PromptScreener,
    Redactor,
    settings_of,
)
from aigc_guard.checks.pii.engine import FEATURES, Finding, require_model
from aigc_guard.checks.pii.redaction import TextRedactor, fill_boxes, pseudonym_key, strip_metadata
from aigc_guard.checks.pii.settings import PiiSettings
from aigc_guard.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

    from aigc_guard.checks.pii.engine import PiiEngine

logger = logging.getLogger(__name__)


class PiiCheck(Check, Redactor, PromptScreener):
    """Screen an artifact for personal data with the policy's per-type rules.

    Build from a policy section (`PiiCheck(settings)`) or from its fields as keywords
    (`PiiCheck(entities=["EMAIL_ADDRESS"], on_fail="block")`). `secret` keys the
    `hash` redaction operator (the guard passes one derived from its hash key).
    """

    name: ClassVar[str] = "pii"
    version: ClassVar[str] = "2.0"
    settings_model: ClassVar[type[CheckSettings]] = PiiSettings
    enabled_by_default: ClassVar[bool] = True

    def __init__(
        self,
        settings: PiiSettings | None = None,
        *,
        secret: bytes | None = None,
        features: Iterable[str] = FEATURES,
        **options: Any,
    ) -> None:
        if settings is None:
            settings = _settings_from(options)
        elif options:
            raise InputError(f"PiiCheck: pass settings or options, not both ({sorted(options)})")
        super().__init__(on_fail=settings.on_fail)
        self.settings = settings
        self.features = frozenset(features)
        for language in settings.languages:
            require_model(settings.models[language])  # fail now, not on the first text
        if settings.images.ocr:
            from aigc_guard.checks.pii.ocr import require_tesseract

            require_tesseract()
        self._redactor = TextRedactor(pseudonym_key(secret))
        self._engine: PiiEngine | None = None

    @classmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        return cls(settings_of(settings, PiiSettings, check=cls.name), secret=context.secret)

    @property
    def score_threshold(self) -> float:
        return self.settings.score_threshold

    def prepare(self) -> None:
        """Build the Presidio engine now (else on the first text), to fail early."""
        self.engine()

    def engine(self) -> PiiEngine:
        if self._engine is None:
            from aigc_guard.checks.pii.engine import PiiEngine

            self._engine = PiiEngine(self.settings, features=self.features)
        return self._engine

    # -- inspecting ----------------------------------------------------------------------
    def inspect(self, artifact: Artifact) -> CheckResult:
        try:
            if artifact.kind is ArtifactKind.TEXT:
                findings = self._text_findings(artifact.text or "")
            else:
                findings = self._image_findings(artifact.image)  # type: ignore[arg-type]
        except Exception as exc:  # fail closed: whatever broke, nothing passes unscreened
            return self._failed_screening(exc)
        return self._result(findings)

    def inspect_prompt(self, prompt: str) -> CheckResult:
        """The prompt's findings (recorded by type and position; a prompt is not redacted)."""
        return self.inspect(Artifact.from_text(prompt))

    def inspect_texts(
        self, texts: Sequence[str], *, batch_size: int = 32, workers: int | None = None
    ) -> list[CheckResult]:
        """`inspect` for many texts at once: spaCy runs over them in batches, in this
        process or in `workers` processes (default: the policy's `workers`). A worker
        that fails blocks every text of the batch, as any screening failure does."""
        from aigc_guard.checks.pii.workers import checked_workers

        workers = checked_workers(self.settings.workers if workers is None else workers)
        try:
            batches = self.engine().analyze_batch(
                list(texts), batch_size=batch_size, workers=workers
            )
        except Exception as exc:
            return [self._failed_screening(exc) for _ in texts]
        return [self._result([self._entry(f) for f in found]) for found in batches]

    def _text_findings(self, text: str) -> list[dict[str, Any]]:
        if not text.strip():
            return []
        return [self._entry(f) for f in self.engine().analyze(text)]

    def _image_findings(self, image: Image.Image) -> list[dict[str, Any]]:
        from aigc_guard.checks.pii import metadata

        found: list[dict[str, Any]] = []
        images = self.settings.images
        if images.metadata:
            for field, text in metadata.text_fields(image).items():
                for entry in self._text_findings(text):
                    found.append({**entry, "source": f"metadata:{field}"})
            if metadata.has_gps(image):
                found.append(self._entry(Finding("LOCATION", 0, 0, 1.0), source="metadata:GPS"))
        if images.ocr:
            from aigc_guard.checks.pii.ocr import read_text

            ocr = read_text(image, languages=images.ocr_languages,
                            min_confidence=images.min_word_confidence)  # fmt: skip
            for finding in self.engine().analyze(ocr.text) if ocr.text.strip() else []:
                boxes = [list(box) for box in ocr.boxes(finding.start, finding.end)]
                found.append(self._entry(finding, source="ocr", boxes=boxes))
        return found

    def _entry(self, finding: Finding, **extra: Any) -> dict[str, Any]:
        """A finding as the audit log may hold it: type, position, score, action."""
        entry: dict[str, Any] = {"type": finding.type}
        if "source" not in extra:
            entry.update(start=finding.start, end=finding.end)
        action = self.settings.rule(finding.type).action
        return {**entry, "score": finding.score, "action": action, **extra}

    def _result(self, findings: list[dict[str, Any]]) -> CheckResult:
        acting = [f for f in findings if f["action"] != "allow"]
        action = strictest([Decision(f["action"]) for f in acting])
        counts = Counter(f["type"] for f in acting)
        kinds = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in sorted(counts.items()))
        return CheckResult(
            check=self.name, version=self.version, passed=not acting,
            details={"entities": findings, "score_threshold": self.settings.score_threshold},
            summary=f"{len(acting)} entities ({kinds})" if acting else "",
            action=action if acting else None,
        )  # fmt: skip

    def _failed_screening(self, exc: Exception) -> CheckResult:
        kind = type(exc).__name__
        logger.warning("PII screening failed (%s); the output is blocked", kind)
        return CheckResult(
            check=self.name, version=self.version, passed=False,
            details={"entities": [], "error": kind},
            summary=f"screening failed ({kind}); blocked unscreened", action=Decision.BLOCK,
        )  # fmt: skip

    # -- redacting -----------------------------------------------------------------------
    def redact(self, artifact: Artifact, result: CheckResult) -> Artifact:
        """A copy with every finding whose action is `redact` removed: text through its
        type's operator, image regions filled, image metadata dropped."""
        findings = _findings(result)
        chosen = [f for f in findings if f["action"] == "redact"]
        if artifact.kind is ArtifactKind.TEXT and artifact.text is not None:
            text = artifact.text
            _check_offsets(chosen, len(text))
            operators = {f["type"]: self.settings.rule(f["type"]).operator for f in chosen}
            return Artifact.from_text(self._redactor.redact(text, chosen, operators))
        image = artifact.image
        if image is None:
            raise InputError("PII redaction: the artifact holds neither text nor an image")
        boxes = [box for f in chosen if f.get("source") == "ocr" for box in f.get("boxes", [])]
        if boxes:
            return Artifact.from_image(fill_boxes(image, boxes))
        return Artifact.from_image(strip_metadata(image))

    def close(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()  # its worker processes, if a batch started them


def _settings_from(options: dict[str, Any]) -> PiiSettings:
    try:
        return PiiSettings(**options)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(f"PiiCheck: {problems}") from None


def _findings(result: CheckResult) -> list[dict[str, Any]]:
    if result.check != PiiCheck.name:
        raise InputError(f"cannot redact with a {result.check!r} result; expected 'pii'")
    return list(result.details.get("entities", []))


def _check_offsets(findings: list[dict[str, Any]], length: int) -> None:
    """Every text finding must lie inside the text it is applied to."""
    for finding in findings:
        start, end = finding.get("start"), finding.get("end")
        if finding.get("source") or not (
            isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length
        ):
            raise InputError(
                f"PII finding {finding.get('type')!r} at {start}..{end} does not lie in the "
                f"text (length {length}); the result belongs to another artifact"
            )


__all__ = ["PiiCheck"]
