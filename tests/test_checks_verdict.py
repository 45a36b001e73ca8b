"""The strictest failed check decides; regenerate becomes block when no attempt is left.

Each result carries its own action and summary, so the rule knows no check by name.
"""

from __future__ import annotations

from aigc_guard.artifacts import CheckResult, Decision
from aigc_guard.checks.verdict import decide


def _memorization(passed: bool) -> CheckResult:
    return CheckResult(
        check="memorization",
        version="1",
        passed=passed,
        details={"distance": 0.01, "threshold": 0.05},
        summary="" if passed else "distance 0.0100 <= threshold 0.0500 to mnist5k/train/0001",
        action=None if passed else Decision.REGENERATE,
    )


def _pii(passed: bool) -> CheckResult:
    return CheckResult(
        check="pii",
        version="1",
        passed=passed,
        summary="" if passed else "1 entities (EMAIL_ADDRESS)",
        action=None if passed else Decision.REDACT,
    )


def test_all_passed_allows() -> None:
    verdict = decide([_memorization(True), _pii(True)], can_regenerate=True)
    assert verdict.decision is Decision.ALLOW
    assert verdict.reasons == ()


def test_pii_alone_redacts_and_says_why() -> None:
    verdict = decide([_memorization(True), _pii(False)], can_regenerate=True)
    assert verdict.decision is Decision.REDACT
    assert verdict.reasons == ("pii failed -> redact: 1 entities (EMAIL_ADDRESS)",)


def test_memorization_regenerates_then_blocks() -> None:
    assert decide([_memorization(False)], can_regenerate=True).decision is Decision.REGENERATE
    last = decide([_memorization(False)], can_regenerate=False)
    assert last.decision is Decision.BLOCK
    assert any("no attempt left" in reason for reason in last.reasons)


def test_strictest_wins_over_redact() -> None:
    verdict = decide([_pii(False), _memorization(False)], can_regenerate=True)
    assert verdict.decision is Decision.REGENERATE
    assert len(verdict.reasons) == 2


def test_skipped_checks_do_not_count() -> None:
    skipped = CheckResult(check="pii", version="1", passed=False, skipped=True, reason="image")
    assert decide([skipped], can_regenerate=True).decision is Decision.ALLOW


def test_a_failure_without_an_action_blocks() -> None:
    """A third-party check that forgets to say what it wants fails closed."""
    silent = CheckResult(check="custom", version="1", passed=False)
    verdict = decide([silent], can_regenerate=True)
    assert verdict.decision is Decision.BLOCK
    assert verdict.reasons == ("custom failed -> block: failed",)
