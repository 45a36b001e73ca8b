"""The privacy card: what a DP-trained model's (epsilon, delta) guarantee rests on.

The card travels with the weights (privacy_card.json) and is registered in the
audit log, so an auditor can check the guarantee without the training run. Its
epsilon is always the accountant's figure for the steps actually taken, never the
target. `model_id` is a hash of the weights, so a card cannot silently be paired
with other weights.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aigc_guard.errors import TrainingError
from aigc_guard.fileio import write_json_atomic

CARD_FILE = "privacy_card.json"
CARD_SCHEMA_VERSION = 1
RECORD_LEVEL = "record-level: per training example"
ACCOUNTANTS = ("prv", "rdp", "gdp")


class PrivacyCard(BaseModel):
    """The (epsilon, delta) a model was trained under, and every input to that figure."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    schema_version: Literal[1] = 1
    model_id: str = Field(min_length=1)
    model_kind: str = Field(min_length=1)
    guarantee: str = RECORD_LEVEL
    epsilon: float = Field(ge=0)
    delta: float = Field(gt=0, lt=1)
    target_epsilon: float = Field(gt=0)
    accountant: Literal["prv", "rdp", "gdp"]
    noise_multiplier: float = Field(gt=0)
    sample_rate: float = Field(gt=0, le=1)
    steps: int = Field(ge=0)
    planned_steps: int = Field(ge=1)
    epochs: int = Field(ge=1, description="epochs the noise was calibrated for")
    batch_size: int = Field(ge=1, description="expected (Poisson) batch size")
    max_grad_norm: float = Field(gt=0)
    dataset_name: str
    dataset_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    dataset_size: int = Field(ge=1)
    created_at: str = Field(description="UTC, ISO 8601")
    opacus_version: str
    torch_version: str

    @field_validator("epsilon", "target_epsilon", "noise_multiplier", "max_grad_norm")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @property
    def stopped_early(self) -> bool:
        """True when training stopped before the schedule the noise was calibrated for."""
        return self.steps < self.planned_steps

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (what the audit log stores)."""
        return self.model_dump(mode="json")

    def save(self, path: Path) -> None:
        """Write the card as JSON atomically (temp file + os.replace)."""
        write_json_atomic(Path(path), self.to_dict())

    @classmethod
    def load(cls, path: Path) -> PrivacyCard:
        """Read a card; a missing, unreadable or invalid file raises TrainingError naming it."""
        data = read_json(Path(path), what="privacy card")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
                for err in exc.errors()
            )
            raise TrainingError(f"invalid privacy card {path}: {problems}") from exc


def compute_model_id(kind: str, state_dict: Mapping[str, Any]) -> str:
    """Stable id from the weights alone: kind + first 16 hex digits of their SHA-256.

    Hashes names, dtypes, shapes and raw bytes (not the torch.save file), so the
    id does not depend on the torch version that wrote the file.
    """
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.numpy().tobytes())
    return f"{kind}-{digest.hexdigest()[:16]}"


def read_json(path: Path, *, what: str) -> dict[str, Any]:
    """Load a JSON object; every failure becomes a TrainingError that names the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TrainingError(f"{what} not found: {path}") from exc
    except OSError as exc:
        raise TrainingError(f"cannot read {what} {path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise TrainingError(f"{what} {path} is not UTF-8 (byte offset {exc.start})") from exc
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise TrainingError(f"{what} {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TrainingError(f"{what} {path} must hold a JSON object, got {type(data).__name__}")
    return data
