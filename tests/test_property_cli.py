"""Property: whatever files a batch is given, `inspect`, `verify` and `guard` print one
JSON object per file, in order, in the documented shape (or with an `error`), and
exit 0 or 1; never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from guarded import prepare
from hostile import encoded, png_declaring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from aigc_guard.cli import app

runner = CliRunner()
SHAPES = {
    "inspect": {"file", "decision", "checks", "reasons"},
    "verify": {"file", "watermark", "c2pa", "audit"},
    "guard": {"file", "decision", "audit_id", "content_id", "output"},
}
GOOD_PNG = encoded(Image.new("RGB", (40, 30), (200, 120, 40)), "PNG")
CONTENTS = st.one_of(
    st.binary(max_size=300),
    st.just(GOOD_PNG),
    st.builds(lambda cut: GOOD_PNG[:cut], st.integers(0, len(GOOD_PNG))),
    st.just(png_declaring(30_000, 30_000)),
    st.text(max_size=80).map(lambda text: text.encode("utf-8")),
)
FILES = st.lists(
    st.tuples(st.sampled_from([".png", ".jpg", ".webp", ".txt", ".gif", ""]), CONTENTS),
    min_size=1,
    max_size=4,
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("cli-props")
    paths = prepare(base)
    db = f"sqlite:///{base / 'audit.db'}"  # created by the first `guard`, with the keys' hash key
    return {"policy": str(paths["policy"]), "keys": str(paths["keys"]), "db": db,
            "base": str(base)}  # fmt: skip


def _write(folder: Path, files: list[tuple[str, bytes]]) -> list[str]:
    folder.mkdir(parents=True)
    paths = []
    for number, (suffix, data) in enumerate(files):
        path = folder / f"f{number}{suffix}"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def _check_lines(command: str, output: str, paths: list[str]) -> None:
    lines = [json.loads(line) for line in output.splitlines()]
    assert [line["file"] for line in lines] == paths
    for line in lines:
        if "error" in line and "decision" not in line:
            assert set(line) == {"file", "error"} and "\n" not in line["error"]
        else:
            assert set(line) >= SHAPES[command]


@pytest.mark.hardening(
    "input", "CLI batches of random files (inspect, verify, guard; hypothesis)",
    "one JSON object per file in the documented shape, exit 0 or 1",
)  # fmt: skip
@settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(files=FILES)
def test_cli_json_for_any_batch(setup: dict[str, str], files: list) -> None:
    folder = Path(tempfile.mkdtemp(dir=setup["base"]))
    paths = _write(folder / "in", files)
    common = ["--keys", setup["keys"]]
    commands = {
        "inspect": ["inspect", *paths, "--json", "--policy", setup["policy"]],
        "guard": ["guard", *paths, "--out", str(folder / "out"), "--policy", setup["policy"],
                  "--db", setup["db"], *common],
        "verify": ["verify", *paths, "--json", "--db", setup["db"], *common],
    }  # fmt: skip
    for command, arguments in commands.items():
        result = runner.invoke(app, arguments)
        assert result.exit_code in (0, 1), (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        _check_lines(command, result.stdout, paths)
