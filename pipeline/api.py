"""The Python API. The CLI is built on it; the public names are re-exported by ``pipeline``.

>>> from pipeline import clean
>>> clean("The illu-\\nsions of youth").text
'The illusions of youth\\n'
"""
from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Union

from . import __version__, changelog, runner
from .config import Config, from_mapping
from .decoding import decode
from .document import Document
from .errors import InputError

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

    @property
    def changed(self) -> bool:
        return self.text != self.raw

    def header(self) -> dict[str, Any]:
        return {
            "document": self.name,
            "encoding": self.encoding,
            "tool": {"name": "ocrmend", "version": __version__},
            "config": self.config.fingerprint(),
        }

    def log_records(self) -> list[dict[str, Any]]:
        return [{"kind": "header", "schema": changelog.SCHEMA_VERSION, **self.header()}, *self.changes, *self.flags]

    def changes_jsonl(self) -> str:
        """The change log, one JSON record a line (``NAME.changes.jsonl``)."""
        return changelog.dumps(self.log_records())

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
            "blocks": self.blocks,
            "flags": self.flags,
        }

    def to_json(self, indent: int | None = 1) -> str:
        """The structured document (``NAME.json``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    def diff(self, context: int = 3) -> str:
        """A unified diff raw → clean (``NAME.diff``)."""
        lines = difflib.unified_diff(
            self.raw.splitlines(keepends=True),
            self.text.splitlines(keepends=True),
            fromfile=f"raw/{self.name}",
            tofile=f"cleaned/{self.name}",
            n=context,
        )
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def _read_source(source: Source, config: Config, name: str | None) -> tuple[str, str, str]:
    if isinstance(source, str):
        return source, "utf-8", name or "<text>"
    if isinstance(source, bytes):
        text, enc = decode(source, name or "<bytes>", config.encoding)
        return text, enc, name or "<bytes>"
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > config.max_bytes:
            raise InputError(f"{path}: {size} bytes is over the limit of {config.max_bytes} (config max_bytes)")
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give a file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied); fix its permissions") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    text, enc = decode(data, str(path), config.encoding)
    return text, enc, name or path.stem


def result_of(doc: Document, config: Config) -> Result:
    return Result(
        name=doc.name,
        raw=doc.raw,
        text=doc.text,
        encoding=doc.encoding,
        config=config,
        blocks=doc.blocks(),
        changes=[c.to_record() for c in doc.changes],
        flags=[f.to_record() for f in doc.flags],
        pages=len(doc.page_starts) + 1,
    )


def clean(source: Source, config: Config | None = None, *, name: str | None = None, **options: Any) -> Result:
    """Clean one document.

    ``source`` is the text itself (``str``), its bytes (decoded as a file would be), or a
    path (``pathlib.Path``). ``options`` are configuration keys (``keep="header"``,
    ``ignore=("reflow",)`` ...) on top of ``config``. Pure: no global state, thread-safe.
    """
    config = config or Config()
    if options:
        config = from_mapping(options, config)
    text, enc, doc_name = _read_source(source, config, name)
    doc = runner.run(text, config, name=doc_name, encoding=enc)
    return result_of(doc, config)


def replay(raw: str, log: Union[str, Iterable[dict[str, Any]]]) -> str:
    """Apply a change log (JSONL text or records) to the raw text; return the clean text.

    >>> r = clean("illu-\\nsions")
    >>> replay(r.raw, r.changes_jsonl()) == r.text
    True
    """
    recs = changelog.parse(log.splitlines()) if isinstance(log, str) else list(log)
    return changelog.replay(raw, recs)
