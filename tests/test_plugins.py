"""Plug-ins register by name: built-ins, run-time registrations and entry points of
installed distributions; a duplicate name is refused, naming both sides."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aigc_guard.artifacts import Artifact, CheckResult
from aigc_guard.checks import Check, CheckContext, CheckSettings
from aigc_guard.checks.registry import CHECKS
from aigc_guard.errors import PluginError, PolicyError
from aigc_guard.plugins import Registry
from aigc_guard.policy import parse_policy

PLUGIN_SOURCE = '''
from typing import ClassVar
from aigc_guard.checks import Check, CheckSettings

class ShoutingSettings(CheckSettings):
    max_capitals: float = 0.5

class ShoutingCheck(Check):
    """Fails a text written mostly in capitals."""
    name: ClassVar[str] = "{name}"
    version: ClassVar[str] = "1"
    settings_model: ClassVar[type[CheckSettings]] = ShoutingSettings

    def __init__(self, max_capitals, on_fail):
        super().__init__(on_fail=on_fail)
        self.max_capitals = max_capitals

    @classmethod
    def from_settings(cls, settings, context):
        return cls(settings.max_capitals, settings.on_fail)

    def inspect(self, artifact):
        letters = [c for c in artifact.text or "" if c.isalpha()]
        share = sum(c.isupper() for c in letters) / max(len(letters), 1)
        return self.result(passed=share <= self.max_capitals, details={{"capitals": share}},
                           summary=f"{{share:.0%}} capitals")
'''


def _distribution(site: Path, *, name: str = "shouting") -> None:
    """A throw-away installed distribution exposing one check through an entry point."""
    package = site / "shouting_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN_SOURCE.format(name=name))
    info = site / "shouting_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shouting-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[aigc_guard.checks]\n{name} = shouting_plugin:ShoutingCheck\n"
    )


def _run(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_a_check_from_an_installed_distribution_runs_under_a_policy(tmp_path: Path) -> None:
    _distribution(tmp_path)
    done = _run(
        tmp_path,
        """
        import json
        from aigc_guard.artifacts import Artifact
        from aigc_guard.checks import CheckSuite
        from aigc_guard.policy import parse_policy
        policy = parse_policy(
            "id: loud\\nversion: 1\\nchecks:\\n  memorization: {enabled: false}\\n"
            "  pii: {enabled: false}\\n  shouting: {max_capitals: 0.3, on_fail: block}\\n")
        with CheckSuite(policy) as suite:
            result = suite.inspect(Artifact.from_text("PLEASE READ THIS NOW"))
        print(json.dumps(result.to_dict()))
        """,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["decision"] == "block"
    assert report["checks"]["shouting"]["summary"] == "100% capitals"
    assert report["reasons"] == ["shouting failed -> block: 100% capitals"]


def test_an_entry_point_cannot_take_a_builtin_name(tmp_path: Path) -> None:
    _distribution(tmp_path, name="pii")
    done = _run(
        tmp_path,
        "from aigc_guard.checks.registry import CHECKS\nCHECKS.get('pii')\n",
    )
    assert done.returncode != 0
    assert "check 'pii' is registered twice" in done.stderr
    assert "shouting-plugin" in done.stderr


def test_installed_plugin_is_off_until_a_policy_names_it(tmp_path: Path) -> None:
    _distribution(tmp_path)
    done = _run(
        tmp_path,
        """
        from aigc_guard.policy import load_policy
        print([name for name, _ in load_policy("default").checks.enabled()])
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['memorization', 'pii']"


class _Always(Check):
    name = "always_fails"
    version = "1"

    @classmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        return cls(on_fail=settings.on_fail)

    def inspect(self, artifact: Artifact) -> CheckResult:
        return self.result(passed=False, summary="always")


def test_runtime_registration_extends_the_policy_schema() -> None:
    CHECKS.register("always_fails", _Always)
    try:
        policy = parse_policy("id: p\nversion: 1\nchecks: {always_fails: {on_fail: regenerate}}\n")
        settings = policy.checks.get("always_fails")
        assert settings is not None and settings.on_fail == "regenerate"
        with pytest.raises(PluginError, match="registered twice"):
            CHECKS.register("always_fails", _Always)
    finally:
        CHECKS.unregister("always_fails")
    with pytest.raises(PolicyError, match="always_fails"):
        parse_policy("id: p\nversion: 1\nchecks: {always_fails: {}}\n")


def test_registry_refuses_what_is_not_a_plugin_of_its_family() -> None:
    with pytest.raises(PluginError, match=r"expected a subclass of Check"):
        CHECKS.register("not_a_check", object)
    assert "not_a_check" not in CHECKS
    with pytest.raises(PluginError, match=r"no check named 'nope'; registered: .*memorization"):
        CHECKS.get("nope")
    broken: Registry[object] = Registry(
        "thing", group="aigc_guard.none", builtins={"x": "no_such_module:X"},
        validate=lambda name, plugin: plugin,
    )  # fmt: skip
    with pytest.raises(PluginError, match=r"thing 'x' .* failed to load: ModuleNotFoundError"):
        broken.get("x")
