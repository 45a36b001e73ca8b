"""The green-list text watermark with a real transformers model, built offline.

A tiny GPT-2 is built from a config with random weights and a BPE tokenizer is
trained in memory (tests/hf_models.py): nothing is downloaded. Random weights give
high-entropy text, which is easy to mark; benchmarks/text_watermark.py measures a
model of realistic entropy.
"""

from __future__ import annotations

import numpy as np
import pytest

from aigc_guard.credentials.watermark_key import WatermarkKey
from aigc_guard.errors import MarkError
from aigc_guard.marks.green_list import GreenListDetector, GreenListProcessor

pytest.importorskip("transformers")

TOKENS = 120  # the tiny GPT-2 has 128 positions


@pytest.fixture(scope="module")
def model_and_tokenizer() -> tuple:
    from hf_models import tiny_gpt2, tiny_tokenizer

    tokenizer = tiny_tokenizer()
    return tiny_gpt2(tokenizer), tokenizer


def _generate(model_and_tokenizer: tuple, processors: list) -> list[int]:
    import torch
    from transformers import LogitsProcessorList

    model, tokenizer = model_and_tokenizer
    prompt = tokenizer("the patient", return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**prompt, do_sample=True, max_new_tokens=TOKENS, min_new_tokens=TOKENS,
                             logits_processor=LogitsProcessorList(processors))  # fmt: skip
    return [int(t) for t in out[0, prompt["input_ids"].shape[1] :]]


@pytest.mark.slow  # loads a Hugging Face model
def test_marked_generation_is_detected_and_unmarked_is_not(model_and_tokenizer: tuple) -> None:
    key = WatermarkKey.generate()
    _, tokenizer = model_and_tokenizer
    detector = GreenListDetector(key, tokenizer.encode)
    marked = _generate(model_and_tokenizer, [GreenListProcessor(key, delta=3.0)])
    plain = _generate(model_and_tokenizer, [])
    marked_reading = detector.detect_tokens(marked)
    assert marked_reading.found and marked_reading.z_score > 6 and marked_reading.p_value < 1e-9
    assert not detector.detect_tokens(plain).found
    assert (
        not GreenListDetector(WatermarkKey.generate(), tokenizer.encode).detect_tokens(marked).found
    )
    text = tokenizer.decode(marked)
    assert detector.detect(text).z_score > 4  # through text, re-tokenized
    assert detector.detect_tokens(marked[:10]).found is False  # too short to decide


def test_numpy_interface_and_repeats() -> None:
    key = WatermarkKey(b"g" * 32)
    processor = GreenListProcessor(key, gamma=0.25, delta=2.0)
    ids = np.array([[5, 17], [5, 99]])
    scores = np.zeros((2, 400), dtype=np.float32)
    raised = processor(ids, scores)
    assert raised.shape == scores.shape and set(np.unique(raised)) == {0.0, 2.0}
    share = float(np.mean(raised[0] > 0))
    assert 0.18 < share < 0.32  # about gamma of the vocabulary
    assert not np.array_equal(raised[0], raised[1])  # another previous token, another list
    green = [t for t in range(400) if raised[0, t] > 0]
    assert all(processor.green_list.is_green(17, t) for t in green[:20])
    detector = GreenListDetector(key, lambda text: [])
    repeated = [17, green[0]] * 100  # one pair repeated: scored once
    assert detector.detect_tokens(repeated).scored == 2
    with pytest.raises(MarkError, match="gamma"):
        GreenListProcessor(key, gamma=0.9)


@pytest.mark.slow  # loads a Hugging Face model
def test_through_the_guard_and_its_transformers_adapter(
    model_and_tokenizer: tuple, tmp_path: pytest.TempPathFactory
) -> None:
    from transformers import LogitsProcessorList

    from aigc_guard import Guard
    from aigc_guard.credentials import ensure_dev_keys
    from aigc_guard.marks.text_watermark import strip_marks

    model, tokenizer = model_and_tokenizer
    key = WatermarkKey.generate()
    keys = tmp_path / "keys"  # type: ignore[operator]
    ensure_dev_keys(keys)
    options = {"logits_processor": LogitsProcessorList([GreenListProcessor(key, delta=3.0)]),
               "max_new_tokens": TOKENS, "min_new_tokens": TOKENS}  # fmt: skip
    with Guard(policy="default", checks=[], db=f"sqlite:///{tmp_path}/a.db", keys=keys,
               dev_credentials=True) as guard:  # fmt: skip
        [result] = guard.generate(model, n=1, prompt="the patient", tokenizer=tokenizer,
                                  generation_kwargs=options)  # fmt: skip
    text = strip_marks(result.artifact.text)  # the zero-width mark rides along; drop it
    assert GreenListDetector(key, tokenizer.encode).detect(text).found
