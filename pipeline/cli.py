"""The ``ocrmend`` command line. stdout carries data; progress and summaries go to stderr."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from .errors import (
    EXIT_ALL_FAILED,
    EXIT_CHANGED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    OcrmendError,
    ReplayError,
    printable,
)
from .batch import SCHEDULER_ENV

#: suffixes taken from a folder (a file named on the command line is always taken), besides
#: the page images and PDFs of ``pipeline.ocr.IMAGE_SUFFIXES``
TEXT_SUFFIXES = (".txt", ".md", ".text")

#: names Tesseract's program instead of ``tesseract`` on PATH (e.g. a build of its own)
TESSERACT_ENV = "OCRMEND_TESSERACT"


def _err(msg: str) -> None:
    # one line whatever the file names in it hold (a newline, bytes that are not UTF-8)
    click.echo(f"ocrmend: {printable(msg)}", err=True)


def _split_opt(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def _build_config(config_path: str | None, **flags: Any) -> Any:
    from .config import from_mapping, load

    base = load(config_path)
    overrides = {k: v for k, v in flags.items() if v not in (None, (), False)}
    for key in ("select", "ignore", "keep", "dictionaries"):
        if key in overrides:
            overrides[key] = _split_opt(overrides[key])
    return from_mapping(overrides, base) if overrides else base


def _collect(paths: tuple[str, ...], out_dir: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(input file, its output folder) pairs, and errors for paths that cannot be used."""
    from .ocr.images import IMAGE_SUFFIXES

    from .formats import FORMAT_SUFFIXES, detect_file

    suffixes = TEXT_SUFFIXES + IMAGE_SUFFIXES + FORMAT_SUFFIXES
    jobs: list[tuple[Path, Path]] = []
    errors: list[str] = []
    out_res = out_dir.resolve()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            # an output folder inside the input folder: its outputs are not inputs of the next run
            here = path.resolve()
            inner = out_res.relative_to(here).parts if out_res != here and out_res.is_relative_to(here) else None
            files = []
            for f in sorted(path.rglob("*")):
                if inner and f.relative_to(path).parts[:len(inner)] == inner:
                    continue
                if f.is_dir() and not _readable_dir(f):
                    errors.append(f"{f}: folder cannot be read (permission denied); fix its permissions")
                elif f.is_file() and f.suffix.lower() in suffixes and not f.name.startswith("."):
                    # an .xml or .html file of a folder is taken when it is hOCR, ALTO or PAGE
                    if f.suffix.lower() in FORMAT_SUFFIXES and detect_file(f) is None:
                        continue
                    files.append(f)
            for f in files:
                jobs.append((f, out_dir / f.parent.relative_to(path)))
        elif path.is_file():
            jobs.append((path, out_dir))
        elif path.exists():
            # reading a pipe or a device would wait for ever, or never end (/dev/zero)
            errors.append(f"{path}: not a regular file (a pipe, socket or device); give files or folders, "
                          "or '-' for standard input")
        else:
            errors.append(f"{path}: no such file or folder")
    return jobs, errors


def _readable_dir(d: Path) -> bool:
    try:
        next(iter(d.iterdir()), None)
        return True
    except OSError:
        return False


class _LazyGroup(click.Group):
    """A group whose heavier commands are imported only when they run, so ``--help`` stays instant."""

    #: command name -> "module:attribute" of a click command
    lazy: dict[str, str] = {
        "review": "pipeline.review.commands:review",
        "apply": "pipeline.review.commands:apply",
        "explain": "pipeline.review.commands:explain",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            import importlib

            module, attr = self.lazy[name].split(":")
            try:
                command = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                return None  # not built in this checkout
            self.add_command(command, name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ocrmend", prog_name="ocrmend")
def main() -> None:
    """ocrmend: restore OCR text and show every change it made.

    \b
    Exit codes: 0 ok, 1 would change (--check) or log does not replay,
    2 usage or config error, 3 missing dependency, 4 some inputs failed,
    5 every input failed, 70 internal error, 130 interrupted.
    """


def _ocr_options(func: Any) -> Any:
    """The options of every command that reads page images."""
    for opt in reversed((
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Documents (clean) or pages (ocr) worked on at a time, one OCR thread each "
                          "(default: the number of CPUs)."),
        click.option("--dpi", type=int, default=None,
                     help="Resolution of an image with no usable resolution tag, and of PDF pages (ocr.dpi, default 300)."),
        click.option("--lang", default=None, help="Tesseract language(s), e.g. eng or eng+deu (ocr.lang, default eng)."),
        click.option("--psm", type=int, default=None, help="Tesseract page segmentation mode (ocr.psm, default 3)."),
    )):
        func = opt(func)
    return func


def _with_ocr_flags(config: Any, dpi: int | None, lang: str | None, psm: int | None) -> Any:
    from .config import from_mapping

    table = {k: v for k, v in (("dpi", dpi), ("lang", lang), ("psm", psm)) if v is not None}
    return from_mapping({"ocr": table}, config) if table else config


def _prepare_ocr(config: Any) -> Any:
    """The OCR settings, and Tesseract checked once, before any image is touched: a bad
    setting exits 2, a missing Tesseract or language exits 3, each with one line."""
    from .api import ocr_settings
    from .ocr import check_tesseract

    try:
        settings = ocr_settings(config)
        cmd = os.environ.get(TESSERACT_ENV)
        if cmd:
            import pytesseract

            pytesseract.pytesseract.tesseract_cmd = cmd
        check_tesseract(settings.lang)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    return settings


def _jobs(jobs: int | None) -> int:
    return jobs or os.cpu_count() or 1


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-o", "--output", "output", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: cleaned/). Outputs mirror the input tree.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any input would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print the unified diffs to stdout.")
@click.option("--keep", multiple=True, help="Keep these block kinds in the text (header,footer,page_number,fragment,caption,footnote,footnote_marker,emphasis).")
@click.option("--select", multiple=True, help="Run only rules whose id starts with these prefixes.")
@click.option("--ignore", multiple=True, help="Do not run rules whose id starts with these prefixes.")
@click.option("--unsafe-fixes", is_flag=True, default=False, help="Also apply edits marked unsafe.")
@click.option("--encoding", default=None, help="Input encoding (default: detected).")
@_ocr_options
@click.option("--to", "to", type=click.Choice(["same", "hocr", "alto", "page"]), default=None,
              help="Also write a corrected hOCR/ALTO/PAGE copy of each OCR input (same: its own format).")
@click.option("--force", is_flag=True, help="Clean every input again, even those the manifest says are up to date.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help=f"Run on the dask.distributed cluster of this scheduler, e.g. tcp://host:8786 "
                   f"(or ${SCHEDULER_ENV}, or [tool.ocrmend.batch] scheduler); see docs/batch.md.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="A TOML config file (default: ocrmend.toml or [tool.ocrmend] in pyproject.toml).")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary.")
@click.option("-v", "--verbose", is_flag=True, help="One status line per file on stderr.")
def clean(paths: tuple[str, ...], output: str | None, check: bool, show_diff: bool, keep: tuple[str, ...],
          select: tuple[str, ...], ignore: tuple[str, ...], unsafe_fixes: bool, encoding: str | None,
          jobs: int | None, dpi: int | None, lang: str | None, psm: int | None, to: str | None, force: bool,
          scheduler: str | None, config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Clean OCR text files and scanned pages (PNG, JPEG, TIFF, PDF; default: raw/ into cleaned/).
    '-' reads text from stdin, writes the clean text to stdout.

    \b
    Documents run in parallel (-j). A manifest in the output folder
    (.ocrmend-manifest.jsonl) makes runs incremental and resumable: an input
    whose bytes, configuration, word lists and ocrmend version are unchanged is
    skipped (--force cleans it again). Inputs that fail are listed in
    failures.jsonl there."""
    from . import batch

    try:
        config = _build_config(config_path, keep=keep, select=select, ignore=ignore,
                               unsafe_fixes=unsafe_fixes, encoding=encoding)
        config = _with_ocr_flags(config, dpi, lang, psm)
        config, batch_settings = batch.split_batch_settings(config)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    if paths == ("-",):
        _clean_stdin(config, check, show_diff)
    if "-" in paths:
        _err("'-' (stdin) cannot be mixed with paths")
        sys.exit(EXIT_USAGE)
    out_dir = Path(output) if output else Path("cleaned")
    inputs, errors = _collect(paths or ("raw",), out_dir)
    tasks, refused = batch.plan(inputs, out_dir, to=to)
    del inputs  # the tasks hold what is needed; a long batch keeps one record a document
    refused = [batch.Refusal(e.split(": ", 1)[0], e) for e in errors] + refused
    tesseract = None
    if any(t.image for t in tasks):
        from .ocr import check_tesseract

        tesseract = check_tesseract(_prepare_ocr(config).lang)  # exits 2 or 3 before any work
    opts = batch.Options(
        out_root=out_dir,
        mode="check" if check else "diff" if show_diff else "write",
        jobs=_jobs(jobs),
        scheduler=scheduler or os.environ.get(SCHEDULER_ENV) or batch_settings.get("scheduler"),
        force=force,
        quiet=quiet,
        verbose=verbose,
        progress=not quiet and sys.stderr.isatty(),
        tesseract_cmd=os.environ.get(TESSERACT_ENV),
    )
    try:
        _, code = batch.run(tasks, refused, config, opts, tesseract)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    sys.exit(code)


def _clean_stdin(config: Any, check: bool, show_diff: bool) -> None:
    """``ocrmend clean -``: text from stdin, the clean text (or its diff) to stdout."""
    from .api import clean as clean_one

    data = sys.stdin.buffer.read(config.max_bytes + 1)
    try:
        if len(data) > config.max_bytes:
            raise OcrmendError(f"stdin: over the limit of {config.max_bytes} bytes (config max_bytes)")
        result = clean_one(data, config, name="stdin")
    except OcrmendError as exc:
        _err(str(exc))
        # the one input failed: the code of a batch whose every input failed
        sys.exit(EXIT_ALL_FAILED if exc.exit_code == EXIT_SOME_FAILED else exc.exit_code)
    if check:
        sys.exit(EXIT_CHANGED if result.changed else EXIT_OK)
    sys.stdout.write(result.diff() if show_diff else result.text)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(), required=True)
@click.option("-o", "--output", "output", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: cleaned/). Outputs mirror the input tree.")
@_ocr_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="A TOML config file (default: ocrmend.toml or [tool.ocrmend] in pyproject.toml).")
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
def ocr(paths: tuple[str, ...], output: str | None, jobs: int | None, dpi: int | None, lang: str | None,
        psm: int | None, config_path: str | None, quiet: bool) -> None:
    """OCR scanned pages only: NAME.ocr.txt (the raw text) and NAME.ocr.json (how each page was
    read, with timings, and under "ocr" its pages, blocks, lines and words with boxes and
    confidences: pipeline.ocr.OcrDocument.from_dict rebuilds it)."""
    import json

    try:
        config = _with_ocr_flags(_build_config(config_path), dpi, lang, psm)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    from .ocr import check_tesseract, ocr_batch
    from .ocr.images import is_image_path
    from .ocr.integration import ocr_summary
    from .outputs import Pending, atomic_write

    out_dir = Path(output) if output else Path("cleaned")
    inputs, errors = _collect(paths, out_dir)
    for e in errors:
        _err(e)
    failed = len(errors)
    from .batch import is_utf8, non_utf8_refusal

    for src, _ in inputs:
        if not is_utf8(str(src)):  # NAME.ocr.json names it, in UTF-8
            _err(non_utf8_refusal(src).error)
            failed += 1
    inputs = [(src, dest) for src, dest in inputs if is_utf8(str(src))]
    images = [(src, dest) for src, dest in inputs if is_image_path(src)]
    for src, _ in inputs:
        if not is_image_path(src):
            if any(Path(p) == src for p in paths):  # named, not found in a folder: say so
                _err(f"{src}: not a page image or PDF; give PNG, JPEG, TIFF or PDF files")
                failed += 1
    done = n_pages = 0
    t0 = time.perf_counter()
    if images:
        settings = _prepare_ocr(config)
        n_jobs = _jobs(jobs)
        version = check_tesseract(settings.lang)
        for (src, dest), (_, doc) in zip(images, ocr_batch([s for s, _ in images], settings, jobs=n_jobs)):
            try:
                if isinstance(doc, Exception):
                    raise doc
                data = {"document": src.stem, "summary": ocr_summary(doc, settings, version, timings=True),
                        "ocr": doc.to_dict()}
                # both files written (and on disk) before either is put in place: a disk that
                # fills up on the second leaves neither, not a text without its word boxes
                pending = Pending()
                try:
                    with pending.collecting(src):
                        atomic_write(dest / f"{src.stem}.ocr.txt", doc.text)
                        atomic_write(dest / f"{src.stem}.ocr.json", json.dumps(data, ensure_ascii=False) + "\n")
                except BaseException:
                    pending.discard_all()
                    raise
                not_in_place = pending.commit()
                if not_in_place:
                    raise OcrmendError(not_in_place[src])
                n_pages += len(doc.pages)
                done += 1
            except OcrmendError as exc:
                failed += 1
                _err(str(exc))
    if not quiet:
        secs = time.perf_counter() - t0
        rate = f", {secs / n_pages:.2f} s a page" if n_pages else ""
        click.echo(f"OCRed {done} file(s), {n_pages} page(s){rate}" + (f"; {failed} failed" if failed else ""), err=True)
    if failed:
        sys.exit(EXIT_ALL_FAILED if done == 0 else EXIT_SOME_FAILED)
    sys.exit(EXIT_OK)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON record a rule.")
def rules(as_json: bool) -> None:
    """List every rule in running order: id, safety and what it does."""
    import json

    from .rules import rule_doc, rule_id
    from .stages import all_rules

    for func in all_rules():
        rid = rule_id(func)
        rec = {"id": rid, "stage": rid.split(".")[0], "safety": func.rule_safety, "doc": rule_doc(func)}
        if as_json:
            click.echo(json.dumps(rec))
        else:
            click.echo(f"{rid:<36} {func.rule_safety:<7} {rec['doc']}")


@main.command()
@click.argument("raw", type=click.Path(dir_okay=False))
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--expect", type=click.Path(dir_okay=False), default=None,
              help="Compare the result with this file (default: NAME.txt beside the log, if there).")
def replay(raw: str, log: str, expect: str | None) -> None:
    """Re-apply a change log to its raw input; print the result to stdout and verify it.

    For a scanned page the raw input is its OCR text, NAME.ocr.txt beside the outputs; given
    the image or PDF itself, replay reads that file instead."""
    from .changelog import parse, replay as do_replay
    from .decoding import decode
    from .ocr.images import is_image_path

    try:
        try:
            recs = parse(Path(log).read_text(encoding="utf-8").splitlines(), log)
        except UnicodeDecodeError as exc:
            raise ReplayError(f"{log}: not UTF-8 (byte {exc.start}), so not a change log ocrmend wrote") from None
        except (TypeError, RecursionError) as exc:  # a header edited by hand ("schema": "2"), nesting without end
            raise ReplayError(f"{log}: not a change log ocrmend wrote ({type(exc).__name__}: {exc})") from None
        header = next((r for r in recs if r.get("kind") == "header"), {})
        enc = header.get("encoding")
        raw_file = header.get("raw_file")
        if enc is not None and not _codec(enc):
            raise ReplayError(f"{log}: its header names the encoding {enc!r}, which is no codec; "
                              "not a change log ocrmend wrote")
        if raw_file is not None and not isinstance(raw_file, str):
            raise ReplayError(f"{log}: its header's raw_file {raw_file!r} is not a file name; "
                              "not a change log ocrmend wrote")
        if raw_file and is_image_path(raw):
            raw = str(Path(log).parent / raw_file)
            if not Path(raw).is_file():
                raise OcrmendError(f"{raw}: not found; the change log of a scanned page replays from its OCR "
                                   f"text ({raw_file}), written beside the log by ocrmend clean",
                                   exit_code=EXIT_USAGE)
        data = Path(raw).read_bytes()
        if raw_file:  # OCR text ocrmend wrote itself: UTF-8, never guessed
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise OcrmendError(f"{raw}: not UTF-8, so not the OCR text ({raw_file}) this log was made from",
                                   exit_code=EXIT_CHANGED) from None
        else:
            text, _ = decode(data, raw, enc if enc and enc != "utf-8" else None)
        try:
            out = do_replay(text, recs)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # records edited by hand: an "at" of floats, an "after" that is a number
            raise ReplayError(f"a change does not have the shape ocrmend writes ({type(exc).__name__}: "
                              f"{exc})") from None
    except ReplayError as exc:
        msg = str(exc)
        # say which log, whatever part of it was wrong
        _err(msg if msg.startswith(log) else f"{log}: {msg}")
        sys.exit(exc.exit_code)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    except OSError as exc:
        _err(f"{exc.filename}: cannot be read ({exc.strerror})")
        sys.exit(EXIT_USAGE)
    sys.stdout.write(out)
    target = Path(expect) if expect else Path(log[: -len(".changes.jsonl")] + ".txt") if log.endswith(".changes.jsonl") else None
    if target is not None and target.is_file():
        if target.read_text(encoding="utf-8") != out:
            _err(f"replay does not give {target}")
            sys.exit(EXIT_CHANGED)
        click.echo(f"verified: replay gives {target} exactly", err=True)


def _codec(name: object) -> bool:
    import codecs

    try:
        # rot13 and zlib are codecs too, but not of text
        return isinstance(name, str) and getattr(codecs.lookup(name), "_is_text_encoding", True)
    except LookupError:
        return False


def run() -> None:
    """The console entry point: no traceback reaches the user."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one line, the internal-error code
        _err(f"internal error ({type(exc).__name__}: {exc}); please report it")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    run()
