"""Writing delivered outputs to a folder without losing, leaking or overwriting anything.

The audit row of an output is committed before the output is handed back, so a
write that fails afterwards (a full disk, a folder removed, a signal) would leave
an `allow` row for a file that does not exist. `OutputFolder` closes that gap:

- the folder is checked before the first row is written: it exists or can be
  created, it is a folder, a probe file can be written in it, the disk has room,
  and it is not the folder of an input (unless `in_place`);
- each output is named by its content id (or, with `keep_names`, its input's stem,
  checked for collisions up front), so names never collide and no input name,
  which may hold personal data, travels into the output folder;
- an existing file is never overwritten and no partial file ever appears under an
  output's name (`GuardResult.save`);
- a write that fails after its row was committed appends a `delivery_failed` row
  (for it and for every output of the batch not yet written) and raises
  DeliveryError: the batch stops.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import AigcGuardError, DeliveryError

if TYPE_CHECKING:
    from aigc_guard.audit import AuditLog, AuditRecord
    from aigc_guard.guard import Guard
    from aigc_guard.guard.results import GuardResult
    from aigc_guard.policy import Policy

MIN_FREE_BYTES = 1 << 20
MAX_LISTED = 5
NOT_ATTEMPTED = "NotAttempted"  # error_type of outputs left unwritten after a failure


@dataclass(frozen=True)
class OutputFolder:
    """A folder that was checked before the batch began; use `prepare` to build one."""

    path: Path
    keep_names: bool = False

    @classmethod
    def prepare(
        cls,
        path: str | Path,
        *,
        inputs: Sequence[Path] = (),
        in_place: bool = False,
        keep_names: bool = False,
        min_free_bytes: int = MIN_FREE_BYTES,
    ) -> OutputFolder:
        """Check (and create) the folder; DeliveryError names the folder and the problem."""
        folder = Path(path)
        _create(folder)
        if not in_place:
            _refuse_input_folders(folder, inputs)
        _probe_writable(folder)
        free = shutil.disk_usage(folder).free
        if free < min_free_bytes:
            raise DeliveryError(f"--out {folder}: disk full ({free:,} bytes free)")
        prepared = cls(path=folder, keep_names=keep_names)
        if keep_names:
            prepared._refuse_name_collisions(inputs)
        return prepared

    def name_for(self, result: GuardResult, source: Path | None = None) -> str:
        """`<content id><suffix>`, or with `keep_names` the input's stem and our suffix."""
        stem = source.stem if self.keep_names and source is not None else result.content_id
        return f"{stem}{result.suffix}"

    def deliver(
        self,
        result: GuardResult,
        *,
        audit: AuditLog,
        policy: Policy | None = None,
        source: Path | None = None,
    ) -> Path | None:
        """Write one delivered output (None when it was blocked); see `deliver_all`."""
        return self.deliver_all([(result, source)], audit=audit, policy=policy)[0]

    def deliver_all(
        self,
        results: Sequence[tuple[GuardResult, Path | None]],
        *,
        audit: AuditLog,
        policy: Policy | None = None,
    ) -> list[Path | None]:
        """Write each delivered output of a committed batch, in order.

        On the first failure (an OSError, or an interrupt), a `delivery_failed` row is
        appended for that output and for every later delivered output of the batch,
        and DeliveryError (or the interrupt) is raised: no `allow` row is left
        without its file or a row saying why.
        """
        written: list[Path | None] = []
        for position, (result, source) in enumerate(results):
            if not result.delivered:
                written.append(None)
                continue
            target = self.path / self.name_for(result, source)
            try:
                written.append(result.save(target))
            except BaseException as exc:
                rest = [r for r, _ in results[position + 1 :] if r.delivered]
                failure = _record_failures(audit, policy, result, exc, rest)
                if not isinstance(exc, OSError):
                    raise  # an interrupt stays an interrupt; the rows are written
                raise DeliveryError(
                    f"could not write {target}: {exc.strerror or exc}; {failure}; "
                    "the batch stops here"
                ) from exc
        return written

    def _refuse_name_collisions(self, inputs: Sequence[Path]) -> None:
        """With `keep_names`, two inputs of one stem, or a name already taken, fail now."""
        seen: dict[str, Path] = {}
        problems: list[str] = []
        for source in inputs:
            name = source.stem
            if name in seen:
                problems.append(f"{seen[name].name} and {source.name} share the name {name!r}")
            elif any((self.path / f"{name}{suffix}").exists() for suffix in (".png", ".txt")):
                problems.append(f"{name!r} already exists in {self.path}")
            seen.setdefault(name, source)
        if problems:
            listed = "; ".join(problems[:MAX_LISTED])
            more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
            raise DeliveryError(
                f"--keep-names: {listed}{more}; outputs are never overwritten "
                "(drop --keep-names to name outputs by content id)"
            )


def generate_into(
    guard: Guard,
    generator: Any,
    folder: OutputFolder,
    *,
    n: int,
    seed: int | None = None,
    batch: int = 16,
    on_batch: Callable[[list[GuardResult]], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[GuardResult]:
    """`guard.generate` in batches of `batch`, each batch delivered to `folder` before
    the next is drawn; stops between batches when `should_stop()` says so.

    Batch k draws with seed `seed + k * batch`. Returns the results of the batches done.
    """
    results: list[GuardResult] = []
    for start in range(0, n, batch):
        if should_stop():
            break
        count = min(batch, n - start)
        chunk = guard.generate(generator, n=count, seed=None if seed is None else seed + start)
        folder.deliver_all([(result, None) for result in chunk], audit=guard.audit,
                           policy=guard.policy)  # fmt: skip
        results.extend(chunk)
        if on_batch is not None:
            on_batch(chunk)
    return results


def _create(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise DeliveryError(f"--out {folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(f"--out {folder}: cannot create it ({exc.strerror or exc})") from exc


def _refuse_input_folders(folder: Path, inputs: Sequence[Path]) -> None:
    resolved = folder.resolve()
    for source in inputs:
        if source.parent.resolve() == resolved:
            raise DeliveryError(
                f"--out {folder} is the folder of the input {source.name}; choose another "
                "folder, or pass --in-place to write beside the inputs (nothing is overwritten)"
            )


def _probe_writable(folder: Path) -> None:
    """Create and remove a file: the only test that holds for root, ACLs and read-only mounts."""
    try:
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".aigc-guard-probe-")
        os.close(descriptor)
        os.unlink(name)
    except OSError as exc:
        raise DeliveryError(f"--out {folder}: not writable ({exc.strerror or exc})") from exc


def _record_failures(
    audit: AuditLog,
    policy: Policy | None,
    failed: GuardResult,
    cause: BaseException,
    rest: Sequence[GuardResult],
) -> str:
    """Append the `delivery_failed` rows in one transaction; a sentence saying what was
    recorded (or that the database refused it too)."""
    records = [_failure_record(failed, policy, cause=cause)]
    records += [_failure_record(result, policy, cause=None) for result in rest]
    try:
        entries = audit.append_many(records)
    except AigcGuardError as exc:
        ids = ", ".join(r.content_id for r in [failed, *rest][:MAX_LISTED])
        return (
            f"and the delivery_failed rows could not be written either ({exc}): content ids {ids}"
        )
    return f"recorded as delivery_failed (row {entries[0].id}" + (
        f", and {len(rest)} unwritten output(s) of the batch)" if rest else ")"
    )


def _failure_record(
    result: GuardResult, policy: Policy | None, *, cause: BaseException | None
) -> AuditRecord:
    """The row saying an output was not written: ids, error type and errno name only
    (never the path, which may carry an input's name)."""
    from aigc_guard.audit import AuditRecord

    extra: dict[str, object] = {"output_audit_id": result.audit_id}
    if cause is None:
        extra["error_type"] = NOT_ATTEMPTED
    else:
        extra["error_type"] = type(cause).__name__
        code = getattr(cause, "errno", None)
        if isinstance(code, int):
            extra["errno"] = errno.errorcode.get(code, str(code))
    return AuditRecord(
        "delivery_failed",
        decision="error",
        content_id=result.content_id,
        content_kind=result.artifact.kind.value if result.artifact is not None else None,
        policy_id=policy.id if policy is not None else None,
        policy_sha256=policy.sha256 if policy is not None else None,
        extra=extra,
    )


__all__ = ["NOT_ATTEMPTED", "OutputFolder", "generate_into"]
