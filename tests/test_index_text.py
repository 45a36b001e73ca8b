"""TextIndex with real datasketch MinHash LSH: copies found, unrelated texts not, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from faker import Faker

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index import load_index
from aigc_guard.index.text import TextIndex, lsh_bands, normalise, shingles


@pytest.fixture(scope="module")
def corpus() -> tuple[list[tuple[str, str]], list[str]]:
    fake = Faker("en_US")
    fake.seed_instance(7)
    train = [(f"doc-{i}", fake.paragraph(nb_sentences=6)) for i in range(1500)]
    holdout = [fake.paragraph(nb_sentences=6) for _ in range(200)]
    return train, holdout


@pytest.fixture(scope="module")
def index(corpus: tuple[list[tuple[str, str]], list[str]]) -> TextIndex:
    train, holdout = corpus
    return TextIndex.build(train, holdout=holdout, fpr=0.01, source_name="faker-paragraphs")


def _edit_words(text: str, every: int) -> str:
    words = text.split(" ")
    for i in range(2, len(words), every):
        words[i] = "zebra"
    return " ".join(words)


def test_verbatim_copy_is_found_at_distance_zero(index: TextIndex, corpus) -> None:
    train, _ = corpus
    for item_id, text in train[:50]:
        match = index.nearest(text)
        assert match.id == item_id
        assert match.distance == 0.0


def test_lightly_edited_copies_are_found(index: TextIndex, corpus) -> None:
    train, _ = corpus
    for item_id, text in train[100:150]:
        variants = [
            _edit_words(text, 12),  # one word in twelve replaced
            text.upper().replace(".", "!"),  # case and punctuation do not count
            "  ".join(text.split(" ")) + " Thanks.",  # spacing and a short addition
        ]
        for variant in variants:
            match = index.nearest(variant)
            assert match.id == item_id
            assert match.distance <= index.threshold


def test_unrelated_texts_are_not_flagged(index: TextIndex) -> None:
    fake = Faker("en_US")
    fake.seed_instance(99)
    fresh = [fake.paragraph(nb_sentences=6) for _ in range(100)]
    fresh.append("Quarterly revenue grew while the board discussed the new warehouse lease.")
    distances = np.array([index.nearest(text).distance for text in fresh])
    assert (distances > index.threshold).all()
    assert index.nearest("").id is None


def test_calibration_is_recorded(index: TextIndex) -> None:
    calibration = index.manifest["calibration"]
    assert calibration["method"] == "holdout"
    assert calibration["size"] == 200
    assert index.threshold <= calibration["ceiling"] == 0.5
    assert calibration["measured_fpr"] <= 0.01


def test_heavily_edited_text_is_farther_than_threshold(index: TextIndex, corpus) -> None:
    train, _ = corpus
    text = train[3][1]
    assert index.nearest(_edit_words(text, 2)).distance > index.threshold


def test_save_load_round_trip_rebuilds_lsh(index: TextIndex, corpus, tmp_path: Path) -> None:
    train, holdout = corpus
    index.save(tmp_path / "text")
    loaded = load_index(tmp_path / "text")
    assert isinstance(loaded, TextIndex)
    assert len(loaded) == len(train)
    assert loaded.manifest == {**index.manifest, "files": loaded.manifest["files"]}
    for text in [train[10][1], _edit_words(train[11][1], 10), holdout[0]]:
        assert loaded.nearest(text) == index.nearest(text)
    assert not any(p.suffix == ".pkl" for p in (tmp_path / "text").iterdir())


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("algorithm_version",), 2, "algorithm_version"),
        (("kind",), "image", "kind"),
        (("shingle", "hash"), "sha1-32", "shingle.hash"),
        (("minhash", "scheme"), "legacy", "minhash.scheme"),
    ],
)
def test_load_refuses_other_schemes(index: TextIndex, tmp_path: Path, path, value, field) -> None:
    out = index.save(tmp_path / "text")
    manifest = json.loads((out / "manifest.json").read_text())
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match=field.replace(".", r"\.")):
        TextIndex.load(out)


def test_load_refuses_wrong_num_perm(index: TextIndex, tmp_path: Path) -> None:
    out = index.save(tmp_path / "text")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["minhash"]["num_perm"] = 64
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match="num_perm=64"):
        TextIndex.load(out)


def test_shingles_are_normalised_and_stable() -> None:
    assert normalise("Héllo,  WORLD!\n") == "héllo world"
    a = shingles("The quick brown fox.", unit="char", n=5)
    assert a.dtype == np.uint64 and np.all(np.diff(a.astype(np.float64)) > 0)
    assert np.array_equal(a, shingles("the QUICK   brown fox", unit="char", n=5))
    assert shingles("two words", unit="word", n=5).size == 1
    assert shingles("!!!", unit="char", n=5).size == 0


def test_lsh_bands_reach_the_threshold() -> None:
    bands, rows = lsh_bands(128, 0.5)
    assert bands * rows <= 128
    assert 1 - (1 - 0.5**rows) ** bands >= 0.995
    assert 1 - (1 - 0.5 ** (rows + 1)) ** (128 // (rows + 1)) < 0.995


def test_build_rejects_bad_inputs() -> None:
    with pytest.raises(InputError, match="twice"):
        TextIndex.build([("a", "one text"), ("a", "another text")])
    with pytest.raises(InputError, match="shingle"):
        TextIndex.build([("a", "text")], shingle="byte")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least 100"):
        TextIndex.build([("a", "text")], holdout=["x"] * 5, fpr=0.01)
    with pytest.raises(InputError, match=r"items\[0\]"):
        TextIndex.build([("a", 3)])  # type: ignore[list-item]
