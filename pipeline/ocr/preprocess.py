"""Preprocessing a page image for Tesseract: small named steps, in a fixed order.

Each step measures the page first and runs only when the measurement says it helps; either
way it returns a ``StepRecord`` saying what it measured and what it decided, which goes into
the page's log. Each can be switched off in ``[tool.ocrmend.ocr]`` (``deskew = false``).

Order and why:

1. ``grayscale``  colour carries nothing Tesseract uses; every later measurement is on gray.
2. ``denoise``    before anything thresholds the page: a median filter for grain in a gray
                  scan, and lone specks of a pixel or three dropped from a 1-bit scan.
3. ``flatten``    uneven light and the shadow of the gutter are divided out, so one threshold
                  fits the whole page; where the page is not paper (a black scanner border)
                  it is made white. The gutter's position is measured here, before the
                  shadow is gone.
4. ``deskew``     the angle of the text lines is measured from a projection profile and the
                  page turned back; boxes are mapped back to the image as read.
5. ``binarize``   Sauvola's adaptive threshold when parts of the page want thresholds far
                  apart; otherwise the page stays gray and Tesseract applies its global Otsu
                  (its recognizer reads the gray levels too, which measured better).
6. ``borders``    solid black bands along the edges (scanner lid, gutter, tape) become white,
                  since Tesseract reads them as rows of ``|`` and ``l``.

Orientation (Tesseract's OSD) runs after recognition, and only on pages whose words came out
with low confidence: asking it on every page would cost half a page's OCR time.

All measurements run on a reduced copy of the page (about 100 dpi), so the whole chain costs a
small fraction of Tesseract's time.

>>> import numpy as np
>>> page = np.full((400, 300), 255, np.uint8); page[100:110, 40:260] = 0
>>> state = PageState.start(page, dpi=300, bilevel=True)
>>> rec = grayscale(state, OcrSettings()); rec.applied, rec.detail
(False, 'already gray (1-bit scan)')
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import cv2
import numpy as np

from .model import StepRecord
from .settings import OcrSettings

cv2.setNumThreads(1)  # pages run in parallel; one page need not use every core


@dataclass
class PageState:
    """A page on its way through the steps: the current pixels, and the affine map from the
    image as read to the current pixels (so boxes can be mapped back)."""

    image: Any
    dpi: int
    bilevel: bool
    width: int
    height: int
    matrix: Any = field(default_factory=lambda: np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    angle: float = 0.0
    orientation: int = 0
    #: (x in current pixels, side of the facing-page strip) or None
    gutter: tuple[int, str] | None = None
    steps: list[StepRecord] = field(default_factory=list)

    @classmethod
    def start(cls, pixels: Any, dpi: int, bilevel: bool) -> "PageState":
        h, w = pixels.shape[:2]
        return cls(image=pixels, dpi=dpi, bilevel=bilevel, width=w, height=h)

    @property
    def gray(self) -> bool:
        return self.image.ndim == 2

    def small(self, target_dpi: int = 100) -> tuple[Any, float]:
        """A reduced copy for measuring, and its scale (small pixels per current pixel)."""
        scale = min(1.0, target_dpi / max(self.dpi, 1))
        if scale >= 0.99:
            return self.image, 1.0
        return cv2.resize(self.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale

    def apply_affine(self, m: Any, size: tuple[int, int], border: int = 255) -> None:
        """Warp the current image with ``m`` (2x3) into ``size`` (w, h); compose the maps."""
        interp = cv2.INTER_LINEAR if self.bilevel else cv2.INTER_CUBIC
        self.image = cv2.warpAffine(self.image, m, size, flags=interp, borderMode=cv2.BORDER_CONSTANT,
                                    borderValue=border)
        full = np.vstack([m, [0.0, 0.0, 1.0]]) @ np.vstack([self.matrix, [0.0, 0.0, 1.0]])
        self.matrix = full[:2]

    def to_original(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A box in current pixels as a box in the image as read (the box around its corners)."""
        if np.allclose(self.matrix, [[1, 0, 0], [0, 1, 0]]):
            return box
        inv = cv2.invertAffineTransform(self.matrix)
        x0, y0, x1, y1 = box
        pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64) @ inv.T
        bx0 = int(math.floor(pts[:, 0].min())); by0 = int(math.floor(pts[:, 1].min()))
        bx1 = int(math.ceil(pts[:, 0].max())); by1 = int(math.ceil(pts[:, 1].max()))
        return (max(0, bx0), max(0, by0), min(self.width, bx1), min(self.height, by1))


Step = Callable[[PageState, OcrSettings], StepRecord]


def _px(state: PageState, inches: float) -> int:
    return max(1, int(round(state.dpi * inches)))


# -- the steps ----------------------------------------------------------------------------
def grayscale(state: PageState, s: OcrSettings) -> StepRecord:
    """Colour to gray; a gray or 1-bit page is left as it is."""
    if state.gray:
        return StepRecord("grayscale", False, "already gray (1-bit scan)" if state.bilevel else "already gray")
    img = state.image
    spread = int(np.abs(img[::7, ::7, 0].astype(np.int16) - img[::7, ::7, 2]).max())
    state.image = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return StepRecord("grayscale", True, "colour to gray" if spread > 8 else "gray stored as colour, made gray")


def _noise_sigma(img: Any) -> float:
    """Grain in the paper: the spread of (pixel - its 3x3 median) over light pixels, robustly."""
    sample = img[::3] if img.shape[0] > 600 else img
    med = cv2.medianBlur(sample, 3)
    light = med > np.percentile(med, 60)
    diff = sample.astype(np.int16)[light] - med.astype(np.int16)[light]
    if diff.size < 100:
        return 0.0
    return float(1.4826 * np.median(np.abs(diff - np.median(diff))) + np.abs(diff).mean() * 0.5)


def denoise(state: PageState, s: OcrSettings) -> StepRecord:
    """Grain in a gray scan: a 3x3 median filter when the paper is grainy; specks of a pixel
    or three on a 1-bit scan: removed when there are many."""
    if not state.gray:
        return StepRecord("denoise", False, "needs a gray page (grayscale is off)")
    if state.bilevel:
        ink = (state.image < 128).astype(np.uint8)
        # A full stop at 300 dpi has some 20 pixels; three pixels and fewer, with nothing else
        # in the 5x5 square around them, is dust at any size.
        limit = max(2, int(3 * (state.dpi / 300) ** 2))
        k = 5 if limit <= 3 else 2 * int(limit ** 0.5) + 3
        around = cv2.boxFilter(ink, cv2.CV_16U, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
        dust = (ink == 1) & (around <= limit)
        count = int(np.count_nonzero(dust))
        per_mp = count / (ink.size / 1e6)
        # Tesseract shrugs off a few hundred dust pixels a page (removing them measured no
        # better); a dusty scan has thousands.
        if per_mp < 300:
            return StepRecord("denoise", False, f"{count} dust pixels ({per_mp:.0f} per megapixel): clean enough")
        state.image = state.image.copy()
        state.image[dust] = 255
        return StepRecord("denoise", True, f"removed {count} dust pixels (specks of <= {limit} px)")
    sigma = _noise_sigma(state.image)
    if sigma < 5.0:
        return StepRecord("denoise", False, f"grain {sigma:.1f} levels: clean enough")
    state.image = cv2.medianBlur(state.image, 3)
    return StepRecord("denoise", True, f"grain {sigma:.1f} levels: 3x3 median filter")


def _background(small: Any, dpi_small: float) -> Any:
    """The paper's brightness at each point of a reduced page: text removed by a grey closing
    wider than a letter, then smoothed."""
    k = max(3, int(dpi_small * 0.12) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.blur(bg, (k, k))


def _find_gutter(bg: Any, scale: float) -> tuple[int, str, float] | None:
    """A dark vertical band in the outer 40 % of the page's background: the gutter's shadow.
    Returns (x in current pixels, side of the narrow part beyond it, depth) or None."""
    h, w = bg.shape
    if w < 20:
        return None
    cols = np.median(bg[h // 10: h - h // 10], axis=0).astype(np.float64)
    paper = float(np.median(cols))
    if paper < 60:
        return None
    best = None
    for side in ("left", "right"):
        lo, hi = (0, int(w * 0.4)) if side == "left" else (int(w * 0.6), w)
        seg = cols[lo:hi]
        i = int(np.argmin(seg))
        depth = 1.0 - seg[i] / paper
        x = lo + i
        # A band that is the image's own edge is a border, not a gutter with a strip beyond it.
        edge = x <= 1 or x >= w - 2
        if depth >= 0.2 and not edge and (best is None or depth > best[2]):
            best = (int(x / scale), side, depth)
    return best


def flatten(state: PageState, s: OcrSettings) -> StepRecord:
    """Uneven light and gutter shadow divided out when the paper's brightness varies across
    the page; an even page is left as it is."""
    if not state.gray:
        return StepRecord("flatten", False, "needs a gray page (grayscale is off)")
    if state.bilevel:
        return StepRecord("flatten", False, "1-bit scan: no shading to flatten")
    small, scale = state.small(100)
    bg = _background(small, state.dpi * scale)
    gutter = _find_gutter(bg, scale)
    if gutter:
        state.gutter = (gutter[0], gutter[1])
    inner = bg[bg.shape[0] // 20: -bg.shape[0] // 20 or None, bg.shape[1] // 20: -bg.shape[1] // 20 or None]
    lo, hi = np.percentile(inner, (2, 98))
    spread = float(hi - lo)
    gnote = f"; gutter shadow at x={gutter[0]} ({gutter[1]} strip, {gutter[2]:.0%} darker)" if gutter else ""
    if spread < 24 and not gutter:
        return StepRecord("flatten", False, f"paper even (brightness varies {spread:.0f} levels)")
    full = cv2.resize(bg, (state.image.shape[1], state.image.shape[0]), interpolation=cv2.INTER_LINEAR)
    paper = float(np.percentile(bg, 90))
    img = state.image.astype(np.float32)
    out = img * (255.0 / np.maximum(full.astype(np.float32), 1.0))
    # Where the "paper" is nearly black it is not paper (a scanner border, the book's edge):
    # dividing would only magnify noise there.
    not_paper = full < 0.3 * paper
    out[not_paper] = 255
    state.image = np.clip(out, 0, 255).astype(np.uint8)
    share = float(not_paper.mean())
    extra = f"; {share:.0%} of the image is not paper, made white" if share > 0.001 else ""
    return StepRecord("flatten", True, f"brightness varied {spread:.0f} levels: divided out{gnote}{extra}")


def measure_skew(img: Any, dpi: int, max_skew: float) -> tuple[float, float]:
    """The skew of the text lines in degrees (counter-clockwise positive, as OpenCV turns), and
    how sharply the best angle stands out of the rest (1.0: not at all).

    >>> import numpy as np, cv2
    >>> page = np.full((600, 800), 255, np.uint8)
    >>> for y in range(100, 500, 30): page[y:y + 8, 100:700] = 0
    >>> m = cv2.getRotationMatrix2D((400, 300), 2.0, 1.0)
    >>> turned = cv2.warpAffine(page, m, (800, 600), borderValue=255)
    >>> skew, sharp = measure_skew(turned, 100, 5.0)
    >>> abs(skew - 2.0) < 0.15, sharp > 1.2
    (True, True)
    """
    # 150 dpi: at 100 the lines of a small page are too few pixels apart to level to 0.1 deg
    scale = min(1.0, 150 / max(dpi, 1))
    small = img if scale >= 0.99 else cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    thr, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ys, xs = np.nonzero(small < min(thr, 200))
    if len(ys) < 200:
        return 0.0, 1.0
    if len(ys) > 60_000:  # a fixed sample: the profile's peaks need thousands of points, not millions
        pick = np.random.default_rng(0).choice(len(ys), 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    cx = xs.astype(np.float64) - small.shape[1] / 2
    cy = ys.astype(np.float64) - small.shape[0] / 2
    span = int(math.hypot(*small.shape)) + 4

    def score(deg: float) -> float:
        t = math.radians(deg)
        y = -math.sin(t) * cx + math.cos(t) * cy + span / 2
        hist = np.bincount(y.astype(np.int64), minlength=span)
        return float(np.dot(hist, hist))

    coarse = np.arange(-max_skew, max_skew + 1e-9, 0.25)
    scores = np.array([score(a) for a in coarse])
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    fscores = np.array([score(a) for a in fine])
    level = float(fine[int(np.argmax(fscores))])
    sharp = float(fscores.max() / max(np.median(scores), 1.0))
    return round(-level, 3) + 0.0, sharp


def deskew(state: PageState, s: OcrSettings) -> StepRecord:
    """The page turned so its text lines are level, when they slope by ``min_skew`` degrees
    or more; the measured skew (counter-clockwise positive) is logged either way."""
    if not state.gray:
        return StepRecord("deskew", False, "needs a gray page (grayscale is off)")
    angle, sharp = measure_skew(state.image, state.dpi, s.max_skew)
    if sharp < 1.15:
        return StepRecord("deskew", False, f"no clear text lines to measure (peak {sharp:.2f}x)")
    if abs(angle) < s.min_skew:
        return StepRecord("deskew", False, f"skew {angle:+.2f} deg: under {s.min_skew} deg, left as it is")
    if abs(angle) >= s.max_skew - 0.3:
        return StepRecord("deskew", False, f"skew {angle:+.2f} deg is at the search limit: not trusted")
    h, w = state.image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    c, si = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(math.ceil(h * si + w * c)), int(math.ceil(h * c + w * si))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    state.apply_affine(m, (nw, nh))
    if state.gutter:
        x = state.gutter[0]
        state.gutter = (int(m[0, 0] * x + m[0, 1] * h / 2 + m[0, 2]), state.gutter[1])
    if state.bilevel:
        state.image = np.where(state.image < 128, 0, 255).astype(np.uint8)
    state.angle = angle
    return StepRecord("deskew", True, f"skew {angle:+.2f} deg measured: turned back level")


def _sauvola(img: Any, window: int, k: float = 0.2, r: float = 128.0) -> Any:
    f = img.astype(np.float32)
    mean = cv2.boxFilter(f, -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    sq = cv2.boxFilter(f * f, -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    std = np.sqrt(np.maximum(sq - mean * mean, 0))
    thr = mean * (1 + k * (std / r - 1))
    return np.where(f > thr, 255, 0).astype(np.uint8)


def binarize(state: PageState, s: OcrSettings) -> StepRecord:
    """Black and white by Sauvola's local threshold when parts of the page want thresholds far
    apart (uneven light that flattening did not even out). When one threshold fits the whole
    page the page stays gray: Tesseract then thresholds it globally (Otsu) itself and its
    recognizer still reads the gray levels, which measured better than giving it our black and
    white. ``binarization = "otsu"`` forces the global threshold (Tesseract is faster on a
    1-bit page), ``"adaptive"`` forces Sauvola. A 1-bit page is left alone."""
    if not state.gray:
        return StepRecord("binarize", False, "needs a gray page (grayscale is off)")
    if state.bilevel:
        return StepRecord("binarize", False, "already 1-bit")
    img = state.image
    small, _ = state.small(100)
    method = s.binarization
    detail = ""
    if method == "auto":
        th, tw = small.shape[0] // 4, small.shape[1] // 3
        local = []
        for ty in range(4):
            for tx in range(3):
                tile = small[ty * th:(ty + 1) * th, tx * tw:(tx + 1) * tw]
                if tile.size and float(tile.std()) > 25:
                    local.append(cv2.threshold(tile, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[0])
        spread = (max(local) - min(local)) if len(local) >= 2 else 0.0
        detail = f"tile thresholds {spread:.0f} levels apart"
        if spread <= 40:
            return StepRecord("binarize", False, f"{detail}: one threshold fits; left gray for Tesseract's Otsu")
        method = "adaptive"
        detail = f" ({detail})"
    if method == "otsu":
        thr, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        state.image = np.where(img > thr, 255, 0).astype(np.uint8)
        detail = f"global Otsu at {thr:.0f}{detail}"
    else:
        state.image = _sauvola(img, _px(state, 0.17) | 1)
        detail = f"adaptive (Sauvola){detail}"
    state.bilevel = True
    return StepRecord("binarize", True, detail)


def borders(state: PageState, s: OcrSettings) -> StepRecord:
    """Solid black bands along the edges, and a black gutter band with a strip of the facing
    page beyond it, made white; the gutter's position is kept for the layout hints."""
    if not state.gray:
        return StepRecord("borders", False, "needs a gray page (grayscale is off)")
    img = state.image
    h, w = img.shape
    ink = img < 128
    col = ink.mean(axis=0)
    row = ink.mean(axis=1)
    solid, loose = 0.6, 0.35
    cut: dict[str, int] = {}

    def run_from(profile: Any, reverse: bool) -> int:
        seq = profile[::-1] if reverse else profile
        n = 0
        limit = len(seq) // 4
        while n < limit and seq[n] >= loose:
            n += 1
        return n if n and seq[:n].max() >= solid else 0

    for name, profile, rev in (("left", col, False), ("right", col, True), ("top", row, False), ("bottom", row, True)):
        n = run_from(profile, rev)
        if n:
            cut[name] = n
    # A black band inside the outer part of the page, with something beyond it: the gutter.
    band = None
    for side in ("left", "right"):
        lo, hi = (cut.get("left", 0), int(w * 0.4)) if side == "left" else (int(w * 0.6), w - cut.get("right", 0))
        seg = col[lo:hi] >= solid
        if seg.any():
            idx = np.flatnonzero(seg) + lo
            a, b = int(idx.min()), int(idx.max()) + 1
            if b - a <= w * 0.15 and (b - a) >= max(2, _px(state, 0.01)):
                band = (a, b, side)
                break
    if not cut and band is None:
        return StepRecord("borders", False, "no black border or band")
    out = img.copy()
    parts = []
    for name, n in cut.items():
        if name == "left":
            out[:, :n] = 255
        elif name == "right":
            out[:, w - n:] = 255
        elif name == "top":
            out[:n, :] = 255
        else:
            out[h - n:, :] = 255
        parts.append(f"{name} {n} px")
    if band is not None:
        a, b, side = band
        # widen to the band's soft edge, where it is still mostly ink
        while a > 0 and col[a - 1] >= loose:
            a -= 1
        while b < w and col[b] >= loose:
            b += 1
        out[:, a:b] = 255
        parts.append(f"band x={a}-{b} ({side} side)")
        if state.gutter is None:
            state.gutter = ((a + b) // 2, side)
    state.image = out
    return StepRecord("borders", True, "made white: " + ", ".join(parts))


#: the steps in running order (orientation is decided after recognition)
STEPS: tuple[Step, ...] = (grayscale, denoise, flatten, deskew, binarize, borders)


def prepare(state: PageState, settings: OcrSettings) -> PageState:
    """Run every switched-on step on the page, logging each decision in ``state.steps``."""
    for step in STEPS:
        name = step.__name__
        if not getattr(settings, name):
            state.steps.append(StepRecord(name, False, f"switched off (ocr.{name} = false)"))
            continue
        t = time.perf_counter()
        rec = step(state, settings)
        rec.ms = (time.perf_counter() - t) * 1000
        state.steps.append(rec)
    return state


def rotate_quarter(state: PageState, degrees: int) -> None:
    """Turn the page by a multiple of 90 degrees clockwise (orientation fix)."""
    degrees %= 360
    if not degrees:
        return
    h, w = state.image.shape[:2]
    code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}[degrees]
    state.image = cv2.rotate(state.image, code)
    if degrees == 90:
        m = np.array([[0.0, -1.0, h], [1.0, 0.0, 0.0]])
    elif degrees == 180:
        m = np.array([[-1.0, 0.0, w], [0.0, -1.0, h]])
    else:
        m = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w]])
    full = np.vstack([m, [0.0, 0.0, 1.0]]) @ np.vstack([state.matrix, [0.0, 0.0, 1.0]])
    state.matrix = full[:2]
    state.orientation = (state.orientation + degrees) % 360
    state.gutter = None
