"""layout: find the page structure of OCR text and take page furniture out of the body.

Page breaks (form feeds, or blank-line seams where a paragraph stops mid-sentence), running
heads, footers and page numbers, headings, epigraphs, captions, footnote markers and bodies,
and Markdown emphasis. Furniture, captions, footnotes and markup become regions and are
deleted with ``removes=KIND`` (``--keep KIND`` leaves them in place); headings and epigraphs
stay in the text as regions of their own.

Markdown-ish input (what OCR-to-Markdown tools write) has structure of its own: code blocks
and display formulae are typed to be kept byte for byte (no rule here reads into them),
the tools' page markers are page breaks, "[^1]" notes are footnotes and markers, pipe
tables are tables, and ATX ("## Title") and setext (a title over "===") lines are headings.

Everything here reads one shared :class:`LineTable` per text version (``ctx.doc.cached``):
lines, blocks (runs of non-blank lines), pages, the typical printed-line width, and the
truncated-column fragments found by :mod:`pipeline.stages.fragments` (which this stage must
see past: a page's first line is its first line after a strip of the facing page).
"""
from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import add
from typing import Iterator, Sequence

from ..edits import Edit, Flag, Region
from ..rules import Context, rule


@dataclass(frozen=True)
class Settings:
    """Tunable values of the layout stage (``[tool.ocrmend.layout]``).

    head_max_chars:    longest line taken for a running head or footer
    repeat_ratio:      rapidfuzz ratio (0-100) at which two page-edge lines are the same head
    max_page_number:   larger numbers alone on a line are data (years), not page numbers
    paragraph_chars:   lines at least this long are whole paragraphs (Markdown-style OCR)
    """

    head_max_chars: int = 72
    repeat_ratio: float = 84.0
    max_page_number: int = 1999
    paragraph_chars: int = 140


# -- character classes and small predicates ----------------------------------------------
SUPERSCRIPT_DIGITS = "\N{SUPERSCRIPT ZERO}\N{SUPERSCRIPT ONE}\N{SUPERSCRIPT TWO}\N{SUPERSCRIPT THREE}" + "".join(
    chr(c) for c in range(0x2074, 0x207A)
)
_CLOSERS = "\"'”’»)]*_" + SUPERSCRIPT_DIGITS
#: a line that ends a sentence: terminal punctuation, then closing quotes, brackets, markers
_SENTENCE_END = re.compile(r"[.!?…:][" + re.escape(_CLOSERS) + r"\d]*$")
_HYPHEN_END = re.compile(r"\w[-\N{HYPHEN}\N{NON-BREAKING HYPHEN}¬]$")
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’]*")
_ALNUM = re.compile(r"[^\W_]")
_MARKUP = re.compile(r"[*_]+")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")

#: page numbers as printed: "24", "( 259 )", "— 30 —", "xii", "- 7 -"; OCR junk around them
#: OCR reads a page number's 1 and 0 as l, I and O now and then: "l4", "2O"
_DIGITS = r"\d{1,4}|\d[\dIlO]{1,3}|[IlO][\dIlO]{0,2}\d"
PAGE_NUMBER = re.compile(
    r"^[\W_]{0,4}?[(\[]?\s?[-–—]?\s?(?P<n>" + _DIGITS + r"|[ivxlc]{1,7})\s?[-–—]?\s?[)\]]?[\W_]{0,4}$"
)
#: a page number with a little junk or a printer's signature after it ("(195) . ‘i I*", "217 M2")
PAGE_NUMBER_JUNK = re.compile(
    r"^[\W_]{0,4}?[(\[]?\s?[-–—]?\s?(?P<n>\d{1,4})\s?[-–—]?\s?[)\]]?(?P<rest>\s[^a-z]{0,3}[\W\w]{0,8})$"
)
#: a running head with the page number at one end: "24 HALF-HOURS WITH THE HIGHWAYMEN"
HEAD_NUMBER_FIRST = re.compile(r"^[\W_]{0,3}?[(\[]?[-–—]?\s?(?P<n>\d{1,4})\s?[-–—]?[)\]]?[\s:.,|!—–-]+(?P<title>\D.*)$")
HEAD_NUMBER_LAST = re.compile(r"^(?P<title>.*\D)[\s:.,|!—–-]+[(\[]?[-–—]?\s?(?P<n>\d{1,4})\s?[-–—]?[)\]]?[\W_]{0,3}$")
#: chapter, part ... lines: they open a chapter and are headings, never running heads.
#: "CHAPTER XIV", "PART 11.", "Chapter 3: The War", "PROLOGUE"; not "Part of the reason ..."
_NUMBER_WORDS = "One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Eleven|Twelve|First|Second|Third|Last"
CHAPTER_LINE = re.compile(
    r"^[\W_]{0,3}(?:"
    r"(?:CHAPTER|BOOK|PART|SECTION|LETTER|APPENDIX|CANTO)\b[^a-z]*$"
    r"|(?:CHAPTER|BOOK|PART|SECTION|LETTER|APPENDIX|CANTO)\s+(?:[IVXLC]+|\d+)\b"
    r"|(?:Chapter|Book|Part|Section|Letter|Appendix|Canto)\s+(?:[IVXLC]+|\d+|" + _NUMBER_WORDS + r")"
    r"(?:\s*$|[.:—–-]|\s+[A-Z“\"‘(])"
    r"|(?:PROLOGUE|EPILOGUE|INTRODUCTION|PREFACE|CONTENTS|Prologue|Epilogue|Introduction|Preface|Contents)\W*$"
    r")"
)
#: where a chapter line may start (checked line by line with CHAPTER_LINE)
_CHAPTER_ANYWHERE = re.compile(
    r"^[^\S\n]*[^\w\n]{0,3}_?(?:CHAPTER|Chapter|BOOK|Book|PART|Part|SECTION|Section|LETTER|APPENDIX|Appendix|"
    r"PROLOGUE|Prologue|EPILOGUE|Epilogue|INTRODUCTION|PREFACE|Preface|CONTENTS)\b",
    re.M,
)
#: words that are not capitalised in a title
_TITLE_SMALL = frozenset(
    "a an and as at but by for from in into nor of on or the to with upon over under via vs de la le du von van".split()
)
#: words a printed line often ends on, mid-sentence (a sign of wrapped prose)
FUNCTION_WORDS = frozenset(
    "a an the and or but nor of in on at to for from by with as into than that which who whom whose "
    "is was are were be been has have had his her its their our my your this these those not".split()
)


_SENTENCE_INSIDE = re.compile(r"[a-z]{2,}[.!?;] +[A-Za-z]")
_YEAR_OR_END_DIGIT = re.compile(r"\d{4}|\d\s*$")
_LETTERS = re.compile(r"[^\W\d_]+")
_LOWER = re.compile(r"[a-z]")
_UPPER = re.compile(r"[A-Z]")
_ITEM_NUMBER = re.compile(r"^\(?\d+[.)]?\s")


def ends_sentence(s: str) -> bool:
    """True if ``s`` ends with sentence-final punctuation (closing quotes, markers allowed)."""
    return bool(_SENTENCE_END.search(s.rstrip()))


def ends_with_hyphen(s: str) -> bool:
    return bool(_HYPHEN_END.search(s.rstrip()))


def plain(s: str) -> str:
    """The line without Markdown emphasis markers and HTML tags (for classifying, never for
    editing): marker's anchors ("<span id=...></span>") are no words of the line."""
    if "<" in s:
        s = _HTML_TAG.sub("", s)
    return _MARKUP.sub("", s).strip() if ("*" in s or "_" in s) else s.strip()


_OPEN_ENDINGS = frozenset("the a an of and or to in on for with by at from".split())


def title_like(s: str, max_words: int = 14) -> bool:
    """Looks like a title: capitalised or upper-case words, no sentence inside.

    >>> title_like("Leaves from Old Newspapers"), title_like("THE DEPORTATIONS")
    (True, True)
    >>> title_like("The “Lean-to-One-Side” Approach"), title_like("and he said to the King")
    (True, False)
    """
    return _title_like(s, max_words)


@lru_cache(maxsize=1 << 16)
def _title_like(s: str, max_words: int) -> bool:
    if len(s) > 12 * max_words:
        return False
    s = plain(s)
    words = _WORD.findall(s)
    if not words or len(words) > max_words:
        return False
    if _SENTENCE_INSIDE.search(s) or s.endswith((",", ";")):
        return False
    content = [w for w in words if w.lower() not in _TITLE_SMALL]
    if not content:
        return False
    capital = sum(1 for w in content if w[0].isupper())
    return capital >= max(1, round(0.75 * len(content))) and words[0][0].isupper() or s.isupper()


def upper_share(s: str) -> float:
    """The share of the letters that are capitals (0.0 without letters).

    >>> upper_share("THE Tower"), upper_share("1949-50")
    (0.5, 0.0)
    """
    # filter and map run in C: no Python step per character
    letters = "".join(filter(str.isalpha, s))
    return sum(map(str.isupper, letters)) / len(letters) if letters else 0.0


_OCR_DIGITS = str.maketrans("lIO", "110")
_ROMAN = re.compile(r"[IVXLCDM]+|[ivxlcdm]+")


def page_number_value(s: str) -> str | None:
    """The page number if the line is only a page number (junk around it tolerated).

    >>> page_number_value("( 259 )"), page_number_value("— 30 —"), page_number_value("l4")
    ('259', '30', '14')
    >>> page_number_value("1949–50"), page_number_value("I")
    (None, None)
    """
    return _page_number_value(s)


@lru_cache(maxsize=1 << 16)
def _page_number_value(s: str) -> str | None:
    m = PAGE_NUMBER.match(s)
    if m:
        n = m.group("n")
        return n if n.islower() and n.isalpha() else n.translate(_OCR_DIGITS)
    m = PAGE_NUMBER_JUNK.match(s)
    if m and len(_ALNUM.findall(m.group("rest"))) <= 3:
        return m.group("n")
    return None


@lru_cache(maxsize=1 << 16)
def head_with_number(s: str, max_chars: int) -> tuple[str, str] | None:
    """``(number, title)`` if the line is a running head with its page number at one end."""
    if len(s) > max_chars + 6 or _SECTION_NUMBER.match(s) or _CAPTION_START.match(s) or s.startswith("[MISSING_PAGE_"):
        return None
    for pat in (HEAD_NUMBER_FIRST, HEAD_NUMBER_LAST):
        m = pat.match(s)
        if m:
            title = m.group("title").strip(" :.,|!—–-_'‘’")
            if (
                any(len(w) >= 3 and not _ROMAN.fullmatch(w) for w in _WORD.findall(title))
                and title[:1] not in "“\"«"
                and int(m.group("n")) < 1000
                and not _YEAR_OR_END_DIGIT.search(title)
                and not _MONTH_END.search(title)
                and title_like(title)
                and not CHAPTER_LINE.match(title)
            ):
                return m.group("n"), title
    return None


def similar(norms: Sequence[str], cutoff: float) -> list[list[int]]:
    """For each string, the indices of the other strings at least ``cutoff`` alike (rapidfuzz
    ratio); empty strings match nothing. Exact repeats are grouped first, so a book of a
    thousand pages with two running heads costs two comparisons, not a million."""
    from rapidfuzz import fuzz, process

    positions: dict[str, list[int]] = {}
    for i, n in enumerate(norms):
        if n:
            positions.setdefault(n, []).append(i)
    distinct = list(positions)
    out: list[list[int]] = [[] for _ in norms]
    for n in distinct:
        alike = [m for m, _, _ in process.extract(n, distinct, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)]
        members = [j for m in alike for j in positions[m]]
        for i in positions[n]:
            out[i] = [j for j in members if j != i]
    return out


#: "March 1849", "4 June": a date, not a head and its page number
_MONTH_END = re.compile(
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?$",
    re.I,
)


@lru_cache(maxsize=1 << 16)
def norm_head(s: str) -> str:
    """A line reduced for comparing running heads: letters only, lower case, no page number."""
    return " ".join(_LETTERS.findall(s.lower()))


# -- the line table -----------------------------------------------------------------------
#: a run of non-blank lines, over one byte a line (1: the line has text)
_RUN_OF_LINES = re.compile(b"\x01+")


class LineTable:
    """The lines, blocks and pages of one text version, shared by the rules of a stage.

    ``starts[i]``/``ends[i]``: the span of line ``i`` without its newline; ``texts[i]`` the
    line stripped; blocks are runs of non-blank lines ``(first, last)``; ``page_of_block``
    from the page starts the document knows; ``width`` the typical printed-line length.
    """

    def __init__(self, text: str, page_starts: Sequence[int], paragraph_chars: int = 140) -> None:
        self.text = text
        raw_lines = text.split("\n")
        lens = list(map(len, raw_lines))
        # line i starts after the i lines before it and their newlines
        starts = list(map(add, accumulate(lens, initial=0), range(len(lens) + 1)))[:-1]
        self.starts = starts
        self.ends = list(map(add, starts, lens))
        self.texts = list(map(str.strip, raw_lines))
        self.n = len(raw_lines)
        # blocks are the runs of non-blank lines: found by a regular expression over one byte
        # a line, not by a Python step per line
        text_lens = list(map(len, self.texts))
        blocks = [(m.start(), m.end() - 1) for m in _RUN_OF_LINES.finditer(bytes(map(bool, text_lens)))]
        block_of = [-1] * self.n
        for b, (first, last) in enumerate(blocks):
            block_of[first:last + 1] = [b] * (last + 1 - first)
        self.blocks = blocks
        self.block_of = block_of
        self.page_starts = sorted(set(page_starts))
        self.page_of_block = [bisect_right(self.page_starts, starts[b[0]]) for b in blocks]
        self.n_pages = len(self.page_starts) + 1
        lengths = [x for x in text_lens if x]
        chars = sum(lengths) or 1
        long_chars = sum(x for x in lengths if x >= paragraph_chars)
        #: one paragraph a line (Markdown-style OCR), not printed lines
        self.paragraph_style = long_chars > 0.5 * chars
        self.width = self._printed_width(lengths)

    @staticmethod
    def _printed_width(lengths: list[int]) -> float:
        """The body's printed-line length: the typical length of the longer lines."""
        if not lengths:
            return 60.0
        ordered = sorted(lengths)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        upper = [x for x in ordered if x >= 0.7 * p90]
        return float(upper[len(upper) // 2])

    def block_text(self, b: int) -> str:
        first, last = self.blocks[b]
        return self.text[self.starts[first]:self.ends[last]]

    def block_lines(self, b: int) -> range:
        first, last = self.blocks[b]
        return range(first, last + 1)

    def line_span_with_break(self, i: int) -> tuple[int, int]:
        """The line and its line break (the one after it, or before it on the last line)."""
        if i + 1 < self.n:
            return self.starts[i], self.starts[i + 1]
        return (self.starts[i] - 1 if i > 0 else 0), self.ends[i]


def line_table(text: str, ctx: Context) -> LineTable:
    """The shared line table of this text version (page starts mapped to current offsets)."""
    doc = ctx.doc
    settings = _settings(ctx)

    def make() -> LineTable:
        starts = [doc.current_pos(r) for r in doc.page_starts]
        return LineTable(text, starts, settings.paragraph_chars)

    return doc.cached(f"layout.lines:{len(doc.page_starts)}", make)


def _settings(ctx: Context) -> Settings:
    """This stage's settings, also when a rule of the fragments stage asks for the line table."""
    if isinstance(ctx.settings, Settings):
        return ctx.settings
    return ctx.config.stage_settings("layout", Settings)


#: raw starts of the fragment lines of each document, found once for the layout stage
_FRAGMENT_STARTS: "weakref.WeakKeyDictionary[object, dict[int, frozenset[int]]]" = weakref.WeakKeyDictionary()


def _fragment_lines(text: str, ctx: Context) -> frozenset[int]:
    """Lines of this version that are truncated-column fragments (which layout sees past).

    Found once per document and followed through later versions by their raw offsets:
    what layout removes around a strip does not make its lines any less truncated.
    """
    doc = ctx.doc
    table = line_table(text, ctx)
    memo = _FRAGMENT_STARTS.setdefault(doc, {})
    # page seams found later change what counts as a page's edge: one memo per page count
    starts = memo.get(len(doc.page_starts))
    if starts is None:
        from .fragments import fragment_lines

        found = fragment_lines(text, ctx)
        memo[len(doc.page_starts)] = frozenset(doc.origin[table.starts[i]] for i in found)
        return found

    def make() -> frozenset[int]:
        # from each raw start to the lines that begin where it now is: a few lookups per
        # fragment line, not one per line of the book
        origin, line_starts, texts = doc.origin, table.starts, table.texts
        found = set()
        for r in starts:
            a, b = origin.positions_of(r)
            found.update(i for i in range(bisect_left(line_starts, a), bisect_left(line_starts, b)) if texts[i])
        return frozenset(found)

    return doc.cached(f"layout.fragment_lines:{len(doc.page_starts)}", make) if starts else frozenset()


def _text_blocks(table: LineTable, frag: frozenset[int], verbatim: frozenset[int] = frozenset()) -> list[int]:
    """Blocks that are not entirely fragment lines, in reading order; ``verbatim``: blocks of
    code and display formulae (:func:`_verbatim_blocks`), which are no running text either."""
    if not frag and not verbatim:
        return list(range(len(table.blocks)))  # the usual case: no strip in the book
    # only a block with a fragment line in it can be all fragment lines
    blocks, block_of = table.blocks, table.block_of
    touched = {block_of[i] for i in frag if 0 <= i < table.n and block_of[i] >= 0}
    gone = {b for b in touched if all(i in frag for i in range(blocks[b][0], blocks[b][1] + 1))}
    gone.update(verbatim)
    return [b for b in range(len(blocks)) if b not in gone]


def _ff_mode(ctx: Context, table: LineTable) -> bool:
    """Pages come from form feeds (their furniture is found by position on the page)."""
    return "\f" in ctx.doc.raw and table.n_pages > 1


def _continues(s: str) -> bool:
    """The line reads as the rest of a sentence: it starts with a lower-case letter (a
    Markdown image, "![](_page_3_Picture_1.jpeg)", starts no sentence; HTML tags are looked past)."""
    s = s.lstrip()
    if s.startswith("!["):
        return False
    if s.startswith("<"):
        s = _HTML_TAG.sub("", s)
    for c in s:
        if c.isalpha():
            return c.islower()
        if c.isdigit():
            return False
    return False


def _stops_mid_sentence(s: str) -> bool:
    s = plain(s)
    return bool(s) and (ends_with_hyphen(s) or not ends_sentence(s))


def _prose(s: str) -> bool:
    """Reads as running text (mostly lower-case words), not a title or a label."""
    words = _WORD.findall(s)
    if len(words) < 3:
        return False
    return sum(1 for w in words if w[0].islower()) >= 0.4 * len(words)


# -- page furniture --------------------------------------------------------------------------
@dataclass(frozen=True)
class Furniture:
    """One line of page furniture: ``kind`` is header, footer or page_number."""

    kind: str
    line: int
    reason: str
    number: str | None = None


#: a numbered section heading ("II. THE INACCESSIBLE ISLAND", "3. Results") is no running head
_SECTION_NUMBER = re.compile(r"^(?:[IVXLC]+|\d{1,2})\.(?:\d+\.?)*\s+\S")


def _signature_mark(s: str) -> bool:
    """A printer's signature mark or similar bottom-of-page token: "M 2", "P22 :", "I*"."""
    alnum = _ALNUM.findall(s)
    return len(s) <= 10 and 1 <= len(alnum) <= 4 and not _LOWER.search(s) and bool(_UPPER.search(s))


def _plausible_number(n: str, settings: Settings) -> bool:
    return int(n) <= settings.max_page_number if n.isdigit() else n.islower()


class FurnitureFinder:
    """Finds running heads, footers and page numbers in one text version."""

    def __init__(self, text: str, ctx: Context) -> None:
        self.ctx = ctx
        self.s = _settings(ctx)
        self.t = line_table(text, ctx)
        self.frag = _fragment_lines(text, ctx)
        self.text_blocks = _text_blocks(self.t, self.frag, _verbatim_blocks(text, ctx))
        self.found: dict[int, Furniture] = {}
        #: no-form-feed text: (line before the seam, line after it) for each page seam found
        self.seams: list[tuple[int, int]] = []
        #: lines whose words are printed again at other pages' edges
        self._repeated: set[int] = set()
        #: title-like lines that may be the head of a page whose seam is missing (for a person)
        self.doubtful: list[int] = []
        self._headish_memo: dict[str, bool] = {}

    # -- shared tests ------------------------------------------------------------------------
    def _headish(self, s: str) -> bool:
        known = self._headish_memo.get(s)
        if known is None:
            known = self._headish_memo[s] = self._headish_line(s)
        return known

    def _headish_line(self, s: str) -> bool:
        p = plain(s)
        if s.startswith("[MISSING_PAGE_"):
            return False  # nougat's mark of a page it could not read (layout.page_marker flags it)
        return (
            len(p) <= self.s.head_max_chars
            and not ends_with_hyphen(p)
            and not _SECTION_NUMBER.match(p)
            and len(norm_head(p)) >= 4
            and title_like(p)
            and not CHAPTER_LINE.match(p)
            and not (p.endswith(".") and upper_share(p) < 0.8)
        )

    def _chapter_titles(self) -> list[str]:
        """Titles printed after a "CHAPTER ..." line: a running head may repeat them."""
        t = self.t
        out = []
        for m in _CHAPTER_ANYWHERE.finditer(t.text):
            i = bisect_right(t.starts, m.start()) - 1
            if CHAPTER_LINE.match(plain(t.texts[i])):
                for j in range(i + 1, min(t.n, i + 4)):
                    if t.texts[j]:
                        if title_like(t.texts[j]):
                            out.append(norm_head(t.texts[j]))
                        break
        return out

    def run(self) -> "FurnitureFinder":
        if _ff_mode(self.ctx, self.t):
            self._by_page()
            self._head_at_text_start()  # as in the clean text, which has no form feeds
        else:
            self._by_block()
        return self

    # -- pages known (form feeds) ------------------------------------------------------------
    def _by_page(self) -> None:
        t = self.t
        pages: list[list[int]] = [[] for _ in range(t.n_pages)]
        for b in self.text_blocks:
            pages[t.page_of_block[b]].extend(t.block_lines(b))
        tops = [p[:3] for p in pages]
        bottoms = [p[-3:][::-1] for p in pages]
        edge_lines: list[tuple[int, int]] = []
        for p in range(t.n_pages):
            for i in dict.fromkeys(tops[p][:2] + bottoms[p][:2]):
                edge_lines.append((p, i))
        titles = set(self._chapter_titles())
        # interior single lines too: two-column pages put the head mid-page
        for b in self.text_blocks:
            first, last = t.blocks[b]
            if first == last and len(t.texts[first]) <= self.s.head_max_chars + 8:
                edge_lines.append((t.page_of_block[b], first))
        # only title-like lines can repeat as heads (a thousand pages' body lines are not compared)
        norms = []
        kept_lines = []
        for p, i in dict.fromkeys(edge_lines):
            hn = head_with_number(t.texts[i], self.s.head_max_chars)
            if hn or self._headish(t.texts[i]):
                kept_lines.append((p, i))
                norms.append(norm_head(hn[1] if hn else t.texts[i]))
        edge_lines = kept_lines
        twins = similar(norms, self.s.repeat_ratio)
        repeats: dict[int, bool] = {}
        for k, (p, i) in enumerate(edge_lines):
            repeats[i] = repeats.get(i, False) or any(edge_lines[j][0] != p for j in twins[k]) or norms[k] in titles

        self._repeated = {i for i, r in repeats.items() if r}

        def repeated(p: int, i: int) -> bool:
            return repeats.get(i, False)

        # pages whose top shows a running head for sure: with its page number counts twice
        confirmed: Counter[int] = Counter()
        for p in range(t.n_pages):
            for i in tops[p]:
                s = t.texts[i]
                if head_with_number(s, self.s.head_max_chars):
                    confirmed[p] = 2
                elif self._headish(s) and repeated(p, i) and self._single_or_over_prose(i):
                    confirmed[p] = max(confirmed[p], 1)
        total = sum(confirmed.values())
        for p in range(t.n_pages):
            # a chapter's opening page prints its titles at the top, not a running head
            opening = any(CHAPTER_LINE.match(plain(t.texts[i])) for i in tops[p])
            for x, i in enumerate(tops[p]):
                # guess only at the very top (under a page number at most): a heading may
                # stand under the head
                first = all(self.found.get(j) and self.found[j].kind == "page_number" for j in tops[p][:x])
                guess = first and total - confirmed[p] >= 2 and p > 0 and not opening
                f = self._classify(p, i, top=True, repeated=repeated if not opening else _never, guess=guess)
                if f is None:
                    break
                self.found[i] = f
            for i in bottoms[p]:
                if i in self.found:
                    break
                f = self._classify(p, i, top=False, repeated=repeated, guess=False)
                if f is None:
                    break
                self.found[i] = f

        self._interior(repeated)
        self._drop_lone_years()
        self._drop_out_of_sequence()

    def _single_or_over_prose(self, i: int) -> bool:
        """A head is a line of its own: alone in its block, or over running text (not the
        first line of a two-line title such as "THE CHILD OF THE" / "MOAT")."""
        t = self.t
        first, last = t.blocks[t.block_of[i]]
        if first == last:
            return True
        if i == first:
            return _prose(t.texts[i + 1])
        return i == last

    def _drop_out_of_sequence(self) -> None:
        """A head's number that does not follow the book's page numbering is a section's number
        ("2 Related Work" at a page top): the page numbers agree on one offset from the page."""
        t = self.t
        offsets: Counter[int] = Counter()
        for i, f in self.found.items():
            if f.number and f.number.isdigit():
                offsets[int(f.number) - t.page_of_block[t.block_of[i]]] += 1
        if not offsets:
            return
        offset, count = offsets.most_common(1)[0]
        if count < 2:
            return
        for i, f in list(self.found.items()):
            if f.kind != "page_number" and f.number and f.number.isdigit() and i not in self._repeated:
                if abs(int(f.number) - t.page_of_block[t.block_of[i]] - offset) > 1:
                    # a head in capitals standing inside a sentence keeps its place all the same
                    if upper_share(t.texts[i]) >= 0.8 and self._inside_sentence(
                        self._text_line(i, -1), self._text_line(i, +1)
                    ):
                        continue
                    del self.found[i]

    def _drop_lone_years(self) -> None:
        """A four-digit "page number" with no neighbour in sequence is a year."""
        values = [int(f.number) for f in self.found.values() if f.number and f.number.isdigit()]
        for i, f in list(self.found.items()):
            if f.kind == "page_number" and f.number and f.number.isdigit() and int(f.number) >= 1000:
                v = int(f.number)
                if not any(0 < abs(v - w) <= 12 for w in values):
                    del self.found[i]

    def _interior(self, repeated) -> None:
        """Furniture the OCR read into the middle of a page (two columns): a lone page number
        or a title-like line standing inside a sentence, or a head repeated from other pages."""
        t = self.t
        pos = {b: k for k, b in enumerate(self.text_blocks)}
        offsets = Counter(
            int(f.number) - t.page_of_block[t.block_of[i]]
            for i, f in self.found.items()
            if f.number and f.number.isdigit()
        )
        for b in self.text_blocks:
            first, last = t.blocks[b]
            if first != last or first in self.found:
                continue
            s = t.texts[first]
            k = pos[b]
            n = page_number_value(s)
            if n is not None and n.isdigit() and _plausible_number(n, self.s):
                expected = int(n) - t.page_of_block[b] in offsets
                if expected or self._interrupts(k):
                    self.found[first] = Furniture("page_number", first, "page number read into the middle of the page", n)
                continue
            if not self._headish(s):
                continue
            if self._interrupts(k) and (upper_share(s) >= 0.8 or repeated(t.page_of_block[b], first) or _ATX.match(s)):
                self.found[first] = Furniture("header", first, "title-like line interrupting a sentence: a running head")
            elif repeated(t.page_of_block[b], first) and _prose(self._prev_text(k)) and _stops_mid_sentence(self._prev_text(k)):
                self.found[first] = Furniture("header", first, "running head repeated from other pages, read mid-page")

    def _prev_text(self, k: int) -> str:
        t = self.t
        return t.texts[t.blocks[self.text_blocks[k - 1]][1]] if k > 0 else ""

    def _classify(self, p: int, i: int, *, top: bool, repeated, guess: bool) -> Furniture | None:
        t = self.t
        s = t.texts[i]
        if CHAPTER_LINE.match(plain(s)):
            return None
        n = page_number_value(s)
        if n is not None and _plausible_number(n, self.s):
            return Furniture("page_number", i, f"page number alone at the page {'top' if top else 'foot'}", n)
        hn = head_with_number(s, self.s.head_max_chars)
        edge = "header" if top else "footer"
        if hn:
            return Furniture(edge, i, f"running {'head' if top else 'foot'} with its page number {hn[0]}", hn[0])
        if self._headish(s) and repeated(p, i) and self._single_or_over_prose(i):
            return Furniture(edge, i, f"title-like line repeated at the {'top' if top else 'foot'} of other pages")
        if not top and _signature_mark(s):
            return Furniture("footer", i, "printer's mark at the page foot")
        # a guess from where the book prints its heads never takes a line the OCR-to-Markdown
        # tool marked as a heading ("## The Second Tower" opening a page)
        if top and guess and self._headish(s) and not _ATX.match(s):
            first, last = t.blocks[t.block_of[i]]
            # glued to the text under it, only a head in capitals is told from a first line
            if first == last or (i == first and upper_share(s) >= 0.8 and _prose(t.texts[i + 1])):
                return Furniture("header", i, "title-like line at the page top, where this book prints its running heads")
        return None

    # -- no form feeds: judge single-line blocks by what they are and where they stand -------
    def _by_block(self) -> None:
        t = self.t
        tb = self.text_blocks
        single = [b for b in tb if t.blocks[b][0] == t.blocks[b][1]]
        numbers: list[tuple[int, int]] = []  # (block, value) of page-number-like lines
        for b in tb:
            first, last = t.blocks[b]
            for i in {first, last}:
                n = page_number_value(t.texts[i])
                if n is not None and n.isdigit() and _plausible_number(n, self.s):
                    if first == last or (i == last and not _list_like(t, b)):
                        numbers.append((i, int(n)))
        # the numbers printed with running heads count too: pages are numbered in a run
        values = [v for _, v in numbers] + [
            int(hn[0]) for b in single if (hn := head_with_number(t.texts[t.blocks[b][0]], self.s.head_max_chars))
        ]
        values.sort()
        pos = {b: k for k, b in enumerate(tb)}
        heads: dict[int, str] = {}
        numbered: dict[int, str] = {}  # block -> page number printed with the head
        glued = {
            b for b in tb
            if t.blocks[b][0] != t.blocks[b][1] and _prose(t.texts[t.blocks[b][0] + 1])
            and len(t.texts[t.blocks[b][0]]) <= self.s.head_max_chars + 6
        }
        number_lines = {j for j, _ in numbers}
        for b in [*single, *glued]:
            i = t.blocks[b][0]
            if i in number_lines:
                continue
            k = pos[b]
            if k > 0 and CHAPTER_LINE.match(plain(t.texts[t.blocks[tb[k - 1]][0]])):
                continue  # the chapter's own title
            if k + 1 < len(tb) and CHAPTER_LINE.match(plain(t.texts[t.blocks[tb[k + 1]][0]])):
                continue  # a title over the chapter heading (the book's, on its first page)
            s = t.texts[i]
            hn = head_with_number(s, self.s.head_max_chars)
            if hn:
                heads[b] = norm_head(hn[1])
                numbered[b] = hn[0]
            elif self._headish(s):
                heads[b] = norm_head(s)
        titles = set(self._chapter_titles())
        keys = list(heads)
        alike = similar([heads[b] for b in keys], self.s.repeat_ratio)
        twins_of = {b: [keys[j] for j in alike[k]] for k, b in enumerate(keys)}
        # what is found first (a page number, a head) is looked past when judging the rest:
        # go round until nothing more is found, so the order of the lines does not matter
        for _ in range(4):
            before = len(self.found)
            self._block_numbers(numbers, values, pos)
            self._block_heads(keys, heads, numbered, glued, twins_of, titles, pos, values)
            for b in single:
                i = t.blocks[b][0]
                if i not in self.found and _signature_mark(t.texts[i]) and self._near_furniture(pos[b]):
                    self.found[i] = Furniture("footer", i, "printer's mark beside a page number")
            if len(self.found) == before:
                break
        self._find_seams()
        at_start = self._head_at_text_start()
        by_length = self._heads_by_page_length()
        if at_start or by_length:
            self._find_seams()

    def _heads_by_page_length(self) -> bool:
        """A running head over a page whose seam nothing else shows: the page before it ended
        with its paragraph and printed no page number (a chapter's opening page), so no
        sentence is cut and no furniture stands there.

        Pages are measured in printed lines between the seams found (and the last page, when
        it ends on its page number or footer): where a stretch without a seam is longer than
        one page by a third, a seam is missing, and a title-like line alone a page's length
        (within 30 %) from a seam found is the head of the page that begins there. Only in a
        book whose running heads have been found elsewhere, and only when one line fits: two
        candidates are a section heading and a head that cannot be told apart.
        """
        t = self.t
        if t.paragraph_style or not self.seams or not any(f.kind == "header" for f in self.found.values()):
            return False
        order = [i for b in self.text_blocks for i in t.block_lines(b) if i not in self.frag]
        rank = {i: r for r, i in enumerate(order)}
        cuts = sorted({rank[a] for _, a in self.seams if a in rank})
        if not cuts:
            return False
        lengths = [b - a for a, b in zip(cuts, cuts[1:])]
        last = self.found.get(order[-1])
        if last is not None and last.kind in ("page_number", "footer"):
            lengths.append(len(order) - cuts[-1])  # the last page ran to its foot
        if not lengths:
            return False
        page = sorted(lengths)[len(lengths) // 2]
        if page < 8:
            return False  # too few lines a page to measure by
        lo_fit, hi_fit = 0.7 * page, 1.3 * page
        added = False
        bounds = [0, *cuts, len(order)]
        for n, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
            if hi - lo <= hi_fit:
                continue  # one page: no seam missing
            lo_seam, hi_seam = n > 0, n + 1 < len(bounds) - 1
            fits = [
                i for r in range(lo + 1, hi)
                if (i := order[r]) not in self.found
                and ((lo_seam and lo_fit <= r - lo <= hi_fit) or (hi_seam and lo_fit <= hi - r <= hi_fit))
                and self._lone_head_line(i)
                and not _ATX.match(t.texts[i])
            ]
            if len(fits) == 1:
                i = fits[0]
                self.found[i] = Furniture(
                    "header", i, f"title-like line alone where a page of about {page} lines begins: a running head"
                )
                added = True
            else:
                self.doubtful.extend(fits)
        return added

    def _head_at_text_start(self) -> bool:
        """The text starts on a page whose head nothing before it can show: a title-like line
        alone at the very top (past a page number), over a sentence that goes on in lower
        case. No heading stands over half a sentence; a page head does.

        Told by the two lines alone, not by the heads found at other seams: with
        ``--keep header`` the head stays in the clean text, where nothing else shows it, and
        must be read the same way there."""
        t = self.t
        i = self._text_line(-1, +1)
        if i is None or not self._lone_head_line(i):
            return False
        nxt = self._text_line(i, +1)
        if nxt is None or not _continues(plain(t.texts[nxt])):
            return False
        last = t.blocks[t.block_of[nxt]][1]
        if not _prose(" ".join(t.texts[nxt : min(last, nxt + 2) + 1])):
            return False  # a label over specks or a diagram's letters, not a sentence going on
        self.found[i] = Furniture("header", i, "title-like line at the top of the text, over a sentence begun on the page before")
        return True

    def _lone_head_line(self, i: int) -> bool:
        """A title-like line alone in its block, neither a chapter line nor the title under one."""
        t = self.t
        b = t.block_of[i]
        first, last = t.blocks[b]
        if first != last or not self._headish(t.texts[i]):
            return False
        before = self._line_before(i)
        return before is None or not CHAPTER_LINE.match(plain(t.texts[before]))

    def _block_numbers(self, numbers: list[tuple[int, int]], values: list[int], pos: dict[int, int]) -> None:
        t = self.t
        for i, v in numbers:
            if i in self.found:
                continue
            near = _has_neighbour(values, v)
            if v >= 1000 and not near:
                continue  # "1849" alone is a year; a thousand-page book numbers its pages in a run
            # a number alone is a page number if others follow it in a run or if it stands
            # inside a sentence (without form feeds nothing else tells it from a number
            # that is data)
            alone = t.blocks[t.block_of[i]][0] == i == t.blocks[t.block_of[i]][1]
            if near or (alone and self._interrupts(pos[t.block_of[i]])):
                self.found[i] = Furniture("page_number", i, "page number alone on its line", str(v))

    def _block_heads(self, keys, heads, numbered, glued, twins_of, titles, pos, values) -> None:
        t = self.t
        for b in keys:
            i = t.blocks[b][0]
            if i in self.found:
                continue
            k = pos[b]
            n = heads[b]
            interrupts = self._interrupts(k) if b not in glued else self._line_interrupts(k, i)
            twins = twins_of[b]
            seam_near = self._near_furniture(k)
            if b in glued:
                # the first line of a paragraph may be title-like: a glued head must repeat,
                # in capitals or with its page number, or stand inside a sentence
                caps = upper_share(t.texts[i]) >= 0.8
                in_run = b in numbered and _has_neighbour(values, int(numbered[b]))
                if (twins and (b in numbered or caps or len(twins) >= 2 or any(x in numbered for x in twins))) or (
                    b in numbered and (n in titles or (interrupts and (in_run or caps)))
                ):
                    self.found[i] = Furniture(
                        "header", i, "running head glued to the text under it, repeated on other pages", numbered.get(b)
                    )
                continue
            if b in numbered:
                # "1 Introduction" is a section heading; a head's page number is corroborated
                # by the head printed again, by the chapter title, or by standing in a sentence
                # (in capitals, or numbered in a run with the other page numbers)
                in_run = _has_neighbour(values, int(numbered[b]))
                if twins or n in titles or (interrupts and (in_run or upper_share(t.texts[i]) >= 0.8)):
                    self.found[i] = Furniture("header", i, f"running head with its page number {numbered[b]}", numbered[b])
            elif interrupts and (upper_share(t.texts[i]) >= 0.8 or twins or n in titles or _ATX.match(t.texts[i])):
                self.found[i] = Furniture("header", i, "title-like line interrupting a sentence: a running head at a page seam")
            elif twins and (
                len(twins) >= 2 or seam_near or any(self._interrupts(pos[x]) or self._near_furniture(pos[x]) for x in twins)
            ):
                self.found[i] = Furniture("header", i, f"title-like line repeated {len(twins) + 1} times at page seams")
            elif n in titles and seam_near:
                self.found[i] = Furniture("header", i, "the chapter title repeated at a page seam")
            elif any(x in numbered for x in twins):
                self.found[i] = Furniture("header", i, "the same words as a running head printed with its page number")

    def _interrupts(self, k: int) -> bool:
        """The block at position ``k`` of the text blocks stands inside a sentence."""
        first, last = self.t.blocks[self.text_blocks[k]]
        return self._inside_sentence(self._text_line(first, -1), self._text_line(last, +1))

    def _text_line(self, i: int, step: int) -> int | None:
        """The nearest line of running text before (step -1) or after (+1) line ``i``: past
        blank lines, fragments and the furniture already found, which stand between pages,
        not in the sentence."""
        t, found, frag = self.t, self.found, self.frag
        j = i + step
        while 0 <= j < t.n:
            if t.texts[j] and j not in found and j not in frag:
                return j
            j += step
        return None

    def _inside_sentence(self, before: int | None, after: int | None) -> bool:
        if before is None or after is None:
            return False
        texts = self.t.texts
        prev, nxt = texts[before], texts[after]
        # read past lines of dashes or specks, as reflow will once it unwraps them
        j = after
        while not _ALNUM.search(nxt) and j + 1 < self.t.n and texts[j + 1]:
            j += 1
            nxt = f"{nxt} {texts[j]}"
        j = before
        while not _ALNUM.search(prev) and j > 0 and texts[j - 1]:
            j -= 1
            prev = f"{texts[j]} {prev}"
        # whether the text before is prose is judged on its paragraph (up to six lines), not
        # its last line: after reflow unwraps it, the paragraph is one line
        para = prev
        for _ in range(5):
            if j == 0 or not texts[j - 1]:
                break
            j -= 1
            para = f"{texts[j]} {para}"
        return _stops_mid_sentence(prev) and (_continues(nxt) or ends_with_hyphen(prev)) and _prose(para)

    def _line_interrupts(self, k: int, i: int) -> bool:
        """Line ``i``, first of the block at position ``k``, stands inside a sentence."""
        return self._inside_sentence(self._text_line(i, -1), self._text_line(i, +1))

    def _near_furniture(self, k: int, kinds: tuple[str, ...] = ("page_number", "header")) -> bool:
        t, tb = self.t, self.text_blocks
        for kk in (k - 1, k + 1):
            if 0 <= kk < len(tb):
                first, last = t.blocks[tb[kk]]
                for i in (first, last):
                    f = self.found.get(i)
                    if f is not None and f.kind in kinds:
                        return True
        return False

    def _find_seams(self) -> None:
        """Group furniture lines standing together; each group is one page seam."""
        t, tb = self.t, self.text_blocks
        seams: set[tuple[int, int]] = set()
        k = 0
        while k < len(tb):
            members = [i for i in t.block_lines(tb[k]) if i in self.found]
            if not members:
                k += 1
                continue
            group = list(members)
            # furniture at the end of one block and the start of the next stands together
            while t.blocks[tb[k]][1] in self.found and k + 1 < len(tb):
                nxt = [i for i in t.block_lines(tb[k + 1]) if i in self.found]
                if not nxt or nxt[0] != t.blocks[tb[k + 1]][0]:
                    break
                group.extend(nxt)
                k += 1
            k += 1
            kinds = [self.found[i].kind for i in group]
            # a page ends with its page number or footer, the next begins with its head
            cut = next((x for x, kd in enumerate(kinds) if kd == "header"), len(group))
            before = group[cut - 1] if cut > 0 else self._line_before(group[0])
            after = group[cut] if cut < len(group) else self._line_after(group[-1])
            if before is not None and after is not None:
                seams.add((before, after))
        self.seams = sorted(seams)

    def _line_before(self, i: int) -> int | None:
        for j in range(i - 1, -1, -1):
            if self.t.texts[j]:
                return j
        return None

    def _line_after(self, i: int) -> int | None:
        for j in range(i + 1, self.t.n):
            if self.t.texts[j]:
                return j
        return None


def _has_neighbour(values: list[int], v: int, reach: int = 12) -> bool:
    """Another number of the sorted ``values`` lies within ``reach`` of ``v`` (not ``v`` itself)."""
    lo, hi = bisect_left(values, v - reach), bisect_right(values, v + reach)
    return hi - lo > bisect_right(values, v) - bisect_left(values, v)


def _never(*args: object) -> bool:
    return False


def _list_like(t: LineTable, b: int) -> bool:
    """Lines of the block start with numbers: a list or table, whose numbers are data."""
    first, last = t.blocks[b]
    starts = sum(1 for i in range(first, last + 1) if _ITEM_NUMBER.match(t.texts[i]))
    return starts >= 2


def furniture(text: str, ctx: Context) -> FurnitureFinder:
    return ctx.doc.cached(f"layout.furniture:{len(ctx.doc.page_starts)}", lambda: FurnitureFinder(text, ctx).run())


# -- Markdown-ish input -------------------------------------------------------------------
# OCR-to-Markdown tools (marker, nougat, docling, olmOCR, Mistral OCR ...) write structure as
# Markdown: code and formulae that must come through byte for byte, page markers of their own,
# footnotes as "[^1]" and "[^1]: ...", headings as "#" lines or underlined titles.

#: a code fence: three or more backticks or tildes first on the line (indented under a list
#: item too)
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})", re.M)
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})([^\n]*)")
#: a display formula opens: "$$", "\[" or "\begin{equation}" first on its line
_MATH_LINE = re.compile(r"^[ \t]*(?:\$\$|\\\[|\\begin\{)", re.M)
_MATH_OPEN = re.compile(r"[ \t]*(?:(?P<dollars>\$\$)|(?P<bracket>\\\[)|\\begin\{(?P<env>[A-Za-z]+\*?)\})")
#: a line indented as Markdown indents code: four spaces or a tab
_CODE_INDENT = re.compile(r"^(?: {4}|\t)[ \t]*\S", re.M)
#: what makes an indented line read as code rather than an indented quotation or verse (plain
#: texts indent those four spaces too): operators and braces, a call glued to its name, a
#: keyword first; not the brackets, parentheses and semicolons prose has
_CODE_SIGN = re.compile(
    r"[={}<>$\\#|]|\w\(|^\s*(?:def|class|for|if|while|return|import|from|print|let|var|const|function)\b"
)
#: the longest display formula taken (an unclosed "$$" must not swallow the book)
_MATH_MAX_LINES = 60
#: a Markdown list item's marker (an indented line under it is the item's, not code)
_MD_ITEM = re.compile(r"(?:[-*+]|\d{1,3}[.)])\s")
#: an ATX heading: one to six "#", a space, the title ("\#" is an escaped hash, no heading)
_ATX = re.compile(r"(#{1,6})[ \t]+\S")
#: a setext underline: a row of "=" (level 1) or "-" (level 2) under the title
_SETEXT_UNDERLINE = re.compile(r"(=|-)\1{2,}")
#: a thematic break ("---", "***", "* * *", "___"): never an epigraph's attribution dash
_THEMATIC_BREAK = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
#: a Markdown image alone on its line: the figure's place, not a printed legend
_MD_IMAGE_LINE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)(?:\{[^}\n]*\})?")
#: stretches that are literal inside a line: inline code, inline formulae, URLs, link targets
#: (a formula's "$" hugs it, and the closing one is no price: "$5 and $6" is no formula)
_LITERAL = re.compile(
    r"`[^`\n]+`|\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)|\\\(.+?\\\)|<?https?://[^\s<>()\[\]]+(?:\([^\s()]*\)[^\s<>()\[\]]*)*>?|\]\([^)\s]+\)"
)
_LITERAL_SIGNS = ("`", "$", "\\(", "://", "](")
#: anything that may open code or a display formula (checked once per document)
#: (each opens its block first on a line, as _FENCE_LINE and _MATH_LINE find them; an
#: indented block is code only with a code sign in a line of it: an indented line without
#: one, as plain texts indent paragraphs, asks for no search)
_VERBATIM_SIGN = re.compile(
    r"^[ \t]*(?:`{3,}|~{3,}|\$\$|\\\[|\\begin\{)"
    r"|^(?: {4}|\t)[ \t]*(?:(?=\S)[^\n]*?(?:[={}<>$\\#|]|\w\()"
    r"|(?:def|class|for|if|while|return|import|from|print|let|var|const|function)\b)",
    re.M,
)


def _verbatim_runs(t: LineTable) -> list[tuple[str, int, int, dict[str, str]]]:
    """Code and display formulae as ``(kind, first line, last line, attrs)``, in order.

    Fenced code runs from its fence to the closing fence (no closing fence: not code, since
    a stray fence must not swallow the rest of the book); a display formula from "$$", "\\["
    or "\\begin{...}" to its close, without a blank line inside; indented code is a block
    of lines indented four spaces after a blank line, that reads as code, in a text that
    does not indent its paragraphs that way.
    """
    text = t.text
    runs: list[tuple[str, int, int, dict[str, str]]] = []
    taken: set[int] = set()  # lines inside a run found earlier
    if "```" in text or "~~~" in text:
        lines = sorted({bisect_right(t.starts, m.start()) - 1 for m in _FENCE_LINE.finditer(text)})
        k = 0
        while k < len(lines):
            i = lines[k]
            m = _FENCE.fullmatch(text, t.starts[i], t.ends[i])
            fence = m.group(1) if m else ""
            if not m or (fence[0] == "`" and "`" in m.group(2)):
                k += 1
                continue
            close = next(
                (x for x in range(k + 1, len(lines)) if t.texts[lines[x]].rstrip(fence[0]) == ""
                 and len(t.texts[lines[x]]) >= len(fence)),
                None,
            )
            if close is None:
                k += 1
                continue
            j = lines[close]
            runs.append(("code", i, j, {"markdown": "fenced", "info": m.group(2).strip()}))
            taken.update(range(i, j + 1))
            k = close + 1
    if "$$" in text or "\\[" in text or "\\begin{" in text:
        for m in _MATH_LINE.finditer(text):
            i = bisect_right(t.starts, m.start()) - 1
            if i in taken:
                continue
            j = _formula_end(t, i)
            if j is not None:
                runs.append(("math", i, j, {"markdown": "display"}))
                taken.update(range(i, j + 1))
    if _CODE_INDENT.search(text):
        runs.extend(_indented_code(t, taken))
    runs.sort(key=lambda r: r[1])
    return runs


def _formula_end(t: LineTable, i: int) -> int | None:
    """The last line of the display formula that opens on line ``i``, or None."""
    m = _MATH_OPEN.match(t.text, t.starts[i], t.ends[i])
    if m is None:
        return None
    if m.group("dollars"):
        close = "$$"
    elif m.group("bracket"):
        close = "\\]"
    else:
        close = "\\end{" + m.group("env") + "}"
    first = t.texts[i][len(m.group().strip()):]
    if close in first:
        # a formula on one line is a block only alone on it: "$$x$$ is" is inline
        return i if first.rstrip().endswith(close) else None
    for j in range(i + 1, min(t.n, i + _MATH_MAX_LINES)):
        if not t.texts[j]:
            return None
        if close in t.texts[j]:
            return j if t.texts[j].endswith(close) else None
    return None


def _indented_code(t: LineTable, taken: set[int]) -> list[tuple[str, int, int, dict[str, str]]]:
    text, out = t.text, []
    indented = [m.start() for m in _CODE_INDENT.finditer(text)]
    if len(indented) * 2 > sum(1 for x in t.texts if x):
        return out  # the text indents its lines anyway (pdftotext -layout): indent says nothing
    # only blocks whose first line is indented can be code
    heads = {t.block_of[i] for i in (bisect_right(t.starts, pos) - 1 for pos in indented) if t.blocks[t.block_of[i]][0] == i}
    for b in sorted(heads):
        first, last = t.blocks[b]
        if first in taken or first == 0:
            continue
        raw = [text[t.starts[i]:t.ends[i]] for i in range(first, last + 1)]
        if not all(x.startswith(("    ", "\t")) for x in raw):
            continue
        if sum(1 for x in raw if _CODE_SIGN.search(x)) * 2 < len(raw):
            continue
        if b > 0:
            above = t.blocks[b - 1]
            # an indented block under a list item is the item's own text
            if any(_MD_ITEM.match(t.texts[i]) or text[t.starts[i]:t.starts[i] + 1].isspace()
                   for i in range(above[0], above[1] + 1)):
                continue
        out.append(("code", first, last, {"markdown": "indented"}))
    return out


def _verbatim_spans(text: str, ctx: Context, stage: str = "layout") -> list[tuple[int, int]]:
    """Spans of the code and display formulae of this text version, sorted and disjoint.

    Read from the text itself, not from the regions layout.verbatim_block types, so every
    rule of the stage sees the same blocks whichever runs first. Found once per stage (no
    rule edits inside them) and followed through the later versions by their raw offsets."""
    return [span for _, span, _ in _verbatim_found(text, ctx, stage)]


def _verbatim_found(text: str, ctx: Context, stage: str = "layout") -> list[tuple[str, tuple[int, int], dict[str, str]]]:
    """``(kind, current span, attrs)`` of each code block and display formula."""
    doc = ctx.doc
    signs = doc.state.get("layout.verbatim_signs")
    if signs is None:
        # once per document, on the raw text: a book without a fence, a formula or an
        # indented line has none in any later version either (layout only takes text out)
        signs = doc.state["layout.verbatim_signs"] = _VERBATIM_SIGN.search(doc.raw) is not None
    if not signs:
        return []
    key = f"{stage}.verbatim_raw"
    found = doc.state.get(key)
    if found is None:
        t = line_table(text, ctx)
        found = doc.state[key] = [
            (kind, doc.raw_span(t.starts[first], t.ends[last]), attrs) for kind, first, last, attrs in _verbatim_runs(t)
        ]
    if not found:
        return []
    return doc.cached(f"{stage}.verbatim_spans", lambda: [(k, doc.current_span(r), a) for k, r, a in found])


def _verbatim_blocks(text: str, ctx: Context) -> frozenset[int]:
    """Blocks of the line table that hold code or display formulae."""
    spans = _verbatim_spans(text, ctx)
    return frozenset(_blocks_in(line_table(text, ctx), spans)) if spans else frozenset()


def inline_literal_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside lines that are literal: inline code, inline formulae, URLs and link
    targets, in order (they may touch).

    >>> inline_literal_spans("see `tbe_value` at https://example.org/x and $a+b$ here")
    [(4, 15), (19, 40), (45, 50)]
    """
    if not any(sign in text for sign in _LITERAL_SIGNS):
        return []
    return [m.span() for m in _LITERAL.finditer(text)]


def _literal_spans(text: str, ctx: Context, stage: str = "layout") -> list[tuple[int, int]]:
    """Spans no markup rule reads into, sorted and disjoint: code and display formulae, and
    inside lines inline code, inline formulae, URLs and link targets."""
    def make() -> list[tuple[int, int]]:
        spans = list(_verbatim_spans(text, ctx, stage))
        spans.extend(inline_literal_spans(text))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        return merged

    return ctx.doc.cached(f"{stage}.literal_spans", make)


def setext_heading(t: LineTable, b: int) -> tuple[int, int] | None:
    """``(underline line, level)`` when block ``b`` opens with a setext heading: a title of
    one or two lines over a row of "=" (level 1) or "-" (level 2).

    >>> t = LineTable("The Tower\\n=========\\n\\nIt stood.\\n", [])
    >>> setext_heading(t, 0), setext_heading(t, 1)
    ((1, 1), None)
    """
    first, last = t.blocks[b]
    for j in range(first + 1, min(last, first + 2) + 1):
        m = _SETEXT_UNDERLINE.fullmatch(t.texts[j])
        if m is None:
            continue
        title = t.texts[first:j]
        joined = " ".join(title)
        if (
            len(joined) > 120
            or joined.endswith((".", ",", ";", "-"))
            or _continues(joined)
            or any("|" in x or _MD_ITEM.match(x) or x.startswith(">") or _SETEXT_UNDERLINE.fullmatch(x) for x in title)
        ):
            return None
        # a row of dashes is also what OCR makes of the rule over a page's footnotes: under
        # a line of the text it is no underline unless that line reads as a title
        if m.group(1) == "-" and not (title_like(joined, 16) or len(joined) <= 60):
            return None
        return j, 1 if m.group(1) == "=" else 2
    return None


_PAGE_MARKER = re.compile(
    r"^[ \t]*(?:"
    r"\{(?P<marker>\d{1,5})\}-{8,}"  # marker: "{12}" and a row of dashes before each page
    r"|<!--[ \t]*Page[ \t_-]?(?:Number)?[ \t]*[:=]?[ \t]*([\"']?)(?P<comment>\d{1,5}|[ivxlc]{1,7})\2[ \t]*-->"
    r"|(?P<brk><!--[ \t]*Page[ \t_-]?Break[ \t]*-->)"
    r"|<!--[ \t]*Page(?P<edge>Header|Footer)[ \t]*[:=][^\n]*?-->"
    r"|(?:-{3,}|={3,})[ \t]*\[?Page[ \t]+(?P<deco>\d{1,5})\]?[ \t]*(?:-{3,}|={3,})"
    r"|(?:\#{1,6}[ \t]+)?[*_\[]{0,2}Page[ \t]+(?P<bare>\d{1,5})(?:[ \t]+of[ \t]+\d{1,5})?[*_\]]{0,2}"  # alone in its block
    r"|(?P<missing>\[MISSING_PAGE_[A-Z_]+(?::\d{1,5})?\])"  # nougat: a page it could not read
    r")[ \t]*$",
    re.M | re.I,
)


def _alone_among_markers(t: LineTable, i: int, marks: set[int]) -> bool:
    """Line ``i`` stands in a block of page markers only (blank lines around it)."""
    first, last = t.blocks[t.block_of[i]]
    return all(j in marks for j in range(first, last + 1))


@rule("layout.verbatim_block")
def verbatim_block(text: str, ctx: Context) -> Iterator[Region]:
    """Type code blocks and display formulae as blocks kept byte for byte; the text is not changed.

    Code is fenced (``` or ~~~) or indented four spaces; a display formula opens with "$$",
    "\\[" or "\\begin{equation}". Every later rule leaves them alone: no unwrapping, joining,
    dehyphenation, furniture, headings or markup inside.

    >>> from pipeline.rules import try_regions
    >>> try_regions(verbatim_block, "It read:\\n\\n```\\n# count\\ntotal = 3\\n```\\n\\nThat was all.\\n")
    [('code', '```\\n# count\\ntotal = 3\\n```')]
    >>> try_regions(verbatim_block, "He wrote ```this``` and $$x$$ inline, then stopped.\\n")
    []
    """
    for kind, (s, e), attrs in _verbatim_found(text, ctx):
        yield Region(kind, s, e, attrs)


_DASHES_BAR = re.compile(r"-{3}:?[ \t]*\|")
#: the row of dashes under a Markdown table's head ("|---|:--:|", "---|---")
_TABLE_RULE = re.compile(r"\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?")


def _pipe_tables(t: LineTable) -> list[tuple[int, int]]:
    """``(first, last)`` lines of each Markdown pipe table: a head row, the rule of dashes
    under it, and the rows with bars that follow (a table may follow a paragraph's last
    line with no blank line between, as tools write it)."""
    out = []
    # a rule row has dashes before a bar somewhere (two columns at least): found fast
    rules = dict.fromkeys(bisect_right(t.starts, m.start()) - 1 for m in _DASHES_BAR.finditer(t.text))
    for i in rules:
        if not _TABLE_RULE.fullmatch(t.texts[i]):
            continue  # the rule is the whole line
        first, last = t.blocks[t.block_of[i]]
        if i == first or "|" not in t.texts[i - 1]:
            continue
        j = i
        while j < last and "|" in t.texts[j + 1]:
            j += 1
        out.append((i - 1, j))
    return out


@rule("layout.markdown_table")
def markdown_table(text: str, ctx: Context) -> Iterator[Region]:
    """Type Markdown pipe tables as tables, one row a line; the text is not changed.

    A table is a head row, a rule of dashes under it and the rows with bars that follow;
    typed, each row keeps its line and no word in a cell is corrected.

    >>> from pipeline.rules import try_regions
    >>> try_regions(markdown_table, "The returns:\\n\\n| Year | Wrecks |\\n|---|---:|\\n| 1850 | 3 |\\n\\nNo more.\\n")
    [('table', '| Year | Wrecks |\\n|---|---:|\\n| 1850 | 3 |')]
    >>> try_regions(markdown_table, "If | knew, | would go\\n---\\nand so on.\\n")
    []
    """
    if "|" not in text or _DASHES_BAR.search(text) is None:
        return
    t = line_table(text, ctx)
    tables = _pipe_tables(t)
    verbatim = _verbatim_spans(text, ctx) if tables else []
    for first, last in tables:
        if not _touches(verbatim, t.starts[first], t.ends[last]):
            yield Region("table", t.starts[first], t.ends[last], {"markdown": "pipe"})


@rule("layout.page_marker")
def page_marker(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take out the page markers OCR-to-Markdown tools write, making each a page break.

    marker's "{12}------", "<!-- PageNumber="12" -->" and "<!-- PageBreak -->" (with
    "<!-- PageHeader=... -->" and "<!-- PageFooter=... -->"), "<!-- page 12 -->",
    "--- Page 12 ---", and "Page 12" alone between blank lines. A page starts after the
    marker line; where the text has "PageBreak"
    markers, only those start pages. The lines go out as page numbers (headers, footers),
    so a paragraph cut there is rejoined; ``--keep page_number`` leaves them in place.

    >>> from pipeline.rules import try_rule
    >>> try_rule(page_marker, "the weather, and\\n\\n{12}------------------------------------------------\\n\\nthe men\\n")
    'the weather, and\\n\\n\\nthe men\\n'
    >>> try_rule(page_marker, "A rule of dashes:\\n\\n------------------------------------------------\\n")
    'A rule of dashes:\\n\\n------------------------------------------------\\n'
    """
    if "{" not in text and "<!--" not in text and "Page" not in text and "PAGE" not in text and "page" not in text:
        return  # (nougat's "[MISSING_PAGE_...]" has "PAGE")
    found = list(_PAGE_MARKER.finditer(text))
    if not found:
        return
    t = line_table(text, ctx)
    verbatim = _verbatim_spans(text, ctx)
    breaks_only = any(m.group("brk") for m in found)
    marks = {bisect_right(t.starts, m.start()) - 1 for m in found}
    body = [i for i, x in enumerate(t.texts) if x and i not in marks]
    for m in found:
        i = bisect_right(t.starts, m.start()) - 1
        if _touches(verbatim, t.starts[i], t.ends[i]):
            continue
        if m.group("bare") and not _alone_among_markers(t, i, marks):
            continue  # "Page 12" may be a line of a wrapped sentence ("as shown on / Page 12 / of ...")
        if m.group("missing"):
            # the page's text is missing: the marker stays where it is, so that no sentence is
            # joined across the gap, and a person is told
            yield Flag(t.starts[i], t.ends[i], "the OCR-to-Markdown tool could not read a page here: its text is missing", "warning")
            if body and body[0] < i < body[-1]:
                yield Region("page_break", t.starts[i], t.starts[i + 1] if i + 1 < t.n else t.ends[i], {"rule": "marker"})
            continue
        number = next((m.group(g) for g in ("marker", "comment", "deco", "bare") if m.group(g)), None)
        edge = (m.group("edge") or "").lower()
        kind = "header" if edge == "header" else "footer" if edge == "footer" else "page_number"
        attrs = {"page_number": number} if number else {}
        yield Region(kind, t.starts[i], t.ends[i], {**attrs, "marker": t.texts[i]})
        s, e = t.line_span_with_break(i)
        yield Edit(s, e, "", "page marker written by the OCR-to-Markdown tool", removes=kind)
        starts_page = m.group("brk") is not None if breaks_only else kind == "page_number"
        # a page break only between body text: a marker before the first page's text or
        # after the last one marks no seam
        if starts_page and body and body[0] < i < body[-1]:
            yield Region("page_break", t.starts[i], t.starts[i + 1] if i + 1 < t.n else t.ends[i], {"rule": "marker"})


# -- rules ---------------------------------------------------------------------------------
_FORM_FEED = re.compile(r"\f")
_SPACE = " \t\r\n\f\v"


@rule("layout.form_feed")
def form_feed(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Make each form feed a page break: a page_break region, and a paragraph break in the text.

    Whether the paragraph goes on across the page is reflow's decision, not this rule's.

    >>> from pipeline.rules import try_rule
    >>> try_rule(form_feed, "end of page one\\n\\fpage two")
    'end of page one\\n\\npage two'
    >>> try_rule(form_feed, "no page breaks here\\n")
    'no page breaks here\\n'
    """
    if "\f" not in text:
        return
    n = len(text)
    lo = n - len(text.lstrip())
    hi = len(text.rstrip()) - 1
    done = -1
    for m in _FORM_FEED.finditer(text):
        if m.start() < done:
            continue  # part of the run already replaced
        s = m.start()
        while s > 0 and text[s - 1] in _SPACE:
            s -= 1
        e = m.end()
        while e < n and text[e] in _SPACE:
            e += 1
        run = text[s:e]
        nl = run.rfind("\n")
        if nl > run.rfind("\f"):
            e = s + nl + 1  # the next line keeps its indentation
        done = e
        if lo < s and hi >= e:
            # one region per form feed, each ending just after its own: an empty page stays a page
            feeds = [s + k for k, c in enumerate(text[s:e]) if c == "\f"]
            for k, f in enumerate(feeds):
                yield Region("page_break", s, e if k == len(feeds) - 1 else f + 1)
            repl = "\n\n"
        else:
            repl = "" if lo >= s else "\n"
        yield Edit(s, e, repl, "form feed: page break")


@rule("layout.page_seam")
def page_seam(text: str, ctx: Context) -> Iterator[Region]:
    """Mark page seams in text without form feeds: a page_break region; the text is not changed.

    A seam is where page furniture stands (a page number, a running head), or, in text with
    one paragraph a line, a blank line where a paragraph stops mid-sentence and goes on
    after it (possibly past a caption or a head that interrupts it).

    >>> from pipeline.runner import run_rules
    >>> text = "Its views on the matter were clear. " * 8 + "It also must be un-\\n\\nderstood as a whole.\\n"
    >>> doc = run_rules(text, [page_seam])
    >>> doc.text == text, text[doc.page_starts[0]:]
    (True, 'derstood as a whole.\\n')
    >>> len(run_rules("A sentence that ends. " * 10 + "\\n\\nAnother one.\\n", [page_seam]).page_starts)
    0
    """
    table = line_table(text, ctx)
    if _ff_mode(ctx, table):
        return
    ff = furniture(text, ctx)
    seams = {(a, b) for a, b in ff.seams}
    if table.paragraph_style:
        seams.update(_paragraph_seams(table, ff))
    for a, b in sorted(seams):
        yield Region("page_break", table.ends[a], table.starts[b], {"rule": "seam"})


def _paragraph_seams(table: LineTable, ff: FurnitureFinder) -> list[tuple[int, int]]:
    """Blank-line gaps where a one-line paragraph stops mid-sentence and the next goes on."""
    out = []
    tb = [b for b in ff.text_blocks if not any(i in ff.found for i in table.block_lines(b))]
    for k, b in enumerate(tb[:-1]):
        first, last = table.blocks[b]
        s = plain(table.texts[last])
        if first != last or not _prose(s) or not _stops_mid_sentence(s) or title_like(s):
            continue
        nb = tb[k + 1]
        nxt = plain(table.texts[table.blocks[nb][0]])
        if CHAPTER_LINE.match(nxt) or (title_like(nxt) and not _continues(nxt)):
            continue
        if not (_prose(nxt) or _continues(nxt)):
            continue
        # furniture between the two is a seam already
        if any(i in ff.found for i in range(last + 1, table.blocks[nb][0])):
            continue
        out.append((last, table.blocks[nb][0]))
    return out


@rule("layout.page_furniture")
def page_furniture(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take running heads, footers and page numbers out of the body (regions of their kind).

    Found by position (first and last lines of a page, past any strip of the facing page),
    by repetition across pages (rapidfuzz), by a page number at either end of a short
    title-like line, and, without form feeds, by standing alone inside a sentence, at the
    top of the text over half a sentence, or where the book's page length says a page whose
    seam shows nothing else begins.
    A short body line is never taken for furniture just for being short.

    >>> from pipeline.runner import run_rules
    >>> body = ("The prisoner was taken into custody, it appeared, on a charge of stealing a\\n"
    ...         "watch and other articles from the residence of Miss Keene, of Lee.\\n")
    >>> pages = [f"LEAVES FROM OLD NEWSPAPERS {n}\\n\\n{body}\\n( {n} )\\n" for n in (7, 8, 9)]
    >>> print(run_rules("\\f".join(pages), [form_feed, page_furniture]).text.strip()[:75])
    The prisoner was taken into custody, it appeared, on a charge of stealing a
    >>> run_rules("He said no.\\n\\nThat was all.\\n", [form_feed, page_furniture]).text
    'He said no.\\n\\nThat was all.\\n'
    """
    table = line_table(text, ctx)
    ff = furniture(text, ctx)
    for i, f in sorted(ff.found.items()):
        attrs = {"page_number": f.number} if f.number else {}
        yield Region(f.kind, table.starts[i], table.ends[i], attrs)
        s, e = table.line_span_with_break(i)
        yield Edit(s, e, "", f.reason, 0.9, removes=f.kind)
    for i in ff.doubtful:
        yield Flag(
            table.starts[i], table.ends[i],
            "a page whose seam shows nothing begins about here: running head or section heading? "
            "Kept as a heading (use --keep header, or remove it, if it is the page's head)",
            "info",
        )


def _current_regions(ctx: Context, *kinds: str) -> list[tuple[int, int]]:
    return sorted(ctx.doc.current_span(r.raw) for r in ctx.doc.regions if r.kind in kinds)


def _blocks_in(table: LineTable, spans: list[tuple[int, int]]) -> set[int]:
    """Blocks that overlap any of the spans."""
    out: set[int] = set()
    if not spans:
        return out
    block_starts = [table.starts[f] for f, _ in table.blocks]
    for s, e in spans:
        b = max(0, bisect_right(block_starts, s) - 1)
        while b < len(table.blocks) and block_starts[b] < e:
            if s < table.ends[table.blocks[b][1]]:
                out.add(b)
            b += 1
    return out


#: a legend ends on a word and its full stop ("... of the year 1790."), not on a broken word
_LEGEND_END = re.compile(r"[^\W_]{2,}[.!?][\"”’)]*$")
#: a full stop after these is no sentence's end
_ABBREVIATION_END = re.compile(
    r"\b(?:Mr|Mrs|Messrs|Dr|St|Co|Ltd|No|Nos|Vol|vol|pp?|viz|etc|cf|ibid|Ibid|Esq|Rev|Capt|Col|Gen|Lieut|Sir)\.[\"”’)]*$"
)
_CAPTION_START = re.compile(
    r"^[\W_]{0,2}(?:Fig(?:ure)?s?[.,]?|FIG(?:URE)?S?[.,]?|Plate|PLATE|Illustration|ILLUSTRATION|Map|MAP|"
    r"Photo(?:graph)?|Table|TABLE|Chart|Diagram)\s*(?:\d+[a-z]?|[IVXLC]+\b)(?:[.:,]|\s+[A-Z(“\"‘]|\s*$)"
)
_CAPTION_WORDS = re.compile(
    r"\b(?:Courtesy|courtesy of|[Ff]rom an? (?:old |contemporary )?(?:drawing|painting|photograph|print|sketch|engraving|"
    r"woodcut|lithograph)|[Aa]fter a (?:painting|drawing|sketch)|[Pp]hotograph(?:ed)? by|[Rr]eproduced (?:by|from|with)|"
    r"\((?:center|centre|left|right|seated|standing|top|bottom|above|below)\))"
)


class Structure:
    """Headings, epigraphs and captions of one text version (furniture is gone by now)."""

    def __init__(self, text: str, ctx: Context) -> None:
        self.t = line_table(text, ctx)
        self.ctx = ctx
        frag = _fragment_lines(text, ctx)
        self.tb = _text_blocks(self.t, frag, _verbatim_blocks(text, ctx))
        self.pos = {b: k for k, b in enumerate(self.tb)}

    def lines(self, b: int) -> list[str]:
        return [plain(self.t.texts[i]) for i in self.t.block_lines(b)]

    # A line of dashes or specks says nothing about the sentence: read on to the next line of
    # the block, so the answer is the same once reflow has unwrapped the block into one line.
    def prev_last(self, b: int) -> str | None:
        k = self.pos[b]
        if k == 0:
            return None
        first, last = self.t.blocks[self.tb[k - 1]][0], self.t.blocks[self.tb[k - 1]][1]
        parts = []
        for i in range(last, first - 1, -1):
            parts.insert(0, plain(self.t.texts[i]))
            if _ALNUM.search(parts[0]):
                break
        return " ".join(parts)

    def next_first(self, b: int) -> str | None:
        k = self.pos[b]
        if k + 1 >= len(self.tb):
            return None
        first, last = self.t.blocks[self.tb[k + 1]][0], self.t.blocks[self.tb[k + 1]][1]
        parts = []
        for i in range(first, last + 1):
            parts.append(plain(self.t.texts[i]))
            if _ALNUM.search(parts[-1]):
                break
        return " ".join(parts)

    def interrupts(self, b: int) -> bool:
        """The block stands inside a sentence: the text before stops mid-sentence, after goes on."""
        prev, nxt = self.prev_last(b), self.next_first(b)
        if prev is None or nxt is None or not _prose(prev) or _ATX.match(prev):
            return False
        return _stops_mid_sentence(prev) and (_continues(nxt) or ends_with_hyphen(prev))

    # -- headings --------------------------------------------------------------------------
    def heading_level(self, b: int) -> int | None:
        """1 for book and chapter titles, 2 for section headings, None if not a heading."""
        lines = self.lines(b)
        if not lines:
            return None
        markdown = self.markdown_level(b)
        if markdown is not None:
            return markdown or None
        if len(lines) > 3:
            return None
        joined = " ".join(lines)
        raw = self.t.block_text(b).strip()
        if CHAPTER_LINE.match(lines[0]) and len(lines[0]) <= 160:
            return 1
        if len(joined) > 160 or any(len(x) > 100 for x in lines):
            return None
        caps = upper_share(joined) >= 0.85 and len(_ALNUM.findall(joined)) >= 3
        bold = raw.startswith(("**", "__")) and raw.endswith(("**", "__"))
        if not title_like(joined, 16) or (len(lines) > 1 and not (caps or bold)):
            return None
        if joined[0] in "“\"‘'" and not caps:
            return None
        if ends_sentence(joined) and not caps:
            return None
        # a title closes the brackets it opens: "... in the first part. (Ses" goes on in the
        # line below ("Causes) of his book")
        if joined.count("(") > joined.count(")") or joined.count("[") > joined.count("]"):
            return None
        # a title never ends on an article or a preposition; reflow reads such a line as a
        # sentence cut off, and both stages must agree for a second run to change nothing
        # nor does a capitals line that ends on one in lower case ("COMPENSATION TO A
        # PUBLICAN. AT the"): a run-in head whose paragraph goes on below
        last = _WORD.findall(plain(joined))
        if last and last[-1].lower() in _OPEN_ENDINGS and (not caps or last[-1].islower()):
            return None
        if self.interrupts(b):
            return None
        nxt = self.next_first(b)
        if nxt is not None and _continues(nxt):
            return None
        prev = self.pos[b] - 1
        if prev >= 0 and CHAPTER_LINE.match(self.lines(self.tb[prev])[0]):
            return 1
        return 1 if bold else 2


    def markdown_level(self, b: int) -> int | None:
        """The level a Markdown heading gives itself: the number of "#" of a one-line ATX
        heading, 1 or 2 for a setext one ("=" or "-" under the title); 0 for an ATX line
        standing inside a sentence (a page's head the tool dressed as a heading, no heading);
        None when the block is not written as a heading. No other test applies: the tool
        said it is one, whatever its words ("## How the keepers were chosen")."""
        t = self.t
        first, last = t.blocks[b]
        texts = t.texts
        if first == last:
            m = _ATX.match(texts[first]) if texts[first][:1] == "#" else None
            if m is None:
                return None
            return 0 if self.interrupts(b) else len(m.group(1))
        if texts[first + 1][:1] not in ("=", "-") and (first + 2 > last or texts[first + 2][:1] not in ("=", "-")):
            return None  # no underline where a setext heading has it
        sx = setext_heading(t, b)
        return sx[1] if sx is not None else None


def structure(text: str, ctx: Context) -> Structure:
    return ctx.doc.cached(f"layout.structure:{len(ctx.doc.page_starts)}", lambda: Structure(text, ctx))


@rule("layout.heading")
def heading(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Type book, chapter and section titles as headings, each its own paragraph.

    A heading glued to its neighbours by the OCR ("CHAPTER III" over "THE TOWER") gets a
    blank line; the words are not changed.

    >>> from pipeline.rules import try_rule, try_regions
    >>> body = "The first test came just eight months after it had been established.\\n"
    >>> try_regions(heading, "Accumulated Tension\\n\\n" + body)
    [('heading', 'Accumulated Tension')]
    >>> try_rule(heading, "CHAPTER III\\nTHE TOWER\\n\\n" + body).splitlines()[:3]
    ['CHAPTER III', '', 'THE TOWER']
    >>> try_regions(heading, "“Yes.”\\n\\n" + body)
    []
    """
    st = structure(text, ctx)
    t = st.t
    for b in st.tb:
        first, last = t.blocks[b]
        sx = setext_heading(t, b) if first != last else None
        if sx is not None:
            # the title and its underline; a paragraph glued under them is set apart by reflow
            yield Region("heading", t.starts[first], t.ends[sx[0]], {"level": sx[1], "markdown": "setext"})
            continue
        split = _glued_heading(st, b)
        level = None if split is not None else st.heading_level(b)
        if level is None:
            if split is None:
                continue
            for i in range(first, split + 1):
                if i + 1 <= last and _is_split_point(t, i, split):
                    yield Edit(t.ends[i], t.ends[i], "\n", "heading glued to the next line: a paragraph of its own")
            yield Region("heading", t.starts[first], t.ends[split], {"level": 1})
            continue
        if level == 1 and first != last and CHAPTER_LINE.match(plain(t.texts[first])):
            # "CHAPTER III" over "THE TOWER": two headings, two paragraphs
            rest = plain(t.texts[first + 1])
            if re.match(r"^[\W_]*\w+\W+\w", plain(t.texts[first])) and title_like(rest):
                yield Edit(t.ends[first], t.ends[first], "\n", "chapter number and chapter title are separate headings")
                yield Region("heading", t.starts[first], t.ends[first], {"level": 1})
                yield Region("heading", t.starts[first + 1], t.ends[last], {"level": 1})
                continue
        yield Region("heading", t.starts[first], t.ends[last], {"level": level})


def _glued_heading(st: Structure, b: int) -> int | None:
    """A chapter heading glued on top of a paragraph: the index of its last line."""
    t = st.t
    first, last = t.blocks[b]
    if first == last or not CHAPTER_LINE.match(plain(t.texts[first])):
        return None
    i = first
    while i + 1 <= last and i - first < 2:
        nxt = plain(t.texts[i + 1])
        if title_like(nxt) and upper_share(nxt) >= 0.85:
            i += 1
        else:
            break
    if i == last or not _prose(plain(t.texts[i + 1])):
        return None
    return i


def _is_split_point(t: LineTable, i: int, split: int) -> bool:
    return i == split or (CHAPTER_LINE.match(plain(t.texts[i])) is not None and i < split)


_ATTRIBUTION = re.compile(r"^[*_]*\s*(?:[—–―]|--|-\s)\s*\S")


@rule("layout.epigraph")
def epigraph(text: str, ctx: Context) -> Iterator[Region]:
    """Type the quotation and its attribution at a chapter's start as an epigraph, kept whole.

    >>> from pipeline.rules import try_regions
    >>> quote = "CHAPTER 3\\n\\n*Never are there two suns in the heaven,\\n—Age-old Chinese proverb*\\n\\n"
    >>> try_regions(epigraph, quote + "No other event during the Cold War mattered more.\\n")
    [('epigraph', '*Never are there two suns in the heaven,\\n—Age-old Chinese proverb*')]
    >>> try_regions(epigraph, "CHAPTER 3\\n\\nNo other event during the Cold War mattered more.\\n")
    []
    """
    st = structure(text, ctx)
    t = st.t
    heads = _blocks_in(t, _current_regions(ctx, "heading"))
    heads.update(b for b in st.tb if st.heading_level(b) == 1)
    for k, b in enumerate(st.tb):
        if not (b in heads or k == 0):
            continue
        start = k + 1 if b in heads else k
        if start < len(st.tb) and st.tb[start] in heads:
            continue
        kk = start
        while kk < len(st.tb) and kk < start + 4:
            run = _epigraph_run(st, kk)
            if run is None:
                break
            first = t.blocks[st.tb[kk]][0]
            last = t.blocks[st.tb[run]][1]
            yield Region("epigraph", t.starts[first], t.ends[last])
            kk = run + 1


def _epigraph_run(st: Structure, k: int) -> int | None:
    """The position of the block ending the epigraph that starts at text block ``k``."""
    t = st.t
    limit = 100 if t.paragraph_style else 1.05 * t.width
    for kk in (k, k + 1):
        if kk >= len(st.tb):
            return None
        lines = st.lines(st.tb[kk])
        raw = [t.texts[i] for i in t.block_lines(st.tb[kk])]
        if len(lines) > 12 or any(len(x) > limit for x in lines):
            return None
        if (
            _ATTRIBUTION.match(raw[-1]) and len(lines[-1]) <= 80 and not _THEMATIC_BREAK.fullmatch(raw[-1])
            and not _bulleted(st, kk, raw)
        ):
            if kk == k + 1 and len(lines) > 1:
                return None
            if kk == k and len(lines) == 1:
                return None
            return kk
    return None


def _bulleted(st: Structure, k: int, raw: list[str]) -> bool:
    """The dash that looks like an attribution's is a Markdown list's bullet: another line
    of the block, or the next block, opens with the same bullet ("- oil;" / "- wicks;")."""
    bullet = raw[-1][:2]
    if bullet not in ("- ", "* ", "+ "):
        return False
    if any(x.startswith(bullet) for x in raw[:-1]):
        return True
    return k + 1 < len(st.tb) and st.t.texts[st.t.blocks[st.tb[k + 1]][0]].startswith(bullet)


def _legend_sized(t: LineTable, lines: list[str]) -> bool:
    """A legend set into a paragraph is one line that is not body width: shorter (centred)
    or longer (smaller type). A full-width line is a piece of the paragraph itself, which
    OCR sometimes sets apart with blank lines."""
    if len(lines) != 1:
        return False
    return t.paragraph_style or not 0.8 * t.width <= len(lines[0]) <= 1.05 * t.width


@rule("layout.caption")
def caption(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take figure captions out of the body ("Fig. 2. ...", a legend inside a sentence).

    A caption that interrupts a paragraph is taken out with the blank lines around it, so
    the paragraph reads on ("post-" / [caption] / "victory" becomes "post-" / "victory").

    >>> from pipeline.rules import try_rule
    >>> before = ("Ford got in the window, and on opening the back parlour door he found the\\n"
    ...           "staircase in flames. Lilly ran for the turncock, and in the\\n\\n")
    >>> after = "meantime Sergeant Gadd and Ford, assisted by a man with a house in\\nthe brewery, put it out.\\n"
    >>> print(try_rule(caption, before + "A corset of the year 1790.\\n\\n" + after))
    Ford got in the window, and on opening the back parlour door he found the
    staircase in flames. Lilly ran for the turncock, and in the
    meantime Sergeant Gadd and Ford, assisted by a man with a house in
    the brewery, put it out.
    <BLANKLINE>
    >>> kept = before + "The King wept.\\n\\nAnd the house was silent.\\n"
    >>> try_rule(caption, kept) == kept
    True
    """
    st = structure(text, ctx)
    t = st.t
    skip = _blocks_in(t, _current_regions(ctx, "heading", "epigraph"))
    for b in st.tb:
        if b in skip:
            continue
        first, last = t.blocks[b]
        lines = st.lines(b)
        joined = " ".join(lines)
        if len(lines) > 4 or len(joined) > 400:
            continue
        if "](" in joined and any(_MD_IMAGE_LINE.fullmatch(t.texts[i]) for i in range(first, last + 1)):
            continue  # a Markdown image is the figure itself, in its place: its alt text stays with it
        numbered = bool(_CAPTION_START.match(joined))
        if not numbered and st.heading_level(b) is not None:
            continue
        worded = bool(_CAPTION_WORDS.search(joined)) and ends_sentence(joined)
        inside = (
            st.interrupts(b)
            and _legend_sized(t, lines)
            and not _continues(joined)
            and len(_WORD.findall(joined)) >= 4
            and (len(joined) <= 160 or not t.paragraph_style)
            and "?" not in joined
            and (bool(_LEGEND_END.search(joined) and not _ABBREVIATION_END.search(joined)) or worded or numbered)
        )
        if not (numbered or worded or inside):
            continue
        if numbered and not (inside or worded) and len(lines) > 1 and _prose(lines[-1]) and not ends_sentence(joined):
            continue
        reason = (
            "numbered figure legend" if numbered else "legend wording (courtesy, from a drawing ...)" if worded
            else "a sentence standing inside another: a legend set into the paragraph"
        )
        yield Region("caption", t.starts[first], t.ends[last])
        k = st.pos[b]
        prev_line = t.blocks[st.tb[k - 1]][1] if k > 0 else None
        next_line = t.blocks[st.tb[k + 1]][0] if k + 1 < len(st.tb) else None
        s, e = t.line_span_with_break(last)
        s = t.starts[first]
        if st.interrupts(b) and prev_line is not None and next_line is not None:
            gap_before = text[t.ends[prev_line]:t.starts[first]]
            gap_after = text[t.ends[last]:t.starts[next_line]]
            if not gap_before.strip() and not gap_after.strip():
                # keep one line break: the paragraph the caption cut goes on
                s, e = t.ends[prev_line] + 1, t.starts[next_line]
        elif next_line is not None and not text[t.ends[last]:t.starts[next_line]].strip():
            s, e = t.starts[first], t.starts[next_line]
        yield Edit(s, e, "", f"caption: {reason}", 0.85, removes="caption")


_FOOTNOTE_START = re.compile(
    r"^(?:(?P<num>\d{1,3})[.)]?\s+(?=[A-Z“\"‘'(])|(?P<sym>[*†‡§¶]+)\s*(?=[A-Z“\"‘(])"
    r"|(?P<sup>[" + SUPERSCRIPT_DIGITS + r"]+)\s*(?=\S)|(?P<q>['‘’`])\s?(?=[A-Z][a-z]))"
)


@rule("layout.footnote")
def footnote(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take footnotes out of the body: blocks at a page's foot that start with a note marker.

    ("1 See ...", "* Ibid.", "¹ ..."). A numbered list is not footnotes: its items follow
    each other; a footnote sits below the page's last paragraph, which runs on to the next page.

    >>> from pipeline.runner import run_rules
    >>> page = ("He said he was sure of it, but the others did not believe\\n\\n"
    ...         "1 See the letter of 4 May.\\n\\fthat he had ever been there.\\n")
    >>> run_rules(page, [form_feed, footnote]).text
    'He said he was sure of it, but the others did not believe\\n\\nthat he had ever been there.\\n'
    >>> items = "The rules were these:\\n\\n1. Keep the gate shut.\\n\\n2. Feed the dog.\\n\\fThat was all.\\n"
    >>> run_rules(items, [form_feed, footnote]).text == items.replace("\\n\\f", "\\n\\n")
    True
    """
    t = line_table(text, ctx)
    if t.n_pages < 2 and not t.page_starts:
        return
    frag = _fragment_lines(text, ctx)
    tb = _text_blocks(t, frag, _verbatim_blocks(text, ctx))
    by_page: dict[int, list[int]] = {}
    for b in tb:
        by_page.setdefault(t.page_of_block[b], []).append(b)
    pos = {b: k for k, b in enumerate(tb)}
    for p, blocks in by_page.items():
        notes: list[int] = []
        for b in reversed(blocks[1:]):
            if not _footnote_block(t, b):
                break
            notes.append(b)
        if not notes:
            continue
        top = notes[-1]
        above = tb[pos[top] - 1]
        above_line = plain(t.texts[t.blocks[above][1]])
        above_first = t.texts[t.blocks[above][0]]
        if _FOOTNOTE_START.match(above_first) and re.match(r"^\d", above_first):
            continue  # a numbered list running down the page
        nxt = tb[pos[notes[0]] + 1] if pos[notes[0]] + 1 < len(tb) else None
        runs_on = _stops_mid_sentence(above_line) and (
            nxt is None or t.page_of_block[nxt] != p
        )
        wide = any(len(t.texts[i]) > 1.1 * t.width for b in notes for i in t.block_lines(b))
        marks = [_FOOTNOTE_START.match(t.texts[t.blocks[b][0]]) for b in notes]
        # a superscript or a dagger at a page's foot is a note's mark; a digit or a quote
        # mark could begin a paragraph, so those need the page to run on past them
        typed = all(m and (m.group("sup") or m.group("sym")) for m in marks)
        if not (runs_on or wide or typed):
            continue
        for b in reversed(notes):
            first, last = t.blocks[b]
            m = _FOOTNOTE_START.match(t.texts[first])
            mark = next(g for g in m.groups() if g) if m else ""
            yield Region("footnote", t.starts[first], t.ends[last], {"marker": mark})
            # the note and the blank lines under it: the page's text closes up
            j = last + 1
            while j < t.n and not t.texts[j]:
                j += 1
            e = t.starts[j] if j < t.n else len(text)
            yield Edit(t.starts[first], e, "", "footnote at the page foot, below the page's last paragraph", 0.8, removes="footnote")


def _footnote_block(t: LineTable, b: int) -> bool:
    first, last = t.blocks[b]
    s = t.texts[first]
    if last - first > 7 or CHAPTER_LINE.match(s):
        return False
    m = _FOOTNOTE_START.match(s)
    if not m:
        return False
    if m.group("q"):
        # an opening quotation mark reads the same: only without a closing one
        rest = " ".join(t.texts[first:last + 1])[1:]
        return not re.search(r"['’”]\s|['’”]$", rest.replace("’s", "").replace("'s", ""))
    return True


_SUPERSCRIPT_MARK = re.compile(r"[" + SUPERSCRIPT_DIGITS + r"]+")
#: a word, maybe its closing punctuation, and a note number glued on: "war.23", "Moscow12"
_GLUED_MARK = re.compile(r"\d{1,3}(?![^\s,;:])")
_NOT_MARK_BEFORE = re.compile(r"(?:\b(?:No|no|Vol|vol|pp?|ch|art|fig|Fig|sec|Sec|Nos|vols?)\.|§)$")
_MARK_AFTER = frozenset(".,;:!?”\"’')]…")
_UNIT = frozenset("m cm mm km ft in yd mi sq kg g mg lb oz s ms".split())


@rule("layout.footnote_marker")
def footnote_marker(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take footnote reference markers out of the body (regions of kind footnote_marker).

    Superscript digits after a word or its punctuation ("eternal.”¹"), and digits glued to a
    word's end ("war.23") where the document has notes or the numbers run in sequence.

    Numbers that are data stay: years, "38th", "1949–50", "50,000", "MiG-15", "km²".

    >>> from pipeline.rules import try_rule
    >>> try_rule(footnote_marker, "a bloody border war in 1969.¹ In the 1960s")
    'a bloody border war in 1969. In the 1960s'
    >>> kept = "the 38th parallel, 50,000 men, 122 MiG-15 fighters, 10 km² in 1949–50"
    >>> try_rule(footnote_marker, kept) == kept
    True
    """
    literal = _verbatim_spans(text, ctx)  # formulae write exponents as superscripts too
    for m in _SUPERSCRIPT_MARK.finditer(text):
        if literal and _touches(literal, *m.span()):
            continue
        c = text[m.start() - 1] if m.start() else " "
        # a mark follows a word or its closing punctuation; after a space it is a note's own
        # number, after a digit an exponent, after a hyphen debris
        if not (c.isalpha() or c in _MARK_AFTER):
            continue
        before = text[max(0, m.start() - 12):m.start()]
        word = re.search(r"[^\W\d_]+$", before)
        if word and (len(word.group()) < 3 or word.group().lower() in _UNIT) and not re.search(r"[.,;:!?”\"’)]$", before):
            continue
        yield Region("footnote_marker", m.start(), m.end(), {"number": _superscript_value(m.group())})
        yield Edit(m.start(), m.end(), "", "superscript note marker", 0.95, removes="footnote_marker")
    glued: list[tuple[int, int]] = []
    for m in _GLUED_MARK.finditer(text):
        s, e = m.span()
        if s == 0:
            continue
        c = text[s - 1]
        punct = c in ".,;:!?”\"’)"
        if not (punct or c.isalpha()) or (punct and e < len(text) and not text[e].isspace()):
            continue
        word = re.search(r"[^\W\d_]+$", text[max(0, s - (21 if punct else 20)):s - (1 if punct else 0)])
        # "war.23" needs a word of two letters, "Moscow12" three; never "No.5", "p.173"
        if word is None or len(word.group()) < (2 if punct else 3) or _NOT_MARK_BEFORE.search(text[max(0, s - 8):s]):
            continue
        w0 = s - (1 if punct else 0) - len(word.group())
        if w0 > 0 and (text[w0 - 1] in "-‐" or text[w0 - 1].isdigit()):
            continue
        if literal and _touches(literal, s, e):
            continue
        glued.append((s, e))
    if not glued:
        return
    has_notes = any(r.kind == "footnote" for r in ctx.doc.regions)
    vals = [int(text[s:e]) for s, e in glued]
    steps = sum(1 for a, b in zip(vals, vals[1:]) if 1 <= b - a <= 2 or b == 1)
    sequence = len(vals) >= 3 and steps >= 0.7 * (len(vals) - 1)
    if not (has_notes or sequence):
        return
    for s, e in glued:
        yield Region("footnote_marker", s, e, {"number": text[s:e]})
        yield Edit(s, e, "", "note number glued to the word it annotates", 0.8, removes="footnote_marker")


#: a Markdown footnote definition ("[^1]: ...") or an HTML one ("<sup>1</sup> ..."), first
#: on its line
_NOTE_DEFINITION = re.compile(
    r"^ {0,3}(?:\[\^(?P<label>[^\]\s]{1,24})\]:|<sup>(?P<sup>\d{1,3})</sup>|\$\{\s*\}\^\{(?P<tex>\d{1,3})\}\$)[ \t]*\S", re.M
)
#: a Markdown footnote reference ("[^1]", not a definition), an HTML superscript number, or
#: a formula that is only a superscript number over nothing ("${ }^{1}$", as Mistral OCR writes)
_NOTE_REFERENCE = re.compile(r"\[\^(?P<label>[^\]\s]{1,24})\](?!:)|<sup>(?P<sup>\d{1,3})</sup>|\$\{\s*\}\^\{(?P<tex>\d{1,3})\}\$")


def _may_hold_notes(text: str) -> bool:
    """The text has a sign of Markdown-ish notes: "[^1]", "<sup>1</sup>" or "${ }^{1}$"."""
    return "[^" in text or "<sup>" in text or "}^{" in text


@rule("layout.footnote_definition")
def footnote_definition(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take Markdown footnote definitions out of the body, each a footnote of its own.

    "[^1]: The agent's accounts ..." and the lines of its block under it, wherever it stands
    (OCR-to-Markdown tools put them at the page foot, or together at the end); a block of
    notes opening with "<sup>1</sup> ..." or "${ }^{1}$ ..." likewise. A paragraph the notes cut mid-sentence
    is rejoined by reflow. ``--keep footnote`` leaves them in place.

    >>> from pipeline.rules import try_rule
    >>> try_rule(footnote_definition, "At Tobermory.[^1] He was paid.\\n\\n[^1]: From 1849.\\n[^2]: In 1853.\\n")
    'At Tobermory.[^1] He was paid.\\n\\n'
    >>> try_rule(footnote_definition, "The list [^1] and [1]: were printed.\\n")
    'The list [^1] and [1]: were printed.\\n'
    """
    if not _may_hold_notes(text):
        return
    found = list(_NOTE_DEFINITION.finditer(text))
    if not found:
        return
    t = line_table(text, ctx)
    literal = _literal_spans(text, ctx)
    starts: dict[int, str] = {}
    for m in found:
        i = bisect_right(t.starts, m.start()) - 1
        group = "label" if m.group("label") else "sup" if m.group("sup") else "tex"
        if _touches(literal if group != "tex" else _verbatim_spans(text, ctx), *m.span(group)):
            continue
        b = t.block_of[i]
        # a superscript number opens a note only at the head of its block, or under another
        if group != "label" and i != t.blocks[b][0] and (i - 1) not in starts:
            continue
        starts[i] = m.group(group)
    for i, label in sorted(starts.items()):
        last = t.blocks[t.block_of[i]][1]
        j = i
        while j < last and (j + 1) not in starts:
            j += 1
        yield Region("footnote", t.starts[i], t.ends[j], {"marker": label})
        # the note and the blank lines under it: the text around closes up
        k = j + 1
        while k < t.n and not t.texts[k]:
            k += 1
        e = t.starts[k] if k < t.n else len(text)
        yield Edit(t.starts[i], e, "", "Markdown footnote definition", 0.95, removes="footnote")


@rule("layout.footnote_reference")
def footnote_reference(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take Markdown footnote references ("[^1]", "<sup>1</sup>") out of the body as markers.

    An HTML note number counts after a word; a formula that is only a note number over
    nothing ("${ }^{1}$", as Mistral OCR writes one) too.

    ``--keep footnote_marker`` leaves them in place.

    >>> from pipeline.rules import try_rule
    >>> try_rule(footnote_reference, "paid at Tobermory.[^1] The pay rose,<sup>2</sup> twice.")
    'paid at Tobermory. The pay rose, twice.'
    >>> try_rule(footnote_reference, "an area of 10 km<sup>2</sup>, see `notes[^1]`")
    'an area of 10 km<sup>2</sup>, see `notes[^1]`'
    """
    if not _may_hold_notes(text):
        return
    literal: list[tuple[int, int]] | None = None
    for m in _NOTE_REFERENCE.finditer(text):
        s, e = m.span()
        if m.group("tex"):
            if s == 0 or text[s - 1] == "\n" or _touches(_verbatim_spans(text, ctx), s, e):
                continue  # at a line start it is a note's own number
            yield Region("footnote_marker", s, e, {"number": m.group("tex")})
            # the space before it goes too ("1844. ${ }^{1}$ Its" reads "1844. Its")
            s0 = s - 1 if text[s - 1] == " " and e < len(text) and text[e] in " \n" else s
            yield Edit(s0, e, "", "note number written as a formula", 0.9, removes="footnote_marker")
            continue
        if m.group("sup"):
            c = text[s - 1] if s else " "
            if not (c.isalpha() or c in _MARK_AFTER):
                continue  # at a line start it is a note's own number; after a digit an exponent
            before = text[max(0, s - 12):s]
            word = re.search(r"[^\W\d_]+$", before)
            if word and (len(word.group()) < 3 or word.group().lower() in _UNIT):
                continue
        if literal is None:
            literal = _literal_spans(text, ctx)
        if _touches(literal, s, e):
            continue
        yield Region("footnote_marker", s, e, {"number": m.group("label") or m.group("sup")})
        yield Edit(s, e, "", "Markdown footnote reference", 0.95, removes="footnote_marker")


def _superscript_value(s: str) -> str:
    return s.translate({ord(c): str(k) for k, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})


_EMPHASIS = (
    ("bold", "*", re.compile(r"\*\*(?<![\w*\\]\*\*)(?=[^\s*])(.{1,1000}?)(?<=[^\s*\\])\*\*(?![\w*])", re.S)),
    ("bold", "_", re.compile(r"__(?<![\w\\]__)(?=[^\s_])(.{1,1000}?)(?<=[^\s_\\])__(?!\w)", re.S)),
    ("italic", "*", re.compile(r"\*(?<![\w*\\]\*)(?=[^\s*])(.{1,1000}?)(?<=[^\s*\\])\*(?![\w*])", re.S)),
    ("italic", "_", re.compile(r"_(?<![\w\\]_)(?=[^\s_])(.{1,1000}?)(?<=[^\s_\\])_(?!\w)", re.S)),
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
#: emphasis wraps words: it opens on a letter, digit or opening quote and closes on a letter,
#: digit or closing punctuation ("*-titet ... hi*" in OCR debris is no emphasis)
_EMPHASIS_INNER = re.compile(r"^(?:[^\W\d_]|[“\"‘'(\[¿¡])(?:[\s\S]*[\w.,!?;:”\"’')\]…])?$")


@rule("layout.emphasis")
def emphasis(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take Markdown emphasis markup out of the text; the words stay, typed as emphasis.

    ``**bold**``, ``*italic*``, ``_italic_``.

    Asterisks that are not markup stay: a footnote's "*", "5 * 3", "as*".

    >>> from pipeline.rules import try_rule
    >>> try_rule(emphasis, "was *always* an integral part of **the plan**")
    'was always an integral part of the plan'
    >>> try_rule(emphasis, "* Ibid. 5 * 3 = 15, and snake_case_name stays")
    '* Ibid. 5 * 3 = 15, and snake_case_name stays'
    """
    if "*" not in text and "_" not in text:
        return
    found: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []
    # code, formulae and URLs are literal: "a_i + b_i", "/_private_/" hold no markup
    literal = _literal_spans(text, ctx)
    for style, marker, pat in _EMPHASIS:
        if marker not in text:
            continue
        for m in pat.finditer(text):
            inner = m.group(1)
            if _BLANK_LINE.search(inner) or inner.count("\n") > 8 or not _EMPHASIS_INNER.match(inner):
                continue
            s, e = m.span()
            if _touches(taken, s, e) or (literal and (_touches(literal, s, s + 1) or _touches(literal, e - 1, e))):
                continue
            insort(taken, (s, e))
            found.append((style, s, e))
    # one lone pair is markup only around a few words: across a long stretch it pairs OCR
    # debris ("conn«*T with ... shir*"). Judged on the words, not on the lines they stand on,
    # so the clean text (one paragraph a line) gets the same answer as the printed lines
    if not found or (len(found) < 2 and not _short_emphasis(text[found[0][1]:found[0][2]])):
        return
    frag_spans: list[tuple[int, int]] | None = None
    for style, s, e in sorted(found, key=lambda x: x[1]):
        if frag_spans is None:
            # markup inside a truncated strip is left as printed: fragments are not edited
            t = line_table(text, ctx)
            frag_spans = [(t.starts[i], t.ends[i]) for i in sorted(_fragment_lines(text, ctx))]
        if _touches(frag_spans, s, e):
            continue
        width = 2 if style == "bold" else 1
        yield Region("emphasis", s + width, e - width, {"style": style})
        yield Edit(s, s + width, "", f"Markdown {style} markup", removes="emphasis")
        yield Edit(e - width, e, "", f"Markdown {style} markup", removes="emphasis")


def _short_emphasis(span: str) -> bool:
    """A few words in markup: at most eight words and sixty characters, however wrapped.

    >>> _short_emphasis("*always*"), _short_emphasis("*T with deepening operations on the eastern side of the quay where*")
    (True, False)
    """
    words = span.split()
    return len(words) <= 8 and len(" ".join(words)) <= 60


def _touches(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    """Any of the sorted, disjoint spans overlaps [s, e)."""
    k = max(0, bisect_right(spans, (s, s)) - 1)
    while k < len(spans) and spans[k][0] < e:
        if s < spans[k][1]:
            return True
        k += 1
    return False


@rule("layout.furniture_recheck")
def furniture_recheck(text: str, ctx: Context) -> Iterator[Edit | Region]:
    """Take out page furniture that shows only once captions and footnotes are out.

    A head that stood over a legend now stands inside the sentence the legend interrupted.

    Cleaning the clean text again must change nothing; this is that second look, in the same run.

    >>> from pipeline.runner import run_rules
    >>> body = "the prisoner was taken into custody, it appeared, on a charge of stealing a\\n" * 3
    >>> text = body + "\\nOLD NEWSPAPERS\\n\\nFig. 2. A corset of the year 1790.\\n\\nwatch from the house.\\n"
    >>> "OLD NEWSPAPERS" in run_rules(text, [page_furniture, caption]).text
    True
    >>> "OLD NEWSPAPERS" in run_rules(text, [page_furniture, caption, furniture_recheck]).text
    False
    >>> run_rules("He said no.\\n\\nThat was all.\\n", [furniture_recheck]).text
    'He said no.\\n\\nThat was all.\\n'
    """
    doc = ctx.doc
    typed = {r.raw[0] for r in doc.regions if r.kind in ("header", "footer", "page_number")}
    table = line_table(text, ctx)
    for p in page_furniture(text, ctx):
        if isinstance(p, Flag):
            continue  # flagged the first time round
        # furniture kept in place (--keep) was typed the first time round
        if doc.origin[p.start] not in typed and not (isinstance(p, Edit) and doc.origin[_line_start(table, p.start)] in typed):
            yield p


def _line_start(table: LineTable, pos: int) -> int:
    return table.starts[bisect_right(table.starts, pos) - 1]


RULES = (
    form_feed, page_seam, verbatim_block, page_marker, footnote_definition, page_furniture, footnote, caption, heading,
    epigraph, furniture_recheck, markdown_table, footnote_marker, footnote_reference, emphasis,
)
