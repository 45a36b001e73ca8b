"""One error root for everything aigc_guard raises on purpose.

Each subclass names the thing that went wrong (a file, a field, a row) so the
message alone tells the user what to fix; callers can catch `AigcGuardError`.
"""

from __future__ import annotations

MAX_PROBLEMS = 20
MAX_LINE = 300


def truncated(text: str, limit: int) -> str:
    """`text` cut to `limit` characters (marked "..."): input from outside may be hostile,
    and no error message may grow with it."""
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


class AigcGuardError(Exception):
    """Root of every error this package raises deliberately."""


class PolicyError(AigcGuardError):
    """A policy file is missing, malformed or fails validation.

    `problems` lists every `(field, message)` found, so a user fixes them in one go;
    the message shows the first MAX_PROBLEMS, each line cut to MAX_LINE characters.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [truncated(f"  {field}: {message}", MAX_LINE) for field, message in problems]
        if len(lines) > MAX_PROBLEMS:
            lines = [*lines[:MAX_PROBLEMS], f"  ... and {len(lines) - MAX_PROBLEMS} more"]
        header = truncated(f"invalid policy {source}:", MAX_LINE)
        super().__init__(header + "\n" + "\n".join(lines))


class InputError(AigcGuardError):
    """An input (image, text file, generator output) cannot be used as given."""


class DeliveryError(AigcGuardError):
    """An output folder is unusable, or an output could not be written after its audit
    row was committed (a follow-up `delivery_failed` row then records it)."""


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
    "DeliveryError",
    "DependencyError",
    "FingerprintIndexError",
    "GeneratorError",
    "InputError",
    "MarkError",
    "PluginError",
    "PolicyError",
    "TrainingError",
    "truncated",
]
