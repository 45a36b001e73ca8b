"""URL resolution and masking: explicit value, then $AIGC_GUARD_DB, then the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigc_guard.audit.urls import redact_url, resolve_db_url, scrub_secrets, sqlite_path


def test_explicit_value_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIGC_GUARD_DB", "postgresql+psycopg://u@h/env")
    assert resolve_db_url("sqlite:///x.db") == "sqlite:///x.db"


def test_environment_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIGC_GUARD_DB", raising=False)
    assert resolve_db_url(None) == "sqlite:///audit.db"
    monkeypatch.setenv("AIGC_GUARD_DB", "postgresql+psycopg://u@h/env")
    assert resolve_db_url(None) == "postgresql+psycopg://u@h/env"
    monkeypatch.setenv("AIGC_GUARD_DB", "  ")
    assert resolve_db_url("") == "sqlite:///audit.db"


def test_bare_paths_become_sqlite_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert resolve_db_url("audit.db") == "sqlite:///audit.db"
    assert resolve_db_url("/var/lib/a.db") == "sqlite:////var/lib/a.db"
    assert resolve_db_url(Path("out") / "a.db") == "sqlite:///out/a.db"
    assert resolve_db_url("~/a.db") == "sqlite:////home/someone/a.db"
    assert resolve_db_url(":memory:") == "sqlite://"
    monkeypatch.setenv("AIGC_GUARD_DB", "/srv/env.db")
    assert resolve_db_url(None) == "sqlite:////srv/env.db"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://bob:s3cr%40t@db:5432/x", "postgresql+psycopg://bob:***@db:5432/x"),
        (
            "postgresql://bob:p/a:ss@db/x?sslmode=require",
            "postgresql://bob:***@db/x?sslmode=require",
        ),
        (
            "postgresql://bob@db/x?password=s3cret&sslmode=require",
            "postgresql://bob@db/x?password=***&sslmode=require",
        ),
        ("postgresql://db/x", "postgresql://db/x"),
        ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a:b@c.db"),
    ],
)
def test_redact_url_masks_passwords_only(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redacted_password_matches_what_sqlalchemy_parses() -> None:
    import sqlalchemy as sa

    url = "postgresql+psycopg://bob:p:ss/w%40rd@db:5432/x"
    assert sa.make_url(url).password not in redact_url(url)
    assert redact_url(url) == sa.make_url(url).render_as_string(hide_password=True)


def test_scrub_secrets_in_driver_messages() -> None:
    text = "connection to 'host=db password=hunter2 user=bob' via postgresql://bob:hunter2@db/x"
    assert "hunter2" not in scrub_secrets(text)


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite:////tmp/a.db") == Path("/tmp/a.db")
    assert sqlite_path("sqlite:///rel/a.db?timeout=3") == Path("rel/a.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql://db/x") is None
