"""The dehyphenate stage: data-driven cases (tests/cases/dehyphenate/*.toml), stability on
its own output, replay through the public API, and its settings."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import clean, replay
from pipeline.config import from_mapping
from pipeline.edits import Edit, Region
from pipeline.rules import rule
from pipeline.runner import run_rules
from pipeline.stages import dehyphenate

CASES_DIR = Path(__file__).parent / "cases" / "dehyphenate"
HARNESS = "dehyphenate.case_layout"


def load_cases() -> list[dict]:
    cases = []
    for f in sorted(CASES_DIR.glob("*.toml")):
        for i, case in enumerate(tomllib.loads(f.read_text(encoding="utf-8"))["case"]):
            case["id"] = f"{f.stem}:{i}:{case['name']}"
            cases.append(case)
    return cases


CASES = load_cases()


def layout_for(case: dict):
    """A stand-in for the layout stage: page seams, typed blocks and removed blocks as the case says."""

    @rule(HARNESS)
    def case_layout(text, ctx):
        if case.get("pages"):
            for i, ch in enumerate(text):
                if ch == "\f":
                    yield Region("page_break", i, i + 1)
                    yield Edit(i, i + 1, "\n\n", "page seam")
        for kind, piece in case.get("regions", []):
            i = text.find(piece)
            if i >= 0:
                yield Region(kind, i, i + len(piece))
        for kind, piece in case.get("removed", []):
            i = text.find(piece)
            if i >= 0:
                yield Region(kind, i, i + len(piece))
                yield Edit(i, i + len(piece), "", f"{kind} out of the body", removes=kind)

    return case_layout


def run_case(case: dict, text: str):
    config = from_mapping(case["config"]) if "config" in case else None
    return run_rules(text, [layout_for(case), *dehyphenate.RULES], config)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    doc = run_case(case, case["input"])
    expected = case.get("output")
    if expected is None:
        assert doc.text == case["input"]
    else:
        assert doc.text == expected
    ours = [c for c in doc.changes if c.rule != HARNESS]
    if "changes" in case:
        assert [c.rule for c in ours] == case["changes"]
    if "flags" in case:
        assert [f.text for f in doc.flags] == case["flags"]
    if "suggestions" in case:
        assert list(doc.flags[0].suggestions) == case["suggestions"]
    for c in ours:
        assert 0.0 < c.confidence <= 1.0 and c.reason
        # an edit only ever removes the break: whitespace, the hyphen, scan specks
        assert c.after in ("", "-", "\N{HYPHEN}", "\N{NON-BREAKING HYPHEN}", "\N{EN DASH}")
        assert not any(ch.isalnum() for ch in c.before)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_is_stable(case):
    """Cleaning the stage's own output again proposes no change."""
    once = run_case(case, case["input"])
    twice = run_case(case, once.text)
    assert [c for c in twice.changes if c.rule != HARNESS] == []
    assert twice.text == once.text


def test_public_api_replays_and_logs_the_rule():
    text = "any remaining illu-\nsions, a self-\nevident truth, un-\n\nderstood at last"
    r = clean(text, select=("dehyphenate",))
    assert "illusions" in r.text and "self-evident" in r.text and "understood" in r.text
    assert replay(r.raw, r.changes_jsonl()) == r.text
    rules = [c["rule"] for c in r.changes]
    assert rules == ["dehyphenate.line_end", "dehyphenate.line_end", "dehyphenate.page_end"]
    assert all(c["stage"] == "dehyphenate" for c in r.changes)


def test_flags_carry_both_candidate_forms():
    r = clean("Co-operation first; cooperation later. Their co-\noperation ended.", select=("dehyphenate",))
    assert [f["suggestions"] for f in r.flags] == [["cooperation", "co-operation"]]
    assert r.flags[0]["rule"] == "dehyphenate.line_end"


def test_min_confidence_setting_turns_edits_into_flags():
    text = "a neologism the mor-\nphonax crossed"  # joined by default, on weak evidence
    assert "morphonax" in clean(text, select=("dehyphenate",)).text
    strict = clean(text, select=("dehyphenate",), dehyphenate={"min_confidence": 0.9})
    assert strict.text == text and strict.flags


def test_keep_prefixes_setting():
    # "longstanding" is a word, if a rare one next to "long" and "standing"
    text = "a long-\nstanding quarrel"
    assert clean(text, select=("dehyphenate",)).text == "a long-standing quarrel"
    plain = clean(text, select=("dehyphenate",), dehyphenate={"keep_prefixes": []})
    assert plain.text == "a longstanding quarrel"


def test_document_vocabulary_outvotes_the_lexicon():
    # "today" is the lexicon's word; this document prints "to-day"
    assert "to-day" in clean("We went to-day. He said to-\nday again.", select=("dehyphenate",)).text
    assert "today" in clean("We went today. He said to-\nday again.", select=("dehyphenate",)).text


WORDS = st.sampled_from(
    "the of and illu- sions post- victory self- evident Sino- Soviet 1949- 50 pre- and post-war "
    "Kim Il-sung “quoted” — – - -- ¬ ° _ | interna- CHAPTER [sic] ﬁrst ſ x ab 12 ( ) . , "
    "to- day to-day today co- operation cooperation Hew- son Oxford- street X- ray Cen- tral".split()
)
SEPARATORS = st.sampled_from([" ", " ", "\n", "\n\n", "\n\n\n", "\r\n", "\t", "-\n", "- \n", "\f"])


@st.composite
def ocr_like(draw):
    parts = []
    for _ in range(draw(st.integers(1, 40))):
        parts.append(draw(WORDS))
        parts.append(draw(SEPARATORS))
    return "".join(parts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ocr_like())
def test_stable_and_replayable_on_ocr_like_text(text):
    once = clean(text, select=("dehyphenate",))
    assert replay(once.raw, once.changes_jsonl()) == once.text
    twice = clean(once.text, select=("dehyphenate",))
    assert twice.changes == [], [(c["before"], c["after"], c["reason"]) for c in twice.changes]


# -- the vocabulary, updated rather than counted again -------------------------------------------
_VOCAB_TOKENS = st.sampled_from(
    ["self", "evident", "self-evident", "self‐made", "made", "illusions", "illusion's", "step-mother",
     "mother", "re-enter", "reenter", "entered", "co-op-era", "long-term", "term"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_VOCAB_TOKENS, max_size=20), st.lists(_VOCAB_TOKENS, max_size=6), st.lists(_VOCAB_TOKENS, max_size=6))
def test_changed_vocabulary_counts_as_a_fresh_one(words, before, after) -> None:
    """What each pass of the stage reads must not depend on how the counts were reached."""
    from collections import Counter

    base = dehyphenate.Vocabulary(Counter(words))
    tokens = Counter(words)
    tokens.subtract(before)
    tokens.update(after)
    fresh = dehyphenate.Vocabulary(tokens)
    updated = base.changed(before, after)
    for name in ("joined", "hyphenated", "joined_stems", "hyphenated_stems", "first_parts", "last_parts"):
        # a count of nothing and no count read the same (every lookup is .get(key, 0))
        assert +getattr(updated, name) == +getattr(fresh, name), name
    for first, second in [("self", "evident"), ("step", "mother"), ("re", "enter"), ("co", "op"), ("long", "term")]:
        for own in (None, "join", "keep"):
            assert updated.counts(first, second, own) == fresh.counts(first, second, own)
        assert updated.family(first, second) == fresh.family(first, second)
