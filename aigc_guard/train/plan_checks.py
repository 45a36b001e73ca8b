"""Checks every DP training run makes on its options before any work.

The GAN engine, the one-network trainer (VAE, diffusion) and the language model
share these, so a bad option reads the same whatever the kind, and every problem is
reported at once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from pathlib import Path

from aigc_guard.train.card import ACCOUNTANTS


def is_number(value: object, *, low: float, high: float = math.inf, closed: bool = False) -> bool:
    """A finite real in (low, high), or [low, high) when closed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    above = value >= low if closed else value > low
    return math.isfinite(value) and above and value < high


def is_int(value: object, *, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def common_problems(
    options: object,
    *,
    positive: Iterable[str],
    size: int,
    unit: str,
    out_dir: Path | None,
) -> list[str]:
    """Problems with the options every run has (`positive` names its positive numbers).

    `size` is the number of training examples (0 when the data already failed its own
    checks); `unit` names them in messages ("images", "records").
    """
    problems: list[str] = []

    def value(name: str) -> object:
        return getattr(options, name)

    def check(name: str, ok: bool, expected: str) -> None:
        if not ok:
            problems.append(f"{name}={value(name)!r}: must be {expected}")

    for name in positive:
        check(name, is_number(value(name), low=0.0), "a positive number")
    for name in ("epochs", "batch_size"):
        check(name, is_int(value(name), low=1), "a positive integer")
    max_steps = value("max_steps")
    check("max_steps", max_steps is None or is_int(max_steps, low=1), "None or >= 1")
    check("seed", is_int(value("seed"), low=0), "a non-negative integer")
    check("accountant", value("accountant") in ACCOUNTANTS, f"one of {', '.join(ACCOUNTANTS)}")
    delta = value("target_delta")
    check("target_delta", is_number(delta, low=0.0, high=1.0), "in (0, 1)")
    if size and is_number(delta, low=0.0) and delta >= 1 / size:  # type: ignore[operator]
        example = "record" if unit == "records" else "example"
        problems.append(
            f"target_delta={delta!r}: must be below 1/N = {1 / size:.2g} for a "
            f"meaningful per-{example} guarantee"
        )
    batch_size = value("batch_size")
    if size and is_int(batch_size, low=1) and batch_size > size:  # type: ignore[operator]
        problems.append(f"batch_size={batch_size} exceeds the {size} training {unit}")
    if (
        out_dir is not None
        and out_dir.exists()
        and (not out_dir.is_dir() or any(out_dir.iterdir()))
    ):
        problems.append(f"out_dir {out_dir} exists and is not an empty directory; remove it")
    return problems


def silence_known_warnings() -> None:
    """Opacus warnings that are expected here and would only alarm users."""
    # No secure RNG: torchcsprng has no wheel for torch 2.x (see STACK.md); our noise
    # comes from aigc_guard.train.secure_noise instead.
    warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG turned off.*")
    warnings.filterwarnings("ignore", message=".*[Oo]ptimal order is the (largest|smallest).*")
    # Inputs that never require grad; Opacus' full backward hooks still fire correctly.
    warnings.filterwarnings("ignore", message=".*Full backward hook is firing.*")
