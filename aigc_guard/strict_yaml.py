"""YAML for files from outside: safe tags only, bounded aliases and nesting, no duplicate keys.

PyYAML's `safe_load` stops code execution but not resource exhaustion: a 459-byte
"billion laughs" document (aliases of aliases) loads as a small shared object
graph, and whatever walks it afterwards (validation, an error message quoting the
value) pays for every expansion: 5 GB and a 722 MB message were measured. Nesting
a few hundred brackets deep ends in a RecursionError, and a duplicate key silently
keeps the last value. This loader refuses all three while composing, before any
object is built, and reports the line and column.
"""

from __future__ import annotations

from typing import Any

import yaml

from aigc_guard.errors import truncated

MAX_ALIASES = 10
MAX_DEPTH = 32
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlProblem(Exception):
    """The document cannot be used: `where` is "line L, column C" or "<file>"."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting depth, and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _problem(self.peek_event().start_mark, f"more than {MAX_ALIASES} aliases")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _problem(self.peek_event().start_mark, f"nested deeper than {MAX_DEPTH}")
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *base` overrides on purpose
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                line = first_seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if line is not None:
                raise _problem(
                    key_node.start_mark, f"duplicate key {_short(key)} (first on line {line + 1})"
                )
            first_seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _problem(mark: yaml.Mark | None, message: str) -> YamlProblem:
    return YamlProblem(_where(mark), message)


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "<file>"


def _short(value: Any, limit: int = 60) -> str:
    return truncated(repr(value), limit)


def load_strict(text: str) -> Any:
    """Parse one YAML document under the rules above; YamlProblem says where and why."""
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    except YamlProblem:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlProblem(_where(mark), f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    except (ValueError, OverflowError, TypeError, RecursionError) as exc:
        # e.g. an integer of 5,000 digits, a timestamp out of range
        raise YamlProblem("<file>", f"not valid YAML: {truncated(str(exc), 200)}") from exc
    finally:
        loader.dispose()


__all__ = ["MAX_ALIASES", "MAX_DEPTH", "YamlProblem", "load_strict"]
