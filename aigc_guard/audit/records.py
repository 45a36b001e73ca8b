"""What goes into the log (`AuditRecord`, raw) and what comes out (`AuditEntry`, hashed).

The split is the privacy boundary: a record may carry the raw prompt and output
bytes, an entry never does. `AuditLog.append` is the only place that turns one
into the other, replacing raw values by keyed hashes.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

from aigc_guard.audit.hashing import GENESIS_HASH, HASHED_FIELDS
from aigc_guard.errors import AuditError, InputError


class AuditEvent(str, enum.Enum):
    """What a row records."""

    OUTPUT = "output"  # one candidate output and the decision on it
    MODEL = "model"  # a trained model's privacy card
    GENERATION_ERROR = "generation_error"  # the generator raised or returned garbage
    PURGE = "purge"  # rows before a signed checkpoint were removed (retention)
    DELIVERY_FAILED = "delivery_failed"  # an output's row was committed, its file not written


class AuditDecision(str, enum.Enum):
    """The decision a row records (`artifacts.Decision` plus `error`)."""

    ALLOW = "allow"
    REDACT = "redact"
    REGENERATE = "regenerate"
    BLOCK = "block"
    ERROR = "error"


EVENTS = tuple(event.value for event in AuditEvent)
DECISIONS = tuple(decision.value for decision in AuditDecision)
CONTENT_KINDS = ("image", "text")

ENTRY_FIELDS: tuple[str, ...] = ("id", *HASHED_FIELDS, "row_hash", "row_mac")
_HEX12 = re.compile(r"[0-9a-f]{12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def plain_value(value: Any) -> Any:
    """Enum members (Decision, ArtifactKind) as their value; anything else unchanged."""
    return value.value if isinstance(value, enum.Enum) else value


def _check_choice(name: str, value: Any, choices: tuple[str, ...], *, optional: bool) -> None:
    if value is None and optional:
        return
    if value not in choices:
        valid = ", ".join(choices)
        raise InputError(f"AuditRecord.{name}: {value!r} is not one of {valid}")


def _check_text(name: str, value: Any, pattern: re.Pattern[str] | None = None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value or "\x00" in value:
        raise InputError(f"AuditRecord.{name}: expected a non-empty str, got {value!r}")
    if pattern is not None and not pattern.fullmatch(value):
        raise InputError(f"AuditRecord.{name}: {value!r} must match {pattern.pattern}")


@dataclass(frozen=True)
class AuditRecord:
    """One event to log, as the caller has it. `content` and `prompt` are raw and are
    never stored: `append` keeps only their keyed hashes (they are left out of repr
    so a traceback cannot print them either).

    `checks`, `marks` and `extra` must already be free of personal data (entity
    types, positions and scores, not values).
    """

    event: AuditEvent | str
    decision: AuditDecision | str | None = None
    request_id: str | None = None
    attempt: int = 0
    policy_id: str | None = None
    policy_sha256: str | None = None
    model_id: str | None = None
    content_id: str | None = None
    content_kind: str | None = None
    content: bytes | str | None = field(default=None, repr=False)
    prompt: str | None = field(default=None, repr=False)
    checks: Mapping[str, Any] = field(default_factory=dict)
    marks: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("event", "decision", "content_kind"):
            object.__setattr__(self, name, plain_value(getattr(self, name)))
        _check_choice("event", self.event, EVENTS, optional=False)
        _check_choice("decision", self.decision, DECISIONS, optional=True)
        _check_choice("content_kind", self.content_kind, CONTENT_KINDS, optional=True)
        object.__setattr__(self, "event", AuditEvent(self.event))
        if self.decision is not None:
            object.__setattr__(self, "decision", AuditDecision(self.decision))
        for name in ("request_id", "policy_id", "model_id"):
            _check_text(name, getattr(self, name))
        _check_text("content_id", self.content_id, _HEX12)
        _check_text("policy_sha256", self.policy_sha256, _HEX64)
        if isinstance(self.attempt, bool) or not isinstance(self.attempt, int) or self.attempt < 0:
            raise InputError(f"AuditRecord.attempt: expected an int >= 0, got {self.attempt!r}")
        if self.content is not None and not isinstance(self.content, bytes | bytearray | str):
            kind = type(self.content).__name__
            raise InputError(f"AuditRecord.content: expected bytes or str, got {kind}")
        if self.prompt is not None and not isinstance(self.prompt, str):
            raise InputError(f"AuditRecord.prompt: expected str, got {type(self.prompt).__name__}")


class ChainHead(NamedTuple):
    """The last link of the chain: `(seq, row_hash)`; `(0, GENESIS_HASH)` when empty.

    Deleting the last rows of a log leaves a valid shorter chain; only a head saved
    (and ideally signed) earlier reveals it. Pass it to `verify_chain(checkpoint=...)`.
    """

    seq: int
    row_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "row_hash": self.row_hash}


EMPTY_HEAD = ChainHead(0, GENESIS_HASH)


@dataclass(frozen=True)
class AuditEntry:
    """One stored row of the log. Holds keyed hashes only, never raw prompts or outputs."""

    id: int
    seq: int
    created_at: datetime
    event: AuditEvent
    request_id: str | None
    attempt: int
    decision: AuditDecision | None
    policy_id: str | None
    policy_sha256: str | None
    model_id: str | None
    content_id: str | None
    content_kind: str | None
    content_hash: str | None
    prompt_hash: str | None
    key_id: str | None
    checks: dict[str, Any]
    marks: dict[str, Any]
    extra: dict[str, Any]
    prev_hash: str
    row_hash: str
    row_mac: str | None = None  # HMAC of row_hash under the hash key; None on legacy rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with the stored values (`created_at` as its stored ISO string).

        The keys are the column names, so `compute_row_hash(entry.to_dict())` gives
        `row_hash` back: an exported row can be verified without the database.
        """
        out = {name: plain_value(getattr(self, name)) for name in ENTRY_FIELDS}
        out["created_at"] = format_timestamp(self.created_at)
        return out

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.row_hash)


def format_timestamp(moment: datetime) -> str:
    """The stored form of a time: UTC ISO-8601 with microseconds (`...T12:00:00.000001+00:00`)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def utc_now_text() -> str:
    return format_timestamp(datetime.now(timezone.utc))


def decode_json_columns(raw: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A raw row with its JSON text columns parsed; unparsable text is kept as text
    (verification then reports the row, lookups refuse it)."""
    fields = dict(raw)
    for name in names:
        text = fields.get(name)
        if isinstance(text, str):
            try:
                fields[name] = json.loads(text)
            except ValueError:
                fields[name] = text
    return fields


def entry_from_fields(fields: Mapping[str, Any], *, where: str) -> AuditEntry:
    """Build an `AuditEntry` from decoded stored fields; AuditError names a corrupt row."""
    label = f"{where}: row {fields.get('seq')!r} (id {fields.get('id')!r})"
    for name in ("checks", "marks", "extra"):
        if not isinstance(fields.get(name), dict):
            raise AuditError(f"{label}: column {name} is not a JSON object (edited?)")
    text = fields.get("created_at")
    try:
        created = datetime.fromisoformat(str(text))
    except ValueError as exc:
        raise AuditError(f"{label}: created_at {text!r} is not ISO-8601 (edited?)") from exc
    if created.tzinfo is None:
        raise AuditError(f"{label}: created_at {text!r} has no time zone (edited?)")
    values: dict[str, Any] = {name: fields.get(name) for name in ENTRY_FIELDS}
    values["created_at"] = created
    try:
        values["event"] = AuditEvent(values["event"])
        if values["decision"] is not None:
            values["decision"] = AuditDecision(values["decision"])
    except ValueError as exc:
        raise AuditError(f"{label}: {exc} (edited, or written by a newer version?)") from exc
    return AuditEntry(**values)


__all__ = [
    "CONTENT_KINDS",
    "DECISIONS",
    "EMPTY_HEAD",
    "ENTRY_FIELDS",
    "EVENTS",
    "AuditDecision",
    "AuditEntry",
    "AuditEvent",
    "AuditRecord",
    "ChainHead",
    "decode_json_columns",
    "entry_from_fields",
    "format_timestamp",
    "plain_value",
    "utc_now_text",
]
