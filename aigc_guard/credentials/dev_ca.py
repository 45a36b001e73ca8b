"""A development CA and signer for local use, labelled NOT FOR PRODUCTION.

`ensure_dev_credentials(dir)` makes (or reuses) a CA and an es256 signing
certificate issued by it, fit for C2PA; `aigc-guard keys dev --out DIR` calls it.
Readers report such manifests untrusted unless that CA is configured as a trust
anchor. Existing files are never overwritten: a folder whose files are unusable or
about to expire is refused, naming the file (it may hold someone's real chain).
The guard signs with these only when told to (`dev_credentials=True`,
`--dev-credentials`, or a policy's `marks.c2pa.allow_dev_credentials`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.credentials.signing import SigningCredentials, parse_chain
from aigc_guard.errors import CredentialError
from aigc_guard.fileio import write_bytes_atomic

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

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


@dataclass(frozen=True)
class DevCredentials:
    """Where the development CA and signer live on disk."""

    cert_chain_path: Path
    key_path: Path
    ca_cert_path: Path


def ensure_dev_credentials(directory: str | Path) -> DevCredentials:
    """Create (or reuse) a development CA and an es256 signer issued by it in `directory`.

    Reuses the files while the leaf is valid for at least RENEW_MARGIN and still
    chains to the CA on disk; writes a fresh pair only when none of the files exists.
    Anything else (a broken, mismatched or expiring set) raises CredentialError: no
    existing key or certificate is ever overwritten. Keys are written 0600, atomically.
    """
    directory = Path(directory)
    creds = dev_credentials_in(directory)
    if _dev_files_usable(creds):
        return creds
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise CredentialError(f"{directory}: cannot create credential directory ({exc})") from exc
    with _directory_lock(directory):
        # Another process may have written a pair while we waited for the lock.
        if not _dev_files_usable(creds):
            _refuse_overwrite(creds, directory / CA_KEY_FILE)
            _write_dev_pair(creds, ca_key_path=directory / CA_KEY_FILE)
    return creds


def ensure_dev_keys(directory: str | Path) -> DevCredentials:
    """Everything a development guard needs in `directory`: the CA and signer, a
    watermark key and the audit hash key (what `aigc-guard keys dev` makes). Existing
    files are kept."""
    from aigc_guard.credentials.hash_key import load_hash_key
    from aigc_guard.credentials.watermark_key import WATERMARK_KEY_FILE, create_watermark_key

    creds = ensure_dev_credentials(directory)
    if not (Path(directory) / WATERMARK_KEY_FILE).exists():
        create_watermark_key(directory)
    load_hash_key(directory)
    return creds


def dev_credentials_in(directory: str | Path) -> DevCredentials:
    """Where the development files of `directory` are (nothing is read or created)."""
    directory = Path(directory)
    return DevCredentials(
        cert_chain_path=directory / CHAIN_FILE,
        key_path=directory / KEY_FILE,
        ca_cert_path=directory / CA_CERT_FILE,
    )


def load_dev_credentials(directory: str | Path) -> DevCredentials:
    """The development credentials already in `directory`; never creates any."""
    creds = dev_credentials_in(directory)
    if not creds.cert_chain_path.is_file():
        raise CredentialError(
            f"{directory}: no development credentials; create them with "
            f"`aigc-guard keys dev --out {directory}`"
        )
    if not _dev_files_usable(creds):
        raise CredentialError(
            f"{directory}: the development credentials are unusable or expire within "
            f"{RENEW_MARGIN.days} days; move them away and run `aigc-guard keys dev` again"
        )
    return creds


def is_development_chain(cert_chain_pem: bytes) -> bool:
    """True when the chain's leaf is one of our development certificates."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        leaf = x509.load_pem_x509_certificates(cert_chain_pem)[0]
    except (ValueError, IndexError):
        return False
    orgs = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(attribute.value == DEV_ORG for attribute in orgs)


def _refuse_overwrite(creds: DevCredentials, ca_key_path: Path) -> None:
    present = [p for p in (creds.cert_chain_path, creds.key_path, creds.ca_cert_path,
                           ca_key_path) if p.exists()]  # fmt: skip
    if present:
        raise CredentialError(
            f"{present[0]}: exists but the development credentials in {present[0].parent} are "
            "unusable (broken, mismatched, or expiring soon); existing keys and certificates "
            "are never overwritten: move them away or use another folder"
        )


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
        leaf = parse_chain(loaded.cert_chain_pem, creds.cert_chain_path)[0]
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


__all__ = [
    "CA_CERT_FILE",
    "CHAIN_FILE",
    "KEY_FILE",
    "DevCredentials",
    "dev_credentials_in",
    "ensure_dev_credentials",
    "ensure_dev_keys",
    "is_development_chain",
    "load_dev_credentials",
]
