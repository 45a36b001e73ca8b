"""Private randomness: the DP noise and Poisson sampling never come from the seed, the
secure sampler is Gaussian, and Opacus really uses it (its step overwrites p.grad)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from aigc_guard.errors import TrainingError
from aigc_guard.train.private import make_private
from aigc_guard.train.secure_noise import (
    EntropySeededTorch,
    PoissonBatchSampler,
    PrivateRandomness,
    ReproducibleRandomness,
    SecureRandomness,
    attach_noise,
    private_randomness,
)


def test_secure_gaussians_are_standard_normal() -> None:
    from scipy import stats

    values = SecureRandomness().gaussian(200_001).numpy()
    assert values.shape == (200_001,) and values.dtype.name == "float64"
    assert abs(values.mean()) < 0.01 and abs(values.std() - 1.0) < 0.01
    assert stats.kstest(values, "norm").pvalue > 1e-4  # a biased sampler fails at this size
    assert abs(stats.kurtosis(values)) < 0.1  # the sum of 4 draws / 2 is still Gaussian


def test_secure_uniforms_are_53_bit_and_in_range() -> None:
    from scipy import stats

    values = SecureRandomness().uniform(100_000).numpy()
    assert values.min() >= 0.0 and values.max() < 1.0
    assert stats.kstest(values, "uniform").pvalue > 1e-4
    assert (values * 2.0**53 == (values * 2.0**53).round()).all()  # multiples of 2^-53


def test_each_secure_source_has_its_own_key() -> None:
    first, second = SecureRandomness(), SecureRandomness()
    assert not torch.equal(first.gaussian(64), second.gaussian(64))
    assert not torch.equal(first.gaussian(64), first.gaussian(64))  # a stream, not a repeat


def test_the_seed_never_fixes_private_randomness() -> None:
    draws = []
    for _ in range(2):
        torch.manual_seed(0)
        draws.append((EntropySeededTorch().gaussian(32), SecureRandomness().gaussian(32)))
    assert not torch.equal(draws[0][0], draws[1][0])
    assert not torch.equal(draws[0][1], draws[1][1])
    replay = [ReproducibleRandomness(7).gaussian(32) for _ in range(2)]
    assert torch.equal(*replay)  # the debugging source is the only one that replays


def test_the_factory_picks_the_source() -> None:
    assert isinstance(private_randomness(), SecureRandomness)
    assert isinstance(private_randomness(secure_noise=False), EntropySeededTorch)
    debug = private_randomness(reproducible_seed=3)
    assert isinstance(debug, ReproducibleRandomness) and debug.reproducible
    assert not SecureRandomness.reproducible and "ChaCha20" in SecureRandomness.description


class _Recording(PrivateRandomness):
    """Known noise (a ramp) so the test can see exactly what reached p.grad."""

    description = "recording"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def gaussian(self, n: int) -> torch.Tensor:
        self.calls.append(n)
        return torch.linspace(-1.0, 1.0, n, dtype=torch.float64)

    def uniform(self, n: int) -> torch.Tensor:
        return torch.full((n,), 0.5, dtype=torch.float64)


def _private_linear(randomness: PrivateRandomness, *, noise: float = 2.0):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    data = torch.utils.data.TensorDataset(torch.randn(8, 3), torch.randn(8, 2))
    parts = make_private(
        module=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), dataset=data,
        batch_size=4, noise_multiplier=noise, max_grad_norm=1.0, accountant="rdp",
        randomness=randomness,
    )  # fmt: skip
    return parts, data


def test_opacus_step_adds_exactly_our_noise_and_leaves_torchs_generator_alone() -> None:
    recording = _Recording()
    parts, data = _private_linear(recording)
    optimizer, (x, y) = parts.optimizer, data.tensors
    params = list(optimizer.params)
    nn.functional.mse_loss(parts.module(x[:4]), y[:4]).backward()
    optimizer.clip_and_accumulate()  # what step() does first, then add_noise
    clipped = [p.summed_grad.detach().clone() for p in params]
    optimizer.add_noise()
    ramp = torch.linspace(-1.0, 1.0, sum(p.numel() for p in params), dtype=torch.float64)
    offset = 0
    for p, summed in zip(params, clipped, strict=True):
        expected = summed + (ramp[offset : offset + p.numel()] * 2.0).view_as(p).float()
        assert torch.allclose(p.grad, expected, atol=1e-6)  # noise std = 2.0 x clip 1.0
        offset += p.numel()
    optimizer.zero_grad()
    nn.functional.mse_loss(parts.module(x[4:]), y[4:]).backward()
    state = torch.get_rng_state()
    optimizer.step()  # the full Opacus step goes through the same hook
    assert torch.equal(torch.get_rng_state(), state)  # no draw from torch's generator
    assert recording.calls == [ramp.numel(), ramp.numel()]  # one draw per step, all params
    assert parts.engine.accountant.history == [(2.0, 0.5, 1)]


def test_poisson_batches_come_from_the_private_randomness() -> None:
    def batches(randomness: PrivateRandomness) -> list[list[int]]:
        torch.manual_seed(0)  # what a user's seed does; must not fix the batches
        sampler = PoissonBatchSampler(num_samples=200, sample_rate=0.1, steps=5,
                                      randomness=randomness)  # fmt: skip
        return list(sampler)

    assert batches(SecureRandomness()) != batches(SecureRandomness())
    assert batches(ReproducibleRandomness(1)) == batches(ReproducibleRandomness(1))
    sizes = [len(b) for _ in range(20) for b in batches(SecureRandomness())]
    assert abs(sum(sizes) / len(sizes) - 20) < 3  # expected batch size q * N = 20
    with pytest.raises(TrainingError, match="sample_rate"):
        PoissonBatchSampler(num_samples=10, sample_rate=0.0, steps=1, randomness=SecureRandomness())


def test_the_loader_yields_empty_batches_with_the_right_shape() -> None:
    class Never(_Recording):
        def uniform(self, n: int) -> torch.Tensor:
            return torch.ones(n, dtype=torch.float64)  # nobody is ever sampled

    parts, _ = _private_linear(Never())
    [(x, y)] = list(parts.loader)[:1]
    assert x.shape == (0, 3) and y.shape == (0, 2)
    assert parts.loader.sample_rate == 0.5 and len(parts.loader) == 2


def test_per_layer_clipping_is_refused() -> None:
    class Fake:
        def __init__(self) -> None:
            self.max_grad_norm = [1.0, 2.0]

    with pytest.raises(TrainingError, match="per-layer"):
        attach_noise(Fake(), SecureRandomness())
