"""The rules `verify` applies to a file's evidence (see aigc_guard.verify for the why).

Statuses: traced (linked through checked evidence), marked (evidence checked but no
audit log to trace it in), unmarked (neither a manifest nor a keyed watermark),
invalid_manifest (signature or hard binding fails: an edited file or a manifest
transplanted from another one), untrusted_manifest (the signer does not chain to a
trust anchor), no_row (valid evidence, no such row), conflict (manifest and watermark
name different outputs), copied_mark (a keyed payload on a file that does not look
like that row's output), unverified (a payload whose file cannot be compared with
its row: no fingerprint, or no hash key for text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import Artifact, ArtifactKind
from aigc_guard.verify import Trace

if TYPE_CHECKING:
    from aigc_guard.audit import AuditEntry, AuditLog
    from aigc_guard.marks.base import WatermarkReading
    from aigc_guard.marks.provenance import ProvenanceReading

Outcome = tuple[Trace, "AuditEntry | None", "str | None"]


def manifest_state(c2pa: ProvenanceReading, watermark: WatermarkReading) -> str:
    """valid | untrusted | invalid | stripped (a keyed mark but no manifest) | absent."""
    if not c2pa.present:
        return "stripped" if watermark.found else "absent"
    if not c2pa.valid:
        return "invalid"
    return "valid" if c2pa.trusted else "untrusted"


class EvidenceCheck:
    """Applies the rules to one file's readings, looking rows up in `audit` (optional)."""

    def __init__(self, audit: AuditLog | None, *, data: bytes, artifact: Artifact) -> None:
        self._audit = audit
        self._data = data
        self._artifact = artifact

    def trace(self, watermark: WatermarkReading, c2pa: ProvenanceReading) -> Outcome:
        manifest = manifest_state(c2pa, watermark)
        mark_id = watermark.payload if watermark.found else None
        if manifest in ("invalid", "untrusted"):
            return self._refused(manifest, c2pa, mark_id), None, None
        if manifest == "valid":
            return self._through_manifest(c2pa, mark_id)
        if mark_id is not None:
            return self._through_watermark(watermark, manifest)
        problem = "no C2PA manifest and no watermark under the configured keys"
        return Trace(status="unmarked", manifest=manifest, problems=[problem]), None, None

    # -- the three routes -------------------------------------------------------------
    def _refused(self, manifest: str, c2pa: ProvenanceReading, mark_id: str | None) -> Trace:
        asserted = _asserted_id(c2pa)
        if manifest == "invalid":
            problems = [f"C2PA manifest invalid ({', '.join(c2pa.errors) or c2pa.state}): the "
                        "file is not what was signed (edited, or a manifest transplanted from "
                        "another file)"]  # fmt: skip
        else:
            problems = ["C2PA manifest signed by a certificate that does not chain to a "
                        "trust anchor (--trust FILE): its claims are not evidence"]  # fmt: skip
        if mark_id is not None:
            problems.append(f"a keyed watermark names output {mark_id}; not linked because the "
                            "manifest on this file is not trustworthy")  # fmt: skip
        claimed = self._latest(asserted or mark_id)
        return Trace(status=f"{manifest}_manifest", manifest=manifest, problems=problems,
                     claimed_row=claimed.id if claimed else None)  # fmt: skip

    def _through_manifest(self, c2pa: ProvenanceReading, mark_id: str | None) -> Outcome:
        asserted = _asserted_id(c2pa)
        evidence = ["c2pa"] + (["watermark"] if mark_id is not None and mark_id == asserted else [])
        if asserted is None:
            return (
                self._trace(
                    "no_row", "valid", evidence, ["the manifest asserts no aigc_guard content id"]
                ),
                None,
                None,
            )
        if mark_id is not None and mark_id != asserted:
            problem = f"the manifest names output {asserted}, the watermark {mark_id}"
            return self._trace("conflict", "valid", evidence, [problem]), None, None
        return self._with_row(asserted, "valid", evidence, matched_by="c2pa")

    def _through_watermark(self, watermark: WatermarkReading, manifest: str) -> Outcome:
        content_id = str(watermark.payload)
        problems = []
        if manifest == "stripped":
            problems.append("no C2PA manifest: stripped (the keyed watermark is still there)")
        outcome = self._with_row(content_id, manifest, ["watermark"], matched_by="watermark",
                                 problems=problems)  # fmt: skip
        trace, entry, _ = outcome
        if entry is None:
            return outcome
        status, fingerprint, problem = self._looks_like(entry, watermark, trace)
        if status == "traced":
            return Trace(**{**trace.__dict__, "fingerprint": fingerprint}), entry, "watermark"
        refused = Trace(status=status, manifest=manifest, evidence=[], fingerprint=fingerprint,
                        content_hash_match=trace.content_hash_match, claimed_row=entry.id,
                        problems=[*problems, problem])  # fmt: skip
        return refused, None, None

    # -- helpers ------------------------------------------------------------------------
    def _with_row(self, content_id: str, manifest: str, evidence: list[str], *,
                  matched_by: str, problems: list[str] | None = None) -> Outcome:  # fmt: skip
        problems = list(problems or [])
        if self._audit is None:
            return self._trace("marked", manifest, evidence, problems), None, None
        entry = self._latest(content_id)
        if entry is None:
            problems.append(f"no audit row has content id {content_id} in {self._audit.url}")
            return self._trace("no_row", manifest, evidence, problems), None, None
        trace = Trace(status="traced", manifest=manifest, evidence=evidence,
                      content_hash_match=self._hash_matches(entry), problems=problems)  # fmt: skip
        return trace, entry, matched_by

    def _looks_like(
        self, entry: AuditEntry, watermark: WatermarkReading, trace: Trace
    ) -> tuple[str, dict[str, Any] | None, str]:
        """(status, fingerprint report, problem): does the file still look like the row's
        delivered output? Images: pHash of the fingerprinted box; text: the keyed hash."""
        if self._artifact.kind is ArtifactKind.TEXT:
            if trace.content_hash_match is None:
                return "unverified", None, ("cannot compare the text with its row without the "
                                            "row's audit hash key (--keys)")  # fmt: skip
            if not trace.content_hash_match:
                return "copied_mark", None, ("the text differs from the row's output: a "
                                             "zero-width mark copied into other text")  # fmt: skip
            return "traced", None, ""
        from aigc_guard.marks.fingerprint import MAX_DISTANCE, fingerprint_distance

        record = entry.marks.get("fingerprint")
        if not isinstance(record, dict):
            return "unverified", None, f"row {entry.id} records no fingerprint to compare with"
        details = watermark.details
        distance = fingerprint_distance(
            record, self._artifact.image,  # type: ignore[arg-type]
            shift=tuple(details.get("shift", (0, 0))), scale=float(details.get("scale", 1.0)),
        )  # fmt: skip
        report = {"distance": distance, "threshold": MAX_DISTANCE,
                  "match": distance is not None and distance <= MAX_DISTANCE}  # fmt: skip
        if distance is None:
            return "unverified", report, "the fingerprinted area is no longer in the file"
        if distance > MAX_DISTANCE:
            return (
                "copied_mark",
                report,
                (
                    f"the payload of row {entry.id} is on an image that does not look like that "
                    f"row's output (pHash distance {distance} > {MAX_DISTANCE}): a copied mark"
                ),
            )
        return "traced", report, ""

    def _latest(self, content_id: str | None) -> AuditEntry | None:
        if self._audit is None or not content_id:
            return None
        entries = self._audit.find_by_content_id(content_id)
        return entries[-1] if entries else None

    def _hash_matches(self, entry: AuditEntry) -> bool | None:
        if self._audit is None or self._audit.key_id is None or entry.content_hash is None:
            return None
        if entry.key_id is not None and entry.key_id != self._audit.key_id:
            return None
        return any(found.id == entry.id for found in self._audit.find_by_content_hash(self._data))

    @staticmethod
    def _trace(status: str, manifest: str, evidence: list[str], problems: list[str]) -> Trace:
        return Trace(status=status, manifest=manifest, evidence=evidence, problems=problems)


def _asserted_id(c2pa: ProvenanceReading) -> str | None:
    from aigc_guard.marks.provenance import PRIVACY_LABEL

    value = (c2pa.assertions.get(PRIVACY_LABEL) or {}).get("content_id")
    return str(value) if value else None


__all__ = ["EvidenceCheck", "manifest_state"]
