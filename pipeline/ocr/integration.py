"""Glue between an ``OcrDocument`` and the text pipeline, for ``api.clean`` and the CLI.

* ``annotate_blocks`` adds page, box, mean confidence and the words (with boxes and
  confidences) to the blocks of ``NAME.json``;
* ``ocr_summary`` is what ``NAME.json`` says about the OCR itself (per page: size, resolution
  and where it came from, skew, steps, notes);
* the rule that turns the page-geometry hints into regions and removals is the first stage,
  ``pipeline.stages.ocr`` (rule ``ocr.geometry``); ``ocr_rule`` here is that rule, looked up
  when first asked for, so importing this module does not load the stages.
"""
from __future__ import annotations

from typing import Any

from .model import OcrDocument


def __getattr__(name: str) -> Any:
    if name in ("ocr_rule", "CONFIDENCE"):
        from ..stages import ocr as stage

        return stage.geometry if name == "ocr_rule" else stage.CONFIDENCE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def ocr_summary(ocr: OcrDocument, settings: Any = None, tesseract: str | None = None, *,
                timings: bool = False) -> dict[str, Any]:
    """What ``NAME.json`` says about how the pages were read: engine, settings, and per page
    its size, resolution and where that came from, skew, turn, gutter, figures, the
    preprocessing decisions and notes. Timings (``seconds`` a page, ``ms`` a step) only with
    ``timings=True``: without them the same scan gives the same file on every run and with
    any ``-j``."""

    def step(s: Any) -> dict[str, Any]:
        d = s.to_dict()
        if not timings:
            d.pop("ms", None)
        return d

    pages = []
    for p in ocr.pages:
        rec = {
            "page": p.number, "width": p.width, "height": p.height, "dpi": p.dpi, "dpi_source": p.dpi_source,
            "skew": round(p.angle, 2), "orientation": p.orientation, "source": p.source,
            "gutter": list(p.gutter) if p.gutter else None, "figures": [list(f) for f in p.figures],
            "steps": [step(s) for s in p.steps], "notes": list(p.notes), "words": len(ocr.page_words(p)),
        }
        if timings:
            rec["seconds"] = round(p.seconds, 2)
        pages.append(rec)
    return {
        "engine": {"name": "tesseract", "version": tesseract},
        "settings": settings.fingerprint() if settings is not None else None,
        "pages": pages,
    }
