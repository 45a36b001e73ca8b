"""Load a trained DP language model (`lm` kind) and sample text records from it.

Loading checks that model.json, generator.pt and privacy_card.json belong together
(the weights must hash to the card's model_id). Sampling is byte by byte and only
ever emits valid UTF-8 (a byte that would break the encoding gets no probability),
so every output is a str the guard accepts. Sampling is post-processing of the
private weights: it costs no privacy, and `seed` may make it reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import InputError, TrainingError
from aigc_guard.train.card import CARD_FILE, PrivacyCard, read_json, verify_card
from aigc_guard.train.rundir import CONFIG_FILE, WEIGHTS_FILE, load_weights_into

if TYPE_CHECKING:
    import torch
    from torch import nn

    from aigc_guard.train.models.lm import LmConfig

DEFAULT_MAX_TOKENS = 200
MAX_TOKENS_LIMIT = 100_000
LogitsProcessor = Callable[[Any, Any], Any]  # (input_ids, scores) -> scores


class PrivateTextGenerator:
    """A DP-trained byte-level language model with its privacy card."""

    def __init__(self, module: nn.Module, *, card: PrivacyCard, config: LmConfig) -> None:
        self._module = module.eval()
        self._card = card
        self._config = config
        #: Applied to the next-token logits at every step, e.g. a GreenListProcessor.
        self.logits_processors: list[LogitsProcessor] = []

    @property
    def card(self) -> PrivacyCard:
        return self._card

    @property
    def model_id(self) -> str:
        return self._card.model_id

    @property
    def config(self) -> LmConfig:
        return self._config

    @property
    def module(self) -> nn.Module:
        return self._module

    @classmethod
    def load(cls, model_dir: Path) -> PrivateTextGenerator:
        """Load a run folder; TrainingError names a missing, bad or mismatched file."""

        from aigc_guard.train.models.lm import ByteLM, LmConfig

        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise TrainingError(f"model directory not found: {model_dir}")
        config_path = model_dir / CONFIG_FILE
        config = LmConfig.from_json(
            read_json(config_path, what="model config"), source=str(config_path)
        )
        card = PrivacyCard.load(model_dir / CARD_FILE)
        module = ByteLM(config)
        load_weights_into(
            module, model_dir / WEIGHTS_FILE, config_path=config_path, what="model weights"
        )
        verify_card(card, module.state_dict(), source=str(model_dir))
        return cls(module, card=card, config=config)

    def generate(
        self,
        n: int,
        *,
        prompt: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = 1.0,
        seed: int | None = None,
        logits_processors: Sequence[LogitsProcessor] = (),
    ) -> list[str]:
        """n texts continuing `prompt` (the prompt itself is not part of them).

        Each stops at the model's end-of-record token or after `max_tokens` bytes.
        """
        import torch

        _check_options(n, prompt, max_tokens, temperature)
        start = list(prompt.encode("utf-8")) if prompt else []
        processors = [*self.logits_processors, *logits_processors]
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        with torch.inference_mode():
            rows = sample_bytes(
                self._module, self._config, n, start=start, max_tokens=max_tokens,
                temperature=temperature, generator=generator, processors=processors,
            )  # fmt: skip
        return [bytes(row).decode("utf-8") for row in rows]

    def tokenize(self, text: str) -> list[int]:
        """The token ids of `text` as the model saw it (for watermark detection)."""
        from aigc_guard.train.models.lm import BOS

        return [BOS, *text.encode("utf-8")]


def _check_options(n: object, prompt: object, max_tokens: object, temperature: object) -> None:
    problems = []
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        problems.append(f"n={n!r}: must be a positive integer")
    if prompt is not None and not isinstance(prompt, str):
        problems.append(f"prompt must be a str, got {type(prompt).__name__}")
    elif isinstance(prompt, str):
        try:
            prompt.encode("utf-8")
        except UnicodeEncodeError:
            problems.append("prompt is not valid Unicode (a lone surrogate)")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        problems.append(f"max_tokens={max_tokens!r}: must be an integer")
    elif not 1 <= max_tokens <= MAX_TOKENS_LIMIT:
        problems.append(f"max_tokens={max_tokens}: must be in 1..{MAX_TOKENS_LIMIT:,}")
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not math.isfinite(temperature)
        or not 0 < temperature <= 100
    ):
        problems.append(f"temperature={temperature!r}: must be a number in (0, 100]")
    if problems:
        raise InputError("cannot sample text: " + "; ".join(problems))


def sample_bytes(
    module: nn.Module,
    config: LmConfig,
    n: int,
    *,
    start: list[int],
    max_tokens: int,
    temperature: float,
    generator: torch.Generator,
    processors: Sequence[LogitsProcessor] = (),
) -> list[list[int]]:
    """n byte sequences sampled after [BOS] + start, each valid UTF-8 and without EOS."""
    import torch

    from aigc_guard.train.models.lm import BOS, EOS

    history = torch.tensor([[BOS, *start]] * n, dtype=torch.long)
    out: list[list[int]] = [[] for _ in range(n)]
    states = [_Utf8() for _ in range(n)]
    done = [False] * n
    for _ in range(max_tokens):
        window = history[:, -config.context :]
        scores = module(window)[:, -1, :].float() / temperature
        for processor in processors:
            scores = processor(history, scores)
        allowed = torch.stack([state.allowed() for state in states])
        scores = scores.masked_fill(~allowed, -math.inf)
        choice = torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=generator)
        history = torch.cat([history, choice], dim=1)
        for i, token in enumerate(choice[:, 0].tolist()):
            if done[i]:
                continue
            if token == EOS:
                done[i] = True
            else:
                out[i].append(token)
                states[i].push(token)
        if all(done):
            break
    return [row[: len(row) - state.pending] for row, state in zip(out, states, strict=True)]


class _Utf8:
    """Which next byte keeps a byte stream valid UTF-8 (RFC 3629, table 3-7)."""

    def __init__(self) -> None:
        self.pending = 0  # bytes of the current character emitted so far
        self.emitted = 0  # bytes emitted in all: a record is never empty (EOS waits)
        self._need = 0  # continuation bytes still to come
        self._low, self._high = 0x80, 0xBF  # range of the next continuation byte

    def allowed(self) -> torch.Tensor:
        import torch

        from aigc_guard.train.models.lm import EOS, VOCAB_SIZE

        mask = torch.zeros(VOCAB_SIZE, dtype=torch.bool)
        if self._need:
            mask[self._low : self._high + 1] = True
            return mask
        mask[0x00:0x80] = True
        mask[0xC2:0xF5] = True
        mask[EOS] = self.emitted > 0
        return mask

    def push(self, byte: int) -> None:
        self.emitted += 1
        if self._need:
            self._need -= 1
            self.pending = self.pending + 1 if self._need else 0
            self._low, self._high = 0x80, 0xBF
            return
        if byte < 0x80:
            return
        self.pending = 1
        self._need = 1 if byte < 0xE0 else 2 if byte < 0xF0 else 3
        self._low, self._high = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F),
                                  0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}.get(
            byte, (0x80, 0xBF))  # fmt: skip


__all__ = ["PrivateTextGenerator", "sample_bytes"]
