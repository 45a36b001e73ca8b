"""DP-SGD for generators trained as one network whose loss reads the data (VAE, diffusion).

The whole network goes through Opacus (train/private.py): Poisson sampling,
per-example clipping, Gaussian noise calibrated to the target epsilon for the
full `epochs` schedule, accounting, with the noise and the batches drawn from the
run's private randomness (ChaCha20 by default), never from `seed`. The network's
`forward(images, labels)` returns one loss per row; for noise multiplicity
(diffusion, after DPDM) each example fills K rows and their per-sample gradients
are averaged before clipping (multiplicity.py). The saved weights are an
exponential moving average (post-processing: no privacy cost).

A network made only of Linear layers (the MLP VAE), trained in one process with
multiplicity 1, uses Opacus' ghost clipping (`grad_sample_mode="ghost"`): the
per-example gradient norms come from activations and output gradients, the clipped
sum from a second backward pass, and no per-example gradient is ever stored. The
clipping bound, the noise and the accounting are the same as with hooks.

Budget safety is the GAN engine's: training stops when one more step would pass
the target, an unreachable target fails before the first step, `resume=RUN`
continues RUN and its card covers every step; the first Ctrl-C saves a resumable
run, a NaN loss stops at its step with nothing written.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import TrainingError
from aigc_guard.train import distributed
from aigc_guard.train.accounting import (
    Segment,
    epsilon_for,
    history_steps,
    run_noise_multiplier,
    steps_within_budget,
)
from aigc_guard.train.card import PrivacyCard
from aigc_guard.train.engine import (
    DEFAULT_DELTA,
    DEFAULT_EPSILON,
    LABEL_MARGINAL,
    STOP_BUDGET,
    STOP_MAX_STEPS,
    STOP_SCHEDULE,
    TrainResult,
    TrainStep,
    validate_private_module,
)
from aigc_guard.train.multiplicity import average_draws, repeat_draws
from aigc_guard.train.plan_checks import common_problems, is_number, silence_known_warnings
from aigc_guard.train.run_card import run_card
from aigc_guard.train.rundir import write_run_dir
from aigc_guard.train.secure_noise import PrivateRandomness
from aigc_guard.train.step_cap import apply_step_cap
from aigc_guard.train.stopping import STOP_INTERRUPTED, GracefulInterrupt, require_finite

if TYPE_CHECKING:
    import torch
    from torch import nn

    from aigc_guard.train.budget import Resumed
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
    secure_noise: bool = True
    reproducible_noise: bool = False


def train_private(
    spec: ModelSpec,
    train: ImageDataset,
    *,
    out_dir: Path,
    target_epsilon: float | None = None,
    target_delta: float | None = None,
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
    secure_noise: bool = True,
    reproducible_noise: bool = False,
    resume: Path | None = None,
) -> TrainResult:
    """Train `spec`'s network with DP-SGD; write generator.pt, model.json, privacy_card.json
    and training_state.pt. Arguments as in `train_dp_gan` (defaults tuned per kind).

    Raises TrainingError on bad input or an unreachable target (before any step) and
    at the step whose loss is not finite (nothing written).
    """
    import torch

    prior = None if resume is None else _load_resume(spec, Path(resume), train)
    if prior is not None:
        card = prior.card
        config = _resumed_config(spec, prior, config)
        target_epsilon = card.target_epsilon if target_epsilon is None else target_epsilon
        epochs = card.epochs if epochs is None else epochs
        target_delta, batch_size = card.delta, card.batch_size
        max_grad_norm, accountant = card.max_grad_norm, card.accountant
    config = spec.default_config() if config is None else config
    options = Options(
        target_epsilon=DEFAULT_EPSILON if target_epsilon is None else target_epsilon,
        target_delta=DEFAULT_DELTA if target_delta is None else target_delta,
        epochs=spec.epochs if epochs is None else epochs,
        batch_size=spec.batch_size if batch_size is None else batch_size,
        max_grad_norm=max_grad_norm, accountant=accountant,
        lr=spec.lr if lr is None else lr,
        ema_decay=spec.ema_decay if ema_decay is None else ema_decay,
        seed=seed, max_steps=apply_step_cap(max_steps), secure_noise=secure_noise,
        reproducible_noise=reproducible_noise,
    )  # fmt: skip
    out_dir = Path(out_dir)
    _check(spec, train, options, out_dir=out_dir, config=config)
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        silence_known_warnings()
        torch.manual_seed(seed)  # initialisation and the model's own draws: never DP noise
        run = _build(spec, train, options, config, prior)
        planned = len(run.loader) * options.epochs
        limit, reason = _step_limit(run, planned=planned)
        with GracefulInterrupt() as interrupt:
            steps = _loop(run, limit=limit, progress=progress, on_step=on_step,
                          interrupt=interrupt)  # fmt: skip
        if interrupt.requested:
            if steps == 0:
                raise KeyboardInterrupt
            reason = STOP_INTERRUPTED
    card = _card(run, train, steps=steps, planned=planned, stop_reason=reason,
                 seconds=time.perf_counter() - started)  # fmt: skip
    if distributed.is_main():  # under torchrun: one run folder, written by rank 0
        write_run_dir(out_dir, weights=run.ema.state_dict(), config=config.to_json(), card=card,
                      state=_training_state(run))  # fmt: skip
    distributed.barrier()
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
    loader: Any  # Poisson batches from the run's private randomness
    engine: Any  # opacus PrivacyEngine
    randomness: PrivateRandomness
    prior: Resumed | None
    ghost: bool = False  # Opacus fast gradient clipping (uses_ghost_clipping)


def _load_resume(spec: ModelSpec, run: Path, train: ImageDataset) -> Resumed:
    from aigc_guard.train.budget import load_resume
    from aigc_guard.train.engine import _check_data
    from aigc_guard.train.generator import PrivateImageGenerator

    sha = train.sha256() if not _check_data(train, num_classes=1000) else ""
    return load_resume(
        run, kind=spec.model_kind, dataset_sha256=sha, verify=PrivateImageGenerator.load
    )


def _resumed_config(spec: ModelSpec, prior: Resumed, config: Any) -> Any:
    from aigc_guard.train.card import read_json
    from aigc_guard.train.rundir import CONFIG_FILE

    path = prior.model_dir / CONFIG_FILE
    saved = spec.config_from_json(read_json(path, what="model config"), source=str(path))
    if config is not None and config != saved:
        raise TrainingError(f"cannot resume {prior.model_dir}: config differs from its model.json")
    return saved


def _check(
    spec: ModelSpec, train: ImageDataset, options: Options, *, out_dir: Path, config: Any
) -> None:
    """Collect every problem with the arguments and raise once, before any work."""
    from aigc_guard.train.engine import _check_data

    if not isinstance(config, spec.config_class()):
        raise TrainingError(
            f"config must be a {spec.config_class().__name__}, got {type(config).__name__}"
        )
    problems = _check_data(train, num_classes=int(getattr(config, "num_classes", 0)))
    size = 0 if problems else len(train.images)
    problems += common_problems(
        options,
        positive=("target_epsilon", "max_grad_norm", "lr"),
        size=size,
        unit="images",
        out_dir=out_dir,
    )
    if not is_number(options.ema_decay, low=0.0, high=1.0, closed=True):
        problems.append(f"ema_decay={options.ema_decay!r}: must be in [0, 1)")
    if problems:
        raise TrainingError(f"cannot train {spec.name}:\n  " + "\n  ".join(problems))


def _build(
    spec: ModelSpec, train: ImageDataset, options: Options, config: Any, prior: Resumed | None
) -> _Run:
    import torch

    from aigc_guard.train.engine import _restore
    from aigc_guard.train.private import make_private
    from aigc_guard.train.secure_noise import private_randomness

    dataset = train.tensors()
    steps_per_epoch = math.ceil(len(dataset) / options.batch_size)
    noise = run_noise_multiplier(
        options,
        steps_per_epoch=steps_per_epoch,
        resumed_noise=None if prior is None else prior.card.noise_multiplier,
    )
    module = spec.build(config)
    validate_private_module(module)
    ema = copy.deepcopy(module).requires_grad_(False)  # before Opacus adds its hooks
    optimizer = torch.optim.Adam(module.parameters(), lr=options.lr)
    if prior is not None:
        _restore(prior, network=module, ema=ema, optimizer=optimizer)
    randomness = private_randomness(
        secure_noise=options.secure_noise,
        reproducible_seed=options.seed if options.reproducible_noise else None,
    )
    multiplicity = int(getattr(config, "noise_multiplicity", 1))
    ghost = uses_ghost_clipping(module, multiplicity=multiplicity)
    module = distributed.wrap(module)  # DPDDP under torch.distributed (torchrun)
    parts = make_private(
        module=module, optimizer=optimizer, dataset=dataset, batch_size=options.batch_size,
        noise_multiplier=noise, max_grad_norm=options.max_grad_norm,
        accountant=options.accountant, randomness=randomness,
        history=[] if prior is None else prior.card.accounting_history,
        **({"grad_sample_mode": "ghost"} if ghost else {}),
    )  # fmt: skip
    return _Run(
        spec=spec, options=options, config=config, multiplicity=multiplicity, ghost=ghost,
        module=parts.module, ema=ema, optimizer=parts.optimizer,
        loader=distributed.shard_loader(parts, dataset, steps_per_epoch, randomness),
        engine=parts.engine, randomness=randomness, prior=prior,
    )  # fmt: skip


def uses_ghost_clipping(module: nn.Module, *, multiplicity: int) -> bool:
    """Ghost clipping where it is exact and cheap: Linear layers only, one process, and no
    noise multiplicity (which needs the per-example gradients to average them)."""
    from torch import nn

    if multiplicity != 1 or distributed.world_size() != 1:
        return False
    owners = [m for m in module.modules() if any(True for _ in m.parameters(recurse=False))]
    return bool(owners) and all(type(m) is nn.Linear for m in owners)


def _prior_history(run: _Run) -> list[Segment]:
    if run.prior is None:
        return []
    return [(float(s), float(q), int(k)) for s, q, k in run.prior.card.accounting_history]


def _step_limit(run: _Run, *, planned: int) -> tuple[int, str]:
    """Steps this run may take and why it will stop; a spent budget fails before any step."""
    options = run.options
    prior = _prior_history(run)
    done = history_steps(prior)
    wanted = planned - done
    if wanted <= 0:
        raise TrainingError(
            f"nothing to train: the schedule of {planned} steps ({options.epochs} epochs) is "
            f"already done ({done} steps); pass more epochs to continue"
        )
    reason = STOP_SCHEDULE
    if options.max_steps is not None and options.max_steps < wanted:
        wanted, reason = options.max_steps, STOP_MAX_STEPS
    allowed = steps_within_budget(
        prior, noise_multiplier=float(run.optimizer.noise_multiplier),
        sample_rate=float(run.loader.sample_rate), wanted=wanted,
        target_epsilon=options.target_epsilon, delta=options.target_delta,
        accountant=options.accountant,
    )  # fmt: skip
    if allowed == 0:
        spent = epsilon_for(prior, delta=options.target_delta, accountant=options.accountant)
        raise TrainingError(
            f"the budget is spent: {done} earlier steps have spent epsilon={spent:.3f} of "
            f"target_epsilon={options.target_epsilon:g}, and one more step would pass it"
        )
    return (allowed, STOP_BUDGET) if allowed < wanted else (wanted, reason)


def _loop(
    run: _Run,
    *,
    limit: int,
    progress: bool,
    on_step: Callable[[TrainStep], None] | None,
    interrupt: GracefulInterrupt,
) -> int:
    """Private steps until `limit` or Ctrl-C; return the steps taken."""
    from aigc_guard.progress import progress as progress_bar

    read_every = max(1, limit // 10)  # a PRV read costs 0.1-0.6 s
    epsilon: float | None = None
    step = 0
    with progress_bar(f"DP-{run.spec.name}", limit, enabled=progress) as advance:
        while step < limit:
            for images, labels in run.loader:
                if interrupt.requested:
                    return step
                try:
                    loss = private_step(run, images, labels)
                except TrainingError as exc:
                    raise TrainingError(f"step {step + 1} of {limit}: {exc}") from exc
                step += 1
                fresh = None
                if step % read_every == 0 or step == limit:
                    fresh = epsilon = _epsilon(run)
                shown = "-" if epsilon is None else f"{epsilon:.3f}"
                advance(1, epsilon=shown, loss=f"{loss:.3f}")
                if on_step is not None:
                    on_step(TrainStep(step, limit, fresh, loss, math.nan))
                if step >= limit or interrupt.requested:
                    break
    return step


def private_step(run: _Run, images: torch.Tensor, labels: torch.Tensor) -> float:
    """One DP-SGD step: per-row losses, multiplicity folded, Opacus clips and noises."""
    import torch

    optimizer = run.optimizer
    optimizer.zero_grad(set_to_none=True)  # Poisson sampling refuses accumulation
    if images.shape[0] == 0:
        # Empty Poisson batch: the step (pure noise) still happens and is accounted.
        for p in optimizer.params:
            if run.ghost:  # the ghost optimizer sums p.grad (already clipped)
                p.grad = torch.zeros_like(p)
            else:
                p.grad_sample = torch.zeros((0, *p.shape), dtype=p.dtype)
        optimizer.step()
        return math.nan
    rows = run.module(*repeat_draws(images, labels, run.multiplicity))
    loss = rows.mean()
    require_finite(loss, what=f"{run.spec.name} loss")
    if run.ghost:
        from opacus.utils.fast_gradient_clipping_utils import DPTensorFastGradientClipping

        # backward #1 gives per-example norms, #2 the sum of clipped gradients
        DPTensorFastGradientClipping(run.module, optimizer, rows, "mean").backward()
    else:
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


def _card(
    run: _Run, train: ImageDataset, *, steps: int, planned: int, stop_reason: str, seconds: float
) -> PrivacyCard:
    """The run's card: its own fields, plus the accounting (run_card) bound to the weights."""
    fields = {
        "model_kind": run.spec.model_kind,
        "label_marginal": LABEL_MARGINAL,
        "target_epsilon": run.options.target_epsilon,
        "accountant": run.options.accountant,
        "noise_multiplier": float(run.optimizer.noise_multiplier),
        "sample_rate": float(run.loader.sample_rate),
        "planned_steps": planned,
        "epochs": run.options.epochs,
        "batch_size": round(run.optimizer.expected_batch_size * distributed.world_size()),
        "max_grad_norm": run.options.max_grad_norm,
        "stop_reason": stop_reason,
        "dataset_name": train.name,
        "dataset_sha256": train.sha256(),
        "dataset_size": len(train),
        "data_transform": getattr(train, "transform", None),
    }
    return run_card(
        fields, run.ema.state_dict(), accountant=run.engine.accountant,
        delta=run.options.target_delta, steps=steps,
        earlier=None if run.prior is None else run.prior.card,
        randomness=run.randomness, seconds=seconds,
    )  # fmt: skip


def _training_state(run: _Run) -> dict[str, Any]:
    """What `resume` needs besides the card: the network, its average, the optimizer."""
    return {
        "network": distributed.unwrap(run.module).state_dict(),
        "ema": run.ema.state_dict(),
        "optimizer": run.optimizer.original_optimizer.state_dict(),
    }
