"""One error root for everything aigc_guard raises on purpose.

Each subclass names the thing that went wrong (a file, a field, a row) so the
message alone tells the user what to fix; callers can catch `AigcGuardError`.
"""

from __future__ import annotations


class AigcGuardError(Exception):
    """Root of every error this package raises deliberately."""


class PolicyError(AigcGuardError):
    """A policy file is missing, malformed or fails validation.

    `problems` lists every `(field, message)` found, so a user fixes them in one go.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"  {field}: {message}" for field, message in problems]
        super().__init__(f"invalid policy {source}:\n" + "\n".join(lines))


class InputError(AigcGuardError):
    """An input (image, text file, generator output) cannot be used as given."""


class GeneratorError(AigcGuardError):
    """The wrapped generator raised or returned something that is not an output."""


class DependencyError(AigcGuardError):
    """An optional dependency or a bundled resource (model, data) is missing."""


class FingerprintIndexError(AigcGuardError):
    """A fingerprint index is missing, corrupt, or built with other parameters."""


class MarkError(AigcGuardError):
    """Embedding or reading a watermark or a C2PA manifest failed."""


class CredentialError(AigcGuardError):
    """Signing credentials are missing, unreadable or unfit for C2PA."""


class PluginError(AigcGuardError):
    """A plug-in (check, watermark, generator adapter) is unknown, registered twice, or broken."""


class AuditError(AigcGuardError):
    """The audit database cannot be reached, written or read."""


class TrainingError(AigcGuardError):
    """DP training cannot start or continue (bad data, model, or privacy budget)."""


__all__ = [
    "AigcGuardError",
    "AuditError",
    "CredentialError",
    "DependencyError",
    "FingerprintIndexError",
    "GeneratorError",
    "InputError",
    "MarkError",
    "PluginError",
    "PolicyError",
    "TrainingError",
]
