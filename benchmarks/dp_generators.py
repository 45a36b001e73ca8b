"""DP generators on mnist5k: downstream accuracy, Fréchet distance, speed, memorization.

One cell per run (a kind at an epsilon), appended as one JSON line to --results,
so the table can be filled cell by cell on a busy machine; --table prints it.

    nice -n 10 .venv/bin/python benchmarks/dp_generators.py --kind vae --epsilon 10
    nice -n 10 .venv/bin/python benchmarks/dp_generators.py --kind vae --epsilon inf  # no DP
    nice -n 10 .venv/bin/python benchmarks/dp_generators.py --kind real      # reference rows
    nice -n 10 .venv/bin/python benchmarks/dp_generators.py --kind dp-classifier --epsilon 10
    .venv/bin/python benchmarks/dp_generators.py --table   # newest row per cell

Per generator cell: train on the 4,000 training digits (DP-SGD through
aigc_guard.train, or the same network and loss with plain Adam for `inf`); draw
5,000 labelled digits (500 per class); train a small CNN on them and test it on
the 1,000 held-out real digits (downstream accuracy); Fréchet distance between
1,000 generated and the 1,000 held-out digits in the penultimate features of a
CNN trained on the real training split; the share of 1,000 generated digits the
memorization check (mnist5k index, calibrated threshold) flags; training wall
time; and DP step time over a non-private step of the same network and batch,
both timed in the same process (figures taken while other jobs shared the cores).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aigc_guard.train.data import ImageDataset, load_mnist5k

CACHE = Path(tempfile.gettempdir()) / "aigc_guard_bench_dp_generators"
SYNTHETIC = 5000
TIMED_STEPS = 5


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.table:
        _print_table(Path(args.results), markdown=args.markdown)
        return 0
    import torch

    torch.set_num_threads(args.threads)
    split = load_mnist5k()
    started = time.perf_counter()
    if args.kind == "real":
        row = _real_reference(split, args)
    elif args.kind == "dp-classifier":
        row = _dp_classifier(split, args)
    elif args.kind == "merf":
        row = _merf_cell(split, args)
    else:
        row = _generator_cell(split, args)
    row["cell_seconds"] = round(time.perf_counter() - started, 1)
    with Path(args.results).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(json.dumps(row))
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="vae", choices=["gan", "vae", "diffusion", "merf",
                                                          "real", "dp-classifier"])  # fmt: skip
    parser.add_argument("--epsilon", type=float, default=10.0, help="inf: no DP")
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--ema-decay", type=float, default=None, help="default: the kind's")
    parser.add_argument("--config", default="{}", help='JSON overrides, e.g. {"width": 16}')
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results", default="benchmarks/dp_generators.jsonl")
    parser.add_argument("--table", action="store_true", help="print the table and exit")
    parser.add_argument("--markdown", action="store_true", help="with --table: as markdown")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- generators


def _generator_cell(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    import dataclasses

    from aigc_guard.train.kinds import spec_for

    spec = spec_for(args.kind)
    config = dataclasses.replace(spec.default_config(), **json.loads(args.config))
    epochs = spec.epochs if args.epochs is None else args.epochs
    batch = spec.batch_size if args.batch_size is None else args.batch_size
    lr = spec.lr if args.lr is None else args.lr
    ema = spec.ema_decay if args.ema_decay is None else args.ema_decay
    row: dict[str, Any] = {
        "kind": args.kind, "epsilon_target": args.epsilon, "epochs": epochs, "batch": batch,
        "lr": lr, "ema_decay": ema, "config": dataclasses.asdict(config),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if math.isinf(args.epsilon):
            network, steps = _train_plain(spec, config, split.train, epochs, batch, lr, args)
            row.update(epsilon=None)
        else:
            from aigc_guard.train.generator import PrivateImageGenerator

            result = spec.train(
                split.train, out_dir=Path(tmp) / "run", target_epsilon=args.epsilon,
                target_delta=args.delta, epochs=epochs, batch_size=batch, lr=lr,
                max_grad_norm=args.max_grad_norm, config=config, seed=args.seed,
                max_steps=args.max_steps, progress=True,
                **({} if args.ema_decay is None else {"ema_decay": args.ema_decay}),
            )  # fmt: skip
            network = PrivateImageGenerator.load(result.model_dir).module
            steps = result.card.steps
            row.update(epsilon=round(result.card.epsilon, 3), noise=result.card.noise_multiplier)
        row["train_seconds"] = round(time.perf_counter() - t0, 1)
        row["steps"] = steps
        row["step_seconds"] = round(row["train_seconds"] / max(steps, 1), 4)
        row["plain_step_seconds"] = round(_plain_step_seconds(spec, config, batch, lr), 4)
        row["private_step_seconds"] = round(_private_step_seconds(spec, config, batch), 4)
        row["dp_over_plain"] = round(row["private_step_seconds"] / row["plain_step_seconds"], 2)
        t0 = time.perf_counter()
        images, labels = _sample(spec, network, config, SYNTHETIC, seed=args.seed + 1)
        row["sample_seconds"] = round(time.perf_counter() - t0, 1)
    row.update(_quality(split, images, labels, seed=args.seed))
    return row


def _merf_cell(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    """DP-MERF: one release (the only private step), then the fit; `inf` fits to the exact
    means. "DP / plain" is the private run over itself less the work only DP adds (noise
    calibration and the release's Gaussian draws), both timed here."""
    import dataclasses

    import torch

    from aigc_guard.train.accounting import calibrate_noise
    from aigc_guard.train.generator import PrivateImageGenerator
    from aigc_guard.train.kinds import spec_for
    from aigc_guard.train.merf_training import fit_generator, release_means
    from aigc_guard.train.models.merf import MerfGenerator
    from aigc_guard.train.secure_noise import SecureRandomness

    spec = spec_for("merf")
    config = dataclasses.replace(spec.default_config(), **json.loads(args.config))
    row: dict[str, Any] = {
        "kind": "merf", "epsilon_target": args.epsilon, "epochs": None,
        "config": dataclasses.asdict(config), "steps": config.fit_steps,
    }  # fmt: skip
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    if math.isinf(args.epsilon):
        exact = release_means(split.train, config, noise_multiplier=0.0,
                              randomness=SecureRandomness())  # fmt: skip
        network = MerfGenerator(config)
        fit_generator(network, config, exact, steps=config.fit_steps)
        row.update(epsilon=None, train_seconds=round(time.perf_counter() - t0, 1))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = spec.train(split.train, out_dir=Path(tmp) / "run", target_epsilon=args.epsilon,
                                target_delta=args.delta, config=config, seed=args.seed)  # fmt: skip
            train_seconds = time.perf_counter() - t0
            network = PrivateImageGenerator.load(result.model_dir).module
        t0 = time.perf_counter()
        calibrate_noise(target_epsilon=args.epsilon, delta=args.delta, sample_rate=1.0, steps=1,
                        accountant="prv")  # fmt: skip
        SecureRandomness().gaussian(config.num_classes * (config.features + 1))
        extra = time.perf_counter() - t0
        row.update(epsilon=round(result.card.epsilon, 3), noise=result.card.noise_multiplier,
                   train_seconds=round(train_seconds, 1),
                   dp_over_plain=round(train_seconds / (train_seconds - extra), 3))  # fmt: skip
    t0 = time.perf_counter()
    images, labels = _sample(spec, network, config, SYNTHETIC, seed=args.seed + 1)
    row["sample_seconds"] = round(time.perf_counter() - t0, 1)
    row.update(_quality(split, images, labels, seed=args.seed))
    return row


def _batches(n: int, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[i : i + batch] for i in range(0, n, batch)]


def _tensors(data: ImageDataset) -> tuple[Any, Any]:
    import torch

    images = torch.from_numpy(data.images.astype("float32")).unsqueeze(1) / 127.5 - 1.0
    return images, torch.from_numpy(data.labels.astype("int64"))


def _train_plain(
    spec: Any, config: Any, train: ImageDataset, epochs: int, batch: int, lr: float, args: Any
) -> tuple[Any, int]:
    """The same network and loss with plain Adam: the no-DP column."""
    import copy

    import torch

    from aigc_guard.progress import progress

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images, labels = _tensors(train)
    if spec.name == "gan":
        return _train_plain_gan(config, images, labels, epochs, batch, lr, rng)
    from aigc_guard.train.multiplicity import repeat_draws

    network = spec.build(config)
    decay = spec.ema_decay if args.ema_decay is None else args.ema_decay
    ema = copy.deepcopy(network).requires_grad_(False)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    k = int(getattr(config, "noise_multiplicity", 1))
    steps = 0
    total = epochs * math.ceil(len(train) / batch)
    if args.max_steps:
        total = min(total, args.max_steps)
    with progress(f"plain {spec.name}", total) as advance:
        for _ in range(epochs):
            for rows in _batches(len(train), batch, rng):
                optimizer.zero_grad(set_to_none=True)
                network(*repeat_draws(images[rows], labels[rows], k)).mean().backward()
                optimizer.step()
                with torch.no_grad():
                    for a, b in zip(ema.parameters(), network.parameters(), strict=True):
                        a.lerp_(b, 1.0 - decay)
                steps += 1
                advance(1)
                if steps >= total:
                    return ema.eval(), steps
    return ema.eval(), steps


def _train_plain_gan(
    config: Any, images: Any, labels: Any, epochs: int, batch: int, lr: float, rng: Any
) -> tuple[Any, int]:
    import copy

    import torch

    from aigc_guard.progress import progress
    from aigc_guard.train.models.gan import (
        Discriminator,
        Generator,
        discriminator_loss,
        generator_loss,
    )

    generator, discriminator = Generator(config), Discriminator(config)
    ema = copy.deepcopy(generator).requires_grad_(False)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    steps = 0
    with progress("plain gan", epochs * math.ceil(len(images) / batch)) as advance:
        for _ in range(epochs):
            for rows in _batches(len(images), batch, rng):
                n = len(rows)
                fake_labels = torch.randint(0, config.num_classes, (n,))
                with torch.no_grad():
                    fake = generator(torch.randn(n, config.latent_dim), fake_labels)
                d_opt.zero_grad(set_to_none=True)
                discriminator_loss(
                    discriminator, images[rows], labels[rows], fake, fake_labels
                ).backward()
                d_opt.step()
                g_opt.zero_grad(set_to_none=True)
                loss, _, _ = generator_loss(generator, discriminator, n, diversity_weight=2.0)
                loss.backward()
                g_opt.step()
                with torch.no_grad():
                    for a, b in zip(ema.parameters(), generator.parameters(), strict=True):
                        a.lerp_(b, 1.0 - 0.995)
                    for a, b in zip(ema.buffers(), generator.buffers(), strict=True):
                        a.copy_(b)
                steps += 1
                advance(1)
    return ema.eval(), steps


def _trainable(spec: Any, config: Any) -> Any:
    """The network DP-SGD clips: the GAN's discriminator, else the whole network."""
    if spec.name == "gan":
        from aigc_guard.train.models.gan import Discriminator

        return Discriminator(config)
    return spec.build(config)


def _step_inputs(spec: Any, config: Any, batch: int) -> tuple[Any, ...]:
    import torch

    from aigc_guard.train.multiplicity import repeat_draws

    x = torch.rand(batch, 1, 28, 28) * 2 - 1
    y = torch.randint(0, 10, (batch,))
    if spec.name == "gan":
        return x, y, torch.rand(batch, 1, 28, 28) * 2 - 1, y
    return repeat_draws(x, y, int(getattr(config, "noise_multiplicity", 1)))


def _loss(spec: Any, network: Any, inputs: tuple[Any, ...]) -> Any:
    if spec.name == "gan":
        from aigc_guard.train.models.gan import discriminator_loss

        return discriminator_loss(network, *inputs)
    return network(*inputs).mean()


def _plain_step_seconds(spec: Any, config: Any, batch: int, lr: float) -> float:
    """One non-private step of the network DP-SGD trains, same batch (median of 5)."""
    import torch

    network = _trainable(spec, config)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    inputs = _step_inputs(spec, config, batch)
    times = []
    for _ in range(TIMED_STEPS + 1):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        _loss(spec, network, inputs).backward()
        optimizer.step()
        times.append(time.perf_counter() - t0)
    return float(np.median(times[1:]))


def _private_step_seconds(spec: Any, config: Any, batch: int) -> float:
    """One Opacus DP-SGD step of the same network and batch, as the trainer runs it."""
    import warnings

    import torch
    from opacus import PrivacyEngine
    from opacus.utils.fast_gradient_clipping_utils import DPTensorFastGradientClipping

    from aigc_guard.train.dp_sgd import uses_ghost_clipping
    from aigc_guard.train.multiplicity import average_draws

    network = _trainable(spec, config)
    k = int(getattr(config, "noise_multiplicity", 1)) if spec.name != "gan" else 1
    ghost = spec.name != "gan" and uses_ghost_clipping(network, multiplicity=k)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.zeros(4000, 1)), batch_size=batch
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapped = PrivacyEngine(accountant="rdp").make_private(
            module=network, optimizer=optimizer, data_loader=loader, noise_multiplier=1.0,
            max_grad_norm=1.0, poisson_sampling=True,
            **({"grad_sample_mode": "ghost"} if ghost else {}),
        )  # fmt: skip
        module, optimizer = wrapped[0], wrapped[1]
        inputs = _step_inputs(spec, config, batch)
        times = []
        for _ in range(TIMED_STEPS + 1):
            t0 = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            if ghost:  # as dp_sgd.private_step: two backward passes, no per-example grads
                rows = module(*inputs)
                DPTensorFastGradientClipping(module, optimizer, rows, "mean").backward()
            else:
                _loss(spec, module, inputs).backward()
                average_draws(optimizer.params, k)
            optimizer.step()
            times.append(time.perf_counter() - t0)
    return float(np.median(times[1:]))


def _sample(spec: Any, network: Any, config: Any, n: int, *, seed: int) -> tuple[Any, Any]:
    import torch

    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % config.num_classes
    chunks = [
        spec.sample(network, config, labels[i : i + 250], generator) for i in range(0, n, 250)
    ]
    images = (torch.cat(chunks) * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()
    return images, labels.numpy()


# ---------------------------------------------------------------- quality


def _cnn(num_classes: int = 10, *, group_norm: bool = False) -> Any:
    from torch import nn

    norm = (lambda c: nn.GroupNorm(8, c)) if group_norm else (lambda c: nn.Identity())
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), norm(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), norm(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, num_classes),
    )  # fmt: skip


def _as_input(images: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(images.astype("float32")).unsqueeze(1) / 255.0


def _fit_cnn(images: np.ndarray, labels: np.ndarray, *, epochs: int = 8, seed: int = 0) -> Any:
    """The downstream classifier: a small CNN, Adam, 8 epochs (about 20 s per 5,000 digits)."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = _cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = _as_input(images), torch.from_numpy(labels.astype("int64"))
    for _ in range(epochs):
        for rows in _batches(len(x), 64, rng):
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[rows]), y[rows]).backward()
            optimizer.step()
    return model.eval()


def _accuracy(model: Any, data: ImageDataset) -> float:
    import torch

    with torch.no_grad():
        predicted = model(_as_input(data.images)).argmax(1).numpy()
    return float(np.mean(predicted == data.labels))


def _features(model: Any, images: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return model[:-1](_as_input(images)).numpy().astype(np.float64)  # type: ignore[no-any-return]


def _feature_classifier(split: Any) -> Any:
    """The CNN trained on the real training split, cached: the FD feature space."""
    import torch

    path = CACHE / "feature_cnn.pt"
    model = _cnn()
    if path.exists():
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()
    model = _fit_cnn(split.train.images, split.train.labels)
    CACHE.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return model


def _frechet(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * np.real(root)))


def _memorization_rate(images: np.ndarray) -> float:
    from PIL import Image

    from aigc_guard.artifacts import Artifact
    from aigc_guard.checks.memorization import MemorizationCheck
    from aigc_guard.index import build_mnist5k_index, load_index

    folder = CACHE / "index"
    index = load_index(folder) if folder.exists() else build_mnist5k_index(folder)
    check = MemorizationCheck(index)
    flagged = [
        not check.inspect(Artifact.from_image(Image.fromarray(image))).passed for image in images
    ]
    return float(np.mean(flagged))


def _quality(split: Any, images: np.ndarray, labels: np.ndarray, *, seed: int) -> dict[str, Any]:
    downstream = _fit_cnn(images, labels, seed=seed)
    features = _feature_classifier(split)
    picked = np.arange(0, len(images), max(1, len(images) // 1000))[:1000]
    return {
        "downstream_accuracy": round(_accuracy(downstream, split.holdout), 4),
        "frechet": round(
            _frechet(
                _features(features, images[picked]), _features(features, split.holdout.images)
            ),
            2,
        ),
        "memorized_share": round(_memorization_rate(images[picked]), 4),
    }


# ---------------------------------------------------------------- reference rows


def _real_reference(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    """A CNN trained on the real split; FD of 1,000 real training digits vs the holdout."""
    t0 = time.perf_counter()
    model = _fit_cnn(split.train.images, split.train.labels, seed=args.seed)
    seconds = time.perf_counter() - t0
    features = _feature_classifier(split)
    picked = np.arange(0, len(split.train), 4)[:1000]
    return {
        "kind": "real", "epsilon_target": None, "train_seconds": round(seconds, 1),
        "downstream_accuracy": round(_accuracy(model, split.holdout), 4),
        "frechet": round(_frechet(_features(features, split.train.images[picked]),
                                  _features(features, split.holdout.images)), 2),
        "memorized_share": round(_memorization_rate(split.train.images[picked]), 4),
    }  # fmt: skip


def _dp_classifier(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The CNN (GroupNorm) trained directly with DP-SGD on the real split at the same epsilon."""
    import warnings

    import torch
    import torch.nn.functional as F
    from opacus import PrivacyEngine

    torch.manual_seed(args.seed)
    epochs = 30 if args.epochs is None else args.epochs
    batch = 256 if args.batch_size is None else args.batch_size
    model = _cnn(group_norm=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3 if args.lr is None else args.lr)
    x, y = _as_input(split.train.images), torch.from_numpy(split.train.labels.astype("int64"))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=batch, generator=secret_generator()
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = PrivacyEngine(accountant="prv")
        model, optimizer, loader = engine.make_private_with_epsilon(
            module=model, optimizer=optimizer, data_loader=loader,
            target_epsilon=args.epsilon, target_delta=args.delta, epochs=epochs,
            max_grad_norm=args.max_grad_norm, poisson_sampling=True,
            noise_generator=secret_generator(),
        )  # fmt: skip
        for _ in range(epochs):
            for images, labels in loader:
                optimizer.zero_grad(set_to_none=True)
                if len(labels) == 0:
                    continue
                F.cross_entropy(model(images), labels).backward()
                optimizer.step()
        epsilon = engine.accountant.get_epsilon(delta=args.delta)
    model.eval()
    return {
        "kind": "dp-classifier", "epsilon_target": args.epsilon, "epsilon": round(epsilon, 3),
        "epochs": epochs, "batch": batch, "train_seconds": round(time.perf_counter() - t0, 1),
        "downstream_accuracy": round(_accuracy(model._module, split.holdout), 4),
    }  # fmt: skip


def secret_generator() -> Any:
    """A torch generator seeded from OS entropy (the DP noise and sampling of the reference)."""
    import os

    import torch

    return torch.Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))


# ---------------------------------------------------------------- table


def _fmt(row: dict[str, Any], key: str, pattern: str) -> str:
    value = row.get(key)
    return "—" if value is None else pattern.format(value)


COLUMNS = ("kind", "ε target / spent", "epochs", "downstream acc.", "Fréchet dist.",
           "memorized", "train time", "DP / plain step")  # fmt: skip


def _cells(row: dict[str, Any]) -> list[str]:
    target = row.get("epsilon_target")
    if row["kind"] == "real":
        eps = "— (real data)"
    elif target is None or math.isinf(target):
        eps = "no DP"
    else:
        eps = f"{target:g} / {row.get('epsilon')}"
    return [
        _label(row), eps, _fmt(row, "epochs", "{}"), _fmt(row, "downstream_accuracy", "{:.1%}"),
        _fmt(row, "frechet", "{:.1f}"), _fmt(row, "memorized_share", "{:.1%}"),
        _fmt(row, "train_seconds", "{:.0f} s"), _fmt(row, "dp_over_plain", "{:.2f}x"),
    ]  # fmt: skip


def _label(row: dict[str, Any]) -> str:
    """The kind, with the VAE's architecture when it is not the default conv network."""
    arch = (row.get("config") or {}).get("arch")
    return row["kind"] if arch in (None, "conv") else f"{row['kind']} ({arch})"


def _newest_per_cell(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (kind, epsilon target): the last appended. Older rows stay in the file
    as history (reruns of a cell), in first-seen cell order."""
    cells: dict[tuple[str, Any], dict[str, Any]] = {}  # (kind and architecture, epsilon)
    for row in rows:
        target = row.get("epsilon_target")
        eps = None if target is None or math.isinf(target) else target
        cells[(_label(row), eps)] = row
    return list(cells.values())


def _print_table(path: Path, *, markdown: bool = False) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = _newest_per_cell(rows)
    if markdown:
        print("| " + " | ".join(COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for row in rows:
            print("| " + " | ".join(_cells(row)) + " |")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"DP generators on mnist5k (4,000 training digits) — {path}")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*_cells(row))
    Console(width=160).print(table)


if __name__ == "__main__":
    raise SystemExit(main())
