"""Labelling policies (EU AI Act, GB 45438-2025), required marks, and no epsilon without a
checked DP guarantee. Real c2pa, PIL fonts and SQLite."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from aigc_guard import Guard
from aigc_guard.artifacts import Artifact, Decision
from aigc_guard.credentials import ensure_dev_keys
from aigc_guard.errors import MarkError, PolicyError
from aigc_guard.marks.labels import (
    FONT_CANDIDATES,
    GB45438_ASSERTION,
    caption_font,
    read_png_metadata,
)
from aigc_guard.marks.provenance import PRIVACY_LABEL, dp_claim, privacy_assertion, read_provenance
from aigc_guard.policy import load_policy, parse_policy

CJK_FONT = next((f for f in FONT_CANDIDATES[:4] if Path(f).is_file()), None)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("label-keys") / "keys"
    ensure_dev_keys(folder)
    return folder


def _guard(policy: object, keys: Path, db: Path) -> Guard:
    return Guard(policy=policy, checks=[], db=f"sqlite:///{db}", keys=keys, dev_credentials=True)


@pytest.mark.skipif(CJK_FONT is None, reason="no CJK font (Debian: fonts-wqy-microhei)")
def test_cn_policy_labels_images_explicitly_and_implicitly(keys: Path, tmp_path: Path) -> None:
    photo = Image.fromarray(np.full((300, 400, 3), 180, dtype=np.uint8))
    with _guard("cn-ai-labeling", keys, tmp_path / "a.db") as guard:
        image = guard.guard_artifact(Artifact.from_image(photo))
        text = guard.guard_artifact(Artifact.from_text("今天的天气很好。"))
    delivered = Image.open(io.BytesIO(image.data))
    record = read_png_metadata(delivered)
    assert record is not None and list(record) == ["Label", "ContentProducer", "ProduceID",
        "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2"]  # fmt: skip
    assert record["Label"] == "1" and record["ProduceID"] == image.content_id
    corner = np.asarray(delivered.convert("L"))[-30:, -80:]
    assert (corner < 60).mean() > 0.3 and (corner > 200).mean() > 0.02  # band + letters
    manifest = read_provenance(image.data, media_type="image/png")
    assert (
        manifest.valid and manifest.assertions[GB45438_ASSERTION]["ProduceID"] == image.content_id
    )
    assert text.artifact.text.startswith("【AI生成】")
    sidecar = read_provenance(text.data, media_type="text/plain", sidecar=text.sidecar)
    assert sidecar.valid and sidecar.assertions[GB45438_ASSERTION]["Label"] == "1"


@pytest.mark.skipif(CJK_FONT is None, reason="no CJK font (Debian: fonts-wqy-microhei)")
def test_caption_letters_are_at_least_five_percent(tmp_path: Path) -> None:
    font = caption_font(None, "AI生成", 15)
    _, top, _, bottom = font.getbbox("AI生成")
    assert bottom - top >= 15


def test_a_font_without_the_glyphs_is_an_error() -> None:
    latin_only = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(latin_only).is_file():
        pytest.skip("DejaVu Sans is not installed")
    with pytest.raises(MarkError, match="has every character"):
        caption_font(latin_only, "AI生成", 20)


def test_required_marks_block_what_cannot_be_marked(keys: Path, tmp_path: Path) -> None:
    text = load_policy("eu-ai-act").model_dump(mode="json")
    text["marks"]["label"]["caption"]["text"] = "X" * 40  # cannot fit a 256 px image
    policy = parse_policy(__import__("json").dumps(text), source="long-caption")
    with _guard(policy, keys, tmp_path / "b.db") as guard:
        result = guard.guard_artifact(Artifact.from_image(Image.new("RGB", (256, 256))))
        assert result.decision is Decision.BLOCK and not result.delivered
        assert "marks required" in result.reasons[-1]
        assert guard.audit.get(result.audit_id).decision == "block"
    with pytest.raises(PolicyError, match="required"):
        parse_policy("id: x\nversion: 1\nmarks:\n  required: true\n  c2pa:\n    enabled: false\n")


def test_eu_policy_captions_images_and_prefixes_text(keys: Path, tmp_path: Path) -> None:
    with _guard("eu-ai-act", keys, tmp_path / "c.db") as guard:
        image = guard.guard_artifact(Artifact.from_image(Image.new("RGB", (320, 256), "white")))
        text = guard.guard_artifact(Artifact.from_text("A report on river levels."))
    corner = np.asarray(Image.open(io.BytesIO(image.data)).convert("L"))[-20:, -60:]
    assert (corner < 60).mean() > 0.3
    assert text.artifact.text.startswith("[AI-generated] ")
    assert image.marks["label"] == {"caption": "AI-generated"}


def test_no_epsilon_without_a_checked_dp_guarantee(keys: Path, tmp_path: Path) -> None:
    reproducible = SimpleNamespace(guarantee="none (reproducible noise)", claims_dp=False,
                                   epsilon=3.0, delta=1e-5)  # fmt: skip
    private = SimpleNamespace(guarantee="(ε, δ)-DP", claims_dp=True, epsilon=3.0, delta=1e-5)
    assert dp_claim(reproducible, bound_to_weights=True)[:2] == (None, None)
    assert dp_claim(private, bound_to_weights=False)[:2] == (None, None)
    assert dp_claim(private, bound_to_weights=True)[:2] == (3.0, 1e-5)
    assert (
        dp_claim(
            SimpleNamespace(
                guarantee="record-level: per training example", epsilon=1.0, delta=1e-5
            ),
            bound_to_weights=True,
        )[0]
        == 1.0
    )
    with pytest.raises(MarkError, match="refusing to write epsilon"):
        privacy_assertion(epsilon=3.0, delta=1e-5, policy_id="p", content_id="0" * 12,
                          model_id="m", guarantee="none (reproducible noise)")  # fmt: skip
    policy = parse_policy("id: t\nversion: 1\nmarks:\n  watermark:\n    enabled: false\n")
    with _guard(policy, keys, tmp_path / "d.db") as guard:
        [result] = guard.generate(lambda: "hello", card=reproducible, model_id="m1")
        [other] = guard.generate(lambda: "hello", card=private, model_id="m2")
    for delivered in (result, other):  # a card handed to a callable is not bound to weights
        reading = read_provenance(delivered.data, media_type="text/plain",
                                  sidecar=delivered.sidecar)  # fmt: skip
        assert reading.assertions[PRIVACY_LABEL]["epsilon"] is None
        assert reading.assertions[PRIVACY_LABEL]["guarantee"].startswith("none")
