"""Applying decisions to the outputs of one document in a cleaned folder (``ocrmend apply``)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..changelog import replay
from ..errors import InputError, OcrmendError
from .batch import LOG_SUFFIX, CleanedDocument, read_document
from .decisions import Decisions, Outcome, merge, read_decisions, reviewed_result, saved_path


class AlreadyApplied(OcrmendError):
    """The same decisions file was applied to this document before (its sha256 is in the log)."""

    exit_code = 0


def result_of_outputs(doc: CleanedDocument) -> Any:
    """The ``Result`` a cleaned document's outputs were written from (enough to write them again)."""
    from ..api import Result
    from ..config import from_mapping

    data = doc.data
    config = from_mapping(doc.header.get("config") or {})
    return Result(
        name=doc.name, raw=doc.raw, text=doc.text, encoding=doc.header.get("encoding", "utf-8"), config=config,
        blocks=data.get("blocks", []), changes=doc.changes, flags=doc.flags,
        pages=data.get("summary", {}).get("pages", 1), ocr=data.get("ocr"),
    )


def apply_document(root: Path, key: str, decisions: Decisions) -> Outcome:
    """Apply ``decisions`` to document ``key`` of the folder ``root`` and rewrite its outputs.

    Nothing is written unless the new log replays to the new text exactly."""
    from ..outputs import atomic_write, write_result

    log = root / f"{key}{LOG_SUFFIX}"
    if ".." in Path(key).parts or not log.is_file():
        raise InputError(f"{key}: no such document in {root} (no {log.name}); was the review made from this folder?")
    doc = read_document(log, root)
    earlier = doc.header.get("review")
    rounds = (earlier if isinstance(earlier, list) else [earlier]) if earlier else []
    if decisions.sha256 and any(r.get("sha256") == decisions.sha256 for r in rounds):
        raise AlreadyApplied(f"{key}: these decisions ({decisions.source}) were applied already; nothing to do")
    result = result_of_outputs(doc)
    reviewed, outcome = reviewed_result(result, decisions, key)
    if rounds:
        reviewed = dataclasses.replace(reviewed, review=[*rounds, *reviewed.review])
    if replay(reviewed.raw, reviewed.changes) != reviewed.text:
        raise OcrmendError(f"{key}: the reviewed log does not replay to the reviewed text (a bug); nothing written",
                           exit_code=70)
    saved = saved_path(doc.folder, doc.name)
    old = None
    if saved.is_file():
        try:
            old = read_decisions(saved)
        except OcrmendError:
            old = None
    merged = merge(_forget_rejected_picks(old, decisions, key, doc.changes), decisions, key)
    write_result(reviewed, doc.folder, doc.name)
    atomic_write(saved, merged.to_json(key))
    return outcome


def _forget_rejected_picks(old: Decisions | None, new: Decisions, key: str,
                           changes: list[dict[str, Any]]) -> Decisions | None:
    """``old`` without the picks whose ``review.suggestion`` change ``new`` rejects."""
    if old is None:
        return None
    rejected = {i for i, d in new.for_doc(key).items() if d["action"] == "reject"}
    flags = {c.get("flag") for c in changes if c["id"] in rejected and c.get("flag")}
    items = {i: d for i, d in old.for_doc(key).items() if i not in flags}
    return dataclasses.replace(old, by_doc={key: items})
