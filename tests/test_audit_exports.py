"""Exports and queries: formats and filters, refusals, a JSONL manifest that catches an
emptied, truncated or recomputed export, and the HTML report opened in headless Chromium."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigc_guard.audit import AuditLog, AuditRecord, compute_row_hash, verify_jsonl
from aigc_guard.audit.export import export_trail
from aigc_guard.audit.query import Filters
from aigc_guard.audit.signing import CheckpointKey
from aigc_guard.errors import InputError

KEY = b"export-test-key-0123456789abcdef"
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("AIGC_GUARD_TEST_ARTIFACTS", REPO / "test-artifacts"))


def _record(n: int) -> AuditRecord:
    decision = ("allow", "block", "regenerate", "redact")[n % 4]
    return AuditRecord(
        "output",
        decision=decision,
        request_id=f"r{n}",
        model_id="m-a" if n % 2 else "m-b",
        policy_id="default",
        policy_sha256="ab" * 32,
        content=f"o{n}".encode(),
        checks={
            "memorization": {"passed": decision != "block", "distance": n / 40, "threshold": 0.05},
            "pii": {"entities": [{"type": "EMAIL_ADDRESS", "start": 0, "end": 9, "score": 1.0}]},
        },
        extra={"reasons": [f"memorization failed -> {decision}: close to a training item"]},
    )


@pytest.fixture
def log(sqlite_url: str, tmp_path: Path) -> Iterator[AuditLog]:
    with AuditLog(sqlite_url, hash_key=KEY, checkpoint_file=tmp_path / "cp.jsonl") as audit:
        audit.append(
            AuditRecord(
                "model",
                model_id="m-a",
                extra={"privacy_card": {"model_id": "m-a", "epsilon": 9.9, "delta": 1e-5}},
            )
        )
        audit.append_many([_record(n) for n in range(1, 21)])
        yield audit


@pytest.fixture
def key(tmp_path: Path) -> CheckpointKey:
    return CheckpointKey.create(tmp_path / "cp.key")


def test_query_filters_and_pandas(log: AuditLog) -> None:
    blocked = log.query(decision="block")
    assert [e.request_id for e in blocked] == ["r1", "r5", "r9", "r13", "r17"]
    assert len(log.query(model="m-b", policy="default")) == 10
    assert len(log.query(policy="ab" * 32, event="output")) == 20
    first, batch = log.get(1), log.get(3)  # the model row, then one append_many (one time)
    window = log.query(since=first.created_at, until=batch.created_at)  # type: ignore[union-attr]
    assert [e.seq for e in window] == [1]
    assert len(log.query(since=batch.created_at)) == 20  # type: ignore[union-attr]
    assert len(log.query(limit=4)) == 4
    frame = log.query(decision="allow").to_pandas()
    assert list(frame["request_id"]) == ["r4", "r8", "r12", "r16", "r20"]
    assert str(frame["created_at"].dtype).startswith("datetime64")
    for bad in (
        {"decision": "maybe"},
        {"since": "yesterday"},
        {"since": "2030-01-02", "until": "2030-01-01"},
    ):
        with pytest.raises(InputError):
            log.query(**bad)  # type: ignore[arg-type]


def test_tables_and_refusals(log: AuditLog, tmp_path: Path, sqlite_url: str) -> None:
    filters = Filters.build(decision="block")
    csv_path = tmp_path / "blocked.csv"
    assert export_trail(log, csv_path, format="csv", filters=filters).rows == 5
    rows = list(csv.DictReader(csv_path.open()))
    assert {r["decision"] for r in rows} == {"block"} and json.loads(rows[0]["checks"])["pii"]
    import pyarrow.parquet as pq

    table = pq.read_table(export_trail(log, tmp_path / "all.parquet", format="parquet").path)
    assert table.num_rows == 21 and table.column("seq").to_pylist() == list(range(1, 22))
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    size = database.stat().st_size
    for target in (database, Path(f"{database}-journal")):
        with pytest.raises(InputError, match=r"is the audit database itself"):
            export_trail(log, target, format="csv", overwrite=True)
    assert database.stat().st_size == size and log.count() == 21
    before = csv_path.read_bytes()
    with pytest.raises(InputError, match=r"exists; refusing to replace it"):
        export_trail(log, csv_path, format="csv")
    assert csv_path.read_bytes() == before
    assert export_trail(log, csv_path, format="csv", overwrite=True).rows == 21
    with pytest.raises(InputError, match=r"unknown export format 'xml'"):
        export_trail(log, tmp_path / "x.xml", format="xml")


def _rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_manifest_catches_emptied_truncated_and_recomputed_exports(
    log: AuditLog, key: CheckpointKey, tmp_path: Path
) -> None:
    path = tmp_path / "trail.jsonl"
    export_trail(log, path, checkpoint_key=key)
    assert verify_jsonl(path, public_key=key.public).ok
    lines = path.read_text(encoding="utf-8").splitlines()
    _rewrite(path, [])  # emptied
    assert "no manifest line" in (verify_jsonl(path, public_key=key.public).problem or "")
    _rewrite(path, lines[:15])  # truncated (the manifest went with the tail)
    assert not verify_jsonl(path, public_key=key.public).ok
    _rewrite(path, lines[:15] + lines[-1:])  # truncated, manifest kept
    report = verify_jsonl(path, public_key=key.public)
    assert not report.ok and "manifest says 21 rows" in (report.problem or "")
    rows = [json.loads(line) for line in lines[:-1]]
    rows[4]["decision"] = (
        "block"  # edit row 5 (an allow) and recompute the whole chain and manifest
    )
    prev = rows[3]["row_hash"]
    for row in rows[4:]:
        row["prev_hash"] = prev
        row["row_hash"] = prev = compute_row_hash(row)
    manifest = json.loads(lines[-1])
    manifest["aigc_guard_manifest"]["head_hash"] = prev
    _rewrite(path, [json.dumps(r) for r in rows] + [json.dumps(manifest)])
    recomputed = verify_jsonl(path, public_key=key.public)
    assert not recomputed.ok and "manifest's signature does not verify" in (
        recomputed.problem or ""
    )
    manifest["aigc_guard_manifest"]["signature"] = None  # strip the signature too
    _rewrite(path, [json.dumps(r) for r in rows] + [json.dumps(manifest)])
    stripped = verify_jsonl(path, public_key=key.public)
    assert not stripped.ok and "do not match the signed checkpoint" in (stripped.problem or "")
    assert stripped.first_bad_seq == 21


def test_filtered_jsonl_export(log: AuditLog, key: CheckpointKey, tmp_path: Path) -> None:
    path = tmp_path / "m-a.jsonl"
    assert (
        export_trail(log, path, filters=Filters.build(model="m-a"), checkpoint_key=key).rows == 11
    )
    assert verify_jsonl(path, public_key=key.public).ok
    lines = path.read_text(encoding="utf-8").splitlines()
    _rewrite(path, lines[:3] + lines[4:])
    assert not verify_jsonl(path, public_key=key.public).ok


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_offline_in_chromium(log: AuditLog, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    export_trail(log, path, format="html")
    html = path.read_text(encoding="utf-8")
    assert (
        "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    )
    assert (
        html.count('<svg class="chart"') == 5
        and "o1" not in html.split("<body")[1].split("Rows")[0]
    )
    browser = _chromium()
    if browser is None:
        if os.environ.get("AIGC_GUARD_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium not installed (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); .ci/run installs it")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "audit-report.png"
    shot.unlink(missing_ok=True)
    dom = subprocess.run(
        [
            browser,
            *flags,
            f"--user-data-dir={tmp_path / 'profile-dom'}",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    body = dom[dom.index("<body") : dom.index(">", dom.index("<body"))]
    assert 'data-charts-total="5"' in body and 'data-charts-rendered="5"' in body, body
    assert 'data-errors="0"' in body, body
    subprocess.run(
        [
            browser,
            *flags,
            f"--user-data-dir={tmp_path / 'profile-shot'}",
            "--window-size=1280,1800",
            f"--screenshot={shot}",
            path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 10_000  # kept as a test artefact


def test_models_and_policies_are_catalogued(log: AuditLog) -> None:
    import hashlib

    from aigc_guard.audit.catalog import read_models, read_policies
    from aigc_guard.policy import load_policy

    policy = load_policy("default")
    log.register_policy(policy)
    log.register_policy(policy)  # idempotent
    with log._engine.connect() as conn:
        policies, models = read_policies(conn), read_models(conn)
    assert [p["sha256"] for p in policies] == [policy.sha256]
    assert hashlib.sha256(policies[0]["text"].encode()).hexdigest() == policy.sha256
    assert [(m["model_id"], m["card"]["epsilon"], m["seq"]) for m in models] == [("m-a", 9.9, 1)]
