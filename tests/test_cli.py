"""The command line as a user runs it: files, folders, streams and exit codes."""
import json
import re
import shutil

from conftest import RAW, SEED, write

SAMPLE = "The illu-\nsions of youth\nend here.\n"
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d|Z)?")


def _undated(data: bytes) -> bytes:
    return _TIMESTAMP.sub(b"<date>", data)



def test_help_lists_commands_and_exit_codes(run_cli):
    r = run_cli("--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    for cmd in ("clean", "rules", "replay"):
        assert cmd in out
    assert "70 internal error" in out


def test_default_job_cleans_raw_into_cleaned(run_cli, tmp_path):
    write(tmp_path / "raw" / "a.txt", SAMPLE)
    write(tmp_path / "raw" / "sub" / "b.txt", "Some more text.\n")
    r = run_cli("clean")
    assert r.returncode == 0, r.stderr
    for name in ("a", "sub/b"):
        for sfx in (".txt", ".json", ".changes.jsonl", ".diff"):
            assert (tmp_path / "cleaned" / f"{name}{sfx}").is_file()
    assert (tmp_path / "cleaned" / "a.txt").read_text() == "The illusions of youth end here.\n"
    # stdout stays empty: data only goes there when asked; the summary is on stderr
    assert r.stdout == b""
    assert b"cleaned 2 file(s)" in r.stderr
    data = json.loads((tmp_path / "cleaned" / "a.json").read_text())
    assert data["blocks"][0]["kind"] == "paragraph"
    assert (tmp_path / "raw" / "a.txt").read_text() == SAMPLE


def test_replay_command_verifies_the_log(run_cli, tmp_path):
    src = write(tmp_path / "in" / "a.txt", SAMPLE)
    assert run_cli("clean", src, "-o", tmp_path / "out").returncode == 0
    r = run_cli("replay", src, tmp_path / "out" / "a.changes.jsonl")
    assert r.returncode == 0
    assert r.stdout.decode() == (tmp_path / "out" / "a.txt").read_text()
    assert b"verified" in r.stderr
    # a tampered clean text is caught
    (tmp_path / "out" / "a.txt").write_text("something else\n")
    assert run_cli("replay", src, tmp_path / "out" / "a.changes.jsonl").returncode == 1
    # a log that does not fit this raw text is refused with one line
    other = write(tmp_path / "in" / "other.txt", "completely different\n")
    r = run_cli("replay", other, tmp_path / "out" / "a.changes.jsonl")
    assert r.returncode == 1 and len(r.stderr.decode().strip().splitlines()) == 1


def test_stdin_to_stdout(run_cli):
    r = run_cli("clean", "-", input=SAMPLE.encode())
    assert r.returncode == 0
    assert r.stdout.decode() == "The illusions of youth end here.\n"
    r = run_cli("clean", "-", "--diff", input=SAMPLE.encode())
    assert r.stdout.decode().startswith("--- raw/stdin")


def test_check_and_diff_write_nothing(run_cli, tmp_path):
    src = write(tmp_path / "in" / "a.txt", SAMPLE)
    r = run_cli("clean", src, "-o", tmp_path / "out", "--check")
    assert r.returncode == 1
    assert not (tmp_path / "out").exists()
    r = run_cli("clean", src, "-o", tmp_path / "out", "--diff")
    assert r.returncode == 0 and b"+The illusions" in r.stdout
    assert not (tmp_path / "out").exists()
    clean_file = write(tmp_path / "in2" / "c.txt", "Already clean.\n")
    assert run_cli("clean", clean_file, "--check").returncode == 0


def test_rules_lists_every_rule(run_cli):
    r = run_cli("rules")
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    assert any(line.startswith("encoding.soft_hyphen") for line in lines)
    r = run_cli("rules", "--json")
    recs = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert all(rec["doc"] and rec["safety"] in ("safe", "unsafe", "suggest") for rec in recs)
    stages = [rec["stage"] for rec in recs]
    order = ["ocr", "encoding", "layout", "fragments", "dehyphenate", "reflow", "spelling"]
    assert stages == sorted(stages, key=order.index)


def test_bad_inputs_fail_one_line_each_and_the_rest_is_processed(run_cli, tmp_path):
    good = write(tmp_path / "in" / "good.txt", SAMPLE)
    write(tmp_path / "in" / "empty.txt", b"")
    write(tmp_path / "in" / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(tmp_path / "in" / "unknown.txt", "Это просто текст в кодировке КОИ-8, не в UTF-8. " .encode("koi8-r") * 3)
    (tmp_path / "in" / "folder.txt").mkdir()
    r = run_cli("clean", tmp_path / "in", "-o", tmp_path / "out")
    assert r.returncode == 4, r.stderr
    errors = [line for line in r.stderr.decode().splitlines() if line.startswith("ocrmend:")]
    assert len(errors) == 3, errors
    for name in ("empty.txt", "binary.txt", "unknown.txt"):
        assert any(name in e for e in errors)
    assert "Traceback" not in r.stderr.decode()
    assert (tmp_path / "out" / "good.txt").is_file()
    leftovers = sorted(p.name for p in (tmp_path / "out").iterdir())
    # the outputs of the good file, the run's manifest and the list of what failed: nothing half-written
    assert leftovers == [".ocrmend-manifest.jsonl", "failures.jsonl", "good.changes.jsonl", "good.diff", "good.json", "good.txt"]
    assert good.read_text() == SAMPLE


def test_every_input_failing_has_its_own_code(run_cli, tmp_path):
    write(tmp_path / "in" / "empty.txt", b"  \n")
    r = run_cli("clean", tmp_path / "in" / "empty.txt", "-o", tmp_path / "out")
    assert r.returncode == 5
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    r = run_cli("clean", tmp_path / "nowhere.txt")
    assert r.returncode == 5 and b"no such file" in r.stderr


def test_output_that_cannot_be_written(run_cli, tmp_path):
    src = write(tmp_path / "in" / "a.txt", SAMPLE)
    blocker = write(tmp_path / "blocker", "a file where a folder should be")
    r = run_cli("clean", src, "-o", blocker / "out")
    assert r.returncode == 5
    msg = r.stderr.decode()
    assert "cannot write" in msg and "Traceback" not in msg


def test_output_equal_to_input_is_refused(run_cli, tmp_path):
    src = write(tmp_path / "d" / "a.txt", SAMPLE)
    r = run_cli("clean", src, "-o", tmp_path / "d")
    assert r.returncode == 5
    assert b"overwrite the input" in r.stderr
    assert src.read_text() == SAMPLE


def test_non_utf8_input_is_decoded_and_said(run_cli, tmp_path):
    src = write(tmp_path / "in" / "w.txt", "“Caf\u00e9” \u2014 na\u00efve.\n".encode("cp1252"))
    r = run_cli("clean", src, "-o", tmp_path / "out")
    assert r.returncode == 0
    assert b"cp1252" in r.stderr
    assert (tmp_path / "out" / "w.txt").read_text(encoding="utf-8") == "“Café” — naïve.\n"
    header = json.loads((tmp_path / "out" / "w.changes.jsonl").read_text().splitlines()[0])
    assert header["kind"] == "header" and header["encoding"] == "cp1252"
    assert run_cli("replay", src, tmp_path / "out" / "w.changes.jsonl").returncode == 0


def test_keep_select_ignore_and_config_file(run_cli, tmp_path):
    src = write(tmp_path / "in" / "a.txt", SAMPLE)
    r = run_cli("clean", src, "-o", tmp_path / "o1", "--ignore", "dehyphenate,reflow")
    assert r.returncode == 0
    assert (tmp_path / "o1" / "a.txt").read_text() == SAMPLE
    write(tmp_path / "ocrmend.toml", 'ignore = ["dehyphenate"]\n')
    r = run_cli("clean", src, "-o", tmp_path / "o2")
    assert "illu-" in (tmp_path / "o2" / "a.txt").read_text()
    write(tmp_path / "bad.toml", "colour = 'red'\n")
    r = run_cli("clean", src, "--config", tmp_path / "bad.toml")
    assert r.returncode == 2 and b"unknown configuration key" in r.stderr
    r = run_cli("clean", src, "--keep", "everything")
    assert r.returncode == 2


def test_python_dash_m_works(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "pipeline", "clean", "-"], input=SAMPLE.encode(), capture_output=True)
    assert r.returncode == 0 and r.stdout.decode().startswith("The illusions")


def test_committed_samples_match_a_fresh_run(run_cli, tmp_path):
    """cleaned/ holds what the tool does to raw/ now (regenerate with `ocrmend clean`)."""
    shutil.copytree(RAW, tmp_path / "raw")
    r = run_cli("clean", "raw/", "--to", "same", "-q")  # the README's main job
    assert r.returncode == 0, r.stderr
    committed = RAW.parent / "cleaned"
    for f in sorted((tmp_path / "cleaned").rglob("*")):
        # the manifest is bookkeeping: its keys name this machine's Tesseract
        if f.is_file() and f.name != ".ocrmend-manifest.jsonl":
            rel = f.relative_to(tmp_path / "cleaned")
            want, got = (committed / rel).read_bytes(), f.read_bytes()
            if f.suffix in (".xml", ".hocr"):  # corrected copies carry the date of their run
                want, got = _undated(want), _undated(got)
            assert want == got, f"cleaned/{rel} is stale"
    assert SEED.is_file()
