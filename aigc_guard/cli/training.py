"""`aigc-guard train`: DP training, and registering the privacy card in the audit log."""

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
    data: Annotated[str, typer.Option(help="Data set (bundled: mnist5k).")] = "mnist5k",
    epsilon: Annotated[float, typer.Option(help="Target epsilon of the whole schedule.")] = 10.0,
    delta: Annotated[float, typer.Option(help="Target delta (below 1/N).")] = 1e-5,
    epochs: Annotated[
        int | None, typer.Option(help="Epochs the noise is calibrated for (default: the tuned 50).")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Stop early after this many steps (spends less epsilon).")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the non-private randomness (initialisation).")
    ] = 0,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Train a class-conditional DP-GAN with DP-SGD (Opacus) and register its privacy card.

    Example: aigc-guard train --out runs/dp-gan --epsilon 10 --max-steps 200
    """
    from aigc_guard.train import train_dp_gan
    from aigc_guard.train.engine import DEMO_EPOCHS
    from aigc_guard.train.registration import register_model

    result = train_dp_gan(
        dataset(data).train,
        out_dir=out,
        epochs=DEMO_EPOCHS if epochs is None else epochs,
        target_epsilon=epsilon,
        target_delta=delta,
        max_steps=max_steps,
        seed=seed,
    )
    with open_audit_log(db, keys) as log:
        entry = register_model(log, result.card)
    card = result.card
    console(stderr=False).print(
        f"trained {card.model_id}: epsilon={card.epsilon:.3f} delta={card.delta:g} "
        f"steps={card.steps} -> {out} (audit row {entry.id})"
    )


def dataset(name: str) -> Any:
    """A bundled data set by name (today: mnist5k)."""
    from aigc_guard.errors import InputError
    from aigc_guard.train.data import DATASET_NAME, load_mnist5k

    if name != DATASET_NAME:
        raise InputError(f"unknown data set {name!r}; bundled: {DATASET_NAME}")
    return load_mnist5k()
