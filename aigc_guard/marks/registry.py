"""The registry of watermarks, by the method names a policy uses (`image_method`,
`text_method`): built-ins here, third-party ones through the entry point group
`aigc_guard.watermarks`. The marker embeds with the policy's method; the verifier
asks the registry for every detector of an artifact's kind.
"""

from __future__ import annotations

from typing import Any

from aigc_guard.artifacts import ArtifactKind
from aigc_guard.errors import PluginError
from aigc_guard.marks.base import Watermarker
from aigc_guard.plugins import WATERMARKS_GROUP, Registry


def _validate_watermark(name: str, plugin: Any) -> type[Watermarker]:
    if not (isinstance(plugin, type) and issubclass(plugin, Watermarker)):
        raise PluginError(
            f"watermark {name!r}: expected a subclass of aigc_guard.marks.Watermarker"
        )
    if getattr(plugin, "name", None) != name:
        raise PluginError(
            f"watermark {name!r}: its class says name={getattr(plugin, 'name', None)!r}; "
            "the registry name and Watermarker.name must agree"
        )
    if not isinstance(getattr(plugin, "kind", None), ArtifactKind):
        raise PluginError(f"watermark {name!r}: `kind` must be an ArtifactKind")
    return plugin


WATERMARKS: Registry[type[Watermarker]] = Registry(
    "watermark",
    group=WATERMARKS_GROUP,
    builtins={
        "dwtDctSvd": "aigc_guard.marks.image_watermark:DwtDctSvdWatermarker",
        "zero-width": "aigc_guard.marks.text_watermark:ZeroWidthTextWatermarker",
    },
    validate=_validate_watermark,
)


def watermark_names(kind: ArtifactKind) -> list[str]:
    """The registered watermark methods for artifacts of `kind`."""
    return [name for name, plugin in WATERMARKS if plugin.kind is kind]


__all__ = ["WATERMARKS", "watermark_names"]
