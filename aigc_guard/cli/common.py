"""What every command shares: option types, error handling, output, and the settings
they build the library's objects from (through the same builders the Python API uses).

Heavy libraries are imported inside the functions that need them, so `aigc-guard
--help` and `audit verify` start fast.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from aigc_guard.errors import AigcGuardError

if TYPE_CHECKING:
    from rich.console import Console

    from aigc_guard.audit import AuditLog
    from aigc_guard.guard import Guard, GuardSettings

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Audit database: a SQLAlchemy URL or a SQLite file path "
        "(default: $AIGC_GUARD_DB, else sqlite:///audit.db).",
    ),
]
PolicyOption = Annotated[
    str | None,
    typer.Option(
        "--policy",
        help="A bundled policy by name (default, ...) or a policy file (a path or *.yaml).",
    ),
]
IndexOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--index",
        help="Fingerprint index folder for the memorization check; repeat it to give one "
        "per artifact kind (an image index and a text index).",
    ),
]
KeysOption = Annotated[
    Path | None,
    typer.Option(
        "--keys",
        help="Keys folder: signing credentials and the audit hash key "
        "(default: $AIGC_GUARD_HOME/keys, ~/.aigc_guard/keys).",
    ),
]
DevCredentialsOption = Annotated[
    bool,
    typer.Option(
        "--dev-credentials",
        help="Allow signing with the development CA made by `aigc-guard keys dev` "
        "(NOT FOR PRODUCTION).",
    ),
]
SigningCertOption = Annotated[
    Path | None,
    typer.Option(
        "--signing-cert",
        envvar="AIGC_GUARD_SIGNING_CERT",
        help="Production C2PA certificate chain (PEM, leaf first, then its CA).",
    ),
]
SigningKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--signing-key",
        envvar="AIGC_GUARD_SIGNING_KEY",
        help="Private key of --signing-cert (PEM, mode 0600).",
    ),
]
TsaUrlOption = Annotated[
    str | None,
    typer.Option(
        "--tsa-url",
        envvar="AIGC_GUARD_TSA_URL",
        help="RFC 3161 time-stamping authority for the C2PA signature (needs the network).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object per file, one per line.")
]
FilesArgument = Annotated[
    list[Path], typer.Argument(help="Images (PNG, JPEG, WebP) or .txt files.", show_default=False)
]


def console(stderr: bool = True) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True)  # one line per file, whatever the width


def handles_errors(command: F) -> F:
    """Turn our errors into one red line and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AigcGuardError as exc:
            console().print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
            raise typer.Exit(2) from exc
        except KeyboardInterrupt:
            console().print("[yellow]interrupted[/]: finished outputs and audit rows are kept")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def open_audit_log(db: str | None, keys: Path | None = None, *, writer: bool = True) -> AuditLog:
    """The audit log; readers (verify, export) never create a database or a key."""
    from aigc_guard.audit import AuditLog, resolve_db_url
    from aigc_guard.credentials import HASH_KEY_FILE, keys_dir, load_hash_key

    if writer:
        return AuditLog(resolve_db_url(db), hash_key=load_hash_key(keys))
    if keys is not None and not Path(keys).is_dir():
        from aigc_guard.credentials.home import existing_keys_dir

        existing_keys_dir(keys)  # raises: a named keys folder must exist
    key_file = keys_dir(keys) / HASH_KEY_FILE
    key = load_hash_key(keys, create=False) if key_file.is_file() else None
    return AuditLog(resolve_db_url(db), hash_key=key, create=False)


@dataclass(frozen=True)
class SigningOptions:
    """The signing options a guarding command was given."""

    dev_credentials: bool = False
    signing_cert: Path | None = None
    signing_key: Path | None = None
    tsa_url: str | None = None


def guard_settings(
    policy: str | None,
    index: list[Path] | None,
    db: str | None,
    keys: Path | None,
    signing: SigningOptions | None = None,
) -> GuardSettings:
    """Guard settings from the common options: production credentials when given, the
    development CA only with --dev-credentials (or a policy that allows it)."""
    from aigc_guard.credentials import SigningCredentials
    from aigc_guard.errors import CredentialError
    from aigc_guard.guard import GuardSettings

    signing = signing or SigningOptions()
    signer = None
    if (signing.signing_cert is None) != (signing.signing_key is None):
        raise CredentialError("--signing-cert and --signing-key go together; give both")
    if signing.signing_cert is not None and signing.signing_key is not None:
        signer = SigningCredentials.from_files(
            signing.signing_cert, signing.signing_key, tsa_url=signing.tsa_url
        )
    elif signing.tsa_url:
        raise CredentialError(
            "--tsa-url needs production credentials (--signing-cert/--signing-key)"
        )
    return GuardSettings(policy=policy, index=index, db=db, keys=keys, signer=signer,
                         dev_credentials=signing.dev_credentials)  # fmt: skip


def open_guard(settings: GuardSettings) -> Guard:
    """The guard for `settings`; its notices (development credentials) printed once."""
    import warnings

    from aigc_guard.guard import Guard
    from aigc_guard.guard.settings import DevelopmentCredentialsWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DevelopmentCredentialsWarning)
        guard = Guard.from_settings(settings)
    for notice in guard.notices:
        console().print(f"[yellow]note:[/] {notice}", highlight=False)
    return guard


def report_each(
    files: list[Path],
    report: Callable[[Path], dict[str, Any]],
    *,
    describe: Callable[[dict[str, Any]], str],
    json_output: bool,
    negative: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """One record per file (JSON line or text); a bad file is reported and the rest go on.

    Exits 1 at the end if any file failed or, with `negative`, any record is a negative
    finding.
    """
    failures = 0
    out = console(stderr=False)
    for path in files:
        try:
            record = {"file": str(path), **report(path)}
            failures += bool(negative and negative(record))
        except AigcGuardError as exc:
            failures += 1
            record = {"file": str(path), "error": str(exc)}
        if json_output:
            print_json(record)
        else:
            out.print(describe(record), highlight=False, markup=False)
    if failures:
        raise typer.Exit(1)
