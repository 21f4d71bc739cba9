"""ocrmend: restore OCR text and show every change.

Public API (everything else may change)::

    from pipeline import clean, replay, Config, Result

``clean`` takes the text (``str``), its bytes, a path (a text file, a page image or PDF, or an
hOCR/ALTO/PAGE file, recognised by content) or a parsed OCR document
(``pipeline.ocr.OcrDocument``, ``pipeline.formats.OcrFile``), with the configuration the CLI
reads (a ``Config``, ``load_config(path)``, or keys as keyword arguments). It keeps no global
state, so threads and worker processes may call it freely; its ``Result`` pickles.

>>> from pipeline import clean, replay
>>> r = clean("The illu-\\nsions of youth")
>>> r.text
'The illusions of youth\\n'
>>> r.changes[0]["rule"], r.changes[0]["before"], r.changes[0]["after"]
('dehyphenate.line_end', '-\\n', '')
>>> replay(r.raw, r.changes_jsonl()) == r.text
True
>>> clean("The illu-\\nsions of youth", ignore=("dehyphenate", "reflow")).text
'The illu-\\nsions of youth'

A corrected copy of an hOCR, ALTO or PAGE input (or of a scan's OCR) in any of the three::

    from pipeline.formats import write_as
    write_as(clean(Path("page.alto.xml")), "same", Path("out/page.alto.xml"))
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["clean", "replay", "load_config", "Config", "Result", "OcrmendError", "__version__"]


def __getattr__(name: str):  # lazy, so `ocrmend --help` stays instant
    if name in ("clean", "replay", "Result"):
        from . import api

        return getattr(api, name)
    if name == "Config":
        from .config import Config

        return Config
    if name == "load_config":
        from .config import load

        return load
    if name == "OcrmendError":
        from .errors import OcrmendError

        return OcrmendError
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
