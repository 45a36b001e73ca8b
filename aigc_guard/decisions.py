"""From check results to one decision, as the policy says.

Kept apart from the guard so the rule is easy to read and to test: every
failed check asks for its policy's `on_fail` action, the strictest action
wins, and REGENERATE becomes BLOCK when no attempt is left (or when the
output is a file that cannot be drawn again).
"""

from __future__ import annotations

from dataclasses import dataclass

from aigc_guard.artifacts import CheckResult, Decision, strictest
from aigc_guard.policy import Policy


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reasons: tuple[str, ...]


def decide(results: list[CheckResult], policy: Policy, *, can_regenerate: bool) -> Verdict:
    """Combine check results into one decision with human-readable reasons."""
    asked: list[Decision] = []
    reasons: list[str] = []
    for result in results:
        if result.passed or result.skipped:
            continue
        action = policy.on_fail(result.check)
        asked.append(action)
        reasons.append(f"{result.check} failed -> {action.value}: {summarize(result)}")
    decision = strictest(asked)
    if decision is Decision.REGENERATE and not can_regenerate:
        decision = Decision.BLOCK
        reasons.append("no attempt left to regenerate -> block")
    return Verdict(decision=decision, reasons=tuple(reasons))


def summarize(result: CheckResult) -> str:
    """A one-line, PII-free description of why a check failed."""
    details = result.details
    if "distance" in details and "threshold" in details:
        return (
            f"distance {details['distance']:.4f} <= threshold {details['threshold']:.4f}"
            f" to {details.get('nearest_id')}"
        )
    if "entities" in details:
        types = sorted({entity["type"] for entity in details["entities"]})
        return f"{len(details['entities'])} entities ({', '.join(types)})"
    return result.reason or "failed"
