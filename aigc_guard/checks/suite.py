"""The checks a policy asks for, built once and run together.

Separate from the guard so `inspect` (checks only: nothing marked, nothing
written, no database) needs nothing but a policy and its indexes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import Artifact, CheckResult, Decision
from aigc_guard.checks.base import Check, CheckContext, PromptScreener, Redactor
from aigc_guard.checks.verdict import decide
from aigc_guard.errors import PluginError

if TYPE_CHECKING:
    from aigc_guard.policy import Policy


@dataclass(frozen=True)
class InspectResult:
    """Checks only: nothing marked, nothing written."""

    decision: Decision
    checks: dict[str, CheckResult]
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "checks": {name: result.to_dict() for name, result in self.checks.items()},
            "reasons": list(self.reasons),
        }


class CheckSuite:
    """Owns the checks of one policy; `close()` is idempotent.

    `checks` (instances) replaces the checks the policy would build: pipelines can
    then run with exactly the checks a test or an application chooses. `secret` keys
    the checks that pseudonymise (the guard passes its audit hash key).
    """

    def __init__(
        self,
        policy: Policy,
        *,
        index: Any = None,
        checks: Sequence[Check] | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.policy = policy
        self.checks = (
            _checked_instances(checks)
            if checks is not None
            else build_checks(policy, indexes=_as_indexes(index), secret=secret)
        )

    def run(self, artifact: Artifact) -> dict[str, CheckResult]:
        return {check.name: check.inspect(artifact) for check in self.checks}

    def inspect(self, artifact: Artifact) -> InspectResult:
        """Checks and the decision they lead to; a file cannot be regenerated."""
        results = self.run(artifact)
        verdict = decide(results.values(), can_regenerate=False)
        return InspectResult(decision=verdict.decision, checks=results, reasons=verdict.reasons)

    def inspect_prompt(self, prompt: str) -> dict[str, CheckResult]:
        """What the checks that read prompts find in one (PII: types and positions)."""
        return {
            check.name: check.inspect_prompt(prompt)
            for check in self.checks
            if isinstance(check, PromptScreener)
        }

    def redact(self, artifact: Artifact, results: Mapping[str, CheckResult]) -> Artifact:
        """Let every failed check that can repair its findings do so."""
        for check in self.checks:
            result = results[check.name]
            if isinstance(check, Redactor) and result.failed:
                artifact = check.redact(artifact, result)
        return artifact

    def close(self) -> None:
        for check in self.checks:
            check.close()

    def __enter__(self) -> CheckSuite:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _as_indexes(index: Any) -> dict[str, Any]:
    """`index` as kind -> index: a mapping as given; one index (or folder), or a list of
    them, each under its own kind (two of one kind is an error).

    A folder is loaded here, once, to learn its kind.
    """
    from pathlib import Path

    from aigc_guard.errors import FingerprintIndexError

    if index is None:
        return {}
    if isinstance(index, Mapping):
        return dict(index)
    found: dict[str, Any] = {}
    for item in index if isinstance(index, (list, tuple)) else [index]:
        if isinstance(item, (str, Path)):
            from aigc_guard.index import load_index

            item = load_index(item)
        kind = str(getattr(item, "kind", "image"))
        if kind in found:
            raise FingerprintIndexError(
                f"two {kind} indexes given; pass one index per kind (image, text)"
            )
        found[kind] = item
    return found


def build_checks(
    policy: Policy, *, indexes: Mapping[str, Any] | None = None, secret: bytes | None = None
) -> list[Check]:
    """Instantiate every check the policy enables, through the check registry."""
    from aigc_guard.checks.registry import CHECKS

    context = CheckContext(policy_id=policy.id, indexes=dict(indexes or {}), secret=secret)
    checks: list[Check] = []
    for name, settings in policy.checks.enabled():
        check = CHECKS.get(name).from_settings(settings, context)
        if check is not None:
            checks.append(check)
    return checks


def _checked_instances(checks: Sequence[Check]) -> list[Check]:
    chosen = list(checks)
    for check in chosen:
        if not isinstance(check, Check):
            raise PluginError(f"checks: expected Check instances, got {type(check).__name__}")
    names = [check.name for check in chosen]
    if len(names) != len(set(names)):
        raise PluginError(f"checks: each check may appear once, got {names}")
    return chosen


__all__ = ["CheckSuite", "InspectResult", "build_checks"]
