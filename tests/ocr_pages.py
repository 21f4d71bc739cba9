"""Book pages rendered for the OCR tests (and bench/ocr.py): PIL with a Debian font, then the
damage scans have, done with OpenCV. Every page comes with its truth: the lines as printed,
and which are body, running head, page number, footnote, caption or a strip of the facing page.

The text is the project's own, written for these tests.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
SERIF = ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf")

TEXT = (
    "The miller kept his accounts in a narrow book bound in green cloth, and every evening "
    "he wrote down the sacks of grain that had come up the river road. His daughter read the "
    "figures back to him while the wheel turned slowly in the dark water below the house. "
    "In the spring of that year the river rose higher than anyone in the valley could remember. "
    "The water covered the lower meadow and reached the first step of the mill, where it left "
    "a line of mud and broken reeds that stayed on the stone until the autumn rains washed it away. "
    "Travellers who came to the village that summer heard the story many times over, and each "
    "teller added something of his own: a drowned cart, a heron standing on the roof, a bell that "
    "rang by itself at midnight. The miller said nothing about any of it. He mended the sluice, "
    "bought a new rope for the hoist, and went on writing in his green book as he always had. "
    "Years later, when the old mill was sold, the book was found in a drawer under the stairs, "
    "with a pressed flower between the pages for the week of the flood."
)

FACING = (
    "sorrow of the winter months had passed and the roads were open again to the market "
    "towns beyond the hills where the wool was sold each year at the great fair in the square "
    "and the merchants came with their wagons from the coast bringing salt and iron and news "
)


def font_path() -> str:
    for d in FONT_DIRS:
        for name in SERIF:
            p = Path(d) / name
            if p.exists():
                return str(p)
    raise FileNotFoundError("no serif font: apt-get install fonts-dejavu-core (or fonts-liberation)")


@dataclass
class Truth:
    body: list[str] = field(default_factory=list)
    header: str = ""
    page_number: str = ""
    footnotes: list[str] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)
    strip: list[str] = field(default_factory=list)
    columns: list[list[str]] = field(default_factory=list)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


def render_page(*, dpi: int = 200, width_in: float = 5.2, height_in: float = 6.4, pt: float = 11.0,
                text: str = TEXT, header: str = "THE MILLER'S BOOK", page_number: str = "17",
                columns: int = 1, footnote: str = "", figure: bool = False, caption: str = "",
                strip_width_in: float = 0.0, words: int = 0) -> tuple[Image.Image, Truth]:
    """A clean page (gray PIL image with its dpi tag) and its truth."""
    w, h = int(width_in * dpi), int(height_in * dpi)
    px = dpi / 72
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path(), int(pt * px))
    small = ImageFont.truetype(font_path(), int(pt * 0.75 * px))
    lead = int(pt * px * 1.45)
    truth = Truth(header=header, page_number=page_number)
    strip_w = int(strip_width_in * dpi)
    margin = int(0.55 * dpi)
    left = strip_w + margin
    right = w - margin
    y = int(0.45 * dpi)
    if header:
        hw = draw.textlength(header, font=font)
        draw.text(((left + right - hw) / 2, y), header, font=font, fill=0)
        if page_number:
            draw.text((right - draw.textlength(page_number, font=font), y), page_number, font=font, fill=0)
        y += int(lead * 2.2)
    if words:
        text = " ".join(text.split()[:words])
    if figure:
        fy1 = y + int(1.3 * dpi)
        draw.rectangle((left + 40, y, right - 40, fy1), outline=0, width=4)
        for i in range(8):
            draw.line((left + 60 + i * 60, fy1 - 20, left + 200 + i * 50, y + 30 + (i % 3) * 40), fill=0, width=5)
        draw.ellipse((right - 260, y + 40, right - 100, y + 200), fill=90, outline=0, width=3)
        y = fy1 + int(lead * 0.6)
        for ln in _wrap(draw, caption, small, right - left - 80):
            cw = draw.textlength(ln, font=small)
            draw.text(((left + right - cw) / 2, y), ln, font=small, fill=0)
            truth.caption.append(ln)
            y += int(lead * 0.8)
        y += int(lead * 1.2)
    bottom_limit = h - int(0.6 * dpi) - (int(lead * 3) if footnote else 0)
    if columns == 1:
        for ln in _wrap(draw, text, font, right - left):
            if y + lead > bottom_limit:
                break
            draw.text((left, y), ln, font=font, fill=0)
            truth.body.append(ln)
            y += lead
    else:
        gap = int(0.3 * dpi)
        cw = (right - left - gap) // 2
        all_lines = _wrap(draw, text, font, cw)
        per_col = max(1, (bottom_limit - y) // lead)
        for c in range(2):
            cy = y
            col_lines = all_lines[c * per_col:(c + 1) * per_col]
            for ln in col_lines:
                draw.text((left + c * (cw + gap), cy), ln, font=font, fill=0)
                cy += lead
            truth.columns.append(col_lines)
            truth.body.extend(col_lines)
    if footnote:
        fy = h - int(0.6 * dpi) - int(lead * 2.2)
        draw.line((left, fy - 10, left + int(1.5 * dpi), fy - 10), fill=0, width=2)
        for ln in _wrap(draw, footnote, small, right - left):
            draw.text((left, fy), ln, font=small, fill=0)
            truth.footnotes.append(ln)
            fy += int(lead * 0.8)
    if strip_w:
        # the facing page: its lines run on past the image's left edge, so only their ends show
        fy = int(0.9 * dpi)
        for ln in _wrap(draw, FACING * 3, font, int(3.5 * dpi)):
            if fy + lead > h - int(0.7 * dpi):
                break
            tw = draw.textlength(ln, font=font)
            x = strip_w - int(0.25 * dpi) - tw
            draw.text((x, fy), ln, font=font, fill=0)
            visible = ""
            for k in range(len(ln)):
                if x + draw.textlength(ln[:k], font=font) >= 0:
                    visible = ln[k:]
                    break
            truth.strip.append(visible)
            fy += lead
    img.info["dpi"] = (dpi, dpi)
    return img, truth


def degrade(img: Image.Image, *, angle: float = 2.0, noise: float = 10.0, light: float = 0.35,
            gutter_x: int | None = None, blur: float = 0.6, seed: int = 0) -> np.ndarray:
    """Scan damage: uneven light (a gradient falling to ``1 - light`` of full brightness),
    a dark gutter shadow at ``gutter_x``, rotation by ``angle`` degrees (counter-clockwise),
    a little blur, and Gaussian grain."""
    rng = np.random.default_rng(seed)
    a = np.asarray(img, dtype=np.float32)
    h, w = a.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 1.0 - light * (0.6 * xx / w + 0.4 * yy / h)
    if gutter_x is not None:
        band = np.exp(-((xx - gutter_x) / (0.045 * w)) ** 2)
        shade *= 1.0 - 0.75 * band
    a = a * shade
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    a = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if blur:
        a = cv2.GaussianBlur(a, (0, 0), blur)
    a = a + rng.normal(0, noise, a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


def save(arr: np.ndarray | Image.Image, path: Path, dpi: int | None = 200) -> Path:
    im = arr if isinstance(arr, Image.Image) else Image.fromarray(arr)
    if dpi:
        im.save(path, dpi=(dpi, dpi))
    else:
        im.save(path)
    return path


def cer(truth: str, text: str) -> float:
    from rapidfuzz.distance import Levenshtein

    t, o = " ".join(truth.split()), " ".join(text.split())
    return Levenshtein.distance(t, o) / max(1, len(t))


def random_words(seed: int, n: int) -> str:
    words = TEXT.split()
    r = random.Random(seed)
    return " ".join(r.choice(words) for _ in range(n))

