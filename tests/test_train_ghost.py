"""Ghost clipping (Opacus fast gradient clipping) in dp_sgd: the same clipped sum as hooks.

The MLP VAE trains with grad_sample_mode="ghost": no per-example gradients are
stored, the norms come from activations and output gradients. These tests check
that with zero noise its clipped gradient sum equals the hooks-mode sum, that one
example moves the sum by at most the bound, and when ghost clipping is chosen.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest
import torch
from opacus import PrivacyEngine
from opacus.utils.fast_gradient_clipping_utils import DPTensorFastGradientClipping

from aigc_guard.train.dp_sgd import uses_ghost_clipping
from aigc_guard.train.models.diffusion import DiffusionConfig, DiffusionUNet
from aigc_guard.train.models.vae import ConditionalVae, VaeConfig


def _private(module: torch.nn.Module, clip: float, mode: str) -> tuple:
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.zeros(8, 1)), batch_size=8
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapped = PrivacyEngine(accountant="rdp").make_private(
            module=module, optimizer=torch.optim.SGD(module.parameters(), lr=0.1),
            data_loader=loader, noise_multiplier=0.0, max_grad_norm=clip, poisson_sampling=True,
            grad_sample_mode=mode,
        )  # fmt: skip
    return wrapped[0], wrapped[1]


def _summed(mode: str, network: torch.nn.Module, clip: float, images, labels) -> torch.Tensor:
    """The noiseless clipped gradient sum (times 1/expected batch) Opacus hands the optimizer."""
    module, optimizer = _private(copy.deepcopy(network), clip, mode)
    optimizer.zero_grad(set_to_none=True)
    torch.manual_seed(1)  # the same reparameterisation draws in both modes
    rows = module(images, labels)
    if mode == "ghost":
        DPTensorFastGradientClipping(module, optimizer, rows, "mean").backward()
    else:
        rows.mean().backward()
    optimizer.pre_step()
    return torch.cat([p.grad.flatten() for p in optimizer.params])


@pytest.mark.parametrize("clip", [1e-3, 1e6])  # clipping bites / clipping is a no-op
def test_ghost_clipping_gives_the_hooks_mode_clipped_sum(clip: float) -> None:
    torch.manual_seed(0)
    network = ConditionalVae(VaeConfig(arch="mlp", hidden=16, latent_dim=4))
    images, labels = torch.rand(8, 1, 28, 28) * 2 - 1, torch.arange(8) % 10
    ghost = _summed("ghost", network, clip, images, labels)
    hooks = _summed("hooks", network, clip, images, labels)
    torch.testing.assert_close(ghost, hooks, rtol=1e-4, atol=1e-7)


def test_one_examples_ghost_clipped_gradient_stays_within_the_bound() -> None:
    clip = 0.01  # far below the raw norm (hundreds of nats per image)
    torch.manual_seed(0)
    network = ConditionalVae(VaeConfig(arch="mlp", hidden=16, latent_dim=4))
    image, label = torch.rand(1, 1, 28, 28) * 2 - 1, torch.tensor([5])
    module, optimizer = _private(network, clip, "ghost")
    DPTensorFastGradientClipping(module, optimizer, module(image, label), "mean").backward()
    norm = torch.cat([p.grad.flatten() for p in optimizer.params]).norm()
    assert 0.5 * clip < float(norm) <= clip * (1 + 1e-4)


def test_ghost_clipping_only_for_linear_networks_without_multiplicity() -> None:
    assert uses_ghost_clipping(ConditionalVae(VaeConfig(arch="mlp", hidden=8)), multiplicity=1)
    assert not uses_ghost_clipping(ConditionalVae(VaeConfig(arch="mlp", hidden=8)), multiplicity=2)
    assert not uses_ghost_clipping(ConditionalVae(VaeConfig(width=8)), multiplicity=1)  # conv
    assert not uses_ghost_clipping(DiffusionUNet(DiffusionConfig(width=8)), multiplicity=1)


def test_a_version_1_vae_config_loads_as_the_conv_network() -> None:
    old = {"kind": "dp-vae", "version": 1, "latent_dim": 16, "num_classes": 10,
           "image_size": 28, "channels": 1, "width": 16}  # fmt: skip
    config = VaeConfig.from_json(old, source="model.json")
    assert config.arch == "conv" and config.width == 16
    assert type(ConditionalVae(config)).__name__ == "ConvVae"


@pytest.mark.slow
def test_an_mlp_vae_trains_with_ghost_clipping_and_saves_plain_weights(tmp_path: Path) -> None:
    import numpy as np

    from aigc_guard.train.data import ImageDataset, load_mnist5k
    from aigc_guard.train.generator import PrivateImageGenerator
    from aigc_guard.train.kinds import spec_for

    train = load_mnist5k().train
    rows = np.arange(0, len(train), 40)
    small = ImageDataset(name="mnist5k/train-100", images=train.images[rows],
                         labels=train.labels[rows], ids=[train.ids[i] for i in rows])  # fmt: skip
    result = spec_for("vae").train(
        small, out_dir=tmp_path / "run", target_delta=1e-3, epochs=1, batch_size=20,
        accountant="rdp", config=VaeConfig(arch="mlp", hidden=16), max_steps=3, progress=False,
    )  # fmt: skip
    assert result.card.steps == 3 and result.card.epsilon > 0
    state = torch.load(tmp_path / "run" / "training_state.pt", weights_only=True)
    expected = set(ConditionalVae(VaeConfig(arch="mlp", hidden=16)).state_dict())
    assert set(state["network"]) == expected  # the plain network's keys, no "_module."
    model = PrivateImageGenerator.load(tmp_path / "run")
    assert model.sample_array(4, labels=[0, 1, 2, 3], seed=0).shape == (4, 28, 28)
