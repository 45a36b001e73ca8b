"""The audit hash key: the secret under which prompts and outputs are hashed in the log.

One source for it everywhere (the Guard, the CLI, the demo): `load_hash_key(keys
folder)`, which creates it on first use with mode 0600.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from aigc_guard.credentials.home import existing_keys_dir, keys_dir
from aigc_guard.credentials.secret_files import read_hex_key
from aigc_guard.errors import CredentialError

HASH_KEY_FILE = "audit-hash.key"


def load_hash_key(directory: str | Path | None = None, *, create: bool = True) -> bytes:
    """The secret key for the audit log's keyed hashes (32 random bytes, hex on disk).

    Created on first use with mode 0600. Keep it: the same key is needed to find
    a file's audit row by its bytes later; losing it loses only that lookup.
    """
    path = keys_dir(directory) / HASH_KEY_FILE
    if path.is_file():
        return read_hex_key(path, "audit hash key")
    if not create:
        raise CredentialError(f"{path}: no audit hash key")
    existing_keys_dir(directory)
    key = secrets.token_bytes(32)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        stream.write(key.hex() + "\n")
    try:
        os.link(temp, path)  # fails if another process created the key first: use theirs
    except FileExistsError:
        return load_hash_key(directory, create=False)
    finally:
        temp.unlink(missing_ok=True)
    return key


__all__ = ["HASH_KEY_FILE", "load_hash_key"]
