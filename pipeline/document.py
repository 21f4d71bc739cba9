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
from itertools import accumulate, islice, repeat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

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
        self.origin = OffsetMap(len(raw) + 1)
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
        origin = self.origin
        return origin[start], origin[end]

    def current_pos(self, raw_pos: int) -> int:
        """The first current position that comes from ``raw_pos`` or later."""
        return self.origin.first_at_least(raw_pos)

    def current_span(self, raw: tuple[int, int]) -> tuple[int, int]:
        start = self.origin.first_at_least(raw[0])
        end = max(start, self.origin.first_at_least(raw[1]))
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
        self.origin.replace(spans)
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


class OffsetMap:
    """The map from every current position to the raw offset it comes from, kept as runs.

    A run is ``length`` positions whose raw offsets either count up from ``raw`` (step 1: text
    copied from the raw) or all equal ``raw`` (step 0: text a change put there, mapped to the
    raw start of what it replaced). A long document with many changes needs a few runs per
    change that altered a length, not four bytes per character, and a change that swaps one
    character for one other costs nothing. Reads like the dense sequence it stands for:

    >>> m = OffsetMap(6)          # "hello" and its end
    >>> m.replace([(1, 3, "EE E")])
    >>> list(m), len(m)
    ([0, 1, 1, 1, 1, 3, 4, 5], 8)
    >>> m[2], m.first_at_least(3), m.first_at_least(2), m.first_at_least(9)
    (1, 5, 5, 8)
    >>> m.replace([(0, 1, "h"), (7, 7, "!")])    # same-length swaps add no run
    >>> list(m), m.runs
    ([0, 1, 1, 1, 1, 3, 4, 5, 5], 4)
    """

    __slots__ = ("_len", "_raw", "_step", "_cur", "_n")

    def __init__(self, n: int) -> None:
        #: run lengths (all > 0), raw offset where each run starts, and each run's step (0 or 1)
        self._len = array("q", [n] if n else [])
        self._raw = array("q", [0] if n else [])
        self._step = array("b", [1] if n else [])
        self._cur = array("q", [0] if n else [])  # current position where each run starts
        self._n = n

    @property
    def runs(self) -> int:
        return len(self._len)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self._n:
            if i < 0:
                i += self._n
            if not 0 <= i < self._n:
                raise IndexError("offset map index out of range")
        cur = self._cur
        k = bisect_right(cur, i) - 1
        return self._raw[k] + (i - cur[k]) * self._step[k]

    def many(self, positions: "Iterable[int]") -> list[int]:
        """``[self[i] for i in positions]`` for positions in range, in one call (a rule that
        maps every line start pays one lookup each, not one method call each).

        >>> m = OffsetMap(6)
        >>> m.replace([(1, 3, "EE E")])
        >>> m.many([0, 2, 5, 7]) == [m[0], m[2], m[5], m[7]]
        True
        """
        cur, raw, step, n = self._cur, self._raw, self._step, self._n
        out = []
        append = out.append
        for i in positions:
            if not 0 <= i < n:
                raise IndexError("offset map index out of range")
            k = bisect_right(cur, i) - 1
            append(raw[k] + (i - cur[k]) * step[k])
        return out

    def positions_of(self, raw_pos: int) -> tuple[int, int]:
        """The current positions ``[start, end)`` whose raw offset is exactly ``raw_pos``
        (empty when none is).

        >>> m = OffsetMap(6)
        >>> m.replace([(1, 3, "EE E")])
        >>> [m.positions_of(r) for r in (0, 1, 2, 3)]
        [(0, 1), (1, 5), (5, 5), (5, 6)]
        """
        return self.first_at_least(raw_pos), self.first_at_least(raw_pos + 1)

    def __iter__(self) -> Iterator[int]:
        for length, raw, step in zip(self._len, self._raw, self._step):
            if step:
                yield from range(raw, raw + length)
            else:
                yield from repeat(raw, length)

    def first_at_least(self, raw_pos: int) -> int:
        """The first position whose raw offset is ``raw_pos`` or more (``len`` if none):
        ``bisect_left`` on the dense map."""
        k = bisect_left(self._raw, raw_pos)
        if k and self._step[k - 1] and self._raw[k - 1] + self._len[k - 1] > raw_pos:
            return self._cur[k - 1] + raw_pos - self._raw[k - 1]
        return self._cur[k] if k < len(self._cur) else self._n

    def replace(self, spans: list[tuple[int, int, str]]) -> None:
        """Update for sorted, non-overlapping replacements ``(start, end, text)`` of the
        current text: ``[start, end)`` becomes ``len(text)`` positions mapped to the raw
        offset of ``start``. Work is per replacement; the runs between them are copied whole."""
        # one character for one other maps as before: only the others change the runs
        spans = [sp for sp in spans if not (sp[1] - sp[0] == 1 == len(sp[2]))]
        if not spans:
            return
        lens, raws, steps = array("q"), array("q"), array("b")
        pos = 0
        for start, end, repl in spans:
            if pos < start:
                self._emit(pos, start, lens, raws, steps)
            if repl:
                _push(len(repl), self[start], 0, lens, raws, steps)
            pos = end
        if pos < self._n:
            self._emit(pos, self._n, lens, raws, steps)
        self._len, self._raw, self._step = lens, raws, steps
        self._cur = array("q", accumulate(islice(lens, len(lens) - 1), initial=0)) if lens else array("q")
        self._n = sum(lens)

    def _emit(self, p: int, q: int, lens: "array[int]", raws: "array[int]", steps: "array[int]") -> None:
        """Append the old positions ``[p, q)`` to the new runs."""
        cur, raw, step = self._cur, self._raw, self._step
        kp = bisect_right(cur, p) - 1
        kq = bisect_right(cur, q - 1) - 1
        if kp == kq:
            _push(q - p, raw[kp] + (p - cur[kp]) * step[kp], step[kp], lens, raws, steps)
            return
        _push(cur[kp + 1] - p, raw[kp] + (p - cur[kp]) * step[kp], step[kp], lens, raws, steps)
        if kp + 1 < kq:
            _push(self._len[kp + 1], raw[kp + 1], step[kp + 1], lens, raws, steps)
            # the runs in between were already merged with each other: copied as they are
            lens.extend(self._len[kp + 2 : kq])
            raws.extend(raw[kp + 2 : kq])
            steps.extend(step[kp + 2 : kq])
        _push(q - cur[kq], raw[kq], step[kq], lens, raws, steps)


def _push(length: int, raw: int, step: int, lens: "array[int]", raws: "array[int]", steps: "array[int]") -> None:
    """Append a run, merged into the last one when it continues it (a run of one position
    is a step-1 run: that keeps runs few when a change swaps one character)."""
    if length == 1:
        step = 1
    if lens and steps[-1] == step and raws[-1] + step * lens[-1] == raw:
        lens[-1] += length
    else:
        lens.append(length)
        raws.append(raw)
        steps.append(step)
