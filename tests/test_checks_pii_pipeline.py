"""Seeded personal data through the whole pipeline, on SQLite and on PostgreSQL: no seeded
value may appear in the database, the export, the logs or the C2PA manifests.

The prompt, a text output, and an image carrying the data in its pixels and in its
metadata go through guard.generate; a file goes through guard_artifact (the `guard`
command's path). Real Presidio, Tesseract, c2pa and database.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from aigc_guard import Decision, Guard
from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog, export_jsonl
from aigc_guard.credentials import SigningCredentials, ensure_dev_credentials
from aigc_guard.marks.provenance import read_provenance
from aigc_guard.policy import bundled_policy_dir, parse_policy

KEY = b"pii-pipeline-test-key-0123456789"
SEEDED = {
    "PERSON": "Maria Keller",
    "EMAIL_ADDRESS": "maria.keller@example.org",
    "PHONE_NUMBER": "(212) 555-0147",
    "US_SSN": "032-65-5492",
    "IBAN_CODE": "DE89 3704 0044 0532 0130 00",
}
PROMPT = f"Write to {SEEDED['PERSON']} at {SEEDED['EMAIL_ADDRESS']} about her results."
TEXT = (
    f"Dear {SEEDED['PERSON']}, your results are ready. We will call {SEEDED['PHONE_NUMBER']}. "
    f"SSN {SEEDED['US_SSN']} and IBAN {SEEDED['IBAN_CODE']} are on file."
)


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> SigningCredentials:
    creds = ensure_dev_credentials(tmp_path_factory.mktemp("keys"))
    return SigningCredentials.from_files(creds.cert_chain_path, creds.key_path)


@pytest.fixture(scope="module")
def policy():  # the HIPAA preset (OCR on), without the memorization index it asks for
    data = yaml.safe_load((bundled_policy_dir() / "hipaa.yaml").read_text())
    data["checks"]["memorization"] = {"enabled": False}
    data["id"] = "hipaa-test"
    return parse_policy(yaml.safe_dump(data))


def _image_with_personal_data() -> Image.Image:
    image = Image.new("RGB", (640, 160), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=24)
    draw.text((20, 20), f"Patient: {SEEDED['PERSON']}", fill="black", font=font)
    draw.text((20, 90), f"Email: {SEEDED['EMAIL_ADDRESS']}", fill="black", font=font)
    image.info["Description"] = f"Photo of {SEEDED['PERSON']}, phone {SEEDED['PHONE_NUMBER']}"
    return image


def _leaks(blob: str | bytes) -> list[str]:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    return [value for value in SEEDED.values() if value in text]


def _database_dump(url: str) -> str:
    """Every row of every table, as text."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    lines = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            lines += [repr(tuple(row)) for row in rows]
    engine.dispose()
    return "\n".join(lines)


def test_no_seeded_value_leaves_the_guard(
    db_url: str, policy, signer: SigningCredentials, tmp_path: Path, caplog, capsys
) -> None:
    caplog.set_level(logging.DEBUG)

    def model(n: int, prompt: str | None = None) -> list:
        return [TEXT, _image_with_personal_data()][:n]

    meta = PngInfo()
    meta.add_text("Description", f"Portrait of {SEEDED['PERSON']} ({SEEDED['US_SSN']})")
    upload = tmp_path / "upload.png"
    Image.new("RGB", (300, 300), (120, 160, 200)).save(upload, pnginfo=meta)

    with AuditLog(db_url, hash_key=KEY) as log:
        with Guard(
            policy=policy, db=log, signer=signer, hash_key=KEY, dev_credentials=True
        ) as guard:
            results = guard.generate(model, n=2, prompt=PROMPT)
            filed = guard.guard_artifact(Artifact.from_file(upload), source=upload.name)
        export = tmp_path / "trail.jsonl"
        assert export_jsonl(log, export) == 3
        rows = list(log.entries())

    assert [r.decision for r in results] == [Decision.REDACT, Decision.REDACT]
    assert filed.decision is Decision.REDACT
    for result in [*results, filed]:
        assert result.delivered and not _leaks(result.data)
        reading = read_provenance(result.data, media_type=result.artifact.media_type,
                                  sidecar=result.sidecar)  # fmt: skip
        assert reading.present and reading.valid
        assert not _leaks(json.dumps(reading.to_dict(), default=str))
        assert not _leaks(result.sidecar or b"")
    assert not _leaks(_database_dump(db_url))
    assert not _leaks(export.read_text())
    assert not _leaks(caplog.text)
    captured = capsys.readouterr()
    assert not _leaks(captured.out + captured.err)

    # What the rows do record: types, positions, scores, boxes, and the prompt's types.
    text_row, image_row, file_row = rows
    entities = text_row.checks["pii"]["entities"]
    assert {e["type"] for e in entities} >= set(SEEDED) - {"EMAIL_ADDRESS"}
    assert all({"type", "start", "end", "score"} <= set(e) for e in entities)
    prompt_types = [e["type"] for e in text_row.extra["prompt_checks"]["pii"]["entities"]]
    assert prompt_types == ["PERSON", "EMAIL_ADDRESS"]
    sources = {(e["type"], e["source"]) for e in image_row.checks["pii"]["entities"]}
    assert {("PERSON", "ocr"), ("EMAIL_ADDRESS", "ocr")} <= sources
    assert ("PHONE_NUMBER", "metadata:info:Description") in sources
    assert all(e["boxes"] for e in image_row.checks["pii"]["entities"] if e["source"] == "ocr")
    assert {e["source"] for e in file_row.checks["pii"]["entities"]} == {
        "metadata:info:Description"
    }
    delivered = Image.open(io.BytesIO(filed.data))
    assert "Description" not in delivered.info
