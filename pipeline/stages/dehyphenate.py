"""dehyphenate: rejoin words the typesetter split at a line or page end.

A hyphen at the end of a line is either a break inside one word ("illu-" / "sions": the
hyphen and the line break go) or the hyphen of a true compound ("self-" / "evident": only
the line break goes). Evidence, strongest first:

1. the document's own vocabulary: the joined or the hyphenated form printed elsewhere in it
   (counted once per document, as printed, for both rules);
2. morphology that settles it on its own: digits ("1949-" / "50"), a capitalised second half
   ("Anglo-" / "Saxon", "anti-" / "American");
3. the lexicon's corpus frequencies (symspellpy's English list plus ``dictionaries/``): the
   joined word against the two halves, with a short list of prefixes that usually keep
   their hyphen ("self-", "well-", "ill-" ...).

Close calls become flags with both candidate forms as suggestions. Suspended hyphens
("pre- and post-war"), dashes, hyphens inside a line, and anything inside or reaching into a
fragment, heading, epigraph, verse, table, code or formula block are left alone; a hyphen at
the very end of the document or before a heading is flagged, neither joined nor dropped.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator, Literal

from ..edits import Edit, Flag
from ..rules import Context, rule
from .encoding import LIGATURES

if TYPE_CHECKING:  # pragma: no cover
    from ..document import Document
    from ..lexicon import Lexicon


@dataclass(frozen=True)
class Settings:
    """Tunable values of the dehyphenate stage (``[tool.ocrmend.dehyphenate]``).

    min_confidence:    a decision less sure than this becomes a flag instead of an edit
    keep_prefixes:     first halves that usually keep their hyphen before a word
                       ("self-evident", "well-known"), unless the joined form is common
    """

    min_confidence: float = 0.6
    keep_prefixes: tuple[str, ...] = (
        "self", "ex", "non", "post", "anti", "semi", "quasi", "well", "ill", "half", "all",
        "so", "vice", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
        "ninety", "grown", "long", "short", "old", "far",
    )


# -- characters -----------------------------------------------------------------------------
#: What counts as a hyphen at a line end: the ASCII hyphen-minus, the not sign some OCR
#: engines print for a soft line-end hyphen, the Unicode hyphens and the Fraktur double hyphen.
HYPHENS = "-\N{NOT SIGN}\N{HYPHEN}\N{NON-BREAKING HYPHEN}\N{DOUBLE OBLIQUE HYPHEN}"
_SOFT_HYPHENS = "\N{NOT SIGN}\N{DOUBLE OBLIQUE HYPHEN}"
#: A page range or number range may break at an en dash too ("1949–" / "50").
_RANGE_DASHES = "\N{EN DASH}"

#: specks a scan leaves between a line-end hyphen and the margin ("de-°", "griev-_", "Satur- -")
_SPECKS = "\N{DEGREE SIGN}_|'\u2018\u2019.,\u00b7:;*\"\u201c\u201d~^"
_LINE_END_HYPHEN = re.compile(
    f"[{re.escape(HYPHENS + _RANGE_DASHES)}]"
    f"(?P<speck>[ \\t]*(?:[{re.escape(_SPECKS)}]{{1,2}}|(?<=[ \\t])[-\\u2013]))?"
    "[ \\t\\r]*(?:[\\n\\f\\v]|\\Z)"
)
#: a speck at the start of the next line, before the rest of the word ("unneces-" / "“sary")
_RIGHT_SPECK = re.compile(f"[{re.escape(_SPECKS)}]{{1,2}}[ \\t]*(?=[^\\W\\d_])")
_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(r"\S+")
# superscript digits are \w but not letters: a footnote marker glued to a word is no part of it
_SUPERSCRIPTS = "\u00b2\u00b3\u00b9\u2070-\u209f"
_LETTERS = f"[^\\W\\d_{_SUPERSCRIPTS}]"
_ALNUM = f"[^\\W_{_SUPERSCRIPTS}]"
_LEFT_WORD = re.compile(f"{_ALNUM}+(?:['\u2019.{re.escape(HYPHENS)}]{_ALNUM}+)*$")
_RIGHT_WORD = re.compile(f"{_ALNUM}+")
_LAST_PART = re.compile(f"[^{re.escape(HYPHENS)}]+$")
_OPENERS = "\"'\u201c\u2018\u00ab\u2039([{*_\u201e\u201a"
#: words a suspended hyphen hangs before ("pre- and post-war", "small- to medium-sized")
_SUSPENDING = frozenset({"and", "or", "nor", "to", "&", "und", "et", "ou", "as", "than", "through"})
#: a vocabulary token: letters, with inner hyphens and apostrophes ("lean-to-one-side", "mao's")
# possessive: nothing follows in the pattern that giving letters back could let match, so the
# matches are the greedy ones, found without keeping backtracking points (faster over a book)
_VOCAB_WORD = re.compile(f"{_LETTERS}++(?:[-\u2010\u2011'\u2019]{_LETTERS}++)*+")
_INNER_HYPHEN = re.compile("[-\u2010\u2011]")
_DIGIT = re.compile(r"\d")

#: lookup forms: no long s, no Latin ligatures, straight apostrophes
_FOLD = str.maketrans({
    "\N{LATIN SMALL LETTER LONG S}": "s",
    "\N{RIGHT SINGLE QUOTATION MARK}": "'",
    **LIGATURES,
})

#: block kinds whose lines are printed as they are: never join into, out of or inside them
#: (code and display formulae, typed by layout.verbatim_block, are kept byte for byte)
PROTECTED_KINDS = frozenset({"fragment", "heading", "epigraph", "verse", "table", "code", "math"})
#: blocks whose removal between the halves makes a break a page-end one (inline marks do not)
_BLOCK_KINDS = frozenset({"header", "footer", "page_number", "caption", "footnote", "fragment"})
#: block kinds a word never continues into from the body (when --keep left them in place)
_FOREIGN_KINDS = PROTECTED_KINDS | frozenset(
    {"caption", "footnote", "header", "footer", "page_number", "footnote_marker"}
)


def fold(word: str) -> str:
    """The lookup form of a word: lower case, ligatures spelled out, long s as s.

    >>> fold("Eﬃcient")
    'efficient'
    """
    word = word.lower()
    return word.translate(_FOLD) if _NEEDS_FOLD.search(word) else word


_NEEDS_FOLD = re.compile("[\N{LATIN SMALL LETTER LONG S}\N{RIGHT SINGLE QUOTATION MARK}\ufb00-\ufb06]")


_SUFFIXES = (("'s", ""), ("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
             ("ing", ""), ("ing", "e"), ("ly", ""), ("er", ""), ("est", ""))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude common stem for inflected forms ("illusions", "illusion's" → "illusion").

    >>> stem("illusions"), stem("illusion's"), stem("decided"), stem("decides")
    ('illusion', 'illusion', 'decid', 'decid')
    """
    if word.endswith("'"):
        word = word[:-1]
    for suffix, repl in (("'s", ""), ("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ing", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: len(word) - len(suffix)] + repl
            break
    return word.rstrip("e") if len(word) > 4 else word


# -- the document's vocabulary ----------------------------------------------------------------
class Vocabulary:
    """How often the document prints each word whole, and each pair of parts with a hyphen."""

    def __init__(self, tokens: Counter[str]) -> None:
        self.tokens = tokens
        joined: Counter[str] = Counter()
        hyphenated: Counter[str] = Counter()
        for tok, n in tokens.items():
            if n <= 0:
                continue
            if _INNER_HYPHEN.search(tok):
                parts = _INNER_HYPHEN.split(tok)
                for a, b in zip(parts, parts[1:]):
                    hyphenated[f"{a}-{b}"] += n
            else:
                joined[tok] = n  # each token comes once
        self.joined = joined
        self.hyphenated = hyphenated
        self.joined_stems: Counter[str] = Counter()
        stems, get = self.joined_stems, self.joined_stems.get
        for tok, n in joined.items():
            k = stem(tok)
            stems[k] = get(k, 0) + n
        self.hyphenated_stems: Counter[str] = Counter()
        for tok, n in hyphenated.items():
            self.hyphenated_stems[stem(tok)] += n
        # how many different compounds each first and each last part makes in this document
        # ("step-mother", "step-children": "step-" is a prefix here)
        self.first_parts: Counter[str] = Counter(h.split("-", 1)[0] for h in hyphenated)
        self.last_parts: Counter[str] = Counter(h.split("-", 1)[1] for h in hyphenated)

    @classmethod
    def of_text(cls, text: str) -> "Vocabulary":
        return cls(Counter(_words(text)))

    def changed(self, before: list[str], after: list[str]) -> "Vocabulary":
        """This vocabulary with the words of ``before`` replaced by those of ``after``.

        Worked out from the few words that change, not counted again over the whole book
        (the same counts as ``Vocabulary`` of the changed tokens would give):

        >>> v = Vocabulary(Counter({"self-evident": 2, "evident": 1, "illu": 1, "sions": 1}))
        >>> w = v.changed(["illu", "sions", "self-evident"], ["illusions", "self-evident"])
        >>> fresh = Vocabulary(Counter({"self-evident": 2, "evident": 1, "illusions": 1}))
        >>> all(dict(+getattr(w, a)) == dict(getattr(fresh, a)) for a in
        ...     ("joined", "hyphenated", "joined_stems", "hyphenated_stems", "first_parts", "last_parts"))
        True
        """
        tokens = self.tokens.copy()
        tokens.subtract(before)
        tokens.update(after)
        new = Vocabulary.__new__(Vocabulary)
        new.tokens = tokens
        joined, hyphenated = self.joined.copy(), self.hyphenated.copy()
        joined_stems, hyphenated_stems = self.joined_stems.copy(), self.hyphenated_stems.copy()
        first_parts, last_parts = self.first_parts.copy(), self.last_parts.copy()
        pair_delta: Counter[str] = Counter()
        for tok in dict.fromkeys([*before, *after]):
            # a token counts only while its count is positive (as in __init__)
            d = max(tokens.get(tok, 0), 0) - max(self.tokens.get(tok, 0), 0)
            if not d:
                continue
            if _INNER_HYPHEN.search(tok):
                parts = _INNER_HYPHEN.split(tok)
                for a, b in zip(parts, parts[1:]):
                    pair_delta[f"{a}-{b}"] += d
            else:
                _add(joined, tok, d)
                _add(joined_stems, stem(tok), d)
        for h, d in pair_delta.items():
            if not d:
                continue
            was = hyphenated.get(h, 0) > 0
            _add(hyphenated, h, d)
            _add(hyphenated_stems, stem(h), d)
            now = hyphenated.get(h, 0) > 0
            if was != now:
                first, last = h.split("-", 1)
                _add(first_parts, first, 1 if now else -1)
                _add(last_parts, last, 1 if now else -1)
        new.joined, new.hyphenated = joined, hyphenated
        new.joined_stems, new.hyphenated_stems = joined_stems, hyphenated_stems
        new.first_parts, new.last_parts = first_parts, last_parts
        return new

    def counts(self, first: str, second: str, own: str | None = None) -> tuple[float, float]:
        """(joined, hyphenated) counts of ``first`` + ``second``; inflected forms count half.
        ``own``: what this stage did at the break being decided ("join", "keep"), which is no
        evidence for itself."""
        j, h = first + second, f"{first}-{second}"
        oj, oh = int(own == "join"), int(own == "keep")
        # this stage's own edit added the exact form, to both counts
        cj = self.joined.get(j, 0) - oj or 0.5 * (self.joined_stems.get(stem(j), 0) - oj)
        ch = self.hyphenated.get(h, 0) - oh or 0.5 * (self.hyphenated_stems.get(stem(h), 0) - oh)
        return cj, ch

    def family(self, first: str, second: str) -> int:
        """How many other compounds of ``first-`` or ``-second`` the document prints."""
        n = self.first_parts.get(first, 0) + self.last_parts.get(second, 0)
        return n - 2 if self.hyphenated.get(f"{first}-{second}", 0) else n


def _add(counter: Counter[str], key: str, d: int) -> None:
    """Add ``d`` to a count, dropping the key when it falls to nothing (as if never counted)."""
    n = counter.get(key, 0) + d
    if n > 0:
        counter[key] = n
    else:
        counter.pop(key, None)


def _words(text: str) -> list[str]:
    """The vocabulary tokens of a text, in lookup form."""
    low = text.lower()
    # str.replace per character present: translate() over a whole book is slow
    for ch in set(_NEEDS_FOLD.findall(low)):
        low = low.replace(ch, ch.translate(_FOLD))
    return _VOCAB_WORD.findall(low)


_MAX_PASSES = 4


def _vocabulary(text: str, ctx: Context) -> tuple[Vocabulary, dict[int, str]]:
    """The document's vocabulary as it stands once this stage has done its work.

    Decisions read the vocabulary, and the joins and kept hyphens they make add words to it
    ("Magnetberg" joined at one break is evidence at the next; cleaning the output again sees
    it printed). So the stage decides, counts the words its edits would leave, and decides
    again until nothing moves: that is what makes a second run propose nothing. Counted once
    per document for both rules, in the document's own ``state`` (``ctx.doc.cached`` keeps a
    value for one text version only).
    """
    doc = ctx.doc
    known = doc.state.get("dehyphenate.vocabulary")
    if known is not None:
        return known
    base = Vocabulary.of_text(text)
    vocab, delta, own = base, ([], []), {}  # type: tuple[Vocabulary, tuple[list[str], list[str]], dict[int, str]]
    memo: dict[str, list[str]] = {}
    for _ in range(_MAX_PASSES):
        proposals = _proposals(text, ctx, vocab, own)
        edits = [p for _, p in proposals if isinstance(p, Edit)]
        new_delta = _edited_words(text, edits, memo)
        new_own = {doc.origin[e.start]: ("join" if e.replacement == "" else "keep") for e in edits}
        if new_delta == delta and new_own == own:
            # the last pass already decided with the final vocabulary: the first rule uses it
            doc.cached("dehyphenate.proposals", lambda: proposals)
            break
        delta, own = new_delta, new_own
        vocab = base.changed(*delta)
    doc.state["dehyphenate.vocabulary"] = (vocab, own)
    return vocab, own


def _edited_words(text: str, edits: list[Edit], memo: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """The words of the stretches the edits touch, before and after the edits (sorted).
    ``memo``: the words of stretches seen before (each pass reads the same ones again)."""
    before: list[str] = []
    after: list[str] = []
    edits = sorted(edits, key=lambda e: e.start)
    i = 0
    while i < len(edits):
        # a stretch: from the word before the first hyphen to the word after the last break
        # of a chain ("self-" / "reli-" / "ance" is one stretch)
        s = edits[i].start
        while s > 0 and not text[s - 1].isspace():
            s -= 1
        group = [edits[i]]
        e = _TOKEN_END.match(text, edits[i].end).end()
        while i + 1 < len(edits) and edits[i + 1].start <= e:
            i += 1
            group.append(edits[i])
            e = max(e, _TOKEN_END.match(text, edits[i].end).end())
        i += 1
        pieces, pos = [], s
        for ed in group:
            pieces.append(text[pos:ed.start])
            pieces.append(ed.replacement)
            pos = ed.end
        pieces.append(text[pos:e])
        for piece, words in ((text[s:e], before), ("".join(pieces), after)):
            found = memo.get(piece)
            if found is None:
                found = memo[piece] = _words(piece)
            words.extend(found)
    return sorted(before), sorted(after)


_TOKEN_END = re.compile(r"\S*")


# -- the lexicon --------------------------------------------------------------------------------
def word_freq(lex: "Lexicon", word: str) -> int:
    """The lexicon count of ``word`` or, failing that, of its uninflected form."""
    f = lex.freq(word)
    if f:
        return f
    if word.endswith("'s"):
        word = word[:-2]
        f = lex.freq(word)
        if f:
            return f
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            f = lex.freq(word[: len(word) - len(suffix)] + repl)
            if f:
                return f
    return 0


#: corpus counts below this are noise in symspellpy's list (its floor is about 12,700)
_KNOWN = 100_000


@dataclass(frozen=True)
class Decision:
    """What to do with one line-end hyphen: ``join`` the halves, ``keep`` the hyphen (dropping
    only the line break), or ``flag`` it for a person."""

    action: Literal["join", "keep", "flag"]
    confidence: float
    reason: str
    #: for a flag, the form to suggest first
    lean: Literal["join", "keep"] = "join"


def decide(
    left: str, right: str, vocab: Vocabulary | None, lex: "Lexicon", settings: Settings, seam: bool = False,
    own: str | None = None,
) -> Decision:
    """Join or keep: ``left`` is the part before the hyphen (its last part if it is itself a
    compound), ``right`` the letters after the break, both as printed; ``seam``: a page seam,
    blank lines or a removed block lie between them; ``own``: what the stage's previous pass
    did here (its own edit is no evidence in the document's vocabulary).

    >>> from pipeline.lexicon import get_lexicon
    >>> lex, s = get_lexicon(), Settings()
    >>> [decide(a, b, None, lex, s).action for a, b in [("illu", "sions"), ("self", "evident"),
    ...     ("Sino", "Soviet"), ("Oxford", "street"), ("1949", "50"), ("Hew", "son")]]
    ['join', 'keep', 'keep', 'keep', 'keep', 'join']
    """
    w, r = fold(left), fold(right)
    return (
        _by_shape(left, right, w, r)
        or _by_document(w, r, vocab, lex, own)
        or _by_capitals(left, right, w, r, lex, seam)
        or _by_lexicon(left, right, w, r, vocab, lex, settings, own)
    )


def _by_shape(left: str, right: str, w: str, r: str) -> Decision | None:
    """Digits, single letters, abbreviations, possessives and Mc/Mac settle it on their own."""
    if _DIGIT.search(left) or _DIGIT.search(right):
        if _DIGIT.search(left) and _DIGIT.search(right):
            return Decision("keep", 0.95, "a number range or number compound keeps its hyphen")
        if left.isupper() or len(left) == 1 or _DIGIT.search(left):
            return Decision("keep", 0.85, "letters and digits: a code or a compound keeps its hyphen")
        return Decision("flag", 0.5, "a word hyphenated before a number")
    if len(w) == 1 and w.isalpha():
        # typesetters leave at least two letters before a break: "X-ray", "k-means", "e-mail"
        return Decision("keep", 0.8, "a single letter before the hyphen marks a compound")
    if w in ("mc", "mac") and left[:1].isupper():
        return Decision("join", 0.85, f"'{left}' begins a surname ('{left}{right}')")
    if left.isupper() and len(left) > 1 and right.islower():
        return Decision("keep", 0.85, f"an abbreviation before the hyphen marks a compound ('{left}-{right}')")
    if w.endswith("'s"):
        return Decision("keep", 0.85, "a possessive before the hyphen marks a compound ('King's-cross')")
    return None


def _by_document(w: str, r: str, vocab: Vocabulary | None, lex: "Lexicon", own: str | None) -> Decision | None:
    """The document's own spelling of the word elsewhere."""
    if vocab is None:
        return None
    cj, ch = vocab.counts(w, r, own)
    if not (cj or ch):
        return None
    j = w + r
    if ch == 0:
        return Decision("join", min(0.99, 0.9 + 0.03 * cj), f"the document prints '{j}' elsewhere")
    if cj == 0:
        if word_freq(lex, j) >= _KNOWN and lex.freq(w) < _KNOWN and word_freq(lex, r) < _KNOWN:
            # "illu-sions" inside a line is a break an earlier tool left, not a spelling
            why = f"the document prints '{w}-{r}', but '{j}' is a word and its halves are not"
            return Decision("flag", 0.5, why)
        return Decision("keep", min(0.99, 0.9 + 0.03 * ch), f"the document prints '{w}-{r}' elsewhere")
    if cj >= 3 * ch:
        return Decision("join", 0.75, f"the document prints '{j}' more often than '{w}-{r}'")
    if ch >= 3 * cj:
        return Decision("keep", 0.75, f"the document prints '{w}-{r}' more often than '{j}'")
    return Decision("flag", 0.5, f"the document prints both '{j}' and '{w}-{r}'")


def _by_capitals(left: str, right: str, w: str, r: str, lex: "Lexicon", seam: bool) -> Decision | None:
    """A capital after the break: a compound with a name ("Anglo-Saxon", "anti-American")."""
    if not right[:1].isupper() or (left.isupper() and right.isupper()):
        return None
    if right.isupper() and len(right) > 1:
        return Decision("flag", 0.4, "an upper-case line follows: a heading, not the rest of the word?")
    if left.islower() and word_freq(lex, w + r) >= _KNOWN:
        # "com-" / "Pare": a misread capital ("anti-American" is no word when joined)
        return Decision("join", 0.7, f"'{w + r}' is a word; the capital after the break is a misreading")
    if seam:
        return Decision("flag", 0.5, "a capitalised word after a page seam or blank line may start a new block")
    if left[:1].isupper() or w in PROPER_PREFIXES:
        return Decision("keep", 0.9, "a capitalised second half marks a compound")
    return Decision("flag", 0.5, f"'{w}-' does not usually join a capitalised word")


def _by_lexicon(
    left: str, right: str, w: str, r: str, vocab: Vocabulary | None, lex: "Lexicon", settings: Settings,
    own: str | None = None,
) -> Decision:
    """The lexicon: is the joined form a word, are the halves words?"""
    j = w + r
    fj, fw, fr = word_freq(lex, j), lex.freq(w), word_freq(lex, r)
    # two-letter first halves ("de", "re", "in") are mostly syllables, whatever the list says
    halves_known = fw >= _KNOWN and fr >= _KNOWN and (len(w) > 2 or w in settings.keep_prefixes) and len(r) > 1
    if fj:
        if not halves_known:
            why = f"'{j}' is a word; '{w}' and '{r}' are not both"
            return Decision("join", 0.95 if fj >= _KNOWN else 0.85, why)
        # both halves are words and so is the whole: "in-stance", "any-thing", "long-standing"
        ratio = fj / min(fw, fr)
        if vocab is not None and ratio < 0.3:
            family = vocab.family(w, r)
            if family >= 2:
                why = f"the document hyphenates {family} other compounds of '{w}-' or '-{r}'"
                return Decision("keep", 0.7, why)
        if ratio >= 0.03:
            return Decision("join", 0.8, f"'{j}' is a word")
        if r in PARTICLES:
            return Decision("keep", 0.7, f"'{w}-{r}': a noun made of a verb and a particle, and '{j}' is rare")
        if w in settings.keep_prefixes:
            return Decision("keep", 0.7, f"'{w}-' usually keeps its hyphen and '{j}' is rare")
        # a rare joined form against two common words: still more often a split than a compound
        return Decision("join", 0.65, f"'{j}' is a word, if a rare one")
    if r in SUFFIX_HALVES and fw >= _KNOWN:
        return Decision("join", 0.8, f"'-{r}' is a suffix of '{w}'")
    if left[:1].isupper() and not left.isupper() and r in NAME_ENDINGS:
        return Decision("join", 0.75, f"'-{r}' ends many names ('{left}{right}')")
    if r in PLACE_WORDS:
        return Decision("keep", 0.85, f"'{left}-{right}': a place name keeps its hyphen")
    if halves_known:
        return Decision("keep", 0.85, f"'{w}' and '{r}' are words; '{j}' is not")
    if w in settings.keep_prefixes and fr >= _KNOWN:
        return Decision("keep", 0.75, f"'{w}-' usually keeps its hyphen")
    return Decision("join", 0.7, f"neither '{j}' nor '{w}-{r}' is known; a line-end hyphen usually splits a word")


#: second halves that are suffixes more often than words ("brother-less", "garish-ness")
SUFFIX_HALVES = frozenset("ness less ment ments ship ships hood hoods dom ful fully ger gers".split())
#: particles that end nouns made from phrasal verbs ("close-up", "grown-ups", "passer-by")
PARTICLES = frozenset("up ups by off out down".split())
#: lower-case first halves that join a capitalised word with a hyphen ("anti-American")
PROPER_PREFIXES = frozenset(
    "anti pro non un pre post neo pan mid ex inter trans sub pseudo semi ultra super counter all "
    "half quasi crypto cis intra extra de re".split()
)
#: second halves of English names that are also words ("Hew-son", "Ching-ford", "Clerken-well")
NAME_ENDINGS = frozenset(
    "son sen ford wick ham ton ley well worth by don ville burg berg stead mouth bury borough "
    "shire field ing land more dale hurst wood combe cester chester minster port ridge thorpe "
    "wich gate".split()
)
#: street words that keep their hyphen after a name in older print ("Oxford-street", "Euston-road")
PLACE_WORDS = frozenset(
    "street road lane row square place court terrace hill gardens crescent walk yard alley "
    "park green grove cross town fields garden bridge".split()
)


# -- finding the breaks ------------------------------------------------------------------------
@dataclass(frozen=True)
class Break:
    """A hyphen at a line end and the word that continues after it."""

    hyphen: int  #: position of the hyphen
    right: int  #: position of the rest of the word (after the gap and any speck)
    kind: Literal["line", "page", "end"]
    left_word: str  #: the printed word before the hyphen (without leading quotes)
    right_token: str  #: the printed token after the gap (without a leading speck)
    specks: str = ""  #: scan specks between the halves, removed with the break
    right_speck: bool = False  #: one of them sat just before the rest of the word


def _protected_spans(doc: "Document") -> tuple[list[int], list[tuple[int, int, str]]]:
    spans = sorted((r.raw[0], r.raw[1], r.kind) for r in doc.regions if r.kind in _FOREIGN_KINDS)
    return [s[0] for s in spans], spans


def _region_at(raw_pos: int, index: tuple[list[int], list[tuple[int, int, str]]]) -> tuple[int, int, str] | None:
    starts, spans = index
    i = bisect_right(starts, raw_pos)
    # regions may nest (a heading inside a kept fragment); look back over the few that start before
    for k in range(i - 1, max(-1, i - 8), -1):
        s, e, kind = spans[k]
        if s <= raw_pos < e:
            return spans[k]
    return None


def _breaks(text: str) -> list[Break]:
    out = []
    for m in _LINE_END_HYPHEN.finditer(text):
        hy = m.start()
        i = hy
        while i > 0 and not text[i - 1].isspace():
            i -= 1
        left = text[i:hy].lstrip(_OPENERS)
        if not left[-1:].isalnum() or not _LEFT_WORD.search(left):
            continue  # a dash or a stray mark, not the end of a word
        specks = (m.group("speck") or "").strip()
        after = _SPACE.match(text, m.end()).end()
        if after >= len(text):
            out.append(Break(hy, after, "end", left, "", specks))
            continue
        gap = text[hy + 1:after]
        seam = gap.count("\n") > 1 or "\f" in gap
        kind: Literal["line", "page", "end"] = "page" if seam else "line"
        token = _TOKEN.match(text, after).group()  # type: ignore[union-attr]
        sm = _RIGHT_SPECK.match(text, after)
        if sm:
            word = _TOKEN.match(text, sm.end()).group()  # type: ignore[union-attr]
        # an opening quote closed within the word is a quotation, not a speck
        if sm and word[:1].islower() and not any(c in word for c in "'\u2019\"\u201d"):
            out.append(Break(hy, sm.end(), kind, left, word, specks + sm.group().strip(), True))
        else:
            out.append(Break(hy, after, kind, left, token, specks))
    return out


def _proposals(text: str, ctx: Context, vocab: Vocabulary, own: dict[int, str]) -> list[tuple[str, Edit | Flag]]:
    """Every decision of the stage on this text, each tagged ``line`` or ``page``."""
    doc = ctx.doc
    settings: Settings = ctx.settings or Settings()
    regions = _protected_spans(doc)
    pages = doc.page_starts
    block_starts = sorted(r.raw[0] for r in doc.regions if r.kind in _BLOCK_KINDS)
    lex = ctx.lexicon

    def judge(left_word: str, right_part: str, kind: str, b: Break) -> Decision:
        lm = _LAST_PART.search(left_word)
        d = decide(lm.group() if lm else left_word, right_part, vocab, lex, settings, kind == "page",
                   own.get(doc.origin[b.hyphen]))
        if d.action == "join" and kind == "page" and _looks_like_heading(text, b.right):
            d = Decision("flag", 0.4, "a heading-like line follows the hyphen")
        if d.action != "flag" and _caps_line_before_mixed(text, b):
            # "AN EXTRAORDINARY STORY-" / "AT the Worship-street court": a headline ending in a
            # dash, then the text in ordinary case, is no word broken in two
            d = Decision("flag", 0.4, "an upper-case line (a headline?) ends in the hyphen and ordinary text follows")
        if b.specks:
            if b.right_speck and not (d.action == "join" and d.confidence >= 0.8):
                d = Decision("flag", 0.4, f"'{b.specks}' between the halves: a speck or a quotation mark?")
            else:
                why = f"{d.reason}; the speck '{b.specks}' goes with the break"
                d = Decision(d.action, d.confidence * 0.9, why)
        if d.action != "flag" and d.confidence < settings.min_confidence:
            d = Decision("flag", d.confidence, f"not sure enough to {d.action}: {d.reason}", d.action)
        return d

    out: list[tuple[str, Edit | Flag, int]] = []  # (kind, proposal, start of its left word)
    # A word broken over several lines ("self-" / "reli-" / "ance"). Going backwards, a break
    # sees the rest of the word as the next decision made it ("reliance"). The breaks of one
    # word are decided together: a chain with a flag or a disagreement stays as printed,
    # every break flagged, since editing part of it would leave the next run another chain.
    carried: dict[int, str] = {}  # start of a left word -> the word its decision made
    joined_at: set[int] = set()  # hyphens this run joins
    links: dict[int, tuple[str, str, str, str, Break]] = {}
    chain_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}  # chain -> its hyphens
    depth: dict[int, int] = {}  # how many breaks from here to the end of the chain
    troubled: set[int] = set()
    for b in reversed(doc.cached("dehyphenate.breaks", lambda: _breaks(text))):
        hy_char = text[b.hyphen]
        left_word = b.left_word
        start = b.hyphen - len(left_word)
        raw_hy = doc.origin[b.hyphen]
        here = _region_at(raw_hy, regions)
        if here is not None and here[2] in PROTECTED_KINDS:
            continue  # lines of a fragment, heading, verse ... are printed as they are
        if b.kind == "end":
            reason = "the text ends after a hyphen: the rest of the word is missing"
            out.append(("page", Flag(start, b.hyphen + 1, reason, "warning"), -1))
            continue
        rm = _RIGHT_WORD.match(b.right_token)
        if rm is None:
            continue  # a dash, a quote or a bracket follows: not the rest of a word
        end = b.right + len(rm.group())
        right = carried.get(b.right, rm.group())
        # the letters the right half contributes: stop at a footnote marker or punctuation
        right_part = _RIGHT_PART.match(right).group()  # type: ignore[union-attr]
        if hy_char in _RANGE_DASHES and not (left_word[-1].isdigit() and right[0].isdigit()):
            continue  # an en dash between words is punctuation
        if b.right_token in _SUSPENDING and _suspended_follows(text, b.right + len(b.right_token), joined_at):
            continue  # "pre- and post-war": the hyphen hangs, nothing to join
        raw_right = doc.origin[b.right]
        kind = b.kind
        if kind == "line":
            if bisect_left(block_starts, raw_hy + 1) != bisect_left(block_starts, raw_right) or (
                bisect_left(pages, raw_hy + 1) != bisect_left(pages, raw_right + 1)
            ):
                kind = "page"  # a page seam or a removed block lies between the halves
        there = _region_at(raw_right, regions)
        if there != here:
            if there is not None:
                reason = f"the next text is a {there[2]} block, not the rest of the word"
                out.append((kind, Flag(start, b.hyphen + 1, reason, "warning"), -1))
            continue
        d = judge(left_word, right_part, kind, b)
        hyphen = "-" if hy_char in _SOFT_HYPHENS else hy_char
        joined, hyphenated = left_word + right, left_word + hyphen + right
        later = links.get(b.right)
        chain_of[start] = chain_of[b.right] if later is not None else start
        depth[start] = depth[b.right] + 1 if later is not None else 1
        if later is not None and chain_of[start] not in troubled and (
            d.action == "flag" or later[0] == "flag" or depth[start] > _MAX_CHAIN or (
                d.action == "join" and judge(left_word + later[1], later[2], later[3], later[4]).action != later[0]
            )
        ):
            troubled.add(chain_of[start])
            # its hyphens stay: a suspended hyphen before this word is suspended after all
            joined_at.difference_update(members[chain_of[start]])
        links[start] = (d.action, left_word, right_part, kind, b)
        members.setdefault(chain_of[start], []).append(b.hyphen)
        if d.action == "flag" or chain_of[start] in troubled:
            first, second = (hyphenated, joined) if d.lean == "keep" else (joined, hyphenated)
            why = d.reason if chain_of[start] not in troubled else f"a word broken over several lines: {d.reason}"
            out.append((kind, Flag(start, end, why, "warning", (first, second)), start))
        elif d.action == "join":
            out.append((kind, Edit(b.hyphen, b.right, "", f"joined '{joined}': {d.reason}", d.confidence), start))
            carried[start] = joined
            joined_at.add(b.hyphen)
        else:
            reason = f"hyphen kept in '{hyphenated}': {d.reason}"
            out.append((kind, Edit(b.hyphen, b.right, hyphen, reason, d.confidence), start))
            carried[start] = hyphenated
    if troubled:
        # the later breaks of a troubled chain were proposed before the trouble showed
        fixed = []
        for kind, p, s in out:
            if isinstance(p, Edit) and chain_of.get(s) in troubled:
                b = links[s][4]
                rm = _RIGHT_WORD.match(b.right_token)
                end = b.right + len(rm.group()) if rm else b.right
                p = Flag(s, end, "a word broken over several lines: the breaks are decided together", "warning")
            fixed.append((kind, p, s))
        out = fixed
    out.reverse()
    return [(kind, p) for kind, p, _ in out]


#: no word is broken over more lines than this; a longer chain is debris, left as printed
_MAX_CHAIN = 4
_NEXT_TOKEN = re.compile(r"\s+(\S+)")
_HYPHENATED = re.compile(f"{_ALNUM}[{re.escape(HYPHENS)}]")
_RIGHT_PART = re.compile(f"{_LETTERS}+|\\d+")


def _suspended_follows(text: str, pos: int, joined: set[int]) -> bool:
    """The next word is hyphenated ("and post-war", "or twentieth-" / "century"). A line-end
    hyphen this stage joins (``joined``: hyphen positions) does not count, but the word then
    goes on into the next line."""
    while True:
        m = _NEXT_TOKEN.match(text, pos)
        if not m:
            return False
        ends_joined = False
        for h in _HYPHENATED.finditer(text, m.start(1), m.end(1)):
            if h.end() - 1 not in joined:
                return True
            ends_joined = True
        if not ends_joined:
            return False
        pos = m.end(1)


_PARAGRAPH_END = re.compile(r"\n[ \t]*\n|\Z")


def _caps_line_before_mixed(text: str, b: Break) -> bool:
    """A word in capitals before the hyphen, a capital after it, and ordinary lower-case text
    running on: a headline ending in a dash ("STORY-" / "AT the court"), not a broken word.

    Only the word itself and the next line are read, never the rest of the line before: a
    join earlier on that line must not change the answer on a second run.
    """
    letters = [c for c in b.left_word if c.isalpha()]
    if len(letters) < 3 or sum(c.islower() for c in letters) * 4 > len(letters):
        return False
    if not b.right_token[:1].isupper():
        return False
    end = text.find("\n", b.right)
    nxt = text[b.right:end if end >= 0 else len(text)]
    return sum(c.islower() for c in nxt) >= 3


def _looks_like_heading(text: str, pos: int) -> bool:
    """The block after a page seam is one short line with no sentence punctuation."""
    m = _PARAGRAPH_END.search(text, pos)
    if m is None or m.end() >= len(text):
        return False
    block = text[pos:m.start()]
    if "\n" in block or len(block) > 70 or not block[:1].isupper():
        return False
    return not re.search(r"[.,;:!?]\W*$", block) and len(block.split()) <= 10


def _emit(text: str, ctx: Context, kind: str) -> Iterator[Edit | Flag]:
    vocab, own = _vocabulary(text, ctx)
    proposals = ctx.doc.cached("dehyphenate.proposals", lambda: _proposals(text, ctx, vocab, own))
    for k, p in proposals:
        if k == kind:
            yield p


@rule("dehyphenate.line_end")
def line_end(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Join a word split at a line end ("illu-" / "sions" → "illusions"); keep the hyphen of a
    compound ("self-" / "evident" → "self-evident"), removing only the line break.

    >>> from pipeline.rules import try_rule
    >>> try_rule(line_end, "the remaining illu-\\nsions of youth")
    'the remaining illusions of youth'
    >>> try_rule(line_end, "a self-\\nevident truth")
    'a self-evident truth'
    >>> try_rule(line_end, "pre-\\nand post-war Europe, 1949-50")
    'pre-\\nand post-war Europe, 1949-50'
    """
    return _emit(text, ctx, "line")


@rule("dehyphenate.page_end")
def page_end(text: str, ctx: Context) -> Iterator[Edit | Flag]:
    """Join a word split across a page seam, blank lines or a removed block ("un-" / "derstood"
    → "understood", "post-" / "victory" → "post-victory"); flag a hyphen at the document's end.

    >>> from pipeline.rules import try_rule, try_flags
    >>> try_rule(page_end, "It must be un-\\n\\nderstood in context.")
    'It must be understood in context.'
    >>> try_rule(page_end, "the post-\\n\\n\\n\\nvictory revolution")
    'the post-victory revolution'
    >>> try_flags(page_end, "the interna-")
    ['interna-']
    >>> try_rule(page_end, "the war ended—\\n\\nIn 1950 it began again")
    'the war ended—\\n\\nIn 1950 it began again'
    """
    return _emit(text, ctx, "page")


RULES = (line_end, page_end)
