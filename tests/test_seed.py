"""The client's sample: what issue 2 says the clean text must show."""
import re

import pytest

from conftest import SEED
from pipeline import clean, replay


@pytest.fixture(scope="module")
def result():
    return clean(SEED)


@pytest.fixture(scope="module")
def paragraphs(result):
    return result.text.split("\n\n")


def para_with(paragraphs, needle):
    hits = [p for p in paragraphs if needle in p]
    assert len(hits) == 1, f"{needle!r} in {len(hits)} paragraphs"
    return hits[0]


@pytest.mark.parametrize("word", ["understood", "illusions", "decided", "negotiation", "Central"])
def test_words_split_at_page_ends_are_joined(result, word):
    assert re.search(rf"\b{word}\b", result.text)


def test_compound_split_by_a_caption_keeps_its_hyphen_and_the_caption_moves_out(result, paragraphs):
    assert "the post-victory revolution at home" in result.text
    captions = [b for b in result.blocks if b["kind"] == "caption"]
    assert len(captions) == 1 and captions[0]["text"].startswith("Joseph Stalin (center)")
    assert "Courtesy Shi Zhe" not in result.text


@pytest.mark.parametrize(
    "before, after",
    [
        ("While security", "concerns and socialist"),
        ("thus enhancing Stalin's", "determination"),
        ("among top", "Chinese leaders"),
        ("strictly secret", "meetings"),
        ("deepened", "its organizational"),
        ("Soviet Union", "(CPSU)"),
        ("reflected,", "to some degree"),
    ],
)
def test_paragraphs_cut_by_page_seams_are_one_again(paragraphs, before, after):
    assert f"{before} {after}" in para_with(paragraphs, f"{before} {after}")


def test_no_ended_paragraph_is_joined(result):
    raw_paras = [p.strip() for p in SEED.read_text().split("\n\n") if p.strip()]
    ended = [p for p in raw_paras if len(p) > 200 and re.search(r"[.!?”\"’)\d¹²³⁴⁵⁶⁷⁸⁹⁰]$", p)]
    assert len(ended) > 30
    removed = {b["text"].strip() for b in result.blocks if b["kind"] in ("caption", "fragment", "footnote")}
    for p in ended:
        if p in removed:
            continue
        tail = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰*]+", "", p[-90:])[-60:]
        assert tail in result.text, tail
        assert tail + "\n" in result.text, f"joined to the next paragraph: {tail!r}"


def test_top_of_first_page_half_lines_are_fragments_untouched(result):
    frags = [b["text"] for b in result.blocks if b["kind"] == "fragment"]
    joined = "\n".join(frags)
    for line in ["Mao justified the CCP's decision", "his most consistent and power-",
                 "deprive the Americans of a means", "tation, a practice that would reach",
                 "\"change\" in China must therefore"]:
        assert line in joined
        assert line.split(" ")[1] not in result.text.split("\n\n")[0] or line not in result.text
    assert "power-deprive" not in result.text and "powerdeprive" not in result.text
    assert "Mao justified the CCP's decision" not in result.text


def test_titles_and_section_headings_are_headings(result, paragraphs):
    headings = [b["text"] for b in result.blocks if b["kind"] == "heading"]
    for h in ["The “Lean-to-One-Side” Approach", "Accumulated Tension",
              "The Alliance and China’s Korean War Experience", "The Alliance's Golden Years"]:
        assert h in headings
        assert h in paragraphs
    assert any(h.startswith("CHAPTER 3") for h in headings)
    assert any("MAO'S CHINA AND" in h for h in headings)


def test_epigraphs_stay_whole(result):
    epis = [b["text"] for b in result.blocks if b["kind"] == "epigraph"]
    assert any("Fluttering high are the banners of victory," in e and "Song of Sino-Soviet Solidarity" in e for e in epis)
    assert any("Never are there two suns in the heaven," in e and "Age-old Chinese proverb" in e for e in epis)


@pytest.mark.parametrize(
    "kept",
    ["Lean-to-One-Side", "Sino-Soviet", "Kim Il-sung", "1949–50", "top-level", "five-year", "U.S./UN",
     "“brotherly solidarity”", "\"sugar-coated bullet\"", "Mao's", "China’s"],
)
def test_printed_forms_stay(result, kept):
    # "1949–50" with an en dash is printed only in a fragment line; it stays there
    assert kept in result.text or any(kept in b["text"] for b in result.blocks if b["kind"] == "fragment")


def test_footnote_markers_and_emphasis_leave_the_body_for_the_json(result):
    assert not re.search("[¹²³⁴⁵⁶⁷⁸⁹⁰]", result.text)
    markers = [b for b in result.blocks if b["kind"] == "footnote_marker"]
    assert len(markers) >= 77
    assert "*" not in result.text
    assert any(b["kind"] == "emphasis" and b["text"] == "always" for b in result.blocks)


def test_the_final_cut_off_word_is_flagged_not_joined(result):
    assert result.text.rstrip().endswith("interna-")
    assert any(f["text"].startswith("interna") or "interna-" in f["text"] for f in result.flags)


def test_replay_exact_and_second_pass_changes_nothing(result):
    assert replay(result.raw, result.changes_jsonl()) == result.text
    again = clean(result.text)
    assert again.changes == []


def test_no_other_change_to_the_words(result):
    """Every change is one of the kinds the issue names; words themselves are not rewritten."""
    allowed_stages = {"encoding", "layout", "fragments", "dehyphenate", "reflow"}
    for c in result.changes:
        assert c["stage"] in allowed_stages
        before, after = c["before"], c["after"]
        letters_before = re.sub(r"[^\w]", "", before)
        letters_after = re.sub(r"[^\w]", "", after)
        # a change only removes text, or rewrites whitespace/hyphens/markup: no letters appear
        assert letters_after == "" or letters_after == letters_before, c


def test_nothing_of_the_input_is_missing_from_the_json(result):
    """Every word of the raw text is in some block (body or taken out of it)."""
    def letters(s):
        return re.sub(r"[\W_]+", "", s)

    everything = letters("".join(b["text"] for b in result.blocks))
    missing = [w for w in set(re.findall(r"\w{2,}", result.raw)) if letters(w) not in everything]
    assert missing == []


def test_blocks_are_in_reading_order_with_pages(result):
    starts = [b["raw"][0] for b in result.blocks]
    assert starts == sorted(starts)
    assert all(isinstance(b["page"], int) and b["page"] >= 1 for b in result.blocks)
    assert max(b["page"] for b in result.blocks) > 10  # the seed's page seams are found
