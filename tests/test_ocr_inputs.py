"""Image formats in (PNG, JPEG, TIFF one- and multi-page, 1-bit, PDF), and bad input out: one
clear line each, the right exit code, and the rest of the batch still processed."""
from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image

from ocr_pages import cer, render_page, save
from pipeline.errors import EXIT_MISSING_DEPENDENCY, EXIT_SOME_FAILED, InputError, MissingDependency
from pipeline.ocr import OcrSettings, ocr_batch, ocr_file


@pytest.fixture(scope="module")
def small_page():
    img, truth = render_page(words=45, height_in=3.6, header="", page_number="")
    return img, " ".join(truth.body)


def test_one_bit_tiff_without_a_resolution_tag_is_read_at_the_default_dpi(tmp_path, small_page):
    img, body = small_page
    path = tmp_path / "page.tif"
    img.convert("1", dither=Image.Dither.NONE).save(path)  # no dpi tag, as many scanners write
    doc = ocr_file(path, OcrSettings(dpi=200))
    p = doc.pages[0]
    assert (p.dpi, p.dpi_source) == (200, "default")
    assert any("resolution tag" in n and "read as 200 dpi (ocr.dpi)" in n for n in p.notes), p.notes
    steps = {s.name: s for s in p.steps}
    assert steps["binarize"].detail == "already 1-bit" and steps["flatten"].detail.startswith("1-bit")
    assert cer(body, doc.text) < 0.03


def test_multi_page_tiff_gives_pages_separated_by_form_feeds(tmp_path, small_page):
    img, body = small_page
    second, truth2 = render_page(words=30, height_in=3.0, page_number="18")
    path = tmp_path / "two.tiff"
    img.save(path, save_all=True, append_images=[second], dpi=(200, 200), compression="tiff_lzw")
    doc = ocr_file(path, jobs=2)
    assert len(doc.pages) == 2 and doc.text.count("\f") == 1
    first, rest = doc.text.split("\f")
    assert cer(body, first) < 0.05 and "miller" in rest
    assert doc.pages[1].start == doc.text.index("\f") + 1
    assert {w.page for w in doc.words} == {1, 2}


def test_jpeg_and_colour_png(tmp_path, small_page):
    img, body = small_page
    rgb = Image.merge("RGB", [img, img.point(lambda v: min(255, v + 30)), img])
    jpg = tmp_path / "page.jpg"
    rgb.save(jpg, quality=85, dpi=(200, 200))
    doc = ocr_file(jpg)
    assert doc.pages[0].steps[0].applied and cer(body, doc.text) < 0.03
    png = save(rgb.convert("RGBA"), tmp_path / "page.png")
    assert cer(body, ocr_file(png).text) < 0.03


def _pdf(objs: list[str], trailer: str = "") -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


TEXT_PDF = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    "<< /Length 61 >>\nstream\nBT /F1 18 Tf 20 120 Td (The river rose in spring) Tj ET\nendstream",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]


def test_pdf_pages_are_rendered_at_the_chosen_dpi(tmp_path, small_page):
    img, body = small_page
    path = tmp_path / "scan.pdf"
    img.save(path, resolution=200)
    doc = ocr_file(path, OcrSettings(dpi=300))
    p = doc.pages[0]
    assert (p.dpi, p.dpi_source) == (300, "render")
    assert abs(p.width - img.width * 1.5) <= 2  # 200 dpi page drawn at 300 dpi
    assert cer(body, doc.text) < 0.03


def test_pdf_text_layer_is_used_only_when_asked(tmp_path):
    path = tmp_path / "text.pdf"
    path.write_bytes(_pdf(TEXT_PDF))
    layer = ocr_file(path, OcrSettings(pdf_text_layer=True))
    assert layer.pages[0].source == "pdf-text"
    assert layer.text == "The river rose in spring\n"
    w = layer.words[0]
    assert w.text == "The" and w.conf == 100.0 and 0 <= w.box[0] < w.box[2] <= layer.pages[0].width
    ocred = ocr_file(path, OcrSettings(dpi=200))
    assert ocred.pages[0].source == "tesseract" and "river rose" in ocred.text


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def bad_inputs(tmp, good_png: bytes) -> dict[str, bytes]:
    return {
        "empty.png": b"",
        "truncated.png": good_png[: len(good_png) // 3],
        "notes.jpg": b"These are my notes, not a picture.\n" * 20,
        "broken.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog ",
        "locked.pdf": _pdf(TEXT_PDF + ["<< /Filter /Standard /V 1 /R 2 /O <" + "00" * 32 + "> /U <" + "11" * 32
                                       + "> /P -4 >>"], "/Encrypt 6 0 R /ID [<" + "ab" * 16 + "><" + "ab" * 16 + ">] "),
        "bomb.png": _png_header_only(40000, 40000),
        "big.png": _png_header_only(13000, 13000),
        "fake.pdf": b"GIF89a not a pdf at all",
    }


EXPECT = {
    "empty.png": "empty file",
    "truncated.png": "truncated",
    "notes.jpg": "not an image",
    "broken.pdf": "not a readable PDF",
    "locked.pdf": "encrypted",
    "bomb.png": "decompression bomb",
    "big.png": "over the limit",
    "fake.pdf": "not a PDF",
}


def test_bad_inputs_one_clear_line_each_and_the_batch_goes_on(tmp_path, small_page):
    img, body = small_page
    good = save(img, tmp_path / "good.png")
    paths = []
    for name, data in bad_inputs(tmp_path, good.read_bytes()).items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(p)
    paths.insert(3, good)
    results = dict(ocr_batch(paths, OcrSettings(), jobs=2))
    assert list(results) == paths  # every input answered, in order
    assert cer(body, results[good].text) < 0.03
    for p in paths:
        if p == good:
            continue
        err = results[p]
        assert isinstance(err, InputError), (p.name, err)
        msg = str(err)
        assert "\n" not in msg and msg.startswith(str(p)), msg
        assert EXPECT[p.name] in msg, msg
        assert err.exit_code == EXIT_SOME_FAILED


def test_ocr_file_raises_the_input_error(tmp_path):
    p = tmp_path / "nothing.tif"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        ocr_file(p)


def test_missing_tesseract_says_how_to_install_it(monkeypatch):
    import pytesseract

    from pipeline.ocr import tesseract

    tesseract.check.cache_clear()
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    try:
        with pytest.raises(MissingDependency) as err:
            ocr_file("unused.png")
        assert err.value.exit_code == EXIT_MISSING_DEPENDENCY
        assert "apt-get install tesseract-ocr" in str(err.value)
    finally:
        tesseract.check.cache_clear()


def test_missing_language_data_names_its_package():
    from pipeline.ocr import tesseract

    with pytest.raises(MissingDependency, match="tesseract-ocr-xyz"):
        tesseract.check("eng+xyz")
