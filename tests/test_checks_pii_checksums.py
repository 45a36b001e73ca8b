"""Check digits and chunking: pure functions, no engine."""

from __future__ import annotations

import itertools

import pytest

from aigc_guard.checks.pii.checksums import (
    VALIDATIONS,
    aba_routing,
    fr_nir,
    luhn,
    mod97,
    nhs_mod11,
    verhoeff,
    vin,
)
from aigc_guard.checks.pii.chunks import chunk_spans
from aigc_guard.checks.pii.patterns import card_number, phone_shape


@pytest.mark.parametrize(
    ("check", "valid", "invalid"),
    [
        (luhn, "4111 1111 1111 1111", "4111 1111 1111 1112"),
        (mod97, "DE89 3704 0044 0532 0130 00", "DE88 3704 0044 0532 0130 00"),
        (mod97, "GB82WEST12345698765432", "GB82WEST12345698765433"),
        (nhs_mod11, "943 476 5919", "943 476 5918"),
        (aba_routing, "011000015", "011000016"),
        (vin, "1M8GDM9AXKP042788", "1M8GDM9A1KP042788"),
        (fr_nir, "2 84 05 75 116 234 " + f"{97 - 2840575116234 % 97:02d}", "2 84 05 75 116 234 00"),
        (verhoeff, "2363", "2364"),
    ],
)
def test_checksums_accept_valid_and_refuse_one_changed_digit(
    check, valid: str, invalid: str
) -> None:
    assert check(valid) is True
    assert check(invalid) is False


@pytest.mark.parametrize("junk", ["", "abc", "12", "----", "DE", "ÄÖÜ", "1 2"])
def test_checksums_refuse_junk_without_raising(junk: str) -> None:
    for check in VALIDATIONS.values():
        assert check(junk) is False


def test_card_numbers_need_an_issuer_prefix_as_well_as_luhn() -> None:
    assert card_number("2221 0000 0000 0009")  # Mastercard 2-series
    assert card_number("6759 6498 2643 8453")  # Maestro
    assert not card_number("9111 1111 1111 1111")  # Luhn-valid, no issuer starts with 9
    assert not card_number("4111 1111 111")  # too short


def test_phone_shapes_exclude_dates_ips_and_decimals() -> None:
    assert phone_shape("(212) 555-0147") and phone_shape("+49 30 1234567")
    for value in ("2024-06-01", "52.57.109.72", "20230414.5", "12345"):
        assert not phone_shape(value)


def test_chunks_cover_a_10_mb_text_within_the_model_limit() -> None:
    text = "word " * 2_000_000  # 10 MB
    size, overlap = 1_000_000, 2_000
    spans = chunk_spans(text, size, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(end - start <= size for start, end in spans)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end - start >= overlap  # consecutive windows share the overlap
    assert len(spans) == 11


def test_chunks_refuse_an_overlap_that_cannot_advance() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_spans("x" * 100, 10, 5)
    assert chunk_spans("short", 1_000, 100) == [(0, 5)]
    assert chunk_spans("", 1_000, 100) == [(0, 0)]
