"""The interface every check implements: look at one artifact, report a CheckResult.

A check knows one library and nothing of policies' actions: the guard maps a
failed check to the policy's `on_fail` action. Checks that can repair what they
find (PII redaction) also implement `Redactor`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from aigc_guard.artifacts import Artifact, CheckResult


class Check(ABC):
    """Inspect an artifact; never modify it."""

    name: ClassVar[str]
    version: ClassVar[str]

    @abstractmethod
    def inspect(self, artifact: Artifact) -> CheckResult:
        """Return the result for `artifact` (skipped=True when it does not apply)."""

    def close(self) -> None:  # noqa: B027 - optional hook, most checks hold nothing
        """Release resources; idempotent."""


class Redactor(ABC):
    """A check that can remove what it found."""

    @abstractmethod
    def redact(self, artifact: Artifact, result: CheckResult) -> Artifact:
        """Return a copy of `artifact` with the findings in `result` removed."""
