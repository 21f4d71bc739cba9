"""What every reader produces, and how it becomes the same ``OcrDocument`` as Tesseract's own
output: pages, blocks, paragraphs, lines and words with boxes (pixels) and confidences (0-100).

A reader walks its file and fills ``PageIn``/``BlockIn``/``LineIn``/``WordIn`` in the file's
reading order, keeping each word's element so a writer can put corrected text back in place.
``build`` then measures the page geometry with the same code as the image path
(``pipeline.ocr.geometry.arrange``: running heads, page numbers, footers, footnotes, captions,
fragments at the edge) and lays the words out as raw text with ``OcrDocument.add_page``, whose
serialisation is documented in ``pipeline/ocr/model.py`` and docs/ocr.md. The file's reading
order is kept (it is the file's own claim); geometry only adds hints.

Region types the file declares (ALTO ``TAGREFS``, PAGE ``TextRegion/@type``, hOCR
``ocr_pageno``/``ocr_footer``) are evidence: a declared header, footer, page number, caption,
footnote or marginal note becomes the line's hint with the declaration as its reason, and where
the geometry saw something else the reason says so; a region declared as body text whose
geometry says otherwise keeps the geometry's hint, with the declaration named in the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..ocr.model import Box, OcrDocument, PageContent, union

#: declared region types (PAGE ``@type``, ALTO tag labels, hOCR classes) -> hint kinds
DECLARED_KINDS = {
    "header": "header", "running-head": "header", "running-header": "header", "running-title": "header",
    "ocr-header": "header",
    "footer": "footer", "running-footer": "footer", "catch-word": "footer", "signature-mark": "footer",
    "ocr-footer": "footer",
    "page-number": "page_number", "pagenumber": "page_number", "page-no": "page_number", "folio": "page_number",
    "ocr-pageno": "page_number",
    "caption": "caption", "ocr-caption": "caption",
    "footnote": "footnote", "footnote-continued": "footnote", "note": "footnote",
    # a note in the margin: outside the body like a footnote (the nearest kind the stages know)
    "marginalia": "footnote", "margin-note": "footnote", "marginal-note": "footnote",
}
BODY_TYPES = frozenset({"paragraph", "heading", "text", "body", "drop-capital", "list-label", "toc-entry"})


def declared_kind(label: str | None) -> str | None:
    """The hint kind a declared region type stands for, or None.

    >>> declared_kind("page-number"), declared_kind("Running Head"), declared_kind("heading")
    ('page_number', 'header', None)
    """
    if not label:
        return None
    key = re.sub(r"[\s_]+", "-", label.strip().lower())
    return DECLARED_KINDS.get(key)


@dataclass(slots=True)
class WordIn:
    text: str
    box: Box
    conf: float
    #: the element the word's text lives in (None for a word split out of a line's text)
    el: Any = None
    #: format-specific handles a writer needs (ALTO HYP element, PAGE TextEquiv, ...)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LineIn:
    words: list[WordIn]
    el: Any = None
    declared: str | None = None  # the declared type, as the file writes it
    where: str = ""              # where the declaration is (for the reason)

    @property
    def box(self) -> Box:
        return union([w.box for w in self.words])

    @property
    def height(self) -> int:
        b = self.box
        return b[3] - b[1]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class BlockIn:
    paragraphs: list[list[LineIn]]
    el: Any = None
    declared: str | None = None
    where: str = ""


@dataclass
class PageIn:
    width: int
    height: int
    blocks: list[BlockIn]
    dpi: int = 300
    dpi_source: str = "default"
    figures: list[Box] = field(default_factory=list)
    el: Any = None


@dataclass
class Walked:
    """A file walked: its pages as read, before the model is built (what a writer needs)."""

    format: str
    version: str
    engine: str
    pages: list[PageIn]

    def words(self) -> list[WordIn]:
        """The words in the model's order (``OcrDocument.words``)."""
        return [w for p in self.pages for b in p.blocks for par in b.paragraphs for ln in par for w in ln.words]


@dataclass
class Reading:
    """A file read: the model, and the words it came from (``words[i]`` is ``ocr.words[i]``)."""

    format: str
    version: str
    engine: str
    ocr: OcrDocument
    words: list[WordIn]
    pages: list[PageIn]
    #: the parsed tree the words' elements belong to
    root: Any = None


_WS = re.compile(r"\s+")


def word_text(s: str) -> str:
    """A word's text as the raw text holds it: outer white space dropped, inner runs as one space."""
    return _WS.sub(" ", s).strip()


def _hint(declared: str | None, where: str, geo: tuple[str | None, str]) -> tuple[str | None, str]:
    kind = declared_kind(declared)
    ghint, greason = geo
    if kind:
        reason = f"declared {declared!r} by the file ({where})"
        if ghint and ghint != kind:
            reason += f"; the page geometry suggested {ghint.replace('_', ' ')} ({greason})"
        return kind, reason
    if declared and ghint:
        return ghint, f"{greason}; the file declares it {declared!r} ({where})"
    return ghint, greason


def build(name: str, walked: Walked) -> Reading:
    """The ``OcrDocument`` of pages read from a file, with geometry and declared hints."""
    fmt, version, engine, pages = walked.format, walked.version, walked.engine, walked.pages
    from ..ocr import geometry

    doc = OcrDocument(name)
    words: list[WordIn] = []
    identity: Callable[[Box], Box] = lambda b: b  # noqa: E731 - no deskew: boxes are the file's
    for page in pages:
        blocks = []
        for b in page.blocks:
            pars = [[ln for ln in par if ln.words] for par in b.paragraphs]
            blocks.append(BlockIn([p for p in pars if p], b.el, b.declared, b.where))
        gblocks: list[Any] = []
        for b in blocks:
            gpars = [[geometry.LineG(ln.words, ln.box) for ln in par] for par in b.paragraphs]
            gblocks.append(geometry.BlockG(gpars, union([ln.box for par in gpars for ln in par])) if gpars else None)
        live = [g for g in gblocks if g is not None]
        if live:
            frame = geometry.PageFrame(page.width, page.height, page.dpi, None, page.figures, identity,
                                       (page.width, page.height))
            geometry.arrange(live, frame)  # sets hints and columns; the file's order is kept
        hints: dict[tuple[int, int, int], tuple[str, str]] = {}
        out_blocks = []
        for bi, (b, g) in enumerate(zip(blocks, gblocks)):
            pars_out: list[list[list[Any]]] = []
            if g is None:
                out_blocks.append(pars_out)
                continue
            for pi, (par, gpar) in enumerate(zip(b.paragraphs, g.paragraphs)):
                lines_out = []
                for li, (ln, gl) in enumerate(zip(par, gpar)):
                    declared, where = (ln.declared, ln.where) if ln.declared else (b.declared, b.where)
                    kind, reason = _hint(declared, where, (gl.hint, gl.reason))
                    if kind:
                        hints[(bi, pi, li)] = (kind, reason)
                    lines_out.append([(w.text, w.box, w.conf) for w in ln.words])
                    words.extend(ln.words)
                pars_out.append(lines_out)
            out_blocks.append(pars_out)
        doc.add_page(PageContent(
            width=page.width, height=page.height, blocks=out_blocks, dpi=page.dpi, dpi_source=page.dpi_source,
            source=fmt, notes=[f"read from {fmt} ({version}) written by {engine or 'an unnamed engine'}"],
            figures=list(page.figures), columns=[g.column if g is not None else 0 for g in gblocks], hints=hints,
        ))
    if len(words) != len(doc.words):  # pragma: no cover - a reader bug, not bad input
        raise AssertionError(f"{name}: {len(words)} words read, {len(doc.words)} laid out")
    return Reading(fmt, version, engine, doc, words, pages)


def box_of_points(points: list[tuple[float, float]]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (int(round(min(xs))), int(round(min(ys))), int(round(max(xs))), int(round(max(ys))))


def local(tag: Any) -> str:
    """An element's name without its namespace (comments and PIs give '')."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def qname(el: Any, name: str) -> str:
    """``name`` in the namespace of ``el`` (children of an element share its namespace)."""
    t = el.tag
    return t[: t.index("}") + 1] + name if t[0] == "{" else name


def child(el: Any, name: str) -> Any:
    """The first child named ``name`` in ``el``'s namespace, or None."""
    return next(el.iterchildren(qname(el, name)), None)


def children(el: Any, name: str) -> list[Any]:
    return list(el.iterchildren(qname(el, name)))


def fit_in(el: Any) -> None:
    """Indent an element the writer added as the file around it is indented (if it is): a
    corrected copy should diff cleanly against its input."""
    from lxml import etree

    root = el.getroottree().getroot()
    lead = root.text or ""
    if "\n" not in lead:
        return
    unit = lead.rsplit("\n", 1)[-1] or "  "
    depth = sum(1 for _ in el.iterancestors())
    etree.indent(el, space=unit, level=depth)
    here = "\n" + unit * depth
    prev, parent = el.getprevious(), el.getparent()
    el.tail = here if el.getnext() is not None else "\n" + unit * (depth - 1)
    if prev is not None:
        prev.tail = here
    elif parent is not None:
        parent.text = here


def split_words(text: str, box: Box, conf: float, line_el: Any) -> list[WordIn]:
    """A line known only by its text, split at spaces into words that share out the line's box
    in proportion to their length (``el`` None; ``extra["line"]`` is the line).

    >>> [(w.text, w.box) for w in split_words("ab cd", (0, 0, 50, 10), 90.0, None)]
    [('ab', (0, 0, 20, 10)), ('cd', (30, 0, 50, 10))]
    """
    if not text:
        return []
    parts = text.split(" ")
    total = len(text)
    width = box[2] - box[0]
    out, pos = [], 0
    for k, p in enumerate(parts):
        x0 = box[0] + width * pos // total
        x1 = box[0] + width * (pos + len(p)) // total
        pos += len(p) + 1
        out.append(WordIn(p, (x0, box[1], max(x1, x0 + 1), box[3]), conf, None, {"line": line_el, "virtual": k}))
    return out
