"""Checks run on every output: memorization (near-duplicates of training data) and PII.

base.py holds the interface (`Check`, `CheckSettings`, `Redactor`, `PromptScreener`),
registry.py the name -> check registry (entry point group `aigc_guard.checks`), suite.py the runner
that builds a policy's checks, verdict.py the rule that turns results into one
decision; each check lives in its own module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.checks.base import Check, CheckContext, CheckSettings, PromptScreener, Redactor
from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.checks.registry import CHECKS
    from aigc_guard.checks.suite import CheckSuite, InspectResult
    from aigc_guard.checks.verdict import Verdict, decide

__all__ = [
    "CHECKS",
    "Check",
    "CheckContext",
    "CheckSettings",
    "CheckSuite",
    "InspectResult",
    "PromptScreener",
    "Redactor",
    "Verdict",
    "decide",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CHECKS": "aigc_guard.checks.registry",
        "CheckSuite": "aigc_guard.checks.suite",
        "InspectResult": "aigc_guard.checks.suite",
        "Verdict": "aigc_guard.checks.verdict",
        "decide": "aigc_guard.checks.verdict",
    },
)
