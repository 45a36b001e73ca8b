"""Fuzz target (atheris): the guarded image loader.

Any bytes must give a well-formed Artifact or an InputError; anything else (another
exception, MemoryError past `-rss_limit_mb`, a hang past `-timeout`) is a finding.
Run by `make fuzz` for a bounded time; not part of CI. Pillow's plugins are Python,
so coverage guidance reaches the PNG/JPEG/WebP header parsers.

    .venv/bin/python fuzz/fuzz_image_loader.py -max_total_time=60 fuzz/corpus/images
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["aigc_guard", "PIL"]):
    from PIL import JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401

    from aigc_guard.artifacts import Artifact
    from aigc_guard.errors import InputError

NAMES = ("fuzz.png", "fuzz.jpg", "fuzz.webp")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    try:
        artifact = Artifact.from_bytes(data[1:], name=name)
    except InputError:
        return
    size = artifact.frames[0].size
    assert all(frame.mode in ("RGB", "L") and frame.size == size for frame in artifact.frames)
    assert all(alpha.mode == "L" and alpha.size == size for alpha in artifact.alpha)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
