"""`Guard`: checks, marks and audits every output a generator makes.

The guard orchestrates and knows no library details: checks, marks and the
audit log each sit behind their own small interface. Order per candidate:
checks -> decision -> (redact) -> marks; then the audit rows of a whole batch
are committed in one transaction before any output of the batch is handed back,
so every delivered output has its row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.adapters import GeneratorAdapter, as_generator
from aigc_guard.artifacts import Artifact, CheckResult, Decision
from aigc_guard.checks.verdict import Verdict, decide
from aigc_guard.errors import AigcGuardError, GeneratorError, MarkError
from aigc_guard.guard.results import GuardResult
from aigc_guard.guard.settings import GuardSettings, assemble, close_all
from aigc_guard.marks.marker import MarkedOutput, ProvenanceContext
from aigc_guard.marks.payload import new_content_id

if TYPE_CHECKING:
    from aigc_guard.audit import AuditLog, AuditRecord
    from aigc_guard.checks import Check, InspectResult
    from aigc_guard.credentials import SigningCredentials
    from aigc_guard.credentials.watermark_key import WatermarkKey
    from aigc_guard.marks.provenance import C2paProvenance
    from aigc_guard.policy import Policy

ProgressCallback = Callable[[GuardResult], None]


class Guard:
    """Wrap generators with the checks and marks of one policy, logging every decision.

    Args (keyword-only; see `GuardSettings` for each):
        policy: a Policy, a policy file path, or a bundled policy name ("default").
        index: a fingerprint index, its folder, or a mapping kind -> index.
        db: an AuditLog, or a database URL / SQLite path.
        signer: SigningCredentials or a C2paProvenance; required when the policy asks
            for C2PA, unless `dev_credentials=True`.
        hash_key: key for the audit log's keyed hashes (default: from `keys`).
        keys: the keys folder (default: $AIGC_GUARD_HOME/keys).
        dev_credentials: allow development credentials (NOT FOR PRODUCTION).
        checks: check instances replacing the policy's checks.
        watermark_key: the watermark key (default: `keys`/watermark.key).
    """

    def __init__(
        self,
        *,
        policy: Policy | str | Path | None = None,
        index: Any = None,
        db: AuditLog | str | None = None,
        signer: SigningCredentials | C2paProvenance | None = None,
        hash_key: bytes | None = None,
        keys: str | Path | None = None,
        dev_credentials: bool = False,
        checks: Sequence[Check] | None = None,
        watermark_key: WatermarkKey | None = None,
    ) -> None:
        settings = GuardSettings(
            policy=policy, index=index, db=db, signer=signer, hash_key=hash_key, keys=keys,
            dev_credentials=dev_credentials, checks=checks, watermark_key=watermark_key,
        )  # fmt: skip
        parts = assemble(settings)
        #: Things the user must know once (e.g. signing with development credentials).
        self.notices = parts.notices
        self.policy = parts.policy
        self.suite = parts.suite
        self.marker = parts.marker
        self.audit = parts.audit
        self._owned = parts.owned
        try:
            self.audit.register_policy(self.policy)  # the text behind every row's policy_sha256
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_settings(cls, settings: GuardSettings) -> Guard:
        """The guard `settings` describe (what the CLI and the demo use)."""
        return cls(
            policy=settings.policy, index=settings.index, db=settings.db, signer=settings.signer,
            hash_key=settings.hash_key, keys=settings.keys,
            dev_credentials=settings.dev_credentials, checks=settings.checks,
            watermark_key=settings.watermark_key,
        )  # fmt: skip

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Close what the guard created (not what was passed in); idempotent."""
        close_all(self._owned)

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
        **generator_options: Any,
    ) -> list[GuardResult]:
        """Draw `n` outputs from `generator`, each checked, marked and audited.

        `generator_options` go to the generator's adapter (`model_id`, `card`, and the
        adapter's own, such as `noise_shape` for a torch module); an option it does not
        take is an error. A candidate that a check asks to regenerate is discarded (and
        logged) and another is drawn, up to the policy's `generation.max_attempts`; then
        the output is blocked. Raises GeneratorError if the generator fails; the
        outputs already returned keep their audit rows, and the failure gets one.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        adapter = as_generator(generator, **generator_options)
        request = _Request(
            prompt=prompt,
            generation_mark=self.marker.arm_generator(adapter),
            context=_provenance_context(adapter, self.policy),
            prompt_checks=self._screen_prompt(prompt),
        )
        max_attempts = self.policy.generation.max_attempts
        results: dict[int, GuardResult] = {}
        pending = list(range(n))
        for attempt in range(1, max_attempts + 1):
            round_seed = None if seed is None else seed + 1_000_003 * (attempt - 1)
            candidates = self._draw(adapter, pending, request, round_seed, attempt)
            outcomes = [
                self._evaluate(candidate, request, attempt=attempt,
                               can_regenerate=attempt < max_attempts)
                for candidate in candidates
            ]  # fmt: skip
            finished = self._commit(outcomes)
            still_pending = []
            for slot, result in zip(pending, finished, strict=True):
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
        outcome = self._evaluate(artifact, request, attempt=1, can_regenerate=False)
        (result,) = self._commit([replace(outcome, source=source)])
        if result is None:  # cannot happen: without regeneration every candidate is final
            raise AigcGuardError("internal error: a file was marked for regeneration")
        return result

    # -- pipeline -----------------------------------------------------------------------
    def _screen_prompt(self, prompt: str | None) -> dict[str, Any]:
        """What the checks find in the prompt, for the audit rows (types, never values)."""
        if not prompt:
            return {}
        return {name: r.to_dict() for name, r in self.suite.inspect_prompt(prompt).items()}

    def _draw(
        self,
        adapter: GeneratorAdapter,
        slots: list[int],
        request: _Request,
        seed: int | None,
        attempt: int,
    ) -> list[Artifact]:
        """Ask the generator for a candidate per slot, each within the policy's `limits`;
        a failure is logged, then raised."""
        try:
            candidates = adapter.produce_for(slots, prompt=request.prompt, seed=seed)
            if len(candidates) != len(slots):
                raise GeneratorError(
                    f"generator {adapter.model_id!r} returned {len(candidates)} outputs "
                    f"for {len(slots)} requested"
                )
            for candidate in candidates:  # garbage from a generator is its failure
                candidate.check_within(self.policy.limits, source="generator output")
            return candidates
        except AigcGuardError as exc:
            cause = exc.__cause__ or exc
            self.audit.append(
                self._record(
                    request, attempt, event="generation_error", decision="error",
                    extra={"error_type": type(cause).__name__},
                )
            )  # fmt: skip
            if isinstance(exc, GeneratorError):
                raise
            raise GeneratorError(str(exc)) from exc

    def _evaluate(
        self, candidate: Artifact, request: _Request, *, attempt: int, can_regenerate: bool
    ) -> _Outcome:
        """Check, decide and (when delivered) mark one candidate; nothing is written yet."""
        checks = self.suite.run(candidate)
        verdict = decide(checks.values(), can_regenerate=can_regenerate)
        content_id = new_content_id()
        marked = None
        if verdict.decision not in (Decision.REGENERATE, Decision.BLOCK):
            artifact = candidate
            if verdict.decision is Decision.REDACT:
                artifact = self.suite.redact(candidate, checks)
            try:
                marked = self.marker.mark(artifact, content_id=content_id, context=request.context)
            except MarkError as exc:
                if not self.policy.marks.required:
                    raise
                # The policy requires marks: an output that cannot carry them is not delivered.
                reason = f"marks required but not applied -> block: {exc}"
                verdict = Verdict(Decision.BLOCK, (*verdict.reasons, reason))
        return _Outcome(
            candidate=candidate, checks=checks, verdict=verdict, content_id=content_id,
            marked=marked, request=request, attempt=attempt,
        )  # fmt: skip

    def _commit(self, outcomes: list[_Outcome]) -> list[GuardResult | None]:
        """One transaction for the rows of a batch, then the results (None: regenerate)."""
        entries = self.audit.append_many([self._output_record(outcome) for outcome in outcomes])
        return [outcome.result(entry.id) for outcome, entry in zip(outcomes, entries, strict=True)]

    def _output_record(self, outcome: _Outcome) -> AuditRecord:
        """The audit row of one candidate; the audit log hashes content and prompt itself."""
        marked = outcome.marked
        artifact = marked.artifact if marked is not None else outcome.candidate
        data = marked.data if marked is not None else outcome.candidate.to_bytes()
        extra: dict[str, Any] = {"reasons": list(outcome.verdict.reasons)}
        if outcome.request.prompt_checks:
            extra["prompt_checks"] = outcome.request.prompt_checks
        if outcome.request.generation_mark and marked is not None:
            extra["generation_watermark"] = outcome.request.generation_mark
        if outcome.request.context.model_revision:
            extra["model_revision"] = outcome.request.context.model_revision
        return self._record(
            outcome.request, outcome.attempt, event="output",
            decision=outcome.verdict.decision.value, content_id=outcome.content_id,
            content_kind=artifact.kind.value, content=data,
            checks={name: result.to_dict() for name, result in outcome.checks.items()},
            marks=marked.record if marked is not None else {}, extra=extra,
        )  # fmt: skip

    def _record(self, request: _Request, attempt: int, **fields: Any) -> AuditRecord:
        from aigc_guard.audit import AuditRecord

        return AuditRecord(
            request_id=request.request_id,
            attempt=attempt,
            policy_id=self.policy.id,
            policy_sha256=self.policy.sha256,
            model_id=request.context.model_id,
            prompt=request.prompt,
            **fields,
        )


@dataclass(frozen=True)
class _Request:
    """What is shared by every candidate of one generate (or guard) call."""

    prompt: str | None
    context: ProvenanceContext
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    prompt_checks: dict[str, Any] = field(default_factory=dict)
    generation_mark: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Outcome:
    """One evaluated candidate, waiting for its audit row."""

    candidate: Artifact
    checks: dict[str, CheckResult]
    verdict: Verdict
    content_id: str
    marked: MarkedOutput | None
    request: _Request
    attempt: int
    source: str | None = None

    def result(self, audit_id: int) -> GuardResult | None:
        """The final result for the caller; None when the candidate is to be regenerated."""
        decision = self.verdict.decision
        if decision is Decision.REGENERATE:
            return None
        marked = self.marked
        return GuardResult(
            decision=decision,
            content_id=self.content_id,
            audit_id=audit_id,
            checks=self.checks,
            reasons=self.verdict.reasons,
            attempts=self.attempt,
            source=self.source,
            artifact=marked.artifact if marked is not None else None,
            data=marked.data if marked is not None else None,
            sidecar=marked.sidecar if marked is not None else None,
            marks=marked.record if marked is not None else {},
        )


def _provenance_context(adapter: GeneratorAdapter, policy: Policy) -> ProvenanceContext:
    from aigc_guard.marks.provenance import dp_claim

    bound = bool(getattr(adapter, "card_bound_to_weights", False))
    epsilon, delta, guarantee = dp_claim(adapter.privacy_card, bound_to_weights=bound)
    return ProvenanceContext(
        policy_id=policy.id,
        model_id=adapter.model_id,
        model_revision=adapter.model_revision,
        epsilon=epsilon,
        delta=delta,
        guarantee=guarantee,
    )


__all__ = ["Guard", "ProgressCallback"]
