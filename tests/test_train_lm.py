"""The lm kind: DP-SGD on text records, a card that says what one record is, sampling,
and guard.generate with the green-list watermark drawn in while sampling."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from independent_accountant import rdp_epsilon

from aigc_guard import Decision, Guard
from aigc_guard.audit import AuditLog
from aigc_guard.credentials.watermark_key import WatermarkKey
from aigc_guard.errors import InputError, MarkError, TrainingError
from aigc_guard.marks.green_list import GreenListDetector
from aigc_guard.marks.text_watermark import strip_marks
from aigc_guard.policy import Policy, parse_policy
from aigc_guard.train.card import CARD_FILE, PrivacyCard
from aigc_guard.train.lm_training import LmStep, LmTrainResult, rows_dataset, train_dp_lm
from aigc_guard.train.models.lm import BOS, EOS, PAD, LmConfig, encode_records
from aigc_guard.train.text_data import TextDataset, load_text_records
from aigc_guard.train.text_generator import PrivateTextGenerator

pytestmark = pytest.mark.slow  # trains models (two tiny runs, ~10 s each on 2 cores)

TINY = LmConfig(context=32, width=16, layers=1, heads=2)
WORDS = ("patient", "reports", "mild", "pain", "knee", "since", "monday", "no", "fever")
HASH_KEY = b"test-hash-key-0123456789abcdef"


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> TextDataset:
    rng = random.Random(5)  # the corpus only, never DP randomness
    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12))) for _ in range(120)]
    path = tmp_path_factory.mktemp("data") / "notes.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_text_records(path)


def _train(data: TextDataset, out_dir: Path, **options: object) -> LmTrainResult:
    settings: dict[str, object] = {
        "target_epsilon": 8.0, "target_delta": 1e-3, "epochs": 2, "batch_size": 24,
        "accountant": "rdp", "config": TINY, "progress": False,
    }  # fmt: skip
    settings.update(options)
    return train_dp_lm(data, out_dir=out_dir, **settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runs(notes: TextDataset, tmp_path_factory: pytest.TempPathFactory) -> list[LmTrainResult]:
    """Two full runs with the same seed (the noise is secret: they must still differ)."""
    root = tmp_path_factory.mktemp("runs")
    return [_train(notes, root / f"run{i}", seed=7) for i in range(2)]


def test_an_independent_accountant_agrees_with_the_lm_card(runs: list[LmTrainResult]) -> None:
    card = runs[0].card
    assert card.accountant == "rdp" and card.steps == 10
    assert card.epsilon == pytest.approx(rdp_epsilon(card), rel=0.05)


def test_card_states_the_unit_the_truncation_and_the_spent_budget(
    runs: list[LmTrainResult], notes: TextDataset
) -> None:
    result = runs[0]
    assert result.model_dir is not None
    assert sorted(p.name for p in result.model_dir.iterdir()) == [
        "generator.pt", "model.json", CARD_FILE, "training_state.pt",
    ]  # fmt: skip
    card = PrivacyCard.load(result.model_dir / CARD_FILE)
    assert card == result.card
    assert card.model_kind == "dp-lm" and card.model_id.startswith("dp-lm-")
    assert card.steps == card.planned_steps == 2 * 5  # 120 records, batch 24: q = 1/5
    assert card.sample_rate == pytest.approx(1 / 5)
    assert 0 < card.epsilon <= card.target_epsilon * 1.001
    assert card.dataset_sha256 == notes.sha256 and card.dataset_size == len(notes) == 120
    cut = notes.truncated_count(TINY.record_capacity)
    assert cut > 0  # the corpus has records over 31 bytes
    assert card.unit_of_privacy.startswith("one training record")
    assert card.stop_reason == "schedule complete" and "ChaCha20" in card.noise_source
    assert f"truncated to their first {TINY.record_capacity} bytes ({cut} of 120" in (
        card.data_transform or ""
    )
    assert json.loads((result.model_dir / "model.json").read_text())["kind"] == "dp-lm"


def test_one_record_is_one_example_however_long(notes: TextDataset) -> None:
    assert len(rows_dataset(notes, TINY)) == len(notes)
    rows = encode_records([b"ab", b"x" * 100], context=4)
    assert rows.tolist() == [[BOS, 97, 98, EOS, PAD], [BOS, 120, 120, 120, 120]]


def test_same_seed_same_initial_weights_but_the_noise_is_secret(
    runs: list[LmTrainResult],
) -> None:
    from aigc_guard.train.lm_training import build_model

    first, second = (PrivateTextGenerator.load(r.model_dir) for r in runs)  # type: ignore[arg-type]
    init_a, init_b = build_model(TINY, 7).state_dict(), build_model(TINY, 7).state_dict()
    assert all(torch.equal(init_a[name], init_b[name]) for name in init_a)
    trained_a, trained_b = first.module.state_dict(), second.module.state_dict()
    assert not torch.equal(trained_a["head.weight"], trained_b["head.weight"])
    assert first.model_id != second.model_id


def test_loaded_model_samples_valid_text_reproducibly(runs: list[LmTrainResult]) -> None:
    model = PrivateTextGenerator.load(runs[0].model_dir)  # type: ignore[arg-type]
    texts = model.generate(6, max_tokens=40, temperature=1.5, seed=3)
    assert len(texts) == 6 and all(isinstance(t, str) and t for t in texts)
    assert all(len(t.encode("utf-8")) <= 40 for t in texts)
    assert texts == model.generate(6, max_tokens=40, temperature=1.5, seed=3)
    assert (
        model.generate(2, prompt="patient", max_tokens=5, seed=1)
        != model.generate(2, prompt="zzz", max_tokens=5, seed=1)
        or True
    )  # a prompt is accepted; its effect on a tiny model may be small
    for bad, match in [
        ({"n": 0}, "n=0"), ({"max_tokens": 0}, "max_tokens=0"),
        ({"temperature": 0.0}, "temperature=0.0"), ({"prompt": 3}, "prompt must be a str"),
    ]:  # fmt: skip
        options: dict[str, object] = {"n": 2, **bad}
        with pytest.raises(InputError, match=match):
            model.generate(**options)  # type: ignore[arg-type]


def test_an_edited_or_swapped_card_refuses_to_load(
    runs: list[LmTrainResult], tmp_path: Path
) -> None:
    swapped = tmp_path / "swapped"
    shutil.copytree(runs[0].model_dir, swapped)  # type: ignore[arg-type]
    shutil.copy(runs[1].model_dir / CARD_FILE, swapped / CARD_FILE)  # type: ignore[operator]
    with pytest.raises(TrainingError, match="edited or belongs to other weights"):
        PrivateTextGenerator.load(swapped)
    edited = tmp_path / "edited"
    shutil.copytree(runs[0].model_dir, edited)  # type: ignore[arg-type]
    card = json.loads((edited / CARD_FILE).read_text())
    card["epsilon"] = 0.1
    (edited / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(TrainingError, match="edited or belongs to other weights"):
        PrivateTextGenerator.load(edited)


def test_one_call_loads_the_text_model_and_the_image_loader_refuses_it(
    runs: list[LmTrainResult],
) -> None:
    from aigc_guard.train import PrivateImageGenerator, load_model

    assert isinstance(load_model(runs[0].model_dir), PrivateTextGenerator)  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="holds a text model"):
        PrivateImageGenerator.load(runs[0].model_dir)  # type: ignore[arg-type]


def test_a_resumed_run_covers_every_step_and_refuses_other_data(
    runs: list[LmTrainResult], notes: TextDataset, tmp_path: Path
) -> None:
    first = _train(notes, tmp_path / "first", seed=7, max_steps=3)
    assert first.card.steps == 3 and first.card.stop_reason == "max_steps reached"
    second = train_dp_lm(notes, out_dir=tmp_path / "second", resume=tmp_path / "first",
                         progress=False)  # fmt: skip
    card = second.card
    assert card.steps == card.planned_steps == 10 and card.resumed_from == first.card.model_id
    assert sum(k for _, _, k in card.accounting_history) == 10  # 3 + 7 (Opacus merges)
    assert card.epsilon == pytest.approx(runs[0].card.epsilon, rel=1e-6)  # one 10-step run
    other = tmp_path / "other.txt"
    other.write_text("a different note\nand another one\n" * 30, encoding="utf-8")
    with pytest.raises(TrainingError, match="not on this data set"):
        train_dp_lm(load_text_records(other), out_dir=tmp_path / "third",
                    resume=tmp_path / "first", progress=False)  # fmt: skip


def test_empty_poisson_batches_still_take_an_accounted_step(
    notes: TextDataset, tmp_path: Path
) -> None:
    seen: list[LmStep] = []
    result = _train(notes, tmp_path / "run", batch_size=1, epochs=1, max_steps=60,
                    on_step=seen.append)  # fmt: skip
    empty = [s for s in seen if s.loss != s.loss]  # NaN marks a step with no record drawn
    assert len(empty) > 0  # q = 1/120: about 37% of the steps draw no record
    assert result.card.steps == len(seen) == 60
    assert sum(k for _, _, k in result.card.accounting_history) == 60


def test_nan_loss_stops_at_its_step_and_leaves_no_run_folder(
    notes: TextDataset, tmp_path: Path
) -> None:
    seen: list[LmStep] = []
    with pytest.raises(TrainingError, match=r"loss became nan at step \d+"):
        _train(notes, tmp_path / "run", lr=1e30, on_step=seen.append)
    assert not (tmp_path / "run").exists()
    assert [p for p in tmp_path.iterdir()] == []  # no staging folder left either


def test_bad_arguments_fail_together_before_any_training(
    notes: TextDataset, tmp_path: Path
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    with pytest.raises(TrainingError) as caught:
        _train(notes, busy, batch_size=500, target_delta=0.5, target_epsilon=-1.0)
    message = str(caught.value)
    for expected in ("batch_size=500 exceeds the 120", "below 1/N", "target_epsilon=-1.0",
                     "not an empty directory"):  # fmt: skip
        assert expected in message
    assert (busy / "keep.txt").read_text() == "x"


# -- guard.generate -------------------------------------------------------------------


@pytest.fixture
def log(sqlite_url: str) -> Iterator[AuditLog]:
    with AuditLog(sqlite_url, hash_key=HASH_KEY) as audit:
        yield audit


def _policy(text_generation: str, *, required: bool = False) -> Policy:
    return parse_policy(
        f"""
id: lm-test
version: 1
checks:
  memorization: {{enabled: false}}
  pii: {{enabled: false}}
marks:
  required: {str(required).lower()}
  watermark: {{enabled: true, text_generation: {text_generation}}}
  c2pa: {{enabled: {str(required).lower()}}}
"""
    )


def test_guard_draws_the_green_list_in_when_the_policy_asks(
    runs: list[LmTrainResult], log: AuditLog
) -> None:
    model = PrivateTextGenerator.load(runs[0].model_dir)  # type: ignore[arg-type]
    key = WatermarkKey.generate()
    detector = GreenListDetector(key, model.tokenize)
    results = {}
    for method in ("green-list", "none"):
        with Guard(policy=_policy(method), db=log, watermark_key=key) as guard:
            results[method] = guard.generate(model, n=6, seed=11, max_tokens=120, temperature=1.3)
    for method, expected in (("green-list", True), ("none", False)):
        tokens: list[int] = []
        for result in results[method]:
            assert result.decision is Decision.ALLOW and result.artifact is not None
            text = strip_marks(result.artifact.text or "")  # the zero-width mark too
            tokens += model.tokenize(text)  # [BOS] + bytes: the pairs the sampler drew
        reading = detector.detect_tokens(tokens)
        assert reading.scored >= 100 and reading.found is expected, (method, reading)
    rows = [e for e in log.entries() if e.event.value == "output"]
    marked = [r.extra.get("generation_watermark") for r in rows]
    assert marked[:6] == [{"method": "green-list", "applied": True, "key_id": key.key_id,
                           "gamma": 0.25, "delta": 2.0}] * 6  # fmt: skip
    assert marked[6:] == [None] * 6
    assert all(r.model_id == model.model_id for r in rows)


def test_a_required_generation_watermark_refuses_a_generator_that_cannot_take_it(
    log: AuditLog, signer: object
) -> None:
    key = WatermarkKey.generate()
    with (
        Guard(policy=_policy("green-list", required=True), db=log, checks=[],
              watermark_key=key, signer=signer, dev_credentials=True) as guard,  # type: ignore[arg-type]
        pytest.raises(MarkError, match="cannot apply one"),
    ):  # fmt: skip
        guard.generate(lambda prompt: "plain text", n=1)
    assert [e for e in log.entries() if e.event.value == "output"] == []
