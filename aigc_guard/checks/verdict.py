"""From check results to one decision.

Every failed check asks for an action (its policy section's `on_fail`, or a finer
rule of its own); the strictest action wins; REGENERATE becomes BLOCK when no
attempt is left (or when the output is a file that cannot be drawn again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aigc_guard.artifacts import CheckResult, Decision, strictest


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reasons: tuple[str, ...]


def decide(results: Iterable[CheckResult], *, can_regenerate: bool) -> Verdict:
    """Combine check results into one decision with human-readable, PII-free reasons.

    A failed result without an action blocks: a check that cannot say what it
    wants fails closed.
    """
    asked: list[Decision] = []
    reasons: list[str] = []
    for result in results:
        if not result.failed:
            continue
        action = result.action or Decision.BLOCK
        asked.append(action)
        reasons.append(f"{result.check} failed -> {action.value}: {result.summary or 'failed'}")
    decision = strictest(asked)
    if decision is Decision.REGENERATE and not can_regenerate:
        decision = Decision.BLOCK
        reasons.append("no attempt left to regenerate -> block")
    return Verdict(decision=decision, reasons=tuple(reasons))


__all__ = ["Verdict", "decide"]
