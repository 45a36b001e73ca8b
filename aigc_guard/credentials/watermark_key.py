"""The watermark key: the secret under which watermark payloads are written and read.

Without it nobody can write a valid payload (each carries a MAC under the key) or
read one (the bits are scrambled and spread over key-chosen positions). It lives
in the keys folder as `watermark.key` (32 random bytes, hex, mode 0600), created
explicitly (`create_watermark_key`, `aigc-guard keys dev` or `keys watermark`).
Marks record the key's public `key_id`, so a verifier knows which key to use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aigc_guard.credentials.secret_files import create_secret_file, read_hex_key
from aigc_guard.errors import CredentialError

WATERMARK_KEY_FILE = "watermark.key"
KEY_BYTES = 32
_ID_LABEL = b"aigc_guard watermark key id v1"


@dataclass(frozen=True)
class WatermarkKey:
    """A secret watermark key; `derive(label)` gives independent subkeys (HMAC-SHA256)."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) < 16:
            raise CredentialError("a watermark key must be at least 16 random bytes")

    @classmethod
    def generate(cls) -> WatermarkKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @property
    def key_id(self) -> str:
        """Public fingerprint (16 hex): names the key in marks without revealing it."""
        return hmac.new(self.secret, _ID_LABEL, hashlib.sha256).hexdigest()[:16]

    def derive(self, label: str) -> bytes:
        """A 32-byte subkey for one purpose; subkeys for different labels are independent."""
        return hmac.new(self.secret, label.encode("utf-8"), hashlib.sha256).digest()


def create_watermark_key(directory: str | Path) -> Path:
    """Write a fresh key to DIR/watermark.key (0600); an existing key is never replaced."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CredentialError(f"{directory}: keys folder does not exist")
    path = directory / WATERMARK_KEY_FILE
    create_secret_file(path, WatermarkKey.generate().secret.hex().encode("ascii") + b"\n",
                       "watermark key")  # fmt: skip
    return path


def load_watermark_key(path: str | Path) -> WatermarkKey:
    """Read a key file (a folder means its watermark.key); refuse one others can read."""
    path = Path(path)
    if path.is_dir():
        path = path / WATERMARK_KEY_FILE
    if not path.is_file():
        raise CredentialError(
            f"{path}: no watermark key; create one with `aigc-guard keys watermark --out "
            f"{path.parent}` (or `aigc-guard keys dev --out {path.parent}` for development)"
        )
    return WatermarkKey(read_hex_key(path, "watermark key"))


__all__ = ["WATERMARK_KEY_FILE", "WatermarkKey", "create_watermark_key", "load_watermark_key"]
