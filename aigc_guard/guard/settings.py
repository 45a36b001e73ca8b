"""The one place that turns settings into the parts of a guard.

`Guard(...)`, the CLI and the demo all describe what they want as `GuardSettings`
and get the same policy, checks, signer and audit log out of `assemble`, so the
hash key, the signing credentials and the database are found the same way
everywhere: an explicit object wins, then an explicit path, then the aigc_guard
home folder (`$AIGC_GUARD_HOME/keys`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import CredentialError
from aigc_guard.policy import Policy, load_policy

DEV_NOTICE = "signing with development credentials: outputs are labelled NOT FOR PRODUCTION"
_DEV_REFUSED = (
    "the signer is a development certificate (NOT FOR PRODUCTION); refusing to sign with it "
    "unless allowed: dev_credentials=True (CLI: --dev-credentials) or the policy's "
    "marks.c2pa.allow_dev_credentials: true"
)


class DevelopmentCredentialsWarning(UserWarning):
    """Outputs are being signed with development credentials (NOT FOR PRODUCTION)."""


if TYPE_CHECKING:
    from aigc_guard.audit import AuditLog
    from aigc_guard.checks import Check, CheckSuite
    from aigc_guard.credentials import SigningCredentials
    from aigc_guard.credentials.watermark_key import WatermarkKey
    from aigc_guard.marks.marker import Marker
    from aigc_guard.marks.provenance import C2paProvenance


@dataclass(frozen=True)
class GuardSettings:
    """Everything a guard is built from; every field has a sensible default.

    policy: a Policy, a bundled policy name or a policy file.
    index: a fingerprint index, its folder, or a mapping kind -> index (or folder).
    db: an AuditLog, or a database URL / SQLite path ($AIGC_GUARD_DB, sqlite:///audit.db).
    keys: the keys folder holding the audit hash key, the watermark key and, for
        development, the CA made by `aigc-guard keys dev` (default:
        $AIGC_GUARD_HOME/keys). A folder named here must exist.
    signer: SigningCredentials or a C2paProvenance (production credentials).
    dev_credentials: allow development credentials (NOT FOR PRODUCTION): the signer,
        or when none is given the development CA in `keys`. Without this (or the
        policy's `marks.c2pa.allow_dev_credentials`) they are refused.
    watermark_key: the watermark key itself (default: `keys`/watermark.key).
    hash_key: the audit hash key itself (default: read from `keys`).
    checks: check instances that replace the ones the policy would build.
    """

    policy: Policy | str | Path | None = None
    index: Any = None
    db: AuditLog | str | None = None
    keys: str | Path | None = None
    signer: SigningCredentials | C2paProvenance | None = None
    dev_credentials: bool = False
    hash_key: bytes | None = field(default=None, repr=False)
    checks: Sequence[Check] | None = None
    watermark_key: WatermarkKey | None = field(default=None, repr=False)


@dataclass
class GuardParts:
    """What `assemble` built; `owned` lists what the guard must close (not what was given)."""

    policy: Policy
    suite: CheckSuite
    marker: Marker
    audit: AuditLog
    owned: list[Any]
    notices: list[str] = field(default_factory=list)


def resolve_policy(policy: Policy | str | Path | None) -> Policy:
    return policy if isinstance(policy, Policy) else load_policy(policy)


def assemble(settings: GuardSettings) -> GuardParts:
    """Build policy, checks, marker and audit log; on any failure close what was opened."""
    from aigc_guard.checks import CheckSuite
    from aigc_guard.marks.marker import Marker

    policy = resolve_policy(settings.policy)
    owned: list[Any] = []
    notices: list[str] = []
    try:
        suite = CheckSuite(
            policy, index=settings.index, checks=settings.checks, secret=_check_secret(settings)
        )
        owned.append(suite)
        provenance = _provenance(settings, policy, owned, notices)
        marker = Marker(policy.marks, provenance, watermark_key=_watermark_key(settings, policy))
        audit = _audit_log(settings, owned)
    except BaseException:
        close_all(owned)
        raise
    for notice in notices:  # once per guard: the CLI builds one guard per run
        warnings.warn(notice, DevelopmentCredentialsWarning, stacklevel=3)
    return GuardParts(policy=policy, suite=suite, marker=marker, audit=audit, owned=owned,
                      notices=notices)  # fmt: skip


def close_all(resources: list[Any]) -> None:
    """Close in reverse order of opening; idempotent (the list is emptied)."""
    while resources:
        resources.pop().close()


def signing_credentials(
    settings: GuardSettings, policy: Policy, notices: list[str] | None = None
) -> SigningCredentials | None:
    """The credentials to sign with: the given signer, else the development CA when allowed.

    Development credentials (ours, NOT FOR PRODUCTION) are refused unless
    `dev_credentials` or the policy's `marks.c2pa.allow_dev_credentials` allows them;
    when used, a notice says so.
    """
    from aigc_guard.credentials import SigningCredentials
    from aigc_guard.credentials.dev_ca import is_development_chain, load_dev_credentials
    from aigc_guard.credentials.home import existing_keys_dir

    allowed = settings.dev_credentials or policy.marks.c2pa.allow_dev_credentials
    notices = notices if notices is not None else []
    if settings.signer is not None:
        if not isinstance(settings.signer, SigningCredentials):
            return None
        if is_development_chain(settings.signer.cert_chain_pem):
            if not allowed:
                raise CredentialError(_DEV_REFUSED)
            notices.append(DEV_NOTICE)
        return settings.signer
    if not allowed:
        return None
    dev = load_dev_credentials(existing_keys_dir(settings.keys))
    notices.append(f"{DEV_NOTICE} ({dev.cert_chain_path.parent})")
    return SigningCredentials.from_files(dev.cert_chain_path, dev.key_path)


def _watermark_key(settings: GuardSettings, policy: Policy) -> WatermarkKey | None:
    """The watermark key when the policy's watermark methods need one."""
    from aigc_guard.credentials.home import existing_keys_dir
    from aigc_guard.credentials.watermark_key import load_watermark_key
    from aigc_guard.marks.registry import WATERMARKS

    marks = policy.marks.watermark
    if settings.watermark_key is not None or not marks.enabled:
        return settings.watermark_key
    methods = (marks.image_method, marks.text_method)
    generation_keyed = marks.text_generation != "none"
    if not generation_keyed and not any(WATERMARKS.get(method).keyed for method in methods):
        return None
    return load_watermark_key(existing_keys_dir(settings.keys))


def _provenance(
    settings: GuardSettings, policy: Policy, owned: list[Any], notices: list[str]
) -> C2paProvenance | None:
    from aigc_guard.credentials import SigningCredentials
    from aigc_guard.marks.provenance import C2paProvenance

    if not policy.marks.c2pa.enabled:
        return None
    if isinstance(settings.signer, C2paProvenance):
        return settings.signer
    if settings.signer is not None and not isinstance(settings.signer, SigningCredentials):
        raise CredentialError(
            "signer must be SigningCredentials or C2paProvenance, "
            f"got {type(settings.signer).__name__}"
        )
    credentials = signing_credentials(settings, policy, notices)
    if credentials is None:
        raise CredentialError(
            f"policy {policy.id!r} signs outputs with C2PA (marks.c2pa.enabled) but no signer "
            "was given; pass --signing-cert CHAIN.pem --signing-key KEY.pem (Python: "
            "signer=SigningCredentials.from_files(CHAIN, KEY)) for production, or "
            "--dev-credentials (dev_credentials=True) to sign with the development CA made "
            "by `aigc-guard keys dev` (NOT FOR PRODUCTION)"
        )
    provenance = C2paProvenance(credentials)
    owned.append(provenance)
    return provenance


def _check_secret(settings: GuardSettings) -> bytes | None:
    """The key checks pseudonymise with (PII's `hash` redaction derives its own from it):
    the audit hash key as the audit log finds it; None (a key per guard) when an open
    AuditLog was given without the key."""
    from aigc_guard.audit import AuditLog
    from aigc_guard.credentials import load_hash_key

    if settings.hash_key is not None:
        return settings.hash_key
    if isinstance(settings.db, AuditLog):
        return None
    return load_hash_key(settings.keys)


def _audit_log(settings: GuardSettings, owned: list[Any]) -> AuditLog:
    from aigc_guard.audit import AuditLog, resolve_db_url
    from aigc_guard.credentials import load_hash_key

    if isinstance(settings.db, AuditLog):
        return settings.db
    key = settings.hash_key if settings.hash_key is not None else load_hash_key(settings.keys)
    log = AuditLog(resolve_db_url(settings.db), hash_key=key)
    owned.append(log)
    return log


__all__ = [
    "DEV_NOTICE",
    "DevelopmentCredentialsWarning",
    "GuardParts",
    "GuardSettings",
    "assemble",
    "close_all",
    "resolve_policy",
    "signing_credentials",
]
