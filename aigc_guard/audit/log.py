"""`AuditLog`: the append-only, hash-chained log of every decision, on SQLite or PostgreSQL.

The only code in aigc_guard that talks to the database. Callers hand it raw
prompts and outputs; it stores keyed hashes of them and nothing else.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from aigc_guard.audit.catalog import register_models
from aigc_guard.audit.checkpoints import CheckpointSettings
from aigc_guard.audit.engine import (
    WRITE_OPTION,
    audit_error,
    audit_errors,
    lock_for_write,
    make_engine,
    write_transaction,
)
from aigc_guard.audit.hashing import (
    compute_row_hash,
    key_id,
    keyed_hash,
    normalize_json,
    row_mac,
)
from aigc_guard.audit.models import AUDIT_TABLE, JSON_COLUMNS, META_TABLE, raw_columns
from aigc_guard.audit.records import (
    EMPTY_HEAD,
    AuditEntry,
    AuditRecord,
    ChainHead,
    decode_json_columns,
    entry_from_fields,
    plain_value,
    utc_now_text,
)
from aigc_guard.audit.schema import prepare, read_meta
from aigc_guard.audit.tree_store import insert_ignoring_duplicates
from aigc_guard.audit.urls import redact_url, resolve_db_url, sqlite_path
from aigc_guard.errors import AuditError, InputError

if TYPE_CHECKING:
    from aigc_guard.audit.query import QueryResult
    from aigc_guard.audit.signing import Checkpoint, CheckpointKey

MIN_KEY_BYTES = 16
_T = AUDIT_TABLE
_C = AUDIT_TABLE.c


def _check_key(hash_key: object) -> None:
    if hash_key is None:
        return
    if not isinstance(hash_key, bytes | bytearray) or len(hash_key) < MIN_KEY_BYTES:
        size = len(hash_key) if isinstance(hash_key, bytes | bytearray | str) else "?"
        raise InputError(
            f"hash_key must be bytes of length >= {MIN_KEY_BYTES}, got "
            f"{type(hash_key).__name__} of length {size}; generate one with "
            "secrets.token_bytes(32), keep it secret and stable"
        )


class AuditLog:
    """The audit log at `url` (a URL or a SQLite file path), owning its engine; use it as a
    context manager or `close()` it.

    `hash_key` keys the hashes of prompts and outputs (keep it secret, keep it stable:
    `find_by_content_hash` only finds rows hashed with the same key). Pass
    `hash_key=None` to open a log read-only, e.g. for an auditor who verifies or
    exports it. `create=False` refuses to create a missing table (so a mistyped URL
    is an error, not an empty log that verifies). `lock_timeout` (seconds) bounds how
    long a writer waits for another and how long a connection attempt may take.

    Appends from many threads or processes are safe: writers queue on a lock and
    the unique constraints on `seq` and `prev_hash` reject any fork (the loser retries).
    """

    _max_attempts = 5  # retries after a lost race on the unique constraints
    _lock_writers = True  # PostgreSQL: queue writers on a table lock instead of retrying

    def __init__(
        self,
        url: str,
        *,
        hash_key: bytes | None,
        create: bool = True,
        lock_timeout: float = 30.0,
        checkpoint_key: CheckpointKey | None = None,
        checkpoint_every: int | None = None,
        checkpoint_file: str | Path | None = None,
    ) -> None:
        self._closed = True
        if not isinstance(url, str) or not url.strip():
            raise InputError(f"url must be a database URL or a file path, got {url!r}")
        self._url = url = resolve_db_url(url)  # a bare path becomes a SQLite URL
        _check_key(hash_key)
        if not lock_timeout > 0:
            raise InputError(f"lock_timeout must be > 0 seconds, got {lock_timeout!r}")
        self._key = bytes(hash_key) if hash_key is not None else None
        self._key_id = key_id(self._key) if self._key is not None else None
        self._lock_timeout = float(lock_timeout)
        self._checkpointing = CheckpointSettings.build(
            checkpoint_key, checkpoint_every, checkpoint_file
        )
        self._meta: dict[str, str] = {}
        path = sqlite_path(url)
        if not create and path is not None and not path.exists():
            raise AuditError(f"audit database {redact_url(url)}: no such file {path}")
        self._engine = make_engine(url, lock_timeout=self._lock_timeout)
        self._closed = False
        try:
            with audit_errors(self._url, "open (create tables)"):
                self._meta = prepare(self._engine, self.url, create=create)
            if self._key_id is not None:
                self._claim_key_id()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The database URL with any password masked."""
        return redact_url(self._url)

    @property
    def key_id(self) -> str | None:
        """Public fingerprint of the hash key (None when opened read-only)."""
        return self._key_id

    def close(self) -> None:
        """Dispose of the engine's connections. Idempotent."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"AuditLog({self.url!r}, {state})"

    def _engine_for(self, operation: str) -> sa.Engine:
        if self._closed:
            raise AuditError(f"audit log {self.url} is closed; cannot {operation}")
        return self._engine

    @property
    def log_id(self) -> str:
        """This log's random id: checkpoints and proofs name it, so they cannot be mixed up."""
        return self._meta["log_id"]

    @property
    def legacy_rows(self) -> int:
        """Rows written before row MACs existed (set by the 0002 migration; 0 on new logs)."""
        return int(self._meta.get("legacy_rows", "0"))

    @property
    def checkpointing(self) -> CheckpointSettings:
        return self._checkpointing

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def _claim_key_id(self) -> None:
        """Refuse a hash key other than the one the log's rows were hashed with.

        A mistyped keys folder would otherwise mix two key ids in one log, and lookups by
        content hash would silently miss half the rows.
        """
        stored = self._meta.get("hash_key_id")
        if stored is None:
            with audit_errors(self._url, "read the hash key id"), self._engine.connect() as conn:
                stored = conn.execute(
                    sa.select(_C.key_id)
                    .where(_C.key_id.is_not(None))
                    .order_by(_C.seq.desc())
                    .limit(1)
                ).scalar()
        if stored is not None and stored != self._key_id:
            raise AuditError(
                f"audit database {self.url}: its rows are hashed with key id {stored}, the hash "
                f"key given has id {self._key_id}; wrong --keys folder? (refusing to mix keys)"
            )
        if "hash_key_id" not in self._meta:
            with (
                audit_errors(self._url, "record the hash key id"),
                write_transaction(self._engine) as conn,
            ):
                insert_ignoring_duplicates(
                    conn, META_TABLE, [{"name": "hash_key_id", "value": self._key_id}]
                )
                self._meta = read_meta(conn)
            if self._meta.get("hash_key_id") != self._key_id:  # another writer won the race
                self._claim_key_id()

    # -- writing ---------------------------------------------------------------------

    def append(self, record: AuditRecord) -> AuditEntry:
        """Store one record as the next row of the chain and return the stored entry."""
        return self.append_many([record])[0]

    def append_many(self, records: Iterable[AuditRecord]) -> list[AuditEntry]:
        """Store records as consecutive rows in one transaction: all of them or none.

        On AuditError nothing was written; the one exception is a connection cut during
        COMMIT itself, where the server may have committed: `head()` tells.
        """
        prepared = [self._prepare(record) for record in records]
        if not prepared:
            return []
        entries = self._append_prepared(prepared)
        self._checkpointing.after_append(self, entries[0].seq, entries[-1].seq)
        return entries

    def _append_prepared(self, prepared: list[dict[str, Any]]) -> list[AuditEntry]:
        engine = self._engine_for("append")
        lost: sa_exc.IntegrityError | None = None
        for attempt in range(1, self._max_attempts + 1):
            seen: list[ChainHead] = []
            try:
                return self._insert(engine, prepared, seen)
            except sa_exc.IntegrityError as exc:
                if seen and self.head().seq <= seen[-1].seq:  # nobody else wrote: not a race
                    raise audit_error(self._url, "append", exc) from exc
                lost = exc  # another writer took this seq (it could not fork the chain): retry
                time.sleep(random.uniform(0.0, 0.005 * attempt))
            except sa_exc.SQLAlchemyError as exc:
                raise audit_error(self._url, "append", exc) from exc
        note = f" (lost the race for the next row {self._max_attempts} times)"
        raise audit_error(self._url, "append", lost, note) from lost  # type: ignore[arg-type]

    def _prepare(self, record: AuditRecord) -> dict[str, Any]:
        """The stored fields that do not depend on the chain position (no DB access)."""
        if not isinstance(record, AuditRecord):
            raise InputError(f"expected an AuditRecord, got {type(record).__name__}")
        if self._key is None:
            raise AuditError(f"audit log {self.url} was opened without hash_key; cannot append")
        return {
            "event": plain_value(record.event),
            "request_id": record.request_id,
            "attempt": record.attempt,
            "decision": plain_value(record.decision),
            "policy_id": record.policy_id,
            "policy_sha256": record.policy_sha256,
            "model_id": record.model_id,
            "content_id": record.content_id,
            "content_kind": record.content_kind,
            "content_hash": self._hash(record.content),
            "prompt_hash": self._hash(record.prompt),
            "key_id": self._key_id,
            **{name: normalize_json(getattr(record, name), field=name) for name in JSON_COLUMNS},
        }

    def _hash(self, data: bytes | bytearray | str | None) -> str | None:
        if data is None or self._key is None:
            return None
        return keyed_hash(self._key, bytes(data) if isinstance(data, bytearray) else data)

    def _insert(
        self, engine: sa.Engine, prepared: list[dict[str, Any]], seen: list[ChainHead]
    ) -> list[AuditEntry]:
        """One transaction: lock, read the head, chain the rows onto it, insert them."""
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if self._lock_writers:
                    lock_for_write(conn, lock_timeout=self._lock_timeout)
                head = self._read_head(conn)
                seen.append(head)
                created_at = utc_now_text()
                rows = []
                seq, prev = head
                for fields in prepared:
                    seq += 1
                    row = {**fields, "seq": seq, "created_at": created_at, "prev_hash": prev}
                    row["row_hash"] = prev = compute_row_hash(row)
                    row["row_mac"] = row_mac(self._key, prev)  # type: ignore[arg-type]
                    rows.append(row)
                # A plain executemany, then the ids by seq: RETURNING in parameter order
                # makes SQLAlchemy send SQLite one INSERT per row (half of a batch's time).
                conn.execute(sa.insert(_T), rows)
                first, last = rows[0]["seq"], rows[-1]["seq"]
                id_of = dict(
                    conn.execute(sa.select(_C.seq, _C.id).where(_C.seq.between(first, last))).all()
                )
                ids = [id_of[row["seq"]] for row in rows]
                register_models(conn, rows)
        return [
            entry_from_fields({**row, "id": row_id}, where="append")
            for row, row_id in zip(rows, ids, strict=True)
        ]

    # -- reading ---------------------------------------------------------------------

    def _read_head(self, conn: sa.Connection) -> ChainHead:
        found = conn.execute(
            sa.select(_C.seq, _C.row_hash).order_by(_C.seq.desc()).limit(1)
        ).first()
        return EMPTY_HEAD if found is None else ChainHead(int(found[0]), str(found[1]))

    def head(self) -> ChainHead:
        """`(seq, row_hash)` of the last row, `(0, GENESIS_HASH)` when empty.

        Save (and sign) it as a checkpoint: deleting the last rows cannot be detected
        from the rows alone, only against an earlier head.
        """
        with audit_errors(self._url, "read head"), self._engine_for("read").connect() as conn:
            return self._read_head(conn)

    def first_seq(self) -> int:
        """The seq of the oldest row kept (rows before it were purged); 1 when empty."""
        with audit_errors(self._url, "read first row"), self._engine_for("read").connect() as conn:
            found = conn.execute(sa.select(sa.func.min(_C.seq))).scalar()
        return 1 if found is None else int(found)

    def count(self) -> int:
        with audit_errors(self._url, "count"), self._engine_for("read").connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(_T)).scalar_one())

    def rows(
        self,
        *,
        after_seq: int = 0,
        batch: int = 1000,
        where: tuple[sa.ColumnElement[bool], ...] = (),
    ) -> Iterator[dict[str, Any]]:
        """Stored rows as plain dicts in seq order, exactly as stored (JSON parsed when it
        parses). Never fails on a tampered row: this is what verification reads.
        `where`: extra conditions (query.Filters.clauses)."""
        if batch < 1:
            raise InputError(f"batch must be >= 1, got {batch!r}")
        engine = self._engine_for("read")
        last = after_seq
        while True:
            query = (
                sa.select(*raw_columns()).where(_C.seq > last, *where).order_by(_C.seq).limit(batch)
            )
            with audit_errors(self._url, f"read rows after seq {last}"), engine.connect() as conn:
                found = [dict(row._mapping) for row in conn.execute(query)]
            for raw in found:
                yield decode_json_columns(raw, JSON_COLUMNS)
            if len(found) < batch:
                return
            last = found[-1]["seq"]

    def entries(self, *, after_seq: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry with seq > `after_seq`, in seq order, read `batch` rows at a time."""
        for fields in self.rows(after_seq=after_seq, batch=batch):
            yield entry_from_fields(fields, where=f"audit database {self.url}")

    def _select(self, where: sa.ColumnElement[bool], operation: str) -> list[AuditEntry]:
        query = sa.select(*raw_columns()).where(where).order_by(_C.seq)
        with audit_errors(self._url, operation), self._engine_for("read").connect() as conn:
            found = [dict(row._mapping) for row in conn.execute(query)]
        return [
            entry_from_fields(decode_json_columns(raw, JSON_COLUMNS), where=self.url)
            for raw in found
        ]

    def get(self, entry_id: int) -> AuditEntry | None:
        """The entry with database id `entry_id`, or None."""
        found = self._select(_C.id == int(entry_id), f"get id {entry_id}")
        return found[0] if found else None

    def query(
        self,
        *,
        since: Any = None,
        until: Any = None,
        model: str | None = None,
        policy: str | None = None,
        decision: str | None = None,
        event: str | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Entries matching every filter given, in seq order (see `aigc_guard.audit.query`).

        `since`/`until`: datetimes or ISO-8601 text (UTC when naive), `since` inclusive,
        `until` exclusive; `policy`: an id or a SHA-256; `decision`: allow, redact, ...
        """
        from aigc_guard.audit.query import Filters, run_query

        filters = Filters.build(
            since=since, until=until, model=model, policy=policy, decision=decision, event=event
        )
        return run_query(self, filters, limit=limit)

    def checkpoint(
        self, key: CheckpointKey | None = None, *, file: str | Path | None = None
    ) -> Checkpoint:
        """Sign the current head and Merkle root now (key: this log's checkpoint key)."""
        from aigc_guard.audit.checkpoints import create_checkpoint

        key = key or self._checkpointing.key
        if key is None:
            raise InputError("no checkpoint key: pass key= or open the log with checkpoint_key=")
        target = file if file is not None else self._checkpointing.file_for(self.log_id)
        return create_checkpoint(self, key, file=target)

    def register_policy(self, policy: Any) -> None:
        """Store a validated policy's text under its SHA-256 (the hash rows name)."""
        from aigc_guard.audit.catalog import policy_text, register_policy

        engine = self._engine_for("register a policy")
        with audit_errors(self._url, "register policy"), write_transaction(engine) as conn:
            register_policy(conn, str(policy.id), str(policy.sha256), policy_text(policy))

    def find_by_content_id(self, content_id: str) -> list[AuditEntry]:
        """Entries whose watermark payload is `content_id` (12 hex), in seq order."""
        if not isinstance(content_id, str):
            raise InputError(f"content_id must be a str, got {type(content_id).__name__}")
        return self._select(_C.content_id == content_id.lower(), f"find content id {content_id}")

    def find_by_content_hash(self, data: bytes | str) -> list[AuditEntry]:
        """Entries whose delivered content was exactly `data` (hashed with this log's key)."""
        if self._key is None:
            raise AuditError(f"audit log {self.url} was opened without hash_key; cannot hash")
        digest = keyed_hash(self._key, data)
        return self._select(_C.content_hash == digest, "find content hash")

    def find_by_request_id(self, request_id: str) -> list[AuditEntry]:
        """Every entry of one `guard.generate` call, in seq order."""
        return self._select(_C.request_id == request_id, f"find request {request_id}")


__all__ = ["MIN_KEY_BYTES", "AuditLog"]
