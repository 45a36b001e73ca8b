"""`aigc-guard verify`: trace files to the audit rows they came from, on checked evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aigc_guard.cli.common import (
    DbOption,
    FilesArgument,
    JsonOption,
    KeysOption,
    handles_errors,
    open_audit_log,
    report_each,
)

TrustOption = Annotated[
    Path | None,
    typer.Option(
        "--trust",
        envvar="AIGC_GUARD_TRUST",
        help="Trust list: PEM file of the CA certificates a C2PA signer must chain to "
        "(without it no manifest is trusted).",
    ),
]


@handles_errors
def verify(
    files: FilesArgument,
    json_output: JsonOption = False,
    db: DbOption = None,
    keys: KeysOption = None,
    trust: TrustOption = None,
) -> None:
    """Check each file's C2PA manifest and keyed watermark and trace it to its audit row.

    Exits 1 when any file is not traced (unmarked, forged, copied, tampered).
    `.c2pa` sidecars are read with the file they belong to and skipped as inputs.
    Example: aigc-guard verify out/* --json --db audit.db --keys keys --trust keys/dev-ca.pem
    """
    from aigc_guard.verify import LINKED, SIDECAR_SUFFIX, Verifier

    inputs = [path for path in files if not _is_sidecar(path, SIDECAR_SUFFIX)]
    anchors = _trust_anchors(trust)
    with open_audit_log(db, keys, writer=False) as log:
        verifier = Verifier(audit=log, trust_anchors_pem=anchors, watermark_keys=_keys(keys))
        report_each(
            inputs,
            lambda path: verifier.verify_file(path).to_dict(),
            describe=_describe_verification,
            json_output=json_output,
            negative=lambda record: record["trace"]["status"] not in LINKED,
        )


def _is_sidecar(path: Path, suffix: str) -> bool:
    """A detached manifest `X.txt.c2pa` whose file `X.txt` exists: read with it, not alone."""
    return path.name.endswith(suffix) and path.with_name(path.name[: -len(suffix)]).is_file()


def _trust_anchors(trust: Path | None) -> bytes | None:
    from aigc_guard.errors import CredentialError

    if trust is None:
        return None
    try:
        data = trust.read_bytes()
    except OSError as exc:
        raise CredentialError(f"{trust}: cannot read the trust list ({exc.strerror})") from exc
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise CredentialError(f"{trust}: the trust list holds no PEM certificate")
    return data


def _keys(keys: Path | None) -> list[Any]:
    """The watermark key of the keys folder, when it has one."""
    from aigc_guard.credentials import keys_dir
    from aigc_guard.credentials.watermark_key import WATERMARK_KEY_FILE, load_watermark_key

    path = keys_dir(keys) / WATERMARK_KEY_FILE
    return [load_watermark_key(path)] if path.is_file() else []


def _describe_verification(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"{record['file']}: error: {record['error']}"
    trace, audit = record["trace"], record["audit"]
    if audit:
        via = " + ".join(trace["evidence"])
        head = f"traced to audit row {audit['id']} ({audit['decision']}) via {via}"
    else:
        head = trace["status"].replace("_", " ")
    notes = "; ".join(trace["problems"])
    return f"{record['file']}: {head}" + (f" ({notes})" if notes else "")
