"""The privacy card: round trip, atomic save, and load errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_guard.errors import TrainingError
from aigc_guard.train.card import RECORD_LEVEL, PrivacyCard, compute_model_id


def _card(**overrides: object) -> PrivacyCard:
    fields: dict[str, object] = {
        "model_id": "dp-gan-0123456789abcdef",
        "model_kind": "dp-gan",
        "epsilon": 3.2,
        "delta": 1e-5,
        "target_epsilon": 10.0,
        "accountant": "prv",
        "noise_multiplier": 0.9,
        "sample_rate": 0.032,
        "steps": 100,
        "planned_steps": 1600,
        "epochs": 50,
        "batch_size": 125,
        "max_grad_norm": 1.0,
        "dataset_name": "mnist5k/train",
        "dataset_sha256": "a" * 64,
        "dataset_size": 4000,
        "created_at": "2026-01-01T00:00:00+00:00",
        "opacus_version": "1.6.0",
        "torch_version": "2.13.0+cpu",
    }
    fields.update(overrides)
    return PrivacyCard(**fields)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field_and_leaves_no_temp_file(tmp_path: Path) -> None:
    card = _card()
    path = tmp_path / "card" / "privacy_card.json"
    card.save(path)
    assert PrivacyCard.load(path) == card
    assert [p.name for p in path.parent.iterdir()] == ["privacy_card.json"]
    data = json.loads(path.read_text())
    assert data["guarantee"] == RECORD_LEVEL
    assert data["schema_version"] == 1
    assert card.stopped_early
    assert not _card(steps=1600).stopped_early


def test_save_replaces_an_existing_card(tmp_path: Path) -> None:
    path = tmp_path / "privacy_card.json"
    _card(epsilon=1.0).save(path)
    _card(epsilon=2.0).save(path)
    assert PrivacyCard.load(path).epsilon == 2.0


def test_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(TrainingError, match=r"not found.*nope\.json"):
        PrivacyCard.load(path)


def test_corrupt_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "privacy_card.json"
    path.write_text('{"epsilon": 1.0,')
    with pytest.raises(TrainingError, match=r"privacy_card\.json is not valid JSON"):
        PrivacyCard.load(path)


def test_invalid_fields_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "privacy_card.json"
    data = _card().to_dict()
    data["epsilon"] = -1.0
    data["accountant"] = "moments"
    data["surprise"] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(TrainingError) as info:
        PrivacyCard.load(path)
    message = str(info.value)
    assert str(path) in message
    for field in ("epsilon", "accountant", "surprise"):
        assert field in message


def test_a_card_is_immutable() -> None:
    card = _card()
    with pytest.raises(ValueError):
        card.epsilon = 0.0  # type: ignore[misc]


def test_model_id_depends_on_weights_only() -> None:
    import torch

    weights = {"a": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.ones(2)}
    same = {"b": torch.ones(2), "a": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    changed = {"a": weights["a"].clone(), "b": torch.tensor([1.0, 1.0001])}
    first = compute_model_id("dp-gan", weights)
    assert first.startswith("dp-gan-") and len(first) == len("dp-gan-") + 16
    assert compute_model_id("dp-gan", same) == first
    assert compute_model_id("dp-gan", changed) != first
    transposed = {"a": weights["a"].t().contiguous().t(), "b": torch.ones(2)}
    assert compute_model_id("dp-gan", transposed) == first  # memory layout does not matter
