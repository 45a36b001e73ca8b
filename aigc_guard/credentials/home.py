"""The aigc_guard home folder: where local keys live when the user names none.

`AIGC_GUARD_HOME` (read when called, never at import) or ~/.aigc_guard. It holds
the audit hash key and, for local use, the development signing credentials.
"""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    return Path(os.environ.get("AIGC_GUARD_HOME") or Path.home() / ".aigc_guard")


def keys_dir(explicit: str | Path | None = None) -> Path:
    """The keys folder: `explicit`, else HOME/keys."""
    return Path(explicit) if explicit is not None else home_dir() / "keys"


def existing_keys_dir(explicit: str | Path | None = None) -> Path:
    """The keys folder, which must exist when named explicitly (a typo must not silently
    start a new CA, watermark key and audit hash key); the default one is created 0700."""
    from aigc_guard.errors import CredentialError

    folder = keys_dir(explicit)
    if folder.is_dir():
        return folder
    if explicit is not None:
        raise CredentialError(
            f"keys folder {folder} does not exist; create it with `aigc-guard keys dev --out "
            f"{folder}` (development) or put your production keys there"
        )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


__all__ = ["existing_keys_dir", "home_dir", "keys_dir"]
