"""Load any trained run folder with one call: image kinds and the text kind alike.

model.json names the kind; its modality picks the loader (`PrivateImageGenerator`
or `PrivateTextGenerator`), and each checks the card against the weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.errors import InputError, TrainingError
from aigc_guard.train.card import read_json
from aigc_guard.train.rundir import CONFIG_FILE

if TYPE_CHECKING:
    from aigc_guard.train.generator import PrivateImageGenerator
    from aigc_guard.train.text_generator import PrivateTextGenerator


def load_model(model_dir: str | Path) -> PrivateImageGenerator | PrivateTextGenerator:
    """The trained model in `model_dir`, whatever its kind (TrainingError names a bad file)."""
    from aigc_guard.train.kinds import spec_for

    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise TrainingError(f"model directory not found: {model_dir}")
    config_path = model_dir / CONFIG_FILE
    kind = str(read_json(config_path, what="model config").get("kind"))
    try:
        spec = spec_for(kind)
    except InputError as exc:
        raise TrainingError(f"{config_path}: {exc}") from exc
    if spec.modality == "text":
        from aigc_guard.train.text_generator import PrivateTextGenerator

        return PrivateTextGenerator.load(model_dir)
    from aigc_guard.train.generator import PrivateImageGenerator

    return PrivateImageGenerator.load(model_dir)


__all__ = ["load_model"]
