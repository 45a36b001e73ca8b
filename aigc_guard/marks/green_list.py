"""A keyed green-list text watermark (Kirchenbauer et al. 2023) for models we run.

While a model generates, `GreenListProcessor` adds `delta` to the logits of a
keyed "green" share `gamma` of the vocabulary, a different share after every
token (the previous token seeds it). Text written that way holds far more green
tokens than the gamma share that any text written without the key holds, and
`GreenListDetector` counts them: z = (green - gamma*T) / sqrt(T*gamma*(1-gamma))
over the T scored tokens, with a one-sided p-value. It needs the key and the
model's tokenizer, never the model.

- **Keyed.** Green lists come from ChaCha20 keystreams under HMAC-SHA256(key,
  previous token): without the key they cannot be computed (forging a mark means
  learning the lists from many marked texts: a known limit of this scheme).
- **Interface.** `processor(input_ids, scores) -> scores`, the contract of
  transformers' `generate(logits_processor=[...])`, on torch tensors or numpy
  arrays, so any model that exposes next-token logits can use it.
- **Repeats.** Only the first occurrence of each (previous, current) pair is
  scored, so repetitive text cannot inflate z (Kirchenbauer et al., reliability
  follow-up, 2023).
- **No payload.** It says "written by a model holding this key", not which output:
  the audit row is found through the C2PA sidecar or the zero-width mark.
  It cannot be added to text after the fact, which is why it is not a registered
  `Watermarker` (those mark finished outputs).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import MarkError

if TYPE_CHECKING:
    import numpy as np

    from aigc_guard.credentials.watermark_key import WatermarkKey

DEFAULT_GAMMA = 0.25
DEFAULT_DELTA = 2.0
DEFAULT_Z_THRESHOLD = 4.0  # one-sided p = 3.2e-5 under the null
_BLOCK = 64  # ChaCha20 block size in bytes; 16 uint32 values per block


@dataclass(frozen=True)
class GreenListReading:
    """What the detector found: `found` when z >= threshold."""

    found: bool
    z_score: float
    p_value: float
    green: int
    scored: int
    gamma: float
    key_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": self.found, "z_score": round(self.z_score, 3), "p_value": self.p_value,
            "green": self.green, "scored": self.scored, "gamma": self.gamma,
            "method": "green-list", "key_id": self.key_id,
        }  # fmt: skip


class GreenList:
    """The keyed partition: which tokens are green after a given previous token."""

    def __init__(self, key: WatermarkKey, *, gamma: float = DEFAULT_GAMMA) -> None:
        if not 0.05 <= gamma <= 0.75:
            raise MarkError(
                f"gamma (green share of the vocabulary) must be in [0.05, 0.75], got {gamma}"
            )
        self.key_id = key.key_id
        self.gamma = gamma
        self._secret = key.derive("green-list/v1")
        self._limit = int(gamma * 2**32)

    def _context_key(self, previous: int) -> bytes:
        return hmac.new(self._secret, int(previous).to_bytes(8, "little", signed=True),
                        hashlib.sha256).digest()  # fmt: skip

    def mask(self, previous: int, vocab_size: int) -> np.ndarray:
        """Boolean mask of the green tokens among `vocab_size` after token `previous`."""
        return _mask(self._secret, self._limit, int(previous), int(vocab_size))

    def is_green(self, previous: int, token: int) -> bool:
        """One token's colour without building the whole mask (the detector's path)."""
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

        block, offset = divmod(int(token) * 4, _BLOCK)
        nonce = block.to_bytes(4, "little") + b"\0" * 12
        stream = Cipher(algorithms.ChaCha20(self._context_key(previous), nonce), mode=None)
        word = stream.encryptor().update(b"\0" * _BLOCK)[offset : offset + 4]
        return int.from_bytes(word, "little") < self._limit


@functools.lru_cache(maxsize=256)
def _mask(secret: bytes, limit: int, previous: int, vocab_size: int) -> np.ndarray:
    import numpy as np
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    context = hmac.new(secret, previous.to_bytes(8, "little", signed=True), hashlib.sha256)
    cipher = Cipher(algorithms.ChaCha20(context.digest(), b"\0" * 16), mode=None)
    words = np.frombuffer(cipher.encryptor().update(b"\0" * (4 * vocab_size)), dtype="<u4")
    mask = words < limit
    mask.flags.writeable = False
    return mask


class GreenListProcessor:
    """Logits processor: `processor(input_ids, scores) -> scores` with green logits raised.

    `input_ids` is (batch, length) and `scores` (batch, vocab), torch tensors (as in
    transformers' `generate(logits_processor=LogitsProcessorList([processor]))`) or
    numpy arrays. Rows with no previous token are left unchanged.
    """

    def __init__(self, key: WatermarkKey, *, gamma: float = DEFAULT_GAMMA,
                 delta: float = DEFAULT_DELTA) -> None:  # fmt: skip
        if not 0.0 < delta <= 20.0:
            raise MarkError(f"delta (logit bias of green tokens) must be in (0, 20], got {delta}")
        self.green_list = GreenList(key, gamma=gamma)
        self.delta = float(delta)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        rows = _as_numpy(input_ids)
        if rows.ndim != 2 or rows.shape[1] == 0:
            return scores
        vocab = int(scores.shape[-1])
        bias = np.stack([self.green_list.mask(int(row[-1]), vocab) for row in rows])
        bias = bias.astype(np.float32) * self.delta
        if hasattr(scores, "new_tensor"):  # torch: stay on the scores' device and dtype
            return scores + scores.new_tensor(bias)
        return scores + bias.astype(scores.dtype)


class GreenListDetector:
    """z-score and p-value of a text's green tokens under one key and tokenizer."""

    def __init__(
        self,
        key: WatermarkKey,
        tokenize: Callable[[str], Sequence[int]],
        *,
        gamma: float = DEFAULT_GAMMA,
        z_threshold: float = DEFAULT_Z_THRESHOLD,
        min_tokens: int = 16,
    ) -> None:
        self.green_list = GreenList(key, gamma=gamma)
        self.tokenize = tokenize
        self.z_threshold = z_threshold
        self.min_tokens = min_tokens

    def detect(self, text: str) -> GreenListReading:
        if not isinstance(text, str):
            raise MarkError(f"expected text (str), got {type(text).__name__}")
        return self.detect_tokens(list(self.tokenize(text)))

    def detect_tokens(self, tokens: Sequence[int]) -> GreenListReading:
        seen: set[tuple[int, int]] = set()
        green = 0
        for previous, token in itertools.pairwise(tokens):
            pair = (int(previous), int(token))
            if pair in seen:
                continue
            seen.add(pair)
            green += self.green_list.is_green(*pair)
        scored, gamma = len(seen), self.green_list.gamma
        if scored == 0:
            z = 0.0
        else:
            z = (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma))
        p_value = 0.5 * math.erfc(z / math.sqrt(2))
        found = scored >= self.min_tokens and z >= self.z_threshold
        return GreenListReading(
            found=found,
            z_score=z,
            p_value=p_value,
            green=green,
            scored=scored,
            gamma=gamma,
            key_id=self.green_list.key_id,
        )


def _as_numpy(values: Any) -> np.ndarray:
    import numpy as np

    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


__all__ = ["GreenList", "GreenListDetector", "GreenListProcessor", "GreenListReading"]
