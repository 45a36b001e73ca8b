"""ImageIndex on the real mnist5k digits: calibration, robustness, save/load, refusals."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index import NearestMatch, build_mnist5k_index, load_index
from aigc_guard.index.image import ImageIndex
from aigc_guard.train.data import Split, load_mnist5k


@pytest.fixture(scope="module")
def split() -> Split:
    return load_mnist5k()


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImageIndex, Path]:
    out = tmp_path_factory.mktemp("index") / "mnist5k"
    return build_mnist5k_index(out), out


@pytest.fixture(scope="module")
def index(saved: tuple[ImageIndex, Path]) -> ImageIndex:
    return saved[0]


def _image(split: Split, row: int) -> Image.Image:
    return Image.fromarray(split.train.images[row])


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def test_every_training_image_is_its_own_near_duplicate(index: ImageIndex, split: Split) -> None:
    images = [Image.fromarray(a) for a in split.train.images]
    matches = index.nearest_batch(images)
    distances = np.array([m.distance for m in matches])
    assert distances.max() < 1e-4
    assert (distances <= index.threshold).all()
    same_id = np.mean([m.id == i for m, i in zip(matches, split.train.ids, strict=True)])
    assert same_id > 0.995  # the rest are exact duplicate digits in MNIST itself
    assert all(m.phash_distance == 0 for m in matches[:100])


def test_threshold_is_the_calibrated_quantile(index: ImageIndex, split: Split) -> None:
    manifest = index.manifest
    assert manifest["calibration"]["method"] == "holdout"
    assert manifest["calibration"]["size"] == 1000
    matches = index.nearest_batch([Image.fromarray(a) for a in split.holdout.images])
    rate = np.mean([m.distance <= index.threshold for m in matches])
    assert rate == pytest.approx(0.01, abs=0.002)
    assert manifest["calibration"]["measured_fpr"] == pytest.approx(rate)
    assert 0.0 < index.threshold < manifest["calibration"]["quantiles"]["0.5"]


def test_fpr_holds_on_data_not_used_for_calibration(split: Split) -> None:
    images = [Image.fromarray(a) for a in split.holdout.images]
    index = ImageIndex.build(split.train, holdout=images[0::2], fpr=0.05)
    fresh = images[1::2]
    rate = np.mean([m.distance <= index.threshold for m in index.nearest_batch(fresh)])
    assert 0.01 <= rate <= 0.10  # target 5% on 500 unseen digits


def test_upscaled_256_copy_is_flagged_at_about_the_same_distance(
    index: ImageIndex, split: Split
) -> None:
    for row in (0, 1234, 3999):
        original = _image(split, row)
        for method in (Image.Resampling.NEAREST, Image.Resampling.BICUBIC):
            big = original.resize((256, 256), method).convert("RGB")
            match = index.nearest(big)
            assert match.id == split.train.ids[row]
            assert match.distance < 0.3 * index.threshold
            assert match.phash_distance is not None and match.phash_distance <= 6


@pytest.mark.parametrize(
    "edit",
    [
        lambda im: _jpeg(im.resize((256, 256), Image.Resampling.BICUBIC), 75),
        lambda im: Image.fromarray(np.roll(np.asarray(im), 1, axis=1)),
        lambda im: Image.fromarray(np.roll(np.asarray(im), -1, axis=0)),
        lambda im: ImageEnhance.Brightness(im).enhance(1.1),
        lambda im: ImageEnhance.Contrast(im).enhance(0.7),
    ],
    ids=["upscale-jpeg75", "shift-right", "shift-up", "brightness+10%", "contrast-30%"],
)
def test_lightly_edited_copies_are_flagged(index: ImageIndex, split: Split, edit) -> None:
    rows = range(0, 4000, 400)
    matches = index.nearest_batch([edit(_image(split, row)) for row in rows])
    for row, match in zip(rows, matches, strict=True):
        assert match.id == split.train.ids[row]
        assert match.distance <= index.threshold


def test_different_digits_and_junk_are_not_flagged(index: ImageIndex, split: Split) -> None:
    # a held-out digit of another class than the training digit it is compared with
    seven = Image.fromarray(split.holdout.images[split.holdout.labels == 7][0])
    assert index.nearest(seven).distance > index.threshold
    blank = Image.new("L", (28, 28), 0)
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    for image in (blank, noise):
        assert index.nearest(image).distance > index.threshold
    assert index.nearest(blank) == NearestMatch(None, 1.0)  # a flat image matches nothing


def test_save_load_round_trip(saved: tuple[ImageIndex, Path], split: Split) -> None:
    index, out = saved
    loaded = load_index(out)
    assert isinstance(loaded, ImageIndex)
    assert len(loaded) == 4000
    assert loaded.threshold == index.threshold
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "image"
    assert manifest["source"] == {"name": "mnist5k/train", "sha256": split.train.sha256()}
    queries = [Image.fromarray(a) for a in split.holdout.images[:20]]
    assert loaded.nearest_batch(queries) == index.nearest_batch(queries)


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for file in src.iterdir():
        (dst / file.name).write_bytes(file.read_bytes())
    return dst


@pytest.mark.parametrize(
    ("field", "value"),
    [("algorithm_version", 99), ("algorithm", "phash-only"), ("kind", "text"), ("max_shift", 2)],
)
def test_load_refuses_a_tampered_manifest(
    saved: tuple[ImageIndex, Path], tmp_path: Path, field: str, value: object
) -> None:
    out = _copy(saved[1], tmp_path / "copy")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest[field] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match=field):
        ImageIndex.load(out)


def test_load_refuses_a_changed_array(saved: tuple[ImageIndex, Path], tmp_path: Path) -> None:
    out = _copy(saved[1], tmp_path / "copy")
    vectors = np.load(out / "vectors.npy")
    vectors[0] = 0
    np.save(out / "vectors.npy", vectors)
    with pytest.raises(FingerprintIndexError, match=r"vectors\.npy.*SHA-256"):
        load_index(out)


def test_missing_folder_names_path_and_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(FingerprintIndexError, match=r"nowhere.*index build"):
        load_index(tmp_path / "nowhere")


def test_save_replaces_an_index_but_not_a_foreign_folder(tmp_path: Path, split: Split) -> None:
    pairs = [(f"d{i}", Image.fromarray(a)) for i, a in enumerate(split.train.images[:300])]
    small = ImageIndex.build(pairs, fpr=0.01)
    assert small.manifest["calibration"]["method"] == "leave-one-out"
    target = small.save(tmp_path / "idx")
    ImageIndex.build(pairs[:200], fpr=0.01).save(target)
    assert len(ImageIndex.load(target)) == 200
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]  # no temp folder left behind
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(FingerprintIndexError, match="refusing"):
        small.save(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_build_rejects_bad_inputs(split: Split) -> None:
    pairs = [("a", _image(split, 0)), ("a", _image(split, 1))]
    with pytest.raises(InputError, match="twice"):
        ImageIndex.build(pairs, fpr=0.5)
    with pytest.raises(InputError, match="resolution"):
        ImageIndex.build(pairs[:1], resolution=4)
    few = [_image(split, row) for row in range(10)]
    with pytest.raises(InputError, match="at least 100 held-out"):
        ImageIndex.build(split.train, holdout=few, fpr=0.01)


def test_import_is_light() -> None:
    code = (
        "import sys, aigc_guard.index; "
        "print([m for m in ('imagehash', 'datasketch') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
