"""`aigc-guard sample`: draw N images from a trained model of any kind into one .npz file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer

from aigc_guard.cli.common import console, handles_errors

MAX_SAMPLES = 100_000  # ~78 MB of 28x28 pixels: one file, one call


@handles_errors
def sample(
    model: Annotated[Path, typer.Option("--model", help="A run folder from `aigc-guard train`.")],
    n: Annotated[
        int, typer.Option("--n", help="How many images (or texts).", min=1, max=MAX_SAMPLES)
    ],
    out: Annotated[Path, typer.Option("--out", help="The .npz file to write (not overwritten).")],
    label: Annotated[
        int | None,
        typer.Option("--label", help="Only this class (default: classes 0, 1, ..., in turn)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the sampler (default: fresh randomness).")
    ] = None,
    prompt: Annotated[
        str | None, typer.Option(help="Text model: the text to continue (not in the output).")
    ] = None,
    max_tokens: Annotated[
        int, typer.Option(help="Text model: at most this many bytes per text.", min=1)
    ] = 200,
    temperature: Annotated[
        float, typer.Option(help="Text model: sampling temperature (> 0).")
    ] = 1.0,
) -> None:
    """Write `images` (N, H, W) uint8 and `labels` (N,) int64 to an .npz file; for a
    text model (lm), `texts` (N,) str instead.

    The model loads with its privacy card checked against its weights; sampling
    is post-processing and spends no privacy budget.
    Example: aigc-guard sample --model runs/dp-vae --n 100 --out digits.npz --label 3
    Example: aigc-guard sample --model runs/dp-lm --n 20 --out notes.npz --max-tokens 160
    """
    import numpy as np

    from aigc_guard.errors import InputError
    from aigc_guard.fileio import write_bytes_new
    from aigc_guard.train.generator import PrivateImageGenerator
    from aigc_guard.train.load import load_model

    if out.suffix != ".npz":
        raise InputError(f"--out {out}: must end in .npz")
    if out.exists():
        raise InputError(f"--out {out} exists; outputs are never overwritten")
    generator = load_model(model)
    if not isinstance(generator, PrivateImageGenerator):
        from aigc_guard.cli.training_text import refuse_image_options, sample_text

        refuse_image_options(label=label)
        sample_text(generator, n=n, out=out, prompt=prompt, max_tokens=max_tokens,
                    temperature=temperature, seed=seed)  # fmt: skip
        return
    if prompt is not None:
        raise InputError("--prompt: an image model takes no prompt")
    classes = int(generator.config.num_classes)
    if label is not None and not 0 <= label < classes:
        raise InputError(f"--label {label}: this model knows classes 0..{classes - 1}")
    labels = np.full(n, label) if label is not None else np.arange(n) % classes
    images = generator.sample_array(n, labels=labels.tolist(), seed=seed)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels.astype(np.int64))
    write_bytes_new(out, buffer.getvalue())
    console(stderr=False).print(
        f"{n} images {images.shape[1]}x{images.shape[2]} from {generator.model_id} "
        f"(epsilon={generator.card.epsilon:.3f}) -> {out}",
        highlight=False,
    )
