"""Batches with scanned pages: documents OCRed by parallel workers give the outputs of a
serial run, byte for byte; a re-run does not OCR again; a bad scan costs only itself."""
import json
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ocrmend_cmd
from ocr_pages import render_page, save

from pipeline.batch import FAILURES, MANIFEST

DPI = 200


def cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ocrmend_cmd(), *map(str, args)], capture_output=True, cwd=cwd, timeout=600)


def tree_files(out: Path) -> dict[str, bytes]:
    return {f.relative_to(out).as_posix(): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    root = tmp_path_factory.mktemp("batchocr")
    src = root / "in"
    (src / "book").mkdir(parents=True)
    for i in range(3):
        img, _ = render_page(dpi=DPI, words=35, page_number=str(i + 1))
        save(img, src / "book" / f"p{i + 1}.png", DPI)
    (src / "book" / "torn.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (src / "notes.txt").write_text("The illu-\nsions of youth\nend here.\n", encoding="utf-8")
    return root, src


@pytest.fixture(scope="module")
def runs(scans):
    root, src = scans
    r1 = cli("clean", src, "-o", root / "j1", "-j", "1", cwd=root)
    r2 = cli("clean", src, "-o", root / "j2", "-j", "2", cwd=root)
    return r1, r2


def test_parallel_workers_write_what_one_writes(scans, runs):
    root, _ = scans
    r1, r2 = runs
    assert r1.returncode == r2.returncode == 4, (r1.stderr, r2.stderr)  # torn.png failed
    for r in (r1, r2):
        err = r.stderr.decode()
        assert "cleaned 4 file(s)" in err and "1 failed" in err and "3 page(s) OCRed" in err
        assert sum("torn.png" in ln for ln in err.splitlines() if ln.startswith("ocrmend: ")) == 1
    one, two = tree_files(root / "j1"), tree_files(root / "j2")
    assert one == two
    for i in (1, 2, 3):
        for sfx in (".txt", ".json", ".changes.jsonl", ".diff", ".ocr.txt"):
            assert f"book/p{i}{sfx}" in one
    assert not [k for k in one if k.startswith("book/torn")]
    (failure,) = [json.loads(ln) for ln in one[FAILURES].decode().splitlines()]
    assert failure["input"].endswith("torn.png") and "torn.png" in failure["error"]
    assert len(one[MANIFEST].decode().splitlines()) == 4


def test_a_rerun_does_not_ocr_again(scans, runs):
    root, src = scans
    out = root / "j2"
    before = {f: f.stat().st_ino for f in out.rglob("p*.*")}
    t = time.perf_counter()
    r = cli("clean", src, "-o", out, "-j", "2", cwd=root)
    secs = time.perf_counter() - t
    assert r.returncode == 4 and b"cleaned 0 file(s)" in r.stderr and b"4 skipped" in r.stderr, r.stderr
    assert {f: f.stat().st_ino for f in out.rglob("p*.*")} == before
    assert b"OCRed" not in r.stderr and secs < 20


def test_one_long_document_gets_every_worker_for_its_pages(scans, tmp_path):
    """With fewer documents than -j, a document's pages share the workers: one file, -j 2,
    and the outputs are still those of -j 1."""
    root, src = scans
    r = cli("clean", src / "book" / "p1.png", "-o", tmp_path / "a", "-j", "2", cwd=root)
    assert r.returncode == 0, r.stderr
    assert tree_files(tmp_path / "a")["p1.txt"] == (root / "j1" / "book" / "p1.txt").read_bytes()


def test_ctrl_c_while_pages_are_ocred_leaves_no_scratch_file(scans, tmp_path):
    """Workers stopped mid-page cannot clean up after Tesseract: their scratch files live in a
    folder of the run's, which the command removes however the run ends."""
    import os
    import signal

    _, src = scans
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([*ocrmend_cmd(), "clean", str(src), "-o", str(tmp_path / "out"), "-j", "2"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 120
    while not any(p.is_file() for p in scratch.rglob("*")):  # a page handed to Tesseract
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert list(scratch.iterdir()) == []
