"""Run a test function in a fresh interpreter under hard resource limits.

A hostile input must fail with a named error *within a budget*: an in-process test
cannot see a 7 GB allocation until the machine swaps. Here the kernel enforces the
budget (RLIMIT_AS for memory, RLIMIT_CPU for time) and a wall-clock timeout catches
a hang, so exceeding it is a test failure (MemoryError, a signal, a timeout), never
a slow machine.

`run_limited("module:function", memory_mb=..., timeout_s=...)` imports `module`
from tests/ and calls `function()`; it returns the peak resident memory and the
time taken, or fails the test with the worker's traceback.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
_WORKER = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
module, function = sys.argv[1].split(":")
started = time.monotonic()
getattr(__import__(module), function)()
print(json.dumps({"seconds": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass(frozen=True)
class Usage:
    """What the worker used: peak resident memory (MiB) and the function's wall time (s)."""

    peak_mb: float
    seconds: float


def run_limited(target: str, *, memory_mb: int = 1536, timeout_s: float = 120.0) -> Usage:
    """Call `target` ("module:function", a module in tests/) in a limited subprocess.

    `memory_mb` caps the address space of the whole interpreter (imports included:
    about 400 MiB for numpy, Pillow and pydantic); `timeout_s` caps wall time.
    """

    def limit() -> None:
        cap = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        cpu = int(timeout_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _WORKER, target, str(TESTS)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            preexec_fn=limit,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{target} hung: no result after {timeout_s:.0f} s") from exc
    if done.returncode != 0:
        elapsed = time.monotonic() - started
        raise AssertionError(
            f"{target} failed under {memory_mb} MiB / {timeout_s:.0f} s (exit "
            f"{done.returncode} after {elapsed:.1f} s):\n{done.stderr[-4000:]}"
        )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Usage(peak_mb=round(figures["peak_mb"], 1), seconds=round(figures["seconds"], 2))
