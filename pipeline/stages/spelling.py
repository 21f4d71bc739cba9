"""spelling: fix misread words the engine left, conservatively; flag what is not sure.

Six rules, in order of certainty, each making one kind of fix:

1. ``spelling.known_misread``: the known-misreads lists (``pipeline/data/ocr-misreads.txt``
   and the user's ``dictionaries/ocr-misreads*.txt``; "RIGHT <- WRONG" is automatic,
   "RIGHT <? WRONG" a suggestion only);
2. ``spelling.split_word``: a word broken in two by a stray space or hyphen ("inde pendent");
3. ``spelling.ocr_confusion``: a word the lexicon does not know that becomes a known word
   through OCR confusions only (rn/m, cl/d, li/h, b/h, \\V/W, 1/l/I, 0/o, 5/s, e/c ...);
4. ``spelling.merged_words``: an unknown word that is two or three known words run together
   ("Ihave", "ofthe", "ofIslam");
5. ``spelling.nonword``: the lexicon's nearest words (up to two edits, from the cached
   symspellpy index) for the unknown words left, ranked by a confusion-weighted edit
   distance, the word's frequency and its neighbours;
6. ``spelling.real_word``: a known but rare word that is an OCR confusion of a common one
   that its neighbours call for ("tho" in "of tho house").

Every hypothesis (keep the word; each candidate) is scored alike: log10 of its prior (the
lexicon's frequency mixed with the document's own counts) plus its context (symspellpy's
bigram counts with the word before and after) plus the channel (how likely the engine wrote
what it wrote for it: the document's error rate and the confusion-weighted distance). A fix
is made when the best hypothesis beats keeping the word and the runner-up by clear margins
(``safe``); a smaller margin makes an ``unsafe`` fix, applied only with ``--unsafe-fixes`` and
otherwise a flag with the ranked suggestions; a plainly damaged word (digits or a backslash
among letters) with no sure reading is flagged with its suggestions too. A page teaches its
engine's habits: the confusions behind its sure fixes ("o" for "e" all through) and the
known words it surely misread ("tho" for "the") make the same readings likelier elsewhere on
it, even of words it repeats.

Stability (cleaning the cleaned text proposes nothing) is built in, not hoped for. The
decisions for a document are made once, at its first spelling rule, as a *plan*: the words
are judged on the text, the fixes applied, and the result judged again exactly as a second
run would see it (its own words, counts and neighbours), until a round proposes nothing; the
rules then hand out the plan's fixes by kind. Only what a second run would compute from its
own fixes is carried over from the first round instead, and each of these can only make
the plan bolder than the second run: the document's error rate (which the fixes lower) and
the habits its sure fixes taught (which a second run, finding nothing to fix, would not
learn); a reading those habits allow is taken only where it is surer than the one without
them. So when the last round proposes nothing, a second run proposes nothing either. Each
round re-judges only what a change can have moved: a decision reads the text of its word,
the words either side and its whitespace-delimited chunk, whether a word of another
language is near, and the document counts it notes as it reads them; it is kept while
those are the same.

Protected, never changed: words in the lexicon or the user's lists (except rule 6), words
the document itself uses again (unless the page's habits say otherwise, or, on a noisy page,
one cheap confusion makes them one of the commonest words: "waa", "publio" twice),
capitalised words inside a sentence (unless of four letters or more, used once, and one
cheap confusion from a common word, read surely: "Inspeotor"), acronyms, Roman numerals,
numbers (not "011", which no number is), chemical formulae and other mixes of capitals and
digits, words with accents and words near two signs of another language (its function
words, accented words), code and URLs, words before ``[sic]``, and anything in a fragment,
table or page furniture.

OCR word confidences: where the OCR stage gave them (``ctx.doc.ocr``), a word the engine
read below ``low_confidence`` is corrected more readily (``low_boost`` off every margin), an
unknown word read at ``high_confidence`` or above is only flagged with its suggestions, and
a known word read that surely is never taken for another. The known-misreads lists are
trusted whatever the confidence. (Cleaning the output again as plain text has no
confidences: a word flagged only for its confidence may then be fixed.)
"""
from __future__ import annotations

import gc
import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, compress, filterfalse
from sys import intern
from typing import TYPE_CHECKING, Iterable, Iterator

from ..edits import Edit, Flag
from ..rules import Context, rule
from ..spelling_data import (CONFUSIONS, STRAY, cached_table, confusion_table, deletes, load_extra_words,
                             load_index, load_misreads, lookup)

if TYPE_CHECKING:  # pragma: no cover
    from ..lexicon import Lexicon
    from ..spelling_data import Index, Misread


@dataclass(frozen=True)
class Settings:
    """Tunable values of the spelling stage (``[tool.ocrmend.spelling]``).

    safe_margin:      log10 odds by which a fix must beat keeping the word (and the
                      runner-up candidate) to be applied; below it, nothing or a flag
    unsafe_margin:    log10 odds for an ``unsafe`` fix (applied with --unsafe-fixes,
                      otherwise a flag)
    runner_up_margin: log10 odds by which the best candidate must beat the second
    real_word_margin: log10 odds a known word's confusion must win by in its context
    channel_weight:   log10 cost of one unit of confusion-weighted edit distance
    max_cost:         candidates further than this (weighted distance) are not considered
    flag_damaged:     flag unknown words that are plainly damaged (digits or backslashes
                      inside letters) when no fix is sure
    real_words:       run ``spelling.real_word``
    oov_share:        log10 of the share of running words that are right but missing from
                      the lexicon (names aside): the prior of keeping an unknown word
    low_confidence:   where the OCR stage gave word confidences (0-100, Tesseract's): a word
                      read below this is corrected more readily ...
    low_boost:        ... by this many log10 odds off every margin it must clear
    high_confidence:  and an unknown word read at or above this is only flagged, a known
                      one never read as another
    """

    safe_margin: float = 1.5
    unsafe_margin: float = 1.0
    runner_up_margin: float = 1.0
    real_word_margin: float = 1.5
    channel_weight: float = 4.0
    max_cost: float = 2.0
    flag_damaged: bool = True
    real_words: bool = True
    oov_share: float = -1.5
    low_confidence: float = 60.0
    low_boost: float = 1.0
    high_confidence: float = 95.0


# -- tokens ---------------------------------------------------------------------------------
_SUP = "\u00b2\u00b3\u00b9\u2070-\u209f"
#: (a run of letters is taken at once, "+", not a letter an iteration: the same words,
#: found faster, since nothing after the run ever makes the engine give letters back)
_WORD = re.compile(
    rf"(?:[^\W_{_SUP}]+|\\(?=[^\W\d_]))(?:[^\W_{_SUP}]+|['\u2019](?=[^\W\d_{_SUP}])|\\(?=[^\W\d_]))*"
)
#: the same, as the one group of a pattern that splits a text into gaps and words
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")
#: characters inside a chunk that mark code, URLs, formulae: leave the whole chunk alone
_CODEY = re.compile(
    r"[_=/@#<>{}\[\]+*^~|$%]|[^\W\d_]\.[^\W\d_]{2}|[a-z][A-Z][a-z]*[A-Z]|\(\)|[^\W\d_]-\d|\d-[^\W\d_]|\w\("
)
_SENTENCE_END = frozenset(".!?:")
_OPENERS = frozenset("\"'\u201c\u2018\u00ab([{\u201e*_-\u2014\u2013 \t")
_ROMAN = re.compile(r"(?i)^(?=[mdclxvi]+$)m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_NUMBERISH = re.compile(
    r"(?i)^\d+(?:st|nd|rd|th|s|d|l|[ap]m|to|vo|mo|k|m|cm|mm|km|kg|g|lb|lbs|oz|ft|in|yd|h|min|x|b|bn|p|pp|c|e|f)?$"
)
_DIGIT = re.compile(r"\d")
#: letters of other Latin-script languages (the long s of old English print aside)
_ACCENTED = re.compile("[\u00e0-\u00ef\u00f1-\u00f6\u00f8-\u00ff\u0100-\u017e\u0153\u00df]")
_SIC = re.compile(r"\s{0,3}[\[(]\s{0,2}sic\s{0,2}[\])]", re.I)
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f\u2019\ufb00-\ufb06\u017f]")
#: endings that make an unknown word a likely derivation of a known one ("tokenizers")
_SUFFIXES = (
    "s", "es", "ed", "d", "ing", "er", "ers", "est", "ly", "ness", "ment", "ments", "ation",
    "ations", "ize", "ized", "izes", "izing", "ise", "ised", "ising", "able", "ible", "al",
    "ally", "ity", "ities", "ist", "ists", "ism", "ful", "less", "like", "wise", "ship", "hood",
    "ic", "ical", "ish", "ive", "ous", "ee", "ees", "'s", "\u2019s", "s'", "n't", "'d", "'ll",
)
_PREFIXES = (
    "un", "re", "pre", "non", "anti", "co", "counter", "de", "dis", "en", "in", "im", "il", "ir", "inter", "mis",
    "multi", "over", "post", "semi", "sub", "super", "trans", "under", "out", "up", "bi",
    "tri", "self", "hyper", "micro", "macro", "mega", "meta", "mono", "poly", "pseudo", "ultra",
)
#: the endings by their last letter and the beginnings by their first, each in its list's
#: order: a word is tried only against the few it can have
_SUFFIXES_BY_LAST: dict[str, tuple[str, ...]] = {
    c: tuple(x for x in _SUFFIXES if x[-1] == c) for c in {x[-1] for x in _SUFFIXES}}
_PREFIXES_BY_FIRST: dict[str, tuple[str, ...]] = {
    c: tuple(x for x in _PREFIXES if x[0] == c) for c in {x[0] for x in _PREFIXES}}
#: honorifics: the capitalised word after one is a name, even after the full stop
_HONORIFICS = frozenset(
    "mr mrs ms dr st mt messrs rev hon capt col gen lt sgt prof sir lady lord mme mlle jr sr".split()
)
#: clitics: "prisoner's" is known when "prisoner" is
_CLITIC = re.compile(r"^(.{2,}?)'(s|d|ll|ve|re|t|m)$")
#: spelling variants that make an unknown word a known one in another spelling
#: ("neighboring": "neighbouring"; "realise": "realize"; "publick": "public")
_VARIANTS = (
    ("or", "our"), ("our", "or"), ("ize", "ise"), ("ise", "ize"), ("iz", "is"), ("is", "iz"),
    ("yze", "yse"), ("yse", "yze"), ("er", "re"), ("re", "er"), ("og", "ogue"), ("ogue", "og"),
    ("ense", "ence"), ("ence", "ense"), ("l", "ll"), ("ll", "l"), ("ae", "e"), ("oe", "e"),
    ("ick", "ic"), ("ck", "c"), ("e", ""), ("ou", "o"), ("o", "ou"), ("e", "ae"), ("e", "oe"),
)
#: words a missing space most often joins to their neighbour: an unknown word is split
#: only where one piece is one of these ("ofthe", "Ihave"); two content words run together
#: are mostly a compound the lexicon lacks ("treebanks", "footmarks")
_FUNCTION_WORDS = frozenset(
    """a an the of to in on at by for from with into onto upon as and or but nor if so than
    that this these those there then when where which who whom whose what how why while i
    me my we us our you your he him his she her it its they them their is are was were be
    been being am have has had do does did not no can could will would shall should may
    might must all any each some such own same very also only just more most much many
    other one two about after before over under up down out off""".split()
)
#: function words of French, German, Latin, Italian and Spanish that English lacks: a word
#: beside one of them is in another language, and left alone
_FOREIGN = frozenset(
    """les des du et une avec dans pour qui au aux sur sont ces cette leur nous vous ils elles
    est der das und von zu mit dem ist nicht ein eine einer zur nach auch wir sie
    los las que por del lo gli della delle dei sono questo il di est sunt atque
    quod enim sed mais dont sans chez leurs ses aussi ich sich auf oder wird""".split()
)  # (not "per", "non", "con", "cum", "ad", "ex", "den": English uses them too: "per cent")
#: small words of another language that English names and phrases also use ("de Gaulle",
#: "la carte", "Le Havre", "El Paso"): a sign only beside another one
_FOREIGN_WEAK = frozenset("de la le el".split())
#: one-letter words English has
_ONE_LETTER = frozenset({"a", "i", "o"})
#: lone small letters an engine leaves for a small word ("m" for "in"), judged between two
#: known words (other stray letters are mostly debris, or a variable: "n", "k")
_LONE_LETTERS = frozenset("m")


#: how far a decision reads around its word: the word before and after it (their gaps and
#: forms), its whitespace-delimited chunk (80 characters each side at most: the code-or-URL
#: test) and a dozen characters after it (a "[sic]"); beyond that only whether a word of
#: another language is near, which it takes as a flag. A decision is reused in the next
#: round when this window of text, the flags and the document counts it read are the same.
_SIC_REACH = 12
#: a word of another language this many words away marks its neighbours as foreign
_FOREIGN_REACH = 4


def tokenise(text: str, start: int = 0, end: int | None = None) -> tuple[array, array, list[str]]:
    """Starts, ends and lower-case forms (curly apostrophe made straight; one string per
    form) of the words in ``text[start:end]``. A word never holds white space, so a stretch
    cut at white space is tokenised exactly as the whole text would be there; a long one is
    tokenised a piece at a time (its copies, lowered, are a piece's, not the text's).

    >>> tokenise("The \\\\Ve ofthe 1949, prisoner\u2019s")[2]
    ['the', '\\\\ve', 'ofthe', '1949', "prisoner's"]
    >>> tokenise("ab cd ef", 1, 7)[:2]
    (array('i', [1, 3, 6]), array('i', [2, 5, 7]))
    """
    if end is None:
        end = len(text)
    tc = _pos_type(len(text))
    starts, ends, lows = array(tc), array(tc), []
    while start < end:
        cut = end
        if end - start > _PIECE:
            ws = _WHITE.search(text, start + _PIECE, end)
            cut = ws.end() if ws else end
        st, en, lw = _tokenise_piece(text, start, cut, tc)
        starts.extend(st)
        ends.extend(en)
        lows.extend(lw)
        start = cut
    return starts, ends, lows


#: the piece of text tokenised at a time (characters; cut at the next white space)
_PIECE = 1 << 18
_WHITE = re.compile(r"\s")


def _pos_type(n: int) -> str:
    """The array type for offsets into a text of ``n`` characters (4 bytes while they fit)."""
    return "i" if n < (1 << 31) - (1 << 24) else "q"


def _tokenise_piece(text: str, start: int, end: int, tc: str) -> tuple[array, array, list[str]]:
    seg = text[start:end]
    low = seg.lower()
    if len(low) == len(seg) and "\u03a3" not in seg:
        # every letter lowered alone (none grows; no capital sigma, which lowers by context),
        # and no character's lower-case form falls in another of the classes _WORD reads
        # (:func:`_lowered_alike`), so the lowered text has the same words at the same
        # places: it is split once, in C, into gaps and words, whose lengths give the places
        parts = _WORD_SPLIT.split(low)
        n = len(parts) // 2
        places = array(tc, accumulate(map(len, parts), initial=start))
        starts, ends = places[1 : 2 * n : 2], places[2 : 2 * n + 1 : 2]
        lows = list(map(intern, parts[1::2]))
    else:
        flat = array(tc, chain.from_iterable(map(_SPAN, _WORD.finditer(text, start, end))))
        starts, ends = flat[0::2], flat[1::2]
        lows = [intern(text[s:e].lower()) for s, e in zip(starts, ends)]
    if "\u2019" in seg:
        lows = [intern(w.replace("\u2019", "'")) if "\u2019" in w else w for w in lows]
    return starts, ends, lows


_SPAN = re.Match.span


def _lowered_alike() -> bool:
    """Every character whose lower case is one other character is in the same classes
    :data:`_WORD` reads as its lower case, so a text and its lower case hold the same words
    at the same places (:func:`_tokenise_piece` finds them in the lower case). Checked over
    all of Unicode, as this Python knows it:

    >>> _lowered_alike()
    True
    """
    classes = [re.compile(p) for p in (rf"[^\W_{_SUP}]", r"\d", rf"[^\W\d_{_SUP}]", r"[^\W\d_]", r"[\\'\u2019]")]
    for cp in range(0x110000):
        c = chr(cp)
        low = c.lower()
        if low != c and len(low) == 1 and any((k.match(c) is None) != (k.match(low) is None) for k in classes):
            return False
    return True


@dataclass(slots=True)
class Tok:
    """A word of the current text with what its judge needs to know about its place."""

    start: int
    end: int
    text: str
    low: str
    left: str | None  # the word before, if only spaces separate them (bigram context)
    right: str | None
    sentence_start: bool
    prev_word: str | None  # the word before, whatever separates them


_GAP_STRIP = "".join(sorted(_OPENERS)) + "\n\r"


def _joins(gap: str) -> bool:
    """The words either side of ``gap`` are neighbours for bigram context: only spaces
    between, no paragraph or page break."""
    if gap == " ":
        return True  # (nearly always)
    return (gap == "" or gap.isspace()) and "\n\n" not in gap and "\f" not in gap


def _starts_sentence(gap: str, prev_low: str) -> bool:
    if "\n\n" in gap or "\f" in gap:
        return True
    g = gap.rstrip(_GAP_STRIP)
    if not g:
        return False
    last = g[-1]
    if last in _SENTENCE_END:
        return not (last == "." and prev_low in _HONORIFICS)
    return False


#: "VVhat": a capital W broken in two
_TWO_CAPS = re.compile(r"^VV[a-z]")


@lru_cache(maxsize=65536)
def _looks_damaged(w: str) -> bool:
    """Digits or a backslash among letters, a capital after small letters, or a W read as
    "VV": misread.

    >>> [_looks_damaged(w) for w in ("bro1ught", "\\\\Ve", "specLalizations", "McDonald", "1st", "H2SO4")]
    [True, True, True, False, False, False]
    >>> [_looks_damaged(w) for w in ("VVhat", "IGpair", "TVs", "IOUs", "MacLeod")]
    [True, False, False, False, False]
    """
    letters = sum(map(str.isalpha, w))
    if letters < 2:
        return False
    if "\\" in w:
        return True
    if _DIGIT.search(w):
        return not _NUMBERISH.match(w) and not w[0].isdigit() and sum(c.isupper() for c in w) < 2
    if _TWO_CAPS.match(w):
        return True
    return w[0].islower() and re.search(r"[a-z][A-Z]", w) is not None


_TO_LAST_SPACE = re.compile(r"(?s).*\s")
#: a word with one stray mark before or after it
_STRAY_MARK = re.compile(r"^(?:[*%~^|#]+[^\W\d_]{2,}[.,;:]?|[^\W\d_]{2,}[*%~^|#]+)$")
_NON_SPACE_RUN = re.compile(r"\S{0,80}")


def _code_chunk(text: str, start: int, end: int) -> bool:
    """The whitespace-delimited chunk around a word (80 characters each side at most) looks
    like code, a URL or a formula."""
    s = _after_last_space(text, start)
    e = _NON_SPACE_RUN.match(text, end).end()
    return _codey(text[max(0, start - 80) if s is None else s : e])


def _after_last_space(text: str, start: int) -> int | None:
    """Where the chunk of the word at ``start`` begins: after the last white space of the 80
    characters before it (None: none there)."""
    if start and text[start - 1].isspace():
        return start  # (nearly always: a word after a space, found without the search)
    m = _TO_LAST_SPACE.match(text, max(0, start - 80), start)
    return m.end() if m else None


@lru_cache(maxsize=16384)
def _codey(chunk: str) -> bool:
    """The whitespace-delimited ``chunk`` looks like code, a URL or a formula (memoised: a
    page's chunks are mostly its words with their punctuation, over and over)."""
    chunk = chunk.strip(".,;:!?\"'()[]\u201c\u201d\u2018\u2019")
    if _STRAY_MARK.match(chunk):
        return False  # one stray mark glued to a word ("*vhs", "%rnd", "word*"): debris, not code
    return _CODEY.search(chunk) is not None


# -- what is fixed: the language data (for every document) and a document's plan parameters ---
class Lang:
    """The lexicon, the known misreads and the settings, with the answers that depend on
    nothing else memoised (candidates, splits, rivals): shared by every document."""

    def __init__(self, lex: "Lexicon", extra: frozenset[str], misreads: "dict[str, Misread]", settings: Settings) -> None:
        self.lex, self.extra, self.misreads, self.settings = lex, extra, misreads, settings
        #: the misreads' lower-case forms: an entry in any casing ("MIr") is found through its word
        self.misread_lows = frozenset(w.lower() for w in misreads)
        self.counts, self.user = lex.counts, lex.user_words
        self.index: Index = load_index(lex.counts)
        self.total = lex.total
        self.big = self.index.bigrams
        self.user_extra = sorted(w for w in self.user if len(w) >= 4 and w not in self.counts and w.isalpha())
        self.lex_cands: dict[str, dict[str, tuple[float, bool]]] = {}
        self.splits: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        self.rivals: dict[str, tuple[tuple[str, float], ...]] | None = None
        self.pairs: dict[tuple[str, str], tuple[float | None, float | None]] = {}
        self.lefts: dict[str, tuple] = {}
        self.oov: dict[str, float] = {}
        self.lex_priors: dict[str, tuple[int, float]] = {}
        self.name_cands: dict[str, dict[str, tuple[float, bool]]] = {}
        #: answers about one word, keyed by the word (known?) or a tag character and the
        #: word: its class, its judged form, its error-rate weight, its language, its shape
        self.known_memo: dict = {}

    def remember(self, key: object, value: object) -> None:
        """Keep an answer about one word in :attr:`known_memo`, which is let go whole when it
        grows past its bound (the answers are computed again when asked)."""
        memo = self.known_memo
        if len(memo) > 300_000:
            memo.clear()
        memo[key] = value

    def known(self, w: str) -> bool:
        # (three set lookups: no dearer than a memo's one, and nothing to store)
        return w in self.counts or w in self.user or w in self.extra

    def lex_count(self, w: str) -> int:
        c = self.counts.get(w, 0)
        if not c and w in self.user:
            return 1_000_000
        return c

    def lex_prior(self, w: str) -> float:
        """log10 of the word's probability in the lexicon alone."""
        return (self.lex_priors.get(w) or self.lex_entry(w))[1]

    def lex_entry(self, w: str) -> tuple[int, float]:
        """The word's :meth:`lex_count` and :meth:`lex_prior` (memoised: a prior is asked for
        every candidate of every word judged)."""
        c = self.lex_count(w)
        got = (c, math.log10(c / self.total) if c else -12.0)
        if len(self.lex_priors) > 200_000:
            self.lex_priors.clear()
        self.lex_priors[w] = got
        return got

    def lex_word(self, w: str) -> bool:
        """A word of the lexicon or the user's lists a misreading may be corrected to."""
        if w in self.counts or w in self.user:
            return len(w) > 1 or w in _ONE_LETTER
        return False

    def pair(self, a: str, b: str) -> tuple[float | None, float | None]:
        """For the word pair (a, b): log10 P(b | a) if the bigram list has it, and else the
        ceiling an unseen pair gets (half the list's floor); (None, None) when ``a`` is not
        in the lexicon (memoised)."""
        k = (a, b)
        r = self.pairs.get(k)
        if r is None:
            left = self.lefts.get(a) or self._left(a)
            if left is _NOT_LEFT:
                r = _NOT_LEFT  # (None, None)
            else:
                ua, unseen = left
                n = self.big.get(a, b)
                r = (math.log10(min(1.0, n / ua)), None) if n else unseen  # (most pairs are unseen)
            if len(self.pairs) > 200_000:
                self.pairs.clear()
            self.pairs[k] = r
        return r

    def _left(self, a: str) -> tuple:
        """What :meth:`pair` needs of its first word, the same for every second word: the
        bigram total it divides by and the answer of an unseen pair (memoised)."""
        ca = self.lex_count(a)
        if ca <= 0:
            got: tuple = _NOT_LEFT
        else:
            big = self.big
            ua = max(_SCALE * ca, float(big.left_totals.get(a, 0)))
            got = (ua, (None, math.log10(0.5 * big.floor / ua)))
        if len(self.lefts) > 100_000:
            self.lefts.clear()
        self.lefts[a] = got
        return got


#: :meth:`Lang._left` of a word the lexicon lacks (no evidence for any pair it begins)
_NOT_LEFT = (None, None)
_LANGS: dict[tuple, Lang] = {}


def _lang(ctx: Context) -> Lang:
    # the rules of one document share one answer: the word lists are looked for (their
    # files listed and stat'ed, to see a changed one) once a document, not once a rule
    got = ctx.doc.state.get("spelling.lang")
    if got is not None and got[0] is ctx.config and got[1] is ctx.settings:
        return got[2]  # type: ignore[no-any-return]
    lang = _lang_of(ctx)
    ctx.doc.state["spelling.lang"] = (ctx.config, ctx.settings, lang)
    return lang


def _lang_of(ctx: Context) -> Lang:
    lex = ctx.lexicon
    extra = load_extra_words(ctx.config.dictionaries)
    misreads = load_misreads(ctx.config.dictionaries)
    settings = ctx.settings if isinstance(ctx.settings, Settings) else Settings()
    key = (id(lex), id(extra), id(misreads), settings)
    lang = _LANGS.get(key)
    if lang is None or lang.lex is not lex or lang.extra is not extra or lang.misreads is not misreads:
        if len(_LANGS) > 8:
            _LANGS.clear()
        lang = _LANGS[key] = Lang(lex, extra, misreads, settings)
    return lang


def error_rate(V: "View") -> float:
    """The share of words the engine misread, from what shows: unknown and damaged words
    (clamped: a page of names, or a clean page, says little). Fixes only lower it."""
    return min(0.2, max(0.005, V.bad / V.n))


class Params:
    """What one document's plan holds fixed: the language, which kinds of fix are on, and
    what its first round found (the error rate, the page's habits), which can only make the
    plan bolder than a second run on its output (see the module docstring)."""

    def __init__(self, lang: Lang, kinds: frozenset[str], unsafe: bool, err: float) -> None:
        self.lang, self.kinds, self.unsafe = lang, kinds, unsafe
        self.settings = lang.settings
        self.misreads = lang.misreads
        self.set_err(err)
        #: OCR confusions behind this document's sure non-word fixes: the engine's habits on
        #: this page ("o" for "e" all through it) make the same confusion likelier elsewhere
        self.learned: Counter[tuple[str, str]] = Counter()
        self._doc_index: _DocIndex | None = None
        #: known words this page's sure real-word fixes read as another ("tho" -> "the"),
        #: with how often: the same word with weaker context elsewhere is likely the same
        self.word_habits: Counter[tuple[str, str]] = Counter()
        #: one copy of each distinct record of reads: a word the document repeats is mostly
        #: judged on the same counts wherever it stands (a plan's items share them)
        self.reads_pool: dict[tuple, tuple] = {}

    def doc_index(self, dw: frozenset[str]) -> "_DocIndex":
        """The delete index over the document's own words ``dw`` (kept up to date)."""
        if self._doc_index is None:
            self._doc_index = _DocIndex()
        self._doc_index.sync(dw)
        return self._doc_index

    def set_err(self, err: float) -> None:
        self.err = err
        self.log_err = math.log10(err)


class _DocIndex:
    """The document's own words by their deletes (up to two letters), for near-word queries
    that do not grow with the number of words; updated as the words change. A delete most
    often stands for one word: it is kept as the word itself, a tuple only when shared."""

    def __init__(self) -> None:
        self.words: frozenset[str] = frozenset()
        self.by_delete: dict[str, str | tuple[str, ...]] = {}

    def sync(self, dw: frozenset[str]) -> None:
        if dw is self.words:
            return
        index = self.by_delete
        for w in self.words - dw:
            for d in deletes(w, 2):
                ws = index.get(d)
                if ws == w:
                    del index[d]
                elif isinstance(ws, tuple):
                    rest = tuple(x for x in ws if x != w)
                    index[d] = rest[0] if len(rest) == 1 else rest
        for w in dw - self.words:
            for d in deletes(w, 2):
                ws = index.get(d)
                if ws is None:
                    index[d] = w
                elif isinstance(ws, tuple):
                    index[d] = (*ws, w)
                elif ws != w:
                    index[d] = (ws, w)
        self.words = dw

    def near(self, key: str, ed: int) -> list[str]:
        """The words within ``ed`` edits (optimal string alignment) of ``key``, sorted."""
        index = self.by_delete
        found: set[str] = set()
        for d in deletes(key, ed):
            ws = index.get(d)
            if ws is not None:
                if isinstance(ws, tuple):
                    found.update(ws)
                else:
                    found.add(ws)
        return sorted(w for w in found if _osa(key, w, score_cutoff=ed) <= ed)


def _bad_words(lang: Lang, counts: "Counter[str]") -> int:
    """Unknown words, and damaged ones twice, as the error rate counts them."""
    # a word of the lexicon is never bad: only the others are looked at (found in C)
    return sum(_bad_class(lang, w) * counts[w] for w in set(counts).difference(lang.counts))


def _bad_class(lang: Lang, w: str) -> int:
    memo = lang.known_memo
    k = memo.get("\2" + w)
    if k is None:
        k = 0
        if not (w in lang.counts or w in lang.user or len(w) < 2):
            k = 2 * _looks_damaged(w) if _DIGIT.search(w) else 1
        lang.remember("\2" + w, k)
    return k  # type: ignore[return-value]


# -- one round: a version of the text and its counts ----------------------------------------------
#: what a decision read from the document counts, so it can be checked the next round:
#: a count itself, whether a count reaches a threshold, a count's bucket (for priors), the
#: document size's bucket, the document's own words near a key, the own-spelling test
_EXACT, _AT_LEAST, _BUCKET, _SIZE, _DOC_NEAR, _OWN = range(6)


#: a lexicon count above which a word's prior ignores the document (about 1,500 words)
_COMMON = 50_000_000


def _bucket(d: int) -> int:
    """A document count as the priors use it: 0 for a word seen once or never, else the
    power of two at or below (count - 1); a few more or fewer rarely move it."""
    return 0 if d <= 1 else 1 << ((d - 1).bit_length() - 1)


class View:
    """A version of the text as the stage sees it: its words, their counts and the
    document's own vocabulary. Decisions read document counts through :meth:`count`,
    :meth:`at_least`, :meth:`prior` and :func:`candidates`, which note each read, so a
    decision can be reused in the next round exactly when what it read still holds."""

    def __init__(self, P: Params, text: str, starts: array, ends: array, lows: list[str],
                 counts: "Counter[str]", skip: list[tuple[int, int]], prev: "View | None" = None) -> None:
        self.P, self.lang = P, P.lang
        self.text, self.starts, self.ends, self.lows, self.counts, self.skip = text, starts, ends, lows, counts, skip
        #: spans of words the OCR read with low and with high confidence (empty for text)
        self.conf: tuple[list[tuple[int, int]], list[tuple[int, int]]] = prev.conf if prev is not None else ([], [])
        self.n = max(1, len(lows))
        #: the document size for its own word shares, in powers of two: a fix that adds or
        #: removes a word rarely moves it
        self.nq = 1 << (self.n.bit_length() - 1)
        #: what the decision being made has read: (kind, word, detail, value) flattened
        self.reads: list | None = None
        self._docwords: frozenset[str] | None = None
        self._doc_cands: dict[str, dict[str, tuple[float, bool]]] = {}
        # the previous version's own words and their answers, reused when they are the same
        self._prev_dw: frozenset[str] | None = None
        self._prev_cands: dict[str, dict[str, tuple[float, bool]]] = {}
        if prev is not None:
            if prev._docwords is not None:
                self._prev_dw, self._prev_cands = prev._docwords, prev._doc_cands
            else:
                self._prev_dw, self._prev_cands = prev._prev_dw, prev._prev_cands
        self._doc_is_word: dict[str, bool] = prev._doc_is_word if prev is not None else {}
        #: what changed from the previous version: (old first word, old end, new first
        #: word, new end, new start char, new end char) per re-tokenised stretch, six
        #: numbers a stretch in one flat array (see :func:`_stretches`), and the words whose
        #: counts moved
        self.changed = array("q")
        self.moved: set[str] = set()
        self.nq_moved = prev is not None and prev.nq != self.nq
        #: where the signs of another language are (see :meth:`foreign_near`), found at first use
        self._signs: array | None = None
        #: misread-looking words, weighted as the error rate counts them
        self.bad = prev.bad if prev is not None else _bad_words(self.lang, counts)

    @classmethod
    def full(cls, P: Params, text: str, skip: list[tuple[int, int]]) -> "View":
        starts, ends, lows = tokenise(text)
        return cls(P, text, starts, ends, lows, Counter(lows), skip)

    # -- reads ---------------------------------------------------------------------------
    def count(self, w: str) -> int:
        c = self.counts.get(w, 0)
        if self.reads is not None:
            self.reads += (_EXACT, w, None, c)
        return c

    def at_least(self, w: str, k: int) -> bool:
        r = self.counts.get(w, 0) >= k
        if self.reads is not None:
            self.reads += (_AT_LEAST, w, k, r)
        return r

    def own_spelling(self, low: str, rivals: tuple[tuple[str, float], ...]) -> bool:
        """The document uses ``low`` again and its rivals far less: its own spelling."""
        c = self.counts
        d = c.get(low, 0)
        r = d >= 2 and max(c.get(x, 0) for x, _ in rivals) * 2 < d
        if self.reads is not None:
            self.reads += (_OWN, low, rivals, r)
        return r

    def docwords(self) -> frozenset[str]:
        """The document's own words: recurring (3+), not in the lexicon, correction targets."""
        if self._docwords is None:
            dw = frozenset(w for w, c in self.counts.items() if c >= 3 and self._is_doc_word(w))
            prev = self._prev_dw
            if prev is not None and prev == dw:
                self._docwords, self._doc_cands = prev, self._prev_cands  # the same words, answers
            else:
                self._docwords = dw
                if prev is not None and self._prev_cands:
                    # keep the answers no word that came or went is a candidate for
                    self._doc_cands = _keep_doc_cands(self._prev_cands, dw ^ prev)
        return self._docwords

    def dw_moved(self) -> bool:
        """The document's own words are not what the previous version had."""
        return self._prev_dw is not None and self.docwords() is not self._prev_dw

    def _is_doc_word(self, w: str) -> bool:
        ok = self._doc_is_word.get(w)
        if ok is None:
            lang = self.lang
            ok = (len(w) >= 4 and w.isalpha() and w not in lang.counts and w not in lang.user
                  and w not in lang.misreads and not splits(lang, w))
            self._doc_is_word[w] = ok
        return ok

    def still(self, reads: tuple) -> bool:
        """Everything in ``reads`` (flattened (kind, word, detail, value) fours) holds here."""
        c = self.counts
        for x in range(0, len(reads), 4):
            code, w, k, v = reads[x : x + 4]
            if code == _BUCKET:
                ok = _bucket(c.get(w, 0)) == v
            elif code == _AT_LEAST:
                ok = (c.get(w, 0) >= k) == v
            elif code == _EXACT:
                ok = c.get(w, 0) == v
            elif code == _SIZE:
                ok = self.nq == v
            elif code == _DOC_NEAR:
                ok = k is self.docwords() or tuple(sorted(_doc_candidates(self, w))) == v
            else:
                d = c.get(w, 0)
                ok = (d >= 2 and max(c.get(x, 0) for x, _ in k) * 2 < d) == v
            if not ok:
                return False
        return True

    def prior(self, w: str) -> float:
        """log10 of the word's probability: lexicon frequency, the document's own count
        mixed in (its vocabulary outvotes the general lexicon). A common word's is the
        lexicon's alone: its count in one document says little more, and fixes move it."""
        lang = self.lang
        c, lex_prior = lang.lex_priors.get(w) or lang.lex_entry(w)
        if c >= _COMMON:
            return lex_prior
        q = _bucket(self.counts.get(w, 0))
        if self.reads is not None:
            self.reads += (_BUCKET, w, None, q)
            if q:
                self.reads += (_SIZE, "\0nq", None, self.nq)
        if not q:
            return lex_prior  # (the same sum: the lexicon's alone)
        p = 0.9 * (c / lang.total) + 0.1 * q / self.nq
        return math.log10(p) if p > 0 else -12.0

    # -- words and their places ------------------------------------------------------------
    def joined(self, i: int, j: int) -> bool:
        """Words i and j (= i + 1) are neighbours for bigram context: only spaces between."""
        if i < 0 or j >= len(self.lows):
            return False
        return _joins(self.text[self.ends[i] : self.starts[j]])

    def tok(self, i: int) -> Tok:
        s, e = self.starts[i], self.ends[i]
        text, lows = self.text, self.lows
        if i == 0:
            left, sstart, prev = None, True, None
        else:
            prev = lows[i - 1]
            gap = text[self.ends[i - 1] : s]  # (read once: it tells both)
            left = prev if _joins(gap) else None
            sstart = _starts_sentence(gap, prev)
        right = lows[i + 1] if i + 1 < len(lows) and _joins(text[e : self.starts[i + 1]]) else None
        return Tok(s, e, text[s:e], lows[i], left, right, sstart, prev)

    def foreign_near(self, i: int, reach: int = _FOREIGN_REACH) -> bool:
        """Word i, or a word within ``reach`` words of it, is of another language."""
        lows = self.lows
        if lows[i] in _FOREIGN:  # the word itself
            return True
        # one other language's function word alone is mostly debris of a noisy page ("lo",
        # "und") or a Latin tag ("et al."): two such signs (or accented words) it takes, or
        # one and a small word English borrows ("de ... et", where the engine dropped accents)
        signs = self.sign_positions()
        a, b = bisect_left(signs, i - reach), bisect_right(signs, i + reach)
        n = b - a - (a < b and i in signs[a:b])  # the word itself is not its own neighbour
        if n != 1:
            return n >= 2  # (most pages have no sign at all: no word is read one by one)
        weak = sum(w in _FOREIGN_WEAK for w in lows[max(0, i - reach) : i] + lows[i + 1 : i + reach + 1])
        return weak >= 1

    def sign_positions(self) -> array:
        """The sorted places of the words that are signs of another language: its function
        words and accented words. The distinct words are sifted in C (a set intersection;
        only a word with a letter beyond ASCII can have an accent), so a page without a sign,
        most, costs no loop over its words."""
        if self._signs is None:
            counts, lows = self.counts, self.lows
            signs = _FOREIGN.intersection(counts)
            accented = [w for w in filterfalse(str.isascii, counts) if _ACCENTED.search(w)]
            if accented:
                signs = signs.union(accented)
            tc = _pos_type(len(lows))
            self._signs = array(tc, compress(range(len(lows)), map(signs.__contains__, lows)) if signs else ())
        return self._signs

    def in_skip(self, s: int, e: int) -> bool:
        return _overlaps(self.skip, s, e)

    def confidence(self, s: int, e: int) -> int:
        """-1: the OCR read the word at [s, e) with low confidence; 1: with high; 0: it
        gave none (a text input) or a middling one."""
        low, high = self.conf
        if not (low or high):
            return 0
        return -1 if _overlaps(low, s, e) else (1 if _overlaps(high, s, e) else 0)

    def window(self, i: int, j: int, foreign: bool = False) -> tuple:
        """Everything a decision on words i..j reads from the text (see ``_SIC_REACH``), as
        (the text there, the word's place in it, then what must be equal besides)."""
        starts, ends, text = self.starts, self.ends, self.text
        last = len(starts) - 1
        si, ej = starts[i], ends[j]
        lo = starts[i - 1] if i else si
        hi = ends[j + 1] if j < last else ej
        # the chunk with the white space that ends it on either side (or the 80-character cut)
        p = _after_last_space(text, si)
        a = min(lo, max(0, si - 80) if p is None else p - 1)
        b = min(len(text), max(hi, _NON_SPACE_RUN.match(text, ej).end() + 1, ej + _SIC_REACH))
        # the text itself, not the whole version's: a kept window must not keep a version
        return (text[a:b], si - a, j - i, i > 0, j < last, self.in_skip(si, ej),
                foreign and self.foreign_near(i), self.confidence(si, ej))

    # -- the next version ------------------------------------------------------------------
    def regions(self, edits: list[tuple[int, int, str]]) -> array:
        """The stretches of text :meth:`apply` tokenises again for ``edits`` (sorted, not
        overlapping): each edit widened to the white space either side, those that meet
        merged; (start, end, how much longer the edits make it), three numbers a stretch."""
        text = self.text
        n = len(text)
        out = array("q")
        for s, e, r in edits:
            a = s
            while a > 0 and not text[a - 1].isspace():
                a -= 1
            b = e
            while b < n and not text[b].isspace():
                b += 1
            if out and a <= out[-2]:
                out[-2] = max(out[-2], b)
                out[-1] += len(r) - (e - s)
            else:
                out.extend((a, b, len(r) - (e - s)))
        return out

    def near_stretches(self, regions: array) -> list[tuple[int, int]]:
        """The stretches of this version's words (first, end) that the next round judges
        again as near a change of ``regions`` (:func:`_round`), found here, before this
        version goes, so the windows of their items can be taken. A change reaches a word
        through the nearest change on its side, and no change lies between them, so the
        reach counted in this version's words and characters is the reach counted in the
        next's; one word more each side, for safety (a window taken early costs only its
        tuple)."""
        starts = self.starts
        n = len(starts)
        out: list[list[int]] = []
        for x in range(0, len(regions), 3):
            a, b = regions[x], regions[x + 1]
            j0 = bisect_left(starts, a)
            j1 = bisect_left(starts, b, j0)
            lo = max(0, min(j0 - _NEAR_WORDS, bisect_left(starts, a - _NEAR_CHARS)) - 1)
            hi = min(n, max(j1 + _NEAR_WORDS, bisect_left(starts, b + _NEAR_CHARS)) + 1)
            if out and lo <= out[-1][1]:
                out[-1][1] = max(out[-1][1], hi)
            else:
                out.append([lo, hi])
        return [(lo, hi) for lo, hi in out]

    def edited(self, edits: list[tuple[int, int, str]]) -> str:
        """The text with ``edits`` (sorted, not overlapping) made."""
        return _edited(self.text, edits)

    def apply(self, edits: list[tuple[int, int, str]], regions: array | None = None, new: str | None = None) -> "View":
        """The view of the text with ``edits`` (sorted, not overlapping; ``regions``: their
        :meth:`regions`; ``new``: the text they make, :meth:`edited`) made: only the
        chunks around the edits are tokenised again.

        This version is used up: its text, word columns and counts pass to the next
        version or go as soon as it is built (on a long document two whole versions at
        once would be most of the stage's memory), so take any windows wanted from it
        first (:meth:`_Items.take_windows`)."""
        if regions is None:
            regions = self.regions(edits)
        if new is None:
            new = self.edited(edits)
        self.text = None  # type: ignore[assignment]
        lows, starts = self.lows, self.starts
        # each stretch tokenised again: its old words (first, end), its new ones, its place
        redone = []
        delta: dict[str, int] = {}
        shift = 0  # characters
        grown = 0  # words
        ti = 0
        changed = array("q")
        for x in range(0, len(regions), 3):
            a, b, grow = regions[x], regions[x + 1], regions[x + 2]
            j0 = bisect_left(starts, a, ti)
            j1 = bisect_left(starts, b, j0)
            st, en, lw = tokenise(new, a + shift, b + shift + grow)
            for w in lows[j0:j1]:
                delta[w] = delta.get(w, 0) - 1
            for w in lw:
                delta[w] = delta.get(w, 0) + 1
            redone.append((j0, j1, st, en, lw, shift))
            changed.extend((j0, j1, j0 + grown, j0 + grown + len(lw), a + shift, b + shift + grow))
            shift += grow
            grown += len(lw) - (j1 - j0)
            ti = j1
        tc = _pos_type(len(new))
        # one column at a time, each old one let go as soon as its new one is built
        n = len(self.lows) + grown
        new_starts = _spliced(self.starts, redone, 2, shift, n, tc)
        self.starts = starts = None  # type: ignore[assignment]
        new_ends = _spliced(self.ends, redone, 3, shift, n, tc)
        self.ends = None  # type: ignore[assignment]
        new_lows = _spliced(self.lows, redone, 4, None, n)
        self.lows = lows = None  # type: ignore[assignment]
        self._signs = None
        counts = self.counts  # the counts pass to the next version, moved by the changes
        self.counts = None  # type: ignore[assignment]
        moved = {w for w, d in delta.items() if d}
        lang = self.lang
        bad = self.bad + sum(_bad_class(lang, w) * delta[w] for w in moved)
        for w in moved:
            c = counts.get(w, 0) + delta[w]
            if c > 0:
                counts[w] = c
            else:
                del counts[w]
        view = View(self.P, new, new_starts, new_ends, new_lows, counts, _shift_spans(self.skip, edits), self)
        if self.conf[0] or self.conf[1]:
            view.conf = (_shift_spans(self.conf[0], edits), _shift_spans(self.conf[1], edits))
        view.changed = changed
        view.moved = moved
        view.bad = bad
        return view


def _spliced(old: "array | list", redone: list[tuple], part: int, shift: int | None, n: int,
             tc: str = "") -> "array | list":
    """A word column of ``n`` words for the next version: ``old`` with each stretch
    tokenised again (``redone``: old first and end word, new starts, ends and words,
    characters shifted before it) replaced by its new values (``part``: which of them), the
    offsets between shifted (``shift`` None: words, not offsets; else an array of type
    ``tc``). Made at its full size at once and filled in place: grown piece by piece, a
    long document's columns would be moved again and again, leaving holes the process
    keeps."""
    out: "array | list" = [None] * n if shift is None else array(tc, [0]) * n
    pos = ti = 0

    def put(values: "array | list", by: int | None) -> None:
        nonlocal pos
        if shift is not None and (by or values.typecode != tc):  # type: ignore[union-attr]
            values = array(tc, map((by or 0).__add__, values))
        out[pos : pos + len(values)] = values
        pos += len(values)

    for r in redone:
        put(old[ti : r[0]], r[5])
        put(r[part], None)
        ti = r[1]
    put(old[ti:], shift)
    return out


def _edited(text: str, edits: "Iterable[tuple | list]") -> str:
    """``text`` with ``edits`` made: (start, end, replacement, ...), sorted, not overlapping.

    >>> _edited("the rnodern tbe", [(4, 11, "modern"), (12, 15, "the", "a note")])
    'the modern the'
    """
    pieces = []
    pos = 0
    for ed in edits:
        pieces.append(text[pos : ed[0]])
        pieces.append(ed[2])
        pos = ed[1]
    pieces.append(text[pos:])
    return "".join(pieces)


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    """One of the sorted, disjoint ``spans`` overlaps [s, e)."""
    if not spans:
        return False
    k = bisect_right(spans, (s, 1 << 62))
    if k and spans[k - 1][1] > s:
        return True
    return k < len(spans) and spans[k][0] < e


def _shift_spans(spans: list[tuple[int, int]], edits: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Spans of the old text moved to where they are after ``edits`` (an edit inside a
    span stretches it)."""
    if not spans or not edits:
        return list(spans)
    starts = [s for s, _, _ in edits]
    deltas = [0]
    for s, e, r in edits:
        deltas.append(deltas[-1] + len(r) - (e - s))
    ends = [e for _, e, _ in edits]

    def move(p: int, is_end: bool) -> int:
        # edits wholly before p shift it; an edit that p falls inside maps it to the edit's
        # start (a span's start) or new end (a span's end)
        k = bisect_right(ends, p)
        q = p + deltas[k]
        if k < len(edits) and starts[k] < p:
            s, e, r = edits[k]
            q = s + deltas[k] + (len(r) if is_end else 0)
        return q

    return [(move(s, False), move(e, True)) for s, e in spans]


#: protections that hold even for the known-misreads list
_HARD_PROTECTION = frozenset({
    "inside a fragment, table, page furniture, code or a formula", "marked [sic]", "a protected word (dictionaries/)",
    "code, a URL or a formula", "a formula or code", "not English (accented letters)",
})


_ELISION = re.compile(r"(?i)^[a-z]'[a-z]")
_APOSTROPHE_CAPITAL = re.compile(r"['\u2019][A-Z]")
_TRAILING_DIGITS = re.compile(r"\d+$")
#: "01", "011": a number never starts with a nought; a small word of o, l, i and n strokes
_ZERO_WORD = re.compile(r"^0[01]{1,2}$")


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the word alone says about protecting it (memoised per language)."""

    early: str | None  # a protection by shape that comes before the chunk test
    late: str | None  # one that comes after it (elision, a short code)
    abbrev: bool  # short enough, and plain enough, to be an abbreviation before a "."
    named: str | None  # O'Brien, M'Kenzie
    first_upper: bool
    ihave: bool  # "Ihave": the pronoun run into the next word, never a name
    capitalised: bool  # a capital first and not damaged: a name inside a sentence


def _digit_misread(low: str) -> bool:
    """A short mix of digits and small letters that is a common small word misread ("1n",
    "0f", "1t"): judged, in context, not protected as a code.

    >>> _digit_misread("1n"), _digit_misread("0f"), _digit_misread("2b"), _digit_misread("1st")
    (True, True, False, False)
    """
    if not low.isalnum() or low.isdigit() or not any(c.isalpha() for c in low):
        return False
    return any(len(v) == len(low) and v in _FUNCTION_WORDS and len(v) > 1 for v in confusion_variants(low, 0.6, 1))


def _shape(lang: Lang, w: str, low: str) -> _Shape:
    key = ("\4", w, low)
    sh = lang.known_memo.get(key)  # type: ignore[call-overload]
    if sh is not None:
        return sh  # type: ignore[no-any-return]
    letters = [c for c in w if c.isalpha()]
    digits = _DIGIT.search(w) is not None
    damaged = _looks_damaged(w)
    early = None
    if low in lang.user:
        early = "a protected word (dictionaries/)"
    elif w in lang.misreads or low in lang.misreads:
        early = "listed in the misreads file"
    elif _ZERO_WORD.match(w):
        early = None
    elif not letters:
        early = "a number"
    elif _NUMBERISH.match(w) or (digits and len(letters) < 2 and not _digit_misread(low)):
        early = "a number"
    elif digits and sum(c.isupper() for c in letters) >= 2:
        early = "a formula or code"
    elif digits and _TRAILING_DIGITS.sub("", low) in lang.counts:
        early = "a name with a number"
    elif len(letters) >= 2 and all(c.isupper() for c in letters) and "\\" not in w:
        early = "an acronym or capitals"
    elif _ROMAN.match(w) and (len(w) > 1 or w in "ivxIVXLCDM"):
        early = "a Roman numeral"
    elif _NON_ASCII_LETTER.search(w):
        early = "not English (accented letters)"
    late = ("not English (elision) or a code"
            if _ELISION.match(low) or (digits and len(w) <= 3 and not _digit_misread(low) and not _ZERO_WORD.match(w))
            else None)
    sh = _Shape(
        early, late,
        bool(letters) and len(letters) <= 4 and not damaged and low not in lang.misreads,
        "a name (O'Brien, M'Kenzie)" if _APOSTROPHE_CAPITAL.search(w) else None,
        bool(letters) and letters[0].isupper(),
        w[0] == "I" and len(w) > 2 and w[1:].lower() in lang.counts,
        bool(letters) and letters[0].isupper() and not damaged,
    )
    lang.remember(key, sh)
    return sh


_NAME_INSIDE = "a capitalised word inside a sentence (a name)"
#: how cheap the confusion, how common the word, and by how much more sure, for a
#: capitalised word inside a sentence to be read as another
_NAME_COST, _NAME_COUNT, _NAME_MARGIN, _NAME_LEN = 0.7, 1_000_000, 1.0, 4


def protection(t: Tok, text: str, lang: Lang, skipped: bool = False) -> str | None:
    """Why the word ``t`` must not be changed, or None.

    >>> from pipeline.rules import try_rule
    >>> try_rule(nonword, "Mr. Smith and Mr. Zhouu met Vlaclimir near H2S04 in the IBMM office.")
    'Mr. Smith and Mr. Zhouu met Vlaclimir near H2S04 in the IBMM office.'
    """
    if skipped:
        return "inside a fragment, table, page furniture, code or a formula"
    if _SIC.match(text, t.end):
        return "marked [sic]"
    if t.start and text[t.start - 1] in "\\/|_":
        return "after a backslash or a slash (debris, or code)"
    sh = _shape(lang, t.text, t.low)
    if sh.early:
        return sh.early
    if _code_chunk(text, t.start, t.end):
        return "code, a URL or a formula"
    if sh.late:
        return sh.late
    if sh.abbrev and text[t.end : t.end + 1] == ".":
        return "an abbreviation"
    if sh.named:
        return sh.named
    if t.prev_word in _HONORIFICS and sh.first_upper:
        return "a name after a title"
    if sh.ihave:
        return None
    if sh.capitalised and not t.sentence_start:
        return _NAME_INSIDE
    return None


# -- casing ------------------------------------------------------------------------------------
def restore_case(token: str, word: str) -> str:
    """Give ``word`` (lower case) the case pattern of ``token``.

    >>> restore_case("Tbe", "the"), restore_case("\\\\VHY", "why"), restore_case("specLal", "special")
    ('The', 'WHY', 'special')
    >>> restore_case("COUNTnY", "country")  # capitals with one misread small letter
    'COUNTRY'
    >>> restore_case("lVith", "with")
    'With'
    """
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return word
    # "lVith": a capital W read as "lV"; the capital it stands for starts the word
    first_upper = letters[0].isupper() or (len(letters) > 2 and letters[0] == "l" and letters[1].isupper()
                                           and "".join(letters[2:]).islower())
    uppers = sum(c.isupper() for c in letters)
    if (uppers == len(letters) and len(letters) >= 2) or (first_upper and len(letters) >= 4 and uppers >= len(letters) - 1):
        return word.upper()
    if first_upper:
        return word[:1].upper() + word[1:]
    return word


# -- the channel: confusion-weighted edit distance ----------------------------------------------
@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], float]:
    return confusion_table()


@lru_cache(maxsize=32768)
def _block_cost(src: str, dst: str) -> tuple[float, bool]:
    """The cost of writing ``src`` for ``dst``: a table confusion, stray marks dropped, or
    the block split at its best point into a confusion and plain edits."""
    table = _table()
    c = table.get((src, dst))
    if c is not None:
        return c, True
    if not dst and src and all(ch in STRAY for ch in src):
        return 0.3 * len(src), True
    ls, ld = len(src), len(dst)
    best, known = float(max(ls, ld)), False
    if ls + ld <= 8:
        get = table.get
        for i in range(ls + 1):
            s1, s2 = src[:i], src[i:]
            for j in range(ld + 1):
                a = get((s1, dst[:j]))
                b = get((s2, dst[j:]))
                if (a is None and b is None) or (i == 0 and j == 0) or (i == ls and j == ld):
                    continue
                ca = a if a is not None else float(max(i, j))
                cb = b if b is not None else float(max(ls - i, ld - j))
                if ca + cb < best:
                    best, known = ca + cb, a is not None and b is not None
    return best, known


def weighted_distance(seen: str, meant: str) -> tuple[float, bool]:
    """Edit distance from what the engine wrote to a candidate, OCR confusions cheap; and
    whether every difference is a known OCR confusion.

    >>> weighted_distance("rnodern", "modern")[0] < weighted_distance("modenr", "modern")[0]
    True
    >>> weighted_distance("tbe", "the"), weighted_distance("\\\\ve", "we")
    ((0.4, True), (0.1, True))
    """
    cost, conf, _ = _weighted(seen, meant)
    return cost, conf


@lru_cache(maxsize=32768)
def _weighted(seen: str, meant: str) -> tuple[float, bool, tuple[tuple[str, str], ...]]:
    """The weighted distance, whether it is OCR confusions only, and the confusions used."""
    used: list[tuple[str, str]] = []
    cost = 0.0
    conf_only = True
    # the differences as blocks: the runs of edits between two stretches the strings share
    blocks: list[list[int]] = []
    for tag, i1, i2, j1, j2 in _opcodes(seen, meant).as_list():
        if tag == "equal":
            continue
        if blocks and blocks[-1][1] == i1 and blocks[-1][3] == j1:
            blocks[-1][1], blocks[-1][3] = i2, j2
        else:
            blocks.append([i1, i2, j1, j2])
    ls, lm = len(seen), len(meant)
    widenings = _widenings()
    for i1, i2, j1, j2 in blocks:
        src, dst = seen[i1:i2], meant[j1:j2]
        c, known = _block_cost(src, dst)
        pair = (src, dst)
        # widened by a shared letter each side the block may be a confusion of the table:
        # "tl"+"ie" -> "th"+"e" is li -> h
        for a, b, ws, wd, c2 in widenings.get(pair, ()):
            if (i1 >= a and j1 >= a and i2 + b <= ls and j2 + b <= lm and c2 < c
                    and seen[i1 - a : i2 + b] == ws and meant[j1 - a : j2 + b] == wd):
                c, known, pair = c2, True, (ws, wd)
        cost += c
        conf_only = conf_only and known
        used.append(pair)
    return round(cost, 4), conf_only, tuple(used)


def _opcodes(seen: str, meant: str):  # type: ignore[no-untyped-def]
    """rapidfuzz's Levenshtein opcodes (imported on first use, then called directly: this
    name is rebound to it)."""
    from rapidfuzz.distance import Levenshtein

    global _opcodes
    _opcodes = Levenshtein.opcodes
    return Levenshtein.opcodes(seen, meant)


#: the sides a block is widened by, in the order they are tried: a letter before, one
#: after, one each side
_WIDEN_SIDES = ((1, 0), (0, 1), (1, 1))


@lru_cache(maxsize=1)
def _widenings() -> dict[tuple[str, str], tuple[tuple[int, int, str, str, float], ...]]:
    """The table's confusions whose two sides share a first or last letter ("rn" -> "rm"),
    by the block left inside them ("n" -> "m"): (letters before, letters after, the
    confusion, its cost), in the order :func:`_weighted` tries them. A block with no entry
    here (nearly all) is never widened into a confusion, and is not tried."""
    out: dict[tuple[str, str], list[tuple[int, int, str, str, float]]] = {}
    for a, b in _WIDEN_SIDES:
        for (ws, wd), c in _table().items():
            if len(ws) >= a + b and len(wd) >= a + b and ws[:a] == wd[:a] and ws[len(ws) - b:] == wd[len(wd) - b:]:
                inner = (ws[a : len(ws) - b], wd[a : len(wd) - b])
                out.setdefault(inner, []).append((a, b, ws, wd, c))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _by_seen() -> tuple[dict[str, list[tuple[str, float]]], tuple[int, ...]]:
    by_seen: dict[str, list[tuple[str, float]]] = {}
    for (seen, meant), c in _table().items():
        by_seen.setdefault(seen, []).append((meant, c))
    return by_seen, tuple(sorted({len(s) for s in by_seen}, reverse=True))


@lru_cache(maxsize=16384)
def confusion_variants(word: str, max_cost: float = 1.0, depth: int = 1) -> dict[str, float]:
    """Strings the table turns ``word`` into (up to ``depth`` confusions), with their cost
    (memoised: callers only read the answer). A second confusion is made only beside one
    that mends a character no English word has (a digit, a backslash, a stray mark).

    >>> confusion_variants("rnodern")["modern"]
    0.25
    >>> confusion_variants("tl1e", 1.2, 2)["the"]
    0.55
    """
    by_seen, lens = _by_seen()
    get = by_seen.get
    found: dict[str, float] = {word: 0.0}
    frontier = [(word, 0.0, False)]
    for step in range(depth):
        nxt = []
        last = step == depth - 1
        for w, c0, mended in frontier:
            only_odd = step > 0 and not mended
            n = len(w)
            for i in range(n):
                head = w[:i]
                for L in lens:
                    if i + L > n:
                        continue
                    seg = w[i : i + L]
                    entries = get(seg)
                    if entries is None:
                        continue
                    odd = False
                    if only_odd or not last:  # (only a step with another after it asks)
                        odd = not seg.isalpha()
                        if only_odd and not odd:
                            continue
                    tail = w[i + L :]
                    for meant, c in entries:
                        c1 = c0 + c
                        if c1 > max_cost:
                            continue
                        v = head + meant + tail
                        if c1 < found.get(v, 99):
                            found[v] = c1
                            if not last:
                                nxt.append((v, c1, mended or odd))
                if w[i] in STRAY and 0 < i < n - 1:
                    v = head + w[i + 1 :]
                    c1 = c0 + 0.3
                    if c1 <= max_cost and c1 < found.get(v, 99):
                        found[v] = c1
                        if not last:
                            nxt.append((v, c1, True))
        frontier = nxt
    del found[word]
    return found


# -- the language model: bigram context ---------------------------------------------------------
_SCALE = 38.0  # symspellpy's bigram counts are about 38 times its unigram counts
_UNSEEN = 0.3  # a bigram missing from the list: below its floor, so discount independence


_LOG_UNSEEN = math.log10(_UNSEEN)


def p_next(V: View, a: str, b: str, pb: float) -> float:
    """log10 P(b | a) from symspellpy's bigram counts; ``pb`` is log10 P(b)."""
    return _given(V.lang.pair(a, b), pb)


def _given(pair: tuple[float | None, float | None], pb: float) -> float:
    """log10 P(b | a) from :meth:`Lang.pair`'s answer for (a, b); ``pb`` is log10 P(b)."""
    seen, floor = pair
    if seen is not None:
        return seen
    if floor is None:  # the word before is not in the lexicon: no evidence either way
        return _LOG_UNSEEN + pb
    return min(_LOG_UNSEEN + pb, floor)


def context(V: View, words: tuple[str, ...], left: str | None, right: str | None, priors: tuple[float, ...],
            pr: float | None = None) -> float:
    """log10 P(words | word before) P(word after | words), relative to P(word after)
    (``pr``: log10 P(word after), when the caller has it)."""
    if len(words) == 1:
        return context1(V, words[0], left, right, priors[0], pr)
    s = p_next(V, left, words[0], priors[0]) if left is not None else priors[0]
    for a, b, pb in zip(words, words[1:], priors[1:]):
        s += p_next(V, a, b, pb)
    if right is not None:
        if pr is None:
            pr = V.prior(right)
        s += p_next(V, words[-1], right, pr) - pr
    return s


def context1(V: View, word: str, left: str | None, right: str | None, prior: float, pr: float | None = None) -> float:
    """:func:`context` of one word (``prior``: its log10 P), the case nearly every call is:
    the same sums in the same order, without the tuples, and the memoised pairs read
    directly (each word of a page is scored against every candidate's neighbours)."""
    lang = V.lang
    pairs = lang.pairs
    if left is None:
        s = prior
    else:
        s = _given(pairs.get((left, word)) or lang.pair(left, word), prior)
    if right is not None:
        if pr is None:
            pr = V.prior(right)
        s += _given(pairs.get((word, right)) or lang.pair(word, right), pr) - pr
    return s


@dataclass(slots=True)
class Decision:
    kind: str  # misread, split, confusion, merged, nonword, realword
    replacement: str
    reason: str
    confidence: float
    safety: str
    suggestions: tuple[str, ...] = ()
    flag_only: bool = False


def _variant_known(lang: Lang, w: str) -> bool:
    """``w`` is a known word in another spelling (American, British, older).

    >>> _variant_known(_demo_state().lang, "neighboring"), _variant_known(_demo_state().lang, "rnodern")
    (True, False)
    """
    known = lang.counts
    if len(w) < 5:
        return False
    for a, b in _VARIANTS:
        i = w.find(a, 2)
        while i >= 0:
            if w[:i] + b + w[i + len(a):] in known:
                return True
            i = w.find(a, i + 1)
    return False


def _derivation(w: str, V: View) -> bool:
    """``w`` is a known word with a common ending or beginning ("bigrams", "unparsed"), or
    a word of the document with an ending."""
    lexical, stems = _derivation_parts(V.lang, w)
    return lexical or any(V.at_least(stem, 1) for stem in stems)


def _derivation_parts(lang: Lang, w: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the lexicon makes ``w`` a derivation, and else the stems that would if the
    document used them (memoised per language)."""
    key = ("\5", w)
    r = lang.known_memo.get(key)  # type: ignore[call-overload]
    if r is not None:
        return r  # type: ignore[no-any-return]
    known = lang.counts
    lexical = False
    stems = []
    for suf in _SUFFIXES_BY_LAST.get(w[-1:], ()):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            stem = w[: -len(suf)]
            if (stem in known or stem + "e" in known or (len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in known)
                    or (stem[-1] == "i" and stem[:-1] + "y" in known)):  # "modifiee": "modify"
                lexical = True
                break
            if len(stem) >= 4:
                stems.append(stem)
    if not lexical:
        for pre in _PREFIXES_BY_FIRST.get(w[:1], ()):
            if w.startswith(pre) and len(w) - len(pre) >= 4 and w[len(pre):] in known:
                lexical = True
                break
    if not lexical:
        # Latin and Greek plurals: "automata", "strata", "radii", "formulae", "indices"
        for plural, singular in (("a", "on"), ("a", "um"), ("i", "us"), ("ae", "a"), ("ices", "ex"), ("ices", "ix"),
                                 ("es", "is")):
            if w.endswith(plural) and len(w) > len(plural) + 3 and w[: -len(plural)] + singular in known:
                lexical = True
                break
    r = (lexical, () if lexical else tuple(stems))
    lang.remember(key, r)
    return r


def _compound(w: str, lang: Lang) -> bool:
    """``w`` is two content words written as one ("horsekeeper", "treebank"): mostly right.

    >>> _compound("horsekeeper", _demo_state().lang), _compound("ofthe", _demo_state().lang)
    (True, False)
    """
    key = ("\6", w)
    r = lang.known_memo.get(key)  # type: ignore[call-overload]
    if r is None:
        known, fw = lang.counts, _FUNCTION_WORDS
        r = any(
            w[:i] not in fw and w[i:] not in fw and known.get(w[:i], 0) >= 300_000 and known.get(w[i:], 0) >= 300_000
            for i in range(3, len(w) - 2)
        )
        lang.remember(key, r)
    return r  # type: ignore[no-any-return]


def _lex_candidates(lang: Lang, key: str) -> dict[str, tuple[float, bool]]:
    """Lexicon and user words ``key`` may be a misreading of (memoised per language)."""
    out = lang.lex_cands.get(key)
    if out is not None:
        return out
    out = {}
    variants = confusion_variants(key, 1.2, 2 if _damaged_key(key) else 1)
    # the variants the lexicon knows, found by a set intersection in C: a damaged key has
    # hundreds of variants and few of them are words (the order of ``out`` never matters:
    # hypotheses are ranked by score and words)
    known = variants.keys() & lang.counts.keys()
    if lang.user:
        known |= lang.user.intersection(variants)
    for v in known:
        if len(v) > 1 or v in _ONE_LETTER:  # lang.lex_word, inlined
            out[v] = (variants[v], True)
    if key[0].isdigit() and not _ZERO_WORD.match(key):
        # a digit glued before a word is mostly a footnote mark: read the digits as letters
        # ("81ve" -> "give"), never drop them
        out = {v: c for v, c in out.items() if len(v) == len(key)}
    elif len(key) >= 3:
        idx = lang.index
        probed: dict = {}  # the first lookup's probes, which a second one reuses
        found = [w for w, _ in lookup(idx, key, 1, probed=probed)]
        best = min((c for c, _ in out.values()), default=9.0)
        if len(key) >= 6 and best > 1.0 and not any(weighted_distance(key, f)[0] <= 1.0 for f in found):
            found = [w for w, _ in lookup(idx, key, 2, probed=probed)]  # only when nothing is one edit away
        if len(key) >= 4 and lang.user_extra:
            found += _near(key, lang.user_extra, 1 if len(key) <= 5 else 2)
        max_cost = lang.settings.max_cost
        for term in found:
            if term not in out and lang.lex_word(term):
                c, conf = weighted_distance(key, term)
                if c <= max_cost:
                    out[term] = (c, conf)
    if len(lang.lex_cands) > 50_000:
        lang.lex_cands.clear()
    lang.lex_cands[key] = out
    return out


def _near(key: str, words: "list[str] | frozenset[str]", ed: int) -> list[str]:
    """The words within ``ed`` edits of ``key`` (a short list, scanned in C)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    return [w for w, _, _ in process.extract(key, list(words), scorer=OSA.distance, score_cutoff=ed, limit=None)]


def _doc_ed(key: str) -> int:
    """How far (edits) a document word may be from ``key`` to be its candidate; 0: only
    through OCR confusions."""
    return 0 if key[0].isdigit() or len(key) < 4 else (1 if len(key) <= 5 else 2)


def _damaged_key(key: str) -> bool:
    return _DIGIT.search(key) is not None or "\\" in key or _looks_damaged(key)


@lru_cache(maxsize=4096)
def _doc_variants(key: str) -> dict[str, float]:
    return confusion_variants(key, 1.2, 2 if _damaged_key(key) else 1)


def _doc_candidate_of(key: str, w: str) -> bool:
    """The document word ``w`` may be among ``key``'s candidates (a cheap, generous test)."""
    ed = _doc_ed(key)
    return w in _doc_variants(key) or (ed > 0 and _osa(key, w, score_cutoff=ed) <= ed)


def _osa(a: str, b: str, score_cutoff: int) -> int:
    """rapidfuzz's optimal-string-alignment distance (imported on first use, then called
    directly: this name is rebound to it)."""
    from rapidfuzz.distance import OSA

    global _osa
    _osa = OSA.distance  # type: ignore[assignment]
    return OSA.distance(a, b, score_cutoff=score_cutoff)


def _keep_doc_cands(cands: dict[str, dict], moved: frozenset[str]) -> dict[str, dict]:
    """The answers of ``cands`` that none of the ``moved`` document words can change. A
    word one confusion or two edits away is within three edits; a damaged key's two
    confusions may reach further, so its confusions are checked directly."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    keys = list(cands)
    gone = set()
    if len(moved) * 8 < len(keys):
        for w in moved:
            for k, _, _ in process.extract(w, keys, scorer=OSA.distance, score_cutoff=3, limit=None):
                if _doc_candidate_of(k, w):
                    gone.add(k)
    else:
        ms = list(moved)
        for k in keys:
            for w, _, _ in process.extract(k, ms, scorer=OSA.distance, score_cutoff=3, limit=None):
                if _doc_candidate_of(k, w):
                    gone.add(k)
                    break
    for k in keys:
        if k not in gone and _damaged_key(k) and not moved.isdisjoint(_doc_variants(k)):
            gone.add(k)
    return {k: v for k, v in cands.items() if k not in gone}


def _doc_candidates(V: View, key: str) -> dict[str, tuple[float, bool]]:
    """The document's own recurring words ``key`` may be a misreading of (per version)."""
    dw = V.docwords()
    if not dw:
        return {}
    got = V._doc_cands.get(key)
    if got is None:
        got = {}
        for v, c in _doc_variants(key).items():
            if v in dw:
                got[v] = (c, True)
        if key[0].isdigit():
            got = {v: c for v, c in got.items() if len(v) == len(key)}
        ed = _doc_ed(key)
        if ed:
            max_cost = V.lang.settings.max_cost
            for term in V.P.doc_index(dw).near(key, ed):
                if term not in got and term != key:
                    c, conf = weighted_distance(key, term)
                    if c <= max_cost:
                        got[term] = (c, conf)
        V._doc_cands[key] = got
    return got


def candidates(V: View, key: str) -> dict[str, tuple[float, bool]]:
    """Known words ``key`` may be a misreading of: (weighted distance, OCR confusions only);
    the document's own recurring words among them.

    >>> sorted(candidates(_demo_state(), "rnodern").items())[:2]
    [('modern', (0.25, True))]
    """
    lex = _lex_candidates(V.lang, key)
    got = _doc_candidates(V, key)
    if V.reads is not None:
        V.reads += (_DOC_NEAR, key, V.docwords(), tuple(sorted(got)))
    if not got:
        return lex
    out = dict(lex)
    for v, c in got.items():
        out.setdefault(v, c)
    return out


def splits(lang: Lang, key: str) -> list[tuple[tuple[str, ...], float]]:
    """Ways to read ``key`` as two or three common words run together (memoised).

    >>> splits(_demo_state().lang, "ofthe")[:2]
    [(('of', 'the'), 0.2), (('oft', 'he'), 0.2)]
    >>> (("on", "the"), 0.6) in splits(_demo_state().lang, "ontho")
    True
    """
    out = lang.splits.get(key)
    if out is not None:
        return out
    out = []
    n = len(key)
    if n >= 3 and key.isalpha():
        counts = lang.counts

        def ok(p: str) -> bool:
            if len(p) == 1:
                return p in ("a", "i")
            return counts.get(p, 0) >= 200_000

        fw = _FUNCTION_WORDS
        for i in range(1, n):
            a, b = key[:i], key[i:]
            if not ok(a):
                continue
            if ok(b) and (a in fw or b in fw):
                out.append(((a, b), 0.2))
                # a misread inside the run ("ontho": "on the", not "on tho")
                for v, c in confusion_variants(b, 0.5, 1).items():
                    if v in fw and v != b:
                        out.append(((a, v), round(0.2 + c, 3)))
                for v, c in confusion_variants(a, 0.5, 1).items():
                    if v in fw and v != a and ok(v):
                        out.append(((v, b), round(0.2 + c, 3)))
            if n >= 7 and len(a) >= 2:
                for j in range(i + 2, n - 1):
                    b1, c1 = key[i:j], key[j:]
                    if ok(b1) and ok(c1) and sum(x in fw for x in (a, b1, c1)) >= 1 + (min(len(a), len(b1), len(c1)) < 2):
                        out.append(((a, b1, c1), 0.4))
    if len(lang.splits) > 50_000:
        lang.splits.clear()
    lang.splits[key] = out
    return out


def _cased(token: str, words: tuple[str, ...]) -> str:
    first = restore_case(token, words[0])
    rest = [w.upper() if token.isupper() and len(token) > 1 else w for w in words[1:]]
    out = [first, *rest]
    return " ".join("I" if w == "i" else w for w in out)


#: log10 odds against a short unknown string being right when OCR confusions alone make it
#: a word: the letter model spreads its mass over short strings as over long ones, but the
#: words a large lexicon lacks (names, terms, derivations) are long, and an engine's cheap
#: confusions make short non-words all the time ("ber" for "her", "oi" for "of")
_SHORT = {2: -1.5, 3: -1.5}
_FOUR_LETTERS = 0.8


def _unknown_prior(lang: Lang, key: str) -> float:
    """log10 probability of ``key`` as a right word the lexicon lacks: the share of such
    words times how English the string looks (letter trigrams of the lexicon)."""
    p = lang.oov.get(key)
    if p is None:
        p = lang.oov[key] = lang.settings.oov_share + lang.index.chars.logp(key)
    return p


def keep_score(V: View, t: Tok, damaged: bool, pr: float | None = None) -> float:
    """log10 score of the word being right as it stands, though the lexicon lacks it."""
    key = t.low
    lang = V.lang
    p = _unknown_prior(lang, key)
    if damaged:
        p -= 1.0
    else:
        if _compound(key, lang):
            p += 3.5  # two common words written as one: mostly a compound the lexicon lacks
        elif _derivation(key, V):
            p += 2.5  # a known word with an ending: mostly right
        if t.text[0].isupper() and not (t.text[0] == "I" and key[1:] in lang.counts):
            p += 1.5  # unknown capitalised words are mostly names ("Ihave" is not one)
    if V.at_least(key, 2):
        p += 1.0
    return context1(V, key, t.left, t.right, p, pr)


_RANK = {"safe": 3, "unsafe": 2, "suggest": 1}
#: a small word and a capitalised one written as one
_CASE_RUN = re.compile(r"^([A-Za-z][a-z]{1,3})([A-Z](?:[a-z]+(?:['\u2019][a-z]+)?)?)$")


def decide_unknown(V: View, t: Tok, name: bool = False) -> Decision | None:
    """The best reading of the unknown word ``t``, if one is clearly better than keeping it.

    A word the document repeats is taken as its own (a name, a term, an old spelling) unless
    OCR confusions alone turn it into a word the document uses far more often; or, on a page
    whose sure fixes show the engine making those very confusions again and again ("o" for
    "e" all through: "havo", "boen", "tho"), into a common word. That second reading only
    ever adds a fix: it is taken when it is surer than the first, so a run that learned
    less (a second run, which finds nothing to learn) is never bolder.
    """
    d = _decide_unknown(V, t, False, name)
    if V.P.learned and V.at_least(t.low, 2) and not name:
        d2 = _decide_unknown(V, t, True)
        if d2 is not None and _RANK[d2.safety] > (_RANK[d.safety] if d is not None else 0):
            return d2
    return d


def _habitual(V: View, key: str, c: str) -> bool:
    """``c`` is a common word and every confusion from ``key`` to it is one this page's sure
    fixes made at least twice."""
    if V.lang.lex_count(c) < _COMMON:
        return False
    learned = V.P.learned
    return all(learned.get(p, 0) >= 2 for p in _weighted(key, c)[2])


#: a page with at least this share of misread-looking words repeats its misreads too
_NOISY = 0.05


def _name_candidates(lang: Lang, key: str) -> dict[str, tuple[float, bool]]:
    """The only readings a capitalised word inside a sentence may take: common words one
    cheap OCR confusion away (no index lookup: most such words are names, and stay).

    >>> _name_candidates(_demo_state().lang, "inspeotor")
    {'inspector': (0.5, True)}
    """
    out = lang.name_cands.get(key)
    if out is None:
        variants = confusion_variants(key, _NAME_COST, 1)
        known = variants.keys() & lang.counts.keys()  # (the few known ones picked out in C)
        if lang.user:
            known |= lang.user.intersection(variants)
        out = {v: (variants[v], True) for v in known if lang.lex_word(v) and lang.lex_count(v) >= _NAME_COUNT}
        if len(lang.name_cands) > 50_000:
            lang.name_cands.clear()
        lang.name_cands[key] = out
    return out


def _noisy_repeat(V: View, cost: float, c: str) -> bool:
    """On a noisy page the engine repeats its misreads ("waa", "publio" twice): a repeated
    unknown word one cheap confusion from one of the commonest words is read as that word
    (names and terms are rarely that close to "was" or "public")."""
    return cost <= 0.6 and V.P.err >= _NOISY and V.lang.lex_count(c) >= _COMMON // 5


def _decide_unknown(V: View, t: Tok, habits: bool, name: bool = False) -> Decision | None:
    P = V.P
    s = P.settings
    lang = V.lang
    key = t.low
    damaged = _looks_damaged(t.text)
    # a word the document repeats is its own (a name, a term, an old spelling); a plainly
    # damaged one ("\\Vould", "bro1ught") is a misread however often the engine makes it
    recurring = not damaged and V.at_least(key, 2)
    if name and (recurring or len(key) < _NAME_LEN):
        return None  # a name the document repeats, or a short one: its own
    if len(key) <= 2 and not (t.left and t.right and lang.known(t.left) and lang.known(t.right)):
        return None  # a two-letter scrap is read only between two words that speak for it
    m = _CASE_RUN.match(t.text)
    if m and m.group(1).lower() in _FUNCTION_WORDS and "merged" in P.kinds:
        # a small word run into a capitalised one: "ofIslam", "IfI"; the capital marks the seam
        # (engines repeat such a merge, "ofAram" twice on a page: a repeat says nothing here)
        a, b = m.group(1), m.group(2)
        return Decision("merged", f"{a} {b}", f"'{t.text}' is '{a}' and '{b}' run together (a capital after a small "
                        "word)", 0.99, "safe", (f"{a} {b}",))
    cands = _name_candidates(lang, key) if name else candidates(V, key)
    split_cands = []
    if not recurring and ((not damaged and t.text[0].islower()) or t.text[:1] == "I") and (t.left or t.right):
        split_cands = splits(lang, key)  # words run together, read only beside another word
    if not cands and not split_cands:
        return None
    hyps: list[tuple[float, tuple[str, ...], float, str]] = []  # score, words, cost, kind
    title = t.text[0].isupper() and not damaged
    cap_first = t.text[:1].isupper() and t.text[1:2].islower()
    base = P.log_err
    w = s.channel_weight
    pr = V.prior(t.right) if t.right is not None else None
    left, right, prior = t.left, t.right, V.prior
    for c, (cost, conf_only) in cands.items():
        if name and not (conf_only and cost <= _NAME_COST and lang.lex_count(c) >= _NAME_COUNT):
            continue
        if recurring:
            # a word the document repeats is its own, unless OCR confusions alone turn it
            # into a word the document uses far more often
            if not (conf_only and cost <= 1.0):
                continue
            if not (V.at_least(c, max(3, 3 * V.count(key))) or (habits and _habitual(V, key, c))
                    or _noisy_repeat(V, cost, c)):
                continue
        if title and lang.lex_count(c) < 1_000_000 and not V.at_least(c, 1):
            continue  # a capitalised word (a name, perhaps) becomes only a common word
        if cap_first and c == key[1:]:
            cost += 0.5  # an engine hardly ever invents a capital letter ("Ihave" is not "have")
        sc = base - w * cost + context1(V, c, left, right, prior(c), pr)
        hyps.append((sc, (c,), cost, "confusion" if conf_only else "nonword"))
    for words, cost in split_cands:
        prs = tuple(V.prior(x) for x in words)
        sc = base - w * cost + context(V, words, t.left, t.right, prs, pr)
        hyps.append((sc, words, cost, "merged"))
    if not hyps:
        return None
    keep = keep_score(V, t, damaged, pr)
    hyps.sort(key=lambda h: (-h[0], h[1]))
    best = hyps[0]
    second = hyps[1][0] if len(hyps) > 1 else -99.0
    if best[3] == "confusion":
        keep += _SHORT.get(len(key), 0.0)
    m_keep, m_second = best[0] - keep, best[0] - second
    # every edit beyond a first one that is not an OCR confusion asks for more evidence
    extra = 2.0 * max(0.0, best[2] - 1.0) if best[3] == "nonword" else 0.0
    read = V.confidence(t.start, t.end)
    if read < 0:
        extra -= s.low_boost  # the engine itself doubted this word
    if name:
        extra += _NAME_MARGIN
    if len(key) == 4 and best[3] != "merged":
        # four letters have many near words and many right ones the lexicon lacks
        # (abbreviations, terms, foreign words): a crowded neighbourhood asks for more
        extra += _FOUR_LETTERS
    sure = m_keep - extra
    if not (sure >= s.unsafe_margin or (damaged and s.flag_damaged and sure > 0)):
        return None
    conf = 1.0 / (1.0 + 10 ** (-m_keep) + 10 ** (-m_second))
    repl = _cased(t.text, best[1])
    ranked = tuple(dict.fromkeys(_cased(t.text, h[1]) for h in hyps[:4]))
    how = {"confusion": "OCR confusion", "merged": "words run together", "nonword": "closest word"}[best[3]]
    alt = f"; the next best, '{' '.join(hyps[1][1])}', is 10^{m_second:.1f} behind it" if len(hyps) > 1 else ""
    reason = (f"'{t.text}' is not a word; '{' '.join(best[1])}' ({how}, distance {best[2]:.2f}) "
              f"beats keeping it by 10^{m_keep:.1f}{alt}")
    if name and not (sure >= s.safe_margin and m_second >= s.runner_up_margin):
        return None  # only a sure reading of a name, never a flag
    if read > 0:
        # the engine was sure of what it read: mostly a right word the lexicon lacks
        return Decision(best[3], repl, reason + " (read with high OCR confidence: flagged only)", conf, "suggest",
                        ranked, True)
    if sure >= s.safe_margin and m_second >= s.runner_up_margin:
        return Decision(best[3], repl, reason, conf, "safe", ranked)
    if sure >= s.unsafe_margin and m_second >= s.runner_up_margin / 2:
        return Decision(best[3], repl, reason, conf, "unsafe", ranked)
    if damaged and s.flag_damaged and sure > 0:
        return Decision(best[3], repl, reason + " (not sure)", conf, "suggest", ranked, True)
    return None


def _judged_as(lang: Lang, low: str) -> str | None:
    """The form an unknown word is judged in: itself, or without its clitic ("prisoncr's"
    as "prisoncr"); None when it is a known word after all (another spelling, a known stem
    with a clitic). Memoised per language."""
    k = "\1" + low
    r = lang.known_memo.get(k, k)
    if r is k:
        m = _CLITIC.match(low)
        if m:
            stem = m.group(1)
            r = None if lang.known(stem) or _variant_known(lang, stem) else stem
        else:
            r = None if _variant_known(lang, low) else low
        lang.remember(k, r)
    return r  # type: ignore[return-value]


def judge_unknown(V: View, i: int) -> Decision | None:
    """The decision on unknown word i (None: leave it)."""
    lang = V.lang
    low = V.lows[i]
    stem = _judged_as(lang, low)
    if stem is None:
        return None
    t = V.tok(i)
    if low == "0":
        return _vocative_o(V, t, i)
    if stem != low:
        # judge the word without its clitic ("prisoncr's" -> "prisoner's")
        cut = len(low) - len(stem)
        t = Tok(t.start, t.end - cut, t.text[:-cut], stem, t.left, t.right, t.sentence_start, t.prev_word)
    if V.foreign_near(i):
        return None
    why = protection(t, V.text, lang, V.in_skip(t.start, t.end))
    if why is not None and why != _NAME_INSIDE:
        return None
    # a capitalised word inside a sentence is mostly a name: read only as a common word
    # one cheap OCR confusion away, and surely ("Inspeotor" is "Inspector")
    d = decide_unknown(V, t, why is not None)
    if d is not None and not d.flag_only and _glued_to_digits(V.text, t.start, t.end):
        d.reason += " (joined to figures: part of a damaged token, flagged only)"
        d.safety, d.flag_only = "suggest", True
    if d is not None and t.end != V.ends[i]:
        clitic = V.text[t.end : V.ends[i]]
        d.replacement += clitic
        d.suggestions = tuple(x + clitic for x in d.suggestions)
    return d


def _glued_to_digits(text: str, start: int, end: int) -> bool:
    """The word at [start, end) follows a figure in one run of non-space characters
    ("8,yntax", "12.tbe"): a misread word run into debris, whose first letters may be in the
    figure ("8," for "S"), so its own best reading is not sure. (A figure after the word is
    mostly a footnote marker, "definitdon1", and says nothing.)

    >>> _glued_to_digits("Approach to 8,yntax. New", 14, 19), _glued_to_digits("a tbe1 note", 2, 5)
    (True, False)
    >>> from pipeline.rules import try_rule
    >>> try_rule(nonword, "An Approach to 8,yntax and semantics")
    'An Approach to 8,yntax and semantics'
    """
    a = start
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    return bool(_DIGIT.search(text, a, start))


#: a lone nought after a comma, a semicolon, an exclamation or an opening quote, before a
#: capitalised word: the vocative "O" ("so far, 0 King", "“0 Lord"); after a full stop it
#: is as often debris
_VOCATIVE_BEFORE = re.compile(r"(?:[,;!]\s|[\u201c\u2018\"']\s?)$")


def _vocative_o(V: View, t: Tok, i: int) -> Decision | None:
    """The decision on a lone "0": the vocative "O" misread as a nought, or None.

    >>> from pipeline.rules import try_rule
    >>> try_rule(ocr_confusion, "You have heard me so far, 0 King. Know this.")
    'You have heard me so far, O King. Know this.'
    >>> try_rule(ocr_confusion, "It fell to 0 and then rose to 10, 0 Fahrenheit aside.")
    'It fell to 0 and then rose to 10, 0 Fahrenheit aside.'
    """
    if "confusion" not in V.P.kinds or i + 1 >= len(V.lows) or V.in_skip(t.start, t.end):
        return None
    text = V.text
    nxt = text[V.starts[i + 1] : V.ends[i + 1]]
    if text[t.end : V.starts[i + 1]] != " " or not (nxt[:1].isupper() and nxt.isalpha()):
        return None
    before = text[max(0, t.start - 3) : t.start]
    if not _VOCATIVE_BEFORE.search(before) or _DIGIT.search(text, max(0, t.start - 4), t.start):
        return None
    return Decision("confusion", "O", "'0' alone before a capitalised word, after a pause: the vocative 'O' "
                    "misread as a nought", 0.99, "safe", ("O",))


_RIVAL_COST = 0.6  # the confusion a known word may be a misreading by
_RIVALS_VERSION = 1


def _rivals_of(counts: dict[str, int], low: str) -> tuple[tuple[str, float], ...]:
    c0 = counts.get(low, 0)
    out = [(v, c) for v, c in confusion_variants(low, _RIVAL_COST, 1).items()
           if (len(v) > 1 or v in _ONE_LETTER) and counts.get(v, 0) > 2 * c0]
    return tuple(sorted(out, key=lambda x: (x[1], x[0])))


def _rivals_table(lang: Lang) -> dict[str, tuple[tuple[str, float], ...]]:
    """Every lexicon word's rivals, computed once for the lexicon and the confusion table
    and kept in the cache folder (a few seconds to build, milliseconds to read)."""
    counts = lang.counts

    def build() -> bytes:
        lines = []
        for w in lang.index.words:
            r = _rivals_of(counts, w)
            if r:
                lines.append(w + "\t" + " ".join(f"{v} {c!r}" for v, c in r))
        return "\n".join(lines).encode("utf-8")

    recipe = repr((_RIVALS_VERSION, lang.index.content, CONFUSIONS, sorted(STRAY), _RIVAL_COST))
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for line in cached_table("rivals", recipe, build).decode("utf-8").split("\n"):
        w, _, rest = line.partition("\t")
        if rest:
            parts = rest.split(" ")
            out[w] = tuple((parts[k], float(parts[k + 1])) for k in range(0, len(parts), 2))
    return out


def real_word_rivals(lang: Lang, low: str) -> tuple[tuple[str, float], ...]:
    """More common words one OCR confusion away from the known word ``low``.

    >>> dict(real_word_rivals(_demo_state().lang, "tho"))["the"]
    0.4
    """
    if low in lang.counts:
        return _rival_table(lang).get(low, ())
    return _rivals_of(lang.counts, low)


def _rival_table(lang: Lang) -> dict[str, tuple[tuple[str, float], ...]]:
    """Every lexicon word's rivals (only the words that have some), read at first use."""
    if lang.rivals is None:
        lang.rivals = _rivals_table(lang)
    return lang.rivals


def _confusable(lang: Lang, w: str) -> bool:
    return w in lang.counts and w not in lang.user and "'" not in w and bool(real_word_rivals(lang, w))


def decide_real_word(V: View, i: int) -> Decision | None:
    """The decision on known word i that is an OCR confusion of a more common word."""
    P = V.P
    s = P.settings
    lang = V.lang
    low = V.lows[i]
    rivals = real_word_rivals(lang, low)
    t = V.tok(i)
    if t.left is None and t.right is None:
        return None  # no neighbour to speak for a rival
    if not (t.text.islower() or (t.sentence_start and t.text[:1].isupper() and t.text[1:].islower())):
        return None
    if len(low) <= 2 and (t.left is None or t.right is None):
        return None  # a short word needs both neighbours ("oh!" is not "on!")
    if protection(t, V.text, lang, V.in_skip(t.start, t.end)) or V.foreign_near(i):
        return None
    read = V.confidence(t.start, t.end)
    if read > 0:
        return None  # a known word the engine read with high confidence stands
    # the lexicon's frequencies, not the document's: a misread the engine repeats
    # ("tho" for "the" all through a page) must not vote for itself
    lex_prior = lang.lex_prior
    pr = V.prior(t.right) if t.right is not None else None
    keep = context1(V, low, t.left, t.right, lex_prior(low), pr)
    best = None
    learned = P.learned
    for c, cost in rivals:
        habit = sum(learned.get(p, 0) for p in _weighted(low, c)[2]) if learned else 0
        # and the word itself, read surely as this rival elsewhere on the page
        same = P.word_habits.get((low, c), 0)
        sc = (P.log_err - s.channel_weight * cost + min(2.0, math.log10(1 + habit)) + min(1.5, math.log10(1 + same))
              + context1(V, c, t.left, t.right, lex_prior(c), pr))
        if best is None or sc > best[0]:
            best = (sc, c, cost)
    if best is None:
        return None
    margin = best[0] - keep
    need = s.real_word_margin + (0.0 if t.left is not None and t.right is not None else 1.0)
    if V.own_spelling(low, rivals):
        need += 3.0  # the document's own spelling, perhaps: "shew" all through, "show" rare
    if read < 0:
        need -= s.low_boost
    if margin < need:
        return None
    reason = (f"'{t.text}' between '{t.left}' and '{t.right}' reads as '{best[1]}' (OCR confusion, "
              f"distance {best[2]:.2f}), by 10^{margin:.1f}")
    return Decision("realword", restore_case(t.text, best[1]), reason, 1 / (1 + 10 ** -margin), "safe")


_SPLIT_GAP = re.compile(r"(?: |-[ ]|[ ]-[ ]?)")


def decide_split(V: View, i: int) -> Decision | None:
    """The decision on words i and i + 1 as one word broken apart (None: leave them)."""
    P = V.P
    s = P.settings
    lang = V.lang
    lows, text = V.lows, V.text
    a, b = lows[i], lows[i + 1]
    known = lang.known
    ka, kb = known(a), known(b)
    if ka and kb:
        return None
    gap = text[V.ends[i] : V.starts[i + 1]]
    if not _SPLIT_GAP.fullmatch(gap):
        return None
    joined = a + b
    if not joined.isalpha():
        return None
    # a stray letter beside a word is debris, not half of it ("the n" is not "then")
    if min(len(a), len(b)) < 2 or (not ka and len(a) < 3) or (not kb and len(b) < 3):
        return None
    if not (lang.lex_count(joined) >= 100_000 or V.at_least(joined, 2)):
        return None
    ta, tb = V.tok(i), V.tok(i + 1)
    if tb.text[0].isupper() or ta.text.isupper():
        return None
    if (not ka and protection(ta, text, lang, V.in_skip(ta.start, ta.end))) or (
            not kb and protection(tb, text, lang, V.in_skip(tb.start, tb.end))):
        return None
    # a piece the lexicon knows counts as one; an unknown one as a word it lacks
    pa = V.prior(a) if ka else _unknown_prior(lang, a)
    pb = V.prior(b) if kb else _unknown_prior(lang, b)
    keep = context(V, (a, b), ta.left, tb.right, (pa, pb))
    pj = V.prior(joined)
    fix = P.log_err - s.channel_weight * 0.3 + context1(V, joined, ta.left, tb.right, pj)
    margin = fix - keep
    if margin < s.safe_margin:
        return None
    repl = restore_case(ta.text, joined)
    return Decision("split", repl, f"'{ta.text}{gap}{tb.text}' is one word broken apart: '{joined}' beats the "
                    f"pieces by 10^{margin:.1f}", round(1 / (1 + 10 ** -margin), 3), "safe")


def decide_misread(V: View, i: int) -> Decision | None:
    """The known-misreads list's fix for word i, if it lists it (None otherwise)."""
    lang = V.lang
    mis = lang.misreads
    low = V.lows[i]
    s, e = V.starts[i], V.ends[i]
    text = V.text
    word = text[s:e]
    m = mis.get(word) or mis.get(low)
    if m is None:
        return _case_slip(V, i, word, low)
    if word != m.wrong and word != low and not (word[:1].isupper() and word[1:] == low[1:]):
        return None  # "TBE" is not "tbe"
    t = V.tok(i)
    why = protection(t, text, lang, V.in_skip(s, e))
    if why in _HARD_PROTECTION:
        return None  # the list is trusted over the shape of a word, not over these
    repl = m.right if word == m.wrong else restore_case(word, m.right)
    return Decision("misread", repl, f"'{word}' is a known OCR misread of '{m.right}' ({m.source})",
                    0.99 if m.auto else 0.5, "safe" if m.auto else "suggest", (repl,), not m.auto)


#: a lower-case word with one capital inside whose two forms differ only in size (c, o, s, v,
#: w, x, z), after two small letters: "waS", "seCure"; earlier ones ("eBay", "iPod") are names
_CASE_SLIP = re.compile(r"(?<![^\W\d_])[a-z]{2,}[COSVWXZ][a-z]*(?![^\W\d_])")
#: the two letters every case slip holds
_SLIP_SEAM = re.compile(r"[a-z][COSVWXZ]")
#: how common the word in small letters must be (symspellpy counts): "upstairs" is 2.6 million
_CASE_SLIP_COUNT = 1_000_000


def _case_slips(text: str, starts: array, ends: array, lo: int, end: int) -> list[int]:
    """The words lo..end-1 that look like a letter read in the wrong case (see _CASE_SLIP)."""
    if lo >= end:
        return []
    out = []
    b = ends[end - 1]
    last = -1
    # a slip is a whole word, letters only, holding a small letter and then one of those
    # capitals: only the words that hold that pair (few) are tried, not every place of the
    # text (a match that is a whole word begins where the word does, and the search ends
    # where the original search did, so the words found are the same)
    for mt in _SLIP_SEAM.finditer(text, starts[lo], b):
        i = bisect_right(starts, mt.start(), lo, end) - 1
        if i != last:
            last = i
            m = _CASE_SLIP.match(text, starts[i], b)
            if m is not None and m.end() == ends[i]:
                out.append(i)
    return out


def _case_slip(V: View, i: int, word: str, low: str) -> Decision | None:
    """Word i read with one letter in the wrong case ("waS" for "was"), if a common word in
    small letters, and nothing protects it.

    >>> from pipeline.rules import try_rule
    >>> try_rule(ocr_confusion, "He waS there, and seCure.")
    'He was there, and secure.'
    >>> try_rule(ocr_confusion, "An iPod, eBay, the toString method and macOS.")
    'An iPod, eBay, the toString method and macOS.'
    """
    if _CASE_SLIP.fullmatch(word) is None or V.lang.lex_count(low) < _CASE_SLIP_COUNT:
        return None
    t = V.tok(i)
    if protection(t, V.text, V.lang, V.in_skip(t.start, t.end)) in _HARD_PROTECTION or V.foreign_near(i):
        return None
    return Decision("confusion", low, f"'{word}' is '{low}' with a letter read in the wrong case (its two forms "
                    "differ only in size)", 0.95, "safe", (low,))


# -- the plan: every decision for a document, made until a round proposes nothing ---------------
#: the kind of fix each rule hands out
_RULE_KIND = {
    "spelling.known_misread": "misread", "spelling.split_word": "split", "spelling.ocr_confusion": "confusion",
    "spelling.merged_words": "merged", "spelling.nonword": "nonword", "spelling.real_word": "realword",
}
#: where two fixes would touch the same word, the surer kind wins
_PRIORITY = {"misread": 0, "split": 1, "confusion": 2, "merged": 2, "nonword": 2, "realword": 3}
#: rounds until the text is its own fixed point (two or three in practice)
_MAX_ROUNDS = 12


def _skip_spans(text: str, ctx: Context) -> list[tuple[int, int]]:
    """Fragments, tables, page furniture, code and formulae in the current text (and inside
    lines inline code, inline formulae, URLs and link targets), merged and sorted."""
    from .layout import inline_literal_spans

    spans = []
    # code and display formulae as layout typed them (no third search for them here)
    for r in ctx.doc.regions_of("fragment", "table", "page_number", "header", "footer", "code", "math"):
        s, e = ctx.doc.current_span(r.raw)
        if e > s:
            spans.append((s, e))
    spans.extend(inline_literal_spans(text))
    spans.sort()
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def ocr_confidence_spans(V: View, ctx: Context) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The spans of the words of ``V`` (the text as the stage got it) that the OCR read with
    low and with high confidence (the lowest of the OCR words a word comes from); empty
    for a text input."""
    ocr = ctx.doc.ocr
    low: list[tuple[int, int]] = []
    high: list[tuple[int, int]] = []
    if ocr is None or not ocr.words:
        return low, high
    s = V.lang.settings
    raw_span, words_in = ctx.doc.raw_span, ocr.words_in
    for a, b in zip(V.starts, V.ends):
        words = words_in(*raw_span(a, b))
        if words:
            c = min(w.conf for w in words)
            if c < s.low_confidence:
                low.append((a, b))
            elif c >= s.high_confidence:
                high.append((a, b))
    return low, high


def _hot_classes(lang: Lang, words: "list[str]") -> dict[str, int]:
    """The classes (:func:`_lang_class`) of the distinct ``words`` that have one. Only a word
    the lexicon lacks, one with rivals or a listed misread can have one: those are picked out
    by set operations in C, and only they are looked at one by one."""
    distinct = set(words)
    maybe = distinct.difference(lang.counts)
    maybe.update(_rival_table(lang).keys() & distinct)
    maybe.update(lang.misread_lows.intersection(distinct))
    out = {}
    for w in maybe:
        c = _lang_class(lang, w)
        if c:
            out[w] = c
    return out


def _lang_class(lang: Lang, w: str) -> int:
    """1: an unknown word; 2: a known word a common word may have been misread as; 4: in the
    known-misreads list (bits, memoised per language)."""
    c = lang.known_memo.get("\0" + w)  # type: ignore[assignment]
    if c is None:
        c = 0
        if (len(w) >= 2 or w == "0" or w in _LONE_LETTERS) and not lang.known(w):
            c |= 1
        elif _confusable(lang, w):
            c |= 2
        if w in lang.misread_lows:
            c |= 4
        lang.remember("\0" + w, c)
    return c  # type: ignore[return-value]


#: how near a change a decision must be for the change to move it: a stretch tokenised again
#: is whole chunks, so beyond it a window reaches only through its words (the foreign-word
#: reach, one more for a pair's second word, with room) and a dozen characters ("[sic]")
_NEAR_WORDS = 8
_NEAR_CHARS = 20


def _touched(reads: tuple, moved: set[str]) -> bool:
    """Something ``reads`` read is among the ``moved`` words (or the document's size or own
    words, marked "\\0nq" and "\\0dw")."""
    for x in range(0, len(reads), 4):
        code, w = reads[x], reads[x + 1]
        if code == _DOC_NEAR:
            if "\0dw" in moved:
                return True
        elif w in moved:
            return True
        elif code == _OWN and any(r in moved for r, _ in reads[x + 2]):
            return True
    return False


#: an item is a decision the plan keeps for a word (a pair of words for a split) of the
#: current version, with what it read and its window; its tag says what it judged: a known
#: misread, an unknown word, a word broken in two, a real word. An item that decided nothing
#: and read no count is not kept: only a change near it can move it.
_M, _U, _S, _R = b"musr"
#: what judging a word gives: (decision or None, what it read, its window or None)
Judged = tuple


class _Items:
    """The items of one version ``V`` in judging order, as columns: a long document has
    hundreds of thousands, and a byte for the tag and a machine integer for the word cost
    far less than a list, a window object and an index object each. A window of None is
    the item's window in ``V`` (:meth:`View.window`), taken only when the next round will
    compare it (:meth:`take_windows`, just before ``V`` is used up): most items are never
    near a change, and their windows are never compared; a view does not change once
    judged, so the window taken later is the one it had. ``pending``: the pairs waiting on
    the count of their joined word (their first words, sorted)."""

    __slots__ = ("V", "tags", "idx", "dec", "reads", "win", "pending")

    def __init__(self, V: View) -> None:
        self.V: View | None = V
        tc = _pos_type(len(V.lows))
        self.tags = bytearray()
        self.idx = array(tc)
        self.dec: list[Decision | None] = []
        self.reads: list[tuple] = []
        self.win: list[tuple | None] = []
        self.pending = array(tc)

    def __len__(self) -> int:
        return len(self.tags)

    def add(self, tag: int, i: int, judged: Judged) -> None:
        self.tags.append(tag)
        self.idx.append(i)
        d, reads, win = judged
        self.dec.append(d)
        self.reads.append(reads)
        self.win.append(win)

    def put(self, k: int, judged: Judged) -> None:
        """Item ``k`` judged again."""
        self.dec[k], self.reads[k], self.win[k] = judged

    def kept(self) -> "_Items":
        """The items worth keeping (:func:`_keep`), in order."""
        keep = [k for k in range(len(self)) if _keep(self.dec[k], self.reads[k])]
        if len(keep) == len(self):
            return self
        out = _Items(self.V)  # type: ignore[arg-type]
        for k in keep:
            out.add(self.tags[k], self.idx[k], (self.dec[k], self.reads[k], self.win[k]))
        out.pending = self.pending
        return out

    def take_windows(self, stretches: list[tuple[int, int]]) -> None:
        """Take now, from this version (which the next one uses up), the windows of the
        items on the words of ``stretches`` (sorted), which the next round compares (a
        misread's never is); the others stay for later, in the next version."""
        V = self.V
        firsts = [lo for lo, _ in stretches]
        tags, idx, win = self.tags, self.idx, self.win
        for k in range(len(tags)):
            tag = tags[k]
            if tag == _M or win[k] is not None:
                continue
            i = idx[k]
            x = bisect_right(firsts, i) - 1
            if x >= 0 and i < stretches[x][1]:
                win[k] = V.window(i, i + (tag == _S), tag != _S)  # type: ignore[union-attr]
        self.V = None


def _keep(d: "Decision | None", reads: tuple) -> bool:
    return d is not None or bool(reads)


def _judge(V: View, tag: int, i: int, old: Judged | None) -> Judged:
    """Judge word i (and i + 1 for a pair): ``old`` is reused when its window and what it
    read are the same here, else the word is judged afresh."""
    if tag == _M:
        return decide_misread(V, i), (), None
    j = i + 1 if tag == _S else i
    if old is not None:
        key = V.window(i, j, tag != _S)
        if old[2] is not None and old[2] == key and V.still(old[1]):
            return old[0], old[1], None  # the same window: this version's, taken if asked again
    fn = judge_unknown if tag == _U else decide_split if tag == _S else decide_real_word
    V.reads = []
    try:
        d = fn(V, i)
    finally:
        reads, V.reads = tuple(V.reads), None
    reads = V.P.reads_pool.setdefault(reads, reads)
    return d, reads, None


def _split_static(V: View, i: int) -> str | None:
    """The cheap tests of :func:`decide_split` that no count moves: the joined word, or None."""
    a, b = V.lows[i], V.lows[i + 1]
    # (the cheapest tests first: most pairs beside an unknown word fail on a short piece)
    if len(a) < 2 or len(b) < 2 or not (a.isalpha() and b.isalpha()):
        return None
    known = V.lang.known
    if known(a) and known(b):
        return None
    if _SPLIT_GAP.fullmatch(V.text, V.ends[i], V.starts[i + 1]) is None:
        return None
    return a + b


def _hot(V: View, lo: int, hi: int) -> tuple[array, array, array, array, array]:
    """The words lo..hi-1 that call for an item, by kind in judging order (misreads, unknown
    words, pairs, real words), and the pairs that would call for one if their joined word
    were used twice (first words, all sorted)."""
    lang = V.lang
    kinds = V.P.kinds
    lows, text, starts, ends = V.lows, V.text, V.starts, V.ends
    n = len(lows)
    lo, end = max(0, lo), min(n, hi + 1)
    tc = _pos_type(n)
    m, u, r, pairs, pending = array(tc), array(tc), array(tc), array(tc), array(tc)
    part = lows if lo == 0 and end == n else lows[lo:end]  # (the whole list is not copied)
    cls = _hot_classes(lang, part)
    # a letter in the wrong case hides in a known word: found by a scan of the text
    slips = _case_slips(text, starts, ends, lo, min(hi, n)) if "confusion" in kinds else ()
    if not cls:
        return array(tc, slips), u, pairs, r, pending
    s = array(tc)
    unknown_kinds = bool(kinds & {"confusion", "merged", "nonword"})
    split_kind = "split" in kinds
    # only the words with a class are visited (picked out in C: most words of a page have none)
    for i in compress(range(lo, end), map(cls.__contains__, part)):
        w = lows[i]
        c = cls[w]
        inside = i < hi
        if c & 4 and inside and "misread" in kinds:
            m.append(i)
        if c & 1:
            if inside and unknown_kinds and _judged_as(lang, w) is not None:
                u.append(i)
            if split_kind:
                if i - 1 >= lo and (not s or s[-1] != i - 1):
                    s.append(i - 1)
                if inside and i + 1 < n:
                    s.append(i)
        elif c & 2 and inside and "realword" in kinds:
            word = text[starts[i] : ends[i]]
            # only a small word, or a capitalised one (at a sentence start), is judged
            if word.islower() or (word[:1].isupper() and word[1:].islower()):
                r.append(i)
    if slips:
        m = array(tc, sorted(set(m).union(slips)))
    counts = V.counts
    for i in sorted(set(s)):
        joined = _split_static(V, i)
        if joined is not None:
            if lang.lex_count(joined) >= 100_000 or counts.get(joined, 0) >= 2:
                pairs.append(i)
            else:
                pending.append(i)
    return m, u, pairs, r, pending


def _stretches(changed: array) -> Iterator[tuple[int, ...]]:
    """The stretches of :attr:`View.changed`, as tuples: (old first word, old end, new first
    word, new end, new start char, new end char)."""
    return (tuple(changed[x : x + 6]) for x in range(0, len(changed), 6))


def _shifted(indices: "list[int] | array", changed: array, width: int = 1) -> array:
    """Where the word indices (sorted) are in the next version (``changed``: its
    :attr:`View.changed`): -1 for those a change tokenised again (with the ``width`` - 1
    words after them)."""
    out = array("q")
    x = 0  # the next stretch's place in ``changed``
    end = len(changed)
    shift = 0
    for i in indices:
        while x < end and i >= changed[x + 1]:
            shift = changed[x + 3] - changed[x + 1]
            x += 6
        out.append(-1 if x < end and i + width - 1 >= changed[x] else i + shift)
    return out


def _first_round(V: View, first: bool) -> _Items:
    """Every item of this version judged (on the first text, the page's habits learned)."""
    P = V.P
    m, u, pairs, r, pending = _hot(V, 0, len(V.lows))
    out = _Items(V)
    out.pending = pending
    for tag, group in ((_M, m), (_U, u)):
        for i in group:
            out.add(tag, i, _judge(V, tag, i, None))
    if first and "confusion" in P.kinds:
        # the unknown words are judged: their sure fixes teach the engine's habits on this
        # page, which the real words and the words the page repeats are judged by
        for k in range(len(out)):
            d = out.dec[k]
            if out.tags[k] == _U and d is not None and d.kind == "confusion" and d.safety == "safe" and not d.flag_only:
                i = out.idx[k]
                P.learned.update(_weighted(V.text[V.starts[i] : V.ends[i]].lower(), d.replacement.lower())[2])
        if P.learned:
            for k in range(len(out)):
                reads = out.reads[k]
                if out.tags[k] == _U and any(reads[x] == _AT_LEAST and reads[x + 2] == 2 and reads[x + 3]
                                             for x in range(0, len(reads), 4)):
                    out.put(k, _judge(V, _U, out.idx[k], None))
    for tag, group in ((_S, pairs), (_R, r)):
        for i in group:
            out.add(tag, i, _judge(V, tag, i, None))
    if first:
        for k in range(len(out)):
            d = out.dec[k]
            if out.tags[k] == _R and d is not None and d.safety == "safe":
                P.word_habits[(V.lows[out.idx[k]], d.replacement.lower())] += 1
        if P.word_habits:
            habitual = {w for w, _ in P.word_habits}
            for k in range(len(out)):
                if out.tags[k] == _R and out.dec[k] is None and V.lows[out.idx[k]] in habitual:
                    out.put(k, _judge(V, _R, out.idx[k], None))
    return out.kept()


def _round(V: View, prev: _Items | None, first: bool) -> _Items:
    """The items of this version: all judged (``prev`` None), or the previous version's
    carried over and only what a change can have moved judged again."""
    if prev is None:
        return _first_round(V, first)
    # near a change: the stretches of words whose windows it can reach
    starts = V.starts
    n = len(V.lows)
    near: list[list[int]] = []
    for j0, j1, n0, n1, a, b in _stretches(V.changed):
        lo = max(0, min(n0 - _NEAR_WORDS, bisect_left(starts, a - _NEAR_CHARS)))
        hi = min(n, max(n1 + _NEAR_WORDS, bisect_left(starts, b + _NEAR_CHARS)))
        if near and lo <= near[-1][1]:
            near[-1][1] = max(near[-1][1], hi)
        else:
            near.append([lo, hi])
    starts_near = [lo for lo, _ in near]

    def is_near(i: int) -> bool:
        x = bisect_right(starts_near, i) - 1
        return x >= 0 and i < near[x][1]

    moved = set(V.moved)
    if V.nq_moved:
        moved.add("\0nq")
    if V.dw_moved():
        moved.add("\0dw")
    out = _Items(V)
    # the old items at their words' places in this version (a pair's second word too), by
    # place, single words first: those near a change wait, with their old windows, to be
    # judged again below; the others stay (or are judged again if a count they read moved)
    old_at: dict[tuple[int, int], Judged] = {}
    tags, idx = prev.tags, prev.idx
    for pairs in (False, True):
        group = sorted((k for k in range(len(prev)) if (tags[k] == _S) == pairs), key=idx.__getitem__)
        new_at = _shifted([idx[k] for k in group], V.changed, 2 if pairs else 1)
        for k, ni in zip(group, new_at):
            if ni < 0:
                continue
            tag, reads = tags[k], prev.reads[k]
            if is_near(ni):
                # (its window was taken before the old version went: View.near_stretches)
                old_at[(tag, ni)] = (prev.dec[k], reads, prev.win[k])
            elif moved and _touched(reads, moved) and not V.still(reads):
                judged = _judge(V, tag, ni, None)
                if _keep(judged[0], judged[1]):
                    out.add(tag, ni, judged)
            else:
                out.add(tag, ni, (prev.dec[k], reads, None))  # no change came near: the same window
    prev.dec = prev.reads = prev.win = []  # (what is left of them, old windows most, can go)
    pending = out.pending
    counts = V.counts
    for ni in _shifted(prev.pending, V.changed, 2):
        if ni < 0 or is_near(ni):
            continue
        joined = V.lows[ni] + V.lows[ni + 1]
        if joined in moved and counts.get(joined, 0) >= 2:
            judged = _judge(V, _S, ni, None)
            if _keep(judged[0], judged[1]):
                out.add(_S, ni, judged)
        else:
            pending.append(ni)
    for lo, hi in near:
        m, u, pairs_, r, pend = _hot(V, lo, hi)
        pending.extend(pend)
        for tag, group in ((_M, m), (_U, u), (_S, pairs_), (_R, r)):
            for i in group:
                judged = _judge(V, tag, i, old_at.pop((tag, i), None))
                if _keep(judged[0], judged[1]):
                    out.add(tag, i, judged)
    out.pending = array(pending.typecode, sorted(pending))
    return out


def _applies(P: Params, d: Decision) -> bool:
    return d.kind in P.kinds and not d.flag_only and (d.safety == "safe" or (d.safety == "unsafe" and P.unsafe))


def _resolve(P: Params, decided: list[tuple[int, int, Decision]]) -> tuple[list[tuple[int, int, Decision]], list[tuple[int, int, Decision]]]:
    """The edits to make (no two touching the same text; the surer kind, then the earlier
    word, wins) and the flags to show."""
    edits = sorted((x for x in decided if _applies(P, x[2])), key=lambda x: (_PRIORITY[x[2].kind], x[0], x[1]))
    taken: list[tuple[int, int]] = []
    for s, e, d in edits:
        k = bisect_left(taken, (s, e))
        if (k and taken[k - 1][1] > s) or (k < len(taken) and taken[k][0] < e):
            continue
        taken.insert(k, (s, e))
    keep = set(taken)
    chosen = sorted((x for x in edits if (x[0], x[1]) in keep), key=lambda x: x[0])
    # one decision per span (two kinds never claim the very same span and both win)
    seen: set[tuple[int, int]] = set()
    final = []
    for x in chosen:
        if (x[0], x[1]) not in seen:
            seen.add((x[0], x[1]))
            final.append(x)
    flags = [x for x in decided if x[2].kind in P.kinds and not _applies(P, x[2])]
    return final, flags


class _Composer:
    """The fixes of every round as edits of the first text (a later fix of a word an earlier
    round changed becomes one edit of the original word)."""

    def __init__(self, text: str) -> None:
        self.text = text
        #: [start, end, replacement, kind, reasons, confidence, safety], sorted, in the first text
        self.changes: list[list] = []

    def current(self) -> str:
        """The text with every round's fixes made (the current version's)."""
        return _edited(self.text, self.changes)

    def current_spans(self) -> list[tuple[int, int]]:
        out = []
        delta = 0
        for s0, e0, repl, *_ in self.changes:
            out.append((s0 + delta, s0 + delta + len(repl)))
            delta += len(repl) - (e0 - s0)
        return out

    def add(self, current: str, edits: list[tuple[int, int, Decision]]) -> None:
        changes, cur = self.changes, self.current_spans()
        new: list[list] = []
        ci = 0
        delta = 0  # current minus first-text offset: the earlier rounds' changes passed so far
        for s, e, d in edits:
            while ci < len(changes) and cur[ci][1] <= s:
                new.append(changes[ci])
                delta += len(changes[ci][2]) - (changes[ci][1] - changes[ci][0])
                ci += 1
            us, ue = s, e
            group = []
            while ci < len(changes) and cur[ci][0] < ue:
                group.append(changes[ci])
                us, ue = min(us, cur[ci][0]), max(ue, cur[ci][1])
                ci += 1
            gdelta = sum(len(c[2]) - (c[1] - c[0]) for c in group)
            s0, e0 = us - delta, ue - delta - gdelta
            repl = current[us:s] + d.replacement + current[e:ue]
            if group:
                kind = group[0][3]
                reasons = [r for c in group for r in c[4]] + [d.reason]
                conf = min([c[5] for c in group] + [d.confidence])
                safety = "unsafe" if d.safety == "unsafe" or any(c[6] == "unsafe" for c in group) else "safe"
            else:
                kind, reasons, conf, safety = d.kind, [d.reason], d.confidence, d.safety
            delta += gdelta
            if repl != self.text[s0:e0]:  # (a later round may undo an earlier fix)
                new.append([s0, e0, repl, kind, reasons, conf, safety])
        new.extend(changes[ci:])
        self.changes = new

    def to_first(self, spans: list[tuple[int, int]]) -> list[tuple[int, int] | None]:
        """Spans of the current text in the first text (None: inside a change)."""
        cur = self.current_spans()
        starts = [c[0] for c in cur]
        deltas = [0]
        for s0, e0, repl, *_ in self.changes:
            deltas.append(deltas[-1] + len(repl) - (e0 - s0))
        out: list[tuple[int, int] | None] = []
        for s, e in spans:
            k = bisect_right(starts, s)
            if k and cur[k - 1][1] > s or (k < len(cur) and cur[k][0] < e):
                out.append(None)
                continue
            out.append((s - deltas[k], e - deltas[k]))
        return out


@dataclass(slots=True)
class Planned:
    """A fix or a flag of the plan, in the text the plan was made for."""

    start: int
    end: int
    before: str
    after: str | None  # None: a flag
    kind: str
    reason: str
    confidence: float = 1.0
    safety: str = "safe"
    suggestions: tuple[str, ...] = ()


class Plan:
    """One document's spelling decisions, handed out rule by rule (by kind)."""

    def __init__(self, text: str, items: list[Planned], rounds: int, converged: bool) -> None:
        self.items = items
        self.rounds, self.converged = rounds, converged
        #: the text the next spelling rule should be given
        self.expected = text
        #: fixes handed out so far: (start in the planned text, length change)
        self._done: list[tuple[int, int]] = []
        self._sums: list[int] = [0]

    def shift(self, p: int) -> int:
        return self._sums[bisect_right(self._done, (p, -(1 << 62)))] if self._done else 0

    def hand_out(self, kind: str, text: str) -> list[Edit | Flag]:
        out: list[Edit | Flag] = []
        edits: list[tuple[int, int, str]] = []
        done = []
        for it in self.items:
            if it.kind != kind:
                continue
            d = self.shift(it.start)
            s, e = it.start + d, it.end + d
            if text[s:e] != it.before:
                continue  # the text is not what the plan was made for here: leave it
            if it.after is None:
                out.append(Flag(s, e, it.reason, "warning", it.suggestions))
            else:
                out.append(Edit(s, e, it.after, it.reason, round(it.confidence, 3), it.safety))  # type: ignore[arg-type]
                edits.append((s, e, it.after))
                done.append((it.start, len(it.after) - len(it.before)))
        if edits:
            pieces = []
            pos = 0
            for s, e, r in edits:
                pieces.append(text[pos:s])
                pieces.append(r)
                pos = e
            pieces.append(text[pos:])
            self.expected = "".join(pieces)
            self._done = sorted(self._done + done)
            sums = [0]
            for _, dl in self._done:
                sums.append(sums[-1] + dl)
            self._sums = sums
        else:
            self.expected = text
        return out


def make_plan(text: str, ctx: Context) -> Plan:
    """Judge the text, fix it, judge the result as a second run would, until nothing more is
    proposed; the fixes as edits of ``text`` and the last round's flags."""
    lang = _lang(ctx)
    kinds = frozenset(k for rid, k in _RULE_KIND.items() if ctx.config.rule_enabled(rid))
    if not lang.settings.real_words:
        kinds -= {"realword"}
    P = Params(lang, kinds, ctx.config.unsafe_fixes, 0.005)
    V = View.full(P, text, _skip_spans(text, ctx))
    V.conf = ocr_confidence_spans(V, ctx)
    P.set_err(error_rate(V))
    composer = _Composer(text)
    items: _Items | None = None
    flags: list[tuple[int, int, Decision]] = []
    converged = False
    rounds = 0
    for rounds in range(1, _MAX_ROUNDS + 1):
        items = _round(V, items, rounds == 1)
        decided = []
        for k, d in enumerate(items.dec):
            if d is not None:
                i = items.idx[k]
                decided.append((V.starts[i], V.ends[i + (items.tags[k] == _S)], d))
        edits, flags = _resolve(P, decided)
        del decided
        if not edits:
            err = error_rate(V)
            if err > P.err:  # fixes only lower it, but the promise rests on it: check
                P.set_err(err)
                items = None
                continue
            converged = True
            break
        composer.add(V.text, edits)
        changes = [(s, e, d.replacement) for s, e, d in edits]
        del edits
        regions = V.regions(changes)
        items.take_windows(V.near_stretches(regions))
        # the next text made from the first (which the document holds anyway), this
        # version's let go first: a long document's text is not held three times
        V.text = None  # type: ignore[assignment]
        V = V.apply(changes, regions, composer.current())
        del changes, regions
    # (no text has needed more than four rounds; were the limit reached, the fixes found so
    # far would stand, and a second run might find more: Plan.converged says so)
    planned = [Planned(c[0], c[1], text[c[0]:c[1]], c[2], c[3], "; then ".join(c[4]), c[5], c[6])
               for c in composer.changes]
    if converged:
        for (s, e, d), first in zip(flags, composer.to_first([(s, e) for s, e, _ in flags])):
            if first is None:
                continue  # a doubt about a word a fix made: the fix's own reason says enough
            reason = d.reason + (" (unsafe: --unsafe-fixes applies it)" if d.safety == "unsafe" else "")
            planned.append(Planned(first[0], first[1], text[first[0]:first[1]], None, d.kind, reason,
                                   d.confidence, d.safety, d.suggestions or (d.replacement,)))
    planned.sort(key=lambda it: (it.start, it.end))
    return Plan(text, planned, rounds, converged)


def _plan(text: str, ctx: Context) -> Plan:
    """The document's plan, made at the first spelling rule that asks."""
    plan = ctx.doc.state.get("spelling.plan")
    if plan is None or plan.expected != text:
        # the plan makes many small objects and no reference cycles: the cyclic collector,
        # run over and over as they pile up, would cost more than the plan itself
        enabled = gc.isenabled()
        gc.disable()
        try:
            plan = ctx.doc.state["spelling.plan"] = make_plan(text, ctx)
        finally:
            if enabled:
                gc.enable()
        if len(text) >= _LONG_DOCUMENT:
            _let_go_word_caches()
    return plan


#: a document this long (characters) lets the answers memoised for its words go when its
#: plan is made: by then they are mostly its own words (names, misreads, their variants),
#: tens of MB held through the runner's and the outputs' work and into the next document; a
#: shorter document's few stay, warm for the next one
_LONG_DOCUMENT = 2_000_000


def _let_go_word_caches() -> None:
    """Empty the memos of answers about single words (OCR variants, weighted distances):
    pure functions, computed again when asked."""
    for memo in (confusion_variants, _weighted, _block_cost, _doc_variants, _looks_damaged, _codey):
        memo.cache_clear()


def _demo_state() -> View:
    """A view of an empty document, for doctests."""
    from ..config import Config
    from ..document import Document

    ctx = Context(doc=Document("<demo>", ""), config=Config(), settings=Settings())
    return View.full(Params(_lang(ctx), frozenset(_RULE_KIND.values()), False, 0.02), "", [])


# -- the rules: each hands out the plan's fixes of its kind -------------------------------------
def _hand_out(text: str, ctx: Context, kind: str) -> list[Edit | Flag]:
    return _plan(text, ctx).hand_out(kind, text)


#: a lone bar before a small word, where a capital I may have been read as "|"
_BAR = re.compile(r"(?<![^\s“‘\"(])\|(?=[ ]+([a-z]+)(?![\w'’-]))")
#: how much likelier the next word is after "I" than anywhere (log10) for the bar to be read
#: as I: the words that follow "I" ("have", "knew", "must") are all above it, the ones that
#: follow a stray mark ("the", "in", "is", "and") all below
_BAR_LIFT = -1.0


@rule("spelling.bar_for_i")
def bar_for_i(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Read a lone bar as the capital I it is a misreading of, when the next word is one
    that follows "I" (Tesseract reads a plain I as "|"); flag it when the next word is only
    a known word. Table rows are left alone. A column rule read as a bar looks the same once
    the lines are unwrapped, and the decision must not rest on the raw line breaks (a second
    clean has none); where a bar stands for nothing, "I" is no further from the print.

    >>> from pipeline.rules import try_rule, try_flags
    >>> try_rule(bar_for_i, "It was 1909. | have now said what | knew, if | may.")
    'It was 1909. I have now said what I knew, if I may.'
    >>> try_rule(bar_for_i, "| Bob | is | 12 |\\nthe mother, |\\nwho came; a | in the | th")
    '| Bob | is | 12 |\\nthe mother, |\\nwho came; a | in the | th'
    >>> try_flags(bar_for_i, "and then | kept it")
    ['|']
    """
    if "|" not in text:
        return
    lang = _lang(ctx)
    skip = _skip_spans(text, ctx)
    for m in _BAR.finditer(text):
        s = m.start()
        ls = text.rfind("\n", 0, s) + 1
        le = text.find("\n", s)
        line = text[ls : le if le >= 0 else len(text)].strip()
        if line.count("|") >= 2 and (line[0] == "|" or line[-1] == "|"):
            continue  # a table row
        if _overlaps(skip, s, s + 1):
            continue
        nxt = m.group(1)
        seen, floor = lang.pair("i", nxt)
        lift = (seen if seen is not None else floor or -99.0) - lang.lex_prior(nxt)
        if lift < _BAR_LIFT or not lang.known(nxt):
            continue
        if seen is not None:
            yield Edit(s, s + 1, "I", f"a lone '|' before '{nxt}', a word that follows 'I' (10^{lift:.1f} more likely "
                       "after it): a capital I read as a bar", 0.9)
        else:
            yield Edit(s, s + 1, "I", f"a lone '|' before '{nxt}': perhaps a capital I read as a bar", 0.5, "suggest")


@rule("spelling.known_misread")
def known_misread(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Replace words of the known-misreads lists (``<-`` fixes; ``<?`` flags with a suggestion).

    >>> from pipeline.rules import try_rule
    >>> try_rule(known_misread, "Tbe end of tbe day, ofthe year.")
    'The end of the day, of the year.'
    >>> try_rule(known_misread, "The tube of the day.")
    'The tube of the day.'
    """
    yield from _hand_out(text, ctx, "misread")


@rule("spelling.split_word")
def split_word(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Join a word broken by a stray space or hyphen ("inde pendent", "to- gether").

    >>> from pipeline.rules import try_rule
    >>> try_rule(split_word, "an inde pendent state, to- gether with it")
    'an independent state, together with it'
    >>> try_rule(split_word, "pre- and post-war, a bit of")
    'pre- and post-war, a bit of'
    """
    yield from _hand_out(text, ctx, "split")


@rule("spelling.ocr_confusion")
def ocr_confusion(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Fix unknown words that OCR confusions alone (rn/m, li/h, \\V/W, 1/l ...) make right,
    and known words with a letter read in the wrong case ("waS").

    >>> from pipeline.rules import try_rule
    >>> try_rule(ocr_confusion, "the rnodern world, and \\\\Ve were there")
    'the modern world, and We were there'
    >>> try_rule(ocr_confusion, "Yildiz met Babikian in Adana.")
    'Yildiz met Babikian in Adana.'
    """
    yield from _hand_out(text, ctx, "confusion")


@rule("spelling.merged_words")
def merged_words(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Split an unknown word that is common words run together, where the context agrees.

    >>> from pipeline.rules import try_rule
    >>> try_rule(merged_words, "the end ofhis story, and Ihave seen it")
    'the end of his story, and I have seen it'
    >>> try_rule(merged_words, "a textbook of the wordlist")
    'a textbook of the wordlist'
    """
    yield from _hand_out(text, ctx, "merged")


@rule("spelling.nonword")
def nonword(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Replace an unknown word by the lexicon's closest word when it clearly wins.

    >>> from pipeline.rules import try_rule
    >>> try_rule(nonword, "the definitdon of a carpenter")
    'the definition of a carpenter'
    >>> try_rule(nonword, "the tokenizers and lemmatizers we built")
    'the tokenizers and lemmatizers we built'
    """
    yield from _hand_out(text, ctx, "nonword")


@rule("spelling.real_word")
def real_word(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Replace a known word by a far more common OCR confusion of it that both neighbours call for.

    >>> from pipeline.rules import try_rule
    >>> try_rule(real_word, "He went to the end of tho road and had a look.")
    'He went to the end of the road and had a look.'
    >>> try_rule(real_word, "They lie on the bed and tell a lie to the judge.")
    'They lie on the bed and tell a lie to the judge.'
    """
    yield from _hand_out(text, ctx, "realword")


RULES = (bar_for_i, known_misread, split_word, ocr_confusion, merged_words, nonword, real_word)
