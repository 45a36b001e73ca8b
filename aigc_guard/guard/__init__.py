"""The guarded pipeline: `Guard` (pipeline.py), what it returns (results.py), and the one
place that builds a guard from settings (settings.py), used by the Python API, the CLI
and the demo alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.guard.pipeline import Guard
    from aigc_guard.guard.results import GuardResult, summarize
    from aigc_guard.guard.settings import GuardSettings

__all__ = ["Guard", "GuardResult", "GuardSettings", "summarize"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Guard": "aigc_guard.guard.pipeline",
        "GuardResult": "aigc_guard.guard.results",
        "summarize": "aigc_guard.guard.results",
        "GuardSettings": "aigc_guard.guard.settings",
    },
)
