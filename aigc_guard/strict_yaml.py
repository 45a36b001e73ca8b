"""YAML for files from outside: safe tags only, bounded aliases and nesting, no duplicate keys.

PyYAML's `safe_load` stops code execution but not resource exhaustion: a 459-byte
"billion laughs" document (aliases of aliases) loads as a small shared object
graph, and whatever walks it afterwards (validation, an error message quoting the
value) pays for every expansion: 5 GB and a 722 MB message were measured. Nesting
a few hundred brackets deep ends in a RecursionError, and a duplicate key silently
keeps the last value. This loader streams the parser's events first and refuses a
document over its alias, nesting or size budget before anything is composed, then
refuses duplicate keys while building, and reports the line and column.
"""

from __future__ import annotations

from typing import Any

import yaml

from aigc_guard.errors import truncated

MAX_ALIASES = 10
MAX_DEPTH = 32
MAX_NODES = 10_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlProblem(Exception):
    """The document cannot be used: `where` is "line L, column C" or "<file>"."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


# libyaml's parser when PyYAML was built with it (6x faster on large documents).
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate keys (the budgets are checked before it runs)."""

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
        return super().construct_mapping(node, deep=deep)


def _check_budgets(text: str) -> None:
    """Stream the parser's events (no recursion, nothing built) and refuse a document
    over the alias, nesting or size budget before it is composed."""
    aliases = depth = nodes = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _problem(event.start_mark, f"more than {MAX_ALIASES} aliases")
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _problem(event.start_mark, f"nested deeper than {MAX_DEPTH}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _problem(event.start_mark, f"more than {MAX_NODES:,} values")


def _problem(mark: Any, message: str) -> YamlProblem:
    return YamlProblem(_where(mark), message)


def _where(mark: Any) -> str:
    """`mark` is a pure-Python or a libyaml Mark (both have `line` and `column`)."""
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "<file>"


def _short(value: Any, limit: int = 60) -> str:
    return truncated(repr(value), limit)


def load_strict(text: str) -> Any:
    """Parse one YAML document under the rules above; YamlProblem says where and why."""
    loader = None
    try:
        _check_budgets(text)
        loader = _StrictLoader(text)
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
        if loader is not None:
            loader.dispose()


__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_NODES", "YamlProblem", "load_strict"]
