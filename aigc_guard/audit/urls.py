"""Where the audit log lives: one URL, resolved the same way by the API and the CLI.

Kept free of SQLAlchemy imports so the CLI can resolve and print a URL cheaply.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_VAR = "AIGC_GUARD_DB"
DEFAULT_URL = "sqlite:///audit.db"

# Same shape as SQLAlchemy's URL pattern: `scheme://user:password@...`, where the
# password runs to the next "@". Masking what SQLAlchemy would parse as the password
# keeps the two views of a URL in step.
_USERINFO_PASSWORD = re.compile(r"^([\w+.-]+://[^:/@]*:)[^@]*@")
_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&#]*")
_CONNINFO_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('[^']*'|\S+)")


def resolve_db_url(value: str | os.PathLike[str] | None = None) -> str:
    """The database URL to use: `value`, else $AIGC_GUARD_DB, else `sqlite:///audit.db`.

    The environment is read at call time so a CLI flag, a test or a server config can
    change it without re-importing. A value without `://` is a file path and becomes a
    SQLite URL (`~` expanded; relative paths stay relative to the working directory);
    `:memory:` gives an in-memory SQLite database. An empty value counts as absent.
    """
    text = os.fspath(value).strip() if value is not None else ""
    if not text:
        text = os.environ.get(ENV_VAR, "").strip() or DEFAULT_URL
    if "://" in text:
        return text
    if text == ":memory:":
        return "sqlite://"
    return "sqlite:///" + Path(text).expanduser().as_posix()


def redact_url(url: str) -> str:
    """`url` with any password replaced by `***`, safe to print in errors and logs."""
    masked = _USERINFO_PASSWORD.sub(r"\1***@", url)
    return _QUERY_PASSWORD.sub(r"\1***", masked)


def scrub_secrets(message: str) -> str:
    """Mask passwords in a driver's error text (URLs and libpq `password=...` pairs)."""
    masked = re.sub(r"[\w+.-]+://\S+", lambda m: redact_url(m.group(0)), message)
    return _CONNINFO_PASSWORD.sub(r"\1***", masked)


def sqlite_path(url: str) -> Path | None:
    """The database file of a file-based SQLite URL, or None (server or in-memory)."""
    if not url.startswith("sqlite"):
        return None
    _, _, rest = url.partition("://")
    if not rest.startswith("/"):
        return None
    path = rest[1:].split("?", 1)[0]
    if path in ("", ":memory:") or path.startswith("file:"):
        return None
    return Path(path)


__all__ = ["DEFAULT_URL", "ENV_VAR", "redact_url", "resolve_db_url", "scrub_secrets", "sqlite_path"]
