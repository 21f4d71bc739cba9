"""Glue between an ``OcrDocument`` and the text pipeline, for ``api.clean`` and the CLI.

* ``ocr_rule`` is a rule (``layout.ocr_geometry``) that turns the page-geometry hints into
  regions and removals, when the document being cleaned came from OCR (``doc.ocr``);
* ``annotate_blocks`` adds page, box, mean confidence and the words (with boxes and
  confidences) to the blocks of ``NAME.json``;
* ``ocr_summary`` is what ``NAME.json`` says about the OCR itself (per page: size, resolution
  and where it came from, skew, steps, notes).
"""
from __future__ import annotations

from typing import Any, Iterator

from ..edits import Edit, Region
from ..rules import rule
from .model import OcrDocument

#: how sure a geometry hint is, by kind: a strip beyond the gutter or cut by the image's edge
#: is certain; a line standing apart at the top is nearly so; the rest is good evidence.
CONFIDENCE = {"fragment": 0.9, "header": 0.85, "page_number": 0.9, "footer": 0.75, "footnote": 0.75,
              "caption": 0.75}


@rule("layout.ocr_geometry")
def ocr_rule(text: str, ctx: Any) -> Iterator[Region | Edit]:
    """Take running heads, page numbers, footers, footnotes, captions and fragments found
    from their place on the scanned page out of the body (OCR input only).

    Each hinted line becomes a region of its kind and is removed with ``removes=KIND``
    (``--keep KIND`` leaves it in place); text the encoding stage already changed inside
    the line is left to the text rules.
    """
    ocr: OcrDocument | None = getattr(ctx.doc, "ocr", None)
    if ocr is None:
        return
    for h in ocr.hints():
        s, e = ctx.doc.current_span((h.start, h.end))
        if e <= s or text[s:e] != ocr.text[h.start:h.end]:
            continue
        attrs = {"source": "geometry", "reason": h.reason, "page": h.page, "box": list(h.box)}
        yield Region(h.kind, s, e, attrs)
        # the line goes with its line break and the blank line after it, so no empty line is
        # left where it stood
        end = e
        while end < len(text) and end - e < 2 and text[end] == "\n":
            end += 1
        yield Edit(s, end, "", f"{h.kind.replace('_', ' ')} by its place on the page: {h.reason}",
                   CONFIDENCE.get(h.kind, 0.75), removes=h.kind)


def annotate_blocks(blocks: list[dict[str, Any]], ocr: OcrDocument) -> list[dict[str, Any]]:
    """Add ``box`` (image pixels of its first page), ``conf`` (mean word confidence) and
    ``words`` (``[text, x0, y0, x1, y1, conf]``) to every block that has a ``raw`` span."""
    for block in blocks:
        raw = block.get("raw")
        if not raw:
            continue
        geo = ocr.geometry(raw[0], raw[1])
        if geo is None:
            continue
        block.setdefault("page", geo["page"])
        block["box"] = geo["box"]
        block["conf"] = geo["conf"]
        block["words"] = geo["words"]
    return blocks


def ocr_summary(ocr: OcrDocument, settings: Any = None, tesseract: str | None = None) -> dict[str, Any]:
    """What ``NAME.json`` says about how the pages were read."""
    return {
        "engine": {"name": "tesseract", "version": tesseract},
        "settings": settings.fingerprint() if settings is not None else None,
        "pages": [
            {
                "page": p.number, "width": p.width, "height": p.height, "dpi": p.dpi, "dpi_source": p.dpi_source,
                "skew": round(p.angle, 2), "orientation": p.orientation, "source": p.source,
                "gutter": list(p.gutter) if p.gutter else None, "figures": [list(f) for f in p.figures],
                "steps": [s.to_dict() for s in p.steps], "notes": p.notes, "seconds": round(p.seconds, 2),
                "words": len(ocr.page_words(p)),
            }
            for p in ocr.pages
        ],
    }
