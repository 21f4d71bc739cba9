"""The edit machinery: the runner, the offset map, stable ids, blocks and replay."""
from bisect import bisect_left, bisect_right

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.changelog import replay
from pipeline.config import Config, from_mapping
from pipeline.document import OffsetMap
from pipeline.edits import Edit, Flag, Region
from pipeline.errors import ConfigError, ReplayError
from pipeline.rules import rule
from pipeline.runner import RuleError, run_rules


@rule("reflow.test_upper_the")
def upper_the(text, ctx):
    """Test rule: 'the' → 'THE'."""
    i = text.find("the")
    while i >= 0:
        yield Edit(i, i + 3, "THE", "test")
        i = text.find("the", i + 1)


@rule("reflow.test_drop_x")
def drop_x(text, ctx):
    """Test rule: delete every 'x'."""
    for i, ch in enumerate(text):
        if ch == "x":
            yield Edit(i, i + 1, "", "test", removes="fragment")


@rule("reflow.test_overlap")
def overlap(text, ctx):
    yield Edit(0, 4, "AAAA", "first")
    yield Edit(2, 6, "BBBB", "overlaps the first: dropped")
    yield Edit(6, 6, "+", "insert")
    yield Edit(6, 6, "-", "second insert at the same point: dropped")


@rule("reflow.test_unsafe")
def unsafe(text, ctx):
    yield Edit(0, 1, "Z", "risky", safety="unsafe")
    yield Edit(1, 2, "Y", "just a suggestion", safety="suggest")
    yield Flag(2, 3, "look here")
    yield Region("heading", 0, len(text))


def test_changes_replay_to_the_text_and_map_to_raw():
    raw = "xthe cat saw xthe dog"
    doc = run_rules(raw, [drop_x, upper_the])
    assert doc.text == "THE cat saw THE dog"
    recs = [c.to_record() for c in doc.changes]
    assert replay(raw, recs) == doc.text
    for c in doc.changes:
        if c.rule == "reflow.test_upper_the":
            assert raw[c.raw[0]:c.raw[1]] == "the"
    # every current position maps into the raw text, monotonically
    assert list(doc.origin) == sorted(doc.origin)
    assert doc.raw_span(0, 3) == (1, 4)


def test_overlapping_and_duplicate_point_edits_are_dropped():
    doc = run_rules("0123456789", [overlap])
    assert doc.text == "AAAA45+6789"
    assert [c.after for c in doc.changes] == ["AAAA", "+"]


def test_unsafe_and_suggest_become_flags_unless_asked():
    doc = run_rules("abc", [unsafe])
    assert doc.text == "abc"
    assert [f.suggestions for f in doc.flags] == [("Z",), ("Y",), ()]
    doc2 = run_rules("abc", [unsafe], Config(unsafe_fixes=True))
    assert doc2.text == "Zbc"
    assert doc2.regions[0].kind == "heading"


def test_keep_skips_removal_edits():
    assert run_rules("axb", [drop_x]).text == "ab"
    assert run_rules("axb", [drop_x], from_mapping({"keep": "fragment"})).text == "axb"


def test_ids_are_stable_across_runs_and_unique():
    a = run_rules("the the the", [upper_the], name="doc")
    b = run_rules("the the the", [upper_the], name="doc")
    assert [c.id for c in a.changes] == [c.id for c in b.changes]
    assert len({c.id for c in a.changes}) == 3


def test_select_and_ignore_by_prefix():
    c = from_mapping({"ignore": "reflow.test_upper_the"})
    assert run_rules("the", [upper_the], c).text == "the"
    c = from_mapping({"select": "encoding"})
    assert run_rules("the", [upper_the], c).text == "the"
    assert Config().rule_enabled("dehyphenate.line_end")
    assert not from_mapping({"ignore": ["dehyphenate"]}).rule_enabled("dehyphenate.line_end")
    assert from_mapping({"ignore": ["dehyph"]}).rule_enabled("dehyphenate.line_end")


def test_rule_out_of_bounds_is_a_bug_not_silence():
    @rule("reflow.test_bad")
    def bad(text, ctx):
        yield Edit(0, len(text) + 5, "", "bad")

    with pytest.raises(RuleError):
        run_rules("abc", [bad])


def test_replay_refuses_a_log_that_does_not_fit():
    with pytest.raises(ReplayError):
        replay("abc", [{"kind": "change", "at": [0, 1], "before": "b", "after": ""}])
    with pytest.raises(ReplayError):
        replay("abc", [{"kind": "change", "at": [2, 9], "before": "c", "after": ""}])


def test_unknown_config_keys_are_refused():
    with pytest.raises(ConfigError):
        from_mapping({"colour": "red"})
    with pytest.raises(ConfigError):
        from_mapping({"keep": "everything"})


# -- the offset map against a plain list of raw offsets ----------------------------------------


@st.composite
def _edit_batches(draw: st.DrawFn) -> tuple[int, list[list[tuple[int, int, str]]]]:
    n = draw(st.integers(1, 40))
    size, batches = n, []
    for _ in range(draw(st.integers(1, 6))):
        cuts = sorted(draw(st.lists(st.integers(0, size - 1), max_size=12)))
        spans, last = [], -1
        for a, b in zip(cuts[::2], cuts[1::2]):
            if a <= last:
                continue
            spans.append((a, b, "x" * draw(st.integers(0, 3))))
            last = b
        batches.append(spans)
        size += sum(len(r) - (b - a) for a, b, r in spans)
    return n, batches


@settings(max_examples=300, deadline=None)
@given(_edit_batches())
def test_offset_map_reads_like_the_dense_map_it_stands_for(case) -> None:
    n, batches = case
    dense, runs = list(range(n)), OffsetMap(n)
    for spans in batches:
        for start, end, repl in reversed(spans):
            dense[start:end] = [dense[start]] * len(repl)
        runs.replace(spans)
        assert list(runs) == dense and len(runs) == len(dense)
        assert [runs[i] for i in range(len(dense))] == dense
        assert runs.many(range(len(dense))) == dense  # the batch lookup the runner uses
        for raw_pos in range(n + 2):
            assert runs.first_at_least(raw_pos) == bisect_left(dense, raw_pos)
            # every position that comes from exactly this raw offset (layout follows lines so)
            assert runs.positions_of(raw_pos) == (bisect_left(dense, raw_pos), bisect_right(dense, raw_pos))


def test_outputs_get_the_mode_of_an_ordinary_new_file(tmp_path) -> None:
    import os

    from pipeline.outputs import atomic_write

    old = os.umask(0o027)
    try:
        import importlib

        import pipeline.outputs as outputs

        importlib.reload(outputs)  # the mode is read from the umask at import
        outputs.atomic_write(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
        importlib.reload(outputs)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640
    atomic_write(tmp_path / "b.txt", "y")
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o666 & ~old
