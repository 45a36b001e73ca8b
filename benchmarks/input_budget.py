"""What one image costs at the sizes the default pixel budget allows, and what a bomb costs.

Each case runs in a fresh interpreter (peak resident memory is per process, imports
included): decode through the guarded loader, then the full guard pipeline
(watermark every frame, sign, audit row) with no checks, timed after a warm-up
output. Random RGBA pixels do not compress, so the byte budget is lifted here. The
4096 x 4096 size is the default pixel budget (`limits.max_image_pixels`); the bombs
are refused before decoding.

    .venv/bin/python benchmarks/input_budget.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [(256, 256, 1), (1024, 1024, 1), (2048, 2048, 1), (4096, 4096, 1), (256, 256, 16)]
_CASE = """
import io, json, resource, sys, time
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[4])
from aigc_guard.artifacts import Artifact
from aigc_guard.errors import InputError
width, height, frames, stage = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[5]
if stage.startswith("bomb"):
    from hostile import png_1bit_bomb, png_declaring
    data = png_1bit_bomb() if stage == "bomb-1bit" else png_declaring(30000, 30000)
else:
    rng = np.random.default_rng(0)
    pictures = [Image.fromarray(rng.integers(0, 256, (height, width, 4), dtype=np.uint8), "RGBA")
                for _ in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "PNG", save_all=frames > 1, append_images=pictures[1:])
    data = buffer.getvalue()
from aigc_guard.limits import InputLimits
limits = InputLimits(max_image_bytes=2**31)  # random pixels do not compress: pixels decide here
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
try:
    artifact = Artifact.from_bytes(data, name="x.png", limits=limits)
except InputError:
    artifact = None
decoded = time.perf_counter() - started
if stage == "guard" and artifact is not None:
    from aigc_guard import Guard
    from aigc_guard.policy import parse_policy
    policy = parse_policy("id: b\\nversion: 1\\nchecks: {memorization: {enabled: false}, "
                          "pii: {enabled: false}}\\nlimits: {max_image_bytes: 2000000000}")
    with Guard(policy=policy, db=sys.argv[6], hash_key=b"k" * 32, keys=sys.argv[7],
               dev_credentials=True) as guard:
        guard.guard_artifact(Artifact.from_image(Image.new("RGB", (64, 64))))  # imports, keys
        started = time.perf_counter()
        guard.guard_artifact(artifact)
        decoded = time.perf_counter() - started
print(json.dumps({"bytes": len(data), "seconds": decoded, "base_mb": base,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "refused": artifact is None}))
"""


def run_case(width: int, height: int, frames: int, stage: str, work: Path) -> dict[str, float]:
    tests = Path(__file__).resolve().parent.parent / "tests"
    db = f"sqlite:///{work / f'audit-{width}-{frames}-{stage}.db'}"
    done = subprocess.run(
        [sys.executable, "-c", _CASE, str(width), str(height), str(frames), str(tests), stage,
         db, str(work / "keys")],
        capture_output=True, text=True, check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n")
    print(
        "| input | file | decode: time / peak RSS | guard (mark every frame, sign, row): "
        "time / peak RSS |"
    )
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for width, height, frames in SIZES:
            decode = run_case(width, height, frames, "decode", work)
            guard = run_case(width, height, frames, "guard", work)
            label = f"RGBA {width}x{height}" + (f" x {frames} frames" if frames > 1 else "")
            print(f"| {label} | {decode['bytes'] / 1e6:.1f} MB "
                  f"| {decode['seconds']:.2f} s / {decode['peak_mb']:.0f} MB "
                  f"| {guard['seconds']:.1f} s / {guard['peak_mb']:.0f} MB |")  # fmt: skip
        for stage, label in (("bomb-1bit", "1-bit PNG bomb, 121 Mpx"),
                             ("bomb-declared", "PNG declaring 30000x30000")):  # fmt: skip
            bomb = run_case(0, 0, 0, stage, work)
            print(f"| {label} | {bomb['bytes'] / 1e3:.1f} KB "
                  f"| refused in {bomb['seconds'] * 1000:.1f} ms / {bomb['peak_mb']:.0f} MB "
                  f"(interpreter alone {bomb['base_mb']:.0f} MB) | - |")  # fmt: skip


if __name__ == "__main__":
    main()
