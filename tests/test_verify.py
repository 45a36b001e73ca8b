"""verify refuses forged evidence: each attack below gives a clear negative result.

Real components throughout: the keyed watermark, c2pa-python signing and reading with
two independent CAs (ours and an attacker's), imagehash, SQLite.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from aigc_guard import Guard
from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog
from aigc_guard.cli import app
from aigc_guard.credentials import (
    SigningCredentials,
    ensure_dev_credentials,
    ensure_dev_keys,
    load_hash_key,
    load_watermark_key,
)
from aigc_guard.credentials.watermark_key import WatermarkKey
from aigc_guard.marks.keyed_watermark import KeyedTileWatermarker
from aigc_guard.marks.provenance import (
    C2paProvenance,
    created_action_assertion,
    privacy_assertion,
)
from aigc_guard.verify import Verifier

runner = CliRunner()


@dataclass
class Setup:
    keys: Path
    db: str
    out: Path
    photos: list[Image.Image]
    marked: Path  # a delivered, signed output
    content_id: str
    audit_id: int


def _photo_crops() -> list[Image.Image]:
    from sklearn.datasets import load_sample_image

    china = Image.fromarray(load_sample_image("china.jpg"))
    flower = Image.fromarray(load_sample_image("flower.jpg"))
    return [china.crop((0, 0, 512, 384)), flower.crop((100, 20, 612, 404))]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("verify")
    keys, out = root / "keys", root / "out"
    ensure_dev_keys(keys)
    db = f"sqlite:///{root / 'audit.db'}"
    photos = _photo_crops()
    with Guard(policy="default", checks=[], db=db, keys=keys, dev_credentials=True) as guard:
        result = guard.guard_artifact(Artifact.from_image(photos[0]))
    marked = result.save(out / f"{result.content_id}.png")
    yield Setup(keys, db, out, photos, marked, result.content_id, result.audit_id)


@pytest.fixture()
def verifier(setup: Setup) -> Iterator[Verifier]:
    with AuditLog(setup.db, hash_key=load_hash_key(setup.keys), create=False) as log:
        yield Verifier(audit=log, trust_anchors_pem=(setup.keys / "dev-ca.pem").read_bytes(),
                       watermark_keys=[load_watermark_key(setup.keys)])  # fmt: skip


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    position, found = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        found.append(
            (data[position + 4 : position + 8], data[position + 8 : position + 8 + length])
        )
        position += 12 + length
    return found


def _assemble(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, body in chunks:
        out.append(struct.pack(">I", len(body)) + kind + body)
        out.append(struct.pack(">I", zlib.crc32(kind + body)))
    return b"".join(out)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_the_delivered_file_is_traced_through_both_marks(setup: Setup, verifier: Verifier) -> None:
    report = verifier.verify_file(setup.marked)
    assert report.ok and report.trace.status == "traced"
    assert report.trace.evidence == ["c2pa", "watermark"] and report.trace.manifest == "valid"
    assert report.audit is not None and report.audit.id == setup.audit_id
    assert report.trace.content_hash_match is True
    assert report.watermark.details["key_id"] == load_watermark_key(setup.keys).key_id


def test_jpeg_copy_without_manifest_is_traced_by_the_watermark(
    setup: Setup, verifier: Verifier, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.jpg"
    Image.open(setup.marked).convert("RGB").save(copy, quality=75)
    report = verifier.verify_file(copy)
    assert report.trace.status == "traced" and report.trace.evidence == ["watermark"]
    assert report.trace.manifest == "stripped"  # not "absent": the mark shows it was ours
    assert report.audit.id == setup.audit_id and report.trace.content_hash_match is False
    assert report.trace.fingerprint["match"] is True


def test_a_never_marked_file_is_unmarked_not_stripped(
    setup: Setup, verifier: Verifier, tmp_path: Path
) -> None:
    report = verifier.verify_file(_write(tmp_path, "plain.png", _png(setup.photos[1])))
    assert report.trace.status == "unmarked" and report.trace.manifest == "absent"
    assert report.audit is None and not report.ok


def test_transplanted_manifest_is_refused(setup: Setup, verifier: Verifier, tmp_path: Path) -> None:
    signed = _chunks(setup.marked.read_bytes())
    manifest = [chunk for chunk in signed if chunk[0] == b"caBX"]
    assert manifest, "the signed PNG carries its manifest in a caBX chunk"
    victim = _chunks(_png(setup.photos[1]))
    forged = _assemble([victim[0], *manifest, *victim[1:]])
    report = verifier.verify_file(_write(tmp_path, "transplant.png", forged))
    assert report.c2pa.present and not report.c2pa.valid
    assert report.trace.status == "invalid_manifest" and report.audit is None
    assert report.trace.claimed_row == setup.audit_id  # what it claimed, not accepted


def test_manifest_whose_hard_binding_fails_is_refused(
    setup: Setup, verifier: Verifier, tmp_path: Path
) -> None:
    chunks = _chunks(setup.marked.read_bytes())
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    raw = bytearray(zlib.decompress(idat))
    stride = len(raw) // 384
    raw[stride * 200 + 1 + 300] ^= 0x20  # one colour byte (not a row's filter byte)
    edited, done = [], False
    for kind, body in chunks:
        if kind == b"IDAT":
            if done:
                continue
            body, done = zlib.compress(bytes(raw)), True
        edited.append((kind, body))
    report = verifier.verify_file(_write(tmp_path, "edited.png", _assemble(edited)))
    assert "assertion.dataHash.mismatch" in report.c2pa.errors
    assert report.trace.status == "invalid_manifest" and report.audit is None


def test_manifest_signed_by_an_attacker_ca_is_refused(
    setup: Setup, verifier: Verifier, tmp_path: Path
) -> None:
    attacker = ensure_dev_credentials(tmp_path / "attacker")
    creds = SigningCredentials.from_files(attacker.cert_chain_path, attacker.key_path)
    claims = [created_action_assertion(),
              privacy_assertion(epsilon=None, delta=None, policy_id="default",
                                content_id=setup.content_id, model_id="victim")]  # fmt: skip
    with C2paProvenance(creds) as forger:
        signed = forger.sign(_png(setup.photos[1]), media_type="image/png", title="x.png",
                             assertions=claims)  # fmt: skip
    report = verifier.verify_file(_write(tmp_path, "forged.png", signed.data))
    assert report.c2pa.valid and not report.c2pa.trusted
    assert report.trace.status == "untrusted_manifest" and report.audit is None


def test_a_payload_stamped_with_another_key_is_not_read(
    setup: Setup, verifier: Verifier, tmp_path: Path
) -> None:
    forger = KeyedTileWatermarker(WatermarkKey.generate())
    stamped = forger.apply(Artifact.from_image(setup.photos[1]), setup.content_id)
    report = verifier.verify_file(_write(tmp_path, "stamped.png", stamped.to_bytes()))
    assert not report.watermark.found and report.trace.status == "unmarked"


def _copy_mark(marked: Image.Image, target: Image.Image) -> Image.Image:
    """Kutter et al.: the mark estimated by denoising (each pixel's residual scaled by its
    local spread, so textures do not drown it), averaged over its 128-px period (visible
    in the autocorrelation), added to another image. The scheme is public; the key is not."""
    import cv2

    luma = np.asarray(marked.convert("L"), dtype=np.float32)
    estimate = luma - cv2.GaussianBlur(luma, (0, 0), 2.0)
    estimate /= np.sqrt(cv2.GaussianBlur(estimate * estimate, (0, 0), 1.5)) + 0.3
    rows, cols = luma.shape[0] // 128, luma.shape[1] // 128
    tile = estimate[: rows * 128, : cols * 128].reshape(rows, 128, cols, 128).mean(axis=(0, 2))
    pattern = np.tile(tile, (-(-target.height // 128), -(-target.width // 128)))
    pattern = pattern[: target.height, : target.width] * (3.0 / float(np.std(tile)))
    pixels = np.asarray(target.convert("RGB"), dtype=np.float32) + pattern[:, :, None]
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def test_copy_attack_moves_the_payload_but_is_reported_as_copied(
    setup: Setup, verifier: Verifier, tmp_path: Path
) -> None:
    marked = Image.open(setup.marked)
    gradient = np.linspace(40, 210, 512, dtype=np.float32)[None, :].repeat(384, 0)
    target = Image.fromarray(np.stack([gradient, gradient * 0.8, 255 - gradient], -1).astype("u1"))
    forged = _copy_mark(marked, target)
    path = _write(tmp_path, "copied.png", _png(forged))
    report = verifier.verify_file(path)
    assert report.watermark.found and report.watermark.payload == setup.content_id  # it worked
    assert report.trace.status == "copied_mark" and report.audit is None
    assert report.trace.fingerprint["distance"] > report.trace.fingerprint["threshold"]
    assert report.trace.claimed_row == setup.audit_id
    args = ["verify", str(path), "--json", "--db", setup.db, "--keys", str(setup.keys),
            "--trust", str(setup.keys / "dev-ca.pem")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["trace"]["status"] == "copied_mark"


def test_cli_exit_codes_trust_and_sidecars(setup: Setup, tmp_path: Path) -> None:
    with Guard(policy="default", checks=[], db=setup.db, keys=setup.keys,
               dev_credentials=True) as guard:  # fmt: skip
        text = guard.guard_artifact(Artifact.from_text("A generated note about rivers."))
    text_path = text.save(tmp_path / f"{text.content_id}.txt")
    base = ["--json", "--db", setup.db, "--keys", str(setup.keys)]
    trust = ["--trust", str(setup.keys / "dev-ca.pem")]
    files = [str(setup.marked), str(text_path), str(text_path) + ".c2pa"]
    ok = runner.invoke(app, ["verify", *files, *base, *trust])
    assert ok.exit_code == 0, ok.output
    records = [json.loads(line) for line in ok.stdout.splitlines()]
    assert [r["file"] for r in records] == files[:2]  # the sidecar was read, not verified alone
    assert all(r["trace"]["status"] == "traced" for r in records)
    assert records[1]["audit"]["matched_by"] == "c2pa"
    untrusted = runner.invoke(app, ["verify", str(setup.marked), *base])  # no trust list
    assert untrusted.exit_code == 1
    assert json.loads(untrusted.stdout)["trace"]["status"] == "untrusted_manifest"
    missing = runner.invoke(app, ["verify", str(setup.marked), "--keys", str(tmp_path / "typo")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
