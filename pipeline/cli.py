"""The ``ocrmend`` command line. stdout carries data; progress and summaries go to stderr."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import click

from .errors import (
    EXIT_ALL_FAILED,
    EXIT_CHANGED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    MissingDependency,
    OcrmendError,
)

#: suffixes taken from a folder (a file named on the command line is always taken), besides
#: the page images and PDFs of ``pipeline.ocr.IMAGE_SUFFIXES``
TEXT_SUFFIXES = (".txt", ".md", ".text")

#: names Tesseract's program instead of ``tesseract`` on PATH (e.g. a build of its own)
TESSERACT_ENV = "OCRMEND_TESSERACT"


def _err(msg: str) -> None:
    click.echo(f"ocrmend: {msg}", err=True)


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

    suffixes = TEXT_SUFFIXES + IMAGE_SUFFIXES
    jobs: list[tuple[Path, Path]] = []
    errors: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files = []
            for f in sorted(path.rglob("*")):
                if f.is_dir() and not _readable_dir(f):
                    errors.append(f"{f}: folder cannot be read (permission denied); fix its permissions")
                elif f.is_file() and f.suffix.lower() in suffixes and not f.name.startswith("."):
                    files.append(f)
            for f in files:
                jobs.append((f, out_dir / f.parent.relative_to(path)))
        elif path.exists():
            jobs.append((path, out_dir))
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
    5 every input failed, 70 internal error.
    """


def _ocr_options(func: Any) -> Any:
    """The options of every command that reads page images."""
    for opt in reversed((
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Pages OCRed at a time, across all image inputs (default: the number of CPUs)."),
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
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="A TOML config file (default: ocrmend.toml or [tool.ocrmend] in pyproject.toml).")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary.")
@click.option("-v", "--verbose", is_flag=True, help="One status line per file on stderr.")
def clean(paths: tuple[str, ...], output: str | None, check: bool, show_diff: bool, keep: tuple[str, ...],
          select: tuple[str, ...], ignore: tuple[str, ...], unsafe_fixes: bool, encoding: str | None,
          jobs: int | None, dpi: int | None, lang: str | None, psm: int | None,
          config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Clean OCR text files and scanned pages (PNG, JPEG, TIFF, PDF; default: raw/ into cleaned/).
    '-' reads text from stdin, writes the clean text to stdout."""
    try:
        config = _build_config(config_path, keep=keep, select=select, ignore=ignore,
                               unsafe_fixes=unsafe_fixes, encoding=encoding)
        config = _with_ocr_flags(config, dpi, lang, psm)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    from .api import clean as clean_one

    if paths == ("-",):
        data = sys.stdin.buffer.read()
        try:
            result = clean_one(data, config, name="stdin")
        except OcrmendError as exc:
            _err(str(exc))
            sys.exit(exc.exit_code)
        if check:
            sys.exit(EXIT_CHANGED if result.changed else EXIT_OK)
        sys.stdout.write(result.diff() if show_diff else result.text)
        sys.exit(EXIT_OK)
    if "-" in paths:
        _err("'-' (stdin) cannot be mixed with paths")
        sys.exit(EXIT_USAGE)
    if not paths:
        paths = ("raw",)
    out_dir = Path(output) if output else Path("cleaned")
    inputs, errors = _collect(paths, out_dir)
    from .ocr.images import is_image_path
    from .outputs import atomic_write, output_paths, write_result

    for e in errors:
        _err(e)
    failed = len(errors)

    # Each input's outputs are settled before any work, so an image whose outputs would clash
    # is refused before it is OCRed.
    plan: list[tuple[Path, Path, str, OcrmendError | None]] = []
    seen_outputs: dict[Path, Path] = {}
    for src, dest_dir in inputs:
        name = src.stem
        problem: OcrmendError | None = None
        targets = output_paths(dest_dir, name)
        if is_image_path(src):
            targets[".ocr.txt"] = dest_dir / f"{name}.ocr.txt"
        src_res = src.resolve()
        resolved = [t.resolve() for t in targets.values()]
        clash = next((t for t, r in zip(targets.values(), resolved) if r == src_res), None)
        other = next((seen_outputs[r] for r in resolved if r in seen_outputs), None)
        if clash is not None:
            problem = OcrmendError(f"{src}: the output {clash} would overwrite the input; choose another folder with -o")
        elif other is not None:
            problem = OcrmendError(f"{src}: its outputs would overwrite those of {other}; rename one of them")
        else:
            seen_outputs.update((r, src) for r in resolved)
        plan.append((src, dest_dir, name, problem))
    images = [src for src, _, _, problem in plan if problem is None and is_image_path(src)]
    settings = _prepare_ocr(config) if images else None
    n_jobs = _jobs(jobs)
    # one batch for every image: pages of the next files are OCRed while this one is cleaned
    ocred: Iterator[Any] = iter(())
    if images:
        from .ocr import ocr_batch

        ocred = ocr_batch(images, settings, jobs=n_jobs)

    would_change = 0
    n_changes = n_flags = done = n_pages = 0
    t_ocr = t_images = time.perf_counter()
    bar = None
    if not quiet and sys.stderr.isatty() and len(plan) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(plan), unit="doc", file=sys.stderr, dynamic_ncols=True)
    for src, dest_dir, name, problem in plan:
        if bar is not None:
            bar.set_postfix_str(src.name, refresh=False)
        try:
            if problem is not None:
                raise problem
            if is_image_path(src):
                from .api import clean_ocr

                got, ocr = next(ocred)
                assert got == src, (got, src)  # the batch yields in input order
                if isinstance(ocr, Exception):
                    raise ocr
                n_pages += len(ocr.pages)
                result = clean_ocr(ocr, config, settings=settings, name=name)
            else:
                result = clean_one(src, config, name=name)
            n_changes += len(result.changes)
            n_flags += len(result.flags)
            if check:
                if result.changed:
                    would_change += 1
                    click.echo(f"would change: {src}", err=True)
            elif show_diff:
                sys.stdout.write(result.diff())
            else:
                write_result(result, dest_dir, name)
                if result.raw_file:
                    # the text the change log replays from: ocrmend replay NAME.ocr.txt NAME.changes.jsonl
                    atomic_write(dest_dir / result.raw_file, result.raw)
            if result.encoding not in ("utf-8",) and not quiet:
                click.echo(f"{src}: decoded as {result.encoding}", err=True)
            if verbose:
                pages = f"{result.pages} page(s), " if result.ocr is not None else ""
                click.echo(f"{src}: {pages}{len(result.changes)} changes, {len(result.flags)} flags", err=True)
            done += 1
        except MissingDependency as exc:  # no page can be read: stop here
            if bar is not None:
                bar.close()
            _err(str(exc))
            sys.exit(exc.exit_code)
        except OcrmendError as exc:
            failed += 1
            _err(str(exc))
        except Exception as exc:  # a bug: say so, keep the batch going
            failed += 1
            _err(f"{src}: internal error ({type(exc).__name__}: {exc}); please report it with this input")
        if is_image_path(src):
            t_images = time.perf_counter()
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if not quiet:
        verb = "checked" if check else "cleaned"
        ocr_note = ""
        if n_pages:
            secs = t_images - t_ocr
            ocr_note = f"; {n_pages} page(s) OCRed, {secs / n_pages:.2f} s a page with -j {n_jobs}"
        click.echo(f"{verb} {done} file(s): {n_changes} changes, {n_flags} flags"
                   + (f"; {failed} failed" if failed else "") + ocr_note, err=True)
    if failed:
        sys.exit(EXIT_ALL_FAILED if done == 0 else EXIT_SOME_FAILED)
    if check and would_change:
        sys.exit(EXIT_CHANGED)
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
    from .outputs import atomic_write

    out_dir = Path(output) if output else Path("cleaned")
    inputs, errors = _collect(paths, out_dir)
    for e in errors:
        _err(e)
    failed = len(errors)
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
                atomic_write(dest / f"{src.stem}.ocr.txt", doc.text)
                atomic_write(dest / f"{src.stem}.ocr.json", json.dumps(data, ensure_ascii=False) + "\n")
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
        recs = parse(Path(log).read_text(encoding="utf-8").splitlines(), log)
        header = next((r for r in recs if r.get("kind") == "header"), {})
        enc = header.get("encoding")
        raw_file = header.get("raw_file")
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
        out = do_replay(text, recs)
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


def run() -> None:
    """The console entry point: no traceback reaches the user."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except OcrmendError as exc:
        _err(str(exc))
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one line, the internal-error code
        _err(f"internal error ({type(exc).__name__}: {exc}); please report it")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    run()
