"""Training texts from a file: one record per line (.txt) or one JSON object per line (.jsonl).

Every problem names the file and the line: bytes that are not UTF-8, a line
that is not a JSON object, a missing or non-string text field, a file with no
records. Nothing is skipped silently except blank lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from aigc_guard.errors import InputError

TEXT_SUFFIXES = (".txt", ".jsonl")


def is_text_corpus(data: str | Path) -> bool:
    return Path(data).suffix.lower() in TEXT_SUFFIXES


def read_text_corpus(
    path: str | Path, *, text_field: str = "text", id_field: str | None = None
) -> list[tuple[str, str]]:
    """`(id, text)` pairs; ids are `FILE:LINE` unless `id_field` names a JSONL field."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file (expected a .txt or .jsonl corpus)")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        raise InputError(f"{path}: expected a .txt (one record per line) or .jsonl file")
    if id_field is not None and suffix != ".jsonl":
        raise InputError(f"{path}: --id-field applies to .jsonl files only")
    records = []
    for number, line in _lines(path):
        if suffix == ".txt":
            records.append((f"{path.name}:{number}", line))
        else:
            records.append(_jsonl_record(path, number, line, text_field, id_field))
    if not records:
        raise InputError(f"{path}: no records (the file is empty or holds only blank lines)")
    return records


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{number}: not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte "
                    f"offset {offset + exc.start} ({exc.reason})"
                ) from exc
            offset += len(raw)
            if line.strip():
                yield number, line


def _jsonl_record(
    path: Path, number: int, line: str, text_field: str, id_field: str | None
) -> tuple[str, str]:
    where = f"{path}:{number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not a JSON object ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if text_field not in record:
        fields = ", ".join(sorted(map(str, record))[:10]) or "none"
        raise InputError(f"{where}: no field {text_field!r} (fields: {fields}); see --text-field")
    text = record[text_field]
    if not isinstance(text, str):
        raise InputError(f"{where}: field {text_field!r} is {type(text).__name__}, not a string")
    if id_field is None:
        return f"{path.name}:{number}", text
    if id_field not in record or not isinstance(record[id_field], (str, int)):
        raise InputError(f"{where}: field {id_field!r} missing or not a string or integer")
    return str(record[id_field]), text
