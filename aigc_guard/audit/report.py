"""The HTML report: one self-contained file an auditor opens offline in any browser.

Everything is drawn at export time (charts.py, inline SVG); a Content-Security-Policy
forbids every network request, and the only script is a self-check that records
how many charts rendered (used by the headless-browser test). Personal data cannot
appear: the rows hold keyed hashes, entity types and positions only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.audit.catalog import read_models, read_policies
from aigc_guard.audit.charts import bar_chart, histogram, stacked_columns
from aigc_guard.audit.engine import audit_errors
from aigc_guard.audit.query import Filters, iter_filtered
from aigc_guard.audit.records import utc_now_text
from aigc_guard.errors import AuditError
from aigc_guard.fileio import atomic_writer

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog

MAX_TABLE_ROWS = 2000
_TABLE_COLUMNS = ("seq", "created_at", "event", "decision", "model_id", "policy_id", "content_id")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_SELF_CHECK = """
document.body.dataset.errors = "0";
window.addEventListener("error", () => {
  document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
});
window.addEventListener("load", () => {
  const charts = Array.from(document.querySelectorAll("svg.chart"));
  const drawn = charts.filter((c) => {
    const box = c.getBBox();
    return box.width > 0 && box.height > 0;
  });
  document.body.dataset.chartsTotal = String(charts.length);
  document.body.dataset.chartsRendered = String(drawn.length);
});
"""
_STYLE = """
body { font-family: sans-serif; margin: 24px; color: #212121; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
.ok { color: #2e7d32; font-weight: bold; } .bad { color: #c62828; font-weight: bold; }
table { border-collapse: collapse; font-size: 12px; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
"""


@dataclass
class _Stats:
    rows: int = 0
    by_day: dict[str, Counter[str | None]] = field(default_factory=lambda: defaultdict(Counter))
    reasons: Counter[str] = field(default_factory=Counter)
    pii: Counter[str] = field(default_factory=Counter)
    distances: list[float] = field(default_factory=list)
    thresholds: list[float] = field(default_factory=list)
    table: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        decision = row.get("decision")
        self.by_day[str(row.get("created_at", ""))[:10]][decision] += 1
        extra: dict[str, Any] = row["extra"] if isinstance(row.get("extra"), dict) else {}
        if decision in ("block", "regenerate"):
            reasons = extra.get("reasons") or ["(no reason recorded)"]
            for reason in reasons:
                self.reasons[f"{decision}: {str(reason).split(' failed')[0]}"] += 1
        checks: dict[str, Any] = row["checks"] if isinstance(row.get("checks"), dict) else {}
        for entity in (checks.get("pii") or {}).get("entities") or []:
            if isinstance(entity, dict) and entity.get("type"):
                self.pii[str(entity["type"])] += 1
        memorization = checks.get("memorization") or {}
        for name, target in (("distance", self.distances), ("threshold", self.thresholds)):
            value = memorization.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                target.append(float(value))
        if len(self.table) < MAX_TABLE_ROWS:
            self.table.append({name: row.get(name) for name in _TABLE_COLUMNS})


def _status_html(status: dict[str, Any]) -> str:
    state = (
        '<span class="ok">intact</span>' if status.get("ok") else '<span class="bad">FAILED</span>'
    )
    lines = [f"<p>Chain: {state}, {status.get('rows_checked', 0)} rows checked.</p>"]
    if status.get("problem"):
        lines.append(f'<p class="bad">{escape(str(status["problem"]))}</p>')
    checkpoint = status.get("checkpoint")
    if checkpoint:
        lines.append(
            f"<p>Latest signed checkpoint: {checkpoint.get('tree_size')} rows, "
            f"{escape(str(checkpoint.get('created_at')))}, "
            f"key {escape(str(checkpoint.get('key_id')))}; "
            f"{status.get('checkpoints_checked', 0)} checkpoints checked.</p>"
        )
    else:
        lines.append('<p class="bad">No signed checkpoint was checked.</p>')
    lines += [f"<p>Note: {escape(str(w))}</p>" for w in status.get("warnings", [])]
    return "".join(lines)


def _table(stats: _Stats) -> str:
    head = "".join(f"<th>{name}</th>" for name in _TABLE_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(r[c] if r[c] is not None else ''))}</td>" for c in _TABLE_COLUMNS
        )
        + "</tr>"
        for r in stats.table
    )
    note = (
        f"<p>First {MAX_TABLE_ROWS} of {stats.rows} rows.</p>"
        if stats.rows > len(stats.table)
        else ""
    )
    return f"{note}<table><tr>{head}</tr>{body}</table>"


def _charts(stats: _Stats, models: list[dict[str, Any]]) -> str:
    budgets = [
        (f"{m['model_id']} (δ={m['card'].get('delta')})", float(m["card"]["epsilon"]))
        for m in models
        if isinstance(m.get("card"), dict) and isinstance(m["card"].get("epsilon"), int | float)
    ]
    threshold = stats.thresholds[-1] if stats.thresholds else None
    charts = [
        stacked_columns("decisions", "Decisions per day", sorted(stats.by_day.items())),
        bar_chart("reasons", "Blocks and regenerations by reason", stats.reasons.most_common(12)),
        bar_chart("pii", "PII types found (entity types only)", stats.pii.most_common(12)),
        histogram(
            "memorization",
            "Memorization distance vs threshold",
            stats.distances,
            threshold=threshold,
        ),
        bar_chart("privacy", "Privacy budget spent per model (ε)", budgets),
    ]
    return '<div class="grid">' + "".join(f"<div>{c}</div>" for c in charts) + "</div>"


def render_html(log: AuditLog, filters: Filters, status: dict[str, Any]) -> tuple[str, int]:
    stats = _Stats()
    for row in iter_filtered(log, filters):
        stats.add(row)
    with (
        audit_errors(log._url, "read models and policies"),
        log._engine_for("report").connect() as conn,
    ):
        models, policies = read_models(conn), read_policies(conn)
    policy_rows = "".join(
        f"<tr><td>{escape(p['policy_id'])}</td><td>{escape(p['sha256'])}</td></tr>"
        for p in policies
    )
    scope = ", ".join(f"{k}={v}" for k, v in filters.to_dict().items()) or "all rows"
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>aigc_guard audit report</title><style>{_STYLE}</style></head>
<body><h1>aigc_guard audit report</h1>
<p>Log {escape(log.log_id)} at {escape(log.url)}; {stats.rows} rows ({escape(scope)});
generated {utc_now_text()}.</p>
<h2>Chain and checkpoints</h2>{_status_html(status)}
<h2>Charts</h2>{_charts(stats, models)}
<h2>Policies</h2><table><tr><th>id</th><th>sha256</th></tr>{policy_rows}</table>
<h2>Rows</h2>{_table(stats)}
<script>{_SELF_CHECK}</script></body></html>
"""
    return html, stats.rows


def export_html(log: AuditLog, path: Path, *, filters: Filters, status: dict[str, Any]) -> int:
    """Write the report; `status` is a verification result (`ChainReport.to_dict()`)."""
    if not status:
        from aigc_guard.audit.trail import verify_trail

        status = verify_trail(log).to_dict()
    html, rows = render_html(log, filters, status)
    try:
        with atomic_writer(path, text=True) as handle:
            handle.write(html)
    except OSError as exc:
        raise AuditError(f"cannot export to {path}: {exc}") from exc
    return rows


__all__ = ["MAX_TABLE_ROWS", "export_html", "render_html"]
