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


__all__ = ["home_dir", "keys_dir"]
