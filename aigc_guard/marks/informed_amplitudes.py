"""Closed-loop amplitudes for keyed-tile: spend the mark's energy where the host fights it.

Why: on heavy textures (grass, gravel, sand) the image itself projects onto each
coded bit's chips about as strongly as a uniform mark does, so a quarter of the
bits read wrong before any attack. The embedder knows the image, so it reads the
host's projection `x` (signed so that > 0 agrees with the bit) and the mark's gain
`g` per unit amplitude with the real detector, then gives each bit an amplitude in
[A_MIN, A_MAX]: more where the host disagrees, less where it already agrees, at the
same total energy (the same PSNR). The margin target `tau` is the one that
maximises the capped sum of margins (bits beyond A_MAX are left to the code).

Tuned on benchmarks/watermark_tuning.py (synthetic textures, china.jpg crops);
the detector and the payload format are unchanged, so old marks read as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

A_MIN = 0.5
A_MAX = 3.0
TAU_GRID_SIZE = 31
TAU_MAX = 3.0
MARGIN_CAP = 0.6


def choose(host: np.ndarray, gain: np.ndarray, chips: np.ndarray) -> np.ndarray:
    """Per-bit amplitudes with mean chip energy 1 (sum of chips * a^2 == sum of chips).

    host: the host's projection per coded bit, signed so > 0 agrees with the bit;
    gain: the detector's response per unit amplitude (at mean chip energy 1);
    chips: how many chips carry each bit (the energy each amplitude costs).
    """
    import numpy as np

    gain = np.maximum(gain, 1e-6)
    scale = float(np.median(gain))
    taus = np.linspace(0.0, TAU_MAX, TAU_GRID_SIZE)[:, None]
    wanted = np.clip((taus * scale - host[None, :]) / gain[None, :], A_MIN, A_MAX)
    norm = np.sqrt(np.sum(chips * wanted * wanted, axis=1, keepdims=True) / np.sum(chips))
    amplitudes = wanted / norm
    margins = (host[None, :] + gain[None, :] * amplitudes) / scale
    best = int(np.argmax(np.minimum(margins, MARGIN_CAP).sum(axis=1)))
    return np.asarray(amplitudes[best], dtype=np.float32)


__all__ = ["A_MAX", "A_MIN", "choose"]
