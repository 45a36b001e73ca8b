"""The memorization check's result for text: near-duplicate and verbatim-span criteria.

Kept apart from the check so its details stay one readable list: what was
measured (distance, similarity, threshold, the longest common run and the span
floor), which criterion fired, the nearest record's id and the offsets of each
run in the output and in the record. Ids, figures and offsets only: no text,
so the audit row that stores these details never holds training data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import CheckResult

if TYPE_CHECKING:
    from aigc_guard.checks.memorization import MemorizationCheck
    from aigc_guard.index import FingerprintIndex


def text_result(
    check: MemorizationCheck, index: FingerprintIndex, text: str, threshold: float
) -> CheckResult:
    """Flag `text` when it is a near-duplicate or holds a verbatim run of a record."""
    match = index.nearest(text)
    spans = list(getattr(match, "spans", ()))
    near = match.id is not None and match.distance <= threshold
    criteria = (["near-duplicate"] if near else []) + (["verbatim-span"] if spans else [])
    nearest_id = match.id if near or not spans else spans[0].id
    details: dict[str, Any] = {
        "criterion": "+".join(criteria) or None,
        "distance": round(match.distance, 6),
        "similarity": round(getattr(match, "similarity", 1.0 - match.distance), 6),
        "threshold": round(threshold, 6),
        "threshold_source": check.threshold_source,
        "nearest_id": nearest_id,
        "min_span": index.manifest.get("span", {}).get("min_chars"),
        "span_floor": getattr(index, "min_span", None),
        "longest_span": spans[0].length if spans else 0,
        "spans": [span.to_dict() for span in spans],
    }
    if spans and not near:
        summary = (
            f"verbatim run of {spans[0].length} characters from {spans[0].id} at output "
            f"[{spans[0].output_start}, {spans[0].output_end})"
        )
    else:
        summary = f"distance {match.distance:.4f} <= threshold {threshold:.4f} to {match.id}"
        if spans:
            summary += f", and {len(spans)} verbatim run(s)"
    return check.result(passed=not criteria, details=details, summary=summary)
