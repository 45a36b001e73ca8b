"""The registry of checks: built-ins by name, third-party checks through entry points.

A policy's `checks:` section names checks from this registry; each is validated
with its own `settings_model` when the policy is loaded. Register a check at run
time with `CHECKS.register("name", MyCheck)` or, from a package, with an entry
point in the group `aigc_guard.checks`.
"""

from __future__ import annotations

from typing import Any

from aigc_guard.checks.base import Check, CheckSettings
from aigc_guard.errors import PluginError
from aigc_guard.plugins import CHECKS_GROUP, Registry


def _validate_check(name: str, plugin: Any) -> type[Check]:
    """A check plug-in is a concrete Check subclass whose `name` is its registry name."""
    if not (isinstance(plugin, type) and issubclass(plugin, Check)):
        raise PluginError(f"check {name!r}: expected a subclass of aigc_guard.checks.Check")
    if getattr(plugin, "name", None) != name:
        raise PluginError(
            f"check {name!r}: its class says name={getattr(plugin, 'name', None)!r}; "
            "the registry name and Check.name must agree"
        )
    settings = getattr(plugin, "settings_model", None)
    if not (isinstance(settings, type) and issubclass(settings, CheckSettings)):
        raise PluginError(f"check {name!r}: settings_model must subclass CheckSettings")
    if getattr(plugin, "__abstractmethods__", None):
        missing = ", ".join(sorted(plugin.__abstractmethods__))
        raise PluginError(f"check {name!r}: {plugin.__name__} does not implement {missing}")
    return plugin


CHECKS: Registry[type[Check]] = Registry(
    "check",
    group=CHECKS_GROUP,
    builtins={
        "memorization": "aigc_guard.checks.memorization:MemorizationCheck",
        "pii": "aigc_guard.checks.pii.check:PiiCheck",
    },
    validate=_validate_check,
)

__all__ = ["CHECKS"]
