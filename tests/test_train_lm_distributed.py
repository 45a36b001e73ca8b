"""Training across processes: 2 CPU ranks under torchrun (gloo) with Opacus' DPDDP.

For the text kind (lm) and an image kind (vae), the card of the 2-rank run must state
the same epsilon (and noise, sample rate and steps) as a single-process run at the
same settings; both ranks must end with the same weights (clipped gradients
averaged, noise added once, on rank 0), and only rank 0 writes the run folder.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from aigc_guard.train.lm_training import train_dp_lm
from aigc_guard.train.models.lm import LmConfig
from aigc_guard.train.text_data import load_text_records
from aigc_guard.train.text_generator import PrivateTextGenerator

pytestmark = pytest.mark.slow  # two torchrun ranks + one single-process run (~40 s)

WORKER = Path(__file__).with_name("lm_ddp_worker.py")


def test_two_gloo_ranks_give_the_single_process_card(tmp_path: Path) -> None:
    rng = random.Random(9)  # the corpus only
    words = ("note", "fever", "knee", "pain", "follow", "up", "normal", "mild", "clinic")
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 9))) for _ in range(120)]
    data_path = tmp_path / "notes.txt"
    data_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reports = tmp_path / "reports"
    reports.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # fmt: skip
    env.pop("AIGC_GUARD_MAX_STEPS", None)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node", "2", str(WORKER), str(data_path), str(tmp_path / "ddp"),
               str(reports)]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((reports / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert [r["wrote"] for r in ranks] == [True, False]
    assert ranks[0]["weights"] == ranks[1]["weights"]  # one update, applied on both ranks

    single = train_dp_lm(
        load_text_records(data_path), out_dir=tmp_path / "single", target_epsilon=8.0,
        target_delta=1e-3, epochs=2, batch_size=24, accountant="rdp",
        config=LmConfig(context=32, width=16, layers=1, heads=2), progress=False,
    ).card  # fmt: skip
    loaded = PrivateTextGenerator.load(tmp_path / "ddp").card  # the card verifies on load
    for name in ("epsilon", "noise_multiplier", "sample_rate", "steps", "accounting_history",
                 "batch_size", "dataset_sha256"):  # fmt: skip
        assert getattr(loaded, name) == getattr(single, name), name
    assert loaded.epsilon == pytest.approx(single.epsilon, rel=0, abs=0)
    assert "trained on 2 processes (DPDDP)" in (loaded.data_transform or "")

    from lm_ddp_worker import train_vae  # the same VAE settings, in this one process

    vae_single = train_vae(tmp_path / "vae-single").card  # type: ignore[attr-defined]
    vae_ddp = ranks[0]["vae_card"]
    assert (tmp_path / "ddp-vae" / "privacy_card.json").is_file()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert vae_ddp["model_kind"] == "dp-vae"
    for name in ("epsilon", "noise_multiplier", "sample_rate", "steps", "batch_size"):
        assert vae_ddp[name] == getattr(vae_single, name), name
