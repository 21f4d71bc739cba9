"""Pages for the format tests (tests/test_formats.py) and bench/formats.py: a book page rendered
with PIL and a Debian font, read by real Tesseract into hOCR, ALTO and TSV, and PAGE 2019
built from the TSV words (Tesseract 5.3, Debian 12's, has no PAGE renderer; 5.4 and later do).

The text is the project's own, written for these tests. The PAGE files follow the PAGE 2019
documentation: ``PcGts`` → ``Metadata`` (``Creator``, ``Created``, ``LastChange``) and
``Page`` (``imageFilename``/``imageWidth``/``imageHeight``) → ``ReadingOrder`` and a
``TextRegion`` per Tesseract paragraph → ``TextLine`` → ``Word``, each with ``Coords`` and a
``TextEquiv`` (``conf`` 0-1, ``Unicode``).
"""
from __future__ import annotations

import importlib.metadata
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont

from ocr_pages import font_path

HEADER = "THE KEEPER OF THE NORTH LIGHT"
PAGE_NUMBER = "42"
#: the body as printed: a word broken at a line end ("illu-" / "sions"), no other hyphen
BODY = [
    "The keeper climbed the iron stairs each evening at",
    "dusk and trimmed the wick before the lamp was lit.",
    "From the gallery he could see the whole of the bay,",
    "the fishing boats coming home and the long grey line",
    "of the cliffs to the south. He had few illu-",
    "sions about the work: it was slow and often lonely,",
    "and the winters were long. Yet he kept a careful log",
    "of every ship that passed, and of the weather, and",
    "of the birds that rested on the rail in the autumn.",
    "His daughter later gave the logs to the museum in",
    "the harbour town, where they are still kept today.",
]
PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"


@dataclass
class PageFiles:
    image: Path
    hocr: Path
    alto: Path
    page: Path
    tsv: Path


def render_book_page(path: Path, *, dpi: int = 300, body: list[str] = BODY) -> Path:
    """A clean book page: a running head at the top, the body, a page number at the foot."""
    w, h = int(5.5 * dpi), int(7.0 * dpi)
    px = dpi / 72
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path(), int(11 * px))
    lead = int(11 * px * 1.45)
    left = int(0.6 * dpi)
    y = int(0.5 * dpi)
    hw = draw.textlength(HEADER, font=font)
    draw.text(((w - hw) / 2, y), HEADER, font=font, fill=0)
    y += int(lead * 2.4)
    for line in body:
        draw.text((left, y), line, font=font, fill=0)
        y += lead
    nw = draw.textlength(PAGE_NUMBER, font=font)
    draw.text(((w - nw) / 2, h - int(0.7 * dpi)), PAGE_NUMBER, font=font, fill=0)
    img.save(path, dpi=(dpi, dpi))
    return path


def tesseract_files(image: Path, out_dir: Path, stem: str) -> PageFiles:
    """Run ``tesseract IMG BASE hocr alto tsv`` and build the PAGE file from the TSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # run in the output folder with the image's own name, so the files name the image, not a path
    subprocess.run(["tesseract", str(image.resolve()) if image.parent.resolve() != out_dir.resolve() else image.name,
                    stem, "hocr", "alto", "tsv"], check=True, capture_output=True, cwd=out_dir,
                   env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    alto = out_dir / f"{stem}.alto.xml"
    (out_dir / f"{stem}.xml").replace(alto)
    tsv = out_dir / f"{stem}.tsv"
    with Image.open(image) as im:
        size = im.size
    page = out_dir / f"{stem}.page.xml"
    page.write_text(page_from_tsv(tsv.read_text(encoding="utf-8"), size, image.name), encoding="utf-8")
    return PageFiles(image, out_dir / f"{stem}.hocr", alto, page, tsv)


def _points(x0: int, y0: int, x1: int, y1: int) -> str:
    return f"{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}"


def page_from_tsv(tsv: str, size: tuple[int, int], image_name: str, *, created: str = "2026-01-01T00:00:00") -> str:
    """PAGE 2019 from Tesseract's TSV (level 5 rows are words; block and paragraph numbers
    make the regions, line numbers the lines)."""
    regions: dict[tuple[int, int], dict[int, list[tuple[str, tuple[int, int, int, int], float]]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        key = (int(cols[2]), int(cols[3]))
        regions.setdefault(key, {}).setdefault(int(cols[4]), []).append(
            (cols[11].strip(), (left, top, left + width, top + height), max(0.0, float(cols[10])) / 100))
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<PcGts xmlns="{PAGE_NS}">\n',
           f"  <Metadata>\n    <Creator>tesseract (TSV, built into PAGE by the ocrmend tests)</Creator>\n"
           f"    <Created>{created}</Created>\n    <LastChange>{created}</LastChange>\n  </Metadata>\n",
           f'  <Page imageFilename={quoteattr(image_name)} imageWidth="{size[0]}" imageHeight="{size[1]}">\n',
           '    <ReadingOrder>\n      <OrderedGroup id="ro_1">\n']
    ids = [f"r{b}_{p}" for b, p in regions]
    out += [f'        <RegionRefIndexed index="{i}" regionRef="{rid}"/>\n' for i, rid in enumerate(ids)]
    out.append("      </OrderedGroup>\n    </ReadingOrder>\n")
    for rid, lines in zip(ids, regions.values()):
        boxes = [w[1] for ws in lines.values() for w in ws]
        rbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        out.append(f'    <TextRegion id="{rid}" type="paragraph">\n      <Coords points="{_points(*rbox)}"/>\n')
        texts = []
        for ln, words in lines.items():
            lb = [w[1] for w in words]
            lbox = (min(b[0] for b in lb), min(b[1] for b in lb), max(b[2] for b in lb), max(b[3] for b in lb))
            out.append(f'      <TextLine id="{rid}_l{ln}">\n        <Coords points="{_points(*lbox)}"/>\n')
            for k, (text, box, conf) in enumerate(words, 1):
                out.append(f'        <Word id="{rid}_l{ln}_w{k}">\n          <Coords points="{_points(*box)}"/>\n'
                           f'          <TextEquiv conf="{conf:.2f}">\n            <Unicode>{escape(text)}</Unicode>\n'
                           f"          </TextEquiv>\n        </Word>\n")
            line_text = " ".join(w[0] for w in words)
            texts.append(line_text)
            out.append(f"        <TextEquiv>\n          <Unicode>{escape(line_text)}</Unicode>\n        </TextEquiv>\n"
                       "      </TextLine>\n")
        out.append(f"      <TextEquiv>\n        <Unicode>{escape(chr(10).join(texts))}</Unicode>\n      </TextEquiv>\n"
                   "    </TextRegion>\n")
    out.append("  </Page>\n</PcGts>\n")
    return "".join(out)


def page_schema():
    """The official PAGE 2019 schema, as the installed ``ocrd-validators`` package ships it
    (found through the package's file list: importing the package would pull in OCR-D)."""
    from lxml import etree

    files = [f for f in importlib.metadata.files("ocrd-validators") or [] if f.name == "page.xsd"]
    assert files, "ocrd-validators ships no page.xsd"
    return etree.XMLSchema(etree.parse(str(files[0].locate())))


def test_page_built_from_tsv_is_valid_and_holds_every_tsv_word(tmp_path):
    from lxml import etree

    files = tesseract_files(render_book_page(tmp_path / "p.png"), tmp_path, "p")
    doc = etree.parse(str(files.page))
    schema = page_schema()
    assert schema.validate(doc), schema.error_log
    words = [u.text for u in doc.iter(f"{{{PAGE_NS}}}Unicode") if u.getparent().getparent().tag.endswith("Word")]
    tsv_words = [r.split("\t")[11].strip() for r in files.tsv.read_text().splitlines()[1:]
                 if r.split("\t")[0] == "5" and r.split("\t")[11].strip()]
    assert words == tsv_words and "illu-" in words
