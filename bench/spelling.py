#!/usr/bin/env python3
"""Word correction quality of the spelling stage on ../shared/benchdata (issue 3).

Sets (``--sets``, comma-separated):
  oldbooks, acl-dev, overproof-smh, bln600   pairs/SET-*.ocr.txt against SET-*.gt.txt: the
                 sets the stage was tuned on (in the default)
  chapters       chapters/chapter-NN.ocr.txt (Tesseract 5.3 on synthetic degraded pages, form
                 feeds between pages, as Tesseract wrote it) against the ``body`` of
                 chapter-NN.gt.json, its paragraphs joined with blank lines: OCR errors of
                 another engine on other page images, held out from the tuning (in the default)
  realchapters   realchapters/real-*.ocr.txt against real-*.gt.txt (one paragraph a line). Its
                 OCR is the oldbooks pages' own, joined with form feeds, so its errors are the
                 tuned ones; what differs is the layout: the stage works on the body the
                 other stages leave with the furniture taken out, not kept
Both chapter sets are cleaned with the default configuration (running heads, page numbers,
captions, footnotes and fragments go out of the body) because their ground truths hold the
body only. Their "raw" CER therefore counts the furniture still in the OCR text, so their
"drop" column mixes layout and spelling; judge the stage by pipeline -> +spelling and by the
words fixed and damaged. Those compare two texts with the same layout (the pipeline's, then
the same with spelling) over ground-truth words only: furniture the other stages took out is
in neither, furniture they left is the same run of extra tokens in both, so a spelling
change inside it moves the CER, not the counts. (Checked by hand on this split: no spelling
change fell in furniture, and every word counted fixed or damaged is one a spelling change
touched, but one realchapters word that the split of a merged word before it re-aligned.)
Both sets are measured on the whole chapter, so page seams are inside a document; they have
no goal. In the examples, a miss with nothing before the arrow is a word the pipeline's text
lacks (lost by the OCR or by the other stages), not one the stage failed to correct.

For every set it scores, side by side in one run:
  raw          the OCR text as it is
  pipeline     every text stage except spelling
  +spelling    the same, then the spelling stage (default config: safe fixes only)
  compound     the pipeline's text, then symspellpy lookup_compound line by line (baseline)
  per-word     the pipeline's text, then a careful per-word symspellpy lookup (TOP, distance
               2) that keeps punctuation and case and skips numbers (baseline)
  ceiling      the pipeline's text with every misread word put right from the ground truth
               (``word_ceiling``): the CER drop no word corrector can pass, lost and inserted
               text, punctuation runs and layout differences being left as they are
and prints per set CER, WER, words fixed and damaged (right in the pipeline's text, wrong
after), documents made worse (CER above the pipeline's), the spelling flags a reviewer sees,
and the speed of the whole pipeline with the stage.

Scoring (as ../shared/benchdata/README.md asks): Unicode NFC and whitespace runs collapsed;
oldbooks with page furniture kept and acl with its captions kept (their ground truths keep
them: these sets measure word correction, not layout); overproof-smh with the ground
truth's line-end hyphens resolved the way each output resolved them (bench/quality.py).
Words: whitespace tokens aligned to the ground truth (Levenshtein over tokens); a ground-truth
word is right in a text when it is aligned to an equal token there. Where a variant resolved
a ground-truth line-end hyphen otherwise than the pipeline (the stage joined a broken word the
pipeline left), the words at that break have two different references, so they are left out
of fixed and damaged and counted apart (``line_break_words_left_out``); the hyphen metrics of
bench/quality.py and bench/chapters.py judge those joins.

  python bench/spelling.py                 # the four pairs sets and chapters, all documents
  python bench/spelling.py --sets chapters,realchapters --no-baselines --examples 40
                                           # the held-out chapters, with examples
  python bench/spelling.py --half even     # the tuning half (even-numbered documents)
  python bench/spelling.py --examples 30   # also list fixes, damages and misses per set
  python bench/spelling.py --speed 3       # speed and memory of the whole pipeline with the
                                           # stage on a 3 MB mix of the pairs' OCR texts
  python bench/spelling.py --stability     # the stage again on its own output, every pairs
                                           # document and chapter: must propose nothing

--speed N: the pairs' OCR texts, shuffled and repeated up to N MB (10^6 bytes), cleaned by
every text stage with and without spelling, each run in a fresh process (start-up and the
lexicon's load included), CPU time; the median of 3 runs, for the texts as separate
documents and joined into one document (form feeds between), with each run's peak RSS.

Memory: issue 3 asks for a peak under 500 MB for the whole pipeline with the stage. It is
measured on one 10 MB document (bench/speed.py's mix of the pairs and chapters), through the
command line, outputs included:

  python -c "import sys; sys.path.insert(0, 'bench'); import speed, _common as C; \
    open('/tmp/big10.txt', 'w').write(speed.build_corpus(C.DEFAULT_BENCHDATA, 10_000_000, seed=1))"
  /usr/bin/time -v ocrmend clean /tmp/big10.txt -o /tmp/big10-out -q   # "Maximum resident set size"

The stage's own share is its plan (pipeline/stages/spelling.py): one version of the text and
its word columns at a time (the next one is built as the old one is let go), the decisions as
compact columns, the lexicon's index mapped from the disk cache, and the memoised answers
about single words (let go after a document of 2 million characters or more).
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
#: multi-page chapter sets: benchdata folder = set name, and the prefix of their files
CHAPTER_SETS = {"chapters": "chapter-", "realchapters": "real-"}
GOALS = {"oldbooks": 35.0, "acl-dev": 35.0, "overproof-smh": 15.0, "bln600": 15.0}
#: what each set's ground truth keeps (../shared/benchdata/README.md): oldbooks its running
#: heads and page numbers, acl its figure and table captions (filtered to word errors only)
SET_OPTIONS: dict[str, dict[str, Any]] = {"oldbooks": {"keep": ("header", "footer", "page_number")},
                                          "acl-dev": {"keep": ("caption",)}}
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


def _same_words(a: list[str], b: list[str]) -> tuple[dict[int, int], set[int]]:
    """Two resolutions of one ground truth (``a`` and ``b``, tokens) differ only at line-end
    breaks: the index in ``a`` of each token of ``b`` outside those places, and the indices of
    ``a`` so matched.

    >>> _same_words("the endeavour- ing to".split(), "the endeavouring to".split())
    ({0: 0, 2: 3}, {0, 3})
    """
    from rapidfuzz.distance import Levenshtein

    if a == b:
        return {k: k for k in range(len(b))}, set(range(len(a)))
    vocab: dict[str, int] = {}
    to_a: dict[int, int] = {}
    for op in Levenshtein.opcodes(_tok_ids(a, vocab), _tok_ids(b, vocab)):
        if op.tag == "equal":
            for k in range(op.src_end - op.src_start):
                to_a[op.dest_start + k] = op.src_start + k
    return to_a, set(to_a.values())


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


def documents(bd: Path, set_name: str) -> list[Path]:
    """The OCR texts (``*.ocr.txt``) of one set, in name order."""
    if set_name in CHAPTER_SETS:
        return sorted((bd / set_name).glob(f"{CHAPTER_SETS[set_name]}*.ocr.txt"))
    return sorted((bd / "pairs").glob(f"{set_name}-*.ocr.txt"))


def reference(ocr_file: Path, set_name: str) -> str:
    """The ground truth of one OCR text: for ``chapters`` the body paragraphs of NAME.gt.json
    (headings included, furniture not) one after another with blank lines, else NAME.gt.txt."""
    import json

    name = ocr_file.name[: -len(".ocr.txt")]
    if set_name == "chapters":
        return "\n\n".join(json.loads(ocr_file.with_name(name + ".gt.json").read_text(encoding="utf-8"))["body"])
    return ocr_file.with_name(name + ".gt.txt").read_text(encoding="utf-8")


def word_ceiling(gt: str, text: str) -> str:
    """``text`` with every misread word put right: each stretch of words that the alignment
    to ``gt`` (both normalised) pairs with other words of about the same letters (at most
    half of them differ: misreads, words run together or broken apart) becomes the ground
    truth's; lost and inserted text stays as it is. What a perfect word corrector would make
    of the pipeline's text: the most any spelling stage can take off its CER.

    >>> word_ceiling("the quick brown fox jumps over", "tbe quick brownfox jurnps ovcr")
    'the quick brown fox jumps over'
    >>> word_ceiling("the quick brown fox jumps over it", "the quick over it")
    'the quick over it'
    """
    from rapidfuzz.distance import Levenshtein

    g, t = gt.split(), text.split()
    vocab: dict[str, int] = {}
    out: list[str] = []
    gs: list[str] = []
    ts: list[str] = []

    def settle() -> None:  # a run of differing words between two equal ones
        misread = (gs and ts and all(_WORDISH.search(w) for w in ts)
                   and Levenshtein.normalized_distance(" ".join(gs), " ".join(ts)) <= 0.5)
        out.extend(gs if misread else ts)
        gs.clear()
        ts.clear()

    for op in Levenshtein.opcodes(_tok_ids(g, vocab), _tok_ids(t, vocab)):
        if op.tag == "equal":
            settle()
            out.extend(t[op.dest_start:op.dest_end])
        else:
            gs.extend(g[op.src_start:op.src_end])
            ts.extend(t[op.dest_start:op.dest_end])
    settle()
    return " ".join(out)


def run_doc(raw: str, options: dict[str, Any], base_config) -> dict[str, Any]:
    from pipeline import stages
    from pipeline.config import from_mapping
    from pipeline.runner import apply_proposals, run_rules
    from pipeline.rules import Context, rule_id
    from pipeline.stages import spelling

    config = from_mapping(options, base_config) if options else base_config
    before = [f for f in stages.all_rules() if not rule_id(f).startswith("spelling.")]
    t0 = time.process_time()
    doc = run_rules(raw, before, config)
    t1 = time.process_time()
    pipe_text = doc.text
    n_flags = len(doc.flags)
    settings = config.stage_settings("spelling", spelling.Settings)
    for func in spelling.RULES:
        rid = rule_id(func)
        if config.rule_enabled(rid):
            apply_proposals(doc, rid, func(doc.text, Context(doc=doc, config=config, settings=settings)), config)
    t2 = time.process_time()
    # stability: the stage run again on its own output must propose nothing
    again = run_rules(doc.text, list(spelling.RULES), config)
    return {
        "second_pass_changes": len(again.changes),
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
    # words fixed and damaged, against the pipeline's text (the stage's input): the ground
    # truth resolved as the pipeline resolved its line-end hyphens. Where a variant resolved a
    # break otherwise (the stage joined "enaoavour" / "ing" into "endeavouring" across a line
    # break the ground truth prints as "endeavour-"), the words at that break are left out of
    # both counts (``breaks``): the two ground truths differ there, so "right before, wrong
    # after" would compare the word with two different references. The hyphen metrics of
    # quality.py and chapters.py judge those joins.
    gp = gts["pipeline"]
    gpw = gp.split()
    right_in, wrong_in = right_words(gp, C.norm(texts["pipeline"]))
    rec["examples"] = {}
    for v in ("+spelling", "compound", "per-word"):
        to_gp, kept = _same_words(gpw, gts[v].split())
        right_v, wrong_v = right_words(gts[v], C.norm(texts[v]))
        right_out = {to_gp[k] for k in right_v if k in to_gp}
        rec[f"{v}_fixed"] = len(right_out - right_in)
        rec[f"{v}_damaged"] = len((right_in & kept) - right_out)
        rec[f"{v}_breaks"] = len(gpw) - len(kept)
        if v == "+spelling":
            win = dict(wrong_in)
            wout = {to_gp[k]: w for k, w in wrong_v if k in to_gp}
            rec["examples"]["fixed"] = [(win.get(k, ""), gpw[k]) for k in sorted(right_out - right_in)]
            rec["examples"]["damaged"] = [(gpw[k], wout.get(k, "")) for k in sorted((right_in & kept) - right_out)]
            rec["examples"]["missed"] = [(win[k], gpw[k]) for k in sorted(set(win) - right_out) if k in wout]
    return rec


SPEED_CHILD = r"""
import json, random, resource, sys, time
t0 = time.process_time()
from pathlib import Path
from pipeline import stages
from pipeline.config import load
from pipeline.runner import run_rules
from pipeline.stages import spelling
pairs, size, mode, with_spelling = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
texts = [f.read_text(encoding="utf-8").strip("\f\n") + "\n" for f in sorted(pairs.glob("*.ocr.txt"))]
rng = random.Random(0)
docs, total = [], 0
while total < size * 1e6:
    order = list(range(len(texts)))
    rng.shuffle(order)
    for i in order:
        docs.append(texts[i])
        total += len(texts[i].encode("utf-8"))
        if total >= size * 1e6:
            break
if mode == "one":
    docs = ["\f".join(docs)]
config = load()
base = [f for f in stages.all_rules() if not f.rule_id.startswith("spelling.")]
rules = [*base, *spelling.RULES] if with_spelling else base
for d in docs:
    run_rules(d, rules, config)
cpu = time.process_time() - t0
print(json.dumps({"bytes": total, "cpu_s": cpu, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def speed(pairs: Path, size: float, runs: int = 3) -> dict[str, Any]:
    """Median KB/s (10^3 bytes of input a CPU second) of fresh processes, with and without
    the spelling stage, the texts as separate documents and as one."""
    import json
    import subprocess

    out: dict[str, Any] = {}
    for mode in ("docs", "one"):
        for with_spelling in (False, True):
            rates, rss = [], []
            for _ in range(runs):
                p = subprocess.run([sys.executable, "-c", SPEED_CHILD, str(pairs), str(size), mode, "1" if with_spelling else "0"],
                                   capture_output=True, text=True, cwd=C.REPO, check=True)
                r = json.loads(p.stdout.strip().splitlines()[-1])
                rates.append(r["bytes"] / 1000 / r["cpu_s"])
                rss.append(r["peak_rss_mib"])
            key = f"{mode} {'with' if with_spelling else 'without'} spelling"
            out[key] = {"kb_s_median": round(C.median(rates)), "kb_s_runs": [round(x) for x in rates],
                        "peak_rss_mib": round(max(rss))}
    return out


def stability(bd: Path, config) -> dict[str, Any]:
    """Changes the stage proposes on its own output (alone, and in a second run of every
    stage), over every pairs document and every chapter."""
    from pipeline import stages
    from pipeline.runner import run_rules
    from pipeline.stages import spelling

    rules = [*(f for f in stages.all_rules() if not f.rule_id.startswith("spelling.")), *spelling.RULES]
    files = [*sorted((bd / "pairs").glob("*.ocr.txt")), *sorted((bd / "chapters").glob("*.ocr.txt")),
             *sorted((bd / "realchapters").glob("*.ocr.txt"))]
    alone = again = 0
    examples = []
    for f in files:
        doc = run_rules(f.read_text(encoding="utf-8"), rules, config)
        second = run_rules(doc.text, list(spelling.RULES), config)
        third = run_rules(doc.text, rules, config)
        moved = [c for c in third.changes if c.stage == "spelling"]
        alone += len(second.changes)
        again += len(moved)
        examples += [(f.name, c.rule, c.before, c.after) for c in [*second.changes, *moved]][:5]
    return {"documents": len(files), "stage_alone": alone, "whole_pipeline": again, "examples": examples[:20]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchdata", help="the benchdata folder (default ../shared/benchdata)")
    ap.add_argument("--sets", default=",".join([*SETS, "chapters"]),
                    help=f"comma-separated, from {', '.join([*SETS, *CHAPTER_SETS])} (default: the first five)")
    ap.add_argument("--half", choices=("all", "even", "odd"), default="all",
                    help="even: documents 0, 2, 4 ... of each set (for tuning); odd: the others")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--examples", type=int, default=0,
                    help="list this many fixes, damages and misses (wrong before and after) per set")
    ap.add_argument("--unsafe-fixes", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a [tool.ocrmend.spelling] setting for this run (repeatable), e.g. safe_margin=2")
    ap.add_argument("--json", help="write the report here (default bench/out/spelling.json)")
    ap.add_argument("--speed", type=float, metavar="MB", help="measure speed and memory on a mix this large, only")
    ap.add_argument("--stability", action="store_true", help="measure the second-pass changes only")
    args = ap.parse_args()
    if args.speed or args.stability:
        C.in_repo()
        from pipeline.config import load as load_config

        bd = C.benchdata(args.benchdata)
        if args.stability:
            r = stability(bd, load_config())
            print(f"second pass over {r['documents']} documents (pairs, chapters, real chapters): "
                  f"the stage alone proposes {r['stage_alone']} changes; every stage again, {r['whole_pipeline']} "
                  f"spelling changes")
            for e in r["examples"]:
                print("  ", e)
        if args.speed:
            r = speed(bd / "pairs", args.speed)
            print(f"speed on a {args.speed:g} MB mix of the pairs' OCR texts (fresh process per run, CPU time, "
                  "median of 3):")
            for k, v in r.items():
                print(f"  {k:32s} {v['kb_s_median']:5d} KB/s  (runs {v['kb_s_runs']}; peak RSS {v['peak_rss_mib']} MiB)")
        return
    C.in_repo()
    from pipeline.config import load
    from pipeline.lexicon import get_lexicon
    from pipeline.spelling_data import load_index

    base = load()
    if args.unsafe_fixes:
        base = base.replace(unsafe_fixes=True)
    if args.set:
        from pipeline.config import from_mapping

        def value(v: str) -> Any:
            for kind in (int, float):
                try:
                    return kind(v)
                except ValueError:
                    pass
            return {"true": True, "false": False}.get(v.lower(), v)

        base = from_mapping({"spelling": {k: value(v) for k, _, v in (x.partition("=") for x in args.set)}}, base)
    t0 = time.process_time()
    lex = get_lexicon(base.dictionaries)
    load_index(lex.counts)
    t_lex = time.process_time() - t0
    baselines = None if args.no_baselines else Baselines()
    bd = C.benchdata(args.benchdata)
    report: dict[str, Any] = {"state": C.pipeline_state(), "lexicon_seconds": round(t_lex, 3), "sets": {}}
    rows = []
    wrows = []
    tot_bytes = 0
    tot_secs = 0.0
    for set_name in args.sets.split(","):
        files = documents(bd, set_name)
        if args.half != "all":
            files = files[(0 if args.half == "even" else 1)::2]
        if args.limit:
            files = files[: args.limit]
        options = SET_OPTIONS.get(set_name, {})
        mirror = set_name in MIRROR_GT_HYPHENS
        agg: Counter = Counter()
        worse: Counter = Counter()
        examples: dict[str, Counter] = {"fixed": Counter(), "damaged": Counter(), "missed": Counter()}
        rules: Counter = Counter()
        n_docs = 0
        for f in files:
            gt_text = reference(f, set_name)
            raw = f.read_text(encoding="utf-8")
            r = run_doc(raw, options, base)
            texts = {"raw": raw, "pipeline": r["pipeline"], "+spelling": r["+spelling"]}
            if baselines:
                texts["compound"] = baselines.compound(r["pipeline"])
                texts["per-word"] = baselines.per_word(r["pipeline"])
            else:
                texts["compound"] = texts["per-word"] = r["pipeline"]
            texts["ceiling"] = word_ceiling(C.norm(gt_text), C.norm(r["pipeline"]))
            s = score(gt_text, texts, mirror)
            n_docs += 1
            for k, v in s.items():
                if isinstance(v, (int, float)):
                    agg[k] += v
            for v in ("+spelling", "compound", "per-word"):
                worse[v] += s[f"{v}_cd"] > s["pipeline_cd"]
                worse[v + " vs raw"] += s[f"{v}_cd"] > s["raw_cd"]
            agg["flags"] += len(r["spelling_flags"])
            agg["second_pass"] += r["second_pass_changes"]
            agg["changes"] += len(r["spelling_changes"])
            for c in r["spelling_changes"]:
                rules[c.rule] += 1
            for fl in r["spelling_flags"]:
                rules[fl.rule + " (flag)"] += 1
            for k in examples:
                for a, b in s["examples"].get(k, []):
                    examples[k][f"{a} -> {b}"] += 1
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
            "line_break_words_left_out": {v: agg[f"{v}_breaks"] for v in VARIANTS[2:]},
            "worse_than_pipeline": {v: worse[v] for v in VARIANTS[2:]},
            "worse_than_raw": {v: worse[v + " vs raw"] for v in VARIANTS[2:]},
            "spelling_changes": agg["changes"], "spelling_flags": agg["flags"],
            "second_pass_changes": agg["second_pass"],
            "rules": dict(rules),
            "cer_drop_vs_raw_pct": round(100 * (1 - cer["+spelling"] / cer["raw"]), 1) if cer["raw"] else None,
            # a perfect word corrector on the pipeline's text (word_ceiling): the most a
            # spelling stage could reach, lost and inserted text left as it is
            "ceiling_cer": C.pct(agg["ceiling_cd"], gc),
            "ceiling_drop_vs_raw_pct": round(100 * (1 - agg["ceiling_cd"] / agg["raw_cd"]), 1) if agg["raw_cd"] else None,
            "goal_pct": GOALS.get(set_name),
            "stage_kb_per_s": round(agg["bytes"] / 1024 / max(agg["t_spelling"], 1e-9), 1),
            "pipeline_kb_per_s": round(agg["bytes"] / 1024 / max(agg["t_pipeline"] + agg["t_spelling"], 1e-9), 1),
            "examples": {k: examples[k].most_common(args.examples) for k in examples} if args.examples else {},
        }
        report["sets"][set_name] = rec
        rows.append([set_name, n_docs, *(cer[v] for v in VARIANTS), rec["cer_drop_vs_raw_pct"], rec["goal_pct"],
                     rec["ceiling_drop_vs_raw_pct"]])
        wrows.append([set_name, gw, *(wer[v] for v in VARIANTS[1:]),
                      *(f"{rec['fixed'][v]}/{rec['damaged'][v]}/{rec['worse_than_pipeline'][v]}" for v in VARIANTS[2:]),
                      agg["changes"], f"{agg['flags']} ({C.pct(agg['flags'], gw)}%)", agg["second_pass"],
                      f"1/{gw // max(1, rec['damaged']['+spelling'])}" if rec["damaged"]["+spelling"] else "0"])
    print(C.rules_line(report["state"]))
    print(f"lexicon + spelling index load: {t_lex:.3f} s; half: {args.half}\n")
    print("CER % (lower is better); drop = +spelling vs raw; ceiling = the drop a perfect word corrector would give")
    print(C.table(["set", "docs", *VARIANTS, "drop %", "goal %", "ceiling %"], rows))
    print("\nWER %, and words fixed/damaged/docs worse than the pipeline (per variant)")
    print(C.table(["set", "words", *(f"WER {v}" for v in VARIANTS[1:]), *(f"f/d/w {v}" for v in VARIANTS[2:]),
                   "changes", "flags", "2nd pass", "damage rate"], wrows))
    left_out = {k: v["line_break_words_left_out"]["+spelling"] for k, v in report["sets"].items()}
    if any(left_out.values()):
        print("words at line-end breaks the stage resolved otherwise than the pipeline, left out of fixed and "
              "damaged: " + ", ".join(f"{k} {n}" for k, n in left_out.items()))
    print(f"\nspeed (CPU time of this process), whole pipeline with spelling: "
          f"{tot_bytes / 1024 / max(tot_secs, 1e-9):.0f} KB/s ({tot_bytes / 1024:.0f} KB in {tot_secs:.2f} s, one core); "
          "the stage alone: " + ", ".join(f"{k} {v['stage_kb_per_s']:.0f}" for k, v in report["sets"].items()) + " KB/s")
    if args.examples:
        for set_name, rec in report["sets"].items():
            print(f"\n## {set_name}: rules {rec['rules']}")
            for k in ("damaged", "fixed", "missed"):
                print(f"  {k}: " + "; ".join(f"{e} x{n}" if n > 1 else e for e, n in rec["examples"][k]))
    C.write_json(Path(args.json) if args.json else C.OUT / "spelling.json", report)


if __name__ == "__main__":
    main()
