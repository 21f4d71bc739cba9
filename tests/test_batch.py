"""Batches as a user runs them: a folder tree in parallel, incremental re-runs, a run killed
half-way and resumed, failures isolated and listed, the same outputs from every backend."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import RAW, SEED, ocrmend_cmd, write

from pipeline.batch import FAILURES, MANIFEST, Manifest, sweep_partial_files

KEEPER = RAW / "keeper-of-the-north-light.txt"
LETTER = RAW / "letter-cp1252.txt"


def cli(*args, cwd: Path, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*ocrmend_cmd(), *map(str, args)], capture_output=True, cwd=cwd, timeout=timeout, **kw)



def make_tree(root: Path, copies: int = 3) -> Path:
    """A tree of real OCR texts in nested folders, each file a little different."""
    src = root / "in"
    seed, keeper = SEED.read_bytes(), KEEPER.read_bytes()
    for i in range(copies):
        write(src / f"vol{i}" / "seed.txt", seed + f"\nCopy {i}.\n".encode())
        write(src / f"vol{i}" / "part" / "keeper.txt", keeper + f"\nCopy {i}.\n".encode())
    write(src / "letter.txt", LETTER.read_bytes())
    return src


def tree_files(out: Path) -> dict[str, bytes]:
    return {f.relative_to(out).as_posix(): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}


def stat_ids(out: Path) -> dict[str, tuple[int, int]]:
    """Each output's inode and mtime: an output written again gets a new inode (atomic rename)."""
    return {f.relative_to(out).as_posix(): (f.stat().st_ino, f.stat().st_mtime_ns)
            for f in out.rglob("*") if f.is_file() and f.name not in (MANIFEST, FAILURES)}


def manifest_outputs(out: Path) -> set[str]:
    """The documents the manifest records as finished (complete lines only)."""
    done = set()
    for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines():
        try:
            done.add(json.loads(line)["output"])
        except ValueError:
            pass
    return done


def no_partial_files(out: Path) -> bool:
    return not [f for f in out.rglob("*") if f.name.endswith(".part")]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: a tree cleaned with -j 1."""
    root = tmp_path_factory.mktemp("serial")
    src = make_tree(root)
    r = cli("clean", src, "-o", root / "out", "-j", "1", cwd=root)
    assert r.returncode == 0, r.stderr
    return root, src, root / "out", r


def test_tree_is_mirrored_and_parallel_equals_serial(serial, tmp_path):
    root, src, out1, r1 = serial
    files = tree_files(out1)
    for stem in ("vol0/seed", "vol2/part/keeper", "letter"):
        for sfx in (".txt", ".json", ".changes.jsonl", ".diff"):
            assert f"{stem}{sfx}" in files, stem + sfx
    assert MANIFEST in files and FAILURES not in files
    assert len(manifest_outputs(out1)) == 7
    assert b"cleaned 7 file(s)" in r1.stderr and b"by stage:" in r1.stderr
    r2 = cli("clean", src, "-o", tmp_path / "out2", "-j", "2", cwd=root)
    assert r2.returncode == 0, r2.stderr
    assert tree_files(tmp_path / "out2") == files  # the manifest too: it is written sorted


def test_a_second_run_skips_what_is_up_to_date_and_redoes_what_changed(tmp_path):
    src = make_tree(tmp_path, copies=2)
    out = tmp_path / "out"
    assert cli("clean", src, "-o", out, "-j", "2", cwd=tmp_path).returncode == 0
    before = stat_ids(out)
    r = cli("clean", src, "-o", out, "-j", "2", "-v", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert b"cleaned 0 file(s)" in r.stderr and b"5 skipped (up to date)" in r.stderr
    assert stat_ids(out) == before  # nothing written again

    # one input edited, one output deleted: those two only are done again
    write(src / "vol1" / "seed.txt", SEED.read_bytes() + b"\nEdited.\n")
    (out / "letter.json").unlink()
    r = cli("clean", src, "-o", out, "-j", "2", cwd=tmp_path)
    assert b"cleaned 2 file(s)" in r.stderr and b"3 skipped" in r.stderr, r.stderr
    after = stat_ids(out)
    redone = {k for k in before if before[k] != after.get(k)}
    assert {k.split(".")[0] for k in redone} == {"vol1/seed", "letter"}
    assert (out / "vol1" / "seed.txt").read_text().rstrip().endswith("Edited.")

    # another configuration, new word lists, --force: everything again
    r = cli("clean", src, "-o", out, "--keep", "header", cwd=tmp_path)
    assert b"cleaned 5 file(s)" in r.stderr, r.stderr
    assert b"cleaned 0 file(s)" in cli("clean", src, "-o", out, "--keep", "header", cwd=tmp_path).stderr
    write(tmp_path / "dictionaries" / "names.txt", "Zhdanov\n")
    assert b"cleaned 5 file(s)" in cli("clean", src, "-o", out, "--keep", "header", cwd=tmp_path).stderr
    r = cli("clean", src, "-o", out, "--keep", "header", "--force", cwd=tmp_path)
    assert b"cleaned 5 file(s)" in r.stderr and b"skipped" not in r.stderr


def test_bad_inputs_at_scale_are_named_listed_and_cost_only_themselves(tmp_path):
    src = tmp_path / "in"
    good = [write(src / f"d{i % 7}" / f"page{i:03d}.txt", f"Page {i} of the illu-\nsions of youth.\n") for i in range(150)]
    bad = {
        "d0/empty.txt": b"",
        "d1/blank.txt": b" \n\t\n",
        "d2/binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "d3/koi8.txt": "Это просто текст в кодировке КОИ-8. ".encode("koi8-r") * 5,
        "d4/huge.txt": b"A line of text that goes on.\n" * 2000,  # over max_bytes below
        "d5/folder.txt": None,  # a folder with a text file's name
    }
    for rel, data in bad.items():
        if data is None:
            (src / rel).mkdir(parents=True)
        else:
            write(src / rel, data)
    write(tmp_path / "ocrmend.toml", "max_bytes = 20000\n")
    out = tmp_path / "out"
    r = cli("clean", src, "-o", out, "-j", "2", cwd=tmp_path)
    assert r.returncode == 4, r.stderr  # some failed, the rest written
    err = r.stderr.decode()
    assert "Traceback" not in err
    failed_lines = [ln for ln in err.splitlines() if ln.startswith("ocrmend: ")]
    listed = [json.loads(ln) for ln in (out / FAILURES).read_text().splitlines()]
    names = ("empty.txt", "blank.txt", "binary.txt", "koi8.txt", "huge.txt")
    for name in names:
        assert sum(name in ln for ln in failed_lines) == 1, (name, failed_lines)
        (rec,) = [f for f in listed if f["input"].endswith(name)]
        assert name in rec["error"]
    assert "20000" in next(f["error"] for f in listed if f["input"].endswith("huge.txt"))
    assert f"cleaned {len(good)} file(s)" in err and f"{len(names)} failed" in err
    for g in good:
        rel = g.relative_to(src).with_suffix("")
        assert (out / rel.parent / f"{rel.name}.txt").read_text().startswith(f"Page {g.stem[4:].lstrip('0') or '0'} of the illusions")
    for name in names:  # nothing at all for a failed input
        assert not list(out.rglob(Path(name).stem + ".*"))
    assert no_partial_files(out)
    # the failures are tried again next time (they are not in the manifest); the rest is skipped
    r = cli("clean", src, "-o", out, "-j", "2", cwd=tmp_path)
    assert r.returncode == 4 and f"{len(good)} skipped".encode() in r.stderr
    # once fixed, failures.jsonl goes
    for rel, data in bad.items():
        if data is not None:
            (src / rel).unlink()
    r = cli("clean", src, "-o", out, cwd=tmp_path)
    assert r.returncode == 0 and not (out / FAILURES).exists()


def test_every_input_failing_exits_5_and_creates_no_output_folder(tmp_path):
    write(tmp_path / "in" / "a.txt", b"")
    write(tmp_path / "in" / "b.txt", b"\x00\x01\x02" * 40)
    r = cli("clean", tmp_path / "in", "-o", tmp_path / "out", "-j", "2", cwd=tmp_path)
    assert r.returncode == 5
    assert not (tmp_path / "out").exists()


def _start_batch(src: Path, out: Path, cwd: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*ocrmend_cmd(), "clean", str(src), "-o", str(out), *extra], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for_finished(out: Path, proc: subprocess.Popen, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (out / MANIFEST).is_file() and len(manifest_outputs(out)) >= at_least:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.005)
    raise AssertionError("the batch did not get going")


#: documents in the tree of ``many``: enough that a run lasts a few seconds
MANY = 2 * 40 + 1


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """80 chapters and a letter, and the outputs of an uninterrupted -j 2 run over them."""
    root = tmp_path_factory.mktemp("many")
    src = make_tree(root, copies=(MANY - 1) // 2)
    r = cli("clean", src, "-o", root / "ref", "-j", "2", "-q", cwd=root)
    assert r.returncode == 0, r.stderr
    return root, src, tree_files(root / "ref")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_killed_half_way_resumes_without_redoing_finished_work(many, jobs):
    root, src, reference = many
    out = root / f"killed-j{jobs}"
    proc = _start_batch(src, out, root, "-j", jobs)
    _wait_for_finished(out, proc, at_least=1)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, at once
    proc.wait()
    finished = manifest_outputs(out)
    assert 1 <= len(finished) < MANY, "killed too late to show anything"
    ids = stat_ids(out)
    finished_ids = {k: v for k, v in ids.items() if k.rsplit(".", 1)[0].split(".")[0] in finished}
    assert len(finished_ids) == 4 * len(finished)

    r = cli("clean", src, "-o", out, "-j", "2", cwd=root)
    assert r.returncode == 0, r.stderr
    assert f"{len(finished)} skipped (up to date)".encode() in r.stderr
    assert f"cleaned {MANY - len(finished)} file(s)".encode() in r.stderr
    after = stat_ids(out)
    assert {k: after[k] for k in finished_ids} == finished_ids  # finished work not done twice
    assert tree_files(out) == reference  # complete, and byte for byte an uninterrupted run
    assert no_partial_files(out)


@pytest.mark.parametrize("how, jobs", [("ctrl-c", "2"), ("sigterm", "2"), ("ctrl-c", "1")])
def test_ctrl_c_or_sigterm_stops_the_batch_cleanly_and_it_resumes(many, how, jobs):
    root, src, reference = many
    out = root / f"interrupted-{how}-j{jobs}"
    proc = _start_batch(src, out, root, "-j", jobs)
    _wait_for_finished(out, proc, at_least=1)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    else:
        os.kill(proc.pid, signal.SIGTERM)  # as `kill PID` or a job scheduler: the command only
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err and b"run the same command again to resume" in err and b"Traceback" not in err
    assert no_partial_files(out)
    finished = manifest_outputs(out)
    r = cli("clean", src, "-o", out, "-j", "2", cwd=root)
    assert r.returncode == 0 and f"{len(finished)} skipped".encode() in r.stderr
    assert tree_files(out) == reference
    stray = subprocess.run(["pgrep", "-f", str(out)], capture_output=True)  # no worker left behind
    assert stray.stdout == b""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_document_whose_outputs_cannot_be_put_in_place_fails_alone_in_its_group(tmp_path, jobs):
    """Small files go to the disk in groups; one of a group that cannot be written costs only
    itself: the others are in place and recorded, it is listed, and the next run does it."""
    src, out = tmp_path / "in", tmp_path / "out"
    names = [f"p{i:02d}" for i in range(40)]
    for i, name in enumerate(names):
        write(src / f"{name}.txt", f"Page {i}: the illu-\nsions of youth.\n")
    write(out / "p07.json" / "notes.txt", "a folder where an output goes")
    r = cli("clean", src, "-o", out, "-j", jobs, cwd=tmp_path)
    assert r.returncode == 4 and b"Traceback" not in r.stderr, r.stderr
    failures = [json.loads(line) for line in (out / FAILURES).read_text(encoding="utf-8").splitlines()]
    assert [f["input"] for f in failures] == [str(src / "p07.txt")]
    assert f"{out / 'p07.json'}: cannot write" in failures[0]["error"]
    assert manifest_outputs(out) == set(names) - {"p07"}
    for name in set(names) - {"p07"}:
        assert all((out / f"{name}{sfx}").is_file() for sfx in (".txt", ".json", ".changes.jsonl", ".diff"))
    assert no_partial_files(out)
    (out / "p07.json" / "notes.txt").unlink()
    (out / "p07.json").rmdir()
    r = cli("clean", src, "-o", out, "-j", jobs, cwd=tmp_path)
    assert r.returncode == 0 and b"cleaned 1 file(s)" in r.stderr and b"39 skipped" in r.stderr, r.stderr
    assert not (out / FAILURES).exists() and (out / "p07.json").is_file()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_a_group_keeps_no_file_open_and_puts_nothing_in_place_before_its_commit(tmp_path):
    from pipeline.outputs import Pending, atomic_write

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    pending, before = Pending(), open_files()
    for i in range(300):  # more than a group ever holds, times the threads of a Dask worker
        with pending.collecting(i):
            atomic_write(tmp_path / f"d{i}.txt", f"document {i}\n")
    assert open_files() == before
    assert not list(tmp_path.glob("d*.txt")) and len(list(tmp_path.glob(".d*.part"))) == 300
    assert pending.commit() == {}
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(f"d{i}.txt" for i in range(300))
    assert (tmp_path / "d299.txt").read_text(encoding="utf-8") == "document 299\n"


def test_check_and_diff_in_parallel_write_nothing_and_keep_input_order(serial, tmp_path):
    root, src, _, _ = serial
    r1 = cli("clean", src, "--diff", "-j", "1", "-o", tmp_path / "o", cwd=root)
    r2 = cli("clean", src, "--diff", "-j", "2", "-o", tmp_path / "o", cwd=root)
    assert r1.returncode == r2.returncode == 0
    assert r1.stdout == r2.stdout and r1.stdout.count(b"+++ cleaned/") == 7
    r = cli("clean", src, "--check", "-j", "2", "-o", tmp_path / "o", cwd=root)
    assert r.returncode == 1 and r.stderr.count(b"would change: ") == 7
    assert not (tmp_path / "o").exists()


def test_quiet_says_nothing_and_progress_needs_a_terminal(serial, tmp_path):
    root, src, _, _ = serial
    r = cli("clean", src, "-o", tmp_path / "q", "-j", "2", "-q", cwd=root)
    assert r.returncode == 0 and r.stderr == b"" and r.stdout == b""
    r = cli("clean", src, "-o", tmp_path / "p", "-j", "2", cwd=root)
    assert b"\r" not in r.stderr and b"doc/s" not in r.stderr  # not a terminal: no bar
    import pty

    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen([*ocrmend_cmd(), "clean", str(src), "-o", str(tmp_path / "t"), "-j", "2"], cwd=root,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    assert b"7/7" in seen and b"doc" in seen and b"pages" in seen and b"cleaned 7 file(s)" in seen


def test_manifest_ignores_a_line_cut_short_and_appends_on_a_fresh_line(tmp_path):
    from pipeline.batch import Outcome, Task

    m = tmp_path / MANIFEST
    m.write_text('{"output": "a", "key": "k1", "files": []}\n{"output": "b", "ke', encoding="utf-8")
    man = Manifest(tmp_path)
    assert man.previous("a") == "k1" and man.previous("b") is None
    man.record(Task(0, "in/c.txt", "/in/c.txt", str(tmp_path), "c", "c"), Outcome(0, "done", key="k3"))
    man.flush()
    lines = m.read_text().splitlines()
    assert json.loads(lines[-1])["output"] == "c" and lines[-2].endswith('"ke')
    man.close()
    assert [json.loads(x)["output"] for x in m.read_text().splitlines()] == ["a", "c"]


def test_sweep_removes_only_the_temporary_files_of_a_killed_writer(tmp_path):
    keep = [write(tmp_path / n, "x") for n in ("a.txt", ".hidden", "notes.part", ".a.txt.part")]
    gone = write(tmp_path / ".a.txt.k2j_9x0q.part", "half")
    assert sweep_partial_files([tmp_path]) == 1
    assert not gone.exists() and all(k.exists() for k in keep)


# -- Dask -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory, many):
    """A scheduler and two single-threaded worker processes, started as a user would, in the
    project folder (the one the batch runs from)."""
    root = many[0]
    info = tmp_path_factory.mktemp("dask") / "scheduler.json"
    py = sys.executable
    sched = subprocess.Popen([py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                              "--no-dashboard", "--scheduler-file", str(info)], cwd=root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [sched]
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() or not info.read_text().strip():
            assert time.monotonic() < deadline and sched.poll() is None, "no scheduler"
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        procs.append(subprocess.Popen([py, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
                                       "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"], cwd=root,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
            pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # separate processes
        yield address
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_a_dask_cluster_writes_the_outputs_of_a_serial_run_byte_for_byte(dask_cluster, many):
    root, src, _ = many
    serial = cli("clean", src, "-o", root / "j1", "-j", "1", "-q", cwd=root)
    assert serial.returncode == 0, serial.stderr
    r = cli("clean", src, "-o", root / "dask", "--scheduler", dask_cluster, cwd=root)
    assert r.returncode == 0, r.stderr
    assert f"cleaned {MANY} file(s)".encode() in r.stderr
    assert tree_files(root / "dask") == tree_files(root / "j1")
    # the same manifest: a local run after it has nothing left to do, and the reverse
    r = cli("clean", src, "-o", root / "dask", "-j", "2", cwd=root)
    assert f"{MANY} skipped".encode() in r.stderr
    r = cli("clean", src, "-o", root / "j1", cwd=root, env={**os.environ, "OCRMEND_SCHEDULER": dask_cluster})
    assert r.returncode == 0 and f"{MANY} skipped".encode() in r.stderr, r.stderr
    # the scheduler named in the configuration: where a run goes is not part of its outputs
    conf = write(root / "cluster.toml", f'[batch]\nscheduler = "{dask_cluster}"\n')
    r = cli("clean", src, "-o", root / "dask-conf", "--config", conf, cwd=root)
    assert r.returncode == 0 and f"cleaned {MANY} file(s)".encode() in r.stderr, r.stderr
    assert tree_files(root / "dask-conf") == tree_files(root / "j1")


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    src = write(tmp_path / "in" / "a.txt", "The illu-\nsions of youth\n")
    r = cli("clean", src, "-o", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path, timeout=120)
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.decode().strip().splitlines()
    assert line.startswith("ocrmend: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "out").exists()


def test_help_does_not_import_dask():
    code = "import sys; from pipeline.cli import main; assert 'distributed' not in sys.modules and 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_python_api_runs_a_batch(tmp_path, monkeypatch):
    from pipeline import batch
    from pipeline.config import Config

    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in" / "a.txt", "The illu-\nsions of youth\n")
    write(tmp_path / "in" / "b.txt", "")
    write(tmp_path / "in" / "c.txt", "Clean text.\n")
    tasks, refused = batch.plan([(tmp_path / "in" / f"{n}.txt", tmp_path / "out") for n in "abc"], tmp_path / "out")
    tally, code = batch.run(tasks, refused, Config(), batch.Options(out_root=tmp_path / "out", jobs=1, quiet=True))
    assert code == 4 and (tally.done, tally.unchanged, tally.failed) == (2, 1, 1)
    assert (tmp_path / "out" / "a.txt").read_text() == "The illusions of youth\n"
    tally, code = batch.run(tasks, refused, Config(), batch.Options(out_root=tmp_path / "out", jobs=1, quiet=True))
    assert tally.skipped == 2 and tally.done == 0


def test_scanned_pages_on_the_dask_cluster_give_the_local_outputs(dask_cluster, many):
    from ocr_pages import render_page, save

    root = many[0]
    src = root / "scans"
    src.mkdir()
    img, _ = render_page(dpi=200, words=40, page_number="7")
    save(img, src / "leaf.png", 200)
    write(src / "note.txt", "The illu-\nsions of youth\n")
    local = cli("clean", src, "-o", root / "scans-j1", "-j", "1", cwd=root)
    assert local.returncode == 0, local.stderr
    r = cli("clean", src, "-o", root / "scans-dask", "--scheduler", dask_cluster, cwd=root)
    assert r.returncode == 0, r.stderr
    assert b"1 page(s) OCRed" in r.stderr
    files = tree_files(root / "scans-dask")
    assert "leaf.ocr.txt" in files and "leaf.json" in files
    assert files == tree_files(root / "scans-j1")


def test_clashing_outputs_are_refused_before_any_work(tmp_path):
    write(tmp_path / "in" / "ch1.txt", "The illu-\nsions of youth\n")
    write(tmp_path / "in" / "ch1.md", "Another text with the same name.\n")
    r = cli("clean", tmp_path / "in", "-o", tmp_path / "out", "-j", "2", cwd=tmp_path)
    assert r.returncode == 4, r.stderr
    (line,) = [ln for ln in r.stderr.decode().splitlines() if ln.startswith("ocrmend: ")]
    assert "ch1.txt: its outputs would overwrite those of" in line and "ch1.md" in line
    assert (tmp_path / "out" / "ch1.txt").read_text() == "Another text with the same name.\n"
    (rec,) = [json.loads(x) for x in (tmp_path / "out" / FAILURES).read_text().splitlines()]
    assert rec["input"].endswith("ch1.txt") and "would overwrite" in rec["error"]


def test_an_unknown_batch_setting_is_a_usage_error(tmp_path):
    src = write(tmp_path / "in" / "a.txt", "The illu-\nsions of youth\n")
    write(tmp_path / "ocrmend.toml", '[batch]\nschedular = "tcp://127.0.0.1:8786"\n')
    r = cli("clean", src, "-o", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2 and b"unknown setting(s) schedular" in r.stderr
