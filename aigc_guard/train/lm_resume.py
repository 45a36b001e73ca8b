"""Resuming a stopped `lm` run: the earlier card, architecture and training state.

The new run restores the model and optimizer, keeps the earlier noise multiplier,
batch size, clipping, accountant and delta, and starts its accountant from the
earlier history, so the new card's epsilon covers every step of both runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import TrainingError
from aigc_guard.train.accounting import Segment
from aigc_guard.train.card import PrivacyCard
from aigc_guard.train.text_data import TextDataset

if TYPE_CHECKING:
    from aigc_guard.train.models.lm import LmConfig


@dataclass(frozen=True)
class ResumedLm:
    """The run being resumed: its verified card, architecture and training state."""

    model_dir: Path
    card: PrivacyCard
    config: LmConfig
    state: dict[str, Any]

    @property
    def history(self) -> list[Segment]:
        return [(float(s), float(q), int(k)) for s, q, k in self.card.accounting_history]


def load_lm_resume(run: Path, data: TextDataset, config: LmConfig | None) -> ResumedLm:
    """Read RUN for resuming: same kind and data, a card that verifies, the same config."""
    from aigc_guard.train.budget import load_resume
    from aigc_guard.train.card import read_json
    from aigc_guard.train.models.lm import MODEL_KIND, LmConfig
    from aigc_guard.train.rundir import CONFIG_FILE
    from aigc_guard.train.text_generator import PrivateTextGenerator

    sha = data.sha256 if isinstance(data, TextDataset) else ""
    found = load_resume(run, kind=MODEL_KIND, dataset_sha256=sha, verify=PrivateTextGenerator.load)
    path = run / CONFIG_FILE
    saved = LmConfig.from_json(read_json(path, what="model config"), source=str(path))
    if config is not None and config != saved:
        raise TrainingError(f"cannot resume {run}: config differs from its model.json")
    if not {"model", "optimizer"} <= set(found.state):
        raise TrainingError(f"cannot resume {run}: its training state lacks the model or optimizer")
    return ResumedLm(model_dir=run, card=found.card, config=saved, state=found.state)


__all__ = ["ResumedLm", "load_lm_resume"]
