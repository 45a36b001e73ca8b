"""Screening in worker processes: `PiiEngine.analyze_batch(texts, workers=N)`.

spaCy keeps one core busy per process (the GIL), so a batch screened in one process
never uses a second core. With `workers` > 1 the texts are cut into contiguous chunks
and screened in a pool of N processes, each holding its own engine built from the same
settings and features; the chunks' findings are put back together in the texts' order,
so the result is the one the in-process path gives.

The pool is started on first use and reused until the engine is closed (or the
interpreter exits). Its processes are *spawned*, not forked: a fork would copy the
parent's torch and spaCy threads and locks mid-use. So each worker imports Presidio and
loads spaCy itself (seconds, and that much memory per worker), and the first batch pays
for it. A worker that raises, or dies, fails the whole batch with ScreeningWorkerError:
no partial result is ever returned as if it were complete. A pool whose process died is
discarded; the next batch starts a fresh one.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from aigc_guard.errors import AigcGuardError, InputError, truncated

if TYPE_CHECKING:
    from aigc_guard.checks.pii.engine import Finding, PiiEngine
    from aigc_guard.checks.pii.settings import PiiSettings

T = TypeVar("T")
# Chunks per worker: more than one evens out documents of unequal length (a worker that
# finishes early takes the next chunk); each chunk still fills spaCy batches.
CHUNKS_PER_WORKER = 4
# Fewer texts than this many per worker are screened in-process: a pool's round trip
# would cost more than it saves.
MIN_TEXTS_PER_WORKER = 2
MAX_MESSAGE = 300


class ScreeningWorkerError(AigcGuardError):
    """A screening worker process raised or died; the batch has no result."""


def checked_workers(workers: object) -> int:
    """`workers` if it is a whole number >= 1, else InputError."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(
            f"PII screening: workers must be a whole number >= 1 (1 screens in this "
            f"process), got {workers!r}"
        )
    return workers


def chunk_ranges(count: int, pieces: int) -> list[tuple[int, int]]:
    """`pieces` contiguous (start, end) ranges covering range(count), sizes within one."""
    pieces = max(1, min(pieces, count))
    size, extra = divmod(count, pieces)
    ranges, start = [], 0
    for index in range(pieces):
        end = start + size + (index < extra)
        ranges.append((start, end))
        start = end
    return ranges


# -- in the worker process --------------------------------------------------------------
_engine: PiiEngine | None = None
_start_error: BaseException | None = None


def _start_worker(settings: PiiSettings, features: frozenset[str]) -> None:
    """Build this worker's engine. An error is kept and raised by every task, so it
    reaches the caller with its message (an initializer that raises breaks the pool
    with no word of why)."""
    global _engine, _start_error
    try:
        from aigc_guard.checks.pii.engine import PiiEngine

        _engine = PiiEngine(settings, features=features)
    except BaseException as exc:
        _start_error = exc


def _run(task: Callable[..., T], *args: Any) -> T:
    if _engine is None:
        raise _start_error or RuntimeError("the worker's engine was not built")
    return task(_engine, *args)


def screen_chunk(engine: PiiEngine, texts: list[str], batch_size: int) -> list[list[Finding]]:
    """A worker's part of `analyze_batch`: the in-process path on its chunk."""
    return engine.analyze_batch(texts, batch_size=batch_size)


# -- in the caller's process ------------------------------------------------------------
class WorkerPool:
    """`workers` spawned processes, each with an engine built from `settings` and
    `features`. `map_chunks` runs a task on each chunk of texts and returns the
    results in order, or raises ScreeningWorkerError."""

    def __init__(self, settings: PiiSettings, features: frozenset[str], workers: int) -> None:
        self.workers = checked_workers(workers)
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(settings, frozenset(features)),
        )
        self.broken = False
        atexit.register(self.close)

    def screen(self, texts: Sequence[str], batch_size: int) -> list[list[Finding]]:
        """Findings per text, as `PiiEngine.analyze_batch(texts)` in one process gives them."""
        ranges = chunk_ranges(len(texts), self.workers * CHUNKS_PER_WORKER)
        chunks = [(list(texts[start:end]), batch_size) for start, end in ranges]
        out: list[list[Finding]] = []
        for (start, end), found in zip(ranges, self.map_chunks(screen_chunk, chunks), strict=True):
            if len(found) != end - start:
                raise ScreeningWorkerError(
                    f"a PII screening worker returned {len(found)} results for the "
                    f"{end - start} texts {start}..{end - 1}; the batch is discarded"
                )
            out += found
        return out

    def map_chunks(self, task: Callable[..., T], chunks: Sequence[tuple[Any, ...]]) -> list[T]:
        """`task(engine, *chunk)` in a worker for every chunk; results in chunk order.
        `task` must be importable by name (a module-level function)."""
        executor = self._executor
        if executor is None or self.broken:
            raise ScreeningWorkerError("the PII screening pool is closed")
        futures: list[Future[T]] = []
        try:
            futures = [executor.submit(_run, task, *chunk) for chunk in chunks]
            return [future.result() for future in futures]
        except BrokenProcessPool as exc:
            self.broken = True
            self.close()
            raise ScreeningWorkerError(
                f"a PII screening worker process died (killed, out of memory or crashed) "
                f"while {len(chunks)} chunks were screened in {self.workers} processes; "
                f"the batch is discarded and the pool closed (the next batch starts a new one)"
            ) from exc
        except Exception as exc:
            for future in futures:
                future.cancel()
            wait(futures)  # the chunks already running finish before the pool is reused
            index = next((i for i, f in enumerate(futures) if f.done()
                          and not f.cancelled() and f.exception() is exc), None)  # fmt: skip
            where = f"chunk {index + 1} of {len(chunks)}" if index is not None else "a chunk"
            problem = truncated(f"{type(exc).__name__}: {exc}", MAX_MESSAGE)
            raise ScreeningWorkerError(
                f"a PII screening worker failed on {where} ({problem}); the batch is discarded"
            ) from exc

    def close(self) -> None:
        """Stop the processes (idempotent)."""
        executor, self._executor = self._executor, None
        atexit.unregister(self.close)
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class PoolHolder:
    """The one pool of an engine, created on first use and replaced when a batch asks
    for another number of workers or when its process died."""

    def __init__(self, settings: PiiSettings, features: frozenset[str]) -> None:
        self._settings = settings
        self._features = features
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()

    def get(self, workers: int) -> WorkerPool:
        with self._lock:
            pool = self._pool
            if pool is None or pool.broken or pool.workers != workers:
                if pool is not None:
                    pool.close()
                pool = self._pool = WorkerPool(self._settings, self._features, workers)
            return pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


__all__ = ["ScreeningWorkerError", "WorkerPool", "checked_workers", "chunk_ranges"]
