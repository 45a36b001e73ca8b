"""DP-SGD for generators trained as one network whose loss reads the data (VAE, diffusion).

The whole network goes through Opacus: Poisson sampling, per-example clipping,
Gaussian noise calibrated to the target epsilon for the full `epochs` schedule,
accounting. The network's `forward(images, labels)` returns one loss per row;
for noise multiplicity (diffusion, after DPDM) each example fills K rows and
their per-sample gradients are averaged before clipping (see multiplicity.py).
The saved weights are an exponential moving average of the trained ones
(post-processing: no privacy cost). Stopping early (`max_steps`, Ctrl-C) can
only spend less; the card's epsilon is read from the accountant.

The DP noise and the batch sampling come from generators seeded from OS entropy,
never from `seed`: with a known seed an adversary could replay training with and
without a record. `seed` reaches only initialisation and the model's own
non-private draws (latent samples, noise levels).
"""

from __future__ import annotations

import copy
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import TrainingError
from aigc_guard.train.card import ACCOUNTANTS, PrivacyCard, compute_model_id
from aigc_guard.train.engine import TrainResult, TrainStep, validate_private_module
from aigc_guard.train.multiplicity import average_draws, repeat_draws
from aigc_guard.train.rundir import write_run_dir
from aigc_guard.train.step_cap import apply_step_cap

if TYPE_CHECKING:
    import torch
    from torch import nn

    from aigc_guard.train.data import ImageDataset
    from aigc_guard.train.kinds import ModelSpec


@dataclass(frozen=True)
class Options:
    """The validated settings of one run."""

    target_epsilon: float
    target_delta: float
    epochs: int
    batch_size: int
    max_grad_norm: float
    accountant: str
    lr: float
    ema_decay: float
    seed: int
    max_steps: int | None


def secret_generator() -> torch.Generator:
    """A torch generator seeded from OS entropy, for DP noise and Poisson sampling."""
    import torch

    return torch.Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))


def train_private(
    spec: ModelSpec,
    train: ImageDataset,
    *,
    out_dir: Path,
    target_epsilon: float = 10.0,
    target_delta: float = 1e-5,
    epochs: int | None = None,
    batch_size: int | None = None,
    max_grad_norm: float = 1.0,
    accountant: str = "prv",
    lr: float | None = None,
    ema_decay: float | None = None,
    config: Any = None,
    seed: int = 0,
    max_steps: int | None = None,
    progress: bool = True,
    on_step: Callable[[TrainStep], None] | None = None,
) -> TrainResult:
    """Train `spec`'s network with DP-SGD; write generator.pt, model.json, privacy_card.json.

    Raises TrainingError on bad input (before any work) or a non-finite loss (at
    the step it happens, with nothing written); after Ctrl-C re-raises
    KeyboardInterrupt with nothing written.
    """
    import torch

    config = spec.default_config() if config is None else config
    options = Options(
        target_epsilon=target_epsilon, target_delta=target_delta,
        epochs=spec.epochs if epochs is None else epochs,
        batch_size=spec.batch_size if batch_size is None else batch_size,
        max_grad_norm=max_grad_norm, accountant=accountant,
        lr=spec.lr if lr is None else lr,
        ema_decay=spec.ema_decay if ema_decay is None else ema_decay,
        seed=seed, max_steps=apply_step_cap(max_steps),
    )  # fmt: skip
    out_dir = Path(out_dir)
    _check(spec, train, options, out_dir=out_dir, config=config)
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        _silence_known_warnings()
        torch.manual_seed(seed)
        run = _build(spec, train, options, config)
        planned = len(run.loader) * options.epochs
        limit = planned if options.max_steps is None else min(planned, options.max_steps)
        steps = _loop(run, limit=limit, progress=progress, on_step=on_step)
    card = _card(run, train, steps=steps, planned=planned)
    write_run_dir(out_dir, weights=run.ema.state_dict(), config=config.to_json(), card=card)
    return TrainResult(model_dir=out_dir, card=card, seconds=time.perf_counter() - started)


@dataclass
class _Run:
    spec: ModelSpec
    options: Options
    config: Any
    multiplicity: int
    module: Any  # opacus GradSampleModule
    ema: nn.Module
    optimizer: Any  # opacus DPOptimizer
    loader: Any  # opacus DPDataLoader
    engine: Any  # opacus PrivacyEngine


def _silence_known_warnings() -> None:
    warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG turned off.*")
    warnings.filterwarnings("ignore", message=".*[Oo]ptimal order is the (largest|smallest).*")
    warnings.filterwarnings("ignore", message=".*Full backward hook is firing.*")


def _check(
    spec: ModelSpec, train: ImageDataset, options: Options, *, out_dir: Path, config: Any
) -> None:
    """Collect every problem with the arguments and raise once, before any work."""
    from aigc_guard.train.engine import _check_data, _is_int, _is_number

    if not isinstance(config, spec.config_class()):
        raise TrainingError(
            f"config must be a {spec.config_class().__name__}, got {type(config).__name__}"
        )
    problems = _check_data(train, num_classes=config.num_classes)
    size = 0 if problems else len(train.images)

    def check(name: str, ok: bool, expected: str) -> None:
        if not ok:
            problems.append(f"{name}={getattr(options, name)!r}: must be {expected}")

    for name in ("target_epsilon", "max_grad_norm", "lr"):
        check(name, _is_number(getattr(options, name), low=0.0), "a positive number")
    for name in ("epochs", "batch_size"):
        check(name, _is_int(getattr(options, name), low=1), "a positive integer")
    check("max_steps", options.max_steps is None or _is_int(options.max_steps, low=1), "None or >= 1")
    check("seed", _is_int(options.seed, low=0), "a non-negative integer")
    check("ema_decay", _is_number(options.ema_decay, low=0.0, high=1.0, closed=True), "in [0, 1)")
    check("accountant", options.accountant in ACCOUNTANTS, f"one of {', '.join(ACCOUNTANTS)}")
    check("target_delta", _is_number(options.target_delta, low=0.0, high=1.0), "in (0, 1)")
    if size and _is_number(options.target_delta, low=0.0) and options.target_delta >= 1 / size:
        problems.append(
            f"target_delta={options.target_delta!r}: must be below 1/N = {1 / size:.2g} for a "
            "meaningful per-example guarantee"
        )
    if size and _is_int(options.batch_size, low=1) and options.batch_size > size:
        problems.append(f"batch_size={options.batch_size} exceeds the {size} training images")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        problems.append(f"out_dir {out_dir} exists and is not an empty directory; remove it")
    if problems:
        raise TrainingError(f"cannot train {spec.name}:\n  " + "\n  ".join(problems))


def _build(spec: ModelSpec, train: ImageDataset, options: Options, config: Any) -> _Run:
    import torch
    from opacus import PrivacyEngine

    images = torch.from_numpy(train.images.astype("float32")).unsqueeze(1) / 127.5 - 1.0
    labels = torch.from_numpy(train.labels.astype("int64"))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(images, labels),
        batch_size=options.batch_size,
        generator=secret_generator(),  # Poisson sampling draws from the loader's generator
    )
    module = spec.build(config)
    validate_private_module(module)
    ema = copy.deepcopy(module).requires_grad_(False)  # before Opacus adds its hooks
    optimizer = torch.optim.Adam(module.parameters(), lr=options.lr)
    engine = PrivacyEngine(accountant=options.accountant)
    try:
        private, private_opt, private_loader = engine.make_private_with_epsilon(
            module=module,
            optimizer=optimizer,
            data_loader=loader,
            target_epsilon=options.target_epsilon,
            target_delta=options.target_delta,
            epochs=options.epochs,
            max_grad_norm=options.max_grad_norm,
            poisson_sampling=True,
            noise_generator=secret_generator(),
        )
    except ValueError as exc:
        raise TrainingError(
            f"Opacus cannot reach epsilon={options.target_epsilon}, delta={options.target_delta} "
            f"in {options.epochs} epochs at batch size {options.batch_size}: {exc}"
        ) from exc
    return _Run(
        spec=spec, options=options, config=config,
        multiplicity=int(getattr(config, "noise_multiplicity", 1)),
        module=private, ema=ema,
        optimizer=private_opt, loader=private_loader, engine=engine,
    )  # fmt: skip


def _loop(
    run: _Run, *, limit: int, progress: bool, on_step: Callable[[TrainStep], None] | None
) -> int:
    """Private steps until `limit`; return the steps taken."""
    from aigc_guard.progress import progress as progress_bar

    read_every = max(1, limit // 10)  # a PRV read costs 0.1-0.6 s
    epsilon: float | None = None
    step = 0
    with progress_bar(f"DP-{run.spec.name}", limit, enabled=progress) as advance:
        while step < limit:
            for images, labels in run.loader:
                loss = private_step(run, images, labels, step=step + 1)
                step += 1
                fresh = None
                if step % read_every == 0 or step == limit:
                    fresh = epsilon = _epsilon(run)
                shown = "-" if epsilon is None else f"{epsilon:.3f}"
                advance(1, epsilon=shown, loss=f"{loss:.3f}")
                if on_step is not None:
                    on_step(TrainStep(step, limit, fresh, loss, math.nan))
                if step >= limit:
                    break
    return step


def private_step(run: _Run, images: torch.Tensor, labels: torch.Tensor, *, step: int) -> float:
    """One DP-SGD step: per-row losses, multiplicity folded, Opacus clips and noises."""
    import torch

    optimizer = run.optimizer
    optimizer.zero_grad(set_to_none=True)  # Poisson sampling refuses accumulation
    if images.shape[0] == 0:
        # Empty Poisson batch: the step (pure noise) still happens and is accounted.
        for p in optimizer.params:
            p.grad_sample = torch.zeros((0, *p.shape), dtype=p.dtype)
        optimizer.step()
        return math.nan
    rows = run.module(*repeat_draws(images, labels, run.multiplicity))
    if not bool(torch.isfinite(rows).all()):
        raise TrainingError(
            f"{run.spec.name}: the loss is not finite at step {step} (NaN or inf); lower the "
            "learning rate; nothing was written"
        )
    loss = rows.mean()
    loss.backward()
    average_draws(optimizer.params, run.multiplicity)
    optimizer.step()
    with torch.no_grad():
        decay = run.options.ema_decay
        live = run.module._module  # the GradSampleModule's wrapped network
        for averaged, current in zip(run.ema.parameters(), live.parameters(), strict=True):
            averaged.lerp_(current, 1.0 - decay)
    return float(loss.item())


def _epsilon(run: _Run) -> float:
    return float(run.engine.accountant.get_epsilon(delta=run.options.target_delta))


def _card(run: _Run, train: ImageDataset, *, steps: int, planned: int) -> PrivacyCard:
    """Build the card from what the accountant recorded, not from what was asked for."""
    import opacus
    import torch

    accounted = sum(int(entry[2]) for entry in run.engine.accountant.history)
    if accounted != steps:
        raise TrainingError(
            f"internal accounting mismatch: {steps} steps taken, {accounted} accounted"
        )
    return PrivacyCard(
        model_id=compute_model_id(run.spec.model_kind, run.ema.state_dict()),
        model_kind=run.spec.model_kind,
        epsilon=_epsilon(run),
        delta=run.options.target_delta,
        target_epsilon=run.options.target_epsilon,
        accountant=run.options.accountant,  # type: ignore[arg-type]
        noise_multiplier=float(run.optimizer.noise_multiplier),
        sample_rate=float(run.loader.sample_rate),
        steps=steps,
        planned_steps=planned,
        epochs=run.options.epochs,
        batch_size=int(run.optimizer.expected_batch_size),
        max_grad_norm=run.options.max_grad_norm,
        dataset_name=train.name,
        dataset_sha256=train.sha256(),
        dataset_size=len(train),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        opacus_version=opacus.__version__,
        torch_version=torch.__version__,
    )
