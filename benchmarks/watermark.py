"""Measure the image watermark and C2PA signing on the data that ships offline.

For N upscaled MNIST digits (28x28 -> 256x256, the demo's outputs) and the two
scikit-learn sample photos: found-rate (payload read back and CRC-valid) and
bit accuracy after each attack, embed/detect time, the false-positive rate on
unmarked images, image quality (PSNR), then C2PA sign/read time and bytes added.

    .venv/bin/python benchmarks/watermark.py [--digits 100] [--unmarked 1000]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from aigc_guard.artifacts import Artifact, load_image_bytes
from aigc_guard.marks.image_watermark import DwtDctSvdWatermarker, upscale_for_watermark
from aigc_guard.marks.payload import encode_bits, new_content_id

Attack = Callable[[Image.Image], Image.Image]


def _reencode(image: Image.Image, fmt: str, **options: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return load_image_bytes(buffer.getvalue())


def _brighter(image: Image.Image) -> Image.Image:
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32) * 1.1
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _half(image: Image.Image) -> Image.Image:
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.BICUBIC)


ATTACKS: dict[str, Attack] = {
    "clean (PNG)": lambda im: _reencode(im, "PNG"),
    "JPEG 90": lambda im: _reencode(im, "JPEG", quality=90),
    "JPEG 75": lambda im: _reencode(im, "JPEG", quality=75),
    "JPEG 50": lambda im: _reencode(im, "JPEG", quality=50),
    "resize 50%": _half,
    "grayscale": lambda im: im.convert("L"),
    "brightness +10%": _brighter,
}


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB"), dtype=np.float64)
    y = np.asarray(b.convert("RGB"), dtype=np.float64)
    mse = float(np.mean((x - y) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def measure_set(marker: DwtDctSvdWatermarker, images: list[Image.Image]) -> dict[str, object]:
    """Embed a fresh payload in each image, attack it, read it back."""
    found = {name: 0 for name in ATTACKS}
    accuracy: dict[str, list[float]] = {name: [] for name in ATTACKS}
    embed_ms, detect_ms, psnr = [], [], []
    for image in images:
        content_id = new_content_id()
        expected = np.array(encode_bits(content_id))
        start = time.perf_counter()
        marked = marker.apply(Artifact.from_image(image), content_id).image
        embed_ms.append((time.perf_counter() - start) * 1000)
        psnr.append(_psnr(image, marked))
        for name, attack in ATTACKS.items():
            attacked = attack(marked)
            start = time.perf_counter()
            reading = marker.detect(Artifact.from_image(attacked))
            detect_ms.append((time.perf_counter() - start) * 1000)
            found[name] += reading.payload == content_id
            bits = marker.read_bits(upscale_for_watermark(attacked))
            accuracy[name].append(float(np.mean(np.array(bits) == expected)))
    count = len(images)
    return {
        "found": {name: found[name] / count for name in ATTACKS},
        "bits": {name: statistics.fmean(accuracy[name]) for name in ATTACKS},
        "embed_ms": statistics.median(embed_ms),
        "detect_ms": statistics.median(detect_ms),
        "psnr": statistics.fmean(psnr),
        "n": count,
    }


def _random_crops(photos: list[Image.Image], *, count: int) -> list[Image.Image]:
    """Unmarked 256x256 crops of the photos: more negatives than two images give."""
    rng = np.random.default_rng(1)
    crops = []
    for index in range(count):
        photo = photos[index % len(photos)]
        left = int(rng.integers(0, photo.width - 256))
        top = int(rng.integers(0, photo.height - 256))
        crops.append(photo.crop((left, top, left + 256, top + 256)))
    return crops


def false_positives(marker: DwtDctSvdWatermarker, images: list[Image.Image]) -> int:
    return sum(marker.detect(Artifact.from_image(image)).found for image in images)


def measure_c2pa(images: list[Image.Image]) -> dict[str, float]:
    """Sign each image as PNG with the guard's three assertions; read it back."""
    from aigc_guard.credentials import SigningCredentials, ensure_dev_credentials
    from aigc_guard.marks import provenance as prov

    sign_ms, read_ms, added = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        dev = ensure_dev_credentials(Path(folder))
        creds = SigningCredentials.from_files(dev.cert_chain_path, dev.key_path)
        anchors = dev.ca_cert_path.read_bytes()
        with prov.C2paProvenance(creds, trust_anchors_pem=anchors) as signer:
            for image in images:
                content_id = new_content_id()
                data = Artifact.from_image(image).to_bytes()
                assertions = [
                    prov.created_action_assertion(),
                    prov.privacy_assertion(epsilon=3.0, delta=1e-5, policy_id="default",
                                           content_id=content_id, model_id="bench"),
                    prov.soft_binding_assertion("dwtDctSvd", content_id, version="1"),
                ]  # fmt: skip
                start = time.perf_counter()
                signed = signer.sign(
                    data, media_type="image/png", title="b.png", assertions=assertions
                )
                sign_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                reading = signer.read(signed.data, media_type="image/png")
                read_ms.append((time.perf_counter() - start) * 1000)
                if not reading.trusted:
                    raise SystemExit(f"benchmark manifest not trusted: {reading.errors}")
                added.append(len(signed.data) - len(data))
            text = signer.sign(b"generated text\n" * 20, media_type="text/plain", title="b.txt",
                               assertions=assertions)  # fmt: skip
    return {
        "sign_ms": statistics.median(sign_ms),
        "read_ms": statistics.median(read_ms),
        "added": statistics.median(added),
        "sidecar": float(len(text.sidecar or b"")),
        "n": len(images),
    }


def print_tables(
    console: Console, results: dict[str, dict], fp: dict[str, tuple[int, int]]
) -> None:
    table = Table(title="dwtDctSvd (Y channel, scale 36): found-rate / bit accuracy")
    table.add_column("attack")
    for label, result in results.items():
        table.add_column(f"{label} (n={result['n']})", justify="right")
    for name in ATTACKS:
        cells = [f"{r['found'][name]:.0%} / {r['bits'][name]:.1%}" for r in results.values()]
        table.add_row(name, *cells)
    table.add_row("embed ms (median)", *[f"{r['embed_ms']:.0f}" for r in results.values()])
    table.add_row("detect ms (median)", *[f"{r['detect_ms']:.0f}" for r in results.values()])
    table.add_row("PSNR vs input (dB)", *[f"{r['psnr']:.1f}" for r in results.values()])
    fps = [f"{fp[label][0]} / {fp[label][1]}" for label in results]
    table.add_row("false positives (unmarked; photos: + crops)", *fps)
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=100, help="marked digits to measure")
    parser.add_argument("--unmarked", type=int, default=1000, help="unmarked digits for FP rate")
    parser.add_argument("--headroom", type=int, default=None, help="override the default headroom")
    parser.add_argument("--no-c2pa", action="store_true", help="skip the C2PA measurements")
    args = parser.parse_args()
    from sklearn.datasets import load_sample_images

    from aigc_guard.train.data import load_mnist5k

    console = Console()
    holdout = load_mnist5k().holdout
    rows = np.random.default_rng(0).permutation(len(holdout))
    digits = [upscale_for_watermark(Image.fromarray(holdout.images[i])) for i in rows]
    photos = [Image.fromarray(array) for array in load_sample_images().images]
    marker = DwtDctSvdWatermarker(**({} if args.headroom is None else {"headroom": args.headroom}))
    start = time.perf_counter()
    results = {
        "MNIST digits 256x256": measure_set(marker, digits[: args.digits]),
        "sklearn photos": measure_set(marker, photos),
    }
    unmarked = digits[: args.unmarked]
    crops = photos + _random_crops(photos, count=args.unmarked // 5)
    fp = {
        "MNIST digits 256x256": (false_positives(marker, unmarked), len(unmarked)),
        "sklearn photos": (false_positives(marker, crops), len(crops)),
    }
    print_tables(console, results, fp)
    if args.no_c2pa:
        return
    c2pa = measure_c2pa(digits[:50])
    console.print(
        f"C2PA (es256, thumbnails off, n={c2pa['n']} 256x256 PNG): sign {c2pa['sign_ms']:.1f} ms, "
        f"read+verify {c2pa['read_ms']:.1f} ms, +{c2pa['added']:.0f} bytes embedded; "
        f"text sidecar {c2pa['sidecar']:.0f} bytes"
    )
    console.print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
