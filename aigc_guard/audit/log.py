"""`AuditLog`: the append-only, hash-chained log of every decision, on SQLite or PostgreSQL.

The only code in aigc_guard that talks to the database. Callers hand it raw
prompts and outputs; it stores keyed hashes of them and nothing else.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from aigc_guard.audit.engine import (
    WRITE_OPTION,
    audit_error,
    audit_errors,
    lock_for_write,
    make_engine,
)
from aigc_guard.audit.hashing import (
    compute_row_hash,
    key_id,
    keyed_hash,
    normalize_json,
)
from aigc_guard.audit.models import AUDIT_TABLE, JSON_COLUMNS, AuditBase, raw_columns
from aigc_guard.audit.records import (
    EMPTY_HEAD,
    AuditEntry,
    AuditRecord,
    ChainHead,
    decode_json_columns,
    entry_from_fields,
    utc_now_text,
)
from aigc_guard.audit.urls import redact_url, resolve_db_url, sqlite_path
from aigc_guard.errors import AuditError, InputError

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
        path = sqlite_path(url)
        if not create and path is not None and not path.exists():
            raise AuditError(f"audit database {redact_url(url)}: no such file {path}")
        self._engine = make_engine(url, lock_timeout=self._lock_timeout)
        self._closed = False
        try:
            self._prepare_schema(create=create)
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

    def _prepare_schema(self, *, create: bool) -> None:
        with audit_errors(self._url, "open (create tables)"):
            exists = sa.inspect(self._engine).has_table(AUDIT_TABLE.name)
            if not exists and not create:
                raise AuditError(
                    f"audit database {self.url}: no table {AUDIT_TABLE.name}; "
                    "is this the right database?"
                )
            if not exists:
                try:
                    self._create_tables()
                except sa_exc.DatabaseError:  # fine if another process created it meanwhile
                    if not sa.inspect(self._engine).has_table(AUDIT_TABLE.name):
                        raise
            columns = {c["name"] for c in sa.inspect(self._engine).get_columns(AUDIT_TABLE.name)}
        missing = sorted(set(_C.keys()) - columns)
        if missing:
            raise AuditError(
                f"audit database {self.url}: table {AUDIT_TABLE.name} lacks columns "
                f"{', '.join(missing)}; it was made by another version of aigc_guard"
            )

    def _create_tables(self) -> None:
        """CREATE TABLE in a write transaction: on SQLite, concurrent creators then queue
        (and find the table) instead of deadlocking on a deferred transaction."""
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                AuditBase.metadata.create_all(conn)

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
            "event": record.event,
            "request_id": record.request_id,
            "attempt": record.attempt,
            "decision": record.decision,
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
                    rows.append(row)
                result = conn.execute(
                    sa.insert(_T).returning(_C.id, sort_by_parameter_order=True), rows
                )
                ids = [row_id for (row_id,) in result.all()]
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

    def count(self) -> int:
        with audit_errors(self._url, "count"), self._engine_for("read").connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(_T)).scalar_one())

    def rows(self, *, after_seq: int = 0, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Stored rows as plain dicts in seq order, exactly as stored (JSON parsed when it
        parses). Never fails on a tampered row: this is what verification reads."""
        if batch < 1:
            raise InputError(f"batch must be >= 1, got {batch!r}")
        engine = self._engine_for("read")
        last = after_seq
        while True:
            query = sa.select(*raw_columns()).where(_C.seq > last).order_by(_C.seq).limit(batch)
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
