"""DP-SGD training through Opacus: a class-conditional DP-GAN on a bundled image data set.

Only the discriminator reads private data, so only it goes through Opacus
(per-example clipping, Gaussian noise, Poisson sampling, accounting); the
generator learns from the private discriminator alone, which is post-processing
and costs no privacy. The noise is calibrated for the whole `epochs` schedule;
stopping early (`max_steps`, Ctrl-C) can only spend less. The privacy card's
epsilon is always read back from the accountant after training.

The DP noise and the Poisson sampling come from the run's private randomness
(secure_noise.py: OS entropy, ChaCha20 by default), never from `seed`; `seed`
only reaches initialisation and the generator's own sampling. One backward pass
per discriminator step puts real and fake rows through one per-example gradient
(Opacus issue 418: two backwards would charge privacy twice). Fake labels are
drawn from a uniform public prior: no private label counts are used.

Outputs are written once, at the end, into a temporary sibling directory that is
renamed onto `out_dir`: an aborted run (second Ctrl-C, NaN loss, an error) leaves
nothing behind; a run stopped by one Ctrl-C is saved complete and resumable.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import TrainingError
from aigc_guard.train.accounting import (
    Segment,
    epsilon_for,
    history_steps,
    run_noise_multiplier,
    steps_within_budget,
)
from aigc_guard.train.card import PrivacyCard
from aigc_guard.train.plan_checks import common_problems, is_number, silence_known_warnings
from aigc_guard.train.rundir import CONFIG_FILE, write_run_dir
from aigc_guard.train.secure_noise import PrivateRandomness
from aigc_guard.train.step_cap import apply_step_cap
from aigc_guard.train.stopping import STOP_INTERRUPTED, GracefulInterrupt, require_finite

if TYPE_CHECKING:
    import torch
    from torch import nn

    from aigc_guard.train.budget import Resumed
    from aigc_guard.train.data import ImageDataset
    from aigc_guard.train.models.gan import GanConfig

DEMO_EPOCHS = 50  # with batch_size=128: 1,600 steps, ~205 s on 2 CPU cores (mnist5k)
EMA_DECAY = 0.995  # saved generator = exponential moving average of its weights
DEFAULT_EPSILON = 10.0
DEFAULT_DELTA = 1e-5
LABEL_MARGINAL = "uniform public prior over the classes (no private label counts used)"
STOP_SCHEDULE = "schedule complete"
STOP_MAX_STEPS = "max_steps reached"
STOP_BUDGET = "budget spent: one more step would pass target_epsilon"


@dataclass(frozen=True)
class TrainStep:
    """What `on_step` receives after every step; epsilon is None between accountant reads."""

    step: int
    planned_steps: int
    epsilon: float | None
    d_loss: float
    g_loss: float


@dataclass(frozen=True)
class TrainResult:
    """A finished run: where the model is, its privacy card, and the wall-clock time."""

    model_dir: Path
    card: PrivacyCard
    seconds: float


@dataclass(frozen=True)
class _Plan:
    """The validated settings of one run (internal; keeps helper signatures short)."""

    target_epsilon: float
    target_delta: float
    epochs: int
    batch_size: int
    max_grad_norm: float
    accountant: str
    lr_d: float
    lr_g: float
    ema_decay: float
    diversity_weight: float
    seed: int
    max_steps: int | None
    secure_noise: bool = True
    reproducible_noise: bool = False


@dataclass
class _Gan:
    """Everything one training run holds; the discriminator side is Opacus-wrapped."""

    plan: _Plan
    config: GanConfig
    generator: nn.Module
    ema: nn.Module
    discriminator: Any  # opacus GradSampleModule
    d_optimizer: Any  # opacus DPOptimizer
    g_optimizer: torch.optim.Optimizer
    loader: Any  # opacus DPDataLoader
    engine: Any  # opacus PrivacyEngine
    randomness: PrivateRandomness
    prior: Resumed | None = None  # the run this one continues
    pending_fakes: tuple[torch.Tensor, torch.Tensor] | None = None


def validate_private_module(module: nn.Module) -> None:
    """Refuse a module DP-SGD cannot train; list every problem at once.

    Opacus' validator catches BatchNorm (it mixes examples in a batch, so
    per-example clipping no longer bounds one example's influence) and layers
    without per-sample gradients; in-place activations are checked here because
    they break Opacus' hooks at run time instead of at validation.
    """
    from opacus.validators import ModuleValidator

    problems = [str(error) for error in ModuleValidator.validate(module, strict=False)]
    problems += [
        f"{name or type(module).__name__}: {type(sub).__name__}(inplace=True) breaks "
        "Opacus' gradient hooks; use inplace=False"
        for name, sub in module.named_modules()
        if getattr(sub, "inplace", False) is True
    ]
    if problems:
        raise TrainingError(
            f"{type(module).__name__} cannot be trained with DP-SGD:\n  "
            + "\n  ".join(problems)
            + "\n(opacus.validators.ModuleValidator.fix replaces BatchNorm with GroupNorm)"
        )


def train_dp_gan(
    train: ImageDataset,
    *,
    out_dir: Path,
    target_epsilon: float | None = None,
    target_delta: float | None = None,
    epochs: int | None = None,
    batch_size: int = 128,
    max_grad_norm: float = 1.0,
    accountant: str = "prv",
    lr_d: float = 5e-4,
    lr_g: float = 5e-4,
    ema_decay: float = EMA_DECAY,
    diversity_weight: float = 2.0,
    config: GanConfig | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    progress: bool = True,
    on_step: Callable[[TrainStep], None] | None = None,
    secure_noise: bool = True,
    reproducible_noise: bool = False,
    resume: Path | None = None,
) -> TrainResult:
    """Train a class-conditional DP-GAN; write generator.pt, model.json, privacy_card.json
    and training_state.pt (what `resume` needs).

    The defaults are the measured demo settings: about 3.5 min on 2 CPU cores for
    the 4,000 mnist5k digits (see benchmarks/train_gan.py); epsilon 10, delta 1e-5.
    `secure_noise` (default) draws noise and batches from ChaCha20, otherwise from
    torch's generator seeded from OS entropy; `reproducible_noise` seeds them from
    `seed` for debugging and voids the guarantee (the card says so). `resume=RUN`
    continues RUN on the same data with its noise, batch size, clipping, accountant,
    delta and (unless given) target epsilon and epochs; the card covers all steps.
    Training stops when one more step would pass target_epsilon, and says so on the
    card (`stop_reason`). Raises TrainingError on bad input or an unreachable target,
    checked before any step, and at the step whose loss is NaN (nothing written). The
    first Ctrl-C finishes the step and saves a resumable run (`stop_reason` says so); a
    second one, or one before the first step, re-raises KeyboardInterrupt, nothing written.
    """
    import torch

    from aigc_guard.train.models.gan import GanConfig

    max_steps = apply_step_cap(max_steps)
    out_dir = Path(out_dir)
    prior = None if resume is None else _load_resume(Path(resume), train)
    if prior is not None:
        card = prior.card
        config = _resumed_config(prior, config)
        target_epsilon = card.target_epsilon if target_epsilon is None else target_epsilon
        epochs = card.epochs if epochs is None else epochs
        target_delta, batch_size = card.delta, card.batch_size
        max_grad_norm, accountant = card.max_grad_norm, card.accountant
    plan = _Plan(
        target_epsilon=DEFAULT_EPSILON if target_epsilon is None else target_epsilon,
        target_delta=DEFAULT_DELTA if target_delta is None else target_delta,
        epochs=DEMO_EPOCHS if epochs is None else epochs,
        batch_size=batch_size, max_grad_norm=max_grad_norm, accountant=accountant,
        lr_d=lr_d, lr_g=lr_g, ema_decay=ema_decay, diversity_weight=diversity_weight,
        seed=seed, max_steps=max_steps, secure_noise=secure_noise,
        reproducible_noise=reproducible_noise,
    )  # fmt: skip
    config = GanConfig() if config is None else config
    _check_inputs(train, plan, out_dir=out_dir, config=config)
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        silence_known_warnings()
        torch.manual_seed(seed)  # initialisation and G's sampling only: never the DP noise
        gan = _build(train, plan, config, prior)
        planned = len(gan.loader) * plan.epochs
        limit, reason = _step_limit(gan, planned=planned)
        with GracefulInterrupt() as interrupt:
            steps = _train_loop(
                gan, limit=limit, progress=progress, on_step=on_step, interrupt=interrupt
            )
        if interrupt.requested:
            if steps == 0:
                raise KeyboardInterrupt
            reason = STOP_INTERRUPTED
    card = _make_card(
        gan, train, steps=steps, planned=planned, stop_reason=reason,
        seconds=time.perf_counter() - started,
    )  # fmt: skip
    _write_model_dir(out_dir, gan, card)
    return TrainResult(model_dir=out_dir, card=card, seconds=time.perf_counter() - started)


def _load_resume(run: Path, train: ImageDataset) -> Resumed:
    from aigc_guard.train.budget import load_resume
    from aigc_guard.train.generator import PrivateImageGenerator
    from aigc_guard.train.models.gan import MODEL_KIND

    problems = _check_data(train, num_classes=1000)
    if problems:
        raise TrainingError("cannot train DP-GAN:\n  " + "\n  ".join(problems))
    return load_resume(
        run, kind=MODEL_KIND, dataset_sha256=train.sha256(), verify=PrivateImageGenerator.load
    )


def _resumed_config(prior: Resumed, config: GanConfig | None) -> GanConfig:
    from aigc_guard.train.models.gan import GanConfig

    saved = GanConfig.from_json(
        _read_model_json(prior.model_dir), source=str(prior.model_dir / CONFIG_FILE)
    )
    if config is not None and config != saved:
        raise TrainingError(f"cannot resume {prior.model_dir}: config differs from its model.json")
    return saved


def _read_model_json(model_dir: Path) -> dict[str, Any]:
    from aigc_guard.train.card import read_json

    return read_json(model_dir / CONFIG_FILE, what="model config")


def _step_limit(gan: _Gan, *, planned: int) -> tuple[int, str]:
    """Steps this run may take, and why it will stop; an exhausted budget fails here,
    before any step."""
    plan = gan.plan
    prior = _prior_history(gan)
    done = history_steps(prior)
    wanted = planned - done
    if wanted <= 0:
        raise TrainingError(
            f"nothing to train: the schedule of {planned} steps ({plan.epochs} epochs) is "
            f"already done ({done} steps); pass more epochs to continue"
        )
    if plan.max_steps is not None and plan.max_steps < wanted:
        wanted, reason = plan.max_steps, STOP_MAX_STEPS
    else:
        reason = STOP_SCHEDULE
    allowed = steps_within_budget(
        prior, noise_multiplier=float(gan.d_optimizer.noise_multiplier),
        sample_rate=float(gan.loader.sample_rate), wanted=wanted,
        target_epsilon=plan.target_epsilon, delta=plan.target_delta, accountant=plan.accountant,
    )  # fmt: skip
    if allowed == 0:
        spent = epsilon_for(prior, delta=plan.target_delta, accountant=plan.accountant)
        raise TrainingError(
            f"the budget is spent: {done} earlier steps have spent epsilon={spent:.3f} of "
            f"target_epsilon={plan.target_epsilon:g}, and one more step would pass it"
        )
    if allowed < wanted:
        return allowed, STOP_BUDGET
    return wanted, reason


def _prior_history(gan: _Gan) -> list[Segment]:
    if gan.prior is None:
        return []
    return [(float(s), float(q), int(k)) for s, q, k in gan.prior.card.accounting_history]


def _check_inputs(train: ImageDataset, plan: _Plan, *, out_dir: Path, config: object) -> None:
    """Collect every problem with the arguments and raise once, before any work."""
    from aigc_guard.train.models.gan import GanConfig

    if not isinstance(config, GanConfig):
        raise TrainingError(f"config must be a GanConfig, got {type(config).__name__}")
    problems = _check_data(train, num_classes=config.num_classes)
    size = 0 if problems else len(train.images)
    problems += common_problems(
        plan,
        positive=("target_epsilon", "max_grad_norm", "lr_d", "lr_g"),
        size=size,
        unit="images",
        out_dir=out_dir,
    )
    if not is_number(plan.ema_decay, low=0.0, high=1.0, closed=True):
        problems.append(f"ema_decay={plan.ema_decay!r}: must be in [0, 1)")
    if not is_number(plan.diversity_weight, low=0.0, closed=True):
        problems.append(f"diversity_weight={plan.diversity_weight!r}: must be >= 0")
    if problems:
        raise TrainingError("cannot train DP-GAN:\n  " + "\n  ".join(problems))


def _check_data(train: ImageDataset, *, num_classes: int) -> list[str]:
    import numpy as np

    images = getattr(train, "images", None)
    labels = getattr(train, "labels", None)
    if not isinstance(images, np.ndarray) or not isinstance(labels, np.ndarray):
        return [f"train must be an ImageDataset, got {type(train).__name__}"]
    name = getattr(train, "name", "train")
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        return [f"{name}: images must be uint8 (N, 28, 28), got {images.dtype} {images.shape}"]
    if len(images) == 0:
        return [f"{name}: the data set is empty"]
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        return [f"{name}: labels must be {len(images)} integers, got {labels.dtype} {labels.shape}"]
    if labels.min() < 0 or labels.max() >= num_classes:
        return [
            f"{name}: labels must lie in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}"
        ]
    return []


def build_networks(config: GanConfig) -> tuple[nn.Module, nn.Module]:
    """(generator, discriminator) initialised from torch's global generator, which the
    engine seeds with `seed`: the same seed gives the same initial weights."""
    from aigc_guard.train.models.gan import Discriminator, Generator

    return Generator(config), Discriminator(config)


def _build(train: ImageDataset, plan: _Plan, config: GanConfig, prior: Resumed | None) -> _Gan:
    """Make (or restore) the networks and hand the discriminator side to Opacus, with the
    run's private randomness for noise and sampling."""
    import copy

    import torch

    from aigc_guard.train.private import make_private
    from aigc_guard.train.secure_noise import private_randomness

    dataset = train.tensors()
    steps_per_epoch = math.ceil(len(dataset) / plan.batch_size)
    noise = run_noise_multiplier(
        plan,
        steps_per_epoch=steps_per_epoch,
        resumed_noise=None if prior is None else prior.card.noise_multiplier,
    )
    generator, discriminator = build_networks(config)
    validate_private_module(discriminator)
    ema = copy.deepcopy(generator).requires_grad_(False)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=plan.lr_d, betas=(0.5, 0.999))
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=plan.lr_g, betas=(0.5, 0.999))
    if prior is not None:
        _restore(prior, generator=generator, ema=ema, discriminator=discriminator,
                 d_optimizer=d_optimizer, g_optimizer=g_optimizer)  # fmt: skip
    randomness = private_randomness(
        secure_noise=plan.secure_noise,
        reproducible_seed=plan.seed if plan.reproducible_noise else None,
    )
    parts = make_private(
        module=discriminator, optimizer=d_optimizer, dataset=dataset, batch_size=plan.batch_size,
        noise_multiplier=noise, max_grad_norm=plan.max_grad_norm, accountant=plan.accountant,
        randomness=randomness,
        history=[] if prior is None else prior.card.accounting_history,
    )  # fmt: skip
    return _Gan(
        plan=plan,
        config=config,
        generator=generator,
        ema=ema,
        discriminator=parts.module,
        d_optimizer=parts.optimizer,
        g_optimizer=g_optimizer,
        loader=parts.loader,
        engine=parts.engine,
        randomness=randomness,
        prior=prior,
    )


def _restore(prior: Resumed, **parts: Any) -> None:
    """Load the saved training state of the run being resumed into the new objects."""
    for name, part in parts.items():
        if name not in prior.state:
            raise TrainingError(f"cannot resume {prior.model_dir}: its state lacks {name!r}")
        try:
            part.load_state_dict(prior.state[name])
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise TrainingError(
                f"cannot resume {prior.model_dir}: saved {name} does not fit ({exc})"
            ) from exc


def _train_loop(
    gan: _Gan,
    *,
    limit: int,
    progress: bool,
    on_step: Callable[[TrainStep], None] | None,
    interrupt: GracefulInterrupt,
) -> int:
    """Alternate one private D step and one G step until `limit` steps or Ctrl-C; return
    the steps taken. A NaN or infinite loss stops the run at its step."""
    read_every = max(1, limit // 10)  # a PRV read costs 0.1-0.6 s
    epsilon: float | None = None
    step = 0
    with _Progress(enabled=progress, total=limit) as bar:
        while step < limit:
            for real, labels in gan.loader:
                if interrupt.requested:
                    return step
                try:
                    d_loss = _discriminator_step(gan, real, labels)
                    g_loss = _generator_step(gan, gan.d_optimizer.expected_batch_size)
                except TrainingError as exc:
                    raise TrainingError(f"step {step + 1} of {limit}: {exc}") from exc
                step += 1
                fresh = None
                if step % read_every == 0 or step == limit:
                    fresh = epsilon = _read_epsilon(gan)
                bar.update(step, epsilon, d_loss, g_loss)
                if on_step is not None:
                    on_step(TrainStep(step, limit, fresh, d_loss, g_loss))
                if step >= limit or interrupt.requested:
                    break
    return step


class _Progress:
    """A rich progress bar with step, epsilon so far and both losses; silent when disabled."""

    def __init__(self, *, enabled: bool, total: int) -> None:
        self._bar: Any = None
        if enabled:
            from rich import progress as rp

            self._bar = rp.Progress(
                rp.TextColumn("DP-GAN"),
                rp.BarColumn(),
                rp.MofNCompleteColumn(),
                rp.TextColumn("ε {task.fields[epsilon]}  D {task.fields[d]}  G {task.fields[g]}"),
                rp.TimeElapsedColumn(),
                rp.TimeRemainingColumn(),
            )
            self._task = self._bar.add_task("train", total=total, epsilon="-", d="-", g="-")

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, step: int, epsilon: float | None, d_loss: float, g_loss: float) -> None:
        if self._bar is not None:
            shown = "-" if epsilon is None else f"{epsilon:.3f}"
            d, g = f"{d_loss:.3f}", f"{g_loss:.3f}"
            self._bar.update(self._task, completed=step, epsilon=shown, d=d, g=g)


def _discriminator_step(gan: _Gan, real: torch.Tensor, labels: torch.Tensor) -> float:
    """One DP-SGD step on D (Opacus clips per example, adds noise, accounts the step)."""
    import torch

    from aigc_guard.train.models.gan import discriminator_loss

    optimizer = gan.d_optimizer
    optimizer.zero_grad(set_to_none=True)  # Poisson sampling refuses accumulation
    n = real.shape[0]
    if n == 0:
        # Empty Poisson batch: no forward pass, but the step (pure noise) still
        # happens and Opacus' step hook still accounts for it.
        for p in optimizer.params:
            p.grad_sample = torch.zeros((0, *p.shape), dtype=p.dtype)
        optimizer.step()
        return float("nan")
    fake, fake_labels = _take_fakes(gan, n)
    loss = discriminator_loss(gan.discriminator, real, labels, fake, fake_labels)
    require_finite(loss, what="discriminator loss")
    loss.backward()
    optimizer.step()
    return float(loss.item())


def _take_fakes(gan: _Gan, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n fakes for the D step: the last G step's samples (saves a G forward), topped up."""
    import torch

    images, labels = gan.pending_fakes or (torch.empty(0), torch.empty(0, dtype=torch.long))
    gan.pending_fakes = None
    if labels.shape[0] < n:
        extra = torch.randint(0, gan.config.num_classes, (max(n - labels.shape[0], 2),))
        with torch.no_grad():  # BatchNorm in training mode needs 2+ rows
            made = gan.generator(torch.randn(extra.shape[0], gan.config.latent_dim), extra)
        images = made if images.numel() == 0 else torch.cat([images, made])
        labels = torch.cat([labels, extra])
    return images[:n], labels[:n]


def _generator_step(gan: _Gan, n: int) -> float:
    """One G step through D with D's params frozen and its Opacus hooks off.

    Freezing keeps per-sample gradients (and their cost, 1.7x) out of this step
    and leaves nothing in D's grads for the next private step.
    """
    import torch

    from aigc_guard.train.models.gan import generator_loss

    d_params = list(gan.discriminator.parameters())
    gan.discriminator.disable_hooks()
    for p in d_params:
        p.requires_grad_(False)
    try:
        gan.g_optimizer.zero_grad(set_to_none=True)
        loss, fake, labels = generator_loss(
            gan.generator,  # type: ignore[arg-type]  # a Generator, held as nn.Module
            gan.discriminator,
            n,
            diversity_weight=gan.plan.diversity_weight,
        )
        require_finite(loss, what="generator loss")
        loss.backward()
        gan.g_optimizer.step()
        gan.pending_fakes = (fake.detach(), labels)
    finally:
        for p in d_params:
            p.requires_grad_(True)
        gan.discriminator.enable_hooks()
    with torch.no_grad():
        decay = gan.plan.ema_decay
        for averaged, live in zip(gan.ema.parameters(), gan.generator.parameters(), strict=True):
            averaged.lerp_(live, 1.0 - decay)
        for buffer, live_buffer in zip(gan.ema.buffers(), gan.generator.buffers(), strict=True):
            buffer.copy_(live_buffer)
    return float(loss.item())


def _read_epsilon(gan: _Gan) -> float:
    return float(gan.engine.accountant.get_epsilon(delta=gan.plan.target_delta))


def _make_card(
    gan: _Gan, train: ImageDataset, *, steps: int, planned: int, stop_reason: str, seconds: float
) -> PrivacyCard:
    """The run's card: its own fields, plus the accounting (run_card) bound to the weights."""
    from aigc_guard.train.models.gan import MODEL_KIND
    from aigc_guard.train.run_card import run_card

    fields = {
        "model_kind": MODEL_KIND,
        "label_marginal": LABEL_MARGINAL,
        "target_epsilon": gan.plan.target_epsilon,
        "accountant": gan.plan.accountant,
        "noise_multiplier": float(gan.d_optimizer.noise_multiplier),
        "sample_rate": float(gan.loader.sample_rate),
        "planned_steps": planned,
        "epochs": gan.plan.epochs,
        "batch_size": int(gan.d_optimizer.expected_batch_size),
        "max_grad_norm": gan.plan.max_grad_norm,
        "stop_reason": stop_reason,
        "dataset_name": train.name,
        "dataset_sha256": train.sha256(),
        "dataset_size": len(train),
    }
    return run_card(
        fields, gan.ema.state_dict(), accountant=gan.engine.accountant,
        delta=gan.plan.target_delta, steps=steps,
        earlier=None if gan.prior is None else gan.prior.card,
        randomness=gan.randomness, seconds=seconds,
    )  # fmt: skip


def library_versions() -> dict[str, str]:
    """Versions of what the guarantee's computation rests on (recorded on the card)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name in ("aigc-guard", "opacus", "torch", "cryptography", "numpy"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _training_state(gan: _Gan) -> dict[str, Any]:
    """What `resume` needs besides the card: every network and optimizer state."""
    return {
        "generator": gan.generator.state_dict(),
        "ema": gan.ema.state_dict(),
        "discriminator": gan.discriminator._module.state_dict(),
        "d_optimizer": gan.d_optimizer.original_optimizer.state_dict(),
        "g_optimizer": gan.g_optimizer.state_dict(),
    }


def _write_model_dir(out_dir: Path, gan: _Gan, card: PrivacyCard) -> None:
    """Write the run folder all at once (rundir: a temp sibling renamed onto out_dir)."""
    write_run_dir(
        out_dir,
        weights=gan.ema.state_dict(),
        config=gan.config.to_json(),
        card=card,
        state=_training_state(gan),
    )
