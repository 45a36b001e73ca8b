"""Train the DP-GAN on mnist5k at given settings and print privacy, speed and quality.

Quality: a small MLP classifier trained on the real mnist5k train split
labels 1,000 generated digits (100 per class); its agreement with the
conditioning labels says how recognisable the class-conditional digits are. The
same classifier's accuracy on the real holdout split is the ceiling. Memorized: the
share of those 1,000 digits that the memorization check flags (index of the training
digits, calibrated at 1% on the held-out ones).

    .venv/bin/python benchmarks/train_gan.py --epochs 20 --epsilon 10
    .venv/bin/python benchmarks/train_gan.py --epochs 20 --max-steps 50 --sheet /tmp/sheet.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aigc_guard.train.data import ImageDataset, load_mnist5k

SAMPLES_PER_CLASS = 100


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from rich.console import Console
    from rich.table import Table

    from aigc_guard.train import PrivateImageGenerator, train_dp_gan
    from aigc_guard.train.models.gan import GanConfig

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    split = load_mnist5k()
    classifier, ceiling = _fit_classifier(split.train, split.holdout)
    config = GanConfig(d_width=args.d_width, g_width=args.g_width, latent_dim=args.latent_dim)
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(args.out) if args.out else Path(tmp) / "model"
        result = train_dp_gan(
            split.train,
            out_dir=out_dir,
            target_epsilon=args.epsilon,
            target_delta=args.delta,
            epochs=args.epochs,
            batch_size=args.batch_size,
            max_grad_norm=args.max_grad_norm,
            accountant=args.accountant,
            lr_d=args.lr_d,
            lr_g=args.lr_g,
            ema_decay=args.ema_decay,
            diversity_weight=args.diversity,
            config=config,
            seed=args.seed,
            max_steps=args.max_steps,
            progress=not args.quiet,
        )
        model = PrivateImageGenerator.load(out_dir)
        accuracy, diversity, images = _evaluate(model, classifier, split.train, seed=args.seed)
        memorized = _memorization_rate(images, split)
        if args.sheet:
            _contact_sheet(model, Path(args.sheet), seed=args.seed)
    card = result.card
    table = Table(title=f"DP-GAN on mnist5k ({card.dataset_size} training images)")
    for column in (
        "epsilon", "delta", "accountant", "noise mult.", "batch", "steps", "epochs",
        "seconds", "gen. accuracy", "holdout ceiling", "diversity", "memorized",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    table.add_row(
        f"{card.epsilon:.3f} / {card.target_epsilon:g}",
        f"{card.delta:g}",
        card.accountant,
        f"{card.noise_multiplier:.3f}",
        str(card.batch_size),
        f"{card.steps} / {card.planned_steps}",
        f"{card.steps * card.sample_rate:.1f} / {card.epochs}",
        f"{result.seconds:.1f}",
        f"{accuracy:.3f}",
        f"{ceiling:.3f}",
        f"{diversity:.2f}",
        f"{memorized:.1%}",
    )
    Console(width=150).print(table)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--epsilon", type=float, default=10.0)
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--accountant", default="prv", choices=["prv", "rdp", "gdp"])
    parser.add_argument("--lr-d", type=float, default=5e-4)
    parser.add_argument("--lr-g", type=float, default=5e-4)
    parser.add_argument("--ema-decay", type=float, default=0.995)
    parser.add_argument("--diversity", type=float, default=2.0, help="mode-seeking weight")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument("--d-width", type=int, default=32)
    parser.add_argument("--g-width", type=int, default=32)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="keep the model here (default: temp dir)")
    parser.add_argument("--sheet", default=None, help="save a 10x10 contact sheet PNG here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def _pixels(data: ImageDataset) -> np.ndarray:
    return data.images.reshape(len(data), -1).astype(np.float32) / 255.0


def _fit_classifier(train: ImageDataset, holdout: ImageDataset) -> tuple[object, float]:
    """A small MLP on real train digits (~6 s); its holdout accuracy is the ceiling.

    An MLP rather than logistic regression: the linear model also accepts blurry
    or broken digits, so it saturates before the generator is good.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    classifier = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(_pixels(train), train.labels)
    ceiling = float(np.mean(classifier.predict(_pixels(holdout)) == holdout.labels))
    return classifier, ceiling


def _memorization_rate(images: list, split: object) -> float:
    """Share of generated digits the memorization check flags against an index of the
    training digits, calibrated at 1% on the held-out ones (1% is the noise floor)."""
    from aigc_guard.index.image import ImageIndex

    index = ImageIndex.build(split.train, holdout=split.holdout, fpr=0.01)  # type: ignore[attr-defined]
    return float(np.mean([index.criterion(m) is not None for m in index.nearest_batch(images)]))


def _evaluate(
    model: object, classifier: object, real: ImageDataset, *, seed: int
) -> tuple[float, float, list]:
    """(classifier accuracy on generated digits, within-class diversity vs real digits,
    the generated images).

    Diversity: mean pairwise pixel distance between generated digits of one class,
    divided by the same figure for real training digits of that class, averaged over
    classes. About 1 means real-like variety; near 0 means mode collapse, which
    a classifier alone would score as perfect.
    """
    labels = np.asarray([i % 10 for i in range(10 * SAMPLES_PER_CLASS)])
    images = model.generate(len(labels), labels=labels.tolist(), seed=seed + 1)  # type: ignore[attr-defined]
    pixels = np.stack([np.asarray(image, dtype=np.float32).reshape(-1) / 255.0 for image in images])
    accuracy = float(np.mean(classifier.predict(pixels) == labels))  # type: ignore[attr-defined]
    real_pixels = _pixels(real)
    ratios = []
    for digit in range(10):
        fake_spread = _mean_pairwise(pixels[labels == digit])
        real_spread = _mean_pairwise(real_pixels[real.labels == digit][:SAMPLES_PER_CLASS])
        ratios.append(fake_spread / real_spread)
    return accuracy, float(np.mean(ratios)), list(images)


def _mean_pairwise(rows: np.ndarray) -> float:
    squared = (rows**2).sum(axis=1)
    d2 = np.maximum(squared[:, None] + squared[None, :] - 2.0 * rows @ rows.T, 0.0)
    n = len(rows)
    return float(np.sqrt(d2).sum() / (n * (n - 1)))


def _contact_sheet(model: object, path: Path, *, seed: int) -> None:
    """10x10 grid, one class per row, scaled 3x for viewing."""
    from PIL import Image

    labels = [row for row in range(10) for _ in range(10)]
    images = model.generate(100, labels=labels, seed=seed + 2)  # type: ignore[attr-defined]
    sheet = Image.new("L", (10 * 30, 10 * 30), color=128)
    for index, image in enumerate(images):
        sheet.paste(image, ((index % 10) * 30 + 1, (index // 10) * 30 + 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.resize((900, 900), Image.NEAREST).save(path)


if __name__ == "__main__":
    raise SystemExit(main())
