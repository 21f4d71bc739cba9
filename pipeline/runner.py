"""The runner: the only code that changes text.

For each rule in order it collects the proposals, records regions and flags, checks the
edits (in bounds, not overlapping, safety allowed, kind not kept), applies them in one
pass, keeps the offset map back to the raw text and records each applied edit as a change.
"""
from __future__ import annotations

import gc
import threading
from bisect import bisect_right
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from . import stages as stage_registry
from .config import Config
from .document import Document, RegionRecord
from .edits import Change, Edit, Flag, FlagRecord, Region
from .rules import Context, RuleFunc, rule_id

if TYPE_CHECKING:  # pragma: no cover
    from .ocr.model import OcrDocument


class RuleError(RuntimeError):
    """A rule proposed something impossible (a bug in the rule, not in the input)."""


def apply_proposals(doc: Document, rid: str, proposals: Iterable[object], config: Config) -> None:
    stage = rid.split(".", 1)[0]
    text = doc.text
    n = len(text)
    edits: list[Edit] = []
    for p in proposals:
        if isinstance(p, Edit):
            if not (0 <= p.start <= p.end <= n):
                raise RuleError(f"{rid}: edit span {p.start}:{p.end} outside the text (length {n})")
            if text[p.start:p.end] == p.replacement:
                continue
            if p.safety == "suggest" or (p.safety == "unsafe" and not config.unsafe_fixes):
                _record_flag(doc, stage, rid, Flag(p.start, p.end, p.reason, "warning", (p.replacement,)))
                continue
            if p.removes and p.removes in config.keep:
                continue
            edits.append(p)
        elif isinstance(p, Flag):
            if not (0 <= p.start <= p.end <= n):
                raise RuleError(f"{rid}: flag span {p.start}:{p.end} outside the text")
            _record_flag(doc, stage, rid, p)
        elif isinstance(p, Region):
            if not (0 <= p.start <= p.end <= n):
                raise RuleError(f"{rid}: region span {p.start}:{p.end} outside the text")
            raw = doc.raw_span(p.start, p.end)
            if p.kind == "page_break":
                # a scanned document's pages are the scan's own (set by run_rules); a rule's
                # page break would land after whatever was removed at the page's top
                if doc.ocr is None:
                    doc.add_page_start(raw[1])
                continue
            doc.regions.append(
                RegionRecord(p.kind, raw, text[p.start:p.end], rid, doc.page_of(raw[0]), dict(p.attrs))
            )
        else:
            raise RuleError(f"{rid}: rules return Edit, Flag or Region, not {type(p).__name__}")
    if not edits:
        return
    edits.sort(key=lambda e: (e.start, e.end))
    accepted: list[Edit] = []
    last_end = -1
    last_point = -1
    for e in edits:
        # an edit that overlaps one already accepted is dropped: the earlier-starting edit wins,
        # and the rule sees the text again on the next run
        if e.start < last_end or (e.start == e.end == last_point):
            continue
        accepted.append(e)
        last_end = e.end
        last_point = e.start if e.start == e.end else -1
    delta = 0
    # the raw offsets of every accepted span in one call (the map is read, not changed, here)
    raws = doc.origin.many([p for e in accepted for p in (e.start, e.end)])
    page_starts = doc.page_starts
    for k, e in enumerate(accepted):
        before = text[e.start:e.end]
        raw = (raws[2 * k], raws[2 * k + 1])
        cid = doc.new_id(rid, raw, before, e.replacement)
        doc.changes.append(
            Change(
                id=cid,
                stage=stage,
                rule=rid,
                at=(e.start + delta, e.end + delta),
                raw=raw,
                before=before,
                after=e.replacement,
                reason=e.reason,
                confidence=e.confidence,
                safety=e.safety,
                page=bisect_right(page_starts, raw[0]) + 1,  # doc.page_of, inlined
                removes=e.removes,
            )
        )
        delta += len(e.replacement) - (e.end - e.start)
    spans = [(e.start, e.end, e.replacement) for e in accepted]
    del text, edits, accepted, proposals  # the old text can go while the new one is made
    doc._replace_all(spans)


def _record_flag(doc: Document, stage: str, rid: str, f: Flag) -> None:
    raw = doc.raw_span(f.start, f.end)
    text = doc.text[f.start:f.end]
    doc.flags.append(
        FlagRecord(
            id=doc.new_id(rid, raw, text, "flag"),
            stage=stage,
            rule=rid,
            raw=raw,
            text=text,
            reason=f.reason,
            severity=f.severity,
            suggestions=tuple(f.suggestions),
            page=doc.page_of(raw[0]),
        )
    )


def run_rules(
    text: str, rules: Sequence[RuleFunc], config: Config | None = None, *, name: str = "<text>",
    encoding: str = "utf-8", ocr: "OcrDocument | None" = None,
) -> Document:
    """Run the given rules, in order, on ``text``; each with its own stage's settings.

    ``ocr`` is the OCR that ``text`` is the text of (``text == ocr.text``): rules then read
    its geometry through ``ctx.doc.ocr``, and its pages are the document's pages from the start.
    """
    config = config or Config()
    doc = Document(name, text, encoding=encoding, ocr=ocr)
    if ocr is not None:
        if ocr.text != text:
            raise ValueError("run_rules: text is not the text of the OCR document given with it")
        # the page boundaries are known from the scan itself, before any rule looks for them
        for pos in ocr.page_starts():
            doc.add_page_start(pos)
    settings_cache: dict[str, object] = {}
    with fewer_collections():
        for func in rules:
            rid = rule_id(func)
            if not config.rule_enabled(rid):
                continue
            stage = rid.split(".", 1)[0]
            if stage not in settings_cache:
                module = stage_registry.load(stage)
                cls = getattr(module, "Settings", None)
                settings_cache[stage] = config.stage_settings(stage, cls) if cls else None
            ctx = Context(doc=doc, config=config, settings=settings_cache[stage])
            apply_proposals(doc, rid, func(doc.text, ctx), config)
    return doc


#: young objects allowed between two cyclic-garbage collections while rules run (Python's
#: default is 700)
_GC_YOUNG = 50_000
_gc_lock = threading.Lock()
_gc_runs = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the cyclic garbage collector run less often while rules run.

    Rules make hundreds of thousands of small objects (edits, tuples, line tables), nearly all
    freed by reference counting; at Python's default threshold the collector still walks
    every live object again and again (about 5 % of the text stages' time). Nothing about the
    output changes, and garbage is still collected, later. The old threshold comes back when
    the last run in the process ends (runs in threads share it).

    >>> import gc
    >>> before = gc.get_threshold()
    >>> with fewer_collections():
    ...     gc.get_threshold()[0] >= _GC_YOUNG
    True
    >>> gc.get_threshold() == before
    True
    """
    global _gc_runs, _gc_saved
    with _gc_lock:
        if _gc_runs == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_GC_YOUNG, _gc_saved[0]), *_gc_saved[1:])
        _gc_runs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs -= 1
            if _gc_runs == 0:
                gc.set_threshold(*_gc_saved)


def run(
    text: str, config: Config | None = None, *, name: str = "<text>", encoding: str = "utf-8",
    ocr: "OcrDocument | None" = None,
) -> Document:
    """Run every stage on ``text`` and return the document with its changes, flags and regions.
    ``ocr``: the OCR of a page image that ``text`` comes from (see ``run_rules``)."""
    return run_rules(text, stage_registry.all_rules(), config, name=name, encoding=encoding, ocr=ocr)
