"""The document model: raw text kept untouched, the current text, and the map between them.

One string per document, not a page/line tree: dehyphenation and reflow cross page
boundaries, and running heads are found by comparing pages. Pages, lines and blocks are
views computed from the text, the page starts and the regions the layout stage found.
"""
from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from .edits import BODY_KINDS, REMOVED_KINDS, Change, FlagRecord

if TYPE_CHECKING:  # pragma: no cover
    from .ocr.model import OcrDocument

#: Inline kinds are regions inside a paragraph; they never type the paragraph itself.
INLINE_KINDS = frozenset({"footnote_marker", "emphasis"})

_PARAGRAPH_SPLIT = re.compile(r"\n[ \t]*\n\s*")


@dataclass
class RegionRecord:
    """A region found by a rule, kept in raw coordinates with the text it had then."""

    kind: str
    raw: tuple[int, int]
    text: str
    rule: str
    page: int | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)


class Document:
    """Raw text, current text and an offset map from every current position to the raw text.

    ``origin[i]`` is the raw offset that current position ``i`` comes from; it has one entry
    more than the text (the end). Inserted characters map to the raw start of what they
    replaced, so the map is monotonic and spans map both ways with ``bisect``.
    """

    def __init__(self, name: str, raw: str, *, encoding: str = "utf-8", ocr: "OcrDocument | None" = None) -> None:
        self.name = name
        self.raw = raw
        self.encoding = encoding
        self.text = raw
        self.origin = _identity_map(len(raw) + 1)
        self.changes: list[Change] = []
        self.flags: list[FlagRecord] = []
        self.regions: list[RegionRecord] = []
        #: raw offsets where pages 2, 3, ... start
        self.page_starts: list[int] = []
        #: the OCR behind ``raw`` when the input was a page image (words, boxes, confidences,
        #: geometry hints; ``raw == ocr.text``); None for a text input
        self.ocr: OcrDocument | None = ocr
        #: per-document scratch space for stages (lives as long as the document, no longer)
        self.state: dict[str, Any] = {}
        self._ids: set[str] = set()
        self._version = 0
        self._cache: dict[str, Any] = {}

    # -- mapping -----------------------------------------------------------------------
    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span a current span comes from."""
        return self.origin[start], self.origin[end]

    def current_pos(self, raw_pos: int) -> int:
        """The first current position that comes from ``raw_pos`` or later."""
        return bisect_left(self.origin, raw_pos)

    def current_span(self, raw: tuple[int, int]) -> tuple[int, int]:
        start = bisect_left(self.origin, raw[0])
        end = max(start, bisect_left(self.origin, raw[1]))
        return start, end

    def page_of(self, raw_pos: int) -> int:
        """1-based page number of a raw offset."""
        return bisect_right(self.page_starts, raw_pos) + 1

    def add_page_start(self, raw_pos: int) -> None:
        i = bisect_left(self.page_starts, raw_pos)
        if i == len(self.page_starts) or self.page_starts[i] != raw_pos:
            self.page_starts.insert(i, raw_pos)

    # -- per-version cache for rules -----------------------------------------------------
    def cached(self, key: str, make: Any) -> Any:
        """A value computed once per text version (rules share line tables this way)."""
        full = f"{self._version}:{key}"
        if full not in self._cache:
            self._cache = {k: v for k, v in self._cache.items() if k.startswith(f"{self._version}:")}
            self._cache[full] = make()
        return self._cache[full]

    def regions_of(self, *kinds: str) -> Iterator[RegionRecord]:
        for r in self.regions:
            if r.kind in kinds:
                yield r

    # -- ids ---------------------------------------------------------------------------
    def new_id(self, *parts: object) -> str:
        """A stable id: the same document, rule, span and text give the same id on a re-run."""
        h = hashlib.sha1("\0".join([self.name, *map(str, parts)]).encode("utf-8", "surrogatepass"))
        base = h.hexdigest()[:12]
        ident, n = base, 1
        while ident in self._ids:
            n += 1
            ident = f"{base}-{n}"
        self._ids.add(ident)
        return ident

    # -- applying (only the runner calls this) -------------------------------------------
    def _replace_all(self, spans: list[tuple[int, int, str]]) -> None:
        """Apply sorted, non-overlapping replacements in one pass, updating the offset map."""
        # the values cached for the old text go first: they can hold whole copies of it
        self._cache.clear()
        text = self.text
        pieces: list[str] = []
        pos = 0
        for start, end, repl in spans:
            pieces.append(text[pos:start])
            pieces.append(repl)
            pos = end
        pieces.append(text[pos:])
        # let the old text go before the new one is made, when no one else holds it
        del text
        self.text = ""
        self.text = "".join(pieces)
        del pieces
        self.origin = _remap(self.origin, spans)
        self._version += 1

    # -- views ---------------------------------------------------------------------------
    def body_paragraphs(self) -> list[tuple[int, int]]:
        """Spans of the current text's paragraphs (blank-line separated, trimmed)."""
        spans = []
        pos = 0
        text = self.text
        for m in _PARAGRAPH_SPLIT.finditer(text):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, len(text)))
        out = []
        for s, e in spans:
            seg = text[s:e]
            stripped = seg.strip()
            if not stripped:
                continue
            s2 = s + (len(seg) - len(seg.lstrip()))
            out.append((s2, s2 + len(stripped)))
        return out

    def blocks(self) -> list[dict[str, Any]]:
        """Every block in reading order: body paragraphs and the regions taken out of them."""
        typed = [r for r in self.regions if r.kind in BODY_KINDS or r.kind in REMOVED_KINDS]
        out: list[tuple[int, int, dict[str, Any]]] = []
        kept_spans: list[tuple[int, int]] = []
        typing_regions = sorted(
            (r for r in typed if r.kind not in INLINE_KINDS), key=lambda r: (r.raw[0], -r.raw[1])
        )
        starts = [r.raw[0] for r in typing_regions]
        for s, e in self.body_paragraphs():
            rs, re_ = self.raw_span(s, e)
            kind = "paragraph"
            attrs: dict[str, Any] = {}
            i = bisect_right(starts, rs) - 1
            if i >= 0:
                r = typing_regions[i]
                if rs < max(r.raw[1], r.raw[0] + 1):
                    kind = r.kind
                    attrs = dict(r.attrs)
                    if r.kind in REMOVED_KINDS:
                        kept_spans.append(r.raw)
            block = {"kind": kind, "text": self.text[s:e], "page": self.page_of(rs), "raw": [rs, re_], "at": [s, e]}
            block.update(attrs)
            out.append((rs, 0, block))
        for r in typed:
            if r.kind not in REMOVED_KINDS or r.raw in kept_spans:
                continue
            s, e = self.current_span(r.raw)
            block = {"kind": r.kind, "text": r.text, "page": r.page, "raw": list(r.raw), "rule": r.rule}
            if r.kind in INLINE_KINDS:
                block["inline"] = True
            # a block the user kept with --keep is still in the text: it is one of the
            # paragraphs above, or inside one
            block["in_body"] = self.text[s:e] == r.text and bool(r.text)
            block.update(dict(r.attrs))
            out.append((r.raw[0], 1, block))
        out.sort(key=lambda t: (t[0], t[1]))
        return [b for _, _, b in out]


#: below this many entries the identity map is built without importing numpy
_NUMPY_FROM = 1 << 18
#: entries copied at a time when the map is compacted in place (bounds the temporary copies)
_CHUNK = 1 << 20
#: edits applied one by one with slice assignment (each moves the tail of the map once)
_FEW_EDITS = 16


def _identity_map(n: int) -> "array[int]":
    """``array("i", range(n))``, fast for long texts."""
    if n < _NUMPY_FROM:
        return array("i", range(n))
    import numpy as np

    out = array("i")
    out.frombytes(np.arange(n, dtype=np.intc).tobytes())
    return out


def _remap(origin: "array[int]", spans: list[tuple[int, int, str]]) -> "array[int]":
    """Update the offset map in place for sorted, non-overlapping replacements.

    Each replaced span ``[start, end)`` becomes ``len(repl)`` entries of ``origin[start]``.
    In place, so a long document's map is never held twice: edits that never make the text
    longer than it was up to any point are compacted from the start; a few other edits are
    applied one by one from the end; anything else builds a new map.
    """
    delta = 0
    for start, end, repl in spans:
        delta += len(repl) - (end - start)
        if delta > 0:
            break
    else:
        return _compact(origin, spans)
    if len(spans) <= _FEW_EDITS:
        # read every value first: an insertion can share its start with the next edit
        values = [origin[start] for start, _, _ in spans]
        for (start, end, repl), value in zip(reversed(spans), reversed(values)):
            origin[start:end] = array("i", [value]) * len(repl)
        return origin
    return _rebuild(origin, spans)


def _compact(origin: "array[int]", spans: list[tuple[int, int, str]]) -> "array[int]":
    """``_remap`` in one pass from the start, for edits that never leave the text longer
    than it was up to the end of any of them (the writes stay behind the reads)."""
    w = r = 0  # write and read positions: w <= r throughout
    for start, end, repl in spans:
        if w != r:
            _move(origin, r, start, w)
        w += start - r
        n = len(repl)
        if n:
            origin[w : w + n] = array("i", [origin[start]]) * n
        w += n
        r = end
    if w != r:
        _move(origin, r, len(origin), w)
    w += len(origin) - r
    del origin[w:]
    return origin


def _move(origin: "array[int]", r: int, stop: int, w: int) -> None:
    """Copy ``origin[r:stop]`` to start at ``w`` (``w < r``), a chunk at a time."""
    while r < stop:
        n = min(_CHUNK, stop - r)
        origin[w : w + n] = origin[r : r + n]
        r += n
        w += n


def _rebuild(origin: "array[int]", spans: list[tuple[int, int, str]]) -> "array[int]":
    new = array("i")
    pos = 0
    for start, end, repl in spans:
        new.extend(origin[pos:start])
        if repl:
            new.extend(array("i", [origin[start]]) * len(repl))
        pos = end
    new.extend(origin[pos:])
    return new
