#!/usr/bin/env python3
"""What is left for a word corrector after the spelling stage, by kind (issue 3's CER goals).

For each set, the full pipeline's text (with spelling) is aligned word by word to the ground
truth; every run of differing words between two equal ones that a perfect word corrector
could put right (bench/spelling.py ``word_ceiling``: about the same letters) is counted, in
characters of edit distance, as one of:

  punctuation/case only        the same letters: quotes, apostrophes, capitals ("FISHERMAN’S")
  one word, dictionary         one word for one, 1-2 letters off, the right word a dictionary word
  one word, other              one word for one, further off or not in the dictionary
  several words                words run together or broken apart, garbled stretches

and the CER drop against raw is given as it is and as it would be if every "one word,
dictionary" misread were fixed too, with nothing damaged: the most a conservative
corrector of single misread words could reach on these sets.

    python bench/spelling_ceiling.py [--sets oldbooks,acl-dev,overproof-smh,bln600]

CER here is on the ground truth as it is (overproof's line-end hyphens not resolved the way
each output resolved them, as bench/spelling.py does), so overproof's figure differs a little.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common as C  # noqa: E402
from spelling import SET_OPTIONS, SETS, _WORDISH, _tok_ids, documents, reference, run_doc  # noqa: E402

ONE_WORD = "one word, dictionary"


def letters(w: str) -> str:
    return re.sub(r"[^A-Za-z]", "", w).lower()


def kind(gs: list[str], ts: list[str], lexicon: dict[str, int]) -> str:
    from rapidfuzz.distance import Levenshtein

    if [letters(w) for w in gs if letters(w)] == [letters(w) for w in ts if letters(w)]:
        return "punctuation/case only"
    if len(gs) == len(ts) == 1:
        right = letters(gs[0])
        if right and right in lexicon and Levenshtein.distance(right, letters(ts[0])) <= 2:
            return ONE_WORD
        return "one word, other"
    return "several words"


def left_for_correction(gt: str, text: str, lexicon: dict[str, int]) -> Counter:
    """Characters of edit distance a perfect word corrector would still take off, by kind."""
    from rapidfuzz.distance import Levenshtein

    g, t = gt.split(), text.split()
    out: Counter = Counter()
    gs: list[str] = []
    ts: list[str] = []

    def settle() -> None:
        a, b = " ".join(gs), " ".join(ts)
        if gs and ts and all(_WORDISH.search(w) for w in ts) and Levenshtein.normalized_distance(a, b) <= 0.5:
            out[kind(gs, ts, lexicon)] += Levenshtein.distance(a, b)
        gs.clear()
        ts.clear()

    vocab: dict[str, int] = {}
    for op in Levenshtein.opcodes(_tok_ids(g, vocab), _tok_ids(t, vocab)):
        if op.tag == "equal":
            settle()
        else:
            gs.extend(g[op.src_start:op.src_end])
            ts.extend(t[op.dest_start:op.dest_end])
    settle()
    return out


def main() -> None:
    from rapidfuzz.distance import Levenshtein

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--benchdata")
    args = ap.parse_args()
    C.in_repo()
    from pipeline.config import load
    from pipeline.lexicon import get_lexicon

    lexicon, base = get_lexicon().counts, load()
    bd = C.benchdata(args.benchdata)
    for set_name in args.sets.split(","):
        left: Counter = Counter()
        n = raw_d = now_d = 0
        for f in documents(bd, set_name):
            gt = C.norm(reference(f, set_name))
            raw = f.read_text(encoding="utf-8")
            text = C.norm(run_doc(raw, SET_OPTIONS.get(set_name, {}), base)["+spelling"])
            n += len(gt)
            raw_d += Levenshtein.distance(gt, C.norm(raw))
            now_d += Levenshtein.distance(gt, text)
            left += left_for_correction(gt, text, lexicon)
        total = sum(left.values())
        print(f"{set_name}: CER raw {100 * raw_d / n:.2f} %, now {100 * now_d / n:.2f} % (drop {100 * (1 - now_d / raw_d):.1f} %); "
              f"every one-word dictionary misread fixed too: drop {100 * (1 - (now_d - left[ONE_WORD]) / raw_d):.1f} %")
        for k, v in left.most_common():
            print(f"   {k:24s} {v:6d} characters  {100 * v / max(1, total):5.1f} % of what a perfect word corrector would still fix")


if __name__ == "__main__":
    main()
