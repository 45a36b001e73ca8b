"""The `aigc-guard` command: the app and its command groups, registered explicitly.

Thin: each command calls the public Python API. Exit codes: 0 success, 1 a
negative finding (tampered log, a file that failed), 2 a usage or configuration
error (bad policy, missing index, bad database).
"""

from __future__ import annotations

from typing import Annotated

import typer

from aigc_guard.cli import (
    auditing,
    budgeting,
    demo,
    guarding,
    indexing,
    keys,
    sampling,
    training,
    verifying,
)

app = typer.Typer(
    name="aigc-guard",
    help="Train private generators, guard their outputs, export compliance audit trails.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Fingerprint indexes of training data.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Create signing and watermark keys explicitly.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")


def _print_version(value: bool) -> None:
    if value:
        from aigc_guard import __version__

        typer.echo(f"aigc-guard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Train private generators, guard their outputs, export compliance audit trails."""


app.command("demo")(demo.demo)
app.command("train")(training.train)
app.command("sample")(sampling.sample)
app.command("budget")(budgeting.budget)
app.command("generate")(guarding.generate)
app.command("guard")(guarding.guard_files)
app.command("inspect")(guarding.inspect_files)
app.command("verify")(verifying.verify)
index_app.command("build")(indexing.index_build)
audit_app.command("verify")(auditing.audit_verify)
audit_app.command("keygen")(auditing.audit_keygen)
audit_app.command("checkpoint")(auditing.audit_checkpoint)
audit_app.command("prove")(auditing.audit_prove)
audit_app.command("prove-consistency")(auditing.audit_prove_consistency)
audit_app.command("check-proof")(auditing.audit_check_proof)
audit_app.command("export")(auditing.audit_export)
audit_app.command("verify-export")(auditing.audit_verify_export)
audit_app.command("purge")(auditing.audit_purge)
audit_app.command("migrate")(auditing.audit_migrate)
audit_app.command("init")(auditing.audit_init)
keys_app.command("dev")(keys.keys_dev)
keys_app.command("watermark")(keys.keys_watermark)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
