"""The privacy card: what a DP-trained model's (epsilon, delta) guarantee rests on.

The card travels with the weights (privacy_card.json) and is registered in the
audit log, so an auditor can check the guarantee without the training run. Its
epsilon is always the accountant's figure for the steps actually taken (every
segment of `accounting_history`, resumed runs included), never the target.

The card is bound to its model: `model_id` hashes the weights *and* every other
field of the card, and loading (`verify_card`) recomputes both the id and the
epsilon from the card's own accounting inputs. Editing the card (epsilon=0.1, fewer
steps) or pairing it with other weights refuses to load.
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
CARD_SCHEMA_VERSION = 2
RECORD_LEVEL = "record-level (ε, δ)-DP"
UNIT_OF_PRIVACY = "one training example (an image and its label)"
COVERS = (
    "the model's training only (DP-SGD on the private data); an output filter that reads "
    "the raw training data, such as the guard's memorization check, is not covered"
)
ACCOUNTANTS = ("prv", "rdp", "gdp")
EPSILON_RTOL = 1e-3  # recomputed vs stated epsilon (same accountant: equal up to float noise)


class PrivacyCard(BaseModel):
    """The (epsilon, delta) a model was trained under, and every input to that figure."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    schema_version: Literal[2] = 2
    model_id: str = Field(min_length=1)
    model_kind: str = Field(min_length=1)
    guarantee: str = RECORD_LEVEL
    unit_of_privacy: str = UNIT_OF_PRIVACY
    covers: str = COVERS
    label_marginal: str = Field(
        description="where the class frequencies used for sampling come from (DP count or "
        "public prior)"
    )
    epsilon: float = Field(ge=0)
    delta: float = Field(gt=0, lt=1)
    target_epsilon: float = Field(gt=0)
    accountant: Literal["prv", "rdp", "gdp"]
    noise_multiplier: float = Field(gt=0, description="of the last segment")
    sample_rate: float = Field(gt=0, le=1, description="of the last segment")
    steps: int = Field(ge=0, description="every private step ever taken, resumed runs included")
    planned_steps: int = Field(ge=1)
    epochs: int = Field(ge=1, description="epochs the noise was calibrated for")
    batch_size: int = Field(ge=1, description="expected (Poisson) batch size")
    max_grad_norm: float = Field(gt=0)
    accounting_history: list[tuple[float, float, int]] = Field(
        description="(noise_multiplier, sample_rate, steps) segments that epsilon is computed from"
    )
    stop_reason: str
    resumed_from: str | None = None
    noise_source: str = Field(min_length=1)
    dataset_name: str
    dataset_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    dataset_size: int = Field(ge=1)
    data_transform: str | None = None
    created_at: str = Field(description="UTC, ISO 8601")
    wall_seconds: float = Field(ge=0)
    library_versions: dict[str, str]

    @field_validator("epsilon", "target_epsilon", "noise_multiplier", "max_grad_norm")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @property
    def claims_dp(self) -> bool:
        """False for a card whose guarantee starts with "none" (e.g. reproducible noise)."""
        return not self.guarantee.strip().lower().startswith("none")

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
        """Read a card; a missing, unreadable or invalid file raises TrainingError naming it.

        This checks the file only; `verify_card` checks it against the weights.
        """
        data = read_json(Path(path), what="privacy card")
        if data.get("schema_version") != CARD_SCHEMA_VERSION:
            raise TrainingError(
                f"privacy card {path} has schema_version {data.get('schema_version')!r}; this "
                f"version reads {CARD_SCHEMA_VERSION} (older cards are not bound to their model: "
                "train again)"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
                for err in exc.errors()
            )
            raise TrainingError(f"invalid privacy card {path}: {problems}") from exc


def compute_model_id(
    kind: str, state_dict: Mapping[str, Any], *, card: Mapping[str, Any] | None = None
) -> str:
    """Stable id: kind + first 16 hex digits of a SHA-256 over the weights and the card.

    Hashes names, dtypes, shapes and raw bytes (not the torch.save file), so the id
    does not depend on the torch version that wrote the file; with `card`, every card
    field but `model_id` is hashed too (canonical JSON), binding the card to the model.
    """
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.numpy().tobytes())
    if card is not None:
        fields = {k: v for k, v in card.items() if k != "model_id"}
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        digest.update(b"|card|" + text.encode("ascii"))
    return f"{kind}-{digest.hexdigest()[:16]}"


def bind_card(fields: Mapping[str, Any], state_dict: Mapping[str, Any]) -> PrivacyCard:
    """The card for these weights: `fields` (every field but model_id) plus the bound id."""
    draft = PrivacyCard.model_validate({**fields, "model_id": "unbound"}).to_dict()
    model_id = compute_model_id(str(fields["model_kind"]), state_dict, card=draft)
    return PrivacyCard.model_validate({**draft, "model_id": model_id})


def verify_card(card: PrivacyCard, state_dict: Mapping[str, Any], *, source: str) -> None:
    """Refuse a card that was edited, belongs to other weights, or overstates its epsilon.

    The id must hash the weights and the card; the accounting history must add up to
    the card's steps; and epsilon, recomputed from the history with the card's
    accountant, must equal the card's (so even a card re-hashed after an edit fails).
    """
    from aigc_guard.train.accounting import epsilon_for, history_steps

    actual = compute_model_id(card.model_kind, state_dict, card=card.to_dict())
    if actual != card.model_id:
        raise TrainingError(
            f"{source}: the privacy card names model {card.model_id}, but the weights and the "
            f"card hash to {actual}: the card was edited or belongs to other weights"
        )
    history = card.accounting_history
    if history_steps(history) != card.steps:
        raise TrainingError(
            f"{source}: the card says {card.steps} steps, its accounting history "
            f"{history_steps(history)}"
        )
    if history and (history[-1][0], history[-1][1]) != (card.noise_multiplier, card.sample_rate):
        raise TrainingError(
            f"{source}: noise_multiplier/sample_rate differ from the last accounting segment"
        )
    recomputed = epsilon_for(history, delta=card.delta, accountant=card.accountant)
    if not math.isclose(recomputed, card.epsilon, rel_tol=EPSILON_RTOL, abs_tol=1e-9):
        raise TrainingError(
            f"{source}: the card states epsilon={card.epsilon:g}, but its own accounting inputs "
            f"give {recomputed:g} ({card.accountant} accountant, delta={card.delta:g}): refused"
        )


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
