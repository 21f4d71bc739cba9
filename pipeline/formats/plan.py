"""From a cleaning result back to the words of the file: what each word becomes.

The stages change one string; the writers change words on boxes. For every word of the
``OcrDocument`` the API keeps its span in the clean text (``Result.word_spans``, taken from
the runner's offset map: the clean characters that come from the word's raw characters), so

* a word whose clean span holds other text was corrected: that is its new text;
* a word inside a region the stages took out of the body (a running head, a page number, a
  strip of the facing page ...) keeps its text, since it is still printed on the page, and
  is marked with the region's kind;
* two words on different lines whose clean spans touch with nothing between them were joined
  across the line break (dehyphenation): both halves stay on their own line and box, the
  first without its line-end hyphen (``hyphen`` keeps it for the writer, which puts it in an
  ALTO ``HYP`` or back on the printed half), and both record the joined form;
* flags (``Result.flags``) name the words their raw span touches.

>>> from pipeline import clean
>>> from pipeline.ocr.model import OcrDocument, PageContent
>>> scan = OcrDocument("demo")
>>> _ = scan.add_page(PageContent(width=900, height=400, blocks=[[[
...     [("The", (100, 100, 160, 130), 96.0), ("illu-", (170, 100, 250, 130), 91.0)],
...     [("sions", (100, 140, 190, 170), 95.0), ("of", (200, 140, 230, 170), 96.0),
...      ("youth", (240, 140, 330, 170), 96.0)]]]]))
>>> r = clean(scan)
>>> r.text
'The illusions of youth\\n'
>>> [(p.text, p.joined, p.part, p.hyphen) for p in plan_words(r)[1:3]]
[('illu', 'illusions', 1, '-'), (None, 'illusions', 2, '')]
>>> plan_words(clean("plain text"))
[]
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_, is_not, ne
from typing import Any, Iterator

HYPHENS = "-\N{HYPHEN}\N{SOFT HYPHEN}\N{NOT SIGN}\N{NON-BREAKING HYPHEN}=\N{DOUBLE OBLIQUE HYPHEN}"


@dataclass(slots=True)
class WordPlan:
    """What one word becomes. ``text`` is None when the word is left as it is."""

    text: str | None = None
    #: the joined form, for both halves of a word joined across a line break
    joined: str | None = None
    #: 1 for the first half, 2 for the second
    part: int = 0
    #: the line-end hyphen the first half was printed with ("" if none)
    hyphen: str = ""
    #: the kind of region the stages took this word out of the body as (header ...)
    kind: str | None = None
    flags: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def printed(self, raw: str) -> str:
        """The word as a format without a hyphenation element writes it: the first half of a
        joined word keeps its printed hyphen."""
        text = raw if self.text is None else self.text
        if self.part == 1 and self.hyphen and not text.endswith(self.hyphen):
            return text + self.hyphen
        return text

    @property
    def changed(self) -> bool:
        return self.text is not None or self.joined is not None or bool(self.kind) or bool(self.flags)


def _removed_spans(changes: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    spans = [(c["raw"][0], c["raw"][1], c["removes"]) for c in changes if c.get("removes") and c.get("raw")]
    spans.sort()
    return spans


def _trailing_hyphen(raw: str) -> str:
    return raw[-1] if len(raw) > 1 and raw[-1] in HYPHENS else ""


#: the plan of every word left as it is: one shared instance (writers only read plans)
UNCHANGED = WordPlan()
#: a word's text, read in C
_TEXT = attrgetter("text")


def _kinds(removed: list[tuple[int, int, str]], starts: list[int], words: list[Any]) -> dict[int, str]:
    """Word index -> the kind of the removed region that holds the word whole (of nested
    regions, the one starting last); found a region at a time, not a word at a time."""
    out: dict[int, str] = {}
    for rs, re_, kind in removed:
        i = max(0, bisect_right(starts, rs) - 1)
        while i < len(words) and words[i].start < re_:
            w = words[i]
            if rs <= w.start and w.end <= re_:
                out[i] = kind
            i += 1
    return out


def plan_words(result: Any) -> list[WordPlan]:
    """One ``WordPlan`` per word of ``result.ocr_document`` (empty for a text input). Words
    left as they are share the read-only ``UNCHANGED``."""
    ocr = result.ocr_document
    spans = result.word_spans
    if ocr is None or spans is None:
        return []
    clean = result.text
    words = ocr.words
    n = len(words)
    removed = _removed_spans(result.changes)
    kinds = _kinds(removed, [w.start for w in words], words) if removed else {}
    plans: list[WordPlan] = [UNCHANGED] * n
    # the clean text of each word (its span may be empty: deleted, or joined into a neighbour)
    news = list(map(clean.__getitem__, map(slice, spans[0::2], spans[1::2])))
    for i, kind in kinds.items():
        plans[i] = WordPlan(kind=kind)
    # the words whose clean text differs from the raw, found in C (most words do not change)
    for i in compress(range(n), map(ne, news, map(_TEXT, words))):
        if i not in kinds:
            plans[i] = WordPlan(text=news[i])
    # joins across a line break: the clean spans of the last word of a line and the first of
    # the next touch, with nothing between them
    for ln in ocr.lines[:-1]:
        i = ln.first_word + ln.n_words - 1
        if i in kinds or i + 1 in kinds:
            continue
        ce_a, cs_b = spans[2 * i + 1], spans[2 * i + 2]
        if ce_a != cs_b:
            continue
        if not news[i] and not news[i + 1]:
            continue
        a, b = words[i], words[i + 1]
        joined = clean[spans[2 * i]:spans[2 * i + 3]]
        hyphen = _trailing_hyphen(a.text)
        first, second = news[i], news[i + 1]
        if not first or not second:  # one edit replaced both halves: split the joined form back
            first = a.text[:-1] if hyphen else a.text
            second = joined[len(first):] if joined.startswith(first) else b.text
        if hyphen and first.endswith(hyphen):
            # the hyphen stayed in the joined word ("post-" + "war"): it is the printed hyphen
            first = first[: -len(hyphen)]
        plans[i] = pa = WordPlan() if plans[i] is UNCHANGED else plans[i]
        plans[i + 1] = pb = WordPlan() if plans[i + 1] is UNCHANGED else plans[i + 1]
        pa.joined = pb.joined = joined
        pa.part, pb.part = 1, 2
        pa.hyphen = hyphen
        pa.text = first if first != a.text else None
        pb.text = second if second != b.text else None
    for f in result.flags:
        raw = f.get("raw")
        if not raw:
            continue
        for k in ocr.word_range(raw[0], raw[1]):
            p = plans[k] = WordPlan() if plans[k] is UNCHANGED else plans[k]
            if f["rule"] not in p.flags:
                p.flags = p.flags + (f["rule"],)
                p.reasons = p.reasons + (f["reason"],)
    return plans


def changed_words(plan: list[WordPlan]) -> list[int]:
    """The indices of the words a plan changes, in order; found in C, since the words left
    alone, most of them, share ``UNCHANGED``."""
    return [i for i in compress(range(len(plan)), map(is_not, plan, repeat(UNCHANGED))) if plan[i].changed]


def words_to_write(refs: Any, plan: list[WordPlan]) -> Iterator[tuple[int, Any, Any, WordPlan, str]]:
    """``(index, element, word, its plan, the text to print)`` for each word a writer must
    visit: those the plan changes, and every word split out of a line's text (element None:
    the line is written whole from its words)."""
    words, els, _ = refs
    visit = set(changed_words(plan))
    if None in els:
        visit.update(compress(range(len(els)), map(is_, els, repeat(None))))
    for i in sorted(visit):
        p = plan[i]
        w = words[i]
        yield i, els[i], w, p, p.printed(w.text)
