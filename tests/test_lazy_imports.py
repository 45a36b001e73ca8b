"""`import aigc_guard` stays cheap: no torch, spaCy, OpenCV, c2pa or Opacus."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "torch",
    "opacus",
    "spacy",
    "presidio_analyzer",
    "cv2",
    "imwatermark",
    "c2pa",
    "sqlalchemy",
]


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    modules = set(json.loads(output))
    return [name for name in HEAVY if name in modules]


def test_import_package_loads_no_heavy_library() -> None:
    assert _loaded_after("import aigc_guard") == []


def test_policy_and_cli_modules_stay_light() -> None:
    assert _loaded_after("import aigc_guard.policy, aigc_guard.cli, aigc_guard.guard") == []
