"""Policies are data: what is checked, the thresholds, and what happens on failure.

A policy file is YAML validated by a pydantic schema that fails closed: an
unknown key, a wrong type or an out-of-range value raises PolicyError naming
the file, the field and what was expected, before anything runs.

The schema is assembled from the plug-ins: each registered check contributes its
own section model under `checks:` (a third-party check becomes configurable by
being installed; it only runs when a policy names it), and watermark method names
are resolved against the watermark registry.
"""

from __future__ import annotations

import functools
import hashlib
import json
import reprlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from aigc_guard.checks.base import CheckSettings
from aigc_guard.errors import InputError, PolicyError, truncated
from aigc_guard.limits import InputLimits
from aigc_guard.marks.settings import MarksSettings

DEFAULT_POLICY = "default"
POLICY_SUFFIXES = (".yaml", ".yml")
MAX_POLICY_BYTES = 1_000_000
_BOUNDED_REPR = reprlib.Repr()  # a value quoted in a message: a few items, a few levels
_BOUNDED_REPR.maxlevel, _BOUNDED_REPR.maxstring, _BOUNDED_REPR.maxother = 2, 60, 60


def bundled_policy_dir() -> Path:
    """Where the bundled policies are: inside the installed package (a wheel), or the
    repository's top-level policies/ folder (a source checkout, an editable install)."""
    package = Path(__file__).resolve().parent
    inside = package / "policies"
    return inside if inside.is_dir() else package.parent / "policies"


def bundled_policies() -> list[str]:
    return sorted(path.stem for path in bundled_policy_dir().glob("*.yaml"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChecksPolicy(_Strict):
    """The `checks:` section: one field per registered check (see `policy_model`)."""

    def get(self, name: str) -> CheckSettings | None:
        """The settings of check `name`, or None when the policy does not name it."""
        value = getattr(self, name, None) if name in type(self).model_fields else None
        return value if isinstance(value, CheckSettings) else None

    def items(self) -> Iterator[tuple[str, CheckSettings]]:
        for name in type(self).model_fields:
            settings = self.get(name)
            if settings is not None:
                yield name, settings

    def enabled(self) -> list[tuple[str, CheckSettings]]:
        """(name, settings) of every check the policy switches on, in a stable order."""
        return [(name, settings) for name, settings in self.items() if settings.enabled]


class GenerationPolicy(_Strict):
    max_attempts: int = Field(
        default=3, ge=1, le=20, description="candidates drawn per output before it is blocked"
    )


class Policy(_Strict):
    """A validated policy. Build with `load_policy` or `parse_policy`; `sha256` pins the
    exact content."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    version: int = Field(ge=1)
    description: str = ""
    checks: ChecksPolicy = ChecksPolicy()
    marks: MarksSettings = MarksSettings()
    generation: GenerationPolicy = GenerationPolicy()
    limits: InputLimits = InputLimits()

    @functools.cached_property
    def sha256(self) -> str:
        """Pins the exact validated content; computed once (every audit row records it)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def policy_model() -> type[Policy]:
    """The Policy schema for the checks registered now (built once per set of names)."""
    from aigc_guard.checks.registry import CHECKS

    return _policy_model(tuple(CHECKS.names()))


@functools.lru_cache(maxsize=8)
def _policy_model(names: tuple[str, ...]) -> type[Policy]:
    from aigc_guard.checks.registry import CHECKS

    fields: dict[str, Any] = {}
    for name in names:
        check = CHECKS.get(name)
        model = check.settings_model
        default = model() if check.enabled_by_default else None
        fields[name] = (model | None, default) if default is None else (model, default)
    checks = create_model("ChecksPolicy", __base__=ChecksPolicy, **fields)
    return create_model("Policy", __base__=Policy, checks=(checks, checks()))


def resolve_policy_path(name_or_path: str | Path | None) -> Path:
    """A bundled policy by name (`default`, ...), or a file by path; never one for the other.

    A value with a path separator or a YAML suffix is a path; anything else is a name
    looked up among the bundled policies only (a local file called `default` cannot
    shadow the bundled `default`).
    """
    if name_or_path is None:
        name_or_path = DEFAULT_POLICY
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in text or text.endswith(POLICY_SUFFIXES):
        return Path(name_or_path)
    return bundled_policy_dir() / f"{text}.yaml"


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """Load and validate a policy file; every problem is reported at once."""
    path = resolve_policy_path(name_or_path)
    if not path.is_file():
        bundled = ", ".join(bundled_policies())
        raise PolicyError(str(path), [("<file>", f"no such file (bundled policies: {bundled})")])
    from aigc_guard.loading import read_bounded

    try:
        data = read_bounded(path, max_bytes=MAX_POLICY_BYTES, budget="policy files")
        text = data.decode("utf-8")
    except InputError as exc:
        raise PolicyError(str(path), [("<file>", str(exc).removeprefix(f"{path}: "))]) from exc
    except UnicodeDecodeError as exc:
        where = f"byte offset {exc.start}"
        raise PolicyError(str(path), [(where, f"not UTF-8 text ({exc.reason})")]) from exc
    return parse_policy(text, source=str(path))


def parse_policy(text: str, *, source: str = "<string>") -> Policy:
    """Validate a policy's YAML text (strict YAML: bounded aliases and nesting, no
    duplicate keys; see aigc_guard.strict_yaml)."""
    from aigc_guard.strict_yaml import YamlProblem, load_strict

    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(source, [("<file>", f"longer than {MAX_POLICY_BYTES:,} characters")])
    try:
        data = load_strict(text)
    except YamlProblem as exc:
        raise PolicyError(source, [(exc.where, exc.message)]) from exc
    if not isinstance(data, dict):
        raise PolicyError(source, [("<file>", f"expected a mapping, got {type(data).__name__}")])
    model = policy_model()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_describe(error, model) for error in exc.errors()]) from exc


def _describe(error: Any, model: type[BaseModel]) -> tuple[str, str]:
    """Turn one pydantic error into (dotted field, what was expected and what was found),
    each bounded in length (the input may be hostile)."""
    location = truncated(".".join(str(part) for part in error["loc"]) or "<file>", 120)
    if error["type"] == "extra_forbidden":
        parent = _model_at(model, error["loc"][:-1])
        valid = ", ".join(parent.model_fields) if parent else "?"
        return location, f"unknown key; valid keys here: {valid}"
    found = truncated(_BOUNDED_REPR.repr(error.get("input")), 80)
    return location, f"{truncated(error['msg'], 200)} (got {found})"


def _model_at(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    for part in path:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        candidates = getattr(annotation, "__args__", (annotation,))  # unwrap `Model | None`
        found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not found:
            return None
        model = found[0]
    return model


__all__ = [
    "DEFAULT_POLICY",
    "ChecksPolicy",
    "GenerationPolicy",
    "Policy",
    "bundled_policies",
    "bundled_policy_dir",
    "load_policy",
    "parse_policy",
    "policy_model",
    "resolve_policy_path",
]
