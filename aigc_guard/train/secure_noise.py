"""The private randomness of DP-SGD: the Gaussian noise and the Poisson batch sampling.

Differential privacy assumes the adversary knows everything about a run except this
randomness, so it never comes from the run's `seed` (the seed only reaches
initialisation and sampling from the trained model). Three sources, one interface:

- `SecureRandomness` (the default): ChaCha20 keyed with 256 bits from `os.urandom`
  (`cryptography`), re-keyed every GiB, so the generator's key and state cannot be
  recovered from its outputs (the published attack on Philox/Mersenne generators).
  Gaussians come from Box-Muller on 53-bit uniforms in float64, and each noise value
  is the sum of four such draws halved: the floating-point mitigation of Opacus'
  secure_mode (after Holohan & Braghin 2021). Not claimed: an exact (discrete)
  Gaussian, and protection against timing side channels (Jin et al. 2022).
- `EntropySeededTorch`: torch's generator seeded with 64 bits from `os.urandom`:
  unpredictable without the outputs, faster, but a Mersenne Twister whose state can in
  principle be reconstructed from enough of its outputs.
- `ReproducibleRandomness`: seeded from the run's seed, for debugging only; a model
  trained with it has no guarantee (`guarantee: none (reproducible noise)`).

`attach_noise(optimizer, randomness)` makes an Opacus DPOptimizer draw its noise from
one of these; `poisson_loader(...)` samples batches from it.
"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sized
from typing import TYPE_CHECKING, Any, ClassVar

from aigc_guard.errors import TrainingError

if TYPE_CHECKING:
    import torch

REKEY_BYTES = 1 << 30  # a fresh ChaCha20 key and nonce from os.urandom every GiB
SECURE_NOISE_SOURCE = (
    "ChaCha20 keyed from os.urandom; float64 Box-Muller on 53-bit uniforms, "
    "sum of 4 draws / 2 (noise and Poisson sampling)"
)
TORCH_NOISE_SOURCE = "torch Mersenne Twister seeded from os.urandom (noise and Poisson sampling)"
REPRODUCIBLE_NOISE_SOURCE = "torch generator seeded from the run's seed (REPRODUCIBLE: no privacy)"
REPRODUCIBLE_GUARANTEE = "none (reproducible noise)"


class PrivateRandomness(ABC):
    """Where one run's DP noise and batch sampling come from."""

    #: Recorded on the privacy card as `noise_source`.
    description: ClassVar[str]
    #: True when someone who knows the run's seed can replay the noise (no guarantee).
    reproducible: ClassVar[bool] = False

    @abstractmethod
    def gaussian(self, n: int) -> torch.Tensor:
        """n independent standard normal values (float32 or float64, shape (n,))."""

    @abstractmethod
    def uniform(self, n: int) -> torch.Tensor:
        """n independent uniforms in [0, 1) (float64, shape (n,))."""


class SecureRandomness(PrivateRandomness):
    """ChaCha20 keystream -> 53-bit uniforms -> Box-Muller Gaussians (see module doc).

    Works in chunks of `CHUNK` values (bounded memory whatever the model size; about 3x
    faster than one pass over a large model, measured in benchmarks/secure_noise.py).
    """

    description: ClassVar[str] = SECURE_NOISE_SOURCE
    draws_per_value: ClassVar[int] = 4  # sum of 4 draws / 2 has variance 1
    CHUNK: ClassVar[int] = 1 << 16

    def __init__(self) -> None:
        self._encryptor: Any = None
        self._left = 0
        self._zeros = bytes(8 * self.draws_per_value * self.CHUNK)
        self._buffer = bytearray(len(self._zeros) + 64)

    def _words(self, count: int) -> torch.Tensor:
        """`count` fresh 64-bit keystream words (count <= 4 * CHUNK), as int64: a view of
        the reused buffer, valid until the next call (callers derive a new tensor at once)."""
        import torch
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

        size = 8 * count
        if self._left < size:
            key, nonce = os.urandom(32), os.urandom(16)
            self._encryptor = Cipher(algorithms.ChaCha20(key, nonce), mode=None).encryptor()
            self._left = REKEY_BYTES
        self._encryptor.update_into(memoryview(self._zeros)[:size], self._buffer)  # E(0) = stream
        self._left -= size
        return torch.frombuffer(self._buffer, dtype=torch.int64, count=count)

    def _uniform53(self, count: int) -> torch.Tensor:
        import torch

        bits = self._words(count).bitwise_right_shift(11).bitwise_and((1 << 53) - 1)
        return bits.to(torch.float64).mul_(2.0**-53)

    def uniform(self, n: int) -> torch.Tensor:
        import torch

        out = torch.empty(n, dtype=torch.float64)
        step = self.draws_per_value * self.CHUNK
        for start in range(0, n, step):
            count = min(step, n - start)
            out[start : start + count] = self._uniform53(count)
        return out

    def gaussian(self, n: int) -> torch.Tensor:
        import torch

        out = torch.empty(n, dtype=torch.float64)
        for start in range(0, n, self.CHUNK):
            count = min(self.CHUNK, n - start)
            out[start : start + count] = self._gaussian_chunk(count)
        return out

    def _gaussian_chunk(self, count: int) -> torch.Tensor:
        import torch

        draws = self.draws_per_value * count  # even: Box-Muller makes pairs
        half = draws // 2
        u = self._uniform53(draws)
        radius = torch.log1p(u[:half].neg()).mul_(-2.0).sqrt_()  # 1 - u in (0, 1]: finite
        angle = u[half:].mul(2.0 * math.pi)
        values = torch.empty(draws, dtype=torch.float64)
        torch.mul(radius, torch.cos(angle), out=values[:half])
        torch.mul(radius, torch.sin(angle), out=values[half:])
        summed = values.view(self.draws_per_value, count).sum(dim=0)
        return summed.mul_(1.0 / math.sqrt(self.draws_per_value))


class _TorchRandomness(PrivateRandomness):
    def __init__(self, seed: int) -> None:
        import torch

        self._generator = torch.Generator().manual_seed(seed)

    def gaussian(self, n: int) -> torch.Tensor:
        import torch

        return torch.randn(n, generator=self._generator, dtype=torch.float32)

    def uniform(self, n: int) -> torch.Tensor:
        import torch

        return torch.rand(n, generator=self._generator, dtype=torch.float64)


class EntropySeededTorch(_TorchRandomness):
    """torch's generator seeded with 64 bits of OS entropy (see module doc)."""

    description: ClassVar[str] = TORCH_NOISE_SOURCE

    def __init__(self) -> None:
        super().__init__(int.from_bytes(os.urandom(8), "little"))


class ReproducibleRandomness(_TorchRandomness):
    """Seeded from the run's seed: for debugging only, the model has no DP guarantee."""

    description: ClassVar[str] = REPRODUCIBLE_NOISE_SOURCE
    reproducible: ClassVar[bool] = True


def private_randomness(
    *, secure_noise: bool = True, reproducible_seed: int | None = None
) -> PrivateRandomness:
    """The randomness source for one run: secure by default; a seed means reproducible."""
    if reproducible_seed is not None:
        return ReproducibleRandomness(reproducible_seed)
    return SecureRandomness() if secure_noise else EntropySeededTorch()


def attach_noise(optimizer: Any, randomness: PrivateRandomness) -> None:
    """Make an Opacus DPOptimizer draw its Gaussian noise from `randomness`.

    Opacus' `step()` runs clip -> `add_noise` (p.grad = summed clipped grads + noise)
    -> scale -> accountant hook -> inner step, overwriting p.grad; so the noise must
    be replaced inside `add_noise`, on this instance (torch's own generator is then
    never used: `optimizer.generator` is cleared). Works for DPOptimizer and its
    fast-gradient-clipping subclass; per-layer clipping (a list of norms) is refused.
    """
    from opacus.optimizers.optimizer import _check_processed_flag, _mark_as_processed

    if isinstance(optimizer.max_grad_norm, (list, tuple)):
        raise TrainingError("per-layer clipping is not supported with private randomness")

    def add_noise() -> None:
        multiplier = getattr(optimizer, "_adjusted_noise_multiplier", optimizer.noise_multiplier)
        std = float(multiplier) * float(optimizer.max_grad_norm)
        params = list(optimizer.params)
        for p in params:
            _check_processed_flag(p.summed_grad)
        total = sum(int(p.summed_grad.numel()) for p in params)
        noise = randomness.gaussian(total) if std > 0 and total else None
        offset = 0
        for p in params:
            summed = p.summed_grad
            count = int(summed.numel())
            if noise is None:
                p.grad = summed.clone().view_as(p)
            else:
                part = noise[offset : offset + count].reshape(summed.shape) * std
                p.grad = (summed + part.to(dtype=summed.dtype, device=summed.device)).view_as(p)
            offset += count
            _mark_as_processed(summed)

    optimizer.add_noise = add_noise
    optimizer.generator = None
    optimizer.private_randomness = randomness


class PoissonBatchSampler:
    """Poisson sampling: each example joins each batch independently with `sample_rate`.

    The membership draws come from the run's private randomness (Opacus' own sampler
    would draw them from torch's global generator, which `torch.manual_seed` fixes).
    """

    def __init__(
        self, *, num_samples: int, sample_rate: float, steps: int, randomness: PrivateRandomness
    ) -> None:
        if num_samples < 1 or steps < 1 or not 0 < sample_rate <= 1:
            raise TrainingError(
                f"Poisson sampling needs num_samples >= 1, steps >= 1 and 0 < sample_rate <= 1; "
                f"got {num_samples}, {steps}, {sample_rate}"
            )
        self.num_samples = num_samples
        self.sample_rate = sample_rate
        self.steps = steps
        self.randomness = randomness

    def __len__(self) -> int:
        return self.steps

    def __iter__(self) -> Iterator[list[int]]:
        for _ in range(self.steps):
            mask = self.randomness.uniform(self.num_samples) < self.sample_rate
            yield mask.nonzero().reshape(-1).tolist()


def poisson_loader(
    dataset: Any, *, sample_rate: float, steps_per_epoch: int, randomness: PrivateRandomness
) -> Any:
    """A DataLoader with Poisson batches drawn from `randomness`; empty batches have shape
    (0, ...) as with Opacus' DPDataLoader. `.sample_rate` is what the accountant uses."""
    import torch
    from opacus.data_loader import dtype_safe, shape_safe, wrap_collate_with_empty
    from torch.utils.data import default_collate

    if not isinstance(dataset, Sized):
        raise TrainingError("Poisson sampling needs a data set with a length")
    data: Any = dataset
    first = data[0]
    sampler = PoissonBatchSampler(
        num_samples=len(data), sample_rate=sample_rate, steps=steps_per_epoch,
        randomness=randomness,
    )  # fmt: skip
    loader: Any = torch.utils.data.DataLoader(
        data,
        batch_sampler=sampler,
        collate_fn=wrap_collate_with_empty(
            collate_fn=default_collate,
            sample_empty_shapes=[(0, *shape_safe(x)) for x in first],
            dtypes=[dtype_safe(x) for x in first],
        ),
    )
    loader.sample_rate = sample_rate
    return loader
