"""hOCR, ALTO and PAGE XML in and out: the formats digitisation labs keep their OCR in.

Reading (``read``, or ``pipeline.clean`` on a path, bytes or text) detects the format by
content, parses it safely (``safexml``) and gives the same ``OcrDocument`` as Tesseract's own
output, so the text stages and the geometry rules work on it unchanged. Writing
(``write_as``/``render``) puts the corrected words back: into a copy of the input when the
format is the input's own (every untouched element, attribute and namespace kept), or into a
fresh file of another format built from the words and boxes.

>>> from pipeline import clean
>>> alto = (b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#"><Description>'
...         b'<MeasurementUnit>pixel</MeasurementUnit></Description><Layout>'
...         b'<Page ID="p1" PHYSICAL_IMG_NR="1" WIDTH="600" HEIGHT="200"><PrintSpace>'
...         b'<TextBlock ID="b1"><TextLine ID="l1">'
...         b'<String ID="s1" HPOS="10" VPOS="10" WIDTH="50" HEIGHT="20" CONTENT="The"/><SP/>'
...         b'<String ID="s2" HPOS="70" VPOS="10" WIDTH="60" HEIGHT="20" CONTENT="illu-"/></TextLine>'
...         b'<TextLine ID="l2"><String ID="s3" HPOS="10" VPOS="40" WIDTH="70" HEIGHT="20" CONTENT="sions"/>'
...         b'</TextLine></TextBlock></PrintSpace></Page></Layout></alto>')
>>> r = clean(alto)
>>> r.format, r.text
('alto', 'The illusions\\n')
>>> out = render(r, "alto")
>>> 'SUBS_TYPE="HypPart1" SUBS_CONTENT="illusions"' in out and '<HYP CONTENT="-"/>' in out
True
>>> output_name("scan", "alto"), output_name("scan", "hocr"), output_name("scan", "page")
('scan.alto.xml', 'scan.hocr', 'scan.page.xml')
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ..errors import ConfigError, InputError, OutputError, reading

if TYPE_CHECKING:  # pragma: no cover
    from ..api import Result
    from ..ocr.model import OcrDocument
    from .base import Reading, Walked

__all__ = ["FORMATS", "FORMAT_SUFFIXES", "OcrFile", "detect", "detect_file", "output_name", "read", "render",
           "target_format", "write_as"]

FORMATS = ("hocr", "alto", "page")
#: suffixes a folder scan picks up as OCR files (the content decides the format, and an
#: ``.xml``/``.html`` that is none of the three is refused with one line)
FORMAT_SUFFIXES = (".hocr", ".xml", ".html", ".htm", ".xhtml")
OUTPUT_SUFFIXES = {"hocr": ".hocr", "alto": ".alto.xml", "page": ".page.xml"}
#: how far into a file the format is looked for
SNIFF = 1 << 16

#: the three formats' marks, found in one pass over the head: the leftmost match wins, as it
#: did when each was searched for on its own
_MARKS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:(?P<alto>alto)|(?P<page>PcGts))[\s>/]"
                    rb"""|(?P<hocr>class\s*=\s*["'][^"']*\b(?:ocr_page|ocrx_word|ocr_line)\b|name\s*=\s*["']ocr-system)""")


def detect(data: Union[bytes, str]) -> str | None:
    """The format of a document from its first bytes: ``"hocr"``, ``"alto"``, ``"page"`` or None.

    >>> detect(b'<?xml version="1.0"?><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">')
    'alto'
    >>> detect("<PcGts xmlns='http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15'>")
    'page'
    >>> detect(b"<html><body><div class='ocr_page' title='bbox 0 0 9 9'>"), detect("The <alto> voice")
    ('hocr', None)
    """
    head = data[:SNIFF]
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return None
    m = _MARKS.search(head)
    return m.lastgroup if m else None


def detect_file(path: "os.PathLike[str] | str") -> str | None:
    """The format of a file from its first bytes (None when it is none of them, or unreadable):
    for a folder scan to keep only the ``.xml``/``.html`` files that are OCR."""
    try:
        with open(path, "rb") as fh:
            return detect(fh.read(SNIFF))
    except OSError:
        return None


@dataclass(frozen=True)
class OcrFile:
    """An hOCR, ALTO or PAGE file read: its format, its bytes (so a writer can correct a copy of
    it; plain data, so it pickles into worker processes) and the ``OcrDocument`` of its words."""

    name: str
    format: str
    data: bytes = field(repr=False)
    ocr: "OcrDocument" = field(repr=False, compare=False)
    version: str = ""
    engine: str = ""
    #: the tree as read and its words, handed to the first writer in this process (not
    #: pickled): a list holding one ``(root, Walked)`` until a writer takes it
    _parsed: Any = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_parsed"] = None  # lxml trees do not pickle; the bytes parse again
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "__dict__", state)

    def walk(self) -> tuple[Any, Any]:
        """A tree of the file that is the caller's own to correct, and its words with their
        elements in that tree (``base.WordRefs``). The first call takes the tree parsed when
        the file was read (the usual read, clean, write costs one parse); any later call, or a
        call in another process, parses the bytes again. Taking is one ``list.pop``, atomic under the GIL, so
        threads sharing the file never get the same tree."""
        held = self._parsed
        taken = None
        if held:
            try:
                taken = held.pop()
            except IndexError:  # another thread took it first
                pass
        root, walked = taken or _parse(self.data, self.format, self.name, len(self.data), build=False)
        return root, walked.refs()


def _parse(data: bytes, fmt: str, name: str, max_bytes: int, *, build: bool = True) -> Any:
    """The ``Reading`` of a document; with ``build=False`` its root and ``Walked`` pages only."""
    from . import alto, hocr, page, safexml
    from .base import build as build_model

    try:
        if fmt == "hocr":
            try:
                root = safexml.parse(data, name, max_bytes=max_bytes)
            except InputError as exc:
                if "not well-formed" not in str(exc):
                    raise
                root = safexml.parse_html(data, name, max_bytes=max_bytes)  # hOCR written as plain HTML
        else:
            root = safexml.parse(data, name, max_bytes=max_bytes)
        walked = {"hocr": hocr, "alto": alto, "page": page}[fmt].walk(root, name)
        if not build:
            return root, walked
        reading_ = build_model(name, walked)
        reading_.root = root
        return reading_
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise InputError(f"{name}: cannot be read as {fmt} ({exc.__class__.__name__}: {exc})") from None


def read(source: Union[str, bytes, "os.PathLike[str]"], *, name: str | None = None,
         max_bytes: int = 256 * 1024 * 1024, fmt: str | None = None) -> OcrFile:
    """Read an hOCR, ALTO or PAGE document (a path, its bytes or its text), detected by content.
    ``InputError`` (one line) when it is none of them, too large, hostile or malformed."""
    if isinstance(source, bytes) or (isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<")):
        data = source.encode("utf-8") if isinstance(source, str) else source
        label = name or "<document>"
    else:
        path = Path(source)
        with reading(path):
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(f"{path}: {size} bytes is over the limit of {max_bytes} (config max_bytes)")
            data = path.read_bytes()
        label = name or path.stem
        if label.endswith((".alto", ".page")):
            label = label.rsplit(".", 1)[0]
    fmt = fmt or detect(data)
    if fmt is None:
        raise InputError(f"{label}: not an hOCR, ALTO or PAGE document (no <alto>, <PcGts> or ocr_page found)")
    r = _parse(data, fmt, label, max_bytes)
    return OcrFile(label, fmt, data, r.ocr, r.version, r.engine, [(r.root, r.walked)])


def target_format(result: "Result", fmt: str) -> str:
    """``fmt`` with ``same`` resolved to the input's own format."""
    if fmt == "same":
        src = getattr(result, "source", None)
        if src is None:
            raise ConfigError(f"{result.name}: --to same needs an hOCR, ALTO or PAGE input; name a format "
                              f"({', '.join(FORMATS)})")
        return str(src.format)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r}: choose one of {', '.join(FORMATS)} or same")
    return fmt


def output_name(name: str, fmt: str) -> str:
    """The file name a corrected copy in ``fmt`` gets beside the other outputs."""
    if fmt not in OUTPUT_SUFFIXES:
        raise ConfigError(f"unknown output format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return name + OUTPUT_SUFFIXES[fmt]


def processing_meta(result: "Result") -> dict[str, str]:
    """What the writers record about the processing (tool, version, date, configuration)."""
    from .. import __version__

    by_stage: dict[str, int] = {}
    for c in result.changes:
        by_stage[c["stage"]] = by_stage.get(c["stage"], 0) + 1
    stages = ", ".join(f"{k} {v}" for k, v in sorted(by_stage.items())) or "none"
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    src = getattr(result, "source", None)
    engine = src.engine if src is not None else ((result.ocr or {}).get("engine") or {}).get("name", "")
    if src is None and result.ocr:
        version = ((result.ocr or {}).get("engine") or {}).get("version")
        engine = f"{engine} {version}" if version else engine
    return {
        "version": __version__,
        "date": when.replace(microsecond=0).isoformat(),
        "description": f"OCR text restored by ocrmend: {len(result.changes)} change(s) ({stages}), "
                       f"{len(result.flags)} flag(s)",
        "config": json.dumps(result.config.fingerprint(), sort_keys=True, ensure_ascii=False),
        "source-engine": engine or "",
    }


def render(result: "Result", fmt: str) -> str:
    """The corrected document in ``fmt`` (``hocr``, ``alto``, ``page`` or ``same``) as text."""
    from . import alto, hocr, page
    from .plan import plan_words
    from .safexml import _etree

    fmt = target_format(result, fmt)
    _etree()  # lxml, or MissingDependency with the install command
    ocr = result.ocr_document
    if ocr is None or getattr(result, "word_spans", None) is None:
        raise OutputError(f"{result.name}: plain text has no words on boxes; writing {fmt} needs a page image "
                          "or an hOCR, ALTO or PAGE input")
    plan = plan_words(result)
    meta = processing_meta(result)
    module: Any = {"hocr": hocr, "alto": alto, "page": page}[fmt]
    src = getattr(result, "source", None)
    if src is not None and src.format == fmt:
        root, refs = src.walk()
        module.update(root, refs, plan, meta, src.data)
        return str(module.serialise(root))
    if fmt == "page" and len(ocr.pages) > 1:
        raise OutputError(f"{result.name}: PAGE holds one page a file and this document has {len(ocr.pages)}; "
                          "write alto or hocr instead")
    return str(module.new_document(ocr, plan, meta, result.name))


def write_as(result: "Result", fmt: str, path: "os.PathLike[str] | str") -> Path:
    """Write the corrected document in ``fmt`` to ``path`` atomically (whole or not at all)."""
    from ..outputs import atomic_write

    text = render(result, fmt)
    out = Path(path)
    atomic_write(out, text)
    return out
