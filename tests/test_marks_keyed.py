"""The keyed image watermark: round trip, the attacks it must survive, keys, bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from aigc_guard.artifacts import Artifact
from aigc_guard.credentials.watermark_key import WatermarkKey
from aigc_guard.errors import MarkError
from aigc_guard.marks import convolutional
from aigc_guard.marks.keyed_watermark import KeyedTileWatermarker
from aigc_guard.marks.payload import KEYED_BITS, keyed_bits, new_content_id, open_keyed_bits


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    from sklearn.datasets import load_sample_image

    return Image.fromarray(load_sample_image("china.jpg")).crop((0, 0, 512, 384))


@pytest.fixture(scope="module")
def marker() -> KeyedTileWatermarker:
    return KeyedTileWatermarker(WatermarkKey.generate())


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def test_payload_needs_the_key_to_write_and_read() -> None:
    key, other = WatermarkKey.generate(), WatermarkKey.generate()
    content_id = new_content_id()
    bits = keyed_bits(content_id, key)
    assert len(bits) == KEYED_BITS and open_keyed_bits(bits, key) == content_id
    assert open_keyed_bits(bits, other) is None
    flipped = [*bits[:-1], 1 - bits[-1]]
    assert open_keyed_bits(flipped, key) is None
    assert keyed_bits(content_id, other) != bits  # the id is not readable without the key


def test_viterbi_corrects_errors() -> None:
    rng = np.random.default_rng(0)
    message = [int(b) for b in rng.integers(0, 2, KEYED_BITS)]
    coded = np.array(convolutional.encode(message), dtype=np.float32) * 2 - 1
    noisy = coded + rng.normal(0, 0.8, coded.shape).astype(np.float32)
    assert np.mean((noisy > 0) != (coded > 0)) > 0.05  # real errors to correct
    assert convolutional.viterbi(noisy, KEYED_BITS) == message


def test_survives_the_target_attacks(marker: KeyedTileWatermarker, photo: Image.Image) -> None:
    content_id = new_content_id()
    marked = marker.apply(Artifact.from_image(photo), content_id).image
    pixels = np.asarray(photo, dtype=np.float64)
    psnr = 10 * np.log10(255**2 / np.mean((np.asarray(marked, dtype=np.float64) - pixels) ** 2))
    assert psnr >= 40
    half = marked.resize((256, 192), Image.Resampling.BICUBIC).resize(marked.size)
    attacked = {
        "jpeg50": _jpeg(marked, 50),
        "half": half,
        "crop": marked.crop((37, 21, 37 + 461, 21 + 345)),
        "brighter": ImageEnhance.Brightness(marked).enhance(1.2),
        "darker": ImageEnhance.Brightness(marked).enhance(0.8),
        "screenshot": _jpeg(marked.resize((384, 288), Image.Resampling.LANCZOS), 70),
    }
    for name, image in attacked.items():
        reading = marker.detect(Artifact.from_image(image))
        assert reading.payload == content_id, name
    assert marker.detect(Artifact.from_image(attacked["crop"])).details["shift"] != [0, 0]


def test_unmarked_and_foreign_keys_are_not_found(
    marker: KeyedTileWatermarker, photo: Image.Image
) -> None:
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8))
    for image in (photo, noise, Image.new("RGB", (256, 256), (90, 90, 90))):
        assert not marker.detect(Artifact.from_image(image)).found
    foreign = KeyedTileWatermarker(WatermarkKey.generate())
    stamped = foreign.apply(Artifact.from_image(photo), new_content_id())
    assert not marker.detect(stamped).found


def test_bad_input_is_a_clear_error(marker: KeyedTileWatermarker) -> None:
    with pytest.raises(MarkError, match="at least 64x64"):
        marker.apply(Artifact.from_image(Image.new("RGB", (50, 300))), new_content_id())
    with pytest.raises(MarkError, match="hex"):
        marker.apply(Artifact.from_image(Image.new("RGB", (128, 128))), "zz")
    with pytest.raises(MarkError, match="watermarks images"):
        marker.apply(Artifact.from_text("hello"), new_content_id())
    assert not marker.detect(Artifact.from_image(Image.new("RGB", (20, 20)))).found
