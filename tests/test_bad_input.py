"""Hostile inputs and situations through the real command line: each gets one line on stderr
naming the file (no traceback), the documented exit code, the rest of the batch processed,
and no half-written or temporary file left.

The cases test_cli.py already has (empty, binary and KOI8-R files, a folder named .txt, a
missing path, an output path under a file, output equal to input, cp1252) are not repeated.
"""
import json
import os
import struct
import zlib
from pathlib import Path

import pytest

from conftest import RAW, SEED, write
from test_ocr_inputs import _pdf

GOOD = "The illu-\nsions of youth\nend here.\n"
CLEAN = "The illusions of youth end here.\n"

def error_lines(r) -> list[str]:
    """The stderr lines of failures (the summary and notes are the other lines)."""
    return [ln for ln in r.stderr.decode("utf-8", "replace").splitlines() if ln.startswith("ocrmend: ")]


def no_leftovers(out: Path) -> bool:
    return not [f for f in out.rglob("*") if f.name.endswith((".part", ".tmp"))]


# -- clean: one bad entry beside a good file ------------------------------------------------------

def _tiff_with_a_damaged_page() -> bytes:
    """Three LZW-compressed pages, the data of the second one overwritten."""
    import io

    from PIL import Image, ImageDraw

    pages = []
    for i in range(3):
        im = Image.new("L", (300, 100), 255)
        ImageDraw.Draw(im).text((10, 40), f"Page {i + 1} of the illusions of youth.", fill=0)
        pages.append(im)
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    data = bytearray(buf.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as im:
        im.seek(1)
        offset, size = im.tag_v2[273][0], im.tag_v2[279][0]  # StripOffsets, StripByteCounts
    data[offset + size // 4:offset + size // 2] = bytes(size // 2 - size // 4)
    return bytes(data)


def _pdf_without_pages() -> bytes:
    return _pdf(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"])


def _make_fifo(p: Path) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(p)


#: id -> (how to make the bad entry under in/, the arguments of `clean` after the
#: inputs' folder is made, the bits its one error line must hold); the error line must open
#: with the bad input's name as the user gave it
CLEAN_CASES = {
    # a name that is not UTF-8 went into the UTF-8 manifest and failures.jsonl: exit 70
    "file name not UTF-8": (lambda d: write(Path(os.fsdecode(bytes(d) + b"/caf\xe9.txt")), GOOD),
                            ["in"], ["in/caf\\xe9.txt: ", "not UTF-8", "rename it"]),
    # the error line was cut in two by the name
    "newline in the file name": (lambda d: write(d / "bad\nname.txt", b""), ["in"],
                                 ["in/bad\\nname.txt: ", "empty file"]),
    # reading a named pipe waited for ever; /dev/zero never ended
    "named pipe given": (lambda d: _make_fifo(d / "pipe.txt"), ["in/pipe.txt", "in/good.txt"],
                         ["in/pipe.txt: ", "not a regular file"]),
    "device given": (lambda d: None, ["/dev/zero", "in/good.txt"], ["/dev/zero: ", "not a regular file"]),
    # a reader of hOCR/ALTO/PAGE named the document ("broken"), not the file
    "truncated ALTO": (lambda d: write(d / "broken.alto.xml",
                                       (RAW / "formats" / "keeper-103.alto.xml").read_bytes()[:3000]),
                       ["in"], ["in/broken.alto.xml: ", "not well-formed XML"]),
    "ALTO declaring entities": (lambda d: write(d / "ent.alto.xml", (RAW / "formats" / "keeper-103.alto.xml").read_bytes()
                                                .replace(b"?>", b'?>\n<!DOCTYPE alto [<!ENTITY x "y">]>', 1)),
                                ["in"], ["in/ent.alto.xml: ", "declares XML entities"]),
    # an output that cannot be written named the output only, not the input it was for
    "an output blocked by a folder": (lambda d: (d.parent / "out" / "other.json").mkdir(parents=True)
                                      or write(d / "other.txt", GOOD),
                                      ["in"], ["in/other.txt: ", "other.json: cannot write"]),
}

IMAGE_CASES = {
    # Pillow's UserWarning about the damaged metadata came first, on two lines of its own
    "TIFF header then garbage": (lambda d: write(d / "garbage.tif", b"II*\x00" + bytes(range(256)) * 4),
                                 ["in"], ["in/garbage.tif: ", "not an image"]),
    # libtiff printed its own line about the strip before ocrmend's
    "multi-page TIFF with one damaged page": (lambda d: write(d / "pages.tif", _tiff_with_a_damaged_page()),
                                              ["in"], ["in/pages.tif page 2: ", "cannot be decoded"]),
    # "Failed to load document (PDFium: Success)"
    "PDF without pages": (lambda d: write(d / "none.pdf", _pdf_without_pages()), ["in"],
                          ["in/none.pdf: ", "no pages"]),
}


def _check_batch(run_cli, tmp_path, make, args, bits):
    src = tmp_path / "in"
    write(src / "good.txt", GOOD)
    make(src)
    r = run_cli("clean", *args, "-o", "out", "-j", "1")
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 4, err  # some inputs failed, the others were processed
    assert "Traceback" not in err and "Warning" not in err, err
    lines = error_lines(r)
    assert len(lines) == 1, lines
    assert lines[0].startswith("ocrmend: " + bits[0]), lines
    for bit in bits[1:]:
        assert bit in lines[0], lines
    # stderr holds only ocrmend's own lines: failures, notes on decoding, the summary
    assert all(ln.startswith(("ocrmend: ", "cleaned ", "  by stage", "  failures")) for ln in err.splitlines()), err
    out = tmp_path / "out"
    assert (out / "good.txt").read_text(encoding="utf-8") == CLEAN
    assert no_leftovers(out)
    failures = [json.loads(ln) for ln in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(failures) == 1 and bits[1] in failures[0]["error"]


@pytest.mark.parametrize("case", sorted(CLEAN_CASES))
def test_a_bad_input_is_one_line_naming_it_and_the_rest_is_cleaned(run_cli, tmp_path, case):
    _check_batch(run_cli, tmp_path, *CLEAN_CASES[case])


@pytest.mark.parametrize("case", sorted(IMAGE_CASES))
def test_a_bad_image_is_one_line_and_no_library_writes_to_stderr(run_cli, tmp_path, case):
    _check_batch(run_cli, tmp_path, *IMAGE_CASES[case])


def test_ocr_refuses_a_file_name_that_is_not_utf8_and_writes_nothing_for_it(run_cli, tmp_path):
    """NAME.ocr.json names the document: writing it failed after NAME.ocr.txt was written,
    and the run ended as an internal error (exit 70)."""
    from PIL import Image

    bad = Path(os.fsdecode(bytes(tmp_path) + b"/in/p\xe9.png"))
    bad.parent.mkdir()
    Image.new("L", (200, 80), 255).save(bad)
    r = run_cli("ocr", "in", "-o", "out", "-j", "1")
    assert r.returncode == 5, r.stderr
    lines = error_lines(r)
    assert lines == ["ocrmend: in/p\\xe9.png: the file name is not UTF-8; rename it "
                     "(convmv -f ENCODING -t UTF-8 --notest FILE)"], lines
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_manifest_that_cannot_be_written_does_not_stop_the_batch(run_cli, tmp_path):
    """Its lines are flushed every half second while documents finish: that write failing
    ended the run as an internal error (exit 70) with the outputs half done."""
    src = tmp_path / "in"
    seed = SEED.read_bytes()
    for i in range(10):
        write(src / f"d{i}.txt", seed + f"\nCopy {i}.\n".encode())
    (tmp_path / "out" / ".ocrmend-manifest.jsonl").mkdir(parents=True)
    r = run_cli("clean", "in", "-o", "out", "-j", "1")
    assert r.returncode == 0, r.stderr
    lines = error_lines(r)
    assert len(lines) == 1 and "manifest.jsonl: cannot be written" in lines[0], lines
    for i in range(10):
        assert all((tmp_path / "out" / f"d{i}{sfx}").is_file() for sfx in (".txt", ".json", ".changes.jsonl", ".diff"))
    assert no_leftovers(tmp_path / "out")


def test_an_output_folder_inside_the_input_folder_is_not_read_as_input(run_cli, tmp_path):
    write(tmp_path / "book" / "ch1.txt", GOOD)
    for _ in range(2):
        r = run_cli("clean", "book", "-o", "book/cleaned", "-j", "1")
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "book" / "cleaned" / "ch1.txt").read_text() == CLEAN
    assert not (tmp_path / "book" / "cleaned" / "cleaned").exists()


# -- standard input -----------------------------------------------------------------------------------

STDIN_CASES = {
    # read whole however long it was (`yes | ocrmend clean -` ate the memory)
    "over max_bytes": (b"A line of text.\n" * 100, "over the limit of 1000 bytes"),
    # the only input failing exited 4 ("some failed"), a file alone exits 5
    "binary": (bytes(range(256)) * 2, "binary data"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("case", sorted(STDIN_CASES))
def test_bad_standard_input_is_one_line_and_exit_5(run_cli, tmp_path, case):
    data, bit = STDIN_CASES[case]
    write(tmp_path / "ocrmend.toml", "max_bytes = 1000\n")
    r = run_cli("clean", "-", input=data)
    assert r.returncode == 5, r.stderr
    assert r.stdout == b""
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ocrmend: stdin: ") and bit in lines[0], lines


# -- replay: change logs edited by hand -------------------------------------------------------------

def _edit_change(**fields):
    def edit(lines: list[str]) -> list[str]:
        rec = json.loads(lines[1])
        rec.update(fields)
        return [lines[0], json.dumps(rec), *lines[2:]]
    return edit


def _edit_header(**fields):
    def edit(lines: list[str]) -> list[str]:
        rec = json.loads(lines[0])
        rec.update(fields)
        return [json.dumps(rec), *lines[1:]]
    return edit


#: id -> (how the log's lines are edited, or its new bytes; what the one error line says).
#: Each of these ended as an internal error (exit 70).
REPLAY_CASES = {
    "binary": (bytes(range(256)), "not UTF-8"),
    "saved as Latin-1": (lambda lines: "\n".join(lines).replace("illu", "illé").encode("latin-1"), "not UTF-8"),
    "nested without end": (lambda lines: [lines[0], "[" * 100_000 + "]" * 100_000], "not a change log"),
    "schema as a string": (_edit_header(schema="2"), "not a change log"),
    "encoding no codec knows": (_edit_header(encoding="no-such-codec"), "no codec"),
    "encoding as a number": (_edit_header(encoding=5), "no codec"),
    "at as floats": (_edit_change(at=[8.0, 10.0]), "shape"),
    "after as a number": (_edit_change(after=5), "shape"),
}


@pytest.fixture
def cleaned(run_cli, tmp_path):
    src = write(tmp_path / "in" / "a.txt", GOOD)
    assert run_cli("clean", src, "-o", tmp_path / "out").returncode == 0
    return src, tmp_path / "out" / "a.changes.jsonl"


@pytest.mark.parametrize("case", sorted(REPLAY_CASES))
def test_a_hand_edited_log_is_one_line_naming_it_and_exit_1(run_cli, tmp_path, cleaned, case):
    src, log = cleaned
    edit, bit = REPLAY_CASES[case]
    if isinstance(edit, bytes):
        data = edit
    else:
        edited = edit(log.read_text(encoding="utf-8").splitlines())
        data = edited if isinstance(edited, bytes) else ("\n".join(edited) + "\n").encode()
    bad = write(tmp_path / "edited.changes.jsonl", data)
    r = run_cli("replay", src, bad)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ocrmend: {bad}: ") and bit in lines[0], lines


def test_a_bad_record_of_a_log_names_the_log(run_cli, tmp_path, cleaned):
    """A change that does not fit said "change 1: ...", not which log it was in."""
    src, log = cleaned
    bad = write(tmp_path / "edited.changes.jsonl",
                "\n".join(_edit_change(before="zzz")(log.read_text().splitlines())) + "\n")
    r = run_cli("replay", src, bad)
    assert r.returncode == 1
    assert r.stderr.decode().startswith(f"ocrmend: {bad}: change 1 ")


# -- review and apply: a cleaned folder or decisions edited by hand ---------------------------------

@pytest.mark.parametrize("case", sorted(k for k in REPLAY_CASES if "encoding" not in k))  # (review reads no raw)
def test_review_of_a_hand_edited_log_is_one_line_naming_it(run_cli, tmp_path, cleaned, case):
    """These ended as internal errors (exit 70) in review, explain and apply."""
    _, log = cleaned
    edit, _ = REPLAY_CASES[case]
    if isinstance(edit, bytes):
        data = edit
    else:
        edited = edit(log.read_text(encoding="utf-8").splitlines())
        data = edited if isinstance(edited, bytes) else ("\n".join(edited) + "\n").encode()
    log.write_bytes(data)
    r = run_cli("review", tmp_path / "out", "-o", tmp_path / "review.html")
    assert r.returncode not in (0, 70), r.stderr
    lines = error_lines(r)
    assert len(lines) == 1 and str(log) in lines[0] and b"Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "review.html").exists()


@pytest.mark.parametrize("doc", ["../x", "/etc/x", "a/../../x", ""])
def test_decisions_naming_a_document_outside_the_folder_are_refused(run_cli, tmp_path, cleaned, doc):
    decisions = write(tmp_path / "d.json", json.dumps(
        {"format": "ocrmend-decisions", "version": 1, "decisions": {"abc": {"doc": doc, "action": "reject"}}}))
    r = run_cli("apply", decisions, "--to", tmp_path / "out")
    assert r.returncode == 2, r.stderr
    lines = error_lines(r)
    assert len(lines) == 1 and "not a path inside the cleaned folder" in lines[0], lines


def test_decisions_nested_without_end_are_one_line(run_cli, tmp_path, cleaned):
    decisions = write(tmp_path / "d.json", "[" * 100_000 + "]" * 100_000)
    r = run_cli("apply", decisions, "--to", tmp_path / "out")
    assert r.returncode == 2 and len(error_lines(r)) == 1, r.stderr


def test_review_leaves_out_a_broken_document_and_shows_the_others(run_cli, tmp_path):
    for name in ("a", "b"):
        write(tmp_path / "in" / f"{name}.txt", GOOD)
    assert run_cli("clean", tmp_path / "in", "-o", tmp_path / "out").returncode == 0
    (tmp_path / "out" / "a.changes.jsonl").write_bytes(bytes(range(256)))
    r = run_cli("review", tmp_path / "out", "-o", tmp_path / "review.html")
    assert r.returncode == 4, r.stderr
    lines = error_lines(r)
    assert len(lines) == 1 and "a.changes.jsonl" in lines[0], lines
    assert "1 document(s)" in r.stderr.decode()
    assert (tmp_path / "review.html").is_file()


def test_explain_of_a_document_it_cannot_read_is_one_line_and_exit_5(run_cli, tmp_path, cleaned):
    _, log = cleaned
    log.write_bytes(bytes(range(256)))
    r = run_cli("explain", log)
    assert r.returncode == 5 and len(error_lines(r)) == 1 and str(log) in error_lines(r)[0], r.stderr


def test_ocr_puts_its_two_files_in_place_together_or_neither(run_cli, tmp_path):
    """NAME.ocr.txt without NAME.ocr.json is a text without its word boxes: when the second
    cannot be written, the first is not left either."""
    src = tmp_path / "in" / "page.png"
    src.parent.mkdir()
    src.write_bytes((RAW / "keeper-page-13.png").read_bytes())
    (tmp_path / "out" / "page.ocr.json").mkdir(parents=True)  # a folder where the JSON goes
    r = run_cli("ocr", src, "-o", tmp_path / "out")
    assert r.returncode == 5, r.stderr
    lines = error_lines(r)
    assert len(lines) == 1 and "page.ocr.json" in lines[0], lines
    assert not (tmp_path / "out" / "page.ocr.txt").exists()
    assert no_leftovers(tmp_path / "out")
