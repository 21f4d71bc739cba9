"""Scanned pages through the command line and the Python API, with real Tesseract, on pages
rendered here (tests/ocr_pages.py) and on the two samples in raw/: PNG, multi-page TIFF, PDF,
folders mixing text and images, bad images, -j, NAME.ocr.txt and replay.

The samples in raw/ are made by ``make_samples`` below (the text is the project's own):

    python -c "import sys; sys.path.insert(0, 'tests'); import test_ocr_cli; test_ocr_cli.make_samples('raw')"
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import RAW, ROOT, ocrmend_cmd
from ocr_pages import cer, degrade, font_path, render_page, save

HEAD = "THE KEEPER OF THE NORTH LIGHT"

#: raw/keeper-page-13.png: a clean page, running head at the top, page number at the foot
PAGE_13 = (
    "It was in the spring of 1862 that the inspectors first noticed a change in the keeper's log. "
    "For eleven years the entries had been the same: the hour of lighting, the hour of putting out, "
    "the state of the weather and of the sea. Now, in a small and careful hand, the Warden had begun "
    "to add the birds. He wrote down the first terns of April and the day the gannets left the stack "
    "to the north; he counted the eider on the flat water below the landing and noted where the seals "
    "hauled out at low tide. The inspectors, who had no instructions about birds, sent the book back "
    "to the rock without remark, and the entries went on."
)

#: raw/keeper-page-14.tif: the next page as a poor scan: turned 1.5 degrees, grainy, unevenly
#: lit, a dark gutter and a strip of the facing page at its left edge
PAGE_14 = (
    "Quill brought the news of the war with the autumn oil. He stood on the landing with the barrels "
    "at his feet and read the headlines aloud, as if the keeper could not be trusted to find them for "
    "himself. The Warden listened without a word, and when the boat had gone he carried the papers up "
    "to the lantern and read them through the night, between the windings of the clock. In the "
    "morning he wrote in the log, under the weather, a single line that the inspectors afterwards "
    "underlined in red ink: the light burned steadily and showed to every ship alike."
)

DPI = 200


def _number_at_foot(img: Image.Image, number: str) -> None:
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path(), int(11 * DPI / 72))
    w = draw.textlength(number, font=font)
    draw.text(((img.width - w) / 2, img.height - int(0.5 * DPI)), number, font=font, fill=0)


def sample_page_13():
    img, truth = render_page(dpi=DPI, text=PAGE_13, header=HEAD, page_number="")
    _number_at_foot(img, "13")
    truth.page_number = "13"
    return img, truth


def sample_page_14():
    img, truth = render_page(dpi=DPI, text=PAGE_14, header=HEAD, page_number="14", strip_width_in=0.8)
    return Image.fromarray(degrade(img, angle=1.5, noise=9, light=0.3, gutter_x=int(0.8 * DPI), seed=5)), truth


def make_samples(folder: str | Path) -> list[Path]:
    """Write raw/keeper-page-13.png and raw/keeper-page-14.tif (gray, JPEG-compressed TIFF, so
    the grain of the scan fits in ~200 KB)."""
    folder = Path(folder)
    img13, _ = sample_page_13()
    p3 = save(img13, folder / "keeper-page-13.png", DPI)
    img14, _ = sample_page_14()
    p4 = folder / "keeper-page-14.tif"
    img14.save(p4, compression="jpeg", quality=60, dpi=(DPI, DPI))
    return [p3, p4]


# -- running the command line ----------------------------------------------------------------

def cli(*args, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([*ocrmend_cmd(), *map(str, args)], capture_output=True, cwd=cwd, env=full_env,
                          timeout=timeout)


def err_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return proc.stderr.decode().splitlines()


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def normal(text: str) -> str:
    return " ".join(text.split())


# -- the inputs: one folder mixing text, images and bad files -----------------------------------

MILLER_HEAD = "THE MILLER'S BOOK"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ocrcli")
    src = root / "in"
    (src / "scans").mkdir(parents=True)
    truths = {}
    # a PNG with a running head at the top and the page number alone at the foot
    img, truth = render_page(dpi=DPI, header=MILLER_HEAD, page_number="", words=90)
    _number_at_foot(img, "17")
    save(img, src / "scans" / "page.png", DPI)
    truths["page"] = truth
    # a two-page TIFF: every frame is a page
    one, t1 = render_page(dpi=DPI, words=60, page_number="")
    two, t2 = render_page(dpi=DPI, text=PAGE_14, words=60, page_number="")
    one.save(src / "scans" / "book.tif", save_all=True, append_images=[two], dpi=(DPI, DPI),
             compression="tiff_deflate")
    truths["book"] = (t1, t2)
    # a PDF: the page is rendered by PDFium at ocr.dpi
    leaf, t3 = render_page(dpi=DPI, text=PAGE_13, words=50, page_number="")
    leaf.save(src / "leaf.pdf", resolution=DPI)
    truths["leaf"] = t3
    # the two samples in raw/, as committed
    for f in ("keeper-page-13.png", "keeper-page-14.tif"):
        (src / f).write_bytes((RAW / f).read_bytes())
    # a text file beside them
    (src / "notes.txt").write_text("The illu-\nsions of youth\nend here.\n", encoding="utf-8")
    # bad images: each costs one line and only itself
    bad = src / "bad"
    bad.mkdir()
    (bad / "empty.png").write_bytes(b"")
    (bad / "letter.jpg").write_text("Dear Sir, this is not a picture.\n", encoding="utf-8")
    whole = (src / "scans" / "page.png").read_bytes()
    (bad / "cut.png").write_bytes(whole[: len(whole) // 3])
    return root, src, truths


@pytest.fixture(scope="module")
def run_j1(inputs):
    root, src, _ = inputs
    proc = cli("clean", src, "-o", root / "out1", "-j", "1", "-v", cwd=root)
    return proc, root / "out1"


@pytest.fixture(scope="module")
def run_j2(inputs):
    root, src, _ = inputs
    proc = cli("clean", src, "-o", root / "out2", "-j", "2", cwd=root)
    return proc, root / "out2"


IMAGES = ("scans/page", "scans/book", "leaf", "keeper-page-13", "keeper-page-14")


def test_folder_of_text_and_images_is_cleaned_and_bad_images_fail_one_line_each(run_j1):
    proc, out = run_j1
    assert proc.returncode == 4, proc.stderr  # some inputs failed, the rest were written
    lines = err_lines(proc)
    for name in ("empty.png", "letter.jpg", "cut.png"):
        mine = [ln for ln in lines if name in ln]
        assert len(mine) == 1 and mine[0].startswith("ocrmend: "), (name, lines)
    assert any("cleaned 6 file(s)" in ln and "3 failed" in ln and "page(s) OCRed" in ln for ln in lines), lines
    for stem in IMAGES:
        for sfx in (".txt", ".json", ".changes.jsonl", ".diff", ".ocr.txt"):
            assert (out / f"{stem}{sfx}").is_file(), f"{stem}{sfx}"
    assert (out / "notes.txt").read_text() == "The illusions of youth end here.\n"
    assert not (out / "notes.ocr.txt").exists()  # a text input has no OCR text
    assert not (out / "bad").exists() or not any((out / "bad").iterdir())


def test_running_head_and_page_number_go_by_their_place_on_the_page(run_j1, inputs):
    _, out = run_j1
    truth = inputs[2]["page"]
    raw = (out / "scans/page.ocr.txt").read_text()
    assert raw.startswith(MILLER_HEAD) and "\n17\n" in raw
    text = (out / "scans/page.txt").read_text()
    assert MILLER_HEAD not in text and "17" not in text
    assert cer(" ".join(truth.body), text) < 0.02
    changes = [json.loads(ln) for ln in (out / "scans/page.changes.jsonl").read_text().splitlines()]
    geo = {c["removes"]: c for c in changes if c.get("rule") == "ocr.geometry"}
    assert set(geo) == {"header", "page_number"}
    assert geo["header"]["before"].startswith(MILLER_HEAD) and geo["page_number"]["before"].startswith("17")
    blocks = load_json(out / "scans/page.json")["blocks"]
    head = next(b for b in blocks if b["kind"] == "header")
    num = next(b for b in blocks if b["kind"] == "page_number")
    assert head["rule"] == "ocr.geometry" and head["source"] == "geometry" and not head["in_body"]
    assert head["box"][1] < 150 < 1100 < num["box"][1]  # top of the page, foot of the page


def test_json_blocks_and_words_carry_page_and_box(run_j1):
    _, out = run_j1
    for stem in IMAGES:
        data = load_json(out / f"{stem}.json")
        assert data["raw_file"] == f"{Path(stem).name}.ocr.txt"
        pages = {p["page"]: p for p in data["ocr"]["pages"]}
        assert data["summary"]["pages"] == len(pages) >= 1
        assert data["ocr"]["engine"]["version"]
        assert data["blocks"]
        for b in data["blocks"]:
            assert b["page"] in pages, (stem, b)
            p = pages[b["page"]]
            x0, y0, x1, y1 = b["box"]
            assert 0 <= x0 < x1 <= p["width"] and 0 <= y0 < y1 <= p["height"], (stem, b)
            assert 0 <= b["conf"] <= 100
            for w in b["words"]:
                text, wx0, wy0, wx1, wy1, conf = w
                assert text and wx0 < wx1 and wy0 < wy1 and 0 <= conf <= 100


def test_multi_page_tiff_is_one_document_of_two_pages(run_j1, inputs):
    _, out = run_j1
    t1, t2 = inputs[2]["book"]
    raw = (out / "scans/book.ocr.txt").read_text()
    assert raw.count("\f") == 1
    data = load_json(out / "scans/book.json")
    assert data["summary"]["pages"] == 2
    assert [p["dpi_source"] for p in data["ocr"]["pages"]] == ["file", "file"]
    pages = raw.split("\f")
    assert cer(" ".join(t1.body), pages[0].replace(MILLER_HEAD, "")) < 0.03
    assert cer(" ".join(t2.body), pages[1].replace(MILLER_HEAD, "")) < 0.03
    # the running head of each page is out, and the paragraph cut by the page end goes on
    assert [b["page"] for b in data["blocks"] if b["kind"] == "header"] == [1, 2]
    assert cer(" ".join(t1.body + t2.body), (out / "scans/book.txt").read_text()) < 0.03
    assert "\f" not in (out / "scans/book.txt").read_text()


def test_pdf_pages_are_rendered_and_read(run_j1, inputs):
    _, out = run_j1
    data = load_json(out / "leaf.json")
    (page,) = data["ocr"]["pages"]
    assert page["dpi_source"] == "render" and page["dpi"] == 300  # ocr.dpi
    assert cer(" ".join(inputs[2]["leaf"].body), (out / "leaf.txt").read_text()) < 0.02


@pytest.mark.parametrize("stem", IMAGES)
def test_change_log_replays_from_the_ocr_text_exactly(run_j1, inputs, stem):
    root, src, _ = inputs
    _, out = run_j1
    log = out / f"{stem}.changes.jsonl"
    r = cli("replay", out / f"{stem}.ocr.txt", log, cwd=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (out / f"{stem}.txt").read_bytes()
    assert b"verified" in r.stderr
    # given the scan itself, replay finds NAME.ocr.txt beside the log
    image = next(src.rglob(f"{Path(stem).name}.*"))
    r = cli("replay", image, log, cwd=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (out / f"{stem}.txt").read_bytes()


def test_two_workers_give_the_same_outputs_as_one(run_j1, run_j2):
    p1, out1 = run_j1
    p2, out2 = run_j2
    assert p2.returncode == p1.returncode == 4
    files1 = sorted(f.relative_to(out1) for f in out1.rglob("*") if f.is_file())
    files2 = sorted(f.relative_to(out2) for f in out2.rglob("*") if f.is_file())
    # five outputs per good image, four per text file, the manifest and failures.jsonl
    assert files1 == files2 and len(files1) == 5 * 5 + 4 + 2
    for rel in files1:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes(), rel
    assert any("with -j 2" in ln for ln in err_lines(p2))


def test_committed_samples_read_back_with_furniture_and_fragments_out(run_j1):
    _, out = run_j1
    _, t3 = sample_page_13()
    text3 = (out / "keeper-page-13.txt").read_text()
    assert cer(" ".join(t3.body), text3) < 0.02
    assert HEAD not in text3 and "13" not in text3
    kinds3 = load_json(out / "keeper-page-13.json")["summary"]["blocks_by_kind"]
    assert kinds3.get("header") == 1 and kinds3.get("page_number") == 1

    _, t4 = sample_page_14()
    data4 = load_json(out / "keeper-page-14.json")
    text4 = (out / "keeper-page-14.txt").read_text()
    assert cer(" ".join(t4.body), text4) < 0.05
    assert HEAD not in text4
    (page,) = data4["ocr"]["pages"]
    assert 1.2 <= page["skew"] <= 1.8
    fragments = [b for b in data4["blocks"] if b["kind"] == "fragment"]
    assert fragments and all(b["box"][0] < 0.8 * DPI for b in fragments)  # the facing page's strip
    assert not any(normal(b["text"]) in normal(text4) for b in fragments)
    for f in ("keeper-page-13.png", "keeper-page-14.tif"):
        assert (RAW / f).stat().st_size < 300_000


def test_missing_tesseract_is_one_line_and_exit_3(inputs, tmp_path):
    root, src, _ = inputs
    r = cli("clean", src / "scans" / "page.png", "-o", tmp_path / "o", cwd=root,
            env={"OCRMEND_TESSERACT": str(tmp_path / "no-such-tesseract")})
    assert r.returncode == 3
    (line,) = err_lines(r)
    assert "Tesseract OCR is not installed" in line and "apt-get install tesseract-ocr" in line
    assert not (tmp_path / "o").exists()
    r = cli("clean", src / "scans" / "page.png", "-o", tmp_path / "o", "--lang", "qqq", cwd=root)
    assert r.returncode == 3
    (line,) = err_lines(r)
    assert "apt-get install tesseract-ocr-qqq" in line


def test_text_only_runs_need_no_tesseract(inputs, tmp_path):
    root, src, _ = inputs
    r = cli("clean", src / "notes.txt", "-o", tmp_path / "o", cwd=root,
            env={"OCRMEND_TESSERACT": str(tmp_path / "no-such-tesseract")})
    assert r.returncode == 0, r.stderr


def test_bad_ocr_options_are_usage_errors(inputs, tmp_path):
    root, src, _ = inputs
    for args in (("--dpi", "20"), ("--psm", "2"), ("--lang", "eng;rm")):
        r = cli("clean", src / "scans" / "page.png", "-o", tmp_path / "o", *args, cwd=root)
        assert r.returncode == 2, (args, r.stderr)
        assert len(err_lines(r)) == 1


def test_ocr_command_writes_the_ocr_text_and_its_json(inputs, tmp_path):
    from pipeline.ocr import OcrDocument

    root, src, _ = inputs
    r = cli("ocr", src / "scans" / "page.png", src / "bad" / "empty.png", "-o", tmp_path / "o", "-j", "2", cwd=root)
    assert r.returncode == 4
    assert sum("empty.png" in ln for ln in err_lines(r)) == 1
    text = (tmp_path / "o" / "page.ocr.txt").read_text()
    data = load_json(tmp_path / "o" / "page.ocr.json")
    assert OcrDocument.from_dict(data["ocr"]).text == text
    assert data["summary"]["pages"][0]["steps"][0]["step"] == "grayscale"
    assert text.startswith(MILLER_HEAD)


def test_api_cleans_a_page_image_given_as_a_path(inputs):
    from pipeline import clean, replay

    _, src, truths = inputs
    r = clean(src / "scans" / "page.png", jobs=2)
    assert r.ocr is not None and r.ocr_document is not None and r.raw == r.ocr_document.text
    assert r.raw_file == "page.ocr.txt"
    assert replay(r.raw, r.changes_jsonl()) == r.text
    assert cer(" ".join(truths["page"].body), r.text) < 0.02
    assert all("box" in b for b in r.blocks)
    # --keep header leaves the running head in the text
    kept = clean(src / "scans" / "page.png", keep="header,page_number", ocr={"dpi": 300})
    assert kept.text.startswith(MILLER_HEAD)
    assert kept.to_dict()["config"]["stages"]["ocr"] == {"dpi": 300}
    # a str is always text, never a path
    assert clean(str(src / "scans" / "page.png")).ocr is None


def test_text_runs_do_not_load_opencv_or_tesseract(tmp_path):
    (tmp_path / "a.txt").write_text("The illu-\nsions of youth\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from pipeline.cli import main\n"
        "try:\n"
        f"    main(['clean', {str(tmp_path / 'a.txt')!r}, '-o', {str(tmp_path / 'o')!r}, '-q'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = [m for m in ('cv2', 'pytesseract', 'pypdfium2', 'PIL') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == ""
    assert (tmp_path / "o" / "a.txt").read_text() == "The illusions of youth\n"
