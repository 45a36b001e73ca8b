"""Watermark payloads: the content id, protected by a CRC (unkeyed) or a MAC (keyed).

The content id is random, unique per output, and stored in the output's audit
row, so a payload read from a file leads back to that row.

- Unkeyed (dwtDctSvd, legacy): 48-bit id + CRC-16, 64 bits. Anyone can write one,
  so a verifier never links a file to a row through it.
- Keyed (keyed-tile, zero-width): 48-bit id + a 32-bit tag, HMAC-SHA256 of the id
  under a subkey of the watermark key, the 80 bits XORed with a keyed pad. Without
  the key nobody can compute a valid tag (write) or remove the pad (read). For bits
  that were not written with the key, the tag matches with probability 2^-32 per
  decoded candidate: the false-positive bound the detectors build on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_guard.credentials.watermark_key import WatermarkKey

ID_BITS = 48
CRC_BITS = 16
PAYLOAD_BITS = ID_BITS + CRC_BITS
ID_HEX_CHARS = ID_BITS // 4
TAG_BITS = 32
KEYED_BITS = ID_BITS + TAG_BITS


def new_content_id() -> str:
    """A fresh random content id as 12 lowercase hex characters."""
    return secrets.token_hex(ID_BITS // 8)


def _crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: small, standard, and enough to reject random bits (1 in 65,536)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def encode_bits(content_id: str) -> list[int]:
    """The 64 bits to embed for `content_id` (most significant bit first)."""
    raw = _id_bytes(content_id)
    value = (int.from_bytes(raw, "big") << CRC_BITS) | _crc16(raw)
    return [(value >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)]


def decode_bits(bits: list[int]) -> str | None:
    """The content id carried by `bits`, or None when the CRC does not match."""
    if len(bits) != PAYLOAD_BITS:
        return None
    packed = _from_bits(bits)
    raw, crc = packed[: ID_BITS // 8], int.from_bytes(packed[ID_BITS // 8 :], "big")
    return raw.hex() if _crc16(raw) == crc else None


def _to_bits(raw: bytes) -> list[int]:
    return [(byte >> (7 - i)) & 1 for byte in raw for i in range(8)]


def _from_bits(bits: list[int]) -> bytes:
    value = 0
    for bit in bits:
        value = (value << 1) | (1 if bit else 0)
    return value.to_bytes(len(bits) // 8, "big")


def _id_bytes(content_id: str) -> bytes:
    try:
        raw = bytes.fromhex(content_id)
    except ValueError as exc:
        raise ValueError(f"content id must be hex, got {content_id!r}") from exc
    if len(raw) != ID_BITS // 8:
        raise ValueError(f"content id must be {ID_HEX_CHARS} hex characters, got {content_id!r}")
    return raw


def _tag(key: WatermarkKey, raw_id: bytes) -> bytes:
    return hmac.new(key.derive("payload/mac/v1"), raw_id, hashlib.sha256).digest()[: TAG_BITS // 8]


def _pad(key: WatermarkKey) -> bytes:
    return key.derive("payload/pad/v1")[: KEYED_BITS // 8]


def keyed_bits(content_id: str, key: WatermarkKey) -> list[int]:
    """The 80 bits to embed for `content_id` under `key`: (id || MAC tag) XOR keyed pad."""
    raw = _id_bytes(content_id)
    plain = raw + _tag(key, raw)
    return _to_bits(bytes(a ^ b for a, b in zip(plain, _pad(key), strict=True)))


def open_keyed_bits(bits: list[int], key: WatermarkKey) -> str | None:
    """The content id carried by `bits` under `key`, or None when the MAC tag does not match."""
    if len(bits) != KEYED_BITS:
        return None
    plain = bytes(a ^ b for a, b in zip(_from_bits(bits), _pad(key), strict=True))
    raw, tag = plain[: ID_BITS // 8], plain[ID_BITS // 8 :]
    return raw.hex() if hmac.compare_digest(tag, _tag(key, raw)) else None
