"""`ocrmend clean` with the other commands' outputs: corrected hOCR/ALTO/PAGE copies (--to) and
review decisions that survive a re-run."""
import json
import shutil

from lxml import etree

from conftest import RAW
from pipeline.formats.checks import alto_problems, hocr_problems

LETTER = "The keeper wrote that he went home on the fifth of March. His illu-\nsions were gone.\n"


def _outputs(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_to_same_writes_a_corrected_copy_of_each_ocr_file_and_skips_other_xml(run_cli, tmp_path, monkeypatch):
    # the copies record the processing date: fixed here, so a rewritten copy is byte-comparable
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    src = tmp_path / "in"
    shutil.copytree(RAW / "formats", src)
    (src / "notes.xml").write_text("<notes><note>not OCR</note></notes>", encoding="utf-8")
    r = run_cli("clean", src, "-o", tmp_path / "out", "--to", "same")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    for stem in ("keeper-103", "keeper-104"):
        alto = etree.parse(str(out / f"{stem}.alto.xml")).getroot()
        assert alto_problems(alto) == []
        hocr = etree.parse(str(out / f"{stem}.hocr"), etree.HTMLParser()).getroot()
        assert hocr_problems(hocr) == []
        assert (out / f"{stem}.page.xml").is_file()
        # each input keeps its own outputs, and its log replays from its own raw text
        for name in (stem, f"{stem}.alto", f"{stem}.page"):
            rep = run_cli("replay", out / f"{name}.ocr.txt", out / f"{name}.changes.jsonl")
            assert rep.returncode == 0 and b"verified" in rep.stderr, (name, rep.stderr)
    assert not any(p.name.startswith("notes") for p in out.iterdir())
    # a re-run finds everything up to date, the copies included, and rewrites nothing
    before = _outputs(out)
    (out / "keeper-103.alto.xml").unlink()
    again = run_cli("clean", src, "-o", out, "--to", "same", "-v")
    assert again.returncode == 0, again.stderr
    assert _outputs(out) == before
    assert b"skipped" in again.stderr


def test_to_a_format_for_plain_text_writes_no_copy(run_cli, tmp_path):
    (tmp_path / "letter.txt").write_text(LETTER, encoding="utf-8")
    r = run_cli("clean", tmp_path / "letter.txt", "-o", tmp_path / "out", "--to", "alto")
    assert r.returncode == 0, r.stderr
    assert sorted(_outputs(tmp_path / "out")) == [".ocrmend-manifest.jsonl", "letter.changes.jsonl",
                                                  "letter.diff", "letter.json", "letter.txt"]


def test_review_decisions_survive_a_rerun_of_clean(run_cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "letter.txt").write_text(LETTER, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("clean", src, "-o", out).returncode == 0
    first = (out / "letter.txt").read_text(encoding="utf-8")
    assert "illusions" in first
    log = [json.loads(line) for line in (out / "letter.changes.jsonl").read_text(encoding="utf-8").splitlines()]
    join = next(c for c in log if c.get("kind") == "change" and c["rule"] == "dehyphenate.line_end")
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps({"format": "ocrmend-decisions", "version": 1, "reviewer": "R",
                                     "decisions": {join["id"]: {"doc": "letter", "action": "reject"}}}),
                         encoding="utf-8")
    applied = run_cli("apply", decisions, "--to", out)
    assert applied.returncode == 0, applied.stderr
    reviewed = _outputs(out)
    assert b"illu-\nsions" in reviewed["letter.txt"]
    # a plain re-run sees the decisions and gives the reviewed outputs again, byte for byte
    for args in ((), ("--force",)):
        r = run_cli("clean", src, "-o", out, *args)
        assert r.returncode == 0, r.stderr
        now = _outputs(out)
        for name in ("letter.txt", "letter.diff"):
            assert now[name] == reviewed[name], (args, name)
        old_json, new_json = json.loads(reviewed["letter.json"]), json.loads(now["letter.json"])
        assert new_json["blocks"] == old_json["blocks"] and new_json["flags"] == old_json["flags"]
        # the same changes; the header now names the decisions kept beside the outputs
        old_log, new_log = reviewed["letter.changes.jsonl"].splitlines(), now["letter.changes.jsonl"].splitlines()
        assert new_log[1:] == old_log[1:]
        review = json.loads(new_log[0])["review"][-1]
        assert review["decisions"] == "letter.decisions.json" and review["undone"] == [join["id"]]
    rep = run_cli("replay", src / "letter.txt", out / "letter.changes.jsonl")
    assert rep.returncode == 0 and b"verified" in rep.stderr
