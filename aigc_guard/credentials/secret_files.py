"""Secret key files on disk: created 0600, never overwritten, refused when others can read them.

One rule set for every secret aigc_guard keeps in a keys folder (the watermark key,
private signing keys): a key that group or world can read may already have leaked,
so it is refused rather than silently used; an existing key is never replaced, since
replacing it would orphan every mark or signature made with it.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from aigc_guard.errors import CredentialError

OWNER_ONLY = 0o600


def check_private(path: Path, what: str) -> None:
    """Refuse a secret file that group or others may read or write (POSIX only)."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError as exc:
        raise CredentialError(f"{path}: {what} file not found") from exc
    if mode & 0o077:
        raise CredentialError(
            f"{path}: {what} file has permissions {mode:04o}; group and others must have no "
            f"access (run: chmod 600 {path})"
        )


def create_secret_file(path: Path, data: bytes, what: str) -> None:
    """Write `data` to a new file `path` with mode 0600; an existing file is never replaced.

    The bytes go to a temp sibling first and are hard-linked into place, so a reader
    never sees half a key and two processes racing cannot both win.
    """
    if path.exists():
        raise CredentialError(f"{path}: {what} already exists; it is never overwritten")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temp, path)
        except FileExistsError as exc:
            raise CredentialError(
                f"{path}: {what} already exists; it is never overwritten"
            ) from exc
    finally:
        temp.unlink(missing_ok=True)


def read_hex_key(path: Path, what: str, *, min_bytes: int = 16) -> bytes:
    """A hex-encoded secret from `path`, refused when others may read it or it is short."""
    check_private(path, what)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError) as exc:
        raise CredentialError(f"{path}: not a hex-encoded {what}") from exc
    if len(key) < min_bytes:
        raise CredentialError(f"{path}: {what} too short ({len(key)} bytes, need >= {min_bytes})")
    return key


__all__ = ["OWNER_ONLY", "check_private", "create_secret_file", "read_hex_key"]
