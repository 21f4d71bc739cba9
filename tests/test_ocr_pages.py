"""Real Tesseract on pages the tests render themselves (tests/ocr_pages.py): clean and damaged
scans, skew, the facing page's strip, running heads, footnotes, captions, two columns,
orientation, and pages in parallel."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image
from rapidfuzz import fuzz

from ocr_pages import cer, degrade, render_page, save
from pipeline.ocr import OcrSettings, ocr_batch, ocr_file


def body_text(doc) -> str:
    return "\n".join(doc.text[ln.start:ln.end] for ln in doc.lines if ln.hint is None)


def hinted(doc, kind: str) -> list[str]:
    return [doc.text[h.start:h.end] for h in doc.hints() if h.kind == kind]


@pytest.fixture(scope="module")
def clean_page(tmp_path_factory):
    img, truth = render_page()
    path = save(img, tmp_path_factory.mktemp("clean") / "page.png")
    return path, truth, ocr_file(path)


@pytest.fixture(scope="module")
def damaged_page(tmp_path_factory):
    """Rotated 2 deg, grainy, unevenly lit, a dark gutter and a strip of the facing page."""
    strip_in = 0.9
    img, truth = render_page(strip_width_in=strip_in)
    arr = degrade(img, angle=2.0, noise=10, light=0.35, gutter_x=int(strip_in * 200), seed=3)
    path = save(arr, tmp_path_factory.mktemp("damaged") / "page.png")
    return path, truth, ocr_file(path)


def test_clean_page_reads_back_with_boxes_and_confidences(clean_page):
    path, truth, doc = clean_page
    assert len(doc.pages) == 1
    p = doc.pages[0]
    assert (p.width, p.height, p.dpi, p.dpi_source) == (1040, 1280, 200, "file")
    assert cer(" ".join(truth.body), body_text(doc)) < 0.01
    doc.check()
    pixels = np.asarray(Image.open(path).convert("L"))
    for w in doc.words:
        x0, y0, x1, y1 = w.box
        assert 0 <= x0 < x1 <= p.width and 0 <= y0 < y1 <= p.height
        assert pixels[y0:y1, x0:x1].min() < 128, f"no ink under {w}"  # a reviewer finds it on the scan
    assert np.mean([w.conf for w in doc.words]) > 85


def test_clean_page_steps_are_logged_and_skipped_when_not_needed(clean_page):
    _, _, doc = clean_page
    steps = {s.name: s for s in doc.pages[0].steps}
    assert list(steps) == ["grayscale", "denoise", "flatten", "deskew", "binarize", "borders", "orientation"]
    assert not steps["deskew"].applied and "skew" in steps["deskew"].detail
    assert not steps["flatten"].applied and "even" in steps["flatten"].detail
    assert not steps["denoise"].applied
    assert all(s.detail for s in steps.values())


def test_running_head_hint_on_the_clean_page(clean_page):
    _, _, doc = clean_page
    heads = hinted(doc, "header") + hinted(doc, "page_number")
    assert any("MILLER" in h for h in heads)
    assert not hinted(doc, "fragment")


def test_damaged_page_skew_is_measured_and_turned_back(damaged_page):
    _, _, doc = damaged_page
    p = doc.pages[0]
    assert abs(p.angle - 2.0) < 0.3, p.angle
    steps = {s.name: s for s in p.steps}
    assert steps["deskew"].applied and f"{p.angle:+.2f}" in steps["deskew"].detail
    assert steps["flatten"].applied and steps["denoise"].applied


def test_damaged_page_reads_better_than_plain_tesseract(damaged_page, tmp_path):
    path, truth, doc = damaged_page
    whole = " ".join(truth.strip + [truth.header + " " + truth.page_number] + truth.body)
    plain = subprocess.run(["tesseract", str(path), "-", "--dpi", "200"], capture_output=True, text=True,
                           check=True).stdout
    ours = cer(whole, doc.text)
    assert cer(" ".join(truth.body), body_text(doc)) < 0.02
    assert ours < cer(whole, plain), (ours, cer(whole, plain))


def test_damaged_page_strip_of_the_facing_page_is_a_fragment(damaged_page):
    _, truth, doc = damaged_page
    frags = "\n".join(hinted(doc, "fragment"))
    found = sum(1 for ln in truth.strip if len(ln) >= 4 and fuzz.partial_ratio(ln.strip()[-6:], frags) >= 80)
    assert found >= 0.8 * len([ln for ln in truth.strip if len(ln) >= 4])
    # and no line of the page itself is taken for one
    for ln in truth.body:
        assert fuzz.partial_ratio(ln, frags) < 90, ln
    p = doc.pages[0]
    assert p.gutter is not None and p.gutter[1] == "left" and 100 < p.gutter[0] < 300


def test_footnote_and_page_number_hints(tmp_path):
    img, truth = render_page(footnote="1 The flood of that year is recorded on a stone by the church door.",
                             header="", page_number="", words=90)
    doc = ocr_file(save(img, tmp_path / "foot.png"))
    notes = "\n".join(hinted(doc, "footnote"))
    assert "flood of that year" in notes
    assert "miller kept" not in notes


def test_caption_under_a_figure(tmp_path):
    img, truth = render_page(figure=True, caption="Fig. 3. The mill and the lower meadow in the spring flood.",
                             words=60)
    doc = ocr_file(save(img, tmp_path / "fig.png"))
    assert doc.pages[0].figures, "the figure was not found"
    caps = "\n".join(hinted(doc, "caption"))
    assert "lower meadow" in caps
    assert "miller kept" not in caps


def test_two_columns_are_read_down_then_across(tmp_path):
    img, truth = render_page(columns=2, width_in=6.4)
    doc = ocr_file(save(img, tmp_path / "cols.png"))
    text = doc.text
    left_last = truth.columns[0][-1]
    right_first = truth.columns[1][0]
    assert text.find(left_last[:20]) < text.find(right_first[:20])
    assert sorted({b.column for b in doc.blocks if b.n_lines > 3}) == [0, 1]


def test_a_page_on_its_side_is_turned_by_orientation_detection(tmp_path):
    img, truth = render_page(words=140)
    turned = img.rotate(90, expand=True)  # counter-clockwise: the text now reads bottom to top
    doc = ocr_file(save(turned, tmp_path / "side.png"))
    p = doc.pages[0]
    assert p.orientation == 90, [s.detail for s in p.steps]  # turned clockwise to read
    assert cer(" ".join(truth.body), body_text(doc)) < 0.03
    # boxes are in the pixels of the image as read (landscape)
    assert all(w.box[2] <= turned.width and w.box[3] <= turned.height for w in doc.words)


def test_pages_in_parallel_give_the_same_documents(tmp_path):
    paths = []
    for i, words in enumerate((40, 55, 70)):
        img, _ = render_page(words=words, page_number=str(i + 1), height_in=4.0)
        paths.append(save(img, tmp_path / f"p{i}.png"))
    one = [(p.name, d.text) for p, d in ocr_batch(paths, OcrSettings(), jobs=1)]
    two = [(p.name, d.text) for p, d in ocr_batch(paths, OcrSettings(), jobs=2)]
    assert one == two and [n for n, _ in one] == ["p0.png", "p1.png", "p2.png"]
