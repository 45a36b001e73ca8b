"""TextIndex (real datasketch MinHash, real files): near-duplicates, verbatim spans with
offsets, memory-mapped segments grown by `add`, and refusals of anything else."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from faker import Faker

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index import load_index
from aigc_guard.index.text import TextIndex, lsh_bands, span_params
from aigc_guard.index.text_hashing import char_kgrams, normalise, normalise_with_map, winnow

Corpus = tuple[list[tuple[str, str]], list[str]]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    fake = Faker("en_US")
    fake.seed_instance(7)
    train = [(f"doc-{i}", fake.paragraph(nb_sentences=6)) for i in range(600)]
    holdout = [fake.paragraph(nb_sentences=6) for _ in range(150)]
    return train, holdout


@pytest.fixture(scope="module")
def index(corpus: Corpus) -> TextIndex:
    train, holdout = corpus
    return TextIndex.build(train, holdout=holdout, fpr=0.01, source_name="faker-paragraphs")


@pytest.fixture(scope="module")
def fresh() -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(99)
    return [fake.paragraph(nb_sentences=6) for _ in range(60)]


def _edit_words(text: str, share: float, rng: random.Random) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, int(len(words) * share))):
        words[i] = "zebra"
    return " ".join(words)


def test_exact_copy_is_found_at_distance_zero_with_a_whole_span(index: TextIndex, corpus) -> None:
    train, _ = corpus
    for item_id, text in train[:20]:
        match = index.nearest(text)
        assert (match.id, match.distance) == (item_id, 0.0)
        assert index.flags(match) == ["near-duplicate", "verbatim-span"]
        span = match.spans[0]
        assert (span.id, span.output_start, span.record_start) == (item_id, 0, 0)
        assert span.output_end == span.record_end == len(text.rstrip("."))


def test_copies_with_up_to_a_tenth_of_words_changed_are_found(index: TextIndex, corpus) -> None:
    train, _ = corpus
    rng = random.Random(1)
    for item_id, text in train[100:140]:
        variants = [
            _edit_words(text, 0.10, rng),
            text.upper().replace(".", "!").replace(" ", "  "),
            "Dear team, as promised: " + _edit_words(text, 0.10, rng) + " Best regards, Sam.",
        ]
        for variant in variants:
            match = index.nearest(variant)
            assert match.id == item_id
            assert "near-duplicate" in index.flags(match)


def test_a_copied_run_inside_a_longer_output_is_found_with_offsets_in_both(
    index: TextIndex, corpus, fresh: list[str]
) -> None:
    train, _ = corpus
    rng = random.Random(2)
    for (item_id, text), filler in zip(train[200:240], fresh, strict=False):
        start = rng.randint(0, len(text) - 60)
        run = text[start : start + 55]
        output = f"{filler[:150]} {run} {filler[150:]}"
        match = index.nearest(output)
        assert index.flags(match) == ["verbatim-span"], (output, match)
        span = next(s for s in match.spans if s.id == item_id)
        copied = output[span.output_start : span.output_end]
        source = text[span.record_start : span.record_end]
        assert normalise(copied) == normalise(source)
        where = len(filler[:150]) + 1  # the run's offset in the output
        assert span.output_start <= where + 2 and span.output_end >= where + len(run) - 2


def test_runs_shorter_than_min_span_are_not_flagged(corpus, fresh: list[str]) -> None:
    train, _ = corpus
    index = TextIndex.build(train[:100], min_span=80)
    text = train[5][1]
    short = f"{fresh[0]} {text[10:70]} {fresh[1]}"  # 60 characters copied
    long = f"{fresh[0]} {text[10:100]} {fresh[1]}"  # 90 characters copied
    assert not index.nearest(short).spans
    assert [s.id for s in index.nearest(long).spans] == [train[5][0]]
    assert index.manifest["span"]["min_chars"] == 80


def test_unrelated_texts_are_not_flagged(index: TextIndex, fresh: list[str]) -> None:
    flagged = [text for text in fresh if index.flags(index.nearest(text))]
    assert flagged == []
    assert index.nearest("").id is None and index.nearest("!!! ...").spans == ()


def test_boilerplate_held_by_many_records_is_not_a_verbatim_span(fresh: list[str]) -> None:
    notice = "This message is confidential and intended only for the addressee named above."
    records = [(f"mail-{i}", f"{fresh[i]} {notice}") for i in range(10)]
    output = f"Hello there. {notice} See you soon."
    eidetic = TextIndex.build(records, max_records=2)
    assert eidetic.nearest(output).spans == ()  # ten records hold it: not one record's text
    literal = TextIndex.build(records, max_records=10)
    spans = literal.nearest(output).spans
    assert spans and all(span.id.startswith("mail-") for span in spans)


def test_calibration_is_recorded(index: TextIndex) -> None:
    calibration = index.manifest["calibration"]
    assert calibration["method"] == "holdout" and calibration["size"] == 150
    assert index.threshold <= calibration["ceiling"] == 0.5
    assert calibration["measured_fpr"] <= 0.01
    assert calibration["span_flag_rate"] == 0.0


def test_save_load_is_memory_mapped_and_answers_the_same(
    index: TextIndex, corpus, tmp_path: Path
) -> None:
    train, holdout = corpus
    index.save(tmp_path / "text")
    loaded = load_index(tmp_path / "text")
    assert isinstance(loaded, TextIndex) and len(loaded) == len(train)
    segment = loaded._segments[0]
    assert isinstance(segment.anchor_hash, np.memmap) and isinstance(segment.band_key, np.memmap)
    rng = random.Random(3)
    for text in [train[10][1], _edit_words(train[11][1], 0.1, rng), holdout[0]]:
        assert loaded.nearest(text) == index.nearest(text)
    assert not list((tmp_path / "text").rglob("*.pkl"))


def test_add_grows_the_index_without_rewriting_it(index: TextIndex, corpus, tmp_path: Path) -> None:
    train, _ = corpus
    folder = index.save(tmp_path / "text")
    first = {p: p.stat().st_mtime_ns for p in (folder / "seg-000000").iterdir()}
    fake = Faker("en_US")
    fake.seed_instance(123)
    extra = [(f"new-{i}", fake.paragraph(nb_sentences=6)) for i in range(30)]
    assert TextIndex.add(folder, extra) == len(train) + 30
    assert {p: p.stat().st_mtime_ns for p in (folder / "seg-000000").iterdir()} == first
    grown = TextIndex.load(folder)
    assert len(grown) == len(train) + 30
    assert grown.nearest(extra[4][1]).id == "new-4"
    assert grown.nearest(train[4][1]).id == "doc-4"
    assert grown.threshold == index.threshold
    with pytest.raises(InputError, match=r"new-0.*twice"):
        TextIndex.add(folder, [("new-0", "again a record with the same id as before")])
    merged = grown.save(tmp_path / "merged")  # save after add: one segment again
    assert [p.name for p in merged.iterdir() if p.is_dir()] == ["seg-000000"]
    assert TextIndex.load(merged).nearest(extra[7][1]).id == "new-7"


def test_an_interrupted_add_leaves_the_index_readable(index: TextIndex, tmp_path: Path) -> None:
    folder = index.save(tmp_path / "text")
    shutil.copytree(folder / "seg-000000", folder / "seg-000001")  # written, never listed
    (folder / ".seg-000002").mkdir()  # half written
    assert len(TextIndex.load(folder)) == len(index)
    TextIndex.add(folder, [("late", "A late record about lighthouses and their keepers at night.")])
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["seg-000000", "seg-000001"]
    assert len(TextIndex.load(folder)) == len(index) + 1


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("algorithm_version",), 1, "algorithm_version"),
        (("kind",), "image", "kind"),
        (("shingle", "hash"), "sha1-32", "shingle.hash"),
        (("span", "hash"), "rabin", "span.hash"),
        (("minhash", "scheme"), "legacy", "minhash.scheme"),
        # numbers that size a query: a hostile manifest must not ask for gigabytes
        (("minhash", "num_perm"), 10**9, "minhash.num_perm"),
        (("shingle", "n"), 10**6, "shingle.n"),
        (("lsh", "bands"), 10**6, "lsh bands"),
        (("span", "window"), 10**6, "span window"),
        (("span", "max_candidates"), 10**9, "span max_candidates"),
    ],
)
def test_load_refuses_other_kinds_versions_and_schemes(
    index: TextIndex, tmp_path: Path, path, value, field
) -> None:
    out = index.save(tmp_path / "text")
    manifest = json.loads((out / "manifest.json").read_text())
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FingerprintIndexError, match=field.replace(".", r"\.")):
        TextIndex.load(out)


def test_load_refuses_changed_or_missing_files_and_wrong_paths(
    index: TextIndex, tmp_path: Path
) -> None:
    out = index.save(tmp_path / "text")
    texts = out / "seg-000000" / "texts.bin"
    texts.write_bytes(texts.read_bytes().replace(b"a", b"e", 1))
    with pytest.raises(FingerprintIndexError, match="SHA-256"):
        TextIndex.load(out)
    texts.unlink()
    with pytest.raises(FingerprintIndexError, match="missing"):
        TextIndex.load(out)
    with pytest.raises(FingerprintIndexError, match="no fingerprint index folder"):
        TextIndex.load(tmp_path / "nowhere")


def test_build_rejects_bad_records_and_options() -> None:
    with pytest.raises(InputError, match="twice"):
        TextIndex.build([("a", "one text here"), ("a", "another text here")])
    with pytest.raises(InputError, match="'b': empty text"):
        TextIndex.build([("a", "a fine record"), ("b", "  ... ")])
    with pytest.raises(InputError, match=r"items\[0\]"):
        TextIndex.build([("a", 3)])  # type: ignore[list-item]
    with pytest.raises(InputError, match="not valid Unicode"):
        TextIndex.build([("a", "broken \ud800 text")])
    with pytest.raises(InputError, match="no texts"):
        TextIndex.build([])
    with pytest.raises(InputError, match="min_span"):
        TextIndex.build([("a", "text")], min_span=5)
    with pytest.raises(InputError, match="at least 100"):
        TextIndex.build([("a", "some text")], holdout=["x"] * 5, fpr=0.01)


def test_normalised_offsets_point_at_the_original_characters() -> None:
    for text in ["Héllo,  WORLD! ﬁne día.", "Plain ASCII, with punctuation...", "  x  "]:
        norm, origin = normalise_with_map(text)
        assert norm == normalise(text) and len(origin) == len(norm)
        for i, char in enumerate(norm):
            if char != " ":
                assert char in normalise(text[origin[i]])


def test_any_shared_run_of_the_floor_shares_an_anchor() -> None:
    params = span_params(50)
    rng = random.Random(5)
    letters = "abcdefghij "
    for _ in range(200):
        run = "".join(rng.choice(letters) for _ in range(params["floor"]))
        a = "".join(rng.choice(letters) for _ in range(rng.randint(0, 60))) + run
        b = run + "".join(rng.choice(letters) for _ in range(rng.randint(0, 60)))
        ka, kb = char_kgrams(a, params["k"]), char_kgrams(b, params["k"])
        anchors = set(ka[winnow(ka, params["window"])].tolist())
        assert anchors & set(kb.tolist())


def test_lsh_bands_reach_the_threshold() -> None:
    bands, rows = lsh_bands(128, 0.5)
    assert bands * rows <= 128
    assert 1 - (1 - 0.5**rows) ** bands >= 0.995
