"""The PII check's name, firm, product and place rules, one true positive and one
look-alike per rule, with the real Presidio analyzer over spaCy (no mocks)."""

from __future__ import annotations

import pytest

from aigc_guard.artifacts import Artifact
from aigc_guard.checks.pii import PiiCheck
from aigc_guard.policy import load_policy


@pytest.fixture(scope="module")
def pii() -> PiiCheck:
    check = PiiCheck(load_policy("default").checks.get("pii"))  # type: ignore[arg-type]
    check.prepare()
    return check


def _found(pii: PiiCheck, text: str) -> dict[str, str]:
    entities = pii.inspect(Artifact.from_text(text)).details["entities"]
    return {text[e["start"] : e["end"]]: e["type"] for e in entities if "start" in e}


def test_a_name_does_not_run_across_a_column_gap(pii: PiiCheck) -> None:
    text = "Tenant: Anna Schmidt    Deposit ref: 2291"
    assert _found(pii, text).get("Anna Schmidt") == "PERSON"
    assert "Anna Schmidt    Deposit" not in _found(pii, text)
