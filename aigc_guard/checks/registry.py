"""The registry of checks: built-ins by name, third-party checks through entry points.

A policy's `checks:` section names checks from this registry; each is validated
with its own `settings_model` when the policy is loaded. Register a check at run
time with `CHECKS.register("name", MyCheck)` or, from a package, with an entry
point in the group `aigc_guard.checks`.
"""

from __future__ import annotations

from aigc_guard.checks.base import Check, CheckSettings
from aigc_guard.errors import PluginError
from aigc_guard.plugins import CHECKS_GROUP, Registry, subclass_validator


def _has_settings_model(name: str, plugin: type) -> None:
    settings = getattr(plugin, "settings_model", None)
    if not (isinstance(settings, type) and issubclass(settings, CheckSettings)):
        raise PluginError(f"check {name!r}: settings_model must subclass CheckSettings")


CHECKS: Registry[type[Check]] = Registry(
    "check",
    group=CHECKS_GROUP,
    builtins={
        "memorization": "aigc_guard.checks.memorization:MemorizationCheck",
        "pii": "aigc_guard.checks.pii:PiiCheck",
    },
    validate=subclass_validator("check", Check, _has_settings_model),
)

__all__ = ["CHECKS"]
