"""Writing a document's outputs: each file whole or not at all.

Every file is written to a temporary name in its own folder, flushed to disk and renamed into
place, so an interrupted run never leaves a half-written output, and a failure removes what it
began.

A batch writes many small documents, four files or more each; on page-sized files, one
flush to disk per file kept a worker waiting a fifth as long as it worked. Inside
``Pending.collecting`` the files are only written under their temporary names;
``Pending.commit`` then flushes a whole group's files to disk, renames them all and flushes
each of their folders once: the same guarantees, a fraction of the waiting.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Hashable, Iterable, Iterator, TextIO

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


@dataclass
class _Temporary:
    """A file written whole under a temporary name, its descriptor open until ``close``
    (-1 after)."""

    fd: int
    tmp: str
    path: Path

    def close(self) -> None:
        # once only: the number may belong to another file (another thread's) afterwards
        fd, self.fd = self.fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass

    def remove(self) -> None:
        self.close()
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"{path}: cannot write ({exc.strerror}); check the disk and permissions")


def _write_temporary(path: Path, data: "str | Iterable[str]") -> _Temporary:
    """``data`` (UTF-8) written whole to a new temporary file beside ``path``, not yet flushed
    to disk; on any failure the temporary file is gone."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write outputs here ({exc.strerror}); choose another folder with -o") from None
    temporary = _Temporary(fd, tmp, path)
    try:
        os.fchmod(fd, _MODE)
        # closefd=False: the descriptor stays open for the flush to disk, now or at commit
        with os.fdopen(fd, "w", encoding="utf-8", newline="", closefd=False) as fh:
            if isinstance(data, str):
                fh.write(data)
            else:
                _write_pieces(fh, data)
    except BaseException as exc:
        # pieces are rendered while they are written, so a failure may come from either side
        temporary.remove()
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise
    return temporary


def atomic_write(path: Path, data: "str | Iterable[str]") -> None:
    """Write ``data`` (UTF-8; a string, or pieces of one) to ``path`` atomically.

    Inside ``Pending.collecting`` the file is left under its temporary name for the group's
    ``commit`` to put in place."""
    temporary = _write_temporary(path, data)
    pending = _COLLECTING.get()
    if pending is not None:
        pending[0]._add(pending[1], temporary)
        return
    try:
        os.fsync(temporary.fd)
        temporary.close()
        os.replace(temporary.tmp, path)
    except OSError as exc:
        temporary.remove()
        raise _cannot_write(path, exc) from None
    except BaseException:
        temporary.remove()
        raise


def _fsync_path(path: str) -> None:
    """Flush a closed file to disk (a flush covers the file, whichever descriptor wrote it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: "str | Path") -> None:
    """Flush a folder's entries (the renames into it) to disk; best effort where the file
    system cannot (some network file systems)."""
    try:
        _fsync_path(str(folder))
    except OSError:
        pass


#: the Pending collecting this thread's writes, and for whom (a thread, not the process: a
#: Dask worker runs several tasks at once in threads)
_COLLECTING: ContextVar["tuple[Pending, Hashable] | None"] = ContextVar("ocrmend_collecting", default=None)


class Pending:
    """Output files written under temporary names and not yet in place: a group of documents'
    outputs, put in place together by ``commit``.

    Each file belongs to an owner (a document), so one document's files can be dropped
    (``discard``) or fail to reach the disk without costing the others. A file is closed once
    written and opened again to be flushed: a Dask worker running several groups at once in
    threads would otherwise hold hundreds of descriptors.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> pending = Pending()
    >>> with pending.collecting("a"):
    ...     atomic_write(out / "a.txt", "kept")
    >>> with pending.collecting("b"):
    ...     atomic_write(out / "b.txt", "dropped")
    >>> pending.discard("b")
    >>> sorted(p.name[-5:] for p in out.iterdir())   # still under a temporary name
    ['.part']
    >>> pending.commit()
    {}
    >>> sorted(p.name for p in out.iterdir()), (out / "a.txt").read_text()
    (['a.txt'], 'kept')
    """

    def __init__(self) -> None:
        self._files: dict[Hashable, list[_Temporary]] = {}

    @contextmanager
    def collecting(self, owner: Hashable) -> Iterator[None]:
        """``atomic_write`` within this block leaves its file to this group's ``commit``."""
        token = _COLLECTING.set((self, owner))
        try:
            yield
        finally:
            _COLLECTING.reset(token)

    def _add(self, owner: Hashable, temporary: _Temporary) -> None:
        if hasattr(os, "posix_fadvise"):
            # the one call of the os module that starts writing a file to disk without
            # waiting for it (Linux starts the write-back, then drops the pages it can): by
            # the time commit flushes the group, the disk has most of it, so the flushes
            # after the first hardly wait. Elsewhere a hint, and the flush still does it all.
            try:
                os.posix_fadvise(temporary.fd, 0, 0, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
        temporary.close()
        self._files.setdefault(owner, []).append(temporary)

    def discard(self, owner: Hashable) -> None:
        """Remove the files ``owner`` wrote (a document that failed half-way)."""
        for temporary in self._files.pop(owner, []):
            temporary.remove()

    def discard_all(self) -> None:
        for owner in list(self._files):
            self.discard(owner)

    def commit(self) -> dict[Hashable, str]:
        """Flush every file to disk, rename each into place, then flush each folder once; the
        owners whose files could not all be put in place, with why (their files are removed,
        those put in place already too: each file is whole or absent, never half-written, and
        an owner's files are in place together or not at all)."""
        failed: dict[Hashable, str] = {}
        for owner, files in self._files.items():
            for temporary in files:
                try:
                    _fsync_path(temporary.tmp)
                except OSError as exc:
                    failed[owner] = str(_cannot_write(temporary.path, exc))
                    break
        folders: dict[str, None] = {}
        for owner, files in self._files.items():
            if owner in failed:
                for temporary in files:
                    temporary.remove()
                continue
            for i, temporary in enumerate(files):
                try:
                    os.replace(temporary.tmp, temporary.path)
                except OSError as exc:
                    failed[owner] = str(_cannot_write(temporary.path, exc))
                    for rest in files[i:]:
                        rest.remove()
                    # and the ones already in place: an owner's files are in place together
                    # or not at all (a text without the log it replays from is no output)
                    for placed in files[:i]:
                        with contextlib.suppress(OSError):
                            os.unlink(placed.path)
                    break
                folders[str(temporary.path.parent)] = None
        self._files.clear()
        for folder in folders:
            fsync_folder(folder)
        return failed


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
