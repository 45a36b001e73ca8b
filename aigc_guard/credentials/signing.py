"""Signing credentials for C2PA: PEM files or a callback signer (KMS, HSM).

C2PA readers only accept a signing certificate that is issued by a CA, is not a
CA itself, carries digitalSignature and an extended key usage, and has an
AuthorityKeyIdentifier. Production deployments load their own chain with
`SigningCredentials.from_files` or plug a KMS/HSM in through
`SigningCredentials.from_callback`; `credentials.dev_ca` makes a local pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.credentials.secret_files import check_private
from aigc_guard.errors import CredentialError

if TYPE_CHECKING:
    from cryptography import x509

SUPPORTED_ALGS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")
# Curve each EC algorithm needs (C2PA ties es256 to P-256 and so on).
_EC_CURVES = {"es256": "secp256r1", "es384": "secp384r1", "es512": "secp521r1"}


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
        chain_pem = read_file(chain_path, "certificate chain")
        key_pem = read_file(key_file, "private key")
        check_private(key_file, "private key")
        certs = parse_chain(chain_pem, chain_path)
        check_chain(certs, chain_path)
        key = parse_key(key_pem, key_file)
        check_key_fits(key, certs[0], alg=alg, key_path=key_file, chain_path=chain_path)
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


def read_file(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CredentialError(f"{path}: {what} file not found") from exc
    except OSError as exc:
        raise CredentialError(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if not data.strip():
        raise CredentialError(f"{path}: {what} file is empty")
    return data


def parse_chain(chain_pem: bytes, path: Path) -> list[x509.Certificate]:
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise CredentialError(
            f"{path}: not a PEM certificate chain ({exc}); expected the leaf then its CA(s)"
        ) from exc
    return certs


def check_chain(certs: list[x509.Certificate], path: Path) -> None:
    """The leaf must be valid now and issued by the next certificate (a CA) in the chain."""
    import datetime as dt

    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    leaf = certs[0]
    now = dt.datetime.now(dt.timezone.utc)
    if leaf.not_valid_after_utc <= now:
        raise CredentialError(
            f"{path}: the signing certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}"
        )
    if leaf.not_valid_before_utc > now:
        raise CredentialError(
            f"{path}: the signing certificate is not valid before "
            f"{leaf.not_valid_before_utc:%Y-%m-%d}"
        )
    if len(certs) < 2 or leaf.issuer == leaf.subject:
        raise CredentialError(
            f"{path}: the chain holds no CA certificate; C2PA needs the signing certificate "
            "followed by the CA that issued it (a self-signed certificate is refused)"
        )
    try:
        leaf.verify_directly_issued_by(certs[1])
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise CredentialError(
            f"{path}: the second certificate did not issue the first ({exc or 'bad signature'})"
        ) from exc
    constraints = certs[1].extensions
    try:
        is_ca = constraints.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise CredentialError(f"{path}: the issuing certificate is not a CA (basicConstraints)")


def parse_key(key_pem: bytes, path: Path) -> object:
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


def check_key_fits(
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
    "SUPPORTED_ALGS",
    "SigningCredentials",
    "check_chain",
    "check_key_fits",
    "parse_chain",
    "parse_key",
    "read_file",
]
