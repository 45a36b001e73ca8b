"""Marks on outputs: invisible watermarks (image, text) and C2PA provenance.

Names are loaded on first use, so `import aigc_guard.marks` pulls in neither
OpenCV/imwatermark nor c2pa; only the module you touch is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.marks.base import Watermarker, WatermarkReading
    from aigc_guard.marks.fingerprint import image_fingerprint
    from aigc_guard.marks.green_list import (
        GreenListDetector,
        GreenListProcessor,
        GreenListReading,
    )
    from aigc_guard.marks.image_watermark import (
        MIN_SIDE,
        DwtDctSvdWatermarker,
        upscale_for_watermark,
    )
    from aigc_guard.marks.keyed_watermark import KeyedTileWatermarker
    from aigc_guard.marks.provenance import (
        C2paProvenance,
        ProvenanceReading,
        SignedContent,
        content_id_from_soft_binding,
        created_action_assertion,
        privacy_assertion,
        read_provenance,
        soft_binding_assertion,
    )
    from aigc_guard.marks.text_watermark import ZeroWidthTextWatermarker

_EXPORTS = {
    "KeyedTileWatermarker": "aigc_guard.marks.keyed_watermark",
    "GreenListDetector": "aigc_guard.marks.green_list",
    "GreenListProcessor": "aigc_guard.marks.green_list",
    "GreenListReading": "aigc_guard.marks.green_list",
    "image_fingerprint": "aigc_guard.marks.fingerprint",
    "Watermarker": "aigc_guard.marks.base",
    "WatermarkReading": "aigc_guard.marks.base",
    "MIN_SIDE": "aigc_guard.marks.image_watermark",
    "DwtDctSvdWatermarker": "aigc_guard.marks.image_watermark",
    "upscale_for_watermark": "aigc_guard.marks.image_watermark",
    "ZeroWidthTextWatermarker": "aigc_guard.marks.text_watermark",
    "C2paProvenance": "aigc_guard.marks.provenance",
    "ProvenanceReading": "aigc_guard.marks.provenance",
    "SignedContent": "aigc_guard.marks.provenance",
    "content_id_from_soft_binding": "aigc_guard.marks.provenance",
    "created_action_assertion": "aigc_guard.marks.provenance",
    "privacy_assertion": "aigc_guard.marks.provenance",
    "read_provenance": "aigc_guard.marks.provenance",
    "soft_binding_assertion": "aigc_guard.marks.provenance",
}

__all__ = [
    "MIN_SIDE",
    "C2paProvenance",
    "DwtDctSvdWatermarker",
    "GreenListDetector",
    "GreenListProcessor",
    "GreenListReading",
    "KeyedTileWatermarker",
    "ProvenanceReading",
    "SignedContent",
    "WatermarkReading",
    "Watermarker",
    "ZeroWidthTextWatermarker",
    "content_id_from_soft_binding",
    "created_action_assertion",
    "image_fingerprint",
    "privacy_assertion",
    "read_provenance",
    "soft_binding_assertion",
    "upscale_for_watermark",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
