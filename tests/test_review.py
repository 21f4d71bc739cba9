"""The review tools on the committed samples: reading a cleaned folder back, applying
decisions (undo, dependent drops, picked suggestions) so the log still replays, the saved
decisions surviving a re-run, ``ocrmend apply``/``explain``/``review`` as a user runs them,
and the page escaping everything it shows."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import RAW, ROOT, ocrmend_cmd
from pipeline import clean, replay
from pipeline.review.batch import read_batch, read_document, unreplay
from pipeline.review.decisions import (
    RULE,
    apply_saved,
    apply_to_changes,
    parse_decisions,
    saved_path,
)
from pipeline.review.page import embed_json, page_html, review_data

CASES = ROOT / "tests" / "cases" / "review"
MARKUP = "markup-and-doubt"


def _run(*args, cwd):
    return subprocess.run([*ocrmend_cmd(), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The samples plus the review case (OCR text with markup and a flagged word), cleaned
    by the real command line once for the module."""
    root = tmp_path_factory.mktemp("review")
    src = root / "in"
    shutil.copytree(RAW, src)  # the samples, with any subfolders
    for f in CASES.glob("*.txt"):
        shutil.copy(f, src / f.name)
    got = _run("clean", "in", "-o", "cleaned", "-q", cwd=root)
    assert got.returncode == 0, got.stderr
    return root


def _copy(batch: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cleaned"
    shutil.copytree(batch / "cleaned", out)
    return out


def _decisions(path: Path, items: dict, reviewer: str = "A. Reader") -> Path:
    path.write_text(json.dumps({"format": "ocrmend-decisions", "version": 1, "reviewer": reviewer,
                                "date": "2026-11-25T05:00:00Z", "decisions": items}), encoding="utf-8")
    return path


def test_the_raw_text_is_rebuilt_from_the_outputs_alone(batch):
    docs = {d.key: d for d in read_batch(batch / "cleaned")}
    assert set(docs) >= {"keeper-of-the-north-light", "keeper-page-13", MARKUP, "letter-cp1252"}
    assert docs[MARKUP].raw == (CASES / f"{MARKUP}.txt").read_text(encoding="utf-8")
    assert docs["letter-cp1252"].raw == (RAW / "letter-cp1252.txt").read_bytes().decode("cp1252")
    # a scan's raw text is its OCR text, written beside the outputs
    scan = docs["keeper-page-13"]
    assert scan.is_scan and scan.raw == (batch / "cleaned" / "keeper-page-13.ocr.txt").read_text(encoding="utf-8")


def test_undoing_a_log_that_does_not_fit_the_text_is_refused():
    r = clean("The \N{LATIN SMALL LIGATURE FI}sh")
    assert r.text.startswith("The fish")
    with pytest.raises(Exception, match="do not match their change log"):
        unreplay(r.text.replace("fish", "fosh"), r.changes)


def test_no_decisions_leave_every_document_as_it_was(batch):
    for doc in read_batch(batch / "cleaned"):
        out = apply_to_changes(doc.raw, doc.changes, doc.flags, {}, document=doc.key)
        assert out.text == doc.text
        assert out.changes == doc.changes
        assert not (out.undone or out.dropped or out.picked or out.problems)


def _by_atoms(raw: str, changes: list[dict], rejected: set[str]) -> tuple[str, list[str]]:
    """A model to check against, built another way: every character is an atom with an id;
    the full log rewrites a list of atoms, the reviewed text keeps only what the kept changes
    wrote. A change that would consume an atom the reviewed text lacks (written by an undone
    change) or atoms not side by side there depends on an undone change and is dropped."""
    chars = dict(enumerate(raw))
    full = list(range(len(raw)))
    kept_atoms = list(full)
    kept = []
    for c in changes:
        s, e = c["at"]
        fresh = list(range(len(chars), len(chars) + len(c["after"])))
        chars.update(zip(fresh, c["after"]))
        eaten = full[s:e]
        full[s:e] = fresh
        if c["id"] in rejected:
            continue
        where = {a: i for i, a in enumerate(kept_atoms)}
        if eaten:
            if any(a not in where for a in eaten):
                continue
            first = where[eaten[0]]
            if [where[a] for a in eaten] != list(range(first, first + len(eaten))):
                continue
        else:  # an insertion: between the atoms either side of it, which must be neighbours
            left, right = (full[s - 1] if s else None), (full[s + len(fresh)] if s + len(fresh) < len(full) else None)
            lpos = where.get(left, -1) if left is not None else -1
            rpos = where.get(right, len(kept_atoms)) if right is not None else len(kept_atoms)
            if (left is not None and left not in where) and (right is not None and right not in where):
                continue
            if left is not None and left in where and right is not None and right in where and rpos != lpos + 1:
                continue
            first = lpos + 1 if left is not None and left in where else rpos
        kept_atoms[first:first + len(eaten)] = fresh
        kept.append(c["id"])
    return "".join(chars[a] for a in kept_atoms), kept


@pytest.mark.parametrize("seed", range(8))
def test_any_set_of_rejections_gives_the_text_a_model_gives_and_a_log_that_replays(batch, seed):
    rng = random.Random(seed)
    for doc in read_batch(batch / "cleaned"):
        if not doc.changes:
            continue
        chosen = rng.sample(doc.changes, k=rng.randint(1, min(12, len(doc.changes))))
        decided = {c["id"]: {"action": "reject"} for c in chosen}
        out = apply_to_changes(doc.raw, doc.changes, doc.flags, decided, document=doc.key)
        text, kept_ids = _by_atoms(doc.raw, doc.changes, set(decided))
        assert out.text == text
        assert [c["id"] for c in out.changes] == kept_ids
        assert replay(doc.raw, out.changes) == out.text
        assert set(out.undone) == set(decided)
        dropped = {d["id"] for d in out.dropped}
        # every change is kept, undone, or dropped with what it depended on: exactly one of them
        assert set(kept_ids) | set(out.undone) | dropped == {c["id"] for c in doc.changes}
        assert len(kept_ids) + len(out.undone) + len(dropped) == len(doc.changes)


def test_rejecting_every_change_gives_the_raw_text_back(batch):
    for doc in read_batch(batch / "cleaned"):
        every = {c["id"]: {"action": "reject"} for c in doc.changes}
        assert apply_to_changes(doc.raw, doc.changes, doc.flags, every, document=doc.key).text == doc.raw


def test_rejecting_one_line_join_puts_back_exactly_that_line_break(batch):
    doc = read_document(batch / "cleaned" / f"{MARKUP}.changes.jsonl")
    join = next(c for c in doc.changes if c["before"] == "\n" and doc.raw[c["raw"][0] - 4:c["raw"][0]] == "into")
    out = apply_to_changes(doc.raw, doc.changes, doc.flags, {join["id"]: {"action": "reject"}}, document=doc.key)
    at = doc.text.index("into the margin") + len("into")
    assert out.text == doc.text[:at] + "\n" + doc.text[at + 1:]
    assert out.undone == [join["id"]] and not out.dropped


def test_a_change_made_on_top_of_a_rejected_one_is_dropped_and_named(batch):
    doc = read_document(batch / "cleaned" / "keeper-of-the-north-light.changes.jsonl")
    page_break = next(c for c in doc.changes if c["rule"] == "layout.form_feed")
    out = apply_to_changes(doc.raw, doc.changes, doc.flags, {page_break["id"]: {"action": "reject"}}, document=doc.key)
    assert out.dropped, "the seam join and unwraps over the page break depend on it"
    assert all(page_break["id"] in d["because"] for d in out.dropped)
    assert "\f" in out.text and replay(doc.raw, out.changes) == out.text


def test_a_picked_suggestion_becomes_a_review_change_with_a_stable_id(batch):
    doc = read_document(batch / "cleaned" / f"{MARKUP}.changes.jsonl")
    flag = next(f for f in doc.flags if f["text"] == "jome")
    assert "home" in flag["suggestions"]
    decided = {flag["id"]: {"action": "pick", "value": "home"}}
    first = apply_to_changes(doc.raw, doc.changes, doc.flags, decided, document=doc.key, reviewer="A. Reader")
    again = apply_to_changes(doc.raw, doc.changes, doc.flags, decided, document=doc.key)
    assert first.text == doc.text.replace("went jome", "went home")
    last = first.changes[-1]
    assert (last["stage"], last["rule"], last["before"], last["after"], last["flag"]) == ("review", RULE, "jome", "home", flag["id"])
    assert "A. Reader" in last["reason"]
    assert last["id"] == again.changes[-1]["id"]
    assert replay(doc.raw, first.changes) == first.text


def test_a_value_that_is_not_a_suggestion_and_an_unknown_id_are_reported_not_applied(batch):
    doc = read_document(batch / "cleaned" / f"{MARKUP}.changes.jsonl")
    flag = doc.flags[0]
    decided = {flag["id"]: {"action": "pick", "value": "<b>x</b>"}, "0123456789ab": {"action": "reject"}}
    out = apply_to_changes(doc.raw, doc.changes, doc.flags, decided, document=doc.key)
    assert out.text == doc.text
    assert len(out.problems) == 2


def test_bad_decisions_files_say_what_is_wrong():
    for data, words in [(b"not json", "not a JSON"), (b"[]", "\"decisions\" object"),
                        (b'{"decisions": {"a": {"action": "reject"}}}', "needs \"doc\""),
                        (b'{"decisions": {"a": {"doc": "d", "action": "pick"}}}', "needs \"value\""),
                        (b'{"version": 9, "decisions": {}}', "newer")]:
        with pytest.raises(Exception, match=re.escape(words)) as info:
            parse_decisions(data)
        assert info.value.exit_code == 2


def test_apply_rewrites_the_outputs_and_the_log_still_replays(batch, tmp_path):
    out = _copy(batch, tmp_path)
    doc = read_document(out / f"{MARKUP}.changes.jsonl")
    join = doc.changes[0]
    flag = doc.flags[0]
    dec = _decisions(tmp_path / "mine.json", {join["id"]: {"doc": MARKUP, "action": "reject"},
                                              flag["id"]: {"doc": MARKUP, "action": "pick", "value": "home"}})
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(MARKUP)}
    got = _run("apply", dec, "--to", out, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout == ""
    assert "1 undone" in got.stderr and "1 suggestion(s) picked" in got.stderr
    text = (out / f"{MARKUP}.txt").read_text(encoding="utf-8")
    assert "went home" in text and "jome" not in text
    assert text.count("\n") == doc.text.count("\n") + 1
    # the log says who decided what, and replays to the new text
    header = json.loads((out / f"{MARKUP}.changes.jsonl").read_text(encoding="utf-8").splitlines()[0])
    review = header["review"][-1]
    assert review["reviewer"] == "A. Reader" and review["decisions"] == "mine.json" and len(review["sha256"]) == 64
    assert review["undone"] == [join["id"]] and review["picked"][0]["value"] == "home"
    rep = _run("replay", CASES / f"{MARKUP}.txt", out / f"{MARKUP}.changes.jsonl", cwd=tmp_path)
    assert rep.returncode == 0 and "verified" in rep.stderr
    diff = (out / f"{MARKUP}.diff").read_text(encoding="utf-8")
    assert "-the margin; the keeper himself wrote only that he went jome" in diff and "went home before" in diff
    assert json.loads((out / f"{MARKUP}.json").read_text(encoding="utf-8"))["flags"][0]["resolved"].startswith("picked 'home'")
    assert saved_path(out, MARKUP).is_file()
    # the other documents are not touched
    assert before == {p.name: p.read_bytes() for p in out.iterdir() if p.name in before}


def test_apply_refuses_bad_input_with_one_line_and_writes_nothing(batch, tmp_path):
    out = _copy(batch, tmp_path)
    snapshot = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    got = _run("apply", bad, "--to", out, cwd=tmp_path)
    assert got.returncode == 2 and got.stderr.count("\n") == 1 and "Traceback" not in got.stderr
    other = _decisions(tmp_path / "other.json", {"abc": {"doc": "no-such-document", "action": "reject"}})
    got = _run("apply", other, "--to", out, cwd=tmp_path)
    assert got.returncode == 5 and "no-such-document" in got.stderr and "Traceback" not in got.stderr
    got = _run("apply", tmp_path / "missing.json", "--to", out, cwd=tmp_path)
    assert got.returncode != 0 and "no such file" in got.stderr
    assert snapshot == {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def test_saved_decisions_are_applied_again_to_a_fresh_run(batch, tmp_path):
    out = _copy(batch, tmp_path)
    doc = read_document(out / f"{MARKUP}.changes.jsonl")
    flag = doc.flags[0]
    dec = _decisions(tmp_path / "d.json", {doc.changes[-1]["id"]: {"doc": MARKUP, "action": "reject"},
                                           flag["id"]: {"doc": MARKUP, "action": "pick", "value": "come"}})
    assert _run("apply", dec, "--to", out, cwd=tmp_path).returncode == 0
    fresh = clean(CASES / f"{MARKUP}.txt")
    assert apply_saved(fresh, tmp_path / "nowhere", MARKUP) is fresh
    again = apply_saved(fresh, out, MARKUP)
    assert again.text == (out / f"{MARKUP}.txt").read_text(encoding="utf-8")
    assert "went come" in again.text
    assert again.changes_jsonl().splitlines()[1:] == (out / f"{MARKUP}.changes.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    assert replay(again.raw, again.changes_jsonl()) == again.text
    assert again.header()["review"][0]["reviewer"] == "A. Reader"


def test_explain_prints_every_change_and_flag_with_its_reason(batch, tmp_path):
    got = _run("explain", batch / "cleaned" / f"{MARKUP}.txt", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    doc = read_document(batch / "cleaned" / f"{MARKUP}.changes.jsonl")
    for c in doc.changes:
        assert c["id"] in got.stdout
    assert "spelling.nonword" in got.stdout and "[jome]" in got.stdout and "'home'" in got.stdout
    assert "printed line break inside a paragraph" in got.stdout and "[⏎ →  ]" in got.stdout
    assert "\x1b[" not in got.stdout  # no colour into a pipe
    only = _run("explain", batch / "cleaned" / f"{MARKUP}.changes.jsonl", "--rule", "spelling", cwd=tmp_path)
    assert "0 change(s), 1 flag(s)" in only.stdout and "reflow" not in only.stdout
    # an input, not an output: cleaned in memory
    raw = _run("explain", CASES / f"{MARKUP}.txt", cwd=tmp_path)
    assert raw.returncode == 0 and "[jome]" in raw.stdout
    missing = _run("explain", tmp_path / "nope.txt", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_the_page_is_self_contained_and_carries_text_only_as_escaped_data(batch, tmp_path):
    got = _run("review", batch / "cleaned", "-o", tmp_path / "r.html", "--raw", batch / "in", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "6 document(s)" in got.stderr or "document(s)" in got.stderr
    # nothing is fetched: no URL to load, and a policy that forbids it
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page
    # the OCR text's markup is in the page only as escaped JSON, never as markup
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "innerHTML" not in page
    # the scans have crops of their page images
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S).group(1))
    scan = next(d for d in data["docs"] if d["key"] == "keeper-page-13")
    assert scan["crops"] and all(c.startswith("data:image/png;base64,") for c in scan["crops"])
    assert all(row[13] >= 0 for row in scan["changes"])


def test_embedded_text_cannot_close_the_script_block():
    nasty = {"docs": [], "title": "</script><script>alert(1)</script>\u2028&amp;"}
    html = page_html({**review_data([], title=nasty["title"]), "docs": []})
    assert html.count("</script>") == 2
    assert "<title>ocrmend review: &lt;/script&gt;" in html
    assert json.loads(embed_json(nasty)) == nasty


def test_review_of_a_folder_that_is_not_a_batch_is_a_usage_error(tmp_path):
    got = _run("review", tmp_path / "nothing", cwd=tmp_path)
    assert got.returncode == 2 and "no such folder" in got.stderr
    (tmp_path / "empty").mkdir()
    got = _run("review", tmp_path / "empty", cwd=tmp_path)
    assert got.returncode == 2 and "run ocrmend clean first" in got.stderr


def test_a_scanned_page_keeps_its_header_when_its_removal_is_rejected(batch, tmp_path):
    out = _copy(batch, tmp_path)
    name = "keeper-page-13"
    doc = read_document(out / f"{name}.changes.jsonl")
    header = next(c for c in doc.changes if c.get("removes") == "header")
    dec = _decisions(tmp_path / "scan.json", {header["id"]: {"doc": name, "action": "reject"}})
    got = _run("apply", dec, "--to", out, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    text = (out / f"{name}.txt").read_text(encoding="utf-8")
    assert text == header["before"] + doc.text
    blocks = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["blocks"]
    assert next(b for b in blocks if b["kind"] == "header")["in_body"] is True
    # a scan replays from its OCR text; given the image, replay finds that text itself
    rep = _run("replay", batch / "in" / f"{name}.png", out / f"{name}.changes.jsonl", cwd=tmp_path)
    assert rep.returncode == 0 and rep.stdout == text
    # the same file again: said, and nothing changes
    again = _run("apply", dec, "--to", out, cwd=tmp_path)
    assert again.returncode == 0 and "applied already" in again.stderr
    assert (out / f"{name}.txt").read_text(encoding="utf-8") == text


def test_decisions_that_cannot_be_applied_are_named_and_exit_4(batch, tmp_path):
    out = _copy(batch, tmp_path)
    doc = read_document(out / f"{MARKUP}.changes.jsonl")
    dec = _decisions(tmp_path / "stale.json", {"0123456789ab": {"doc": MARKUP, "action": "reject"},
                                               doc.changes[0]["id"]: {"doc": MARKUP, "action": "reject"}})
    got = _run("apply", dec, "--to", out, cwd=tmp_path)
    assert got.returncode == 4
    assert "0123456789ab: no such change or flag" in got.stderr
    # the decision that could be applied was
    assert "1 undone" in got.stderr
    assert len(read_document(out / f"{MARKUP}.changes.jsonl").changes) == len(doc.changes) - 1


def test_a_reviewed_scan_still_knows_where_each_word_is(batch):
    """The hOCR/ALTO/PAGE writers find each OCR word in the clean text through ``word_spans``:
    after a review the words must be where the reviewed text has them."""
    from pipeline.review.decisions import Decisions, reviewed_result

    fresh = clean(RAW / "keeper-page-13.png")
    header = next(c for c in fresh.changes if c.get("removes") == "header")
    dec = Decisions(by_doc={"keeper-page-13": {header["id"]: {"action": "reject"}}})
    reviewed, _ = reviewed_result(fresh, dec, "keeper-page-13")
    assert reviewed.text == header["before"] + fresh.text
    spans, old = reviewed.word_spans, fresh.word_spans
    words = fresh.ocr_document.words
    head = [reviewed.text[spans[2 * i]:spans[2 * i + 1]] for i in range(6)]
    assert head == ["THE", "KEEPER", "OF", "THE", "NORTH", "LIGHT"]
    shift = len(header["before"])
    assert all(spans[2 * i] == old[2 * i] + shift and spans[2 * i + 1] == old[2 * i + 1] + shift
               for i in range(6, len(words)))
