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


def _heavy_texture(side: int = 512) -> Image.Image:
    """Grey noise whose amplitude spectrum falls as 1/f^0.6: a texture as busy as
    gravel, which the uniform mark read only 78% of its coded bits from (tuning set)."""
    rng = np.random.default_rng()
    fy, fx = np.fft.fftfreq(side)[:, None], np.fft.rfftfreq(side)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = np.fft.rfft2(rng.normal(size=(side, side))) / radius**0.6
    spectrum[0, 0] = 0
    luma = np.fft.irfft2(spectrum, s=(side, side))
    luma = 128 + 38 * (luma - luma.mean()) / luma.std()
    return Image.fromarray(np.clip(np.rint(luma), 0, 255).astype(np.uint8)).convert("RGB")


def test_heavy_textures_survive_the_target_attacks(marker: KeyedTileWatermarker) -> None:
    """Three fresh textures, four reads each (none, JPEG 50, halving, +20% brightness):
    the first release failed 6 runs of 6 of this test; over 80 such textures, 2 of 240
    attacked reads missed (a 10% crop missed 1 in 40: left to the benchmark)."""
    read = 0
    for _ in range(3):
        texture = _heavy_texture()
        content_id = new_content_id()
        marked = marker.apply(Artifact.from_image(texture), content_id).image
        error = np.asarray(marked, dtype=np.float64) - np.asarray(texture, dtype=np.float64)
        assert 10 * np.log10(255**2 / np.mean(error**2)) >= 40
        half = marked.resize((256, 256), Image.Resampling.BICUBIC).resize(marked.size)
        brighter = ImageEnhance.Brightness(marked).enhance(1.2)
        for image in (marked, _jpeg(marked, 50), half, brighter):
            read += marker.detect(Artifact.from_image(image)).payload == content_id
    assert read >= 10, f"{read} of 12 reads"


def test_uniform_marks_of_the_first_release_still_read(
    marker: KeyedTileWatermarker, photo: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No closed loop = every bit at amplitude 1: the mark version 1 embedded before the
    loop existed. The format did not change, so the detector must still read it."""
    from aigc_guard.marks import keyed_watermark

    monkeypatch.setattr(keyed_watermark, "LOOP_ROUNDS", 0)
    content_id = new_content_id()
    marked = marker.apply(Artifact.from_image(photo), content_id).image
    monkeypatch.undo()
    assert marker.detect(Artifact.from_image(_jpeg(marked, 50))).payload == content_id


def test_amplitudes_go_where_the_host_disagrees_at_the_same_energy() -> None:
    from aigc_guard.marks import informed_amplitudes

    rng = np.random.default_rng()
    host = rng.normal(0, 1.3, 258)
    gain = rng.uniform(0.8, 1.2, 258)
    chips = rng.integers(2, 4, 258)
    amplitudes = informed_amplitudes.choose(host, gain, chips)
    assert np.sum(chips * amplitudes**2) == pytest.approx(np.sum(chips), rel=1e-4)
    assert np.mean(amplitudes[host < -0.5]) > 1 > np.mean(amplitudes[host > 1.0])
    ratio = amplitudes.max() / amplitudes.min()
    assert ratio <= informed_amplitudes.A_MAX / informed_amplitudes.A_MIN + 1e-4
    margins = host + gain * amplitudes
    assert np.mean(margins > 0) > np.mean(host + gain > 0)  # more bits read right


def test_psnr_floor_scales_a_mark_that_rounding_would_push_below_it() -> None:
    from aigc_guard.marks.keyed_watermark import PSNR_FLOOR, _within_psnr

    rng = np.random.default_rng()
    rgb = rng.integers(20, 235, (128, 128, 3)).astype(np.float32)
    delta = rng.normal(0, 4.0, (128, 128)).astype(np.float32)  # about 36 dB as given
    marked = _within_psnr(rgb, delta).astype(np.float64)
    assert 10 * np.log10(255**2 / np.mean((marked - rgb) ** 2)) >= PSNR_FLOOR
