"""Signing credentials for C2PA: PEM files or a callback signer, plus a development CA.

C2PA readers only accept a signing certificate that is issued by a CA, is not a
CA itself, carries digitalSignature and an extended key usage, and has an
AuthorityKeyIdentifier. `ensure_dev_credentials` makes such a pair for local
use; production deployments load their own chain with `SigningCredentials.from_files`
or plug a KMS/HSM in through `SigningCredentials.from_callback`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.errors import CredentialError
from aigc_guard.fileio import write_bytes_atomic

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

SUPPORTED_ALGS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")
DEV_CA_NAME = "aigc_guard development root CA (NOT FOR PRODUCTION)"
DEV_SIGNER_NAME = "aigc_guard development signer (NOT FOR PRODUCTION)"
DEV_ORG = "aigc_guard development"
DEV_VALIDITY_DAYS = 365
# Regenerate when the leaf has less than this left, so a run never signs with
# a certificate that expires mid-way.
RENEW_MARGIN = dt.timedelta(days=7)

CA_CERT_FILE = "dev-ca.pem"
CA_KEY_FILE = "dev-ca.key"
CHAIN_FILE = "dev-signer-chain.pem"
KEY_FILE = "dev-signer.key"

# Curve each EC algorithm needs (C2PA ties es256 to P-256 and so on).
_EC_CURVES = {"es256": "secp256r1", "es384": "secp384r1", "es512": "secp521r1"}


@dataclass(frozen=True)
class DevCredentials:
    """Where the development CA and signer live on disk."""

    cert_chain_path: Path
    key_path: Path
    ca_cert_path: Path


@dataclass(frozen=True)
class SigningCredentials:
    """What a C2PA signer needs: the certificate chain (leaf first) and a way to sign.

    Exactly one of `private_key_pem` (a local key) and `sign_callback` (bytes ->
    signature, for a key held in a KMS or HSM) is set. `tsa_url` None means no
    timestamp authority and no network access while signing.
    """

    cert_chain_pem: bytes
    private_key_pem: bytes | None = field(default=None, repr=False)
    alg: str = "es256"
    tsa_url: str | None = None
    sign_callback: Callable[[bytes], bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.alg not in SUPPORTED_ALGS:
            raise CredentialError(
                f"signing alg {self.alg!r} is not supported; use one of {', '.join(SUPPORTED_ALGS)}"
            )
        if (self.private_key_pem is None) == (self.sign_callback is None):
            raise CredentialError(
                "SigningCredentials needs exactly one of private_key_pem and sign_callback"
            )
        if b"-----BEGIN CERTIFICATE-----" not in self.cert_chain_pem:
            raise CredentialError("cert_chain_pem holds no PEM certificate")

    @classmethod
    def from_files(
        cls,
        cert_chain_path: str | Path,
        key_path: str | Path,
        *,
        alg: str = "es256",
        tsa_url: str | None = None,
    ) -> SigningCredentials:
        """Load a PEM chain (leaf first) and a PEM private key, checking they fit `alg`."""
        chain_path, key_file = Path(cert_chain_path), Path(key_path)
        chain_pem = _read_file(chain_path, "certificate chain")
        key_pem = _read_file(key_file, "private key")
        certs = _parse_chain(chain_pem, chain_path)
        key = _parse_key(key_pem, key_file)
        _check_key_fits(key, certs[0], alg=alg, key_path=key_file, chain_path=chain_path)
        return cls(cert_chain_pem=chain_pem, private_key_pem=key_pem, alg=alg, tsa_url=tsa_url)

    @classmethod
    def from_callback(
        cls,
        cert_chain_pem: bytes,
        sign_callback: Callable[[bytes], bytes],
        *,
        alg: str = "es256",
        tsa_url: str | None = None,
    ) -> SigningCredentials:
        """Credentials whose key never leaves a KMS/HSM: `sign_callback(data) -> signature`.

        For ECDSA algorithms the callback returns the DER-encoded signature
        (what most KMS APIs return).
        """
        return cls(
            cert_chain_pem=cert_chain_pem, sign_callback=sign_callback, alg=alg, tsa_url=tsa_url
        )


def ensure_dev_credentials(directory: str | Path) -> DevCredentials:
    """Create (or reuse) a development CA and an es256 signer issued by it in `directory`.

    Reuses the files while the leaf is valid for at least RENEW_MARGIN and still
    chains to the CA on disk; otherwise writes a fresh pair. Keys are written
    0600, every file atomically.
    """
    directory = Path(directory)
    creds = DevCredentials(
        cert_chain_path=directory / CHAIN_FILE,
        key_path=directory / KEY_FILE,
        ca_cert_path=directory / CA_CERT_FILE,
    )
    if _dev_files_usable(creds):
        return creds
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CredentialError(f"{directory}: cannot create credential directory ({exc})") from exc
    with _directory_lock(directory):
        # Another process may have written a pair while we waited for the lock.
        if not _dev_files_usable(creds):
            _write_dev_pair(creds, ca_key_path=directory / CA_KEY_FILE)
    return creds


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Exclusive lock so two processes never interleave a key and another's chain."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; atomic writes still keep each file whole.
        yield
        return
    with open(directory / ".dev-credentials.lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _dev_files_usable(creds: DevCredentials) -> bool:
    """True when the existing dev files load, match, and stay valid for a while."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    paths = (creds.cert_chain_path, creds.key_path, creds.ca_cert_path)
    if not all(path.is_file() for path in paths):
        return False
    try:
        loaded = SigningCredentials.from_files(creds.cert_chain_path, creds.key_path)
        leaf = _parse_chain(loaded.cert_chain_pem, creds.cert_chain_path)[0]
        ca = x509.load_pem_x509_certificate(creds.ca_cert_path.read_bytes())
        leaf.verify_directly_issued_by(ca)
    except (CredentialError, InvalidSignature, OSError, ValueError, TypeError):
        return False
    now = dt.datetime.now(dt.timezone.utc)
    return leaf.not_valid_before_utc <= now and leaf.not_valid_after_utc - now > RENEW_MARGIN


def _write_dev_pair(creds: DevCredentials, *, ca_key_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _make_ca_cert(ca_key)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = _make_leaf_cert(leaf_key, ca_cert=ca_cert, ca_key=ca_key)
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    key_format = serialization.PrivateFormat.PKCS8
    no_password = serialization.NoEncryption()
    write_bytes_atomic(ca_key_path, ca_key.private_bytes(pem, key_format, no_password), mode=0o600)
    write_bytes_atomic(
        creds.key_path, leaf_key.private_bytes(pem, key_format, no_password), mode=0o600
    )
    write_bytes_atomic(creds.ca_cert_path, ca_pem, mode=0o644)
    # The chain goes last: a crash before it leaves no chain, so the next call regenerates.
    write_bytes_atomic(creds.cert_chain_path, leaf_cert.public_bytes(pem) + ca_pem, mode=0o644)


def _dev_name(common_name: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORG),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "FOR DEVELOPMENT ONLY"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _validity() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc)
    return now - dt.timedelta(days=1), now + dt.timedelta(days=DEV_VALIDITY_DAYS)


def _make_ca_cert(ca_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    name = _dev_name(DEV_CA_NAME)
    start, end = _validity()
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end + dt.timedelta(days=DEV_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(ca_key, hashes.SHA256())
    )


def _make_leaf_cert(
    leaf_key: ec.EllipticCurvePrivateKey,
    *,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    start, end = _validity()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(_dev_name(DEV_SIGNER_NAME))
        .issuer_name(ca_cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _read_file(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CredentialError(f"{path}: {what} file not found") from exc
    except OSError as exc:
        raise CredentialError(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if not data.strip():
        raise CredentialError(f"{path}: {what} file is empty")
    return data


def _parse_chain(chain_pem: bytes, path: Path) -> list[x509.Certificate]:
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise CredentialError(
            f"{path}: not a PEM certificate chain ({exc}); expected the leaf then its CA(s)"
        ) from exc
    return certs


def _parse_key(key_pem: bytes, path: Path) -> object:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(key_pem, password=None)
    except TypeError as exc:
        raise CredentialError(
            f"{path}: private key is encrypted; provide an unencrypted PEM key"
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CredentialError(f"{path}: not a PEM private key ({exc})") from exc


def _check_key_fits(
    key: object, leaf: x509.Certificate, *, alg: str, key_path: Path, chain_path: Path
) -> None:
    """The key type must match `alg` and the key must belong to the leaf certificate."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if alg in _EC_CURVES:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CredentialError(
                f"{key_path}: {alg} needs an EC key, got {type(key).__name__.lstrip('_')}"
            )
        if key.curve.name != _EC_CURVES[alg]:
            raise CredentialError(
                f"{key_path}: {alg} needs curve {_EC_CURVES[alg]}, got {key.curve.name}"
            )
    elif alg.startswith("ps") and not isinstance(key, rsa.RSAPrivateKey):
        raise CredentialError(f"{key_path}: {alg} needs an RSA key, got {type(key).__name__}")
    elif alg == "ed25519" and not isinstance(key, ed25519.Ed25519PrivateKey):
        raise CredentialError(f"{key_path}: ed25519 needs an Ed25519 key, got {type(key).__name__}")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, spki) != leaf.public_key().public_bytes(der, spki):  # type: ignore[attr-defined]
        raise CredentialError(
            f"{key_path}: private key does not match the first certificate in {chain_path}"
        )


__all__ = [
    "DevCredentials",
    "SigningCredentials",
    "ensure_dev_credentials",
]
