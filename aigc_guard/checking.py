"""The checks a policy asks for, built once and run together.

Separate from the guard so `inspect` (checks only: nothing marked, nothing
written, no database) needs nothing but a policy and an index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aigc_guard.artifacts import Artifact, CheckResult
from aigc_guard.checks.base import Check, Redactor
from aigc_guard.decisions import decide
from aigc_guard.errors import AigcGuardError, FingerprintIndexError
from aigc_guard.policy import Policy
from aigc_guard.results import InspectResult


class CheckSuite:
    """Owns the enabled checks of one policy; `close()` is idempotent."""

    def __init__(self, policy: Policy, *, index: Any = None) -> None:
        self.policy = policy
        self.checks = build_checks(policy, index=index)

    def run(self, artifact: Artifact) -> dict[str, CheckResult]:
        return {check.name: check.inspect(artifact) for check in self.checks}

    def inspect(self, artifact: Artifact) -> InspectResult:
        """Checks and the decision they lead to; a file cannot be regenerated."""
        results = self.run(artifact)
        verdict = decide(list(results.values()), self.policy, can_regenerate=False)
        return InspectResult(decision=verdict.decision, checks=results, reasons=verdict.reasons)

    def redact(self, artifact: Artifact, results: dict[str, CheckResult]) -> Artifact:
        """Let every failed check that can repair its findings do so."""
        for check in self.checks:
            result = results[check.name]
            if isinstance(check, Redactor) and not result.passed and not result.skipped:
                artifact = check.redact(artifact, result)
        return artifact

    def close(self) -> None:
        for check in self.checks:
            check.close()

    def __enter__(self) -> CheckSuite:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def build_checks(policy: Policy, *, index: Any = None) -> list[Check]:
    """Instantiate the checks the policy enables; fail closed on a missing index."""
    checks: list[Check] = []
    memorization = policy.checks.memorization
    if memorization.enabled:
        if index is None and memorization.require_index:
            raise FingerprintIndexError(
                f"policy {policy.id!r} runs the memorization check and requires an index "
                "(checks.memorization.require_index); pass an index (build one with "
                "`aigc-guard index build`) or set require_index: false"
            )
        if index is not None:
            from aigc_guard.checks.memorization import MemorizationCheck
            from aigc_guard.index import load_index

            loaded = load_index(index) if isinstance(index, (str, Path)) else index
            threshold = None if memorization.threshold == "calibrated" else memorization.threshold
            checks.append(MemorizationCheck(loaded, threshold=threshold))
    pii = policy.checks.pii
    if pii.enabled:
        from aigc_guard.checks.pii import PiiCheck

        checks.append(
            PiiCheck(
                entities=pii.entities,
                score_threshold=pii.score_threshold,
                spacy_model=pii.spacy_model,
                language=pii.language,
            )
        )
    names = [check.name for check in checks]
    if len(names) != len(set(names)):
        raise AigcGuardError(f"duplicate check names: {names}")
    return checks
