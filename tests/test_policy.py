"""Policies fail closed at load time, naming the file, the field and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigc_guard.checks.memorization import MemorizationSettings
from aigc_guard.errors import PolicyError
from aigc_guard.policy import bundled_policy_dir, load_policy, parse_policy

POLICY_DIR = bundled_policy_dir()


def test_bundled_default_policy_loads_with_expected_settings() -> None:
    policy = load_policy("default")
    assert policy.id == "default"
    memorization = policy.checks.get("memorization")
    assert isinstance(memorization, MemorizationSettings)
    assert memorization.threshold == "calibrated"
    assert memorization.on_fail == "regenerate"
    assert policy.checks.get("pii").on_fail == "redact"  # type: ignore[union-attr]
    assert [name for name, _ in policy.checks.enabled()] == ["memorization", "pii"]
    assert policy.marks.watermark.min_side == 256
    assert policy == load_policy(POLICY_DIR / "default.yaml")


def test_a_name_is_looked_up_among_bundled_policies_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local file called `default` cannot shadow the bundled policy of that name."""
    (tmp_path / "default").write_text("id: shadow\nversion: 1\n")
    monkeypatch.chdir(tmp_path)
    assert load_policy("default").id == "default"
    assert load_policy("./default").id == "shadow"


def test_unknown_watermark_method_fails_at_load_time() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy("id: p\nversion: 1\nmarks: {watermark: {image_method: rivaGan}}\n")
    message = dict(info.value.problems)["marks.watermark.image_method"]
    assert "unknown image watermark 'rivaGan'" in message and "dwtDctSvd" in message


def test_every_bundled_policy_is_valid() -> None:
    files = sorted(POLICY_DIR.glob("*.yaml"))
    assert files, "no bundled policies found"
    for path in files:
        assert load_policy(path).id == path.stem


def test_policy_hash_changes_with_content() -> None:
    base = load_policy("default")
    text = (POLICY_DIR / "default.yaml").read_text().replace("max_attempts: 3", "max_attempts: 4")
    changed = parse_policy(text)
    assert changed.generation.max_attempts == 4
    assert changed.sha256 != base.sha256
    assert parse_policy((POLICY_DIR / "default.yaml").read_text()).sha256 == base.sha256


def test_unknown_key_names_file_field_and_valid_keys(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("id: mine\nversion: 1\nchecks:\n  memorization:\n    treshold: 0.1\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert str(path) in message
    assert "checks.memorization.treshold" in message
    assert "valid keys here: enabled, on_fail, threshold, require_index" in message


@pytest.mark.parametrize(
    ("snippet", "field", "expected"),
    [
        ("version: 0", "version", "greater than or equal to 1"),
        ("version: one", "version", "valid integer"),
        ("checks: {memorization: {threshold: 1.5}}", "checks.memorization.threshold", "between 0"),
        ("checks: {memorization: {on_fail: redact}}", "checks.memorization.on_fail", "regenerate"),
        (
            "checks: {pii: {score_threshold: -1}}",
            "checks.pii.score_threshold",
            "greater than or equal to 0",
        ),
        ("marks: {watermark: {min_side: 32}}", "marks.watermark.min_side", "64"),
        ("generation: {max_attempts: 0}", "generation.max_attempts", "1"),
    ],
)
def test_out_of_range_or_wrong_type_fails(snippet: str, field: str, expected: str) -> None:
    text = (
        "id: p\nversion: 1\n" + snippet
        if not snippet.startswith("version")
        else "id: p\n" + snippet
    )
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source="p.yaml")
    fields = [problem[0] for problem in info.value.problems]
    assert field in fields
    message = dict(info.value.problems)[field]
    assert expected.lower() in message.lower()


def test_all_problems_reported_at_once() -> None:
    text = "id: p\nversion: 0\nchecks: {pii: {on_fail: nope}, bogus: 1}\n"
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    fields = {problem[0] for problem in info.value.problems}
    assert {"version", "checks.pii.on_fail", "checks.bogus"} <= fields


def test_broken_yaml_names_line() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy("id: [unclosed\nversion: 1\n", source="broken.yaml")
    assert "broken.yaml" in str(info.value)
    assert "line" in info.value.problems[0][0]


def test_missing_file_lists_bundled_policies(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "absent.yaml")
    assert "no such file" in str(info.value)
    assert "default" in str(info.value)


def test_non_mapping_document_is_rejected() -> None:
    with pytest.raises(PolicyError, match="expected a mapping"):
        parse_policy("- just\n- a list\n")
