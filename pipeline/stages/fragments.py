"""fragments: truncated lines of a neighbouring column or of the facing page, out of the body.

A scanner that catches a strip of the facing page, or an OCR engine that reads a column cut
by the page edge, leaves runs of lines much shorter than the body's, cut mid-word at one
side ("1d his two", ". They as-", "and then Malwine tol"). They are not text of this page:
each such line becomes a ``fragment`` region and is deleted with ``removes="fragment"``
(``--keep fragment`` leaves them in place). Fragments are never joined, corrected or
dehyphenated. Blocks that only might be fragments are flagged, not removed.

Evidence, per zone: a run of neighbouring blocks of short lines (the OCR sets a blank line
around every text region it finds, and a strip is read as regions of its own):
- length: most lines far shorter than the document's printed line (a narrow column of
  whole text, nearly half as long, needs more of the evidence below);
- cut edges: lines that start with a word's tail or with punctuation (left edge cut), or
  end on a word's head (right edge cut), judged with the lexicon and the document's own
  words; a word hyphenated across two lines of the zone is whole text, evidence against;
- position: a strip sits at a page's edge, beyond the page number or over the head; the
  facing page's own head, cut to a title-like scrap, may stand first on the page over it;
- for one-paragraph-a-line text (Markdown-style OCR), where the body is not wrapped at
  all: lines wrapped mid-phrase (ending on "the", "and", a hyphen ...).
Verse, lists, tables, headings, epigraphs and title pages have short lines too; their lines
begin and end on whole words and phrases, which keeps them out. Zones with some of the
evidence but not enough are flagged for a person.
"""
from __future__ import annotations

import re
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

from ..edits import Edit, Flag, Region
from ..rules import Context, rule
from . import layout
from .layout import FUNCTION_WORDS, LineTable


@dataclass(frozen=True)
class Settings:
    """Tunable values of the fragments stage (``[tool.ocrmend.fragments]``).

    short_ratio:    a line shorter than this share of the printed line is short
    min_cut_share:  share of a block's lines cut at an edge that makes it a fragment block
    flag_cut_share: a lower share that makes it a flag instead
    unwrapped_width: printed-line length assumed for one-paragraph-a-line text
    min_body_lines: fewer body-width lines than this leave nothing to measure a strip against
    """

    short_ratio: float = 0.62
    min_body_lines: int = 8
    min_cut_share: float = 0.25
    flag_cut_share: float = 0.12
    unwrapped_width: float = 72.0


def _fragment_settings(ctx: Context) -> Settings:
    if isinstance(ctx.settings, Settings):
        return ctx.settings
    return ctx.config.stage_settings("fragments", Settings)


_FIRST_TOKEN = re.compile(r"^\W*?([^\W\d_]+(?:['’][^\W\d_]+)?)")
_LAST_TOKEN = re.compile(r"([^\W\d_]+)[^\w]*$")
_LEFT_PUNCT = re.compile(r"^[.,;:)\]}|!?»]\s*\S|^[”’]\s+\w")
_DIGIT_GLUE = re.compile(r"^\d[a-z]")
_JUNK = re.compile(r"^[\W_]{0,4}\w?[\W_]{0,4}$")
_ALNUM = re.compile(r"[^\W_]")
_WORDS = re.compile(r"[^\W\d_]+")
_LONE_LETTERS = frozenset({"a", "i", "o"})


#: the words of each document being cleaned, counted once (fragments are judged many times)
_VOCAB: "weakref.WeakKeyDictionary[object, Counter[str]]" = weakref.WeakKeyDictionary()
#: each document's answers of ``Detector.is_word`` (same document, same lexicon: same answer)
#: and of ``left_cut`` and ``right_cut``
_KNOWN: "weakref.WeakKeyDictionary[object, tuple[dict[str, bool], ...]]" = weakref.WeakKeyDictionary()


@dataclass
class Verdict:
    """What the detector concluded about one block."""

    kind: str  # "fragment" (remove) or "flag" (show a person)
    reason: str
    confidence: float
    lines: list[int] = field(default_factory=list)
    #: blocks of debris (no word on any line) in the strip: one region each, not one a line
    debris: list[tuple[int, int]] = field(default_factory=list)


class Detector:
    """Judges the blocks of one line table."""

    def __init__(self, table: LineTable, ctx: Context, settings: Settings) -> None:
        self.t = table
        self.ctx = ctx
        self.s = settings
        self.width = settings.unwrapped_width if table.paragraph_style else table.width
        self.short_limit = settings.short_ratio * self.width
        self._vocab: Counter[str] | None = None
        self._lex = None
        self._titles: list[str] | None = None
        # what is a word depends on the document and the lexicon only, not on the text version:
        # the detectors of later versions reuse the answers
        self._known, self._left, self._right = _KNOWN.setdefault(ctx.doc, ({}, {}, {}))

    # -- word knowledge ------------------------------------------------------------------
    def vocab(self) -> Counter[str]:
        """Words of the document's body lines (a name the book uses is a word; a strip's
        repeated word tails are not): counted once per document, on its raw text."""
        if self._vocab is None:
            doc = self.ctx.doc
            vocab = _VOCAB.get(doc)
            if vocab is None:
                lines = doc.raw.lower().split("\n")
                limit = self.s.short_ratio * LineTable._printed_width([len(x) for x in lines if x.strip()])
                vocab = Counter(_WORDS.findall("\n".join(x for x in lines if len(x) >= limit)))
                _VOCAB[doc] = vocab
            self._vocab = vocab
        return self._vocab

    def is_word(self, w: str) -> bool:
        lw = w.lower()
        known = self._known.get(lw)
        if known is None:
            if len(lw) == 1:
                known = lw in _LONE_LETTERS
            else:
                if self._lex is None:
                    self._lex = self.ctx.lexicon
                # a word's tail cut off by the page edge is seldom printed three times
                known = self._lex.freq(lw) > 0 or self.vocab()[lw] >= 3
            self._known[lw] = known
        return known

    # -- one line --------------------------------------------------------------------------
    # Both answers depend on the line and the document's words only: kept per document, so
    # the detector of a later text version does not judge the same lines again.
    def left_cut(self, s: str) -> bool:
        """The line starts with a word's tail or with punctuation: its left edge was cut."""
        known = self._left.get(s)
        if known is None:
            known = self._left[s] = self._left_cut(s)
        return known

    def right_cut(self, s: str) -> bool:
        """The line ends on a word's head (no hyphen): its right edge was cut."""
        known = self._right.get(s)
        if known is None:
            known = self._right[s] = self._right_cut(s)
        return known

    def _left_cut(self, s: str) -> bool:
        if _LEFT_PUNCT.match(s) or _DIGIT_GLUE.match(s):
            return True
        m = _FIRST_TOKEN.match(s)
        if not m:
            return False
        w = m.group(1)
        if not w[0].islower() or "'" in w or "’" in w:
            return False
        return not self.is_word(w)

    def _right_cut(self, s: str) -> bool:
        if s.endswith(("-", "—", "–")):
            return False
        core = s.rstrip(_TRAILING)
        if len(s) - len(core) > 2 or not core or not core[-1].isalpha():
            return False
        w = _last_word(core)
        if not w.islower():
            return False
        return not self.is_word(w)

    def _repeated_title(self, s: str) -> bool:
        """The line (a stray quote aside) is title-like and printed again elsewhere: a running head."""
        core = s.lstrip("'‘’\"“”|!.,:; ")
        if len(core) < 6 or not layout.title_like(core):
            return False
        if self._titles is None:
            t = self.t
            self._titles = [
                layout.norm_head(t.texts[f]) for f, l in t.blocks if f == l and layout.title_like(t.texts[f].lstrip("'‘’\"“”|!.,:; "))
            ]
        from rapidfuzz import fuzz, process

        n = layout.norm_head(core)
        return len(process.extract(n, self._titles, scorer=fuzz.ratio, score_cutoff=84, limit=2)) >= 2

    def _rejoins(self, prev: str, s: str) -> bool:
        """``prev`` ends with a hyphenated word's head and ``s`` starts with its tail."""
        if not prev.endswith("-"):
            return False
        head = _LAST_TOKEN.search(prev[:-1])
        tail = _FIRST_TOKEN.match(s)
        return bool(head and tail) and self.is_word(head.group(1) + tail.group(1))

    @staticmethod
    def wraps(s: str) -> bool:
        """The line stops mid-phrase, as a wrapped printed line does."""
        if layout.ends_with_hyphen(s):
            return True
        words = _WORDS.findall(s)
        return bool(words) and words[-1].lower() in FUNCTION_WORDS and not s.rstrip()[-1:] in ".!?:;"

    # -- blocks and zones ----------------------------------------------------------------
    def block_kind(self, b: int) -> str:
        """long (body text), furniture (a page number, a running head), stop (a title: bounds a
        strip), junk or short."""
        t = self.t
        first, last = t.blocks[b]
        n = last - first + 1
        # most blocks are body text: decide on the raw lengths before looking closer
        limit, wide = self.short_limit, 1.15 * self.width
        lines = t.texts[first:last + 1]
        # (counted in C: the number of lines shorter than the limit; markup anywhere in them)
        if sum(map(float(limit).__gt__, map(len, lines))) < max(1, 0.8 * n):
            joined = "".join(lines)
            if "*" not in joined and "_" not in joined:
                return "long"
        texts = [layout.plain(x) for x in t.texts[first:last + 1]]
        short = sum(1 for x in texts if len(x) < limit)
        if short < max(1, 0.8 * n) or any(len(x) > wide for x in texts):
            return "long"
        if markdown_block(lines):
            return "stop"
        if all(_JUNK.match(x) for x in texts):
            return "junk"
        for x in texts:
            if layout.page_number_value(x) is not None or layout.head_with_number(x, 72) is not None:
                return "furniture"
            if layout.CHAPTER_LINE.match(x):
                return "stop"
        if n == 1 and self._repeated_title(texts[0]):
            return "furniture"
        if all(layout.title_like(x) for x in texts) and not any(self.left_cut(x) for x in texts):
            # a title, a head, a title page; a lone capitalised scrap inside a strip joins it
            if n == 1:
                return "title" if len(texts[0]) < 12 else "head_scrap"
            return "stop"
        return "short"

    def zones(self) -> list[list[int]]:
        """Runs of neighbouring blocks of short lines (block indices), with ``self.kinds``."""
        t = self.t
        kinds = [self.block_kind(b) for b in range(len(t.blocks))]
        self.kinds = kinds
        # a short title-like scrap belongs to a strip only with strip on both sides
        for b, k in enumerate(kinds):
            if k == "title":
                beside = [x for x in (b - 1, b + 1) if 0 <= x < len(kinds) and kinds[x] in ("short", "junk")]
                # a scrap of two or three letters ("EN") goes with the strip it stands beside
                tiny = len(_ALNUM.findall(t.texts[t.blocks[b][0]])) <= 3
                kinds[b] = "short" if len(beside) == 2 or (tiny and beside) else "stop"
        # the facing page's running head, cut at the edge into a title-like scrap ("LEOPARDS,
        # DOGS"), stands at the top of the strip: first on the page, the strip right under it
        for b, k in enumerate(kinds):
            if k == "head_scrap":
                under = b + 1 < len(kinds) and kinds[b + 1] in ("short", "junk")
                kinds[b] = "short" if under and self._first_on_page(b) else "stop"
        # a strip may run on across a page break (the foot of one page, the top of the next):
        # it is one zone, judged as one, with or without the break in the text
        out: list[list[int]] = []
        cur: list[int] = []
        for b, k in enumerate(kinds):
            if k in ("short", "junk"):
                cur.append(b)
                continue
            if cur:
                out.append(cur)
            cur = []
        if cur:
            out.append(cur)
        return out

    def _first_on_page(self, b: int) -> bool:
        """Nothing but furniture and specks stands before block ``b`` on its page."""
        t, kinds = self.t, self.kinds
        page = t.page_of_block[b]
        for x in range(b - 1, -1, -1):
            if t.page_of_block[x] != page:
                return True
            if kinds[x] not in ("furniture", "junk"):
                return False
        return True

    def _at_page_edge(self, zone: list[int]) -> bool:
        """No body text between the zone and the page's start, or its end (a page number or
        a running head marks the page's edge where the text has no form feeds)."""
        t, kinds = self.t, self.kinds
        page = t.page_of_block[zone[0]]
        before = after = True
        for b in range(zone[0] - 1, -1, -1):
            if t.page_of_block[b] != page or kinds[b] == "furniture":
                break
            if kinds[b] == "long":
                before = False
                break
        page = t.page_of_block[zone[-1]]
        for b in range(zone[-1] + 1, len(t.blocks)):
            if t.page_of_block[b] != page or kinds[b] == "furniture":
                break
            if kinds[b] == "long":
                after = False
                break
        return before or after

    def judge_zone(self, zone: list[int]) -> Verdict | None:
        t = self.t
        lines = [i for b in zone for i in t.block_lines(b) if self.kinds[b] != "junk"]
        if not lines:
            return None
        texts = [layout.plain(t.texts[i]) for i in lines]
        n = len(texts)
        left = right = rejoined = 0
        for k, x in enumerate(texts):
            # a word's tail after a hyphenated line end is a continuation, not a cut
            joins = k > 0 and lines[k - 1] + 1 == lines[k] and self._rejoins(texts[k - 1], x)
            rejoined += joins
            if not joins and self.left_cut(x):
                left += 1
            if self.right_cut(x):
                right += 1
        cut = max(left, right) + 0.5 * min(left, right)
        share = cut / n
        caps = sum(1 for x in texts if _starts_upper(x)) / n
        side = "left" if left >= right else "right"
        all_lines = [i for b in zone for i in t.block_lines(b)]
        debris = [t.blocks[b] for b in zone if self.kinds[b] == "junk"]
        if t.paragraph_style:
            wrap = sum(1 for x in texts if self.wraps(x))
            # half-lines of a printed page: a line's worth of words, some hyphenated or cut
            broken = sum(1 for x in texts if layout.ends_with_hyphen(x)) + left + right
            median = sorted(len(x) for x in texts)[n // 2]
            if (
                n >= 3
                and wrap / n >= 0.3
                and broken >= max(2, 0.1 * n)
                and median >= 20
                and caps < 0.8
                and not _title_block(texts)
            ):
                return Verdict(
                    "fragment",
                    f"{n} short lines wrapped mid-phrase ({wrap} end on a function word or hyphen) "
                    "in text whose paragraphs are not wrapped",
                    min(0.95, 0.6 + wrap / n / 2),
                    all_lines,
                    debris,
                )
        if n < 3:
            return None
        lengths = sorted(len(x) for x in texts)
        median = lengths[n // 2] / self.width
        edge = self._at_page_edge(zone)
        # a narrow column of whole text (a legend beside a portrait) has lines nearly half as
        # long as the body's and words hyphenated across its lines: ask for more cuts
        need = self.s.min_cut_share + (0.15 if median >= 0.42 else 0) + 0.15 * rejoined + (0 if edge else 0.1)
        if caps >= 0.85:
            need = max(need, 0.45)
        # one odd line start in a handful proves nothing (and reflow may move it between blocks)
        if share >= need and cut >= 2:
            where = "at the page edge, " if edge else ""
            return Verdict(
                "fragment",
                f"{n} short lines {where}(printed line ~{self.width:.0f} chars), {max(left, right)} cut at the {side} edge",
                min(0.97, 0.5 + share),
                all_lines,
                debris,
            )
        if share >= self.s.flag_cut_share:
            return Verdict(
                "flag",
                f"{n} short lines, {cut:g} look cut at an edge: a strip of another column or page?",
                0.4,
                all_lines,
            )
        return None

    def run(self) -> dict[int, Verdict]:
        """Zone index (its first block) -> verdict."""
        out: dict[int, Verdict] = {}
        # a strip is told from the page's own text: without a body of printed lines of
        # some length there is nothing to measure it against
        if self.width < 30:
            return out
        body = sum(1 for x in self.t.texts if len(x) >= 0.8 * self.width)
        if body < (3 if self.t.paragraph_style else self.s.min_body_lines):
            return out
        zones = self.zones()
        for zone in zones:
            v = self.judge_zone(zone)
            if v is not None:
                out[zone[0]] = v
        return out


#: what may follow a line's last word: punctuation, quotes, brackets, OCR specks
_TRAILING = " \t.,;:!?\"'”’»)]}|*°"


#: Markdown written by an OCR-to-Markdown tool: a table row between bars, the rule under a
#: table's head, a list item, a quotation line, an image, a code fence
_MD_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?")
_MD_ITEM = re.compile(r"(?:[-*+]|\d{1,3}[.)]) \S")
_MD_WHOLE_LINE = re.compile(r"!\[[^\]]*\]\([^)]*\)|(?:`{3,}|~{3,}).*|\$\$.*|#{1,6} \S.*")


def markdown_block(lines: list[str]) -> bool:
    """The lines (stripped) are Markdown structure, not a strip of another column: a table
    (bars at both ends of every row, or the rule under its head), a list, a block quote,
    images, fences. A strip cut by the gutter may start its lines with a bar, not end them so.

    >>> markdown_block(["| Year | Ships |", "|---|---:|", "| 1850 | 1,204 |"]), markdown_block(["> The tower is", "> sound."])
    (True, True)
    >>> markdown_block(["| rest of a line", "| cut by the gutter"]), markdown_block(["- oil;", "- wicks;"])
    (False, True)
    >>> markdown_block(["* Wood and"])
    False
    """
    if not lines or not lines[0]:
        return False
    c = lines[0][0]
    if c == "|" or "|" in lines[0]:
        if all("|" in x for x in lines) and (
            any(_MD_TABLE_RULE.fullmatch(x) for x in lines) or all(x.startswith("|") and x.endswith("|") for x in lines)
        ):
            return True
    # one line opening with ">" or "* " may be a strip's speck: a quotation or a list has two
    if c == ">":
        return len(lines) > 1 and all(x.startswith(">") for x in lines)
    if _MD_ITEM.match(lines[0]):
        return len(lines) > 1 and sum(1 for x in lines if _MD_ITEM.match(x)) * 2 >= len(lines)
    return all(_MD_WHOLE_LINE.fullmatch(x) for x in lines)


def _last_word(core: str) -> str:
    """The run of letters a line (stripped of trailing punctuation) ends with."""
    k = len(core)
    while k > 0 and core[k - 1].isalpha():
        k -= 1
    return core[k:]


def _starts_upper(s: str) -> bool:
    for c in s:
        if c.isalpha():
            return c.isupper()
    return False


def _title_block(texts: list[str]) -> bool:
    return all(layout.title_like(x) for x in texts)


def detect(text: str, ctx: Context) -> dict[int, Verdict]:
    """Block index -> verdict for this text version (cached; layout asks too)."""
    table = layout.line_table(text, ctx)
    key = f"fragments.verdicts:{len(ctx.doc.page_starts)}"
    return ctx.doc.cached(key, lambda: Detector(table, ctx, _fragment_settings(ctx)).run())


def fragment_lines(text: str, ctx: Context) -> frozenset[int]:
    """Indices of the lines (in this version's line table) that are fragments."""
    out: set[int] = set()
    for v in detect(text, ctx).values():
        if v.kind == "fragment":
            out.update(v.lines)
    return frozenset(out)


#: region kinds a fragment never overlaps (the layout stage typed them as body structure)
_PROTECTED = ("heading", "epigraph", "verse", "list", "table", "code", "math")


@rule("fragments.truncated_column")
def truncated_column(text: str, ctx: Context) -> Iterator[Edit | Flag | Region]:
    """Take out runs of truncated lines from a neighbouring column or the facing page.

    >>> from pipeline.rules import try_rule
    >>> strip = "nd his two\\n. They as-\\nwaterfall,\\nntly going\\n; felt com-\\nesses were\\n\\n"
    >>> body = ("The prisoner was taken into custody, it appeared, on a charge of stealing a\\n"
    ...         "watch, and other articles, from the residence of Miss Keene, of Lee.\\n") * 5
    >>> try_rule(truncated_column, strip + body) == "\\n" + body
    True
    >>> verse = "Never are there two suns in the heaven,\\nNever should there be two emperors.\\n\\n"
    >>> try_rule(truncated_column, verse + body) == verse + body
    True
    """
    table = layout.line_table(text, ctx)
    protected = _protected_spans(ctx)
    verdicts = detect(text, ctx)
    # the last detection of the document: what it knows of the document's words can go (the
    # later stages need memory more)
    _VOCAB.pop(ctx.doc, None)
    _KNOWN.pop(ctx.doc, None)
    for _, v in sorted(verdicts.items()):
        if v.kind == "flag":
            if not layout._touches(protected, table.starts[min(v.lines)], table.ends[max(v.lines)]):
                yield Flag(table.starts[min(v.lines)], table.ends[max(v.lines)], v.reason, "info")
            continue
        in_debris = {i for f, l in v.debris for i in range(f, l + 1)}
        units = [(i, i) for i in v.lines if i not in in_debris] + list(v.debris)
        for f, l in sorted(units):
            if layout._touches(protected, table.starts[f], table.ends[l]):
                continue  # a heading or an epigraph is the body's, however short its lines
            yield Region("fragment", table.starts[f], table.ends[l], {"reason": v.reason})
            ds, de = table.starts[f], table.line_span_with_break(l)[1]
            yield Edit(ds, de, "", f"truncated line: {v.reason}", v.confidence, removes="fragment")


def _protected_spans(ctx: Context) -> list[tuple[int, int]]:
    """Current spans of the regions fragments never overlap, sorted and disjoint."""
    doc = ctx.doc
    spans = sorted(doc.current_span(r.raw) for r in doc.regions if r.kind in _PROTECTED)
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


RULES = (truncated_column,)
