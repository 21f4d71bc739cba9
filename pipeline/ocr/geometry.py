"""Geometry of a recognised page: reading order, columns, figures, and hints for the text
stages from where things sit on the page.

Everything here works in the pixels of the levelled page (after deskew), where lines are
horizontal; boxes are mapped back to the image as read only when the page is handed over.

Hints (``Line.hint``, gathered by ``OcrDocument.hints``) are evidence for the layout and
fragments stages, not decisions:

* ``fragment``: a block that touches the left or right edge of the image (its text runs off
  the scan), or lies beyond the gutter (a strip of the facing page), or is a narrow column of
  text off to the side of the main text block with a clear gap;
* ``header`` / ``page_number``: a line at the top of the page standing apart from the text
  below it (a page number is digits, roman numerals or a bracketed/dashed number);
* ``footer`` / ``page_number`` / ``footnote``: lines at the bottom standing apart; footnotes
  are set smaller than the body text or open with a note mark;
* ``caption``: the short run of lines just under a figure (a large inked area without words).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Sequence

import cv2
import numpy as np

from .model import Box, union

PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[\[(\-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[\])\-–—.]?$", re.IGNORECASE)
NOTE_MARK = re.compile(r"^(?:\d{1,3}[.)]?|[*†‡§¶]+|\(\d{1,3}\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")


@dataclass
class LineG:
    words: list[Any]  # TsvWord
    box: Box
    hint: str | None = None
    reason: str = ""

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass
class BlockG:
    paragraphs: list[list[LineG]]
    box: Box
    column: int = 0
    fragment: str = ""

    @property
    def lines(self) -> list[LineG]:
        return [ln for par in self.paragraphs for ln in par]


def group(words: Sequence[Any]) -> list[BlockG]:
    """Tesseract's words grouped into blocks, paragraphs and lines, in Tesseract's order."""
    blocks: dict[int, dict[int, dict[int, list[Any]]]] = {}
    for w in words:
        blocks.setdefault(w.block, {}).setdefault(w.par, {}).setdefault(w.line, []).append(w)
    out = []
    for pars in blocks.values():
        paragraphs = []
        for lines in pars.values():
            paragraphs.append([LineG(ws, union([w.box for w in ws])) for ws in lines.values()])
        out.append(BlockG(paragraphs, union([ln.box for par in paragraphs for ln in par])))
    return out


def split_at_gutter(blocks: list[BlockG], gutter: tuple[int, str] | None) -> list[BlockG]:
    """Words beyond the gutter taken out of lines that also hold words of the page itself, into
    blocks of their own (Tesseract sometimes reads across a narrow gutter)."""
    if gutter is None:
        return blocks
    x, side = gutter

    def beyond(w: Any) -> bool:
        cx = (w.box[0] + w.box[2]) / 2
        return cx < x if side == "left" else cx > x

    out = []
    for b in blocks:
        mixed = any(beyond(w) for ln in b.lines for w in ln.words) and not all(
            beyond(w) for ln in b.lines for w in ln.words)
        if not mixed:
            out.append(b)
            continue
        keep_pars, strip_pars = [], []
        for par in b.paragraphs:
            kp, sp = [], []
            for ln in par:
                inner = [w for w in ln.words if not beyond(w)]
                outer = [w for w in ln.words if beyond(w)]
                if inner:
                    kp.append(LineG(inner, union([w.box for w in inner])))
                if outer:
                    sp.append(LineG(outer, union([w.box for w in outer])))
            if kp:
                keep_pars.append(kp)
            if sp:
                strip_pars.append(sp)
        strip = BlockG(strip_pars, union([ln.box for p in strip_pars for ln in p]))
        keep = BlockG(keep_pars, union([ln.box for p in keep_pars for ln in p]))
        out.extend([strip, keep] if side == "left" else [keep, strip])
    return out


# -- reading order ------------------------------------------------------------------------
def _gaps(intervals: list[tuple[int, int, int]], min_gap: int) -> list[list[int]]:
    """Indices grouped where the sorted intervals leave a gap of at least ``min_gap``."""
    order = sorted(intervals, key=lambda t: (t[0], t[1]))
    groups: list[list[int]] = []
    reach = None
    for lo, hi, i in order:
        if reach is None or lo - reach >= min_gap:
            groups.append([i])
            reach = hi
        else:
            groups[-1].append(i)
            reach = max(reach, hi)
    return groups


def _xcut(boxes: list[Box], idx: list[int], min_gap: int) -> list[list[int]]:
    return _gaps([(boxes[i][0], boxes[i][2], i) for i in idx], min_gap)


def _ycut(boxes: list[Box], idx: list[int]) -> list[list[int]]:
    return _gaps([(boxes[i][1], boxes[i][3], i) for i in idx], 1)


def reading_order(boxes: list[Box], min_gap: int, slack: int = 0) -> tuple[list[int], list[int]]:
    """Block indices in reading order and each block's column, by recursive cuts: columns
    (vertical gaps no block crosses) left to right, else bands (horizontal gaps) top to bottom;
    neighbouring bands that split into the same columns are read as one band, so paragraph
    gaps that happen to line up across columns do not interleave them. For the column cuts
    boxes are narrowed by ``slack`` pixels on each side, since on a skewed or curled page
    neighbouring columns overlap by a little. Where no cut is possible, the blocks of a single
    column are read top to bottom, and anything else keeps the given order (Tesseract's, which
    knows more than boxes do).

    >>> boxes = [(0, 0, 100, 10), (0, 20, 45, 60), (55, 20, 100, 40), (0, 70, 45, 90), (55, 50, 100, 90)]
    >>> reading_order(boxes, 5)          # order; column of each block by index
    ([0, 1, 3, 2, 4], [0, 0, 1, 0, 1])
    """
    column = [0] * len(boxes)
    real = boxes
    if slack:
        boxes = [(b[0] + min(slack, (b[2] - b[0]) // 4), b[1], b[2] - min(slack, (b[2] - b[0]) // 4), b[3])
                 for b in boxes]

    def fallback(idx: list[int]) -> list[int]:
        # One column (every block overlaps every other across most of the narrower one's
        # width): top to bottom. Anything else: keep Tesseract's order.
        def shared(i: int, j: int) -> bool:
            a, b = real[i], real[j]
            return _overlap(a[0], a[2], b[0], b[2]) >= 0.5 * min(a[2] - a[0], b[2] - b[0])

        if all(shared(i, j) for i in idx for j in idx if i < j):
            return sorted(idx, key=lambda i: ((real[i][1] + real[i][3]) / 2, i))
        return sorted(idx)

    def cut(idx: list[int]) -> list[int]:
        if len(idx) <= 1:
            return idx
        cols = _xcut(boxes, idx, min_gap)
        if len(cols) > 1:
            out = []
            for ci, c in enumerate(cols):
                for i in c:
                    column[i] = max(column[i], ci)
                out.extend(cut(c))
            return out
        bands = _ycut(real, idx)
        if len(bands) == 1:
            return fallback(idx)
        merged: list[list[int]] = []
        for band in bands:
            if merged and _same_columns(boxes, merged[-1], band, min_gap):
                merged[-1] = merged[-1] + band
            else:
                merged.append(band)
        if len(merged) == 1 and len(_xcut(boxes, merged[0], min_gap)) == 1:
            return fallback(idx)
        out = []
        for band in merged:
            out.extend(cut(band))
        return out

    return cut(list(range(len(boxes)))), column


def _same_columns(boxes: list[Box], a: list[int], b: list[int], min_gap: int) -> bool:
    ca, cb = _xcut(boxes, a, min_gap), _xcut(boxes, b, min_gap)
    if len(ca) < 2 or len(ca) != len(cb):
        return False
    both = _xcut(boxes, a + b, min_gap)
    return len(both) == len(ca)


# -- figures ------------------------------------------------------------------------------
def find_figures(image: Any, dpi: int, words: Sequence[Any]) -> list[Box]:
    """Large inked areas with (almost) no words in them: pictures, maps, ornaments."""
    scale = min(1.0, 50 / max(dpi, 1))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.uint8)
    ink = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    wordmask = np.zeros_like(ink)
    for w in words:
        x0, y0, x1, y1 = (int(v * scale) for v in w.box)
        wordmask[y0:y1 + 1, x0:x1 + 1] = 1
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    area = small.shape[0] * small.shape[1]
    figures = []
    for i in range(1, n):
        x, y, w, h, a = stats[i]
        if w * h < 0.015 * area or w < 0.1 * small.shape[1] or h < 0.05 * small.shape[0]:
            continue
        comp = labels[y:y + h, x:x + w] == i
        covered = float((wordmask[y:y + h, x:x + w][comp]).mean())
        if covered < 0.2:
            figures.append((int(x / scale), int(y / scale), int((x + w) / scale), int((y + h) / scale)))
    return figures


def uncovered_text(image: Any, dpi: int, words: Sequence[Any]) -> list[Box]:
    """Areas that look like lines of print but hold no recognised word: Tesseract sometimes
    takes a noisy stretch of text for a picture and skips it. Returned for a second look."""
    scale = min(1.0, 50 / max(dpi, 1))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (small < 170).astype(np.uint8)
    covered = np.zeros_like(ink)
    for w in words:
        x0, y0, x1, y1 = (int(v * scale) for v in w.box)
        covered[max(0, y0 - 1):y1 + 2, max(0, x0 - 2):x1 + 3] = 1
    left = ink & (1 - covered)
    # letters of a line merge sideways; lines of a paragraph merge downwards
    k = max(3, int(0.12 * dpi * scale) | 1)
    blob = cv2.morphologyEx(left, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k * 2 + 1, k)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(blob, connectivity=8)
    h, w = small.shape
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if bw < 0.2 * w or bh < 3 * k or bw * bh < 0.01 * h * w:
            continue
        fill = float(left[y:y + bh, x:x + bw].mean())
        if not 0.04 <= fill <= 0.45:  # print is sparse ink; a picture or a black band is not
            continue
        out.append((int(x / scale), int(y / scale), int((x + bw) / scale), int((y + bh) / scale)))
    return out


# -- hints --------------------------------------------------------------------------------
@dataclass
class PageFrame:
    """What the hints need to know about the page besides its blocks."""

    width: int
    height: int
    dpi: int
    gutter: tuple[int, str] | None = None
    figures: list[Box] = field(default_factory=list)
    #: maps a box in levelled pixels to the image as read (to test "touches the edge")
    to_original: Any = None
    original_size: tuple[int, int] = (0, 0)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def mark_fragments(blocks: list[BlockG], frame: PageFrame, body_h: float) -> None:
    ow, oh = frame.original_size
    edge_tol = max(3, int(0.004 * ow))
    big = [b for b in blocks if len(b.lines) >= 3]
    main = union([b.box for b in big]) if big else None
    main_w = (main[2] - main[0]) if main else frame.width
    for b in blocks:
        reason = ""
        if frame.gutter is not None:
            x, side = frame.gutter
            width = max(1, b.box[2] - b.box[0])
            beyond = (x - b.box[0]) if side == "left" else (b.box[2] - x)
            if beyond >= 0.8 * width:
                reason = f"beyond the gutter at x={x}"
        if not reason and frame.to_original is not None:
            touching = 0
            for ln in b.lines:
                for w in ln.words:
                    ox0, _, ox1, _ = frame.to_original(w.box)
                    if ox0 <= edge_tol or ox1 >= ow - edge_tol:
                        touching += 1
                        break
            if touching and touching >= max(1, len(b.lines) // 3):
                reason = f"{touching} of {len(b.lines)} lines touch the {'left' if b.box[0] < frame.width / 2 else 'right'} edge of the image"
        if not reason and main is not None and len(blocks) > 1:
            width = b.box[2] - b.box[0]
            gap_left = main[0] - b.box[2]
            gap_right = b.box[0] - main[2]
            if width < 0.3 * main_w and max(gap_left, gap_right) > 1.0 * body_h and len(b.lines) >= 2 \
                    and b not in big:
                reason = "a narrow strip of text off to the side of the text block"
            elif b in big and len(big) >= 2 and width < 0.3 * main_w and (
                    b.box[0] <= min(x.box[0] for x in big) or b.box[2] >= max(x.box[2] for x in big)):
                others = union([x.box for x in big if x is not b])
                gap = max(others[0] - b.box[2], b.box[0] - others[2])
                if gap > 1.0 * body_h and width < 0.45 * (others[2] - others[0]):
                    reason = "a narrow column at the side of the page, apart from the text block"
        if reason:
            b.fragment = reason
            for ln in b.lines:
                ln.hint, ln.reason = "fragment", reason


def mark_furniture(blocks: list[BlockG], frame: PageFrame, body_h: float) -> None:
    lines = sorted((ln for b in blocks if not b.fragment for ln in b.lines), key=lambda ln: (ln.box[1], ln.box[0]))
    if len(lines) < 3:
        return
    rows: list[list[LineG]] = []
    for ln in lines:  # lines side by side (a page number beside a running head) form one row
        if rows and _overlap(rows[-1][0].box[1], rows[-1][0].box[3], ln.box[1], ln.box[3]) > 0.5 * min(
                ln.height, rows[-1][0].height):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    if len(rows) < 3:
        return
    top = [ln for r in rows for ln in r]
    text_top = min(ln.box[1] for ln in top)
    text_bottom = max(ln.box[3] for ln in top)
    span = max(1, text_bottom - text_top)

    def gap_after(i: int) -> float:
        return min(ln.box[1] for ln in rows[i + 1]) - max(ln.box[3] for ln in rows[i])

    # the head: the first row, standing apart, in the top part of the text
    first = rows[0]
    if gap_after(0) >= 0.9 * body_h and max(ln.height for ln in first) <= 1.35 * body_h \
            and max(ln.box[3] for ln in first) - text_top < 0.12 * span + 2 * body_h:
        for ln in first:
            if PAGE_NUMBER.match(ln.text.strip()):
                ln.hint, ln.reason = "page_number", "a number alone at the top of the page"
            else:
                ln.hint, ln.reason = "header", "a line standing apart at the top of the page"
    # the foot: rows under the last large gap in the bottom third
    last = len(rows) - 1
    cut = None
    for i in range(last - 1, 0, -1):
        if min(ln.box[1] for ln in rows[i + 1]) - text_top < 0.6 * span:
            break
        if gap_after(i) >= 0.9 * body_h:
            cut = i + 1
            break
    if cut is None:
        return
    foot = rows[cut:]
    foot_lines = [ln for r in foot for ln in r]
    if len(foot) == 1 and all(PAGE_NUMBER.match(ln.text.strip()) for ln in foot[0]):
        for ln in foot[0]:
            ln.hint, ln.reason = "page_number", "a number alone at the foot of the page"
        return
    small_type = median(ln.height for ln in foot_lines) <= 0.88 * body_h
    marked = NOTE_MARK.match(foot_lines[0].words[0].text) is not None
    if small_type or (marked and len(foot) <= 12):
        for r in foot:
            for ln in r:
                if PAGE_NUMBER.match(ln.text.strip()) and r is foot[-1] and len(r) == 1 and len(ln.words) <= 2:
                    ln.hint, ln.reason = "page_number", "a number alone at the foot of the page"
                else:
                    why = "set smaller than the body text" if small_type else "opens with a note mark"
                    ln.hint, ln.reason = "footnote", f"lines at the foot of the page {why}"
    elif len(foot) <= 2:
        for r in foot:
            for ln in r:
                if PAGE_NUMBER.match(ln.text.strip()):
                    ln.hint, ln.reason = "page_number", "a number alone at the foot of the page"
                else:
                    ln.hint, ln.reason = "footer", "a line standing apart at the foot of the page"


def mark_captions(blocks: list[BlockG], frame: PageFrame, body_h: float) -> None:
    if not frame.figures:
        return
    lines = sorted((ln for b in blocks if not b.fragment for ln in b.lines if ln.hint is None),
                   key=lambda ln: (ln.box[1], ln.box[0]))
    for fig in frame.figures:
        below = [ln for ln in lines if ln.box[1] >= fig[3] - 0.3 * body_h
                 and _overlap(ln.box[0], ln.box[2], fig[0], fig[2]) > 0.5 * (ln.box[2] - ln.box[0])]
        if not below or below[0].box[1] - fig[3] > 2.5 * body_h:
            continue
        run = [below[0]]
        for ln in below[1:]:
            if ln.box[1] - run[-1].box[3] > 0.9 * body_h or len(run) >= 5:
                break
            run.append(ln)
        if len(run) < 5 or below[len(run):] and below[len(run)].box[1] - run[-1].box[3] > 0.9 * body_h:
            for ln in run:
                ln.hint, ln.reason = "caption", "lines just under a figure"


def body_height(blocks: list[BlockG]) -> float:
    hs = [ln.height for b in blocks for ln in b.lines if len(ln.words) >= 3]
    if not hs:
        hs = [ln.height for b in blocks for ln in b.lines]
    return float(median(hs)) if hs else 30.0


def arrange(blocks: list[BlockG], frame: PageFrame) -> list[BlockG]:
    """Blocks in reading order with columns and line hints set."""
    if not blocks:
        return blocks
    body_h = body_height(blocks)
    boxes = [b.box for b in blocks]
    order, column = reading_order(boxes, max(4, int(0.6 * body_h)), slack=max(2, int(0.3 * body_h)))
    for i, b in enumerate(blocks):
        b.column = column[i]
    blocks = [blocks[i] for i in order]
    mark_fragments(blocks, frame, body_h)
    mark_furniture(blocks, frame, body_h)
    mark_captions(blocks, frame, body_h)
    return blocks
