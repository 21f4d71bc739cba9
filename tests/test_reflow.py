"""The reflow stage, driven by the case files in ``tests/cases/reflow/``.

A case file is TOML::

    description = "what the case shows"
    stages = ["reflow"]            # stages to run, in pipeline order (default: reflow alone)
    config = { reflow = { short_line = 0.7 } }   # optional configuration
    input = \"\"\"text as reflow gets it; \\f is a form feed\"\"\"
    expected = \"\"\"the text after the stages\"\"\"   # omitted: must come back unchanged
    rules = ["reflow.unwrap_lines"]  # the rules that changed the text, exactly (omitted: none)
    typed = [["heading", "text"]]    # regions layout would have typed (simulated)
    removed = [["caption", "text"]]  # blocks layout would have taken out (simulated)

``typed`` and ``removed`` stand in for the layout stage, so that these cases test reflow and
nothing else. Every case is also checked for the promises: the log replays to the output,
nothing but whitespace changes, and running the stage again on the output changes nothing.
"""
from __future__ import annotations

import random
import re
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import api
from pipeline.config import from_mapping
from pipeline.edits import Edit, Region
from pipeline.rules import rule, rule_doc, rule_id
from pipeline.runner import run_rules
from pipeline.stages import STAGES, load, reflow

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).parent / "cases" / "reflow"


def load_cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        with path.open("rb") as fh:
            out.append((path.stem, tomllib.load(fh)))
    return out


def layout_fixture(typed: list, removed: list):
    """A stand-in for the layout stage: types and takes out the blocks a case names."""

    @rule("layout.case_fixture")
    def case_fixture(text, ctx):
        for kind, needle in typed:
            i = text.find(needle)
            if i >= 0:
                yield Region(kind, i, i + len(needle))
        for kind, needle in removed:
            i = text.find(needle)
            if i >= 0:
                end = i + len(needle)
                while end < len(text) and text[end] in " \n":
                    end += 1
                yield Region(kind, i, i + len(needle))
                yield Edit(i, end, "", "taken out (test fixture)", removes=kind)

    return case_fixture


def case_rules(case: dict) -> list:
    rules = []
    if case.get("typed") or case.get("removed"):
        rules.append(layout_fixture(case.get("typed", []), case.get("removed", [])))
    stages = case.get("stages", ["reflow"])
    for name in STAGES:
        if name in stages:
            rules.extend(load(name).RULES)
    return rules


def non_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


CASE_LIST = load_cases()


@pytest.mark.parametrize("name, case", CASE_LIST, ids=[n for n, _ in CASE_LIST])
def test_reflow_case(name: str, case: dict) -> None:
    rules = case_rules(case)
    config = from_mapping(case.get("config", {}))
    raw = case["input"]
    doc = run_rules(raw, rules, config)
    expected = case.get("expected", raw)
    assert doc.text == expected, case["description"]

    changed = {c.rule for c in doc.changes}
    assert changed == set(case.get("rules", [])), f"rules that changed the text: {sorted(changed)}"

    # the promises: the log replays to the output; reflow changes whitespace only (what
    # the simulated layout took out aside); the output is stable
    assert api.replay(raw, [c.to_record() for c in doc.changes]) == doc.text
    for c in doc.changes:
        if c.stage == "reflow":
            assert non_space(c.before) == non_space(c.after), (c.rule, c.before, c.after)
    again = run_rules(doc.text, rules, config)
    assert again.changes == [], [(c.rule, c.before, c.after) for c in again.changes]


def test_every_case_says_what_it_shows() -> None:
    assert len(CASE_LIST) >= 20
    assert all(c.get("description") for _, c in CASE_LIST)
    unchanged = [n for n, c in CASE_LIST if "expected" not in c]
    assert len(unchanged) >= 8, unchanged
    for kind in ("verse", "table", "list", "dialogue", "headings", "paragraph_end"):
        assert any(kind in n for n in unchanged), f"no must-stay-unchanged case for {kind}"


def test_rules_are_in_order_with_ids_and_docs() -> None:
    ids = [rule_id(r) for r in reflow.RULES]
    assert ids == ["reflow.join_split_paragraphs", "reflow.unwrap_lines", "reflow.blank_lines"]
    assert all(rule_doc(r) and ">>>" in (r.__doc__ or "") for r in reflow.RULES)


def test_settings_come_from_the_config() -> None:
    text = (
        "The prisoner was taken into custody, it appeared,\non a charge of stealing a watch and other\n"
        "articles, value twelve pounds, from the house\nof Miss Keene at Lee.\nHe was given access to "
        "the bedrooms, and after\nhe had gone a watch and two rings were missed\nfrom the drawers.\n"
    )
    split = run_rules(text, list(reflow.RULES)).text
    assert "Lee.\n\nHe was" in split
    # a stricter idea of a short line, and no test of room left for the next word: that line
    # is no longer short enough to end a paragraph
    strict = run_rules(text, list(reflow.RULES), from_mapping({"reflow": {"short_line": 0.3, "room_share": 0}})).text
    assert "Lee. He was" in strict
    # the room test alone still ends it: "He" would have fitted on the line
    room = run_rules(text, list(reflow.RULES), from_mapping({"reflow": {"short_line": 0.3}})).text
    assert "Lee.\n\nHe was" in room


# -- stability and the promises on generated book pages ---------------------------------------
WORDS = (
    "the of and a to in was he that it his with as for had on by at not but from they which "
    "prisoner magistrate constable house watch Mrs. Keene London Sino-Soviet 1949–50 Kim Il-sung "
    "well-known [sic] “quoted” (CPSU) U.S./UN pre- post-war illu- sions"
).split()


def sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(3, 18))]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rnd.choice([".", ".", ".", "?", "!", ".”", ";", ",", ""])


def book(seed: int) -> str:
    """Printed pages: wrapped paragraphs, a heading or a poem now and then, page ends (form
    feeds) anywhere, OCR block breaks (blank lines) inside paragraphs."""
    rnd = random.Random(seed)
    width = rnd.randint(35, 90)
    out: list[str] = []
    for _ in range(rnd.randint(1, 12)):
        r = rnd.random()
        if r < 0.1:
            out.append(rnd.choice(["CHAPTER IV", "The Alliance's Golden Years", "II."]))
            continue
        if r < 0.15:
            out.append("For hill and battle plain,\nWith dying men and slain,\nGrew mountain heights of pain,\nAnd mine is boundless woe.")
            continue
        para = " ".join(sentence(rnd) for _ in range(rnd.randint(1, 6)))
        lines = textwrap.wrap(para, width, break_on_hyphens=False)
        for i in range(1, len(lines)):
            if rnd.random() < 0.05:
                lines[i] = rnd.choice(["\f", "\n"]) + lines[i]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9))
def test_cleaning_the_clean_text_changes_nothing(seed: int) -> None:
    raw = book(seed)
    rules = list(reflow.RULES)
    doc = run_rules(raw, rules)
    assert non_space(doc.text) == non_space(raw)  # nothing lost, nothing invented
    assert api.replay(raw, [c.to_record() for c in doc.changes]) == doc.text
    again = run_rules(doc.text, rules)
    assert again.changes == [], [(c.rule, c.before, c.after) for c in again.changes]


def test_printed_paragraphs_come_back_one_a_line() -> None:
    paragraphs = [
        "The prisoner was taken into custody, it appeared, on a charge of stealing a watch and other "
        "articles from the residence of Miss Keene, of Lee, who gave evidence.",
        "He was given access to the bedrooms, and after he had gone a watch, two rings and two lockets "
        "were missed. His statement of having been sent was found to be false; he was remanded.",
        "Witness said new blinds were not required, whereupon the prisoner said he had been sent to put "
        "some new springs, and he was permitted to go upstairs.",
    ]
    printed = ["\n".join(textwrap.wrap(p, 48)) for p in paragraphs]
    # a page end in the middle of the second paragraph, and an OCR block break in the third
    printed[1] = printed[1].replace("\n", "\n\f", 1)
    printed[2] = printed[2].replace("\n", "\n\n", 1)
    printed = "\n\n".join(printed)
    doc = run_rules(printed, list(reflow.RULES))
    assert doc.text == "\n\n".join(paragraphs) + "\n"


def test_a_large_text_is_reflowed_in_linear_time() -> None:
    small = "".join(book(seed) for seed in range(40))
    large = small * 10
    rules = list(reflow.RULES)
    run_rules(small, rules)
    t0 = time.perf_counter()
    run_rules(small, rules)
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_rules(large, rules)
    t_large = time.perf_counter() - t0
    assert t_large < 25 * max(t_small, 1e-3)
