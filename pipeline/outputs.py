"""Writing a document's outputs: each file whole or not at all.

Every file is written to a temporary name in its own folder and renamed into place, so an
interrupted run never leaves a half-written output, and a failure removes what it began.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TextIO

from .errors import OutputError

if TYPE_CHECKING:  # pragma: no cover
    from .api import Result

SUFFIXES = (".txt", ".json", ".changes.jsonl", ".diff")


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (mkstemp's own is 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


#: read once, at import: changing the umask is process-wide and not thread-safe
_MODE = _file_mode()


def atomic_write(path: Path, data: "str | Iterable[str]") -> None:
    """Write ``data`` (UTF-8; a string, or pieces of one) to ``path`` atomically."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write outputs here ({exc.strerror}); choose another folder with -o") from None
    try:
        os.chmod(tmp, _MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if isinstance(data, str):
                fh.write(data)
            else:
                _write_pieces(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        # pieces are rendered while they are written, so a failure may come from either side
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc.strerror}); check the disk and permissions") from None
        raise


def _write_pieces(fh: TextIO, pieces: Iterable[str], batch: int = 1 << 12) -> None:
    """Write many small strings, a batch at a time (one write call each would be slow)."""
    buf: list[str] = []
    for piece in pieces:
        buf.append(piece)
        if len(buf) >= batch:
            fh.write("".join(buf))
            buf.clear()
    if buf:
        fh.write("".join(buf))


def output_paths(out_dir: Path, name: str) -> dict[str, Path]:
    return {sfx: out_dir / f"{name}{sfx}" for sfx in SUFFIXES}


def write_result(result: "Result", out_dir: Path, name: str) -> list[Path]:
    """Write ``NAME.txt``, ``NAME.json``, ``NAME.changes.jsonl`` and ``NAME.diff``.

    One at a time, each rendered while it is written: a long document's outputs are never
    all in memory together."""
    paths = output_paths(out_dir, name)
    contents: dict[str, Callable[[], "str | Iterable[str]"]] = {
        ".txt": lambda: result.text,
        ".json": result.json_chunks,
        ".changes.jsonl": result.changes_jsonl_lines,
        ".diff": result.diff_lines,
    }
    for sfx, path in paths.items():
        atomic_write(path, contents[sfx]())
    return list(paths.values())
