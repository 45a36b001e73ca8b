"""Image (dwtDctSvd) and text (zero-width) watermarks with the real libraries."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aigc_guard.artifacts import Artifact, load_image_bytes
from aigc_guard.credentials.watermark_key import WatermarkKey
from aigc_guard.errors import MarkError
from aigc_guard.marks.image_watermark import (
    MIN_SIDE,
    DwtDctSvdWatermarker,
    upscale_for_watermark,
)
from aigc_guard.marks.payload import new_content_id
from aigc_guard.marks.text_watermark import ONE, ZERO, ZeroWidthTextWatermarker, strip_marks

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def digits() -> list[np.ndarray]:
    from aigc_guard.train.data import load_mnist5k

    holdout = load_mnist5k().holdout
    rows = np.random.default_rng(7).choice(len(holdout), 12, replace=False)
    return [holdout.images[row] for row in rows]


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    from sklearn.datasets import load_sample_images

    return [Image.fromarray(array) for array in load_sample_images().images]


@pytest.fixture(scope="module")
def marker() -> DwtDctSvdWatermarker:
    return DwtDctSvdWatermarker()


def _via_png(artifact: Artifact) -> Artifact:
    return Artifact.from_image(load_image_bytes(artifact.to_bytes()))


def _via_jpeg(artifact: Artifact, quality: int) -> Artifact:
    buffer = io.BytesIO()
    artifact.image.save(buffer, format="JPEG", quality=quality)  # type: ignore[union-attr]
    return Artifact.from_image(load_image_bytes(buffer.getvalue()))


def test_upscale_keeps_aspect_and_reaches_min_side() -> None:
    assert upscale_for_watermark(Image.new("L", (28, 28))).size == (256, 256)
    assert upscale_for_watermark(Image.new("RGB", (100, 50))).size == (512, 256)
    big = Image.new("RGB", (300, 400))
    assert upscale_for_watermark(big) is big
    assert upscale_for_watermark(Image.new("P", (10, 10))).mode == "RGB"


def test_digit_round_trip_through_png(marker: DwtDctSvdWatermarker, digits: list) -> None:
    for digit in digits[:6]:
        content_id = new_content_id()
        base = upscale_for_watermark(Image.fromarray(digit))
        marked = _via_png(marker.apply(Artifact.from_image(base), content_id))
        reading = marker.detect(marked)
        assert reading.found and reading.payload == content_id
        assert reading.method == "dwtDctSvd" and reading.details["version"] == "1"


def test_marked_digit_stays_gray_and_close(marker: DwtDctSvdWatermarker, digits: list) -> None:
    base = upscale_for_watermark(Image.fromarray(digits[0]))
    marked = marker.apply(Artifact.from_image(base), new_content_id()).image
    pixels = np.asarray(marked, dtype=np.float64)
    assert marked.mode == "RGB" and marked.size == base.size
    assert np.array_equal(pixels[..., 0], pixels[..., 1])
    assert np.array_equal(pixels[..., 1], pixels[..., 2])
    error = pixels[..., 0] - np.asarray(base, dtype=np.float64)
    psnr = 10 * np.log10(255**2 / np.mean(error**2))
    assert psnr > 28  # headroom (0 -> 8, 255 -> 247) plus the mark
    assert np.abs(error).max() <= 24


def test_photo_pixels_are_not_lifted(marker: DwtDctSvdWatermarker, photos: list) -> None:
    marked = marker.apply(Artifact.from_image(photos[0]), new_content_id()).image
    error = np.asarray(marked, dtype=np.float64) - np.asarray(photos[0], dtype=np.float64)
    assert 10 * np.log10(255**2 / np.mean(error**2)) > 38


def test_digit_mark_survives_jpeg_and_grayscale(marker: DwtDctSvdWatermarker, digits: list) -> None:
    content_id = new_content_id()
    base = upscale_for_watermark(Image.fromarray(digits[1]))
    marked = marker.apply(Artifact.from_image(base), content_id)
    assert marker.detect(_via_jpeg(marked, 75)).payload == content_id
    assert marker.detect(_via_jpeg(marked, 50)).payload == content_id  # needs the headroom
    gray = Artifact.from_image(marked.image.convert("L"))  # type: ignore[union-attr]
    assert marker.detect(gray).payload == content_id


def test_photo_round_trip_png_and_jpeg(marker: DwtDctSvdWatermarker, photos: list) -> None:
    for photo in photos:
        content_id = new_content_id()
        marked = marker.apply(Artifact.from_image(photo), content_id)
        assert marker.detect(_via_png(marked)).payload == content_id
        assert marker.detect(_via_jpeg(marked, 75)).payload == content_id


def test_half_size_copy_is_upscaled_and_read(marker: DwtDctSvdWatermarker, digits: list) -> None:
    content_id = new_content_id()
    base = upscale_for_watermark(Image.fromarray(digits[2]))
    marked = marker.apply(Artifact.from_image(base), content_id).image
    half = marked.resize((128, 128), Image.Resampling.BICUBIC)  # type: ignore[union-attr]
    reading = marker.detect(Artifact.from_image(half))
    assert reading.found and reading.payload == content_id
    assert reading.details["upscaled_from"] == [128, 128]


def test_unmarked_images_are_not_found(
    marker: DwtDctSvdWatermarker, digits: list, photos: list
) -> None:
    images = [upscale_for_watermark(Image.fromarray(d)) for d in digits] + photos
    images.append(Image.new("RGB", (256, 256)))
    images.append(Image.fromarray(np.random.default_rng(1).integers(0, 256, (256, 256, 3), "u1")))
    for image in images:
        reading = marker.detect(Artifact.from_image(image))
        assert not reading.found and reading.payload is None


def test_other_payload_is_not_reported(marker: DwtDctSvdWatermarker, photos: list) -> None:
    first, second = new_content_id(), new_content_id()
    marked = marker.apply(Artifact.from_image(photos[0]), first)
    assert marker.detect(marked).payload == first != second


def test_small_image_raises(marker: DwtDctSvdWatermarker) -> None:
    with pytest.raises(MarkError, match="upscale_for_watermark"):
        marker.apply(Artifact.from_image(Image.new("L", (28, 28))), new_content_id())
    with pytest.raises(MarkError, match=f"{MIN_SIDE}x{MIN_SIDE}"):
        marker.apply(Artifact.from_image(Image.new("RGB", (512, 200))), new_content_id())


def test_bad_payload_and_wrong_kind_raise(marker: DwtDctSvdWatermarker) -> None:
    image = Artifact.from_image(Image.new("RGB", (256, 256)))
    with pytest.raises(MarkError, match="hex"):
        marker.apply(image, "not-hex")
    with pytest.raises(MarkError, match="watermarks images"):
        marker.apply(Artifact.from_text("hi"), new_content_id())
    with pytest.raises(MarkError, match="channel"):
        DwtDctSvdWatermarker(channel="Q")


KEY = WatermarkKey(b"k" * 32)


def test_text_round_trip_and_renders_the_same() -> None:
    marker = ZeroWidthTextWatermarker(KEY)
    text = "The quick brown fox jumps over the lazy dog."
    content_id = new_content_id()
    marked = marker.apply(Artifact.from_text(text), content_id)
    assert marked.text != text
    assert marked.text.replace(ZERO, "").replace(ONE, "").replace("\u2060", "") == text
    assert marked.text.startswith("The\u2060")
    reading = marker.detect(Artifact.from_text(marked.text))
    assert reading.found and reading.payload == content_id and reading.method == "zero-width"
    other_key = ZeroWidthTextWatermarker(WatermarkKey(b"o" * 32))
    assert not other_key.detect(Artifact.from_text(marked.text)).found  # keyed: MAC fails
    again = marker.apply(marked, new_content_id())
    assert marker.detect(again).details["marks_seen"] == 1
    assert strip_marks(marked.text) == text


def test_text_without_or_with_broken_mark_is_not_found() -> None:
    marker = ZeroWidthTextWatermarker(KEY)
    assert not marker.detect(Artifact.from_text("plain text, no marks")).found
    marked = marker.apply(Artifact.from_text("hello world"), new_content_id()).text
    position = marked.index(ZERO) if ZERO in marked else marked.index(ONE)
    flipped = (
        marked[:position] + (ONE if marked[position] == ZERO else ZERO) + marked[position + 1 :]
    )
    reading = marker.detect(Artifact.from_text(flipped))
    assert not reading.found and reading.details["marks_seen"] == 1
    empty = marker.apply(Artifact.from_text(""), new_content_id())
    assert marker.detect(empty).found
    with pytest.raises(MarkError, match="watermarks text"):
        marker.detect(Artifact.from_image(Image.new("L", (4, 4))))


def test_importing_marks_stays_light() -> None:
    code = (
        "import sys, aigc_guard.marks, aigc_guard.marks.text_watermark;"
        "heavy = [m for m in ('cv2', 'imwatermark', 'c2pa', 'torch') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
