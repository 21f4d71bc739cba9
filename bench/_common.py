"""Helpers shared by the bench scripts (not a benchmark itself).

Everything here is plain standard library plus rapidfuzz; the pipeline is imported lazily so a
script can still report something when a stage module is broken while it is being edited.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterator

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
DEFAULT_BENCHDATA = (REPO.parent / "shared" / "benchdata").resolve()

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    """The scoring form used everywhere: Unicode NFC, every run of whitespace one space."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def char_distance(ref: str, hyp: str) -> int:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(ref, hyp)


def word_distance(ref: str, hyp: str) -> tuple[int, int]:
    """Levenshtein distance over whitespace tokens, and the number of reference tokens."""
    from rapidfuzz.distance import Levenshtein

    vocab: dict[str, int] = {}
    a = [vocab.setdefault(w, len(vocab)) for w in ref.split()]
    b = [vocab.setdefault(w, len(vocab)) for w in hyp.split()]
    return Levenshtein.distance(a, b), len(a)


def pct(num: float, den: float) -> float | None:
    return None if not den else round(100.0 * num / den, 3)


def fmt(v: Any, nd: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table with columns padded for the terminal."""
    cells = [[str(h) for h in header]] + [[fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def benchdata(arg: str | None) -> Path:
    p = Path(arg).resolve() if arg else DEFAULT_BENCHDATA
    if not p.is_dir():
        sys.exit(f"benchdata folder not found: {p} (give --benchdata DIR)")
    return p


def console_script() -> list[str]:
    """The command that runs ``ocrmend``: the console script beside this interpreter (no
    version-manager shim in between), else ``python -m pipeline``."""
    cand = Path(sys.executable).parent / "ocrmend"
    if cand.is_file() and os.access(cand, os.X_OK):
        return [str(cand)]
    return [sys.executable, "-m", "pipeline"]


def load_module(path: Path, name: str):
    """Import a scorer script by path (it is read, never copied)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Abort the block after ``seconds`` (main thread, Unix); a hung stage then costs one
    document, not the whole bench run."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Timeout(f"over {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def pipeline_state() -> dict[str, Any]:
    """What was measured: tool version, the rules each stage had, the commit and whether the
    pipeline sources differed from it (read-only git queries)."""
    state: dict[str, Any] = {"date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                             "python": sys.version.split()[0]}
    try:
        import pipeline
        from pipeline import stages

        state["version"] = pipeline.__version__
        per_stage: dict[str, Any] = {}
        for st in stages.STAGES:
            try:
                per_stage[st] = [getattr(f, "rule_id", getattr(f, "__name__", "?")) for f in stages.load(st).RULES]
            except Exception as exc:  # a stage being edited may not import
                per_stage[st] = f"import failed: {type(exc).__name__}: {exc}"
        state["rules"] = per_stage
    except Exception as exc:
        state["pipeline_error"] = f"{type(exc).__name__}: {exc}"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "pipeline"], cwd=REPO, capture_output=True,
                               text=True, timeout=10)
        state["commit"] = head.stdout.strip() or None
        state["pipeline_uncommitted_files"] = len([x for x in dirty.stdout.splitlines() if x.strip()])
    except (OSError, subprocess.SubprocessError):
        state["commit"] = None
    return state


def rules_line(state: dict[str, Any]) -> str:
    rules = state.get("rules") or {}
    parts = [f"{st} {len(v) if isinstance(v, list) else 'BROKEN'}" for st, v in rules.items()]
    extra = ""
    if state.get("pipeline_uncommitted_files"):
        extra = f"; {state['pipeline_uncommitted_files']} pipeline file(s) differ from {state.get('commit')}"
    return (f"ocrmend {state.get('version', '?')} @ {state.get('commit') or '?'}; rules per stage: "
            + ", ".join(parts) + extra)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    if not n:
        return float("nan")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def in_repo() -> None:
    """Run from the repository root, as the CLI recipe in docs/helper-brief.md does: the
    project's ``dictionaries/`` and ``[tool.ocrmend]`` config are found the same way."""
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def call_quiet(func: Callable[[], Any]) -> tuple[Any, str]:
    """Call ``func`` with stdout captured; return its value and what it printed."""
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        value = func()
    return value, buf.getvalue()
