#!/usr/bin/env python3
"""Quality of ocrmend on the line-pair sets of ../shared/benchdata/pairs: CER and WER of the raw
OCR and of the cleaned text against the human ground truth, per set, with the number of
documents the cleaning made worse and counts of hyphen joins, kept compounds and flags.

Scoring (as the benchdata README defines it): both sides Unicode NFC with every run of
whitespace collapsed to one space; CER = character Levenshtein distance / ground-truth length,
WER = the same over whitespace tokens (rapidfuzz). Nothing else is normalised.

Per set:
  oldbooks       cleaned with --keep header,footer,page_number: its ground truth keeps the
                 running heads and page numbers as printed, so they must stay in the output.
  overproof-smh  its ground truth is line-aligned and keeps line-end hyphens; before scoring a
                 cleaned text, each ground-truth line-end hyphen is resolved the way the cleaning
                 resolved the hyphen at the end of the same OCR line (joined / hyphen kept /
                 left as printed), read from the change log; where the line counts differ, by
                 character alignment instead: see bench/README.md.
  acl-dev        cleaned with --keep caption: its ground truth keeps the papers' figure and
                 table captions ("Figure 2: ...") in the running text.
  bln600         default configuration (one sentence a line; no line-end hyphens).

Writes bench/out/quality.json (per set and per document) and prints a table.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

SETS = ("oldbooks", "overproof-smh", "acl-dev", "bln600")
#: per-set options for clean(); anything else runs with the project's configuration as is
SET_OPTIONS: dict[str, dict[str, Any]] = {
    "oldbooks": {"keep": ("header", "footer", "page_number")},
    "acl-dev": {"keep": ("caption",)},
}
MIRROR_GT_HYPHENS = {"overproof-smh"}

HYPHENS = "-\N{HYPHEN}\N{NON-BREAKING HYPHEN}\N{NOT SIGN}"
BREAKS = "\n\r\f\v\N{LINE SEPARATOR}"
_LINE_END_HYPHEN = re.compile(f"[{HYPHENS}][ \\t]*[{BREAKS}]")
#: a ground-truth line-end hyphen: letter or digit, hyphen, line break, letter or digit
_GT_BREAK = re.compile(r"(?<=[^\W_])-[ \t]*\r?\n[ \t]*(?=[^\W_])")


# ---------------------------------------------------------------------------------------------
# ground-truth line-end hyphens resolved the way the output resolved them (overproof-smh)
def gt_pieces(gt: str) -> list[str]:
    """The ground truth cut at its line-end hyphens, each piece in scoring form.
    ``"- ".join(pieces) == norm(gt)``: the hyphen and the collapsed line break between pieces."""
    import unicodedata

    return [C.collapse(p) for p in _GT_BREAK.split(unicodedata.normalize("NFC", gt))]


def resolve_breaks(pieces: list[str], out: str) -> tuple[str, Counter]:
    """Join the ground truth's line-end hyphens as ``out`` (scoring form) joined them.

    The ground truth as printed (``"sec- tion"``) is aligned to ``out`` character by character
    (Levenshtein opcodes). At each break, what ``out`` has between the aligned last letter
    before the hyphen and first letter after the line break decides: nothing -> joined
    (``"section"``); a hyphen alone -> hyphen kept (``"north-east"``); anything else, or the
    place not found -> left as printed (``"sec- tion"``, what the raw OCR has).
    """
    from rapidfuzz.distance import Levenshtein

    if len(pieces) == 1:
        return pieces[0], Counter()
    G = "- ".join(pieces)
    g2o = [-1] * len(G)
    for op in Levenshtein.opcodes(G, out):
        if op.tag in ("equal", "replace"):
            for k in range(min(op.src_end - op.src_start, op.dest_end - op.dest_start)):
                g2o[op.src_start + k] = op.dest_start + k
    parts = [pieces[0]]
    counts: Counter = Counter()
    pos = len(pieces[0])                     # index of the hyphen of the next break in G
    for piece in pieces[1:]:
        left, right = g2o[pos - 1], g2o[pos + 2]
        sep = "- "
        if left >= 0 and right > left:
            between = out[left + 1:right]
            if between == "":
                sep = ""
            elif len(between) == 1 and between in HYPHENS:
                sep = "-"
        counts[{"": "joined", "-": "kept", "- ": "left"}[sep]] += 1
        parts.append(sep)
        parts.append(piece)
        pos += 2 + len(piece)
    return "".join(parts), counts


# ---------------------------------------------------------------------------------------------
# what the change log says about hyphens
def hyphen_counts(changes: list[dict[str, Any]], raw: str) -> Counter:
    """Count hyphen joins and kept compounds from the change records, whatever shape the
    dehyphenate rules give their edits:
      - a change whose ``before`` holds a line-end hyphen (hyphen, optional spaces, a line or
        page break): a join if ``after`` has fewer hyphens, a kept compound if the hyphens stay
        and the break goes;
      - a dehyphenate change that removes only a hyphen with a line break right after it in the
        raw text: a join;
      - a dehyphenate change that removes only whitespace with a line break, right after a raw
        hyphen that no change removed: a kept compound.
    """
    out: Counter = Counter()
    removed_hyphens: set[int] = set()
    pending_kept = []
    for c in changes:
        b, a = c.get("before") or "", c.get("after") or ""
        hb = sum(b.count(h) for h in HYPHENS)
        ha = sum(a.count(h) for h in HYPHENS)
        rs = c.get("raw")
        if _LINE_END_HYPHEN.search(b):
            if ha < hb:
                out["joins"] += 1
            elif not any(ch in a for ch in BREAKS):
                out["kept_compounds"] += 1
            continue
        if c.get("stage") != "dehyphenate" or not rs:
            continue
        s, e = rs
        if b and all(ch in HYPHENS for ch in b) and a == "" and re.match(f"[ \\t]*[{BREAKS}]", raw[e:e + 8]):
            out["joins"] += 1
            removed_hyphens.add(s)
        elif b and not b.strip() and any(ch in b for ch in BREAKS) and s > 0 and raw[s - 1] in HYPHENS \
                and not any(ch in BREAKS for ch in a):
            pending_kept.append(s - 1)
    out["kept_compounds"] += sum(1 for h in pending_kept if h not in removed_hyphens)
    return out


def line_decisions(raw: str, changes: list[dict[str, Any]]) -> dict[int, str]:
    """For each raw line whose line-end hyphen the cleaning touched: 'joined' or 'kept'."""
    from bisect import bisect_right

    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    out: dict[int, str] = {}
    for c in changes:
        if c.get("stage") != "dehyphenate" or not c.get("raw"):
            continue
        b, a = c.get("before") or "", c.get("after") or ""
        line = bisect_right(starts, c["raw"][0]) - 1
        hb = sum(b.count(h) for h in HYPHENS)
        ha = sum(a.count(h) for h in HYPHENS)
        if hb > ha:
            out[line] = "joined"
        elif "\n" in b and "\n" not in a:
            out.setdefault(line, "kept")
    return out


def resolve_breaks_by_lines(gt: str, raw: str, changes: list[dict[str, Any]]) -> tuple[str, Counter] | None:
    """overproof is line-aligned: ground-truth line i is OCR line i. Each ground-truth line-end
    hyphen is joined, kept or left as the cleaning did at the end of the same OCR line (None
    when the line counts differ; then the character alignment above is used)."""
    g_lines, r_lines = gt.split("\n"), raw.split("\n")
    if len(g_lines) != len(r_lines):
        return None
    decided = line_decisions(raw, changes)
    parts: list[str] = []
    counts: Counter = Counter()
    for i, line in enumerate(g_lines):
        nxt = g_lines[i + 1] if i + 1 < len(g_lines) else ""
        m = re.search(r"(?<=[^\W_])-[ \t]*$", line)
        if m and re.match(r"[ \t]*[^\W_]", nxt):
            how = decided.get(i, "left")
            counts[how] += 1
            parts.append(line[:m.start()] + {"joined": "", "kept": "-", "left": "- "}[how])
            if how == "left":
                parts.append("\n")
        else:
            parts.append(line + ("\n" if i + 1 < len(g_lines) else ""))
    return C.norm("".join(parts)), counts


# ---------------------------------------------------------------------------------------------
def score_doc(gt_text: str, raw: str, clean_text: str, mirror: bool,
              changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    g = C.norm(gt_text)
    r = C.norm(raw)
    o = C.norm(clean_text)
    rec: dict[str, Any] = {"gt_chars": len(g)}
    by_lines = resolve_breaks_by_lines(gt_text, raw, changes or []) if mirror else None
    if by_lines is not None:
        g_raw, n_raw = g, Counter({"left": len(gt_pieces(gt_text)) - 1})
        g_out, n_out = by_lines
        rec["gt_breaks"] = sum(n_out.values())
        rec["gt_breaks_raw"] = dict(n_raw)
        rec["gt_breaks_clean"] = dict(n_out)
    elif mirror:
        pieces = gt_pieces(gt_text)
        g_raw, n_raw = resolve_breaks(pieces, r)
        g_out, n_out = resolve_breaks(pieces, o)
        rec["gt_breaks"] = len(pieces) - 1
        rec["gt_breaks_raw"] = dict(n_raw)
        rec["gt_breaks_clean"] = dict(n_out)
    else:
        g_raw = g_out = g
    rec["raw_cd"] = C.char_distance(g_raw, r)
    rec["clean_cd"] = C.char_distance(g_out, o)
    # words are counted in the ground truth as printed, for both sides, so the denominators match
    rec["gt_words"] = len(g.split())
    rec["raw_wd"] = C.word_distance(g_raw, r)[0]
    rec["clean_wd"] = C.word_distance(g_out, o)[0]
    return rec


def run_set(pairs: Path, set_name: str, base_config, args) -> dict[str, Any]:
    from pipeline import clean

    ocr_files = sorted(pairs.glob(f"{set_name}-*.ocr.txt"))
    if args.limit:
        ocr_files = ocr_files[: args.limit]
    options = SET_OPTIONS.get(set_name, {})
    mirror = set_name in MIRROR_GT_HYPHENS
    docs = []
    errors: Counter = Counter()
    t_set = time.perf_counter()
    for f in ocr_files:
        name = f.name[: -len(".ocr.txt")]
        gt_path = f.with_name(name + ".gt.txt")
        if not gt_path.exists():
            continue
        gt_text = gt_path.read_text(encoding="utf-8")
        rec: dict[str, Any] = {"name": name}
        t0 = time.perf_counter()
        changes: list[dict[str, Any]] = []
        try:
            with C.time_limit(args.doc_timeout):
                res = clean(f, base_config, name=name, **options)
            raw, text = res.raw, res.text
            changes = res.changes
            rec["changes"] = len(res.changes)
            rec["flags"] = len(res.flags)
            rec["changes_by_rule"] = dict(Counter(c.get("rule", "?") for c in res.changes))
            rec["flags_by_stage"] = dict(Counter(x.get("stage", "?") for x in res.flags))
            rec["hyphen_flags"] = rec["flags_by_stage"].get("dehyphenate", 0)
            rec.update(hyphen_counts(res.changes, raw))
        except Exception as exc:  # a stage being edited may crash: score this doc as raw, say so
            raw = f.read_bytes().decode("utf-8", errors="replace")
            text = raw
            rec["error"] = f"{type(exc).__name__}: {exc}"
            errors[rec["error"][:160]] += 1
        rec["seconds"] = round(time.perf_counter() - t0, 4)
        rec["raw_chars"] = len(raw)
        rec.update(score_doc(gt_text, raw, text, mirror, changes))
        docs.append(rec)
    return aggregate(set_name, docs, options, mirror, errors, time.perf_counter() - t_set)


def aggregate(set_name, docs, options, mirror, errors, seconds) -> dict[str, Any]:
    s = lambda k: sum(d.get(k, 0) for d in docs)
    gt_chars, gt_words = s("gt_chars"), s("gt_words")
    worse = [d for d in docs if d["clean_cd"] > d["raw_cd"]]
    better = [d for d in docs if d["clean_cd"] < d["raw_cd"]]
    A: dict[str, Any] = {
        "set": set_name,
        "options": {k: list(v) if isinstance(v, (tuple, list)) else v for k, v in options.items()},
        "docs": len(docs),
        "gt_chars": gt_chars,
        "cer_raw": C.pct(s("raw_cd"), gt_chars),
        "cer_clean": C.pct(s("clean_cd"), gt_chars),
        "wer_raw": C.pct(s("raw_wd"), gt_words),
        "wer_clean": C.pct(s("clean_wd"), gt_words),
        "cer_doc_mean_raw": round(sum(100 * d["raw_cd"] / max(1, d["gt_chars"]) for d in docs) / max(1, len(docs)), 3),
        "cer_doc_mean_clean": round(sum(100 * d["clean_cd"] / max(1, d["gt_chars"]) for d in docs) / max(1, len(docs)), 3),
        "docs_worse": len(worse),
        "docs_better": len(better),
        "worse": sorted(({"name": d["name"], "raw_cd": d["raw_cd"], "clean_cd": d["clean_cd"]} for d in worse),
                        key=lambda x: x["raw_cd"] - x["clean_cd"]),
        "joins": s("joins"),
        "kept_compounds": s("kept_compounds"),
        "hyphen_flags": s("hyphen_flags"),
        "changes": s("changes"),
        "flags": s("flags"),
        "errors": sum(errors.values()),
        "error_messages": dict(errors),
        "seconds": round(seconds, 2),
        "raw_chars": s("raw_chars"),
    }
    by_rule: Counter = Counter()
    flags_by_stage: Counter = Counter()
    for d in docs:
        by_rule.update(d.get("changes_by_rule", {}))
        flags_by_stage.update(d.get("flags_by_stage", {}))
    A["changes_by_rule"] = dict(by_rule.most_common())
    A["flags_by_stage"] = dict(flags_by_stage.most_common())
    if mirror:
        A["gt_breaks"] = s("gt_breaks")
        tot: Counter = Counter()
        for d in docs:
            tot.update(d.get("gt_breaks_clean", {}))
        A["gt_breaks_clean"] = dict(tot)
    A["per_doc"] = docs
    return A


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchdata", help="the benchdata folder (default: ../shared/benchdata beside the repo)")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated sets (default: all four)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N documents of each set (quick look)")
    ap.add_argument("--doc-timeout", type=float, default=60.0, help="seconds before one document is given up")
    ap.add_argument("--out", default=str(C.OUT / "quality.json"), help="JSON report (default: bench/out/quality.json)")
    ap.add_argument("--worst", type=int, default=5, help="list this many documents made worse, per set")
    args = ap.parse_args()

    pairs = C.benchdata(args.benchdata) / "pairs"
    out_path = Path(args.out).resolve()
    C.in_repo()
    state = C.pipeline_state()
    try:
        from pipeline import load_config

        base = load_config()
    except Exception as exc:
        sys.exit(f"cannot load the pipeline: {type(exc).__name__}: {exc}")

    sets = [x.strip() for x in args.sets.split(",") if x.strip()]
    results = {}
    for name in sets:
        print(f"... {name}", file=sys.stderr, flush=True)
        results[name] = run_set(pairs, name, base, args)

    rows = []
    for name, A in results.items():
        rows.append([name, A["docs"], A["cer_raw"], A["cer_clean"],
                     None if A["cer_raw"] is None else round(A["cer_clean"] - A["cer_raw"], 3),
                     A["wer_raw"], A["wer_clean"], f'{A["docs_worse"]}/{A["docs_better"]}',
                     A["joins"], A["kept_compounds"], A["hyphen_flags"], A["flags"], A["changes"], A["errors"]])
    print(C.rules_line(state))
    print()
    print(C.table(["set", "docs", "CER raw %", "CER clean %", "ΔCER", "WER raw %", "WER clean %",
                   "worse/better", "hyphen joins", "kept compounds", "hyphen flags", "flags", "changes", "errors"],
                  [[c if not isinstance(c, float) else round(c, 3) for c in r] for r in rows]))
    print()
    for name, A in results.items():
        notes = []
        if A["options"]:
            notes.append("cleaned with " + ", ".join(f"{k}={','.join(v) if isinstance(v, list) else v}"
                                                     for k, v in A["options"].items()))
        if "gt_breaks" in A:
            b = A["gt_breaks_clean"]
            notes.append(f"{A['gt_breaks']} GT line-end hyphens resolved as the cleaned text did: "
                         f"{b.get('joined', 0)} joined, {b.get('kept', 0)} hyphen kept, {b.get('left', 0)} left")
        if A["worse"]:
            w = ", ".join(f"{x['name']} ({x['raw_cd']}→{x['clean_cd']})" for x in A["worse"][: args.worst])
            notes.append(f"made worse (edit distance raw→clean): {w}")
        if A["errors"]:
            first = next(iter(A["error_messages"]))
            notes.append(f"{A['errors']} document(s) failed and were scored as raw; first: {first}")
        for n in notes:
            print(f"- {name}: {n}")
    state["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    C.write_json(out_path, {"state": state, "sets": results})
    print(f"\nwritten: {out_path}")
    if any(A["errors"] for A in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
