"""ImageIndex on the real mnist5k digits and sample photos: edits, containers, calibration,
growth, persistence and refusals."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index import NearestMatch, build_mnist5k_index, load_index
from aigc_guard.index.image import ImageIndex
from aigc_guard.train.data import Split, load_mnist5k

ROWS = range(0, 4000, 400)  # ten training digits, one per class


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


def _round_trip(image: Image.Image, factor: float) -> Image.Image:
    small = image.resize((round(image.width * factor), round(image.height * factor)))
    return small.resize(image.size, Image.Resampling.BICUBIC)


def _noise(image: Image.Image, sigma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32) / 255
    noisy = pixels + np.random.default_rng(1).normal(0, sigma, pixels.shape)
    return Image.fromarray((np.clip(noisy, 0, 1) * 255).astype(np.uint8))


def _move(image: Image.Image, dx: int, dy: int) -> Image.Image:
    return image.transform(image.size, Image.Transform.AFFINE, (1, 0, -dx, 0, 1, -dy))


EDITS = {
    "exact": lambda im: im,
    "jpeg60": lambda im: _jpeg(im, 60),
    "shift-2-1": lambda im: _move(im, 2, -1),
    "brightness-15%": lambda im: ImageEnhance.Brightness(im).enhance(0.85),
    "contrast+15%": lambda im: ImageEnhance.Contrast(im).enhance(1.15),
    "noise-0.05": lambda im: _noise(im, 0.05),
    "blur-1": lambda im: im.filter(ImageFilter.GaussianBlur(1.0)),
    "resize-0.6x-round-trip": lambda im: _round_trip(im, 0.6),
    "rotate-8": lambda im: im.rotate(8, resample=Image.Resampling.BILINEAR),
    "rotate-minus-7": lambda im: im.rotate(-7, resample=Image.Resampling.BILINEAR),
    "blur-then-shift": lambda im: _move(im.filter(ImageFilter.GaussianBlur(0.8)), -1, 1),
    "inverted": ImageOps.invert,
    "upscaled-256": lambda im: im.resize((256, 256), Image.Resampling.BICUBIC).convert("RGB"),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_edited_copies_are_flagged_as_their_training_digit(
    index: ImageIndex, split: Split, name: str
) -> None:
    for row in ROWS:
        match = index.nearest(EDITS[name](_image(split, row)))
        assert match.id == split.train.ids[row], name
        assert index.criterion(match) is not None, (name, match)


def test_thresholds_are_calibrated_on_the_held_out_digits(index: ImageIndex, split: Split) -> None:
    calibration = index.manifest["calibration"]
    assert calibration["method"] == "holdout" and calibration["size"] == 1000
    matches = index.nearest_batch([Image.fromarray(a) for a in split.holdout.images])
    rate = np.mean([index.criterion(m) is not None for m in matches])
    assert rate == pytest.approx(calibration["measured_fpr"])
    assert 0.004 <= rate <= 0.012  # target 1%: half by distance, half by the ratio test
    assert 0 < index.threshold < calibration["quantiles"]["0.5"]
    assert 0 < index.ratio_threshold < 1
    # sub-window matches get their own thresholds, from 2x2 grids of the held-out digits
    assert calibration["windows"]["size"] == 250
    assert 0 < index.manifest["window_threshold"] < calibration["quantiles"]["0.5"]


def test_another_digit_data_set_is_rarely_flagged(index: ImageIndex) -> None:
    from sklearn.datasets import load_digits

    images = []
    for array in load_digits().images[:150]:
        small = Image.fromarray((array * 255 / 16).astype(np.uint8)).resize((20, 20))
        canvas = Image.new("L", (28, 28))
        canvas.paste(small, (4, 4))
        images.append(canvas)
    flagged = [index.criterion(m) for m in index.nearest_batch(images)]
    assert sum(f is not None for f in flagged) <= 3  # <= 2% of 150 foreign digits


def test_a_copy_in_a_grid_cell_or_on_a_canvas_is_found_in_its_window(
    index: ImageIndex, split: Split
) -> None:
    copy, others = _image(split, 1234), [Image.fromarray(a) for a in split.holdout.images[:3]]
    grid = Image.new("L", (56, 56))
    for position, tile in enumerate([others[0], others[1], copy, others[2]]):
        grid.paste(tile, ((position % 2) * 28, (position // 2) * 28))
    canvas = Image.new("L", (90, 70))
    canvas.paste(copy, (41, 23))
    for picture in (grid, canvas):
        match = index.nearest(picture)
        assert match.id == split.train.ids[1234]
        assert index.criterion(match) is not None
        assert match.where is not None and match.where.startswith("window ")


def test_other_thresholds_replace_the_whole_image_ones_only(index: ImageIndex) -> None:
    """criterion(match, distance, ratio): another calibration's limits decide a
    whole-image match; a sub-window match keeps the limits of its own calibration."""
    whole = NearestMatch("a", 0.05, ratio=0.3)
    assert index.criterion(whole, 0.06, 0.0) == "distance"
    assert index.criterion(whole, 0.04, 0.31) == "ratio"
    assert index.criterion(whole, 0.04, 0.29) is None
    window = NearestMatch("a", 0.0, ratio=0.0, where="window 0,0")
    assert index.criterion(window, -1.0, -1.0) is not None


def test_junk_matches_nothing_and_tiny_images_are_refused(index: ImageIndex) -> None:
    blank = Image.new("L", (28, 28), 0)
    assert index.nearest(blank) == NearestMatch(None, 1.0)
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    assert index.criterion(index.nearest(noise)) is None
    with pytest.raises(InputError, match="1x1 px is too small"):
        index.nearest(Image.new("L", (1, 1)))
    with pytest.raises(InputError, match="expected a PIL image"):
        index.nearest(np.zeros((28, 28)))  # type: ignore[arg-type]


def test_load_is_memory_mapped_and_answers_the_same(
    saved: tuple[ImageIndex, Path], split: Split
) -> None:
    index, out = saved
    loaded = load_index(out)
    assert isinstance(loaded, ImageIndex) and len(loaded) == 4000
    assert isinstance(loaded._arrays["vectors"], np.memmap)
    assert (loaded.threshold, loaded.ratio_threshold) == (index.threshold, index.ratio_threshold)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"] == {"name": "mnist5k/train", "sha256": split.train.sha256()}
    queries = [Image.fromarray(a) for a in split.holdout.images[:20]]
    assert loaded.nearest_batch(queries) == index.nearest_batch(queries)


def test_add_grows_without_refingerprinting_and_keeps_thresholds(
    saved: tuple[ImageIndex, Path], split: Split, tmp_path: Path
) -> None:
    index, _ = saved
    new = [(f"new/{i}", Image.fromarray(a)) for i, a in enumerate(split.holdout.images[:5])]
    grown = index.add(new)
    assert len(grown) == 4005 and len(index) == 4000
    assert grown.threshold == index.threshold
    out = grown.save(tmp_path / "grown")
    again = ImageIndex.load(out)
    match = again.nearest(_round_trip(new[3][1], 0.6))
    assert match.id == "new/3" and again.criterion(match) is not None
    assert again.manifest["additions"][0]["count"] == 5
    with pytest.raises(InputError, match="twice"):
        again.add(new[:1])


def test_inverted_lists_find_copies_in_a_larger_index(
    split: Split, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import aigc_guard.index.image as image_module

    monkeypatch.setattr(image_module, "IVF_MIN_ITEMS", 1000)
    pairs = [(split.train.ids[i], _image(split, i)) for i in range(2000)]
    index = ImageIndex.build(pairs, holdout=split.holdout, fpr=0.02)
    assert index._lists is not None and index._arrays["centroids"].shape[0] == 44
    for row in range(0, 2000, 200):
        match = index.nearest(EDITS["blur-then-shift"](_image(split, row)))
        assert match.id == split.train.ids[row] and index.criterion(match) is not None
    grown = index.add([("late", _image(split, 3999))])  # joins its nearest list
    assert grown.nearest(_image(split, 3999)).id == "late"
    # items stay stored sorted by list, each id with its own fingerprint
    lists = np.asarray(grown._arrays["lists"])
    assert np.all(np.diff(lists) >= 0) and lists[grown.ids.index("late")] >= 0
    for row in range(0, 2000, 400):
        stored = grown.ids.index(split.train.ids[row])
        assert grown._leave_one_out(stored).id != split.train.ids[row]
        assert grown.nearest(_image(split, row)).id == split.train.ids[row]
    # a folder whose items are not grouped by list (written another way) is refused
    from aigc_guard.index.store import _sha256

    out = grown.save(tmp_path / "ivf")
    np.save(out / "lists.npy", lists[::-1].copy())
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["lists.npy"] = _sha256(out / "lists.npy")
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match="not stored sorted by list"):
        ImageIndex.load(out)


def test_a_probed_list_is_one_slice_and_unsorted_lists_are_refused() -> None:
    from aigc_guard.index.vectors import InvertedLists, span_similarities

    lists = InvertedLists(np.array([0, 0, 1, 3, 3, 3]), 5)  # list 2 and 4 are empty
    assert lists.spans(np.array([3, 0])) == [(0, 2), (3, 6)]
    assert lists.spans(np.array([3, 0, 2, 1])) == [(0, 6)]  # adjacent runs read as one
    assert lists.rows(np.array([4, 2])).size == 0
    embeds = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    probes = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    rows, scores = span_similarities(embeds, lists.spans(np.array([1, 3])), probes)
    assert rows.tolist() == [2, 3, 4, 5]
    np.testing.assert_allclose(scores, np.abs(embeds[2:] @ probes.T).max(axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="not stored sorted"):
        InvertedLists(np.array([1, 0]), 2)


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for file in src.iterdir():
        (dst / file.name).write_bytes(file.read_bytes())
    return dst


@pytest.mark.parametrize(
    ("field", "value"),
    [("algorithm_version", 2), ("algorithm", "pixel-pearson+phash"), ("kind", "text"),
     ("format_version", 99)],
)  # fmt: skip
def test_load_refuses_another_kind_or_version(
    saved: tuple[ImageIndex, Path], tmp_path: Path, field: str, value: object
) -> None:
    out = _copy(saved[1], tmp_path / "copy")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest[field] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match=field):
        ImageIndex.load(out)


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_shift", 2_000_000), ("margin", 10**6), ("angles", [0.0] * 10_000),
     ("angles", [1e9]), ("sigma", float("inf")), ("resolution", 10**6)],
)  # fmt: skip
def test_load_refuses_settings_that_would_size_a_query_past_memory(
    saved: tuple[ImageIndex, Path], tmp_path: Path, field: str, value: object
) -> None:
    """Found by the damaged-folder property test: max_shift=2,000,000 in a manifest made
    the first query ask numpy for 131 TiB. The manifest is not hashed, so load bounds it."""
    out = _copy(saved[1], tmp_path / "copy")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest[field] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match=f"{field}=.*rebuild the index"):
        ImageIndex.load(out)


def test_load_refuses_a_changed_array_or_a_wrong_path(
    saved: tuple[ImageIndex, Path], tmp_path: Path
) -> None:
    out = _copy(saved[1], tmp_path / "copy")
    embeds = np.load(out / "embeds.npy")
    embeds[0] = 0
    np.save(out / "embeds.npy", embeds)
    with pytest.raises(FingerprintIndexError, match=r"embeds\.npy.*SHA-256"):
        load_index(out)
    with pytest.raises(FingerprintIndexError, match=r"nowhere.*index build"):
        load_index(tmp_path / "nowhere")


def test_build_rejects_bad_inputs(split: Split) -> None:
    pairs = [("a", _image(split, 0)), ("a", _image(split, 1))]
    with pytest.raises(InputError, match="twice"):
        ImageIndex.build(pairs, fpr=0.5)
    with pytest.raises(InputError, match="resolution"):
        ImageIndex.build(pairs[:1], resolution=4)
    with pytest.raises(InputError, match="profile"):
        ImageIndex.build(pairs[:1], profile="huge")
    few = [_image(split, row) for row in range(10)]
    with pytest.raises(InputError, match="at least 100 held-out"):
        ImageIndex.build(split.train, holdout=few, fpr=0.01)


@pytest.fixture(scope="module")
def photo_tiles() -> list[tuple[str, Image.Image]]:
    from sklearn.datasets import load_sample_images

    tiles = []
    for number, array in enumerate(load_sample_images().images):
        photo = Image.fromarray(array)
        for top in range(0, 384, 96):
            for left in range(0, 576, 96):
                tile = photo.crop((left, top, left + 96, top + 96))
                if np.asarray(tile.convert("L")).std() > 10:  # featureless sky is a copy of sky
                    tiles.append((f"p{number}/{top}/{left}", tile))
    return tiles


def test_photo_profile_catches_flips_crops_resizes_and_rotations(
    photo_tiles: list[tuple[str, Image.Image]],
) -> None:
    train, fresh = photo_tiles[0::2], [image for _, image in photo_tiles[1::2]]
    index = ImageIndex.build(train, profile="photo", fpr=0.1)
    assert index.manifest["calibration"]["method"] == "leave-one-out"
    for item_id, tile in train[::4]:
        for edit in (
            ImageOps.mirror,
            lambda im: im.crop((5, 9, 91, 95)),  # 10% of each side gone
            lambda im: im.resize((150, 150), Image.Resampling.BICUBIC),
            lambda im: _jpeg(im, 70),
            lambda im: im.rotate(-6.5, resample=Image.Resampling.BILINEAR),  # black corners
            lambda im: _jpeg(im.rotate(4, resample=Image.Resampling.BICUBIC), 75),
        ):
            match = index.nearest(edit(tile))
            assert match.id == item_id and index.criterion(match) is not None
    flagged = [index.criterion(m) is not None for m in index.nearest_batch(fresh)]
    assert sum(flagged) <= 0.2 * len(fresh)  # calibrated at 10% on only ~20 tiles


def test_image_folder_skips_and_lists_bad_files(tmp_path: Path, split: Split) -> None:
    from aigc_guard.index.image_folder import read_image_folder

    for row in range(3):
        _image(split, row).save(tmp_path / f"{row}.png")
    good = (tmp_path / "0.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(good[: len(good) // 2])
    (tmp_path / "letter.jpg").write_text("not an image")
    items, skipped = read_image_folder(tmp_path)
    assert [name for name, _ in items] == ["0.png", "1.png", "2.png"]
    assert {name for name, _ in skipped} == {"truncated.png", "letter.jpg"}
    with pytest.raises(InputError, match="not a folder"):
        read_image_folder(tmp_path / "0.png")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no PNG, JPEG or WebP"):
        read_image_folder(empty)


def test_import_is_light() -> None:
    code = (
        "import sys, aigc_guard.index; "
        "print([m for m in ('imagehash', 'datasketch', 'cv2') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_builds_grows_and_recalibrates_a_folder_index(tmp_path: Path, split: Split) -> None:
    from typer.testing import CliRunner

    from aigc_guard.cli.app import app

    train, held, more = tmp_path / "train", tmp_path / "held", tmp_path / "more"
    for folder, rows in ((train, range(0, 4000, 40)), (held, range(100)), (more, range(2))):
        folder.mkdir()
        for row in rows:
            images = split.holdout.images if folder == held else split.train.images
            Image.fromarray(images[row + (1 if folder == more else 0)]).save(folder / f"{row}.png")
    (train / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out = tmp_path / "idx"
    runner = CliRunner()
    built = runner.invoke(app, ["index", "build", "--data", str(train), "--heldout", str(held),
                                "--out", str(out)])  # fmt: skip
    assert built.exit_code == 0, built.output
    assert "skipped broken.png" in built.output and "indexed 100 images" in built.output
    clash = runner.invoke(app, ["index", "add", "--index", str(out), "--data", str(more)])
    assert clash.exit_code == 2 and "0.png" in clash.output and "twice" in clash.output
    for file in more.iterdir():
        file.rename(more / f"late-{file.name}")
    grown = runner.invoke(app, ["index", "add", "--index", str(out), "--data", str(more)])
    assert grown.exit_code == 0, grown.output
    assert len(ImageIndex.load(out)) == 102
    calibrated = runner.invoke(
        app, ["index", "calibrate", "--index", str(out), "--heldout", "mnist5k", "--fpr", "0.02"]
    )
    assert calibrated.exit_code == 0, calibrated.output
    assert ImageIndex.load(out).manifest["calibration"]["size"] == 1000
    wrong = runner.invoke(app, ["index", "calibrate", "--index", str(tmp_path / "no"),
                                "--heldout", "mnist5k"])  # fmt: skip
    assert wrong.exit_code == 2 and "no fingerprint index folder" in wrong.output
