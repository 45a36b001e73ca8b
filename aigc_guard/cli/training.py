"""`aigc-guard train KIND`: DP training, and registering the privacy card in the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aigc_guard.cli.common import DbOption, KeysOption, console, handles_errors, open_audit_log


@handles_errors
def train(
    out: Annotated[
        Path,
        typer.Option("--out", help="Run folder to create: weights, model.json, privacy_card.json."),
    ],
    kind: Annotated[
        str, typer.Argument(help="What to train: gan, vae or diffusion.", show_default=True)
    ] = "gan",
    data: Annotated[
        str,
        typer.Option(help="mnist5k (bundled) or a folder of images (one size, resized to 28x28)."),
    ] = "mnist5k",
    labels: Annotated[
        Path | None,
        typer.Option(help="Labels of a folder's images: a CSV with header file,label."),
    ] = None,
    epsilon: Annotated[float, typer.Option(help="Target epsilon of the whole schedule.")] = 10.0,
    delta: Annotated[float, typer.Option(help="Target delta (below 1/N).")] = 1e-5,
    epochs: Annotated[
        int | None, typer.Option(help="Epochs the noise is calibrated for (default: tuned per kind).")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Expected (Poisson) batch size (default: tuned per kind).")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Stop early after this many steps (spends less epsilon).")
    ] = None,
    clip: Annotated[float, typer.Option(help="Per-example gradient clipping norm.")] = 1.0,
    accountant: Annotated[str, typer.Option(help="prv, rdp or gdp.")] = "prv",
    seed: Annotated[
        int, typer.Option(help="Seed of the non-private randomness (initialisation).")
    ] = 0,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Train a class-conditional generator with DP-SGD (Opacus) and register its privacy card.

    Example: aigc-guard train vae --out runs/dp-vae --epsilon 10 --max-steps 200
    """
    import dataclasses

    from aigc_guard.train.data import load_training_data
    from aigc_guard.train.kinds import spec_for
    from aigc_guard.train.registration import register_model

    spec = spec_for(kind)
    train_data = load_training_data(data, labels_csv=labels)
    config = dataclasses.replace(spec.default_config(), num_classes=_classes(train_data, data))
    with open_audit_log(db, keys) as log:  # opened first: a bad --db or --keys fails fast
        result = spec.train(
            train_data, out_dir=out, target_epsilon=epsilon, target_delta=delta, epochs=epochs,
            batch_size=batch_size, max_grad_norm=clip, accountant=accountant, config=config,
            max_steps=max_steps, seed=seed,
        )  # fmt: skip
        entry = register_model(log, result.card)
    card = result.card
    console(stderr=False).print(
        f"trained {card.model_id}: epsilon={card.epsilon:.3f} delta={card.delta:g} "
        f"steps={card.steps} -> {out} (audit row {entry.id})"
    )


def _classes(train_data: Any, source: str) -> int:
    """10 for mnist5k; for a folder, one more than its largest label (the class count is
    treated as public, like the label set of any classifier)."""
    from aigc_guard.train.data import DATASET_NAME

    return 10 if source == DATASET_NAME else int(train_data.labels.max()) + 1


def dataset(name: str) -> Any:
    """A bundled data set by name (today: mnist5k)."""
    from aigc_guard.errors import InputError
    from aigc_guard.train.data import DATASET_NAME, load_mnist5k

    if name != DATASET_NAME:
        raise InputError(f"unknown data set {name!r}; bundled: {DATASET_NAME}")
    return load_mnist5k()
