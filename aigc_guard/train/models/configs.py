"""What every architecture config shares: positive integer fields, model.json round trips.

Each kind's config is a frozen dataclass; `model.json` stores it with the kind and
a version, and loading refuses another kind, another version, a missing or unknown
field, or a size past `MAX_SIZE` (model.json is read from disk, so it must not be
able to make us allocate gigabytes).
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from typing import Any, TypeVar

from aigc_guard.errors import TrainingError

MAX_SIZE = 1024
T = TypeVar("T")


def integer_problems(config: object, *, limits: dict[str, int]) -> list[str]:
    """Every int field must be a positive integer; those in `limits` at most their limit."""
    problems = []
    for name, value in asdict(config).items():  # type: ignore[call-overload]
        if isinstance(value, (float, str)):  # checked by the config itself
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append(f"{name}={value!r} (must be a positive integer)")
        elif name in limits and value > limits[name]:
            problems.append(
                f"{name}={value} (at most {limits[name]}: a larger network is refused before "
                "it is built)"
            )
    return problems


def image_shape_problems(config: object) -> list[str]:
    """The image kinds draw 28x28 grayscale only (what mnist5k and resized folders give)."""
    problems = []
    if getattr(config, "image_size", None) != 28:
        problems.append(f"image_size={getattr(config, 'image_size', None)} (only 28 is supported)")
    if getattr(config, "channels", None) != 1:
        problems.append(
            f"channels={getattr(config, 'channels', None)} (only 1, grayscale, is supported)"
        )
    return problems


def config_to_json(config: object, *, kind: str, version: int) -> dict[str, Any]:
    return {"kind": kind, "version": version, **asdict(config)}  # type: ignore[call-overload]


def config_from_json(
    cls: type[T], data: dict[str, Any], *, kind: str, version: int, source: str
) -> T:
    """Rebuild a config from model.json; refuse other kinds, versions and field sets."""
    if data.get("kind") != kind or data.get("version") != version:
        raise TrainingError(
            f"{source}: expected kind {kind!r} version {version}, got kind "
            f"{data.get('kind')!r} version {data.get('version')!r}"
        )
    values = {k: v for k, v in data.items() if k not in ("kind", "version")}
    expected = {f.name for f in dataclass_fields(cls)}  # type: ignore[arg-type]
    if set(values) != expected:
        missing, unknown = sorted(expected - set(values)), sorted(set(values) - expected)
        raise TrainingError(f"{source}: missing fields {missing}, unknown fields {unknown}")
    try:
        return cls(**values)
    except TrainingError as exc:
        raise TrainingError(f"{source}: {exc}") from exc
    except TypeError as exc:
        raise TrainingError(f"{source}: {exc}") from exc
