"""Fixtures shared by the whole suite: databases, and a small slice of mnist5k.

`db_url` yields the URL of a fresh, empty database, once on SQLite (a file in
tmp_path) and once on PostgreSQL (a throw-away schema, selected through the
connection's search_path, dropped afterwards). The PostgreSQL server is
$AIGC_GUARD_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
When it cannot be reached the PostgreSQL tests are skipped with the reason, unless
AIGC_GUARD_REQUIRE_POSTGRES=1 (as in CI), where they fail instead.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aigc_guard.credentials import SigningCredentials
    from aigc_guard.train.data import ImageDataset

PG_URL_ENV = "AIGC_GUARD_TEST_PG_URL"
PG_URL_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REQUIRE_PG_ENV = "AIGC_GUARD_REQUIRE_POSTGRES"


def _with_search_path(url: str, schema: str) -> str:
    """`url` whose connections use `schema` first (libpq `options=-csearch_path=...`)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    options = str(parsed.query.get("options", "")).strip()
    options = f"{options} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The test server's URL, after one connection attempt per session (skip or fail)."""
    import sqlalchemy as sa

    from aigc_guard.audit.urls import redact_url

    url = os.environ.get(PG_URL_ENV, "").strip() or PG_URL_DEFAULT
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server decides skip/fail alike
        first_line = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        reason = (
            f"PostgreSQL not reachable at {redact_url(url)} ({' '.join(first_line)}); "
            f"set {PG_URL_ENV} to a server where the user may create schemas"
        )
        if os.environ.get(REQUIRE_PG_ENV, "").strip() == "1":
            pytest.fail(f"{reason} ({REQUIRE_PG_ENV}=1)", pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A URL for an empty PostgreSQL schema of its own, dropped after the test."""
    import sqlalchemy as sa

    schema = f"aigc_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(pg_server_url, schema)
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text("SET lock_timeout = '10s'"))
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except sa.exc.SQLAlchemyError as exc:
            warnings.warn(f"could not drop test schema {schema}: {exc}", stacklevel=1)
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL for a new SQLite database file in the test's tmp_path."""
    return f"sqlite:///{(tmp_path / 'audit.db').as_posix()}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> SigningCredentials:
    """Signing credentials from a development CA made once for the whole session."""
    from aigc_guard.credentials import SigningCredentials, ensure_dev_credentials

    creds = ensure_dev_credentials(tmp_path_factory.mktemp("dev-keys"))
    return SigningCredentials.from_files(creds.cert_chain_path, creds.key_path)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the suite's keys out of the user's home: AIGC_GUARD_HOME -> a temp folder."""
    import os
    import tempfile

    os.environ.setdefault("AIGC_GUARD_HOME", tempfile.mkdtemp(prefix="aigc-guard-test-home-"))
    # The default keys folder holds a watermark key, as `aigc-guard keys watermark` makes it.
    from aigc_guard.credentials import create_watermark_key, keys_dir, load_watermark_key
    from aigc_guard.credentials.home import existing_keys_dir

    folder = existing_keys_dir()
    if not (folder / "watermark.key").exists():
        create_watermark_key(folder)
    load_watermark_key(keys_dir())


@pytest.fixture(scope="session")
def small() -> ImageDataset:
    """200 mnist5k training digits (every 20th, 20 per class): tiny training runs."""
    import numpy as np

    from aigc_guard.train.data import ImageDataset, load_mnist5k

    train = load_mnist5k().train
    rows = np.arange(0, len(train), 20)
    return ImageDataset(
        name="mnist5k/train-200", images=train.images[rows], labels=train.labels[rows],
        ids=[train.ids[i] for i in rows],
    )  # fmt: skip
