"""End to end on the embedded default, with every real component: DP training (merf's
release, accounted with Opacus; the GAN's DP-SGD), imagehash/numpy index, invisible
watermark, c2pa-python, SQLite through SQLAlchemy.

One shortened demo run (the release and a few fitting steps) is shared by the tests below.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from audit_attack import tamper
from typer.testing import CliRunner

from aigc_guard.cli import app

pytestmark = pytest.mark.slow

runner = CliRunner()
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--out", str(out), "--n", "8", "--max-steps", "3"])
    assert result.exit_code == 0, result.output
    (out / "summary.txt").write_text(result.output)  # what the user saw
    return out


def _audit_rows(db: Path) -> list[dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM audit_events ORDER BY seq")]


def test_demo_writes_every_artifact(demo_dir: Path) -> None:
    card = json.loads((demo_dir / "model" / "privacy_card.json").read_text())
    for key in ("epsilon", "delta", "accountant", "noise_multiplier", "sample_rate", "steps",
                "max_grad_norm", "dataset_sha256", "dataset_size"):  # fmt: skip
        assert key in card, key
    assert card["dataset_size"] == 4000
    assert card["model_kind"] == "dp-merf" and card["steps"] == 1  # the one release
    assert card["stop_reason"] == "released once; generator fitted for 3 of 1500 steps"
    assert 0 < card["epsilon"] <= 10.0
    assert card["delta"] == 1e-5
    assert (demo_dir / "index" / "manifest.json").is_file()
    assert (demo_dir / "samples.png").is_file()
    outputs = sorted((demo_dir / "outputs").glob("*.png"))
    rows = _audit_rows(demo_dir / "audit.db")
    delivered = [r for r in rows if r["event"] == "output" and r["decision"] in ("allow", "redact")]
    assert len(outputs) == len(delivered) > 0
    assert sum(r["event"] == "model" for r in rows) == 1
    exported = (demo_dir / "audit.jsonl").read_text().splitlines()[:-1]  # then the manifest
    assert len(exported) == len(rows)


def test_the_demo_trains_the_gan_on_request_and_refuses_epochs_for_merf(tmp_path: Path) -> None:
    gan = runner.invoke(app, ["demo", "--out", str(tmp_path / "gan"), "--n", "2", "--kind", "gan",
                              "--epochs", "1", "--max-steps", "2"])  # fmt: skip
    assert gan.exit_code == 0, gan.output
    card = json.loads((tmp_path / "gan" / "model" / "privacy_card.json").read_text())
    assert card["model_kind"] == "dp-gan" and card["steps"] == 2
    merf = runner.invoke(app, ["demo", "--out", str(tmp_path / "merf"), "--epochs", "1"])
    assert merf.exit_code != 0 and "epochs=1: merf makes one release" in merf.output
    assert not (tmp_path / "merf" / "model").exists()


def test_summary_and_contact_sheet_say_what_happened(demo_dir: Path) -> None:
    from PIL import Image

    summary = (demo_dir / "summary.txt").read_text()
    assert "closest memorization distance / threshold" in summary
    assert "policy" in summary and "default" in summary
    sheet = Image.open(demo_dir / "samples.png")
    assert sheet.width == 8 * 96 + 9 * 6  # 8 cells of 96 px with their gaps
    assert sheet.height > 96 + 14 + 22  # one row of cells, their labels and the caption


def test_outputs_carry_c2pa_manifest_with_expected_assertions(demo_dir: Path) -> None:
    import c2pa

    card = json.loads((demo_dir / "model" / "privacy_card.json").read_text())
    for path in sorted((demo_dir / "outputs").glob("*.png")):
        with c2pa.Reader("image/png", io.BytesIO(path.read_bytes())) as reader:
            manifest = reader.get_active_manifest()
            assert reader.get_validation_state() in ("Valid", "Trusted")
        assertions = {item["label"]: item["data"] for item in manifest["assertions"]}
        actions = assertions["c2pa.actions.v2"]["actions"]
        assert actions[0]["action"] == "c2pa.created"
        assert actions[0]["digitalSourceType"] == TRAINED
        privacy = assertions["org.aigc_guard.privacy"]
        assert privacy["epsilon"] == pytest.approx(card["epsilon"])
        assert privacy["delta"] == card["delta"]
        assert privacy["policy_id"] == "default"
        assert privacy["content_id"] == path.stem
        assert "c2pa.soft-binding" in assertions


def test_each_watermark_payload_leads_to_its_audit_row(demo_dir: Path) -> None:
    outputs = sorted((demo_dir / "outputs").glob("*.png"))
    result = runner.invoke(
        app,
        ["verify", *map(str, outputs), "--json",
         "--db", f"sqlite:///{demo_dir / 'audit.db'}", "--keys", str(demo_dir / "keys"),
         "--trust", str(demo_dir / "keys" / "dev-ca.pem")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(reports) == len(outputs)
    rows = {row["id"]: row for row in _audit_rows(demo_dir / "audit.db")}
    for path, report in zip(outputs, reports, strict=True):
        assert report["watermark"]["found"] is True
        assert report["watermark"]["payload"] == path.stem
        assert report["c2pa"]["present"] and report["c2pa"]["valid"]
        assert report["c2pa"]["errors"] == []
        row = rows[report["audit"]["id"]]
        assert row["content_id"] == path.stem
        assert report["audit"]["decision"] == row["decision"] == "allow"
        assert report["trace"]["status"] == "traced"
        assert report["trace"]["evidence"] == ["c2pa", "watermark"]


def test_audit_verify_fails_after_any_row_is_edited(demo_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes((demo_dir / "audit.db").read_bytes())
    url = f"sqlite:///{db}"
    intact = runner.invoke(app, ["audit", "verify", "--db", url])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.stdout
    rows = _audit_rows(db)
    for row in rows:
        edited = tmp_path / f"edited-{row['id']}.db"
        edited.write_bytes(db.read_bytes())
        tamper(  # lifts the append-only triggers first, as anyone who can write the file can
            f"sqlite:///{edited}",
            "UPDATE audit_events SET decision = :d WHERE id = :i",
            params={"d": "block" if row["decision"] != "block" else "allow", "i": row["id"]},
        )
        result = runner.invoke(app, ["audit", "verify", "--db", f"sqlite:///{edited}"])
        assert result.exit_code == 1, (row["id"], result.output)
        assert f"id {row['id']}" in result.stdout


def test_generate_command_uses_the_trained_model(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "gen"
    db = f"sqlite:///{tmp_path / 'gen.db'}"
    result = runner.invoke(
        app,
        ["generate", "--model", str(demo_dir / "model"), "--policy", "default", "--n", "3",
         "--out", str(out), "--index", str(demo_dir / "index"), "--db", db,
         "--keys", str(demo_dir / "keys"), "--seed", "1", "--dev-credentials"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    counts = dict(part.split("=") for part in result.stdout.split("->")[0].split())
    assert int(counts["allow"]) + int(counts["redact"]) + int(counts["block"]) == 3
    assert len(list(out.glob("*.png"))) == int(counts["allow"]) + int(counts["redact"])
    check = runner.invoke(app, ["audit", "verify", "--db", db])
    assert check.exit_code == 0, check.output
