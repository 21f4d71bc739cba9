"""Errors that carry their exit code and say what to do next.

Exit codes (documented in the README):

====  ======================================================================
0     success (with ``--check``: nothing would change)
1     ``--check``: some input would change; ``replay``: the log does not give
      the expected text
2     usage or configuration error
3     a required dependency is missing (the message gives the install command)
4     some inputs failed (the others were processed and written)
5     every input failed
70    internal error (a bug: please report it with the input)
130   interrupted (Ctrl-C or SIGTERM); finished documents are kept, a re-run resumes
====  ======================================================================
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

EXIT_OK = 0
EXIT_CHANGED = 1
EXIT_USAGE = 2
EXIT_MISSING_DEPENDENCY = 3
EXIT_SOME_FAILED = 4
EXIT_ALL_FAILED = 5
EXIT_INTERNAL = 70
#: stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it); finished documents are kept
EXIT_INTERRUPTED = 130


class OcrmendError(Exception):
    """An error a user can act on: one line, with the exit code it maps to."""

    exit_code = EXIT_SOME_FAILED

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(OcrmendError):
    """One input cannot be read or decoded; the batch goes on without it."""


class OutputError(OcrmendError):
    """An output cannot be written."""


class ConfigError(OcrmendError):
    """The configuration or the command line is wrong."""

    exit_code = EXIT_USAGE


class MissingDependency(OcrmendError):
    """A system component or optional package is not installed."""

    exit_code = EXIT_MISSING_DEPENDENCY


class ReplayError(OcrmendError):
    """A change log does not apply to the text it is replayed on."""

    exit_code = EXIT_CHANGED


#: what ``printable`` escapes: C0 and C1 controls and the Unicode line and paragraph separators
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))} | {
    0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def printable(text: str) -> str:
    """``text`` fit for one line of a terminal or a UTF-8 file: control characters (a
    newline in a file name) escaped, and the bytes of a file name that is not UTF-8 (which
    Python keeps as lone surrogates) shown as ``\\xNN``.

    >>> printable("new\\nline.txt: empty file")
    'new\\\\nline.txt: empty file'
    >>> printable("caf\\udce9.txt"), printable("café.txt")
    ('caf\\\\xe9.txt', 'café.txt')
    """
    if text.isprintable():
        return text
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.translate(_CONTROLS)


@contextmanager
def reading(path: object) -> Iterator[None]:
    """Turn the OS errors of reading ``path`` into one-line :class:`InputError`s."""
    try:
        yield
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give a file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied); fix its permissions") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
