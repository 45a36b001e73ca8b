"""Loading a trained DP-GAN back and sampling from it; broken model dirs fail by name."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from independent_accountant import rdp_epsilon

from aigc_guard.errors import InputError, TrainingError
from aigc_guard.train import PrivateImageGenerator, train_dp_gan
from aigc_guard.train.data import ImageDataset, load_mnist5k

pytestmark = pytest.mark.slow  # trains models


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    train = load_mnist5k().train
    rows = np.arange(0, len(train), 20)
    small = ImageDataset(
        name="mnist5k/train-200",
        images=train.images[rows],
        labels=train.labels[rows],
        ids=[train.ids[i] for i in rows],
    )
    out_dir = tmp_path_factory.mktemp("gen") / "model"
    train_dp_gan(
        small, out_dir=out_dir, target_delta=1e-3, epochs=1, batch_size=20, accountant="rdp",
        max_steps=5, progress=False,
    )  # fmt: skip
    return out_dir


@pytest.fixture(scope="module")
def model(model_dir: Path) -> PrivateImageGenerator:
    return PrivateImageGenerator.load(model_dir)


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(model_dir, target)
    return target


def _pixels(images: list) -> np.ndarray:
    return np.stack([np.asarray(image) for image in images])


def test_load_exposes_card_id_and_eval_module(model: PrivateImageGenerator) -> None:
    assert model.model_id == model.card.model_id
    assert model.card.steps == 5 and model.card.accountant == "rdp"
    assert not model.module.training
    assert model.module.latent_dim == model.config.latent_dim
    assert model.module.num_classes == 10


def test_generate_gives_n_grayscale_28x28_images(model: PrivateImageGenerator) -> None:
    images = model.generate(13, seed=1)
    assert len(images) == 13
    assert all(image.size == (28, 28) and image.mode == "L" for image in images)
    assert len({image.tobytes() for image in images}) == 13  # the noise differs per image


def test_same_seed_same_images_other_seed_other_images(model: PrivateImageGenerator) -> None:
    first = _pixels(model.generate(6, seed=42))
    assert np.array_equal(first, _pixels(model.generate(6, seed=42)))
    assert not np.array_equal(first, _pixels(model.generate(6, seed=43)))
    unseeded = [_pixels(model.generate(2)) for _ in range(2)]
    assert not np.array_equal(*unseeded)


def test_labels_condition_the_images(model: PrivateImageGenerator) -> None:
    default = _pixels(model.generate(12, seed=7))
    cycling = _pixels(model.generate(12, labels=[i % 10 for i in range(12)], seed=7))
    assert np.array_equal(default, cycling)  # default labels are 0..9, 0, 1
    zeros = _pixels(model.generate(4, labels=[0, 0, 0, 0], seed=7))
    sevens = _pixels(model.generate(4, labels=np.array([7, 7, 7, 7]), seed=7))
    assert zeros.shape == sevens.shape == (4, 28, 28)
    assert not np.array_equal(zeros, sevens)  # same noise, other label, other image


def test_module_accepts_noise_alone(model: PrivateImageGenerator) -> None:
    import torch

    with torch.no_grad():
        out = model.module(torch.randn(5, model.module.latent_dim))
    assert out.shape == (5, 1, 28, 28)
    assert float(out.min()) >= -1.0 and float(out.max()) <= 1.0


@pytest.mark.parametrize(
    ("n", "labels", "match"),
    [
        (0, None, "n=0"),
        (3, [1, 2], "labels has 2 entries"),
        (2, [1, 10], r"0\.\.9"),
        (2, [1, True], r"0\.\.9"),
        (2, [1, "3"], r"0\.\.9"),
    ],
)
def test_bad_generate_arguments(
    model: PrivateImageGenerator, n: int, labels: list | None, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        model.generate(n, labels=labels)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="model directory not found"):
        PrivateImageGenerator.load(tmp_path / "absent")


@pytest.mark.parametrize("name", ["generator.pt", "model.json", "privacy_card.json"])
def test_missing_file_is_named(model_dir: Path, tmp_path: Path, name: str) -> None:
    copy = _copy(model_dir, tmp_path)
    (copy / name).unlink()
    with pytest.raises(TrainingError, match=name.replace(".", r"\.")):
        PrivateImageGenerator.load(copy)


def test_corrupt_weights_are_named(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    (copy / "generator.pt").write_bytes(b"not a torch file")
    with pytest.raises(TrainingError, match=r"cannot read generator weights .*generator\.pt"):
        PrivateImageGenerator.load(copy)


def test_weights_for_another_architecture_are_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    config = json.loads((copy / "model.json").read_text())
    config["g_width"] = 16
    (copy / "model.json").write_text(json.dumps(config))
    with pytest.raises(TrainingError, match=r"do not fit .*model\.json"):
        PrivateImageGenerator.load(copy)


def test_other_model_kind_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    config = json.loads((copy / "model.json").read_text())
    config["kind"] = "dp-vae"  # a VAE's model.json with a GAN's fields
    (copy / "model.json").write_text(json.dumps(config))
    with pytest.raises(TrainingError, match=r"model.json: missing fields \['width'\]"):
        PrivateImageGenerator.load(copy)


def test_model_json_must_list_every_field(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    config = json.loads((copy / "model.json").read_text())
    del config["g_width"]
    config["depth"] = 3
    (copy / "model.json").write_text(json.dumps(config))
    with pytest.raises(
        TrainingError, match=r"missing fields \['g_width'\], unknown fields \['depth'\]"
    ):
        PrivateImageGenerator.load(copy)


def test_a_card_from_other_weights_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    card = json.loads((copy / "privacy_card.json").read_text())
    card["model_id"] = "dp-gan-0000000000000000"
    (copy / "privacy_card.json").write_text(json.dumps(card))
    with pytest.raises(TrainingError, match="edited or belongs to other weights"):
        PrivateImageGenerator.load(copy)


def _forge(model_dir: Path, tmp_path: Path, *, rehash: bool, **changes: object) -> Path:
    """Copy the run and edit its card; with `rehash`, also recompute the unkeyed model id."""
    import torch

    from aigc_guard.train.card import compute_model_id

    copy = _copy(model_dir, tmp_path)
    card = {**json.loads((copy / "privacy_card.json").read_text()), **changes}
    if rehash:
        weights = torch.load(copy / "generator.pt", weights_only=True)
        card["model_id"] = compute_model_id(card["model_kind"], weights, card=card)
    (copy / "privacy_card.json").write_text(json.dumps(card))
    return copy


@pytest.mark.parametrize("rehash", [False, True])
def test_a_card_edited_to_a_smaller_epsilon_is_refused(
    model_dir: Path, tmp_path: Path, rehash: bool
) -> None:
    forged = _forge(model_dir, tmp_path, rehash=rehash, epsilon=0.1)
    expected = "states epsilon=0.1, but its own accounting" if rehash else "card was edited"
    with pytest.raises(TrainingError, match=expected):
        PrivateImageGenerator.load(forged)


@pytest.mark.parametrize("rehash", [False, True])
def test_a_card_edited_to_fewer_steps_is_refused(
    model_dir: Path, tmp_path: Path, rehash: bool
) -> None:
    card = json.loads((model_dir / "privacy_card.json").read_text())
    sigma, q, _ = card["accounting_history"][0]
    forged = _forge(model_dir, tmp_path, rehash=rehash, steps=1,
                    accounting_history=[[sigma, q, 1]])  # fmt: skip
    with pytest.raises(TrainingError, match=r"card was edited|its own accounting inputs give"):
        PrivateImageGenerator.load(forged)


def test_an_independent_accountant_recomputes_the_cards_epsilon(
    model: PrivateImageGenerator,
) -> None:
    """Google's dp_accounting, from the card's own inputs, within 5% of the card."""
    assert model.card.epsilon == pytest.approx(rdp_epsilon(model.card), rel=0.05)


def test_importing_the_package_loads_no_torch() -> None:
    code = (
        "import sys, aigc_guard.train, aigc_guard.train.models; "
        "heavy = [m for m in ('torch', 'opacus', 'pydantic') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
