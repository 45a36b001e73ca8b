"""Audit log throughput on SQLite and PostgreSQL: append, batched append, verify, export.

Run: .venv/bin/python benchmarks/audit.py [--rows 20000] [--pg-url URL]
Prints a markdown table (the README quotes it). PostgreSQL is skipped, with a
note, when no server answers at the URL. About a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from aigc_guard.audit import AuditLog, AuditRecord, export_jsonl, verify_chain

KEY = b"benchmark-key-0123456789abcdef"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def record(n: int) -> AuditRecord:
    """A row of realistic size: two check results, watermark and C2PA marks."""
    return AuditRecord(
        "output", decision="allow", request_id=f"r{n}", attempt=1, policy_id="default",
        policy_sha256="ab" * 32, model_id="dp-gan-bench", content_id=f"{n:012x}",
        content_kind="image", content=b"x" * 4096, prompt="a prompt of some length " * 4,
        checks={"memorization": {"passed": True, "distance": 0.1234, "threshold": 0.0297},
                "pii": {"passed": True, "skipped": True, "reason": "no OCR"}},
        marks={"watermark": {"method": "dwtDctSvd", "payload": f"{n:012x}"},
               "c2pa": {"signed": True, "embedded": True}},
    )  # fmt: skip


def measure(url: str, rows: int, export_to: Path) -> dict[str, float]:
    with AuditLog(url, hash_key=KEY) as log:
        singles = 300
        started = time.perf_counter()
        for n in range(singles):
            log.append(record(n))
        single_rate = singles / (time.perf_counter() - started)
        started = time.perf_counter()
        for start in range(singles, rows, 100):
            log.append_many([record(n) for n in range(start, min(start + 100, rows))])
        batch_rate = (rows - singles) / (time.perf_counter() - started)
        started = time.perf_counter()
        report = verify_chain(log)
        verify_rate = rows / (time.perf_counter() - started)
        if not report.ok:
            raise SystemExit(f"chain did not verify: {report.problem}")
        started = time.perf_counter()
        export_jsonl(log, export_to)
        export_rate = rows / (time.perf_counter() - started)
    return {"append": single_rate, "append_many(100)": batch_rate, "verify": verify_rate,
            "export jsonl": export_rate}  # fmt: skip


def postgres_schema_url(base: str) -> tuple[str, sa.Engine, str] | None:
    """A fresh schema on the server, or None when no server answers."""
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    schema = "bench_" + uuid.uuid4().hex[:8]
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError:
        return None
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", admin, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite (file)"] = measure(f"sqlite:///{folder}/bench.db", args.rows,
                                           Path(folder) / "sqlite.jsonl")  # fmt: skip
        postgres = postgres_schema_url(args.pg_url)
        if postgres is None:
            print(f"PostgreSQL skipped: no server at {args.pg_url}")
        else:
            url, admin, schema = postgres
            try:
                results["PostgreSQL"] = measure(url, args.rows, Path(folder) / "pg.jsonl")
            finally:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    columns = list(next(iter(results.values())))
    print(f"\nAudit log, {args.rows} rows, rows per second\n")
    print("| backend | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for backend, figures in results.items():
        print(f"| {backend} | " + " | ".join(f"{figures[c]:,.0f}" for c in columns) + " |")


if __name__ == "__main__":
    main()
