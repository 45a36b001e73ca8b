"""The memorization check per artifact kind: a policy names an index for each kind it
checks, the error names the kind that lacks one, and a text flag reaches the audit row
as figures, ids and offsets, never as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from faker import Faker
from PIL import Image

from aigc_guard import Guard
from aigc_guard.artifacts import Artifact, Decision
from aigc_guard.audit import AuditLog
from aigc_guard.checks import CheckSuite
from aigc_guard.credentials import SigningCredentials
from aigc_guard.errors import FingerprintIndexError
from aigc_guard.index.text import TextIndex
from aigc_guard.policy import parse_policy

KEY = b"test-hash-key-0123456789abcdef"


@pytest.fixture(scope="module")
def records() -> list[tuple[str, str]]:
    fake = Faker("en_US")
    fake.seed_instance(21)
    return [(f"rec-{i}", fake.paragraph(nb_sentences=5)) for i in range(80)]


@pytest.fixture(scope="module")
def text_dir(records: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return TextIndex.build(records).save(tmp_path_factory.mktemp("kinds") / "text-index")


def _policy(memorization: str) -> str:
    body = memorization or "    enabled: true\n"
    return f"id: kinds\nversion: 1\nchecks:\n  memorization:\n{body}  pii: {{enabled: false}}\n"


def test_a_policy_names_its_text_index(text_dir: Path, records) -> None:
    policy = parse_policy(_policy(f"    indexes: {{text: '{text_dir}'}}\n"))
    with CheckSuite(policy) as suite:
        result = suite.inspect(Artifact.from_text(f"Note: {records[4][1]}"))
    assert result.decision is Decision.BLOCK
    assert result.checks["memorization"].details["nearest_id"] == "rec-4"


def test_each_required_kind_needs_its_own_index(text_dir: Path) -> None:
    image = Artifact.from_image(Image.new("L", (28, 28)))
    text = Artifact.from_text("A short unrelated line about the harbour at night.")
    with CheckSuite(parse_policy(_policy("    require_index: true\n")), index=text_dir) as suite:
        assert suite.inspect(text).decision is Decision.ALLOW
        with pytest.raises(FingerprintIndexError, match=r"on images .* no image index"):
            suite.inspect(image)
    only_text = parse_policy(_policy("    require_index: [text]\n"))
    with CheckSuite(only_text, index=text_dir) as suite:
        assert suite.inspect(image).checks["memorization"].skipped
    with pytest.raises(FingerprintIndexError, match=r"on texts .* no text index"):
        CheckSuite(only_text)
    relaxed = parse_policy(_policy("    require_index: false\n"))
    with CheckSuite(relaxed) as suite:
        assert "memorization" not in suite.inspect(text).checks


def test_an_index_of_another_kind_is_refused_by_name(text_dir: Path) -> None:
    policy = parse_policy(_policy(f"    indexes: {{image: '{text_dir}'}}\n"))
    with pytest.raises(FingerprintIndexError, match="is a text index, named for images"):
        CheckSuite(policy)
    with pytest.raises(FingerprintIndexError, match="two text indexes"):
        CheckSuite(parse_policy(_policy("")), index=[text_dir, text_dir])


def test_a_flagged_text_is_regenerated_then_blocked_and_its_row_holds_no_text(
    text_dir: Path, records, sqlite_url: str, signer: SigningCredentials
) -> None:
    leak = records[9][1][5:120]
    outputs = iter([f"Story time. {leak} The end.", f"Again: {leak}", f"Once more, {leak}"])
    with (
        AuditLog(sqlite_url, hash_key=KEY) as log,
        Guard(policy="default", index=text_dir, db=log, signer=signer,
              dev_credentials=True) as guard,
    ):  # fmt: skip
        [result] = guard.generate(lambda prompt: next(outputs), n=1)
        rows = [str(row) for row in log.rows()]
    assert result.decision is Decision.BLOCK and result.attempts == 3
    details = result.checks["memorization"].details
    assert details["nearest_id"] == "rec-9" and "verbatim-span" in details["criterion"]
    assert 0 <= details["spans"][0]["record"][0] <= 5  # may extend by chance into the prefix
    dump = "\n".join(rows)
    assert "rec-9" in dump and "verbatim-span" in dump and '"threshold"' in dump.replace("'", '"')
    assert leak[:40] not in dump and records[9][1][:40] not in dump
