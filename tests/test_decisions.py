"""The strictest failed check decides; regenerate becomes block when no attempt is left."""

from __future__ import annotations

from aigc_guard.artifacts import CheckResult, Decision
from aigc_guard.decisions import decide
from aigc_guard.policy import load_policy

POLICY = load_policy("default")


def _memorization(passed: bool) -> CheckResult:
    details = {"distance": 0.01, "threshold": 0.05, "nearest_id": "mnist5k/train/0001"}
    return CheckResult(check="memorization", version="1", passed=passed, details=details)


def _pii(passed: bool) -> CheckResult:
    entities = [] if passed else [{"type": "EMAIL_ADDRESS", "start": 3, "end": 20, "score": 1.0}]
    return CheckResult(check="pii", version="1", passed=passed, details={"entities": entities})


def test_all_passed_allows() -> None:
    verdict = decide([_memorization(True), _pii(True)], POLICY, can_regenerate=True)
    assert verdict.decision is Decision.ALLOW
    assert verdict.reasons == ()


def test_pii_alone_redacts() -> None:
    verdict = decide([_memorization(True), _pii(False)], POLICY, can_regenerate=True)
    assert verdict.decision is Decision.REDACT
    assert "EMAIL_ADDRESS" in verdict.reasons[0]


def test_memorization_regenerates_then_blocks() -> None:
    assert (
        decide([_memorization(False)], POLICY, can_regenerate=True).decision is Decision.REGENERATE
    )
    last = decide([_memorization(False)], POLICY, can_regenerate=False)
    assert last.decision is Decision.BLOCK
    assert any("no attempt left" in reason for reason in last.reasons)


def test_strictest_wins_over_redact() -> None:
    verdict = decide([_pii(False), _memorization(False)], POLICY, can_regenerate=True)
    assert verdict.decision is Decision.REGENERATE
    assert len(verdict.reasons) == 2


def test_skipped_checks_do_not_count() -> None:
    skipped = CheckResult(check="pii", version="1", passed=False, skipped=True, reason="image")
    assert decide([skipped], POLICY, can_regenerate=True).decision is Decision.ALLOW
