"""The CLI contract: JSON shapes, exit codes and error messages (real components)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from aigc_guard.cli import app

runner = CliRunner()
EMAIL = "priya.natarajan@example.com"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("idx") / "index"
    result = runner.invoke(app, ["index", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def text_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A text index too: the default policy needs an index for each kind it inspects."""
    folder = tmp_path_factory.mktemp("text-idx")
    corpus = folder / "corpus.txt"
    corpus.write_text(
        "The lease renews every March and the deposit is held in a separate account.\n"
        "Our cooperative meets on the first Tuesday to plan repairs of the old boiler.\n",
        encoding="utf-8",
    )
    out = folder / "index"
    result = runner.invoke(app, ["index", "build", "--data", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from aigc_guard.train.data import load_mnist5k

    folder = tmp_path_factory.mktemp("inputs")
    split = load_mnist5k()
    copied = folder / "copied.png"  # a training digit, upscaled as a generator might deliver it
    Image.fromarray(split.train.images[7]).resize((256, 256)).save(copied)
    fresh = folder / "fresh.jpg"  # a held-out digit: real data the model never saw
    Image.fromarray(split.holdout.images[3]).convert("RGB").save(fresh, quality=95)
    note = folder / "note.txt"
    note.write_text(f"Reach the tenant at {EMAIL} about the deposit.\n", encoding="utf-8")
    broken = folder / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return {"copied": copied, "fresh": fresh, "note": note, "broken": broken}


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_inspect_json_shape(index_dir: Path, text_index_dir: Path, inputs: dict[str, Path]) -> None:
    files = [str(inputs[name]) for name in ("copied", "fresh", "note")]
    indexes = ["--index", str(index_dir), "--index", str(text_index_dir)]
    result = runner.invoke(app, ["inspect", *files, "--json", *indexes])
    assert result.exit_code == 0, result.output
    copied, fresh, note = _json_lines(result.stdout)
    assert copied["file"] == files[0]
    assert copied["decision"] == "block"  # a file cannot be regenerated
    memorization = copied["checks"]["memorization"]
    assert memorization["passed"] is False
    assert memorization["distance"] <= memorization["threshold"]
    assert memorization["nearest_id"] == "mnist5k/train/0007"
    assert memorization["criterion"] in ("distance", "ratio")  # as in the audit row
    assert memorization["where"] == "frame 0"
    assert fresh["checks"]["memorization"]["nearest_id"].startswith("mnist5k/train/")
    assert fresh["checks"]["pii"]["passed"] is True  # its metadata was screened: nothing
    assert fresh["checks"]["pii"]["entities"] == []
    assert note["decision"] == "redact"
    [entity] = note["checks"]["pii"]["entities"]
    assert entity["type"] == "EMAIL_ADDRESS"
    assert set(entity) >= {"type", "start", "end", "score"}
    text = inputs["note"].read_text()
    assert text[entity["start"] : entity["end"]] == EMAIL
    assert EMAIL not in result.stdout  # positions, never values
    assert note["checks"]["memorization"]["passed"] is True  # checked against the text index
    assert note["checks"]["memorization"]["spans"] == []


def test_inspect_reports_a_bad_file_and_goes_on(
    index_dir: Path, text_index_dir: Path, inputs: dict[str, Path]
) -> None:
    files = [str(inputs["broken"]), str(inputs["note"])]
    indexes = ["--index", str(index_dir), "--index", str(text_index_dir)]
    result = runner.invoke(app, ["inspect", *files, "--json", *indexes])
    assert result.exit_code == 1
    broken, note = _json_lines(result.stdout)
    assert "not a readable image" in broken["error"]
    assert note["decision"] == "redact"


def test_guard_then_verify_files(
    index_dir: Path, text_index_dir: Path, inputs: dict[str, Path], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    keys = str(tmp_path / "keys")
    assert runner.invoke(app, ["keys", "dev", "--out", keys]).exit_code == 0
    files = [str(inputs[name]) for name in ("copied", "fresh", "note")]
    out = tmp_path / "out"
    result = runner.invoke(app, ["guard", *files, "--out", str(out), "--index", str(index_dir),
                                 "--index", str(text_index_dir), "--db", db, "--keys", keys,
                                 "--dev-credentials"])  # fmt: skip
    assert result.exit_code == 0, result.output
    copied, fresh, note = _json_lines(result.stdout)
    assert copied["decision"] == "block" and copied["output"] is None
    assert fresh["decision"] == "allow" and note["decision"] == "redact"
    delivered = [Path(fresh["output"]), Path(note["output"])]
    assert Path(note["output"]).read_text().count("<EMAIL_ADDRESS>") == 1
    assert Path(note["output"] + ".c2pa").is_file()
    trust = ["--trust", str(Path(keys) / "dev-ca.pem")]
    check = runner.invoke(app, ["verify", *map(str, delivered), "--json", "--db", db,
                                "--keys", keys, *trust])  # fmt: skip
    assert check.exit_code == 0, check.output
    for report, guarded in zip(_json_lines(check.stdout), (fresh, note), strict=True):
        assert report["watermark"] == {**report["watermark"], "found": True,
                                       "payload": guarded["content_id"]}  # fmt: skip
        assert report["c2pa"]["present"] is True and report["c2pa"]["valid"] is True
        assert report["audit"]["id"] == guarded["audit_id"]
        assert report["audit"]["decision"] == guarded["decision"]
        assert report["trace"]["status"] == "traced"
    unmarked = runner.invoke(
        app, ["verify", files[1], "--json", "--db", db, "--keys", keys, *trust]
    )
    assert unmarked.exit_code == 1  # not traced: a negative finding
    [plain] = _json_lines(unmarked.stdout)
    assert plain["watermark"]["found"] is False and plain["c2pa"]["present"] is False
    assert plain["audit"] is None and plain["trace"]["status"] == "unmarked"


def test_broken_policy_exits_2_naming_the_field(tmp_path: Path, inputs: dict[str, Path]) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("id: bad\nversion: 1\nchecks:\n  pii:\n    on_fail: shred\n")
    result = runner.invoke(app, ["inspect", str(inputs["note"]), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "checks.pii.on_fail" in result.output
    assert "bad.yaml" in result.output


def test_missing_index_is_a_clear_error(inputs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["inspect", str(inputs["note"])])
    assert result.exit_code == 2
    assert "index" in result.output


def test_audit_commands_on_missing_db_and_unknown_format(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'nope.db'}"
    result = runner.invoke(app, ["audit", "verify", "--db", missing])
    assert result.exit_code == 2
    assert "nope.db" in result.output
    assert not (tmp_path / "nope.db").exists()
    result = runner.invoke(
        app, ["audit", "export", "--format", "xml", "--out", "x", "--db", missing]
    )
    assert result.exit_code == 2
    assert "unknown export format" in result.output


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the command group behind the typer app, with its path."""
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group
            found += _commands(command, (*prefix, name))
        else:
            found.append(((*prefix, name), command))
    return found


def test_every_command_has_an_example_and_every_option_a_help_text() -> None:
    import typer.main

    root = typer.main.get_command(app)
    commands = _commands(root)
    assert {"train", "generate", "guard", "inspect", "verify"} <= {p[-1] for p, _ in commands}
    for path, command in commands:
        assert "Example:" in (command.help or ""), f"{' '.join(path)} has no example"
        for parameter in command.params:
            if parameter.param_type_name == "option":
                assert getattr(parameter, "help", None), f"{' '.join(path)} {parameter.name}"


def test_version_flag() -> None:
    from aigc_guard import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"aigc-guard {__version__}"
