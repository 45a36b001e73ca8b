"""One rank of the 2-process training test (run by torchrun; see test_train_lm_distributed):
the text kind (lm) on DATA, then an image kind (vae) on 200 mnist5k digits.

Usage: torchrun --standalone --nproc-per-node 2 tests/lm_ddp_worker.py DATA OUT REPORT_DIR
Each rank writes REPORT_DIR/rank{R}.json: its cards and a hash of its weights per kind.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(data_path: str, out: str, report_dir: str) -> None:
    import torch

    from aigc_guard.train import distributed
    from aigc_guard.train.lm_training import train_dp_lm
    from aigc_guard.train.models.lm import LmConfig
    from aigc_guard.train.text_data import load_text_records

    torch.set_num_threads(1)
    assert distributed.init_from_env(backend="gloo")  # a test helper
    result = train_dp_lm(
        load_text_records(data_path), out_dir=Path(out), target_epsilon=8.0, target_delta=1e-3,
        epochs=2, batch_size=24, accountant="rdp",
        config=LmConfig(context=32, width=16, layers=1, heads=2), progress=False,
    )  # fmt: skip
    vae = train_vae(Path(out + "-vae"))
    report = {
        "rank": distributed.rank(), "world_size": distributed.world_size(),
        "wrote": result.model_dir is not None, "card": result.card.to_dict(),
        "weights": weights_hash(result.module.state_dict()),
        "vae_card": vae.card.to_dict(),
    }  # fmt: skip
    path = Path(report_dir) / f"rank{distributed.rank()}.json"
    path.write_text(json.dumps(report))
    torch.distributed.destroy_process_group()


def weights_hash(state: dict) -> str:
    digest = hashlib.sha256()
    for name in sorted(state):
        digest.update(state[name].numpy().tobytes())
    return digest.hexdigest()


def train_vae(out: Path) -> object:
    """A tiny VAE on 200 digits, 3 DP steps (the same settings as the single-process run)."""
    import dataclasses

    import numpy as np

    from aigc_guard.train.data import ImageDataset, load_mnist5k
    from aigc_guard.train.kinds import spec_for

    train = load_mnist5k().train
    rows = np.arange(0, len(train), 20)
    small = ImageDataset(name="mnist5k/train-200", images=train.images[rows],
                         labels=train.labels[rows], ids=[train.ids[i] for i in rows])  # fmt: skip
    spec = spec_for("vae")
    return spec.train(
        small,
        out_dir=out,
        target_delta=1e-3,
        epochs=1,
        batch_size=20,
        accountant="rdp",
        config=dataclasses.replace(spec.default_config(), width=8),
        max_steps=3,
        progress=False,
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
