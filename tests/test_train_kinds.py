"""Every kind of image generator (GAN, VAE, diffusion with DP-SGD; merf with one release):
loaded with one call, sampled, guarded; noise multiplicity keeps one example's clipped
gradient in bound."""

from __future__ import annotations

import copy
import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from independent_accountant import rdp_epsilon

from aigc_guard.errors import InputError, TrainingError
from aigc_guard.train.data import ImageDataset, load_mnist5k
from aigc_guard.train.generator import PrivateImageGenerator
from aigc_guard.train.kinds import KINDS, spec_for
from aigc_guard.train.multiplicity import average_draws, repeat_draws

IMAGE_KINDS = {name: spec for name, spec in KINDS.items() if spec.modality == "image"}  # lm: text
TINY = {"gan": {"g_width": 8, "d_width": 8}, "vae": {"width": 8}, "diffusion": {"width": 8,
        "noise_multiplicity": 2, "sample_steps": 3},
        "merf": {"width": 8, "features": 256, "fit_steps": 2, "per_class": 4}}  # fmt: skip
PRIVATE_STEPS = {"merf": 1}  # merf: one release; the others: the 2 DP-SGD steps of `runs`


@pytest.fixture(scope="module")
def runs(small: ImageDataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny run per kind (2 DP steps each; merf: its one release and 2 fitting steps)."""
    base = tmp_path_factory.mktemp("kinds")
    out = {}
    for name, spec in IMAGE_KINDS.items():
        config = dataclasses.replace(spec.default_config(), **TINY[name])
        if name == "merf":  # no DP-SGD options
            spec.train(small, out_dir=base / name, target_delta=1e-3, accountant="rdp",
                       config=config, progress=False)  # fmt: skip
            out[name] = base / name
            continue
        spec.train(
            small, out_dir=base / name, target_delta=1e-3, epochs=1, batch_size=20,
            accountant="rdp", config=config, max_steps=2, progress=False,
        )  # fmt: skip
        out[name] = base / name
    return out


def _private(module: torch.nn.Module, clip: float) -> tuple:
    from opacus import PrivacyEngine

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.zeros(100, 1)), batch_size=10
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        private, optimizer, _ = PrivacyEngine(accountant="rdp").make_private(
            module=module, optimizer=torch.optim.SGD(module.parameters(), lr=0.1),
            data_loader=loader, noise_multiplier=0.0, max_grad_norm=clip, poisson_sampling=True,
        )  # fmt: skip
    return private, optimizer


def _diffusion(multiplicity: int) -> torch.nn.Module:
    from aigc_guard.train.models.diffusion import DiffusionConfig, DiffusionUNet

    torch.manual_seed(0)
    return DiffusionUNet(DiffusionConfig(width=8, noise_multiplicity=multiplicity))


def test_multiplicity_gradient_is_the_mean_over_draws_of_one_example() -> None:
    k = 3
    plain = _diffusion(k)
    private, optimizer = _private(copy.deepcopy(plain), clip=1e6)
    images, labels = torch.rand(2, 1, 28, 28) * 2 - 1, torch.tensor([3, 7])
    torch.manual_seed(1)
    private(*repeat_draws(images, labels, k)).mean().backward()
    average_draws(optimizer.params, k)
    torch.manual_seed(1)  # the same noise levels and draws, without Opacus
    rows = plain(*repeat_draws(images, labels, k))
    first = torch.autograd.grad(rows[:k].mean(), list(plain.parameters()))
    for p, expected in zip(optimizer.params, first, strict=True):
        assert p.grad_sample.shape[0] == 2  # one row per example, not per draw
        torch.testing.assert_close(p.grad_sample[0], expected, rtol=1e-4, atol=1e-6)


def test_multiplicity_keeps_one_examples_clipped_gradient_within_the_bound() -> None:
    k, clip = 4, 0.01  # a bound far below the raw gradient norm, so clipping bites
    private, optimizer = _private(_diffusion(k), clip=clip)
    image, label = torch.rand(1, 1, 28, 28) * 2 - 1, torch.tensor([5])

    def summed_norm(fold: bool) -> float:
        optimizer.zero_grad(set_to_none=True)
        private(*repeat_draws(image, label, k)).mean().backward()
        if fold:
            average_draws(optimizer.params, k)
        optimizer.clip_and_accumulate()
        norm = torch.cat([p.summed_grad.flatten() for p in optimizer.params]).norm()
        for p in optimizer.params:
            p.summed_grad = None
        return float(norm)

    assert summed_norm(fold=True) <= clip * (1 + 1e-4)
    # Without folding, Opacus would clip each draw as if it were an example: one
    # example then moves the sum by up to K times the bound.
    assert summed_norm(fold=False) > 2 * clip


def test_average_draws_refuses_rows_that_do_not_fold() -> None:
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad_sample = torch.zeros(5, 3)
    with pytest.raises(TrainingError, match="multiple of the noise multiplicity 2"):
        average_draws([p], 2)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(IMAGE_KINDS))
def test_an_independent_accountant_agrees_with_each_kinds_card(
    kind: str, runs: dict[str, Path]
) -> None:
    card = PrivateImageGenerator.load(runs[kind]).card
    assert card.accountant == "rdp" and card.steps == PRIVATE_STEPS.get(kind, 2)
    assert card.epsilon == pytest.approx(rdp_epsilon(card), rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(IMAGE_KINDS))
def test_each_kind_loads_with_one_call_and_samples(kind: str, runs: dict[str, Path]) -> None:
    model = PrivateImageGenerator.load(runs[kind])
    assert model.kind == kind and model.card.model_kind == spec_for(kind).model_kind
    assert model.card.steps == PRIVATE_STEPS.get(kind, 2) and model.card.epsilon > 0
    pixels = model.sample_array(6, labels=[0, 1, 2, 3, 4, 5], seed=3)
    assert pixels.shape == (6, 28, 28) and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, model.sample_array(6, labels=[0, 1, 2, 3, 4, 5], seed=3))
    assert [image.size for image in model.generate(2, seed=1)] == [(28, 28)] * 2


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["vae", "diffusion"])
def test_each_kind_refuses_a_card_from_another_kind(kind: str, runs: dict[str, Path],
                                                    tmp_path: Path) -> None:  # fmt: skip
    import shutil

    folder = tmp_path / "mixed"
    shutil.copytree(runs[kind], folder)
    shutil.copy(runs["gan"] / "privacy_card.json", folder / "privacy_card.json")
    with pytest.raises(TrainingError, match="card for a 'dp-gan' model"):
        PrivateImageGenerator.load(folder)


@pytest.mark.slow
def test_unknown_kind_in_model_json_is_named(runs: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "unknown"
    shutil.copytree(runs["vae"], folder)
    data = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**data, "kind": "dp-unknown"}))
    with pytest.raises(TrainingError, match="unknown model kind 'dp-unknown'"):
        PrivateImageGenerator.load(folder)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["vae", "diffusion", "merf"])
def test_each_kind_plugs_into_guard_generate(
    kind: str, runs: dict[str, Path], small: ImageDataset, tmp_path: Path, signer: object
) -> None:
    from aigc_guard import Guard
    from aigc_guard.credentials import ensure_dev_keys
    from aigc_guard.index.image import ImageIndex

    holdout = load_mnist5k().holdout
    index = ImageIndex.build(small, holdout=holdout, fpr=0.01)
    ensure_dev_keys(tmp_path / "keys")
    model = PrivateImageGenerator.load(runs[kind])
    with Guard(policy="default", index=index, db=f"sqlite:///{tmp_path / 'a.db'}",
               keys=tmp_path / "keys", signer=signer, dev_credentials=True) as guard:  # fmt: skip
        results = guard.generate(model, n=2, seed=0)
    assert len(results) == 2
    for result in results:
        assert "memorization" in result.checks
        assert result.audit_id is not None


@pytest.mark.slow
def test_non_finite_loss_stops_at_that_step_with_nothing_written(
    small: ImageDataset, tmp_path: Path
) -> None:
    spec = spec_for("vae")
    config = dataclasses.replace(spec.default_config(), width=8)
    with pytest.raises(TrainingError, match=r"step [23] of 3: the vae loss is (nan|inf)"):
        spec.train(  # a learning rate this large overflows the weights after one step
            small, out_dir=tmp_path / "run", target_delta=1e-3, epochs=1, batch_size=20,
            accountant="rdp", config=config, lr=1e30, max_steps=3, progress=False,
        )  # fmt: skip
    assert not (tmp_path / "run").exists()
    assert not list(tmp_path.iterdir())


def test_wrong_config_type_and_bad_settings_fail_before_training(
    small: ImageDataset, tmp_path: Path
) -> None:
    from aigc_guard.train.models.gan import GanConfig

    with pytest.raises(TrainingError, match="config must be a DiffusionConfig"):
        spec_for("diffusion").train(small, out_dir=tmp_path / "a", config=GanConfig())
    with pytest.raises(TrainingError, match="batch_size=0") as info:
        spec_for("vae").train(small, out_dir=tmp_path / "b", batch_size=0, target_delta=0.5)
    assert "target_delta" in str(info.value)  # every problem at once


def test_config_from_disk_is_bounded_and_named() -> None:
    from aigc_guard.train.models.diffusion import DiffusionConfig
    from aigc_guard.train.models.vae import VaeConfig

    with pytest.raises(TrainingError, match="width=100000"):
        VaeConfig(width=100_000)
    with pytest.raises(TrainingError, match="guidance=nan"):
        DiffusionConfig(guidance=float("nan"))
    with pytest.raises(TrainingError, match="unknown fields \\['extra'\\]"):
        VaeConfig.from_json({**VaeConfig().to_json(), "extra": 1}, source="m.json")


def test_spec_for_names_the_known_kinds() -> None:
    assert spec_for("dp-diffusion") is KINDS["diffusion"]
    assert spec_for("dp-lm") is KINDS["lm"] and KINDS["lm"].modality == "text"
    assert spec_for("dp-merf") is KINDS["merf"]
    with pytest.raises(InputError, match="known: gan, vae, diffusion, merf, lm"):
        spec_for("transformer")


@pytest.mark.slow
def test_cli_trains_a_kind_on_a_folder_and_samples_an_npz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image
    from typer.testing import CliRunner

    from aigc_guard.cli import app

    train = load_mnist5k().train
    folder = tmp_path / "digits"
    folder.mkdir()
    rows = ["file,label"]
    for i in range(0, 4000, 100):  # 40 digits, upscaled to 56x56: resized back on reading
        Image.fromarray(train.images[i]).resize((56, 56)).save(folder / f"d{i}.png")
        rows.append(f"d{i}.png,{train.labels[i] % 3}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("AIGC_GUARD_MAX_STEPS", "2")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "dev", "--out", "keys"]).exit_code == 0
    result = runner.invoke(app, [
        "train", "vae", "--out", "run", "--data", str(folder), "--labels", "labels.csv",
        "--batch-size", "8", "--epochs", "1", "--delta", "1e-3", "--accountant", "rdp",
        "--keys", "keys", "--db", "sqlite:///a.db",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "run" / "privacy_card.json").read_text())
    assert card["model_kind"] == "dp-vae" and card["dataset_size"] == 40
    assert "28x28 grayscale" in card["dataset_name"]
    assert card["data_transform"] == "grayscale, resized from 56x56 to 28x28 (Lanczos)"
    result = runner.invoke(app, ["sample", "--model", "run", "--n", "5", "--out", "s.npz",
                                 "--label", "2", "--seed", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = np.load(tmp_path / "s.npz")
    assert saved["images"].shape == (5, 28, 28) and saved["images"].dtype == np.uint8
    assert saved["labels"].tolist() == [2] * 5
    again = runner.invoke(app, ["sample", "--model", "run", "--n", "5", "--out", "s.npz"])
    assert again.exit_code == 2 and "never overwritten" in again.output
    bad = runner.invoke(app, ["sample", "--model", "run", "--n", "5", "--out", "t.npz",
                              "--label", "3"])  # fmt: skip
    assert bad.exit_code == 2 and "classes 0..2" in bad.output
    assert not (tmp_path / "t.npz").exists()


@pytest.mark.slow
def test_a_diffusion_run_resumes_and_its_card_covers_every_step(
    small: ImageDataset, tmp_path: Path
) -> None:
    spec = spec_for("diffusion")
    config = dataclasses.replace(spec.default_config(), **TINY["diffusion"])
    options = {"target_delta": 1e-3, "epochs": 1, "batch_size": 20, "accountant": "rdp",
               "progress": False}  # fmt: skip
    first = spec.train(small, out_dir=tmp_path / "a", config=config, max_steps=1, **options)
    second = spec.train(small, out_dir=tmp_path / "b", resume=tmp_path / "a", max_steps=1,
                        **{k: v for k, v in options.items() if k != "batch_size"})  # fmt: skip
    assert first.card.steps == 1 and second.card.steps == 2
    assert second.card.resumed_from == first.card.model_id
    assert second.card.epsilon > first.card.epsilon
    assert PrivateImageGenerator.load(tmp_path / "b").kind == "diffusion"
    with pytest.raises(TrainingError, match="it is a dp-diffusion model, not dp-gan"):
        spec_for("gan").train(small, out_dir=tmp_path / "c", resume=tmp_path / "a", **options)
