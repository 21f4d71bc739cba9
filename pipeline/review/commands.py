"""The ``review``, ``apply`` and ``explain`` commands (loaded lazily by ``pipeline.cli``)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, OcrmendError


def _err(msg: str) -> None:
    click.echo(f"ocrmend: {msg}", err=True)


def _fail(exc: OcrmendError) -> None:
    _err(str(exc))
    sys.exit(exc.exit_code)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False), default="cleaned", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="The page to write (default: FOLDER/review.html).")
@click.option("--raw", "raw_dir", type=click.Path(file_okay=False), default=None,
              help="Where the scanned pages are, for crops of the page image (default: raw/ if there).")
@click.option("--no-images", is_flag=True, help="No page-image crops, even for scanned inputs.")
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
def review(folder: str, output: str | None, raw_dir: str | None, no_images: bool, quiet: bool) -> None:
    """Write one self-contained HTML review page for a cleaned folder: every change and flag,
    filters, keyboard navigation, accept/reject, and an export of the decisions for
    'ocrmend apply'. Opens from disk; needs no network.

    \b
    Exit codes: 0 page written, 2 no cleaned folder, 4 some documents could not be read
    (each named on stderr; the page shows the others), 5 none could."""
    from ..outputs import atomic_write
    from .batch import read_batch
    from .page import page_html, review_data

    root = Path(folder)
    images = None if no_images else Path(raw_dir) if raw_dir else (Path("raw") if Path("raw").is_dir() else None)
    if raw_dir and not Path(raw_dir).is_dir():
        _err(f"{raw_dir}: no such folder (--raw)")
        sys.exit(EXIT_USAGE)
    out = Path(output) if output else root / "review.html"
    bad: list[OcrmendError] = []
    try:
        docs = list(read_batch(root, on_error=lambda exc: (_err(str(exc)), bad.append(exc))))
        if bad and not docs:
            sys.exit(EXIT_ALL_FAILED)  # nothing to show; each document said why
        data = review_data(docs, images, title=str(root))
        atomic_write(out, page_html(data))
    except OcrmendError as exc:
        _fail(exc)
    if not quiet:
        n_c = sum(len(d.changes) for d in docs)
        n_f = sum(len(d.flags) for d in docs)
        click.echo(f"wrote {out}: {len(docs)} document(s), {n_c} changes, {n_f} flags", err=True)
    click.echo(str(out))
    if bad:
        sys.exit(EXIT_SOME_FAILED)  # the page shows the others


@click.command("apply")
@click.argument("decisions", type=click.Path(dir_okay=False))
@click.option("--to", "folder", type=click.Path(file_okay=False), default="cleaned",
              help="The cleaned folder the decisions are for (default: cleaned/).")
@click.option("-q", "--quiet", is_flag=True, help="No per-document summary.")
def apply_cmd(decisions: str, folder: str, quiet: bool) -> None:
    """Apply review decisions (exported from the review page) to a cleaned folder: rejected
    changes are undone, picked suggestions applied, NAME.txt/.json/.changes.jsonl/.diff
    rewritten, and the decisions kept as NAME.decisions.json so a re-run of 'ocrmend clean'
    applies them again.

    \b
    Exit codes: 0 every decision applied (or applied before), 2 bad decisions file or folder,
    4 some decisions could not be applied (named on stderr) or some documents failed,
    5 no document could be done."""
    from .apply import AlreadyApplied, apply_document
    from .decisions import read_decisions

    try:
        dec = read_decisions(Path(decisions))
    except OcrmendError as exc:
        _fail(exc)
    root = Path(folder)
    if not root.is_dir():
        _err(f"{root}: no such folder; give the output folder of ocrmend clean with --to")
        sys.exit(EXIT_USAGE)
    done = failed = unapplied = 0
    for key in sorted(dec.by_doc):
        try:
            outcome = apply_document(root, key, dec)
        except AlreadyApplied as exc:
            done += 1
            _err(str(exc))
            continue
        except OcrmendError as exc:
            failed += 1
            _err(str(exc))
            continue
        done += 1
        unapplied += len(outcome.problems)
        for p in outcome.problems:
            _err(f"{key}: {p}")
        if not quiet:
            dropped = "".join(f"\n  dropped {d['id']}: it changed text written by undone change {d['because']}"
                              for d in outcome.dropped)
            click.echo(f"{key}: {len(outcome.undone)} undone, {len(outcome.dropped)} dropped with them, "
                       f"{len(outcome.picked)} suggestion(s) picked; replay verified{dropped}", err=True)
    if failed:
        sys.exit(EXIT_ALL_FAILED if done == 0 else EXIT_SOME_FAILED)
    # the outputs hold every decision that could be applied; the exit says some could not
    sys.exit(EXIT_SOME_FAILED if unapplied else EXIT_OK)


apply = apply_cmd


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--rule", "rules", multiple=True,
              help="Only changes and flags of rules whose id starts with this (repeat or comma-separate).")
@click.option("--color/--no-color", default=None, help="Colour the output (default: when stdout is a terminal).")
def explain(file: str, rules: tuple[str, ...], color: bool | None) -> None:
    """Print every change and flag of one document with context and reason. FILE is one of
    its outputs (NAME.changes.jsonl, NAME.txt, NAME.json) or an input, cleaned in memory."""
    from .explain import explain_lines

    prefixes = tuple(p.strip() for r in rules for p in r.split(",") if p.strip())
    try:
        name, raw, changes, flags = _explain_source(Path(file))
    except OcrmendError as exc:
        _err(str(exc))
        # its one document failed: the code of a batch whose every input failed, as clean says
        sys.exit(EXIT_ALL_FAILED if exc.exit_code == EXIT_SOME_FAILED else exc.exit_code)
    for line in explain_lines(name, raw, changes, flags, prefixes, style=click.style):
        click.echo(line, color=color)


def _explain_source(path: Path) -> tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]:
    """The document behind ``path``: the outputs it belongs to, or the input cleaned now."""
    from .batch import LOG_SUFFIX, read_document

    name = path.name
    for sfx in (LOG_SUFFIX, ".ocr.txt", ".decisions.json", ".json", ".txt", ".diff"):
        if name.endswith(sfx):
            log = path.parent / (name[: -len(sfx)] + LOG_SUFFIX)
            if log.is_file():
                doc = read_document(log)
                return doc.key, doc.raw, doc.changes, doc.flags
            break
    if not path.is_file():
        raise OcrmendError(f"{path}: no such file", exit_code=EXIT_USAGE)
    from ..api import clean
    from ..cli import _build_config

    result = clean(path, _build_config(None))
    return result.name, result.raw, result.changes, result.flags
