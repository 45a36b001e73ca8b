"""The privacy card: round trip, atomic save, and load errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from aigc_guard.errors import TrainingError
from aigc_guard.train.card import (
    RECORD_LEVEL,
    PrivacyCard,
    bind_card,
    compute_model_id,
    verify_card,
)

WEIGHTS = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}


def _fields(**overrides: object) -> dict[str, object]:
    from opacus.accountants import RDPAccountant

    accountant = RDPAccountant()
    accountant.history = [(0.9, 0.032, 100)]
    fields: dict[str, object] = {
        "model_kind": "dp-gan",
        "label_marginal": "uniform public prior",
        "epsilon": accountant.get_epsilon(1e-5),
        "delta": 1e-5,
        "target_epsilon": 10.0,
        "accountant": "rdp",
        "noise_multiplier": 0.9,
        "sample_rate": 0.032,
        "steps": 100,
        "planned_steps": 1600,
        "epochs": 50,
        "batch_size": 125,
        "max_grad_norm": 1.0,
        "accounting_history": [(0.9, 0.032, 100)],
        "stop_reason": "max_steps reached",
        "noise_source": "ChaCha20",
        "dataset_name": "mnist5k/train",
        "dataset_sha256": "a" * 64,
        "dataset_size": 4000,
        "created_at": "2026-01-01T00:00:00+00:00",
        "wall_seconds": 12.5,
        "library_versions": {"opacus": "1.6.0", "torch": "2.13.0+cpu"},
    }
    fields.update(overrides)
    return fields


def _card(**overrides: object) -> PrivacyCard:
    return bind_card(_fields(**overrides), WEIGHTS)


def test_round_trip_keeps_every_field_and_leaves_no_temp_file(tmp_path: Path) -> None:
    card = _card()
    path = tmp_path / "card" / "privacy_card.json"
    card.save(path)
    assert PrivacyCard.load(path) == card
    assert [p.name for p in path.parent.iterdir()] == ["privacy_card.json"]
    data = json.loads(path.read_text())
    assert data["guarantee"] == RECORD_LEVEL
    assert data["schema_version"] == 2
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


def test_model_id_of_weights_alone_ignores_memory_layout() -> None:
    weights = {"a": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.ones(2)}
    same = {"b": torch.ones(2), "a": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    changed = {"a": weights["a"].clone(), "b": torch.tensor([1.0, 1.0001])}
    first = compute_model_id("dp-gan", weights)
    assert first.startswith("dp-gan-") and len(first) == len("dp-gan-") + 16
    assert compute_model_id("dp-gan", same) == first
    assert compute_model_id("dp-gan", changed) != first
    transposed = {"a": weights["a"].t().contiguous().t(), "b": torch.ones(2)}
    assert compute_model_id("dp-gan", transposed) == first  # memory layout does not matter


def test_the_card_is_part_of_the_model_id() -> None:
    card = _card()
    assert card.model_id == compute_model_id("dp-gan", WEIGHTS, card=card.to_dict())
    assert card.model_id != compute_model_id("dp-gan", WEIGHTS)
    assert _card(wall_seconds=13.0).model_id != card.model_id  # any field changes the id
    verify_card(card, WEIGHTS, source="run")  # the genuine card passes


def _edited(card: PrivacyCard, *, rehash: bool, **changes: object) -> PrivacyCard:
    data = {**card.to_dict(), **changes}
    if rehash:  # an attacker who also recomputes the (unkeyed) id
        data["model_id"] = compute_model_id("dp-gan", WEIGHTS, card=data)
    return PrivacyCard.model_validate(data)


@pytest.mark.parametrize("rehash", [False, True])
def test_an_edited_epsilon_is_refused(rehash: bool) -> None:
    forged = _edited(_card(), rehash=rehash, epsilon=0.1)
    expected = "its own accounting inputs give" if rehash else "edited or belongs to other"
    with pytest.raises(TrainingError, match=expected):
        verify_card(forged, WEIGHTS, source="run")


@pytest.mark.parametrize("rehash", [False, True])
def test_edited_steps_are_refused(rehash: bool) -> None:
    card = _card()
    forged = _edited(card, rehash=rehash, steps=10, accounting_history=[(0.9, 0.032, 10)])
    with pytest.raises(TrainingError, match=r"accounting inputs give|edited"):
        verify_card(forged, WEIGHTS, source="run")
    lone = _edited(card, rehash=True, steps=10)  # history left alone: the sums disagree
    with pytest.raises(TrainingError, match="says 10 steps, its accounting history 100"):
        verify_card(lone, WEIGHTS, source="run")


def test_a_card_for_other_weights_is_refused() -> None:
    with pytest.raises(TrainingError, match="edited or belongs to other weights"):
        verify_card(_card(), {"w": WEIGHTS["w"] + 1e-6}, source="run")


def test_an_unbound_schema_1_card_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "privacy_card.json"
    path.write_text(json.dumps({**_card().to_dict(), "schema_version": 1}))
    with pytest.raises(TrainingError, match=r"schema_version 1.*not bound"):
        PrivacyCard.load(path)


@pytest.mark.parametrize("accountant", ["prv", "rdp"])
def test_an_independent_accountant_agrees_within_5_percent(accountant: str) -> None:
    """Google's dp_accounting (PLD and RDP) against the card's Opacus figure."""
    from dp_accounting import dp_event, pld, rdp

    from aigc_guard.train.accounting import epsilon_for

    history = [(0.7, 0.032, 400), (0.9, 0.032, 600)]  # a resumed run: two segments
    stated = epsilon_for(history, delta=1e-5, accountant=accountant)
    events = [
        dp_event.SelfComposedDpEvent(
            dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps
        )
        for sigma, q, steps in history
    ]
    if accountant == "prv":
        independent = pld.PLDAccountant(value_discretization_interval=1e-3)
    else:
        independent = rdp.RdpAccountant()
    independent.compose(dp_event.ComposedDpEvent(events))
    assert stated == pytest.approx(independent.get_epsilon(1e-5), rel=0.05)
