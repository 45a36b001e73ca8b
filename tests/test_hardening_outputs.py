"""The output side of `guard`: the folder is checked before the first row, outputs are
named by content id, nothing is overwritten, and a write that fails after its row
leaves a `delivery_failed` row and stops the batch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from disks import read_only_folder, small_disk
from guarded import prepare
from PIL import Image
from trail import assert_trail_consistent
from typer.testing import CliRunner

from aigc_guard import Guard
from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog
from aigc_guard.cli import app
from aigc_guard.delivery import NOT_ATTEMPTED, OutputFolder
from aigc_guard.errors import DeliveryError

runner = CliRunner()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A policy without checks (the outputs are the subject) and a keys folder."""
    return prepare(tmp_path_factory.mktemp("outputs"))


def noise_png(path: Path, side: int = 64, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(path)
    return path


def guard_cli(setup: dict[str, Path], db: str, *args: str) -> tuple[int, list[dict], str]:
    result = runner.invoke(app, ["guard", *args, "--policy", str(setup["policy"]), "--db", db,
                                 "--keys", str(setup["keys"])])  # fmt: skip
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def _log(db: str) -> AuditLog:
    return AuditLog(db, hash_key=None, create=False)


def _rows(db: str, tmp_path: Path) -> int:
    if not (tmp_path / "audit.db").exists():
        return 0
    with _log(db) as log:
        return log.count()


@pytest.mark.hardening(
    "input", "--out that is a file, or unwritable", "exit 2 before the first row"
)
def test_unusable_out_folder_fails_before_the_first_row(setup: dict, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    image = noise_png(tmp_path / "a.png")
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder")
    code, lines, output = guard_cli(setup, db, str(image), "--out", str(a_file))
    assert code == 2 and "exists and is not a folder" in output and lines == []
    locked = tmp_path / "locked"
    with read_only_folder(locked):
        code, lines, output = guard_cli(setup, db, str(image), "--out", str(locked))
    assert code == 2 and "not writable" in output and lines == []
    assert _rows(db, tmp_path) == 0


@pytest.mark.hardening("input", "--out on a full disk", "exit 2 before the first row")
def test_full_disk_is_refused_before_the_first_row(
    setup: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    with small_disk(tmp_path / "full", 64 * 1024, monkeypatch) as kind:
        if kind != "tmpfs":
            pytest.skip("mounting a tmpfs is not allowed here; the write-hook test covers writes")
        (tmp_path / "full" / "filler").write_bytes(b"x" * 60 * 1024)
        code, _, output = guard_cli(setup, db, str(noise_png(tmp_path / "a.png")),
                                    "--out", str(tmp_path / "full"))  # fmt: skip
    assert code == 2 and "disk full" in output
    assert _rows(db, tmp_path) == 0


@pytest.mark.hardening(
    "fault", "disk fills while writing outputs (1.25 MiB tmpfs, 0.5 MB outputs)",
    "delivery_failed row, batch stops (exit 2), trail consistent",
)  # fmt: skip
def test_disk_filling_mid_batch_records_delivery_failed(
    setup: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    inputs = [noise_png(tmp_path / f"in{i}.png", side=400, seed=i) for i in range(3)]
    out = tmp_path / "small"
    with small_disk(out, 5 * 2**18, monkeypatch):
        code, lines, output = guard_cli(setup, db, *map(str, inputs), "--out", str(out))
        assert code == 2, output
        assert len(lines) == 3 and lines[1]["output"] and lines[2]["output"] is None
        assert "No space left on device" in lines[2]["error"] and "delivery_failed" in output
        returned = [(line["audit_id"], line["content_id"]) for line in lines]
        with _log(db) as log:
            entries = assert_trail_consistent(log, out, returned)
    failed = [e for e in entries if e.event == "delivery_failed"]
    assert [e.content_id for e in failed] == [lines[2]["content_id"]]
    assert failed[0].extra == {"output_audit_id": lines[2]["audit_id"], "error_type": "OSError",
                               "errno": "ENOSPC"}  # fmt: skip
    assert str(tmp_path) not in json.dumps([e.to_dict() for e in entries])  # no path, no name


@pytest.mark.hardening(
    "input",
    "--out equal to the input folder",
    "refused unless --in-place; inputs never overwritten",
)
def test_out_equal_to_the_input_folder(setup: dict, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    image = noise_png(tmp_path / "photo.png")
    before = hashlib.sha256(image.read_bytes()).hexdigest()
    code, lines, output = guard_cli(setup, db, str(image), "--out", str(tmp_path))
    assert code == 2 and "--in-place" in output and lines == [] and _rows(db, tmp_path) == 0
    code, lines, _ = guard_cli(setup, db, str(image), "--out", str(tmp_path), "--in-place")
    assert code == 0 and Path(lines[0]["output"]).name == f"{lines[0]['content_id']}.png"
    assert hashlib.sha256(image.read_bytes()).hexdigest() == before


@pytest.mark.hardening(
    "input", "two inputs with one stem (anim.webp, anim.png)",
    "two outputs named by content id; no input name in --out",
)  # fmt: skip
def test_same_stem_inputs_never_collide(setup: dict, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    sources = tmp_path / "in"
    sources.mkdir()
    png = noise_png(sources / "anim.png", seed=1)
    webp = sources / "anim.webp"
    Image.open(noise_png(tmp_path / "w.png", seed=2)).save(webp, lossless=True)
    out = tmp_path / "out"
    code, lines, _ = guard_cli(setup, db, str(webp), str(png), "--out", str(out))
    assert code == 0
    names = sorted(path.name for path in out.iterdir())
    assert names == sorted(f"{line['content_id']}.png" for line in lines) and len(names) == 2
    assert not any("anim" in name for name in names)
    code, lines, output = guard_cli(setup, db, str(webp), str(png), "--out", str(tmp_path / "k"),
                                    "--keep-names")  # fmt: skip
    assert code == 2 and "share the name 'anim'" in output and lines == []


@pytest.mark.hardening("input", "an output name that already exists", "never overwritten")
def test_an_existing_file_is_never_overwritten(setup: dict, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    (tmp_path / "in").mkdir()
    source = noise_png(tmp_path / "in" / "x.png")
    out = tmp_path / "out"
    folder = OutputFolder.prepare(out, inputs=[source], keep_names=True)
    with Guard(policy=str(setup["policy"]), db=db, keys=setup["keys"],
               dev_credentials=True) as guard:  # fmt: skip
        result = guard.guard_artifact(Artifact.from_file(source))
        (out / "x.png").write_bytes(b"someone else's file")  # appears after the check
        with pytest.raises(DeliveryError, match="recorded as delivery_failed"):
            folder.deliver(result, audit=guard.audit, policy=guard.policy, source=source)
        with pytest.raises(FileExistsError):
            result.save(out / "x.png")
        assert (out / "x.png").read_bytes() == b"someone else's file"
        entries = list(guard.audit.entries())
    assert [(e.event, e.extra.get("errno")) for e in entries] == [
        ("output", None),
        ("delivery_failed", "EEXIST"),
    ]


def test_delivery_failure_marks_the_rest_of_the_batch(setup: dict, tmp_path: Path) -> None:
    """A failed write in a committed batch: every later output of it gets its row too."""
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    out = tmp_path / "out"
    folder = OutputFolder.prepare(out)

    def painter(n: int) -> list[Image.Image]:
        return [Image.new("RGB", (64, 64), (40 * i, 90, 20)) for i in range(n)]

    with Guard(policy=str(setup["policy"]), db=db, keys=setup["keys"],
               dev_credentials=True) as guard:  # fmt: skip
        results = guard.generate(painter, n=3)
        (out / f"{results[1].content_id}.png").mkdir()  # the second name is taken
        with pytest.raises(DeliveryError, match="1 unwritten output"):
            folder.deliver_all([(r, None) for r in results], audit=guard.audit,
                               policy=guard.policy)  # fmt: skip
        (out / f"{results[1].content_id}.png").rmdir()
        entries = assert_trail_consistent(
            guard.audit, out, [(r.audit_id, r.content_id) for r in results]
        )
    failed = [
        (e.content_id, e.extra["error_type"]) for e in entries if e.event == "delivery_failed"
    ]
    assert failed == [(results[1].content_id, "FileExistsError"),
                      (results[2].content_id, NOT_ATTEMPTED)]  # fmt: skip
    assert (out / f"{results[0].content_id}.png").is_file()


@pytest.mark.hardening(
    "input", "an animated RGBA PNG guarded and verified",
    "delivered with every frame and its alpha; each frame marked; manifest valid",
)  # fmt: skip
def test_animation_and_alpha_survive_delivery(setup: dict, tmp_path: Path) -> None:
    from aigc_guard.artifacts import ArtifactKind
    from aigc_guard.credentials import load_watermark_key
    from aigc_guard.verify import Verifier

    # Smooth frames, as generators make (per-pixel noise is the watermark's documented
    # weak spot and not what this test is about: every frame and its alpha delivered).
    ramp = np.linspace(0, 255, 64, dtype=np.float32)
    frames = []
    for shift in (0, 40, 80):
        rgb = np.stack([np.add.outer(ramp, ramp) / 2, np.add.outer(ramp, 255 - ramp) / 2,
                        np.full((64, 64), 60.0 + shift)], axis=-1)  # fmt: skip
        alpha = np.clip(np.add.outer(ramp, ramp) / 2 + shift, 0, 255)[..., None]
        pixels = np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)
        frames.append(Image.fromarray(pixels, "RGBA"))
    source = tmp_path / "anim.png"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=90)
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    keys = Path(setup["keys"])
    with Guard(policy=str(setup["policy"]), db=db, keys=keys,
               dev_credentials=True) as guard:  # fmt: skip
        result = guard.guard_artifact(Artifact.from_file(source))
        path = OutputFolder.prepare(tmp_path / "out").deliver(
            result, audit=guard.audit, policy=guard.policy
        )
        marker = guard.marker.watermarker(ArtifactKind.IMAGE)
        verifier = Verifier(audit=guard.audit, trust_anchors_pem=(keys / "dev-ca.pem").read_bytes(),
                            watermark_keys=[load_watermark_key(keys)])  # fmt: skip
        report = verifier.verify_file(path)  # type: ignore[arg-type]
    delivered = Artifact.from_file(path)  # type: ignore[arg-type]
    assert len(delivered.frames) == 3 and len(delivered.alpha) == 3
    assert delivered.durations == (90, 90, 90) and delivered.image.size == (256, 256)
    assert [marker.detect(Artifact.from_image(f)).payload for f in delivered.frames] == [
        result.content_id
    ] * 3
    assert report.c2pa.valid and report.audit is not None
    assert report.audit.id == result.audit_id
