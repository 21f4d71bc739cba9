"""Reading a cleaned folder back into documents to review.

Only ``cleaned/`` is needed: the raw text of a document is rebuilt from its clean text and
its change log by undoing the changes from the last to the first (each change records the
text it replaced, ``before``, and where, ``at``). For a scanned page the rebuilt text is
checked against ``NAME.ocr.txt`` when that file is there.

>>> from pipeline import clean
>>> r = clean("The illu-\\nsions of youth")
>>> unreplay(r.text, r.changes) == r.raw
True
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..changelog import parse, replay
from ..errors import InputError, OcrmendError, reading

LOG_SUFFIX = ".changes.jsonl"


def runs(changes: Iterable[dict[str, Any]]) -> list[list[tuple[dict[str, Any], int, int]]]:
    """The change records split into runs that move forward through the text (as
    ``pipeline.changelog.replay`` reads them): each change with its span in the text as it was
    at the start of its run.

    >>> [[(c["id"], s, e) for c, s, e in run] for run in runs([
    ...     {"id": 1, "at": [0, 1], "after": "xy"}, {"id": 2, "at": [3, 4], "after": ""},
    ...     {"id": 3, "at": [0, 0], "after": "z"}])]
    [[(1, 0, 1), (2, 2, 3)], [(3, 0, 0)]]
    """
    out: list[list[tuple[dict[str, Any], int, int]]] = []
    run: list[tuple[dict[str, Any], int, int]] = []
    pos = delta = 0
    for c in changes:
        if c.get("kind", "change") != "change":
            continue
        start, end = c["at"]
        if start - delta < pos:
            out.append(run)
            run = []
            pos = delta = 0
        s0, e0 = start - delta, end - delta
        run.append((c, s0, e0))
        pos = e0
        delta += len(c["after"]) - (end - start)
    if run:
        out.append(run)
    return out


def unreplay(text: str, changes: Iterable[dict[str, Any]]) -> str:
    """Undo ``changes`` (applied in the order given) on ``text``: the text before them.
    One pass over the text for each run of forward-moving changes.

    >>> unreplay("ab", [{"kind": "change", "at": [0, 1], "before": "x", "after": "a"}])
    'xb'
    """
    for run in reversed(runs(changes)):
        pieces = []
        pos = 0
        for c, _, _ in run:
            start = c["at"][0]  # where the change is once its run is done: later ones are after it
            after = c["after"]
            if start < pos or text[start:start + len(after)] != after:
                raise InputError(f"change {c.get('id')}: the clean text does not hold {after!r} at {start}; "
                                 "the outputs do not match their change log (re-run ocrmend clean)")
            pieces.append(text[pos:start])
            pieces.append(c["before"])
            pos = start + len(after)
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text


@dataclass
class CleanedDocument:
    """One document of a cleaned folder, as written by ``ocrmend clean`` (or ``apply``)."""

    key: str  # path of the outputs relative to the folder, without suffix ("sub/NAME")
    folder: Path  # the folder its outputs are in
    name: str
    header: dict[str, Any]
    raw: str
    text: str
    changes: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    data: dict[str, Any] = field(repr=False)  # NAME.json

    @property
    def is_scan(self) -> bool:
        return bool(self.header.get("raw_file"))

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.name}{suffix}"


def find_logs(folder: Path) -> list[Path]:
    """Every ``NAME.changes.jsonl`` under ``folder``, sorted."""
    return sorted(p for p in folder.rglob(f"*{LOG_SUFFIX}") if not p.name.startswith("."))


def read_document(log_path: Path, root: Path | None = None) -> CleanedDocument:
    """Read one document's outputs (``NAME.changes.jsonl``, ``NAME.txt``, ``NAME.json``); a
    log or text edited by hand into another shape is one :class:`InputError` naming it."""
    try:
        return _read_document(log_path, root)
    except (UnicodeDecodeError, TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise InputError(f"{log_path}: not the outputs ocrmend clean wrote ({type(exc).__name__}: {exc}); "
                         "re-run ocrmend clean") from None


def _read_document(log_path: Path, root: Path | None) -> CleanedDocument:
    name = log_path.name[: -len(LOG_SUFFIX)]
    folder = log_path.parent
    with reading(log_path):
        lines = log_path.read_text(encoding="utf-8").splitlines()
    recs = parse(lines, str(log_path))
    header = next((r for r in recs if r.get("kind") == "header"), None)
    if header is None:
        raise InputError(f"{log_path}: no header record; not a log written by ocrmend clean")
    changes = [r for r in recs if r.get("kind") == "change"]
    flags = [r for r in recs if r.get("kind") == "flag"]
    txt = folder / f"{name}.txt"
    with reading(txt):
        text = txt.read_text(encoding="utf-8")
    data: dict[str, Any] = {}
    js = folder / f"{name}.json"
    if js.is_file():
        try:
            data = json.loads(js.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{js}: cannot be read as JSON ({exc}); re-run ocrmend clean") from None
    raw = unreplay(text, changes)
    if replay(raw, changes) != text:  # a hand-edited NAME.txt can still fit each change alone
        raise InputError(f"{log_path}: its changes do not give {txt.name}; the outputs do not match (re-run ocrmend clean)")
    raw_file = header.get("raw_file")
    if raw_file and (folder / raw_file).is_file():
        if (folder / raw_file).read_text(encoding="utf-8") != raw:
            raise InputError(f"{log_path}: undoing its changes does not give {raw_file}; re-run ocrmend clean")
    key = str((folder / name).relative_to(root)) if root is not None else name
    return CleanedDocument(key, folder, name, header, raw, text, changes, flags, data)


def read_batch(folder: Path, on_error: "Callable[[OcrmendError], None] | None" = None) -> Iterator[CleanedDocument]:
    """Every document of a cleaned folder, in path order; with ``on_error``, a document that
    cannot be read is handed to it and left out instead of stopping the rest."""
    if not folder.is_dir():
        raise OcrmendError(f"{folder}: no such folder; give the output folder of ocrmend clean", exit_code=2)
    logs = find_logs(folder)
    if not logs:
        raise OcrmendError(f"{folder}: no *{LOG_SUFFIX} here; run ocrmend clean first", exit_code=2)
    for log in logs:
        try:
            doc = read_document(log, folder)
        except OcrmendError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        yield doc
