"""The built wheel works outside the repository: bundled policies ship inside it.

Builds the wheel, installs it into a fresh virtual environment in a temporary folder
(dependencies are reused from this environment through a .pth file, so no network is
needed), and runs the CLI there from another working directory.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and runs a short demo

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (outside the repository) with the wheel installed; returns its bin/."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a clean copy: a stale build/ folder must not leak into the wheel
    ignore = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__",
                                    ".*_cache", "demo-out")  # fmt: skip
    shutil.copytree(ROOT, source, ignore=ignore)
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
          "-q", "-w", str(work / "dist")], cwd=work)  # fmt: skip
    (wheel,) = (work / "dist").glob("aigc_guard-*.whl")
    env_dir = work / "env"
    _run([sys.executable, "-m", "venv", str(env_dir)], cwd=work)
    python = env_dir / "bin" / "python"
    target = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                  cwd=work).strip()  # fmt: skip
    # Dependencies come from this environment; .pth files found there are not processed,
    # so the editable install of the checkout stays invisible to the new environment.
    (Path(target) / "reuse-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
         cwd=work)  # fmt: skip
    return env_dir / "bin"


def test_wheel_carries_the_bundled_policies(installed: Path, tmp_path: Path) -> None:
    code = (
        "import aigc_guard.policy as p; print(p.bundled_policy_dir()); print(p.bundled_policies())"
    )
    out = _run([str(installed / "python"), "-c", code], cwd=tmp_path).splitlines()
    assert Path(out[0]).is_relative_to(installed.parent), out[0]  # inside the venv, not the repo
    assert "default" in out[1]


def test_cli_from_the_wheel_runs_the_demo_and_inspects(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "AIGC_GUARD_HOME": str(tmp_path / "home")}
    cli = str(installed / "aigc-guard")
    _run([cli, "demo", "--out", "demo", "--n", "4", "--max-steps", "5"], cwd=tmp_path, env=env)
    outputs = sorted((tmp_path / "demo" / "outputs").glob("*.png"))
    assert outputs, "the demo delivered nothing"
    report = _run(
        [cli, "inspect", "--policy", "default", "--index", "demo/index", "--json",
         *(str(p.relative_to(tmp_path)) for p in outputs)],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    records = [json.loads(line) for line in report.splitlines()]
    assert len(records) == len(outputs)
    assert all(record["decision"] in {"allow", "block"} for record in records)
