"""OCR benchmark (not a test): ocrmend's OCR against plain Tesseract on the same page images.

    python bench/ocr.py                      # ../shared/benchdata/pages, everything
    python bench/ocr.py --quick              # one timing round, no speed-up runs
    python bench/ocr.py --pages DIR --limit 5
    python bench/ocr.py --chapters           # degraded chapter pages, cleaned, scored by score.py
    python bench/ocr.py --pdf-pages 300      # peak memory on a 300-page PDF

For every page ``NAME.tif`` with ``NAME.gt.txt`` beside it, in one run:

* plain:  ``tesseract NAME.tif out --dpi 300`` (its text file), one Tesseract thread;
* ocr:    the raw text of ocrmend's ``OcrDocument`` (preprocessing + Tesseract + layout);
* clean:  that text through ``ocrmend clean`` with page furniture kept (``--keep`` every
          removable kind), since the ground truth keeps running heads and page numbers;
* plain+clean: plain Tesseract's text through the same cleaning, to tell the OCR's share of
          the gain from the text stages'.

CER is Levenshtein distance / ground-truth length after Unicode NFC and collapsing every run
of whitespace to one space (as benchdata's README defines it). Times are wall-clock seconds
per page with one page at a time; the speed-up is a batch of all pages with 1 worker against
2 workers (``ocr_batch(jobs=...)``), medians over ``--repeat`` rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ["OMP_THREAD_LIMIT"] = "1"

from rapidfuzz.distance import Levenshtein  # noqa: E402

from pipeline import clean  # noqa: E402
from pipeline.ocr import OcrSettings, ocr_batch, ocr_file  # noqa: E402

KEEP_ALL = "header,footer,page_number,fragment,caption,footnote,footnote_marker,emphasis"


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def cer(gt: str, out: str) -> tuple[int, int]:
    g, o = norm(gt), norm(out)
    return Levenshtein.distance(g, o), max(1, len(g))


def cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children (Tesseract)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def plain_tesseract(image: Path, dpi: int | None, folder: Path) -> tuple[str, float, float]:
    base = folder / image.stem
    t, c = time.perf_counter(), cpu()
    cmd = ["tesseract", str(image), str(base)] + (["--dpi", str(dpi)] if dpi else [])
    subprocess.run(cmd, check=True, capture_output=True)
    return (base.with_suffix(".txt")).read_text(encoding="utf-8"), time.perf_counter() - t, cpu() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default=str(ROOT.parent / "shared" / "benchdata" / "pages"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--repeat", type=int, default=3, help="rounds for the speed-up medians")
    ap.add_argument("--quick", action="store_true", help="no speed-up runs")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--save", default=None, help="write NAME.plain.txt / NAME.ocr.txt / NAME.clean.txt here")
    ap.add_argument("--speed-only", action="store_true", help="only the 1 vs 2 workers batch timings")
    ap.add_argument("--chapters", action="store_true",
                    help="instead: the degraded chapter pages of benchdata/chapters, plain Tesseract's text "
                         "(their .ocr.txt) against ocrmend's OCR, both cleaned and scored by chapters/score.py")
    ap.add_argument("--pdf-pages", type=int, default=0,
                    help="instead: OCR a PDF of N rendered pages with 2 workers and report peak memory")
    args = ap.parse_args()
    if args.chapters:
        return chapters(args)
    if args.pdf_pages:
        return long_pdf(args.pdf_pages)

    pages = sorted(Path(args.pages).glob("*.tif"))
    pages = [p for p in pages if p.with_suffix("").with_suffix(".gt.txt").exists() or
             (p.parent / (p.stem + ".gt.txt")).exists()]
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        print(f"no pages with ground truth in {args.pages}", file=sys.stderr)
        return 2
    settings = OcrSettings(dpi=args.dpi)
    ocr_file(pages[0], settings)  # warm-up: imports, Tesseract's version and language checks
    save = Path(args.save) if args.save else None
    if save:
        save.mkdir(parents=True, exist_ok=True)

    if args.speed_only:
        return speed_up(pages, settings, args.repeat)
    rows = []
    tot = {k: [0, 0] for k in ("plain", "ocr", "clean", "plain_clean")}
    t_plain, t_ocr, c_plain, c_ocr = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for img in pages:
            gt = (img.parent / (img.stem + ".gt.txt")).read_text(encoding="utf-8")
            plain, tp, cp = plain_tesseract(img, args.dpi, Path(tmp))
            t, c = time.perf_counter(), cpu()
            doc = ocr_file(img, settings)
            to, co = time.perf_counter() - t, cpu() - c
            c_plain.append(cp)
            c_ocr.append(co)
            ocr_text = doc.text
            cleaned = clean(ocr_text, keep=KEEP_ALL, name=img.stem).text
            plain_cleaned = clean(plain, keep=KEEP_ALL, name=img.stem).text
            res = {"plain": cer(gt, plain), "ocr": cer(gt, ocr_text), "clean": cer(gt, cleaned),
                   "plain_clean": cer(gt, plain_cleaned)}
            for k, (d, n) in res.items():
                tot[k][0] += d
                tot[k][1] += n
            t_plain.append(tp)
            t_ocr.append(to)
            steps = ",".join(s.name for s in doc.pages[0].steps if s.applied) or "-"
            rows.append((img.stem, res, tp, to, steps, doc.pages[0].angle))
            if save:
                (save / f"{img.stem}.plain.txt").write_text(plain, encoding="utf-8")
                (save / f"{img.stem}.ocr.txt").write_text(ocr_text, encoding="utf-8")
                (save / f"{img.stem}.clean.txt").write_text(cleaned, encoding="utf-8")
            print(f"  {img.stem}: done", file=sys.stderr)

    def pct(d: int, n: int) -> str:
        return f"{100 * d / n:6.2f}"

    print(f"{'page':<16} {'plain':>6} {'ocr':>6} {'clean':>6} {'p+clean':>7}  {'t_plain':>7} {'t_ocr':>6} {'ratio':>5}"
          f"  {'skew':>5}  applied steps")
    worse_ocr = worse_clean = 0
    for name, res, tp, to, steps, angle in rows:
        if res["ocr"][0] > res["plain"][0]:
            worse_ocr += 1
        if res["clean"][0] > res["plain"][0]:
            worse_clean += 1
        print(f"{name:<16} {pct(*res['plain'])} {pct(*res['ocr'])} {pct(*res['clean'])} {pct(*res['plain_clean']):>7}"
              f"  {tp:7.2f} {to:6.2f} {to / tp:5.2f}  {angle:+5.2f}  {steps}")
    print(f"{'ALL (CER %)':<16} {pct(*tot['plain'])} {pct(*tot['ocr'])} {pct(*tot['clean'])} {pct(*tot['plain_clean']):>7}"
          f"  {sum(t_plain):7.1f} {sum(t_ocr):6.1f} {sum(t_ocr) / sum(t_plain):5.2f}")
    p = tot["plain"][0] / tot["plain"][1]
    print()
    print(f"CER ratio to plain Tesseract: ocr {tot['ocr'][0] / tot['ocr'][1] / p:.3f}, "
          f"clean {tot['clean'][0] / tot['clean'][1] / p:.3f} (goal <= 0.8); "
          f"pages worse than plain: ocr {worse_ocr}, clean {worse_clean} (goal 0)")
    ratios = [o / q for o, q in zip(t_ocr, t_plain)]
    print(f"wall time per page: plain median {statistics.median(t_plain):.2f} s, ocrmend OCR median "
          f"{statistics.median(t_ocr):.2f} s; median ratio {statistics.median(ratios):.3f}, total ratio "
          f"{sum(t_ocr) / sum(t_plain):.3f} (goal <= 1.15)")
    cratios = [o / q for o, q in zip(c_ocr, c_plain)]
    print(f"CPU time per page (unaffected by other load): plain median {statistics.median(c_plain):.2f} s, "
          f"ocrmend OCR median {statistics.median(c_ocr):.2f} s; median ratio {statistics.median(cratios):.3f}, "
          f"total ratio {sum(c_ocr) / sum(c_plain):.3f}")

    if not args.quick:
        speed_up(pages, settings, args.repeat)
    return 0


def speed_up(pages: list[Path], settings: OcrSettings, repeat: int) -> int:
    """A batch with 1 worker against 2 workers, medians of ``repeat`` rounds. Needs an
    otherwise idle machine: the load average is printed, since other work skews it."""
    walls: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            t = time.perf_counter()
            for _path, result in ocr_batch(pages, settings, jobs=jobs):
                if not hasattr(result, "text"):
                    raise result
            walls[jobs].append(time.perf_counter() - t)
    m1, m2 = statistics.median(walls[1]), statistics.median(walls[2])
    print(f"batch of {len(pages)} pages: 1 worker {m1:.1f} s, 2 workers {m2:.1f} s (medians of {repeat}); "
          f"speed-up {m1 / m2:.2f}x (goal >= 1.8); load average during the run {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    return 0


def chapters(args: argparse.Namespace) -> int:
    """Degraded pages (skew, noise, uneven light, gutter, facing-page strips): the end-to-end
    gain of OCRing with ocrmend over cleaning plain Tesseract's text, by score.py."""
    folder = Path(args.pages).parent / "chapters" if args.pages.endswith("pages") else Path(args.pages)
    score = folder / "score.py"
    images = sorted(folder.glob("chapter-*-p*.png"))
    if args.limit:
        names = sorted({p.name.split("-p")[0] for p in images})[: args.limit]
        images = [p for p in images if p.name.split("-p")[0] in names]
    settings = OcrSettings(dpi=args.dpi)
    work = Path(tempfile.mkdtemp(prefix="ocrbench-"))
    t = time.perf_counter()
    docs = {}
    for path, doc in ocr_batch(images, settings, jobs=2):
        if not hasattr(doc, "text"):
            raise doc
        docs[path] = doc
    print(f"OCR of {len(images)} pages with 2 workers: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    for side in ("plain", "ocr"):
        (work / side / "in").mkdir(parents=True)
    frag_found = frag_total = frag_hinted = frag_true = 0
    for name in sorted({p.name.split("-p")[0] for p in images}):
        pages = [p for p in images if p.name.startswith(name + "-p")]
        shutil.copy(folder / f"{name}.ocr.txt", work / "plain" / "in" / f"{name}.txt")
        (work / "ocr" / "in" / f"{name}.txt").write_text("\f".join(docs[p].text for p in pages), encoding="utf-8")
        gt = json.loads((folder / f"{name}.gt.json").read_text(encoding="utf-8"))
        for p, gp in zip(pages, gt["pages"]):
            doc = docs[p]
            hinted = [doc.text[ln.start:ln.end] for ln in doc.lines if ln.hint == "fragment"]
            truth = [f for f in gp.get("fragments", []) if len(f.strip()) >= 4]
            frag_total += len(truth)
            frag_found += sum(1 for f in truth if any(Levenshtein.normalized_similarity(f, h) >= 0.7 for h in hinted))
            frag_hinted += len(hinted)
            frag_true += sum(1 for h in hinted if any(Levenshtein.normalized_similarity(f, h) >= 0.7 for f in truth))
    rows = {}
    for side in ("plain", "ocr"):
        subprocess.run([sys.executable, "-m", "pipeline", "clean", str(work / side / "in"), "-o",
                        str(work / side / "out"), "-q"], check=False, cwd=ROOT)
        out = subprocess.run([sys.executable, str(score), str(work / side / "out"), "--per-doc"],
                             capture_output=True, text=True, check=True).stdout
        rows[side] = out
    print(f"{'metric (score.py, after ocrmend clean)':<44} {'plain Tesseract':>16} {'ocrmend OCR':>12}")
    for metric in ("CER %", "WER %", "hyphen join acc %", "paragraph F1", "fragment P", "fragment R",
                   "fragment text leaked %"):
        vals = []
        for side in ("plain", "ocr"):
            line = next((ln for ln in rows[side].splitlines() if ln.startswith(f"| {metric} |")), "")
            cells = [c.strip() for c in line.strip("|").split("|")]
            vals.append(cells[1] if len(cells) > 1 else "?")
        print(f"{metric:<44} {vals[0]:>16} {vals[1]:>12}")
    print()
    print("per chapter CER % (plain -> ocrmend):")
    per = {}
    for side in ("plain", "ocr"):
        for ln in rows[side].splitlines():
            if ln.startswith("| chapter-"):
                cells = [c.strip() for c in ln.strip("|").split("|")]
                per.setdefault(cells[0], {})[side] = cells[1]
    print("  " + ", ".join(f"{k[8:]}: {v.get('plain')} -> {v.get('ocr')}" for k, v in sorted(per.items())))
    print(f"fragment lines hinted by geometry alone (before any text stage): recall "
          f"{frag_found}/{frag_total} = {frag_found / max(1, frag_total):.1%}, precision "
          f"{frag_true}/{frag_hinted} = {frag_true / max(1, frag_hinted):.1%}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def long_pdf(n: int) -> int:
    """Peak memory while a PDF of ``n`` pages is OCRed with 2 workers (pages streamed)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from ocr_pages import render_page

    work = Path(tempfile.mkdtemp(prefix="ocrpdf-"))
    img, _ = render_page(dpi=300, words=120)
    first, rest = img.convert("L"), [img.convert("L")] * (n - 1)
    pdf = work / "long.pdf"
    first.save(pdf, save_all=True, append_images=rest, resolution=300)
    print(f"{n}-page PDF: {pdf.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    t = time.perf_counter()
    doc = ocr_file(pdf, OcrSettings(dpi=300), jobs=2)
    wall = time.perf_counter() - t
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kid = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{len(doc.pages)} pages, {len(doc.words)} words, {len(doc.text)} chars in {wall:.0f} s "
          f"({wall / len(doc.pages):.2f} s/page with 2 workers); peak memory: ocrmend process {me:.0f} MB, "
          f"largest child process (a Tesseract run) {kid:.0f} MB (goal: under 1 GB)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
