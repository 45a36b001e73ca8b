"""C2PA signing and reading with c2pa-python and the development CA (no mocks)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aigc_guard.credentials import DevCredentials, SigningCredentials, ensure_dev_credentials
from aigc_guard.errors import CredentialError, MarkError
from aigc_guard.marks.payload import new_content_id
from aigc_guard.marks.provenance import (
    ACTIONS_LABEL,
    PRIVACY_LABEL,
    SOFT_BINDING_LABEL,
    TRAINED_ALGORITHMIC_MEDIA,
    C2paProvenance,
    content_id_from_soft_binding,
    created_action_assertion,
    privacy_assertion,
    read_provenance,
    soft_binding_assertion,
)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevCredentials:
    return ensure_dev_credentials(tmp_path_factory.mktemp("c2pa-creds"))


@pytest.fixture(scope="module")
def creds(dev: DevCredentials) -> SigningCredentials:
    return SigningCredentials.from_files(dev.cert_chain_path, dev.key_path)


@pytest.fixture(scope="module")
def prov(creds: SigningCredentials) -> Iterator[C2paProvenance]:
    with C2paProvenance(creds) as provenance:
        yield provenance


@pytest.fixture(scope="module")
def trusting(creds: SigningCredentials, dev: DevCredentials) -> Iterator[C2paProvenance]:
    with C2paProvenance(creds, trust_anchors_pem=dev.ca_cert_path.read_bytes()) as provenance:
        yield provenance


@pytest.fixture()
def png() -> bytes:
    pixels = np.random.default_rng(3).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _assertions(content_id: str) -> list[dict]:
    return [
        created_action_assertion(software_agent=("aigc_guard", "0.1.0")),
        privacy_assertion(
            epsilon=3.0, delta=1e-5, policy_id="default", content_id=content_id, model_id="dpgan-1"
        ),
        soft_binding_assertion("dwtDctSvd", content_id, version="1"),
    ]


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        yield data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        position += 12 + length


def _tamper_pixels(data: bytes) -> bytes:
    """Change one pixel inside the PNG's IDAT, keeping the C2PA chunk and a valid PNG."""
    idat = b"".join(body for kind, body in _png_chunks(data) if kind == b"IDAT")
    raw = bytearray(zlib.decompress(idat))
    stride = len(raw) // 256
    raw[stride * 128 + 1 + 300] ^= 0x40  # a colour byte, not a row filter byte
    out, written = [data[:8]], False
    for kind, body in _png_chunks(data):
        if kind == b"IDAT":
            if written:
                continue
            body, written = zlib.compress(bytes(raw)), True
        crc = struct.pack(">I", zlib.crc32(kind + body))
        out.append(struct.pack(">I", len(body)) + kind + body + crc)
    return b"".join(out)


def test_sign_and_read_png_with_all_assertions(prov: C2paProvenance, png: bytes) -> None:
    content_id = new_content_id()
    signed = prov.sign(
        png, media_type="image/png", title="out.png", assertions=_assertions(content_id)
    )
    assert signed.sidecar is None and len(signed.data) > len(png)
    assert len(signed.data) - len(png) < 10_000  # thumbnails are off
    reading = prov.read(signed.data, media_type="image/png")
    assert reading.present and reading.valid and not reading.trusted
    assert reading.errors == ["signingCredential.untrusted"]
    assert set(reading.assertions) == {ACTIONS_LABEL, PRIVACY_LABEL, SOFT_BINDING_LABEL}
    action = reading.assertions[ACTIONS_LABEL]["actions"][0]
    assert action["action"] == "c2pa.created"
    assert action["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    privacy = reading.assertions[PRIVACY_LABEL]
    assert privacy["epsilon"] == 3.0 and privacy["content_id"] == content_id
    assert content_id_from_soft_binding(reading.assertions[SOFT_BINDING_LABEL]) == content_id
    assert reading.claim_generator == "aigc_guard/0.1.0"
    assert reading.manifest_label and reading.manifest_label.startswith("urn:c2pa:")
    assert reading.to_dict()["valid"] is True
    loaded = Image.open(io.BytesIO(signed.data))
    assert np.array_equal(np.asarray(loaded), np.asarray(Image.open(io.BytesIO(png))))


def test_our_ca_as_trust_anchor_makes_it_trusted(
    prov: C2paProvenance, trusting: C2paProvenance, png: bytes
) -> None:
    signed = prov.sign(png, media_type="image/png", title="t", assertions=_assertions("a" * 12))
    reading = trusting.read(signed.data, media_type="image/png")
    assert reading.valid and reading.trusted and reading.state == "Trusted"
    assert reading.errors == []


def test_tampered_pixels_are_invalid(trusting: C2paProvenance, png: bytes) -> None:
    signed = trusting.sign(png, media_type="image/png", title="t", assertions=_assertions("b" * 12))
    tampered = _tamper_pixels(signed.data)
    assert Image.open(io.BytesIO(tampered)).size == (256, 256)
    reading = trusting.read(tampered, media_type="image/png")
    assert reading.present and not reading.valid and not reading.trusted
    assert "assertion.dataHash.mismatch" in reading.errors


def test_no_manifest_and_garbage_are_not_present(prov: C2paProvenance, png: bytes) -> None:
    plain = prov.read(png, media_type="image/png")
    assert not plain.present and not plain.valid and plain.errors == []
    garbage = prov.read(b"definitely not a png", media_type="image/png")
    assert not garbage.present and not garbage.valid
    assert garbage.errors and garbage.errors[0].startswith("asset.unreadable")


def test_resaving_with_pil_drops_the_manifest(prov: C2paProvenance, png: bytes) -> None:
    signed = prov.sign(png, media_type="image/png", title="t", assertions=_assertions("c" * 12))
    buffer = io.BytesIO()
    Image.open(io.BytesIO(signed.data)).save(buffer, format="PNG")
    assert not prov.read(buffer.getvalue(), media_type="image/png").present


def test_jpeg_is_signed_embedded(prov: C2paProvenance) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, format="JPEG", quality=90)
    signed = prov.sign(
        buffer.getvalue(), media_type="image/jpeg", title="t", assertions=_assertions("d" * 12)
    )
    reading = prov.read(signed.data, media_type="image/jpeg")
    assert reading.present and reading.valid


def test_text_gets_a_detached_sidecar(trusting: C2paProvenance) -> None:
    text = b"Generated text, signed through a sidecar manifest.\n"
    signed = trusting.sign(
        text, media_type="text/plain", title="out.txt", assertions=_assertions("e" * 12)
    )
    assert signed.data == text and signed.sidecar
    reading = trusting.read(text, media_type="text/plain", sidecar=signed.sidecar)
    assert reading.valid and reading.trusted and PRIVACY_LABEL in reading.assertions
    edited = trusting.read(text + b"!", media_type="text/plain", sidecar=signed.sidecar)
    assert edited.present and not edited.valid
    assert "assertion.dataHash.mismatch" in edited.errors
    assert not trusting.read(text, media_type="text/plain").present


def test_callback_signer_for_kms(dev: DevCredentials, trusting: C2paProvenance, png: bytes) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(dev.key_path.read_bytes(), password=None)
    calls: list[int] = []

    def kms_sign(data: bytes) -> bytes:
        calls.append(len(data))
        return key.sign(data, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr]

    creds = SigningCredentials.from_callback(dev.cert_chain_path.read_bytes(), kms_sign)
    with C2paProvenance(creds) as provenance:
        signed = provenance.sign(
            png, media_type="image/png", title="t", assertions=_assertions("f" * 12)
        )
    assert calls
    reading = trusting.read(signed.data, media_type="image/png")
    assert reading.valid and reading.trusted


def test_unfit_certificate_fails_at_construction(tmp_path: Path) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-signed")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    creds = SigningCredentials(
        cert_chain_pem=cert.public_bytes(serialization.Encoding.PEM),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    with pytest.raises(CredentialError, match="issued by a CA"):
        C2paProvenance(creds)


def test_bad_inputs_raise_mark_error(prov: C2paProvenance, png: bytes) -> None:
    with pytest.raises(MarkError, match="image/gif"):
        prov.sign(png, media_type="image/gif", title="t", assertions=_assertions("0" * 12))
    with pytest.raises(MarkError, match=r"assertions\[0\].label.*assertions\[1\].data"):
        prov.sign(png, media_type="image/png", title="t", assertions=[{"data": {}}, {"label": "x"}])
    with pytest.raises(MarkError, match="epsilon"):
        privacy_assertion(
            epsilon=-1.0, delta=1e-5, policy_id="p", content_id="0" * 12, model_id="m"
        )
    with pytest.raises(MarkError, match="hex"):
        soft_binding_assertion("dwtDctSvd", "zz")
    assert content_id_from_soft_binding({"blocks": [{"value": "!!"}]}) is None


def test_close_is_idempotent(creds: SigningCredentials, png: bytes) -> None:
    provenance = C2paProvenance(creds)
    provenance.close()
    provenance.close()
    with pytest.raises(MarkError, match="closed"):
        provenance.sign(png, media_type="image/png", title="t", assertions=_assertions("1" * 12))


def test_another_ca_does_not_make_it_trusted(
    creds: SigningCredentials, prov: C2paProvenance, png: bytes, tmp_path: Path
) -> None:
    other_ca = ensure_dev_credentials(tmp_path).ca_cert_path.read_bytes()
    signed = prov.sign(png, media_type="image/png", title="t", assertions=_assertions("2" * 12))
    with C2paProvenance(creds, trust_anchors_pem=other_ca) as strict:
        reading = strict.read(signed.data, media_type="image/png")
    assert reading.valid and not reading.trusted
    assert "signingCredential.untrusted" in reading.errors


def test_read_provenance_needs_no_credentials(
    prov: C2paProvenance, dev: DevCredentials, png: bytes
) -> None:
    signed = prov.sign(png, media_type="image/png", title="t", assertions=_assertions("3" * 12))
    anchors = dev.ca_cert_path.read_bytes()
    trusted = read_provenance(signed.data, media_type="image/png", trust_anchors_pem=anchors)
    assert trusted.valid and trusted.trusted
    plain = read_provenance(signed.data, media_type="image/png")
    assert plain.valid and not plain.trusted
    assert not read_provenance(png, media_type="image/png").present


def test_created_action_accepts_iptc_short_names() -> None:
    composite = created_action_assertion(digital_source_type="compositeWithTrainedAlgorithmicMedia")
    action = composite["data"]["actions"][0]
    assert action["digitalSourceType"].endswith(
        "/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
    )
    assert action["digitalSourceType"].startswith("http://cv.iptc.org/")
    default = created_action_assertion()["data"]["actions"][0]
    assert default["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
