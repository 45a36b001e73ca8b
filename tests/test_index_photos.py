"""The photo profile's search: rotation views, the crop/rotation scoring and turned-back
hashes, checked against direct computations on real photo crops."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aigc_guard.index import photos
from aigc_guard.index.image import ImageIndex, thumbnail, to_gray
from aigc_guard.index.vectors import low_pass, unit_rows


@pytest.fixture(scope="module")
def crops() -> list[tuple[str, Image.Image]]:
    """Non-overlapping crops of 100-140 px of scikit-learn's two sample photos."""
    from sklearn.datasets import load_sample_images

    out = []
    for number, array in enumerate(load_sample_images().images):
        photo = Image.fromarray(array)
        for top in range(0, 420, 140):
            for left in range(0, 500, 140):
                crop = photo.crop((left, top, left + 140, top + 100 + (left // 140) * 10))
                if np.asarray(crop.convert("L")).std() > 10:  # featureless sky is a copy of sky
                    out.append((f"p{number}/{top}/{left}", crop))
    return out


@pytest.mark.parametrize(
    ("width", "height", "angle"), [(100, 100, 8), (160, 100, -6), (90, 130, 3)]
)
def test_inscribed_share_keeps_the_rotation_fill_out(width: int, height: int, angle: float) -> None:
    import cv2

    ones = np.ones((height, width), dtype=np.float32)
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, 1.0)
    turned = cv2.warpAffine(ones, matrix, (width, height), borderValue=0.0)
    share = photos.inscribed_share(width, height, angle)
    keep_w, keep_h = int(width * share), int(height * share)
    left, top = (width - keep_w + 1) // 2, (height - keep_h + 1) // 2
    inner = turned[top : top + keep_h, left : left + keep_w]
    assert inner.min() > 0.9  # no fill inside (bilinear edges blend at most a little)
    grown = round(1.1 * keep_w), round(1.1 * keep_h)  # 10% more would take some fill in
    left, top = (width - grown[0]) // 2, (height - grown[1]) // 2
    assert turned[top : top + grown[1], left : left + grown[0]].min() < 0.5
    assert photos.inscribed_share(width, height, 0.0) == pytest.approx(1.0)


def _detrended(values: np.ndarray, height: int, width: int) -> np.ndarray:
    """Residual of a least-squares fit of 1, x, y, x^2, xy, y^2 (computed directly)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y, x = y.ravel(), x.ravel()
    design = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return values - design @ coef


def test_view_scores_are_the_correlation_of_each_detrended_window() -> None:
    assert photos.TREND_DEGREE == 2  # what _detrended fits
    rng = np.random.default_rng(3)
    side, margin = 32, 3
    items = unit_rows(np.stack([low_pass(rng.random((side, side), dtype=np.float32), 2.0)
                                for _ in range(5)]))  # fmt: skip
    query = rng.random((70, 90), dtype=np.float32)
    views = photos.crop_views(thumbnail(query, side), side, 2.0, margin)
    views += photos.rotated_views(query, side, 2.0, margin, (-8.0, 5.0))
    grids = items.reshape(-1, side, side).astype(np.float64)
    direct = np.zeros(len(items))
    for view in views:
        height, width = view.pattern.shape
        pattern = _detrended(view.pattern.ravel(), height, width)
        assert np.allclose(pattern, view.pattern.ravel(), atol=1e-9)  # already detrended
        for top in view.tops:
            for left in view.lefts:
                for row, grid in enumerate(grids):
                    window = grid[top : top + height, left : left + width].ravel()
                    residual = _detrended(window, height, width)
                    r = residual @ pattern / np.linalg.norm(residual) / np.linalg.norm(pattern)
                    direct[row] = max(direct[row], abs(r))
    assert np.allclose(photos.crop_similarities(items, views, side), direct, atol=1e-6)


def test_a_smooth_gradient_matches_nothing() -> None:
    """Two photos' smooth shading no longer makes them alike: a pure gradient has no
    content left once the trend is removed, so it is never reported as a copy."""
    y, x = np.mgrid[0:40, 0:50].astype(np.float32)
    gradient = (0.2 + 0.01 * x + 0.004 * y + 0.0001 * x * x).astype(np.float32)
    views = photos.crop_views(thumbnail(gradient, 32), 32, 2.0, 3)
    assert all(not view.pattern.any() for view in views)


def test_turned_back_hashes_bring_a_rotated_copy_near(crops: list[tuple[str, Image.Image]]) -> None:
    original = crops[3][1]
    rotated = original.rotate(7.0, resample=Image.Resampling.BILINEAR)
    plain = photos.hash_rows(original)[0]
    rows = photos.hash_rows(rotated, photos.HASH_ANGLES)
    assert rows.shape == (2 + len(photos.HASH_ANGLES), len(photos.HASHES))
    bits = np.bitwise_count(np.bitwise_xor(rows, plain[None, :])).sum(axis=1)
    assert bits[2:].min() < bits[0]  # turned back (-7 degrees) beats the rotated copy as is


def test_rotated_copies_are_flagged_as_their_item(crops: list[tuple[str, Image.Image]]) -> None:
    train = crops[0::2]
    index = ImageIndex.build(train, profile="photo", fpr=0.1)
    for item_id, crop in train[::3]:
        for angle in (-7.5, -3.0, 5.0, 8.0):
            copy = crop.rotate(angle, resample=Image.Resampling.BILINEAR)
            match = index.nearest(copy)
            assert match.id == item_id and index.criterion(match) is not None
    # without the rotation views the same copies sit much farther from their item
    gray = to_gray(train[0][1].rotate(8.0, resample=Image.Resampling.BILINEAR))
    item = np.asarray(index._arrays["vectors"][:1], dtype=np.float32)
    s = index.settings
    crop_only = photos.crop_views(thumbnail(gray, s.resolution), s.resolution, s.sigma, 3)
    turned = photos.rotated_views(gray, s.resolution, s.sigma, 3, photos.ANGLES)
    before = 1 - photos.crop_similarities(item, crop_only, s.resolution)[0]
    after = 1 - photos.crop_similarities(item, crop_only + turned, s.resolution)[0]
    assert after < before / 3
