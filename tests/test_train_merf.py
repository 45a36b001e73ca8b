"""DP-MERF: the one release has sensitivity 1, secret noise of the calibrated scale, and a
card that recomputes; DP-SGD options are refused; Ctrl-C during the fit saves the run."""

from __future__ import annotations

import dataclasses
import json
import math
import signal
from pathlib import Path

import numpy as np
import pytest
import torch
from independent_accountant import pld_epsilon

from aigc_guard.errors import TrainingError
from aigc_guard.train.data import ImageDataset, load_mnist5k
from aigc_guard.train.generator import PrivateImageGenerator
from aigc_guard.train.kinds import spec_for
from aigc_guard.train.merf_training import contributions, release_means
from aigc_guard.train.models.merf import FourierFeatures, MerfConfig
from aigc_guard.train.secure_noise import SecureRandomness

TINY = MerfConfig(width=8, features=256, fit_steps=2, per_class=4)


def _train(data: ImageDataset, out: Path, **options: object) -> object:
    settings = {"target_delta": 1e-3, "config": TINY, "progress": False, **options}
    return spec_for("merf").train(data, out_dir=out, **settings)


def test_every_example_adds_a_vector_of_norm_exactly_one() -> None:
    """The L2 sensitivity of the release is 1 whatever the image: dark, saturated, noise."""
    config = MerfConfig(features=512)
    images = torch.cat([
        torch.zeros(1, 1, 28, 28), torch.ones(1, 1, 28, 28), torch.rand(8, 1, 28, 28),
        torch.from_numpy(load_mnist5k().train.images[:8]).float().div(255).unsqueeze(1),
    ])  # fmt: skip
    weight = config.count_weight
    rows = contributions(FourierFeatures(config)(images).double(),
                         scale=math.sqrt(1 - weight**2), weight=weight)  # fmt: skip
    np.testing.assert_allclose(rows.norm(dim=1).numpy(), 1.0, atol=1e-6)


def _sums(data: ImageDataset) -> torch.Tensor:
    """The noiseless release's per-class sums, rebuilt from its means and counts."""
    release = release_means(data, TINY, noise_multiplier=0.0, randomness=SecureRandomness())
    weight = TINY.count_weight
    counts = release.counts.double()[:, None]
    features = release.means.double() * counts * math.sqrt(1 - weight**2)
    return torch.cat([features, counts * weight], dim=1)


@pytest.mark.parametrize("change", ["remove a digit", "add a saturated image", "add noise"])
def test_one_example_more_or_less_moves_the_release_by_at_most_one(
    small: ImageDataset, change: str
) -> None:
    """The neighbouring-data-set attack on the mechanism itself: the L2 distance between
    the sums released for D and for D with one image removed or added (the adversary's
    own, as extreme as it likes) is the sensitivity the noise was calibrated for."""
    if change == "remove a digit":
        keep = np.arange(1, len(small))
        other = ImageDataset(name="d-1", images=small.images[keep], labels=small.labels[keep],
                             ids=[small.ids[i] for i in keep])  # fmt: skip
    else:
        noise = np.random.default_rng(0).integers(0, 256, (1, 28, 28), dtype=np.uint8)
        saturated = np.full((1, 28, 28), 255, np.uint8)
        image = saturated if change == "add a saturated image" else noise
        other = ImageDataset(name="d+1", images=np.concatenate([small.images, image]),
                             labels=np.concatenate([small.labels, [3]]),
                             ids=[*small.ids, "adversary"])  # fmt: skip
    distance = (_sums(small) - _sums(other)).norm().item()
    assert distance == pytest.approx(1.0, abs=1e-4)


def test_without_noise_the_release_is_the_exact_class_means(small: ImageDataset) -> None:
    release = release_means(small, TINY, noise_multiplier=0.0, randomness=SecureRandomness())
    features = FourierFeatures(TINY)
    pixels = torch.from_numpy(small.images).float().div(255).unsqueeze(1)
    for digit in (0, 7):
        rows = small.labels == digit
        expected = features(pixels[torch.from_numpy(rows)]).mean(0)
        torch.testing.assert_close(release.means[digit], expected, atol=1e-5, rtol=1e-4)
        assert release.counts[digit].item() == pytest.approx(rows.sum(), abs=1e-3)


def test_the_release_noise_has_the_calibrated_scale(small: ImageDataset) -> None:
    """Recover the added noise from the released means: its spread is the card's sigma."""
    sigma = 3.0
    exact = release_means(small, TINY, noise_multiplier=0.0, randomness=SecureRandomness())
    noisy = release_means(small, TINY, noise_multiplier=sigma, randomness=SecureRandomness())
    scale = math.sqrt(1 - TINY.count_weight**2)
    counts = noisy.counts[:, None]
    noise = (noisy.means * counts - exact.means * counts) * scale  # sums differ by the noise
    count_noise = (noisy.counts - exact.counts) * TINY.count_weight
    values = torch.cat([noise.flatten(), count_noise])
    assert values.numel() == 10 * (TINY.features + 1)
    assert values.std().item() == pytest.approx(sigma, rel=0.1)
    assert abs(values.mean().item()) < 0.2


def test_the_same_seed_releases_different_noise_and_reproducible_noise_voids_the_card(
    small: ImageDataset, tmp_path: Path
) -> None:
    """An adversary who knows the seed cannot replay the release (issue 6's first defect)."""

    def release_of(folder: Path) -> torch.Tensor:
        return torch.load(folder / "training_state.pt", weights_only=True)["release_means"]

    _train(small, tmp_path / "a", seed=5)
    _train(small, tmp_path / "b", seed=5)
    assert not torch.equal(release_of(tmp_path / "a"), release_of(tmp_path / "b"))
    first = _train(small, tmp_path / "c", seed=5, reproducible_noise=True)
    _train(small, tmp_path / "d", seed=5, reproducible_noise=True)
    torch.testing.assert_close(release_of(tmp_path / "c"), release_of(tmp_path / "d"))
    assert first.card.guarantee == "none (reproducible noise)" and not first.card.claims_dp


def test_the_card_states_one_release_and_refuses_an_edit(
    small: ImageDataset, tmp_path: Path
) -> None:
    result = _train(small, tmp_path / "run", target_epsilon=2.0, accountant="prv")
    card = PrivateImageGenerator.load(tmp_path / "run").card
    assert card.model_kind == "dp-merf" and card.noise_source.startswith("ChaCha20")
    assert card.accounting_history == [(card.noise_multiplier, 1.0, 1)]
    assert 1.9 <= card.epsilon <= 2.0 and card.steps == card.planned_steps == 1
    assert card.epsilon == pytest.approx(pld_epsilon(card), rel=0.05)  # not Opacus' figure
    assert "one Gaussian release" in card.covers and "not covered" in card.covers
    assert card.dataset_size == 200 and result.card.model_id == card.model_id
    path = tmp_path / "run" / "privacy_card.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "noise_multiplier": 50.0}))
    with pytest.raises(TrainingError, match="privacy card"):
        PrivateImageGenerator.load(tmp_path / "run")


def test_dp_sgd_options_and_gdp_are_refused_before_any_work(
    small: ImageDataset, tmp_path: Path
) -> None:
    with pytest.raises(TrainingError) as info:
        _train(small, tmp_path / "run", epochs=3, batch_size=20, max_grad_norm=2.0,
               resume=tmp_path / "old", accountant="gdp")  # fmt: skip
    message = str(info.value)
    for name in ("epochs=3", "batch_size=20", "max_grad_norm=2.0", "resume=", "accountant='gdp'"):
        assert name in message
    assert not (tmp_path / "run").exists()
    with pytest.raises(TrainingError, match="config must be a MerfConfig"):
        _train(small, tmp_path / "run", config=spec_for("vae").default_config())
    with pytest.raises(TrainingError, match="features=255"):
        MerfConfig(features=255)
    with pytest.raises(TrainingError, match="unknown fields"):
        MerfConfig.from_json({**TINY.to_json(), "extra": 1}, source="model.json")


def test_ctrl_c_during_the_fit_saves_a_complete_run(small: ImageDataset, tmp_path: Path) -> None:
    """The release is spent either way: the run is saved, its card says it was interrupted."""
    config = dataclasses.replace(TINY, fit_steps=50)
    result = _train(small, tmp_path / "run", config=config,
                    on_step=lambda step: signal.raise_signal(signal.SIGINT))  # fmt: skip
    assert "interrupted" in result.card.stop_reason and "1 of 50" in result.card.stop_reason
    model = PrivateImageGenerator.load(tmp_path / "run")
    assert model.sample_array(2, labels=[1, 2], seed=0).shape == (2, 28, 28)


def test_cli_trains_merf_and_refuses_dp_sgd_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from aigc_guard.cli import app

    monkeypatch.setenv("AIGC_GUARD_MAX_STEPS", "2")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "dev", "--out", "keys"]).exit_code == 0
    common = ["--keys", "keys", "--db", "sqlite:///a.db"]
    bad = runner.invoke(app, ["train", "merf", "--out", "bad", "--epochs", "3", *common])
    assert bad.exit_code != 0 and "epochs=3" in bad.output and not (tmp_path / "bad").exists()
    result = runner.invoke(app, ["train", "merf", "--out", "run", "--epsilon", "1", *common])
    assert result.exit_code == 0, result.output
    assert "epsilon=0.99" in result.output and "fitted for 2 of 3000 steps" in result.output
    result = runner.invoke(app, ["sample", "--model", "run", "--n", "4", "--out", "s.npz"])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "s.npz")["images"].shape == (4, 28, 28)
