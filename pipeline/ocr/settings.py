"""The OCR settings: one frozen object, filled from ``[tool.ocrmend.ocr]``.

Every field is checked when the object is made, so a bad value fails at start-up with a
``ConfigError`` (exit code 2) instead of on the hundredth page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Mapping

from ..errors import ConfigError

#: the preprocessing steps in running order; each has a switch of the same name
STEP_NAMES = ("grayscale", "denoise", "flatten", "deskew", "binarize", "borders", "orientation")

_LANG = re.compile(r"^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$")
_BINARIZATION = ("auto", "otsu", "adaptive")


@dataclass(frozen=True)
class OcrSettings:
    """What changes how a page image becomes words.

    dpi:            the resolution assumed for an image with no usable resolution tag (the
                    page log says so), and the resolution PDF pages are rendered at
    force_dpi:      use ``dpi`` even when the image has a resolution tag
    lang:           Tesseract languages, ``eng`` or ``eng+fra`` (each needs its data package)
    psm:            Tesseract page segmentation mode (3: automatic, no OSD)
    oem:            Tesseract engine mode (None: Tesseract's default, the LSTM engine)
    tesseract_config: extra Tesseract arguments, e.g. ``-c preserve_interword_spaces=1``
    timeout:        seconds one page may take in Tesseract (0: no limit)
    pdf_text_layer: use a PDF page's own text layer when it has one, instead of OCR
    max_pixels:     a page with more pixels than this is refused (decompression bombs)
    grayscale, denoise, flatten, deskew, binarize, borders, orientation:
                    switch a preprocessing step off (each on by default; each still decides
                    per page whether it helps, and logs why)
    binarization:   ``auto`` (per page: Sauvola where parts of the page need different
                    thresholds, else gray for Tesseract's own Otsu), ``otsu``, ``adaptive``
    min_skew:       skew below this many degrees is left alone
    max_skew:       skew is searched within +/- this many degrees
    orientation_below: mean word confidence below which Tesseract's orientation detection is
                    asked whether the page is turned (it costs about half a page's OCR time)
    """

    dpi: int = 300
    force_dpi: bool = False
    lang: str = "eng"
    psm: int = 3
    oem: int | None = None
    tesseract_config: str = ""
    timeout: float = 0.0
    pdf_text_layer: bool = False
    max_pixels: int = 150_000_000
    grayscale: bool = True
    denoise: bool = True
    flatten: bool = True
    deskew: bool = True
    binarize: bool = True
    borders: bool = True
    orientation: bool = True
    binarization: str = "auto"
    min_skew: float = 0.2
    max_skew: float = 5.0
    orientation_below: float = 55.0

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> ConfigError:
            return ConfigError(f"ocr.{name} = {getattr(self, name)!r}: {why}")

        if not isinstance(self.dpi, int) or not 50 <= self.dpi <= 1200:
            raise bad("dpi", "give a whole number of dots per inch between 50 and 1200")
        if not isinstance(self.lang, str) or not _LANG.match(self.lang):
            raise bad("lang", "give Tesseract language codes such as 'eng' or 'eng+deu'")
        if not isinstance(self.psm, int) or not 0 <= self.psm <= 13 or self.psm == 2:
            raise bad("psm", "give a Tesseract page segmentation mode 0-13 other than 2 (3 is automatic)")
        if self.oem is not None and (not isinstance(self.oem, int) or not 0 <= self.oem <= 3):
            raise bad("oem", "give a Tesseract engine mode 0-3, or leave it unset")
        if not isinstance(self.tesseract_config, str) or "\n" in self.tesseract_config:
            raise bad("tesseract_config", "give extra Tesseract arguments on one line")
        if self.timeout < 0:
            raise bad("timeout", "give seconds per page, or 0 for no limit")
        if not isinstance(self.max_pixels, int) or self.max_pixels < 1_000_000:
            raise bad("max_pixels", "give a pixel count of at least 1000000")
        if self.binarization not in _BINARIZATION:
            raise bad("binarization", f"use one of {', '.join(_BINARIZATION)}")
        if not 0 <= self.min_skew < self.max_skew <= 15:
            raise bad("min_skew", "need 0 <= min_skew < max_skew <= 15 degrees")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "OcrSettings":
        """Settings from a TOML table (``[tool.ocrmend.ocr]``); unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        values = {k.replace("-", "_"): v for k, v in data.items()}
        unknown = set(values) - names
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))} for 'ocr'; known: {', '.join(sorted(names))}")
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(f"ocr settings: {exc}") from None

    def tesseract_args(self, dpi: int) -> str:
        """The command-line arguments every page's Tesseract run gets."""
        parts = [f"--dpi {dpi}", f"--psm {self.psm}"]
        if self.oem is not None:
            parts.append(f"--oem {self.oem}")
        if self.tesseract_config:
            parts.append(self.tesseract_config)
        return " ".join(parts)

    def fingerprint(self) -> dict[str, Any]:
        """A JSON-able copy for the outputs, so a run can be reproduced."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
