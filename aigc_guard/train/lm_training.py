"""DP-SGD training of the byte-level language model (`lm` kind) on text records.

One record is one example: Opacus clips each record's gradient and adds Gaussian
noise calibrated to the target epsilon over the whole schedule (Poisson sampling,
so the accountant's figure holds). The noise and the batch sampling are drawn
from generators seeded by OS entropy, never from `seed` (which only reaches the
initial weights). Under torch.distributed (torchrun) the model is wrapped in
Opacus' DPDDP: each rank Poisson-samples its shard at the same rate, rank 0
alone adds the noise, and the accounting is that of the single-process run.

Outputs are written once, at the end, into a temporary sibling folder renamed onto
`out_dir` (rank 0 only): an interrupted or failed run leaves no run folder.
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
from aigc_guard.train import distributed
from aigc_guard.train.accounting import (
    history_steps,
    run_noise_multiplier,
    steps_within_budget,
)
from aigc_guard.train.card import PrivacyCard
from aigc_guard.train.lm_resume import ResumedLm, load_lm_resume
from aigc_guard.train.plan_checks import common_problems, silence_known_warnings
from aigc_guard.train.step_cap import apply_step_cap
from aigc_guard.train.text_data import TextDataset

if TYPE_CHECKING:
    import torch
    from torch import nn

    from aigc_guard.train.models.lm import LmConfig

DEFAULT_EPOCHS = 10
DEFAULT_EPSILON = 10.0
DEFAULT_BATCH_SIZE = 64
DEFAULT_LR = 3e-3
READ_EVERY_S = 10.0  # an accountant read costs 0.1-0.6 s: at most one per 10 s, and the last


@dataclass(frozen=True)
class LmStep:
    """What `on_step` receives after every step; epsilon is None between accountant reads."""

    step: int
    planned_steps: int
    epsilon: float | None
    loss: float


@dataclass(frozen=True)
class LmTrainResult:
    """A finished run: where the model is (None on ranks other than 0), its card, the time,
    and the trained network itself (on every rank)."""

    model_dir: Path | None
    card: PrivacyCard
    seconds: float
    module: Any = None  # the trained ByteLM (eval mode)


@dataclass(frozen=True)
class LmPlan:
    """Validated settings of one run."""

    target_epsilon: float
    target_delta: float
    epochs: int
    batch_size: int
    max_grad_norm: float
    accountant: str
    lr: float
    seed: int
    max_steps: int | None
    secure_noise: bool = True


def train_dp_lm(
    data: TextDataset,
    *,
    out_dir: Path,
    target_epsilon: float | None = None,
    target_delta: float = 1e-5,
    epochs: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_grad_norm: float = 1.0,
    accountant: str = "prv",
    lr: float = DEFAULT_LR,
    config: LmConfig | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    progress: bool = True,
    on_step: Callable[[LmStep], None] | None = None,
    secure_noise: bool = True,
    resume: Path | None = None,
) -> LmTrainResult:
    """Train the byte-level LM with DP-SGD; write generator.pt, model.json, privacy_card.json
    and training_state.pt.

    Every argument is checked before any work (TrainingError lists each problem);
    a NaN loss stops the run at that step; Ctrl-C re-raises with nothing written.
    `resume=RUN` continues RUN on the same data with its noise, batch size, clipping,
    accountant, delta and architecture (target epsilon and epochs: RUN's unless given);
    the new card's epsilon covers every step of both runs.
    """
    from aigc_guard.train.models.lm import LmConfig

    prior = None if resume is None else load_lm_resume(Path(resume), data, config)
    if prior is not None:
        card, config = prior.card, prior.config
        target_epsilon = card.target_epsilon if target_epsilon is None else target_epsilon
        epochs = card.epochs if epochs is None else epochs
        target_delta, batch_size = card.delta, card.batch_size
        max_grad_norm, accountant = card.max_grad_norm, card.accountant
    plan = LmPlan(
        target_epsilon=DEFAULT_EPSILON if target_epsilon is None else target_epsilon,
        target_delta=target_delta, epochs=DEFAULT_EPOCHS if epochs is None else epochs,
        batch_size=batch_size, max_grad_norm=max_grad_norm, accountant=accountant, lr=lr,
        seed=seed, max_steps=apply_step_cap(max_steps), secure_noise=secure_noise,
    )  # fmt: skip
    config = LmConfig() if config is None else config
    out_dir = Path(out_dir)
    check_plan(data, plan, config=config, out_dir=out_dir)
    started = time.perf_counter()
    with warnings.catch_warnings():
        silence_known_warnings()
        run = _build(data, plan, config, prior)
        limit, reason = _step_limit(run)
        steps = _loop(run, limit=limit, progress=progress, on_step=on_step)
    module = distributed.unwrap(run.module)
    card = _make_card(
        run, data, config, module, steps=steps, stop_reason=reason,
        seconds=time.perf_counter() - started,
    )  # fmt: skip
    written: Path | None = None
    if distributed.is_main():
        from aigc_guard.train.rundir import write_run_dir

        state = {"model": module.state_dict(),
                 "optimizer": run.optimizer.original_optimizer.state_dict()}  # fmt: skip
        write_run_dir(
            out_dir, weights=module.state_dict(), config=config.to_json(), card=card, state=state
        )
        written = out_dir
    distributed.barrier()
    return LmTrainResult(
        model_dir=written, card=card, seconds=time.perf_counter() - started, module=module.eval()
    )


def check_plan(data: TextDataset, plan: LmPlan, *, config: object, out_dir: Path | None) -> None:
    """Collect every problem with the arguments and raise once, before any work."""
    from aigc_guard.train.models.lm import LmConfig

    problems: list[str] = []
    if not isinstance(data, TextDataset):
        problems.append(f"data must be a TextDataset, got {type(data).__name__}")
    if not isinstance(config, LmConfig):
        problems.append(f"config must be an LmConfig, got {type(config).__name__}")
    size = len(data) if isinstance(data, TextDataset) else 0
    problems += common_problems(
        plan,
        positive=("target_epsilon", "max_grad_norm", "lr"),
        size=size,
        unit="records",
        out_dir=out_dir,
    )
    if problems:
        raise TrainingError("cannot train the DP language model:\n  " + "\n  ".join(problems))


@dataclass
class _Run:
    plan: LmPlan
    module: Any  # opacus GradSampleModule (around DPDDP under torch.distributed)
    optimizer: Any  # opacus DPOptimizer
    loader: Any  # Poisson batches from the run's private randomness
    engine: Any  # opacus PrivacyEngine
    randomness: Any  # secure_noise.PrivateRandomness
    planned: int
    prior: ResumedLm | None = None


def build_model(config: LmConfig, seed: int) -> nn.Module:
    """The initial weights: the one place `seed` reaches (non-private randomness)."""
    import torch

    from aigc_guard.train.models.lm import ByteLM

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ByteLM(config)


def rows_dataset(data: TextDataset, config: LmConfig) -> Any:
    """A TensorDataset of (inputs, targets): one row per record."""
    import torch

    from aigc_guard.train.models.lm import encode_records, split_rows

    inputs, targets = split_rows(encode_records(data.records, config.context))
    return torch.utils.data.TensorDataset(inputs, targets)


def _build(data: TextDataset, plan: LmPlan, config: LmConfig, prior: ResumedLm | None) -> _Run:
    """The model, calibrated noise and Opacus wrapping, with private randomness for noise
    and sampling (per rank under torch.distributed)."""
    import torch

    from aigc_guard.train.engine import validate_private_module
    from aigc_guard.train.private import make_private
    from aigc_guard.train.secure_noise import private_randomness

    dataset = rows_dataset(data, config)
    steps_per_epoch = math.ceil(len(dataset) / plan.batch_size)
    planned = steps_per_epoch * plan.epochs
    noise = run_noise_multiplier(
        plan,
        steps_per_epoch=steps_per_epoch,
        resumed_noise=None if prior is None else prior.card.noise_multiplier,
    )
    model = build_model(config, plan.seed)
    validate_private_module(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=plan.lr)
    if prior is not None:
        try:
            model.load_state_dict(prior.state["model"])
            optimizer.load_state_dict(prior.state["optimizer"])
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise TrainingError(
                f"cannot resume {prior.model_dir}: state does not fit ({exc})"
            ) from exc
    model = distributed.wrap(model)
    randomness = private_randomness(secure_noise=plan.secure_noise)
    parts = make_private(
        module=model, optimizer=optimizer, dataset=dataset, batch_size=plan.batch_size,
        noise_multiplier=noise, max_grad_norm=plan.max_grad_norm, accountant=plan.accountant,
        randomness=randomness, history=[] if prior is None else prior.history,
    )  # fmt: skip
    loader = distributed.shard_loader(parts, dataset, steps_per_epoch, randomness)
    return _Run(
        plan=plan, module=parts.module, optimizer=parts.optimizer, loader=loader,
        engine=parts.engine, randomness=randomness, planned=planned, prior=prior,
    )  # fmt: skip


def _step_limit(run: _Run) -> tuple[int, str]:
    """Steps this run takes and why it stops (the schedule, max_steps, or the budget)."""
    from aigc_guard.train.engine import STOP_BUDGET, STOP_MAX_STEPS, STOP_SCHEDULE

    plan = run.plan
    prior = [] if run.prior is None else run.prior.history
    done = history_steps(prior)
    wanted, reason = run.planned - done, STOP_SCHEDULE
    if wanted <= 0:
        raise TrainingError(
            f"nothing to train: the schedule of {run.planned} steps ({plan.epochs} epochs) is "
            f"already done ({done} steps); pass more epochs to continue"
        )
    if plan.max_steps is not None and plan.max_steps < wanted:
        wanted, reason = plan.max_steps, STOP_MAX_STEPS
    allowed = steps_within_budget(
        prior, noise_multiplier=float(run.optimizer.noise_multiplier),
        sample_rate=float(run.loader.sample_rate), wanted=wanted,
        target_epsilon=plan.target_epsilon, delta=plan.target_delta, accountant=plan.accountant,
    )  # fmt: skip
    if allowed == 0:
        raise TrainingError(
            f"the budget is spent: {done} earlier steps leave no room under "
            f"target_epsilon={plan.target_epsilon:g} for one more step"
        )
    return (allowed, STOP_BUDGET) if allowed < wanted else (wanted, reason)


def _loop(
    run: _Run, *, limit: int, progress: bool, on_step: Callable[[LmStep], None] | None
) -> int:
    """DP-SGD steps until `limit`; returns the steps taken (each one accounted)."""
    from aigc_guard.progress import progress as progress_bar

    step, last_read = 0, time.monotonic()
    with progress_bar("DP LM", limit, enabled=progress and distributed.is_main()) as advance:
        while step < limit:
            for inputs, targets in run.loader:
                loss = private_step(run.module, run.optimizer, inputs, targets, step=step + 1)
                step += 1
                epsilon = None
                if step == limit or time.monotonic() - last_read > READ_EVERY_S:
                    epsilon = read_epsilon(run.engine, run.plan.target_delta)  # 0.1-0.6 s
                    last_read = time.monotonic()
                    advance(1, epsilon=f"{epsilon:.3f}", loss=f"{loss:.3f}")
                else:
                    advance(1)
                if on_step is not None:
                    on_step(LmStep(step, limit, epsilon, loss))
                if step >= limit:
                    break
    return step


def private_step(
    module: Any, optimizer: Any, inputs: torch.Tensor, targets: torch.Tensor, *, step: int
) -> float:
    """One DP-SGD step (Opacus clips per record, adds noise, accounts); NaN stops the run."""
    import torch

    from aigc_guard.train.models.lm import per_record_loss

    optimizer.zero_grad(set_to_none=True)  # Poisson sampling refuses accumulation
    if inputs.shape[0] == 0:
        # An empty Poisson batch: no forward pass, but the noisy step still happens
        # and Opacus' step hook still accounts for it.
        for p in optimizer.params:
            p.grad_sample = torch.zeros((0, *p.shape), dtype=p.dtype)
        optimizer.step()
        return float("nan")
    loss = per_record_loss(module(inputs), targets).mean()
    if not torch.isfinite(loss):
        raise TrainingError(
            f"the loss became {loss.item()} at step {step}: training stopped and nothing was "
            "written (lower --lr or --max-grad-norm)"
        )
    loss.backward()
    optimizer.step()
    return float(loss.item())


def read_epsilon(engine: Any, delta: float) -> float:
    return float(engine.accountant.get_epsilon(delta=delta))


UNIT_OF_PRIVACY = "one training record (a line of a .txt file or one object of a .jsonl file)"
LABEL_MARGINAL = "not applicable: the lm kind is unconditional (no labels)"


def train_nonprivate_lm(
    data: TextDataset,
    *,
    config: LmConfig,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
) -> nn.Module:
    """The same model and loss without DP (shuffled batches, no clipping, no noise).

    For baselines in benchmarks only: it has no card and no guarantee, and writes nothing.
    """
    import torch

    from aigc_guard.train.models.lm import per_record_loss

    model = build_model(config, seed)
    dataset = rows_dataset(data, config)
    order = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=True, generator=order
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for inputs, targets in loader:
            optimizer.zero_grad(set_to_none=True)
            per_record_loss(model(inputs), targets).mean().backward()
            optimizer.step()
    return model.eval()


def data_transform(data: TextDataset, config: LmConfig) -> str:
    """What the card says about long records: each is one example, cut to the context."""
    cut = data.truncated_count(config.record_capacity)
    field = f" (field {data.text_field!r})" if data.text_field else ""
    return (
        f"UTF-8 bytes of each record{field}; one record = one example; records over "
        f"{config.record_capacity} bytes truncated to their first {config.record_capacity} "
        f"bytes ({cut} of {len(data)} records)"
    )


def _make_card(
    run: _Run,
    data: TextDataset,
    config: LmConfig,
    module: nn.Module,
    *,
    steps: int,
    stop_reason: str,
    seconds: float,
) -> PrivacyCard:
    """The run's card: its own fields, plus the accounting (run_card) bound to the weights."""
    from aigc_guard.train.models.lm import MODEL_KIND
    from aigc_guard.train.run_card import run_card

    fields = {
        "model_kind": MODEL_KIND,
        "unit_of_privacy": UNIT_OF_PRIVACY,
        "label_marginal": LABEL_MARGINAL,
        "target_epsilon": run.plan.target_epsilon,
        "accountant": run.plan.accountant,
        "noise_multiplier": float(run.optimizer.noise_multiplier),
        "sample_rate": float(run.loader.sample_rate),
        "planned_steps": run.planned,
        "epochs": run.plan.epochs,
        "batch_size": run.plan.batch_size,
        "max_grad_norm": run.plan.max_grad_norm,
        "stop_reason": stop_reason,
        "dataset_name": data.name,
        "dataset_sha256": data.sha256,
        "dataset_size": len(data),
        "data_transform": _transform_with_ranks(data_transform(data, config)),
    }
    return run_card(
        fields, module.state_dict(), accountant=run.engine.accountant,
        delta=run.plan.target_delta, steps=steps,
        earlier=None if run.prior is None else run.prior.card,
        randomness=run.randomness, seconds=seconds,
    )  # fmt: skip


def _transform_with_ranks(text: str) -> str:
    ranks = distributed.world_size()
    return text if ranks == 1 else f"{text}; trained on {ranks} processes (DPDDP)"


__all__ = [
    "LmStep",
    "LmTrainResult",
    "check_plan",
    "data_transform",
    "train_dp_lm",
    "train_nonprivate_lm",
]
