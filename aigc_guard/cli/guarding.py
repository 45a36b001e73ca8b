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
from aigc_guard.cli.stopping import graceful_stop
from aigc_guard.errors import AigcGuardError, DeliveryError

InPlaceOption = Annotated[
    bool,
    typer.Option(
        "--in-place", help="Allow --out to be an input's folder (nothing is overwritten)."
    ),
]
KeepNamesOption = Annotated[
    bool,
    typer.Option(
        "--keep-names",
        help="Name outputs after their input (default: by content id, so no input name travels).",
    ),
]


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

    Outputs are drawn, audited and written in batches of 16; SIGTERM or Ctrl-C stops
    after the batch in hand. Example: aigc-guard generate --model runs/dp-gan --index
    runs/index --n 16 --out out/
    """
    from aigc_guard.delivery import OutputFolder, generate_into
    from aigc_guard.guard import summarize
    from aigc_guard.progress import progress
    from aigc_guard.train import load_model

    folder = OutputFolder.prepare(out)
    generator = load_model(model)  # any kind: image models and the text model (lm)
    signing = SigningOptions(dev_credentials, signing_cert, signing_key, tsa_url)
    settings = guard_settings(policy, index, db, keys, signing)
    with (
        open_guard(settings) as guard,
        progress("guarding outputs", n) as advance,
        graceful_stop() as stop,
    ):
        results = generate_into(
            guard, generator, folder, n=n, seed=seed,
            on_batch=lambda batch: advance(len(batch)), should_stop=lambda: stop.requested,
        )  # fmt: skip
    counts = summarize(results)
    console(stderr=False).print(
        " ".join(f"{name}={count}" for name, count in counts.items()) + f" -> {out}"
    )
    if stop.requested:
        console().print(f"stopped after {len(results)} of {n} outputs (each with its row)")
        raise typer.Exit(stop.exit_code)


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
    in_place: InPlaceOption = False,
    keep_names: KeepNamesOption = False,
) -> None:
    """Run the pipeline on files made elsewhere: check, mark, audit, write to --out.

    Prints one JSON object per file; outputs are named by content id. A file that
    cannot be read is reported and the rest go on; an output that cannot be written
    stops the batch (its row is followed by a `delivery_failed` row).
    Example: aigc-guard guard photo.png --out marked/
    """
    from aigc_guard.artifacts import Artifact
    from aigc_guard.delivery import OutputFolder

    failures = 0
    signing = SigningOptions(dev_credentials, signing_cert, signing_key, tsa_url)
    settings = guard_settings(policy, index, db, keys, signing)
    folder = OutputFolder.prepare(out, inputs=files, in_place=in_place, keep_names=keep_names)
    with open_guard(settings) as guard, graceful_stop() as stop:
        for path in files:
            if stop.requested:
                break
            try:
                artifact = Artifact.from_file(path, limits=guard.policy.limits)
                result = guard.guard_artifact(artifact, source=path.name)
            except AigcGuardError as exc:
                failures += 1
                print_json({"file": str(path), "error": str(exc)})
                continue
            record = {"file": str(path), "decision": result.decision.value,
                      "audit_id": result.audit_id, "content_id": result.content_id}  # fmt: skip
            try:
                written = folder.deliver(result, audit=guard.audit, policy=guard.policy,
                                         source=path)  # fmt: skip
            except DeliveryError as exc:
                print_json({**record, "output": None, "error": str(exc)})
                raise
            print_json({**record, "output": str(written) if written else None})
    if stop.requested:
        raise typer.Exit(stop.exit_code)
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

    chosen = resolve_policy(policy)
    with CheckSuite(chosen, index=index) as suite:
        report_each(
            files,
            lambda path: suite.inspect(Artifact.from_file(path, limits=chosen.limits)).to_dict(),
            describe=_describe_inspection,
            json_output=json_output,
        )


def _describe_inspection(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"{record['file']}: error: {record['error']}"
    reasons = "; ".join(record.get("reasons", []))
    return f"{record['file']}: {record['decision']}" + (f" ({reasons})" if reasons else "")
