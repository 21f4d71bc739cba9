"""Format benchmark (not a test): what reading hOCR/ALTO/PAGE and writing the corrected copy
add to the text stages' time on the same pages; and the samples in raw/formats/.

    python bench/formats.py                   # 3 rendered pages, 20 rounds
    python bench/formats.py --pages 5 --rounds 50
    python bench/formats.py --make-samples    # (re)write raw/formats/ from rendered pages

Pages are rendered as the format tests render them (tests/test_formats_pages.py: PIL and a
Debian font) and read by real Tesseract into hOCR, ALTO and TSV, with PAGE 2019 built from the
TSV (Tesseract 5.3 has no PAGE renderer). For each file, medians over the rounds, in ms a page:

* text:  ``clean(raw)``: the text stages on the file's raw text (the same words as plain text);
* read:  ``pipeline.formats.read``: safe parse, walk, page geometry, the word model;
* xml:   the XML part of reading alone (safe parse and walk; the rest, geometry and the word
         model, is what a scan's OCR goes through too);
* clean: ``clean(file)``: the text stages on the model (geometry rule, word spans, boxes);
* write: ``render(result, "same")``: re-parse, put the words back, record the processing.

The goal (issue 8) is read + write at most 20 % of the text stages' time (``added``);
``xml added`` is the XML work alone (xml + write) against the stages on the model (``clean``).
Timings on a busy machine are noisy; the JSON report goes to bench/out/formats.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

#: sample pages: (file stem, page number printed at the foot, body lines)
SAMPLE_BODIES = {
    "keeper-103": None,  # the default body (with "illu-" / "sions")
    "keeper-104": [
        "The log for that winter runs to forty pages. Most",
        "entries are short: the wind, the state of the sea,",
        "a ship seen far out and never named. Now and then",
        "the keeper wrote at greater length, as on the night",
        "of the great storm, when the lamp glass cracked and",
        "he stood by the light until morning with a spare pane",
        "in his hands. He wrote that he was never so tired in",
        "his life, and never so glad to see the grey dawn.",
    ],
}


def render_files(folder: Path, pages: int) -> list[object]:
    import test_formats_pages as T

    out = []
    stems = list(SAMPLE_BODIES)
    for k in range(pages):
        stem = stems[k % len(stems)] + (f"-{k}" if k >= len(stems) else "")
        body = SAMPLE_BODIES.get(stems[k % len(stems)]) or T.BODY
        T.PAGE_NUMBER = str(103 + k)
        png = T.render_book_page(folder / f"{stem}.png", body=body)
        out.append(T.tesseract_files(png, folder, stem))
    return out


def timed(func, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def measure(files: list[object], rounds: int) -> dict[str, dict[str, float]]:
    from pipeline import clean
    from pipeline.formats import _parse, read, render

    clean("warm the lexicon up")
    report: dict[str, dict[str, float]] = {}
    for fmt in ("hocr", "alto", "page"):
        sums = {"text": 0.0, "read": 0.0, "xml": 0.0, "clean": 0.0, "write": 0.0}
        for f in files:
            path = getattr(f, fmt)
            of = read(path)
            raw = of.ocr.text
            result = clean(of)
            sums["text"] += timed(lambda: clean(raw), rounds)
            sums["read"] += timed(lambda: read(path), rounds)
            data = path.read_bytes()
            sums["xml"] += timed(lambda: _parse(data, fmt, "x", len(data), build=False), rounds)
            sums["clean"] += timed(lambda: clean(of), rounds)
            sums["write"] += timed(lambda: render(result, "same"), rounds)
        per_page = {k: v / len(files) for k, v in sums.items()}
        per_page["added_pct"] = 100 * (per_page["read"] + per_page["write"]) / per_page["text"]
        per_page["xml_added_pct"] = 100 * (per_page["xml"] + per_page["write"]) / per_page["clean"]
        report[fmt] = per_page
    return report


def make_samples() -> None:
    dest = REPO / "raw" / "formats"
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for f in render_files(Path(tmp), len(SAMPLE_BODIES)):
            stem = f.image.stem
            (dest / f"{stem}.hocr").write_bytes(f.hocr.read_bytes())
            (dest / f"{stem}.alto.xml").write_bytes(f.alto.read_bytes())
            (dest / f"{stem}.page.xml").write_bytes(f.page.read_bytes())
            print(f"wrote {dest}/{stem}.hocr, .alto.xml, .page.xml", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--make-samples", action="store_true", help="write raw/formats/ and stop")
    args = ap.parse_args(argv)
    if args.make_samples:
        make_samples()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        files = render_files(Path(tmp), args.pages)
        report = measure(files, args.rounds)
    print(f"{'format':6} {'text ms':>8} {'read ms':>8} {'xml ms':>7} {'clean ms':>9} {'write ms':>9} {'added':>7} "
          f"{'xml added':>10}")
    for fmt, r in report.items():
        print(f"{fmt:6} {r['text']:8.2f} {r['read']:8.2f} {r['xml']:7.2f} {r['clean']:9.2f} {r['write']:9.2f} "
              f"{r['added_pct']:6.0f}% {r['xml_added_pct']:9.0f}%")
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / "formats.json").write_text(json.dumps({"pages": args.pages, "rounds": args.rounds,
                                                            "ms_per_page": report}, indent=1) + "\n")
    return 0 if all(r["added_pct"] <= 20 for r in report.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
