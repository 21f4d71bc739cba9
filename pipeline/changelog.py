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


def dumps(recs: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False).translate(_LINE_BREAKING) + "\n" for r in recs)


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
    text = raw
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
        if not (0 <= start <= end <= len(text)) or text[start:end] != before:
            raise ReplayError(
                f"change {n} ({rec.get('id')}): expected {before!r} at {start}:{end}, found {text[start:end]!r}"
            )
        text = text[:start] + after + text[end:]
    return text
