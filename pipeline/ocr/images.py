"""Reading page images: PNG, JPEG, TIFF (one or many pages, 1-bit to colour) and PDF pages
rendered at a chosen resolution.

A source is opened once (``open_source``: everything that can be checked without decoding
pixels is checked there, so a bad file fails before any OCR) and then gives its pages one at a
time (``PageSource.load``), so a 300-page PDF is never held in memory as images. Every failure
is an ``InputError`` with one line that names the file and says what is wrong.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, MissingDependency, reading

#: suffixes read as images (lower case); PDF pages are rendered
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf")

# A resolution tag outside this range is a placeholder (many scanners write 1 or 72), not a
# measurement: such pages are read at the configured default.
_DPI_RANGE = (100, 2400)

# PDFium must not be entered from two threads at once, not even for different documents.
_PDFIUM_LOCK = threading.Lock()


@dataclass
class PageImage:
    """One page's pixels (a numpy array: HxW uint8 gray, or HxWx3 RGB), its resolution and
    where that resolution came from (``file``, ``default``, ``forced`` or ``render``)."""

    number: int
    pixels: Any
    dpi: int
    dpi_source: str
    bilevel: bool
    notes: list[str]
    #: words of a PDF text layer, when asked for and present: [(text, box, conf)] lines
    text_layer: list[list[tuple[str, tuple[int, int, int, int], float]]] | None = None


def _need(module: str, package: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise MissingDependency(
            f"the Python package '{package}' is needed to read images; install it with: pip install {package}"
        ) from None


def is_image_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def open_source(path: str | Path, settings: Any) -> "PageSource":
    """Open an image or PDF for reading page by page; raise ``InputError`` if it cannot be."""
    path = Path(path)
    with reading(path):
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    if size == 0:
        raise InputError(f"{path}: empty file (0 bytes); nothing to OCR")
    if head.startswith(b"%PDF") or (path.suffix.lower() == ".pdf" and b"%PDF" in head):
        return PdfSource(path, settings)
    if path.suffix.lower() == ".pdf":
        raise InputError(f"{path}: not a PDF (no %PDF header); check the file")
    return RasterSource(path, settings)


class PageSource:
    path: Path
    count: int

    def load(self, index: int) -> PageImage:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "PageSource":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _usable_dpi(info: dict[str, Any]) -> int | None:
    dpi = info.get("dpi")
    try:
        x, y = (float(dpi[0]), float(dpi[1])) if isinstance(dpi, tuple) else (float(dpi), float(dpi))
    except (TypeError, ValueError, IndexError):
        return None
    if not (_DPI_RANGE[0] <= x <= _DPI_RANGE[1]) or not (_DPI_RANGE[0] <= y <= _DPI_RANGE[1]):
        return None
    return int(round(x))


_TIFF_QUIET: list[bool] = []
_TIFF_LOCK = threading.Lock()


def _quiet_image_libraries() -> None:
    """Keep Pillow and libtiff from writing to stderr themselves: a damaged file is one line
    there, ocrmend's, and what they would say is in it or adds nothing. Pillow warns
    (UserWarning) about damaged metadata it then skips or fails on, and about sizes below its
    hard limit (ocr.max_pixels is the limit that counts here); libtiff prints each decoding
    error before Pillow raises it."""
    import warnings

    from PIL import Image

    # each time: a caller may have reset the filters (an identical filter replaces the last)
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
    with _TIFF_LOCK:
        if not _TIFF_QUIET:
            _TIFF_QUIET.append(True)
            _silence_libtiff()


def _silence_libtiff() -> None:
    """Unset libtiff's default handlers (which print to stderr) in the copies of libtiff this
    process has loaded (Pillow's); best effort, where /proc tells which."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            libs = {line.split(None, 5)[5].strip() for line in fh
                    if "libtiff" in line and len(line.split(None, 5)) == 6}
    except OSError:
        return
    for lib in sorted(libs):
        try:
            handle = ctypes.CDLL(lib)
            for setter in (handle.TIFFSetErrorHandler, handle.TIFFSetWarningHandler):
                setter.restype = ctypes.c_void_p
                setter.argtypes = [ctypes.c_void_p]
                setter(None)
        except (OSError, AttributeError):
            pass


class RasterSource(PageSource):
    """PNG, JPEG or TIFF; a multi-page TIFF gives one page per frame."""

    def __init__(self, path: Path, settings: Any) -> None:
        _need("PIL", "pillow")
        from PIL import Image

        _quiet_image_libraries()
        self.path = path
        self.settings = settings
        self._Image = Image
        im = self._open()
        try:
            self.count = getattr(im, "n_frames", 1)
        except Exception as exc:  # a broken frame chain in a TIFF
            raise InputError(f"{path}: damaged image ({exc}); check the file") from None
        finally:
            im.close()

    def _open(self) -> Any:
        Image = self._Image
        try:
            im = Image.open(self.path)
        except Image.DecompressionBombError:
            raise InputError(f"{self.path}: too many pixels for an image of a page (a decompression bomb?); "
                             f"limit ocr.max_pixels = {self.settings.max_pixels}") from None
        except Image.UnidentifiedImageError:
            raise InputError(f"{self.path}: not an image this tool can read (PNG, JPEG, TIFF or PDF); "
                             "check the file and its suffix") from None
        except OSError as exc:
            raise InputError(f"{self.path}: cannot be read as an image ({exc})") from None
        w, h = im.size
        if w * h > self.settings.max_pixels:
            im.close()
            raise InputError(f"{self.path}: {w}x{h} pixels is over the limit of {self.settings.max_pixels} "
                             "(ocr.max_pixels; a decompression bomb?)")
        if w < 8 or h < 8:
            im.close()
            raise InputError(f"{self.path}: {w}x{h} pixels is too small to be a page")
        return im

    def load(self, index: int) -> PageImage:
        np = _need("numpy", "numpy")
        from PIL import ImageOps

        im = self._open()
        where = f"{self.path}" + (f" page {index + 1}" if self.count > 1 else "")
        try:
            if index:
                im.seek(index)
            w, h = im.size
            if w * h > self.settings.max_pixels:
                raise InputError(f"{where}: {w}x{h} pixels is over the limit of {self.settings.max_pixels} "
                                 "(ocr.max_pixels; a decompression bomb?)")
            im.load()
            info = dict(im.info)
            if im.format == "JPEG" or "exif" in info:
                im = ImageOps.exif_transpose(im)
            bilevel = im.mode == "1"
            if im.mode in ("1", "L"):
                pixels = np.asarray(im.convert("L"))
            elif im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im, dtype=np.float64)
                top = arr.max() or 1.0
                pixels = (arr * (255.0 / top)).astype(np.uint8)
            elif im.mode == "LA" or (im.mode == "P" and "transparency" not in info and _palette_is_gray(im)):
                pixels = np.asarray(im.convert("L"))
            else:
                if im.mode in ("RGBA", "LA", "P", "PA"):
                    rgba = im.convert("RGBA")
                    white = self._Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                    im = self._Image.alpha_composite(white, rgba)
                pixels = np.asarray(im.convert("RGB"))
        except InputError:
            raise
        except EOFError:
            raise InputError(f"{where}: the image ends early (truncated file); check the file") from None
        except (OSError, ValueError, SyntaxError) as exc:
            msg = str(exc)
            why = "truncated file" if "truncated" in msg or "broken data" in msg else f"damaged image: {msg}"
            raise InputError(f"{where}: cannot be decoded ({why}); check the file") from None
        finally:
            im.close()
        notes: list[str] = []
        tagged = _usable_dpi(info)
        if self.settings.force_dpi:
            dpi, source = self.settings.dpi, "forced"
            notes.append(f"resolution set to {dpi} dpi by ocr.force_dpi")
        elif tagged:
            dpi, source = tagged, "file"
        else:
            dpi, source = self.settings.dpi, "default"
            raw = info.get("dpi")
            what = (f"no usable resolution tag (it says {raw[0]:g} dpi)" if isinstance(raw, tuple) and raw
                    else "no resolution tag")
            notes.append(f"{what}: read as {dpi} dpi (ocr.dpi)")
        return PageImage(index + 1, pixels, dpi, source, bilevel, notes)


def _palette_is_gray(im: Any) -> bool:
    pal = im.getpalette() or []
    return all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))


class PdfSource(PageSource):
    """A PDF: each page rendered in gray at ``settings.dpi`` (PDFium, via pypdfium2)."""

    def __init__(self, path: Path, settings: Any) -> None:
        try:
            import pypdfium2 as pdfium
        except ImportError:
            raise MissingDependency("the Python package 'pypdfium2' is needed to read PDF files; "
                                    "install it with: pip install pypdfium2") from None
        self.path = path
        self.settings = settings
        self._pdfium = pdfium
        with _PDFIUM_LOCK:
            try:
                self._pdf = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError as exc:
                msg = str(exc)
                if "password" in msg.lower():
                    raise InputError(f"{path}: the PDF is encrypted (password protected); "
                                     "remove the password and try again") from None
                if "success" in msg.lower():  # PDFium refuses a PDF without pages, and says "Success"
                    raise InputError(f"{path}: not a readable PDF (no pages, or a damaged page tree); "
                                     "check the file") from None
                raise InputError(f"{path}: not a readable PDF ({msg.rstrip('.')}); check the file") from None
            self.count = len(self._pdf)
        if self.count == 0:
            self.close()
            raise InputError(f"{path}: the PDF has no pages")

    def load(self, index: int) -> PageImage:
        dpi = self.settings.dpi
        where = f"{self.path} page {index + 1}"
        with _PDFIUM_LOCK:
            try:
                page = self._pdf[index]
                w_pt, h_pt = page.get_size()
                w, h = int(round(w_pt * dpi / 72)), int(round(h_pt * dpi / 72))
                if w * h > self.settings.max_pixels:
                    raise InputError(f"{where}: {w}x{h} pixels at {dpi} dpi is over the limit of "
                                     f"{self.settings.max_pixels} (ocr.max_pixels); lower ocr.dpi")
                if w < 8 or h < 8:
                    raise InputError(f"{where}: the page is empty ({w_pt:.0f}x{h_pt:.0f} points)")
                text_layer = self._text_layer(page, dpi) if self.settings.pdf_text_layer else None
                bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=True)
                pixels = bitmap.to_numpy().copy()
                if pixels.ndim == 3:
                    pixels = pixels[:, :, 0].copy()
                bitmap.close()
                page.close()
            except self._pdfium.PdfiumError as exc:
                raise InputError(f"{where}: cannot be rendered ({exc}); check the file") from None
        notes = [f"rendered at {dpi} dpi (ocr.dpi)"]
        return PageImage(index + 1, pixels, dpi, "render", False, notes, text_layer)

    def _text_layer(self, page: Any, dpi: int) -> list[list[tuple[str, tuple[int, int, int, int], float]]] | None:
        """The page's own text as lines of words with boxes in rendered pixels, or None."""
        textpage = page.get_textpage()
        try:
            n = textpage.count_chars()
            if n == 0:
                return None
            text = textpage.get_text_range(0, n)
            if not text.strip():
                return None
            scale = dpi / 72
            _, h_pt = page.get_size()
            lines: list[list[tuple[str, tuple[int, int, int, int], float]]] = [[]]
            word, boxes = [], []

            def flush() -> None:
                if word:
                    x0 = min(b[0] for b in boxes); x1 = max(b[2] for b in boxes)
                    top = max(b[3] for b in boxes); bottom = min(b[1] for b in boxes)
                    box = (int(x0 * scale), int((h_pt - top) * scale), int(x1 * scale) + 1,
                           int((h_pt - bottom) * scale) + 1)
                    lines[-1].append(("".join(word), box, 100.0))
                    word.clear(); boxes.clear()

            for i, ch in enumerate(text[:n]):
                if ch in "\r\n":
                    flush()
                    if lines[-1]:
                        lines.append([])
                elif ch.isspace():
                    flush()
                else:
                    word.append(ch)
                    boxes.append(textpage.get_charbox(i))
            flush()
            return [ln for ln in lines if ln] or None
        finally:
            textpage.close()

    def close(self) -> None:
        pdf = getattr(self, "_pdf", None)
        if pdf is not None:
            with _PDFIUM_LOCK:
                pdf.close()
            self._pdf = None
