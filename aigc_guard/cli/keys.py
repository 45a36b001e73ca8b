"""`aigc-guard keys`: create keys explicitly (nothing else creates a CA or a watermark key).

`keys dev --out DIR` makes the development CA and signer (NOT FOR PRODUCTION), a
watermark key and the audit hash key; `keys watermark --out DIR` makes only a
watermark key, for production folders that hold a real certificate. Existing
files are kept as they are, never overwritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aigc_guard.cli.common import console, handles_errors

OutOption = Annotated[Path, typer.Option("--out", help="Keys folder (created 0700 if missing).")]


def _folder(out: Path) -> Path:
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    return out


def _watermark_key(out: Path) -> str:
    from aigc_guard.credentials.watermark_key import (
        WATERMARK_KEY_FILE,
        create_watermark_key,
        load_watermark_key,
    )

    if (out / WATERMARK_KEY_FILE).exists():
        return f"kept {out / WATERMARK_KEY_FILE} (key id {load_watermark_key(out).key_id})"
    path = create_watermark_key(out)
    return f"wrote {path} (key id {load_watermark_key(path).key_id})"


@handles_errors
def keys_dev(out: OutOption) -> None:
    """Create the development CA, signer, watermark key and audit hash key in --out.

    Example: aigc-guard keys dev --out keys/
    """
    from aigc_guard.credentials import HASH_KEY_FILE, ensure_dev_credentials, load_hash_key

    folder = _folder(out)
    dev = ensure_dev_credentials(folder)
    lines = [
        f"development CA {dev.ca_cert_path} and signer {dev.cert_chain_path} (NOT FOR "
        "PRODUCTION: pass --dev-credentials to sign with them)",
        _watermark_key(folder),
    ]
    had_hash_key = (folder / HASH_KEY_FILE).exists()
    load_hash_key(folder)
    lines.append(f"{'kept' if had_hash_key else 'wrote'} {folder / HASH_KEY_FILE}")
    lines.append(f"verifiers trust these outputs with: --trust {dev.ca_cert_path}")
    out_console = console(stderr=False)
    for line in lines:
        out_console.print(line, highlight=False, markup=False)


@handles_errors
def keys_watermark(out: OutOption) -> None:
    """Create a watermark key (watermark.key, 0600) in --out; an existing one is kept.

    Example: aigc-guard keys watermark --out /etc/aigc_guard/keys
    """
    console(stderr=False).print(_watermark_key(_folder(out)), highlight=False, markup=False)
