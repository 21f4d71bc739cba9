"""Tesseract through pytesseract: words with boxes and confidences, grouped as Tesseract
grouped them (blocks, paragraphs, lines), and its orientation detection.

One Tesseract thread per process: ``OMP_THREAD_LIMIT=1`` is set for the Tesseract processes
this module starts (unless the environment already sets it), since pages run in parallel and
Tesseract's own threads only fight over the same cores (3-7 s a page instead of 1-2 s).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, MissingDependency

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

INSTALL = "sudo apt-get install tesseract-ocr tesseract-ocr-eng   (Debian/Ubuntu)"


def _pytesseract() -> Any:
    try:
        import pytesseract
    except ImportError:
        raise MissingDependency("the Python package 'pytesseract' is needed for OCR; "
                                "install it with: pip install pytesseract") from None
    return pytesseract


def lang_package(lang: str) -> str:
    """The Debian package that holds a Tesseract language's data.

    >>> lang_package("chi_sim")
    'tesseract-ocr-chi-sim'
    """
    return "tesseract-ocr-" + lang.lower().replace("_", "-")


@functools.lru_cache(maxsize=8)
def check(lang: str = "eng") -> str:
    """Tesseract's version; ``MissingDependency`` (exit code 3, with the install command) when
    Tesseract or one of the languages is not installed."""
    pt = _pytesseract()
    if shutil.which(pt.pytesseract.tesseract_cmd) is None:
        raise MissingDependency(f"Tesseract OCR is not installed (no '{pt.pytesseract.tesseract_cmd}' on PATH); "
                                f"install it with: {INSTALL}")
    try:
        version = str(pt.get_tesseract_version())
        have = set(pt.get_languages(config=""))
    except pt.TesseractNotFoundError:
        raise MissingDependency(f"Tesseract OCR is not installed; install it with: {INSTALL}") from None
    except (pt.TesseractError, OSError) as exc:
        raise MissingDependency(f"Tesseract does not run ({exc}); reinstall it with: {INSTALL}") from None
    missing = [code for code in lang.split("+") if code not in have]
    if missing:
        pkgs = " ".join(lang_package(c) for c in missing)
        raise MissingDependency(f"Tesseract has no data for language(s) {', '.join(missing)}; "
                                f"install it with: sudo apt-get install {pkgs}")
    return version


@dataclass
class TsvWord:
    text: str
    box: tuple[int, int, int, int]
    conf: float
    block: int
    par: int
    line: int


def _write(image: Any, bilevel: bool, folder: str) -> str:
    """The page as a file Tesseract reads fast: 1-bit PBM when black and white (Tesseract
    then skips its own thresholding), else 8-bit PGM."""
    import numpy as np
    from PIL import Image

    if image.ndim == 2 and bilevel:
        path = os.path.join(folder, "page.pbm")
        with open(path, "wb") as fh:  # raw PBM: one bit a pixel, 1 = black
            fh.write(b"P4\n%d %d\n" % (image.shape[1], image.shape[0]))
            fh.write(np.packbits(image < 128, axis=1).tobytes())
    elif image.ndim == 2:
        path = os.path.join(folder, "page.pgm")
        Image.fromarray(image).save(path)
    else:
        path = os.path.join(folder, "page.ppm")
        Image.fromarray(image).save(path)
    return path


def _run(func: str, image: Any, bilevel: bool, lang: str, config: str, timeout: float) -> str:
    pt = _pytesseract()
    with tempfile.TemporaryDirectory(prefix="ocrmend-") as folder:
        path = _write(image, bilevel, folder)
        try:
            return getattr(pt, func)(path, lang=lang, config=config, timeout=timeout or 0)
        except pt.TesseractNotFoundError:
            raise MissingDependency(f"Tesseract OCR is not installed; install it with: {INSTALL}") from None
        except RuntimeError as exc:  # pytesseract's timeout
            if "timeout" in str(exc).lower():
                raise InputError(f"Tesseract took longer than {timeout:g} s on the page (ocr.timeout)") from None
            raise


def recognise(image: Any, bilevel: bool, lang: str, config: str, timeout: float = 0.0) -> list[TsvWord]:
    """Tesseract's words (level 5 of ``image_to_data``) with boxes (x0, y0, x1, y1) in the
    pixels of ``image`` and confidences 0-100."""
    pt = _pytesseract()
    try:
        tsv = _run("image_to_data", image, bilevel, lang, config, timeout)
    except pt.TesseractError as exc:
        raise InputError(f"Tesseract failed on the page: {exc.message or exc}") from None
    words: list[TsvWord] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(TsvWord(text, (left, top, left + width, top + height), max(0.0, float(cols[10])),
                             int(cols[2]), int(cols[3]), int(cols[4])))
    return words


_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OCONF = re.compile(r"Orientation confidence:\s*([\d.]+)")


def orientation(image: Any, bilevel: bool, dpi: int, timeout: float = 0.0) -> tuple[int, float] | None:
    """Tesseract's orientation detection (``--psm 0``): the clockwise turn that makes the page
    upright, and its confidence; None when it cannot tell (too little text)."""
    pt = _pytesseract()
    try:
        osd = _run("image_to_osd", image, bilevel, "osd", f"--psm 0 --dpi {dpi}", timeout)
    except pt.TesseractError:
        return None
    except InputError:
        return None
    rot, conf = _ROTATE.search(osd), _OCONF.search(osd)
    if not rot or not conf:
        return None
    return int(rot.group(1)) % 360, float(conf.group(1))


@functools.lru_cache(maxsize=1)
def has_osd() -> bool:
    try:
        return "osd" in set(_pytesseract().get_languages(config=""))
    except Exception:
        return False
