"""What every reader produces, and how it becomes the same ``OcrDocument`` as Tesseract's own
output: pages, blocks, paragraphs, lines and words with boxes (pixels) and confidences (0-100).

A reader walks its file and fills ``PageIn``/``BlockIn``/``LineIn`` in the file's reading
order: a line holds its words as small tuples (``W``: text, box, confidence) and, beside them,
each word's element, so a writer can put corrected text back in place (``Walked.refs``)
without the reader making an object a word.
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
from functools import partial
from typing import Any, Callable, NamedTuple, cast

from ..ocr.model import Box, OcrDocument, PageContent, RawWord, union

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


class W(NamedTuple):
    """A word as read: what ``OcrDocument.add_page`` takes (it unpacks ``text, box, conf``) and
    what the page geometry reads (``.text``, ``.box``). A tuple, so reading a page makes one
    small object per word and nothing else."""

    text: str
    box: Box
    conf: float


#: ``W`` from one ``(text, box, conf)`` tuple, made in C: readers build hundreds a page,
#: and ``list(map(new_word, zip(texts, boxes, confs)))`` takes no Python step a word
new_word: Callable[[tuple], W] = partial(tuple.__new__, W)  # type: ignore[assignment]


@dataclass(slots=True)
class WordIn:
    """A word as a writer needs it: its text as read, and where it lives in the tree."""

    text: str
    box: Box
    conf: float
    #: the element the word's text lives in (None for a word split out of a line's text)
    el: Any = None
    #: format-specific handles a writer needs (ALTO ``hyp`` element, the ``line`` of a word
    #: split out of a line's text)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class LineIn:
    """A line as read: ``words[i]`` lives in element ``els[i]`` (None for a word split out of
    the line's text); ``extras`` holds the few words' writer handles by index (sparse)."""

    words: list[W]
    el: Any = None
    declared: str | None = None  # the declared type, as the file writes it
    where: str = ""              # where the declaration is (for the reason)
    els: list[Any] = field(default_factory=list)
    extras: dict[int, dict[str, Any]] = field(default_factory=dict)

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
        """The words in the model's order (``OcrDocument.words``), each with its element, one
        object a word (for tests and tools; the writers use ``refs``)."""
        ws, els, extras = self.refs()
        return [WordIn(w.text, w.box, w.conf, el, extras.get(i) or {}) for i, (w, el) in enumerate(zip(ws, els))]

    def refs(self) -> "WordRefs":
        """The words in the model's order as three flat columns, built a line at a time (no
        object a word): what a writer needs."""
        ws: list[W] = []
        els: list[Any] = []
        extras: dict[int, dict[str, Any]] = {}
        for p in self.pages:
            for b in p.blocks:
                for par in b.paragraphs:
                    for ln in par:
                        if ln.extras:
                            n = len(ws)
                            extras.update({n + k: v for k, v in ln.extras.items()})
                        ws.extend(ln.words)
                        els.extend(ln.els)
        return WordRefs(ws, els, extras)


class WordRefs(NamedTuple):
    """The words of a walked file for a writer: ``words[i]`` (as read) lives in element
    ``els[i]`` (None for a word split out of its line's text); ``extras`` holds the few
    words' other handles by index (ALTO ``hyp``, the ``line`` of a split word)."""

    words: list[W]
    els: list[Any]
    extras: dict[int, dict[str, Any]]


@dataclass
class Reading:
    """A file read: the model, and the file walked (``walked.words()[i]`` is ``ocr.words[i]``)."""

    format: str
    version: str
    engine: str
    ocr: OcrDocument
    walked: Walked
    #: the parsed tree the words' elements belong to
    root: Any = None


def word_text(s: str) -> str:
    """A word's text as the raw text holds it: outer white space dropped, inner runs as one space.

    >>> word_text("  illu-\\n  sions\\t")
    'illu- sions'
    """
    return " ".join(s.split())


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
    identity: Callable[[Box], Box] = lambda b: b  # noqa: E731 - no deskew: boxes are the file's
    LineG, BlockG = geometry.LineG, geometry.BlockG
    for page in pages:
        # blocks as (block, its paragraphs of lines with words, their geometry)
        kept: list[tuple[BlockIn, list[list[LineIn]], Any]] = []
        for b in page.blocks:
            pars = [lns for lns in ([ln for ln in par if ln.words] for par in b.paragraphs) if lns]
            if not pars:
                kept.append((b, pars, None))
                continue
            gpars = [[LineG(ln.words, _line_box(ln.words)) for ln in par] for par in pars]
            kept.append((b, pars, BlockG(gpars, union([ln.box for par in gpars for ln in par]))))
        live = [g for _, _, g in kept if g is not None]
        if live:
            frame = geometry.PageFrame(page.width, page.height, page.dpi, None, page.figures, identity,
                                       (page.width, page.height))
            geometry.arrange(live, frame)  # sets hints and columns; the file's order is kept
        hints: dict[tuple[int, int, int], tuple[str, str]] = {}
        out_blocks: list[list[list[list[W]]]] = []
        for bi, (b, pars, g) in enumerate(kept):
            if g is None:
                out_blocks.append([])
                continue
            for pi, (par, gpar) in enumerate(zip(pars, g.paragraphs)):
                for li, (ln, gl) in enumerate(zip(par, gpar)):
                    declared, where = (ln.declared, ln.where) if ln.declared else (b.declared, b.where)
                    if declared or gl.hint:
                        kind, reason = _hint(declared, where, (gl.hint, gl.reason))
                        if kind:
                            hints[(bi, pi, li)] = (kind, reason)
            out_blocks.append([[ln.words for ln in par] for par in pars])
        doc.add_page(PageContent(
            width=page.width, height=page.height, blocks=cast("list[list[list[list[RawWord]]]]", out_blocks),
            dpi=page.dpi, dpi_source=page.dpi_source,
            source=fmt, notes=[f"read from {fmt} ({version}) written by {engine or 'an unnamed engine'}"],
            figures=list(page.figures), columns=[g.column if g is not None else 0 for _, _, g in kept], hints=hints,
        ))
    return Reading(fmt, version, engine, doc, walked)


def _line_box(words: list[W]) -> Box:
    """The box around a line's words."""
    return union([w.box for w in words])


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


def split_words(text: str, box: Box, conf: float) -> list[W]:
    """A line known only by its text, split at spaces into words that share out the line's box
    in proportion to their length (a writer puts them back as the line's text).

    >>> [(w.text, w.box) for w in split_words("ab cd", (0, 0, 50, 10), 90.0)]
    [('ab', (0, 0, 20, 10)), ('cd', (30, 0, 50, 10))]
    """
    if not text:
        return []
    parts = text.split(" ")
    total = len(text)
    width = box[2] - box[0]
    out, pos = [], 0
    for p in parts:
        x0 = box[0] + width * pos // total
        x1 = box[0] + width * (pos + len(p)) // total
        pos += len(p) + 1
        out.append(W(p, (x0, box[1], max(x1, x0 + 1), box[3]), conf))
    return out


def add_split_line(line: LineIn, words: list[W]) -> None:
    """Put the words split out of ``line``'s text in it: no element each, the line as handle."""
    n = len(line.words)
    line.words.extend(words)
    line.els.extend([None] * len(words))
    for k in range(len(words)):
        line.extras[n + k] = {"line": line.el}
