"""The layout stage, driven by the case files in ``tests/cases/layout/``.

A case file is TOML::

    description = "what the case shows"
    stages = ["layout"]          # stages to run, in pipeline order (default: the folder's stage)
    config = { keep = ["header"] }   # optional configuration
    input = \"\"\"raw text; \\f is a form feed\"\"\"
    expected = \"\"\"the text after the stages\"\"\"   # omitted: must come back unchanged
    rules = ["layout.form_feed"] # the rules that changed the text, exactly (omitted: none)
    regions = [["header", "LEAVES FROM OLD NEWSPAPERS 7"]]   # (kind, text) found, at least
    no_regions = ["fragment"]    # kinds that must not be found
    pages = 3                    # pages found (page breaks + 1)
    flags = 1                    # at least this many flags

Every case is also checked for the promises: the change log replays to the output, and
running the stages again on the output changes nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline import api
from pipeline.config import from_mapping
from pipeline.runner import run_rules
from pipeline.stages import STAGES, load

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).parent / "cases"


def load_cases(stage: str) -> list[tuple[str, dict]]:
    out = []
    for path in sorted((CASES / stage).glob("*.toml")):
        with path.open("rb") as fh:
            out.append((path.stem, tomllib.load(fh)))
    return out


def stage_rules(stages: list[str]) -> list:
    rules = []
    for name in STAGES:
        if name in stages:
            rules.extend(load(name).RULES)
    return rules


def run_case(case: dict, default_stage: str) -> None:
    stages = case.get("stages", [default_stage])
    rules = stage_rules(stages)
    config = from_mapping(case.get("config", {}))
    raw = case["input"]
    doc = run_rules(raw, rules, config)
    expected = case.get("expected", raw)
    assert doc.text == expected, case["description"]

    changed = {c.rule for c in doc.changes}
    assert changed == set(case.get("rules", [])), f"rules that changed the text: {sorted(changed)}"

    found = [(r.kind, r.text) for r in doc.regions]
    for kind, text in case.get("regions", []):
        assert (kind, text) in found, f"no {kind} region {text!r}; found {found}"
    kinds = {k for k, _ in found}
    for kind in case.get("no_regions", []):
        assert kind not in kinds, f"unexpected {kind}: {[t for k, t in found if k == kind]}"
    if "pages" in case:
        assert len(doc.page_starts) + 1 == case["pages"]
    if "flags" in case:
        assert len(doc.flags) >= case["flags"], [f.text for f in doc.flags]

    # the promises: the log replays to the output; the output is stable
    assert api.replay(raw, [c.to_record() for c in doc.changes]) == doc.text
    again = run_rules(doc.text, rules, config)
    assert again.changes == [], [(c.rule, c.before) for c in again.changes]


@pytest.mark.parametrize("name, case", load_cases("layout"), ids=[n for n, _ in load_cases("layout")])
def test_layout_case(name: str, case: dict) -> None:
    run_case(case, "layout")


def test_every_case_says_what_it_shows() -> None:
    cases = load_cases("layout")
    assert len(cases) >= 20
    assert all(c.get("description") for _, c in cases)
    assert sum(1 for _, c in cases if "expected" not in c) >= 8  # must-stay-unchanged cases


def test_rules_are_in_order_with_ids_and_docs() -> None:
    from pipeline.rules import rule_doc, rule_id
    from pipeline.stages import layout

    ids = [rule_id(r) for r in layout.RULES]
    assert ids[:2] == ["layout.form_feed", "layout.page_seam"]
    assert all(i.startswith("layout.") for i in ids) and len(set(ids)) == len(ids)
    assert all(rule_doc(r) and ">>>" in (r.__doc__ or "") for r in layout.RULES)


def test_keep_header_leaves_running_heads_in_place_and_stable() -> None:
    body = (
        "The prisoner was taken into custody, it appeared, on a charge of stealing a\n"
        "watch and other articles from the residence of Miss Keene, of Lee.\n"
    )
    raw = "\f".join(f"OLD NEWSPAPERS {n}\n\n{body}" for n in (7, 8, 9))
    rules = stage_rules(["layout"])
    kept = run_rules(raw, rules, from_mapping({"keep": ["header"]}))
    assert kept.text.count("OLD NEWSPAPERS") == 3
    assert sum(1 for r in kept.regions if r.kind == "header") == 3
    assert run_rules(kept.text, rules, from_mapping({"keep": ["header"]})).changes == []


def test_regions_are_in_raw_coordinates() -> None:
    raw = "A line of the first page that runs on to the\n\fOLD NEWSPAPERS 8\n\nsecond page of the book.\n"
    doc = run_rules(raw, stage_rules(["layout"]))
    for r in doc.regions:
        assert raw[r.raw[0]:r.raw[1]] == r.text
    assert doc.page_of(raw.index("second")) == 2


def test_a_large_text_is_cleaned_in_linear_time() -> None:
    import time

    page = (
        "{n} THE HISTORY OF THE WORLD\n\n"
        + "The prisoner was taken into custody, it appeared, on a charge of stealing a\n" * 30
        + "\n( {n} )\n"
    )
    small = "\f".join(page.format(n=n) for n in range(1, 21))
    large = "\f".join(page.format(n=n) for n in range(1, 201))
    rules = stage_rules(["layout", "fragments"])
    run_rules(small, rules)  # warm up (lexicon)
    t0 = time.perf_counter()
    run_rules(small, rules)
    t1 = time.perf_counter()
    run_rules(large, rules)
    t2 = time.perf_counter()
    assert (t2 - t1) < 25 * (t1 - t0) + 0.5


# -- the promises on generated book pages ------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_BODY = (
    "the prisoner was taken into custody on a charge of stealing a watch and other articles "
    "from the residence of a lady who said that she had never seen him before in her life and "
    "that the rings were her mother's illu- sions post- war 1949–50 Kim Il-sung [sic] “Yes.” "
    "CHAPTER III THE TOWER Mr. Smith ¹ * _ 23 Fig. 2. Courtesy of the Author's Collection."
).split()
_HEADS = ["LEAVES FROM OLD NEWSPAPERS", "The Child of the Moat", "BETRAYED ARMENIA", "Law Reports"]
_STRIP = ["nd his two", ". They as-", "ntly going", "; felt com-", "esses were", "and then tol", "years old, in her evid"]


@st.composite
def book_pages(draw):
    """A few pages: maybe a head, lines of prose, a strip, a page number; form feeds or blank lines."""
    pages = []
    for n in range(draw(st.integers(1, 4))):
        lines = []
        if draw(st.booleans()):
            head = draw(st.sampled_from(_HEADS))
            lines += [draw(st.sampled_from([head, f"{n + 20} {head}", f"{head} {n + 20}"])), ""]
        for _ in range(draw(st.integers(1, 16))):
            # a printed line: 45 to 75 characters, or the short last line of a paragraph
            words = draw(st.lists(st.sampled_from(_BODY), min_size=8, max_size=16))
            line = " ".join(words)[:75]
            if draw(st.integers(0, 5)) == 0:
                lines += [line[: draw(st.integers(5, 40))].strip() or "the", ""]
            else:
                lines.append(line)
        if draw(st.integers(0, 3)) == 0:
            lines += [""] + draw(st.lists(st.sampled_from(_STRIP), min_size=1, max_size=8, unique=True)) + [""]
        if draw(st.booleans()):
            lines += ["", draw(st.sampled_from([f"( {n + 20} )", f"{n + 20}", f"— {n + 20} —"]))]
        pages.append("\n".join(lines) + "\n")
    return draw(st.sampled_from(["\f", "\n"])).join(pages)


@settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(book_pages())
def test_layout_and_fragments_are_stable_and_replay_on_book_pages(text):
    rules = stage_rules(["layout", "fragments"])
    doc = run_rules(text, rules)
    assert api.replay(text, [c.to_record() for c in doc.changes]) == doc.text
    for r in doc.regions:
        assert text[r.raw[0]:r.raw[1]] == r.text or r.kind == "emphasis"
    again = run_rules(doc.text, rules)
    assert again.changes == [], [(c.rule, c.before) for c in again.changes]


def test_lone_asterisks_across_a_long_stretch_are_debris_in_printed_lines_and_in_the_clean_text() -> None:
    # OCR specks read as asterisks pair up across a line break once reflow unwraps the lines;
    # the clean text must get the same answer as the printed lines (nothing more to change)
    raw = (
        "The harbour master said he was familiar with the dredges and conn«*T with the\n"
        "deepening of the eastern side of the quay, where much delay was caused in the\n"
        "wool season in consequence of shir* being berthed in that part of the harbour.\n"
    )
    once = api.clean(raw).text
    assert once.count("*") == 2
    assert api.clean(once).text == once


def test_one_pair_of_emphasis_around_a_few_words_is_markup_however_wrapped() -> None:
    printed = "The treaty was *always*\nan integral part of the plan, and the delegates knew it well.\n"
    once = api.clean(printed).text
    assert once == "The treaty was always an integral part of the plan, and the delegates knew it well.\n"
    emphasis = [b["text"] for b in api.clean(printed).to_dict()["blocks"] if b["kind"] == "emphasis"]
    assert emphasis == ["always"]
    assert api.clean(once).text == once


@pytest.mark.parametrize("head", ["THE CHILD OF THE SEA", "14 THE CHILD OF THE SEA", "The Child of the Sea"])
def test_one_page_file_opening_with_its_running_head_over_half_a_sentence(head: str) -> None:
    # one file per scanned page: the page head stands over the rest of a sentence begun on
    # the page before; nothing else on the page shows it is furniture, yet no heading
    # stands over half a sentence
    page = (
        f"{head}\n\n"
        "were carried down to the harbour before the tide turned, and the boats went out\n"
        "one by one into the grey morning with the nets piled high in their sterns.\n"
    )
    out = api.clean(page).text
    assert out == (
        "were carried down to the harbour before the tide turned, and the boats went out "
        "one by one into the grey morning with the nets piled high in their sterns.\n"
    )
    assert api.clean(out).text == out
