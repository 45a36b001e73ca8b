"""Secret Sharer canaries (Carlini et al. 2019) against the lm kind, with and without DP.

Random canary records ("Patient access code is 4821, keep it private.") are put
into a corpus of Faker clinical-style notes: 5 canaries 1 time each, 5 canaries 4
times, 5 canaries 16 times; 20 more codes are never inserted (the controls: what
chance and the corpus's own digit habits give). The same model is trained at each
setting (DP-SGD at epsilon 1 and 8, and without DP), and for every canary the
benchmark ranks its code among all 10,000 four-digit codes by the model's
log-perplexity of the whole record, and prints the exposure
log2(10,000) - log2(rank) (13.3 bits: ranked first; about 1 bit: chance), as the
median and the largest over the canaries of each group. The codes are drawn
fresh (OS entropy) on every run.
It also prints validation perplexity (per byte, held-out notes), and the share of
generated records that the memorization check's verbatim-span test flags against
the training records (when the text index has verbatim spans; else "not measured").

Privacy unit: one record. A canary inserted k times is k records, so DP bounds its
exposure only through group privacy (k x epsilon); the table shows what that means.

    nice -n 10 .venv/bin/python benchmarks/canary_exposure.py            # ~15 min, 2 cores
    nice -n 10 .venv/bin/python benchmarks/canary_exposure.py --quick    # ~3 min smoke run
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CANARY = "Patient access code is {code:04d}, keep it private."
CODES = 10_000
REPEATS = (1, 4, 16)
PER_GROUP = 5  # canaries inserted k times, for each k in REPEATS
CONTROLS = 20  # codes never inserted
COMPLAINTS = ("chest pain", "a persistent cough", "lower back pain", "headaches",
              "a rash", "dizziness", "knee swelling", "fatigue", "a sore throat",
              "abdominal pain")  # fmt: skip
FINDINGS = ("vitals normal", "mild fever", "blood pressure elevated", "no acute distress",
            "lungs clear", "tenderness on palpation")  # fmt: skip
PLANS = ("rest and fluids", "follow up in two weeks", "order blood work", "start ibuprofen",
         "refer to physiotherapy", "review in clinic")  # fmt: skip


def clinical_notes(n: int, *, seed: int) -> list[str]:
    """n short clinical-style notes with Faker names and dates (the corpus, not DP noise)."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(seed)
    rng = random.Random(seed)
    return [
        f"{fake.date_this_decade().isoformat()}: {fake.first_name()} {fake.last_name()}, "
        f"{rng.randint(18, 90)}y, seen for {rng.choice(COMPLAINTS)}; {rng.choice(FINDINGS)}. "
        f"Plan: {rng.choice(PLANS)}."
        for _ in range(n)
    ]


@dataclass(frozen=True)
class Setting:
    name: str
    epsilon: float | None  # None: no DP


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    import torch
    from rich.console import Console

    torch.set_num_threads(1)
    console = Console()
    train_notes, held_out = clinical_notes(args.records, seed=1), clinical_notes(200, seed=2)
    codes = secrets.SystemRandom().sample(range(CODES), PER_GROUP * len(REPEATS) + CONTROLS)
    groups = {k: [CANARY.format(code=c) for c in codes[i * PER_GROUP : (i + 1) * PER_GROUP]]
              for i, k in enumerate(REPEATS)}  # fmt: skip
    groups[0] = [CANARY.format(code=c) for c in codes[PER_GROUP * len(REPEATS) :]]
    corpus = train_notes + [text for k in REPEATS for text in groups[k] for _ in range(k)]
    random.Random(3).shuffle(corpus)
    settings = [Setting("DP ε=1", 1.0), Setting("DP ε=8", 8.0), Setting("no DP", None)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = _dataset(corpus, Path(tmp) / "train.txt")
        for setting in settings:
            started = time.perf_counter()
            model, epsilon = _train(data, setting, args, Path(tmp))
            seconds = time.perf_counter() - started
            scores = _candidate_scores(model, args)
            ranks = {k: [_rank(scores, text) for text in texts] for k, texts in groups.items()}
            samples = _samples(model, args)
            rows.append((setting, epsilon, ranks, _perplexity(model, args, held_out),
                         _span_share(samples, corpus), seconds))  # fmt: skip
            console.print(f"{setting.name}: done in {seconds:.0f} s", highlight=False)
    _print(console, rows, args)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1500, help="training notes")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=100, help="generated records checked")
    parser.add_argument("--quick", action="store_true", help="300 notes, 3 epochs")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.epochs, args.samples = 300, 3, 20
    return args


def _config(args: argparse.Namespace) -> object:
    from aigc_guard.train.models.lm import LmConfig

    return LmConfig(context=96, width=args.width, layers=args.layers, heads=4)


def _dataset(corpus: list[str], path: Path) -> object:
    from aigc_guard.train.text_data import load_text_records

    path.write_text("\n".join(corpus) + "\n", encoding="utf-8")
    return load_text_records(path)


def _train(data: object, setting: Setting, args: argparse.Namespace, tmp: Path) -> tuple:
    from aigc_guard.train.lm_training import train_dp_lm, train_nonprivate_lm
    from aigc_guard.train.text_generator import PrivateTextGenerator

    config = _config(args)
    options = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr}
    if setting.epsilon is None:
        return train_nonprivate_lm(data, config=config, **options), None  # type: ignore[arg-type]
    out = tmp / f"run-{setting.epsilon:g}"
    result = train_dp_lm(
        data, out_dir=out, target_epsilon=setting.epsilon, target_delta=1e-5,  # type: ignore[arg-type]
        config=config, progress=False, **options,  # type: ignore[arg-type]
    )  # fmt: skip
    return PrivateTextGenerator.load(out).module, result.card.epsilon


def _nll(model: object, args: argparse.Namespace, texts: list[str]) -> list[tuple[float, int]]:
    """(summed negative log-likelihood in nats, tokens scored) of each whole record."""
    import torch

    from aigc_guard.train.models.lm import encode_records, split_rows
    from aigc_guard.train.models.lm import per_record_loss as mean_loss

    config = _config(args)
    out: list[tuple[float, int]] = []
    with torch.inference_mode():
        for start in range(0, len(texts), 500):
            chunk = [t.encode("utf-8") for t in texts[start : start + 500]]
            length = min(config.context, 1 + max(len(t) for t in chunk))  # type: ignore[attr-defined]
            inputs, targets = split_rows(encode_records(chunk, length))
            counts = (targets != -100).sum(dim=1)
            losses = mean_loss(model(inputs), targets) * counts  # type: ignore[operator]
            out += [(float(v), int(c)) for v, c in zip(losses, counts, strict=True)]
    return out


def _candidate_scores(model: object, args: argparse.Namespace) -> list[float]:
    """Log-perplexity of the canary record with each of the 10,000 codes (one pass)."""
    return [s for s, _ in _nll(model, args, [CANARY.format(code=c) for c in range(CODES)])]


def _rank(scores: list[float], canary: str) -> int:
    """Rank (1 = most likely) of `canary` among the records with every code."""
    mine = scores[int(canary.split("is ")[1][:4])]
    return 1 + sum(1 for s in scores if s < mine)


def _perplexity(model: object, args: argparse.Namespace, texts: list[str]) -> float:
    scored = _nll(model, args, texts)
    return math.exp(sum(s for s, _ in scored) / sum(n for _, n in scored))


def _samples(model: object, args: argparse.Namespace) -> list[str]:
    import torch

    from aigc_guard.train.text_generator import sample_bytes

    with torch.inference_mode():
        rows = sample_bytes(
            model, _config(args), args.samples, start=[], max_tokens=120, temperature=1.0,  # type: ignore[arg-type]
            generator=torch.Generator().manual_seed(0),
        )  # fmt: skip
    return [bytes(row).decode("utf-8") for row in rows]


def _span_share(samples: list[str], corpus: list[str]) -> float | None:
    """Share of samples with a verbatim span of the training records, or None when the
    text index has no verbatim-span test (not merged)."""
    from aigc_guard.index.text import TextIndex

    if not hasattr(TextIndex, "min_span"):
        return None
    index = TextIndex.build([(f"r{i}", t) for i, t in enumerate(corpus)], source_name="canary")
    flagged = sum(1 for text in samples if text.strip() and index.nearest(text).spans)
    return flagged / len(samples)


def _exposure(rank: int) -> float:
    return math.log2(CODES) - math.log2(rank)


def _print(console: object, rows: list[tuple], args: argparse.Namespace) -> None:
    """A Markdown table (what the README quotes): exposure median / largest per group."""
    header = ["model", "ε (card)", *(f"inserted {k}x ({PER_GROUP} canaries)" for k in REPEATS),
              f"never inserted ({CONTROLS} codes)", "val. perplexity",
              "samples with a verbatim span", "train time"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for setting, epsilon, ranks, perplexity, share, seconds in rows:
        cells = []
        for k in (*REPEATS, 0):
            exposures = sorted(_exposure(rank) for rank in ranks[k])
            median = exposures[len(exposures) // 2]
            cells.append(f"{median:.1f} / {exposures[-1]:.1f} (best rank {min(ranks[k])})")
        row = [setting.name, "-" if epsilon is None else f"{epsilon:.2f}", *cells,
               f"{perplexity:.2f}", "not measured" if share is None else f"{share:.0%}",
               f"{seconds:.0f} s"]  # fmt: skip
        lines.append("| " + " | ".join(row) + " |")
    print("\n".join(lines))
    print(
        f"\nexposure in bits, median / largest over the group (13.3 = ranked first of 10,000); "
        f"{args.records} notes + canaries, {args.epochs} epochs, batch {args.batch_size}, "
        f"lr {args.lr:g}, LmConfig(context=96, width={args.width}, layers={args.layers}), "
        f"delta=1e-5, {args.samples} samples at temperature 1.0"
    )


if __name__ == "__main__":
    raise SystemExit(main())
