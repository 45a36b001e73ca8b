"""The guarded pipeline's own cost: per-output time by stage beside the raw library calls.

64 photos of 256x256 (crops of scikit-learn's sample photos) go through
`guard.generate` (one batch) and through `guard.guard_artifact` (one file at a time),
with no fingerprint index and with the mnist5k index. The raw calls are the same
library functions the guard makes, timed alone in the same process: the checks, the
watermark embed, one PNG encode, the C2PA signature and one audit insert committed per
output. "orchestration" is the guard's time over the sum of the raw calls it makes.

Run: .venv/bin/python benchmarks/pipeline.py [--n 64]   (about a minute on 2 cores)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from aigc_guard import Guard
from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog, AuditRecord
from aigc_guard.checks import CheckSuite
from aigc_guard.credentials import SigningCredentials, ensure_dev_keys, load_watermark_key
from aigc_guard.marks.marker import Marker
from aigc_guard.marks.payload import new_content_id
from aigc_guard.marks.provenance import C2paProvenance, created_action_assertion
from aigc_guard.policy import Policy, load_policy, parse_policy

KEY = b"benchmark-key-0123456789abcdef"


def photos(n: int, side: int = 256) -> list[Image.Image]:
    """`n` crops of the two scikit-learn sample photos, resized to side x side."""
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(0)
    sources = [Image.fromarray(a) for a in load_sample_images().images]
    crops = []
    for i in range(n):
        source = sources[i % len(sources)]
        size = int(rng.integers(200, min(source.size)))
        left = int(rng.integers(0, source.width - size))
        top = int(rng.integers(0, source.height - size))
        crop = source.crop((left, top, left + size, top + size))
        crops.append(crop.resize((side, side), Image.Resampling.LANCZOS))
    return crops


def per_output_ms(run: Callable[[], Any], count: int) -> float:
    """Wall time of `run()` per output, in ms (callers warm up imports and caches first)."""
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000 / count


def policy_for(index: Any) -> Policy:
    """The default policy; without an index its memorization check is switched off."""
    if index is not None:
        return load_policy("default")
    return parse_policy("id: no-index\nversion: 1\nchecks: {memorization: {enabled: false}}\n")


def raw_stages(
    images: list[Image.Image], index: Any, signer: SigningCredentials, db: str, keys: Path
) -> dict[str, float]:
    """Milliseconds per output for each library call the guard makes, timed alone."""
    policy = policy_for(index)
    artifacts = [Artifact.from_image(image) for image in images]
    stages: dict[str, float] = {}
    with CheckSuite(policy, index=index) as suite:
        suite.run(artifacts[0])  # warm-up: imports, lazy engines
        stages["checks"] = per_output_ms(lambda: [suite.run(a) for a in artifacts], len(artifacts))
    marker = Marker(policy.marks, provenance=None, watermark_key=load_watermark_key(keys))
    watermarker = marker.watermarker(artifacts[0].kind)
    watermarker.apply(artifacts[0], new_content_id())  # warm-up: OpenCV, pywt
    marked: list[Artifact] = []
    stages["watermark embed"] = per_output_ms(
        lambda: marked.extend(watermarker.apply(a, new_content_id()) for a in artifacts),
        len(artifacts),
    )
    encoded: list[bytes] = []
    stages["PNG encode"] = per_output_ms(
        lambda: encoded.extend(a.to_bytes() for a in marked), len(marked)
    )
    with C2paProvenance(signer) as provenance:
        assertions = [created_action_assertion()]
        stages["C2PA sign"] = per_output_ms(
            lambda: [
                provenance.sign(data, media_type="image/png", title="x.png", assertions=assertions)
                for data in encoded
            ],
            len(encoded),
        )
    with AuditLog(db, hash_key=KEY) as log:
        records = [
            AuditRecord("output", decision="allow", content_id=new_content_id(), content=data)
            for data in encoded
        ]
        stages["audit insert + commit"] = per_output_ms(
            lambda: [log.append(record) for record in records], len(records)
        )
    return stages


def guarded(
    images: list[Image.Image], index: Any, signer: SigningCredentials, db: str, keys: Path
) -> dict[str, float]:
    """Milliseconds per output through guard.generate (one batch) and guard_artifact."""
    queue = list(images)

    def source(n: int) -> list[Image.Image]:
        return [queue.pop(0) for _ in range(n)]

    policy = policy_for(index)
    with Guard(policy=policy, index=index, db=db, signer=signer, hash_key=KEY, keys=keys,
               dev_credentials=True) as guard:  # fmt: skip
        guard.guard_artifact(Artifact.from_image(images[0]))  # warm-up
        generate = per_output_ms(lambda: guard.generate(source, n=len(images)), len(images))
        artifacts = [Artifact.from_image(image) for image in images]
        single = per_output_ms(lambda: [guard.guard_artifact(a) for a in artifacts], len(artifacts))
    return {"guard.generate (one batch)": generate, "guard_artifact (per file)": single}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="photos per measurement")
    args = parser.parse_args()
    from aigc_guard.index import build_mnist5k_index

    images = photos(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        creds = ensure_dev_keys(work / "keys")
        signer = SigningCredentials.from_files(creds.cert_chain_path, creds.key_path)
        index = build_mnist5k_index(work / "index")
        table = Table(title=f"per-output cost, {args.n} photos of 256x256 (ms)")
        table.add_column("stage")
        table.add_column("no index", justify="right")
        table.add_column("mnist5k index", justify="right")
        columns: list[dict[str, float]] = []
        for label, chosen in (("none", None), ("mnist5k", index)):
            raw_db, guard_db = (
                f"sqlite:///{work / f'{kind}-{label}.db'}" for kind in ("raw", "guard")
            )
            raw = raw_stages(images, chosen, signer, raw_db, work / "keys")
            guard = guarded(images, chosen, signer, guard_db, work / "keys")
            raw["sum of raw calls"] = sum(raw.values())
            total = raw["sum of raw calls"]
            for name, value in list(guard.items()):
                guard[f"{name}: orchestration"] = value / total
            columns.append({**raw, **guard})
        for name in columns[0]:
            ratio = name.endswith("orchestration")
            cells = [f"{c[name]:.2f}x" if ratio else f"{c[name]:.1f}" for c in columns]
            table.add_row(name, *cells)
        Console().print(table)


if __name__ == "__main__":
    main()
