"""Check digits of the identifiers we detect: a match that fails its checksum is not reported.

Pure functions on the matched text (separators are ignored), so a policy can name
one for its own recognizer (`validation: luhn`) without code. Each returns False
for text that is not of the right shape rather than raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _compact(text: str) -> str:
    return _NON_ALNUM.sub("", text)


def luhn(text: str) -> bool:
    """Payment cards, IMEIs, many national ids: the doubled-digit sum is a multiple of 10."""
    digits = _compact(text)
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mod97(text: str) -> bool:
    """ISO 13616 (IBAN) and ISO 7064 mod 97-10: move the first four characters to the end,
    letters to numbers (A=10), and the number modulo 97 is 1."""
    compact = _compact(text).upper()
    if len(compact) < 5 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rotated = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(char, 36)) for char in rotated))
    except ValueError:
        return False
    return number % 97 == 1


def nhs_mod11(text: str) -> bool:
    """UK NHS number: ten digits, the last is 11 - (weighted sum mod 11), never 10."""
    digits = _compact(text)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def aba_routing(text: str) -> bool:
    """US ABA routing number: 3-7-1 weights over nine digits sum to a multiple of 10."""
    digits = _compact(text)
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}  # fmt: skip
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(text: str) -> bool:
    """Vehicle identification number (ISO 3779, North American check digit in position 9)."""
    compact = _compact(text).upper()
    if len(compact) != 17 or any(char not in _VIN_VALUES for char in compact):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(compact, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return compact[8] == ("X" if remainder == 10 else str(remainder))


def fr_nir(text: str) -> bool:
    """French social security number (NIR): 13 characters + a key = 97 - (number mod 97).

    Corsica's departments 2A / 2B count as 19 / 18 for the key.
    """
    compact = _compact(text).upper()
    if len(compact) != 15 or not compact[13:].isdigit() or compact[0] not in "12":
        return False
    body = compact[:13].replace("2A", "19", 1).replace("2B", "18", 1)
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(compact[13:])


def verhoeff(text: str) -> bool:
    """Verhoeff's dihedral check digit (Aadhaar and some company ids)."""
    digits = _compact(text)
    if not digits.isdigit():
        return False
    check = 0
    for index, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[index % 8][int(char)]]
    return check == 0


# The dihedral group D5: multiplication and permutation tables.
_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]  # fmt: skip
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]  # fmt: skip

# Name -> check, for `validation:` in a policy's custom recognizers.
VALIDATIONS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn,
    "mod97": mod97,
    "nhs_mod11": nhs_mod11,
    "aba_routing": aba_routing,
    "vin": vin,
    "fr_nir": fr_nir,
    "verhoeff": verhoeff,
}

__all__ = ["VALIDATIONS", "aba_routing", "fr_nir", "luhn", "mod97", "nhs_mod11", "verhoeff", "vin"]
