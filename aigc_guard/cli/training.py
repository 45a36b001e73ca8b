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
    epsilon: Annotated[
        float | None,
        typer.Option(help="Target epsilon of the whole schedule [default: 10; resume: the run's]."),
    ] = None,
    delta: Annotated[
        float | None, typer.Option(help="Target delta, below 1/N [default: 1e-5].")
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(help="Epochs the noise is calibrated for [default: 50; resume: the run's]."),
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Stop early after this many steps (spends less epsilon).")
    ] = None,
    accountant: Annotated[str, typer.Option(help="Privacy accountant: prv, rdp or gdp.")] = "prv",
    seed: Annotated[
        int, typer.Option(help="Seed of the non-private randomness (initialisation) only.")
    ] = 0,
    resume: Annotated[
        Path | None,
        typer.Option(
            help="Continue this stopped run (same data); the new card covers all its steps."
        ),
    ] = None,
    secure_noise: Annotated[
        bool,
        typer.Option(
            "--secure-noise/--torch-noise",
            help="DP noise and batch sampling from ChaCha20 (default) or from torch's "
            "generator seeded from OS entropy.",
        ),
    ] = True,
    reproducible_noise: Annotated[
        bool,
        typer.Option(
            help="DEBUGGING ONLY: noise seeded from --seed; the model gets NO privacy "
            "guarantee and its epsilon never goes into a C2PA manifest."
        ),
    ] = False,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Train a class-conditional DP-GAN with DP-SGD (Opacus) and register its privacy card.

    Example: aigc-guard train --out runs/dp-gan --epsilon 10 --max-steps 200
    """
    from aigc_guard.train import train_dp_gan
    from aigc_guard.train.registration import register_model

    result = train_dp_gan(
        dataset(data).train,
        out_dir=out,
        epochs=epochs,
        target_epsilon=epsilon,
        target_delta=delta,
        max_steps=max_steps,
        accountant=accountant,
        seed=seed,
        resume=resume,
        secure_noise=secure_noise,
        reproducible_noise=reproducible_noise,
    )
    with open_audit_log(db, keys) as log:
        entry = register_model(log, result.card)
    report(result.card, out=out, audit_id=entry.id)


def report(card: Any, *, out: Path, audit_id: int) -> None:
    """What the user needs to read off a finished run: the figure, why it stopped, the caveats."""
    stdout = console(stderr=False)
    stdout.print(
        f"trained {card.model_id}: epsilon={card.epsilon:.3f} delta={card.delta:g} "
        f"steps={card.steps}/{card.planned_steps} -> {out} (audit row {audit_id})",
        highlight=False,
    )
    stdout.print(f"stopped: {card.stop_reason}", highlight=False)
    if card.stopped_early:
        stdout.print(f"resume with: aigc-guard train --resume {out} --out NEW_FOLDER")
    if not card.claims_dp:
        console().print(
            f"[bold yellow]warning:[/] guarantee: {card.guarantee}; this model's epsilon "
            "is not a privacy guarantee and is never written into a C2PA manifest"
        )


def dataset(name: str) -> Any:
    """A bundled data set by name (today: mnist5k)."""
    from aigc_guard.errors import InputError
    from aigc_guard.train.data import DATASET_NAME, load_mnist5k

    if name != DATASET_NAME:
        raise InputError(f"unknown data set {name!r}; bundled: {DATASET_NAME}")
    return load_mnist5k()
