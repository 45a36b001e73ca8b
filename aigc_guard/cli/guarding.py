"""`aigc-guard generate | guard | inspect`: the guarded pipeline from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aigc_guard.cli.common import (
    DbOption,
    DevCredentialsOption,
    FilesArgument,
    IndexOption,
    JsonOption,
    KeysOption,
    PolicyOption,
    SigningCertOption,
    SigningKeyOption,
    SigningOptions,
    TsaUrlOption,
    console,
    guard_settings,
    handles_errors,
    open_guard,
    print_json,
    report_each,
)
from aigc_guard.errors import AigcGuardError


@handles_errors
def generate(
    model: Annotated[Path, typer.Option("--model", help="Run folder from `aigc-guard train`.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the delivered outputs.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Outputs to deliver or block.")] = 16,
    policy: PolicyOption = None,
    index: IndexOption = None,
    db: DbOption = None,
    keys: KeysOption = None,
    seed: Annotated[int | None, typer.Option(help="Seed for sampling from the model.")] = None,
    dev_credentials: DevCredentialsOption = False,
    signing_cert: SigningCertOption = None,
    signing_key: SigningKeyOption = None,
    tsa_url: TsaUrlOption = None,
) -> None:
    """Generate N outputs from a trained model through the guard.

    Example: aigc-guard generate --model runs/dp-gan --index runs/index --n 16 --out out/
    """
    from aigc_guard.guard import summarize
    from aigc_guard.progress import progress
    from aigc_guard.train import PrivateImageGenerator

    generator = PrivateImageGenerator.load(model)
    signing = SigningOptions(dev_credentials, signing_cert, signing_key, tsa_url)
    settings = guard_settings(policy, index, db, keys, signing)
    out.mkdir(parents=True, exist_ok=True)
    with open_guard(settings) as guard, progress("guarding outputs", n) as advance:

        def save(result: Any) -> None:
            if result.delivered:
                result.save(out / f"{result.content_id}{result.suffix}")
            advance()

        results = guard.generate(generator, n=n, seed=seed, on_result=save)
    counts = summarize(results)
    console(stderr=False).print(
        " ".join(f"{name}={count}" for name, count in counts.items()) + f" -> {out}"
    )


@handles_errors
def guard_files(
    files: FilesArgument,
    out: Annotated[Path, typer.Option("--out", help="Folder for the marked copies.")],
    policy: PolicyOption = None,
    index: IndexOption = None,
    db: DbOption = None,
    keys: KeysOption = None,
    dev_credentials: DevCredentialsOption = False,
    signing_cert: SigningCertOption = None,
    signing_key: SigningKeyOption = None,
    tsa_url: TsaUrlOption = None,
) -> None:
    """Run the pipeline on files made elsewhere: check, mark, audit, write to --out.

    Prints one JSON object per file. Example: aigc-guard guard photo.png --out marked/
    """
    from aigc_guard.artifacts import Artifact

    failures = 0
    signing = SigningOptions(dev_credentials, signing_cert, signing_key, tsa_url)
    settings = guard_settings(policy, index, db, keys, signing)
    out.mkdir(parents=True, exist_ok=True)
    with open_guard(settings) as guard:
        for path in files:
            try:
                result = guard.guard_artifact(Artifact.from_file(path), source=path.name)
            except AigcGuardError as exc:
                failures += 1
                print_json({"file": str(path), "error": str(exc)})
                continue
            written = result.save(out / f"{path.stem}{result.suffix}") if result.delivered else None
            print_json({"file": str(path), "decision": result.decision.value,
                        "audit_id": result.audit_id, "content_id": result.content_id,
                        "output": str(written) if written else None})  # fmt: skip
    if failures:
        raise typer.Exit(1)


@handles_errors
def inspect_files(
    files: FilesArgument,
    json_output: JsonOption = False,
    policy: PolicyOption = None,
    index: IndexOption = None,
) -> None:
    """Checks only: nothing is marked, nothing is written, no database is touched.

    Example: aigc-guard inspect story.txt photo.png --json
    """
    from aigc_guard.artifacts import Artifact
    from aigc_guard.checks import CheckSuite
    from aigc_guard.guard.settings import resolve_policy

    with CheckSuite(resolve_policy(policy), index=index) as suite:
        report_each(
            files,
            lambda path: suite.inspect(Artifact.from_file(path)).to_dict(),
            describe=_describe_inspection,
            json_output=json_output,
        )


def _describe_inspection(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"{record['file']}: error: {record['error']}"
    reasons = "; ".join(record.get("reasons", []))
    return f"{record['file']}: {record['decision']}" + (f" ({reasons})" if reasons else "")
