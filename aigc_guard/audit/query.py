"""Queries for auditors: entries by time range, model, policy, decision and event.

`AuditLog.query(...)` returns a `QueryResult`, a list of typed `AuditEntry` rows
with `to_pandas()`; `iter_filtered` streams raw stored rows in seq order for the
exports. Times are compared on the stored UTC ISO-8601 text, which sorts like the
times themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from aigc_guard.audit.models import AUDIT_TABLE
from aigc_guard.audit.records import (
    DECISIONS,
    EVENTS,
    AuditEntry,
    entry_from_fields,
    format_timestamp,
)
from aigc_guard.errors import DependencyError, InputError

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog

_C = AUDIT_TABLE.c
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Filters:
    """Validated filters; None means "any"."""

    since: str | None = None
    until: str | None = None
    model: str | None = None
    policy: str | None = None
    decision: str | None = None
    event: str | None = None

    @classmethod
    def build(cls, **values: Any) -> Filters:
        from aigc_guard.audit.retention import parse_moment

        since, until = values.get("since"), values.get("until")
        since_text = format_timestamp(parse_moment(since, what="since")) if since else None
        until_text = format_timestamp(parse_moment(until, what="until")) if until else None
        if since_text and until_text and since_text >= until_text:
            raise InputError(f"since {since_text} is not before until {until_text}")
        for name, choices in (("decision", DECISIONS), ("event", EVENTS)):
            value = values.get(name)
            if value is not None and value not in choices:
                raise InputError(f"{name} {value!r} is not one of {', '.join(choices)}")
        for name in ("model", "policy"):
            value = values.get(name)
            if value is not None and (not isinstance(value, str) or not value):
                raise InputError(f"{name} must be a non-empty str, got {value!r}")
        return cls(
            since_text,
            until_text,
            values.get("model"),
            values.get("policy"),
            values.get("decision"),
            values.get("event"),
        )

    @property
    def empty(self) -> bool:
        return not any(asdict(self).values())

    def to_dict(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value is not None}

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if self.since:
            found.append(_C.created_at >= self.since)
        if self.until:
            found.append(_C.created_at < self.until)
        if self.model:
            found.append(_C.model_id == self.model)
        if self.policy:
            column = _C.policy_sha256 if _SHA256.fullmatch(self.policy) else _C.policy_id
            found.append(column == self.policy)
        if self.decision:
            found.append(_C.decision == self.decision)
        if self.event:
            found.append(_C.event == self.event)
        return found


class QueryResult(list[AuditEntry]):
    """Typed rows; `to_pandas()` gives a DataFrame (one column per stored field)."""

    def to_pandas(self) -> Any:
        try:
            import pandas as pd
        except ImportError as exc:
            raise DependencyError("to_pandas needs pandas: pip install pandas") from exc
        frame = pd.DataFrame([entry.to_dict() for entry in self], columns=_frame_columns())
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
        return frame


def _frame_columns() -> list[str]:
    from aigc_guard.audit.records import ENTRY_FIELDS

    return list(ENTRY_FIELDS)


def iter_filtered(
    log: AuditLog, filters: Filters, *, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """Stored rows matching `filters`, in seq order, as `AuditLog.rows` gives them."""
    return log.rows(batch=batch, where=tuple(filters.clauses()))


def run_query(log: AuditLog, filters: Filters, *, limit: int | None = None) -> QueryResult:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InputError(f"limit must be an int >= 1, got {limit!r}")
    result = QueryResult()
    for fields in iter_filtered(log, filters):
        result.append(entry_from_fields(fields, where=f"audit database {log.url}"))
        if limit is not None and len(result) >= limit:
            break
    return result


__all__ = ["Filters", "QueryResult", "iter_filtered", "run_query"]
