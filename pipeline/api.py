"""The Python API. The CLI is built on it; the public names are re-exported by ``pipeline``.

>>> from pipeline import clean
>>> clean("The illu-\\nsions of youth").text
'The illusions of youth\\n'

A page image or PDF given as a path (``pathlib.Path("scan.tif")``) is OCRed first
(``pipeline.ocr``, settings from ``[tool.ocrmend.ocr]``) and its text cleaned with the page
geometry at hand; ``clean_ocr`` cleans an ``OcrDocument`` read earlier. An hOCR, ALTO or PAGE
document (a path, its bytes or its text, recognised by content; or a ``pipeline.formats.OcrFile``)
is read into the same word model and cleaned the same way; ``pipeline.formats.write_as`` then
writes the corrected words back in that format or another:

>>> r = clean(b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page ID="p" '
...           b'PHYSICAL_IMG_NR="1" WIDTH="500" HEIGHT="300"><PrintSpace><TextBlock ID="b"><TextLine ID="l">'
...           b'<String ID="s" HPOS="50" VPOS="40" WIDTH="90" HEIGHT="20" CONTENT="Good"/><SP/>'
...           b'<String ID="t" HPOS="150" VPOS="40" WIDTH="90" HEIGHT="20" WC="0.41" CONTENT="rnorning"/>'
...           b'</TextLine></TextBlock></PrintSpace></Page></Layout></alto>')
>>> r.format, r.text, r.blocks[0]["box"]
('alto', 'Good morning\\n', [50, 40, 240, 60])
>>> from pipeline.formats import render
>>> 'ID="t" HPOS="150" VPOS="40" WIDTH="90" HEIGHT="20" WC="0.41" CONTENT="morning"' in render(r, "alto")
True
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import os
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Union

from . import __version__, changelog, runner
from .config import Config, from_mapping
from .decoding import decode
from .document import Document
from .errors import InputError, MissingDependency, reading

if TYPE_CHECKING:  # pragma: no cover
    from .ocr import OcrDocument, OcrSettings

Source = Union[str, bytes, "os.PathLike[str]"]


@dataclass(frozen=True)
class Result:
    """What cleaning one document gives: the clean text, its blocks, changes and flags."""

    name: str
    raw: str
    text: str
    encoding: str
    config: Config
    blocks: list[dict[str, Any]] = field(repr=False)
    changes: list[dict[str, Any]] = field(repr=False)
    flags: list[dict[str, Any]] = field(repr=False)
    pages: int = 1
    #: for a page image: how its pages were read (``"ocr"`` in ``NAME.json``); None for text
    ocr: dict[str, Any] | None = field(default=None, repr=False)
    #: for a page image: the ``OcrDocument`` behind ``raw`` (words, boxes, confidences)
    ocr_document: Any = field(default=None, repr=False, compare=False)
    #: for an hOCR, ALTO or PAGE input: the file read (``pipeline.formats.OcrFile``)
    source: Any = field(default=None, repr=False, compare=False)
    #: for OCR input: where each word of ``ocr_document`` is in ``text`` (``[start, end)`` of
    #: word ``i`` at ``2 * i``, ``2 * i + 1``), for the writers of ``pipeline.formats``
    word_spans: Any = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # the config's read-only mappings do not pickle; a worker process hands results back
        state = dict(self.__dict__)
        state["config"] = _config_state(self.config)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["config"] = _config_from_state(state["config"])
        object.__setattr__(self, "__dict__", state)

    @property
    def format(self) -> str | None:
        """``"hocr"``, ``"alto"`` or ``"page"`` for such an input, else None."""
        return self.source.format if self.source is not None else None

    @property
    def changed(self) -> bool:
        return self.text != self.raw

    @property
    def raw_file(self) -> str | None:
        """For a page image, the file its raw (OCR) text is written to beside the outputs:
        ``NAME.ocr.txt``, the text the change log replays from."""
        return f"{self.name}.ocr.txt" if self.ocr is not None else None

    def header(self) -> dict[str, Any]:
        head = {
            "document": self.name,
            "encoding": self.encoding,
            "tool": {"name": "ocrmend", "version": __version__},
            "config": self.config.fingerprint(),
        }
        if self.raw_file:
            head["raw_file"] = self.raw_file
        return head

    def log_records(self) -> list[dict[str, Any]]:
        return [{"kind": "header", "schema": changelog.SCHEMA_VERSION, **self.header()}, *self.changes, *self.flags]

    def _iter_log_records(self) -> Iterator[dict[str, Any]]:
        yield {"kind": "header", "schema": changelog.SCHEMA_VERSION, **self.header()}
        yield from self.changes
        yield from self.flags

    def changes_jsonl_lines(self) -> Iterator[str]:
        """``changes_jsonl()`` a line at a time."""
        return changelog.dump_lines(self._iter_log_records())

    def changes_jsonl(self) -> str:
        """The change log, one JSON record a line (``NAME.changes.jsonl``)."""
        return "".join(self.changes_jsonl_lines())

    def summary(self) -> dict[str, Any]:
        by_stage: dict[str, int] = {}
        for c in self.changes:
            by_stage[c["stage"]] = by_stage.get(c["stage"], 0) + 1
        flags_by_stage: dict[str, int] = {}
        for f in self.flags:
            flags_by_stage[f["stage"]] = flags_by_stage.get(f["stage"], 0) + 1
        kinds: dict[str, int] = {}
        for b in self.blocks:
            kinds[b["kind"]] = kinds.get(b["kind"], 0) + 1
        return {
            "changes": len(self.changes),
            "changes_by_stage": by_stage,
            "flags": len(self.flags),
            "flags_by_stage": flags_by_stage,
            "blocks_by_kind": kinds,
            "pages": self.pages,
            "raw_chars": len(self.raw),
            "clean_chars": len(self.text),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": changelog.SCHEMA_VERSION,
            **self.header(),
            "summary": self.summary(),
            **({"ocr": self.ocr} if self.ocr is not None else {}),
            "blocks": self.blocks,
            "flags": self.flags,
        }

    def to_json(self, indent: int | None = 1) -> str:
        """The structured document (``NAME.json``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    def json_chunks(self, indent: int | None = 1) -> Iterator[str]:
        """``to_json()`` in pieces, for writing a long document without holding it whole."""
        encoder = json.JSONEncoder(ensure_ascii=False, indent=indent)
        yield from encoder.iterencode(self.to_dict())
        yield "\n"

    def diff(self, context: int = 3) -> str:
        """A unified diff raw → clean (``NAME.diff``)."""
        return "".join(self.diff_lines(context))

    def diff_lines(self, context: int = 3) -> Iterator[str]:
        """``diff()`` a line at a time."""
        lines = difflib.unified_diff(
            self.raw.splitlines(keepends=True),
            self.text.splitlines(keepends=True),
            fromfile=f"raw/{self.name}",
            tofile=f"cleaned/{self.name}",
            n=context,
        )
        for line in lines:
            yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _thaw(value: Any) -> Any:
    from collections.abc import Mapping

    return {k: _thaw(v) for k, v in value.items()} if isinstance(value, Mapping) else value


def _config_state(config: Config) -> dict[str, Any]:
    state = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    state["stages"] = _thaw(config.stages)
    return state


def _config_from_state(state: dict[str, Any]) -> Config:
    from .config import _frozen

    state = dict(state)
    state["stages"] = _frozen(state["stages"])
    return Config(**state)


def _read_source(source: Source, config: Config, name: str | None) -> tuple[str, str, str]:
    if isinstance(source, str):
        return source, "utf-8", name or "<text>"
    if isinstance(source, bytes):
        text, enc = decode(source, name or "<bytes>", config.encoding)
        return text, enc, name or "<bytes>"
    path = Path(source)
    with reading(path):
        size = path.stat().st_size
        if size > config.max_bytes:
            raise InputError(f"{path}: {size} bytes is over the limit of {config.max_bytes} (config max_bytes)")
        data = path.read_bytes()
    text, enc = decode(data, str(path), config.encoding)
    return text, enc, name or path.stem


def result_of(doc: Document, config: Config, *, release: bool = False) -> Result:
    """The result of a cleaned document. With ``release`` the document is used up on the way:
    its scratch state and change objects are let go as the result is built (a long
    document's change records are then never in memory twice)."""
    blocks = doc.blocks()
    if release:
        doc.state.clear()
        doc._cache.clear()
    take = _records_of if release else (lambda items: [x.to_record() for x in items])
    return Result(
        name=doc.name,
        raw=doc.raw,
        text=doc.text,
        encoding=doc.encoding,
        config=config,
        blocks=blocks,
        changes=take(doc.changes),
        flags=take(doc.flags),
        pages=len(doc.page_starts) + 1,
    )


def _records_of(items: list[Any]) -> list[dict[str, Any]]:
    """``[x.to_record() for x in items]``, emptying ``items`` on the way."""
    out = []
    for x in reversed(items):
        out.append(x.to_record())
        items.pop()
    out.reverse()
    return out


def clean(source: Source, config: Config | None = None, *, name: str | None = None, jobs: int = 1,
          **options: Any) -> Result:
    """Clean one document.

    ``source`` is the text itself (``str``), its bytes (decoded as a file would be), or a
    path (``pathlib.Path``). A path to a page image or PDF (``pipeline.ocr.IMAGE_SUFFIXES``)
    is OCRed first, ``jobs`` pages at a time. ``options`` are configuration keys
    (``keep="header"``, ``ignore=("reflow",)``, ``ocr={"dpi": 400}`` ...) on top of ``config``.
    Pure: no global state, thread-safe.
    """
    config = config or Config()
    if options:
        config = from_mapping(options, config)
    from .formats import OcrFile
    from .ocr.model import OcrDocument

    if isinstance(source, OcrFile):
        return clean_file(source, config, name=name)
    if isinstance(source, OcrDocument):
        return clean_ocr(source, config, name=name)
    if is_image_source(source):
        return clean_image(source, config, name=name, jobs=jobs)  # type: ignore[arg-type]
    source, fmt, name = _sniff_source(source, config, name)
    if fmt is not None:
        from . import formats

        return clean_file(formats.read(source, name=name, max_bytes=config.max_bytes, fmt=fmt), config, name=name)
    text, enc, doc_name = _read_source(source, config, name)
    doc = runner.run(text, config, name=doc_name, encoding=enc)
    return result_of(doc, config, release=True)


def _sniff_source(source: Source, config: Config, name: str | None) -> tuple[Any, str | None, str | None]:
    """The source, the OCR format its content shows (None for text; a path's first 64 KiB are
    looked at) and the document's name (``NAME`` of ``NAME.alto.xml``/``NAME.page.xml``)."""
    from .formats import SNIFF, detect

    if isinstance(source, (str, bytes)):
        return source, detect(source), name
    path = Path(source)
    with reading(path):
        with path.open("rb") as fh:
            head = fh.read(SNIFF)  # a text file is read again, whole, as text
    fmt = detect(head)
    if fmt is None:
        return path, None, name
    stem = path.name[: -len(".alto.xml")] if path.name.endswith((".alto.xml", ".page.xml")) else path.stem
    return path, fmt, name or stem


def word_spans(doc: Document, ocr: "OcrDocument") -> "array[int]":
    """Where each OCR word's raw characters are in the clean text, from the offset map."""
    out = array("i", bytes(8 * len(ocr.words)))
    span = doc.current_span
    for i, w in enumerate(ocr.words):
        out[2 * i], out[2 * i + 1] = span((w.start, w.end))
    return out


def clean_file(file: Any, config: Config | None = None, *, name: str | None = None) -> Result:
    """Clean an hOCR, ALTO or PAGE document read with ``pipeline.formats.read`` (an ``OcrFile``):
    the same stages as for a page image, on the raw text of its words, with its geometry."""
    config = config or Config()
    return clean_ocr(file.ocr, config, name=name or file.name, source=file)


def is_image_source(source: Source) -> bool:
    """A path (not text, not bytes) whose suffix says page image or PDF."""
    if isinstance(source, (str, bytes)):
        return False
    from .ocr.images import is_image_path

    return is_image_path(source)


def ocr_settings(config: Config | None = None) -> "OcrSettings":
    """The OCR settings of a config (``[tool.ocrmend.ocr]``); a bad value is a ``ConfigError``."""
    from .ocr.settings import OcrSettings

    return (config or Config()).stage_settings("ocr", OcrSettings)  # type: ignore[no-any-return]


def clean_image(path: "os.PathLike[str] | str", config: Config | None = None, *, name: str | None = None,
                jobs: int = 1) -> Result:
    """OCR a page image, multi-page TIFF or PDF and clean its text (see ``clean_ocr``)."""
    from .ocr import ocr_file

    config = config or Config()
    settings = ocr_settings(config)
    ocr = ocr_file(path, settings, jobs=jobs)
    return clean_ocr(ocr, config, settings=settings, name=name or Path(path).stem)


def clean_ocr(ocr: "OcrDocument", config: Config | None = None, *, settings: "OcrSettings | None" = None,
              name: str | None = None, source: Any = None) -> Result:
    """Clean the text of an OCRed document: the stages run on ``ocr.text`` with the page
    geometry at hand (``ctx.doc.ocr``), and every block of the result gets its page, box,
    mean confidence and words (``[text, x0, y0, x1, y1, conf]``, image pixels)."""
    from .ocr import check_tesseract, integration

    config = config or Config()
    if source is not None:  # read from a file another engine wrote: no Tesseract settings apply
        summary = integration.ocr_summary(ocr, None, None)
        summary["engine"] = {"name": source.engine or None, "version": None}
        summary["format"] = {"name": source.format, "version": source.version}
    else:
        settings = settings or ocr_settings(config)
        try:
            version: str | None = check_tesseract(settings.lang)
        except MissingDependency:  # a document OCRed elsewhere and rebuilt from its JSON
            version = None
        summary = integration.ocr_summary(ocr, settings, version)
    doc = runner.run(ocr.text, config, name=name or ocr.name, encoding="utf-8", ocr=ocr)
    spans = word_spans(doc, ocr)
    result = result_of(doc, config, release=True)
    return dataclasses.replace(
        result,
        blocks=integration.annotate_blocks(result.blocks, ocr),
        pages=max(result.pages, len(ocr.pages)),
        ocr=summary,
        ocr_document=ocr,
        source=source,
        word_spans=spans,
    )


def replay(raw: str, log: Union[str, Iterable[dict[str, Any]]]) -> str:
    """Apply a change log (JSONL text or records) to the raw text; return the clean text.

    >>> r = clean("illu-\\nsions")
    >>> replay(r.raw, r.changes_jsonl()) == r.text
    True
    """
    recs = changelog.parse(log.splitlines()) if isinstance(log, str) else list(log)
    return changelog.replay(raw, recs)
