"""Personal data in images: text rendered into the pixels (Tesseract OCR) and text in the
file's metadata (PNG text chunks, EXIF). Real Tesseract, real Presidio."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from aigc_guard.artifacts import Artifact, Decision
from aigc_guard.checks.pii import PiiCheck
from aigc_guard.checks.pii.ocr import read_text

LINES = {
    "PERSON": "Patient: Maria Keller",
    "PHONE_NUMBER": "Phone: (212) 555-0147",
    "EMAIL_ADDRESS": "Email: maria.keller@example.org",
}
VALUES = ("Maria Keller", "(212) 555-0147", "maria.keller@example.org")


@pytest.fixture(scope="module")
def ocr_check() -> PiiCheck:
    kinds = ["PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "LOCATION"]
    check = PiiCheck(images={"ocr": True}, entities=kinds)
    check.prepare()
    return check


@pytest.fixture(scope="module")
def card() -> tuple[Image.Image, dict[str, tuple[int, int, int, int]]]:
    """A 640x240 image with three lines of personal data, and where each value was drawn."""
    image = Image.new("RGB", (640, 240), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=24)
    where = {}
    for row, (kind, line) in enumerate(LINES.items()):
        label, value = line.split(": ", 1)
        y = 20 + 70 * row
        draw.text((20, y), f"{label}:", fill="black", font=font)
        x = 20 + int(draw.textlength(f"{label}: ", font=font))
        draw.text((x, y), value, fill="black", font=font)
        where[kind] = draw.textbbox((x, y), value, font=font)
    return image, where


def _overlaps(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_text_in_pixels_is_found_with_its_boxes(ocr_check: PiiCheck, card) -> None:
    image, where = card
    result = ocr_check.inspect(Artifact.from_image(image))
    assert not result.passed and result.action is Decision.REDACT
    found = {e["type"]: e for e in result.details["entities"]}
    assert set(found) == set(LINES)
    for kind, entity in found.items():
        assert entity["source"] == "ocr" and "start" not in entity
        assert any(_overlaps(tuple(box), where[kind]) for box in entity["boxes"]), (kind, entity)
    assert not any(value in json.dumps(result.to_dict()) for value in VALUES)


def test_redaction_fills_the_boxes_and_the_text_is_gone(ocr_check: PiiCheck, card) -> None:
    image, where = card
    artifact = Artifact.from_image(image)
    redacted = ocr_check.redact(artifact, ocr_check.inspect(artifact)).image
    assert redacted is not None and redacted.size == image.size
    for box in where.values():
        centre = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
        assert redacted.getpixel(centre) == (0, 0, 0)
    assert image.getpixel((5, 5)) == redacted.getpixel((5, 5)) == (255, 255, 255)
    reread = read_text(redacted, languages="eng", min_confidence=0).text
    assert not any(value in reread for value in VALUES), reread
    assert "Patient" in reread  # the labels are not personal and stay


def test_a_blocking_type_blocks_the_image(card) -> None:
    check = PiiCheck(images={"ocr": True}, entities={"EMAIL_ADDRESS": {"action": "block"}},
                     screen="listed")  # fmt: skip
    result = check.inspect(Artifact.from_image(card[0]))
    assert result.action is Decision.BLOCK


def test_metadata_text_is_screened_and_stripped(ocr_check: PiiCheck) -> None:
    meta = PngInfo()
    meta.add_text("Description", "Portrait of Maria Keller, maria.keller@example.org")
    meta.add_itxt("Comment", "call (212) 555-0147")
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buffer, format="PNG", pnginfo=meta)
    artifact = Artifact.from_bytes(buffer.getvalue(), name="portrait.png")
    result = ocr_check.inspect(artifact)
    sources = {(e["source"], e["type"]) for e in result.details["entities"]}
    assert sources == {
        ("metadata:info:Description", "PERSON"),
        ("metadata:info:Description", "EMAIL_ADDRESS"),
        ("metadata:info:Comment", "PHONE_NUMBER"),
    }
    redacted = ocr_check.redact(artifact, result)
    data = redacted.to_bytes()
    assert not any(value.encode() in data for value in VALUES)
    assert Image.open(io.BytesIO(data)).info.get("Description") is None


def test_exif_description_and_gps_are_screened(ocr_check: PiiCheck) -> None:
    image = Image.new("RGB", (32, 32), "white")
    exif = Image.Exif()
    exif[0x010E] = "Maria Keller at the clinic"  # ImageDescription
    exif[0x013B] = "maria.keller@example.org"  # Artist
    exif.get_ifd(0x8825).update({1: "N", 2: (40.0, 44.0, 54.36), 3: "W", 4: (73.0, 59.0, 8.5)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    artifact = Artifact.from_bytes(buffer.getvalue(), name="photo.jpg")
    result = ocr_check.inspect(artifact)
    kinds = {(e["source"], e["type"]) for e in result.details["entities"]}
    assert ("metadata:exif:ImageDescription", "PERSON") in kinds
    assert ("metadata:exif:Artist", "EMAIL_ADDRESS") in kinds
    assert ("metadata:GPS", "LOCATION") in kinds
    data = ocr_check.redact(artifact, result).to_bytes()
    assert b"Keller" not in data and not Image.open(io.BytesIO(data)).getexif()


def test_images_without_text_pass(ocr_check: PiiCheck) -> None:
    result = ocr_check.inspect(Artifact.from_image(Image.new("RGB", (300, 200), (90, 140, 200))))
    assert result.passed and result.details["entities"] == []
