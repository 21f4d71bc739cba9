#!/usr/bin/env python3
"""Layout quality of ocrmend on whole multi-page chapters, scored by the benchdata scorers.

  chapters      ../shared/benchdata/chapters: 12 typeset chapters with exact layout ground truth,
                scored by chapters/score.py (run as a subprocess, its --json report read back)
  realchapters  ../shared/benchdata/realchapters: 30 runs of real scanned pages, furniture-free
                ground truth, scored by realchapters.py (imported; its score() returns the CERs)

Each set is cleaned twice with the `ocrmend clean` command line (from the repository root, so
the project's dictionaries/ and configuration apply), from a temporary copy of the inputs
renamed NAME.ocr.txt -> NAME.txt:
  ff  the OCR text as Tesseract wrote it, pages separated by form feeds
  nl  every form feed replaced by a newline (page seams become blank lines, as in the client's
      sample); `page` is then dropped from the JSON blocks before scoring, as the chapters
      README asks, so the scorer matches blocks page-free
and compared with the scorers' own baselines (raw OCR, naive regex clean-up) and with the
goals of issue 2. Outputs stay in bench/out/chapters/{ff,nl} and bench/out/realchapters/{ff,nl};
the report goes to bench/out/chapters.json.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

VARIANTS = ("ff", "nl")
VARIANT_LABEL = {"ff": "form feeds", "nl": "ff→newline"}


def prepare_inputs(src_dir: Path, tmp: Path) -> dict[str, Path]:
    """tmp/ff/NAME.txt (as is) and tmp/nl/NAME.txt (form feeds -> newlines)."""
    dirs = {v: tmp / v for v in VARIANTS}
    for d in dirs.values():
        d.mkdir(parents=True)
    for f in sorted(src_dir.glob("*.ocr.txt")):
        name = f.name[: -len(".ocr.txt")]
        data = f.read_bytes()
        (dirs["ff"] / f"{name}.txt").write_bytes(data)
        (dirs["nl"] / f"{name}.txt").write_bytes(data.replace(b"\f", b"\n"))
    return dirs


def run_cli(in_dir: Path, out_dir: Path, timeout: float) -> dict[str, Any]:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    cmd = [*C.console_script(), "clean", str(in_dir), "-o", str(out_dir), "-q"]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=C.REPO, capture_output=True, text=True, timeout=timeout)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired as exc:
        rc, err = None, f"timed out after {timeout:g} s\n" + (exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or "")
    seconds = time.perf_counter() - t0
    names = [f.stem for f in sorted(in_dir.glob("*.txt"))]
    missing = [n for n in names if not (out_dir / f"{n}.txt").exists()]
    return {"rc": rc, "seconds": round(seconds, 2), "inputs": len(names), "missing_outputs": missing,
            "stderr": [x for x in err.splitlines() if x.strip()][:20],
            "input_bytes": sum(f.stat().st_size for f in in_dir.glob("*.txt"))}


def drop_pages(out_dir: Path) -> int:
    """Drop `page` from every block of OUT/*.json (the nl variant's pages are not the scorer's)."""
    n = 0
    for j in out_dir.glob("*.json"):
        try:
            data = json.loads(j.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for b in data.get("blocks", []) if isinstance(data, dict) else []:
            if isinstance(b, dict) and "page" in b:
                del b["page"]
                n += 1
        j.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return n


# ---------------------------------------------------------------------------------------------
# chapters: score.py
def score_chapters(score_py: Path, arg: str) -> dict[str, Any]:
    """Run score.py (OUTDIR, --raw or --naive) and read back its --json report."""
    with tempfile.TemporaryDirectory() as td:
        jpath = Path(td) / "score.json"
        p = subprocess.run([sys.executable, str(score_py), arg, "--json", str(jpath)],
                           capture_output=True, text=True, timeout=900)
        if p.returncode != 0 or not jpath.exists():
            return {"error": (p.stderr or p.stdout).strip()[-2000:]}
        rep = json.loads(jpath.read_text())
    s = rep["summary"]
    docs = rep.get("docs", [])
    # wrong joins: true compounds whose line-end hyphen was taken out ("well-known" -> "wellknown")
    lost = s.get("hyph_errors", {}).get("compound_lost", 0)
    s["wrong_joins"] = lost
    s["wrong_join_rate"] = C.pct(lost, s.get("hyph_breaks", 0))
    s["midline_compounds_lost"] = sum(d.get("midline_lost", 0) for d in docs)
    return {"summary": s, "groups": rep.get("groups", {}), "docs": docs}


# (key, label, goal text, goal test or None); tests get (value, raw summary)
CHAPTER_ROWS = [
    ("cer", "CER %", "< raw", lambda v, raw: v < raw["cer"]),
    ("cer_fold", "CER folded %", "", None),
    ("wer", "WER %", "", None),
    ("hyph_join_acc", "hyphen breaks restored %", ">= 99", lambda v, raw: v >= 99),
    ("hyph_join_acc_plain", "  plain words %", "", None),
    ("hyph_join_acc_compound", "  true compounds (hyphen kept) %", "", None),
    ("hyph_join_acc_page_end", "  across a page end %", "", None),
    ("hyph_word_acc", "hyphenated word exact %", "", None),
    ("wrong_joins", "wrong joins (compound joined)", "", None),
    ("wrong_join_rate", "wrong joins per break %", "< 0.5", lambda v, raw: v < 0.5),
    ("midline_compound_kept", "mid-line compounds kept %", "", None),
    ("par_p", "paragraph P %", "", None),
    ("par_r", "paragraph R %", "", None),
    ("par_f1", "paragraph F1 %", ">= 97", lambda v, raw: v >= 97),
    ("frag_p", "fragment P %", ">= 95", lambda v, raw: v >= 95),
    ("frag_r", "fragment R %", ">= 95", lambda v, raw: v >= 95),
    ("frag_leak", "fragment text in body %", "", None),
    ("header_leak", "running heads in body %", "0", lambda v, raw: v == 0),
    ("footer_leak", "footers in body %", "0", lambda v, raw: v == 0),
    ("pn_leak", "page numbers in body %", "0", lambda v, raw: v == 0),
    ("cap_p", "caption P %", "", None),
    ("cap_r", "caption R %", "", None),
    ("cap_leak", "captions in body %", "0", lambda v, raw: v == 0),
    ("fn_p", "footnote P %", "", None),
    ("fn_r", "footnote R %", "", None),
    ("fn_leak", "footnotes in body %", "0", lambda v, raw: v == 0),
]


def goal_mark(test, v, raw) -> str:
    if test is None:
        return ""
    if v is None:
        return "–"
    try:
        return "ok" if test(v, raw) else "MISS"
    except (TypeError, KeyError):
        return "–"


# ---------------------------------------------------------------------------------------------
# realchapters: realchapters.py
_REAL_LINE = re.compile(r"CER raw ([\d.]+)% naive ([\d.]+)%(?: ours ([\d.]+)% \(docs worse than raw: (\d+)\))?")


def score_real(real_py: Path, out_dir: Path) -> dict[str, Any]:
    """realchapters.py's score(OUTDIR): CER of raw, naive and ours, and the chapters made worse."""
    try:
        mod = C.load_module(real_py, "realchapters_scorer")
        (cer, worse), printed = C.call_quiet(lambda: mod.score(str(out_dir)))
        return {"cer_raw": round(cer["raw"], 3), "cer_naive": round(cer["naive"], 3),
                "cer": round(cer["ours"], 3), "worse": list(worse), "printed": printed.strip()}
    except Exception as exc:  # the scorer's internals changed: fall back to its command line
        p = subprocess.run([sys.executable, str(real_py), "score", str(out_dir)], capture_output=True, text=True,
                           timeout=900)
        m = _REAL_LINE.search(p.stdout)
        if not m or m.group(3) is None:
            return {"error": f"{type(exc).__name__}: {exc}; {p.stdout.strip()} {p.stderr.strip()[-500:]}"}
        return {"cer_raw": float(m.group(1)), "cer_naive": float(m.group(2)), "cer": float(m.group(3)),
                "worse_n": int(m.group(4)), "printed": p.stdout.strip()}


# ---------------------------------------------------------------------------------------------
def cli_note(label: str, run: dict[str, Any]) -> str | None:
    problems = []
    if run["rc"] not in (0,):
        problems.append(f"exit code {run['rc']}")
    if run["missing_outputs"]:
        problems.append(f"{len(run['missing_outputs'])} output(s) missing ({', '.join(run['missing_outputs'][:4])})")
    if run["stderr"]:
        problems.append("stderr: " + " | ".join(run["stderr"][:3]))
    return f"{label}: " + "; ".join(problems) if problems else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchdata", help="the benchdata folder (default: ../shared/benchdata beside the repo)")
    ap.add_argument("--sets", default="chapters,realchapters", help="chapters, realchapters or both (default)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds allowed for one `ocrmend clean` run")
    ap.add_argument("--out", default=str(C.OUT / "chapters.json"), help="JSON report (default: bench/out/chapters.json)")
    args = ap.parse_args()

    bd = C.benchdata(args.benchdata)
    out_path = Path(args.out).resolve()
    C.in_repo()
    state = C.pipeline_state()
    sets = [x.strip() for x in args.sets.split(",") if x.strip()]
    report: dict[str, Any] = {"state": state}
    notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="ocrmend-bench-") as td:
        tmp = Path(td)
        if "chapters" in sets:
            src = bd / "chapters"
            score_py = src / "score.py"
            inputs = prepare_inputs(src, tmp / "chapters")
            ch: dict[str, Any] = {"runs": {}, "scores": {}}
            for base in ("raw", "naive"):
                print(f"... chapters: score.py --{base}", file=sys.stderr, flush=True)
                ch["scores"][base] = score_chapters(score_py, f"--{base}")
            for v in VARIANTS:
                out_dir = C.OUT / "chapters" / v
                print(f"... chapters: ocrmend clean ({VARIANT_LABEL[v]})", file=sys.stderr, flush=True)
                ch["runs"][v] = run_cli(inputs[v], out_dir, args.timeout)
                if v == "nl":
                    ch["runs"][v]["pages_dropped"] = drop_pages(out_dir)
                ch["scores"][v] = score_chapters(score_py, str(out_dir))
                n = cli_note(f"chapters {v}", ch["runs"][v])
                if n:
                    notes.append(n)
            report["chapters"] = ch
        if "realchapters" in sets:
            src = bd / "realchapters"
            real_py = src / "realchapters.py"
            inputs = prepare_inputs(src, tmp / "realchapters")
            rc: dict[str, Any] = {"runs": {}, "scores": {}}
            for v in VARIANTS:
                out_dir = C.OUT / "realchapters" / v
                print(f"... realchapters: ocrmend clean ({VARIANT_LABEL[v]})", file=sys.stderr, flush=True)
                rc["runs"][v] = run_cli(inputs[v], out_dir, args.timeout)
                rc["scores"][v] = score_real(real_py, out_dir)
                n = cli_note(f"realchapters {v}", rc["runs"][v])
                if n:
                    notes.append(n)
            report["realchapters"] = rc

    # ------------------------------------------------------------------------------- the table
    print(C.rules_line(state))
    print()
    header = ["metric", "goal", "raw", "naive", "ocrmend ff", "met", "ocrmend nl", "met"]
    rows: list[list[Any]] = []
    errors = []
    if "chapters" in report:
        S = {k: v.get("summary") for k, v in report["chapters"]["scores"].items()}
        for k, v in report["chapters"]["scores"].items():
            if "error" in v:
                errors.append(f"chapters {k}: score.py failed: {v['error'][-300:]}")
        raw = S.get("raw") or {}
        for key, label, goal, test in CHAPTER_ROWS:
            row: list[Any] = [label, goal]
            for col in ("raw", "naive", "ff", "nl"):
                val = (S.get(col) or {}).get(key)
                row.append(val)
                if col in ("ff", "nl"):
                    row.append(goal_mark(test, val, raw) if S.get(col) else "–")
            rows.append(row)
    if "realchapters" in report:
        R = report["realchapters"]["scores"]
        for k, v in R.items():
            if "error" in v:
                errors.append(f"realchapters {k}: {v['error'][-300:]}")
        base = next((v for v in R.values() if "cer_raw" in v), {})
        row = ["real chapters CER %", "< raw", base.get("cer_raw"), base.get("cer_naive")]
        wrow = ["real chapters made worse", "0", None, None]
        for v in VARIANTS:
            s = R.get(v, {})
            val = s.get("cer")
            row += [val, "–" if val is None or not base else ("ok" if val < base["cer_raw"] else "MISS")]
            nw = len(s["worse"]) if "worse" in s else s.get("worse_n")
            wrow += [nw, "–" if nw is None else ("ok" if nw == 0 else "MISS")]
        rows += [row, wrow]
    print(C.table(header, rows))
    print()
    print("ff: OCR text with its form feeds; nl: form feeds replaced by newlines, `page` dropped from the JSON "
          "blocks.\nwrong joins = true compounds at a line end whose hyphen was removed, per line-end break; "
          "% columns from score.py.")
    if "chapters" in report:
        for v in ("raw", "naive", *VARIANTS):
            s = report["chapters"]["scores"].get(v, {}).get("summary")
            if s:
                print(f"hyphen-break errors ({v}): {s.get('hyph_errors')}")
    if "realchapters" in report:
        for v in VARIANTS:
            w = report["realchapters"]["scores"].get(v, {}).get("worse")
            if w:
                print(f"real chapters made worse ({v}): {', '.join(w)}")
    for n in notes + errors:
        print("NOTE " + n)
    for key in ("chapters", "realchapters"):
        if key in report:
            secs = {v: r["seconds"] for v, r in report[key]["runs"].items()}
            print(f"{key}: ocrmend clean wall time " + ", ".join(f"{v} {s:.1f} s" for v, s in secs.items()))
    state["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    C.write_json(out_path, report)
    print(f"\nwritten: {out_path}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
