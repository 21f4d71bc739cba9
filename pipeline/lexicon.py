"""Word frequencies for decisions the document itself cannot settle.

The general lexicon is symspellpy's bundled English frequency list (82,765 words with
corpus counts). User word lists (one word a line, ``#`` comments, UTF-8) come from the
project's ``dictionaries/`` folder and from ``Config.dictionaries``; their words count as
known and are never changed. The document's own vocabulary outvotes all of these; rules
read it from the text.
"""
from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .errors import ConfigError

_LOCK = threading.Lock()


def _symspell_list() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("symspellpy")
    if spec is None or not spec.origin:  # pragma: no cover - it is a hard dependency
        from .errors import MissingDependency

        raise MissingDependency("symspellpy is not installed: pip install symspellpy")
    return Path(spec.origin).parent / "frequency_dictionary_en_82_765.txt"


class Lexicon:
    """Lower-case word → corpus count, plus user words."""

    def __init__(self, counts: dict[str, int], user_words: frozenset[str], version: str) -> None:
        self.counts = counts
        self.user_words = user_words
        self.version = version
        self.total = sum(counts.values()) or 1

    def freq(self, word: str) -> int:
        """The corpus count of ``word`` (case-folded); user words count as common."""
        w = word.lower()
        c = self.counts.get(w, 0)
        if not c and w in self.user_words:
            return 1_000_000
        return c

    def __contains__(self, word: str) -> bool:
        w = word.lower()
        return w in self.counts or w in self.user_words


def _read_words(path: Path) -> Iterable[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read word list: {exc}") from None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield line.split()[0]


def _word_list_files(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(path.glob("*.txt")))
        elif path.is_file():
            files.append(path)
        elif p != "dictionaries":
            raise ConfigError(f"{p}: word list not found (config 'dictionaries')")
    return files


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...], stamp: tuple) -> Lexicon:
    counts: dict[str, int] = {}
    source = _symspell_list()
    h = hashlib.sha1()
    with open(source, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                counts[parts[0].lower()] = int(parts[1])
    h.update(str(len(counts)).encode())
    user: set[str] = set()
    for f in _word_list_files(paths):
        words = list(_read_words(f))
        h.update(f.name.encode())
        h.update("\n".join(words).encode())
        user.update(w.lower() for w in words)
    return Lexicon(counts, frozenset(user), h.hexdigest()[:12])


def get_lexicon(extra: tuple[str, ...] = ()) -> Lexicon:
    """The lexicon for these word lists (``dictionaries/`` in the working folder is always read).

    Loaded once per process and word-list state; safe to call from threads.
    """
    paths = ("dictionaries", *extra)
    stamp = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in _word_list_files(paths) if f.exists()
    )
    with _LOCK:
        return _load(paths, stamp)

