"""The ``ocrmend`` command line. stdout carries data; progress and summaries go to stderr."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .errors import (
    EXIT_ALL_FAILED,
    EXIT_CHANGED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    OcrmendError,
)

#: suffixes taken from a folder (a file named on the command line is always taken)
TEXT_SUFFIXES = (".txt", ".md", ".text")


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
    jobs: list[tuple[Path, Path]] = []
    errors: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files = []
            for f in sorted(path.rglob("*")):
                if f.is_dir() and not _readable_dir(f):
                    errors.append(f"{f}: folder cannot be read (permission denied); fix its permissions")
                elif f.is_file() and f.suffix.lower() in TEXT_SUFFIXES and not f.name.startswith("."):
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ocrmend", prog_name="ocrmend")
def main() -> None:
    """ocrmend: restore OCR text and show every change it made.

    \b
    Exit codes: 0 ok, 1 would change (--check) or log does not replay,
    2 usage or config error, 3 missing dependency, 4 some inputs failed,
    5 every input failed, 70 internal error.
    """


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
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="A TOML config file (default: ocrmend.toml or [tool.ocrmend] in pyproject.toml).")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary.")
@click.option("-v", "--verbose", is_flag=True, help="One status line per file on stderr.")
def clean(paths: tuple[str, ...], output: str | None, check: bool, show_diff: bool, keep: tuple[str, ...],
          select: tuple[str, ...], ignore: tuple[str, ...], unsafe_fixes: bool, encoding: str | None,
          config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Clean OCR text files (default: raw/ into cleaned/). '-' reads stdin, writes the clean text to stdout."""
    try:
        config = _build_config(config_path, keep=keep, select=select, ignore=ignore,
                               unsafe_fixes=unsafe_fixes, encoding=encoding)
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
    jobs, errors = _collect(paths, out_dir)
    from .outputs import output_paths, write_result

    for e in errors:
        _err(e)
    failed = len(errors)
    would_change = 0
    n_changes = n_flags = done = 0
    seen_outputs: dict[Path, Path] = {}
    bar = None
    if not quiet and sys.stderr.isatty() and len(jobs) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="doc", file=sys.stderr, dynamic_ncols=True)
    for src, dest_dir in jobs:
        if bar is not None:
            bar.set_postfix_str(src.name, refresh=False)
        try:
            name = src.stem
            targets = output_paths(dest_dir, name)
            src_res = src.resolve()
            for t in targets.values():
                if t.resolve() == src_res:
                    raise OcrmendError(f"{src}: the output {t} would overwrite the input; choose another folder with -o")
            key = targets[".txt"].resolve()
            if key in seen_outputs:
                raise OcrmendError(f"{src}: its outputs would overwrite those of {seen_outputs[key]}; rename one of them")
            seen_outputs[key] = src
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
            if result.encoding not in ("utf-8",) and not quiet:
                click.echo(f"{src}: decoded as {result.encoding}", err=True)
            if verbose:
                click.echo(f"{src}: {len(result.changes)} changes, {len(result.flags)} flags", err=True)
            done += 1
        except OcrmendError as exc:
            failed += 1
            _err(str(exc))
        except Exception as exc:  # a bug: say so, keep the batch going
            failed += 1
            _err(f"{src}: internal error ({type(exc).__name__}: {exc}); please report it with this input")
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if not quiet:
        verb = "checked" if check else "cleaned"
        click.echo(f"{verb} {done} file(s): {n_changes} changes, {n_flags} flags"
                   + (f"; {failed} failed" if failed else ""), err=True)
    if failed:
        sys.exit(EXIT_ALL_FAILED if done == 0 else EXIT_SOME_FAILED)
    if check and would_change:
        sys.exit(EXIT_CHANGED)
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
    """Re-apply a change log to its raw input; print the result to stdout and verify it."""
    from .changelog import parse, replay as do_replay
    from .decoding import decode

    try:
        recs = parse(Path(log).read_text(encoding="utf-8").splitlines(), log)
        header = next((r for r in recs if r.get("kind") == "header"), {})
        enc = header.get("encoding")
        text, _ = decode(Path(raw).read_bytes(), raw, enc if enc and enc != "utf-8" else None)
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
