"""Ed25519 keys that sign checkpoints, and the checkpoint itself (a signed log head).

The key is created explicitly (`aigc-guard audit keygen`), never on first use, as a
PEM file with mode 0600; a key file readable by group or others is refused. Its
public half (`.pub` beside it) is what an auditor needs: a checkpoint is only as
trustworthy as the public key it is checked against, so verification takes that key
from a file the user names, never from the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aigc_guard.errors import CredentialError, InputError

CHECKPOINT_FORMAT = "aigc_guard.audit.checkpoint.v1"
KEY_FILE = "audit-checkpoint.key"
PUBLIC_FILE = "audit-checkpoint.pub"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _key_id(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:16]


class PublicKey:
    """An Ed25519 public key that checks checkpoint signatures."""

    def __init__(self, key: Any) -> None:
        from cryptography.hazmat.primitives import serialization

        self._key = key
        self.raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = _key_id(self.raw)

    @classmethod
    def from_pem(cls, data: bytes, *, source: str) -> PublicKey:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise CredentialError(f"{source}: not a PEM public key ({exc})") from exc
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise CredentialError(f"{source}: not an Ed25519 public key")
        return cls(key)

    @classmethod
    def load(cls, path: str | Path) -> PublicKey:
        path = Path(path)
        if not path.is_file():
            raise CredentialError(f"{path}: no such public key file")
        return cls.from_pem(path.read_bytes(), source=str(path))

    def pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, data: bytes, signature_hex: str) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self._key.verify(bytes.fromhex(signature_hex), data)
        except (InvalidSignature, ValueError):
            return False
        return True


class CheckpointKey:
    """The private Ed25519 key that signs checkpoints."""

    def __init__(self, key: Any, *, path: Path | None = None) -> None:
        self._key = key
        self.path = path
        self.public = PublicKey(key.public_key())
        self.key_id = self.public.key_id

    @classmethod
    def create(cls, path: str | Path) -> CheckpointKey:
        """Write a new key (0600) and its public half (`.pub`); refuse to overwrite either."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        path = Path(path)
        public_path = path.with_suffix(".pub")
        for existing in (path, public_path):
            if existing.exists():
                raise CredentialError(f"{existing} exists; refusing to overwrite a key")
        if not path.parent.is_dir():
            raise CredentialError(f"{path.parent}: no such directory for the checkpoint key")
        key = ed25519.Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        made = cls(key, path=path)
        public_path.write_text(made.public.pem(), encoding="ascii")
        return made

    @classmethod
    def load(cls, path: str | Path) -> CheckpointKey:
        """Read a key written by `create`; refuse one that group or others can read."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        path = Path(path)
        if not path.is_file():
            raise CredentialError(
                f"{path}: no checkpoint key; create one with: aigc-guard audit keygen"
            )
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise CredentialError(
                f"{path}: mode {mode:o} lets others read the checkpoint key; chmod 600 it"
            )
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise CredentialError(f"{path}: not an unencrypted PEM private key ({exc})") from exc
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise CredentialError(f"{path}: not an Ed25519 key")
        return cls(key, path=path)

    def sign(self, data: bytes) -> str:
        return bytes(self._key.sign(data)).hex()


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: log `log_id` had `tree_size` rows, the last with `head_hash`,
    and their Merkle tree had root `merkle_root`."""

    log_id: str
    tree_size: int
    head_hash: str
    merkle_root: str
    created_at: str
    key_id: str
    signature: str = ""

    def body(self) -> bytes:
        """The exact bytes that are signed: canonical JSON of every field but the signature."""
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        fields["format"] = CHECKPOINT_FORMAT
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signed_by(self, key: CheckpointKey) -> Checkpoint:
        if key.key_id != self.key_id:
            raise InputError(f"checkpoint names key {self.key_id}, signing key is {key.key_id}")
        return Checkpoint(**{**asdict(self), "signature": key.sign(self.body())})

    def verify(self, public: PublicKey) -> bool:
        return public.key_id == self.key_id and public.verify(self.body(), self.signature)

    def to_dict(self) -> dict[str, Any]:
        return {"format": CHECKPOINT_FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any, *, source: str) -> Checkpoint:
        """Parse and type-check a checkpoint (signature not checked: see `verify`)."""
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise InputError(f"{source}: not a checkpoint (format {CHECKPOINT_FORMAT})")
        try:
            made = cls(**{name: data[name] for name in cls.__dataclass_fields__})
        except KeyError as exc:
            raise InputError(f"{source}: checkpoint lacks field {exc.args[0]}") from exc
        if not isinstance(made.tree_size, int) or made.tree_size < 0:
            raise InputError(f"{source}: tree_size {made.tree_size!r} is not a count")
        for name in ("head_hash", "merkle_root"):
            if not isinstance(getattr(made, name), str) or not _HEX64.fullmatch(
                getattr(made, name)
            ):
                raise InputError(f"{source}: {name} is not 64 hex characters")
        return made


__all__ = [
    "CHECKPOINT_FORMAT",
    "KEY_FILE",
    "PUBLIC_FILE",
    "Checkpoint",
    "CheckpointKey",
    "PublicKey",
]
