"""The change log (``NAME.changes.jsonl``) and its replay.

The first line is a header record (``"kind": "header"``) with the schema version, the
document, its decoding and the tool's version; then one record a line, changes and flags
in the order they were made. Applying the changes in file order to the decoded raw text
gives the clean text exactly: each change's ``at`` is its span in the text as it stands
after all earlier changes, and ``before`` is checked before ``after`` is put in.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from .errors import ReplayError

SCHEMA_VERSION = 1


def records(doc: Any, header: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {"kind": "header", "schema": SCHEMA_VERSION, **header}
    for c in doc.changes:
        yield c.to_record()
    for f in doc.flags:
        yield f.to_record()


# JSON leaves these unescaped, but str.splitlines() ends a line at each of them
_LINE_BREAKING = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def dump_lines(recs: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The log's lines, one record each (a long log is written without being held whole)."""
    for r in recs:
        line = json.dumps(r, ensure_ascii=False)
        if "\x85" in line or "\u2028" in line or "\u2029" in line:  # rare: skip translate's cost
            line = line.translate(_LINE_BREAKING)
        yield line + "\n"


def dumps(recs: Iterable[dict[str, Any]]) -> str:
    return "".join(dump_lines(recs))


def parse(lines: Iterable[str], source: str = "log") -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{source}:{n}: not a JSON record ({exc.msg})") from None
        if not isinstance(rec, dict) or "kind" not in rec:
            raise ReplayError(f"{source}:{n}: a record needs a 'kind'")
        if rec["kind"] == "header" and rec.get("schema", SCHEMA_VERSION) > SCHEMA_VERSION:
            raise ReplayError(f"{source}: schema {rec['schema']} is newer than this ocrmend reads ({SCHEMA_VERSION}); upgrade ocrmend")
        out.append(rec)
    return out


def replay(raw: str, recs: Iterable[dict[str, Any]]) -> str:
    """Apply the change records, in order, to ``raw``; check each one's ``before``.

    >>> replay("the illu-\\nsions", [{"kind": "change", "at": [8, 10], "before": "-\\n", "after": ""}])
    'the illusions'
    >>> replay("abc", [{"kind": "change", "at": [0, 1], "before": "x", "after": "y"}])
    Traceback (most recent call last):
    ...
    pipeline.errors.ReplayError: change 1 (None): expected 'x' at 0:1, found 'a'
    """
    # Changes come in runs that move forward through the text (one run a rule): within a run
    # the text is built from pieces, so a long log replays in linear time, not one copy of the
    # whole text per change. ``base`` is the text at the start of the run; ``pos`` how far into
    # it the pieces reach; ``delta`` how much longer the text is now than ``base`` up to there.
    base = raw
    pieces: list[str] = []
    pos = delta = 0
    n = 0
    for rec in recs:
        if rec.get("kind") != "change":
            continue
        n += 1
        try:
            start, end = rec["at"]
            before, after = rec["before"], rec["after"]
        except (KeyError, TypeError, ValueError):
            raise ReplayError(f"change {n}: needs 'at' [start, end], 'before' and 'after'") from None
        if not (isinstance(start, int) and isinstance(end, int)) or start - delta < pos:
            # not forward of the last change: settle the text so far and start a new run
            if pieces:
                pieces.append(base[pos:])
                base = "".join(pieces)
                pieces = []
            pos = delta = 0
        s0, e0 = start - delta, end - delta
        if not (0 <= start <= end <= len(base) + delta) or base[s0:e0] != before:
            text = "".join([*pieces, base[pos:]])
            raise ReplayError(
                f"change {n} ({rec.get('id')}): expected {before!r} at {start}:{end}, found {text[start:end]!r}"
            )
        pieces.append(base[pos:s0])
        pieces.append(after)
        pos = e0
        delta += len(after) - (end - start)
    if pieces:
        pieces.append(base[pos:])
        return "".join(pieces)
    return base
