"""What secure noise costs: ChaCha20 Gaussians against torch's generator, per DP-GAN step.

Two tables. (1) The DP-GAN training step on mnist5k (one private discriminator step
plus one generator step, batch 128) with each private randomness source: step time,
the time spent drawing noise inside Opacus' add_noise, and that time as a share of
the step. (2) Noise draw time alone for a range of parameter counts, so the cost for
a larger model (a VAE, a U-Net) can be read off against its own step time.

    nice -n 10 .venv/bin/python benchmarks/secure_noise.py --steps 40
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOURCES = {"secure (ChaCha20)": True, "torch (OS-seeded)": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="timed steps per source")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: shared CPU)")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)

    import torch
    from rich.console import Console
    from rich.table import Table

    torch.set_num_threads(args.threads)
    from aigc_guard.train.plan_checks import silence_known_warnings

    warnings.simplefilter("default")
    silence_known_warnings()
    console = Console()
    steps = Table(title=f"DP-GAN step on mnist5k (batch {args.batch_size}, {args.threads} thread)")
    for column in ("noise source", "params noised", "step ms", "noise ms", "noise / step"):
        steps.add_column(column, justify="right")
    for name, secure in SOURCES.items():
        step_ms, noise_ms, count = _time_gan_steps(secure, args.steps, args.batch_size)
        steps.add_row(name, f"{count:,}", f"{step_ms:.1f}", f"{noise_ms:.2f}",
                      f"{noise_ms / step_ms:.1%}")  # fmt: skip
    console.print(steps)

    draws = Table(title="Noise draw alone (median of 5)")
    for column in ("parameters", "secure ms", "torch ms", "secure / torch"):
        draws.add_column(column, justify="right")
    from aigc_guard.train.secure_noise import EntropySeededTorch, SecureRandomness

    secure_source, torch_source = SecureRandomness(), EntropySeededTorch()
    for count in (100_000, 1_000_000, 4_000_000):
        secure_ms = _median_ms(lambda n=count: secure_source.gaussian(n))
        torch_ms = _median_ms(lambda n=count: torch_source.gaussian(n))
        draws.add_row(f"{count:,}", f"{secure_ms:.1f}", f"{torch_ms:.1f}",
                      f"{secure_ms / torch_ms:.0f}x")  # fmt: skip
    console.print(draws)
    return 0


def _time_gan_steps(secure: bool, steps: int, batch_size: int) -> tuple[float, float, int]:
    """(median step ms, median noise ms, parameters noised) over `steps` timed steps."""
    import torch

    from aigc_guard.train import engine
    from aigc_guard.train.data import load_mnist5k
    from aigc_guard.train.models.gan import GanConfig

    train = load_mnist5k().train
    plan = engine._Plan(
        target_epsilon=10.0, target_delta=1e-5, epochs=engine.DEMO_EPOCHS,
        batch_size=batch_size, max_grad_norm=1.0, accountant="rdp", lr_d=5e-4, lr_g=5e-4,
        ema_decay=engine.EMA_DECAY, diversity_weight=2.0, seed=0, max_steps=None,
        secure_noise=secure,
    )  # fmt: skip
    torch.manual_seed(0)
    gan = engine._build(train, plan, GanConfig(), None)
    noise_times: list[float] = []
    add_noise = gan.d_optimizer.add_noise

    def timed_add_noise() -> None:
        started = time.perf_counter()
        add_noise()
        noise_times.append(time.perf_counter() - started)

    gan.d_optimizer.add_noise = timed_add_noise
    step_times: list[float] = []
    batches = _batches(gan.loader)
    for index in range(steps + 3):  # 3 warm-up steps
        real, labels = next(batches)
        started = time.perf_counter()
        engine._discriminator_step(gan, real, labels)
        engine._generator_step(gan, gan.d_optimizer.expected_batch_size)
        if index >= 3:
            step_times.append(time.perf_counter() - started)
    count = sum(p.numel() for p in gan.d_optimizer.params)
    return (1000 * statistics.median(step_times), 1000 * statistics.median(noise_times[3:]),
            count)  # fmt: skip


def _batches(loader: Any) -> Any:
    while True:
        yield from loader


def _median_ms(draw: Any) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        draw()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
