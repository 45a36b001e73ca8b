"""The watermark payload: a 48-bit content id plus a 16-bit CRC, 64 bits in all.

The content id is random, unique per output, and stored in the output's audit
row, so a payload read from a file leads back to that row. The CRC lets a
detector say "no watermark" instead of returning 64 random bits.
"""

from __future__ import annotations

import secrets

ID_BITS = 48
CRC_BITS = 16
PAYLOAD_BITS = ID_BITS + CRC_BITS
ID_HEX_CHARS = ID_BITS // 4


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
    try:
        raw = bytes.fromhex(content_id)
    except ValueError as exc:
        raise ValueError(f"content id must be hex, got {content_id!r}") from exc
    if len(raw) != ID_BITS // 8:
        raise ValueError(f"content id must be {ID_HEX_CHARS} hex characters, got {content_id!r}")
    value = (int.from_bytes(raw, "big") << CRC_BITS) | _crc16(raw)
    return [(value >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)]


def decode_bits(bits: list[int]) -> str | None:
    """The content id carried by `bits`, or None when the CRC does not match."""
    if len(bits) != PAYLOAD_BITS:
        return None
    value = 0
    for bit in bits:
        value = (value << 1) | (1 if bit else 0)
    raw = (value >> CRC_BITS).to_bytes(ID_BITS // 8, "big")
    if _crc16(raw) != value & ((1 << CRC_BITS) - 1):
        return None
    return raw.hex()
