#!/usr/bin/env python3
"""How fast the review page opens and filters on a big batch (issue 5):

  first view   < 2 s: a generated batch of 500 documents with 50,000 changes (and 2,500 flags)
               written as a review page, opened from disk in headless Chromium; the time from
               the start of navigation until the page has drawn its first view (document list
               and the first document's texts and cards), two animation frames after the
               script said it was ready; median of --runs fresh page loads
  filter       the time to filter the open page to one stage and to draw it again (median)
  next doc     the time to open the next document (median)
  DOM size     elements on the page after the first view: the page must not build one node
               per change of the batch (it draws one document at a time)

The batch is generated, not cleaned: each document has 40 lines of words joined by
``reflow.unwrap_lines`` changes, and spelling, dehyphenation and layout changes on top, all
with real before/after text so the page shows what it would show for a cleaned batch. It is
built in memory and only the page is written (to bench/out/review-bench.html). Chromium is
Debian's /usr/bin/chromium, driven by Playwright (``pip install playwright``).

    python bench/review.py            # ~30 s
    python bench/review.py --runs 9 --docs 500 --changes 100

With --shots DIR it also writes screenshots of the page for the samples (``ocrmend clean
raw/`` into a temporary folder, then ``ocrmend review``) for the README: DIR/review-*.png.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WORDS = ("keeper light storm harbour lantern rock supply boat warden oil log inspectors night weather "
         "window stair glass wick signal channel shoal skerries tide evening morning letter").split()


def generated_document(n: int, changes: int, rng: random.Random) -> "object":
    """One document of the batch: raw text and a change log that replays to its clean text."""
    sys.path.insert(0, str(REPO))
    from pipeline.changelog import replay
    from pipeline.review.batch import CleanedDocument

    lines = [" ".join(rng.choice(WORDS) for _ in range(9)) for _ in range(changes // 2 + 2)]
    # OCR damage the changes will repair: a hyphenated word at some line ends, "rn" for "m"
    raw_lines = []
    for i, line in enumerate(lines):
        if i % 5 == 1:
            line = line + " illu-"
        raw_lines.append(line)
    raw = "\n".join(raw_lines) + "\n"
    recs = []
    text = raw
    # every other change: a line join (reflow); the rest spread over other stages
    pos = 0
    made = 0
    for i in range(len(raw_lines) - 1):
        if made >= changes:
            break
        end = text.index("\n", pos)
        if text[end - 5:end] == "illu-":
            recs.append(_change(n, text, end - 1, end + 1, "", "dehyphenate", "dehyphenate.line_end",
                                "joined 'illusions'"))
            text = text[:end - 1] + text[end + 1:]
            pos = end - 1
        else:
            recs.append(_change(n, text, end, end + 1, " ", "reflow", "reflow.unwrap_lines",
                                "printed line break inside a paragraph"))
            text = text[:end] + " " + text[end + 1:]
            pos = end + 1
        made += 1
    # spelling: "keeper" -> "Keeper" style fixes, left to right in one run
    starts = [i for i in range(len(text)) if text.startswith("storm", i)]
    shift = 0
    for s in starts:
        if made >= changes:
            break
        s += shift
        recs.append(_change(n, text, s, s + 5, "storms", "spelling", "spelling.nonword", "'storm' fits better here"))
        text = text[:s] + "storms" + text[s + 5:]
        shift += 1
        made += 1
    while made < changes:  # pad with layout changes at the end if a document ran short
        recs.append(_change(n, text, len(text), len(text), "", "layout", "layout.emphasis", "nothing to add"))
        recs[-1]["after"] = "."
        text = text + "."
        made += 1
    flags = []
    for k in range(5):
        at = text.index("lantern") if "lantern" in text else 0
        flags.append({"kind": "flag", "id": f"f{n:04d}{k}", "stage": "spelling", "rule": "spelling.nonword",
                      "raw": [at, at + 7], "page": 1, "text": text[at:at + 7], "reason": "not sure",
                      "severity": "warning", "suggestions": ["lanterns", "lantern's"]})
    for r in recs:  # raw spans: enough for the page (the bench does not apply decisions)
        r["raw"] = [min(r["at"][0], len(raw)), min(r["at"][1], len(raw))]
    assert replay(raw, recs) == text
    header = {"kind": "header", "schema": 1, "document": f"doc-{n:04d}", "encoding": "utf-8"}
    return CleanedDocument(f"doc-{n:04d}", OUT, f"doc-{n:04d}", header, raw, text, recs, flags, {})


def _change(n: int, text: str, s: int, e: int, after: str, stage: str, rule: str, reason: str) -> dict:
    return {"kind": "change", "id": f"{n:04d}-{s}-{rule}", "stage": stage, "rule": rule, "at": [s, e], "raw": [s, e],
            "page": 1, "before": text[s:e], "after": after, "reason": reason, "confidence": 0.9, "safety": "safe"}


def build_page(docs: int, changes: int, path: Path) -> tuple[int, int, int]:
    from pipeline.outputs import atomic_write
    from pipeline.review.page import page_html, review_data

    rng = random.Random(5)
    batch = [generated_document(n, changes, rng) for n in range(docs)]
    atomic_write(path, page_html(review_data(batch, title="generated batch")))
    return len(batch), sum(len(d.changes) for d in batch), sum(len(d.flags) for d in batch)


FIRST_VIEW = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>
  done({ms: performance.now(), nodes: document.getElementsByTagName('*').length}))))"""
TIMED = """(what) => new Promise(done => {
  const t0 = performance.now();
  if (what === 'filter') { const c = document.querySelector('#stages .chip[data-stage=spelling]');
    c.dispatchEvent(new MouseEvent('dblclick', {bubbles: true})); }
  else { document.dispatchEvent(new KeyboardEvent('keydown', {key: 'n', bubbles: true})); }
  requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
})"""


def measure(path: Path, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    first, filt, nxt, nodes = [], [], [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=60000)
            got = page.evaluate(FIRST_VIEW)
            first.append(got["ms"])
            nodes = got["nodes"]
            filt.append(page.evaluate(TIMED, "filter"))
            nxt.append(page.evaluate(TIMED, "next"))
            page.close()
        browser.close()
    return {"first_view_ms": statistics.median(first), "first_view_all_ms": [round(x) for x in first],
            "filter_ms": statistics.median(filt), "next_doc_ms": statistics.median(nxt), "dom_elements": nodes}


def screenshots(folder: Path) -> None:
    """Screenshots of the page for the samples, as a reviewer sees it."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "raw"
        shutil.copytree(REPO / "raw", src)
        for f in (REPO / "tests" / "cases" / "review").glob("*.txt"):
            shutil.copy(f, src / f.name)
        exe = [sys.executable, "-m", "pipeline"]
        subprocess.run([*exe, "clean", "raw", "-o", "cleaned", "-q"], cwd=tmp, check=True)
        subprocess.run([*exe, "review", "cleaned", "-q"], cwd=tmp, check=True, capture_output=True)
        page_path = Path(tmp) / "cleaned" / "review.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.goto(page_path.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            page.click(".docrow[data-doc='keeper-page-14']")
            for _ in range(3):
                page.keyboard.press("j")
            page.keyboard.press("r")
            page.screenshot(path=str(folder / "review-scan.png"))
            page.click(".docrow[data-doc='markup-and-doubt']")
            page.select_option("#f-safety", "flag")
            page.keyboard.press("j")
            page.keyboard.press("1")
            page.select_option("#f-safety", "")
            page.screenshot(path=str(folder / "review-flag.png"))
            page.click(".docrow[data-doc='keeper-of-the-north-light']")
            page.dblclick("#stages .chip[data-stage='layout']")
            page.keyboard.press("j")
            page.screenshot(path=str(folder / "review-filter.png"))
            browser.close()
    print(f"screenshots in {folder}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--changes", type=int, default=100, help="changes per document")
    ap.add_argument("--runs", type=int, default=5, help="page loads to take the median of")
    ap.add_argument("--shots", type=Path, default=None, help="also write screenshots of the samples' page here")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    OUT.mkdir(exist_ok=True)
    path = OUT / "review-bench.html"
    t0 = time.perf_counter()
    docs, changes, flags = build_page(args.docs, args.changes, path)
    built = time.perf_counter() - t0
    res = measure(path, args.runs)
    res.update(docs=docs, changes=changes, flags=flags, page_mb=round(path.stat().st_size / 1e6, 2),
               build_s=round(built, 2), runs=args.runs)
    ok = res["first_view_ms"] < 2000
    print(f"{docs} documents, {changes} changes, {flags} flags; page {res['page_mb']} MB, built in {built:.1f} s")
    print(f"first view   {res['first_view_ms']:7.0f} ms (median of {args.runs}; goal < 2000) {'ok' if ok else 'FAILED'}")
    print(f"filter       {res['filter_ms']:7.0f} ms (one stage, redrawn)")
    print(f"next doc     {res['next_doc_ms']:7.0f} ms")
    print(f"DOM          {res['dom_elements']:7d} elements after the first view")
    (OUT / "review.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    if args.shots:
        screenshots(args.shots)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
