"""The OCR document model: pages, blocks, lines and words with their boxes and confidences,
and the one deterministic way they become the raw text of the document.

The serialisation (also in docs/ocr.md) is Tesseract's own plain-text layout, so the text
stages see OCR of an image exactly as they see a Tesseract text file:

* words of a line are joined by one space;
* lines of a paragraph by ``"\\n"``; paragraphs of a block, and blocks, by a blank line
  (``"\\n\\n"``);
* a page that has any text ends with ``"\\n"``; pages are joined by a form feed (``"\\f"``),
  so the form feed is the first character of every page after the first.

Every word, line, block and page records its ``[start, end)`` span in that raw text, so a
change log replays from ``NAME.ocr.txt`` and any raw span maps back to its words and boxes
(``OcrDocument.words_in``). Boxes are ``(x0, y0, x1, y1)`` in pixels of the page image as
it was read (before deskewing), ``x1``/``y1`` exclusive. Page numbers are 1-based, as
``Document.page_of`` counts them. Confidences are Tesseract's, 0-100.

>>> doc = OcrDocument("demo")
>>> page = doc.add_page(PageContent(width=100, height=50, blocks=[
...     [[[("Hello", (1, 1, 20, 9), 96.0), ("world", (25, 1, 50, 9), 91.5)]],
...      [[("Next", (1, 20, 20, 29), 88.0)]]],
... ]))
>>> doc.text
'Hello world\\n\\nNext\\n'
>>> [(w.text, w.start, w.end) for w in doc.words_in(3, 8)]
[('Hello', 0, 5), ('world', 6, 11)]
>>> doc.words[2].box, doc.words[2].page, doc.lines[1].par
((1, 20, 20, 29), 1, 1)
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import add
from typing import Any, Iterator, NamedTuple, Sequence

SCHEMA_VERSION = 1

Box = tuple[int, int, int, int]
#: what the OCR of one page gives before it is placed in a document:
#: blocks -> paragraphs -> lines -> words as (text, box, confidence)
RawWord = tuple[str, Box, float]


def union(boxes: Sequence[Box]) -> Box:
    """The smallest box around all ``boxes``.

    >>> union([(1, 2, 3, 4), (0, 5, 2, 6)])
    (0, 2, 3, 6)
    """
    # one pass with plain comparisons: four min/max calls over generators cost three times more
    it = iter(boxes)
    first = next(it, None)
    if first is None:
        raise ValueError("union() of no boxes")
    x0, y0, x1, y1 = first
    for a, b, c, d in it:
        if a < x0:
            x0 = a
        if b < y0:
            y0 = b
        if c > x1:
            x1 = c
        if d > y1:
            y1 = d
    return (x0, y0, x1, y1)


class Word(NamedTuple):
    """One recognised word: its text, box, confidence and place in the raw text. A named tuple
    (immutable and hashable, as a frozen dataclass is) because a page makes hundreds: the
    model builds them in C (``tuple.__new__``), with no Python call a word."""

    text: str
    box: Box
    conf: float
    page: int
    block: int
    line: int
    start: int
    end: int


#: ``Word(...)`` without its Python ``__new__``: ``_new_tuple(Word, (text, box, ...))``
_new_tuple = tuple.__new__


class Line(NamedTuple):
    """One printed line: its words are ``doc.words[first_word:first_word + n_words]``. A named
    tuple, as ``Word`` is, for the same reason (a page makes dozens)."""

    page: int
    block: int
    par: int
    box: Box
    start: int
    end: int
    first_word: int
    n_words: int
    #: what the line's place on the page suggests it is (``geometry``): header, page_number,
    #: footer, footnote, caption, fragment; None for body text
    hint: str | None = None
    reason: str = ""


class Block(NamedTuple):
    """A block of lines as Tesseract segmented it, in reading order; ``column`` counts the
    page's columns from the left (0 where there is one)."""

    page: int
    box: Box
    column: int
    start: int
    end: int
    first_line: int
    n_lines: int


@dataclass(frozen=True)
class Hint:
    """Evidence from the page's geometry that a raw span is not body text (see ``geometry``)."""

    kind: str
    page: int
    start: int
    end: int
    box: Box
    reason: str


@dataclass
class StepRecord:
    """One preprocessing decision: whether a step ran on the page, and why."""

    name: str
    applied: bool
    detail: str
    ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "applied": self.applied, "detail": self.detail, "ms": round(self.ms, 1)}


@dataclass
class PageContent:
    """The OCR of one page before it is placed in a document (what a worker returns)."""

    width: int
    height: int
    blocks: list[list[list[list[RawWord]]]]
    dpi: int = 300
    dpi_source: str = "default"
    angle: float = 0.0
    orientation: int = 0
    source: str = "tesseract"
    steps: list[StepRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: x of a gutter between this page and a strip of the facing page, and which side the
    #: strip is on ("left"/"right"); None when there is none
    gutter: tuple[int, str] | None = None
    #: boxes of figures (large inked areas without words)
    figures: list[Box] = field(default_factory=list)
    #: column index of each block (same order as ``blocks``)
    columns: list[int] = field(default_factory=list)
    #: (block, paragraph, line) index -> (hint, reason), see ``Line.hint``
    hints: dict[tuple[int, int, int], tuple[str, str]] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Page:
    """One page: its size in pixels, how it was read, and its blocks
    (``doc.blocks[first_block:first_block + n_blocks]``). ``angle`` is the skew measured and
    turned back (degrees, counter-clockwise positive; 0 when left alone), ``orientation`` the
    clockwise quarter turn applied to read it, ``dpi_source`` where ``dpi`` came from
    (``file``, ``default``, ``forced``, ``render``)."""

    number: int
    width: int
    height: int
    dpi: int
    dpi_source: str
    angle: float
    orientation: int
    source: str
    steps: list[StepRecord]
    notes: list[str]
    gutter: tuple[int, str] | None
    figures: list[Box]
    start: int
    end: int
    first_block: int
    n_blocks: int
    seconds: float = 0.0


class OcrDocument:
    """Pages of OCR with the raw text they serialise to. Pages are added one at a time, so a
    long PDF is never held as images, only as words."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pages: list[Page] = []
        self.blocks: list[Block] = []
        self.lines: list[Line] = []
        self.words: list[Word] = []
        self._parts: list[str] = []
        self._pos = 0
        self._text: str | None = None
        self._word_starts: list[int] = []

    # -- building ----------------------------------------------------------------------
    def add_page(self, content: PageContent) -> Page:
        """Append one page; its words get their raw spans here."""
        self._text = None
        parts, words, lines, blocks = self._parts, self.words, self.lines, self.blocks
        number = len(self.pages) + 1
        pos = self._pos
        if self.pages:
            parts.append("\f")
            pos += 1
        page_start = pos
        first_block = len(blocks)
        columns = content.columns or [0] * len(content.blocks)
        hints = content.hints
        for bi, paragraphs in enumerate(content.blocks):
            if not any(ln for par in paragraphs for ln in par):
                continue
            if len(blocks) > first_block:
                parts.append("\n\n")
                pos += 2
            block_index = len(blocks)
            block_start = pos
            first_line = len(lines)
            par_no = -1
            for pi, par in enumerate(paragraphs):
                if not any(par):
                    continue
                par_no += 1
                if par_no:
                    parts.append("\n\n")
                    pos += 2
                first_in_par = True
                for li, line_words in enumerate(par):
                    if not line_words:
                        continue
                    hint, reason = hints.get((bi, pi, li), (None, "")) if hints else (None, "")
                    if not first_in_par:
                        parts.append("\n")
                        pos += 1
                    first_in_par = False
                    first_word = len(words)
                    end, box = self._add_line(line_words, number, block_index, len(lines), pos)
                    lines.append(Line(number, block_index, par_no, box, pos, end, first_word, len(line_words), hint,
                                      reason))
                    pos = end
            block_box = union([ln.box for ln in lines[first_line:]])
            blocks.append(Block(number, block_box, columns[bi] if bi < len(columns) else 0, block_start,
                                pos, first_line, len(lines) - first_line))
        if len(blocks) > first_block:
            parts.append("\n")
            pos += 1
        self._pos = pos
        page = Page(number, content.width, content.height, content.dpi, content.dpi_source, content.angle,
                    content.orientation, content.source, content.steps, content.notes, content.gutter,
                    content.figures, page_start, pos, first_block, len(blocks) - first_block,
                    content.seconds)
        self.pages.append(page)
        return page

    def _add_line(self, line_words: Sequence[RawWord], page: int, block: int, line: int,
                  start: int) -> tuple[int, Box]:
        """Lay one line's words out from raw offset ``start`` (joined by one space); returns
        where the line ends and its box. Column by column: the offsets, boxes and confidences
        of a line are computed in C, with no Python step a word."""
        texts, boxes, confs = zip(*line_words)
        self._parts.append(" ".join(texts))
        lens = list(map(len, texts))
        # a word starts one space after the end of the word before it
        starts = list(accumulate([n + 1 for n in lens[:-1]], initial=start))
        ends = list(map(add, starts, lens))
        self._word_starts.extend(starts)
        n = len(texts)
        self.words.extend(map(_new_tuple, repeat(Word, n),
                              zip(texts, map(tuple, boxes), map(float, confs), repeat(page, n), repeat(block, n),
                                  repeat(line, n), starts, ends)))
        return ends[-1], union(boxes)

    # -- reading -----------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The raw text (what ``NAME.ocr.txt`` holds)."""
        if self._text is None:
            self._text = "".join(self._parts)
            self._parts = [self._text]
        return self._text

    def page_words(self, page: Page) -> list[Word]:
        if not page.n_blocks:
            return []
        first = self.lines[self.blocks[page.first_block].first_line].first_word
        last_block = self.blocks[page.first_block + page.n_blocks - 1]
        last_line = self.lines[last_block.first_line + last_block.n_lines - 1]
        return self.words[first:last_line.first_word + last_line.n_words]

    def block_lines(self, block: Block) -> list[Line]:
        return self.lines[block.first_line:block.first_line + block.n_lines]

    def block_paragraphs(self, block: Block) -> list[list[Line]]:
        """A block's lines grouped by paragraph, in order (consecutive lines of one ``par``)."""
        pars: list[list[Line]] = []
        for ln in self.block_lines(block):
            if not pars or ln.par != pars[-1][0].par:
                pars.append([])
            pars[-1].append(ln)
        return pars

    def line_words(self, line: Line) -> list[Word]:
        return self.words[line.first_word:line.first_word + line.n_words]

    def page_blocks(self, page: Page) -> list[Block]:
        return self.blocks[page.first_block:page.first_block + page.n_blocks]

    def words_in(self, start: int, end: int) -> list[Word]:
        """The words that overlap the raw span ``[start, end)`` (a word touched at all counts)."""
        words = self.words
        return [words[i] for i in self.word_range(start, end)]

    def word_range(self, start: int, end: int) -> range:
        """The indices in ``words`` of the words ``words_in(start, end)`` gives (consecutive)."""
        starts = self._word_starts
        i = max(0, bisect_right(starts, start) - 1)
        # the words start in order: those from i up to the first starting at or after the
        # span's end (or just after its start, for an empty span) are the candidates
        j = bisect_left(starts, max(end, start + 1), i)
        # every candidate after the first starts inside the span, so only the first (which
        # starts at or before ``start``) can miss it: by ending before it
        if i < j and self.words[i].end <= start:
            i += 1
        return range(i, j)

    def page_at(self, pos: int) -> int:
        """1-based number of the page a raw offset is on (a form feed belongs to the page it opens)."""
        starts = [p.start for p in self.pages]
        return max(1, bisect_right(starts, pos))

    def page_starts(self) -> list[int]:
        """Raw offsets where pages 2, 3, ... start: the form feeds, as the layout stage counts
        them (a ``page_break`` region's end)."""
        return [p.start for p in self.pages[1:]]

    def geometry(self, start: int, end: int) -> dict[str, Any] | None:
        """Page, box and words (with boxes and confidences) of a raw span, for ``NAME.json``:
        ``{"page", "box", "conf", "words": [[text, x0, y0, x1, y1, conf], ...]}``; the box is
        the union of the words' boxes on the span's first page. None when no word is in it."""
        words = self.words_in(start, end)
        if not words:
            return None
        first_page = words[0].page
        on_page = [w for w in words if w.page == first_page]
        return {
            "page": first_page,
            "box": list(union([w.box for w in on_page])),
            "conf": round(sum(w.conf for w in words) / len(words), 1),
            "words": [[w.text, *w.box, round(w.conf, 1)] for w in words],
        }

    def hints(self) -> list["Hint"]:
        """The geometry hints as raw spans: consecutive lines of a block with the same hint
        make one hint (a running head, a footnote, a strip of the facing page)."""
        out: list[Hint] = []
        prev: Line | None = None
        for ln in self.lines:
            if ln.hint and prev is not None and prev.hint == ln.hint and prev.block == ln.block and out:
                last = out[-1]
                out[-1] = Hint(last.kind, last.page, last.start, ln.end, union([last.box, ln.box]), last.reason)
            elif ln.hint:
                out.append(Hint(ln.hint, ln.page, ln.start, ln.end, ln.box, ln.reason))
            prev = ln
        return out

    def __iter__(self) -> Iterator[Page]:
        return iter(self.pages)

    def __len__(self) -> int:
        return len(self.pages)

    # -- persistence -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the document (``from_dict``); the raw text is not
        stored, since the serialisation rebuilds it exactly."""
        pages = []
        for p in self.pages:
            blocks = []
            for b in self.page_blocks(p):
                pars: list[list[dict[str, Any]]] = []
                for ln in self.block_lines(b):
                    if ln.par >= len(pars):
                        pars.append([])
                    rec: dict[str, Any] = {"box": list(ln.box),
                                           "words": [[w.text, *w.box, round(w.conf, 2)] for w in self.line_words(ln)]}
                    if ln.hint:
                        rec["hint"], rec["reason"] = ln.hint, ln.reason
                    pars[-1].append(rec)
                blocks.append({"box": list(b.box), "column": b.column, "paragraphs": pars})
            pages.append({
                "page": p.number, "width": p.width, "height": p.height, "dpi": p.dpi,
                "dpi_source": p.dpi_source, "angle": round(p.angle, 3), "orientation": p.orientation,
                "source": p.source, "steps": [s.to_dict() for s in p.steps], "notes": p.notes,
                "gutter": list(p.gutter) if p.gutter else None, "figures": [list(f) for f in p.figures],
                "raw": [p.start, p.end], "seconds": round(p.seconds, 3), "blocks": blocks,
            })
        return {"schema": SCHEMA_VERSION, "document": self.name, "pages": pages}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OcrDocument":
        doc = cls(data.get("document", ""))
        for p in data["pages"]:
            hints = {(bi, pi, li): (ln["hint"], ln.get("reason", ""))
                     for bi, b in enumerate(p["blocks"]) for pi, par in enumerate(b["paragraphs"])
                     for li, ln in enumerate(par) if ln.get("hint")}
            blocks = [
                [[[(w[0], tuple(w[1:5]), w[5]) for w in ln["words"]] for ln in par] for par in b["paragraphs"]]
                for b in p["blocks"]
            ]
            doc.add_page(PageContent(
                width=p["width"], height=p["height"], blocks=blocks, dpi=p["dpi"], dpi_source=p["dpi_source"],
                angle=p["angle"], orientation=p["orientation"], source=p["source"],
                steps=[StepRecord(s["step"], s["applied"], s["detail"], s.get("ms", 0.0)) for s in p["steps"]],
                notes=list(p["notes"]), gutter=tuple(p["gutter"]) if p["gutter"] else None,
                figures=[tuple(f) for f in p["figures"]], columns=[b["column"] for b in p["blocks"]],
                seconds=p.get("seconds", 0.0), hints=hints,
            ))
        return doc

    def check(self) -> None:
        """Assert the spans point at the text they claim (a self-test for the serialisation)."""
        text = self.text
        for w in self.words:
            assert text[w.start:w.end] == w.text, w
        for p in self.pages[1:]:
            assert text[p.start - 1] == "\f", p.number
