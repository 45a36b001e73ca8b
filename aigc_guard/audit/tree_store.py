"""The Merkle tree in the database: perfect subtrees stored as they complete, so a root
or a proof at any checkpointed size is one indexed lookup of O(log n) hashes.

Nodes depend only on rows that are already in the chain and never change, so they
are built outside the writers' lock, in batches, with INSERT ... ON CONFLICT DO
NOTHING (two processes building the same node write the same bytes). They are a
cache, not evidence: every proof is checked against a signed root, and `audit
verify` recomputes the tree from the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from aigc_guard.audit.engine import write_transaction
from aigc_guard.audit.merkle import (
    Frontier,
    Node,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    perfect_nodes,
    range_hashes,
)
from aigc_guard.audit.models import AUDIT_TABLE, NODE_TABLE
from aigc_guard.errors import AuditError

_N = NODE_TABLE.c
_E = AUDIT_TABLE.c
INSERT_BATCH = 5000
_LOOKUP_BATCH = 200


def insert_ignoring_duplicates(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]
) -> None:
    """INSERT rows, skipping those whose primary key exists (same content by construction)."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def built_size(conn: sa.Connection) -> int:
    """How many leaves the stored tree covers."""
    top = conn.execute(sa.select(sa.func.max(_N.idx)).where(_N.level == 0)).scalar_one()
    return 0 if top is None else int(top) + 1


def fetch_nodes(conn: sa.Connection, wanted: Iterable[Node]) -> dict[Node, bytes]:
    """The stored hashes of `wanted` nodes; AuditError names the first one missing."""
    wanted = sorted(set(wanted))
    found: dict[Node, bytes] = {}
    for start in range(0, len(wanted), _LOOKUP_BATCH):
        chunk = wanted[start : start + _LOOKUP_BATCH]
        # An OR of primary-key equalities, both databases answer it from the index (SQLite
        # scans the table for a row-value IN list). Written as SQL text: building the same
        # expression with SQLAlchemy cost more than the lookup. The values are ints we made.
        match = " OR ".join(f"(level = {int(lv)} AND idx = {int(ix)})" for lv, ix in chunk)
        query = f"SELECT level, idx, hash FROM {NODE_TABLE.name} WHERE {match}"
        rows = conn.exec_driver_sql(query)
        found.update({(int(lv), int(ix)): bytes(h) for lv, ix, h in rows})
    missing = [node for node in wanted if node not in found]
    if missing:
        level, idx = missing[0]
        raise AuditError(
            f"Merkle node (level {level}, index {idx}) is not stored: the tree was not built "
            "that far (make a checkpoint first) or its rows were removed"
        )
    return found


def _resolve(conn: sa.Connection, ranges: list[tuple[int, int]]) -> list[bytes]:
    nodes = fetch_nodes(conn, [n for a, b in ranges for n in perfect_nodes(a, b)])
    return range_hashes(ranges, nodes.__getitem__)


def root_at(conn: sa.Connection, size: int) -> bytes:
    """MTH of the first `size` leaves, from stored nodes."""
    if size == 0:
        return Frontier().root()
    return _resolve(conn, [(0, size)])[0]


def frontier_at(conn: sa.Connection, size: int) -> Frontier:
    """A Frontier holding the stored perfect subtrees of the first `size` leaves."""
    nodes = perfect_nodes(0, size) if size else []
    found = fetch_nodes(conn, nodes)
    return Frontier(size, [found[n] for n in nodes])


def inclusion_path(conn: sa.Connection, index: int, size: int) -> list[bytes]:
    return _resolve(conn, inclusion_ranges(index, size))


def consistency_path(conn: sa.Connection, old: int, new: int) -> list[bytes]:
    return _resolve(conn, consistency_ranges(old, new)) if old < new else []


def _row_hashes(engine: sa.Engine, after: int, upto: int, batch: int) -> Iterator[tuple[int, str]]:
    last = after
    while last < upto:
        query = (
            sa.select(_E.seq, _E.row_hash)
            .where(_E.seq > last, _E.seq <= upto)
            .order_by(_E.seq)
            .limit(batch)
        )
        with engine.connect() as conn:
            found = [(int(s), str(h)) for s, h in conn.execute(query)]
        if not found:
            return
        yield from found
        last = found[-1][0]


def extend_tree(engine: sa.Engine, size: int, *, batch: int = INSERT_BATCH) -> None:
    """Store every perfect subtree over the first `size` rows that is not stored yet."""
    with engine.connect() as conn:
        start = built_size(conn)
        if start >= size:
            return
        pending: list[dict[str, Any]] = []
        frontier = frontier_at(conn, start)
    frontier._on_node = lambda level, idx, digest: pending.append(
        {"level": level, "idx": idx, "hash": digest}
    )
    expected = start + 1
    for seq, row_hash in _row_hashes(engine, start, size, batch):
        if seq != expected:
            raise AuditError(f"cannot build the Merkle tree: row {expected} is missing")
        frontier.push(leaf_hash(bytes.fromhex(row_hash)))
        expected += 1
        if len(pending) >= batch:
            _flush(engine, pending)
    if expected != size + 1:
        raise AuditError(f"cannot build the Merkle tree: the log ends at row {expected - 1}")
    _flush(engine, pending)


def _flush(engine: sa.Engine, pending: list[dict[str, Any]]) -> None:
    """Insert the nodes in one transaction: every node completed by the leaves in it, so
    `built_size` never counts a leaf whose parents are missing."""
    with write_transaction(engine) as conn:
        insert_ignoring_duplicates(conn, NODE_TABLE, pending)
    pending.clear()


__all__ = [
    "built_size",
    "consistency_path",
    "extend_tree",
    "fetch_nodes",
    "fold",
    "frontier_at",
    "inclusion_path",
    "insert_ignoring_duplicates",
    "root_at",
]
