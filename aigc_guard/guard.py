"""`Guard`: checks, marks and audits every output a generator makes.

The guard orchestrates and knows no library details: checks, marks and the
audit log each sit behind their own small interface. Order per candidate:
checks -> decision -> (redact) -> marks -> audit row -> hand back. The audit row
is committed before an output is returned, so every delivered output has one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.adapters import GeneratorAdapter, as_generator
from aigc_guard.artifacts import Artifact, CheckResult, Decision
from aigc_guard.checking import CheckSuite
from aigc_guard.decisions import Verdict, decide
from aigc_guard.errors import AigcGuardError, CredentialError, GeneratorError
from aigc_guard.marking import Marker, ProvenanceContext
from aigc_guard.marks.payload import new_content_id
from aigc_guard.policy import Policy, load_policy
from aigc_guard.results import GuardResult, InspectResult

if TYPE_CHECKING:
    from aigc_guard.audit import AuditLog
    from aigc_guard.keys import SigningCredentials
    from aigc_guard.marks.provenance import C2paProvenance

ProgressCallback = Callable[[GuardResult], None]


class Guard:
    """Wrap generators with the checks and marks of one policy, logging every decision.

    Args (keyword-only):
        policy: a Policy, a policy file path, or a bundled policy name ("default").
        index: a fingerprint index (or its directory) for the memorization check.
        db: an AuditLog, or a database URL / SQLite path (default: AIGC_GUARD_DB or
            sqlite:///audit.db).
        signer: SigningCredentials or a C2paProvenance; required when the policy
            asks for C2PA (use aigc_guard.keys.ensure_dev_credentials locally).
        hash_key: key for the audit log's keyed hashes (default: the key in
            the aigc_guard home folder, created on first use).
    """

    def __init__(
        self,
        *,
        policy: Policy | str | Path | None = None,
        index: Any = None,
        db: AuditLog | str | None = None,
        signer: SigningCredentials | C2paProvenance | None = None,
        hash_key: bytes | None = None,
    ) -> None:
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self._owned: list[Any] = []
        try:
            self.suite = CheckSuite(self.policy, index=index)
            self.marker = Marker(self.policy.marks, self._provenance(signer))
            self.audit = self._audit_log(db, hash_key)
            self.audit.register_policy(self.policy)  # the text behind every row's policy_sha256
        except BaseException:
            self.close()
            raise

    # -- construction -------------------------------------------------------------------
    def _provenance(self, signer: Any) -> C2paProvenance | None:
        if not self.policy.marks.c2pa.enabled:
            return None
        if signer is None:
            raise CredentialError(
                f"policy {self.policy.id!r} signs outputs with C2PA (marks.c2pa.enabled) but no "
                "signer was given; pass signer=SigningCredentials.from_files(...) or, for local "
                "use, aigc_guard.keys.ensure_dev_credentials(DIR)"
            )
        from aigc_guard.keys import SigningCredentials
        from aigc_guard.marks.provenance import C2paProvenance

        if isinstance(signer, C2paProvenance):
            return signer
        if not isinstance(signer, SigningCredentials):
            raise CredentialError(
                f"signer must be SigningCredentials or C2paProvenance, got {type(signer).__name__}"
            )
        provenance = C2paProvenance(signer)
        self._owned.append(provenance)
        return provenance

    def _audit_log(self, db: Any, hash_key: bytes | None) -> AuditLog:
        from aigc_guard.audit import AuditLog, resolve_db_url
        from aigc_guard.home import load_hash_key

        if isinstance(db, AuditLog):
            return db
        log = AuditLog(resolve_db_url(db), hash_key=hash_key or load_hash_key())
        self._owned.append(log)
        return log

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Close what the guard created (not what was passed in); idempotent."""
        suite = getattr(self, "suite", None)
        if suite is not None:
            suite.close()
        while self._owned:
            self._owned.pop().close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API ---------------------------------------------------------------------
    def inspect(self, artifact: Artifact) -> InspectResult:
        """Run the checks only: nothing is marked, nothing is written."""
        return self.suite.inspect(artifact)

    def generate(
        self,
        generator: Any,
        n: int = 1,
        *,
        prompt: str | None = None,
        seed: int | None = None,
        on_result: ProgressCallback | None = None,
        **adapter_options: Any,
    ) -> list[GuardResult]:
        """Draw `n` outputs from `generator`, each checked, marked and audited.

        A candidate that a check asks to regenerate is discarded (and logged) and
        another is drawn, up to the policy's `generation.max_attempts`; then the
        output is blocked. Raises GeneratorError if the generator fails; the
        outputs already returned keep their audit rows, and the failure gets one.
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        adapter = as_generator(generator, **adapter_options)
        request = _Request(prompt=prompt, context=_provenance_context(adapter, self.policy))
        max_attempts = self.policy.generation.max_attempts
        results: dict[int, GuardResult] = {}
        pending = list(range(n))
        for attempt in range(1, max_attempts + 1):
            round_seed = None if seed is None else seed + 1_000_003 * (attempt - 1)
            candidates = self._draw(adapter, len(pending), request, round_seed, attempt)
            still_pending = []
            for slot, candidate in zip(pending, candidates, strict=True):
                result = self._process(
                    candidate, request, attempt=attempt, can_regenerate=attempt < max_attempts
                )
                if result is None:
                    still_pending.append(slot)
                    continue
                results[slot] = result
                if on_result is not None:
                    on_result(result)
            pending = still_pending
            if not pending:
                break
        return [results[slot] for slot in range(n)]

    def guard_artifact(self, artifact: Artifact, *, source: str | None = None) -> GuardResult:
        """The generate pipeline for an output made elsewhere (a file): check, mark, audit.

        A file cannot be drawn again, so a check asking to regenerate blocks it.
        """
        request = _Request(prompt=None, context=ProvenanceContext(policy_id=self.policy.id))
        result = self._process(artifact, request, attempt=1, can_regenerate=False, source=source)
        if result is None:  # cannot happen: without regeneration every candidate is final
            raise AigcGuardError("internal error: a file was marked for regeneration")
        return result

    # -- pipeline -----------------------------------------------------------------------
    def _draw(
        self,
        adapter: GeneratorAdapter,
        count: int,
        request: _Request,
        seed: int | None,
        attempt: int,
    ) -> list[Artifact]:
        """Ask the generator for `count` candidates; a failure is logged, then raised."""
        from aigc_guard.audit import AuditRecord

        try:
            return adapter.produce(count, prompt=request.prompt, seed=seed)
        except AigcGuardError as exc:
            cause = exc.__cause__ or exc
            self.audit.append(
                AuditRecord(
                    event="generation_error",
                    decision="error",
                    request_id=request.request_id,
                    attempt=attempt,
                    policy_id=self.policy.id,
                    policy_sha256=self.policy.sha256,
                    model_id=adapter.model_id,
                    prompt=request.prompt,
                    extra={"error_type": type(cause).__name__},
                )
            )
            if isinstance(exc, GeneratorError):
                raise
            raise GeneratorError(str(exc)) from exc

    def _process(
        self,
        candidate: Artifact,
        request: _Request,
        *,
        attempt: int,
        can_regenerate: bool,
        source: str | None = None,
    ) -> GuardResult | None:
        """Check, decide, mark and log one candidate; None means 'draw another'."""
        checks = self.suite.run(candidate)
        verdict = decide(list(checks.values()), self.policy, can_regenerate=can_regenerate)
        content_id = new_content_id()
        common = {
            "content_id": content_id,
            "checks": checks,
            "reasons": verdict.reasons,
            "attempts": attempt,
            "source": source,
        }
        if verdict.decision in (Decision.REGENERATE, Decision.BLOCK):
            entry = self._log(verdict, checks, candidate, candidate.to_bytes(), content_id,
                              request, attempt=attempt, marks={})  # fmt: skip
            if verdict.decision is Decision.REGENERATE:
                return None
            return GuardResult(decision=Decision.BLOCK, audit_id=entry.id, **common)
        artifact = candidate
        if verdict.decision is Decision.REDACT:
            artifact = self.suite.redact(candidate, checks)
        marked = self.marker.mark(artifact, content_id=content_id, context=request.context)
        entry = self._log(verdict, checks, marked.artifact, marked.data, content_id,
                          request, attempt=attempt, marks=marked.record)  # fmt: skip
        return GuardResult(
            decision=verdict.decision,
            audit_id=entry.id,
            artifact=marked.artifact,
            data=marked.data,
            sidecar=marked.sidecar,
            marks=marked.record,
            **common,
        )

    def _log(
        self,
        verdict: Verdict,
        checks: dict[str, CheckResult],
        artifact: Artifact,
        data: bytes,
        content_id: str,
        request: _Request,
        *,
        attempt: int,
        marks: dict[str, Any],
    ) -> Any:
        """One audit row per candidate; the audit log hashes `data` and the prompt itself."""
        from aigc_guard.audit import AuditRecord

        return self.audit.append(
            AuditRecord(
                event="output",
                decision=verdict.decision.value,
                request_id=request.request_id,
                attempt=attempt,
                policy_id=self.policy.id,
                policy_sha256=self.policy.sha256,
                model_id=request.context.model_id,
                content_id=content_id,
                content_kind=artifact.kind.value,
                content=data,
                prompt=request.prompt,
                checks={name: result.to_dict() for name, result in checks.items()},
                marks=marks,
                extra={"reasons": list(verdict.reasons)},
            )
        )


@dataclass(frozen=True)
class _Request:
    """What is shared by every candidate of one generate (or guard) call."""

    prompt: str | None
    context: ProvenanceContext
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def _provenance_context(adapter: GeneratorAdapter, policy: Policy) -> ProvenanceContext:
    card = adapter.privacy_card
    return ProvenanceContext(
        policy_id=policy.id,
        model_id=adapter.model_id,
        epsilon=getattr(card, "epsilon", None),
        delta=getattr(card, "delta", None),
    )


def summarize(results: Iterable[GuardResult]) -> dict[str, int]:
    """Counts per final decision plus the number of discarded (regenerated) candidates."""
    counts = {decision.value: 0 for decision in Decision}
    for result in results:
        counts[result.decision.value] += 1
        counts[Decision.REGENERATE.value] += result.attempts - 1
    return counts
