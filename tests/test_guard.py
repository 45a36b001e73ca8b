"""guard.generate with real checks, marks and database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from aigc_guard import Decision, Guard, summarize
from aigc_guard.artifacts import Artifact, CheckResult
from aigc_guard.audit import AuditLog, verify_chain
from aigc_guard.checks import Check, CheckContext, CheckSettings
from aigc_guard.credentials import SigningCredentials
from aigc_guard.errors import AuditError, CredentialError, FingerprintIndexError, GeneratorError
from aigc_guard.index.text import TextIndex
from aigc_guard.marks.settings import MarksSettings
from aigc_guard.policy import load_policy
from aigc_guard.verify import Verifier

KEY = b"test-hash-key-0123456789abcdef"
CORPUS = [
    ("doc/0", "The quarterly maintenance window for the northern pumping station begins at "
              "dawn and lasts until the reservoir gauges read nominal again."),
    ("doc/1", "Volunteers sorted seed packets by germination time and labelled every tray "
              "with the planting week and the expected height of the seedlings."),
]  # fmt: skip
EMAIL = "olivia.brennan@example.net"
CLEAN = "A short note on tides: the moon pulls the ocean into two bulges each day."
WITH_PII = f"Send the signed lease to {EMAIL} before Friday."


@pytest.fixture(scope="module")
def text_index() -> TextIndex:
    return TextIndex.build(CORPUS, source_name="test-corpus")


@pytest.fixture
def log(db_url: str) -> Iterator[AuditLog]:
    with AuditLog(db_url, hash_key=KEY) as audit:
        yield audit


def scripted(outputs: list[str]) -> Callable[[str | None], str]:
    """A deterministic 'model' that returns the given outputs in order, then the last one."""
    queue = list(outputs)

    def model(prompt: str | None) -> str:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return model


def test_generate_allows_redacts_regenerates_and_logs_every_candidate(
    log: AuditLog, text_index: TextIndex, signer: SigningCredentials, tmp_path: Path
) -> None:
    model = scripted([CORPUS[0][1], WITH_PII, CLEAN, CLEAN])
    with Guard(policy="default", index=text_index, db=log, signer=signer) as guard:
        results = guard.generate(model, n=3, prompt="write something")
    assert [r.decision for r in results] == [Decision.ALLOW, Decision.REDACT, Decision.ALLOW]
    assert results[0].attempts == 2  # the verbatim training passage was discarded
    assert summarize(results) == {"allow": 2, "redact": 1, "regenerate": 1, "block": 0}
    redacted = results[1].artifact.text
    assert EMAIL not in redacted and "<EMAIL_ADDRESS>" in redacted
    assert log.count() == 4  # three delivered + one discarded candidate
    assert verify_chain(log).ok
    regenerated = [e for e in log.entries() if e.decision == "regenerate"]
    assert regenerated[0].checks["memorization"]["nearest_id"] == "doc/0"
    for result in results:
        entry = log.get(result.audit_id)
        assert entry.content_id == result.content_id
        assert entry.decision == result.decision.value
        assert log.find_by_content_hash(result.data)[0].id == result.audit_id
        path = result.save(tmp_path / f"{result.content_id}.txt")
        report = Verifier(audit=log).verify_file(path)
        assert report.watermark.payload == result.content_id
        assert report.c2pa.valid
        assert report.audit.id == result.audit_id


def test_no_personal_data_reaches_the_database(
    log: AuditLog, text_index: TextIndex, signer: SigningCredentials
) -> None:
    with Guard(policy="default", index=text_index, db=log, signer=signer) as guard:
        guard.generate(scripted([WITH_PII]), n=2, prompt=f"mail {EMAIL}")
    dump = "\n".join(str(row) for row in log.rows())
    assert EMAIL not in dump
    assert "olivia" not in dump.lower()
    assert '"EMAIL_ADDRESS"' in dump or "'EMAIL_ADDRESS'" in dump


def test_memorized_output_is_blocked_after_max_attempts(
    log: AuditLog, text_index: TextIndex, signer: SigningCredentials
) -> None:
    with Guard(policy="default", index=text_index, db=log, signer=signer) as guard:
        [result] = guard.generate(scripted([CORPUS[1][1]]), n=1)
    assert result.decision is Decision.BLOCK and not result.delivered
    assert result.attempts == 3
    decisions = [entry.decision for entry in log.entries()]
    assert decisions == ["regenerate", "regenerate", "block"]


def test_generator_failure_is_logged_and_earlier_outputs_are_kept(
    log: AuditLog, text_index: TextIndex, signer: SigningCredentials
) -> None:
    calls = {"n": 0}

    def flaky(prompt: str | None) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("model server went away")
        return CLEAN

    with Guard(policy="default", index=text_index, db=log, signer=signer) as guard:
        first = guard.generate(flaky, n=2)
        with pytest.raises(GeneratorError, match="model server went away"):
            guard.generate(flaky, n=2)
    assert all(result.delivered for result in first)
    entries = list(log.entries())
    assert [e.event for e in entries] == ["output", "output", "generation_error"]
    assert entries[-1].extra["error_type"] == "RuntimeError"
    assert verify_chain(log).ok


def test_images_from_a_callable_are_checked_and_marked(
    log: AuditLog, signer: SigningCredentials
) -> None:
    from aigc_guard.index.image import ImageIndex
    from aigc_guard.train.data import load_mnist5k

    split = load_mnist5k()
    training = [
        (split.train.ids[i], Image.fromarray(split.train.images[i])) for i in range(0, 4000, 20)
    ]
    holdout = [Image.fromarray(image) for image in split.holdout.images[::10]]
    index = ImageIndex.build(training, holdout=holdout, source_name="mnist5k-subset")

    def painter(n: int, seed: int | None = None) -> list[Image.Image]:
        return [training[0][1].copy() for _ in range(n)]  # always a copy of training item 0

    with Guard(policy="default", index=index, db=log, signer=signer) as guard:
        [result] = guard.generate(painter, n=1)
    assert result.decision is Decision.BLOCK
    assert result.checks["memorization"].details["nearest_id"] == training[0][0]


def test_guard_fails_closed_without_signer_or_index(log: AuditLog, text_index: TextIndex) -> None:
    with pytest.raises(CredentialError, match=r"marks\.c2pa\.enabled"):
        Guard(policy="default", index=text_index, db=log)
    with pytest.raises(FingerprintIndexError, match="require_index"):
        Guard(policy="default", db=log, signer=None)


def test_closed_database_raises_audit_error_and_returns_nothing(
    db_url: str, text_index: TextIndex, signer: SigningCredentials
) -> None:
    audit = AuditLog(db_url, hash_key=KEY)
    guard = Guard(policy=load_policy("default"), index=text_index, db=audit, signer=signer)
    audit.close()
    with pytest.raises(AuditError):
        guard.generate(scripted([CLEAN]), n=1)
    guard.close()
    with AuditLog(db_url, hash_key=KEY) as reopened:
        assert reopened.count() == 0
        assert verify_chain(reopened).ok


class _Conditional:
    """A class-conditional model with the interface of aigc_guard's trained models."""

    def __init__(self) -> None:
        from types import SimpleNamespace

        self.config = SimpleNamespace(num_classes=10)
        self.card = SimpleNamespace(model_id="conditional-test", epsilon=None, delta=None)
        self.asked: list[list[int]] = []

    def generate(self, n: int, *, labels: list[int], seed: int | None = None) -> list[Image.Image]:
        self.asked.append(list(labels))
        return [Image.new("L", (8, 8), 20 * label) for label in labels]


class _RejectDigitThreeOnce(Check):
    """Asks to regenerate the first image drawn for digit 3 (pixel value 60)."""

    name = "reject_three"
    version = "1"

    def __init__(self) -> None:
        super().__init__(on_fail="regenerate")
        self.seen = False

    @classmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        return cls()

    def inspect(self, artifact: Artifact) -> CheckResult:
        is_three = artifact.require_image().getpixel((0, 0)) == 60
        rejected = is_three and not self.seen
        self.seen = self.seen or is_three
        return self.result(passed=not rejected, summary="first digit three")


def test_a_regenerated_output_is_drawn_again_for_the_class_its_slot_asked_for(
    sqlite_url: str,
) -> None:
    """Before, the regeneration round restarted the labels at 0 for the pending slots."""
    model = _Conditional()
    policy = load_policy("default").model_copy(
        update={"marks": MarksSettings(watermark={"enabled": False}, c2pa={"enabled": False})}
    )
    with Guard(policy=policy, checks=[_RejectDigitThreeOnce()], db=sqlite_url, hash_key=KEY) as g:
        results = g.generate(model, n=5)
    assert model.asked == [[0, 1, 2, 3, 4], [3]]
    assert [r.attempts for r in results] == [1, 1, 1, 2, 1]
    assert all(r.decision is Decision.ALLOW for r in results)
