"""C2PA provenance through c2pa-python: sign outputs, read and verify manifests.

Images (PNG, JPEG, WebP) get the manifest embedded. Plain text cannot hold one,
so it gets a detached manifest (a sidecar, written as FILE.c2pa) whose data hash
covers the exact UTF-8 bytes. Thumbnails are off: c2pa would otherwise upscale
every output to 1024 px and add 54 KB-1.6 MB per file. No timestamp authority
and no remote manifest fetching, so nothing here touches the network.

`valid` means signature, hashes and structure verify; `trusted` means the
signing chain also ends at one of the configured trust anchors. An untrusted
but intact manifest is valid and reports `signingCredential.untrusted`.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_guard.credentials.signing import SigningCredentials
from aigc_guard.errors import CredentialError, MarkError
from aigc_guard.marks import payload as payload_bits

if TYPE_CHECKING:
    import c2pa

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_SOURCE_TYPES + "trainedAlgorithmicMedia"
ACTIONS_LABEL = "c2pa.actions.v2"
PRIVACY_LABEL = "org.aigc_guard.privacy"
SOFT_BINDING_LABEL = "c2pa.soft-binding"
SOFT_BINDING_ALG_PREFIX = "org.aigc_guard."
DP_GUARANTEE = "record-level (ε, δ)-DP"
# Said beside every stated epsilon: what the DP guarantee does and does not cover.
DP_COVERS = (
    "the model's training only (the mechanism its privacy card names: DP-SGD, or merf's one "
    "release); the guard's memorization check reads the raw training data and is not covered"
)
EMBEDDED_MEDIA_TYPES = ("image/png", "image/jpeg", "image/webp")
SIDECAR_MEDIA_TYPES = ("text/plain",)
SIDECAR_SUFFIX = ".c2pa"
_CERT_HINT = (
    "the signing certificate must be issued by a CA (not self-signed), not be a CA itself, "
    "have key usage digitalSignature, an extended key usage such as emailProtection, an "
    "AuthorityKeyIdentifier, be valid now, and match the algorithm (es256: P-256 key)"
)
# Errors that mean "this is not an asset we can parse", not "the manifest is broken".
_UNREADABLE_ASSET = ("NotSupported", "Io", "FileNotFound")


@dataclass(frozen=True)
class SignedContent:
    """Signed bytes. For text `data` is unchanged and `sidecar` holds the manifest store."""

    data: bytes
    sidecar: bytes | None = None


@dataclass(frozen=True)
class ProvenanceReading:
    """What a C2PA reader found: presence, validity, trust, and the active manifest."""

    present: bool
    valid: bool
    trusted: bool
    errors: list[str] = field(default_factory=list)
    assertions: dict[str, Any] = field(default_factory=dict)
    manifest_label: str | None = None
    claim_generator: str | None = None
    state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "valid": self.valid,
            "trusted": self.trusted,
            "state": self.state,
            "errors": list(self.errors),
            "manifest_label": self.manifest_label,
            "claim_generator": self.claim_generator,
            "assertions": dict(self.assertions),
        }


def created_action_assertion(
    *,
    digital_source_type: str = TRAINED_ALGORITHMIC_MEDIA,
    software_agent: tuple[str, str | None] | None = None,
) -> dict[str, Any]:
    """c2pa.actions.v2 with one c2pa.created action and its IPTC digital source type.

    `digital_source_type` is an IPTC URL or its short name ("trainedAlgorithmicMedia");
    `software_agent` is the (name, version) of the model that made the content.
    """
    if not digital_source_type:
        raise MarkError("digital_source_type must be an IPTC digital source type, got ''")
    if "://" not in digital_source_type:
        digital_source_type = IPTC_SOURCE_TYPES + digital_source_type
    action: dict[str, Any] = {"action": "c2pa.created", "digitalSourceType": digital_source_type}
    if software_agent:
        name, version = software_agent
        action["softwareAgent"] = {"name": name, **({"version": version} if version else {})}
    return {"label": ACTIONS_LABEL, "data": {"actions": [action]}}


def privacy_assertion(
    *,
    epsilon: float | None,
    delta: float | None,
    policy_id: str,
    content_id: str,
    model_id: str | None,
    guarantee: str | None = None,
) -> dict[str, Any]:
    """The guard's own assertion: DP guarantee of the model, policy and audit content id.

    epsilon/delta are None for a model without a checked DP guarantee (see `dp_claim`);
    an epsilon beside a guarantee that starts with "none" (such as "none (reproducible
    noise)") is refused, never written. A stated epsilon comes with `covers`: the
    guarantee is about training, not about filters that read the training data.
    """
    if guarantee is None:
        guarantee = DP_GUARANTEE if epsilon is not None else "none"
    if epsilon is not None and not _states_dp(guarantee):
        raise MarkError(
            f"{PRIVACY_LABEL}: refusing to write epsilon={epsilon!r} for a model whose "
            f"guarantee is {guarantee!r}"
        )
    problems = []
    if epsilon is not None and not (math.isfinite(epsilon) and epsilon >= 0):
        problems.append(f"epsilon must be a finite number >= 0 or None, got {epsilon!r}")
    if delta is not None and not (math.isfinite(delta) and 0 <= delta < 1):
        problems.append(f"delta must be in [0, 1) or None, got {delta!r}")
    if problems:
        raise MarkError(f"{PRIVACY_LABEL}: " + "; ".join(problems))
    data = {
        "version": 1,
        "epsilon": epsilon,
        "delta": delta,
        "guarantee": guarantee,
        "covers": DP_COVERS if epsilon is not None else None,
        "policy_id": policy_id,
        "content_id": content_id,
        "model_id": model_id,
    }
    return {"label": PRIVACY_LABEL, "data": data}


def _states_dp(guarantee: str) -> bool:
    return bool(guarantee.strip()) and not guarantee.strip().lower().startswith("none")


def dp_claim(card: Any, *, bound_to_weights: bool) -> tuple[float | None, float | None, str]:
    """(epsilon, delta, guarantee) a manifest may state for a model with privacy card `card`.

    An epsilon is written only when the card states a DP guarantee (`claims_dp`, or a
    `guarantee` that does not start with "none", such as "none (reproducible noise)")
    and the card was checked against the weights that made the output
    (`bound_to_weights`: models loaded by aigc_guard.train are; a card handed to any
    other generator is not). Otherwise (None, None, the reason).
    """
    if card is None:
        return None, None, "none (no privacy card)"
    guarantee = str(getattr(card, "guarantee", "") or "")
    claims = getattr(card, "claims_dp", None)
    if not isinstance(claims, bool):
        claims = _states_dp(guarantee)
    if not claims:
        return None, None, f"none (the privacy card states {guarantee or 'no guarantee'!r})"
    if not bound_to_weights:
        return None, None, "none (the privacy card was not checked against the model's weights)"
    return getattr(card, "epsilon", None), getattr(card, "delta", None), DP_GUARANTEE


def soft_binding_assertion(
    method: str, content_id: str, *, version: str | None = None, key_id: str | None = None
) -> dict[str, Any]:
    """C2PA soft binding naming the watermark and its payload.

    `alg` is org.aigc_guard.<method>[.v<version>] (no C2PA-registered algorithm
    fits); the block value is the base64 of the content id + CRC16 (8 bytes): never
    the keyed payload's MAC tag. `key_id` names the watermark key (public).
    """
    try:
        bits = payload_bits.encode_bits(content_id)
    except ValueError as exc:
        raise MarkError(f"{SOFT_BINDING_LABEL}: {exc}") from exc
    raw = int("".join(map(str, bits)), 2).to_bytes(payload_bits.PAYLOAD_BITS // 8, "big")
    alg = SOFT_BINDING_ALG_PREFIX + method + (f".v{version}" if version else "")
    data = {
        "alg": alg,
        "blocks": [{"scope": {}, "value": base64.b64encode(raw).decode("ascii")}],
        "name": f"aigc_guard {method} watermark: 48-bit content id + CRC16"
        + (f"; watermark key {key_id}" if key_id else ""),
    }
    return {"label": SOFT_BINDING_LABEL, "data": data}


def content_id_from_soft_binding(data: dict[str, Any]) -> str | None:
    """The content id in a soft-binding assertion made by `soft_binding_assertion`, or None."""
    try:
        raw = base64.b64decode(data["blocks"][0]["value"], validate=True)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    value = int.from_bytes(raw, "big")
    width = payload_bits.PAYLOAD_BITS
    return payload_bits.decode_bits([(value >> (width - 1 - i)) & 1 for i in range(width)])


class C2paProvenance:
    """Signs and reads C2PA manifests with one reusable signer. Close it (or use `with`)."""

    def __init__(
        self,
        credentials: SigningCredentials,
        *,
        claim_generator: str = "aigc_guard/0.1.0",
        trust_anchors_pem: bytes | None = None,
    ) -> None:
        import c2pa

        name, _, version = claim_generator.partition("/")
        if not name:
            raise MarkError(
                f"claim_generator must look like 'name/version', got {claim_generator!r}"
            )
        self._generator_info = {"name": name, **({"version": version} if version else {})}
        self._closed = False
        self._signer = _make_signer(credentials)
        try:
            self._sign_context = c2pa.Context.from_dict(_settings(trust_anchors_pem))
            self._read_context = c2pa.Context.from_dict(_settings(trust_anchors_pem))
        except c2pa.C2paError as exc:
            self._signer.close()
            raise CredentialError(f"trust anchors rejected by c2pa: {exc}") from exc
        try:
            self._probe()
        except CredentialError:
            self.close()
            raise
        except MarkError as exc:
            self.close()
            raise CredentialError(f"test signature with these credentials failed: {exc}") from exc

    def _probe(self) -> None:
        """Sign a 1x1 PNG once, so unfit credentials fail here and not on the first output."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("L", (1, 1)).save(buffer, format="PNG")
        self.sign(buffer.getvalue(), media_type="image/png", title="credential probe",
                  assertions=[created_action_assertion()])  # fmt: skip

    def sign(
        self, data: bytes, *, media_type: str, title: str, assertions: list[dict[str, Any]]
    ) -> SignedContent:
        """Sign `data`: embedded manifest for images, detached sidecar for text/plain."""
        import c2pa

        self._ensure_open()
        if media_type not in EMBEDDED_MEDIA_TYPES + SIDECAR_MEDIA_TYPES:
            supported = ", ".join(EMBEDDED_MEDIA_TYPES + SIDECAR_MEDIA_TYPES)
            raise MarkError(f"cannot sign media type {media_type!r}; supported: {supported}")
        manifest = {
            "claim_generator_info": [self._generator_info],
            "title": title,
            "format": media_type,
            "assertions": _checked_assertions(assertions),
        }
        output = io.BytesIO()
        try:
            with c2pa.Builder(manifest, context=self._sign_context) as builder:
                if media_type in SIDECAR_MEDIA_TYPES:
                    builder.set_no_embed()
                manifest_bytes = builder.sign(self._signer, media_type, io.BytesIO(data), output)
        except c2pa.C2paError.Signature as exc:
            raise CredentialError(
                f"C2PA refused the signing credentials: {exc}; {_CERT_HINT}"
            ) from exc
        except c2pa.C2paError as exc:
            raise MarkError(f"C2PA signing of {title!r} ({media_type}) failed: {exc}") from exc
        if media_type in SIDECAR_MEDIA_TYPES:
            return SignedContent(data=data, sidecar=manifest_bytes)
        return SignedContent(data=output.getvalue())

    def read(
        self, data: bytes, *, media_type: str, sidecar: bytes | None = None
    ) -> ProvenanceReading:
        """Read and verify the manifest of `data` (or its `sidecar`); never raises for bad input."""
        self._ensure_open()
        return _read(self._read_context, data, media_type=media_type, sidecar=sidecar)

    def close(self) -> None:
        """Release the signer and contexts; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for resource in (self._signer, self._sign_context, self._read_context):
            resource.close()

    def __enter__(self) -> C2paProvenance:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ensure_open(self) -> None:
        if self._closed:
            raise MarkError("C2paProvenance is closed; create a new one")


def read_provenance(
    data: bytes,
    *,
    media_type: str,
    sidecar: bytes | None = None,
    trust_anchors_pem: bytes | None = None,
) -> ProvenanceReading:
    """Read and verify a manifest without signing credentials (verifiers, the CLI)."""
    import c2pa

    try:
        context = c2pa.Context.from_dict(_settings(trust_anchors_pem))
    except c2pa.C2paError as exc:
        raise CredentialError(f"trust anchors rejected by c2pa: {exc}") from exc
    with context:
        return _read(context, data, media_type=media_type, sidecar=sidecar)


def _read(
    context: c2pa.Context, data: bytes, *, media_type: str, sidecar: bytes | None
) -> ProvenanceReading:
    import c2pa

    if media_type in SIDECAR_MEDIA_TYPES and sidecar is None:
        # Plain text cannot embed a manifest: without its sidecar there is none.
        return ProvenanceReading(present=False, valid=False, trusted=False)
    try:
        reader = c2pa.Reader.try_create(media_type, io.BytesIO(data), sidecar, context=context)
    except c2pa.C2paError as exc:
        kind = type(exc).__name__.lstrip("_").removeprefix("C2pa")
        present = kind not in _UNREADABLE_ASSET and "could not be parsed" not in str(exc)
        code = "manifest.unreadable" if present else "asset.unreadable"
        return ProvenanceReading(present=present, valid=False, trusted=False,
                                 errors=[f"{code}: {exc}"])  # fmt: skip
    if reader is None:
        return ProvenanceReading(present=False, valid=False, trusted=False)
    with reader:
        return _reading_from(reader)


def _settings(trust_anchors_pem: bytes | None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "version": 1,
        "builder": {"thumbnail": {"enabled": False}},
        "verify": {"verify_trust": True, "remote_manifest_fetch": False},
    }
    if trust_anchors_pem:
        settings["trust"] = {"user_anchors": trust_anchors_pem.decode("ascii")}
    return settings


def _make_signer(credentials: SigningCredentials) -> c2pa.Signer:
    import c2pa

    try:
        if credentials.private_key_pem is not None:
            info = c2pa.C2paSignerInfo(
                credentials.alg.encode("ascii"),
                credentials.cert_chain_pem,
                credentials.private_key_pem,
                credentials.tsa_url,
            )
            return c2pa.Signer.from_info(info)
        return c2pa.Signer.from_callback(
            credentials.sign_callback,
            c2pa.C2paSigningAlg[credentials.alg.upper()],
            credentials.cert_chain_pem.decode("ascii"),
            credentials.tsa_url,
        )
    except (c2pa.C2paError, ValueError, UnicodeDecodeError) as exc:
        raise CredentialError(f"c2pa rejected the signing credentials: {exc}") from exc


def _checked_assertions(assertions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every assertion needs a string label and a dict `data`; report all problems at once."""
    problems = []
    for index, assertion in enumerate(assertions):
        if not isinstance(assertion, dict):
            problems.append(f"assertions[{index}]: expected a dict, got {type(assertion).__name__}")
            continue
        if not isinstance(assertion.get("label"), str) or not assertion["label"]:
            problems.append(f"assertions[{index}].label: expected a non-empty string")
        if not isinstance(assertion.get("data"), dict):
            problems.append(f"assertions[{index}].data: expected a dict")
    if problems:
        raise MarkError("invalid C2PA assertions: " + "; ".join(problems))
    return list(assertions)


def _reading_from(reader: c2pa.Reader) -> ProvenanceReading:
    state = reader.get_validation_state()
    results = reader.get_validation_results() or {}
    active = reader.get_active_manifest() or {}
    failures = list((results.get("activeManifest") or {}).get("failure") or [])
    for delta in results.get("ingredientDeltas") or []:
        failures.extend((delta.get("validationDeltas") or {}).get("failure") or [])
    errors: list[str] = []
    for item in failures:
        code = str(item.get("code", "unknown"))
        if code not in errors:
            errors.append(code)
    assertions = {item["label"]: item.get("data") for item in active.get("assertions", [])}
    return ProvenanceReading(
        present=True,
        valid=state in ("Valid", "Trusted"),
        trusted=state == "Trusted",
        errors=errors,
        assertions=assertions,
        manifest_label=active.get("label"),
        claim_generator=_generator_name(active),
        state=state,
    )


def _generator_name(manifest: dict[str, Any]) -> str | None:
    if manifest.get("claim_generator"):
        return str(manifest["claim_generator"])
    infos = manifest.get("claim_generator_info") or []
    if not infos:
        return None
    name, version = infos[0].get("name"), infos[0].get("version")
    return f"{name}/{version}" if version else name


__all__ = [
    "ACTIONS_LABEL",
    "PRIVACY_LABEL",
    "SIDECAR_SUFFIX",
    "SOFT_BINDING_LABEL",
    "TRAINED_ALGORITHMIC_MEDIA",
    "C2paProvenance",
    "ProvenanceReading",
    "SignedContent",
    "content_id_from_soft_binding",
    "created_action_assertion",
    "dp_claim",
    "privacy_assertion",
    "read_provenance",
    "soft_binding_assertion",
]
