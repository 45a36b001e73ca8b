"""`aigc-guard train KIND`: DP training, and registering the privacy card in the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aigc_guard.cli.common import DbOption, KeysOption, console, handles_errors, open_audit_log
from aigc_guard.errors import InputError


@handles_errors
def train(
    out: Annotated[
        Path,
        typer.Option("--out", help="Run folder to create: weights, model.json, privacy_card.json."),
    ],
    kind: Annotated[
        str | None,
        typer.Argument(
            help="gan (default), vae, diffusion, merf or lm (text); with --resume: the run's kind."
        ),
    ] = None,
    data: Annotated[
        str,
        typer.Option(
            help="mnist5k (bundled) or a folder of images (one size, resized to 28x28); "
            "for lm: a .txt file (a record a line) or a .jsonl file."
        ),
    ] = "mnist5k",
    text_field: Annotated[
        str | None, typer.Option(help="lm with a .jsonl file: the text field [default: text].")
    ] = None,
    max_record_bytes: Annotated[
        int,
        typer.Option(
            help="lm: refuse a record longer than this (longer than the context: cut).", min=1
        ),
    ] = 65_536,
    labels: Annotated[
        Path | None,
        typer.Option(help="Labels of a folder's images: a CSV with header file,label."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Expected (Poisson) batch size [default: tuned per kind].")
    ] = None,
    clip: Annotated[
        float, typer.Option(help="Per-example gradient clipping norm (max_grad_norm).")
    ] = 1.0,
    epsilon: Annotated[
        float | None,
        typer.Option(help="Target epsilon of the whole schedule [default: 10; resume: the run's]."),
    ] = None,
    delta: Annotated[
        float | None, typer.Option(help="Target delta, below 1/N [default: 1e-5].")
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            help="Epochs the noise is calibrated for [default: tuned per kind; resume: the run's]."
        ),
    ] = None,
    max_steps: Annotated[
        int | None,
        typer.Option(
            help="Stop early after this many steps (spends less epsilon); merf: fitting steps "
            "(its budget is spent by the one release)."
        ),
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
    """Train a class-conditional generator with DP-SGD (Opacus), or merf with one DP
    release, and register its privacy card.

    Example: aigc-guard train vae --out runs/dp-vae --epsilon 10 --max-steps 200
    Example: aigc-guard train merf --out runs/dp-merf --epsilon 1
    """
    import dataclasses

    from aigc_guard.train.data import load_training_data
    from aigc_guard.train.kinds import spec_for
    from aigc_guard.train.registration import register_model

    spec = spec_for(kind or (_kind_of(resume) if resume is not None else "gan"))
    if spec.modality == "text":
        from aigc_guard.cli.training_text import refuse_image_options, train_text

        refuse_image_options(labels=labels, reproducible_noise=reproducible_noise or None)
        options = {
            "target_epsilon": epsilon, "target_delta": delta, "epochs": epochs,
            "batch_size": batch_size, "max_grad_norm": clip, "accountant": accountant,
            "max_steps": max_steps, "seed": seed, "secure_noise": secure_noise, "resume": resume,
        }  # fmt: skip
        train_text(spec, out=out, data=data, text_field=text_field, options=options,
                   max_record_bytes=max_record_bytes, db=db, keys=keys)  # fmt: skip
        return
    from aigc_guard.train import distributed

    if distributed.init_from_env() and spec.name in ("gan", "merf"):  # under torchrun
        raise InputError(f"{spec.name} cannot train across processes (vae, diffusion and lm can)")
    train_data = load_training_data(data, labels_csv=labels)
    config = None
    if resume is None:  # a resumed run keeps its saved architecture
        config = dataclasses.replace(spec.default_config(), num_classes=_classes(train_data, data))
    result = spec.train(
        train_data, out_dir=out, target_epsilon=epsilon, target_delta=delta, epochs=epochs,
        batch_size=batch_size, max_grad_norm=clip, accountant=accountant, config=config,
        max_steps=max_steps, seed=seed, resume=resume, secure_noise=secure_noise,
        reproducible_noise=reproducible_noise,
    )  # fmt: skip
    if not distributed.is_main():  # rank 0 registers the card and reports
        return
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


def _kind_of(run: Path) -> str:
    """The kind a run folder holds (its model.json), for `--resume` without KIND."""
    from aigc_guard.train.card import read_json
    from aigc_guard.train.rundir import CONFIG_FILE

    return str(read_json(Path(run) / CONFIG_FILE, what="model config").get("kind"))


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
