"""Use 1: train a private generator on sensitive data with DP-SGD (Opacus).

    python examples/train_private_model.py --out runs/dp-gan            # full run (minutes)
    python examples/train_private_model.py --out /tmp/run --max-steps 5 # smoke run

The run folder holds the generator weights and privacy_card.json: the (epsilon,
delta) guarantee actually spent, the accountant, noise, sampling rate, steps,
clipping norm and the data set's fingerprint.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aigc_guard.train import PrivateImageGenerator, train_dp_gan
from aigc_guard.train.data import load_mnist5k
from aigc_guard.train.engine import DEMO_EPOCHS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epsilon", type=float, default=10.0)
    parser.add_argument("--epochs", type=int, default=DEMO_EPOCHS)
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args()

    split = load_mnist5k()  # 4,000 training digits; the 1,000 held out never touch training
    result = train_dp_gan(
        split.train,
        out_dir=args.out,
        target_epsilon=args.epsilon,
        target_delta=1e-5,
        epochs=args.epochs,
        max_steps=args.max_steps,
    )
    print(json.dumps(result.card.to_dict(), indent=2))

    model = PrivateImageGenerator.load(args.out)
    images = model.generate(10, labels=list(range(10)), seed=0)
    images[0].save(args.out / "sample-digit-0.png")
    print(f"spent epsilon={result.card.epsilon:.3f} in {result.card.steps} steps -> {args.out}")


if __name__ == "__main__":
    main()
