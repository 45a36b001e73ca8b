"""pytest plugin: the rows of the README's hardening table, from the tests' own results.

Tests declare a row with `@pytest.mark.hardening(kind, what, held)` and may record
`peak_mb` and `seconds` (record_property). Loaded on demand, by
benchmarks/hardening_table.py: `pytest -p hardening_report --hardening-json FILE`.
Parametrized cases of one row are merged: the row holds only if every case passed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hardening-json", default=None, help="write the hardening rows here")


def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption("--hardening-json")
    if target:
        config.pluginmanager.register(_Rows(Path(target)), "hardening-rows")


class _Rows:
    def __init__(self, target: Path) -> None:
        self.target = target
        self.marks: dict[str, tuple[str, str, str]] = {}
        self.rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            mark = item.get_closest_marker("hardening")
            if mark is not None:
                self.marks[item.nodeid] = tuple(mark.args)  # type: ignore[assignment]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = self.marks.get(report.nodeid)
        if key is None or (report.when != "call" and report.passed):
            return
        row = self.rows.setdefault(key, {"kind": key[0], "what": key[1], "held": key[2],
                                         "passed": 0, "failed": 0, "skipped": 0,
                                         "seconds": 0.0, "peak_mb": None})  # fmt: skip
        row[report.outcome] += 1
        row["seconds"] += report.duration
        for name, value in report.user_properties:
            if name == "peak_mb":
                row["peak_mb"] = max(row["peak_mb"] or 0.0, float(value))

    def pytest_sessionfinish(self) -> None:
        rows = sorted(self.rows.values(), key=lambda row: (row["kind"] != "input", row["what"]))
        self.target.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
