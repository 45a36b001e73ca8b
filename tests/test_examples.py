"""Each example script runs as a user would run it (shortened)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
pytestmark = pytest.mark.slow


def run(script: str, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_train_private_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    stdout = run("train_private_model.py", "--out", str(out), "--epochs", "1", "--max-steps", "2")
    card = json.loads((out / "privacy_card.json").read_text())
    assert card["steps"] == 2
    assert f"spent epsilon={card['epsilon']:.3f}" in stdout
    assert (out / "sample-digit-0.png").is_file()


def test_wrap_generator_then_export_the_trail(tmp_path: Path) -> None:
    out = tmp_path / "wrap"
    stdout = run("wrap_generator.py", "--out", str(out), "--n", "4")
    decisions = [line.split()[0] for line in stdout.splitlines() if "audit_id=" in line]
    assert decisions == ["allow", "redact", "allow", "allow"]
    assert "attempts=2" in stdout.splitlines()[0]  # the leaked training passage was regenerated
    delivered = sorted((out / "outputs").glob("*.txt"))
    assert len(delivered) == 4
    trail = tmp_path / "trail.jsonl"
    stdout = run("export_audit_trail.py", "--db", f"sqlite:///{out / 'audit.db'}",
                 "--out", str(trail), *map(str, delivered))  # fmt: skip
    assert "chain: intact (5 rows)" in stdout
    assert stdout.count("-> audit row") == 4
    lines = trail.read_text().splitlines()
    assert len(lines) == 6 and '"aigc_guard_manifest"' in lines[-1]  # 5 rows, then the manifest
