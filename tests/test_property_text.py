"""Property: text input (random bytes, huge, zero-width and bidi characters) decodes to
exactly its characters or fails with the byte offset; the PII check and the text
watermark give their documented results on any of it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limited import run_limited

from aigc_guard.artifacts import Artifact, ArtifactKind
from aigc_guard.checks.pii import PiiCheck
from aigc_guard.credentials.watermark_key import WatermarkKey
from aigc_guard.errors import InputError
from aigc_guard.limits import InputLimits
from aigc_guard.marks.text_watermark import ZeroWidthTextWatermarker, encode_mark

KEY = WatermarkKey(b"property-tests-watermark-key-32b")

FAST = settings(max_examples=80, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip
# Invisible and direction-changing characters: zero-width space / non-joiner / joiner,
# word joiner, BOM, and the bidi embeddings, overrides and isolates (Trojan Source).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TRICKY_TEXT = st.text(
    alphabet=st.sampled_from(list(INVISIBLE + "ab .@\n"))
    | st.characters(exclude_categories=["Cs"]),  # text a file can hold (surrogates: below)
    max_size=300,
)


@FAST
@given(data=st.binary(max_size=512))
def property_random_bytes(data: bytes) -> None:
    try:
        expected: str | None = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        expected, offset = None, exc.start
    try:
        artifact = Artifact.from_bytes(data, name="t.txt")
    except InputError as exc:
        assert expected is None and f"at byte offset {offset}" in str(exc)
        return
    assert artifact.kind is ArtifactKind.TEXT and artifact.text == expected


@FAST
@given(text=TRICKY_TEXT, budget=st.integers(1, 1200))
def property_size_limit_is_exact(text: str, budget: int) -> None:
    data = text.encode("utf-8")
    try:
        artifact = Artifact.from_bytes(
            data, name="t.txt", limits=InputLimits(max_text_bytes=budget)
        )
    except InputError as exc:
        assert len(data) > budget and "limits.max_text_bytes" in str(exc)
        return
    assert len(data) <= budget and artifact.text == text


def huge_text_is_refused() -> None:
    """64 MiB of text offered at once: refused on its size, in a small memory budget."""
    data = b"a" * (64 * 2**20)
    try:
        Artifact.from_bytes(data, name="huge.txt")
    except InputError:
        return
    raise AssertionError("64 MiB of text was accepted")


@pytest.mark.hardening(
    "input", "text: random bytes, exact size limits, 64 MiB in memory (hypothesis)",
    "the exact text, or InputError with the byte offset / the budget",
)  # fmt: skip
@pytest.mark.parametrize(
    "target", ["property_random_bytes", "property_size_limit_is_exact", "huge_text_is_refused"]
)
def test_text_decoding_properties(target: str, record_property: pytest.RecordProperty) -> None:
    usage = run_limited(f"test_property_text:{target}", memory_mb=768, timeout_s=120)
    record_property("peak_mb", usage.peak_mb)


@pytest.fixture(scope="module")
def pii() -> PiiCheck:
    check = PiiCheck()
    check.prepare()
    return check


@pytest.mark.hardening(
    "input", "text with zero-width, bidi and random characters through PII and the text mark",
    "findings inside the text; the mark reads back its own payload",
)  # fmt: skip
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(text=TRICKY_TEXT, content_id=st.text(alphabet="0123456789abcdef", min_size=12, max_size=12))
def test_pii_and_text_mark_on_tricky_text(pii: PiiCheck, text: str, content_id: str) -> None:
    artifact = Artifact.from_text(text)
    result = pii.inspect(artifact)
    for finding in result.details["entities"]:
        assert 0 <= finding["start"] < finding["end"] <= len(text)
    if result.failed:
        pii.redact(artifact, result)
    marker = ZeroWidthTextWatermarker(KEY)
    reading = marker.detect(marker.apply(artifact, content_id))
    assert reading.found and reading.payload == content_id


def test_a_nested_forged_mark_does_not_survive_marking() -> None:
    """Text arriving with a mark nested in a mark: stripping the inner one used to
    re-form the outer (forged) one, which `detect` then read instead of ours."""
    forged = encode_mark("aaaaaaaaaaaa", KEY)
    text = forged[0] + forged + forged[1:] + " hello world"
    marker = ZeroWidthTextWatermarker(KEY)
    assert marker.detect(marker.apply(Artifact.from_text(text), "bbbbbbbbbbbb")).payload == (
        "bbbbbbbbbbbb"
    )


@FAST
@given(before=st.text(max_size=20), after=st.text(max_size=20))
def test_text_with_a_lone_surrogate_is_refused_by_name(before: str, after: str) -> None:
    """A generator returning a lone surrogate (not encodable as UTF-8) gets an InputError
    naming the position, not a UnicodeEncodeError from deep in the pipeline."""
    text = before + "\ud800" + after
    with pytest.raises(InputError, match="not valid Unicode"):
        Artifact.from_text(text)
