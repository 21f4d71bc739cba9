"""reflow: give the text its paragraphs back.

Runs last. Layout has taken the page furniture out and marked page seams, dehyphenation has
joined words split at line and page ends; what is left is prose broken by printed line ends,
page ends and OCR block breaks, plus typed blocks (headings, verse, lists, tables ...) that
keep their lines. The clean text is one paragraph a line, paragraphs separated by one blank
line.

Two kinds of input look alike line by line and must be told apart: wrapped text (an OCR
engine's printed lines, tens of characters each) and text that is already one paragraph a
line (an OCR-to-Markdown tool, the client's sample, or ocrmend's own output). In the second
kind every line break is deliberate, so nothing is unwrapped or split there; this is also
what makes cleaning the clean text a no-op.

Markdown written by those tools keeps its lines: list items (a wrapped item's own lines join
it), block quotes, and lines of structure (images, thematic breaks, HTML, link definitions,
"#" headings) are never joined to the prose around them; code and display formulae (typed
by layout) are kept byte for byte, spaces and all.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, NamedTuple, Optional

from ..edits import Edit
from ..rules import Context, rule
from .layout import _ATX, _MD_IMAGE_LINE, _THEMATIC_BREAK


@dataclass(frozen=True)
class Settings:
    """Tunable values of the reflow stage (``[tool.ocrmend.reflow]``).

    short_line:         a line ending a sentence and shorter than this share of the column's
                        usual width, followed by a new sentence, ends a paragraph
    long_line:          lines longer than this (characters) are unwrapped paragraphs, not
                        printed lines
    paragraph_lines:    share of the text's characters in long lines from which the text is
                        taken as one paragraph a line (nothing is unwrapped or split)
    single_lines:       share of the text's characters in blocks of one line from which the
                        text is taken as one paragraph a line (the clean text looks so)
    min_width_lines:    printed lines needed to measure a column's width
    room_share:         a line ending a sentence, followed by a new sentence whose first word
                        would have fitted on it within this share of the column's usual width,
                        ends a paragraph however long it is (0 turns this test off)
    """

    short_line: float = 0.75
    long_line: int = 150
    paragraph_lines: float = 0.4
    single_lines: float = 0.6
    min_width_lines: int = 5
    room_share: float = 0.9


# -- what the rules read ---------------------------------------------------------------------

#: Kinds whose lines are never unwrapped, joined or split (when they are in the text).
_KEEP_KINDS = frozenset(
    {"heading", "epigraph", "verse", "list", "table", "fragment", "header", "footer", "page_number", "caption", "footnote",
     "code", "math"}
)
#: Kinds kept byte for byte (layout.verbatim_block): not even their spaces are tidied.
_VERBATIM_KINDS = ("code", "math")
#: Kinds whose removal leaves a gap a paragraph may continue across.
_BLOCK_REMOVED = frozenset({"header", "footer", "page_number", "caption", "footnote", "fragment"})

# a line's text without the spaces around it (a form feed ends a line too)
_LINE = re.compile(r"\S(?:[^\n\f]*\S)?")
_SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘„«([{"
_C = re.escape(_CLOSERS)
_S = _SUPERSCRIPTS
# a sentence end: . ! ? : maybe followed by closing quotes/brackets and a footnote mark
_END = re.compile(
    rf"(?:[.!?:…][{_C}]*[{_S}]*|(?<=[^\W\d_])[.!?][{_C}]*\d{{1,3}})$"
)
_WORD_END = re.compile(rf"[^\W_][{_C}{_S}]*$")
_HYPHEN_END = re.compile(r"[^\W\d_][-\N{HYPHEN}\N{NON-BREAKING HYPHEN}¬]$")
_DASH_END = re.compile(r"[\N{EM DASH}\N{EN DASH}\N{HORIZONTAL BAR}]$")
_ABBREV = re.compile(
    r"(?:^|[\s(])(?:[A-Za-z]|Mr|Mrs|Ms|Dr|St|Messrs|Mme|Mlle|Prof|Rev|Hon|Gen|Col|Capt|Lieut|Sgt|Jr|Sr|"
    r"vol|vols|No|no|p|pp|cf|viz|etc|ca|fig|Fig|ch|chap|ed|eds|i\.e|e\.g|vs|al|op|cit|ibid|Ibid)\.$"
)
# a junk token OCR leaves at a line end (specks read as punctuation): no letters or digits
_JUNK_TOKEN = re.compile(r"[^\w]+|_+")
_LIST_MARKER = re.compile(
    r"(?:[•●▪◦‣■□·*+\-\N{EN DASH}\N{EM DASH}]|\d{1,3}[.)]|\(\d{1,3}\)|\(?[a-z][.)]|\(?[ivxlc]{1,6}[.)])\s+\S"
)
# a line that may start with a list marker (the exact test is _LIST_MARKER)
_MAYBE_ITEM = re.compile(r"^[^\S\n]*(?:[•●▪◦‣■□·*+\-\N{EN DASH}\N{EM DASH}(\d]|\w[.)])", re.M)
_MARKER_FIRST = frozenset("•●▪◦‣■□·*+-(\N{EN DASH}\N{EM DASH}")
#: a Markdown bullet: "-", "*" or "+" and one space; before a lower-case word too, when the
#: lines around bear the same bullet (one alone may be a speck at a line start)
_MD_BULLET = re.compile(r"([-*+]) (?! )\S")
#: a Markdown numbered item ("1. ", "1) ")
_MD_NUMBER = re.compile(r"\d{1,3}([.)]) \S")
# line ends after which a line break may close up without a space (hyphens, dashes)
_BREAK_MARKS = frozenset("-\N{HYPHEN}\N{NON-BREAKING HYPHEN}¬\N{EM DASH}\N{EN DASH}\N{HORIZONTAL BAR}")
_NUMBER_START = re.compile(r"(?:^|\s)[(\[]?[-+±$£€]?\d")
_TABLE_GAPS = re.compile(r"\S(?: {2,}|\t)\S")
#: a Markdown table row, as text-from-PDF and OCR-to-Markdown tools write tables: cells
#: between bars, the row starting or ending with one ("| Bob | 12 |"), or the rule under
#: the head ("|---|:--:|"); one bar beside prose is a column rule or a misread "I"
_PIPE_ROW = re.compile(r"\|[^|\n]*\|.*|.*\|[^|\n]*\|")
_PIPE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?")
_NUMBER = re.compile(r"^[(\[]?[-+±$£€%]?\d[\d.,:/%–-]*[)\]]?[.,;%]?$")
_SUSPENDED = re.compile(r"(?:and|or|nor|to|as|&)\b")
_HEADING_WORD = re.compile(
    r"(?:chapter|part|book|section|appendix|preface|introduction|contents|epilogue|prologue|index|notes)\b", re.I
)
_SMALL_WORDS = frozenset(
    "a an the and or nor but of in on to for with at by from as vs via into upon over under de la le du des von van".split()
)
_SENTENCE_START = re.compile("[" + re.escape(_OPENERS) + "\N{EM DASH}\N{EN DASH}\\s]{0,3}([^\\W\\d_])")
# one- or two-letter tokens that can start a sentence ("A", "I", "He", "ON"): not specks
_SHORT_WORD = re.compile(r"[A-Z][a-z]?|[A-Z]{2}|\d+")
_WORDISH = re.compile(r"[^\W\d_]{3}|[.!?]")
_ODD_STOP = re.compile(r"[,;\-]\.$")
_STOP = re.compile(r"[.!?]")
_TRAILING_CLOSERS = re.compile(rf"[{_C}{_S}]+$")
_ALNUM = re.compile(r"[^\W_]")
_EOL = re.compile(r"[\n\f]")
_FORM_FEED = re.compile("\f")
_LEADING_SPACE = re.compile(r"\s*")
# a line break with the spaces around it (and any blank lines)
_BREAK = re.compile(r"[\n\f]\s*")
# runs of spaces between two words of a line
_INNER_SPACES = re.compile(r"  +|[ \t]*\t[ \t]*")
# at a line end: another line follows with no blank line between
_SECOND_LINE = re.compile(r"[^\S\n\f]*\n[^\S\n\f]*[^\s]")
# a text starting (after up to three marks) with a lower-case word of two letters or more
_LOWER_WORD_START = re.compile(r"[\W_]{0,3}[^\W\d_A-Z]{2,}\b")
#: a quoted sentence closing a line, and a quotation opening the next (specks before it)
_QUOTE_END = re.compile(r"[^\W\d_]{2}[.!?](?:\u201d|\u2019|\")$")
_QUOTE_START = re.compile(r"[*_\s]{0,3}(?:\u201c|\u2018|\")[^\W\d_]")

#: lines that are Markdown or HTML structure, whole: an image, a thematic break, an HTML
#: comment or tag line, a link or footnote definition, an ATX heading. Such a line is a block
#: of its own, never joined to the prose around it, and keeps its line.
_MARKUP_LINE = re.compile(
    "|".join((
        _MD_IMAGE_LINE.pattern,
        _THEMATIC_BREAK.pattern,
        r"<!--.*-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>(?:.*>)?",
        r"\[\^?[^\]]+\]:\s*\S.*",
        _ATX.pattern + ".*",
        r"\[MISSING_PAGE_[A-Z_]+(?::\d+)?\]",  # nougat: the text of a page is missing here
    ))
)
#: a Markdown block quote line
_QUOTE_LINE = re.compile(r">(?:[ \t>]|$)")


#: a letter's salutation, a line of its own: "Dear Mr. Halé,", "My dear Sir,", "Gentlemen:"
_SALUTATION = re.compile(
    r"(?:(?:(?:My|MY)\s+)?(?:[Dd]ear(?:est)?|DEAR)\s+[^\W\d_][^,:;!?()\[\]\"“”]{0,40}[,:]"
    r"|(?:Sir|Madam|Sirs|Gentlemen|Ladies and Gentlemen|SIR|MADAM|GENTLEMEN)[,:.])[—–-]?"
)
#: the formula of a letter's close: "Yours sincerely", "Sincerely yours", "Yours, &c."
_CLOSE_FORMULA = (
    r"(?:(?:Yours|YOURS)(?:\s+(?:very\s+|most\s+)?(?:sincerely|faithfully|truly|respectfully|affectionately|cordially"
    r"|ever|gratefully|obediently))?"
    r"|(?:(?:Very|Most)\s+)?(?:Sincerely|Faithfully|Truly|Respectfully|Cordially|Affectionately|Gratefully)(?:\s+yours)?"
    r"|Ever\s+yours)(?:\s*,?\s*&c\.?)?"
)
#: a letter's complimentary close: "Yours sincerely,", "Yours faithfully" (OCR drops commas),
#: "Sincerely yours,", "Your obedient servant,", "With kind regards,", "I remain, Sir,"
_CLOSING = re.compile(
    _CLOSE_FORMULA + r"[,.]?"
    r"|(?:(?:Your|Yours)\s+(?:(?:most|very|ever)\s+)?(?:obedient|humble|affectionate|devoted|loving|sincere|faithful|grateful)"
    r"|(?:With\s+)?(?:[Bb]est|[Kk]ind(?:est)?|[Ww]arm(?:est)?)\s+(?:[Rr]egards|[Ww]ishes)|Regards)[^.!?;:()\[\]]{0,30},"
    r"|Believe\s+me(?:,?\s+(?:to\s+be|ever|always|yours|sincerely|truly|faithfully))*,"
    r"|I\s+(?:am|remain|have\s+the\s+honou?r\s+to\s+be)(?:,\s*(?:&c\.|[^.!?;:()\[\]]){0,36})?,"
)
#: the close and the name on one line: "Yours truly, JOHN SMITH.", "Yours, &c., A. B."
_SIGNED_CLOSE = re.compile(_CLOSE_FORMULA + r",?\s+(?:(?:[A-Z][^\W\d_]*[.'’-]?|[A-Z]\.|&)\s*){1,4}")
#: the most lines a signature under the close takes (a name, a title, a place)
_SIGNATURE_LINES = 3
_SIGNATURE_CHARS = 45


class Line(NamedTuple):
    start: int  # first non-space character
    end: int  # after the last non-space character
    text: str  # the stripped line
    page: int
    keep: int  # index of the typed region the line belongs to, or -1


class Layout:
    """The text as lines and blocks (runs of lines without a blank line between them)."""

    def __init__(self, text: str, ctx: Context) -> None:
        doc, settings = ctx.doc, ctx.settings or Settings()
        self.text = text
        self.settings = settings
        kept = []  # (start, end, index) of typed regions still in the text
        removed = []  # positions where a removed block was
        for i, r in enumerate(doc.regions):
            if r.kind not in _KEEP_KINDS and r.kind not in _BLOCK_REMOVED:
                continue
            s, e = doc.current_span(r.raw)
            if e > s and text[s:e].strip() and r.kind in _KEEP_KINDS:
                kept.append((s, e, i))
            elif r.kind in _BLOCK_REMOVED and (e == s or not text[s:e].strip()):
                removed.append(s)
        kept.sort()
        self.removed = sorted(removed)
        origin, page_starts = doc.origin, doc.page_starts
        self.raw, self.origin = doc.raw, origin
        # pages in current positions, walked in step with the lines: layout's page starts,
        # and form feeds of the raw text (when layout did not run); raw positions, so that
        # the pages stay the same whatever a rule before changed
        starts = set(page_starts)
        if "\f" in doc.raw:
            starts.update(m.end() for m in _FORM_FEED.finditer(doc.raw))
        page_at = sorted(origin.first_at_least(p) for p in starts)
        page_at.append(len(text) + 1)
        # blocks: runs of lines with no blank line between them and of one typed region (or
        # none); a list below the sentence that introduces it is a block of its own
        lines: list[Line] = []
        blocks: list[list[int]] = []
        cur: list[int] = []
        # a form feed left in the text (layout did not run) also ends a block
        has_ff = "\f" in text
        page = 0
        prev_end, prev_keep = -1, -2
        count = text.count
        kp, nkept = 0, len(kept)
        active: list[tuple[int, int, int]] = []
        new_line = tuple.__new__
        for m in _LINE.finditer(text):
            s, e = m.span()
            ff = has_ff and prev_end >= 0 and count("\f", prev_end, s) > 0
            while page_at[page] <= s:
                page += 1
            # typed regions that may cover this line: started before its end, not yet over
            while kp < nkept and kept[kp][0] < e:
                active.append(kept[kp])
                kp += 1
            keep = -1
            if active:
                active = [r for r in active if r[1] > s]
                best = 0
                for rs, re_, idx in active:
                    overlap = min(e, re_) - max(s, rs)
                    if overlap > best:
                        keep, best = idx, overlap
                if best * 2 < e - s:
                    keep = -1
            i = len(lines)
            lines.append(new_line(Line, (s, e, m.group(), page, keep)))  # Line(...), without its Python __new__
            if keep == prev_keep and not ff and count("\n", prev_end, s) < 2:
                cur.append(i)
            else:
                cur = [i]
                blocks.append(cur)
            prev_end, prev_keep = e, keep
        self.lines = lines
        total = sum(len(ln.text) for ln in lines) or 1
        long_chars = sum(len(ln.text) for ln in lines if len(ln.text) > settings.long_line)
        single_chars = sum(len(lines[b[0]].text) for b in blocks if len(b) == 1)
        #: one paragraph a line: every line break is deliberate. Long lines tell (no printed
        #: line is 150 characters long), and so does prose standing in single-line blocks:
        #: that is what the clean text looks like, whatever its paragraphs' length
        self.paragraph_per_line = long_chars >= settings.paragraph_lines * total or single_chars >= settings.single_lines * total
        if not self.paragraph_per_line:
            # a letter's salutation and its close with the signature keep their lines apart
            # from the paragraphs OCR ran them into
            parted: list[list[int]] = []
            for b in blocks:
                cuts = _letter_cuts([lines[i].text for i in b]) if lines[b[0]].keep < 0 else []
                for x, y in zip([0, *cuts], [*cuts, len(b)]):
                    parted.append(b[x:y])
            blocks = parted
            split: list[list[int]] = []
            for b in blocks:
                f = None
                if len(b) > 2 and lines[b[0]].keep < 0 and _MAYBE_ITEM.search(text, lines[b[1]].start, lines[b[-1]].end):
                    f = _list_start([lines[i].text for i in b])
                if f:
                    split.extend((b[:f], b[f:]))
                else:
                    split.append(b)
            blocks = split
        self.blocks = blocks
        self._widths()
        self._kinds: list[Optional[str]] = [None] * len(blocks)
        self._ends: dict[int, list[int]] = {}
        self._pieces: dict[int, list[str]] = {}

    # -- column widths ----------------------------------------------------------------------
    def _widths(self) -> None:
        """The usual length of a printed line, per page (see ``_usual_width``).

        Every line counts, whatever block it is in, so the measure does not change when
        join_split_paragraphs merges blocks: both rules see the same widths.
        """
        per_page: dict[int, list[int]] = {}
        for ln in self.lines:
            if ln.keep < 0:
                per_page.setdefault(ln.page, []).append(len(ln.text))
        n = self.settings.min_width_lines
        everything = sorted(w for ws in per_page.values() for w in ws)
        for ws in per_page.values():
            ws.sort()
        self.doc_width: Optional[float] = _usual_width(everything) if len(everything) >= n else None
        self.page_width = {p: (_usual_width(ws) if len(ws) >= n else self.doc_width) for p, ws in per_page.items()}

    def kind(self, k: int) -> str:
        """The kind of block ``k`` (see ``_block_kind``), worked out on first use."""
        kind = self._kinds[k]
        if kind is None:
            kind = self._block_kind(self.blocks[k])
            if kind == "prose" and len(self.blocks[k]) == 1 and self._loose_item(k):
                kind = "list"
            self._kinds[k] = kind
        return kind

    def is_list(self, k: int) -> bool:
        """Block ``k`` is a list (in a text of one paragraph a line too, where multi-line
        blocks are only 'lines')."""
        kind = self.kind(k)
        if kind == "list":
            return True
        if kind != "lines":
            return False
        texts = [self.lines[i].text for i in self.blocks[k]]
        return bool(_MAYBE_ITEM.match(texts[0])) and _list_start(texts) == 0

    def _loose_item(self, k: int) -> bool:
        """Block ``k`` is one item of a Markdown list whose items stand apart (a blank line
        between them): it and the block before or after open with the same kind of marker."""
        mark = _item_mark(self.lines[self.blocks[k][0]].text)
        if mark is None:
            return False
        return any(
            0 <= x < len(self.blocks) and _item_mark(self.lines[self.blocks[x][0]].text) == mark for x in (k - 1, k + 1)
        )

    def paragraph_ends(self, k: int) -> list[int]:
        """Positions inside block ``k`` (0-based line offsets) after which OCR ran two
        paragraphs together: a line clearly shorter than the column ends a sentence and the
        next line starts one."""
        if self.paragraph_per_line or len(self.blocks[k]) < 2 or self.kind(k) != "prose":
            return []
        cached = self._ends.get(k)
        if cached is None:
            block = self.blocks[k]
            cached = []
            # the two longest lines of the block: room is judged against the longest other
            # line too, since a page may mix type sizes (a quotation set smaller is wider in
            # characters than the text around it, and would make its lines look short)
            longest = sorted((len(self.lines[i].text) for i in block), reverse=True)[:2]
            for n, (i, j) in enumerate(zip(block, block[1:])):
                line = self.lines[i]
                a, b = line.text, self.lines[j].text
                w = self.page_width.get(line.page, self.doc_width)  # the line's own page
                if not w or not _new_sentence(b):
                    continue
                if len(a) >= self.settings.short_line * w and not _reply_follows(a, b):
                    other = longest[1] if len(a) == longest[0] else longest[0]
                    if not _room_left(a, b, min(self.settings.room_share * w, other)):
                        continue
                # only a stop after a word of its own: specks ("child. :") and a lone ":" are
                # read one way on their line and another after the line before (as the
                # clean text shows them), and the decision must not change between the two
                toks = a.split()
                while len(toks) > 1 and _JUNK_TOKEN.fullmatch(toks[-1]):
                    toks.pop()  # specks after the stop
                last = toks[-1]
                if len(last) >= 3 and sum(1 for ch in last if ch.isalpha()) >= 2 and _end_class(a) in ("end", "speck_end"):
                    cached.append(n)
            self._ends[k] = cached
        return cached

    def pieces(self, k: int) -> list[str]:
        """The paragraphs block ``k`` becomes once unwrapped, as text."""
        out = self._pieces.get(k)
        if out is None:
            block = self.blocks[k]
            out, start = [], 0
            for n in self.paragraph_ends(k) + [len(block) - 1]:
                # whitespace collapsed, as blank_lines leaves prose: decisions must not
                # depend on the spaces OCR left
                out.append(" ".join(_unwrapped([self.lines[i].text for i in block[start : n + 1]]).split()))
                start = n + 1
            self._pieces[k] = out
        return out

    # -- block kinds ------------------------------------------------------------------------
    def _block_kind(self, block: list[int]) -> str:
        """'prose', or why the block keeps its lines: 'typed' (a region), 'letter' (a
        salutation, or a close and its signature), 'list', 'table', 'verse'; 'lines' for
        multi-line blocks of a text that is one paragraph a line."""
        lines = [self.lines[i] for i in block]
        if any(ln.keep >= 0 for ln in lines):
            return "typed"
        markdown = _markdown_kind([ln.text for ln in lines])
        if markdown:
            return markdown
        if all(_specks(ln.text) for ln in lines):
            return "specks"
        if _letter_part([ln.text for ln in lines]):
            return "letter"
        if len(lines) < 2:
            # one line is a table row only by its aligned columns: a line of prose with many
            # numbers in it is still prose (and an unwrapped paragraph may be one)
            t = lines[0].text
            return "table" if len(_TABLE_GAPS.findall(t)) >= 2 or ("|" in t and _table_line(t)) else "prose"
        if self.paragraph_per_line:
            return "lines"
        texts = [ln.text for ln in lines]
        span = self.text[lines[0].start : lines[-1].end]
        if _MAYBE_ITEM.match(span) and _list_start(texts) == 0:
            return "list"
        if _maybe_table(span, len(texts)) and (sum(1 for t in texts if _table_line(t)) * 2 >= len(texts)
                                               or _pipe_table(texts)):
            return "table"
        if self._verse_like(block):
            return "verse"
        return "prose"

    def _verse_like(self, block: list[int]) -> bool:
        """Verse, told by its own lines (see ``_classic_verse`` and ``_punctuated_verse``).

        Deliberately not by line length against the column: in the clean text the prose
        around a poem is unwrapped, so the measure a poem was judged by is gone, and a
        judgement that rested on it could not be made again the same way.
        """
        texts = [self.lines[i].text for i in block]
        return _classic_verse(texts) or _punctuated_verse(texts)

    # -- gaps -------------------------------------------------------------------------------
    # A page seam counts as evidence only where the input had a form feed or layout took a
    # block out: a seam inferred from blank lines rests on the same clues as the rules here,
    # and would appear again in the clean text (which has no form feeds and nothing to take
    # out), so it could not keep the result stable.
    def form_feed_between(self, start: int, end: int) -> bool:
        if "\f" in self.text[start:end]:
            return True
        return "\f" in self.raw[self.origin[start] : self.origin[end]]

    def removed_between(self, start: int, end: int) -> bool:
        i = bisect_left(self.removed, start)
        return i < len(self.removed) and self.removed[i] <= end


def _layout(text: str, ctx: Context) -> Layout:
    return ctx.doc.cached("reflow.layout", lambda: Layout(text, ctx))


def _signature(texts: list[str]) -> bool:
    """Up to three short lines that can sign a letter: a name, a title, a place."""
    return len(texts) <= _SIGNATURE_LINES and all(
        len(t) <= _SIGNATURE_CHARS and not t.endswith((",", ";", "-")) and _first_letter_upper(t) for t in texts
    )


def _short_line(t: str, others: list[str]) -> bool:
    """Shorter than a printed line: a salutation or a close is never set to the full column."""
    return len(t) <= 32 or (bool(others) and len(t) < 0.7 * max(map(len, others)))


def _letter_part(texts: list[str]) -> bool:
    """The lines are a letter's salutation, or its close with the signature under it.

    >>> _letter_part(["Dear Mr. Halé,"]), _letter_part(["Yours sincerely,", "A. Fernández"])
    (True, True)
    >>> _letter_part(["Yours truly, JOHN SMITH."]), _letter_part(["I am, Sir, yours, &c.,", "A. B."])
    (True, True)
    >>> _letter_part(["Yours is the kingdom,", "and the power"]), _letter_part(["Dear me, what a day it was"])
    (False, False)
    """
    if len(texts) == 1 and len(texts[0]) <= 48 and (
        (len(texts[0]) <= 32 and _SALUTATION.fullmatch(texts[0])) or _SIGNED_CLOSE.fullmatch(texts[0])
    ):
        return True
    return len(texts[0]) <= 48 and bool(_CLOSING.fullmatch(texts[0])) and _signature(texts[1:])


def _letter_cuts(texts: list[str]) -> list[int]:
    """Where a block's lines part into a salutation, the letter's text and its close.

    A salutation is the block's first line with text under it; a close stands after a line
    that ends a sentence, with at most a short signature under it.

    >>> _letter_cuts(["Dear Sir,", "Thank you for the notes.", "Yours faithfully,", "J. Smith"])
    [1, 2]
    >>> _letter_cuts(["and yours truly", "Yours faithfully,", "J. Smith"])
    []
    >>> _letter_cuts(["the harbour was closed to them.", "Yours, &c., JOHN SMITH."])
    [1]
    """
    cuts = []
    if len(texts) > 1 and _SALUTATION.fullmatch(texts[0]) and _short_line(texts[0], texts[1:]):
        cuts.append(1)
    for f in range(max(1, len(texts) - 1 - _SIGNATURE_LINES), len(texts)):
        # the close's formula first: it is rare, and the other tests cost more (all are pure,
        # so the order changes nothing but the time)
        if (
            f not in cuts
            and (
                (_CLOSING.fullmatch(texts[f]) and _signature(texts[f + 1 :]))
                or (f == len(texts) - 1 and len(texts[f]) <= 48 and _SIGNED_CLOSE.fullmatch(texts[f]))
            )
            and _short_line(texts[f], texts[:f])
            and _end_class(texts[f - 1]) in ("end", "speck_end")
        ):
            cuts.append(f)
            break
    return cuts


def _classic_verse(texts: list[str]) -> bool:
    """Three or more lines, each starting with a capital (one may slip in a long poem), most
    ending on punctuation, none on a hyphen: verse as it is traditionally printed."""
    n = len(texts)
    if n < 3:
        return False
    slips = 1 if n >= 6 else 0
    for t in texts:
        if not _first_letter_upper(t):
            slips -= 1
            if slips < 0:
                return False
    ends = [_end_class(t) for t in texts[:-1]]
    if "hyphen" in ends:
        return False
    punct = sum(1 for e in ends if e in ("end", "speck_end", "abbrev", "comma", "semicolon", "dash"))
    return punct * 5 >= 3 * (n - 1)


def _punctuated_verse(texts: list[str]) -> bool:
    """Three or more lines of uneven length nearly all ending on punctuation (verse set in
    lower case, an epigraph): wrapped prose ends most lines on a bare word, at one length."""
    n = len(texts)
    if n < 3:
        return False
    # a cheap count first: a last word of letters only is a bare word end (stopping as soon
    # as there are too many: wrapped prose shows it within a few lines)
    plain = 0
    for t in texts[:-1]:
        w = t[t.rfind(" ") + 1 :]
        if w.isalpha() and len(w) > 2:
            plain += 1
            if plain * 5 > n - 1:
                return False
    ends = [_end_class(t) for t in texts[:-1]]
    if "hyphen" in ends:
        return False
    bare = sum(1 for e in ends if e in ("word", "caps", "digit"))
    if bare * 5 > n - 1:
        return False
    widths = [len(t) for t in texts[:-1]]
    return min(widths) < 0.75 * max(widths)


def _specks(t: str) -> bool:
    """A line of OCR specks: at most three tokens, no word of three letters, no stop."""
    return len(t.split()) <= 3 and not _WORDISH.search(t)


def _usual_width(ordered: list[int]) -> float:
    """The length most lines share: the median of the largest group of lengths within 20 %
    of each other. Short lines (paragraph ends, headings, specks) and lines OCR ran across the
    gutter into the facing page both fall outside it."""
    # a group starts at the first line of some length (a later line of the same length has
    # the same group, one line shorter): one step per distinct length, not one per line
    best_i, best_j, i = 0, 0, 0
    n = len(ordered)
    while i < n:
        v = ordered[i]
        j = max(i, bisect_right(ordered, v * 1.2) - 1)
        if j - i >= best_j - best_i:
            best_i, best_j = i, j
        i = bisect_right(ordered, v, i)
    return ordered[(best_i + best_j) // 2]


def _list_start(texts: list[str]) -> Optional[int]:
    """Where a list begins in a block's lines, or None: two or more items numbered in
    sequence, or three or more bullets (a dash or star counts only before a capital, since
    specks at a line start are read as those) covering at least 40 % of the lines. A
    Markdown bullet ("- ", "* ", "+ ") counts before a lower-case word too when it opens
    three lines, or two with only their items' wrapped lines beside them.

    >>> _list_start(["- oil for the lamp;", "- wicks and glasses;", "- salt beef."])
    0
    >>> _list_start(["- to leave at first light and", "to return before dark;", "- to count the stores."])
    0
    >>> _list_start(["the keeper wrote that the", "- wind had turned, and the", "- sea was up."]) is None
    True
    """
    marks = []
    bullets: dict[str, list[int]] = {}  # Markdown bullets before a lower-case word, by bullet
    for i, t in enumerate(texts):
        if not (t[0] in _MARKER_FIRST or t[0].isdigit() or t[1:2] in (".", ")")):
            continue
        m = _LIST_MARKER.match(t)
        if not m:
            continue
        if t[0] in "*-+\N{EN DASH}\N{EM DASH}·" and not re.match(r"\S+\s+[\"“‘'(]?[A-Z0-9]", t):
            if _MD_BULLET.match(t):
                bullets.setdefault(t[0], []).append(i)
            continue
        marks.append(i)
    for bullet, at in bullets.items():
        # the same bullet on several lines is a list written in Markdown, not specks: three
        # of them, or two with nothing but their items' wrapped lines around them
        if len(at) < 2:
            continue
        if at[0] == 0 and all(i in at or _start_class(t) in ("lower", "cont") for i, t in enumerate(texts)):
            return 0
        if len(at) >= 3 or any(texts[i][0] == bullet for i in marks):
            marks = sorted(marks + at)
    if len(marks) < 2:
        return None
    if len(marks) == len(texts) and all(_MD_BULLET.match(t) for t in texts) and len({t[0] for t in texts}) == 1:
        return 0  # every line bears the same Markdown bullet
    f = marks[0]
    numbers = [re.match(r"\(?(\d{1,3}|[a-z])[.)]", texts[i]) for i in marks]
    if all(numbers):
        vals = [int(n.group(1)) if n.group(1).isdigit() else ord(n.group(1)) for n in numbers]
        if all(b == a + 1 for a, b in zip(vals, vals[1:])):
            return f
    if len(marks) >= 3 and len(marks) * 5 >= 2 * (len(texts) - f):
        return f
    return None


def _markdown_kind(texts: list[str]) -> str:
    """'quote' for a Markdown block quote, 'markup' for lines of Markdown or HTML structure
    (an image, a thematic break, HTML, a link definition, an ATX heading), else ''.

    >>> _markdown_kind(["> The tower is sound,", "> but the dwelling is damp."]), _markdown_kind(["* * *"])
    ('quote', 'markup')
    >>> _markdown_kind(["![The tower](fig1.png)"]), _markdown_kind(["The tower is sound,", "> but damp"])
    ('markup', '')
    """
    if texts[0][:1] not in _MARKUP_FIRST:
        return ""
    if all(_QUOTE_LINE.match(t) for t in texts):
        return "quote"
    if all(_MARKUP_LINE.fullmatch(t) for t in texts):
        return "markup"
    return ""


_MARKUP_FIRST = frozenset("!-*_<[#>")


def _item_mark(t: str) -> Optional[str]:
    """The kind of Markdown list marker line ``t`` opens with ('-', '*', '+', '.', ')'), or None."""
    m = _MD_BULLET.match(t) or _MD_NUMBER.match(t)
    return m.group(1) if m else None


def _continuation_lines(texts: list[str], indents: list[int]) -> list[int]:
    """Offsets of the lines of a list block that go on with the item above them: not an
    item themselves, and indented under it (as Markdown wraps an item) or continuing its
    sentence in lower case after a line that stops mid-phrase.

    >>> _continuation_lines(["- to leave at first light and", "to return before dark;", "- to count the stores."], [0, 2, 0])
    [1]
    >>> _continuation_lines(["1. oil;", "2. wicks.", "The list never changed."], [0, 0, 0])
    []
    """
    out = []
    for n in range(1, len(texts)):
        t = texts[n]
        if _LIST_MARKER.match(t) or _QUOTE_LINE.match(t):
            continue
        item_indent = next((indents[x] for x in range(n - 1, -1, -1) if _LIST_MARKER.match(texts[x])), None)
        if item_indent is None:
            continue
        if indents[n] > item_indent or (
            _start_class(t) == "lower" and _end_class(texts[n - 1]) in ("word", "comma", "hyphen", "dash")
        ):
            out.append(n)
    return out


def _is_blank_gap(text: str, start: int, end: int, has_ff: bool = True) -> bool:
    return text.count("\n", start, end) >= 2 or (has_ff and text.count("\f", start, end) > 0)


# -- line ends and starts -------------------------------------------------------------------
def _strip_junk_tail(t: str) -> tuple[str, bool]:
    """The text without trailing OCR specks (``child. :``, ``gold. co ;``), and whether any
    were there. Specks are tokens without letters or digits, or one or two characters
    after a sentence end."""
    toks = t.split()
    n = len(toks)
    while len(toks) > 1 and (
        _JUNK_TOKEN.fullmatch(toks[-1])
        or (len(toks[-1]) <= 2 and not _SHORT_WORD.fullmatch(toks[-1]) and _END.search(toks[-2]))
    ):
        toks.pop()
    return (" ".join(toks), True) if len(toks) != n else (t, False)


def _end_class(t: str) -> str:
    """How a stretch of text ends: 'end' (a sentence end), 'speck_end' (a sentence end, or a
    stop, among OCR specks: less sure), 'abbrev' (Mr., e.g., an initial), 'hyphen', 'dash',
    'word' (a lower-case or mixed-case word), 'caps' (an all-capitals word), 'digit',
    'comma', 'semicolon' or 'other'."""
    t = t.rstrip("*_ \t")  # Markdown emphasis closing the line
    last = t[t.rfind(" ") + 1 :]
    if len(last) > 2 and last[-2].isalpha():
        # the common cases, without the speck analysis: a word, or a stop after a word
        c = last[-1]
        if c.islower():
            return "word"
        if c in ".!?":
            return "abbrev" if _ABBREV.search(" " + last) else "end"
    core, specks = _strip_junk_tail(t)
    if _HYPHEN_END.search(core):
        return "hyphen"
    if _END.search(core):
        last = core.split()[-1] if core.split() else core
        if _ABBREV.search(" " + last):
            return "abbrev"
        if specks or _ODD_STOP.search(last):
            return "speck_end"
        return "end"
    if specks and _STOP.search(t, len(core)):
        return "speck_end"
    if _DASH_END.search(core):
        return "dash"
    if _WORD_END.search(core):
        word = _TRAILING_CLOSERS.sub("", core.split()[-1])
        if word[-1:].isdigit():
            return "digit"
        letters = [c for c in word if c.isalpha()]
        if len(letters) >= 2 and all(c.isupper() for c in letters):
            return "caps"
        return "word"
    if core[-1:] == ",":
        return "comma"
    if core[-1:] == ";":
        return "semicolon"
    return "other"


def _start_class(t: str) -> str:
    """How a line starts: 'lower', 'upper', 'digit', 'cont' (, ; : ) ] . continuing a
    sentence) or 'other'."""
    t = t.lstrip("*_ \t")
    if not t:
        return "other"
    if t[0] in ",;:.)]}":
        return "cont"
    toks = t.split(None, 3)
    while len(toks) > 1 and _JUNK_TOKEN.fullmatch(toks[0]) and toks[0] not in _OPENERS:
        toks = toks[1:]  # OCR specks before the first word
    t = " ".join(toks)
    m = _ALNUM.search(t)
    if not m or m.start() > 3:
        return "other"
    c = m.group()
    if c.islower():
        return "lower"
    if c.isupper():
        return "upper"
    return "digit"


def _room_left(a: str, b: str, room: float) -> bool:
    """The first word of line ``b`` would have fitted at the end of line ``a``: the printer
    did not wrap there, so the line ends its paragraph however long it is. ``room`` is less
    than the column's usual width (Settings.room_share), as characters of proportional type
    are not all the same width.

    >>> _room_left("greater than is my danger now.\u201d", "And thereupon the youth", 36)
    True
    >>> _room_left("greater than is my danger now.\u201d", "Thereupon the youth", 36)
    False
    """
    words = b.lstrip("*_ \t").split(None, 1)
    return bool(words) and len(a) + 1 + len(words[0]) <= room


def _reply_follows(a: str, b: str) -> bool:
    """Line ``a`` ends a quoted sentence and line ``b`` opens a new quotation: in dialogue a
    new speech starts a new paragraph, whatever the length of the line before.

    >>> _reply_follows('said Audry, \u201cthe kist might be locked.\u201d', '\u201cIt is quite clear,\u201d said Aline,')
    True
    >>> _reply_follows('he called them \u201cYoung Turks\u201d', '\u201cThe Turkish Authorities')
    False
    """
    return bool(_QUOTE_END.search(a)) and bool(_QUOTE_START.match(b))


def _first_letter_upper(t: str) -> bool:
    for c in t[:4]:
        if c.isalpha():
            return c.isupper()
    return False


def _new_sentence(t: str) -> bool:
    """The line starts a sentence: a capital, maybe after an opening quote or a dash."""
    t = t.lstrip("*_")
    m = _SENTENCE_START.match(t)
    return bool(m) and m.group(1).isupper() and not t.startswith(("(", "[", "{"))


def _maybe_table(joined: str, n: int) -> bool:
    """Cheap test: could half of ``n`` lines be table rows?"""
    if "  " in joined or "\t" in joined or joined.count("|") >= n:
        return True
    digits = sum(map(joined.count, "0123456789"))
    return digits >= 3 * ((n + 1) // 2) and len(_NUMBER_START.findall(joined)) >= 3 * ((n + 1) // 2)


def _table_line(t: str) -> bool:
    """Aligned columns (runs of spaces or tabs between cells), a Markdown table row, or a row
    mostly of numbers.

    >>> _table_line("| Bob | 12 |"), _table_line("|---|:--:|"), _table_line("Ann | 14 |")
    (True, True, True)
    >>> _table_line("cried the mother. |"), _table_line("If | knew, | would go")
    (False, False)
    """
    if ("  " in t or "\t" in t) and len(_TABLE_GAPS.findall(t)) >= 2:
        return True
    if "|" in t and (_PIPE_ROW.fullmatch(t.strip()) or _PIPE_RULE.fullmatch(t.strip())):
        return True
    if len(_NUMBER_START.findall(t)) < 3:
        return False
    toks = t.split()
    nums = sum(1 for w in toks if _NUMBER.match(w))
    return len(toks) >= 3 and nums >= 3 and nums * 2 >= len(toks)


def _pipe_table(texts: list[str]) -> bool:
    """A Markdown table without outer bars: a rule of dashes under its head, a bar in every
    line.

    >>> _pipe_table(["Name | Age", "---|---", "Bob | 12"]), _pipe_table(["If | knew", "it | would"])
    (True, False)
    """
    return all("|" in t for t in texts) and any(_PIPE_RULE.fullmatch(t.strip()) for t in texts)


def _heading_like(text: str) -> str:
    """Whether a short block reads as a heading: 'strong' (all capitals, or a heading word or
    number first: CHAPTER, Part, IV.), 'weak' (Title Case) or '' (not a heading). A heading
    never ends on a comma or on a word like "the" or "of"."""
    if len(text) <= 120 and _ATX.match(text):
        return "strong"  # a Markdown heading says so itself (the texts judged are 121 at most)
    if len(text) > 100:
        return ""
    words = text.split()
    if not words or len(words) > 12:
        return ""
    if text.rstrip()[-1:] in ",;":
        return ""
    core = [w.strip(_OPENERS + _CLOSERS + "*_.:,;!?") for w in words]
    core = [w for w in core if w]
    if not core or core[-1] in _SMALL_WORDS:
        return ""
    first = core[0]
    if _HEADING_WORD.match(first) or (len(words) <= 8 and re.fullmatch(r"[IVXLC]{2,}\.?|[IVXLC]\.|\d{1,3}\.", words[0])):
        return "strong"
    if not any(w.isalpha() and w.islower() and len(w) >= 2 for w in core):
        letters = [c for c in text if c.isalpha()]
        if letters and sum(1 for c in letters if c.isupper()) * 10 >= len(letters) * 8:
            return "strong"
    if _END.search(text.rstrip("*_")) and len(words) > 3:
        return ""
    content = [w for w in core if w.lower() not in _SMALL_WORDS or w is first]
    capped = sum(1 for w in content if w[0].isupper() or w[0].isdigit())
    return "weak" if capped * 4 >= len(content) * 3 and first[0].isupper() else ""


_HYPHEN_ENDS = ("-", "\N{HYPHEN}", "\N{NON-BREAKING HYPHEN}", "\N{NOT SIGN}")


def _flagged(ctx: Context, pos: int) -> bool:
    """A dehyphenate flag covers the character at ``pos`` (a break left for a person)."""
    spans = ctx.doc.cached(
        "reflow.dehyphenate_flags",
        lambda: sorted(f.raw for f in ctx.doc.flags if f.stage == "dehyphenate"),
    )
    if not spans:
        return False
    raw = ctx.doc.origin[pos]
    k = bisect_right(spans, (raw, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= raw < spans[k][1]


def _glue(a: str, b: str) -> str:
    """What replaces a line break between the lines ``a`` and ``b`` of one paragraph (every
    rule that joins lines uses this, so that they all agree on the paragraph's text)."""
    return _join_text(a, b, _end_class(a)) if a and a[-1] in _BREAK_MARKS else " "


def _join_text(a: str, b: str, a_end: str) -> str:
    """What replaces the break between ``a`` and ``b`` when they are one paragraph."""
    if a_end == "hyphen":
        # a hyphen dehyphenation left: keep it as printed, unless it is suspended ("pre- and")
        return " " if _SUSPENDED.match(b) else ""
    if a_end == "dash" and len(a) > 1 and not a[-2].isspace() and re.match(r"[^\W_]", b):
        return ""  # an em dash closes up to the next word, as printed
    return " "


# -- the rules ------------------------------------------------------------------------------
@rule("reflow.join_split_paragraphs")
def join_split_paragraphs(text: str, ctx: Context) -> Iterator[Edit]:
    """Rejoin a paragraph split by a page end, a removed block or an OCR block break.

    The part before must end mid-sentence and the part after must continue it: a lower-case
    start or continuing punctuation; after a word with no punctuation, any start that is not
    a heading; across a page seam or a removed caption, footnote or running head, any start
    that is not a heading. Headings, verse, lists, tables and other typed blocks are never
    joined.

    >>> from pipeline.rules import try_rule
    >>> page_end = ("Mao and the CCP leadership faced a dilemma: they had to consider the danger of a war "
    ...             "in East Asia, and Moscow weighed the same risk, thus enhancing Stalin's")
    >>> try_rule(join_split_paragraphs, page_end + "\\n\\ndetermination to back Kim's plans.\\n")[-60:]
    " thus enhancing Stalin's determination to back Kim's plans.\\n"

    In wrapped text (printed lines) the two parts become one block, and unwrap_lines then
    turns every line break of it into a space:

    >>> printed = ("It appeared that the prisoner was drunk,\\nand the constables went to\\n\\n"
    ...            "him and told him to go away.\\nHe refused, and was locked up.\\n")
    >>> print(try_rule(join_split_paragraphs, printed))
    It appeared that the prisoner was drunk,
    and the constables went to
    him and told him to go away.
    He refused, and was locked up.
    <BLANKLINE>
    >>> try_rule(join_split_paragraphs, "The war ended.\\n\\nThe Alliance's Golden Years\\n\\nFor a period of years\\n")
    "The war ended.\\n\\nThe Alliance's Golden Years\\n\\nFor a period of years\\n"
    """
    lay = _layout(text, ctx)
    lines, blocks, kind = lay.lines, lay.blocks, lay.kind
    yield from _list_across_seams(text, lay)

    # The decisions are made on the paragraphs the text will have once unwrapped, split and
    # joined, since the clean text shows exactly those and must get the same answers. Units
    # are those paragraphs' pieces in reading order; a link between two units is a candidate
    # join or a break that stays.
    cands: list[tuple[int, int, bool]] = []  # (block before, block after, seam)
    specks: list[str] = []  # per candidate, the text between the parts once joined
    for k in range(len(blocks) - 1):
        tail = lines[blocks[k][-1]].text
        if len(tail) >= 20 and _end_class(tail) == "end":
            continue  # the usual case: a sentence ends there, whatever comes before it
        if kind(k) != "prose":
            continue
        # OCR specks ("P22 :", "—-") are looked past, to the next part
        c = k + 1
        while c < len(blocks) and kind(c) == "specks":
            c += 1
        if c == len(blocks) or kind(c) != "prose" or not all(
            _is_blank_gap(text, lines[blocks[j - 1][-1]].end, lines[blocks[j][0]].start) for j in range(k + 1, c + 1)
        ):
            continue
        a, b = lines[blocks[k][-1]], lines[blocks[c][0]]
        seam = lay.removed_between(a.end, b.start) or lay.form_feed_between(a.end, b.start)
        cands.append((k, c, seam))
        seq = [a.text] + [lines[i].text for j in range(k + 1, c) for i in blocks[j]] + [b.text]
        specks.append("".join(_glue(x, y) + y for x, y in zip(seq, seq[1:]))[: -len(b.text)])
    if not cands:
        return

    # Units: the pieces of the blocks on either side of a candidate, in reading order; the
    # link after each unit is a candidate join, or -1 for a break that stays.
    units: list[str] = []
    unit_at: list[tuple[int, int]] = []  # (block, piece)
    links: list[int] = []
    by_before = {k: i for i, (k, _, _) in enumerate(cands)}
    involved = sorted({k for k, _, _ in cands} | {c for _, c, _ in cands})
    for k in involved:
        ps = lay.pieces(k)
        units.extend(ps)
        unit_at.extend((k, p) for p in range(len(ps)))
        links.extend([-1] * len(ps))
        if k in by_before:
            links[-1] = by_before[k]

    def next_paragraph(u: int) -> str:
        """The first piece after unit u, in its block or the next prose block."""
        k, p = unit_at[u]
        ps = lay.pieces(k)
        if p + 1 < len(ps):
            return ps[p + 1]
        for y in range(k + 1, len(blocks)):
            if kind(y) == "prose":
                return lay.pieces(y)[0]
        return ""

    at = {cand: u for u, cand in enumerate(links) if cand >= 0}  # candidate -> unit before it
    joined = [False] * len(cands)
    why = [""] * len(cands)
    seen: list[Optional[tuple[str, str, str]]] = [None] * len(cands)

    def left_text(u: int) -> str:
        """The paragraph ending with unit u (its last 120 characters are enough)."""
        parts, size = [units[u]], len(units[u])
        while u > 0 and links[u - 1] >= 0 and joined[links[u - 1]] and size <= 120:
            u -= 1
            parts.append(_bridge(specks[links[u]]))
            parts.append(units[u])
            size += len(units[u]) + len(specks[links[u]]) + 2
        return "".join(reversed(parts))[-121:]

    def right_run(u: int) -> tuple[str, int]:
        """The paragraph starting with unit u (its first 120 characters), and its last unit."""
        parts, size = [units[u]], len(units[u])
        while links[u] >= 0 and joined[links[u]]:
            if size <= 120:
                parts.append(_bridge(specks[links[u]]))
                parts.append(units[u + 1])
                size += len(units[u + 1]) + len(specks[links[u]]) + 2
            u += 1
        return "".join(parts)[:121], u

    for _ in range(4):
        changed = False
        for i, (_, _, seam) in enumerate(cands):
            u = at[i]
            a_text = left_text(u)
            b_text, last_unit = right_run(u + 1)
            after = next_paragraph(last_unit)
            key = (a_text, b_text, after)
            if key == seen[i]:
                continue
            seen[i] = key
            reason = _continues(a_text, b_text, seam, lambda: after)
            if bool(reason) != joined[i]:
                changed = True
            joined[i], why[i] = bool(reason), reason
        if not changed:
            break

    for i, (k, c, _) in enumerate(cands):
        if not joined[i]:
            continue
        u = at[i]
        conf = 0.95 if _start_class(units[u + 1]) in ("lower", "cont") else 0.8
        for j in range(k + 1, c + 1):
            p, q = lines[blocks[j - 1][-1]], lines[blocks[j][0]]
            if not lay.paragraph_per_line:
                glue = "\n"  # one block now; unwrap_lines turns its line breaks into spaces
            else:
                glue = _glue(p.text, q.text)
            yield Edit(p.end, q.start, glue, why[i] if j == c else why[i] + " (past OCR specks)", confidence=conf)
            if lay.paragraph_per_line and j < c:
                # specks of several lines become part of the one-line paragraph too
                for x, y in zip(blocks[j], blocks[j][1:]):
                    yield Edit(lines[x].end, lines[y].start, _glue(lines[x].text, lines[y].text), why[i] + " (past OCR specks)", confidence=conf)
        if lay.paragraph_per_line:
            # one line of prose now: no runs of spaces or tabs that would make it a table row
            for j in range(k, c + 1):
                yield from _collapse_spaces(lines[x] for x in blocks[j])


def _list_across_seams(text: str, lay: Layout) -> Iterator[Edit]:
    """A list a page end (or a removed block) cut in two goes on: the item after the seam
    follows the one before it (the next number, or the same bullet), so the two parts
    become one list again, one item a line. Only lists written one item a line (a part has
    two items or more): a list with blank lines between its items keeps them."""
    lines, blocks = lay.lines, lay.blocks
    for k in range(len(blocks) - 1):
        a, b = lines[blocks[k][-1]], lines[blocks[k + 1][0]]
        # cheap tests first: most blocks of a book open with no list marker at all
        if len(blocks[k]) + len(blocks[k + 1]) < 3 or not _item_mark(b.text) or not _is_blank_gap(text, a.end, b.start):
            continue
        if not (lay.is_list(k) and lay.is_list(k + 1)):
            continue
        before = next((lines[i].text for i in reversed(blocks[k]) if _LIST_MARKER.match(lines[i].text)), "")
        if not _next_item(before, b.text):
            continue
        if lay.form_feed_between(a.end, b.start) or lay.removed_between(a.end, b.start):
            yield Edit(a.end, b.start, "\n", "a list cut by a page end goes on with its next item", confidence=0.9)


def _next_item(a: str, b: str) -> bool:
    """Item ``b`` follows item ``a`` in one list: the next number, or the same bullet.

    >>> _next_item("2. the journal of the weather;", "3. the register of stores."), _next_item("- oil;", "- wicks;")
    (True, True)
    >>> _next_item("2. the journal;", "1. the log;"), _next_item("- oil;", "* wicks;")
    (False, False)
    """
    na, nb = re.match(r"(\d{1,3})([.)]) ", a), re.match(r"(\d{1,3})([.)]) ", b)
    if na and nb:
        return na.group(2) == nb.group(2) and int(nb.group(1)) == int(na.group(1)) + 1
    ma, mb = _MD_BULLET.match(a), _MD_BULLET.match(b)
    return bool(ma and mb) and ma.group(1) == mb.group(1)


def _bridge(glued: str) -> str:
    """The text between two joined parts: their glue, and the specks between, collapsed."""
    if not glued.strip():
        return glued
    return (" " if glued[:1].isspace() else "") + " ".join(glued.split()) + (" " if glued[-1:].isspace() else "")


def _unwrapped(texts: list[str]) -> str:
    """Lines joined as unwrap_lines joins them."""
    out = texts[0]
    for a, b in zip(texts, texts[1:]):
        out += _glue(a, b) + b
    return out


def _collapse_spaces(lines: Iterable[Line]) -> Iterator[Edit]:
    for ln in lines:
        if "  " in ln.text or "\t" in ln.text:
            for m in _INNER_SPACES.finditer(ln.text):
                if m.group() != " ":
                    yield Edit(ln.start + m.start(), ln.start + m.end(), " ", "run of spaces inside a line of prose")


def _continues(a_text: str, b_text: str, seam: bool, after_b: Callable[[], str] = lambda: "") -> str:
    """Why the paragraph ``b_text`` continues ``a_text`` ('' when it does not); ``after_b``
    is the paragraph after ``b_text`` (a Title Case line followed by a lower-case one is a
    sentence cut in pieces, not a heading).

    Only the texts and the seam decide, never line lengths: the same two paragraphs, already
    unwrapped, must get the same answer (cleaning the clean text changes nothing).
    """
    a_end = _end_class(a_text[-80:])
    b_start = _start_class(b_text)
    if a_end == "end":
        return ""
    if a_end in ("abbrev", "speck_end"):
        if b_start == "lower" and _LOWER_WORD_START.match(b_text):
            return "the stop before the break is an abbreviation or an OCR speck, and the next part starts in lower case"
        return ""
    b_heading = _heading_like(b_text)
    if b_heading == "weak":
        nxt = after_b()
        if nxt and _start_class(nxt) in ("lower", "cont"):
            b_heading = ""
    if a_end == "hyphen":
        if b_start in ("lower", "cont") or (b_start == "upper" and not b_heading):
            return "a line-end hyphen continues in the next part"
        return ""
    a_heading = _heading_like(a_text)
    if b_start in ("lower", "cont"):
        if a_heading == "strong":
            return ""
        return "the part before ends mid-sentence and the next starts in lower case"
    if a_heading or b_heading:
        return ""
    if a_end in ("word", "caps") and len(a_text.split()) >= 3:
        return "the part before ends on a word with no punctuation after it"
    if a_end == "semicolon":
        return "the part before ends on a semicolon"
    if seam and a_end in ("digit", "comma", "dash", "other"):
        return "a page end or a removed block cut the paragraph mid-sentence"
    return ""


@rule("reflow.unwrap_lines")
def unwrap_lines(text: str, ctx: Context) -> Iterator[Edit]:
    """Turn printed line breaks inside a paragraph into spaces; end a paragraph where OCR ran
    two together (a short line ending a sentence, then a new sentence).

    Headings, verse, lists, tables and epigraphs keep their lines, and so do a letter's
    salutation and its close with the signature ("Yours sincerely," / "A. Fernández"); a
    typed block, a salutation or a close is set apart from the prose around it. A text that
    is already one paragraph a line is left as it is.

    >>> from pipeline.rules import try_rule
    >>> text = ("The prisoner was taken into custody, it appeared,\\non a charge of stealing a watch and other\\n"
    ...         "articles, value twelve pounds, from the house\\nof Miss Keene.\\nHe was given access to the bedrooms, and after\\n"
    ...         "he had gone a watch and two rings were missed\\nfrom the drawers of the dressing-table.\\n")
    >>> print(try_rule(unwrap_lines, text))
    The prisoner was taken into custody, it appeared, on a charge of stealing a watch and other articles, value twelve pounds, from the house of Miss Keene.
    <BLANKLINE>
    He was given access to the bedrooms, and after he had gone a watch and two rings were missed from the drawers of the dressing-table.
    <BLANKLINE>
    >>> verse = ("Fluttering high are the banners of victory,\\nShaking the earth is the singing of millions;\\n"
    ...          "Mao Zedong and Stalin,\\nLike the suns shining in the heaven.\\n")
    >>> try_rule(unwrap_lines, verse) == verse
    True
    >>> print(try_rule(unwrap_lines, "I should like to print it, if you will allow it.\\nYours sincerely,\\nA. Fernández\\n"))
    I should like to print it, if you will allow it.
    <BLANKLINE>
    Yours sincerely,
    A. Fernández
    <BLANKLINE>
    """
    lay = _layout(text, ctx)
    lines = lay.lines
    for k, block in enumerate(lay.blocks):
        if k:
            p, q = lines[lay.blocks[k - 1][-1]], lines[block[0]]
            if not _is_blank_gap(text, p.end, q.start):
                # a typed block (a heading, a list ...) glued to prose: set it apart (code
                # keeps the indent of its first line)
                end = q.start if not _verbatim_line(ctx, q) else _line_start(text, q.start)
                yield Edit(p.end, end, "\n\n", "a typed block (heading, list ...) is a paragraph of its own")
        if not lay.paragraph_per_line and len(block) > 1 and lay.kind(k) == "list":
            # a list keeps one item a line; an item's own wrapped lines join it
            texts = [lines[i].text for i in block]
            indents = [lines[i].start - _line_start(text, lines[i].start) for i in block]
            for n in _continuation_lines(texts, indents):
                a, b = lines[block[n - 1]], lines[block[n]]
                yield Edit(a.end, b.start, _glue(a.text, b.text), "a list item's wrapped line goes on with its item", confidence=0.9)
            continue
        if lay.paragraph_per_line or len(block) < 2 or lay.kind(k) != "prose":
            continue
        ends = set(lay.paragraph_ends(k))
        for n, (i, j) in enumerate(zip(block, block[1:])):
            a, b = lines[i], lines[j]
            if n in ends:
                w = lay.page_width.get(a.page, lay.doc_width) or 0
                yield Edit(
                    a.end, b.start, "\n\n",
                    f"a line of {len(a.text)} characters in a column of about {round(w)} ends a sentence "
                    "and a new sentence follows: a paragraph end",
                    confidence=0.8,
                )
            else:
                glue = _glue(a.text, b.text)
                if glue == "" and a.text.endswith(_HYPHEN_ENDS) and _flagged(ctx, a.end - 1):
                    # dehyphenation could not decide this break and flagged it: keep it as
                    # printed (a space after the hyphen) for the person who will
                    glue = " "
                yield Edit(a.end, b.start, glue, "printed line break inside a paragraph", confidence=0.95)
        # the lines of a paragraph become one line of prose: no runs of spaces or tabs left in
        # it that would make it look like a table row
        yield from _collapse_spaces(lines[i] for i in block)


@rule("reflow.blank_lines")
def blank_lines(text: str, ctx: Context) -> Iterator[Edit]:
    """Separate paragraphs by exactly one blank line; no blank lines at the start or end, one
    final newline, no trailing spaces; runs of spaces OCR left inside prose become one space
    (tables and verse keep their spacing).

    >>> from pipeline.rules import try_rule
    >>> try_rule(blank_lines, "\\n\\nFirst  paragraph.  \\n\\n\\n\\nSecond paragraph.")
    'First paragraph.\\n\\nSecond paragraph.\\n'
    >>> try_rule(blank_lines, "Name      Born   Died\\nMao       1893   1976\\n")
    'Name      Born   Died\\nMao       1893   1976\\n'
    """
    # plain regular-expression passes, no block analysis: by now every paragraph is one line,
    # and a block of several lines is one that keeps them (verse, a table, a list ...)
    head = _LEADING_SPACE.match(text)
    start = head.end()
    if start == len(text):
        if text:
            yield Edit(0, len(text), "", "a text of blank lines only")
        return
    end = len(text.rstrip())
    # code and display formulae keep every space, their first line's indent and last line's end too
    verbatim = _verbatim_spans(text, ctx) if ctx.doc.regions else []
    if verbatim:
        start = min(start, verbatim[0][0])
        end = max(end, verbatim[-1][1])
    if start:
        yield Edit(0, start, "", "blank lines and spaces before the first paragraph")
    if text[end:] != "\n":
        yield Edit(end, len(text), "\n", "the text ends with one newline")
    for m in _BREAK.finditer(text, start, end):
        gs, ge = m.span()
        while text[gs - 1] in " \t\r\v\N{NO-BREAK SPACE}":  # spaces ending the line before
            gs -= 1
        if verbatim:
            outside = _outside(gs, ge, verbatim)
            if outside is None:
                continue  # a line break inside code
            gs, ge = outside
        gap = text[gs:ge]
        if gap == "\n\n" or gap == "\n":
            continue  # the usual breaks, already as they should be (no indent, no spaces)
        cut = max(gap.rfind("\n"), gap.rfind("\f")) + 1
        indent = gap[cut:]
        if gap.count("\n") >= 2 or "\f" in gap:
            # a kept block of several lines keeps the indent of its first line
            repl = "\n\n" + (indent if indent and _SECOND_LINE.match(text, _line_end(text, ge)) else "")
            if gap != repl:
                yield Edit(gs, ge, repl, "paragraphs are separated by one blank line")
        elif gap != "\n" + indent:
            yield Edit(gs, ge, "\n" + indent, "no spaces at a line end")
    typed = None
    for m in _INNER_SPACES.finditer(text, start, end):
        if not (text[m.start() - 1].strip() and text[m.end() : m.end() + 1].strip()):
            continue  # spaces at a line's start or end: the line breaks are dealt with above
        ls = max(text.rfind("\n", 0, m.start()), text.rfind("\f", 0, m.start())) + 1
        le = _line_end(text, m.end())
        line = text[ls:le]
        if _table_line(line) or _SECOND_LINE.match(text, le) or _after_a_line(text, ls):
            continue  # a table row, or a line of a block that keeps its lines (verse ...)
        if typed is None:
            typed = _typed_spans(text, ctx)
        i = bisect_right(typed, (m.start(), len(text))) - 1
        if i >= 0 and typed[i][1] > m.start():
            continue
        yield Edit(m.start(), m.end(), " ", "run of spaces inside a line of prose")


def _outside(gs: int, ge: int, spans: list[tuple[int, int]]) -> Optional[tuple[int, int]]:
    """The part of the gap [gs, ge) outside the sorted, disjoint ``spans`` (a gap reaches
    into code at most at one end, or lies inside it: None).

    >>> _outside(5, 12, [(10, 20)]), _outside(5, 12, [(0, 7)]), _outside(12, 14, [(10, 20)])
    ((5, 10), (7, 12), None)
    """
    k = bisect_right(spans, (gs, float("inf"))) - 1
    if k >= 0 and spans[k][1] > gs:
        gs = spans[k][1]
    k = bisect_left(spans, (gs, -1))
    if k < len(spans) and spans[k][0] < ge:
        ge = spans[k][0]
    return (gs, ge) if ge > gs else None


def _line_start(text: str, pos: int) -> int:
    """Where the line holding ``pos`` starts (after a newline or a form feed)."""
    return max(text.rfind("\n", 0, pos), text.rfind("\f", 0, pos)) + 1


def _verbatim_line(ctx: Context, ln: Line) -> bool:
    """The line belongs to a block kept byte for byte (code, a display formula)."""
    return ln.keep >= 0 and ctx.doc.regions[ln.keep].kind in _VERBATIM_KINDS


def _verbatim_spans(text: str, ctx: Context) -> list[tuple[int, int]]:
    """Current spans of the code and display formulae in the text, sorted."""
    spans = []
    for r in ctx.doc.regions_of(*_VERBATIM_KINDS):
        s, e = ctx.doc.current_span(r.raw)
        if e > s:
            spans.append((s, e))
    return sorted(spans)


def _after_a_line(text: str, ls: int) -> bool:
    """The line starting at ``ls`` follows another line with no blank line between."""
    if ls < 2 or text[ls - 1] != "\n":
        return False
    p = max(text.rfind("\n", 0, ls - 1), text.rfind("\f", 0, ls - 1)) + 1
    return bool(text[p : ls - 1].strip())


def _line_end(text: str, pos: int) -> int:
    m = _EOL.search(text, pos)
    return m.start() if m else len(text)


def _typed_spans(text: str, ctx: Context) -> list[tuple[int, int]]:
    """Current spans of the typed regions still in the text (headings, tables ...)."""
    doc = ctx.doc
    spans = []
    for r in doc.regions:
        if r.kind in _KEEP_KINDS:
            s, e = doc.current_span(r.raw)
            if e > s:
                spans.append((s, e))
    return sorted(spans)


RULES = (join_split_paragraphs, unwrap_lines, blank_lines)
