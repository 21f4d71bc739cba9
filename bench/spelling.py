#!/usr/bin/env python3
"""Word correction quality of the spelling stage on ../shared/benchdata/pairs (issue 3).

For every set it scores, side by side in one run:
  raw          the OCR text as it is
  pipeline     every text stage except spelling
  +spelling    the same, then the spelling stage (default config: safe fixes only)
  compound     the pipeline's text, then symspellpy lookup_compound line by line (baseline)
  per-word     the pipeline's text, then a careful per-word symspellpy lookup (TOP, distance
               2) that keeps punctuation and case and skips numbers (baseline)
and prints per set CER, WER, words fixed and damaged (right in the pipeline's text, wrong
after), documents made worse (CER above the pipeline's), the spelling flags a reviewer sees,
and the speed of the whole pipeline with the stage.

Scoring (as ../shared/benchdata/README.md asks): Unicode NFC and whitespace runs collapsed;
oldbooks with page furniture kept (its ground truth keeps it); overproof-smh with the ground
truth's line-end hyphens resolved the way each output resolved them (bench/quality.py).
Words: whitespace tokens aligned to the ground truth (Levenshtein over tokens); a ground-truth
word is right in a text when it is aligned to an equal token there.

  python bench/spelling.py                 # all sets, all documents
  python bench/spelling.py --half even     # the tuning half (even-numbered documents)
  python bench/spelling.py --examples 30   # also list fixes and damages per set
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

SETS = ("oldbooks", "acl-dev", "overproof-smh", "bln600")
GOALS = {"oldbooks": 35.0, "acl-dev": 35.0, "overproof-smh": 15.0, "bln600": 15.0}
SET_OPTIONS: dict[str, dict[str, Any]] = {"oldbooks": {"keep": ("header", "footer", "page_number")}}
MIRROR_GT_HYPHENS = {"overproof-smh"}
VARIANTS = ("raw", "pipeline", "+spelling", "compound", "per-word")
_WORDISH = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def _tok_ids(a: list[str], vocab: dict[str, int]) -> list[int]:
    return [vocab.setdefault(w, len(vocab)) for w in a]


def right_words(gt: str, text: str) -> tuple[set[int], list[tuple[int, str]]]:
    """Indices of ground-truth tokens aligned to an equal token of ``text``, and for the
    others the text's token(s) put in their place (for examples)."""
    from rapidfuzz.distance import Levenshtein

    g, t = gt.split(), text.split()
    vocab: dict[str, int] = {}
    gi, ti = _tok_ids(g, vocab), _tok_ids(t, vocab)
    right: set[int] = set()
    wrong: list[tuple[int, str]] = []
    for op in Levenshtein.opcodes(gi, ti):
        if op.tag == "equal":
            right.update(range(op.src_start, op.src_end))
        elif op.tag in ("replace", "delete"):
            for k in range(op.src_start, op.src_end):
                wrong.append((k, " ".join(t[op.dest_start:op.dest_end])))
    return right, wrong


class Baselines:
    """symspellpy as a user would call it, with its bundled unigram and bigram lists."""

    def __init__(self) -> None:
        from symspellpy import SymSpell

        from pipeline.spelling_data import _symspell_dir

        d = _symspell_dir()
        self.sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        self.sym.load_dictionary(str(d / "frequency_dictionary_en_82_765.txt"), 0, 1)
        self.sym.load_bigram_dictionary(str(d / "frequency_bigramdictionary_en_243_342.txt"), 0, 2)
        self.cache: dict[str, str] = {}

    def compound(self, text: str) -> str:
        out = []
        for line in text.split("\n"):
            if line.strip():
                sug = self.sym.lookup_compound(line, max_edit_distance=2)
                out.append(sug[0].term if sug else line)
            else:
                out.append(line)
        return "\n".join(out)

    def per_word(self, text: str) -> str:
        from symspellpy import Verbosity

        def fix(m: re.Match) -> str:
            w = m.group()
            low = w.lower()
            if low in self.cache:
                r = self.cache[low]
            else:
                sug = self.sym.lookup(low, Verbosity.TOP, 2)
                r = sug[0].term if sug else low
                self.cache[low] = r
            if r == low:
                return w
            if w.isupper() and len(w) > 1:
                return r.upper()
            if w[0].isupper():
                return r[:1].upper() + r[1:]
            return r

        return _WORDISH.sub(fix, text)


def run_doc(raw: str, options: dict[str, Any], base_config) -> dict[str, Any]:
    from pipeline import stages
    from pipeline.config import from_mapping
    from pipeline.runner import apply_proposals, run_rules
    from pipeline.rules import Context, rule_id
    from pipeline.stages import spelling

    config = from_mapping(options, base_config) if options else base_config
    before = [f for f in stages.all_rules() if not rule_id(f).startswith("spelling.")]
    t0 = time.perf_counter()
    doc = run_rules(raw, before, config)
    t1 = time.perf_counter()
    pipe_text = doc.text
    n_flags = len(doc.flags)
    settings = config.stage_settings("spelling", spelling.Settings)
    for func in spelling.RULES:
        rid = rule_id(func)
        if config.rule_enabled(rid):
            apply_proposals(doc, rid, func(doc.text, Context(doc=doc, config=config, settings=settings)), config)
    t2 = time.perf_counter()
    return {
        "pipeline": pipe_text,
        "+spelling": doc.text,
        "t_pipeline": t1 - t0,
        "t_spelling": t2 - t1,
        "spelling_flags": [f for f in doc.flags[n_flags:]],
        "spelling_changes": [c for c in doc.changes if c.stage == "spelling"],
    }


def score(gt_text: str, texts: dict[str, str], mirror: bool) -> dict[str, Any]:
    from quality import gt_pieces, resolve_breaks  # noqa: PLC0415 - bench/quality.py

    g = C.norm(gt_text)
    rec: dict[str, Any] = {"gt_chars": len(g), "gt_words": len(g.split())}
    pieces = gt_pieces(gt_text) if mirror else None
    gts: dict[str, str] = {}
    for v, t in texts.items():
        o = C.norm(t)
        gv = resolve_breaks(pieces, o)[0] if pieces else g
        gts[v] = gv
        rec[f"{v}_cd"] = C.char_distance(gv, o)
        rec[f"{v}_wd"] = C.word_distance(gv, o)[0]
    # words fixed and damaged, against the pipeline's text (the stage's input); the ground
    # truth resolved as the pipeline resolved its hyphens, the same for both sides
    gp = gts["pipeline"]
    right_in, _ = right_words(gp, C.norm(texts["pipeline"]))
    rec["examples"] = {}
    for v in ("+spelling", "compound", "per-word"):
        right_out, wrong_out = right_words(gp, C.norm(texts[v]))
        rec[f"{v}_fixed"] = len(right_out - right_in)
        rec[f"{v}_damaged"] = len(right_in - right_out)
        if v == "+spelling":
            gw = gp.split()
            _, wrong_in = right_words(gp, C.norm(texts["pipeline"]))
            win = dict(wrong_in)
            wout = dict(wrong_out)
            rec["examples"]["fixed"] = [(win.get(k, ""), gw[k]) for k in sorted(right_out - right_in)]
            rec["examples"]["damaged"] = [(gw[k], wout.get(k, "")) for k in sorted(right_in - right_out)]
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchdata", help="the benchdata folder (default ../shared/benchdata)")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--half", choices=("all", "even", "odd"), default="all",
                    help="even: documents 0, 2, 4 ... of each set (for tuning); odd: the others")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--examples", type=int, default=0, help="list this many fixes and damages per set")
    ap.add_argument("--unsafe-fixes", action="store_true")
    ap.add_argument("--json", help="write the report here (default bench/out/spelling.json)")
    args = ap.parse_args()
    C.in_repo()
    from pipeline.config import load
    from pipeline.lexicon import get_lexicon
    from pipeline.spelling_data import load_index

    base = load()
    if args.unsafe_fixes:
        base = base.replace(unsafe_fixes=True)
    t0 = time.perf_counter()
    lex = get_lexicon(base.dictionaries)
    load_index(lex.counts)
    t_lex = time.perf_counter() - t0
    baselines = None if args.no_baselines else Baselines()
    pairs = C.benchdata(args.benchdata) / "pairs"
    report: dict[str, Any] = {"state": C.pipeline_state(), "lexicon_seconds": round(t_lex, 3), "sets": {}}
    rows = []
    wrows = []
    tot_bytes = 0
    tot_secs = 0.0
    for set_name in args.sets.split(","):
        files = sorted(pairs.glob(f"{set_name}-*.ocr.txt"))
        if args.half != "all":
            files = files[(0 if args.half == "even" else 1)::2]
        if args.limit:
            files = files[: args.limit]
        options = SET_OPTIONS.get(set_name, {})
        mirror = set_name in MIRROR_GT_HYPHENS
        agg: Counter = Counter()
        worse: Counter = Counter()
        examples: dict[str, Counter] = {"fixed": Counter(), "damaged": Counter()}
        rules: Counter = Counter()
        n_docs = 0
        for f in files:
            name = f.name[: -len(".ocr.txt")]
            gt_text = f.with_name(name + ".gt.txt").read_text(encoding="utf-8")
            raw = f.read_text(encoding="utf-8")
            r = run_doc(raw, options, base)
            texts = {"raw": raw, "pipeline": r["pipeline"], "+spelling": r["+spelling"]}
            if baselines:
                texts["compound"] = baselines.compound(r["pipeline"])
                texts["per-word"] = baselines.per_word(r["pipeline"])
            else:
                texts["compound"] = texts["per-word"] = r["pipeline"]
            s = score(gt_text, texts, mirror)
            n_docs += 1
            for k, v in s.items():
                if isinstance(v, (int, float)):
                    agg[k] += v
            for v in ("+spelling", "compound", "per-word"):
                worse[v] += s[f"{v}_cd"] > s["pipeline_cd"]
                worse[v + " vs raw"] += s[f"{v}_cd"] > s["raw_cd"]
            agg["flags"] += len(r["spelling_flags"])
            agg["changes"] += len(r["spelling_changes"])
            for c in r["spelling_changes"]:
                rules[c.rule] += 1
            for fl in r["spelling_flags"]:
                rules[fl.rule + " (flag)"] += 1
            for k in ("fixed", "damaged"):
                for a, b in s["examples"].get(k, []):
                    examples[k][f"{a} -> {b}" if k == "fixed" else f"{a} -> {b}"] += 1
            tot_bytes += len(raw.encode("utf-8"))
            tot_secs += r["t_pipeline"] + r["t_spelling"]
            agg["t_pipeline"] += r["t_pipeline"]
            agg["t_spelling"] += r["t_spelling"]
            agg["bytes"] += len(raw.encode("utf-8"))
        if not n_docs:
            continue
        gc, gw = agg["gt_chars"], agg["gt_words"]
        cer = {v: C.pct(agg[f"{v}_cd"], gc) for v in VARIANTS}
        wer = {v: C.pct(agg[f"{v}_wd"], gw) for v in VARIANTS}
        rec = {
            "docs": n_docs, "gt_words": gw, "cer": cer, "wer": wer,
            "fixed": {v: agg[f"{v}_fixed"] for v in VARIANTS[2:]},
            "damaged": {v: agg[f"{v}_damaged"] for v in VARIANTS[2:]},
            "worse_than_pipeline": {v: worse[v] for v in VARIANTS[2:]},
            "worse_than_raw": {v: worse[v + " vs raw"] for v in VARIANTS[2:]},
            "spelling_changes": agg["changes"], "spelling_flags": agg["flags"],
            "rules": dict(rules),
            "cer_drop_vs_raw_pct": round(100 * (1 - cer["+spelling"] / cer["raw"]), 1) if cer["raw"] else None,
            "goal_pct": GOALS.get(set_name),
            "stage_kb_per_s": round(agg["bytes"] / 1024 / max(agg["t_spelling"], 1e-9), 1),
            "pipeline_kb_per_s": round(agg["bytes"] / 1024 / max(agg["t_pipeline"] + agg["t_spelling"], 1e-9), 1),
            "examples": {k: examples[k].most_common(args.examples) for k in examples} if args.examples else {},
        }
        report["sets"][set_name] = rec
        rows.append([set_name, n_docs, *(cer[v] for v in VARIANTS), rec["cer_drop_vs_raw_pct"], rec["goal_pct"]])
        wrows.append([set_name, gw, *(wer[v] for v in VARIANTS[1:]),
                      *(f"{rec['fixed'][v]}/{rec['damaged'][v]}/{rec['worse_than_pipeline'][v]}" for v in VARIANTS[2:]),
                      agg["changes"], f"{agg['flags']} ({C.pct(agg['flags'], gw)}%)",
                      f"1/{gw // max(1, rec['damaged']['+spelling'])}" if rec["damaged"]["+spelling"] else "0"])
    print(C.rules_line(report["state"]))
    print(f"lexicon + spelling index load: {t_lex:.3f} s; half: {args.half}\n")
    print("CER % (lower is better); drop = +spelling vs raw")
    print(C.table(["set", "docs", *VARIANTS, "drop %", "goal %"], rows))
    print("\nWER %, and words fixed/damaged/docs worse than the pipeline (per variant)")
    print(C.table(["set", "words", *(f"WER {v}" for v in VARIANTS[1:]), *(f"f/d/w {v}" for v in VARIANTS[2:]),
                   "changes", "flags", "damage rate"], wrows))
    print(f"\nspeed, whole pipeline with spelling: {tot_bytes / 1024 / max(tot_secs, 1e-9):.0f} KB/s "
          f"({tot_bytes / 1024:.0f} KB in {tot_secs:.2f} s, one core)")
    if args.examples:
        for set_name, rec in report["sets"].items():
            print(f"\n## {set_name}: rules {rec['rules']}")
            for k in ("damaged", "fixed"):
                print(f"  {k}: " + "; ".join(f"{e} x{n}" if n > 1 else e for e, n in rec["examples"][k]))
    C.write_json(Path(args.json) if args.json else C.OUT / "spelling.json", report)


if __name__ == "__main__":
    main()
