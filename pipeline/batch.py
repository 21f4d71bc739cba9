"""Batches: many documents cleaned in parallel, incrementally and resumably, on this machine
or on a Dask cluster.

The pieces, in the order a run uses them:

- ``plan``: every input paired with its output folder and name, outputs that would overwrite
  an input or each other refused before any work (``Task``, ``Refusal``);
- ``process_document``: the work of one document, a plain module-level function of two small
  frozen records (``Task``, ``Job``) returning a small one (``Outcome``), so it pickles for a
  process pool and for ``dask.distributed`` alike. It writes the document's outputs itself
  (atomically, beside the others) and sends back only counts;
- ``chunks`` and ``process_documents``: the unit every backend runs, a group of documents
  (small text files a few dozen together, a page image alone) whose outputs reach the disk
  together (``outputs.Pending``): one round trip, one flush to disk and one flush of each
  folder for the group instead of one each per document or file;
- the backends: ``inline`` (this process), ``pool`` (a local process pool), ``dask`` (an
  existing ``dask.distributed`` scheduler); each yields outcomes as groups finish, with a
  bounded number in flight, so memory stays flat however many documents there are;
- ``Manifest``: ``.ocrmend-manifest.jsonl`` in the output folder, one line per finished
  document, appended (and flushed) only after all its outputs are on disk. A document whose
  input bytes, configuration, word lists and tool version are those of its line is skipped;
- ``Tally``: the counts behind the progress bar and the summary; ``failures.jsonl``.

A run killed at any moment leaves whole files only (each output is written to a temporary
name and renamed); the temporary files of a killed writer are swept at the next start, and
a document without its manifest line is simply done again.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from .errors import EXIT_INTERRUPTED, EXIT_USAGE, MissingDependency, OcrmendError, printable

if TYPE_CHECKING:  # pragma: no cover
    from .api import Result
    from .config import Config

#: the manifest of finished documents, in the output folder
MANIFEST = ".ocrmend-manifest.jsonl"
#: one line per input that failed in the last run, in the output folder
FAILURES = "failures.jsonl"
#: the environment variable naming a Dask scheduler (as ``--scheduler`` does)
SCHEDULER_ENV = "OCRMEND_SCHEDULER"
#: the config table of batch settings (``[tool.ocrmend.batch]``); not part of the cleaning config
BATCH_TABLE = "batch"
#: the temporary files ``outputs.atomic_write`` writes before renaming (``.NAME.XXXXXXXX.part``)
_PART = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")


# -- the records that cross process boundaries ------------------------------------------------

@dataclass(frozen=True)
class Task:
    """One document to clean: where it is, where its outputs go, what it was last time."""

    index: int
    #: the input as named on the command line (messages, manifest)
    src: str
    #: the input, absolute (what a worker reads)
    path: str
    #: its output folder, absolute
    dest_dir: str
    #: its outputs' name (``NAME.txt`` ...)
    name: str
    #: the outputs' place under the output root, ``sub/NAME``: its manifest key
    out_key: str
    image: bool = False
    #: the manifest key of its last finished run, if any
    previous: str | None = None
    #: ``--to``: the format of its corrected hOCR/ALTO/PAGE copy and that copy's file name
    copy_format: str | None = None
    copy_name: str | None = None
    #: the input's size in bytes when planned: how ``chunks`` weighs it
    size: int = 0


@dataclass(frozen=True)
class Job:
    """What is the same for every document of a run."""

    #: the cleaning configuration as plain data (``plain_config``); Config itself holds
    #: mapping proxies, which do not pickle
    config: Mapping[str, Any]
    #: hash of configuration, word lists and tool version: half of each document's key
    run_key: str
    #: the version of the word lists the client sees (``Lexicon.version``)
    dictionaries: str
    version: str
    #: ``write`` (outputs), ``check`` (nothing written) or ``diff`` (the diff sent back)
    mode: str = "write"
    force: bool = False
    #: Tesseract's version for image inputs (None when the batch has none)
    tesseract: str | None = None
    tesseract_cmd: str | None = None
    #: pages of one document OCRed at a time
    ocr_threads: int = 1


@dataclass(frozen=True)
class Outcome:
    """What became of one document; small, so it travels back cheaply."""

    index: int
    #: ``done``, ``skipped`` (up to date) or ``failed``
    status: str
    key: str | None = None
    changed: bool = False
    changes: tuple[tuple[str, int], ...] = ()
    flags: tuple[tuple[str, int], ...] = ()
    pages: int = 0
    encoding: str = "utf-8"
    files: tuple[str, ...] = ()
    error: str | None = None
    #: an error that stops the whole batch (no Tesseract): its exit code
    fatal: int | None = None
    diff: str | None = None
    seconds: float = 0.0
    worker: str = ""


@dataclass(frozen=True)
class Refusal:
    """An input refused before any work (missing, unreadable folder, clashing outputs)."""

    src: str
    error: str


# -- configuration as plain data -------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


def plain_config(config: "Config") -> dict[str, Any]:
    """The configuration as JSON-able, picklable data; ``config_from_plain`` rebuilds it.

    >>> from pipeline.config import Config, from_mapping
    >>> c = from_mapping({"keep": "header", "dehyphenate": {"min_ratio": 4.0}})
    >>> config_from_plain(plain_config(c)) == c
    True
    """
    import dataclasses

    return {f.name: _plain(getattr(config, f.name)) for f in dataclasses.fields(config)}


_CONFIGS: dict[str, "Config"] = {}


def config_from_plain(data: Mapping[str, Any]) -> "Config":
    from .config import from_mapping

    key = json.dumps(data, sort_keys=True)
    if key not in _CONFIGS:
        _CONFIGS[key] = from_mapping(dict(data))
    return _CONFIGS[key]


def split_batch_settings(config: "Config") -> tuple["Config", dict[str, Any]]:
    """The cleaning config without ``[tool.ocrmend.batch]``, and that table: where a batch
    runs must not change what it writes (the config goes into every output)."""
    from types import MappingProxyType

    if BATCH_TABLE not in config.stages:
        return config, {}
    table = dict(config.stages[BATCH_TABLE])
    unknown = set(table) - {"scheduler"}
    if unknown:
        from .errors import ConfigError

        raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))} in [tool.ocrmend.batch]; known: scheduler")
    rest = MappingProxyType({k: v for k, v in config.stages.items() if k != BATCH_TABLE})
    return config.replace(stages=rest), table


_BUILD: list[str] = []


def build_version() -> str:
    """ocrmend's version and a digest of its own code and data (``0.1.0+1a2b3c4d5e6f``): an
    edited or upgraded install within one release still counts as another version, so the
    manifest never keeps outputs an older build wrote. Computed once per process."""
    if not _BUILD:
        from . import __version__

        root = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for f in sorted(root.rglob("*")):
            if f.is_file() and f.suffix in (".py", ".txt", ".tsv", ".json", ".css", ".js"):
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
        _BUILD.append(f"{__version__}+{h.hexdigest()[:12]}")
    return _BUILD[0]


def run_key(config: "Config", dictionaries: str, version: str) -> str:
    """The part of every document's key that is the same for the whole run."""
    blob = json.dumps({"config": plain_config(config), "dictionaries": dictionaries, "version": version},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def document_key(input_sha256: str, job: Job, image: bool) -> str:
    parts = [input_sha256, job.run_key] + ([job.tesseract or ""] if image else [])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# -- the plan -----------------------------------------------------------------------------------

def corrected_copy(src: Path, name: str, image: bool, to: str | None) -> tuple[str, str] | None:
    """``(format, file name)`` of the corrected copy ``--to`` asks of ``src``, or None: plain
    text has no words on boxes, and ``same`` means the input's own format (a scan has none).

    >>> corrected_copy(Path("p.alto.xml"), "p.alto", False, "same") is None  # not a real file
    True
    >>> corrected_copy(Path("scan.png"), "scan", True, "page")
    ('page', 'scan.page.xml')
    """
    if not to:
        return None
    from .formats import OUTPUT_SUFFIXES, detect_file

    own = None if image else detect_file(src)
    if own is None and not image:
        return None
    fmt = own if to == "same" else to
    if fmt is None:
        return None
    # keeper.alto.xml is read as "keeper.alto": its ALTO copy is keeper.alto.xml, not keeper.alto.alto.xml
    base = name[: -len(fmt) - 1] if name.endswith("." + fmt) else name
    return fmt, base + OUTPUT_SUFFIXES[fmt]


def plan(inputs: Iterable[tuple[Path, Path]], out_root: Path, to: str | None = None) -> tuple[list[Task], list[Refusal]]:
    """Tasks for ``(input, output folder)`` pairs; an input whose outputs would overwrite the
    input itself or another input's outputs is refused here, before anything is read.
    ``to``: the format of a corrected copy to write beside the outputs (``--to``)."""
    from .ocr.images import is_image_path
    from .outputs import output_paths

    tasks: list[Task] = []
    refused: list[Refusal] = []
    # output path -> the input writing it; strings, and folder names shared, so a plan of
    # 100,000 documents stays a few hundred bytes a document
    seen: dict[str, str] = {}
    root = out_root.resolve()
    for src, dest_dir in inputs:
        if not is_utf8(str(src)):
            refused.append(non_utf8_refusal(src))
            continue
        name = src.stem
        image = is_image_path(src)
        targets = output_paths(dest_dir, name)
        if image:
            targets[".ocr.txt"] = dest_dir / f"{name}.ocr.txt"
        copy = corrected_copy(src, name, image, to)
        if copy is not None:
            targets["copy"] = dest_dir / copy[1]
        src_res = src.resolve()
        dest = dest_dir.resolve()
        resolved = [str(dest / t.name) for t in targets.values()]
        clash = next((t for t, r in zip(targets.values(), resolved) if r == str(src_res)), None)
        other = next((seen[r] for r in resolved if r in seen), None)
        if clash is not None:
            refused.append(Refusal(str(src), f"{src}: the output {clash} would overwrite the input; "
                                             "choose another folder with -o"))
            continue
        if other is not None:
            refused.append(Refusal(str(src), f"{src}: its outputs would overwrite those of {other}; "
                                             "rename one of them"))
            continue
        src_str = str(src)
        seen.update((r, src_str) for r in resolved)
        try:
            rel = (dest / name).relative_to(root).as_posix()
        except ValueError:  # pragma: no cover - outputs always go under the root
            rel = (dest / name).as_posix()
        try:
            size = src_res.stat().st_size
        except OSError:
            size = 0  # unreadable: its worker says why
        tasks.append(Task(len(tasks), src_str, str(src_res), sys.intern(str(dest)), name, rel, image,
                          copy_format=copy[0] if copy else None, copy_name=copy[1] if copy else None,
                          size=size))
    return tasks, refused


def is_utf8(text: str) -> bool:
    """False for a path with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def non_utf8_refusal(src: Path) -> Refusal:
    """An input whose path is not UTF-8: its name goes into UTF-8 outputs (the manifest,
    NAME.json), which cannot hold it."""
    shown = printable(str(src))
    return Refusal(shown, f"{shown}: the file name is not UTF-8; rename it (convmv -f ENCODING -t UTF-8 --notest FILE)")


# -- one document -------------------------------------------------------------------------------

_WORKER_CHECKED: dict[tuple[str, ...], str | None] = {}


def _worker_mismatch(job: Job, config: "Config", image: bool) -> str | None:
    """Why this worker would not write what the client's own run would (another version of
    ocrmend, other word lists, another Tesseract), or None. Checked once per process."""
    key = (job.version, job.dictionaries, json.dumps(job.config, sort_keys=True), str(image and job.tesseract))
    if key not in _WORKER_CHECKED:
        from .lexicon import get_lexicon

        problem = None
        mine = build_version()
        if mine != job.version:
            problem = f"this worker runs ocrmend {mine}, the client {job.version}; install the same version"
        elif get_lexicon(config.dictionaries).version != job.dictionaries:
            problem = (f"this worker ({os.getcwd()}) reads other word lists than the client; start workers in "
                       "the project folder, or name the word lists by absolute path (config 'dictionaries')")
        elif image and job.tesseract:
            from .api import ocr_settings
            from .ocr import check_tesseract

            mine = check_tesseract(ocr_settings(config).lang)
            if mine != job.tesseract:
                problem = f"this worker has Tesseract {mine}, the client {job.tesseract}; install the same version"
        _WORKER_CHECKED[key] = problem
    return _WORKER_CHECKED[key]


def _by_stage(records: list[dict[str, Any]]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(r.get("stage", "?") for r in records).items()))


def _up_to_date(task: Task, key: str) -> bool:
    if task.previous != key:
        return False
    dest = Path(task.dest_dir)
    names = [f"{task.name}{sfx}" for sfx in (".txt", ".json", ".changes.jsonl", ".diff")]
    if task.image:
        names.append(f"{task.name}.ocr.txt")
    if task.copy_name:
        names.append(task.copy_name)
    return all((dest / n).is_file() for n in names)


def write_outputs(result: "Result", dest_dir: Path, name: str, copy: tuple[str, str] | None = None) -> list[Path]:
    """Write one document's outputs, each atomically; the names written. ``copy``: the
    ``(format, file name)`` of a corrected hOCR/ALTO/PAGE copy to write as well (``--to``)."""
    from .outputs import atomic_write, write_result

    written = write_result(result, dest_dir, name)
    if result.raw_file:
        # the text the change log replays from: ocrmend replay NAME.ocr.txt NAME.changes.jsonl
        atomic_write(dest_dir / result.raw_file, result.raw)
        written.append(dest_dir / result.raw_file)
    if copy is not None:
        from .formats import write_as

        written.append(write_as(result, copy[0], dest_dir / copy[1]))
    return written


def _decisions_digest(task: Task) -> str:
    """The hash of the review decisions kept beside the outputs ('' when there are none): part
    of the document's key, so a document reviewed since its last run is cleaned again."""
    from .review.decisions import saved_path

    path = saved_path(Path(task.dest_dir), task.name)
    return file_sha256(path) if path.is_file() else ""


def process_document(task: Task, job: Job) -> Outcome:
    """Clean one document and write its outputs (or, in ``check``/``diff`` mode, only say
    what would change); never raises for a bad input: the outcome carries the one-line error.

    The function the backends run: module-level, its arguments and result small and picklable.
    """
    t0 = time.perf_counter()
    worker = f"{os.uname().nodename}:{os.getpid()}"
    try:
        from . import api

        config = config_from_plain(job.config)
        if task.image and job.tesseract_cmd:
            import pytesseract

            pytesseract.pytesseract.tesseract_cmd = job.tesseract_cmd
        problem = _worker_mismatch(job, config, task.image)
        if problem:
            raise OcrmendError(f"{task.src}: {problem}")
        path = Path(task.path)
        from .errors import reading

        with reading(task.src):
            digest = file_sha256(path)
        reviewed = _decisions_digest(task)
        key = document_key(digest + reviewed, job, task.image)
        if job.mode == "write" and not job.force and _up_to_date(task, key):
            return Outcome(task.index, "skipped", key=key, seconds=time.perf_counter() - t0, worker=worker)
        result = api.clean(path, config, name=task.name, jobs=job.ocr_threads)
        if reviewed:
            from .review.decisions import apply_saved

            # the decisions of `ocrmend apply` survive a re-run: change ids are stable
            result = apply_saved(result, Path(task.dest_dir), task.name)
        diff = None
        files: tuple[str, ...] = ()
        if job.mode == "diff":
            diff = result.diff()
        elif job.mode == "write":
            dest = Path(task.dest_dir)
            copy = (task.copy_format, task.copy_name) if task.copy_format and task.copy_name else None
            files = tuple(p.name for p in write_outputs(result, dest, task.name, copy))
        return Outcome(task.index, "done", key=key, changed=result.changed, changes=_by_stage(result.changes),
                       flags=_by_stage(result.flags), pages=result.pages if task.image else 0,
                       encoding=result.encoding, files=files, diff=diff, seconds=time.perf_counter() - t0,
                       worker=worker)
    except MissingDependency as exc:  # no input of this kind can be read: the batch stops
        return Outcome(task.index, "failed", error=str(exc), fatal=exc.exit_code, worker=worker)
    except OcrmendError as exc:
        return Outcome(task.index, "failed", error=_naming_input(str(exc), task), seconds=time.perf_counter() - t0,
                       worker=worker)
    except Exception as exc:  # a bug: say so, keep the batch going
        return Outcome(task.index, "failed", error=f"{task.src}: internal error ({type(exc).__name__}: {exc}); "
                       "please report it with this input", seconds=time.perf_counter() - t0, worker=worker)


def _naming_input(error: str, task: Task) -> str:
    """A document's error as it opens: with the input as the user named it. The worker read
    the absolute path; a reader of hOCR, ALTO or PAGE names the document (``scan`` of
    ``in/scan.alto.xml``); an output that cannot be written names the output.

    >>> t = Task(0, "in/p.alto.xml", "/w/in/p.alto.xml", "/w/out", "p.alto", "p.alto")
    >>> _naming_input("p: not well-formed XML (...)", t)
    'in/p.alto.xml: not well-formed XML (...)'
    >>> _naming_input("/w/out/p.alto.txt: cannot write (No space left on device)", t)
    'in/p.alto.xml: /w/out/p.alto.txt: cannot write (No space left on device)'
    """
    error = error.replace(task.path, task.src)
    if error.startswith(task.src):
        return error
    head, sep, rest = error.partition(": ")
    if sep and head in (task.name, task.name.rsplit(".", 1)[0]):
        return f"{task.src}: {rest}"
    return f"{task.src}: {error}"


# -- backends -------------------------------------------------------------------------------------

def run_inline(tasks: list[Task], job: Job) -> Running:
    """Every document in this process, one after the other (``-j 1``), in the groups a pool
    would have (``chunks``), so their outputs reach the disk together."""
    return Running(outcome for group in chunks(tasks, 1) for outcome in process_documents(group, job))


def _worker_init(scratch: str) -> None:
    import signal
    import tempfile

    # Ctrl-C goes to the whole process group: the parent stops the batch, and a worker must
    # not die between writing an output's temporary file and removing it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the page images and Tesseract's files go in the run's own scratch folder, which the
    # parent removes however the run ends (a worker stopped mid-page cannot clean up)
    tempfile.tempdir = scratch


class Running:
    """The outcomes of a backend at work, and how to stop it at once (``close``)."""

    def __init__(self, outcomes: Iterator[Outcome], stop: Callable[[], None] = lambda: None) -> None:
        self.outcomes = outcomes
        self._stop: Callable[[], None] | None = stop

    def __iter__(self) -> Iterator[Outcome]:
        return self.outcomes

    def close(self) -> None:
        close = getattr(self.outcomes, "close", None)
        if close is not None:
            close()
        if self._stop is not None:
            stop, self._stop = self._stop, None
            stop()


def run_pool(tasks: list[Task], job: Job, workers: int) -> Running:
    """The documents in a pool of ``workers`` processes, in groups (``chunks``), at most
    ``in_flight(workers)`` groups at a time: a worker always has its next group queued, and
    this process sends and receives one pickle per group, not one per document.

    Workers are forked from this process (before any progress bar starts a thread), so they
    start with the lexicon and the stages it has loaded already; they ignore SIGINT and keep
    their scratch files in a folder of the run's (see ``_worker_init``)."""
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    import shutil
    import tempfile

    ctx = multiprocessing.get_context("fork")
    scratch = tempfile.mkdtemp(prefix="ocrmend-run-")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(scratch,))
    todo = chunks(tasks, workers)
    running: dict[Future, tuple[Task, ...]] = {}
    for group in islice(todo, in_flight(workers)):
        running[pool.submit(process_documents, group, job)] = group
    pool_procs = list(getattr(pool, "_processes", {}).values())

    def stop() -> None:
        for fut in running:
            fut.cancel()
        _stop_pool(pool, pool_procs)
        shutil.rmtree(scratch, ignore_errors=True)

    return Running(_pool_outcomes(pool, todo, running, job), stop)


def _pool_outcomes(pool: Any, todo: Iterator[tuple[Task, ...]], running: dict[Any, tuple[Task, ...]],
                   job: Job) -> Iterator[Outcome]:
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in done:
            group = running.pop(fut)
            try:
                outcomes = fut.result()
            except BrokenProcessPool:
                raise OcrmendError(f"{group[0].src}: a worker process died (out of memory?); run again to "
                                   "resume") from None
            # the next group first: the worker that sent these must not wait for our bookkeeping
            nxt = next(todo, None)
            if nxt is not None:
                running[pool.submit(process_documents, nxt, job)] = nxt
            yield from outcomes


def _stop_pool(pool: Any, procs: list[Any]) -> None:
    """Shut a pool down without waiting for documents still being cleaned: they are not in
    the manifest, so the next run does them again; their temporary files are swept then."""
    procs = procs + [p for p in getattr(pool, "_processes", {}).values() if p not in procs]
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


def run_dask(tasks: list[Task], job: Job, address: str) -> Running:
    """The documents on the ``dask.distributed`` cluster whose scheduler is at ``address``,
    twice as many in flight as the cluster has worker threads. Workers need ocrmend installed
    and the input and output folders at the same paths as here."""
    try:
        from distributed import Client
    except ImportError:
        raise MissingDependency("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise OcrmendError(f"cannot reach the Dask scheduler at {address} ({exc}); start one (see docs/batch.md) "
                           "or check the address", exit_code=EXIT_USAGE) from None
    return Running(_dask_outcomes(client, tasks, job), client.close)


def process_documents(tasks: tuple[Task, ...], job: Job) -> list[Outcome]:
    """``process_document`` for a group of documents, the unit every backend runs: for a pool
    or a cluster one round trip for the group, and on disk one flush for all the group's
    files and one for each of their folders (``outputs.Pending``), instead of one per file.

    Returns only when every output it reports is on disk, renames included: the caller may
    record the documents as finished at once. A document whose outputs cannot be put in place
    fails alone; a run stopped half-way leaves no temporary file of this process behind."""
    from .outputs import Pending

    pending = Pending()
    outcomes: list[Outcome] = []
    tasks_by = {task.index: task for task in tasks}
    try:
        for task in tasks:
            with pending.collecting(task.index):
                outcome = process_document(task, job)
            if outcome.status != "done":
                pending.discard(task.index)
            outcomes.append(outcome)
        lost = pending.commit()
    finally:
        pending.discard_all()  # stopped half-way (Ctrl-C with -j 1): no temporary file left
    if not lost:
        return outcomes
    return [Outcome(o.index, "failed", error=_naming_input(lost[o.index], tasks_by[o.index]), seconds=o.seconds,
                    worker=o.worker) if o.index in lost else o for o in outcomes]


#: input bytes at which a group of documents closes: about a quarter of a second of cleaning,
#: so chapter-sized files go one or two together and page-sized files a few dozen
GROUP_BYTES = 256_000


def chunks(tasks: list[Task], threads: int, most: int = 32, budget: int = GROUP_BYTES) -> Iterator[tuple[Task, ...]]:
    """The tasks in groups: text documents together, enough groups to keep every thread busy
    to the end (8 a thread at least), at most ``most`` documents or ``budget`` input bytes a
    group; a page image goes alone (it takes seconds, so neither the round trip nor the flush
    to disk counts, and its group would hold up the others' progress).

    >>> from pipeline.batch import Task
    >>> ts = [Task(i, f"{i}.txt", f"/{i}.txt", "/o", str(i), str(i), size=3000) for i in range(100)]
    >>> [len(c) for c in chunks(ts, threads=2)]
    [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4]
    >>> len(list(chunks(ts[:5] + [Task(5, "p.png", "/p.png", "/o", "p", "p", image=True)], threads=2)))
    6
    >>> sorted({len(c) for c in chunks(ts, threads=2, budget=9_000)})  # three files of 3,000 bytes fill one
    [1, 3]
    """
    size = max(1, min(most, len(tasks) // max(1, 8 * threads)))
    group: list[Task] = []
    held = 0
    for task in tasks:
        if task.image:
            yield (task,)
            continue
        group.append(task)
        held += task.size
        if len(group) >= size or held >= budget:
            yield tuple(group)
            group, held = [], 0
    if group:
        yield tuple(group)


def in_flight(threads: int) -> int:
    """Groups sent out at a time for this many worker threads: two each, so none waits for
    the next while this process reads a result, and no more, so memory stays flat."""
    return max(4, 2 * threads)


def _dask_outcomes(client: Any, tasks: list[Task], job: Job) -> Iterator[Outcome]:
    from distributed import as_completed

    threads = sum(client.nthreads().values())
    if not threads:
        client.wait_for_workers(1, timeout=120)
        threads = sum(client.nthreads().values())
    todo = chunks(tasks, threads)
    running: dict[str, tuple[Task, ...]] = {}
    run_id = f"{os.getpid()}-{time.time_ns()}"

    def submit(group: tuple[Task, ...]) -> Any:
        fut = client.submit(process_documents, group, job, pure=False, key=f"ocrmend-{run_id}-{group[0].index}")
        running[fut.key] = group
        return fut

    first = [submit(group) for group in islice(todo, in_flight(threads))]
    if not first:
        return
    queue = as_completed(first, loop=client.loop)
    for fut in queue:
        group = running.pop(fut.key)
        try:
            outcomes = fut.result()
        except Exception as exc:  # the worker died or the cluster went away: these documents only
            outcomes = [Outcome(task.index, "failed", error=f"{task.src}: lost on the Dask cluster "
                                f"({type(exc).__name__}: {exc}); run again to resume") for task in group]
        fut.release()
        yield from outcomes
        nxt = next(todo, None)
        if nxt is not None:
            queue.add(submit(nxt))


# -- the manifest ---------------------------------------------------------------------------------

class Manifest:
    """``.ocrmend-manifest.jsonl``: one JSON line per finished document, keyed by its outputs'
    place under the output folder (``sub/NAME``); the last line of a key wins.

    A line never reaches the disk before its document's outputs: a document is recorded only
    once ``process_documents`` has returned its outcome, which it does only after the
    document's files and the folders they were renamed into are flushed to disk (so the
    renames are on disk, even if the power goes). Lines are written in batches, half a
    second apart, one write and one flush each. A line cut short by a kill is ignored; a
    document whose line was not written yet is simply done again.
    At the end of a run the file is rewritten sorted, one line per document, so it does not
    grow with re-runs and two runs over the same inputs leave the same file.
    """

    #: seconds between two batches of lines
    interval = 0.5

    def __init__(self, root: Path) -> None:
        self.path = root / MANIFEST
        #: out_key -> (key, the line as written): a string a document keeps memory small
        self.entries: dict[str, tuple[str | None, str]] = {}
        self._fh: Any = None
        self._dirty = False
        self._pending: list[str] = []
        self._last_flush = time.monotonic()
        #: why the manifest could not be written (a full disk): from then on it is not written
        self.error: str | None = None
        try:
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                        self.entries[entry["output"]] = (entry.get("key"), line.rstrip("\n"))
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue  # cut short by a kill, or not ours
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError):
            self.entries = {}  # unreadable: everything is done again, and the file rewritten

    def previous(self, out_key: str) -> str | None:
        entry = self.entries.get(out_key)
        return entry[0] if entry else None

    def record(self, task: Task, outcome: Outcome) -> None:
        """Note a finished document; its line is written with the next batch."""
        line = json.dumps({"output": task.out_key, "input": task.src, "key": outcome.key,
                           "files": list(outcome.files)}, ensure_ascii=False)
        self.entries[task.out_key] = (outcome.key, line)
        self._dirty = True
        self._pending.append(line)
        if time.monotonic() - self._last_flush >= self.interval:
            self.flush()

    def flush(self) -> None:
        """Write the pending lines and flush them to disk. A manifest that cannot be written
        does not stop the batch (its outputs are whole all the same; the next run does their
        documents again): ``error`` says why, and nothing more is written to it."""
        self._last_flush = time.monotonic()
        if not self._pending or self.error is not None:
            self._pending.clear()
            return
        try:
            if self._fh is None:
                self._fh = open(self.path, "a+", encoding="utf-8")
                self._fh.seek(0, os.SEEK_END)
                if self._fh.tell():
                    self._fh.seek(self._fh.tell() - 1)
                    if self._fh.read(1) != "\n":  # a line cut short by a kill: start a new one
                        self._fh.write("\n")
            self._fh.write("".join(line + "\n" for line in self._pending))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            self._drop_handle()
        finally:
            self._pending.clear()

    def _drop_handle(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                fh.close()
            except OSError:  # what it still buffered cannot reach the disk either
                pass

    def close(self) -> None:
        """Rewrite the manifest compact and sorted (atomically), if anything was recorded."""
        self.flush()
        if self.error is not None:
            self._drop_handle()
            return
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._dirty:
            from .outputs import atomic_write, fsync_folder

            atomic_write(self.path, (self.entries[k][1] + "\n" for k in sorted(self.entries)))
            fsync_folder(self.path.parent)
            self._dirty = False


def sweep_partial_files(folders: Iterable[Path]) -> int:
    """Remove the temporary files a killed writer left in these folders; how many."""
    n = 0
    for d in set(folders):
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            if _PART.match(e.name) and e.is_file(follow_symlinks=False):
                try:
                    os.unlink(e.path)
                    n += 1
                except OSError:
                    pass
    return n


# -- counting and telling -------------------------------------------------------------------------

def _storable(text: str | None) -> str | None:
    """``text`` as a UTF-8 file can hold it (a name that is not UTF-8 escaped, ``\\xNN``)."""
    return text if text is None or is_utf8(text) else printable(text)


@dataclass
class Tally:
    """The counts of a run, for the progress bar and the summary."""

    total: int = 0
    done: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    would_change: int = 0
    pages: int = 0
    changes: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def add(self, outcome: Outcome, task: Task | None = None) -> None:
        if outcome.status == "skipped":
            self.skipped += 1
        elif outcome.status == "failed":
            self.failed += 1
            self.failures.append({"input": _storable(task.src) if task else None,
                                  "error": _storable(outcome.error), "_order": outcome.index})
        else:
            self.done += 1
            self.pages += outcome.pages
            self.unchanged += not outcome.changed
            self.would_change += outcome.changed
            self.changes.update(dict(outcome.changes))
            self.flags.update(dict(outcome.flags))

    def refuse(self, refusal: Refusal) -> None:
        self.failed += 1
        self.failures.append({"input": _storable(refusal.src), "error": _storable(refusal.error), "_order": -1})

    def failure_records(self) -> list[dict[str, Any]]:
        """The failures in input order (refusals first), whatever order the workers finished in."""
        ordered = sorted(self.failures, key=lambda f: f["_order"])
        return [{k: v for k, v in f.items() if k != "_order"} for f in ordered]

    def summary(self, verb: str, ocr_note: str = "") -> list[str]:
        """The summary lines.

        >>> t = Tally(done=3, unchanged=1, skipped=2, changes=Counter(layout=4, encoding=1), flags=Counter(spelling=2))
        >>> print("\\n".join(t.summary("cleaned")))
        cleaned 3 file(s): 5 changes, 2 flags; 1 unchanged; 2 skipped (up to date)
          by stage: encoding 1 change(s); layout 4 change(s); spelling 2 flag(s)
        """
        head = f"{verb} {self.done} file(s): {sum(self.changes.values())} changes, {sum(self.flags.values())} flags"
        parts = [head]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.skipped:
            parts.append(f"{self.skipped} skipped (up to date)")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if ocr_note:
            parts.append(ocr_note)
        lines = ["; ".join(parts)]
        stages = sorted(set(self.changes) | set(self.flags), key=_stage_order)
        if stages:
            bits = []
            for s in stages:
                got = ([f"{self.changes[s]} change(s)"] if self.changes[s] else []) + \
                      ([f"{self.flags[s]} flag(s)"] if self.flags[s] else [])
                bits.append(f"{s} {', '.join(got)}")
            lines.append("  by stage: " + "; ".join(bits))
        return lines


_ORDER = ("ocr", "encoding", "layout", "fragments", "dehyphenate", "reflow", "spelling")


def _stage_order(stage: str) -> tuple[int, str]:
    return (_ORDER.index(stage) if stage in _ORDER else len(_ORDER), stage)


class Progress:
    """A bar on stderr (documents, pages, rate, time left, current file) when stderr is a
    terminal; messages go above it. Nothing of the bar otherwise."""

    def __init__(self, total: int, show: bool) -> None:
        self.bar = None
        self.pages = 0
        if show:
            from tqdm import tqdm

            try:
                sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
            except (OSError, ValueError):
                sized = False
            # a terminal that reports no size (some consoles, a bare pty) gets a fixed width
            self.bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=sized,
                            ncols=None if sized else 100, smoothing=0.1)

    def say(self, line: str) -> None:
        line = printable(line)  # one line, whatever the file names in it
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def step(self, src: str, pages: int) -> None:
        if self.bar is not None:
            self.pages += pages
            self.bar.set_postfix_str(f"{self.pages} pages, {Path(src).name}", refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# -- a whole run --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Options:
    """How a batch runs (not what it does to a text: that is the Config)."""

    out_root: Path
    mode: str = "write"
    jobs: int = 1
    scheduler: str | None = None
    force: bool = False
    quiet: bool = False
    verbose: bool = False
    progress: bool = False
    tesseract_cmd: str | None = None
    #: print a diff (``diff`` mode) to stdout
    emit: Callable[[str], Any] = field(default=sys.stdout.write, repr=False)


def make_job(config: "Config", tasks: list[Task], opts: Options, tesseract: str | None) -> Job:
    from .lexicon import get_lexicon

    dictionaries = get_lexicon(config.dictionaries).version
    version = build_version()
    return Job(config=plain_config(config), run_key=run_key(config, dictionaries, version),
               dictionaries=dictionaries, version=version, mode=opts.mode, force=opts.force,
               tesseract=tesseract, tesseract_cmd=opts.tesseract_cmd)


def _warm_up(config: "Config") -> None:
    """Load the lexicon and the stages' data in this process before the pool forks, so each
    worker starts with them instead of loading its own."""
    from . import api

    try:
        api.clean("Warm-\nup text.\n", config, name="warm-up")
    except Exception:  # pragma: no cover - a broken stage fails each document on its own
        pass


def run(tasks: list[Task], refused: list[Refusal], config: "Config", opts: Options,
        tesseract: str | None = None) -> tuple[Tally, int]:
    """Run a batch and report it on stderr; the tally and the exit code."""
    from dataclasses import replace

    from .errors import EXIT_ALL_FAILED, EXIT_CHANGED, EXIT_OK, EXIT_SOME_FAILED

    t0 = time.perf_counter()
    tally = Tally(total=len(tasks) + len(refused))
    for r in refused:
        tally.refuse(r)
        _say_error(None, r.error)
    writing = opts.mode == "write"
    manifest = Manifest(opts.out_root) if writing else None
    if manifest is not None:
        sweep_partial_files({Path(t.dest_dir) for t in tasks} | {opts.out_root})
        tasks = [replace(t, previous=manifest.previous(t.out_key)) for t in tasks]
    job = make_job(config, tasks, opts, tesseract)
    workers = min(opts.jobs, len(tasks)) if tasks else 1
    backend: Running
    if opts.scheduler:
        backend = run_dask(tasks, job, opts.scheduler)
    elif workers > 1:
        _warm_up(config)
        # fewer documents than workers (a long PDF or two): each one's pages share the rest
        backend = run_pool(tasks, replace(job, ocr_threads=max(1, opts.jobs // workers)), workers)
    else:
        backend = run_inline(tasks, replace(job, ocr_threads=max(1, opts.jobs)))
    ordered: dict[int, str] = {}
    next_diff = 0
    t_pages = t0
    fatal: int | None = None
    interrupted = False
    restore_sigterm: Callable[[], None] = lambda: None
    progress = Progress(0, False)
    try:
        # the pool is forked by now: a signal handler or the bar's thread is not its business
        restore_sigterm = _sigterm_interrupts()
        progress = Progress(len(tasks), opts.progress and len(tasks) > 1)
        for outcome in backend:
            task = tasks[outcome.index]
            if outcome.fatal is not None:
                progress.close()
                _say_error(None, outcome.error or "")
                fatal = outcome.fatal
                break
            tally.add(outcome, task)
            if outcome.status == "failed":
                _say_error(progress, outcome.error or f"{task.src}: failed")
            elif outcome.status == "done":
                if manifest is not None:
                    manifest.record(task, outcome)
                if outcome.pages:
                    t_pages = time.perf_counter()
                if opts.mode == "check" and outcome.changed:
                    progress.say(f"would change: {task.src}")
                if outcome.encoding != "utf-8" and not opts.quiet:
                    progress.say(f"{task.src}: decoded as {outcome.encoding}")
                if opts.verbose:
                    pages = f"{outcome.pages} page(s), " if outcome.pages else ""
                    progress.say(f"{task.src}: {pages}{sum(dict(outcome.changes).values())} changes, "
                                 f"{sum(dict(outcome.flags).values())} flags")
            elif opts.verbose:
                progress.say(f"{task.src}: up to date, skipped")
            if opts.mode == "diff":
                ordered[outcome.index] = outcome.diff or ""
                while next_diff in ordered:
                    opts.emit(ordered.pop(next_diff))
                    next_diff += 1
            progress.step(task.src, outcome.pages)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        backend.close()  # stops the pool or the Dask client at once
        restore_sigterm()
        progress.close()
        if manifest is not None:
            sweep_partial_files({Path(t.dest_dir) for t in tasks})
            _finish_files(manifest, tally, opts.out_root)
    if interrupted:
        print(f"ocrmend: interrupted after {tally.done} file(s); run the same command again to resume",
              file=sys.stderr)
        return tally, EXIT_INTERRUPTED
    if fatal is not None:
        return tally, fatal
    if not opts.quiet:
        verb = "checked" if opts.mode == "check" else "cleaned"
        note = ""
        if tally.pages:
            secs = t_pages - t0
            note = f"{tally.pages} page(s) OCRed, {secs / tally.pages:.2f} s a page with -j {opts.jobs}"
        for line in tally.summary(verb, note):
            print(line, file=sys.stderr)
        if tally.failed and writing and (opts.out_root / FAILURES).is_file():
            print(f"  failures: {opts.out_root / FAILURES}", file=sys.stderr)
    if tally.failed:
        return tally, EXIT_ALL_FAILED if tally.done + tally.skipped == 0 else EXIT_SOME_FAILED
    if opts.mode == "check" and tally.would_change:
        return tally, EXIT_CHANGED
    return tally, EXIT_OK


def _sigterm_interrupts() -> Callable[[], None]:
    """Make SIGTERM (``kill``, a job scheduler's time limit) stop the batch as Ctrl-C does:
    workers stopped, temporary files removed, the manifest closed. Returns the undo."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)

    def undo() -> None:
        signal.signal(signal.SIGTERM, old)

    return undo


def _say_error(progress: Progress | None, message: str) -> None:
    line = f"ocrmend: {printable(message)}"
    if progress is not None:
        progress.say(line)
    else:
        print(line, file=sys.stderr, flush=True)


def _finish_files(manifest: Manifest, tally: Tally, out_root: Path) -> None:
    """Close the manifest and write (or clear) ``failures.jsonl``. Nothing is written into an
    output folder the run did not otherwise create."""
    from .outputs import atomic_write

    try:
        manifest.close()
        if manifest.error is not None:
            _say_error(None, f"{manifest.path}: cannot be written ({manifest.error}); the outputs written are whole, "
                             "but the next run cleans their documents again")
        failures = out_root / FAILURES
        if tally.failures and out_root.is_dir():
            atomic_write(failures, (json.dumps(f, ensure_ascii=False) + "\n" for f in tally.failure_records()))
        elif not tally.failures and failures.is_file():
            failures.unlink()
    except OSError as exc:
        _say_error(None, f"{out_root}: cannot write the manifest or {FAILURES} ({exc.strerror or exc})")
    except OcrmendError as exc:
        _say_error(None, f"{out_root}: cannot write the manifest or {FAILURES} ({exc})")
