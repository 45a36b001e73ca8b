"""`aigc-guard train lm` and `aigc-guard sample` of a text model, and the CLI's bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from aigc_guard.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow  # one tiny training run (~10 s)


def _notes(tmp_path: Path) -> Path:
    lines = [{"note": f"visit {i}: mild fever, follow up in {i % 5 + 1} weeks", "id": i}
             for i in range(60)]  # fmt: skip
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_train_lm_then_sample_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIGC_GUARD_MAX_STEPS", "2")
    keys, run = tmp_path / "keys", tmp_path / "runs" / "lm"
    assert runner.invoke(app, ["keys", "dev", "--out", str(keys)]).exit_code == 0
    trained = runner.invoke(app, [
        "train", "lm", "--data", str(_notes(tmp_path)), "--text-field", "note",
        "--epsilon", "8", "--delta", "1e-3", "--batch-size", "16", "--accountant", "rdp",
        "--out", str(run), "--keys", str(keys), "--db", f"sqlite:///{tmp_path / 'audit.db'}",
    ])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert "steps=2/" in trained.output and "(0 of 60 records)" in trained.output
    card = json.loads((run / "privacy_card.json").read_text())
    assert card["model_kind"] == "dp-lm" and "field 'note'" in card["data_transform"]

    out = tmp_path / "texts.npz"
    sampled = runner.invoke(app, [
        "sample", "--model", str(run), "--n", "3", "--out", str(out), "--prompt", "visit",
        "--max-tokens", "20", "--temperature", "0.8", "--seed", "1",
    ])  # fmt: skip
    assert sampled.exit_code == 0, sampled.output
    texts = np.load(out)["texts"]  # a str array: no pickle needed
    assert texts.shape == (3,) and all(len(str(t).encode()) <= 20 for t in texts)
    again = runner.invoke(app, ["sample", "--model", str(run), "--n", "3", "--out", str(out)])
    assert again.exit_code == 2 and "never overwritten" in again.output
    label = runner.invoke(app, ["sample", "--model", str(run), "--n", "1", "--label", "3",
                                "--out", str(tmp_path / "x.npz")])  # fmt: skip
    assert label.exit_code == 2 and "not an option of a text model" in label.output

    policy = tmp_path / "text.yaml"
    policy.write_text(
        "id: text\nversion: 1\nchecks:\n  memorization: {enabled: false}\n"
        "  pii: {enabled: false}\nmarks:\n  watermark: {enabled: true, text_generation: "
        "green-list}\n  c2pa: {enabled: false}\n",
        encoding="utf-8",
    )
    generated = runner.invoke(app, [
        "generate", "--model", str(run), "--n", "2", "--out", str(tmp_path / "out"),
        "--policy", str(policy), "--keys", str(keys), "--db", f"sqlite:///{tmp_path / 'g.db'}",
    ])  # fmt: skip
    assert generated.exit_code == 0, generated.output
    assert len(list((tmp_path / "out").glob("*.txt"))) == 2


@pytest.mark.parametrize(
    ("name", "content", "extra", "expected"),
    [
        ("empty.txt", b"", [], "no records"),
        ("latin1.txt", b"caf\xe9\n", [], "not UTF-8"),
        ("notes.jsonl", b'{"text": "a"}\n{"body": "b"}\n', [], "line 2: no field 'text'"),
        ("long.txt", b"x" * 50 + b"\n", ["--max-record-bytes", "10"], "over the limit"),
    ],
)
def test_bad_text_data_stops_before_training_and_leaves_no_run(
    tmp_path: Path, name: str, content: bytes, extra: list[str], expected: str
) -> None:
    data = tmp_path / name
    data.write_bytes(content)
    run = tmp_path / "run"
    result = runner.invoke(app, ["train", "lm", "--data", str(data), "--out", str(run), *extra,
                                 "--db", f"sqlite:///{tmp_path / 'audit.db'}"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert not run.exists()
