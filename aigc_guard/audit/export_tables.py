"""CSV and Parquet exports: one row per audit row, JSON columns as their JSON text.

Parquet needs pyarrow (`pip install 'aigc_guard[parquet]'`); CSV needs nothing.
Both are written to a temp sibling and renamed into place.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.audit.models import JSON_COLUMNS
from aigc_guard.audit.query import Filters, iter_filtered
from aigc_guard.audit.records import ENTRY_FIELDS
from aigc_guard.errors import AuditError, DependencyError
from aigc_guard.fileio import atomic_writer

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out = {name: row.get(name) for name in ENTRY_FIELDS}
    for name in JSON_COLUMNS:
        value = out[name]
        out[name] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return out


def _parquet_schema() -> Any:
    import pyarrow as pa

    ints = {"id", "seq", "attempt"}
    return pa.schema([(name, pa.int64() if name in ints else pa.string()) for name in ENTRY_FIELDS])


def export_table(log: AuditLog, path: Path, *, format: str, filters: Filters) -> int:
    rows = 0
    try:
        if format == "csv":
            with atomic_writer(path, text=True) as handle:
                writer = csv.DictWriter(handle, fieldnames=list(ENTRY_FIELDS))
                writer.writeheader()
                for row in iter_filtered(log, filters):
                    writer.writerow(_flat(row))
                    rows += 1
            return rows
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise DependencyError(
                "Parquet export needs pyarrow: pip install 'aigc_guard[parquet]'"
            ) from exc
        schema = _parquet_schema()
        with atomic_writer(path) as handle, pq.ParquetWriter(handle, schema) as writer:
            chunk: list[dict[str, Any]] = []
            for row in iter_filtered(log, filters):
                chunk.append(_flat(row))
                rows += 1
                if len(chunk) >= 10000:
                    writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                    chunk.clear()
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
    except OSError as exc:
        raise AuditError(f"cannot export to {path}: {exc}") from exc
    return rows


__all__ = ["export_table"]
