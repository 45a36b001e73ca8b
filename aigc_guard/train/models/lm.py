"""A small byte-level causal transformer, shaped for DP-SGD (Opacus per-example gradients).

Every layer is one Opacus has a per-sample gradient rule for (nn.Embedding,
nn.Linear, nn.LayerNorm); attention is plain functional code between Linear
layers (no nn.MultiheadAttention), and the output head is not tied to the
embedding (a shared weight would need both gradients summed per sample).

Tokens are the 256 byte values plus BOS, EOS and PAD, so any UTF-8 text is
representable and no tokenizer is trained on (private) data. One record is one
row: [BOS] + its bytes + [EOS], cut to `context` + 1 tokens.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F  # the torch convention

from aigc_guard.errors import TrainingError

MODEL_KIND = "dp-lm"
MODEL_VERSION = 1
BOS, EOS, PAD = 256, 257, 258
VOCAB_SIZE = 259
IGNORE = -100  # targets at padded positions: no loss
_LIMITS = {"context": 4096, "width": 1024, "layers": 24, "heads": 32}


@dataclass(frozen=True)
class LmConfig:
    """Architecture; saved as model.json beside the weights."""

    context: int = 128
    width: int = 64
    layers: int = 2
    heads: int = 4

    def __post_init__(self) -> None:
        problems = [
            f"{name}={value!r} (must be an integer in 1..{_LIMITS[name]})"
            for name, value in asdict(self).items()
            if not isinstance(value, int)
            or isinstance(value, bool)
            or not 1 <= value <= _LIMITS[name]
        ]
        if not problems and self.width % self.heads:
            problems.append(f"width={self.width} must be a multiple of heads={self.heads}")
        if not problems and self.context < 2:
            problems.append(f"context={self.context} must be at least 2")
        if problems:
            raise TrainingError("invalid LM config: " + "; ".join(problems))

    @property
    def record_capacity(self) -> int:
        """Bytes of a record that fit whole (with its end token); longer ones are cut."""
        return self.context - 1

    def to_json(self) -> dict[str, Any]:
        return {"kind": MODEL_KIND, "version": MODEL_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str) -> LmConfig:
        """Rebuild a config from model.json; refuse other model kinds and versions."""
        if data.get("kind") != MODEL_KIND or data.get("version") != MODEL_VERSION:
            raise TrainingError(
                f"{source}: expected kind {MODEL_KIND!r} version {MODEL_VERSION}, got kind "
                f"{data.get('kind')!r} version {data.get('version')!r}"
            )
        values = {k: v for k, v in data.items() if k not in ("kind", "version")}
        expected = {f.name for f in dataclass_fields(cls)}
        if set(values) != expected:
            missing, unknown = sorted(expected - set(values)), sorted(set(values) - expected)
            raise TrainingError(f"{source}: missing fields {missing}, unknown fields {unknown}")
        return cls(**values)


class CausalSelfAttention(nn.Module):
    """Multi-head causal attention from two Linear layers (Opacus-friendly)."""

    def __init__(self, config: LmConfig) -> None:
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.width, 3 * config.width)
        self.proj = nn.Linear(config.width, config.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)
        shape = (batch, length, self.heads, width // self.heads)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    """Pre-norm transformer block: attention then a GELU MLP, both residual."""

    def __init__(self, config: LmConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(config.width)
        self.attention = CausalSelfAttention(config)
        self.norm2 = nn.LayerNorm(config.width)
        self.up = nn.Linear(config.width, 4 * config.width)
        self.down = nn.Linear(4 * config.width, config.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class ByteLM(nn.Module):
    """forward(tokens (B, T) long) -> next-token logits (B, T, VOCAB_SIZE); T <= context."""

    def __init__(self, config: LmConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(VOCAB_SIZE, config.width)
        self.positions = nn.Embedding(config.context, config.width)
        blocks = [Block(config) for _ in range(config.layers)]
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(config.width)
        self.head = nn.Linear(config.width, VOCAB_SIZE)
        self.apply(_init)
        for block in blocks:  # GPT-2's scaled init of the residual projections
            for layer in (block.attention.proj, block.down):
                nn.init.normal_(layer.weight, std=0.02 / math.sqrt(2 * config.layers))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        batch, length = tokens.shape
        if length > self.config.context:
            raise TrainingError(f"{length} tokens exceed the context of {self.config.context}")
        positions = torch.arange(length, device=tokens.device).expand(batch, length)
        x = self.tokens(tokens) + self.positions(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def _init(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def encode_records(records: list[bytes] | tuple[bytes, ...], context: int) -> torch.Tensor:
    """(N, context + 1) long: [BOS] + bytes + [EOS], cut to context + 1 and padded with PAD."""
    rows = torch.full((len(records), context + 1), PAD, dtype=torch.long)
    for i, record in enumerate(records):
        sequence = [BOS, *record[:context], EOS][: context + 1]
        rows[i, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
    return rows


def split_rows(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-token targets of encoded rows; padded targets are IGNORE."""
    inputs = rows[:, :-1].clone()
    inputs[inputs == PAD] = EOS  # any valid id: its outputs carry no loss
    targets = rows[:, 1:].clone()
    targets[targets == PAD] = IGNORE
    return inputs, targets


def per_record_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(B,) mean cross-entropy over each record's own tokens (each row one record).

    The batch loss is the mean of these, which is what Opacus' loss_reduction="mean"
    assumes: a per-sample gradient is then the gradient of one record's loss.
    """
    token_loss = F.cross_entropy(
        logits.transpose(1, 2), targets, ignore_index=IGNORE, reduction="none"
    )
    counts = (targets != IGNORE).sum(dim=1).clamp(min=1)
    return token_loss.sum(dim=1) / counts


__all__ = [
    "BOS",
    "EOS",
    "MODEL_KIND",
    "PAD",
    "VOCAB_SIZE",
    "ByteLM",
    "LmConfig",
    "encode_records",
    "per_record_loss",
    "split_rows",
]
