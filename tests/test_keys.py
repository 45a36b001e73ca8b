"""Development CA and signing credentials: what c2pa needs, idempotent, clear errors."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from aigc_guard.credentials import DevCredentials, SigningCredentials, ensure_dev_credentials
from aigc_guard.errors import CredentialError


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevCredentials:
    return ensure_dev_credentials(tmp_path_factory.mktemp("creds"))


def _pem_key(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_dev_chain_is_leaf_then_ca_with_c2pa_extensions(dev: DevCredentials) -> None:
    leaf, ca = x509.load_pem_x509_certificates(dev.cert_chain_path.read_bytes())
    assert ca == x509.load_pem_x509_certificate(dev.ca_cert_path.read_bytes())
    leaf.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    assert leaf.public_key().curve.name == "secp256r1"
    for cert in (leaf, ca):
        assert "aigc_guard development" in cert.subject.rfc4514_string()
    now = dt.datetime.now(dt.timezone.utc)
    assert leaf.not_valid_before_utc < now - dt.timedelta(hours=23)
    assert dt.timedelta(days=360) < leaf.not_valid_after_utc - now < dt.timedelta(days=370)


def test_dev_private_keys_are_owner_only(dev: DevCredentials) -> None:
    key_files = [dev.key_path, dev.key_path.parent / "dev-ca.key"]
    for path in key_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    leftovers = [p.name for p in dev.key_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_ensure_dev_credentials_reuses_valid_files(dev: DevCredentials) -> None:
    before = {p: p.read_bytes() for p in (dev.cert_chain_path, dev.key_path, dev.ca_cert_path)}
    again = ensure_dev_credentials(dev.key_path.parent)
    assert again == dev
    assert {p: p.read_bytes() for p in before} == before


def test_broken_or_foreign_files_are_never_overwritten(tmp_path: Path) -> None:
    first = ensure_dev_credentials(tmp_path)
    old_chain = first.cert_chain_path.read_bytes()
    first.key_path.write_bytes(b"not a key")
    with pytest.raises(CredentialError, match="never overwritten"):
        ensure_dev_credentials(tmp_path)
    assert first.cert_chain_path.read_bytes() == old_chain
    assert first.key_path.read_bytes() == b"not a key"
    real = tmp_path / "real"  # a production chain placed under the development file names
    real.mkdir()
    (real / "dev-signer-chain.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nreal\n")
    with pytest.raises(CredentialError, match="dev-signer-chain.pem: exists"):
        ensure_dev_credentials(real)
    assert (real / "dev-signer-chain.pem").read_bytes().endswith(b"real\n")


def test_from_files_loads_dev_credentials(dev: DevCredentials) -> None:
    creds = SigningCredentials.from_files(dev.cert_chain_path, dev.key_path)
    assert creds.alg == "es256" and creds.tsa_url is None
    assert creds.cert_chain_pem.count(b"BEGIN CERTIFICATE") == 2
    assert "PRIVATE" not in repr(creds)


def test_missing_file_names_the_path(dev: DevCredentials, tmp_path: Path) -> None:
    missing = tmp_path / "nope.key"
    with pytest.raises(CredentialError, match=r"nope\.key.*not found"):
        SigningCredentials.from_files(dev.cert_chain_path, missing)


def test_garbage_key_file_is_rejected(dev: DevCredentials, tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    bad.chmod(0o600)
    with pytest.raises(CredentialError, match=r"bad\.key"):
        SigningCredentials.from_files(dev.cert_chain_path, bad)


def test_wrong_key_type_for_alg_is_rejected(dev: DevCredentials, tmp_path: Path) -> None:
    rsa_key = tmp_path / "rsa.key"
    rsa_key.write_bytes(_pem_key(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    rsa_key.chmod(0o600)
    with pytest.raises(CredentialError, match=r"rsa\.key: es256 needs an EC key"):
        SigningCredentials.from_files(dev.cert_chain_path, rsa_key)
    p384 = tmp_path / "p384.key"
    p384.write_bytes(_pem_key(ec.generate_private_key(ec.SECP384R1())))
    p384.chmod(0o600)
    with pytest.raises(CredentialError, match="secp256r1"):
        SigningCredentials.from_files(dev.cert_chain_path, p384)


def test_key_not_matching_certificate_is_rejected(dev: DevCredentials, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    other.write_bytes(_pem_key(ec.generate_private_key(ec.SECP256R1())))
    other.chmod(0o600)
    with pytest.raises(CredentialError, match="does not match the first certificate"):
        SigningCredentials.from_files(dev.cert_chain_path, other)


def test_bad_chain_file_is_rejected(dev: DevCredentials, tmp_path: Path) -> None:
    chain = tmp_path / "chain.pem"
    chain.write_text("hello")
    with pytest.raises(CredentialError, match=r"chain\.pem"):
        SigningCredentials.from_files(chain, dev.key_path)


def test_credentials_need_exactly_one_way_to_sign(dev: DevCredentials) -> None:
    chain = dev.cert_chain_path.read_bytes()
    key = dev.key_path.read_bytes()
    with pytest.raises(CredentialError, match="exactly one"):
        SigningCredentials(cert_chain_pem=chain)
    with pytest.raises(CredentialError, match="exactly one"):
        SigningCredentials(cert_chain_pem=chain, private_key_pem=key, sign_callback=lambda b: b)
    with pytest.raises(CredentialError, match="not supported"):
        SigningCredentials(cert_chain_pem=chain, private_key_pem=key, alg="md5")


def test_concurrent_creation_yields_one_matching_pair(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(ensure_dev_credentials, [tmp_path] * 4))
    assert all(result == results[0] for result in results)
    SigningCredentials.from_files(results[0].cert_chain_path, results[0].key_path)
