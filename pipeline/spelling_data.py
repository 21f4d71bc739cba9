"""Data behind the spelling stage: known OCR misreads, OCR confusion costs, the candidate
index over the English lexicon and its bigram counts.

The candidate index is symspellpy's (deletes of each word's prefix up to edit distance 2),
stored compactly (sorted 64-bit hashes of the deletes, bucketed by their top bits, with how
many letters each delete drops and the word ids) in a cache file named by its format version
and the hash of the word lists, so it is built once (several seconds) and afterwards mapped
into memory in milliseconds. :func:`lookup` reads candidates straight from it: the words
whose prefix deletes meet the query's, kept when their optimal-string-alignment distance
(rapidfuzz) is within the limit, which is what symspellpy's own lookup returns, without its
Python loop. Other tables derived from the lexicon are cached the same way
(:func:`cached_table`).

The stage's own data ships inside the package (``pipeline/data/``): the known-misreads list
``ocr-misreads.txt`` and ``english-extra.tsv``. Users add their own misreads in
``dictionaries/ocr-misreads*.txt`` (in the working folder, or among the configured
``dictionaries``), in the same format, one entry a line::

    the <- tbe tlie tiie        # automatic: every listed misread becomes "the"
    and <? arid                 # suggestion only: flagged with "and" as the suggestion
    of the <- ofthe             # the right side may be several words

The right side comes first so the lexicon, which reads the first word of every line of
``dictionaries/*.txt`` as a known word, learns only right words from a user's file.
"""
from __future__ import annotations

import hashlib
import math
import mmap
import os
import re
import tempfile
import threading
import zlib
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

MISREADS_FILE = "ocr-misreads.txt"
#: The stage's own data, shipped inside the package (``[tool.setuptools.package-data]``).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"

_INDEX_MAGIC = b"OCRMEND-SPELL-INDEX-6\n"
#: the deletes' hashes are bucketed by their top bits, so a probe bisects a few entries
_BUCKET_BITS = 20
#: and the bigrams' hashes the same way (a quarter of a million of them: a few a bucket)
_BIGRAM_BUCKET_BITS = 16
_PREFIX = 7
_MAX_ED = 2
_LOCK = threading.Lock()

# ---------------------------------------------------------------------------------------
# OCR confusions: what the engine wrote (left) for what was printed (right), and a cost
# (1.0 is an arbitrary one-letter edit). Costs are shape similarity in common roman type:
# they make "rnodern" -> "modern" (one cheap confusion) beat any equal plain-edit rival.
# Lower-case forms; the token is case-folded before lookup and its case restored after.
CONFUSIONS: tuple[tuple[str, str, float], ...] = (
    ("\\v", "w", 0.1), ("\\y", "w", 0.2), ("\\x", "w", 0.3), ("l\\i", "m", 0.15), ("i\\i", "m", 0.15),
    ("\\i", "m", 0.3), ("vv", "w", 0.2), ("w", "vv", 0.5),
    ("rn", "m", 0.25), ("m", "rn", 0.4), ("rn", "rm", 0.6), ("in", "m", 0.4), ("m", "in", 0.4),
    ("ni", "m", 0.4), ("iii", "m", 0.35), ("nn", "m", 0.5), ("m", "nn", 0.6), ("ri", "n", 0.5),
    ("cl", "d", 0.3), ("d", "cl", 0.5), ("ol", "d", 0.5), ("tl", "d", 0.6),
    ("li", "h", 0.3), ("h", "li", 0.45), ("ii", "h", 0.5), ("lt", "h", 0.6), ("b", "h", 0.4),
    ("h", "b", 0.45), ("b", "k", 0.6), ("h", "k", 0.6), ("lc", "k", 0.4), ("k", "lc", 0.6),
    ("li", "b", 0.6), ("ii", "u", 0.4), ("u", "ii", 0.5), ("ii", "n", 0.5), ("u", "n", 0.45),
    ("n", "u", 0.45), ("ll", "u", 0.6), ("in", "ni", 0.7), ("iu", "in", 0.5),
    ("1", "l", 0.2), ("1", "i", 0.25), ("l", "i", 0.4), ("i", "l", 0.4), ("!", "l", 0.3),
    ("!", "i", 0.4), ("|", "l", 0.2), ("|", "i", 0.3), ("j", "i", 0.5), ("i", "j", 0.6), ("j", "y", 0.5),
    ("í", "i", 0.3), ("ì", "i", 0.3), ("t", "i", 0.7), ("f", "i", 0.7), ("l", "t", 0.6),
    ("0", "o", 0.2), ("o", "0", 0.9), ("5", "s", 0.35), ("8", "s", 0.6), ("8", "g", 0.5),
    ("6", "b", 0.5), ("3", "s", 0.7), ("9", "g", 0.6), ("2", "z", 0.7), ("4", "a", 0.8),
    ("e", "c", 0.35), ("c", "e", 0.35), ("o", "e", 0.4), ("e", "o", 0.45), ("a", "e", 0.6),
    ("e", "a", 0.6), ("o", "a", 0.55), ("a", "o", 0.55), ("c", "o", 0.5), ("o", "c", 0.5),
    ("a", "s", 0.6), ("s", "a", 0.7), ("n", "a", 0.7), ("a", "n", 0.8), ("o", "u", 0.6),
    ("u", "o", 0.6), ("c", "e", 0.35), ("s", "e", 0.7), ("z", "s", 0.7),
    ("f", "t", 0.45), ("t", "f", 0.45), ("f", "s", 0.5), ("ſ", "s", 0.1), ("ſ", "f", 0.5),
    ("r", "t", 0.6), ("t", "r", 0.6), ("i", "r", 0.7), ("r", "i", 0.7), ("r", "n", 0.6), ("n", "r", 0.6),
    ("y", "v", 0.5), ("v", "y", 0.5), ("u", "v", 0.5), ("v", "u", 0.5), ("q", "g", 0.5), ("g", "q", 0.5),
    ("p", "o", 0.8), ("h", "n", 0.5), ("n", "h", 0.5), ("b", "o", 0.7), ("o", "b", 0.8),
    ("ﬁ", "fi", 0.05), ("ﬂ", "fl", 0.05), ("ﬀ", "ff", 0.05), ("ﬃ", "ffi", 0.05), ("ﬄ", "ffl", 0.05),
    ("fi", "ﬁ", 0.05), ("ti", "fi", 0.5), ("fl", "ﬂ", 0.05),
    ("\u00ab", "s", 0.6), ("\u00bb", "w", 0.6), ("«", "s", 0.6),
    # digits for letter strokes: "011" for "on", "111" for "in" or "m", "lVith" for "With"
    ("11", "n", 0.3), ("111", "m", 0.35), ("lv", "w", 0.35), ("1v", "w", 0.35),
    ("l", "h", 0.6),  # an h whose bowl is lost: "tle" for "the"
)

#: Characters that are never part of an English word: dropping one costs little.
STRAY = frozenset("0123456789.,;:\"`^*~_|!?\\/()[]{}<>«»•·&%$#@+=")


def confusion_table() -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for seen, meant, cost in CONFUSIONS:
        key = (seen, meant)
        out[key] = min(cost, out.get(key, cost))
    return out


# ---------------------------------------------------------------------------------------
# Known misreads


@dataclass(frozen=True)
class Misread:
    wrong: str
    right: str
    auto: bool
    source: str


_MISREAD_LINE = re.compile(r"^(?P<right>\S.*?)\s+(?P<op><-|<\?)\s+(?P<wrongs>\S.*)$")


def parse_misreads(text: str, source: str = "<text>") -> dict[str, Misread]:
    """Parse the known-misreads format (see the module docstring).

    >>> m = parse_misreads("the <- tbe tlie  # common\\nand <? arid")
    >>> m["tbe"].right, m["tbe"].auto, m["arid"].auto
    ('the', True, False)
    """
    out: dict[str, Misread] = {}
    for n, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.split(" #", 1)[0].strip() if not raw_line.lstrip().startswith("#") else ""
        if not line:
            continue
        m = _MISREAD_LINE.match(line)
        if not m:
            from .errors import ConfigError

            raise ConfigError(f"{source}:{n}: expected 'RIGHT <- WRONG ...' or 'RIGHT <? WRONG ...', got {line!r}")
        right = " ".join(m.group("right").split())
        for wrong in m.group("wrongs").split():
            out[wrong] = Misread(wrong, right, m.group("op") == "<-", f"{source}:{n}")
    return out


def _user_files(extra: tuple[str, ...], prefix: str, suffix: str) -> list[str]:
    """Files named ``prefix*suffix`` in the working folder's ``dictionaries/`` and in the
    configured dictionaries (folders, or such files named directly), in that order."""
    out: list[str] = []
    for d in ("dictionaries", *extra):
        if os.path.isdir(d):
            out.extend(os.path.join(d, n) for n in sorted(os.listdir(d)) if n.startswith(prefix) and n.endswith(suffix))
        elif os.path.basename(d).startswith(prefix) and os.path.isfile(d):
            out.append(d)
    return out


def _stamp(files: list[str]) -> tuple:
    out = []
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            continue
        out.append((f, st.st_mtime_ns, st.st_size))
    return tuple(out)


def misread_files(extra: tuple[str, ...] = ()) -> list[Path]:
    """The misread lists: the package's own, then the working folder's
    ``dictionaries/ocr-misreads*.txt`` and any ``ocr-misreads*.txt`` among the configured
    dictionaries (a later file overrides an earlier one's entry for the same misread)."""
    return [PACKAGE_DATA / MISREADS_FILE, *map(Path, _user_files(extra, "ocr-misreads", ".txt"))]


@lru_cache(maxsize=8)
def _load_misreads(stamp: tuple) -> dict[str, Misread]:
    out: dict[str, Misread] = {}
    seen: set[str] = set()
    for path, _, _ in stamp:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        source = "package data " + MISREADS_FILE if Path(real) == (PACKAGE_DATA / MISREADS_FILE).resolve() else Path(path).name
        out.update(parse_misreads(Path(path).read_text(encoding="utf-8"), source))
    return out


def load_misreads(extra: tuple[str, ...] = ()) -> dict[str, Misread]:
    """Every known misread (later files override earlier ones); loaded again when a list
    changes."""
    return _load_misreads(_stamp([str(p) for p in misread_files(extra)]))


# ---------------------------------------------------------------------------------------
# The candidate index and bigrams


def _h(s: str) -> int:
    b = s.encode("utf-8")
    return (zlib.crc32(b) << 32) | zlib.adler32(b)


def _prefix_deletes(word: str) -> set[str]:
    """symspellpy's deletes of a word's prefix (the keys its lookup probes)."""
    return _query_deletes(word, _MAX_ED)


class DeletesView(Mapping):
    """symspellpy's ``_deletes`` (delete string -> words) read from sorted hash arrays. The
    entries of one delete are sorted by ``dists``, how many letters it drops from the word's
    prefix: a lookup within one edit reads only those that drop at most one."""

    def __init__(self, keys: array, ids: array, words: list[str], buckets: array, dists: array) -> None:
        self.keys, self.ids, self.words, self.buckets, self.dists = keys, ids, words, buckets, dists

    def span(self, k: int) -> tuple[int, int]:
        """The index range of the entries with hash ``k``."""
        b = k >> (64 - _BUCKET_BITS)
        lo, hi = self.buckets[b], self.buckets[b + 1]
        keys = self.keys
        i = bisect_left(keys, k, lo, hi)
        if i < hi and keys[i] == k:
            return i, bisect_right(keys, k, i, hi)
        return i, i

    def _probe(self, s: str) -> tuple[int, int]:
        return self.span(_h(s))

    def __contains__(self, s: object) -> bool:
        i, j = self._probe(s)  # type: ignore[arg-type]
        return j > i

    def __getitem__(self, s: str) -> list[str]:
        i, j = self._probe(s)
        if i == j:
            raise KeyError(s)
        ids, words = self.ids, self.words
        return [words[ids[x]] for x in range(i, j)]

    def __iter__(self) -> Iterator[str]:  # pragma: no cover - not needed by lookups
        raise TypeError("the compact deletes index cannot be iterated")

    def __len__(self) -> int:
        return len(self.keys)


class Bigrams:
    """Bigram counts (symspellpy's list) by 64-bit hash, bucketed by their top bits, each
    first word's total, and the words that come second in some bigram."""

    def __init__(self, keys: array, counts: array, left_totals: dict[str, int], floor: int, buckets: array,
                 seconds: frozenset[str]) -> None:
        self.keys, self.counts, self.left_totals, self.floor = keys, counts, left_totals, floor
        self.buckets, self.seconds = buckets, seconds

    def get(self, a: str, b: str) -> int:
        """The count of the pair (a, b); 0 when the list lacks it."""
        if a not in self.left_totals or b not in self.seconds:
            return 0  # no bigram of the list begins with a, or none ends with b (half the pairs asked)
        key = f"{a} {b}".encode("utf-8")
        k = (zlib.crc32(key) << 32) | zlib.adler32(key)  # (_h, inlined: a pair is looked up often)
        q = k >> (64 - _BIGRAM_BUCKET_BITS)
        keys, hi = self.keys, self.buckets[q + 1]
        i = bisect_left(keys, k, self.buckets[q], hi)
        if i < hi and keys[i] == k:
            return int(self.counts[i])
        return 0


class CharModel:
    """Letter trigrams of the lexicon's words (each word once): how English a string looks.

    ``logp(word)`` is log10 of the probability of the whole string (start and end marked),
    so a right word the lexicon lacks ("tokenizers", "Yildiz") scores far above a misread
    ("librarv", "rnodern", "whioh").
    """

    ALPHABET = 40

    def __init__(self, tri: dict[str, int], bi: dict[str, int]) -> None:
        self.tri, self.bi = tri, bi
        #: each trigram's term, computed once (bounded)
        self._terms: dict[str, float] = {}

    def logp(self, word: str) -> float:
        s = "^^" + word + "$"
        terms = self._terms
        total = 0.0
        for i in range(2, len(s)):
            t = s[i - 2 : i + 1]
            v = terms.get(t)
            if v is None:
                v = self._term(t)
            total += v  # (added one by one, in order: the same sum whatever the memo holds)
        return total

    def _term(self, t: str) -> float:
        v = math.log10((self.tri.get(t, 0) + 0.5) / (self.bi.get(t[:2], 0) + 0.5 * self.ALPHABET))
        if len(self._terms) > 100_000:
            self._terms.clear()
        self._terms[t] = v
        return v


def _char_counts(words: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    tri: dict[str, int] = {}
    bi: dict[str, int] = {}
    for w in words:
        s = "^^" + w + "$"
        for i in range(2, len(s)):
            t = s[i - 2 : i + 1]
            tri[t] = tri.get(t, 0) + 1
            b = s[i - 2 : i]
            bi[b] = bi.get(b, 0) + 1
    return tri, bi


@dataclass
class Index:
    content: str  # the hash of the lists it was built from
    words: list[str]
    counts: dict[str, int]
    deletes: DeletesView
    bigrams: Bigrams
    max_length: int
    chars: CharModel


def _symspell_dir() -> Path:
    from .lexicon import _symspell_list

    return _symspell_list().parent


def cache_dir() -> Path:
    """Where built indexes are kept: ``$OCRMEND_CACHE_DIR``, else ``$XDG_CACHE_HOME/ocrmend``,
    else ``~/.cache/ocrmend``."""
    env = os.environ.get("OCRMEND_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ocrmend"


def cached_table(name: str, recipe: str, build: Callable[[], bytes]) -> bytes:
    """A table derived from the lexicon, built once and kept in :func:`cache_dir` under a
    name and the hash of its ``recipe`` (everything it is built from); in memory only when
    the cache cannot be written."""
    path = cache_dir() / f"spelling-{name}-{hashlib.sha1(recipe.encode()).hexdigest()[:16]}.bin"
    try:
        return path.read_bytes()
    except OSError:
        pass
    blob = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".spelling-{name}-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    except OSError:
        pass
    return blob


def _build(words_file: Path, bigram_file: Path) -> bytes:
    words: list[str] = []
    seen: set[str] = set()
    with open(words_file, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                w = parts[0].lower()
                if w not in seen:
                    seen.add(w)
                    words.append(w)
    entries: list[tuple[int, int, int]] = []  # (hash, letters dropped, word id)
    for i, w in enumerate(words):
        n = min(len(w), _PREFIX)
        for d in _prefix_deletes(w):
            entries.append((_h(d), n - len(d), i))
    entries.sort()
    keys = array("Q", (k for k, _, _ in entries))
    dists = array("B", (e for _, e, _ in entries))
    ids = array("i", (i for _, _, i in entries))
    del entries
    buckets = _buckets(keys, _BUCKET_BITS)
    bpairs: dict[int, int] = {}
    left: dict[str, int] = {}
    seconds: set[str] = set()
    floor = 0
    with open(bigram_file, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3:
                a, b, c = parts[0].lower(), parts[1].lower(), int(parts[2])
                k = _h(f"{a} {b}")
                bpairs[k] = bpairs.get(k, 0) + c
                left[a] = left.get(a, 0) + c
                seconds.add(b)
                floor = c if not floor else min(floor, c)
    bkeys = array("Q", sorted(bpairs))
    bcounts = array("Q", (bpairs[k] for k in bkeys))
    bbuckets = _buckets(bkeys, _BIGRAM_BUCKET_BITS)
    left_blob = "\n".join(f"{a}\t{c}" for a, c in left.items()).encode("utf-8")
    words_blob = "\n".join(words).encode("utf-8")
    tri, bi = _char_counts(words)
    char_blob = "\n".join(f"{k}\t{v}" for k, v in (*tri.items(), *(("#" + k, v) for k, v in bi.items()))).encode("utf-8")
    parts_out = [words_blob, keys.tobytes(), ids.tobytes(), bkeys.tobytes(), bcounts.tobytes(), left_blob, char_blob,
                 buckets.tobytes(), dists.tobytes(), bbuckets.tobytes(), "\n".join(sorted(seconds)).encode("utf-8")]
    # every part starts on an 8-byte boundary, so the arrays are read in place (mmap)
    parts_out = [p + b"\0" * (-len(p) % 8) for p in parts_out]
    head = (" ".join(str(len(p)) for p in parts_out) + f" {floor}").encode()
    head += b" " * (-(len(_INDEX_MAGIC) + len(head) + 1) % 8) + b"\n"
    return _INDEX_MAGIC + head + b"".join(parts_out)


def _buckets(keys: array, bits: int) -> array:
    """Where each bucket of the sorted hashes ``keys`` (by their top ``bits``) starts, and
    where the last ends."""
    buckets = array("I", [0]) * ((1 << bits) + 1)
    shift = 64 - bits
    for k in keys:
        buckets[(k >> shift) + 1] += 1
    for b in range(1, len(buckets)):
        buckets[b] += buckets[b - 1]
    return buckets


def _parse(blob: "bytes | mmap.mmap", counts: dict[str, int], content: str) -> Index:
    """The index from a cache blob; the big arrays are views into it (no copy)."""
    nl = blob.find(b"\n", len(_INDEX_MAGIC))
    sizes = [int(x) for x in blob[len(_INDEX_MAGIC):nl].split()]
    floor = sizes.pop()
    pos = nl + 1
    mv = memoryview(blob)
    chunks = []
    for s in sizes:
        chunks.append(mv[pos : pos + s])
        pos += s

    def text(i: int) -> str:
        return bytes(chunks[i]).rstrip(b"\0").decode("utf-8")

    def arr(i: int, fmt: str, width: int) -> memoryview:
        c = chunks[i]
        return c[: len(c) - len(c) % width].cast(fmt)

    words = text(0).split("\n")
    keys = arr(1, "Q", 8)
    ids = arr(2, "i", 4)
    bkeys = arr(3, "Q", 8)
    bcounts = arr(4, "Q", 8)
    buckets = arr(7, "I", 4)
    dists = arr(8, "B", 1)
    bbuckets = arr(9, "I", 4)
    # the padding of a 4-byte or 1-byte array is zeros: cut it off by the known lengths
    ids, dists = ids[: len(keys)], dists[: len(keys)]
    buckets = buckets[: (1 << _BUCKET_BITS) + 1]
    bbuckets = bbuckets[: (1 << _BIGRAM_BUCKET_BITS) + 1]
    # "key<TAB>count" lines whose keys (words, letter n-grams) hold no white space: read as
    # alternating keys and counts, in C
    it = iter(text(5).split())
    left = dict(zip(it, map(int, it)))
    it = iter(text(6).split())
    grams = list(zip(it, it))
    bi = {k[1:]: int(v) for k, v in grams if len(k) == 3 and k[0] == "#"}
    tri = {k: int(v) for k, v in grams if not (len(k) == 3 and k[0] == "#")}
    return Index(
        content=content,
        words=words,
        counts=counts,
        deletes=DeletesView(keys, ids, words, buckets, dists),
        bigrams=Bigrams(bkeys, bcounts, left, floor, bbuckets, frozenset(text(10).split())),
        max_length=max(map(len, words)),
        chars=CharModel(tri, bi),
    )


_INDEX: dict[str, Index] = {}


def load_index(counts: dict[str, int]) -> Index:
    """The candidate index and bigrams for symspellpy's English lists, from the disk cache
    (keyed by the lists' content), built and stored there on first use."""
    d = _symspell_dir()
    wf = d / "frequency_dictionary_en_82_765.txt"
    bf = d / "frequency_bigramdictionary_en_243_342.txt"
    with _LOCK:
        h = hashlib.sha1()
        for f in (wf, bf):
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
        stamp = h.hexdigest()[:16]
        if stamp in _INDEX:
            return _INDEX[stamp]
        content = _content_hash(wf, bf)
        version = _INDEX_MAGIC.rstrip().rsplit(b"-", 1)[-1].decode()
        path = cache_dir() / f"spelling-index-{version}-{content}.bin"
        blob: "bytes | mmap.mmap | None" = None
        try:
            with open(path, "rb") as fh:
                blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            if blob[: len(_INDEX_MAGIC)] != _INDEX_MAGIC:
                blob = None
        except (OSError, ValueError):
            blob = None
        if blob is None:
            blob = _build(wf, bf)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".spelling-index-")
                with os.fdopen(fd, "wb") as fh:
                    fh.write(blob)
                os.replace(tmp, path)
            except OSError:  # a read-only home: keep the index in memory for this process
                pass
        index = _parse(blob, counts, content)
        _INDEX[stamp] = index
        return index


def _content_hash(*files: Path) -> str:
    """The hash of the files' content, kept in :func:`cache_dir` under their paths, sizes and
    modification times: reading and hashing the lists (6 MB) took longer than loading the
    index itself, at every start. (A list rewritten with the same size and time to the
    nanosecond would go unseen, as it would by the index kept in memory.)"""
    stats = [(f, f.stat()) for f in files]
    recipe = repr([(str(f.resolve()), st.st_size, st.st_mtime_ns) for f, st in stats])

    def build() -> bytes:
        return hashlib.sha1(b"\0".join(f.read_bytes() for f in files)).hexdigest()[:16].encode()

    return cached_table("content", recipe, build).decode()


def deletes(word: str, max_ed: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``max_ed`` characters.

    >>> sorted(deletes("abc", 1))
    ['ab', 'abc', 'ac', 'bc']
    >>> "" in deletes("ab", 2)
    True
    """
    # the strings d deletes make are the word's subsequences of its length less d: itertools
    # makes them in C, without the breadth-first search's tests of every string made twice
    out = {word}
    n = len(word)
    for d in range(1, min(max_ed, n) + 1):
        out.update(map("".join, combinations(word, n - d)))
    return out


def _query_deletes(key: str, max_ed: int) -> set[str]:
    """The strings the query probes: its prefix and that prefix's deletes up to ``max_ed``
    (the empty string among them exactly when the query is no longer than ``max_ed``, since
    the prefix is longer than any edit distance asked for)."""
    return deletes(key[:_PREFIX], max_ed)


def lookup(index: Index, key: str, max_ed: int, limit: int = 12,
           probed: "dict[str, tuple[int, int, int] | None] | None" = None) -> list[tuple[str, int]]:
    """Lexicon words within ``max_ed`` edits (optimal string alignment) of ``key``, the
    closest and then the most frequent first, at most ``limit``: symspellpy's lookup
    (``Verbosity.ALL``) answered from the compact index. ``probed``: a dict the caller keeps
    for one key (the index ranges of the deletes probed), so that a wider lookup after a
    narrower one probes only the deletes the narrower did not.

    Within one edit only the index entries that drop at most one letter from a word's prefix
    are read: a word one edit from the key (a letter changed, added, dropped, or two swapped)
    and the key each become a common string by dropping at most one letter of their
    prefixes (the letter edited, or where an added or dropped letter shifts the prefix's
    end), so the entries that drop two find only words further away, which the distance
    test drops. Those are most of the candidates of a short key.

    >>> from pipeline.lexicon import get_lexicon
    >>> [w for w, _ in lookup(load_index(get_lexicon().counts), "definitdon", 1)]
    ['definition']
    """
    global _extract, _osa
    if _extract is None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        _extract, _osa = process.extract, OSA.distance
    ids = index.deletes.ids
    found: set[int] = set()
    for i, k, j in _ranges(index, key, max_ed, probed):
        found.update(ids[i : k if max_ed <= 1 else j])
    if not found:
        return []
    words = index.words
    cands = list(map(words.__getitem__, found))  # rapidfuzz's cutoff drops the far ones in C
    counts = index.counts
    out = [(d, -counts.get(w, 0), w) for w, d, _ in _extract(key, cands, scorer=_osa, score_cutoff=max_ed, limit=None)]
    out.sort()
    return [(w, d) for d, _, w in out[:limit]]


def _ranges(index: Index, key: str, max_ed: int,
           probed: "dict[str, tuple[int, int, int] | None] | None") -> list[tuple[int, int, int]]:
    """The index ranges of the prefix deletes of ``key`` up to ``max_ed`` that the index
    has, as (start, end of the entries that drop at most one letter, end)."""
    view = index.deletes
    keys, buckets, dists = view.keys, view.buckets, view.dists
    shift = 64 - _BUCKET_BITS
    crc32, adler32 = zlib.crc32, zlib.adler32
    out = []
    for d in _query_deletes(key, max_ed):
        if probed is not None and d in probed:
            r = probed[d]
        else:
            b = d.encode("utf-8")
            h = (crc32(b) << 32) | adler32(b)
            q = h >> shift
            hi = buckets[q + 1]
            i = bisect_left(keys, h, buckets[q], hi)
            r = None
            if i < hi and keys[i] == h:
                j = bisect_right(keys, h, i + 1, hi)
                r = (i, bisect_right(dists, 1, i, j), j)
            if probed is not None:
                probed[d] = r
        if r is not None:
            out.append(r)
    return out


#: rapidfuzz's extract and OSA distance, bound at the first lookup
_extract: Any = None
_osa: Any = None


# ---------------------------------------------------------------------------------------
# Words English print uses that symspellpy's list lacks ("oh", "afterward", "mortem")

EXTRA_FILE = "english-extra.tsv"


def load_extra_words(extra: tuple[str, ...] = ()) -> frozenset[str]:
    """Known words beyond symspellpy's list: the package's ``data/english-extra.tsv`` (word,
    tab, Zipf frequency; built by :func:`build_extra_words`) and any ``english-extra*.tsv``
    in ``dictionaries/`` or the configured dictionaries. They are protected (never changed)
    but never offered as corrections."""
    return _load_extra(_stamp([str(PACKAGE_DATA / EXTRA_FILE), *_user_files(extra, "english-extra", ".tsv")]))


@lru_cache(maxsize=4)
def _load_extra(stamp: tuple) -> frozenset[str]:
    words: set[str] = set()
    for path, _, _ in stamp:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                words.add(line.split("\t", 1)[0])
    return frozenset(words)


def build_extra_words(min_zipf: float = 3.0) -> list[tuple[str, float]]:
    """Words of wordfreq's English list (Zipf >= ``min_zipf``) that symspellpy's list lacks,
    less the strings that are common words run together ("ofthe") or one OCR confusion of a
    far more common word ("thc"): wordfreq counts web text, which has OCR debris in it.
    Needs wordfreq (a build-time tool only): ``python -m pipeline.spelling_data extra``."""
    import wordfreq

    from .lexicon import get_lexicon
    from .stages.spelling import _FUNCTION_WORDS as FUNCTION_WORDS

    counts = get_lexicon().counts
    bigrams = load_index(counts).bigrams
    table = confusion_table()
    by_seen: dict[str, list[str]] = {}
    for (seen, meant) in table:
        by_seen.setdefault(seen, []).append(meant)
    out = []
    for w, f in wordfreq.get_frequency_dict("en", "best").items():
        z = math.log10(f) + 9
        if (len(w) < 4 and w not in ("oh", "ah", "ohh", "ahh")) or z < min_zipf or w in counts or not re.fullmatch(r"[a-z]+(?:'[a-z]+)?", w) or len(w) < 2:
            continue
        if any(
            (w[:i] in FUNCTION_WORDS or w[i:] in FUNCTION_WORDS) and bigrams.get(w[:i], w[i:]) >= 50_000_000
            for i in range(1, len(w))
        ):
            continue
        rival = 0
        for i in range(len(w)):
            for L in (1, 2, 3):
                for meant in by_seen.get(w[i : i + L], ()):
                    rival = max(rival, counts.get(w[:i] + meant + w[i + L :], 0))
        if rival and math.log10(rival) + 9 - math.log10(counts and sum(counts.values())) > z + 2.5:
            continue
        out.append((w, round(z, 2)))
    return sorted(out)


def collection_vocabulary(texts: Iterable[str], min_docs: int = 3) -> list[tuple[str, int]]:
    """Words the lexicon lacks that a batch of documents (pages or chapters of one book)
    uses in ``min_docs`` documents or more: the collection's names and terms, which then
    outvote the general lexicon (written to ``dictionaries/``, they are never changed).
    Left out: known misreads, words run together ("ofthe"), and strings one OCR confusion
    away from a word the batch uses twenty times as often ("tbe" beside "the").

    >>> collection_vocabulary(["Babikian met tbe Vali.", "Babikian and the Vali, the end",
    ...                        "Babikian, tbe the the the the the the"], min_docs=3)
    [('babikian', 3)]
    """
    from collections import Counter

    from .lexicon import get_lexicon
    from .stages.spelling import _FUNCTION_WORDS, _WORD, confusion_variants

    lex = get_lexicon()
    misreads = load_misreads()
    docs: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text in texts:
        words = [m.group().lower() for m in _WORD.finditer(text)]
        total.update(words)
        docs.update(set(words))
    out = []
    for w, n in docs.items():
        if n < min_docs or len(w) < 4 or not w.isalpha() or w in lex or w in misreads or not w.isascii() and "\ufb00" <= max(w):
            continue
        if any(w[:i] in _FUNCTION_WORDS and w[i:] in lex.counts for i in range(1, len(w))):
            continue
        if any(total.get(v, 0) >= 20 * total[w] for v in confusion_variants(w, 0.6, 1)):
            continue
        out.append((w, n))
    return sorted(out)


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    import sys

    if sys.argv[1:2] == ["collect"]:
        import argparse

        ap = argparse.ArgumentParser(prog="python -m pipeline.spelling_data collect",
                                     description="Build a collection vocabulary from a batch of text files.")
        ap.add_argument("paths", nargs="+", help="files or folders of raw OCR text (*.txt)")
        ap.add_argument("-o", "--output", default="dictionaries/collection.txt")
        ap.add_argument("--min-docs", type=int, default=3)
        a = ap.parse_args(sys.argv[2:])
        files = [f for p in map(Path, a.paths) for f in (sorted(p.rglob("*.txt")) if p.is_dir() else [p])]
        rows = collection_vocabulary((f.read_text(encoding="utf-8", errors="replace") for f in files), a.min_docs)
        with open(a.output, "w", encoding="utf-8") as fh:
            fh.write(f"# Collection vocabulary: words the lexicon lacks, seen in {a.min_docs}+ of {len(files)} files.\n")
            fh.write("# Built by `python -m pipeline.spelling_data collect`; review before use.\n")
            for w, n in rows:
                fh.write(f"{w}  # {n} files\n")
        print(f"{len(rows)} words from {len(files)} files -> {a.output}")
    elif sys.argv[1:2] == ["extra"]:
        rows = build_extra_words()
        target = PACKAGE_DATA / EXTRA_FILE
        with open(target, "w", encoding="utf-8") as fh:
            fh.write("# Words English print uses that symspellpy's frequency list lacks, with their Zipf\n")
            fh.write("# frequency, from wordfreq (https://github.com/rspeer/wordfreq; data CC BY-SA 4.0).\n")
            fh.write("# Built by `python -m pipeline.spelling_data extra`; read by the spelling stage, which\n")
            fh.write("# never changes these words (it does not offer them as corrections either).\n")
            for w, z in rows:
                fh.write(f"{w}\t{z}\n")
        print(f"{len(rows)} words -> {target}")
    else:
        print("usage: python -m pipeline.spelling_data extra | collect PATH ... [-o FILE] [--min-docs N]")
