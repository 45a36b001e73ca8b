"""A transformers text generator as a generator: a causal LM (GenerationMixin) with its
tokenizer, or a `pipeline("text-generation")`.

Each output is the generated continuation only (the prompt is not part of it). The
prompt, the seed and `generation_kwargs` (e.g. `max_new_tokens`, `temperature`,
`logits_processor`) pass through; sampling is on unless `do_sample=False` is given.
A seed makes the draw reproducible without touching the caller's global RNG state.
The model's name and hub revision go into the audit row and the C2PA softwareAgent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, generator_errors, to_artifacts
from aigc_guard.adapters.huggingface import has_base, model_name, model_revision
from aigc_guard.artifacts import Artifact
from aigc_guard.errors import GeneratorError, InputError

DEFAULT_MAX_NEW_TOKENS = 64
_RESERVED = ("num_return_sequences", "return_full_text", "input_ids", "attention_mask")


class TransformersAdapter(GeneratorAdapter):
    """Wrap a text-generation pipeline, or a causal LM together with `tokenizer=`."""

    name: ClassVar[str] = "transformers"
    priority: ClassVar[int] = 20

    def __init__(
        self,
        model: Any,
        *,
        tokenizer: Any = None,
        generation_kwargs: Mapping[str, Any] | None = None,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        self._is_pipeline = has_base(model, "transformers", "Pipeline")
        if self._is_pipeline and getattr(model, "task", "text-generation") != "text-generation":
            raise InputError(
                f"a transformers pipeline for {model.task!r} cannot generate outputs; "
                'use pipeline("text-generation", ...)'
            )
        self._model = model
        found = tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
        if found is None:
            raise InputError(
                f"{type(model).__name__} needs its tokenizer: pass tokenizer=... to guard.generate"
            )
        self._tokenizer: Any = found
        kwargs = dict(generation_kwargs or {})
        clash = sorted(set(_RESERVED) & set(kwargs))
        if clash:
            raise InputError(
                f"generation_kwargs may not set {', '.join(clash)}: the guard sets them"
            )
        kwargs.setdefault("max_new_tokens", DEFAULT_MAX_NEW_TOKENS)
        kwargs.setdefault("do_sample", True)
        self._kwargs = kwargs
        network = model.model if self._is_pipeline else model
        config = getattr(network, "config", None)
        if self.model_id is None:
            self.model_id = model_name(network, config)
        if self.model_revision is None:
            self.model_revision = model_revision(config)

    @classmethod
    def matches(cls, generator: Any) -> bool:
        return has_base(generator, "transformers", "Pipeline") or (
            has_base(generator, "transformers", "GenerationMixin") and hasattr(generator, "config")
        )

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        import torch

        with generator_errors(f"model {self.model_id!r}"), torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            make = self._pipeline_texts if self._is_pipeline else self._texts
            texts = make(n, prompt)
        return to_artifacts(texts, expected=n, source=f"model {self.model_id!r}")

    def _start(self, prompt: str | None) -> str:
        """The text to continue: the prompt, else the tokenizer's start-of-text token."""
        if prompt:
            return prompt
        start = getattr(self._tokenizer, "bos_token", None) or getattr(
            self._tokenizer, "eos_token", None
        )
        if not start:
            raise GeneratorError(
                f"model {self.model_id!r}: no prompt given and the tokenizer has no bos/eos token"
            )
        return str(start)

    def _texts(self, n: int, prompt: str | None) -> list[str]:
        import torch

        encoded = self._tokenizer(self._start(prompt), return_tensors="pt")
        pad = getattr(self._tokenizer, "pad_token_id", None)
        if pad is None:
            pad = getattr(self._tokenizer, "eos_token_id", None)
        with torch.no_grad():
            sequences = self._model.generate(
                **encoded, num_return_sequences=n, pad_token_id=pad, **self._kwargs
            )
        continuation = sequences[:, encoded["input_ids"].shape[1] :]
        return list(self._tokenizer.batch_decode(continuation, skip_special_tokens=True))

    def _pipeline_texts(self, n: int, prompt: str | None) -> list[str]:
        outputs = self._model(
            self._start(prompt), num_return_sequences=n, return_full_text=False, **self._kwargs
        )
        texts = [item.get("generated_text") if isinstance(item, dict) else None for item in outputs]
        if not all(isinstance(text, str) for text in texts):
            raise GeneratorError(
                f"pipeline {self.model_id!r} returned {outputs!r:.80}; expected a list of dicts "
                "with 'generated_text'"
            )
        return [str(text) for text in texts]
