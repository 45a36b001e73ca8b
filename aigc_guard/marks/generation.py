"""Watermarks drawn in while text is generated (policy `marks.watermark.text_generation`).

Unlike the registered watermarkers, which mark a finished output, a generation-time
watermark must reach the generator before it samples: the guard hands the
adapter a keyed green-list logits processor (marks.green_list). Only adapters
that declare `takes_logits_processor` can use one; for any other generator the
audit row says the watermark was not applied, and a policy with
`marks.required` refuses to generate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aigc_guard.errors import MarkError

if TYPE_CHECKING:
    from aigc_guard.credentials.watermark_key import WatermarkKey
    from aigc_guard.marks.settings import MarksSettings


def arm_generation_watermark(
    settings: MarksSettings, key: WatermarkKey | None, adapter: Any
) -> dict[str, Any]:
    """Give `adapter` the policy's generation-time watermark; return the audit record."""
    watermark = settings.watermark
    method = watermark.text_generation
    takes_processor = bool(getattr(adapter, "takes_logits_processor", False))
    if takes_processor:
        adapter.generation_watermark = None  # an adapter reused under another policy
    if not watermark.enabled or method == "none":
        return {}
    if not takes_processor:
        if settings.required:
            raise MarkError(
                f"the policy requires marks and asks for a {method} watermark while text is "
                f"generated, but the {getattr(adapter, 'name', type(adapter).__name__)} adapter "
                "cannot apply one (it takes no logits processor)"
            )
        return {"method": method, "applied": False, "reason": "takes no logits processor"}
    if key is None:
        raise MarkError(f"the {method} watermark needs the watermark key (aigc-guard keys)")
    from aigc_guard.marks.green_list import DEFAULT_DELTA, DEFAULT_GAMMA, GreenListProcessor

    adapter.generation_watermark = GreenListProcessor(key, gamma=DEFAULT_GAMMA, delta=DEFAULT_DELTA)
    return {"method": method, "applied": True, "key_id": key.key_id, "gamma": DEFAULT_GAMMA,
            "delta": DEFAULT_DELTA}  # fmt: skip


__all__ = ["arm_generation_watermark"]
