"""Which schema a database holds, creating a new one, and migrating an old one (Alembic).

A new database gets every table at once (`create_all`), stamped with the newest
revision; an existing one must already be at that revision, or the log refuses to
open it and names the command that upgrades it. `migrate` is that command: it
recognises a log made before migrations existed (aigc_guard 0.1: `audit_events` and
no version table), stamps it as the baseline and upgrades it in one transaction,
keeping every row as it was.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa

from aigc_guard.audit.appendonly import install_guards
from aigc_guard.audit.engine import write_transaction
from aigc_guard.audit.models import (
    AUDIT_TABLE,
    META_TABLE,
    TABLE_NAME,
    VERSION_TABLE,
    VERSION_TABLE_DEF,
    AuditBase,
)
from aigc_guard.errors import AuditError

BASELINE = "0001_baseline"
HEAD = "0002_signed_trail"
REVISIONS = (BASELINE, HEAD)
LEGACY_COLUMNS = frozenset(AUDIT_TABLE.c.keys()) - {"row_mac"}
_MIGRATIONS = Path(__file__).with_name("migrations")


def stored_version(conn: sa.Connection) -> str | None:
    """The revision in the version table; "legacy" for a 0.1 log; None for an empty database."""
    # audit_events first: a concurrent creator commits both tables at once, so once the
    # log's table is visible the version table is too (asked the other way round, a
    # reader could miss the version, then see the log, and call a new database "legacy")
    inspector = sa.inspect(conn)
    if not inspector.has_table(TABLE_NAME):
        return None
    if sa.inspect(conn).has_table(VERSION_TABLE):
        found = conn.execute(sa.select(VERSION_TABLE_DEF.c.version_num)).scalars().all()
        return found[0] if len(found) == 1 else ",".join(found) or "(none)"
    return "legacy"


def require_head(version: str | None, url: str) -> None:
    """Refuse a database at another schema revision, naming what to run."""
    if version == HEAD:
        return
    if version == "legacy" or version in REVISIONS:
        found = "aigc_guard 0.1 (before migrations)" if version == "legacy" else version
        raise AuditError(
            f"audit database {url}: schema {found}, this aigc_guard needs {HEAD}; "
            f"back it up, then run: aigc-guard audit migrate --db URL"
        )
    raise AuditError(
        f"audit database {url}: unknown schema version {version!r} (made by a newer or "
        f"another program?); this aigc_guard knows {', '.join(REVISIONS)}"
    )


def create_schema(conn: sa.Connection) -> None:
    """Every table, the version stamp, a new log id and the append-only triggers."""
    AuditBase.metadata.create_all(conn)
    conn.execute(sa.insert(VERSION_TABLE_DEF), {"version_num": HEAD})
    conn.execute(sa.insert(META_TABLE), {"name": "log_id", "value": uuid.uuid4().hex})
    install_guards(conn)


def _alembic_config(conn: sa.Connection) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("version_locations", str(_MIGRATIONS / "versions"))
    config.attributes["connection"] = conn
    return config


def migrate(engine: sa.Engine, url: str) -> tuple[str | None, str]:
    """Bring the database at `engine` to HEAD; return (version before, version after).

    One transaction: a failure leaves the database as it was (SQLite and PostgreSQL
    both roll DDL back).
    """
    with write_transaction(engine) as conn:
        return _migrate(conn, url)


def _migrate(conn: sa.Connection, url: str) -> tuple[str | None, str]:
    from alembic import command

    before = stored_version(conn)
    if before not in (None, "legacy", *REVISIONS):
        require_head(before, url)
    config = _alembic_config(conn)
    if before == "legacy":
        columns = {c["name"] for c in sa.inspect(conn).get_columns(TABLE_NAME)}
        missing = sorted(LEGACY_COLUMNS - columns)
        if missing:
            raise AuditError(
                f"audit database {url}: table {TABLE_NAME} lacks columns "
                f"{', '.join(missing)}; it is not an aigc_guard audit log"
            )
        command.stamp(config, BASELINE)  # type: ignore[arg-type]
    command.upgrade(config, HEAD)  # type: ignore[arg-type]
    return before, HEAD


def read_meta(conn: sa.Connection) -> dict[str, str]:
    return {
        str(n): str(v) for n, v in conn.execute(sa.select(META_TABLE.c.name, META_TABLE.c.value))
    }


def prepare(engine: sa.Engine, url: str, *, create: bool) -> dict[str, str]:
    """Check (or, if allowed and empty, create) the schema; return the log's meta facts."""
    with engine.connect() as conn:
        version = stored_version(conn)
    if version is None:
        if not create:
            raise AuditError(
                f"audit database {url}: no table {TABLE_NAME}; is this the right database?"
            )
        try:
            with write_transaction(engine) as conn:
                if stored_version(conn) is None:  # another process may have won the race
                    create_schema(conn)
        except sa.exc.DatabaseError:
            with engine.connect() as conn:
                if stored_version(conn) is None:
                    raise
        with engine.connect() as conn:
            version = stored_version(conn)
    require_head(version, url)
    with engine.connect() as conn:
        return read_meta(conn)


__all__ = [
    "BASELINE",
    "HEAD",
    "create_schema",
    "migrate",
    "prepare",
    "read_meta",
    "require_head",
    "stored_version",
]
