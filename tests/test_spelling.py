"""The spelling stage: case files of fixes and of words that must stay unchanged, flags,
safety levels, user word lists, the known-misreads format, the cached candidate index."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline.changelog import replay
from pipeline.config import from_mapping
from pipeline.runner import run_rules
from pipeline.stages import spelling

CASES = Path(__file__).parent / "cases" / "spelling"


@dataclass
class Case:
    title: str
    source: str
    input: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    unsafe_fixes: bool = False


def _value(v: str):
    v = v.strip()
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    try:
        return float(v) if "." in v else int(v)
    except ValueError:
        return v


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for f in sorted(CASES.glob("*.txt")):
        cur: Case | None = None
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.startswith("=== "):
                cur = Case(line[4:].strip(), f.name)
                cases.append(cur)
            elif cur is None or not line.strip() or line.startswith("#"):
                continue
            elif line.startswith("< "):
                cur.input.append(line[2:])
            elif line.startswith("> "):
                cur.expected.append(line[2:])
            elif line.startswith("rules:"):
                cur.rules = line.split(":", 1)[1].split()
            elif line.startswith("settings:"):
                for kv in line.split(":", 1)[1].split():
                    k, v = kv.split("=", 1)
                    cur.settings[k] = _value(v)
            elif line.startswith("unsafe_fixes:"):
                cur.unsafe_fixes = _value(line.split(":", 1)[1]) is True
            else:
                raise ValueError(f"{f.name}: cannot read line {line!r}")
    return cases


def config_for(case: Case):
    data: dict = {"unsafe_fixes": case.unsafe_fixes}
    if case.settings:
        data["spelling"] = case.settings
    return from_mapping(data)


ALL = load_cases()


@pytest.mark.parametrize("case", ALL, ids=[f"{c.source}:{c.title}" for c in ALL])
def test_case(case: Case) -> None:
    text = "\n".join(case.input)
    expected = "\n".join(case.expected) if case.expected else text
    doc = run_rules(text, spelling.RULES, config_for(case))
    assert doc.text == expected, [(c.rule, c.before, c.after, c.reason) for c in doc.changes]
    if case.rules:
        assert {c.rule for c in doc.changes} <= set(case.rules) and doc.changes
    if not case.expected:
        assert not doc.flags, [(f.text, f.reason) for f in doc.flags]
    # stable: the stage proposes nothing more on its own output
    again = run_rules(doc.text, spelling.RULES, config_for(case))
    assert again.text == doc.text and not again.changes


def test_case_files_have_both_kinds() -> None:
    assert sum(bool(c.expected) for c in ALL) >= 10
    assert sum(not c.expected for c in ALL) >= 15


def test_replay_of_spelling_changes() -> None:
    """The log of the stage's changes, applied in order to the input, gives the output."""
    text = "Tbe rnodern house ofthe town, an inde pendent state, and tho end of tho road."
    doc = run_rules(text, spelling.RULES)
    # changelog.replay checks each change's `before` where it applies it
    assert replay(text, [c.to_record() for c in doc.changes]) == doc.text != text


def test_unsure_fixes_are_flags_and_unsafe_fixes_need_the_option() -> None:
    text = "It was a rnodern house in a quiet street."
    cautious = from_mapping({"spelling": {"safe_margin": 99.0, "unsafe_margin": 0.0}})
    doc = run_rules(text, spelling.RULES, cautious)
    assert doc.text == text
    assert [f.suggestions[0] for f in doc.flags] == ["modern"]
    bold = from_mapping({"unsafe_fixes": True, "spelling": {"safe_margin": 99.0, "unsafe_margin": 0.0}})
    doc = run_rules(text, spelling.RULES, bold)
    assert doc.text == "It was a modern house in a quiet street."
    assert doc.changes[0].safety == "unsafe"


def test_word_run_into_a_figure_is_flagged_not_fixed() -> None:
    """"8,yntax": the S may be in the "8,", so "syntax" is offered, not written; the same
    word standing alone is fixed."""
    text = "An Approach to 8,yntax. New York: Elsevier, 1969, and its 12.definitdon of terms."
    doc = run_rules(text, spelling.RULES)
    assert doc.text == text
    assert [(f.text, f.suggestions[0]) for f in doc.flags] == [("yntax", "syntax"), ("definitdon", "definition")]
    alone = run_rules("its definitdon of terms, and 12. a rnodern view", spelling.RULES)
    assert alone.text == "its definition of terms, and 12. a modern view"


def test_damaged_word_without_a_sure_reading_is_flagged_with_suggestions() -> None:
    doc = run_rules("a tnb1e of the costs", spelling.RULES)
    assert doc.text == "a tnb1e of the costs"
    assert doc.flags and doc.flags[0].suggestions[:2] == ("table", "tube")


def test_user_word_list_protects(tmp_path: Path) -> None:
    words = tmp_path / "mine.txt"
    words.write_text("# my terms\nrnodern\n", encoding="utf-8")
    doc = run_rules("a rnodern house", spelling.RULES, from_mapping({"dictionaries": [str(words)]}))
    assert doc.text == "a rnodern house"


def test_user_misreads_file(tmp_path: Path) -> None:
    (tmp_path / "ocr-misreads-mine.txt").write_text("house <- hcuse\nhorse <? harse\n", encoding="utf-8")
    doc = run_rules("a hcuse and a harse", spelling.RULES, from_mapping({"dictionaries": [str(tmp_path)]}))
    assert doc.text == "a house and a harse"
    assert [(f.text, f.suggestions) for f in doc.flags] == [("harse", ("horse",))]


def test_misreads_format_errors_name_the_line() -> None:
    from pipeline.errors import ConfigError
    from pipeline.spelling_data import parse_misreads

    with pytest.raises(ConfigError, match="bad.txt:2"):
        parse_misreads("the <- tbe\nthis line has no arrow\n", "bad.txt")


def test_shipped_misreads_never_list_a_known_word_as_automatic() -> None:
    from pipeline.lexicon import get_lexicon
    from pipeline.spelling_data import load_misreads

    lex = get_lexicon()
    allowed = {"aud"}  # the currency code; in running lower-case text always "and"

    def as_words_are_written(w: str) -> bool:  # "mir", "Mir", "MIR"; never "MIr"
        return w.islower() or w.isupper() or w.istitle() or not w.isalpha()

    bad = [m.wrong for m in load_misreads().values()
           if m.auto and as_words_are_written(m.wrong) and m.wrong.lower() in lex.counts and m.wrong not in allowed]
    assert not bad
    assert "MIr" in load_misreads() and "mir" in lex.counts  # the case this allows


def test_index_lookups_are_symspellpys() -> None:
    """The compact cached index answers exactly as symspellpy's own dictionary does."""
    from symspellpy import SymSpell, Verbosity

    from pipeline.lexicon import get_lexicon
    from pipeline.spelling_data import _symspell_dir, load_index, lookup

    index = load_index(get_lexicon().counts)
    ref = SymSpell(2, 7)
    ref.load_dictionary(str(_symspell_dir() / "frequency_dictionary_en_82_765.txt"), 0, 1)
    for w in ("tbe", "rnodern", "caipentbr", "hierttrchy", "a", "ab", "qzx", "definitdon", "tlie", "wbich"):
        for ed in (1, 2):
            ours = dict(lookup(index, w, ed, limit=10**6))
            theirs: dict[str, int] = {}
            for s in ref.lookup(w, Verbosity.ALL, ed):  # (symspellpy may list a word twice)
                theirs[s.term] = min(s.distance, theirs.get(s.term, 99))
            assert ours == theirs, (w, ed)


def test_index_is_cached_on_disk() -> None:
    from pipeline.lexicon import get_lexicon
    from pipeline.spelling_data import cache_dir, load_index

    import os

    load_index(get_lexicon().counts)
    d = cache_dir()
    if d.is_dir() and os.access(d, os.W_OK):  # a read-only home keeps the index in memory
        assert list(d.glob("spelling-index-*.bin"))


def test_index_cache_files_are_versioned() -> None:
    """A cache file is named by its format version and content, so two versions of the code
    never read each other's files."""
    from pipeline.lexicon import get_lexicon
    from pipeline.spelling_data import _INDEX_MAGIC, cache_dir, load_index

    import os

    load_index(get_lexicon().counts)
    d = cache_dir()
    version = _INDEX_MAGIC.rstrip().rsplit(b"-", 1)[-1].decode()
    if d.is_dir() and os.access(d, os.W_OK):
        assert list(d.glob(f"spelling-index-{version}-*.bin"))


# -- stability: the stage run again on its own output proposes nothing -----------------------
import random  # noqa: E402

PROSE = [p.replace("\n", " ").strip() for p in "\n".join(
    line for line in (CASES / "prose.md").read_text(encoding="utf-8").splitlines() if not line.startswith("#")
).split("\n\n") if p.strip()]

#: what an OCR engine does to print, as (printed, written) pairs applied inside words
_DAMAGE = [("m", "rn"), ("h", "li"), ("th", "tb"), ("d", "cl"), ("e", "c"), ("e", "o"), ("c", "e"), ("l", "1"),
           ("o", "0"), ("n", "u"), ("h", "b"), ("i", "l"), ("s", "5"), ("a", "o"), ("ri", "n"), ("w", "vv")]


def damage(text: str, rng: random.Random, rate: float = 0.12) -> str:
    """``text`` as a noisy OCR engine might have read it (deterministic for a seed)."""
    words = text.split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < rate and len(w) > 2:
            printed, written = rng.choice(_DAMAGE)
            at = [i for i in range(len(w)) if w.startswith(printed, i)]
            if at:
                i = rng.choice(at)
                w = w[:i] + written + w[i + len(printed):]
        elif r < rate * 1.4 and w[:1] == "W":
            w = "\\V" + w[1:]
        elif r < rate * 1.6 and out and out[-1].isalpha() and len(out[-1]) <= 3:
            out[-1] += w  # run into the word before
            continue
        elif r < rate * 1.75 and len(w) > 7 and w.isalpha():
            k = rng.randrange(3, len(w) - 3)
            w = w[:k] + rng.choice([" ", "- "]) + w[k:]  # broken apart
        out.append(w)
    return " ".join(out)


def _second_pass(text: str, config=None):
    return run_rules(text, spelling.RULES, config)


@pytest.mark.parametrize("seed", range(12))
def test_stable_on_damaged_prose(seed: int) -> None:
    rng = random.Random(seed)
    paragraphs = rng.sample(PROSE, k=min(len(PROSE), 3 + seed % 3))
    text = "\n\n".join(damage(p, rng) for p in paragraphs)
    doc = run_rules(text, spelling.RULES)
    assert doc.changes  # the damage is fixed, in part at least
    again = _second_pass(doc.text)
    assert not again.changes, [(c.rule, c.before, c.after, c.reason) for c in again.changes]


@pytest.mark.parametrize("seed", range(4))
def test_whole_pipeline_with_spelling_is_stable(seed: int) -> None:
    """Cleaning the cleaned text again: the spelling stage proposes nothing."""
    from pipeline import stages

    rng = random.Random(100 + seed)
    # printed lines, a hyphen at a line end, a page break with a running head
    text = "\n".join(damage(p, rng) for p in rng.sample(PROSE, k=4))
    words = text.split(" ")
    lines = [" ".join(words[i : i + 11]) for i in range(0, len(words), 11)]
    text = "THE HISTORY OF THE TOWN\n\n" + "\n".join(lines[:20]) + "\n\f12 THE HISTORY OF THE TOWN\n\n" + "\n".join(lines[20:])
    rules = [*stages.all_rules(), *spelling.RULES]
    once = run_rules(text, rules)
    twice = run_rules(once.text, rules)
    assert not [c for c in twice.changes if c.stage == "spelling"], [
        (c.rule, c.before, c.after) for c in twice.changes if c.stage == "spelling"]


@pytest.mark.parametrize("settings", [
    {"unsafe_fixes": True},
    {"ignore": ["spelling.merged_words", "spelling.real_word"]},
    {"ignore": ["spelling.ocr_confusion"]},
    {"spelling": {"safe_margin": 0.5, "unsafe_margin": 0.2, "real_word_margin": 1.0}},
])
def test_stable_whatever_the_settings(settings: dict) -> None:
    config = from_mapping(settings)
    rng = random.Random(7)
    text = "\n\n".join(damage(p, rng, 0.2) for p in PROSE)
    doc = run_rules(text, spelling.RULES, config)
    again = _second_pass(doc.text, config)
    assert not again.changes, [(c.rule, c.before, c.after, c.reason) for c in again.changes]


def test_replay_on_damaged_prose() -> None:
    rng = random.Random(3)
    text = "\n\n".join(damage(p, rng, 0.2) for p in PROSE)
    doc = run_rules(text, spelling.RULES)
    assert replay(text, [c.to_record() for c in doc.changes]) == doc.text


from hypothesis import HealthCheck, given, settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VOCAB = (
    "the of and tbe tlie rnodern modern \\Ve We ofthe Ihave inde pendent to- gether tho havo wero boen "
    "house houso Babikian Zhou Enlai H2SO4 1949 1949-50 [sic] e.g. NATO the the was a an in on at "
    "specLalizations bro1ught 81ve arid and cbarges charges definitdon definition caf\u00e9 les droits de "
    "prisoncr's prisoner's Mr. Smith ( ) , ; : . ! ? \u201c \u201d tion ing ment"
).split()


@st.composite
def ocr_words(draw):
    parts = []
    for _ in range(draw(st.integers(1, 40))):
        parts.append(draw(st.sampled_from(_VOCAB)))
        parts.append(draw(st.sampled_from([" ", " ", " ", "\n", "\n\n", " - "])))
    return "".join(parts)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ocr_words())
def test_stable_on_any_ocr_like_text(text: str) -> None:
    doc = run_rules(text, spelling.RULES)
    again = _second_pass(doc.text)
    assert not again.changes, [(c.rule, c.before, c.after) for c in again.changes]


# -- the stage's data ships inside the package ------------------------------------------------
def test_stage_data_is_package_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The misreads list and the extra words are read from the installed package, not from a
    source checkout: they are found from a folder with no ``dictionaries/``."""
    import pipeline
    from pipeline import spelling_data as D

    data = Path(pipeline.__file__).resolve().parent / "data"
    assert (data / "ocr-misreads.txt").is_file() and (data / "english-extra.tsv").is_file()
    assert D.PACKAGE_DATA == data
    pyproject = data.parent.parent / "pyproject.toml"
    if pyproject.is_file():  # a source checkout: the wheel must carry the files
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
        assert "data/*" in declared["pipeline"]
    monkeypatch.chdir(tmp_path)
    assert not Path("dictionaries").exists()
    assert D.load_misreads()["tbe"].right == "the"
    assert "afterward" in D.load_extra_words()
    assert run_rules("It was tbe end of tbe day.", spelling.RULES).text == "It was the end of the day."


def test_user_misreads_in_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``dictionaries/ocr-misreads*.txt`` in the working folder adds to (and overrides) the
    package's list, in the same format."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dictionaries").mkdir()
    (tmp_path / "dictionaries" / "ocr-misreads.txt").write_text(
        "# my collection\nhouse <- hcuse hc\u00fcse\nthe <? tbe\n", encoding="utf-8")
    doc = run_rules("a hcuse and tbe end", spelling.RULES)
    assert doc.text == "a house and tbe end"  # "tbe" is now a suggestion only
    assert [(f.text, f.suggestions) for f in doc.flags] == [("tbe", ("the",))]


def test_fixes_of_later_rounds_compose_with_earlier_ones() -> None:
    """A word a later round fixes again becomes one edit of the first text; spans of the
    current text map back to the first text, or to None inside a fix."""
    def d(r: str) -> spelling.Decision:
        return spelling.Decision("confusion", r, "why", 0.9, "safe")

    c = spelling._Composer("abc def ghi")
    c.add("abc def ghi", [(4, 7, d("dxf"))])
    c.add("abc dxf ghi", [(0, 3, d("abcd")), (4, 7, d("dff")), (8, 11, d("g"))])
    assert [(s, e, r) for s, e, r, *_ in c.changes] == [(0, 3, "abcd"), (4, 7, "dff"), (8, 11, "g")]
    assert c.changes[1][4] == ["why", "why"]
    # "abcd dff g": the second word's letters are inside a fix, the space after the first is not
    assert c.to_first([(4, 5), (5, 8), (9, 10)]) == [(3, 4), None, None]
    assert c.current() == "abcd dff g"  # the current text, made from the first
    c.add("abcd dff g", [(5, 8, d("def"))])  # a fix undone: no edit left there
    assert [(s, e, r) for s, e, r, *_ in c.changes] == [(0, 3, "abcd"), (8, 11, "g")]
    assert c.current() == "abcd def g"


# -- OCR word confidences -----------------------------------------------------------------
def _ocr_line(words: list[tuple[str, float]]):
    """An OCR document of one printed line: (word, Tesseract confidence) pairs."""
    from pipeline.ocr.model import OcrDocument, PageContent

    line, x = [], 10
    for w, conf in words:
        line.append((w, (x, 10, x + 12 * len(w), 40), conf))
        x += 12 * len(w) + 10
    ocr = OcrDocument("line")
    ocr.add_page(PageContent(width=x + 10, height=50, blocks=[[[line]]]))
    return ocr


def _clean_ocr(sentence: str, word: str, conf: float):
    """The stage on ``sentence`` as OCR, every word read at 96 but ``word`` at ``conf``."""
    ocr = _ocr_line([(w, conf if w == word else 96.0) for w in sentence.split()])
    return run_rules(ocr.text, spelling.RULES, ocr=ocr)


def test_a_low_confidence_word_is_corrected_more_readily() -> None:
    sentence = "He said that he bad seen the man at the door."
    # read with middling confidence, "bad" stands: the context alone is not sure enough
    assert _clean_ocr(sentence, "bad", 75.0).text.strip() == sentence
    # the engine itself doubted it: the same context now makes the fix
    low = _clean_ocr(sentence, "bad", 35.0)
    assert low.text.strip() == "He said that he had seen the man at the door."
    assert [c.rule for c in low.changes] == ["spelling.real_word"]


def test_a_high_confidence_unknown_word_is_only_flagged() -> None:
    sentence = "We are reading the rnodern methods of the time."
    sure = _clean_ocr(sentence, "rnodern", 97.0)
    assert sure.text.strip() == sentence and not sure.changes
    assert [(f.text, f.suggestions[0]) for f in sure.flags] == [("rnodern", "modern")]
    assert "high OCR confidence" in sure.flags[0].reason
    doubted = _clean_ocr(sentence, "rnodern", 70.0)
    assert doubted.text.strip() == "We are reading the modern methods of the time." and not doubted.flags


def test_confidences_follow_the_text_the_stage_gets() -> None:
    """The spans map through the raw text: a word after a fix keeps its own confidence."""
    ocr = _ocr_line([("Tbe", 96.0), ("rnodern", 40.0), ("house", 96.0), ("he", 96.0), ("bad", 30.0), ("seen.", 96.0)])
    doc = run_rules(ocr.text, spelling.RULES, ocr=ocr)
    assert doc.text.strip() == "The modern house he had seen."
    assert not doc.flags


# -- the collection vocabulary -----------------------------------------------------------
def test_collection_vocabulary_command_writes_the_books_own_words(tmp_path: Path) -> None:
    """`python -m pipeline.spelling_data collect` reads a batch of pages and writes the words
    the lexicon lacks that many of them use (the book's names), not its misreads."""
    import subprocess
    import sys

    pages = tmp_path / "book"
    pages.mkdir()
    for k in range(4):
        (pages / f"p{k}.txt").write_text(
            f"Page {k}. Babikian spoke to tbe Vali at Adana; the the the the the the the the the the "
            f"the the the the the the the the the the the. Zeitounlis came {'once' if k else 'rnodern'}.\n",
            encoding="utf-8")
    out = tmp_path / "collection.txt"
    run = subprocess.run([sys.executable, "-m", "pipeline.spelling_data", "collect", str(pages), "-o", str(out)],
                         capture_output=True, text=True, check=True)
    assert "from 4 files" in run.stdout
    words = [ln.split("#")[0].strip() for ln in out.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert "babikian" in words and "zeitounlis" in words
    assert "tbe" not in words and "rnodern" not in words  # a misread, and a word of one page only
    # written to dictionaries/, the book's own words are then never changed
    doc = run_rules("Then Babikian and the Zeitounlis went.", spelling.RULES,
                    from_mapping({"dictionaries": [str(out)]}))
    assert doc.text == "Then Babikian and the Zeitounlis went." and not doc.changes


def test_tokenise_in_pieces_matches_the_whole_text(monkeypatch):
    """A long text is tokenised a piece at a time (to bound its copies): the words, their
    places and their forms must be those of tokenising it at once."""
    from pipeline.stages import spelling as S

    text = ("The rnodern \u2019tis prisoner\u2019s \\\\Ve ofthe 1949\u201350 Kim Il-sung \u00c9tude\n\n"
            "\u03a3OFIA tl1e end.\f  word\tword\u00a0x ") * 40
    whole = S.tokenise(text)
    monkeypatch.setattr(S, "_PIECE", 7)
    pieces = S.tokenise(text)
    assert list(pieces[0]) == list(whole[0]) and list(pieces[1]) == list(whole[1])
    assert pieces[2] == whole[2]
    assert len(whole[2]) > 400
    monkeypatch.setattr(S, "_PIECE", 10_000)
    end = text.index(" ", 900)  # a stretch cut at white space, as View.apply cuts them
    part = S.tokenise(text, 12, end)
    assert [text[s:e] for s, e in zip(part[0], part[1])] == [text[s:e] for s, e in zip(whole[0], whole[1]) if 12 <= s and e <= end]


# -- the plan's memory: versions used up, windows taken early, caches let go ------------------
def _damaged_prose(seed: int, k: int = 4) -> str:
    rng = random.Random(seed)
    return "\n\n".join(damage(p, rng, 0.2) for p in rng.sample(PROSE, k=min(len(PROSE), k)))


def test_next_version_is_the_text_tokenised_afresh() -> None:
    """View.apply tokenises again only around the edits and passes the old version's
    columns and counts on: the words, places and counts must be those of the edited text
    tokenised whole (edits that add, drop and merge words among them)."""
    P = spelling._demo_state().P
    text = "The rnodern ofthe world, an inde pendent state. Tbe end\n\nofthe book: tbe tbe rnodern."
    edits = []
    for wrong, right, after in (("rnodern", "modern", 0), ("ofthe", "of the", 0), ("inde pendent", "independent", 0),
                                ("Tbe", "The", 0), ("ofthe", "of the", 20), ("tbe", "the", 60)):
        s = text.index(wrong, after)
        edits.append((s, s + len(wrong), right))
    V = spelling.View.full(P, text, [])
    new = V.edited(edits)
    assert new == "The modern of the world, an independent state. The end\n\nof the book: the tbe rnodern."
    W = V.apply(edits)
    fresh = spelling.View.full(P, new, [])
    assert W.text == new and V.text is None  # the old version is used up
    assert list(W.starts) == list(fresh.starts) and list(W.ends) == list(fresh.ends)
    assert W.lows == fresh.lows and W.counts == fresh.counts
    assert W.moved == {"rnodern", "ofthe", "modern", "of", "the", "inde", "pendent", "independent", "tbe"}
    # where the stretches tokenised again were and are: old words, new words, new characters
    first = next(spelling._stretches(W.changed))
    assert first[:4] == (1, 2, 1, 2) and new[first[4]:first[5]] == "modern"


@pytest.mark.parametrize("seed", range(4))
def test_windows_taken_near_the_changes_only_give_the_same_plan(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before a version goes, the plan takes the windows of the items the next round will
    compare (View.near_stretches): every item judged again near a change must find its old
    window there, and taking every item's window must change nothing."""
    text = _damaged_prose(seed)
    compared, missing = [], []
    judge = spelling._judge

    def spy(V, tag, i, old):
        if old is not None and tag != spelling._M:
            (compared if old[2] is not None else missing).append(i)
        return judge(V, tag, i, old)

    monkeypatch.setattr(spelling, "_judge", spy)
    plan = run_rules(text, spelling.RULES).state["spelling.plan"]
    assert plan.rounds >= 2 and compared and not missing
    monkeypatch.setattr(spelling, "_judge", judge)
    expected = [(c.start, c.end, c.after, c.kind, c.reason) for c in plan.items]
    monkeypatch.setattr(spelling.View, "near_stretches", lambda self, regions: [(0, len(self.starts))])
    again = run_rules(text, spelling.RULES).state["spelling.plan"]
    assert [(c.start, c.end, c.after, c.kind, c.reason) for c in again.items] == expected


def test_a_long_document_lets_the_word_caches_go(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _damaged_prose(7)
    short = run_rules(text, spelling.RULES)
    assert spelling.confusion_variants.cache_info().currsize > 0
    monkeypatch.setattr(spelling, "_LONG_DOCUMENT", 100)
    long = run_rules(text, spelling.RULES)
    assert spelling.confusion_variants.cache_info().currsize == 0 and spelling._weighted.cache_info().currsize == 0
    assert long.text == short.text and [c.after for c in long.changes] == [c.after for c in short.changes]
