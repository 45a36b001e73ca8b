"""Text records for DP training: one record a line (.txt) or one JSON object a line (.jsonl).

The privacy unit is one record: every record becomes exactly one training example
(one row), so DP-SGD's per-example clipping bounds each record's influence. A
record longer than the model's context is truncated to its first `context` bytes
(never split into several examples, which would multiply its influence); how many
were cut is recorded on the privacy card. A record over `max_record_bytes` is
refused, as are an empty file, invalid UTF-8, a JSONL line that is not an object
or lacks the text field: each error names the file and the line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from aigc_guard.errors import TrainingError, truncated

DEFAULT_MAX_RECORD_BYTES = 65_536
DEFAULT_TEXT_FIELD = "text"
TEXT_SUFFIXES = (".txt", ".jsonl")
_MAX_FILE_BYTES = 2**31


@dataclass(frozen=True)
class TextDataset:
    """The records of one file (as UTF-8 bytes) and the fingerprint of that file."""

    name: str
    records: tuple[bytes, ...]
    sha256: str
    source_bytes: int
    text_field: str | None = None

    def __len__(self) -> int:
        return len(self.records)

    def longest(self) -> int:
        """Length in bytes of the longest record."""
        return max((len(record) for record in self.records), default=0)

    def truncated_count(self, context: int) -> int:
        """How many records are longer than `context` bytes (and get cut to it)."""
        return sum(len(record) > context for record in self.records)


def load_text_records(
    path: str | Path,
    *,
    text_field: str | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> TextDataset:
    """Read `path` (.txt: a record a line; .jsonl: the string field `text_field` of each
    object). Blank lines are not records. TrainingError names the file, line and fault."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        raise TrainingError(
            f"{path}: text data must be a .txt file (a record a line) or a .jsonl file "
            f"(one JSON object a line), got {suffix or 'no suffix'!r}"
        )
    if suffix == ".txt" and text_field is not None:
        raise TrainingError(f"{path}: --text-field applies to .jsonl files only")
    data = _read(path)
    field = (text_field or DEFAULT_TEXT_FIELD) if suffix == ".jsonl" else None
    records: list[bytes] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            continue
        text = _decode(line, path, number)
        record = text if field is None else _field(text, field, path, number)
        encoded = record.encode("utf-8")
        if len(encoded) > max_record_bytes:
            raise TrainingError(
                f"{path} line {number}: record of {len(encoded):,} bytes is over the limit "
                f"of {max_record_bytes:,} bytes (raise --max-record-bytes, or split the file "
                "so that one record is one person's or one document's text)"
            )
        if encoded:
            records.append(encoded)
    if not records:
        raise TrainingError(f"{path}: no records (the file is empty or holds only blank lines)")
    digest = hashlib.sha256(data)
    if field is not None:
        digest.update(b"\0text_field=" + field.encode("utf-8"))
    return TextDataset(
        name=path.name,
        records=tuple(records),
        sha256=digest.hexdigest(),
        source_bytes=len(data),
        text_field=field,
    )


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > _MAX_FILE_BYTES:
            raise TrainingError(f"{path}: {size:,} bytes is more than this loader reads (2 GiB)")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TrainingError(f"text data not found: {path}") from exc
    except IsADirectoryError as exc:
        raise TrainingError(f"{path} is a directory; expected a .txt or .jsonl file") from exc
    except OSError as exc:
        raise TrainingError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _decode(line: bytes, path: Path, number: int) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrainingError(
            f"{path} line {number}: not UTF-8: byte 0x{line[exc.start]:02x} at column "
            f"{exc.start + 1} ({exc.reason}); re-encode the file as UTF-8"
        ) from exc


def _field(text: str, field: str, path: Path, number: int) -> str:
    try:
        item = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise TrainingError(f"{path} line {number}: not valid JSON ({exc})") from exc
    if not isinstance(item, dict):
        raise TrainingError(
            f"{path} line {number}: expected a JSON object, got {type(item).__name__}"
        )
    if field not in item:
        keys = ", ".join(truncated(repr(key), 40) for key in list(item)[:8]) or "none"
        raise TrainingError(
            f"{path} line {number}: no field {field!r} (its fields: {keys}); "
            "name the text field with --text-field"
        )
    value = item[field]
    if not isinstance(value, str):
        raise TrainingError(
            f"{path} line {number}: field {field!r} must be a string, got {type(value).__name__}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TrainingError(
            f"{path} line {number}: field {field!r} is not valid Unicode "
            f"(a lone surrogate at character {exc.start + 1})"
        ) from exc
    return value


__all__ = ["TextDataset", "load_text_records"]
