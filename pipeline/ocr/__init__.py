"""OCR of scanned pages: images and PDFs in, an ``OcrDocument`` (words with boxes and
confidences, lines, blocks, pages, geometry hints) and its raw text out.

    from pipeline.ocr import OcrSettings, ocr_file
    doc = ocr_file("scan.tif", OcrSettings(dpi=300), jobs=2)
    doc.text                  # the raw text (NAME.ocr.txt), Tesseract's layout
    doc.words_in(10, 20)      # the words (boxes, confidences) behind a raw span
    doc.hints()               # header / page_number / footnote / caption / fragment evidence

The model and its serialisation are described in ``docs/ocr.md`` and ``pipeline/ocr/model.py``.
Heavy imports (OpenCV, numpy, Pillow, pytesseract) wait until a page is read, so importing
this package costs nothing.
"""
from __future__ import annotations

from typing import Any

from .images import IMAGE_SUFFIXES, is_image_path
from .model import Block, Hint, Line, OcrDocument, Page, PageContent, StepRecord, Word
from .settings import STEP_NAMES, OcrSettings

__all__ = [
    "IMAGE_SUFFIXES", "STEP_NAMES", "Block", "Hint", "Line", "OcrDocument", "OcrSettings", "Page",
    "PageContent", "StepRecord", "Word", "check_tesseract", "is_image_path", "iter_pages", "ocr_batch",
    "ocr_file",
]


def ocr_file(path: Any, settings: OcrSettings | None = None, *, jobs: int = 1) -> OcrDocument:
    """OCR one image, multi-page TIFF or PDF (see ``reader.ocr_file``)."""
    from .reader import ocr_file as run

    return run(path, settings, jobs=jobs)


def ocr_batch(paths: Any, settings: OcrSettings | None = None, *, jobs: int = 1) -> Any:
    """OCR many files, pages of all of them ``jobs`` at a time (see ``reader.ocr_batch``)."""
    from .reader import ocr_batch as run

    return run(paths, settings, jobs=jobs)


def iter_pages(path: Any, settings: OcrSettings | None = None, *, jobs: int = 1) -> Any:
    """The OCRed pages of a file, one at a time (see ``reader.iter_pages``)."""
    from .reader import iter_pages as run

    return run(path, settings, jobs=jobs)


def check_tesseract(lang: str = "eng") -> str:
    """Tesseract's version, or ``MissingDependency`` with the install command."""
    from .tesseract import check

    return check(lang)
