"""Use 3: export a compliance audit trail.

Verify the hash chain, trace delivered files back to their audit rows, and
export the trail as JSON Lines for an auditor.

    python examples/export_audit_trail.py --db sqlite:////tmp/wrap/audit.db \
        --trust /tmp/wrap/keys/dev-ca.pem --keys /tmp/wrap/keys \
        --out /tmp/trail.jsonl /tmp/wrap/outputs/*.txt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aigc_guard import Verifier
from aigc_guard.audit import AuditLog, export_jsonl, verify_chain
from aigc_guard.credentials import load_watermark_key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="audit database URL")
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--trust", type=Path, help="PEM file of the CAs a manifest must chain to")
    parser.add_argument("--keys", type=Path, help="keys folder holding the watermark key")
    parser.add_argument("files", nargs="*", type=Path, help="delivered files to trace")
    args = parser.parse_args()
    anchors = args.trust.read_bytes() if args.trust else None
    keys = [load_watermark_key(args.keys)] if args.keys else []

    # Read-only: an auditor needs no hash key to verify or export.
    with AuditLog(args.db, hash_key=None, create=False) as log:
        report = verify_chain(log)
        print(f"chain: {'intact' if report.ok else 'TAMPERED: ' + str(report.problem)}"
              f" ({report.rows_checked} rows)")  # fmt: skip
        verifier = Verifier(audit=log, trust_anchors_pem=anchors, watermark_keys=keys)
        for path in args.files:
            found = verifier.verify_file(path)
            row = found.audit
            trace = f"audit row {row.id} ({row.decision})" if row else found.trace.status
            print(f"{path.name}: watermark={found.watermark.payload} "
                  f"c2pa valid={found.c2pa.valid} -> {trace}")  # fmt: skip
        rows = export_jsonl(log, args.out)
    print(f"exported {rows} rows -> {args.out}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
