"""The fragments stage, driven by the case files in ``tests/cases/fragments/`` (the format is
described in ``test_layout.py``). Cases run the layout stage first, as the pipeline does."""
from __future__ import annotations

import pytest

from test_layout import load_cases, run_case, stage_rules
from pipeline.runner import run_rules

CASES = load_cases("fragments")


@pytest.mark.parametrize("name, case", CASES, ids=[n for n, _ in CASES])
def test_fragments_case(name: str, case: dict) -> None:
    run_case(case, "fragments")


def test_cases_cover_what_must_stay() -> None:
    unchanged = [n for n, c in CASES if "expected" not in c and not c.get("config")]
    assert len(unchanged) >= 5, unchanged


def test_fragment_text_is_kept_whole_in_its_region() -> None:
    """Fragments are never edited: the region holds the line exactly as printed."""
    strip = "nd his two\n. They as-\nwaterfall,\nntly going\n; felt com-\nesses were\n\n"
    body = (
        "all the robberies alleged being under similar circumstances. The pris-\n"
        "oner was taken into custody, it appeared, on a charge of stealing a\n"
    ) * 4
    doc = run_rules(strip + body, stage_rules(["layout", "fragments"]))
    texts = [r.text for r in doc.regions if r.kind == "fragment"]
    assert texts == strip.split("\n")[:6]
    for r in doc.regions:
        if r.kind == "fragment":
            assert doc.raw[r.raw[0]:r.raw[1]] == r.text


def test_a_strip_is_one_region_per_line() -> None:
    from pipeline import clean

    strip = "nd his two\n. They as-\nwaterfall,\nntly going\n; felt com-\nesses were\n\n"
    body = "all the robberies alleged being under similar circumstances. The prisoner was\n" * 8
    blocks = [b for b in clean(strip + body).blocks if b["kind"] == "fragment"]
    assert [b["text"] for b in blocks] == strip.split("\n")[:6]
    assert all(not b["in_body"] for b in blocks)
