"""The interface every check implements: look at one artifact, report a CheckResult.

A check wraps one library and knows nothing of the others. It is built from its
own section of the policy (`settings_model`, validated at policy load time) and
reports, when it fails, a one-line summary and the action its settings ask for.
Checks that can repair what they find (PII redaction) also implement `Redactor`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from aigc_guard.artifacts import Artifact, CheckResult, Decision
from aigc_guard.errors import PluginError

if TYPE_CHECKING:
    from aigc_guard.index import FingerprintIndex

Action = Literal["allow", "redact", "regenerate", "block"]
SettingsT = TypeVar("SettingsT", bound="CheckSettings")


class CheckSettings(BaseModel):
    """One check's section of a policy. Subclasses add their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    on_fail: Action = "block"


def settings_of(settings: CheckSettings, model: type[SettingsT], *, check: str) -> SettingsT:
    """`settings` as the check's own settings model, or PluginError (a mismatched policy)."""
    if not isinstance(settings, model):
        raise PluginError(
            f"check {check!r}: expected {model.__name__} settings, got {type(settings).__name__}"
        )
    return settings


@dataclass(frozen=True)
class CheckContext:
    """What a check may need besides its settings, given by whoever builds the suite.

    `indexes` maps an artifact kind ("image", "text") to its fingerprint index (or
    the index folder). `secret` is a key for checks that pseudonymise (PII's `hash`
    redaction); the guard passes its audit hash key, each check derives its own key.
    """

    policy_id: str = "<none>"
    indexes: Mapping[str, FingerprintIndex | Any] = field(default_factory=dict)
    secret: bytes | None = field(default=None, repr=False)


class Check(ABC):
    """Inspect an artifact; never modify it.

    Class attributes: `name` (the policy section and registry name), `version`
    (recorded with every result), `settings_model` (its policy section) and
    `enabled_by_default` (built-ins only: an installed plug-in never switches itself on).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    settings_model: ClassVar[type[CheckSettings]] = CheckSettings
    enabled_by_default: ClassVar[bool] = False

    def __init__(self, *, on_fail: Action | Decision = "block") -> None:
        self.on_fail = Decision(on_fail)

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        """Build the check a policy asks for; None when there is nothing to run."""

    @abstractmethod
    def inspect(self, artifact: Artifact) -> CheckResult:
        """Return the result for `artifact` (skipped=True when it does not apply)."""

    def close(self) -> None:  # noqa: B027 - optional hook, most checks hold nothing
        """Release resources; idempotent."""

    # -- helpers for subclasses ---------------------------------------------------------
    def result(
        self, *, passed: bool, details: dict[str, Any] | None = None, summary: str = ""
    ) -> CheckResult:
        """A finished result; a failure carries `summary` and this check's action."""
        return CheckResult(
            check=self.name,
            version=self.version,
            passed=passed,
            details=details or {},
            summary="" if passed else (summary or "failed"),
            action=None if passed else self.on_fail,
        )

    def skipped(self, reason: str) -> CheckResult:
        """A result for an artifact this check does not apply to."""
        return CheckResult(
            check=self.name, version=self.version, passed=True, skipped=True, reason=reason
        )


class PromptScreener(ABC):
    """A check that also reads the prompt (recorded in the audit row, never stored raw)."""

    @abstractmethod
    def inspect_prompt(self, prompt: str) -> CheckResult:
        """What the check finds in `prompt`; JSON-safe, free of the prompt's content."""


class Redactor(ABC):
    """A check that can remove what it found."""

    @abstractmethod
    def redact(self, artifact: Artifact, result: CheckResult) -> Artifact:
        """Return a copy of `artifact` with the findings in `result` removed."""
