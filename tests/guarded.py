"""What the output, fault and CLI property tests share: a policy that runs no check
(the outputs, not the checks, are the subject there)."""

from __future__ import annotations

from pathlib import Path


def no_checks_policy(extra: str = "") -> str:
    """Policy YAML with the memorization and PII checks off, signing with the development
    CA allowed (these tests use `prepare`'s dev keys); `extra` adds sections."""
    return (
        "id: no-checks\nversion: 1\n"
        "checks:\n  memorization: {enabled: false}\n  pii: {enabled: false}\n"
        "marks:\n  c2pa: {allow_dev_credentials: true}\n" + extra
    )


def prepare(base: Path) -> dict[str, Path]:
    """A no-checks policy file and a keys folder with the development CA, the watermark
    key and the audit hash key (as `aigc-guard keys dev` makes), under `base`."""
    from aigc_guard.credentials import ensure_dev_keys

    policy = base / "no-checks.yaml"
    policy.write_text(no_checks_policy(), encoding="utf-8")
    ensure_dev_keys(base / "keys")
    return {"policy": policy, "keys": base / "keys"}
