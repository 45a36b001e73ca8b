"""The `aigc-guard` command. Thin: each command calls the public Python API.

Heavy libraries (torch, Opacus, Presidio, OpenCV, c2pa) are imported inside the
commands that use them, so `aigc-guard --help` and `audit verify` start fast.
Exit codes: 0 success, 1 a negative finding (tampered log, file that failed),
2 a usage or configuration error (bad policy, missing index, bad database).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from aigc_guard.errors import AigcGuardError

app = typer.Typer(
    name="aigc-guard",
    help="Train private generators, guard their outputs, export compliance audit trails.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Fingerprint indexes of training data.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(audit_app, name="audit")

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Audit database URL or SQLite path (default: $AIGC_GUARD_DB)."),
]
PolicyOption = Annotated[
    str | None,
    typer.Option("--policy", help="Policy file or bundled name (default: policies/default.yaml)."),
]
IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Fingerprint index folder (memorization check).")
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", help="Keys folder: signing credentials and audit hash key "
                 "(default: $AIGC_GUARD_HOME/keys)."),
]  # fmt: skip
FilesArgument = Annotated[
    list[Path], typer.Argument(help="Images (PNG, JPEG, WebP) or .txt files.")
]


def _console(stderr: bool = True) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True)  # one line per file, whatever the width


def handles_errors(command: F) -> F:
    """Turn our errors into one red line and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AigcGuardError as exc:
            _console().print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
            raise typer.Exit(2) from exc
        except KeyboardInterrupt:
            _console().print("[yellow]interrupted[/]: finished outputs and audit rows are kept")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _signer(keys: Path | None) -> Any:
    from aigc_guard.home import keys_dir
    from aigc_guard.keys import SigningCredentials, ensure_dev_credentials

    credentials = ensure_dev_credentials(keys_dir(keys))
    return SigningCredentials.from_files(credentials.cert_chain_path, credentials.key_path)


def _audit_log(db: str | None, keys: Path | None = None, *, writer: bool = True) -> Any:
    """The audit log; readers (verify, export) never create a database or a key."""
    from aigc_guard.audit import AuditLog, resolve_db_url
    from aigc_guard.home import HASH_KEY_FILE, keys_dir, load_hash_key

    if writer:
        return AuditLog(resolve_db_url(db), hash_key=load_hash_key(keys))
    key_file = keys_dir(keys) / HASH_KEY_FILE
    key = load_hash_key(keys, create=False) if key_file.is_file() else None
    return AuditLog(resolve_db_url(db), hash_key=key, create=False)


def _guard(policy: str | None, index: Path | None, db: str | None, keys: Path | None) -> Any:
    from aigc_guard.guard import Guard
    from aigc_guard.policy import load_policy

    loaded = load_policy(policy)
    signer = _signer(keys) if loaded.marks.c2pa.enabled else None
    return Guard(policy=loaded, index=index, db=_audit_log(db, keys), signer=signer)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


# -- demo / train / index --------------------------------------------------------------
@app.command()
@handles_errors
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for every output of the demo.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Outputs to generate.")] = 64,
    epochs: Annotated[int | None, typer.Option(help="Training epochs (default: tuned)")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop training early (quick runs).")] = None,
    seed: int = 0,
    policy: PolicyOption = None,
) -> None:
    """Run the whole product on the bundled MNIST digits: train, index, guard, audit."""
    from aigc_guard.demo import DemoSettings, run_demo
    from aigc_guard.demo_report import print_summary

    settings = DemoSettings(
        out=out, n=n, epochs=epochs, max_steps=max_steps, seed=seed, policy=policy
    )
    summary = run_demo(settings, console=_console())
    print_summary(summary, console=_console(stderr=False))
    if not summary.chain_ok:
        raise typer.Exit(1)


@app.command()
@handles_errors
def train(
    out: Annotated[Path, typer.Option("--out", help="Run folder: weights + privacy_card.json.")],
    data: Annotated[str, typer.Option(help="Data set (bundled: mnist5k).")] = "mnist5k",
    epsilon: Annotated[float, typer.Option(help="Target epsilon.")] = 10.0,
    delta: Annotated[float, typer.Option(help="Target delta.")] = 1e-5,
    epochs: Annotated[int | None, typer.Option(help="Epochs (default: tuned)")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop early after this many steps.")] = None,
    seed: int = 0,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Train a class-conditional DP-GAN with DP-SGD (Opacus) and register its privacy card."""
    from aigc_guard.registry import register_model
    from aigc_guard.train import train_dp_gan
    from aigc_guard.train.engine import DEMO_EPOCHS

    result = train_dp_gan(
        _dataset(data).train,
        out_dir=out,
        epochs=DEMO_EPOCHS if epochs is None else epochs,
        target_epsilon=epsilon,
        target_delta=delta,
        max_steps=max_steps,
        seed=seed,
    )
    with _audit_log(db, keys) as log:
        entry = register_model(log, result.card)
    card = result.card
    _console(stderr=False).print(
        f"trained {card.model_id}: epsilon={card.epsilon:.3f} delta={card.delta:g} "
        f"steps={card.steps} -> {out} (audit row {entry.id})"
    )


def _dataset(name: str) -> Any:
    from aigc_guard.errors import InputError
    from aigc_guard.train.data import DATASET_NAME, load_mnist5k

    if name != DATASET_NAME:
        raise InputError(f"unknown data set {name!r}; bundled: {DATASET_NAME}")
    return load_mnist5k()


@index_app.command("build")
@handles_errors
def index_build(
    out: Annotated[Path, typer.Option("--out", help="Index folder to write.")],
    data: Annotated[str, typer.Option(help="Data set (bundled: mnist5k).")] = "mnist5k",
) -> None:
    """Fingerprint the training data (held-out split calibrates the threshold)."""
    from aigc_guard.index import build_mnist5k_index

    _dataset(data)
    index = build_mnist5k_index(out, progress=True)
    _console(stderr=False).print(
        f"indexed {len(index)} items -> {out} (threshold {index.threshold:.4f})"
    )


# -- generate / guard / inspect / verify ------------------------------------------------
@app.command()
@handles_errors
def generate(
    model: Annotated[Path, typer.Option("--model", help="Run folder from `aigc-guard train`.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the delivered outputs.")],
    n: Annotated[int, typer.Option("--n", min=1)] = 16,
    policy: PolicyOption = None,
    index: IndexOption = None,
    db: DbOption = None,
    keys: KeysOption = None,
    seed: int | None = None,
) -> None:
    """Generate N outputs from a trained model through the guard."""
    from rich.progress import Progress

    from aigc_guard.guard import summarize
    from aigc_guard.train import PrivateImageGenerator

    generator = PrivateImageGenerator.load(model)
    out.mkdir(parents=True, exist_ok=True)
    with _guard(policy, index, db, keys) as guard, Progress(console=_console()) as progress:
        task = progress.add_task("guarding outputs", total=n)

        def save(result: Any) -> None:
            if result.delivered:
                result.save(out / f"{result.content_id}{result.suffix}")
            progress.advance(task)

        results = guard.generate(generator, n=n, seed=seed, on_result=save)
    counts = summarize(results)
    _console(stderr=False).print(
        " ".join(f"{name}={count}" for name, count in counts.items()) + f" -> {out}"
    )


@app.command("guard")
@handles_errors
def guard_files(
    files: FilesArgument,
    out: Annotated[Path, typer.Option("--out", help="Folder for the marked copies.")],
    policy: PolicyOption = None,
    index: IndexOption = None,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Run the pipeline on files made elsewhere: check, mark, audit, write to --out."""
    from aigc_guard.artifacts import Artifact

    failures = 0
    out.mkdir(parents=True, exist_ok=True)
    with _guard(policy, index, db, keys) as guard:
        for path in files:
            try:
                result = guard.guard_artifact(Artifact.from_file(path), source=path.name)
            except AigcGuardError as exc:
                failures += 1
                _print_json({"file": str(path), "error": str(exc)})
                continue
            written = result.save(out / f"{path.stem}{result.suffix}") if result.delivered else None
            _print_json({"file": str(path), "decision": result.decision.value,
                         "audit_id": result.audit_id, "content_id": result.content_id,
                         "output": str(written) if written else None})  # fmt: skip
    if failures:
        raise typer.Exit(1)


@app.command("inspect")
@handles_errors
def inspect_files(
    files: FilesArgument,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    policy: PolicyOption = None,
    index: IndexOption = None,
) -> None:
    """Checks only: nothing is marked, nothing is written, no database is touched."""
    from aigc_guard.artifacts import Artifact
    from aigc_guard.checking import CheckSuite
    from aigc_guard.policy import load_policy

    with CheckSuite(load_policy(policy), index=index) as suite:
        _report_each(
            files,
            lambda path: suite.inspect(Artifact.from_file(path)).to_dict(),
            describe=_describe_inspection,
            json_output=json_output,
        )


def _report_each(
    files: list[Path],
    report: Callable[[Path], dict[str, Any]],
    *,
    describe: Callable[[dict[str, Any]], str],
    json_output: bool,
) -> None:
    """One record per file (JSON line or text); a bad file is reported and the rest go on.

    Exits 1 at the end if any file failed.
    """
    failures = 0
    console = _console(stderr=False)
    for path in files:
        try:
            record = {"file": str(path), **report(path)}
        except AigcGuardError as exc:
            failures += 1
            record = {"file": str(path), "error": str(exc)}
        if json_output:
            _print_json(record)
        else:
            console.print(describe(record), highlight=False, markup=False)
    if failures:
        raise typer.Exit(1)


def _describe_inspection(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"{record['file']}: error: {record['error']}"
    reasons = "; ".join(record.get("reasons", []))
    return f"{record['file']}: {record['decision']}" + (f" ({reasons})" if reasons else "")


@app.command()
@handles_errors
def verify(
    files: FilesArgument,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Read watermark and C2PA manifest of each file and find its audit row."""
    from aigc_guard.home import keys_dir
    from aigc_guard.keys import CA_CERT_FILE
    from aigc_guard.verify import Verifier

    trust = keys_dir(keys) / CA_CERT_FILE
    anchors = trust.read_bytes() if trust.is_file() else None
    with _audit_log(db, keys, writer=False) as log:
        verifier = Verifier(audit=log, trust_anchors_pem=anchors)
        _report_each(
            files,
            lambda path: verifier.verify_file(path).to_dict(),
            describe=_describe_verification,
            json_output=json_output,
        )


def _describe_verification(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"{record['file']}: error: {record['error']}"
    mark, c2pa, audit = record["watermark"], record["c2pa"], record["audit"]
    parts = [
        f"watermark {'found ' + str(mark['payload']) if mark['found'] else 'not found'}",
        f"c2pa {'valid' if c2pa['valid'] else ('invalid' if c2pa['present'] else 'absent')}",
        f"audit row {audit['id']} ({audit['decision']})" if audit else "no audit row",
    ]
    return f"{record['file']}: " + ", ".join(parts)


# -- audit: the commands live in cli_audit.py (registered on audit_app when imported) ---
from aigc_guard import cli_audit as _cli_audit  # noqa: E402, F401


def main() -> None:
    app()


if __name__ == "__main__":
    main()
