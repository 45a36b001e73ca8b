"""A rate-1/3, constraint-length-7 convolutional code with a soft-decision Viterbi decoder.

Why: a watermark's chips arrive as noisy soft values (correlations), not bits. A
convolutional code decoded by Viterbi on those soft values gains ~5 dB over
spreading each bit alone with the same number of chips, which is what lets the
payload survive JPEG 50 or a halving at 40 dB PSNR. Generators 171, 133, 165
(octal) are the standard K=7 rate-1/3 set; the encoder ends in the zero state
(6 tail bits), so the decoder knows where the path starts and ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CONSTRAINT = 7
GENERATORS = (0o171, 0o133, 0o165)
RATE = len(GENERATORS)
_STATES = 1 << (CONSTRAINT - 1)


def coded_length(message_bits: int) -> int:
    """Coded bits for a message of `message_bits` (tail included)."""
    return (message_bits + CONSTRAINT - 1) * RATE


def _parity(value: int) -> int:
    return bin(value).count("1") & 1


def _outputs(register: int) -> list[int]:
    return [_parity(register & generator) for generator in GENERATORS]


def encode(bits: list[int]) -> list[int]:
    """The coded bits of `bits` followed by CONSTRAINT-1 zero tail bits."""
    register, out = 0, []
    for bit in [*bits, *([0] * (CONSTRAINT - 1))]:
        register = ((register << 1) | (1 if bit else 0)) & ((1 << CONSTRAINT) - 1)
        out.extend(_outputs(register))
    return out


def _trellis() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every next state: its two predecessor states, the input bit, the +-1 outputs."""
    import numpy as np

    predecessors = np.zeros((_STATES, 2), dtype=np.int64)
    signs = np.zeros((_STATES, 2, RATE), dtype=np.float32)
    inputs = np.zeros(_STATES, dtype=np.int64)
    for state in range(_STATES):
        bit = state & 1
        inputs[state] = bit
        for branch, high in enumerate((0, 1)):
            previous = (state >> 1) | (high << (CONSTRAINT - 2))
            register = (previous << 1) | bit
            predecessors[state, branch] = previous
            signs[state, branch] = [2 * value - 1 for value in _outputs(register)]
    return predecessors, inputs, signs


_TRELLIS: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def viterbi(soft: np.ndarray, message_bits: int) -> list[int]:
    """Most likely message for soft values `soft` (> 0 means 1), maximising correlation."""
    import numpy as np

    global _TRELLIS
    if _TRELLIS is None:
        _TRELLIS = _trellis()
    predecessors, inputs, signs = _TRELLIS
    steps = message_bits + CONSTRAINT - 1
    soft = np.asarray(soft, dtype=np.float32).reshape(steps, RATE)
    metric = np.full(_STATES, -np.inf, dtype=np.float32)
    metric[0] = 0.0
    choices = np.zeros((steps, _STATES), dtype=np.int8)
    for step in range(steps):
        branch = signs @ soft[step]  # (states, 2)
        candidates = metric[predecessors] + branch
        best = np.argmax(candidates, axis=1)
        choices[step] = best
        metric = candidates[np.arange(_STATES), best]
    state, bits = 0, []
    for step in range(steps - 1, -1, -1):
        bits.append(int(inputs[state]))
        state = int(predecessors[state, choices[step, state]])
    bits.reverse()
    return bits[:message_bits]


__all__ = ["CONSTRAINT", "GENERATORS", "RATE", "coded_length", "encode", "viterbi"]
