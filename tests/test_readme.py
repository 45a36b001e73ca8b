"""The README runs as printed: every Python block and every shell block, in order, in one
fresh folder, as a new user would type them.

Python blocks share one interpreter (like a notebook); shell blocks run with bash -e
from the same folder, with the virtual environment's `aigc-guard` on PATH. Output
examples (```json, ```text) are not run. A block preceded by the line
`<!-- readme-test: skip ... -->` is not run (the two `make` commands, which build the
environment this test runs in, and examples that download weights from a hub).
Training is shortened through AIGC_GUARD_MAX_STEPS.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # trains, indexes and guards, as the README does

README = Path(__file__).resolve().parents[1] / "README.md"
SKIP = "<!-- readme-test: skip -->"
RUN = ("python", "bash")
FENCE = re.compile(r"^```(\w*)\s*$")

DRIVER = r"""
import json, subprocess, sys, traceback
blocks = json.load(open(sys.argv[1]))
namespace = {"__name__": "__readme__"}
for block in blocks:
    where = f"README.md line {block['line']} ({block['language']})"
    print(f"--- {where}", flush=True)
    if block["language"] == "python":
        try:
            exec(compile(block["code"], where, "exec"), namespace)
        except BaseException:
            traceback.print_exc()
            print(f"FAILED: {where}", flush=True)
            sys.exit(1)
    else:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block["code"]])
        if done.returncode != 0:
            print(f"FAILED: {where} (exit {done.returncode})", flush=True)
            sys.exit(1)
"""


def readme_blocks(text: str) -> list[dict[str, object]]:
    """The runnable fenced blocks of `text`: language, first line number, code."""
    blocks: list[dict[str, object]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opened = FENCE.match(lines[index])
        if not opened or not opened.group(1):
            index += 1
            continue
        language, start = opened.group(1), index + 1
        end = start
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        skipped = index > 0 and lines[index - 1].strip().startswith(SKIP.removesuffix(" -->"))
        if language in RUN and not skipped:
            code = "\n".join(lines[start:end]) + "\n"
            blocks.append({"language": language, "line": start, "code": code})
        index = end + 1
    return blocks


def test_the_extractor_finds_blocks_and_honours_skip_markers() -> None:
    text = "\n".join(
        ["```python", "x = 1", "```", SKIP, "```bash", "make demo", "```", "```json", "{}", "```"]
    )
    assert readme_blocks(text) == [{"language": "python", "line": 1, "code": "x = 1\n"}]


def test_readme_runs_as_printed(tmp_path: Path) -> None:
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    assert any(b["language"] == "python" for b in blocks)
    assert any(b["language"] == "bash" for b in blocks)
    (tmp_path / "blocks.json").write_text(json.dumps(blocks))
    (tmp_path / "driver.py").write_text(DRIVER)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIGC_GUARD_HOME": str(tmp_path / "home"),
        "AIGC_GUARD_MAX_STEPS": "3",
    }
    env.pop("AIGC_GUARD_DB", None)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "blocks.json")],
        cwd=work, env=env, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
