"""aigc_guard: run generative AI under privacy and compliance rules.

Importing the package is cheap: torch, Opacus, Presidio, OpenCV and c2pa load
only when the part that needs them is used. The names below resolve lazily.
"""

from __future__ import annotations

import logging

from aigc_guard.lazy import lazy_exports

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_EXPORTS = {
    "Guard": "aigc_guard.guard.pipeline",
    "GuardSettings": "aigc_guard.guard.settings",
    "summarize": "aigc_guard.guard.results",
    "GuardResult": "aigc_guard.guard.results",
    "InspectResult": "aigc_guard.checks.suite",
    "Artifact": "aigc_guard.artifacts",
    "ArtifactKind": "aigc_guard.artifacts",
    "CheckResult": "aigc_guard.artifacts",
    "Decision": "aigc_guard.artifacts",
    "Policy": "aigc_guard.policy",
    "load_policy": "aigc_guard.policy",
    "CheckSuite": "aigc_guard.checks.suite",
    "Verifier": "aigc_guard.verify",
    "AigcGuardError": "aigc_guard.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
