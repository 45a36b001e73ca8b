"""Hostile and unusual inputs: each is refused with one line naming the file and the
reason, within a memory budget, or decoded the documented way (every frame, alpha
kept, 16-bit scaled, EXIF applied). The cases come from issue 11."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from hostile import (
    apng_declaring_frames,
    billion_laughs,
    encoded,
    jpeg_declaring,
    png_1bit_bomb,
    png_declaring,
)
from limited import run_limited
from PIL import Image
from trail import KEY
from typer.testing import CliRunner

from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog
from aigc_guard.cli import app
from aigc_guard.errors import InputError, PolicyError
from aigc_guard.limits import InputLimits
from aigc_guard.policy import load_policy, parse_policy

runner = CliRunner()
NO_INDEX_POLICY = "id: no-index\nversion: 1\nchecks:\n  memorization:\n    enabled: false\n"


def _refusal(data: bytes, name: str, **limits: object) -> str:
    with pytest.raises(InputError) as caught:
        Artifact.from_bytes(data, name=name, limits=InputLimits(**limits))  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    return message


@pytest.mark.hardening(
    "input", "45-byte PNG declaring 30000x30000 pixels", "refused before decoding"
)
def test_png_declaring_a_huge_size_is_refused_before_decoding() -> None:
    data = png_declaring(30_000, 30_000)
    assert len(data) == 45
    assert "refused before decoding" in _refusal(data, "bomb.png")
    message = _refusal(png_declaring(9_000, 9_000), "big.png")  # under Pillow's own limit
    assert "9000x9000 = 81,000,000 pixels" in message and "limits.max_image_pixels" in message


@pytest.mark.hardening(
    "input", "15 KB 1-bit PNG inflating to 121 Mpx (> 7 GB through guard before)",
    "refused before decoding",
)  # fmt: skip
def test_compressed_bomb_is_refused_before_decoding() -> None:
    data = png_1bit_bomb()
    assert len(data) < 17_000
    started = time.monotonic()
    assert "11000x11000 = 121,000,000 pixels" in _refusal(data, "zip.png")
    assert time.monotonic() - started < 1.0


@pytest.mark.hardening(
    "input", "JPEG declaring 60000x60000; APNG declaring 10^6 frames", "refused before decoding"
)
def test_other_declared_bombs_are_refused() -> None:
    assert "refused before decoding" in _refusal(jpeg_declaring(60_000, 60_000), "huge.jpg")
    assert "limits.max_frames" in _refusal(apng_declaring_frames(10**6), "frames.png")


def decode_every_bomb() -> None:
    """Run in a limited subprocess: every bomb refused, and the peak memory does not grow
    past what the imports and a small image and policy already took."""
    import resource

    Artifact.from_bytes(encoded(Image.new("RGB", (64, 64)), "PNG"), name="warm-up.png")
    parse_policy("id: warm-up\nversion: 1\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bombs = {
        "bomb.png": png_declaring(30_000, 30_000),
        "zip.png": png_1bit_bomb(),
        "huge.jpg": jpeg_declaring(60_000, 60_000),
        "frames.png": apng_declaring_frames(10**6),
    }
    for name, data in bombs.items():
        with pytest.raises(InputError):
            Artifact.from_bytes(data, name=name)
    with pytest.raises(PolicyError):
        parse_policy(billion_laughs())
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 20, f"peak memory grew by {grown_mb:.0f} MB on refused inputs"


@pytest.mark.hardening(
    "input", "every bomb above and the billion laughs, under RLIMIT_AS 512 MiB",
    "named errors; peak memory grows < 20 MB",
)  # fmt: skip
def test_bombs_stay_within_a_memory_budget(record_property: pytest.RecordProperty) -> None:
    usage = run_limited("test_hardening_inputs:decode_every_bomb", memory_mb=512, timeout_s=60)
    record_property("peak_mb", usage.peak_mb)
    record_property("seconds", usage.seconds)
    assert usage.seconds < 10


@pytest.mark.hardening("input", "50 MB text file", "refused before reading (limits.max_text_bytes)")
def test_huge_text_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "novel.txt"
    with big.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: nothing is read if the size check comes first
    with pytest.raises(InputError, match=r"novel\.txt: 50,000,000 bytes is over the budget"):
        Artifact.from_file(big)
    small = tmp_path / "note.txt"
    small.write_text("short enough", encoding="utf-8")
    with pytest.raises(InputError, match=r"limits\.max_text_bytes"):
        Artifact.from_file(small, limits=InputLimits(max_text_bytes=5))


@pytest.mark.hardening("input", "invalid UTF-8 in a text file", "error names the byte offset")
def test_invalid_utf8_names_the_byte_offset() -> None:
    data = "café ".encode() + b"\xff\xfe tail"
    with pytest.raises(InputError, match=r"byte 0xff at byte offset 6"):
        Artifact.from_bytes(data, name="bad.txt")


@pytest.mark.hardening(
    "input", "342-byte billion-laughs policy (5 GB, 61 s, 722 MB message before)",
    "refused at the 11th alias, short message",
)  # fmt: skip
def test_billion_laughs_policy_is_refused_quickly(tmp_path: Path) -> None:
    policy = tmp_path / "laughs.yaml"
    policy.write_text("id: x\nversion: 1\n" + billion_laughs(), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(PolicyError) as caught:
        load_policy(policy)
    assert time.monotonic() - started < 1.0
    assert "more than 10 aliases" in str(caught.value) and len(str(caught.value)) < 400


@pytest.mark.hardening("input", "duplicate keys in a policy", "refused, naming both lines")
def test_duplicate_keys_are_refused() -> None:
    text = "id: a\nversion: 1\nchecks:\n  pii:\n    on_fail: block\n    on_fail: allow\n"
    with pytest.raises(PolicyError, match=r"line 6.*duplicate key 'on_fail' \(first on line 5\)"):
        parse_policy(text, source="dup.yaml")


@pytest.mark.hardening(
    "input", "policy: deep nesting, 20,000 values, 5,000-digit integer, 2 MB, non-UTF-8 bytes",
    "PolicyError in < 1 s, never a traceback",
)  # fmt: skip
def test_other_hostile_policies_are_named_errors(tmp_path: Path) -> None:
    parse_policy("id: warm-up\nversion: 1\n")  # builds the schema once
    started = time.monotonic()
    for text, expected in [
        ("a: " + "[" * 100 + "]" * 100, "nested deeper than 32"),
        ("a: " + "[" * 5000 + "]" * 5000, "nest"),
        ("a: [" + "1, " * 20_000 + "1]", "more than 10,000 values"),
        ("id: x\nversion: " + "9" * 5000, "not valid YAML"),
        ("id: x\nversion: 1\ndescription: " + "x" * 2_000_000, "longer than"),
    ]:
        with pytest.raises(PolicyError, match=expected):
            parse_policy(text)
    assert time.monotonic() - started < 1.0
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"id: x\nversion: 1\ndescription: \xc3\x28\n")
    with pytest.raises(PolicyError, match="byte offset 30"):
        load_policy(binary)
    huge_value = "id: x\nversion: 1\ngeneration: {max_attempts: [" + "1, " * 9_000 + "1]}"
    with pytest.raises(PolicyError) as caught:
        parse_policy(huge_value)
    assert len(str(caught.value)) < 400  # the value is quoted in a few characters


@pytest.mark.hardening("input", "16-bit greyscale PNG", "scaled to 8 bits, not clipped to white")
def test_16_bit_png_is_scaled_not_clipped() -> None:
    ramp = np.linspace(0, 65535, 256 * 256).reshape(256, 256).astype(np.uint16)
    artifact = Artifact.from_bytes(encoded(Image.fromarray(ramp), "PNG"), name="deep.png")
    pixels = np.asarray(artifact.image)
    assert artifact.image.mode == "L"
    assert pixels.min() == 0 and pixels.max() == 255
    assert len(np.unique(pixels)) == 256 and abs(pixels.mean() - 127.5) < 1


def test_float_images_are_scaled() -> None:
    unit = np.linspace(0.0, 1.0, 64 * 64, dtype=np.float32).reshape(64, 64)
    wide = (unit * 4000.0 - 1000.0).astype(np.float32)
    for values in (unit, wide):
        pixels = np.asarray(Artifact.from_image(Image.fromarray(values, mode="F")).image)
        assert pixels.min() == 0 and pixels.max() == 255 and len(np.unique(pixels)) > 200
    with pytest.raises(InputError, match="NaN"):
        Artifact.from_image(Image.fromarray(np.full((8, 8), np.nan, np.float32), mode="F"))


def _frames(count: int) -> list[Image.Image]:
    rng = np.random.default_rng(11)
    return [
        Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)) for _ in range(count)
    ]


@pytest.mark.hardening(
    "input", "APNG and animated WebP", "every frame handed over, or refused by policy"
)
@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_every_frame_of_an_animation_is_handed_over(fmt: str) -> None:
    frames = _frames(3)
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=70, **options)
    artifact = Artifact.from_bytes(data, name=f"anim.{fmt.lower()}")
    assert len(artifact.frames) == 3 and artifact.durations == (70, 70, 70)
    for got, sent in zip(artifact.frames, frames, strict=True):
        assert np.array_equal(np.asarray(got), np.asarray(sent))
    assert artifact.image is artifact.frames[0]
    with pytest.raises(InputError, match=r"animated image \(3 frames\) refused by the policy"):
        Artifact.from_bytes(data, name="anim.png", limits=InputLimits(animations="refuse"))
    with pytest.raises(InputError, match=r"limits\.max_frames"):
        Artifact.from_bytes(data, name="anim.png", limits=InputLimits(max_frames=2))


@pytest.mark.hardening(
    "input", "RGBA and palette images with transparency", "alpha kept as its own channel"
)
def test_alpha_and_palette_are_explicit() -> None:
    rgba = Image.new("RGBA", (40, 30), (200, 10, 10, 0))
    rgba.putpixel((3, 4), (0, 0, 0, 128))
    artifact = Artifact.from_bytes(encoded(rgba, "PNG"), name="rgba.png")
    assert artifact.image.mode == "RGB" and artifact.image.getpixel((0, 0)) == (200, 10, 10)
    [alpha] = artifact.alpha
    assert alpha.mode == "L" and alpha.getpixel((3, 4)) == 128 and alpha.getpixel((0, 0)) == 0
    assert [label for label, _ in artifact.image_views()] == ["frame 0", "alpha 0"]
    opaque = Artifact.from_bytes(
        encoded(Image.new("RGBA", (8, 8), (1, 2, 3, 255)), "PNG"), name="o.png"
    )
    assert opaque.alpha == ()  # nothing to see in a fully opaque channel
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 250, 0, 0] + [0] * 762)
    indexed = Artifact.from_bytes(encoded(palette, "PNG", transparency=1), name="p.png")
    assert indexed.image.mode == "RGB" and indexed.alpha[0].getextrema() == (0, 0)
    restored = Artifact.from_bytes(artifact.to_bytes(), name="again.png")
    assert np.array_equal(np.asarray(restored.alpha[0]), np.asarray(alpha))


@pytest.mark.hardening("input", "JPEG with EXIF orientation 6", "rotated as viewers show it")
def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (40, 20), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 8, 8))
    exif = image.getexif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90° clockwise
    data = encoded(image, "JPEG", exif=exif.tobytes(), quality=95)
    artifact = Artifact.from_bytes(data, name="phone.jpg")
    assert artifact.image.size == (20, 40)
    assert artifact.image.getpixel((17, 2))[0] > 200  # the white corner moved to the top right


@pytest.mark.hardening(
    "input", "CLI batch with a bomb, a truncated PNG, a 50 MB text and a good file",
    "one error line per bad file; the batch goes on (exit 1)",
)  # fmt: skip
def test_cli_reports_each_bad_file_and_goes_on(tmp_path: Path) -> None:
    policy = tmp_path / "no-index.yaml"
    policy.write_text(NO_INDEX_POLICY, encoding="utf-8")
    files = {
        "bomb.png": png_declaring(30_000, 30_000),
        "zip.png": png_1bit_bomb(),
        "cut.png": encoded(Image.new("RGB", (300, 300), (9, 9, 9)), "PNG")[:120],
        "good.png": encoded(Image.new("RGB", (300, 300), (90, 120, 30)), "PNG"),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    with (tmp_path / "big.txt").open("wb") as handle:
        handle.truncate(50_000_000)
    paths.insert(3, str(tmp_path / "big.txt"))
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    AuditLog(db, hash_key=KEY).close()
    (tmp_path / "no-keys").mkdir()  # a named keys folder must exist; this one holds nothing
    no_keys = ["--keys", str(tmp_path / "no-keys")]  # read-only: no hash key to compare
    commands = [["inspect", "--json", "--policy", str(policy)],
                ["verify", "--json", "--db", db, *no_keys]]  # fmt: skip
    for command in commands:
        result = runner.invoke(app, [*command, *paths])
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert result.exit_code == 1, result.output
        assert [line["file"] for line in lines] == paths
        assert all(Path(line["file"]).name in line["error"] for line in lines[:4])
        assert "error" not in lines[4]
