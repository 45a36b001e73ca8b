"""Registries of plug-ins: checks, watermarks and generator adapters, found by name.

Each family has one `Registry`. Built-in plug-ins are declared as
``name -> "module:attribute"`` strings and imported only when first used (so the
registry costs nothing at import time). Third-party packages add plug-ins through
Python entry points, in the groups below, read once on first use:

    [project.entry-points."aigc_guard.checks"]
    my_check = "my_package.checks:MyCheck"

A name can be registered once: a duplicate (two packages, or a package shadowing a
built-in) raises PluginError naming both, instead of one silently winning.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from aigc_guard.errors import PluginError

CHECKS_GROUP = "aigc_guard.checks"
WATERMARKS_GROUP = "aigc_guard.watermarks"
ADAPTERS_GROUP = "aigc_guard.adapters"

T = TypeVar("T")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _import_object(target: str) -> Any:
    """`"package.module:attribute"` -> the object."""
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def subclass_validator(
    family: str, base: type, check: Callable[[str, type], None] | None = None
) -> Callable[[str, Any], Any]:
    """The usual rule for a class plug-in: a concrete subclass of `base` whose `name`
    attribute is its registry name; `check(name, cls)` adds the family's own rules."""

    def validate(name: str, plugin: Any) -> Any:
        if not (isinstance(plugin, type) and issubclass(plugin, base)):
            raise PluginError(f"{family} {name!r}: expected a subclass of {base.__qualname__}")
        if getattr(plugin, "name", None) != name:
            raise PluginError(
                f"{family} {name!r}: its class says name={getattr(plugin, 'name', None)!r}; "
                f"the registry name and {base.__name__}.name must agree"
            )
        missing = sorted(getattr(plugin, "__abstractmethods__", ()))
        if missing:
            raise PluginError(f"{family} {name!r}: {plugin.__name__} lacks {', '.join(missing)}")
        if check is not None:
            check(name, plugin)
        return plugin

    return validate


class Registry(Generic[T]):
    """Name -> plug-in for one family; built-ins lazily imported, entry points read once.

    `validate` is called on every plug-in as it is loaded (see `subclass_validator`) and
    raises PluginError to refuse it.
    """

    def __init__(
        self,
        family: str,
        *,
        group: str,
        builtins: Mapping[str, str],
        validate: Callable[[str, Any], T],
    ) -> None:
        self.family = family
        self.group = group
        self._declared: dict[str, str] = dict(builtins)  # name -> where it comes from
        self._targets: dict[str, str] = dict(builtins)  # name -> "module:attr", not yet loaded
        self._loaded: dict[str, T] = {}
        self._validate = validate
        self._entry_points_read = False

    def register(self, name: str, plugin: Any, *, source: str = "register()") -> T:
        """Add `plugin` under `name`; PluginError when the name is taken."""
        self._read_entry_points()
        checked = self._validate(name, plugin)  # refused plug-ins leave no trace
        self._claim(name, source)
        self._loaded[name] = checked
        return checked

    def unregister(self, name: str) -> None:
        """Remove a plug-in added with `register` (tests, interactive sessions)."""
        self._declared.pop(name, None)
        self._targets.pop(name, None)
        self._loaded.pop(name, None)

    def get(self, name: str) -> T:
        """The plug-in called `name`; PluginError lists the registered names otherwise."""
        self._read_entry_points()
        if name in self._loaded:
            return self._loaded[name]
        target = self._targets.get(name)
        if target is None:
            raise PluginError(
                f"no {self.family} named {name!r}; registered: {', '.join(self.names()) or 'none'}"
            )
        try:
            plugin = _import_object(target)
        except Exception as exc:  # a broken third-party package must name itself
            raise PluginError(
                f"{self.family} {name!r} ({self._declared[name]}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        checked = self._validate(name, plugin)
        self._loaded[name] = checked
        del self._targets[name]
        return checked

    def names(self) -> list[str]:
        self._read_entry_points()
        return sorted(self._declared)

    def __contains__(self, name: object) -> bool:
        self._read_entry_points()
        return name in self._declared

    def __iter__(self) -> Iterator[tuple[str, T]]:
        """Every plug-in, loaded, in name order."""
        for name in self.names():
            yield name, self.get(name)

    def _claim(self, name: str, source: str) -> None:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise PluginError(
                f"{self.family} name {name!r}: expected a letter, then letters, digits, _ . -"
            )
        if name in self._declared:
            raise PluginError(
                f"{self.family} {name!r} is registered twice: by {self._declared[name]} "
                f"and by {source}"
            )
        self._declared[name] = source

    def _read_entry_points(self) -> None:
        if self._entry_points_read:
            return
        self._entry_points_read = True
        from importlib.metadata import entry_points

        for entry in entry_points(group=self.group):
            distribution = getattr(entry.dist, "name", None) or "an unknown distribution"
            self._claim(entry.name, f"entry point {entry.value!r} of {distribution}")
            self._targets[entry.name] = entry.value


__all__ = ["ADAPTERS_GROUP", "CHECKS_GROUP", "WATERMARKS_GROUP", "Registry", "subclass_validator"]
