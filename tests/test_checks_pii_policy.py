"""The PII policy section fails at load time (PolicyError, exit 2), and the presets cover
what they promise. No Presidio engine is built here: validation needs none."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from aigc_guard.checks.pii import CATALOG
from aigc_guard.cli.app import app
from aigc_guard.errors import PolicyError
from aigc_guard.policy import load_policy, parse_policy

HIPAA_IDENTIFIERS = {
    "PERSON", "LOCATION", "ADDRESS", "DATE_OF_BIRTH", "DATE_TIME", "PHONE_NUMBER",
    "EMAIL_ADDRESS", "US_SSN", "MEDICAL_RECORD_NUMBER", "HEALTH_PLAN_NUMBER",
    "US_BANK_NUMBER", "US_DRIVER_LICENSE", "VEHICLE_ID", "DEVICE_ID", "URL", "IP_ADDRESS",
}  # fmt: skip


def _policy_with_pii(pii: dict) -> str:
    return yaml.safe_dump({"id": "mine", "version": 1, "checks": {"pii": pii}})


@pytest.mark.parametrize(
    ("pii", "field", "message"),
    [
        ({"entities": ["PERSON", "PASSPORT_OF_MARS"]}, "checks.pii.entities",
         "unknown entity type.*PASSPORT_OF_MARS"),
        ({"entities": {"EMAIL": {"action": "block"}}}, "checks.pii.entities", "EMAIL"),
        ({"recognizers": [{"entity": "EMP_ID", "patterns": ["E-(\\d{5}"]}]},
         "checks.pii.recognizers.0.patterns.0.regex", "invalid regular expression"),
        ({"recognizers": [{"entity": "EMP_ID", "patterns": ["x"], "validation": "crc32"}]},
         "checks.pii.recognizers.0.validation", "luhn"),
        ({"recognizers": [{"entity": "emp id", "deny_list": ["x"]}]},
         "checks.pii.recognizers.0.entity", "pattern"),
        ({"recognizers": [{"entity": "EMP_ID"}]}, "checks.pii.recognizers.0", "patterns"),
        ({"entities": {"PERSON": {"action": "shred"}}}, "checks.pii.entities.PERSON.action",
         "block"),
        ({"entities": {"PERSON": {"operator": "encrypt"}}},
         "checks.pii.entities.PERSON.operator", "hash"),
        ({"language": "de"}, "checks.pii", "no spaCy model"),
        ({"images": {"ocr": "yes please"}}, "checks.pii.images.ocr", "boolean"),
        ({"workers": 0}, "checks.pii.workers", "greater than or equal to 1"),
    ],
)  # fmt: skip
def test_bad_pii_sections_fail_at_load_time(pii: dict, field: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(_policy_with_pii(pii), source="mine.yaml")
    fields = [where for where, _ in caught.value.problems]
    assert field in fields, caught.value.problems
    assert any(re.search(message, text) for _, text in caught.value.problems), caught.value.problems


def test_a_recognizer_declares_its_own_type() -> None:
    pii = {
        "recognizers": [{"entity": "EMPLOYEE_ID", "patterns": [r"\bE-\d{5}\b"]}],
        "entities": {"EMPLOYEE_ID": {"action": "block"}},
    }
    settings = parse_policy(_policy_with_pii(pii)).checks.get("pii")
    assert "EMPLOYEE_ID" in settings.screened()  # type: ignore[union-attr]
    assert settings.rule("EMPLOYEE_ID").action == "block"  # type: ignore[union-attr]


def test_unknown_entity_type_exits_2_before_any_file_is_read(tmp_path: Path) -> None:
    policy = tmp_path / "mine.yaml"
    policy.write_text(_policy_with_pii({"entities": ["PERSON", "PASSPORT_OF_MARS"]}))
    missing = tmp_path / "does-not-exist.txt"
    result = CliRunner().invoke(app, ["inspect", str(missing), "--policy", str(policy)])
    assert result.exit_code == 2, result.output
    assert "PASSPORT_OF_MARS" in result.output and "checks.pii.entities" in result.output


def test_default_policy_screens_every_type_in_the_catalog() -> None:
    settings = load_policy("default").checks.get("pii")
    screened = set(settings.screened())  # type: ignore[union-attr]
    assert screened == set(CATALOG)
    acting = {e for e in screened if settings.rule(e).action != "allow"}  # type: ignore[union-attr]
    assert {"LOCATION", "ADDRESS", "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER"} <= acting
    assert acting == screened - {"DATE_TIME", "NRP"}


def test_hipaa_preset_covers_the_safe_harbor_identifiers() -> None:
    settings = load_policy("hipaa").checks.get("pii")
    screened = set(settings.screened())  # type: ignore[union-attr]
    assert screened >= HIPAA_IDENTIFIERS
    assert all(settings.rule(e).action == "redact" for e in screened)  # type: ignore[union-attr]
    assert settings.images.ocr and settings.images.metadata  # type: ignore[union-attr]


def test_gdpr_preset_covers_personal_data_in_two_languages() -> None:
    settings = load_policy("gdpr").checks.get("pii")
    assert settings.languages == ("en", "fr")  # type: ignore[union-attr]
    assert set(settings.screened()) == set(CATALOG)  # type: ignore[union-attr]
    assert settings.rule("NRP").action == "redact"  # type: ignore[union-attr]
    assert settings.rule("FR_NIR").action == "block"  # type: ignore[union-attr]
    assert settings.images.ocr  # type: ignore[union-attr]


def test_policy_loading_imports_no_presidio() -> None:
    import subprocess

    code = (
        "import sys; from aigc_guard.policy import load_policy; "
        "[load_policy(n) for n in ('default', 'hipaa', 'gdpr')]; "
        "print([m for m in ('presidio_analyzer', 'spacy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_non_utf8_text_is_refused_by_name_and_the_batch_goes_on(tmp_path: Path) -> None:
    policy = tmp_path / "pii-only.yaml"
    policy.write_text(yaml.safe_dump({"id": "pii-only", "version": 1,
                                      "checks": {"memorization": {"enabled": False}}}))  # fmt: skip
    bad, good = tmp_path / "latin1.txt", tmp_path / "clean.txt"
    bad.write_bytes("Café Müller, 12 rue de la Paix".encode("latin-1"))
    good.write_text("Nothing personal in here.\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["inspect", str(bad), str(good), "--policy", str(policy), "--json"]
    )
    assert result.exit_code == 1
    first, second = (line for line in result.stdout.splitlines() if line.strip())
    assert "latin1.txt" in first and "not UTF-8" in first
    assert '"decision": "allow"' in second


def test_workers_is_a_policy_setting() -> None:
    policy = parse_policy(_policy_with_pii({"workers": 2}), source="mine.yaml")
    assert policy.checks.get("pii").workers == 2  # type: ignore[union-attr]
    assert load_policy("default").checks.get("pii").workers == 1  # type: ignore[union-attr]
