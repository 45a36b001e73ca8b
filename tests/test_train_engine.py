"""DP-GAN training through Opacus: the privacy card tells the truth, bad input fails
early, interrupted runs leave nothing, and empty Poisson batches are still accounted."""

from __future__ import annotations

import json
import math
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from aigc_guard.errors import TrainingError
from aigc_guard.train import TrainResult, TrainStep, train_dp_gan, validate_private_module
from aigc_guard.train.data import ImageDataset, load_mnist5k

pytestmark = pytest.mark.slow  # trains models


def _subset(train: ImageDataset, every: int, name: str) -> ImageDataset:
    rows = np.arange(0, len(train), every)  # the digits are sorted by class: stratified
    return ImageDataset(
        name=name,
        images=train.images[rows],
        labels=train.labels[rows],
        ids=[train.ids[i] for i in rows],
    )


@pytest.fixture(scope="module")
def mnist_train() -> ImageDataset:
    return load_mnist5k().train


@pytest.fixture(scope="module")
def small(mnist_train: ImageDataset) -> ImageDataset:
    return _subset(mnist_train, 20, "mnist5k/train-200")  # 200 images, 20 per class


@pytest.fixture(scope="module")
def short_run(
    small: ImageDataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[TrainResult, list[TrainStep]]:
    """8 of 30 planned steps with the default (PRV) accountant."""
    out_dir = tmp_path_factory.mktemp("short") / "model"
    steps: list[TrainStep] = []
    result = train_dp_gan(
        small,
        out_dir=out_dir,
        target_epsilon=10.0,
        target_delta=1e-3,
        epochs=3,
        batch_size=20,
        max_steps=8,
        progress=False,
        on_step=steps.append,
    )
    return result, steps


Run = tuple[TrainResult, list[TrainStep]]


def test_card_records_what_was_spent(short_run: Run, small: ImageDataset) -> None:
    import opacus
    import torch

    card = short_run[0].card
    assert 0 < card.epsilon < card.target_epsilon == 10.0
    assert card.delta == 1e-3 and card.accountant == "prv"
    assert card.steps == 8 and card.planned_steps == 30 and card.epochs == 3
    assert card.stopped_early
    assert card.sample_rate == pytest.approx(20 / 200)
    assert card.batch_size == 20 and card.max_grad_norm == 1.0
    assert 0.3 < card.noise_multiplier < 5
    assert card.dataset_sha256 == small.sha256()
    assert card.dataset_size == 200 and card.dataset_name == "mnist5k/train-200"
    assert card.guarantee == "record-level (ε, δ)-DP" and card.claims_dp
    assert card.unit_of_privacy.startswith("one training example")
    assert "memorization check" in card.covers and "not covered" in card.covers
    assert card.label_marginal.startswith("uniform public prior")
    assert card.noise_source.startswith("ChaCha20")  # secure noise is the default
    assert card.stop_reason == "max_steps reached" and card.resumed_from is None
    assert card.accounting_history == [(card.noise_multiplier, card.sample_rate, 8)]
    assert card.model_kind == "dp-gan" and card.model_id.startswith("dp-gan-")
    versions = card.library_versions
    assert versions["opacus"] == opacus.__version__ and versions["torch"] == torch.__version__
    assert {"python", "cryptography", "numpy", "aigc-guard"} <= set(versions)
    assert datetime.fromisoformat(card.created_at).tzinfo is not None
    assert 0 < card.wall_seconds <= short_run[0].seconds


def test_epsilon_is_the_accountants_figure_for_steps_taken(short_run: Run) -> None:
    from opacus.accountants import PRVAccountant

    card = short_run[0].card
    taken, planned = PRVAccountant(), PRVAccountant()
    taken.history = [(card.noise_multiplier, card.sample_rate, card.steps)]
    planned.history = [(card.noise_multiplier, card.sample_rate, card.planned_steps)]
    assert card.epsilon == pytest.approx(taken.get_epsilon(card.delta), rel=1e-6)
    # Opacus calibrated the noise so the full schedule would just meet the target.
    assert card.epsilon < planned.get_epsilon(card.delta) <= card.target_epsilon


def test_on_step_reports_every_step_and_epsilon_grows(short_run: Run) -> None:
    result, steps = short_run
    assert [s.step for s in steps] == list(range(1, 9))
    assert all(s.planned_steps == 8 for s in steps)
    read = [s.epsilon for s in steps if s.epsilon is not None]
    assert read == sorted(read) and len(read) >= 2
    assert read[-1] == pytest.approx(result.card.epsilon)
    assert all(math.isfinite(s.d_loss) and math.isfinite(s.g_loss) for s in steps)


def test_model_dir_holds_exactly_the_four_files(short_run: Run) -> None:
    model_dir = short_run[0].model_dir
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "generator.pt",
        "model.json",
        "privacy_card.json",
        "training_state.pt",  # what --resume continues from
    ]
    config = json.loads((model_dir / "model.json").read_text())
    assert config["kind"] == "dp-gan" and config["version"] == 1
    assert config["latent_dim"] > 0 and config["num_classes"] == 10
    assert config["image_size"] == 28
    assert [p.name for p in model_dir.parent.iterdir()] == ["model"]  # no staging left


def test_full_schedule_meets_target_epsilon(small: ImageDataset, tmp_path: Path) -> None:
    tiny = _subset(small, 2, "tiny")  # 100 images
    (tmp_path / "m").mkdir()  # an empty out_dir is fine: it is replaced atomically
    result = train_dp_gan(
        tiny, out_dir=tmp_path / "m", target_epsilon=4.0, target_delta=1e-3, epochs=2,
        batch_size=20, accountant="rdp", progress=False,
    )  # fmt: skip
    card = result.card
    assert card.steps == card.planned_steps == 10 and not card.stopped_early
    assert 4.0 - 0.02 <= card.epsilon <= 4.0  # Opacus' calibration tolerance is 0.01
    assert (tmp_path / "m" / "generator.pt").is_file()


def test_empty_poisson_batches_are_noise_steps_and_accounted(
    mnist_train: ImageDataset, tmp_path: Path
) -> None:
    tiny = _subset(mnist_train, 400, "ten")  # one digit per class; q = 1/10
    seen: list[TrainStep] = []
    result = train_dp_gan(
        tiny, out_dir=tmp_path / "m", target_epsilon=10.0, target_delta=1e-3, epochs=3,
        batch_size=1, accountant="rdp", max_steps=20, progress=False, on_step=seen.append,
    )  # fmt: skip
    empty = [s for s in seen if math.isnan(s.d_loss)]
    assert empty, "P(no empty batch in 20 draws at q=0.1, N=10) is about 2e-4"
    assert result.card.steps == 20  # the engine also checks the accountant saw all 20


def _weights(model_dir: Path) -> dict:
    import torch

    return torch.load(model_dir / "generator.pt", weights_only=True)


def _max_gap(a: dict, b: dict) -> float:
    """Largest difference between two generators' parameters (BatchNorm's running
    statistics are left out: they follow the batch sizes, which Poisson sampling draws)."""
    names = [k for k in a if "running_" not in k and "num_batches" not in k]
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in names)


def test_same_seed_same_initial_weights_but_different_trained_weights(
    small: ImageDataset, tmp_path: Path
) -> None:
    """The seed reaches initialisation only: the DP noise and batches are never replayable."""

    def run(seed: int, name: str, lr: float) -> dict:
        train_dp_gan(
            small, out_dir=tmp_path / name, target_delta=1e-3, epochs=1, batch_size=20,
            accountant="rdp", seed=seed, max_steps=2, lr_d=lr, lr_g=lr, ema_decay=0.0,
            progress=False,
        )  # fmt: skip
        return _weights(tmp_path / name)

    # A learning rate of 1e-12 leaves the weights at their initial values (to ~1e-11).
    start_a, start_b, start_c = run(0, "a", 1e-12), run(0, "b", 1e-12), run(1, "c", 1e-12)
    assert _max_gap(start_a, start_b) < 1e-8  # same seed: same initial weights
    assert _max_gap(start_a, start_c) > 1e-2  # another seed: other initial weights
    trained_a, trained_b = run(0, "d", 5e-4), run(0, "e", 5e-4)
    assert _max_gap(trained_a, trained_b) > 1e-6  # same seed: different noise, other weights


def test_reproducible_noise_replays_and_says_it_has_no_guarantee(
    small: ImageDataset, tmp_path: Path
) -> None:
    def run(name: str) -> TrainResult:
        return train_dp_gan(
            small, out_dir=tmp_path / name, target_delta=1e-3, epochs=1, batch_size=20,
            accountant="rdp", seed=5, max_steps=2, reproducible_noise=True, progress=False,
        )  # fmt: skip

    first, second = run("a"), run("b")
    assert _max_gap(_weights(first.model_dir), _weights(second.model_dir)) == 0.0
    assert first.card.guarantee == "none (reproducible noise)" and not first.card.claims_dp
    assert "REPRODUCIBLE" in first.card.noise_source


def test_torch_noise_is_recorded_as_such(small: ImageDataset, tmp_path: Path) -> None:
    result = train_dp_gan(
        small, out_dir=tmp_path / "m", target_delta=1e-3, epochs=1, batch_size=20,
        accountant="rdp", max_steps=1, secure_noise=False, progress=False,
    )  # fmt: skip
    assert result.card.noise_source.startswith("torch Mersenne Twister seeded from os.urandom")
    assert result.card.claims_dp


def _interrupting(times: int) -> Callable[[TrainStep], None]:
    def interrupt(step: TrainStep) -> None:
        if step.step == 2:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)  # what Ctrl-C delivers

    return interrupt


def test_one_ctrl_c_saves_a_resumable_run(small: ImageDataset, tmp_path: Path) -> None:
    from aigc_guard.train import PrivateImageGenerator

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = train_dp_gan(
            small, out_dir=tmp_path / "model", target_delta=1e-3, epochs=1, batch_size=20,
            accountant="rdp", progress=True, on_step=_interrupting(1),
        )  # fmt: skip
    finally:
        handler = signal.signal(signal.SIGINT, previous)
    assert handler is signal.default_int_handler  # the engine put the caller's handler back
    card = result.card
    assert card.steps == 2 and card.stop_reason.startswith("interrupted (Ctrl-C)")
    assert PrivateImageGenerator.load(tmp_path / "model").card == card


def test_a_second_ctrl_c_aborts_and_leaves_nothing(small: ImageDataset, tmp_path: Path) -> None:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            train_dp_gan(
                small, out_dir=tmp_path / "model", target_delta=1e-3, epochs=1, batch_size=20,
                accountant="rdp", progress=True, on_step=_interrupting(2),
            )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
    assert list(tmp_path.iterdir()) == []


def test_a_nan_loss_stops_at_its_step_and_leaves_nothing(
    small: ImageDataset, tmp_path: Path
) -> None:
    seen: list[TrainStep] = []
    with pytest.raises(TrainingError, match=r"step \d+ of 10: the (discriminator|generator) "
                       r"loss is (nan|inf|-inf): training diverged"):  # fmt: skip
        train_dp_gan(
            small, out_dir=tmp_path / "model", target_delta=1e-3, epochs=1, batch_size=20,
            accountant="rdp", lr_d=1e30, lr_g=1e30, progress=False, on_step=seen.append,
        )  # fmt: skip
    assert all(math.isfinite(s.g_loss) for s in seen)  # it stopped at the first bad step
    assert list(tmp_path.iterdir()) == []


def test_an_empty_dataset_is_refused(small: ImageDataset, tmp_path: Path) -> None:
    empty = ImageDataset(name="empty", images=small.images[:0], labels=small.labels[:0], ids=[])
    with pytest.raises(TrainingError, match="empty: the data set is empty"):
        train_dp_gan(empty, out_dir=tmp_path / "m", epochs=1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_every_bad_argument_is_reported_at_once(small: ImageDataset, tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("x")
    with pytest.raises(TrainingError) as info:
        train_dp_gan(
            small, out_dir=occupied, target_epsilon=0.0, target_delta=0.01, epochs=0,
            batch_size=500, accountant="moments", max_steps=0, progress=False,
        )  # fmt: skip
    message = str(info.value)
    for expected in (
        "target_epsilon=0.0", "epochs=0", "max_steps=0", "accountant='moments'",
        "below 1/N", "batch_size=500 exceeds", "occupied exists",
    ):  # fmt: skip
        assert expected in message
    assert (occupied / "keep.txt").read_text() == "x"


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_target_epsilon_must_be_positive_and_finite(
    small: ImageDataset, tmp_path: Path, bad: float
) -> None:
    with pytest.raises(TrainingError, match="target_epsilon"):
        train_dp_gan(small, out_dir=tmp_path / "m", target_epsilon=bad, epochs=1)


def test_labels_outside_the_classes_are_refused(small: ImageDataset, tmp_path: Path) -> None:
    labels = small.labels.copy()
    labels[3] = 12
    bad = ImageDataset(name="bad", images=small.images, labels=labels, ids=small.ids)
    with pytest.raises(TrainingError, match=r"labels must lie in 0\.\.9, got 0\.\.12"):
        train_dp_gan(bad, out_dir=tmp_path / "m", epochs=1)


def test_validation_rejects_batchnorm_and_inplace_activations() -> None:
    from torch import nn

    from aigc_guard.train.models.gan import Discriminator, GanConfig

    validate_private_module(Discriminator(GanConfig()))  # ours passes
    with pytest.raises(TrainingError) as info:
        validate_private_module(
            nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(inplace=True))
        )
    message = str(info.value)
    assert "BatchNorm" in message and "inplace=True" in message and "GroupNorm" in message
