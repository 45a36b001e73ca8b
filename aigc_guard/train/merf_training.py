"""Train the DP-MERF generator: one Gaussian release of per-class feature sums, then a fit.

The only private step is `release_means`: every example's unit vector (see
models/merf.py) is summed per class and Gaussian noise of standard deviation
`noise_multiplier` is added once, drawn from the run's private randomness (ChaCha20
by default, never from `seed`). In DP-SGD terms that is one step with sample rate 1
and clip norm 1, so the noise is calibrated, accounted, recorded on the card and
recomputed on load exactly as for the other kinds. Fitting the generator to the
released means reads nothing private (post-processing): `seed` reaches it, Ctrl-C
saves the generator fitted so far, and the card is the same whatever the fit does.

Why a kind besides DP-SGD: on 4,000 digits the DP-SGD generators lose most of their
signal to the per-step noise (README, "Why 90% / 75% is out of reach for the DP-SGD
generators"); one release of a 10,000-dimensional mean per class spends the whole
budget once and measured far better downstream (benchmarks/dp_generators.py).
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import TrainingError
from aigc_guard.train.accounting import calibrate_noise
from aigc_guard.train.card import COVERS
from aigc_guard.train.engine import (
    DEFAULT_DELTA,
    DEFAULT_EPSILON,
    LABEL_MARGINAL,
    TrainResult,
    TrainStep,
)
from aigc_guard.train.plan_checks import common_problems, silence_known_warnings
from aigc_guard.train.run_card import run_card
from aigc_guard.train.rundir import write_run_dir
from aigc_guard.train.step_cap import apply_step_cap
from aigc_guard.train.stopping import GracefulInterrupt, require_finite

if TYPE_CHECKING:
    import torch

    from aigc_guard.train.data import ImageDataset
    from aigc_guard.train.models.merf import MerfConfig
    from aigc_guard.train.secure_noise import PrivateRandomness

MERF_COVERS = COVERS.replace(
    "DP-SGD on the private data",
    "one Gaussian release of per-class feature means of the private data",
)
STOP_FITTED = "released once; generator fitted for {done} of {planned} steps"
STOP_FIT_INTERRUPTED = "released once; fitting interrupted (Ctrl-C) after {done} of {planned} steps"
CHUNK = 512  # images per feature pass: bounds memory whatever the data size


@dataclass(frozen=True)
class Options:
    """The validated settings of one run (the names common_problems checks)."""

    target_epsilon: float
    target_delta: float
    accountant: str
    seed: int
    max_steps: int | None
    secure_noise: bool
    reproducible_noise: bool
    epochs: int = 1  # one release
    batch_size: int = 1  # the release reads every example once


@dataclass(frozen=True)
class Release:
    """What the private step produced: per-class mean features and counts (DP outputs)."""

    means: torch.Tensor  # (classes, features), float32
    counts: torch.Tensor  # (classes,), noisy, at least 1
    noise_multiplier: float


def train_dp_merf(
    train: ImageDataset,
    *,
    out_dir: Path,
    target_epsilon: float | None = None,
    target_delta: float | None = None,
    accountant: str = "prv",
    config: MerfConfig | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    progress: bool = True,
    on_step: Callable[[TrainStep], None] | None = None,
    secure_noise: bool = True,
    reproducible_noise: bool = False,
    lr: float | None = None,
    **unsupported: Any,
) -> TrainResult:
    """Release the per-class feature means once with (epsilon, delta)-DP, fit the generator
    (`config.fit_steps`, capped by `max_steps`), write the run folder and return it.

    DP-SGD options (epochs, batch_size, max_grad_norm, ema_decay, resume) do not apply
    and are refused when set; TrainingError names every bad option before any work.
    """
    import numpy as np
    import torch

    from aigc_guard.train.models.merf import MerfConfig, MerfGenerator
    from aigc_guard.train.secure_noise import private_randomness

    config = MerfConfig() if config is None else config
    if lr is not None and isinstance(config, MerfConfig):
        config = dataclasses.replace(config, lr=lr)
    options = Options(
        target_epsilon=DEFAULT_EPSILON if target_epsilon is None else target_epsilon,
        target_delta=DEFAULT_DELTA if target_delta is None else target_delta,
        accountant=accountant, seed=seed, max_steps=apply_step_cap(max_steps),
        secure_noise=secure_noise, reproducible_noise=reproducible_noise,
    )  # fmt: skip
    out_dir = Path(out_dir)
    _check(train, options, config, out_dir=out_dir, unsupported=unsupported)
    started = time.perf_counter()
    randomness = private_randomness(
        secure_noise=secure_noise, reproducible_seed=seed if reproducible_noise else None
    )
    # Opacus' accountants at sample rate 1 take log(0) (PRV) or hit their largest order
    # (RDP): harmless for one release, and only alarming to users.
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings(), np.errstate(divide="ignore"):
        silence_known_warnings()
        sigma = calibrate_noise(
            target_epsilon=options.target_epsilon, delta=options.target_delta, sample_rate=1.0,
            steps=1, accountant=options.accountant,
        )  # fmt: skip
        torch.manual_seed(seed)  # initialisation and the fit's draws: never the DP noise
        release = release_means(train, config, noise_multiplier=sigma, randomness=randomness)
        generator = MerfGenerator(config)
        planned = min(config.fit_steps, options.max_steps or config.fit_steps)
        with GracefulInterrupt() as interrupt:
            done = fit_generator(generator, config, release, steps=planned, progress=progress,
                                 on_step=on_step, interrupt=interrupt)  # fmt: skip
        reason = (STOP_FIT_INTERRUPTED if interrupt.requested else STOP_FITTED).format(
            done=done, planned=config.fit_steps
        )
        card = _card(train, options, generator, release, randomness=randomness,
                     stop_reason=reason, seconds=time.perf_counter() - started)  # fmt: skip
    state = {"release_means": release.means, "release_counts": release.counts}
    write_run_dir(out_dir, weights=generator.state_dict(), config=config.to_json(), card=card,
                  state=state)  # fmt: skip
    return TrainResult(model_dir=out_dir, card=card, seconds=time.perf_counter() - started)


def _check(
    train: ImageDataset,
    options: Options,
    config: Any,
    *,
    out_dir: Path,
    unsupported: dict[str, Any],
) -> None:
    """Every problem with the arguments at once, before the data is read for the release."""
    from aigc_guard.train.engine import _check_data
    from aigc_guard.train.models.merf import MerfConfig

    if not isinstance(config, MerfConfig):
        raise TrainingError(f"config must be a MerfConfig, got {type(config).__name__}")
    problems = [
        f"{name}={value!r}: merf makes one release and has no {name.replace('_', ' ')} "
        "(DP-SGD kinds only); leave it unset"
        for name, value in unsupported.items()
        if value is not None and not (name == "max_grad_norm" and value == 1.0)
    ]
    problems += _check_data(train, num_classes=config.num_classes)
    size = len(train.images) if not problems else 0
    problems += common_problems(
        options, positive=("target_epsilon",), size=size, unit="images", out_dir=out_dir
    )
    if options.accountant == "gdp":
        problems.append(
            "accountant='gdp': the Gaussian-DP approximation is a limit over many subsampled "
            "steps and is undefined for one release at sample rate 1; use prv or rdp"
        )
    if problems:
        raise TrainingError("cannot train merf:\n  " + "\n  ".join(problems))


def release_means(
    train: ImageDataset,
    config: MerfConfig,
    *,
    noise_multiplier: float,
    randomness: PrivateRandomness,
) -> Release:
    """The private step: per-class sums of unit vectors plus N(0, noise_multiplier^2) once.

    Each example adds sqrt(1 - w^2) * phi(x) (norm sqrt(1 - w^2)) to its class's feature
    block and w to its class's count: a vector of norm exactly 1, so adding or removing
    one example moves the released sums by at most 1 (the L2 sensitivity).
    """
    import torch

    from aigc_guard.train.models.merf import FourierFeatures

    features = FourierFeatures(config)
    weight = config.count_weight
    scale = math.sqrt(1.0 - weight * weight)
    classes, dims = config.num_classes, config.features
    sums = torch.zeros(classes, dims + 1, dtype=torch.float64)
    images = torch.from_numpy(train.images)
    labels = torch.from_numpy(train.labels.astype("int64"))
    with torch.no_grad():
        for start in range(0, len(images), CHUNK):
            batch = images[start : start + CHUNK].to(torch.float32).div_(255.0).unsqueeze(1)
            rows = contributions(features(batch).double(), scale=scale, weight=weight)
            sums.index_add_(0, labels[start : start + CHUNK], rows)
    noise = randomness.gaussian(sums.numel()).to(torch.float64).view_as(sums)
    noisy = sums + noise_multiplier * noise
    counts = (noisy[:, dims] / weight).clamp_min(1.0)
    means = noisy[:, :dims] / scale / counts[:, None]
    return Release(means=means.float(), counts=counts.float(), noise_multiplier=noise_multiplier)


def contributions(phi: torch.Tensor, *, scale: float, weight: float) -> torch.Tensor:
    """One example's vector in its class's block: [scale * phi(x), weight], norm 1."""
    import torch

    return torch.cat([phi * scale, torch.full((len(phi), 1), weight, dtype=phi.dtype)], dim=1)


def fit_generator(
    generator: Any,
    config: MerfConfig,
    release: Release,
    *,
    steps: int,
    progress: bool = True,
    on_step: Callable[[TrainStep], None] | None = None,
    interrupt: GracefulInterrupt | None = None,
) -> int:
    """Fit the generator's per-class mean features to the release (MMD with the RFF kernel);
    reads nothing private. Return the steps taken (fewer after Ctrl-C)."""
    import torch

    from aigc_guard.progress import progress as progress_bar
    from aigc_guard.train.models.merf import FourierFeatures

    features = FourierFeatures(config)
    optimizer = torch.optim.Adam(generator.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(steps, 1))
    labels = torch.arange(config.num_classes).repeat_interleave(config.per_class)
    targets = release.means
    generator.train()
    done = 0
    with progress_bar("DP-merf fit", steps, enabled=progress) as advance:
        while done < steps and not (interrupt is not None and interrupt.requested):
            z = torch.randn(len(labels), config.latent_dim)
            phi = features(generator(z, labels))
            means = phi.view(config.num_classes, config.per_class, -1).mean(dim=1)
            loss = (means - targets).pow(2).sum()
            require_finite(loss, what=f"merf fit loss at step {done + 1}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            done += 1
            value = float(loss.item())
            advance(1, loss=f"{value:.4f}")
            if on_step is not None:
                on_step(TrainStep(done, steps, None, value, math.nan))
    generator.eval()
    return done


def _card(
    train: ImageDataset,
    options: Options,
    generator: Any,
    release: Release,
    *,
    randomness: PrivateRandomness,
    stop_reason: str,
    seconds: float,
) -> Any:
    from opacus.accountants import create_accountant

    from aigc_guard.train.models.merf import MODEL_KIND

    accountant = create_accountant(mechanism=options.accountant)
    accountant.history = [(release.noise_multiplier, 1.0, 1)]  # the one release
    fields = {
        "model_kind": MODEL_KIND,
        "covers": MERF_COVERS,
        "label_marginal": LABEL_MARGINAL,
        "target_epsilon": options.target_epsilon,
        "accountant": options.accountant,
        "noise_multiplier": release.noise_multiplier,
        "sample_rate": 1.0,
        "planned_steps": 1,
        "epochs": 1,
        "batch_size": len(train),
        "max_grad_norm": 1.0,  # each example's vector has norm exactly 1
        "stop_reason": stop_reason,
        "dataset_name": train.name,
        "dataset_sha256": train.sha256(),
        "dataset_size": len(train),
        "data_transform": getattr(train, "transform", None),
    }
    return run_card(fields, generator.state_dict(), accountant=accountant,
                    delta=options.target_delta, steps=1, earlier=None, randomness=randomness,
                    seconds=seconds)  # fmt: skip
