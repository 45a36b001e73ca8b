"""The registry of watermarks, by the method names a policy uses (`image_method`,
`text_method`): built-ins here, third-party ones through the entry point group
`aigc_guard.watermarks`. The marker embeds with the policy's method; the verifier
asks the registry for every detector of an artifact's kind.
"""

from __future__ import annotations

from aigc_guard.artifacts import ArtifactKind
from aigc_guard.errors import PluginError
from aigc_guard.marks.base import Watermarker
from aigc_guard.plugins import WATERMARKS_GROUP, Registry, subclass_validator


def _has_kind(name: str, plugin: type) -> None:
    if not isinstance(getattr(plugin, "kind", None), ArtifactKind):
        raise PluginError(f"watermark {name!r}: `kind` must be an ArtifactKind")


WATERMARKS: Registry[type[Watermarker]] = Registry(
    "watermark",
    group=WATERMARKS_GROUP,
    builtins={
        "dwtDctSvd": "aigc_guard.marks.image_watermark:DwtDctSvdWatermarker",
        "zero-width": "aigc_guard.marks.text_watermark:ZeroWidthTextWatermarker",
    },
    validate=subclass_validator("watermark", Watermarker, _has_kind),
)


def watermark_names(kind: ArtifactKind) -> list[str]:
    """The registered watermark methods for artifacts of `kind`."""
    return [name for name, plugin in WATERMARKS if plugin.kind is kind]


__all__ = ["WATERMARKS", "watermark_names"]
