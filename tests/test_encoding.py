"""The encoding stage: data-driven cases, the promises (replay, stability), and ftfy.

Each file in ``tests/cases/encoding/`` is one case:

    input       the raw text
    expected    the text after the encoding stage (omitted: it must come back unchanged)
    changes     the rule ids that changed something, each once (order does not matter)
    flags       the rule ids of the flags raised, one entry a flag
    flag_texts  optional: the text of each flag, in order
"""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.changelog import replay
from pipeline.rules import rule_id
from pipeline.runner import run_rules
from pipeline.stages import encoding
from pipeline.stages.encoding import RULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = sorted((Path(__file__).parent / "cases" / "encoding").glob("*.toml"))


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def clean(text: str):
    return run_rules(text, RULES)


def assert_promises(raw: str) -> str:
    """Replay gives the clean text; cleaning it again changes nothing. Returns the clean text."""
    doc = clean(raw)
    assert replay(raw, [c.to_record() for c in doc.changes]) == doc.text
    again = clean(doc.text)
    assert [(c.rule, c.before, c.after) for c in again.changes] == []
    return doc.text


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = load(path)
    raw = case["input"]
    doc = clean(raw)
    assert doc.text == case.get("expected", raw)
    assert sorted({c.rule for c in doc.changes}) == sorted(case.get("changes", []))
    assert sorted(f.rule for f in doc.flags) == sorted(case.get("flags", []))
    if "flag_texts" in case:
        assert [f.text for f in doc.flags] == case["flag_texts"]
    assert_promises(raw)


def test_cases_cover_every_rule() -> None:
    named = set()
    for path in CASES:
        case = load(path)
        named.update(case.get("changes", []))
        named.update(case.get("flags", []))
    assert named == {rule_id(r) for r in RULES}


def test_unchanged_cases_exist() -> None:
    assert sum(1 for p in CASES if p.stem.startswith("unchanged_")) >= 10


def test_raw_spans_point_at_raw_text() -> None:
    raw = "It\u00e2\u20ac\u2122s \ufb01ne,\u00a0caf\u00c3\u00a9 \u00ad\nx\r\ny e\u0301 \u0007"
    doc = clean(raw)
    for c in doc.changes:
        # every change's raw span holds (at most) what it replaced: all these rules only
        # touch raw characters once
        assert raw[c.raw[0]:c.raw[1]] == c.before


def test_each_change_is_small_and_says_what() -> None:
    raw = "It\u00e2\u20ac\u2122s the caf\u00c3\u00a9 \u00e2\u20ac\u0153Grand\u00e2\u20ac\u009d, a long line of sound text around it."
    doc = clean(raw)
    assert [(c.before, c.after) for c in doc.changes] == [
        ("\u00e2\u20ac\u2122", "\u2019"),
        ("\u00c3\u00a9", "\u00e9"),
        ("\u00e2\u20ac\u0153", "\u201c"),
        ("\u00e2\u20ac\u009d", "\u201d"),
    ]
    assert all("UTF-8 read as" in c.reason for c in doc.changes)
    assert "\\u009d" in doc.changes[-1].reason  # invisible characters are written as escapes


def test_nothing_lossy_by_default() -> None:
    text = "\u201cna\u00efve\u201d \u2014 \u00e6 \u0153 \u00bd \u00b2 \uff21 \u2122 \u2018x\u2019 \u2026"
    assert clean(text).text == text


def test_output_is_nfc() -> None:
    raw = "A\u0308rger, cafe\u0301, \u212b, Pe\u0301rez\u00ad\n"
    out = clean(raw).text
    assert unicodedata.is_normalized("NFC", out)


def test_plain_ascii_is_untouched_and_fast_path() -> None:
    text = "Plain ASCII text, with a hyphen- \nat a line end.\f\n" * 100
    assert clean(text).changes == []


def test_stage_is_stable_on_a_book_like_text() -> None:
    raw = (
        "\ufeffCHAPTER I.\r\n\r\nThe \ufb01rst \ufb02oor was \u00e2\u20ac\u0153occupied\u00e2\u20ac\u009d by a\u00a0"
        "Ne\ufffdcastle man\u2014an illu\u00ad\r\nsion.\f\u000b"
    )
    out = assert_promises(raw)
    assert out == "CHAPTER I.\n\nThe first floor was \u201coccupied\u201d by a Ne\ufffdcastle man\u2014an illu-\nsion.\f\n"


# -- properties -------------------------------------------------------------------------

_PIECES = [
    "\u00c3\u00a9", "\u00e2\u20ac\u2122", "\u00e2\u20ac\u0153", "\u00e2\u20ac\u009d", "caf\u00c3\u00a9", " ", "\n", "word",
    "\u00e9", "e\u0301", "\u2019", "\u201c", "\u2014", "\u00ad", "\u00a0", "\u200b", "\u200d", "\ufeff", "\u0007",
    "\r\n", "\r", "\f", "\t", "\u0093", "\u0081", "\ufffd", "\ufb01", "\u0152uvre", "na\u00efve", "\u041f\u0440\u0438",
    "\u4e2d\u6587", "\u00d0\u0178\u00d1\u20ac", "\u00c3", "\u00c2", "1949\u201350", "\u0915\u094d", "\u0937",
    "\U0001F468", "\u2028", "\uff21", "A\u0303", "\u00a9", "\u0000",
]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_promises_on_mixed_pieces(raw: str) -> None:
    assert_promises(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=40))
def test_promises_on_any_text(raw: str) -> None:
    assert_promises(raw)


# -- the mojibake prefilter agrees with ftfy --------------------------------------------------

def _badness_alphabet() -> list[str]:
    """Every character ftfy's mojibake test names, plus a few ASCII letters and a space."""
    import re

    from ftfy.badness import MOJIBAKE_CATEGORIES

    classes = [re.compile(f"[{chars}]") for chars in MOJIBAKE_CATEGORIES.values()]
    candidates = [chr(c) for c in [*range(0x80, 0x590), *range(0x2000, 0x2600), 0xF8FF, 0xFFFD, *range(0xFB00, 0xFB07)]]
    named = [ch for ch in candidates if any(c.match(ch) for c in classes)]
    return named + list("\u00c2\u00c3\u00ce\u00d0\u00d8\u00d9\u221a\u0432\u0402\u0413\u045e\u03b2\u20ac\u0101\u201a\u00c4\u2248 aZ.")


def test_prefilter_never_hides_what_ftfy_calls_bad() -> None:
    from ftfy.badness import is_bad

    alphabet = _badness_alphabet()
    missed = [a + b for a in alphabet for b in alphabet if is_bad(a + b) and not encoding._MAYBE_BAD.search(a + b)]
    assert missed == []


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_badness_alphabet()), min_size=2, max_size=6))
def test_prefilter_on_longer_strings(text: str) -> None:
    from ftfy.badness import is_bad

    if is_bad(text):
        assert encoding._MAYBE_BAD.search(text)


@pytest.mark.parametrize("codec", ["sloppy-windows-1252", "latin-1", "sloppy-windows-1251", "macroman", "cp437", "iso-8859-2"])
def test_mojibake_from_each_code_page_is_repaired(codec: str) -> None:
    import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows codecs)

    original = "“Déjà vu”, naïve café — Œuvre"
    try:
        broken = original.encode("utf-8").decode(codec)
    except UnicodeDecodeError:
        pytest.skip(f"{codec} cannot hold these bytes")
    import ftfy

    expected = ftfy.fix_text(broken, uncurl_quotes=False, fix_latin_ligatures=False, fix_character_width=False)
    if expected == broken:
        pytest.skip(f"ftfy itself leaves {codec} mojibake of this text alone")
    assert clean(broken).text == unicodedata.normalize("NFC", expected)
