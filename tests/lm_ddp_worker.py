"""One rank of the 2-process lm training test (run by torchrun; see test_train_lm_distributed).

Usage: torchrun --standalone --nproc-per-node 2 tests/lm_ddp_worker.py DATA OUT REPORT_DIR
Each rank writes REPORT_DIR/rank{R}.json: its card's figures and a hash of its weights.
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
    digest = hashlib.sha256()
    state = result.module.state_dict()
    for name in sorted(state):
        digest.update(state[name].numpy().tobytes())
    report = {
        "rank": distributed.rank(), "world_size": distributed.world_size(),
        "wrote": result.model_dir is not None, "card": result.card.to_dict(),
        "weights": digest.hexdigest(),
    }  # fmt: skip
    path = Path(report_dir) / f"rank{distributed.rank()}.json"
    path.write_text(json.dumps(report))
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:4])
