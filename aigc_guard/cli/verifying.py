"""`aigc-guard verify`: read the marks on files and find the audit rows they came from."""

from __future__ import annotations

from typing import Any

from aigc_guard.cli.common import (
    DbOption,
    FilesArgument,
    JsonOption,
    KeysOption,
    handles_errors,
    open_audit_log,
    report_each,
)


@handles_errors
def verify(
    files: FilesArgument,
    json_output: JsonOption = False,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Read watermark and C2PA manifest of each file and find its audit row.

    Example: aigc-guard verify out/*.png --json --db audit.db
    """
    from aigc_guard.credentials import keys_dir
    from aigc_guard.credentials.dev_ca import CA_CERT_FILE
    from aigc_guard.verify import Verifier

    trust = keys_dir(keys) / CA_CERT_FILE
    anchors = trust.read_bytes() if trust.is_file() else None
    with open_audit_log(db, keys, writer=False) as log:
        verifier = Verifier(audit=log, trust_anchors_pem=anchors)
        report_each(
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
