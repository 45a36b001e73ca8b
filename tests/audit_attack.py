"""What an attacker with write access to the audit database does, for the attack tests.

Such an attacker can lift the append-only triggers (the table owner on PostgreSQL,
anyone who can write the file on SQLite), so `tamper` does exactly that around its
statements, in one transaction.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from aigc_guard.audit import AuditLog, compute_row_hash
from aigc_guard.audit.appendonly import suspended
from aigc_guard.audit.models import APPEND_ONLY_TABLES


def tamper(url: str, *statements: str, params: dict[str, Any] | None = None) -> None:
    """Run raw SQL with the triggers lifted, outside AuditLog (the unmasked URL)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn, suspended(conn, APPEND_ONLY_TABLES):
        for statement in statements:
            conn.execute(sa.text(statement), params or {})
    engine.dispose()


def forged_row(log: AuditLog, seq: int, prev_hash: str, **changes: Any) -> dict[str, Any]:
    """A row built the way AuditLog builds one (correct row_hash), but with no valid MAC."""
    row = {**log.get(log.first_seq()).to_dict(), "seq": seq, "prev_hash": prev_hash}  # type: ignore[union-attr]
    row.pop("id")
    row.update({"decision": "allow", "request_id": "forged", "row_mac": None, **changes})
    row["row_hash"] = compute_row_hash(row)
    for name in ("checks", "marks", "extra"):
        row[name] = json.dumps(row[name])
    return row


def insert_row(url: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    tamper(url, f"INSERT INTO audit_events ({columns}) VALUES ({values})", params=row)


def rechain_from(url: str, seq: int, **changes: Any) -> None:
    """Edit row `seq` (plain columns) and recompute every later hash: a rewritten chain
    that is consistent in itself, as an attacker with database access can make."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        query = sa.text("SELECT * FROM audit_events WHERE seq >= :s ORDER BY seq")
        rows = [dict(r._mapping) for r in conn.execute(query, {"s": seq})]
    engine.dispose()
    # row_hash and prev_hash are unique: move the old values aside (upper case) first
    statements = [
        "UPDATE audit_events SET row_hash = upper(row_hash), prev_hash = upper(prev_hash) "
        f"WHERE seq >= {seq}"
    ]
    params: dict[str, Any] = {}
    prev = rows[0]["prev_hash"]
    for row in rows:
        for name in ("checks", "marks", "extra"):
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
        if row["seq"] == seq:
            row.update(changes)
        row["prev_hash"] = prev
        row["row_hash"] = prev = compute_row_hash(row)
        n = row["seq"]
        sets = ", ".join(f"{name} = :c{n}_{name}" for name in ("row_hash", "prev_hash", *changes))
        statements.append(f"UPDATE audit_events SET {sets} WHERE seq = {n}")
        params.update({f"c{n}_{name}": row[name] for name in ("row_hash", "prev_hash", *changes)})
    tamper(url, *statements, params=params)
