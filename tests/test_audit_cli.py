"""The audit commands end to end: keygen, checkpoint, verify (exit 0 / 1 naming the row),
prove and check-proof without the database, export refusals, purge, migrate, init."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from audit_attack import rechain_from, tamper
from typer.testing import CliRunner

from aigc_guard.audit import AuditLog, AuditRecord
from aigc_guard.cli import app
from aigc_guard.credentials import load_hash_key

runner = CliRunner()
LEGACY = Path(__file__).parent / "data" / "audit-v0.1.db"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("AIGC_GUARD_HOME", str(tmp_path / "home"))
    keys = tmp_path / "keys"
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    with AuditLog(db, hash_key=load_hash_key(keys)) as log:
        log.append_many(
            [AuditRecord("output", decision="allow", request_id=f"r{n}") for n in range(8)]
        )
    return {"db": db, "keys": str(keys), "dir": str(tmp_path)}


def _audit(*args: str) -> object:
    return runner.invoke(app, ["audit", *args])


def test_checkpoint_verify_and_tamper(env: dict[str, str]) -> None:
    common = ["--db", env["db"], "--keys", env["keys"]]
    assert _audit("keygen", "--keys", env["keys"]).exit_code == 0  # type: ignore[attr-defined]
    again = _audit("keygen", "--keys", env["keys"])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output  # type: ignore[attr-defined]
    assert _audit("checkpoint", *common).exit_code == 0  # type: ignore[attr-defined]
    ok = _audit("verify", *common)
    assert ok.exit_code == 0 and "audit log intact: 8 rows verified" in ok.output  # type: ignore[attr-defined]
    assert "signed checkpoint: 8 rows" in ok.output  # type: ignore[attr-defined]
    rechain_from(env["db"], 3, decision="block")
    bad = _audit("verify", *common, "--json")
    report = json.loads(bad.output)  # type: ignore[attr-defined]
    assert bad.exit_code == 1 and report["first_bad_seq"] == 3 and not report["ok"]  # type: ignore[attr-defined]
    tamper(env["db"], "DELETE FROM audit_events WHERE seq > 5")
    no_keys = _audit(
        "verify",
        "--db",
        env["db"],
        "--keys",
        env["dir"] + "/nokeys",
        "--public-key",
        env["keys"] + "/audit-checkpoint.pub",
    )
    assert no_keys.exit_code == 1 and "TAMPERED" in no_keys.output  # type: ignore[attr-defined]


def test_prove_and_check_proof(env: dict[str, str], tmp_path: Path) -> None:
    common = ["--db", env["db"], "--keys", env["keys"]]
    _audit("keygen", "--keys", env["keys"])
    proof = tmp_path / "row3.json"
    made = _audit("prove", "3", "--out", str(proof), *common)
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    shutil.move(env["dir"] + "/audit.db", env["dir"] + "/gone.db")  # no database needed
    checked = _audit("check-proof", str(proof), "--keys", env["keys"])
    assert checked.exit_code == 0 and "holds" in checked.output and "trusted key" in checked.output  # type: ignore[attr-defined]
    data = json.loads(proof.read_text())
    data["row"]["decision"] = "block"
    proof.write_text(json.dumps(data))
    edited = _audit("check-proof", str(proof), "--keys", env["keys"])
    assert edited.exit_code == 1 and "do not hash to its row_hash" in edited.output  # type: ignore[attr-defined]
    other_keys = tmp_path / "other-keys"
    _audit("keygen", "--keys", str(other_keys))
    data["row"]["decision"] = "allow"
    proof.write_text(json.dumps(data))
    foreign = _audit("check-proof", str(proof), "--keys", str(other_keys))
    assert foreign.exit_code == 1 and "another log's proof" in foreign.output  # type: ignore[attr-defined]
    garbage = tmp_path / "garbage.json"
    garbage.write_text("[]")
    assert _audit("check-proof", str(garbage)).exit_code == 2  # type: ignore[attr-defined]


def test_export_purge_and_consistency(env: dict[str, str], tmp_path: Path) -> None:
    common = ["--db", env["db"], "--keys", env["keys"]]
    _audit("keygen", "--keys", env["keys"])
    out = tmp_path / "trail.jsonl"
    assert _audit("export", "--out", str(out), *common).exit_code == 0  # type: ignore[attr-defined]
    checked = _audit("verify-export", str(out), "--keys", env["keys"])
    assert checked.exit_code == 0 and "export intact: 8 rows" in checked.output  # type: ignore[attr-defined]
    again = _audit("export", "--out", str(out), *common)
    assert again.exit_code == 2 and "refusing to replace" in again.output  # type: ignore[attr-defined]
    onto_db = _audit("export", "--out", env["db"].removeprefix("sqlite:///"), "--force", *common)
    assert onto_db.exit_code == 2 and "audit database itself" in onto_db.output  # type: ignore[attr-defined]
    html = _audit(
        "export",
        "--format",
        "html",
        "--out",
        str(tmp_path / "r.html"),
        "--decision",
        "allow",
        *common,
    )
    assert html.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 1000  # type: ignore[attr-defined]
    purged = _audit("purge", "--before", "2999-01-01", *common)
    assert purged.exit_code == 0 and "purged 8 rows" in purged.output  # type: ignore[attr-defined]
    assert _audit("verify", *common).exit_code == 0  # type: ignore[attr-defined]
    proof = tmp_path / "grew.json"
    made = _audit("prove-consistency", "--old", "8", "--out", str(proof), *common)
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    assert _audit("check-proof", str(proof), "--keys", env["keys"]).exit_code == 0  # type: ignore[attr-defined]


def test_migrate_and_init(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.db"
    shutil.copy(LEGACY, legacy)
    refused = _audit("verify", "--db", str(legacy))
    assert refused.exit_code == 2 and "audit migrate" in refused.output  # type: ignore[attr-defined]
    migrated = _audit("migrate", "--db", str(legacy))
    assert migrated.exit_code == 0 and "12 rows, chain intact" in migrated.output  # type: ignore[attr-defined]
    fresh = _audit("init", "--db", str(tmp_path / "new.db"))
    assert fresh.exit_code == 0 and "ready" in fresh.output  # type: ignore[attr-defined]
    roles = _audit("init", "--db", str(tmp_path / "new.db"), "--owner", "o", "--writer", "w")
    assert roles.exit_code == 2 and "needs PostgreSQL" in roles.output  # type: ignore[attr-defined]
