"""Text indexes from the command line: build and add from .txt/.jsonl, inspect text with a
text index and no image index, and every bad input refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faker import Faker
from typer.testing import CliRunner

from aigc_guard.cli import app
from aigc_guard.index.text import TextIndex

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    fake = Faker("en_US")
    fake.seed_instance(11)
    folder = tmp_path_factory.mktemp("text-cli")
    train = [fake.paragraph(nb_sentences=5) for _ in range(200)]
    (folder / "corpus.txt").write_text("\n\n".join(train) + "\n", encoding="utf-8")
    held = [fake.paragraph(nb_sentences=5) for _ in range(120)]
    (folder / "held.txt").write_text("\n".join(held) + "\n", encoding="utf-8")
    extra = [{"body": fake.paragraph(nb_sentences=5), "key": f"extra-{i}"} for i in range(20)]
    (folder / "more.jsonl").write_text("\n".join(map(json.dumps, extra)) + "\n", encoding="utf-8")
    leak = f"Here is my story. {train[3][4:90]} And then it rained all day long."
    (folder / "leak.txt").write_text(leak, encoding="utf-8")
    (folder / "fresh.txt").write_text(fake.paragraph(nb_sentences=5), encoding="utf-8")
    (folder / "extra.txt").write_text(extra[2]["body"], encoding="utf-8")
    return {"folder": folder, "leak_source": folder / "corpus.txt"}


@pytest.fixture(scope="module")
def text_index(files: dict[str, Path]) -> Path:
    folder = files["folder"]
    out = folder / "index"
    data, held = str(folder / "corpus.txt"), str(folder / "held.txt")
    result = runner.invoke(app, ["index", "build", "--data", data, "--heldout", held,
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "indexed 200 texts" in result.stdout
    return out


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_inspect_text_with_a_text_index_and_no_image_index(
    files: dict[str, Path], text_index: Path
) -> None:
    folder = files["folder"]
    paths = [str(folder / "leak.txt"), str(folder / "fresh.txt")]
    result = runner.invoke(app, ["inspect", *paths, "--json", "--index", str(text_index)])
    assert result.exit_code == 0, result.output
    leak, fresh = _json_lines(result.stdout)
    check = leak["checks"]["memorization"]
    assert leak["decision"] == "block" and check["passed"] is False
    assert "verbatim-span" in check["criterion"]
    assert check["nearest_id"] == "corpus.txt:7"  # the 4th paragraph, blank lines between
    [span] = check["spans"]
    assert span["id"] == "corpus.txt:7" and span["length"] >= 50
    start, end = span["output"]
    text = (folder / "leak.txt").read_text(encoding="utf-8")
    source = (folder / "corpus.txt").read_text(encoding="utf-8").splitlines()[6]
    assert text[start:end] == source[span["record"][0] : span["record"][1]]
    assert text[start:end] not in result.stdout  # ids, figures and offsets; never the text
    assert {"distance", "threshold", "threshold_source", "similarity"} <= set(check)
    assert fresh["decision"] == "allow" and fresh["checks"]["memorization"]["spans"] == []


def test_index_add_grows_the_index_from_jsonl(files: dict[str, Path], text_index: Path) -> None:
    folder = files["folder"]
    grown = folder / "grown"
    TextIndex.load(text_index).save(grown)
    result = runner.invoke(app, ["index", "add", "--index", str(grown), "--data",
                                 str(folder / "more.jsonl"), "--text-field", "body",
                                 "--id-field", "key"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "220 in all" in result.stdout
    inspect = runner.invoke(app, ["inspect", str(folder / "extra.txt"), "--json",
                                  "--index", str(grown)])  # fmt: skip
    [record] = _json_lines(inspect.stdout)
    assert record["checks"]["memorization"]["nearest_id"] == "extra-2"
    again = runner.invoke(app, ["index", "add", "--index", str(grown), "--data",
                                str(folder / "more.jsonl"), "--text-field", "body",
                                "--id-field", "key"])  # fmt: skip
    assert again.exit_code == 2 and "appears twice" in again.output
    assert len(TextIndex.load(grown)) == 220  # the refused add left nothing behind


def test_inspect_text_without_a_text_index_names_the_kind(
    files: dict[str, Path], tmp_path: Path
) -> None:
    folder = files["folder"]
    result = runner.invoke(app, ["inspect", str(folder / "fresh.txt"), "--json"])
    assert result.exit_code == 2
    assert "no image or text index was given" in result.output
    assert "--data corpus.txt|corpus.jsonl" in result.output


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("rows.jsonl", '{"body": "some words here"}\n', [], "no field 'text'"),
        ("rows.jsonl", '{"text": 5}\n', [], "field 'text' is int"),
        ("rows.jsonl", "not json\n", [], "not a JSON object"),
        ("rows.jsonl", '{"text": "a record"}\n', ["--id-field", "id"], "field 'id' missing"),
        ("latin.txt", b"caf\xe9 au lait\n", [], "not UTF-8 text: byte 0xe9 at byte offset 3"),
        ("empty.txt", "\n\n  \n", [], "no records"),
        ("dots.txt", "a fine record\n... --- ...\n", [], "dots.txt:2': empty text"),
        ("notes.txt", "a fine record\n", ["--id-field", "id"], "applies to .jsonl"),
    ],
)
def test_build_refuses_bad_corpora_by_name(
    tmp_path: Path, name: str, content: str | bytes, options: list[str], message: str
) -> None:
    data = tmp_path / name
    data.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "index"
    result = runner.invoke(app, ["index", "build", "--data", str(data), "--out", str(out),
                                 *options])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()  # nothing half-written


def test_wrong_or_foreign_index_paths_are_refused(files: dict[str, Path], tmp_path: Path) -> None:
    folder = files["folder"]
    missing = runner.invoke(app, ["index", "add", "--index", str(tmp_path / "nope"),
                                  "--data", str(folder / "more.jsonl")])  # fmt: skip
    assert missing.exit_code == 2 and "no fingerprint index folder" in missing.output
    inspect = runner.invoke(app, ["inspect", str(folder / "fresh.txt"), "--index",
                                  str(folder)])  # fmt: skip
    assert inspect.exit_code == 2 and "manifest.json" in inspect.output


def test_index_calibrate_rewrites_only_the_text_threshold(
    files: dict[str, Path], text_index: Path
) -> None:
    folder = files["folder"]
    copy = folder / "recalibrated"
    TextIndex.load(text_index).save(copy)
    before = {p.name: p.read_bytes() for p in (copy / "seg-000000").iterdir()}
    result = runner.invoke(app, ["index", "calibrate", "--index", str(copy), "--heldout",
                                 str(folder / "held.txt"), "--fpr", "0.05"])  # fmt: skip
    assert result.exit_code == 0, result.output
    index = TextIndex.load(copy)
    assert index.manifest["fpr"] == 0.05 and index.manifest["calibration"]["size"] == 120
    assert {p.name: p.read_bytes() for p in (copy / "seg-000000").iterdir()} == before
