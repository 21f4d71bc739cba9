"""``python -m pipeline.formats FILE... --to FMT [-o DIR]``: clean hOCR/ALTO/PAGE files (or page
images) and write each corrected copy in ``FMT`` (``hocr``, ``alto``, ``page``, ``same``).

A small stand-alone door to the writers, until ``ocrmend clean --to`` takes over: it prints
each file written on stdout, one line per failed input on stderr, and exits 0, 4 (some inputs
failed) or 5 (all failed), as ``ocrmend clean`` does.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, OcrmendError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.formats", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--to", required=True, choices=("hocr", "alto", "page", "same"))
    ap.add_argument("-o", "--output", type=Path, default=Path("cleaned"))
    ap.add_argument("--config", type=Path, help="an ocrmend.toml or pyproject.toml ([tool.ocrmend])")
    args = ap.parse_args(argv)
    from .. import api
    from ..config import load
    from . import output_name, target_format, write_as

    try:
        config = load(args.config) if args.config else load(None, start=Path.cwd())
    except OcrmendError as exc:
        print(f"ocrmend: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = 0
    for path in args.files:
        try:
            result = api.clean(path, config)
            out = args.output / output_name(result.name, target_format(result, args.to))
            write_as(result, args.to, out)
        except OcrmendError as exc:
            failed += 1
            print(f"ocrmend: {exc}", file=sys.stderr)
            continue
        print(out)
    if failed:
        return EXIT_ALL_FAILED if failed == len(args.files) else EXIT_SOME_FAILED
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
