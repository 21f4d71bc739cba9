"""The ocr stage: what the scanned page's geometry says about the text, before any text rule runs.

It does something only when the document came from page images (``ctx.doc.ocr`` is the
``OcrDocument``, see ``pipeline/ocr``); for a text input it proposes nothing. It runs first so
that the text is still exactly the OCR text and every hint's raw span is the span to act on.

This module imports nothing from OpenCV or Tesseract: the geometry was measured when the pages
were read; here it is only looked up.
"""
from __future__ import annotations

from typing import Iterator

from ..edits import Edit, Region
from ..rules import Context, rule

#: how sure a geometry hint is, by kind: a strip beyond the gutter or cut by the image's edge
#: is certain; a line standing apart at the top is nearly so; the rest is good evidence.
CONFIDENCE = {"fragment": 0.9, "header": 0.85, "page_number": 0.9, "footer": 0.75, "footnote": 0.75,
              "caption": 0.75}


@rule("ocr.geometry")
def geometry(text: str, ctx: Context) -> Iterator[Region | Edit]:
    """Take running heads, page numbers, footers, footnotes, captions and strips of the facing
    page out of the body, found from their place on the scanned page (image input only).

    Each hinted line becomes a region of its kind (with its page, box and the reason) and is
    removed with ``removes=KIND``, so ``--keep KIND`` leaves it in place. The line goes with
    the line breaks after it, so no empty line is left where it stood.

    >>> from pipeline.ocr.model import OcrDocument, PageContent
    >>> from pipeline.runner import run_rules
    >>> def line(words, y):
    ...     return [(w, (100 + 80 * i, y, 170 + 80 * i, y + 30), 95.0) for i, w in enumerate(words.split())]
    >>> page = PageContent(1000, 1400, [[[line("THE MILLER'S BOOK", 60)]], [[line("He kept his book.", 200)]],
    ...                                 [[line("17", 1300)]]],
    ...                    hints={(0, 0, 0): ("header", "first row, apart"), (2, 0, 0): ("page_number", "alone")})
    >>> scan = OcrDocument("p"); _ = scan.add_page(page)
    >>> scan.text
    "THE MILLER'S BOOK\\n\\nHe kept his book.\\n\\n17\\n"
    >>> run_rules(scan.text, [geometry], ocr=scan).text
    'He kept his book.\\n\\n'
    >>> [(r.kind, r.text, r.attrs["box"]) for r in run_rules(scan.text, [geometry], ocr=scan).regions]
    [('header', "THE MILLER'S BOOK", [100, 60, 330, 90]), ('page_number', '17', [100, 1300, 170, 1330])]

    Without a scan behind the text nothing happens, however much a line looks like a running head:

    >>> run_rules("THE MILLER'S BOOK\\n\\nHe kept his book.\\n\\n17\\n", [geometry]).text
    "THE MILLER'S BOOK\\n\\nHe kept his book.\\n\\n17\\n"
    """
    ocr = ctx.doc.ocr
    if ocr is None:
        return
    n = len(text)
    for h in ocr.hints():
        s, e = ctx.doc.current_span((h.start, h.end))
        # a hint whose text an earlier rule already changed is left to the text rules
        if e <= s or text[s:e] != ocr.text[h.start:h.end]:
            continue
        attrs = {"source": "geometry", "reason": h.reason, "page": h.page, "box": list(h.box)}
        yield Region(h.kind, s, e, attrs)
        end = e
        while end < n and end - e < 2 and text[end] == "\n":
            end += 1
        yield Edit(s, end, "", f"{h.kind.replace('_', ' ')} by its place on the page: {h.reason}",
                   CONFIDENCE.get(h.kind, 0.75), removes=h.kind)


RULES = (geometry,)
