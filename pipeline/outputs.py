"""Writing a document's outputs: each file whole or not at all.

Every file is written to a temporary name in its own folder and renamed into place, so an
interrupted run never leaves a half-written output, and a failure removes what it began.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError

if TYPE_CHECKING:  # pragma: no cover
    from .api import Result

SUFFIXES = (".txt", ".json", ".changes.jsonl", ".diff")


def atomic_write(path: Path, data: str) -> None:
    """Write ``data`` (UTF-8) to ``path`` atomically."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write outputs here ({exc.strerror}); choose another folder with -o") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"{path}: cannot write ({exc.strerror}); check the disk and permissions") from None


def output_paths(out_dir: Path, name: str) -> dict[str, Path]:
    return {sfx: out_dir / f"{name}{sfx}" for sfx in SUFFIXES}


def write_result(result: "Result", out_dir: Path, name: str) -> list[Path]:
    """Write ``NAME.txt``, ``NAME.json``, ``NAME.changes.jsonl`` and ``NAME.diff``."""
    paths = output_paths(out_dir, name)
    contents = {
        ".txt": result.text,
        ".json": result.to_json(),
        ".changes.jsonl": result.changes_jsonl(),
        ".diff": result.diff(),
    }
    for sfx, path in paths.items():
        atomic_write(path, contents[sfx])
    return list(paths.values())
