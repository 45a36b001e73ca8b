"""Budget safety across runs: resuming a stopped run, and what a data set has spent.

A stopped run (max_steps, Ctrl-C, budget) is written complete with its training
state, so `train(..., resume=RUN)` continues it: the accountant history of RUN is
restored and the new card covers every step ever taken. `spent_on_data` sums the
epsilons and deltas of the cards registered in the audit log for one data set's
SHA-256 (basic composition: the sum bounds the total; tighter composition would need
the runs' histories composed in one accountant).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigc_guard.errors import TrainingError
from aigc_guard.train.card import CARD_FILE, PrivacyCard

STATE_FILE = "training_state.pt"


@dataclass(frozen=True)
class Resumed:
    """A run to continue: its verified card and the state dicts its trainer saved."""

    model_dir: Path
    card: PrivacyCard
    state: dict[str, Any]


def load_resume(model_dir: Path, *, kind: str, dataset_sha256: str, verify: Any) -> Resumed:
    """Read RUN for resuming; refuse another kind, other data, or a card that fails `verify`.

    `verify(model_dir)` is the kind's loader (it checks the card against the weights).
    """
    import torch

    model_dir = Path(model_dir)
    verify(model_dir)
    card = PrivacyCard.load(model_dir / CARD_FILE)
    problems = []
    if card.model_kind != kind:
        problems.append(f"it is a {card.model_kind} model, not {kind}")
    if card.dataset_sha256 != dataset_sha256:
        problems.append(
            f"it was trained on data {card.dataset_sha256[:12]}..., not on this data set "
            f"({dataset_sha256[:12]}...)"
        )
    path = model_dir / STATE_FILE
    if not path.is_file():
        problems.append(f"{STATE_FILE} is missing (written by every run since schema 2)")
    if problems:
        raise TrainingError(f"cannot resume {model_dir}: " + "; ".join(problems))
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a corrupt file
        raise TrainingError(f"cannot resume {model_dir}: {path} is unreadable ({exc})") from exc
    if not isinstance(state, dict):
        raise TrainingError(f"cannot resume {model_dir}: {path} does not hold a state dict")
    return Resumed(model_dir=model_dir, card=card, state=state)


@dataclass(frozen=True)
class DataBudget:
    """What the registered cards of one data set have spent, by basic composition."""

    dataset_sha256: str
    epsilon: float
    delta: float
    counted: list[dict[str, Any]] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    no_guarantee: list[str] = field(default_factory=list)

    @property
    def bounded(self) -> bool:
        """False when a model trained with reproducible noise used the data (no bound)."""
        return not self.no_guarantee


def spent_on_data(cards: Iterable[Mapping[str, Any]], dataset_sha256: str) -> DataBudget:
    """Sum epsilon and delta over the cards for `dataset_sha256` (basic composition).

    A card that a later run resumed from is superseded: the later card's history
    already covers its steps (and its model is a prefix of the later run's
    transcript), so it is not counted twice. A card without a guarantee
    (reproducible noise) makes the total unbounded.
    """
    matching = [dict(c) for c in cards if c.get("dataset_sha256") == dataset_sha256]
    unique = {str(c.get("model_id")): c for c in matching}
    resumed = {str(c["resumed_from"]) for c in unique.values() if c.get("resumed_from")}
    counted, superseded, none = [], [], []
    for model_id, card in unique.items():
        if model_id in resumed:
            superseded.append(model_id)
        elif str(card.get("guarantee", "")).strip().lower().startswith("none"):
            none.append(model_id)
        else:
            counted.append(card)
    return DataBudget(
        dataset_sha256=dataset_sha256,
        epsilon=sum(float(c["epsilon"]) for c in counted),
        delta=sum(float(c["delta"]) for c in counted),
        counted=counted,
        superseded=sorted(superseded),
        no_guarantee=sorted(none),
    )
