"""Write a run folder all at once: weights, model.json, privacy_card.json, training state.

Everything goes into a temporary sibling that is renamed onto the target in one
step, so an interrupted or failed run never leaves a folder that looks complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aigc_guard.errors import TrainingError
from aigc_guard.fileio import write_json_atomic
from aigc_guard.train.card import CARD_FILE, PrivacyCard

WEIGHTS_FILE = "generator.pt"
CONFIG_FILE = "model.json"


def write_run_dir(
    out_dir: Path,
    *,
    weights: Mapping[str, Any],
    config: dict[str, Any],
    card: PrivacyCard,
    state: Mapping[str, Any],
) -> None:
    """Write the files into a temp sibling, then rename it onto out_dir.

    `state` is what resuming needs (networks and optimizers), saved as training_state.pt.
    """
    import torch

    from aigc_guard.train.budget import STATE_FILE

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent)
    )
    try:
        torch.save(dict(weights), staging / WEIGHTS_FILE)
        torch.save(dict(state), staging / STATE_FILE)
        write_json_atomic(staging / CONFIG_FILE, config)
        card.save(staging / CARD_FILE)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        os.replace(staging, out_dir)  # replaces a missing or empty directory atomically
    except OSError as exc:
        raise TrainingError(
            f"cannot move the trained model to {out_dir} ({exc}); it is complete at {staging}"
        ) from exc


def load_weights_into(module: Any, weights_path: Path, *, config_path: Path, what: str) -> None:
    """Load a run folder's weights into `module` (strict); TrainingError names the file.

    `what` names the weights in messages ("generator weights", "model weights").
    """
    import torch

    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise TrainingError(f"{what} not found: {weights_path}") from exc
    except Exception as exc:  # torch raises many types for a corrupt file
        raise TrainingError(f"cannot read {what} {weights_path}: {exc}") from exc
    try:
        module.load_state_dict(state, strict=True)
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise TrainingError(f"{what} {weights_path} do not fit {config_path}: {exc}") from exc
