"""The demo's closing summary: what happened and where to look."""

from __future__ import annotations

from typing import Any

from aigc_guard.cli.demo import DemoSummary


def print_summary(summary: DemoSummary, *, console: Any) -> None:
    from rich.table import Table

    table = Table(title="aigc_guard demo", show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    counts = summary.counts
    table.add_row("allowed", str(counts.get("allow", 0) + counts.get("redact", 0)))
    table.add_row("regenerated (candidates discarded)", str(counts.get("regenerate", 0)))
    table.add_row("blocked", str(counts.get("block", 0)))
    table.add_row("epsilon (spent) / delta", f"{summary.epsilon:.3f} / {summary.delta:g}")
    table.add_row("policy", summary.policy_id)
    if summary.closest_distance is not None and summary.threshold is not None:
        table.add_row(
            "closest memorization distance / threshold",
            f"{summary.closest_distance:.4f} / {summary.threshold:.4f}",
        )
    chain = "intact" if summary.chain_ok else f"TAMPERED: {summary.chain_problem}"
    table.add_row("audit chain", f"{chain} ({summary.rows} rows)")
    for stage, seconds in summary.seconds.items():
        table.add_row(f"time: {stage}", f"{seconds:.1f} s")
    console.print(table)
    where = Table(title="where to look", show_header=False)
    where.add_column("what")
    where.add_column("path")
    for name, path in summary.paths.items():
        where.add_row(name, str(path))
    console.print(where)
    out = summary.paths["outputs"].parent
    console.print(
        "next: trace an output to its audit row with\n"
        f"  aigc-guard verify {out}/outputs/*.png --db {out}/audit.db --keys {out}/keys\n"
        f"  aigc-guard audit verify --db {out}/audit.db",
        soft_wrap=True,
        highlight=False,
    )
