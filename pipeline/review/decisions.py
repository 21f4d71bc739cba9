"""Review decisions: what a person decided about the changes and flags of a batch, and
applying those decisions to a document so its outputs and log stay exact.

A decisions file (exported by the review page) is small JSON keyed by change and flag ids::

    {"format": "ocrmend-decisions", "version": 1, "reviewer": "A. Reader",
     "date": "2026-11-25T05:00:00Z",
     "decisions": {"30b80d20d0e3": {"doc": "keeper-page-13", "action": "reject"},
                   "9c1f0e2a7b44": {"doc": "letter", "action": "pick", "value": "modern"}}}

``action`` is ``accept`` (keep; the default for anything not named), ``reject`` (undo the
change) or ``pick`` (for a flag: put ``value``, one of its suggestions, in place of its text).
Ids are stable (a hash of document, rule, raw span, before and after), so the same decisions
apply again when the batch is re-run unchanged: ``apply_saved`` does that from the copy that
``ocrmend apply`` keeps beside each document's outputs (``NAME.decisions.json``).

Applying keeps the log linear: the kept changes are re-based onto the text without the
rejected ones (a change whose span overlaps text that a rejected change wrote depends on it
and is dropped too, and said so); each picked suggestion becomes a new change of stage
``review``, rule ``review.suggestion``, at the end of the log; the header of the log gets a
``review`` entry naming the decisions file, its sha256, the reviewer and date, and what was
undone, dropped and picked. ``ocrmend replay`` needs nothing new.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .. import __version__
from ..errors import ConfigError, reading

if TYPE_CHECKING:  # pragma: no cover
    from ..api import Result

FORMAT = "ocrmend-decisions"
VERSION = 1
ACTIONS = ("accept", "reject", "pick")
#: the decisions kept beside a document's outputs, re-applied by ``apply_saved``
SAVED_SUFFIX = ".decisions.json"
STAGE = "review"
RULE = "review.suggestion"


@dataclass(frozen=True)
class Decisions:
    """A decisions file, parsed: who decided, and per document the decisions by id."""

    reviewer: str | None = None
    date: str | None = None
    source: str | None = None  # the file's name
    sha256: str | None = None
    #: document key -> id -> {"action": ..., "value": ...}
    by_doc: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)

    def for_doc(self, key: str) -> Mapping[str, Mapping[str, Any]]:
        return self.by_doc.get(key, {})

    def to_json(self, key: str | None = None) -> str:
        """The file form (of one document's decisions, with ``key``)."""
        decisions: dict[str, Any] = {}
        for doc, items in sorted(self.by_doc.items()):
            if key is not None and doc != key:
                continue
            for ident, d in items.items():
                decisions[ident] = {"doc": doc, **d}
        out = {"format": FORMAT, "version": VERSION, "reviewer": self.reviewer, "date": self.date,
               "decisions": decisions}
        return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def parse_decisions(data: bytes, source: str = "decisions") -> Decisions:
    """Parse and check a decisions file; a bad one is a ``ConfigError`` (exit 2) naming what.

    >>> d = parse_decisions(b'{"format": "ocrmend-decisions", "version": 1, '
    ...                     b'"decisions": {"abc": {"doc": "a", "action": "reject"}}}')
    >>> dict(d.for_doc("a"))
    {'abc': {'action': 'reject'}}
    >>> parse_decisions(b'{"decisions": {"abc": {"doc": "a", "action": "undo"}}}')
    Traceback (most recent call last):
    ...
    pipeline.errors.ConfigError: decisions: abc: action 'undo' is not one of accept, reject, pick
    """
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{source}: not a JSON decisions file ({exc})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("decisions"), dict):
        raise ConfigError(f"{source}: a decisions file is an object with a \"decisions\" object; export one from the review page")
    if obj.get("format", FORMAT) != FORMAT:
        raise ConfigError(f"{source}: format {obj.get('format')!r} is not {FORMAT!r}")
    if not isinstance(obj.get("version", VERSION), int):
        raise ConfigError(f"{source}: version {obj.get('version')!r} is not a whole number; export the file again")
    if obj.get("version", VERSION) > VERSION:
        raise ConfigError(f"{source}: version {obj.get('version')!r} is newer than this ocrmend reads ({VERSION}); upgrade ocrmend")
    by_doc: dict[str, dict[str, dict[str, Any]]] = {}
    for ident, d in obj["decisions"].items():
        if not isinstance(d, dict) or not isinstance(d.get("doc"), str):
            raise ConfigError(f"{source}: {ident}: each decision needs \"doc\" (the document) and \"action\"")
        if not _inside(d["doc"]):
            # a document is named by its path inside the cleaned folder, never outside it
            raise ConfigError(f"{source}: {ident}: document {d['doc']!r} is not a path inside the cleaned folder")
        action = d.get("action")
        if action not in ACTIONS:
            raise ConfigError(f"{source}: {ident}: action {action!r} is not one of {', '.join(ACTIONS)}")
        entry: dict[str, Any] = {"action": action}
        if action == "pick":
            if not isinstance(d.get("value"), str):
                raise ConfigError(f"{source}: {ident}: a pick needs \"value\", the suggestion picked")
            entry["value"] = d["value"]
        by_doc.setdefault(d["doc"], {})[ident] = entry
    reviewer = obj.get("reviewer")
    date = obj.get("date")
    return Decisions(
        reviewer=reviewer if isinstance(reviewer, str) and reviewer else None,
        date=date if isinstance(date, str) and date else None,
        source=Path(source).name,
        sha256=hashlib.sha256(data).hexdigest(),
        by_doc=by_doc,
    )


def _inside(key: str) -> bool:
    """``key`` names a document inside a folder: relative, no "..", no backslash.

    >>> _inside("letter"), _inside("book/p13"), _inside("../x"), _inside("/etc/x"), _inside("a\\\\..\\\\b")
    (True, True, False, False, False)
    """
    from pathlib import PurePosixPath

    p = PurePosixPath(key)
    return bool(key) and "\\" not in key and "\0" not in key and not p.is_absolute() and ".." not in p.parts


def read_decisions(path: Path) -> Decisions:
    with reading(path):
        data = path.read_bytes()
    return parse_decisions(data, str(path))


# -- applying ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What applying one document's decisions did."""

    changes: list[dict[str, Any]]  # the new log's changes, in order
    text: str
    undone: list[str] = field(default_factory=list)  # ids rejected by the reviewer
    dropped: list[dict[str, str]] = field(default_factory=list)  # {id, because}: depended on an undone change
    picked: list[dict[str, str]] = field(default_factory=list)  # {flag, value, change}
    problems: list[str] = field(default_factory=list)  # decisions that could not be applied

    def summary(self) -> dict[str, Any]:
        return {"undone": self.undone, "dropped": self.dropped, "picked": self.picked, "problems": self.problems}


class _Divergence:
    """Where the text with every change (``T``) and the text without the undone ones (``U``)
    differ: sorted, disjoint spans of ``T``, each with the length ``U`` has in its place.

    Outside these spans the two texts are equal, shifted by the length differences of the
    spans before; so a change outside them can be moved from ``T`` to ``U`` exactly. Each
    step is linear in the number of spans (one per undone change at most, usually few).
    """

    def __init__(self) -> None:
        self.spans: list[list[Any]] = []  # [t_start, t_end, u_length, undone change id]

    def overlapping(self, s: int, e: int) -> list[int]:
        out = []
        for i, (a, b, _, _) in enumerate(self.spans):
            if a > e:
                break
            if (s < b and a < e) or (s == e and a < s < b) or (a == b and s < a < e):
                out.append(i)
        return out

    def to_u(self, pos: int) -> int:
        """A position of ``T`` outside every span (or at a span's edge), in ``U``."""
        shift = 0
        for a, b, u_len, _ in self.spans:
            if b <= pos:
                shift += u_len - (b - a)
            else:
                break
        return pos + shift

    def shift_after(self, pos: int, delta: int) -> None:
        if delta:
            for span in self.spans:
                if span[0] >= pos:
                    span[0] += delta
                    span[1] += delta


def apply_to_changes(raw: str, changes: list[dict[str, Any]], flags: list[dict[str, Any]],
                     decided: Mapping[str, Mapping[str, Any]], *, document: str,
                     reviewer: str | None = None) -> Outcome:
    """Apply one document's decisions to its change log (which must replay on ``raw``);
    return the new log and text.

    >>> raw = "a teh cat"
    >>> log = [{"kind": "change", "id": "c1", "stage": "spelling", "rule": "spelling.x", "at": [2, 5],
    ...         "raw": [2, 5], "before": "teh", "after": "the"},
    ...        {"kind": "change", "id": "c2", "stage": "spelling", "rule": "spelling.y", "at": [2, 5],
    ...         "raw": [2, 5], "before": "the", "after": "The"}]
    >>> out = apply_to_changes(raw, log, [], {"c1": {"action": "reject"}}, document="d")
    >>> out.text, out.undone, [d["id"] for d in out.dropped]
    ('a teh cat', ['c1'], ['c2'])
    """
    from ..changelog import replay

    out = Outcome(changes=[], text=raw)
    known = {c["id"] for c in changes} | {f["id"] for f in flags}
    for ident in decided:
        if ident not in known:
            out.problems.append(f"{ident}: no such change or flag in {document} (the batch changed since the review?)")
    rejected = {i for i, d in decided.items() if d.get("action") == "reject"}
    if not rejected & {c["id"] for c in changes}:
        out.changes = list(changes)
    else:
        out.changes = _without(changes, rejected, out)
    out.text = replay(raw, out.changes)  # also checks every kept change's text
    _apply_picks(raw, out, flags, decided, document=document, reviewer=reviewer)
    return out


def _without(changes: list[dict[str, Any]], rejected: set[str], out: Outcome) -> list[dict[str, Any]]:
    """The changes without the rejected ones and those that depend on them, re-based."""
    div = _Divergence()
    kept: list[dict[str, Any]] = []
    for c in changes:
        s, e = c["at"]
        delta = len(c["after"]) - (e - s)
        hits = div.overlapping(s, e) if div.spans else []
        if c["id"] in rejected or hits:
            if c["id"] in rejected:
                out.undone.append(c["id"])
                cause = c["id"]
            else:
                out.dropped.append({"id": c["id"], "because": ", ".join(sorted({div.spans[i][3] for i in hits}))})
                cause = div.spans[hits[0]][3]
            a0 = min([s, *(div.spans[i][0] for i in hits)])
            b0 = max([e, *(div.spans[i][1] for i in hits)])
            # U's length for T's [a0, b0): both ends are outside every span or at a span's edge
            u_len = div.to_u(b0) - div.to_u(a0)
            for i in reversed(hits):
                del div.spans[i]
            div.shift_after(b0, delta)
            at = bisect_left([x[0] for x in div.spans], a0)
            div.spans.insert(at, [a0, b0 + delta, u_len, cause])
        else:
            us = div.to_u(s) if div.spans else s
            new = dict(c)
            new["at"] = [us, us + (e - s)]
            kept.append(new)
            div.shift_after(e, delta)
    return kept


def _origin_after(raw_len: int, changes: list[dict[str, Any]]) -> "array[int]":
    """The map from each position of the text the changes give to the raw offset it comes
    from (inserted text maps to the raw start of what it replaced), as the runner keeps it.
    Built a run of forward-moving changes at a time (one pass over the text a run).

    >>> list(_origin_after(4, [{"at": [1, 3], "after": "x"}]))
    [0, 1, 3, 4]
    """
    from .batch import runs

    origin = array("i", range(raw_len + 1))
    for run in runs(changes):
        new = array("i")
        pos = 0
        for c, s0, e0 in run:
            new.extend(origin[pos:s0])
            n = len(c["after"])
            if n:
                new.extend(array("i", [origin[s0]]) * n)
            pos = e0
        new.extend(origin[pos:])
        origin = new
    return origin


def _apply_picks(raw: str, out: Outcome, flags: list[dict[str, Any]], decided: Mapping[str, Mapping[str, Any]],
                 *, document: str, reviewer: str | None) -> None:
    picks = [(f, decided[f["id"]]["value"]) for f in flags
             if decided.get(f["id"], {}).get("action") == "pick"]
    if not picks:
        return
    ids = {c["id"] for c in out.changes}
    for f, value in sorted(picks, key=lambda p: p[0]["raw"][0]):
        if value not in f.get("suggestions", []) and value != f.get("text"):
            out.problems.append(f"{f['id']}: {value!r} is not one of the flag's suggestions; not applied")
            continue
        origin = _origin_after(len(raw), out.changes)
        r0, r1 = f["raw"]
        s = bisect_left(origin, r0)
        e = max(s, bisect_left(origin, r1))
        if out.text[s:e] != f["text"]:
            out.problems.append(f"{f['id']}: the flagged text {f['text']!r} is no longer at its place "
                                f"(now {out.text[s:e]!r}); suggestion not applied")
            continue
        if value == f["text"]:
            continue
        ident = _change_id(document, RULE, (r0, r1), f["text"], value, ids)
        who = f" by {reviewer}" if reviewer else ""
        change = {
            "kind": "change", "id": ident, "stage": STAGE, "rule": RULE, "at": [s, e], "raw": [r0, r1],
            "page": f.get("page"), "before": f["text"], "after": value,
            "reason": f"suggestion of flag {f['id']} ({f['rule']}) picked in review{who}",
            "confidence": 1.0, "safety": "safe", "flag": f["id"],
        }
        out.changes.append(change)
        out.text = out.text[:s] + value + out.text[e:]
        out.picked.append({"flag": f["id"], "value": value, "change": ident})


def _change_id(document: str, rule: str, raw: tuple[int, int], before: str, after: str, taken: set[str]) -> str:
    """The id the runner would give (``Document.new_id``): stable across re-runs."""
    h = hashlib.sha1("\0".join([document, rule, str(raw), before, after]).encode("utf-8", "surrogatepass"))
    base = h.hexdigest()[:12]
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    taken.add(ident)
    return ident


# -- the reviewed result -------------------------------------------------------------------


def review_header(decisions: Decisions, outcome: Outcome) -> dict[str, Any]:
    """The ``review`` entry of the log header and of ``NAME.json``: who decided what."""
    return {
        "decisions": decisions.source, "sha256": decisions.sha256, "reviewer": decisions.reviewer,
        "date": decisions.date, "tool": {"name": "ocrmend", "version": __version__}, **outcome.summary(),
    }


def reviewed_result(result: "Result", decisions: Decisions, key: str) -> tuple["Result", Outcome]:
    """``result`` with the decisions for document ``key`` applied (see module docs)."""
    from ..api import Result

    outcome = apply_to_changes(result.raw, result.changes, result.flags, decisions.for_doc(key),
                               document=result.name, reviewer=decisions.reviewer)
    picked = {p["flag"]: p for p in outcome.picked}
    flags = [dict(f, resolved=f"picked {picked[f['id']]['value']!r} in review ({picked[f['id']]['change']})")
             if f["id"] in picked else f for f in result.flags]
    blocks = _rebase_blocks(result.blocks, result.raw, outcome)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(Result)}
    fields.update(text=outcome.text, changes=outcome.changes, flags=flags, blocks=blocks)
    if fields.get("word_spans") is not None and result.ocr_document is not None:
        # the writers of hOCR/ALTO/PAGE find each word in the clean text through these
        fields["word_spans"] = _word_spans(result.raw, outcome, result.ocr_document.words)
    return _reviewed_class()(**fields, review=[review_header(decisions, outcome)]), outcome


def _word_spans(raw: str, outcome: Outcome, words: list[Any]) -> "array[int]":
    """Where each OCR word is in the reviewed text (as ``pipeline.api.word_spans`` gives it
    for a freshly cleaned text): ``[start, end)`` of word ``i`` at ``2 * i``, ``2 * i + 1``."""
    origin = _origin_after(len(raw), outcome.changes)
    out = array("i", bytes(8 * len(words)))
    for i, w in enumerate(words):
        s = bisect_left(origin, w.start)
        out[2 * i] = s
        out[2 * i + 1] = max(s, bisect_left(origin, w.end))
    return out


def _rebase_blocks(blocks: list[dict[str, Any]], raw: str, outcome: Outcome) -> list[dict[str, Any]]:
    """Blocks with their current text and span re-read after the decisions: a body block
    (one with ``at``) takes the text now at its raw span; a removed block whose removal was
    undone is back in the body (``in_body``). Paragraphs are not re-split: a rejected join
    shows as a paragraph holding a blank line."""
    origin = _origin_after(len(raw), outcome.changes)
    out = []
    for b in blocks:
        b = dict(b)
        r = b.get("raw")
        if r and "at" in b:
            s = bisect_left(origin, r[0])
            e = max(s, bisect_left(origin, r[1]))
            b["at"] = [s, e]
            b["text"] = outcome.text[s:e].strip()
        elif r and "in_body" in b:
            s = bisect_left(origin, r[0])
            e = max(s, bisect_left(origin, r[1]))
            b["in_body"] = outcome.text[s:e] == b.get("text") and bool(b.get("text"))
        out.append(b)
    return out


def _reviewed_class() -> type:
    """``ReviewedResult``, made on first use (``pipeline.api`` is not imported before)."""
    cls = globals().get("_REVIEWED")
    if cls is None:
        cls = globals()["_REVIEWED"] = _result_class()
    return cls  # type: ignore[no-any-return]


def _result_class() -> type:
    from ..api import Result

    @dataclass(frozen=True)
    class ReviewedResult(Result):  # type: ignore[misc]
        """A result with review decisions applied: its log header and ``NAME.json`` say so."""

        #: one entry a round of review: the decisions file, who, when, what was undone and picked
        review: list[dict[str, Any]] | None = field(default=None, repr=False)

        def header(self) -> dict[str, Any]:
            head = super().header()
            if self.review is not None:
                head["review"] = self.review
            return head

    return ReviewedResult


def __getattr__(name: str) -> Any:
    # built on first use: ``pipeline.api`` is not imported until a result is reviewed
    if name == "ReviewedResult":
        return _reviewed_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def saved_path(dest_dir: Path, name: str) -> Path:
    return dest_dir / f"{name}{SAVED_SUFFIX}"


def apply_saved(result: "Result", dest_dir: Path, name: str) -> "Result":
    """Apply the decisions kept beside the outputs (``dest_dir/NAME.decisions.json``, written
    by ``ocrmend apply``) to a freshly cleaned ``result``; unchanged when there are none.

    ``ocrmend clean`` calls this per document, so decisions survive a re-run with the same
    inputs and configuration (change ids are stable). A decision whose id the new run does
    not have is reported in the log header's ``review.problems``, not applied.
    """
    path = saved_path(dest_dir, name)
    if not path.is_file():
        return result
    decisions = read_decisions(path)
    keys = list(decisions.by_doc)
    key = keys[0] if len(keys) == 1 else name
    reviewed, _ = reviewed_result(result, decisions, key)
    return reviewed


def merge(old: Decisions | None, new: Decisions, key: str) -> Decisions:
    """One document's saved decisions with ``new`` on top (a later decision on an id wins).

    >>> old = Decisions(by_doc={"d": {"a": {"action": "reject"}, "b": {"action": "reject"}}})
    >>> new = Decisions(reviewer="R", by_doc={"d": {"b": {"action": "accept"}}})
    >>> dict(merge(old, new, "d").for_doc("d"))
    {'a': {'action': 'reject'}, 'b': {'action': 'accept'}}
    """
    items: dict[str, Any] = dict(old.for_doc(key)) if old else {}
    items.update(new.for_doc(key))
    return Decisions(reviewer=new.reviewer, date=new.date, source=new.source, sha256=new.sha256,
                     by_doc={key: items})


__all__ = ["Decisions", "Outcome", "apply_saved", "apply_to_changes", "merge", "parse_decisions",
           "read_decisions", "reviewed_result"]
