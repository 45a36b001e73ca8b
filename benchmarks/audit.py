"""Audit log throughput and the cost of signed checkpoints and proofs.

Run: .venv/bin/python benchmarks/audit.py [--rows 20000] [--events 4000]
     [--scale-rows 1000000] [--scale-backends sqlite,postgresql] [--pg-url URL]

Prints three markdown tables (the README quotes them):
1. single-process rates: append, append_many(100), verify, export JSONL;
2. events/s with 1 and 8 writer processes, each appending batches of 100;
3. at --scale-rows rows: load time, the first checkpoint (builds the whole Merkle
   tree), an incremental checkpoint after 1,000 more rows, an inclusion proof
   (median of 200 random rows, read from the database) and its check, a
   consistency proof, and a full verify_trail.
PostgreSQL is skipped, with a note, when no server answers at the URL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from aigc_guard.audit import AuditLog, AuditRecord, export_jsonl, verify_chain

KEY = b"benchmark-key-0123456789abcdef"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def record(n: int) -> AuditRecord:
    """A row of realistic size: two check results, watermark and C2PA marks."""
    return AuditRecord(
        "output", decision="allow", request_id=f"r{n}", attempt=1, policy_id="default",
        policy_sha256="ab" * 32, model_id="dp-gan-bench", content_id=f"{n % 16**12:012x}",
        content_kind="image", content=b"x" * 4096, prompt="a prompt of some length " * 4,
        checks={"memorization": {"passed": True, "distance": 0.1234, "threshold": 0.0297},
                "pii": {"passed": True, "skipped": True, "reason": "no OCR"}},
        marks={"watermark": {"method": "dwtDctSvd", "payload": f"{n % 16**12:012x}"},
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


def _writer(url: str, writer: int, events: int, ready: Any, go: Any) -> None:
    with AuditLog(url, hash_key=KEY, lock_timeout=120) as log:
        log.head()  # connected
        ready.put(writer)
        go.wait()
        cpu = time.process_time()
        for start in range(0, events, 100):
            batch = [record(writer * 10**7 + n) for n in range(start, min(start + 100, events))]
            log.append_many(batch)
        ready.put(time.process_time() - cpu)


def writers_rate(url: str, writers: int, events: int) -> tuple[float, float]:
    """Events per second for `writers` processes appending `events` in all, batches of 100,
    timed from the moment all of them are connected and ready; and the writers' own CPU
    time per 1,000 events (ms), which a busy machine does not inflate."""
    AuditLog(url, hash_key=KEY).close()
    context = multiprocessing.get_context("spawn")
    ready, go = context.Queue(), context.Event()
    share = events // writers
    processes = [
        context.Process(target=_writer, args=(url, w, share, ready, go)) for w in range(writers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=300)
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"writer failed with exit code {process.exitcode}")
    elapsed = time.perf_counter() - started
    cpu = sum(ready.get(timeout=60) for _ in processes)
    with AuditLog(url, hash_key=None, create=False) as log:
        if log.count() != share * writers or not verify_chain(log).ok:
            raise SystemExit("concurrent writers lost rows or broke the chain")
    return share * writers / elapsed, cpu / (share * writers) * 1e6


def scale(url: str, rows: int, folder: Path) -> dict[str, str]:
    """Load `rows` rows, then time checkpoints, proofs and a full verification."""
    from aigc_guard.audit.proofs import check_proof, consistency_proof, inclusion_proof, write_proof
    from aigc_guard.audit.signing import CheckpointKey
    from aigc_guard.audit.trail import verify_trail

    key = CheckpointKey.create(folder / f"cp-{uuid.uuid4().hex[:6]}.key")
    out: dict[str, str] = {}
    with AuditLog(
        url, hash_key=KEY, checkpoint_key=key, checkpoint_file=folder / f"{key.key_id}.jsonl"
    ) as log:
        started = time.perf_counter()
        for start in range(0, rows, 1000):
            log.append_many([record(n) for n in range(start, min(start + 1000, rows))])
            if start % 100_000 == 0:
                print(f"  loaded {start:,} rows", flush=True)
        out["load (append_many 1000)"] = f"{rows / (time.perf_counter() - started):,.0f} rows/s"
        started = time.perf_counter()
        first = log.checkpoint()
        out["first checkpoint (whole tree)"] = f"{time.perf_counter() - started:.1f} s"
        log.append_many([record(rows + n) for n in range(1000)])
        started = time.perf_counter()
        log.checkpoint()
        out["checkpoint after +1,000 rows"] = f"{(time.perf_counter() - started) * 1000:.0f} ms"
        timings, checks = [], []
        ids = random.sample(range(1, rows + 1), 200)
        for row_id in ids:
            started = time.perf_counter()
            proof = inclusion_proof(log, row_id, key.public)
            timings.append(time.perf_counter() - started)
        path = write_proof(proof, folder / "proof.json", force=True)
        for _ in range(50):
            started = time.perf_counter()
            assert check_proof(path, public_key=key.public).ok
            checks.append(time.perf_counter() - started)
        out["inclusion proof (median / p95)"] = (
            f"{statistics.median(timings) * 1000:.1f} / "
            f"{sorted(timings)[int(len(timings) * 0.95)] * 1000:.1f} ms, "
            f"{len(proof['audit_path'])} hashes"
        )
        out["check a proof file (median)"] = f"{statistics.median(checks) * 1000:.2f} ms"
        started = time.perf_counter()
        consistency_proof(log, first.tree_size, None, key.public)
        out["consistency proof"] = f"{(time.perf_counter() - started) * 1000:.1f} ms"
        started = time.perf_counter()
        report = verify_trail(log, public_key=key.public)
        out["verify_trail (chain + MACs + tree)"] = f"{time.perf_counter() - started:.0f} s"
        if not report.ok:
            raise SystemExit(f"trail did not verify: {report.problem}")
    return out


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


class Backends:
    """Fresh databases per measurement: SQLite files in a folder, PostgreSQL schemas."""

    def __init__(self, folder: Path, pg_url: str) -> None:
        self.folder, self.pg_url, self._drop = folder, pg_url, []  # type: ignore[var-annotated]
        self.pg_ok = postgres_schema_url(pg_url) is not None

    def url(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.folder}/{uuid.uuid4().hex[:8]}.db"
        made = postgres_schema_url(self.pg_url)
        assert made is not None
        self._drop.append(made[1:])
        return made[0]

    def close(self) -> None:
        for admin, schema in self._drop:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


def _table(title: str, results: dict[str, dict[str, str]]) -> None:
    columns = list(next(iter(results.values())))
    print(f"\n{title}\n")
    print("| backend | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for backend, figures in results.items():
        print(f"| {backend} | " + " | ".join(figures[c] for c in columns) + " |")


def rate_tables(backends: Backends, available: list[str], names: dict[str, str], args: Any) -> None:
    """Tables 1 and 2: single-process rates, then 1 and 8 writer processes."""
    rates = {}
    for backend in available:
        figures = measure(backends.url(backend), args.rows, backends.folder / "e.jsonl")
        rates[names[backend]] = {k: f"{v:,.0f}" for k, v in figures.items()}
    _table(f"Audit log, {args.rows} rows, rows per second (one process)", rates)
    writers = {}
    for backend in available:
        cells: dict[str, str] = {}
        for n in (1, 8):
            rate, cpu = writers_rate(backends.url(backend), n, args.events)
            label = f"{n} writer{'s' * (n > 1)}"
            cells[f"{label}: events/s"] = f"{rate:,.0f}"
            cells[f"{label}: writer CPU per 1,000 events"] = f"{cpu:,.0f} ms"
        writers[names[backend]] = cells
    _table(f"Events per second, {args.events} events in batches of 100 per process", writers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--events", type=int, default=8000, help="events per writers measurement")
    parser.add_argument("--scale-rows", type=int, default=1_000_000)
    parser.add_argument("--scale-backends", default="sqlite", help="comma list, or 'none'")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--only-scale", action="store_true", help="skip tables 1 and 2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        backends = Backends(Path(name), args.pg_url)
        names = {"sqlite": "SQLite (file)", "postgresql": "PostgreSQL (localhost)"}
        available = ["sqlite", *(["postgresql"] if backends.pg_ok else [])]
        if not backends.pg_ok:
            print(f"PostgreSQL skipped: no server at {args.pg_url}")
        try:
            if not args.only_scale:
                rate_tables(backends, available, names, args)
            wanted = [b for b in args.scale_backends.split(",") if b in available]
            if wanted:
                scaled = {
                    names[b]: scale(backends.url(b), args.scale_rows, backends.folder)
                    for b in wanted
                }
                _table(f"Checkpoints and proofs at {args.scale_rows:,} rows", scaled)
        finally:
            backends.close()


if __name__ == "__main__":
    main()
