"""Budget safety: resuming covers every step, a spent budget stops training and says so,
an unreachable target fails before any step, and `aigc-guard budget` sums the audit log's
cards for one data set. Real Opacus, a real SQLite audit log, real c2pa."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aigc_guard.errors import TrainingError
from aigc_guard.train import PrivateImageGenerator, TrainResult, train_dp_gan
from aigc_guard.train.accounting import epsilon_for, steps_within_budget
from aigc_guard.train.budget import spent_on_data
from aigc_guard.train.data import ImageDataset

runner = CliRunner()


def _run(data: ImageDataset, out: Path, **options: object) -> TrainResult:
    settings: dict[str, object] = {"target_delta": 1e-3, "epochs": 2, "batch_size": 20,
                                   "accountant": "rdp", "progress": False}  # fmt: skip
    settings.update(options)
    return train_dp_gan(data, out_dir=out, **settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def resumed(
    small: ImageDataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[TrainResult, TrainResult]:
    """Run A stops after 4 of 20 steps; B resumes it to the end of the schedule."""
    base = tmp_path_factory.mktemp("resume")
    first = _run(small, base / "a", target_epsilon=4.0, max_steps=4)
    return first, train_dp_gan(small, out_dir=base / "b", resume=base / "a", progress=False)


@pytest.mark.slow
def test_a_resumed_card_covers_every_step_ever_taken(
    resumed: tuple[TrainResult, TrainResult],
) -> None:
    first, second = resumed
    a, b = first.card, second.card
    assert a.steps == 4 and a.stop_reason == "max_steps reached"
    assert b.steps == 20 == b.planned_steps and b.stop_reason == "schedule complete"
    assert b.resumed_from == a.model_id
    assert sum(k for _, _, k in b.accounting_history) == 20
    assert (b.noise_multiplier, b.sample_rate, b.delta, b.target_epsilon) == (
        a.noise_multiplier, a.sample_rate, a.delta, a.target_epsilon,
    )  # fmt: skip
    whole = epsilon_for([(a.noise_multiplier, a.sample_rate, 20)], delta=1e-3, accountant="rdp")
    assert b.epsilon == pytest.approx(whole, rel=1e-9)  # as if never stopped
    assert a.epsilon < b.epsilon <= 4.0
    assert b.wall_seconds > a.wall_seconds
    assert PrivateImageGenerator.load(second.model_dir).card == b  # bound and verified


@pytest.mark.slow
def test_training_stops_when_the_budget_is_spent_and_then_refuses(
    resumed: tuple[TrainResult, TrainResult], small: ImageDataset, tmp_path: Path
) -> None:
    stopped = resumed[0]  # 4 of 20 steps; ask for 6 epochs (60 steps) on the same budget
    longer = train_dp_gan(small, out_dir=tmp_path / "c", resume=stopped.model_dir, epochs=6,
                          progress=False)  # fmt: skip
    card = longer.card
    assert card.stop_reason == "budget spent: one more step would pass target_epsilon"
    assert card.steps == resumed[1].card.steps == 20 and card.planned_steps == 60
    assert card.epsilon <= card.target_epsilon == 4.0
    one_more = epsilon_for([(card.noise_multiplier, card.sample_rate, card.steps + 1)],
                           delta=card.delta, accountant="rdp")  # fmt: skip
    assert one_more > card.target_epsilon
    with pytest.raises(TrainingError, match="the budget is spent"):
        train_dp_gan(small, out_dir=tmp_path / "d", resume=tmp_path / "c", epochs=9,
                     progress=False)  # fmt: skip
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_resume_refuses_other_data_and_an_edited_card(
    resumed: tuple[TrainResult, TrainResult], small: ImageDataset, tmp_path: Path
) -> None:
    first = resumed[0]
    other = ImageDataset(name="flipped", images=small.images[:, ::-1].copy(),
                         labels=small.labels, ids=small.ids)  # fmt: skip
    with pytest.raises(TrainingError, match="not on this data set"):
        train_dp_gan(other, out_dir=tmp_path / "x", resume=first.model_dir, progress=False)
    forged = tmp_path / "forged"
    forged.mkdir()
    for file in first.model_dir.iterdir():
        (forged / file.name).write_bytes(file.read_bytes())
    card = json.loads((forged / "privacy_card.json").read_text())
    card["accounting_history"] = [[card["noise_multiplier"], card["sample_rate"], 1]]
    card["steps"] = 1  # pretend fewer steps were spent, to get more budget
    (forged / "privacy_card.json").write_text(json.dumps(card))
    with pytest.raises(TrainingError, match="edited or belongs to other weights"):
        train_dp_gan(small, out_dir=tmp_path / "y", resume=forged, progress=False)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
def test_an_unreachable_target_fails_before_training(
    small: ImageDataset, tmp_path: Path, accountant: str
) -> None:
    steps: list[object] = []
    with pytest.raises(TrainingError, match=r"target epsilon=1e-05 .* cannot be reached: .* "
                       r"even with noise multiplier 1e\+06"):  # fmt: skip
        _run(small, tmp_path / "m", target_epsilon=1e-5, accountant=accountant,
             on_step=steps.append)  # fmt: skip
    assert steps == [] and list(tmp_path.iterdir()) == []


def test_steps_within_budget_is_the_largest_count_that_fits() -> None:
    history = [(1.0, 0.05, 100)]
    budget = epsilon_for([(1.0, 0.05, 300)], delta=1e-5, accountant="rdp")
    allowed = steps_within_budget(history, noise_multiplier=1.0, sample_rate=0.05, wanted=1000,
                                  target_epsilon=budget, delta=1e-5, accountant="rdp")  # fmt: skip
    assert allowed == 200
    fits = steps_within_budget(history, noise_multiplier=1.0, sample_rate=0.05, wanted=50,
                               target_epsilon=budget, delta=1e-5, accountant="rdp")  # fmt: skip
    assert fits == 50


def _card(model_id: str, epsilon: float, **extra: object) -> dict[str, object]:
    return {"model_id": model_id, "dataset_sha256": "a" * 64, "epsilon": epsilon,
            "delta": 1e-5, "guarantee": "record-level (ε, δ)-DP", **extra}  # fmt: skip


def test_spent_on_data_sums_by_basic_composition() -> None:
    cards = [
        _card("m1", 1.0), _card("m2", 2.5), _card("m2", 2.5),  # m2 registered twice
        _card("m3", 3.0, resumed_from="m2"),  # covers m2's steps
        {**_card("other", 9.0), "dataset_sha256": "b" * 64},
    ]  # fmt: skip
    spent = spent_on_data(cards, "a" * 64)
    assert spent.epsilon == pytest.approx(4.0) and spent.delta == pytest.approx(2e-5)
    assert spent.superseded == ["m2"] and spent.bounded
    unbounded = spent_on_data([*cards, _card("r", 1.0, guarantee="none (reproducible noise)")],
                              "a" * 64)  # fmt: skip
    assert not unbounded.bounded and unbounded.no_guarantee == ["r"]


@pytest.mark.slow
def test_budget_command_sums_the_registered_cards(
    resumed: tuple[TrainResult, TrainResult], small: ImageDataset, tmp_path: Path
) -> None:
    from aigc_guard.cli import app
    from aigc_guard.cli.common import open_audit_log
    from aigc_guard.credentials import ensure_dev_keys
    from aigc_guard.train.registration import register_model

    keys, db = tmp_path / "keys", f"sqlite:///{tmp_path / 'audit.db'}"
    ensure_dev_keys(keys)
    third = _run(small, tmp_path / "c", target_epsilon=2.0, max_steps=3)
    with open_audit_log(db, keys) as log:
        for card in (resumed[0].card, resumed[1].card, third.card):
            register_model(log, card)
    result = runner.invoke(app, ["budget", "--data", small.sha256(), "--db", db,
                                 "--keys", str(keys)])  # fmt: skip
    assert result.exit_code == 0, result.output
    total = resumed[1].card.epsilon + third.card.epsilon
    assert f"epsilon={total:.3f}" in result.output
    assert "basic composition over 2 model(s)" in result.output
    assert f"{resumed[0].card.model_id}: resumed by a later run" in result.output


@pytest.mark.slow
def test_a_reproducible_noise_model_never_gets_its_epsilon_into_a_manifest(
    small: ImageDataset, tmp_path: Path
) -> None:
    from aigc_guard import Guard
    from aigc_guard.credentials import ensure_dev_keys
    from aigc_guard.marks.provenance import PRIVACY_LABEL, read_provenance
    from aigc_guard.policy import parse_policy

    debug = _run(small, tmp_path / "debug", max_steps=1, reproducible_noise=True)
    private = _run(small, tmp_path / "private", max_steps=1)
    keys = tmp_path / "keys"
    ensure_dev_keys(keys)
    policy = parse_policy("id: t\nversion: 1\nmarks:\n  watermark:\n    enabled: false\n")
    readings = {}
    with Guard(policy=policy, checks=[], db=f"sqlite:///{tmp_path / 'a.db'}", keys=keys,
               dev_credentials=True) as guard:  # fmt: skip
        for name, run in (("debug", debug), ("private", private)):
            [result] = guard.generate(PrivateImageGenerator.load(run.model_dir), n=1)
            reading = read_provenance(result.data, media_type="image/png")
            readings[name] = reading.assertions[PRIVACY_LABEL]
    assert readings["debug"]["epsilon"] is None and readings["debug"]["delta"] is None
    assert "reproducible noise" in readings["debug"]["guarantee"]
    assert readings["private"]["epsilon"] == pytest.approx(private.card.epsilon)
    assert "not covered" in readings["private"]["covers"]
