"""Keys and credentials: C2PA signing credentials (PEM files, a KMS/HSM callback, a
development CA) and the audit log's hash key, with the home folder they live in.

Nothing here imports `cryptography` until a function that needs it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.credentials.home import home_dir, keys_dir
from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.credentials.dev_ca import (
        DevCredentials,
        ensure_dev_credentials,
        ensure_dev_keys,
    )
    from aigc_guard.credentials.hash_key import HASH_KEY_FILE, load_hash_key
    from aigc_guard.credentials.signing import SigningCredentials
    from aigc_guard.credentials.watermark_key import (
        WatermarkKey,
        create_watermark_key,
        load_watermark_key,
    )

__all__ = [
    "HASH_KEY_FILE",
    "DevCredentials",
    "SigningCredentials",
    "WatermarkKey",
    "create_watermark_key",
    "ensure_dev_credentials",
    "ensure_dev_keys",
    "home_dir",
    "keys_dir",
    "load_hash_key",
    "load_watermark_key",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DevCredentials": "aigc_guard.credentials.dev_ca",
        "ensure_dev_credentials": "aigc_guard.credentials.dev_ca",
        "ensure_dev_keys": "aigc_guard.credentials.dev_ca",
        "WatermarkKey": "aigc_guard.credentials.watermark_key",
        "create_watermark_key": "aigc_guard.credentials.watermark_key",
        "load_watermark_key": "aigc_guard.credentials.watermark_key",
        "HASH_KEY_FILE": "aigc_guard.credentials.hash_key",
        "load_hash_key": "aigc_guard.credentials.hash_key",
        "SigningCredentials": "aigc_guard.credentials.signing",
    },
)
