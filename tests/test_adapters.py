"""Adapters turn callables and torch modules into one batch call, with clear errors."""

from __future__ import annotations

import pytest
from PIL import Image

from aigc_guard.adapters import as_generator
from aigc_guard.adapters.callables import CallableAdapter
from aigc_guard.adapters.torch_module import TorchModuleAdapter
from aigc_guard.artifacts import ArtifactKind
from aigc_guard.errors import GeneratorError, InputError


def test_per_output_callable_gets_the_prompt() -> None:
    seen: list[str | None] = []

    def write(prompt: str | None) -> str:
        seen.append(prompt)
        return f"story about {prompt}"

    artifacts = as_generator(write).produce(3, prompt="owls", seed=None)
    assert [a.text for a in artifacts] == ["story about owls"] * 3
    assert seen == ["owls"] * 3


def test_batched_callable_is_called_once_with_n_and_seed() -> None:
    calls: list[tuple[int, int | None]] = []

    def paint(n: int, seed: int | None = None) -> list[Image.Image]:
        calls.append((n, seed))
        return [Image.new("RGB", (32, 32), (i * 40, 0, 0)) for i in range(n)]

    artifacts = as_generator(paint).produce(4, prompt=None, seed=7)
    assert calls == [(4, 7)]
    assert all(a.kind is ArtifactKind.IMAGE for a in artifacts)


def test_generator_exception_becomes_generator_error() -> None:
    def broken() -> str:
        raise RuntimeError("GPU fell over")

    with pytest.raises(GeneratorError, match="RuntimeError: GPU fell over"):
        CallableAdapter(broken).produce(1, prompt=None, seed=None)


def test_wrong_output_type_and_count_are_named() -> None:
    with pytest.raises(GeneratorError, match="is a int"):
        as_generator(lambda: 42).produce(1, prompt=None, seed=None)
    with pytest.raises(GeneratorError, match="returned 1 outputs, expected 2"):
        as_generator(lambda n: ["only one"]).produce(2, prompt=None, seed=None)


def test_torch_module_maps_noise_to_images_deterministically() -> None:
    torch = pytest.importorskip("torch")

    class Tiny(torch.nn.Module):
        latent_dim = 8

        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 16 * 16)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return torch.tanh(self.layer(z)).view(-1, 1, 16, 16)

    torch.manual_seed(0)
    adapter = as_generator(Tiny())
    assert isinstance(adapter, TorchModuleAdapter)
    first = adapter.produce(2, prompt=None, seed=3)
    again = adapter.produce(2, prompt=None, seed=3)
    assert [a.image.size for a in first] == [(16, 16), (16, 16)]
    assert first[0].to_bytes() == again[0].to_bytes()


def test_torch_module_without_latent_dim_needs_noise_shape() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(InputError, match="noise_shape"):
        as_generator(torch.nn.Identity())
    adapter = as_generator(torch.nn.Identity(), noise_shape=(3, 8, 8), value_range=(-3.0, 3.0))
    assert adapter.produce(1, prompt=None, seed=0)[0].image.mode == "RGB"


def test_torch_module_with_bad_output_shape_is_reported() -> None:
    torch = pytest.importorskip("torch")
    adapter = as_generator(torch.nn.Identity(), noise_shape=(5,))
    with pytest.raises(GeneratorError, match=r"shape \(N, 1\|3, H, W\)"):
        adapter.produce(1, prompt=None, seed=0)


def test_unsupported_object_is_rejected() -> None:
    with pytest.raises(InputError, match="cannot use a int"):
        as_generator(3)


def test_common_options_reach_every_adapter() -> None:
    """model_id and card used to be dropped silently for callables."""
    card = {"epsilon": 3.0, "delta": 1e-5}
    adapter = as_generator(lambda: "hello", model_id="tiny-gpt2", card=card)
    assert adapter.model_id == "tiny-gpt2"
    assert adapter.privacy_card is card


def test_unknown_option_is_named_with_the_accepted_ones() -> None:
    with pytest.raises(InputError, match=r"callable adapter takes no option 'noise_shape'"):
        as_generator(lambda: "hello", noise_shape=(3,))
    adapter = as_generator(lambda: "hello")
    with pytest.raises(InputError, match="cannot apply to an adapter instance"):
        as_generator(adapter, model_id="x")
