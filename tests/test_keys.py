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
from PIL import Image

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
    with pytest.raises(CredentialError, match=r"dev-signer-chain\.pem: exists"):
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


def _self_signed_and_expired(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A self-signed leaf, and a leaf issued by a CA that expired yesterday."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alone")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(1))  # fmt: skip
    alone = builder.not_valid_before(now - dt.timedelta(days=2)).not_valid_after(
        now + dt.timedelta(days=2)).sign(key, hashes.SHA256())  # fmt: skip
    expired = builder.not_valid_before(now - dt.timedelta(days=9)).not_valid_after(
        now - dt.timedelta(days=1)).sign(key, hashes.SHA256())  # fmt: skip
    key_path = tmp_path / "leaf.key"
    key_path.write_bytes(_pem_key(key))
    key_path.chmod(0o600)
    pem = serialization.Encoding.PEM
    alone_path, expired_path = tmp_path / "alone.pem", tmp_path / "expired.pem"
    alone_path.write_bytes(alone.public_bytes(pem))
    expired_path.write_bytes(expired.public_bytes(pem))
    return alone_path, expired_path, key_path


def test_ca_less_and_expired_certificates_are_refused(tmp_path: Path) -> None:
    alone, expired, key = _self_signed_and_expired(tmp_path)
    with pytest.raises(CredentialError, match="no CA certificate"):
        SigningCredentials.from_files(alone, key)
    with pytest.raises(CredentialError, match="expired on"):
        SigningCredentials.from_files(expired, key)


def test_readable_key_files_are_refused(dev: DevCredentials, tmp_path: Path) -> None:
    loose = tmp_path / "loose.key"
    loose.write_bytes(dev.key_path.read_bytes())
    loose.chmod(0o644)
    with pytest.raises(CredentialError, match="permissions 0644"):
        SigningCredentials.from_files(dev.cert_chain_path, loose)
    from aigc_guard.credentials import create_watermark_key, load_watermark_key

    path = create_watermark_key(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(CredentialError, match="never overwritten"):
        create_watermark_key(tmp_path)
    assert path.read_bytes() == before
    path.chmod(0o640)
    with pytest.raises(CredentialError, match="chmod 600"):
        load_watermark_key(tmp_path)


def test_keys_dev_command_creates_then_keeps(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aigc_guard.cli import app

    out = tmp_path / "keys"
    first = CliRunner().invoke(app, ["keys", "dev", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "wrote" in first.output and "--trust" in first.output
    names = {"dev-ca.pem", "dev-ca.key", "dev-signer-chain.pem", "dev-signer.key",
             "watermark.key", "audit-hash.key"}  # fmt: skip
    assert names <= {p.name for p in out.iterdir()}
    snapshot = {name: (out / name).read_bytes() for name in names}
    second = CliRunner().invoke(app, ["keys", "dev", "--out", str(out)])
    assert second.exit_code == 0 and "kept" in second.output
    assert {name: (out / name).read_bytes() for name in names} == snapshot


def test_guard_refuses_dev_credentials_unless_allowed(tmp_path: Path) -> None:
    import warnings

    from aigc_guard import Guard
    from aigc_guard.credentials import ensure_dev_keys
    from aigc_guard.guard.settings import DevelopmentCredentialsWarning

    keys = tmp_path / "keys"
    dev = ensure_dev_keys(keys)
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(CredentialError, match="--dev-credentials"):
        Guard(policy="default", checks=[], db=db, keys=keys)
    signer = SigningCredentials.from_files(dev.cert_chain_path, dev.key_path)
    with pytest.raises(CredentialError, match="development certificate"):
        Guard(policy="default", checks=[], db=db, keys=keys, signer=signer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Guard(policy="default", checks=[], db=db, keys=keys, dev_credentials=True) as guard:
            assert len(guard.notices) == 1 and "NOT FOR PRODUCTION" in guard.notices[0]
    assert [w.category for w in caught] == [DevelopmentCredentialsWarning]
    with pytest.raises(CredentialError, match="does not exist"):
        Guard(policy="default", checks=[], db=db, keys=tmp_path / "typo", dev_credentials=True)
    assert not (tmp_path / "typo").exists()


def test_cli_generate_needs_a_signer_and_a_tsa_failure_is_clear(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aigc_guard.cli import app
    from aigc_guard.credentials import ensure_dev_keys

    keys = tmp_path / "keys"
    dev = ensure_dev_keys(keys)
    photo = tmp_path / "in.png"
    Image.new("RGB", (300, 300), (120, 80, 40)).save(photo)
    policy = tmp_path / "p.yaml"
    policy.write_text("id: p\nversion: 1\nchecks:\n  memorization:\n    enabled: false\n")
    base = ["guard", str(photo), "--out", str(tmp_path / "o"), "--policy", str(policy),
            "--db", str(tmp_path / "a.db"), "--keys", str(keys)]  # fmt: skip
    refused = CliRunner().invoke(app, base)
    assert refused.exit_code == 2 and "--signing-cert" in refused.output
    allowed = CliRunner().invoke(app, [*base, "--dev-credentials"])
    assert allowed.exit_code == 0, allowed.output
    assert allowed.output.count("NOT FOR PRODUCTION") == 1
    tsa = ["--signing-cert", str(dev.cert_chain_path), "--signing-key", str(dev.key_path),
           "--tsa-url", "http://127.0.0.1:9/tsa", "--dev-credentials"]  # fmt: skip
    failed = CliRunner().invoke(app, [*base, *tsa])
    assert failed.exit_code == 2 and "127.0.0.1:9" in failed.output
