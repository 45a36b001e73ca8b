"""PII screening in worker processes (`workers` > 1): the same findings in the same order
as in-process, and a worker that fails or dies fails the batch, never a partial result.

The pool tests are marked slow: one pool of two spawned workers (each loads spaCy) takes
seconds to start; the module starts it once, and once more after killing a worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from aigc_guard.artifacts import Decision
from aigc_guard.checks.pii import PiiCheck, PiiSettings
from aigc_guard.checks.pii.engine import FEATURES
from aigc_guard.checks.pii.workers import ScreeningWorkerError, WorkerPool, chunk_ranges
from aigc_guard.errors import InputError
from aigc_guard.policy import load_policy

MIXED = [
    "Discharge summary. Patient: Maria Keller, DOB 03/14/1962, MRN 00482913. "
    "Phone (212) 555-0147, e-mail maria.keller@example.org. SSN 032-65-5492.",
    "",
    "Nothing personal here, only the weather and the trains.",
    "Card 4111 1111 1111 1111 was charged; refund to IBAN DE89 3704 0044 0532 0130 00.",
    "Release notes 17.7.4: order ORD-4411-19230 shipped on 2024-06-01; build 20230414.5.",
    "Dear Mr. Jonathan Pereira, your appointment in Springfield is on 12 May 2025.",
    "Log: login from 52.57.109.72 by jane.roe@example.org at 10:42.",
    "Invoice INV-2024-00871: 3 licences of Galaxy S24 at $1,299.00, ticket TCK-48213.",
    "Ship to 1914 Landry Union Apt. 607, Williamsborough, AR 28438 before Friday.",
    "Mix two cups of flour with one egg and bake for 25 minutes at 180 C.",
    "Call Dr. Chen on +44 20 7946 0958 about the results of Anna Schmidt.",
]


@pytest.fixture(scope="module")
def pii() -> PiiCheck:
    check = PiiCheck(load_policy("default").checks.get("pii"))  # type: ignore[arg-type]
    check.prepare()
    yield check
    check.close()


def _pool_pids() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


# -- fast: no pool -----------------------------------------------------------------------
@pytest.mark.parametrize("workers", [0, -2, 1.5, True, "2"])
def test_invalid_workers_are_refused_before_anything_loads(workers: object) -> None:
    check = PiiCheck()
    with pytest.raises(InputError, match="workers must be a whole number >= 1"):
        check.inspect_texts(["a", "b", "c", "d"], workers=workers)  # type: ignore[arg-type]
    assert check._engine is None


@pytest.mark.parametrize("workers", [0, -1, 65, "many"])
def test_invalid_workers_setting_is_refused(workers: object) -> None:
    with pytest.raises(InputError, match="PiiCheck: workers"):
        PiiCheck(workers=workers)


def test_chunks_are_contiguous_and_cover_every_text() -> None:
    for count in (1, 2, 7, 8, 9, 300):
        for pieces in (1, 2, 8, 500):
            ranges = chunk_ranges(count, pieces)
            assert [i for start, end in ranges for i in range(start, end)] == list(range(count))
            sizes = [end - start for start, end in ranges]
            assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


# -- slow: a pool of spawned workers -------------------------------------------------------
@pytest.mark.slow
def test_few_texts_stay_in_this_process(pii: PiiCheck) -> None:
    engine = pii.engine()  # the first pool test: no pool yet
    assert engine.analyze_batch(MIXED[:3], workers=2) == engine.analyze_batch(MIXED[:3])
    assert not _pool_pids()


@pytest.mark.slow
def test_two_workers_find_what_one_process_finds(pii: PiiCheck) -> None:
    texts = MIXED * 3
    engine = pii.engine()
    alone = engine.analyze_batch(texts, batch_size=8)
    pooled = engine.analyze_batch(texts, batch_size=8, workers=2)
    assert pooled == alone
    assert any(alone) and not all(alone)  # the batch holds findings and clean texts
    single = pii.inspect_texts(texts, workers=1)
    double = pii.inspect_texts(texts, workers=2)
    assert [r.to_dict() for r in double] == [r.to_dict() for r in single]


@pytest.mark.slow
def test_order_is_kept_and_the_pool_is_reused(pii: PiiCheck) -> None:
    # Text i holds one e-mail address at offset i: any reordering moves a finding.
    texts = [" " * i + "maria.keller@example.org" for i in range(40)]
    engine = pii.engine()
    engine.analyze_batch(texts[:8], workers=2)
    before = _pool_pids()
    found = engine.analyze_batch(texts, workers=2)
    assert [[(f.type, f.start) for f in fs] for fs in found] == [
        [("EMAIL_ADDRESS", i)] for i in range(len(texts))
    ]
    assert len(before) == 2 and _pool_pids() == before  # the same two processes


@pytest.mark.slow
def test_a_worker_that_raises_fails_the_batch(pii: PiiCheck) -> None:
    texts = [*MIXED, None, *MIXED]  # a worker raises TypeError on None
    with pytest.raises(ScreeningWorkerError, match=r"worker failed on chunk \d+ of \d+ .TypeError"):
        pii.engine().analyze_batch(texts, workers=2)  # type: ignore[arg-type]
    results = pii.inspect_texts(texts, workers=2)  # type: ignore[arg-type]
    assert len(results) == len(texts)
    for result in results:  # fail closed: every text blocked, none passed unscreened
        assert not result.passed and result.action is Decision.BLOCK
        assert result.details["error"] == "ScreeningWorkerError"
    # The pool survives a task's exception.
    assert pii.engine().analyze_batch(MIXED, workers=2) == pii.engine().analyze_batch(MIXED)


@pytest.mark.slow
def test_a_worker_that_dies_fails_the_batch_and_the_next_gets_a_new_pool(
    pii: PiiCheck,
) -> None:
    engine = pii.engine()
    engine.analyze_batch(MIXED, workers=2)
    workers = multiprocessing.active_children()
    assert len(workers) == 2
    os.kill(workers[0].pid, signal.SIGKILL)  # type: ignore[arg-type]
    workers[0].join(timeout=10)
    time.sleep(0.5)  # the pool's manager thread sees the death
    with pytest.raises(ScreeningWorkerError, match="worker process died"):
        engine.analyze_batch(MIXED, workers=2)
    # A new pool, and results as in-process.
    assert pii.inspect_texts(MIXED, workers=2) == pii.inspect_texts(MIXED)
    assert len(_pool_pids()) == 2 and not _pool_pids() & {w.pid for w in workers}
    pii.close()
    assert not _pool_pids()


@pytest.mark.slow
def test_a_worker_that_cannot_build_its_engine_says_why() -> None:
    pool = WorkerPool(PiiSettings(spacy_model="en_core_web_zz"), FEATURES, 1)
    try:
        with pytest.raises(ScreeningWorkerError, match=r"DependencyError: spaCy model 'en_core"):
            pool.screen(["a", "b"], 8)
    finally:
        pool.close()
