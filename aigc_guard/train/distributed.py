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
    import torch
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
    from opacus.grad_sample import GradSampleModule

    while isinstance(module, (GradSampleModule, DPDDP)):
        module = module._module if isinstance(module, GradSampleModule) else module.module
    return module  # type: ignore[no-any-return,unused-ignore]


def secret_generator() -> torch.Generator:
    """A torch generator seeded from OS entropy (never from a user's seed): what DP
    noise and Poisson sampling must draw from. Each rank gets its own."""
    import torch

    return torch.Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))


__all__ = [
    "barrier",
    "init_from_env",
    "is_distributed",
    "is_main",
    "rank",
    "secret_generator",
    "unwrap",
    "world_size",
    "wrap",
]
