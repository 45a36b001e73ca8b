"""Property: index folders, model folders and privacy cards, damaged at random (files
missing, truncated, overwritten, swapped, re-hashed to look consistent), load or fail
with a named AigcGuardError; never another exception or more than the memory budget.

Damage is generic (it knows no file format), so the properties keep holding as the
index and model formats evolve.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limited import run_limited

from aigc_guard.errors import AigcGuardError

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip
TEXT_CORPUS = [(f"doc/{i}", f"Record {i}: the pump station log for week {i} reads nominal.")
               for i in range(12)]  # fmt: skip


@functools.cache
def pristine(kind: str) -> Path:
    """A saved index ("image", "text") or trained model ("model") folder, built once."""
    base = Path(tempfile.mkdtemp(prefix=f"aigc-pristine-{kind}-"))
    if kind == "text":
        from aigc_guard.index.text import TextIndex

        TextIndex.build(TEXT_CORPUS, source_name="corpus").save(base / "index")
    elif kind == "image":
        import numpy as np
        from PIL import Image

        from aigc_guard.index.image import ImageIndex

        rng = np.random.default_rng(0)
        items = [(f"img/{i}", Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)))
                 for i in range(30)]  # fmt: skip
        noise = rng.integers(0, 256, (100, 28, 28), dtype=np.uint8)
        holdout = [Image.fromarray(plane) for plane in noise]
        ImageIndex.build(items, holdout=holdout, source_name="noise").save(base / "index")
    else:
        _train_tiny_model(base / "index")
    return base / "index"


def _train_tiny_model(out: Path) -> None:
    """One DP step on 40 random digits-shaped images (the folder's files are the subject)."""
    import numpy as np

    from aigc_guard.train import train_dp_gan
    from aigc_guard.train.data import ImageDataset

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    data = ImageDataset(name="noise-40", images=images, labels=np.arange(40) % 10,
                        ids=[f"noise/{i}" for i in range(40)])  # fmt: skip
    train_dp_gan(data, out_dir=out, target_delta=1e-3, epochs=1, batch_size=10,
                 accountant="rdp", max_steps=1, progress=False)  # fmt: skip


OPERATIONS = st.sampled_from(
    ["delete", "truncate", "overwrite", "swap", "huge-npy", "json", "big-number"]
)


@st.composite
def damage(draw: st.DrawFn) -> list[tuple[str, int, int, float, bytes, bool]]:
    """A few (operation, file index, other file index, fraction, bytes, re-hash) steps."""
    steps = st.tuples(OPERATIONS, st.integers(0, 50), st.integers(0, 50), st.floats(0, 1),
                      st.binary(max_size=64), st.booleans())  # fmt: skip
    return draw(st.lists(steps, min_size=1, max_size=3))


def apply_damage(folder: Path, steps: list[tuple[str, int, int, float, bytes, bool]]) -> None:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for operation, first, second, fraction, junk, rehash in steps:
        if not files:
            return
        target, other = files[first % len(files)], files[second % len(files)]
        if not target.exists():
            continue
        if operation == "delete":
            target.unlink()
        elif operation == "truncate":
            data = target.read_bytes()
            target.write_bytes(data[: int(len(data) * fraction)])
        elif operation == "overwrite":
            target.write_bytes(junk)
        elif operation == "swap" and other.exists():
            a, b = target.read_bytes(), other.read_bytes()
            target.write_bytes(b)
            other.write_bytes(a)
        elif operation == "huge-npy":  # a .npy header declaring 10^12 float64 values
            header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
            target.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little")
                               + header.encode() + b"\x00" * 16)  # fmt: skip
        elif operation == "json":
            target.write_text(json.dumps(_json_value(junk)), encoding="utf-8")
        elif operation == "big-number":  # one integer of a JSON file made huge (a width...)
            _inflate_number(target, second, 10 ** (2 + first % 8))
        if rehash:
            _rehash(folder)


def _inflate_number(path: Path, which: int, value: int) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return
    if not isinstance(data, dict):
        return
    numbers = [k for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool)]
    if numbers:
        data[numbers[which % len(numbers)]] = value
        path.write_text(json.dumps(data), encoding="utf-8")


def _json_value(junk: bytes) -> Any:
    return [{"kind": "image", "files": {}, "n": int.from_bytes(junk[:4] or b"\0", "big")}, None,
            junk.hex(), -1, {"files": None}][len(junk) % 5]  # fmt: skip


def _rehash(folder: Path) -> None:
    """Make a manifest agree with the damaged files, as a careless copy (or an attacker) would."""
    manifest = folder / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and isinstance(data.get("files"), dict):
        for name in list(data["files"]):
            path = folder / name
            if path.is_file():
                data["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest.write_text(json.dumps(data), encoding="utf-8")


def _damaged_copy(kind: str, steps: list) -> Path:
    copy = Path(tempfile.mkdtemp(prefix="aigc-damaged-")) / "folder"
    shutil.copytree(pristine(kind), copy)
    apply_damage(copy, steps)
    return copy


def _load_and_use_index(folder: Path) -> None:
    from PIL import Image

    from aigc_guard.index import load_index

    try:
        index = load_index(folder)
        index.nearest("the pump station log" if index.kind == "text" else Image.new("L", (28, 28)))
    except AigcGuardError:
        pass
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


@SETTINGS
@given(steps=damage(), kind=st.sampled_from(["image", "text"]))
def property_index_folders(steps: list, kind: str) -> None:
    _load_and_use_index(_damaged_copy(kind, steps))


@settings(SETTINGS, max_examples=25)
@given(steps=damage())
def property_model_folders(steps: list) -> None:
    from aigc_guard.train import PrivateImageGenerator

    folder = _damaged_copy("model", steps)
    try:
        PrivateImageGenerator.load(folder).generate(2, seed=0)
    except AigcGuardError:
        pass
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def hostile_model_configs() -> None:
    """model.json is 100 bytes an attacker controls: each size field set to a huge value
    must fail by name before the network is built (g_width=100000 asked torch for 5 GB)."""
    from aigc_guard.train import PrivateImageGenerator

    config = json.loads((pristine("model") / "model.json").read_text(encoding="utf-8"))
    for field in ("latent_dim", "num_classes", "g_width", "d_width"):
        for value in (10**5, 10**9, 2**62):
            folder = _damaged_copy("model", [])
            (folder / "model.json").write_text(json.dumps({**config, field: value}))
            try:
                PrivateImageGenerator.load(folder)
            except AigcGuardError as exc:
                assert field in str(exc)
            else:
                raise AssertionError(f"model.json with {field}={value} loaded")
            finally:
                shutil.rmtree(folder.parent, ignore_errors=True)


CARD_VALUES = (st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats()
               | st.text(max_size=30) | st.lists(st.integers(), max_size=3))  # fmt: skip


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(["epsilon", "delta", "steps", "sample_rate",
                                                "noise_multiplier", "model_id", "created_at",
                                                "dataset_sha256", "accountant", "unknown"]),
                               CARD_VALUES | st.just(None), max_size=4),
       drop=st.booleans(), raw=st.binary(max_size=64))  # fmt: skip
def property_privacy_cards(changes: dict, drop: bool, raw: bytes) -> None:
    from aigc_guard.train.card import PrivacyCard

    card = json.loads((pristine("model") / "privacy_card.json").read_text(encoding="utf-8"))
    card.update(changes)
    if drop and changes:
        card.pop(next(iter(changes)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "privacy_card.json"
        for content in (json.dumps(card).encode(), raw, json.dumps(card).encode()[: len(raw)]):
            path.write_bytes(content)
            with contextlib.suppress(AigcGuardError):
                PrivacyCard.load(path)


def model_folder_properties() -> None:
    """The model properties in one interpreter, so the tiny model is trained once."""
    property_model_folders()
    hostile_model_configs()
    property_privacy_cards()


@pytest.mark.hardening(
    "input", "index and model folders, privacy cards: missing, truncated, swapped, re-hashed files",
    "loads and works, or a named error; RLIMIT_AS 2.5 GiB",
)  # fmt: skip
@pytest.mark.parametrize("target", ["property_index_folders", "model_folder_properties"])
def test_folder_properties(target: str, record_property: pytest.RecordProperty) -> None:
    usage = run_limited(f"test_property_folders:{target}", memory_mb=2560, timeout_s=300)
    record_property("peak_mb", usage.peak_mb)
