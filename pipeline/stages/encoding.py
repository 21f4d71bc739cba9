"""encoding: repair what went wrong between the OCR engine and the file.

Restoring, not flattening: curly quotes, dashes, accents and æ/œ stay as printed. Nothing
lossy (NFKC, ASCII folding, uncurling quotes) is done here; the only normalisation is NFC,
which changes how a letter is stored, not which letter it is.

The rules run in this order, each on the text the one before it left:

1. ``mojibake``: ftfy, line by line, for text that went through the wrong codec
   ("itâ€™s" → "it’s"); it runs first because its repairs can uncover the invisible
   characters the next rules deal with.
2. ``soft_hyphen``, ``ligatures``, ``odd_spaces``, ``control_chars``: one kind of
   character each (the typographic ones, and ``doubled_quotes``, leave code, formulae and
   URLs of Markdown-ish input byte for byte: see ``_literal``).
3. ``replacement_char``: U+FFFD cannot be repaired (the character is gone); it is flagged.
4. ``nfc``: last, so letters and accents brought together by earlier removals compose too.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Iterator

from ..edits import Edit, Flag
from ..rules import Context, rule


@dataclass(frozen=True)
class Settings:
    """Tunable values of the encoding stage (``[tool.ocrmend.encoding]``).

    Switch a whole rule off with ``ignore = ["encoding.odd_spaces"]``; these settings only
    tune what the rules do.

    flag_context:  how many characters of the word around a U+FFFD go into its flag, each side
    """

    flag_context: int = 30


# -- characters the rules share -------------------------------------------------------

# Scripts that need ZWJ/ZWNJ to choose a letter form (Arabic, Persian, Syriac, the Indic
# scripts, Tibetan, Myanmar, Khmer, Mongolian), and emoji, whose ZWJ sequences are one symbol.
_JOINING = (
    "\u0590-\u08ff\u0900-\u0dff\u0f00-\u0fff\u1000-\u109f\u1780-\u18af\ua830-\ua83f\ua8e0-\ua8ff"
    "\ufb1d-\ufdff\ufe70-\ufefc\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff"
)
# Scripts written without spaces between words, where a zero-width space marks the word break.
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_ZERO_WIDTH_CHAR = re.compile("[\N{ZERO WIDTH SPACE}-\N{ZERO WIDTH JOINER}\N{WORD JOINER}\N{ZERO WIDTH NO-BREAK SPACE}]")
_ZERO_WIDTH = re.compile(
    "[\N{ZERO WIDTH NO-BREAK SPACE}\N{WORD JOINER}]"
    f"|(?<![{_UNSPACED}])\N{ZERO WIDTH SPACE}|\N{ZERO WIDTH SPACE}(?![{_UNSPACED}])"
    f"|(?<![{_JOINING}])[\N{ZERO WIDTH NON-JOINER}\N{ZERO WIDTH JOINER}]"
    f"|[\N{ZERO WIDTH NON-JOINER}\N{ZERO WIDTH JOINER}](?![{_JOINING}])"
)


# -- shared helpers -----------------------------------------------------------------------

def _lines_with(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each line of ``text`` in which ``pattern`` matches, in order."""
    n = len(text)
    m = pattern.search(text)
    while m is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start())
        if end < 0:
            end = n
        yield start, end
        m = pattern.search(text, end + 1) if end < n else None


def _changed_chunks(before: str, after: str) -> Iterator[tuple[int, int, int, int]]:
    """The spans where ``after`` differs from ``before``: (b_start, b_end, a_start, a_end).

    Runs of replaced, deleted and inserted characters with no unchanged character between
    them make one chunk, so "â€™" → "’" is one change, not three.
    """
    ops = SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    chunk: list[int] | None = None
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            if chunk:
                yield chunk[0], chunk[1], chunk[2], chunk[3]
                chunk = None
            continue
        if chunk is None:
            chunk = [i1, i2, j1, j2]
        else:
            chunk[1], chunk[3] = i2, j2
    if chunk:
        yield chunk[0], chunk[1], chunk[2], chunk[3]


# -- encoding.mojibake ----------------------------------------------------------------------

# ftfy changes a line only when its mojibake test (ftfy.badness.is_bad) fires, or for C1
# controls and surrogates. Every pattern of that test (ftfy 6) needs two adjacent
# characters from the ranges below (Latin-1 to Cyrillic, punctuation to box drawing, ...)
# or one of a few single characters (Ã Â Î Ð Ø Ù Œ œ √); the marks ftfy calls common (’ – — …
# no-break space) only count next to those letters. A line with neither skips the test,
# which is slow: CJK, Indic and Arabic lines, and most lines of a Western book.
# tests/test_encoding.py checks this against ftfy itself.
_MOJIBAKE_SYMBOLS = (
    "\x80-\x9f\xa1-\xac\xae-\xb3\xb5\xb6\u2000-\u2012\u2016-\u2018\u201a-\u2025"
    "\u2027-\u25ff\uf8ff\ufb00-\ufb06\ufffd"
)
_MOJIBAKE_CHAR = _MOJIBAKE_SYMBOLS + "\xb8-\u04ff"
# Two plain Greek or Cyrillic letters side by side are just Greek or Russian: one of a
# pair must be something else.
_MOJIBAKE_CHAR_NOT_GREEK_OR_CYRILLIC = _MOJIBAKE_SYMBOLS + "\xb8-\u0390\u03aa-\u03b0\u03ca-\u040f\u0450-\u04ff"
_MAYBE_BAD = re.compile(
    f"[{_MOJIBAKE_CHAR_NOT_GREEK_OR_CYRILLIC}][{_MOJIBAKE_CHAR}]|[{_MOJIBAKE_CHAR}][{_MOJIBAKE_CHAR_NOT_GREEK_OR_CYRILLIC}]"
    "|[\x80-\x9f\N{LATIN CAPITAL LETTER A WITH TILDE}"
    "\N{LATIN CAPITAL LETTER A WITH CIRCUMFLEX}\N{LATIN CAPITAL LETTER I WITH CIRCUMFLEX}"
    "\N{LATIN CAPITAL LETTER ETH}\N{LATIN CAPITAL LETTER O WITH STROKE}\N{LATIN CAPITAL LETTER U WITH GRAVE}"
    "\N{LATIN CAPITAL LIGATURE OE}\N{LATIN SMALL LIGATURE OE}\N{SQUARE ROOT}]"
)
# ftfy also repairs C1 controls (cp1252 punctuation read as Latin-1) and lone surrogates,
# which its mojibake test does not look for.
_C1_OR_SURROGATE = re.compile("[\x80-\x9f\ud800-\udfff]")
# What the later rules of this stage delete or replace: deleting it can bring two halves
# of a mojibake sequence together, so a line holding it is judged as it will be then.
_CHANGED_LATER = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\N{SOFT HYPHEN}\N{NO-BREAK SPACE}\N{OGHAM SPACE MARK}"
    "\u2000-\u200d\N{NARROW NO-BREAK SPACE}\N{MEDIUM MATHEMATICAL SPACE}\N{WORD JOINER}"
    "\N{IDEOGRAPHIC SPACE}\N{ZERO WIDTH NO-BREAK SPACE}\ufb00-\ufb06]"
)
# (the lookahead lets the regex engine skip plain ASCII quickly)
_SUSPECT = re.compile(
    f"(?=[^\t\n\x0b-\r\x20-\x7e])(?:{_MAYBE_BAD.pattern}|{_C1_OR_SURROGATE.pattern}|{_CHANGED_LATER.pattern})"
)
_NON_ASCII = re.compile("[^\x00-\x7f]")
_LINE_PIECE = re.compile("[^\r\x0b\N{LINE SEPARATOR}\N{PARAGRAPH SEPARATOR}]+")


@lru_cache(maxsize=1)
def _ftfy() -> tuple[Any, Any, Any]:
    # imported on first use: ftfy is slow to import and most commands never need it
    import ftfy
    from ftfy.badness import is_bad

    config = ftfy.TextFixerConfig(
        unescape_html=False,  # "&amp;" may be what the page says; not an encoding fault
        remove_terminal_escapes=False,  # control_chars handles ESC with the other controls
        fix_latin_ligatures=False,  # ligatures have their own rule
        fix_character_width=False,  # full-width forms are CJK typography, not damage
        uncurl_quotes=False,  # restore, don't flatten
        fix_line_breaks=False,  # control_chars handles CR and the like
        remove_control_chars=False,  # control_chars and odd_spaces handle them, by name
        normalization="NFC",  # so ftfy sees "Ã©" even when the input had "A\N{COMBINING TILDE}©"
        explain=True,
    )
    return ftfy.fix_and_explain, config, is_bad


_STEP_WORDS = {
    ("transcode", "restore_byte_a0"): "a no-break space byte had become a plain space",
    ("transcode", "replace_lossy_sequences"): "part of a character was lost (now U+FFFD)",
    ("apply", "decode_inconsistent_utf8"): "UTF-8 bytes read as Windows-1252 inside otherwise sound text",
    ("transcode", "fix_c1_controls"): "Windows-1252 punctuation stored as C1 control codes",
    ("apply", "fix_surrogates"): "UTF-16 surrogate pairs stored as two characters",
}


def _explain(steps: list[tuple[str, str]]) -> str:
    """Say in words what ftfy undid, e.g. 'UTF-8 read as sloppy-windows-1252'."""
    words = []
    i = 0
    while i < len(steps):
        step = tuple(steps[i])
        if step[0] == "encode" and i + 1 < len(steps) and steps[i + 1][0] in ("transcode", "decode"):
            # encode X, [transcode ...], decode Y: text in Y was read as X
            j = i + 1
            extra = []
            while j < len(steps) and steps[j][0] == "transcode":
                extra.append(_STEP_WORDS.get(tuple(steps[j]), steps[j][1]))
                j += 1
            if j < len(steps) and steps[j][0] == "decode":
                target = "UTF-8" if steps[j][1].startswith("utf-8") else steps[j][1]
                words.append(f"{target} read as {step[1]}" + (f" ({'; '.join(extra)})" if extra else ""))
                i = j + 1
                continue
        if step[0] != "normalize":
            words.append(_STEP_WORDS.get(step, f"{step[0]} {step[1]}"))
        i += 1
    if not words:
        return "mojibake repaired by ftfy"
    if len(words) > 1 and len(set(words)) == 1:
        return f"mojibake: {words[0]}, {len(words)} times over"
    return "mojibake: " + ", then ".join(words)


def _show(s: str) -> str:
    """``s`` with invisible and control characters written as escapes, for reasons."""
    return "".join(ch if ch.isprintable() and ch != "\N{SOFT HYPHEN}" else f"\\u{ord(ch):04x}" for ch in s)


def _as_later_rules_leave_it(line: str) -> str:
    """Roughly what the rest of this stage makes of ``line``: invisible characters and
    controls gone, odd spaces plain, ligatures spelt out, soft hyphens handled, NFC."""
    # in the order the rules run
    line = _SOFT_HYPHEN.sub("", _SOFT_HYPHEN_AT_LINE_END.sub("-", line))
    line = _LIGATURE.sub(lambda m: LIGATURES[m.group()], line)
    line = _ZERO_WIDTH.sub("", _ODD_SPACE.sub(" ", line))
    line = _CONTROL.sub("", line)
    return unicodedata.normalize("NFC", line)


def _repair(line: str) -> tuple[str, list[tuple[str, str]]]:
    """ftfy's repair of ``line`` and its steps, carried as far as the rest of the stage needs.

    Removing a stray control or zero-width character later can bring two halves of a
    mojibake sequence together ("Ã\\x07©"); such a line is repaired now as it will be
    then, so a second run finds nothing more to do.
    """
    fix_and_explain, config, _ = _ftfy()
    fixed, steps = fix_and_explain(line, config)
    steps = list(steps or [])
    for _ in range(3):
        if _CHANGED_LATER.search(fixed) is None:
            break  # ftfy's own result is settled (it is NFC and ftfy stops at a fixed point)
        settled = _as_later_rules_leave_it(fixed)
        again, more = fix_and_explain(settled, config)
        if again == settled:
            break
        fixed = again
        steps.extend(more or [])
    return fixed, steps


@rule("encoding.mojibake")
def mojibake(text: str, ctx: Context) -> Iterator[Edit]:
    """Repair mojibake with ftfy, line by line, one small change per repaired spot.

    Quotes, dashes, accents and ligatures stay as they are; each change names what went
    wrong ("UTF-8 read as sloppy-windows-1252").

    >>> from pipeline.rules import try_rule
    >>> try_rule(mojibake, "Itâ€™s the cafÃ© â€œGrand Ã‰tÃ©â€\\x9d")
    'It’s the café “Grand Été”'
    >>> try_rule(mojibake, "Œuvre, naïve, æther — “quoted”, 1949–50, Привет, 中文")
    'Œuvre, naïve, æther — “quoted”, 1949–50, Привет, 中文'
    """
    if text.isascii():
        return
    _, _, is_bad = _ftfy()
    # composing accents (as encoding.nfc will) can make new suspects, so text that is
    # not NFC has every non-ASCII line looked at
    lines = _SUSPECT if unicodedata.is_normalized("NFC", text) else _NON_ASCII
    for line_start, line_end in _lines_with(lines, text):
        # CR, VT and the Unicode separators end lines too once control_chars has run
        for seg in _LINE_PIECE.finditer(text, line_start, line_end):
            yield from _mojibake_in(seg.group(), seg.start(), is_bad)


def _mojibake_in(line: str, start: int, is_bad: Any) -> Iterator[Edit]:
    settled = line
    if _CHANGED_LATER.search(line) or not unicodedata.is_normalized("NFC", line):
        settled = _as_later_rules_leave_it(line)
    if not (_C1_OR_SURROGATE.search(line) or (_MAYBE_BAD.search(settled) and is_bad(settled))):
        return
    fixed, steps = _repair(line)
    if fixed == line:
        return
    reason = _explain(steps)
    for b0, b1, a0, a1 in _changed_chunks(line, fixed):
        before, after = line[b0:b1], fixed[a0:a1]
        # what the later rules would do anyway (compose an accent, drop a zero-width
        # space) is left to them: they say why
        if _as_later_rules_leave_it(before) == after:
            continue
        yield Edit(start + b0, start + b1, after, f'"{_show(before)}" → "{_show(after)}": {reason}', confidence=0.95)


# -- code and formulae ------------------------------------------------------------------------

def _literal(text: str, ctx: Context) -> list[tuple[int, int]]:
    """Stretches whose characters are a program's or a formula's, not typography: code
    blocks and display formulae, inline code and formulae, URLs (found as the layout stage
    finds them). The typographic rules (soft hyphens, ligatures, odd spaces, doubled quotes)
    leave them byte for byte; repairs of the file's decoding (mojibake, control characters,
    NFC) apply there as everywhere."""
    from .layout import _literal_spans

    return _literal_spans(text, ctx, "encoding")


def _outside_literal(text: str, ctx: Context, edits: Iterator[Edit]) -> Iterator[Edit]:
    """The edits that touch no literal stretch (looked up only when there is an edit)."""
    from .layout import _touches

    spans: list[tuple[int, int]] | None = None
    for e in edits:
        if spans is None:
            spans = _literal(text, ctx)
        if not spans or not _touches(spans, e.start, max(e.end, e.start + 1)):
            yield e


# -- encoding.soft_hyphen -----------------------------------------------------------------

# A soft hyphen before the end of a line (spaces and invisible characters aside) is where
# the printed line broke a word: the hyphen was printed, so it is kept as "-" and the
# dehyphenate stage decides whether to join. Anywhere else it is an invisible hint.
_SOFT_HYPHEN_AT_LINE_END = re.compile(
    "\N{SOFT HYPHEN}+(?=[\\s\N{ZERO WIDTH SPACE}\N{ZERO WIDTH NON-JOINER}\N{ZERO WIDTH JOINER}"
    "\N{WORD JOINER}\N{ZERO WIDTH NO-BREAK SPACE}]*(?:[\n\f\r\x0b\N{LINE SEPARATOR}\N{PARAGRAPH SEPARATOR}]|\\Z))"
)
_SOFT_HYPHEN = re.compile("\N{SOFT HYPHEN}+")


@rule("encoding.soft_hyphen")
def soft_hyphen(text: str, ctx: Context) -> Iterator[Edit]:
    """Remove soft hyphens (U+00AD) inside a line; one at a line end becomes the printed "-".

    >>> from pipeline.rules import try_rule
    >>> try_rule(soft_hyphen, "con\\N{SOFT HYPHEN}tinuous, illu\\N{SOFT HYPHEN}\\nsions")
    'continuous, illu-\\nsions'
    >>> try_rule(soft_hyphen, "well-known, pre- and post-war")
    'well-known, pre- and post-war'
    """
    if "\N{SOFT HYPHEN}" not in text:
        return
    yield from _outside_literal(text, ctx, _soft_hyphens(text))


def _soft_hyphens(text: str) -> Iterator[Edit]:
    at_line_end = {m.start() for m in _SOFT_HYPHEN_AT_LINE_END.finditer(text)}
    for m in _SOFT_HYPHEN.finditer(text):
        if m.start() in at_line_end:
            yield Edit(m.start(), m.end(), "-",
                       "soft hyphen (U+00AD) at a line end stands for the printed break hyphen; "
                       "written as '-' so dehyphenate can decide")
        else:
            yield Edit(m.start(), m.end(), "", "soft hyphen (U+00AD) is an invisible break hint")


# -- encoding.ligatures -------------------------------------------------------------------

#: Latin typographic ligatures and their letters (dehyphenation folds with this too)
LIGATURES = {
    "\N{LATIN SMALL LIGATURE FF}": "ff",
    "\N{LATIN SMALL LIGATURE FI}": "fi",
    "\N{LATIN SMALL LIGATURE FL}": "fl",
    "\N{LATIN SMALL LIGATURE FFI}": "ffi",
    "\N{LATIN SMALL LIGATURE FFL}": "ffl",
    "\N{LATIN SMALL LIGATURE LONG S T}": "st",
    "\N{LATIN SMALL LIGATURE ST}": "st",
}
_LIGATURE = re.compile("[" + "".join(LIGATURES) + "]")


@rule("encoding.ligatures")
def ligatures(text: str, ctx: Context) -> Iterator[Edit]:
    """Spell out typographic ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) as their letters; æ and œ are letters and stay.

    >>> from pipeline.rules import try_rule
    >>> try_rule(ligatures, "The ﬁrst ﬂoor, eﬀect, oﬃce, ba\\N{LATIN SMALL LIGATURE FFL}e")
    'The first floor, effect, office, baffle'
    >>> try_rule(ligatures, "Cæsar’s œuvre; ÆTHER, Œdipus")
    'Cæsar’s œuvre; ÆTHER, Œdipus'
    """
    if text.isascii():
        return
    yield from _outside_literal(text, ctx, (
        Edit(m.start(), m.end(), LIGATURES[m.group()], f"ligature {unicodedata.name(m.group()).lower()} is a glyph, not a letter")
        for m in _LIGATURE.finditer(text)
    ))


# -- encoding.odd_spaces --------------------------------------------------------------------

_ODD_SPACE = re.compile(
    "[\N{NO-BREAK SPACE}\N{OGHAM SPACE MARK}\u2000-\N{HAIR SPACE}\N{NARROW NO-BREAK SPACE}"
    "\N{MEDIUM MATHEMATICAL SPACE}\N{IDEOGRAPHIC SPACE}]"
)


@rule("encoding.odd_spaces")
def odd_spaces(text: str, ctx: Context) -> Iterator[Edit]:
    """Make no-break, thin and other odd spaces plain; drop stray zero-width characters and BOMs.

    No-break, thin, hair, figure, narrow no-break and ideographic spaces become plain
    spaces; ZWSP, ZWNJ, ZWJ, word joiners and BOMs inside the text are removed. Zero-width joiners stay between letters of the scripts that need them (Persian
    "می\\u200cخواهم", Devanagari, emoji sequences), and a zero-width space stays between
    Thai words, where it is the only word break.

    >>> from pipeline.rules import try_rule
    >>> try_rule(odd_spaces, "10\\N{NO-BREAK SPACE}000 men,\\N{THIN SPACE}sir; wo\\N{ZERO WIDTH SPACE}rd")
    '10 000 men, sir; word'
    >>> try_rule(odd_spaces, "\\u0645\\u06cc\\u200c\\u062e\\u0648\\u0627\\u0647\\u0645 and\\tplain text")
    '\\u0645\\u06cc\\u200c\\u062e\\u0648\\u0627\\u0647\\u0645 and\\tplain text'

    Code and formulae keep theirs (a no-break space in a string literal is the program's):

    >>> try_rule(odd_spaces, "it read `sep = '\\N{NO-BREAK SPACE}'` there")
    "it read `sep = '\\xa0'` there"
    """
    if text.isascii():
        return
    yield from _outside_literal(text, ctx, _odd_spaces(text))


def _odd_spaces(text: str) -> Iterator[Edit]:
    for m in _ODD_SPACE.finditer(text):
        name = unicodedata.name(m.group(), f"U+{ord(m.group()):04X}").lower()
        yield Edit(m.start(), m.end(), " ", f"{name} becomes a plain space")
    for m in _ZERO_WIDTH_CHAR.finditer(text):
        if _ZERO_WIDTH.match(text, m.start()) is None:
            continue  # a joiner between letters of a script that needs it
        ch = m.group()
        name = "byte-order mark" if ch == "\N{ZERO WIDTH NO-BREAK SPACE}" else unicodedata.name(ch).lower()
        yield Edit(m.start(), m.end(), "", f"stray {name} (U+{ord(ch):04X}) is invisible and joins or splits nothing here")


# -- encoding.control_chars -------------------------------------------------------------------

# Tab, newline and form feed (the page separator) are text; every other C0/C1 control
# is noise from the OCR engine or a conversion. CR is a line end written the old way.
_CONTROL = re.compile("\r\n?|[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\N{LINE SEPARATOR}\N{PARAGRAPH SEPARATOR}]")
_LINE_BREAKS = {
    "\r\n": ("\n", "CR LF line end becomes LF"),
    "\r": ("\n", "lone CR line end becomes LF"),
    # a vertical tab is a manual line break in word-processor exports; dropping it would
    # glue two words together
    "\x0b": ("\n", "vertical tab (a manual line break) becomes LF"),
    "\N{LINE SEPARATOR}": ("\n", "line separator (U+2028) becomes LF"),
    "\N{PARAGRAPH SEPARATOR}": ("\n\n", "paragraph separator (U+2029) becomes a blank line"),
}


@rule("encoding.control_chars")
def control_chars(text: str, ctx: Context) -> Iterator[Edit]:
    """Remove control characters other than tab, newline and form feed; CR LF and lone CR become LF.

    >>> from pipeline.rules import try_rule
    >>> try_rule(control_chars, "one\\r\\ntwo\\rthree\\x07\\x00 four")
    'one\\ntwo\\nthree four'
    >>> try_rule(control_chars, "page one\\n\\fpage two\\tcolumn")
    'page one\\n\\x0cpage two\\tcolumn'
    """
    for m in _CONTROL.finditer(text):
        ch = m.group()
        if ch in _LINE_BREAKS:
            repl, reason = _LINE_BREAKS[ch]
            if ch == "\r\n":
                yield Edit(m.start(), m.start() + 1, "", reason)
            else:
                yield Edit(m.start(), m.end(), repl, reason)
        else:
            yield Edit(m.start(), m.end(), "", f"control character U+{ord(ch):04X} is not text")


# -- encoding.replacement_char ---------------------------------------------------------------

_REPLACEMENT = re.compile("\N{REPLACEMENT CHARACTER}+")
_WORD_EDGE = re.compile(r"\s")


@rule("encoding.replacement_char")
def replacement_char(text: str, ctx: Context) -> Iterator[Flag]:
    """Flag each U+FFFD replacement character with its word; the text is never changed.

    The letter it stands for was lost before ocrmend read the file; only a person with the
    page can say what it was.

    >>> from pipeline.rules import try_flags, try_rule
    >>> try_flags(replacement_char, "the Ne\\N{REPLACEMENT CHARACTER}castle coal trade")
    ['Ne\\ufffdcastle']
    >>> try_rule(replacement_char, "the Ne\\N{REPLACEMENT CHARACTER}castle coal trade")
    'the Ne\\ufffdcastle coal trade'
    """
    if "\N{REPLACEMENT CHARACTER}" not in text:
        return
    reach = ctx.settings.flag_context if ctx.settings is not None else 30
    last_end = -1
    for m in _REPLACEMENT.finditer(text):
        if m.start() < last_end:
            continue
        start, end = m.start(), m.end()
        # widen to the word (at most `reach` characters each side) so the reviewer sees it
        before = text[max(0, start - reach):start]
        gaps = [g.end() for g in _WORD_EDGE.finditer(before)]
        start = start - len(before) + (gaps[-1] if gaps else 0)
        after = _WORD_EDGE.search(text, end, min(len(text), end + reach))
        end = after.start() if after else min(len(text), end + reach)
        last_end = end
        n = text.count("\N{REPLACEMENT CHARACTER}", start, end)
        what = "a character" if n == 1 else f"{n} characters"
        yield Flag(start, end,
                   f"U+FFFD replacement character: {what} lost before ocrmend read the file "
                   "(undecodable upstream); left as is, check the page image", "warning")


# -- encoding.nfc --------------------------------------------------------------------------------

@rule("encoding.nfc")
def nfc(text: str, ctx: Context) -> Iterator[Edit]:
    """Compose letters and their accents (Unicode NFC): "e" + U+0301 becomes "é"; nothing is folded.

    >>> from pipeline.rules import try_rule
    >>> try_rule(nfc, "cafe\\N{COMBINING ACUTE ACCENT}, Franc\\N{COMBINING CEDILLA}ais")
    'café, Français'
    >>> try_rule(nfc, "ﬁne æsthetics, “quoted” ½ ² Ⅻ")
    'ﬁne æsthetics, “quoted” ½ ² Ⅻ'
    """
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        if end < 0:
            end = n
        line = text[pos:end]
        if not unicodedata.is_normalized("NFC", line):
            composed = unicodedata.normalize("NFC", line)
            for b0, b1, a0, a1 in _changed_chunks(line, composed):
                yield Edit(pos + b0, pos + b1, composed[a0:a1],
                           "Unicode NFC: the same letters, stored composed")
        pos = end + 1


# -- encoding.doubled_quotes ------------------------------------------------------------------

_DOUBLED_QUOTE = re.compile("\N{LEFT SINGLE QUOTATION MARK}{2}|\N{RIGHT SINGLE QUOTATION MARK}{2}")
_DOUBLED = {"\N{LEFT SINGLE QUOTATION MARK}" * 2: "\N{LEFT DOUBLE QUOTATION MARK}",
            "\N{RIGHT SINGLE QUOTATION MARK}" * 2: "\N{RIGHT DOUBLE QUOTATION MARK}"}


@rule("encoding.doubled_quotes")
def doubled_quotes(text: str, ctx: Context) -> Iterator[Edit]:
    """Make two single curly quotes in a row one double quote (‘‘ → “, ’’ → ”).

    OCR engines read a double quotation mark as two single ones; print never sets two
    single quotes side by side (nested quotes alternate: ‘…“…”…’).

    >>> from pipeline.rules import try_rule
    >>> try_rule(doubled_quotes, "he said, ‘‘Come in.’’")
    'he said, “Come in.”'
    >>> try_rule(doubled_quotes, "‘I heard her say “no,”’ he wrote; the workers’ ‘union’")
    '‘I heard her say “no,”’ he wrote; the workers’ ‘union’'
    """
    if "\N{LEFT SINGLE QUOTATION MARK}" * 2 not in text and "\N{RIGHT SINGLE QUOTATION MARK}" * 2 not in text:
        return
    yield from _outside_literal(text, ctx, _doubled_quotes(text))


def _doubled_quotes(text: str) -> Iterator[Edit]:
    for m in _DOUBLED_QUOTE.finditer(text):
        # beside Latin-1 letters a double quote could read as mojibake ("”é"): leave those
        near = text[max(0, m.start() - 1):m.start()] + text[m.end():m.end() + 1]
        if any("\x80" <= ch <= "\xff" for ch in near):
            continue
        yield Edit(m.start(), m.end(), _DOUBLED[m.group()],
                   "two single quotes side by side are one double quote the OCR split", confidence=0.95)


RULES = (mojibake, soft_hyphen, ligatures, odd_spaces, control_chars, replacement_char, nfc, doubled_quotes)
