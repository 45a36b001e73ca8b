"""Training data from a folder of images with a labels CSV; every bad input is named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aigc_guard.errors import InputError
from aigc_guard.train.data import load_image_folder, load_training_data


def _folder(tmp_path: Path, n: int = 4, size: tuple[int, int] = (40, 30)) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i}.png")
    (folder / "notes.txt").write_text("not an image, ignored")
    return folder


def _labels(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text("file,label\n" + "\n".join(rows) + "\n")
    return path


def test_folder_is_read_grayscale_resized_and_labelled(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    labels = _labels(tmp_path, [f"img{i}.png,{i % 2}" for i in range(4)])
    data = load_training_data(folder, labels_csv=labels)
    assert data.images.shape == (4, 28, 28) and data.images.dtype == np.uint8
    assert data.labels.tolist() == [0, 1, 0, 1]
    assert "28x28 grayscale" in data.name
    assert data.ids == [f"images/img{i}.png" for i in range(4)]


def test_no_labels_means_one_class(tmp_path: Path) -> None:
    data = load_image_folder(_folder(tmp_path))
    assert data.labels.tolist() == [0, 0, 0, 0]


def test_labels_csv_rows_name_files_by_their_full_name(tmp_path: Path) -> None:
    folder = _folder(tmp_path, n=2)
    labels = _labels(tmp_path, ["img0.png,3", "img1.png,4"])
    assert load_image_folder(folder, labels_csv=labels).labels.tolist() == [3, 4]


def test_mnist5k_is_the_training_split() -> None:
    assert len(load_training_data("mnist5k")) == 4000


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["img0.png,1", "img1.png,1", "img2.png,1"], r"1 images without a label .*img3\.png"),
        ([f"img{i}.png,1" for i in range(4)] + ["ghost.png,2"], "1 labels for no image"),
        (["img0.png,1", "img0.png,2"], "'img0.png' is labelled twice"),
        (["img0.png,one"], "line 2: label 'one' is not a non-negative integer"),
        (["img0.png,-1"], "label '-1' is not a non-negative integer"),
    ],
)
def test_labels_that_do_not_match_are_named(tmp_path: Path, rows: list[str], message: str) -> None:
    folder = _folder(tmp_path)
    with pytest.raises(InputError, match=message):
        load_image_folder(folder, labels_csv=_labels(tmp_path, rows))


def test_labels_file_without_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("img0.png,1\n")
    with pytest.raises(InputError, match="expected the header 'file,label'"):
        load_image_folder(_folder(tmp_path), labels_csv=path)


def test_empty_folder_missing_folder_and_corrupt_image(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("x")
    with pytest.raises(InputError, match="holds no image files"):
        load_image_folder(empty)
    with pytest.raises(InputError, match="data folder not found"):
        load_training_data(tmp_path / "nowhere")
    folder = _folder(tmp_path)
    (folder / "img9.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(InputError, match=r"cannot read image .*img9\.png"):
        load_image_folder(folder)


def test_mixed_sizes_are_refused_with_an_example_of_each(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    Image.new("L", (64, 64)).save(folder / "big.png")
    with pytest.raises(InputError, match=r"mixes image sizes: .*64x64 \(e\.g\. big\.png\)"):
        load_image_folder(folder)


def test_mnist5k_takes_no_labels_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="carries its own labels"):
        load_training_data("mnist5k", labels_csv=tmp_path / "x.csv")
