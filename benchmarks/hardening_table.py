"""The README's hardening table, regenerated from the tests' results.

Runs tests/test_hardening_*.py and tests/test_property_*.py with the
`hardening_report` plugin, prints one row per hostile input or injected fault
(what held, how many cases, peak memory of the limited subprocess, time), and with
`--write-readme` replaces the table between the README's hardening markers.

    .venv/bin/python benchmarks/hardening_table.py [--write-readme]   (make hardening-table)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- hardening-table:start -->", "<!-- hardening-table:end -->"


def run_tests() -> tuple[list[dict[str, Any]], int]:
    tests = sorted(str(p) for p in (ROOT / "tests").glob("test_hardening_*.py"))
    tests += sorted(str(p) for p in (ROOT / "tests").glob("test_property_*.py"))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "rows.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "hardening_report",
             "--hardening-json", str(target), *tests],
            cwd=ROOT, env=env, check=False,
        )  # fmt: skip
        rows = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else []
    return rows, done.returncode


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| | input or fault | what held | cases | result | peak memory | time |",
        "|---|---|---|---:|---|---:|---:|",
    ]
    for row in rows:
        cases = row["passed"] + row["failed"] + row["skipped"]
        if row["failed"]:
            result = f"**FAILED** ({row['failed']} of {cases})"
        elif row["passed"]:
            result = "held" + (f" ({row['skipped']} skipped)" if row["skipped"] else "")
        else:
            result = "skipped"
        peak = f"{row['peak_mb']:.0f} MB" if row["peak_mb"] else "-"
        lines.append(f"| {row['kind']} | {row['what']} | {row['held']} | {cases} | {result} "
                     f"| {peak} | {row['seconds']:.1f} s |")  # fmt: skip
    return "\n".join(lines)


def write_readme(table: str) -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-readme", action="store_true", help="update README.md")
    args = parser.parse_args()
    rows, code = run_tests()
    table = render(rows)
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{os.cpu_count()} CPUs, load average {load} (1/5/15 min) while the tests ran\n")
    print(table)
    if args.write_readme:
        write_readme(table)
        print(f"\nwrote {README}")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
