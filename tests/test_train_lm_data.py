"""Text records for the lm kind: one record = one example, and every bad file is refused
with the file, the line and the fault named (no torch needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_guard.errors import AigcGuardError, TrainingError
from aigc_guard.train.text_data import load_text_records


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_txt_records_are_lines_and_blank_lines_are_not_records(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.txt", "first note\r\n\n  \nsecond — café\n".encode())
    data = load_text_records(path)
    assert data.records == (b"first note", "second — café".encode())
    assert data.name == "notes.txt" and data.text_field is None
    assert len(data) == 2 and data.source_bytes == path.stat().st_size


def test_jsonl_reads_the_named_field_and_the_field_is_part_of_the_fingerprint(
    tmp_path: Path,
) -> None:
    lines = [json.dumps({"note": f"visit {i}", "body": f"b{i}"}) for i in range(3)]
    path = _write(tmp_path, "notes.jsonl", "\n".join(lines).encode())
    by_note = load_text_records(path, text_field="note")
    by_body = load_text_records(path, text_field="body")
    assert by_note.records == (b"visit 0", b"visit 1", b"visit 2")
    assert by_body.records == (b"b0", b"b1", b"b2")
    assert by_note.sha256 != by_body.sha256


def test_truncation_is_counted_per_record(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.txt", b"a" * 10 + b"\n" + b"b" * 3 + b"\n" + b"c" * 11 + b"\n")
    data = load_text_records(path)
    assert data.longest() == 11
    assert data.truncated_count(10) == 1 and data.truncated_count(3) == 2


@pytest.mark.parametrize(
    ("name", "content", "options", "expected"),
    [
        ("empty.txt", b"", {}, "no records"),
        ("blank.txt", b"\n \n\t\n", {}, "no records"),
        ("latin1.txt", b"ok\ncaf\xe9 au lait\n", {}, r"line 2: not UTF-8: byte 0xe9 at column 4"),
        ("nofield.jsonl", b'{"text": "a"}\n{"body": "b"}\n', {}, r"line 2: no field 'text'"),
        ("named.jsonl", b'{"text": "a"}\n', {"text_field": "note"}, "no field 'note'"),
        ("notjson.jsonl", b'{"text": "a"}\n{oops\n', {}, "line 2: not valid JSON"),
        ("list.jsonl", b'["text"]\n', {}, "line 1: expected a JSON object, got list"),
        ("number.jsonl", b'{"text": 3}\n', {}, "field 'text' must be a string, got int"),
        ("surrogate.jsonl", b'{"text": "a\\ud800"}\n', {}, "lone surrogate"),
        ("long.txt", b"short\n" + b"x" * 101 + b"\n", {"max_record_bytes": 100},
         r"line 2: record of 101 bytes is over the limit of 100 bytes"),
        ("notes.csv", b"a,b\n", {}, "must be a .txt file"),
        ("notes.txt", b"a\n", {"text_field": "text"}, "applies to .jsonl files only"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_by_line_and_fault(
    tmp_path: Path, name: str, content: bytes, options: dict[str, object], expected: str
) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(TrainingError, match=expected) as caught:
        load_text_records(path, **options)  # type: ignore[arg-type]
    assert isinstance(caught.value, AigcGuardError)
    assert name in str(caught.value)


def test_missing_file_and_directory_are_named(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="not found"):
        load_text_records(tmp_path / "absent.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(TrainingError, match="is a directory"):
        load_text_records(folder)
