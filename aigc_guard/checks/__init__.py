"""Checks run on every output: memorization (near-duplicates of training data) and PII."""

from aigc_guard.checks.base import Check, Redactor

__all__ = ["Check", "Redactor"]
