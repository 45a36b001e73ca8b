"""MemorizationCheck over real image and text indexes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from faker import Faker
from PIL import Image, ImageFilter

from aigc_guard import Decision, Guard
from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog
from aigc_guard.checks.base import Check
from aigc_guard.checks.memorization import MemorizationCheck
from aigc_guard.credentials import SigningCredentials
from aigc_guard.errors import InputError
from aigc_guard.index.image import ImageIndex
from aigc_guard.index.text import TextIndex
from aigc_guard.train.data import Split, load_mnist5k


@pytest.fixture(scope="module")
def split() -> Split:
    return load_mnist5k()


@pytest.fixture(scope="module")
def image_index(split: Split) -> ImageIndex:
    return ImageIndex.build(split.train, holdout=split.holdout, fpr=0.01)


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str]]:
    fake = Faker("en_US")
    fake.seed_instance(3)
    return [(f"t{i}", fake.paragraph(nb_sentences=5)) for i in range(300)]


@pytest.fixture(scope="module")
def text_index(texts: list[tuple[str, str]]) -> TextIndex:
    return TextIndex.build(texts)


def test_training_digit_fails_with_details(image_index: ImageIndex, split: Split) -> None:
    check = MemorizationCheck(image_index)
    assert isinstance(check, Check) and check.name == "memorization"
    upscaled = Image.fromarray(split.train.images[42]).resize((256, 256), Image.Resampling.BICUBIC)
    result = check.inspect(Artifact.from_image(upscaled))
    assert not result.passed and not result.skipped
    assert result.details["nearest_id"] == split.train.ids[42]
    assert (
        result.details["distance"] <= result.details["threshold"] == round(image_index.threshold, 6)
    )
    assert result.details["threshold_source"] == "calibrated"
    assert result.details["criterion"] in ("distance", "ratio")
    assert 0 <= result.details["ratio"] <= result.details["ratio_threshold"] < 1
    assert result.details["where"] == "frame 0"


def _noise_rgba(alpha: Image.Image) -> Image.Image:
    colour = np.random.default_rng(5).integers(0, 256, (alpha.height, alpha.width, 3), np.uint8)
    image = Image.fromarray(colour).convert("RGBA")
    image.putalpha(alpha)
    return image


def test_a_copy_in_the_alpha_channel_or_a_later_frame_is_caught(
    image_index: ImageIndex, split: Split
) -> None:
    check = MemorizationCheck(image_index)
    copy = Image.fromarray(split.train.images[777]).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    _noise_rgba(copy).save(buffer, format="PNG")
    in_alpha = check.inspect(Artifact.from_bytes(buffer.getvalue(), name="alpha.png"))
    assert not in_alpha.passed and in_alpha.details["where"] == "alpha 0"
    assert in_alpha.details["nearest_id"] == split.train.ids[777]
    frames = [Image.fromarray(split.holdout.images[i]) for i in (3, 4)] + [copy]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:], duration=80)
    animated = check.inspect(Artifact.from_bytes(buffer.getvalue(), name="anim.png"))
    assert not animated.passed and animated.details["where"] == "frame 2"
    assert animated.details["nearest_id"] == split.train.ids[777]


def test_guard_regenerates_a_copy_then_blocks_and_logs_no_content(
    image_index: ImageIndex, split: Split, sqlite_url: str, signer: SigningCredentials
) -> None:
    copy = Image.fromarray(split.train.images[5]).rotate(6, resample=Image.Resampling.BILINEAR)
    fresh = Image.fromarray(split.holdout.images[0])
    draws = [copy, fresh, copy, copy, copy]

    def painter(n: int, seed: int | None = None) -> list[Image.Image]:
        return [draws.pop(0) for _ in range(n)]

    with (
        AuditLog(sqlite_url, hash_key=b"test-hash-key-0123456789abcdef") as log,
        Guard(
            policy="default", index=image_index, db=log, signer=signer, dev_credentials=True
        ) as guard,
    ):
        [first] = guard.generate(painter, n=1)  # copy, then fresh: allowed on attempt 2
        [second] = guard.generate(painter, n=1)  # three copies: blocked
        entries = list(log.entries())
    assert first.decision is Decision.ALLOW and first.attempts == 2
    assert second.decision is Decision.BLOCK and second.attempts == 3
    flagged = [e for e in entries if e.decision in ("regenerate", "block")]
    assert [e.decision for e in flagged] == ["regenerate", "regenerate", "regenerate", "block"]
    for entry in flagged:
        row = entry.checks["memorization"]
        assert row["nearest_id"] == split.train.ids[5]
        assert row["criterion"] in ("distance", "ratio")
        assert {"distance", "threshold", "ratio", "ratio_threshold"} <= set(row)
        assert all(isinstance(v, (str, int, float, bool, type(None))) for v in row.values())


def test_fresh_digit_passes(image_index: ImageIndex, split: Split) -> None:
    check = MemorizationCheck(image_index)
    matches = image_index.nearest_batch([Image.fromarray(a) for a in split.holdout.images])
    distances = [m.distance for m in matches]
    row = int(np.argmax(distances))  # the held-out digit least like any training digit
    result = check.inspect(Artifact.from_image(Image.fromarray(split.holdout.images[row])))
    assert result.passed
    assert result.details["distance"] > result.details["threshold"]


def test_threshold_override_and_boundary(image_index: ImageIndex, split: Split) -> None:
    digit = Artifact.from_image(Image.fromarray(split.holdout.images[0]))
    distance = image_index.nearest(digit.image).distance
    at = MemorizationCheck(image_index, threshold=distance)
    assert not at.inspect(digit).passed  # at the threshold = near-duplicate
    below = MemorizationCheck(image_index, threshold=max(distance - 1e-3, 0.0))
    assert below.inspect(digit).passed
    assert below.inspect(digit).details["threshold_source"] == "policy"


def test_text_index_flags_copies_and_skips_images(
    text_index: TextIndex, texts: list[tuple[str, str]]
) -> None:
    check = MemorizationCheck(text_index)
    copy = check.inspect(Artifact.from_text(texts[7][1] + " Regards."))
    assert not copy.passed and copy.details["nearest_id"] == "t7"
    assert "phash_distance" not in copy.details
    fresh = check.inspect(Artifact.from_text("An unrelated note about bicycles in winter."))
    assert fresh.passed and fresh.details["nearest_id"] is None
    skipped = check.inspect(Artifact.from_image(Image.new("L", (28, 28))))
    assert skipped.skipped and skipped.passed and "text" in skipped.reason


def test_image_index_skips_text(image_index: ImageIndex) -> None:
    result = MemorizationCheck(image_index).inspect(Artifact.from_text("hello"))
    assert result.skipped and result.passed
    assert result.to_dict()["skipped"] is True


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan"), True])
def test_bad_threshold_is_refused(image_index: ImageIndex, threshold: float) -> None:
    with pytest.raises(InputError, match="threshold"):
        MemorizationCheck(image_index, threshold=threshold)


def test_non_index_is_refused() -> None:
    with pytest.raises(InputError, match="ImageIndex or TextIndex"):
        MemorizationCheck(object())
