"""Write the seed corpora for the fuzz targets (valid files of every kind we decode,
and the hostile inputs of the hardening tests), so fuzzing starts from real formats."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tests"))

from hostile import (  # noqa: E402
    apng_declaring_frames,
    billion_laughs,
    encoded,
    jpeg_declaring,
    png_declaring,
)


def image_seeds() -> dict[str, bytes]:
    """Name -> bytes; the first byte picks the file name the loader sees (0 png, 1 jpg, 2 webp)."""
    rgba = Image.new("RGBA", (12, 9), (10, 200, 30, 128))
    frames = [Image.new("RGB", (8, 8), (i * 60, 0, 0)) for i in range(3)]
    animation = {"save_all": True, "append_images": frames[1:], "duration": 40}
    return {
        "rgba.png": b"\x00" + encoded(rgba, "PNG"),
        "grey16.png": b"\x00" + encoded(Image.new("I;16", (6, 6), 4000), "PNG"),
        "palette.png": b"\x00" + encoded(Image.new("P", (6, 6), 3), "PNG", transparency=3),
        "apng.png": b"\x00" + encoded(frames[0], "PNG", **animation),
        "declares-huge.png": b"\x00" + png_declaring(30_000, 30_000),
        "declares-frames.png": b"\x00" + apng_declaring_frames(10**6),
        "cmyk.jpg": b"\x01" + encoded(Image.new("CMYK", (8, 8), (1, 2, 3, 4)), "JPEG"),
        "declares-huge.jpg": b"\x01" + jpeg_declaring(60_000, 60_000),
        "anim.webp": b"\x02" + encoded(frames[0], "WEBP", lossless=True, **animation),
        "rgba.webp": b"\x02" + encoded(rgba, "WEBP"),
    }


def policy_seeds() -> dict[str, bytes]:
    root = ROOT.parent / "policies"
    seeds = {path.name: path.read_bytes() for path in sorted(root.glob("*.yaml"))}
    seeds["laughs.yaml"] = billion_laughs().encode()
    seeds["duplicate.yaml"] = b"id: a\nversion: 1\nid: b\n"
    seeds["merge.yaml"] = b"base: &b {enabled: false}\nchecks:\n  pii:\n    <<: *b\n"
    return seeds


def main() -> None:
    for folder, seeds in (("images", image_seeds()), ("policies", policy_seeds())):
        target = ROOT / "corpus" / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (target / name).write_bytes(data)
        print(f"{len(seeds)} seeds -> {target}")


if __name__ == "__main__":
    main()
