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


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        # "that" opens a clause: the name after it is a person's
        ("I can confirm that Amy Hale was employed here until May.", "Amy Hale", "PERSON"),
        ("Our records show that Ainara was absent on Monday.", "Ainara", "PERSON"),
        # an article still makes the run a thing
        ("I can confirm that the Louis Vuitton Keepall was shipped.", "Louis Vuitton", None),
    ],
)
def test_that_opens_a_clause_and_is_no_article(
    pii: PiiCheck, text: str, value: str, kind: str | None
) -> None:
    found = _found(pii, text)
    if kind is None:
        assert not any(value in span for span in found), (text, found)
    else:
        assert found.get(value) == kind, (text, found)
