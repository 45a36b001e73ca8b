"""Training across processes: torch.distributed (torchrun) with Opacus' DPDDP.

Under `torchrun --nproc-per-node K train.py ...` every rank runs the same training
call. The model is wrapped in DPDDP (weights broadcast from rank 0); Opacus then
gives each rank a distributed Poisson sampler over its shard of the data at the
full sample rate, averages the clipped gradients across ranks, and adds the noise
on rank 0 only, so the mechanism and its accounting are those of one process with
the same data, batch size and epochs. Only rank 0 writes the run folder.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn


def is_distributed() -> bool:
    """True inside an initialised torch.distributed process group."""
    import torch.distributed as dist

    return bool(dist.is_available() and dist.is_initialized())


def rank() -> int:
    import torch.distributed as dist

    return int(dist.get_rank()) if is_distributed() else 0


def world_size() -> int:
    import torch.distributed as dist

    return int(dist.get_world_size()) if is_distributed() else 1


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    import torch.distributed as dist

    if is_distributed():
        dist.barrier()


def init_from_env(backend: str | None = None) -> bool:
    """Join the process group torchrun describes (RANK, WORLD_SIZE, MASTER_ADDR...).

    Returns False (and does nothing) outside torchrun. The backend defaults to nccl
    when CUDA is available, else gloo.
    """
    import torch
    import torch.distributed as dist

    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ or is_distributed():
        return is_distributed()
    chosen = backend or ("nccl" if torch.cuda.is_available() else "gloo")
    dist.init_process_group(backend=chosen)
    return True


def wrap(model: nn.Module) -> nn.Module:
    """DPDDP around `model` under torch.distributed, else the model itself."""
    if not is_distributed():
        return model
    from opacus.distributed import DifferentiallyPrivateDistributedDataParallel as DPDDP

    return DPDDP(model)


def unwrap(module: Any) -> nn.Module:
    """The plain model inside Opacus' GradSampleModule and DPDDP wrappers."""
    from opacus.distributed import DifferentiallyPrivateDistributedDataParallel as DPDDP
    from opacus.grad_sample.gsm_base import AbstractGradSampleModule  # hooks and ghost modes

    while isinstance(module, (AbstractGradSampleModule, DPDDP)):
        module = module._module if isinstance(module, AbstractGradSampleModule) else module.module
    return module  # type: ignore[no-any-return,unused-ignore]


def shard_loader(parts: Any, dataset: Any, steps_per_epoch: int, randomness: Any) -> Any:
    """The Poisson loader of this rank: its shard (every world_size-th row) at the full
    sample rate, so the union over ranks is one Poisson batch of the whole data set.

    Outside torch.distributed: `parts.loader` as it is. On ranks other than 0 the noise
    that `private.make_private` attached is taken off again: Opacus' distributed
    optimizer adds noise on rank 0 only, and noise on every rank would be counted once
    but added world_size times.
    """
    if not is_distributed():
        return parts.loader
    from torch.utils.data import Subset

    from aigc_guard.train.secure_noise import poisson_loader

    if rank() != 0:
        vars(parts.optimizer).pop("add_noise", None)  # back to DistributedDPOptimizer's
    shard = Subset(dataset, list(range(rank(), len(dataset), world_size())))
    return poisson_loader(
        shard, sample_rate=parts.loader.sample_rate, steps_per_epoch=steps_per_epoch,
        randomness=randomness,
    )  # fmt: skip


__all__ = [
    "barrier",
    "init_from_env",
    "is_distributed",
    "is_main",
    "rank",
    "shard_loader",
    "unwrap",
    "world_size",
    "wrap",
]
