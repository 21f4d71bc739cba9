"""The OCR document model, its serialisation and the OCR settings (no Tesseract needed here)."""
from __future__ import annotations

import json

import pytest

from pipeline import clean, replay
from pipeline.errors import ConfigError
from pipeline.ocr import OcrDocument, OcrSettings, PageContent
from pipeline.ocr.geometry import reading_order


def page(*blocks, **kw) -> PageContent:
    """A page from blocks given as lists of paragraphs of lines of words (x positions made up)."""
    out = []
    y = 0
    for block in blocks:
        pars = []
        for par in block:
            lines = []
            for line in par:
                y += 20
                lines.append([(w, (10 + 60 * i, y, 60 + 60 * i, y + 15), 90.0 - i) for i, w in enumerate(line.split())])
            pars.append(lines)
        out.append(pars)
    return PageContent(width=1000, height=1400, blocks=out, **kw)


def two_pages() -> OcrDocument:
    doc = OcrDocument("book")
    doc.add_page(page([["RUNNING HEAD"]], [["The illu-", "sions of youth"], ["A second paragraph"]]))
    doc.add_page(page([["went on", "and on."]]))
    return doc


def test_serialisation_is_tesseracts_layout():
    doc = two_pages()
    assert doc.text == ("RUNNING HEAD\n\nThe illu-\nsions of youth\n\nA second paragraph\n"
                        "\fwent on\nand on.\n")
    doc.check()
    assert doc.page_starts() == [doc.text.index("\f") + 1]
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.page_at(0) == 1 and doc.page_at(len(doc.text) - 1) == 2


def test_every_word_knows_its_raw_span_box_and_confidence():
    doc = two_pages()
    for w in doc.words:
        assert doc.text[w.start:w.end] == w.text
        x0, y0, x1, y1 = w.box
        assert x0 < x1 and y0 < y1 and 0 <= w.conf <= 100
    lines = doc.lines
    assert [doc.text[ln.start:ln.end] for ln in lines][:3] == ["RUNNING HEAD", "The illu-", "sions of youth"]
    assert lines[3].par == 1 and lines[1].par == 0
    assert [b.n_lines for b in doc.blocks] == [1, 3, 2]


def test_words_in_maps_any_raw_span_back_to_words():
    doc = two_pages()
    s = doc.text.index("illu-")
    assert [w.text for w in doc.words_in(s, s + 8)] == ["illu-", "sions"]
    assert [w.text for w in doc.words_in(s + 2, s + 2)] == ["illu-"]  # an empty span inside a word
    assert doc.words_in(len(doc.text), len(doc.text)) == []
    geo = doc.geometry(s, s + 8)
    assert geo["page"] == 1 and len(geo["words"]) == 2 and geo["words"][0][0] == "illu-"
    x0, y0, x1, y1 = geo["box"]
    assert x0 <= geo["words"][0][1] and y1 >= geo["words"][1][4]


def test_round_trip_through_json_rebuilds_the_same_text_and_spans():
    doc = two_pages()
    data = json.loads(json.dumps(doc.to_dict()))
    again = OcrDocument.from_dict(data)
    assert again.text == doc.text
    assert [(w.text, w.box, w.start) for w in again.words] == [(w.text, w.box, w.start) for w in doc.words]


def test_empty_pages_and_blocks_keep_the_page_count():
    doc = OcrDocument("x")
    doc.add_page(PageContent(width=10, height=10, blocks=[]))
    doc.add_page(page([["only line"]]))
    doc.add_page(PageContent(width=10, height=10, blocks=[[[[]]]]))
    assert doc.text == "\fonly line\n\f"
    assert len(doc.pages) == 3 and doc.pages[2].start == doc.pages[2].end == len(doc.text)
    doc.check()


def test_hints_become_spans_merged_per_block():
    content = page([["RUNNING HEAD"]], [["cut off", "line too"]], [["body text here"]])
    content.hints = {(0, 0, 0): ("header", "top"), (1, 0, 0): ("fragment", "edge"), (1, 0, 1): ("fragment", "edge")}
    doc = OcrDocument("x")
    doc.add_page(content)
    hints = [(h.kind, doc.text[h.start:h.end]) for h in doc.hints()]
    assert hints == [("header", "RUNNING HEAD"), ("fragment", "cut off\nline too")]


def test_the_change_log_replays_from_the_ocr_text():
    """The contract with the text stages: NAME.ocr.txt is the raw text the log replays from."""
    doc = two_pages()
    result = clean(doc.text, name="book")
    assert replay(doc.text, result.changes_jsonl()) == result.text
    assert "illusions" in result.text


def test_reading_order_reads_columns_down_before_across():
    boxes = [(0, 0, 100, 10), (0, 20, 45, 40), (55, 20, 100, 40), (0, 50, 45, 90), (55, 50, 100, 90)]
    order, column = reading_order(boxes, 5)
    assert order == [0, 1, 3, 2, 4]
    assert column == [0, 0, 1, 0, 1]


@pytest.mark.parametrize("bad", [{"psm": 2}, {"psm": 99}, {"dpi": 10}, {"lang": "eng; rm"}, {"binarization": "magic"},
                                 {"max_pixels": 5}, {"min_skew": 9, "max_skew": 5}, {"oem": 7}])
def test_bad_settings_fail_at_start_with_a_config_error(bad):
    with pytest.raises(ConfigError) as err:
        OcrSettings(**bad)
    assert err.value.exit_code == 2 and "ocr." in str(err.value)


def test_settings_from_a_toml_table():
    s = OcrSettings.from_mapping({"dpi": 400, "lang": "eng+deu", "deskew": False})
    assert (s.dpi, s.lang, s.deskew) == (400, "eng+deu", False)
    assert "--dpi 400" in s.tesseract_args(400) and "--psm 3" in s.tesseract_args(400)
    with pytest.raises(ConfigError, match="unknown setting"):
        OcrSettings.from_mapping({"dpl": 300})
    assert OcrSettings().fingerprint()["dpi"] == 300


def test_print_without_words_is_found_for_a_second_look():
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ocr_pages import font_path
    from pipeline.ocr.geometry import uncovered_text

    img = Image.new("L", (1000, 1200), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path(), 30)
    for i in range(10):
        draw.text((100, 300 + 45 * i), "some lines of print that were never read back", font=font, fill=0)
    page = np.asarray(img)
    areas = uncovered_text(page, 200, [])
    assert len(areas) == 1
    x0, y0, x1, y1 = areas[0]
    assert x0 <= 110 and y0 <= 310 and x1 >= 700 and y1 >= 700

    class W:  # a word box over the whole printed area
        box = (90, 290, 900, 760)

    assert uncovered_text(page, 200, [W()]) == []
    black = np.full((1200, 1000), 255, np.uint8)
    black[200:900, 100:900] = 0  # a solid picture is no print
    assert uncovered_text(black, 200, []) == []


def test_geometry_hints_take_furniture_out_through_the_runner_and_replay():
    """The wiring the lead does: doc.ocr set, the rule run, changes logged and replayable."""
    from pipeline.config import Config, from_mapping
    from pipeline.document import Document
    from pipeline.ocr.integration import annotate_blocks, ocr_rule, ocr_summary
    from pipeline.rules import Context
    from pipeline.runner import apply_proposals

    content = page([["RUNNING HEAD"]], [["The miller kept his book", "in green cloth."]], [["17"]])
    content.hints = {(0, 0, 0): ("header", "top"), (2, 0, 0): ("page_number", "number alone")}
    ocr = OcrDocument("x")
    ocr.add_page(content)
    for config, expect in ((Config(), "The miller kept his book\nin green cloth.\n\n"),
                           (from_mapping({"keep": "header"}), "RUNNING HEAD\n\nThe miller kept his book\nin green cloth.\n\n")):
        doc = Document("x", ocr.text)
        doc.ocr = ocr
        apply_proposals(doc, "layout.ocr_geometry", ocr_rule(doc.text, Context(doc, config, None)), config)
        assert doc.text == expect
        assert {r.kind for r in doc.regions} == {"header", "page_number"}
    blocks = annotate_blocks([{"kind": "paragraph", "raw": [14, 54]}], ocr)
    assert blocks[0]["page"] == 1 and blocks[0]["words"][0][0] == "The" and len(blocks[0]["box"]) == 4
    assert ocr_summary(ocr, OcrSettings())["pages"][0]["words"] == len(ocr.words)
