"""`aigc-guard demo`: the whole product in one run, on the bundled data.

Train a DP generator on mnist5k (merf by default, the best measured at epsilon=10;
`--kind gan|vae|diffusion` for the others) -> index the training digits -> guard.generate 64
outputs (memorization check, watermark, signed C2PA manifest, audit row each)
-> export the audit trail -> contact sheet -> summary. Every step uses the same
public functions a user calls from Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from aigc_guard.cli.common import PolicyOption, handles_errors
from aigc_guard.errors import InputError
from aigc_guard.guard.results import GuardResult


@dataclass(frozen=True)
class DemoSettings:
    out: Path
    n: int = 64
    kind: str = "merf"
    epochs: int | None = None  # DP-SGD kinds only
    max_steps: int | None = None
    target_epsilon: float = 10.0
    target_delta: float = 1e-5
    seed: int = 0
    policy: str | Path | None = None
    progress: bool = True


@dataclass
class DemoSummary:
    counts: dict[str, int]
    epsilon: float
    delta: float
    chain_ok: bool
    chain_problem: str | None
    rows: int
    policy_id: str = ""
    closest_distance: float | None = None
    threshold: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


def run_demo(settings: DemoSettings, *, console: Any = None) -> DemoSummary:
    """Run every stage into `settings.out`; returns the figures the CLI prints."""
    from rich.console import Console

    console = console or Console(stderr=True)
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    spec = image_kind(settings.kind)
    console.rule(f"1/4 train a DP generator on mnist5k: {spec.name}, {spec.summary}")
    card = _train_or_reuse(settings, out / "model", console)
    seconds["train"] = time.perf_counter() - started

    started = time.perf_counter()
    console.rule("2/4 fingerprint the 4,000 training digits")
    index = _index_or_reuse(out / "index", settings.progress, console)
    seconds["index"] = time.perf_counter() - started

    started = time.perf_counter()
    console.rule(f"3/4 guard.generate {settings.n} outputs under the policy")
    results = _generate(settings, index, console)
    seconds["generate"] = time.perf_counter() - started

    console.rule("4/4 audit trail: verify, export, contact sheet")
    summary = _finish(settings, results, card)
    summary.seconds = seconds
    return summary


def _train_or_reuse(settings: DemoSettings, model_dir: Path, console: Any) -> Any:
    """Train, or reuse the model a previous demo left in `model_dir` (so reruns are quick)."""
    if (model_dir / "privacy_card.json").is_file():
        from aigc_guard.train import PrivateImageGenerator

        card = PrivateImageGenerator.load(model_dir).card  # validates weights against the card
        console.print(f"reusing the trained model in {model_dir} (delete it to train again)")
        return card
    return _train(settings, model_dir)


def _index_or_reuse(index_dir: Path, progress: bool, console: Any) -> Any:
    from aigc_guard.index import build_mnist5k_index, load_index

    if (index_dir / "manifest.json").is_file():
        console.print(f"reusing the index in {index_dir} (delete it to rebuild)")
        return load_index(index_dir)
    return build_mnist5k_index(index_dir, progress=progress)


DEMO_FIT_STEPS = 1_500  # merf: about 5 min on 2 cores; 88.0% on the tuning split (3,000: 90%)


def image_kind(name: str) -> Any:
    """The ModelSpec of an image generator kind; the demo draws digits, so not `lm`."""
    from aigc_guard.train.kinds import KINDS, spec_for

    spec = spec_for(name)
    if spec.modality != "image":
        images = ", ".join(k for k, s in KINDS.items() if s.modality == "image")
        raise InputError(f"the demo trains an image generator ({images}), not {name!r}")
    return spec


def _train(settings: DemoSettings, model_dir: Path) -> Any:
    import dataclasses

    from aigc_guard.train.data import load_mnist5k
    from aigc_guard.train.engine import DEMO_EPOCHS

    spec = image_kind(settings.kind)
    options: dict[str, Any] = {}
    if spec.name == "merf":
        options["config"] = dataclasses.replace(spec.default_config(), fit_steps=DEMO_FIT_STEPS)
        if settings.epochs is not None:  # refused by the trainer, with the reason
            options["epochs"] = settings.epochs
    else:
        default = DEMO_EPOCHS if spec.name == "gan" else spec.epochs
        options["epochs"] = default if settings.epochs is None else settings.epochs
    result = spec.train(
        load_mnist5k().train,
        out_dir=model_dir,
        target_epsilon=settings.target_epsilon,
        target_delta=settings.target_delta,
        max_steps=settings.max_steps,
        seed=settings.seed,
        progress=settings.progress,
        **options,
    )
    return result.card


def _generate(settings: DemoSettings, index: Any, console: Any) -> list[GuardResult]:
    from aigc_guard.credentials import ensure_dev_keys
    from aigc_guard.guard import Guard, GuardSettings
    from aigc_guard.progress import progress
    from aigc_guard.train import PrivateImageGenerator
    from aigc_guard.train.registration import register_model

    out = settings.out
    model = PrivateImageGenerator.load(out / "model")
    outputs = out / "outputs"
    outputs.mkdir(exist_ok=True)
    ensure_dev_keys(out / "keys")  # explicit: the demo signs with development credentials
    guard_settings = GuardSettings(
        policy=settings.policy,
        index=index,
        db=_db_url(out),
        keys=out / "keys",
        dev_credentials=True,
    )
    with (
        Guard.from_settings(guard_settings) as guard,
        progress("guarding outputs", settings.n, enabled=settings.progress) as advance,
    ):
        register_model(guard.audit, model.card)

        def save(result: GuardResult) -> None:
            if result.delivered:
                result.save(outputs / f"{result.content_id}{result.suffix}")
            advance()

        return guard.generate(model, n=settings.n, seed=settings.seed, on_result=save)


def _db_url(out: Path) -> str:
    return f"sqlite:///{out / 'audit.db'}"


def _finish(settings: DemoSettings, results: list[GuardResult], card: Any) -> DemoSummary:
    from aigc_guard.audit import AuditLog, export_jsonl, verify_chain
    from aigc_guard.guard import summarize

    out = settings.out
    with AuditLog(_db_url(out), hash_key=None, create=False) as log:  # read-only
        report = verify_chain(log)
        rows = export_jsonl(log, out / "audit.jsonl")
        memorization = [
            entry.checks["memorization"]
            for entry in log.entries()
            if "memorization" in entry.checks
        ]
    policy_id = _policy_id(settings)
    _sheet(results, card, policy_id).save(out / "samples.png")
    distances = [m["distance"] for m in memorization if "distance" in m]
    return DemoSummary(
        counts=summarize(results),
        epsilon=card.epsilon,
        delta=card.delta,
        chain_ok=report.ok,
        chain_problem=report.problem,
        rows=rows,
        policy_id=policy_id,
        closest_distance=min(distances) if distances else None,
        threshold=memorization[0].get("threshold") if memorization else None,
        paths={
            "model": out / "model",
            "privacy card": out / "model" / "privacy_card.json",
            "index": out / "index",
            "outputs": out / "outputs",
            "audit db": out / "audit.db",
            "audit export": out / "audit.jsonl",
            "contact sheet": out / "samples.png",
        },
    )


def _policy_id(settings: DemoSettings) -> str:
    from aigc_guard.guard.settings import resolve_policy

    return resolve_policy(settings.policy).id


def _sheet(results: list[GuardResult], card: Any, policy_id: str) -> Any:
    """The contact sheet: each cell says the digit it was asked for and what happened."""
    from aigc_guard.artifacts import Decision
    from aigc_guard.cli.sheet import SheetCell, contact_sheet

    cells = []
    for slot, result in enumerate(results):
        if result.decision is Decision.BLOCK:
            status = "blocked"
        else:
            status = "regenerated" if result.attempts > 1 else "allowed"
        image = result.artifact.image if result.artifact is not None else None
        cells.append(SheetCell(image=image, label=f"digit {slot % 10}: {status}", status=status))
    signed = sum(1 for r in results if r.marks.get("c2pa", {}).get("signed"))
    caption = (
        f"epsilon {card.epsilon:.2f} (delta {card.delta:g})  |  policy {policy_id}  |  "
        f"{signed} of {len(results)} outputs watermarked and signed"
    )
    return contact_sheet(cells, caption=caption)


@handles_errors
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for every output of the demo.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Outputs to generate.")] = 64,
    kind: Annotated[
        str, typer.Option(help="Generator: merf (default), gan, vae or diffusion.")
    ] = "merf",
    epochs: Annotated[
        int | None,
        typer.Option(help="Training epochs of a DP-SGD kind (default: the tuned 50 for gan)."),
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop training early (quick runs).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the non-private randomness.")] = 0,
    policy: PolicyOption = None,
) -> None:
    """Run the whole product on the bundled MNIST digits: train, index, guard, audit.

    Example: aigc-guard demo --out demo-out
    """
    from aigc_guard.cli.common import console
    from aigc_guard.cli.demo_report import print_summary

    image_kind(kind)  # an unknown or text kind fails here, before any folder is made
    settings = DemoSettings(
        out=out, n=n, kind=kind, epochs=epochs, max_steps=max_steps, seed=seed, policy=policy
    )
    summary = run_demo(settings, console=console())
    print_summary(summary, console=console(stderr=False))
    if not summary.chain_ok:
        raise typer.Exit(1)
