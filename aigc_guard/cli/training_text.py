"""The text kind (`lm`) behind `aigc-guard train lm` and `aigc-guard sample` of a text model.

`train lm` reads a .txt file (a record a line) or a .jsonl file (`--text-field`),
trains with DP-SGD and registers the card. Under torchrun every rank runs the same
command: the process group comes from torchrun's environment, and only rank 0
writes the run folder and the audit row. `sample` writes `texts` to an .npz file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from aigc_guard.cli.common import console, open_audit_log
from aigc_guard.errors import InputError


def train_text(
    spec: Any,
    *,
    out: Path,
    data: str,
    text_field: str | None,
    max_record_bytes: int,
    options: dict[str, Any],
    db: str | None,
    keys: Path | None,
) -> None:
    """Train the text kind `spec` on the file `data` and register its card (rank 0)."""
    from aigc_guard.train import distributed
    from aigc_guard.train.registration import register_model
    from aigc_guard.train.text_data import load_text_records

    records = load_text_records(data, text_field=text_field, max_record_bytes=max_record_bytes)
    distributed.init_from_env()  # torchrun: join its process group; otherwise nothing
    if not distributed.is_main():
        spec.train(records, out_dir=out, **options)
        return
    with open_audit_log(db, keys) as log:  # opened first: a bad --db or --keys fails fast
        result = spec.train(records, out_dir=out, **options)
        entry = register_model(log, result.card)
    card = result.card
    console(stderr=False).print(
        f"trained {card.model_id}: epsilon={card.epsilon:.3f} delta={card.delta:g} "
        f"steps={card.steps}/{card.planned_steps} ({card.stop_reason}) -> {out} "
        f"(audit row {entry.id})\n{card.data_transform}",
        highlight=False,
    )


def sample_text(
    model: Any,
    *,
    n: int,
    out: Path,
    prompt: str | None,
    max_tokens: int,
    temperature: float,
    seed: int | None,
) -> None:
    """Write `texts` (N,) str to the .npz file `out` (never overwritten)."""
    import numpy as np

    from aigc_guard.fileio import write_bytes_new

    texts = model.generate(
        n, prompt=prompt, max_tokens=max_tokens, temperature=temperature, seed=seed
    )
    buffer = io.BytesIO()
    np.savez_compressed(buffer, texts=np.array(texts, dtype=str))
    write_bytes_new(out, buffer.getvalue())
    console(stderr=False).print(
        f"{n} texts from {model.model_id} (epsilon={model.card.epsilon:.3f}) -> {out}",
        highlight=False,
    )


def refuse_image_options(**given: Any) -> None:
    """Options of image kinds given to a text command: an error naming them."""
    named = [name for name, value in given.items() if value is not None]
    if named:
        raise InputError(f"{', '.join(named)}: not an option of a text model")


__all__ = ["refuse_image_options", "sample_text", "train_text"]
