"""diffusers and transformers generators through guard.generate, with tiny models built
from configs (nothing downloaded). The extra `hf` must be installed (`make` installs it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("transformers", reason="install the hf extra: pip install aigc_guard[hf]")
pytest.importorskip("diffusers", reason="install the hf extra: pip install aigc_guard[hf]")

from hf_models import tiny_ddpm, tiny_gpt2, tiny_tokenizer

from aigc_guard import Decision, Guard
from aigc_guard.adapters import as_generator
from aigc_guard.adapters.diffusers_pipeline import DiffusersAdapter
from aigc_guard.adapters.transformers_model import TransformersAdapter
from aigc_guard.artifacts import ArtifactKind
from aigc_guard.audit import AuditLog
from aigc_guard.credentials import SigningCredentials
from aigc_guard.errors import GeneratorError, InputError
from aigc_guard.marks.provenance import ACTIONS_LABEL, read_provenance

pytestmark = pytest.mark.slow  # importing diffusers and transformers takes ~30 s

KEY = b"test-hash-key-0123456789abcdef"


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return tiny_tokenizer()


@pytest.fixture(scope="module")
def gpt2(tokenizer: Any) -> Any:
    return tiny_gpt2(tokenizer)


@pytest.fixture(scope="module")
def ddpm() -> Any:
    return tiny_ddpm()


@pytest.fixture
def log(sqlite_url: str) -> Iterator[AuditLog]:
    with AuditLog(sqlite_url, hash_key=KEY) as audit:
        yield audit


def test_a_gpt2_model_is_picked_automatically_and_needs_its_tokenizer(gpt2: Any) -> None:
    with pytest.raises(InputError, match="needs its tokenizer"):
        as_generator(gpt2)  # before: advice about noise_shape from the torch adapter


def test_model_continuations_are_seeded_and_exclude_the_prompt(gpt2: Any, tokenizer: Any) -> None:
    adapter = as_generator(gpt2, tokenizer=tokenizer, generation_kwargs={"max_new_tokens": 8})
    assert isinstance(adapter, TransformersAdapter)
    first = adapter.produce(2, prompt="the patient", seed=5)
    again = adapter.produce(2, prompt="the patient", seed=5)
    assert [a.kind for a in first] == [ArtifactKind.TEXT, ArtifactKind.TEXT]
    assert [a.text for a in first] == [a.text for a in again]
    assert not any((a.text or "").startswith("the patient") for a in first)


def test_text_generation_pipeline_is_wrapped(gpt2: Any, tokenizer: Any) -> None:
    from transformers import pipeline

    generate = pipeline("text-generation", model=gpt2, tokenizer=tokenizer)
    adapter = as_generator(generate, generation_kwargs={"max_new_tokens": 6})
    assert isinstance(adapter, TransformersAdapter)
    texts = adapter.produce(3, prompt="please call", seed=1)
    assert len(texts) == 3 and all(isinstance(a.text, str) for a in texts)


def test_reserved_generation_options_are_refused(gpt2: Any, tokenizer: Any) -> None:
    with pytest.raises(InputError, match="num_return_sequences"):
        as_generator(gpt2, tokenizer=tokenizer, generation_kwargs={"num_return_sequences": 4})


def test_guarded_gpt2_outputs_record_the_model_name_and_revision(
    gpt2: Any, tokenizer: Any, log: AuditLog, signer: SigningCredentials
) -> None:
    with Guard(policy="default", checks=[], db=log, signer=signer) as guard:
        results = guard.generate(
            gpt2, n=2, prompt="the quick", seed=0, tokenizer=tokenizer, model_id="tiny-gpt2",
            model_revision="rev-0123", generation_kwargs={"max_new_tokens": 8},
        )  # fmt: skip
    assert [r.decision for r in results] == [Decision.ALLOW, Decision.ALLOW]
    entry = log.get(results[0].audit_id)
    assert entry.model_id == "tiny-gpt2" and entry.extra["model_revision"] == "rev-0123"
    reading = read_provenance(
        results[0].data or b"", media_type="text/plain", sidecar=results[0].sidecar
    )
    action = reading.assertions[ACTIONS_LABEL]["actions"][0]
    assert action["softwareAgent"] == {"name": "tiny-gpt2", "version": "rev-0123"}


def test_unconditional_ddpm_pipeline_through_the_guard(
    ddpm: Any, log: AuditLog, signer: SigningCredentials
) -> None:
    adapter = as_generator(ddpm, generation_kwargs={"num_inference_steps": 2})
    assert isinstance(adapter, DiffusersAdapter)
    assert adapter.model_id == "DDPMPipeline"
    with Guard(policy="default", checks=[], db=log, signer=signer) as guard:
        results = guard.generate(
            ddpm, n=2, seed=3, model_id="tiny-ddpm", generation_kwargs={"num_inference_steps": 2}
        )
    assert all(r.delivered and r.artifact is not None for r in results)
    assert results[0].artifact.image.size == (256, 256)  # type: ignore[union-attr]  # upscaled
    entry = log.get(results[1].audit_id)
    assert entry.model_id == "tiny-ddpm" and entry.marks["c2pa"]["signed"] is True


def test_unconditional_pipeline_refuses_a_prompt(ddpm: Any) -> None:
    adapter = as_generator(ddpm, generation_kwargs={"num_inference_steps": 2})
    with pytest.raises(GeneratorError, match="takes no prompt"):
        adapter.produce(1, prompt="a cat", seed=0)


def test_options_an_adapter_does_not_take_are_named(ddpm: Any) -> None:
    with pytest.raises(InputError, match=r"no option 'tokenizer'.*generation_kwargs"):
        as_generator(ddpm, tokenizer=object())
