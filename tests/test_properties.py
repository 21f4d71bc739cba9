"""The promises: replay is exact and raw spans are real on any text, no input crashes, and
cleaning clean text changes nothing on book-like text.

Stability is tested on generated printed pages, not on word salad: on degenerate inputs
(paragraphs of nothing but "the", lines of dashes) the layout and reflow heuristics can still
read a line differently once its neighbours are unwrapped; see the closing note of issue 2."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import clean, replay

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from(
    "the of and illu- sions post- victory Sino-Soviet 1949–50 pre- and post-war Mao CHAPTER "
    "Kim Il-sung “quoted” ‘single’ ﬁrst — – * ** _ ¹ ² 23 ( ) . , ; : ? ! [sic] U.S./UN "
    "café naïve œuvre Москва 北京 \N{SOFT HYPHEN} \N{NO-BREAK SPACE} \ufffd".split()
)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\f", "-\n", "\n\n\n", "\r\n", "\t"])


@st.composite
def ocr_like(draw):
    parts = []
    for _ in range(draw(st.integers(1, 60))):
        parts.append(draw(WORDS))
        parts.append(draw(SEPARATORS))
    return "".join(parts)


@SETTINGS
@given(st.text(max_size=400))
def test_replay_is_exact_on_any_text(text):
    r = clean(text)
    assert replay(r.raw, r.changes_jsonl()) == r.text
    assert r.raw == text  # the raw input is kept as given


@SETTINGS
@given(ocr_like())
def test_replay_and_raw_spans_on_ocr_like_text(text):
    r = clean(text)
    assert replay(r.raw, r.changes_jsonl()) == r.text
    for c in r.changes:
        s, e = c["raw"]
        assert 0 <= s <= e <= len(text)
    for f in r.flags:
        s, e = f["raw"]
        assert 0 <= s <= e <= len(text)


PROSE_WORDS = (
    "the of and to in that was his with for as on by at from which but not this had "
    "revolution alliance government people country between during against without "
    "Mao Stalin Beijing Moscow Korea post-war well-known Sino-Soviet 1950 1949–50 "
    "determination interpretation consequently extraordinary understood illusions "
    "“unbreakable” ‘eternal’ café naïve [sic] U.S./UN 38th 50,000"
).split()


HEADINGS = ["The Alliance and Its Enemies", "CHAPTER IV", "Accumulated Tension", "A Winter in Moscow", "The Golden Years"]


@st.composite
def sentence(draw):
    words = draw(st.lists(st.sampled_from(PROSE_WORDS), min_size=4, max_size=18))
    words[0] = words[0][:1].upper() + words[0][1:]
    if draw(st.booleans()):
        words.insert(draw(st.integers(1, len(words) - 1)), draw(st.sampled_from(["and,", "however,", "that;"])))
    return " ".join(words) + draw(st.sampled_from([".", ".", ".", "?", "!", ".”"]))


@st.composite
def book_like(draw):
    """Printed pages as OCR gives them: wrapped lines, line-end hyphens, running heads,
    page numbers, headings, page seams as form feeds or blank lines."""
    width = draw(st.integers(35, 75))
    seam = draw(st.sampled_from(["\f", "\n\n"]))
    lines: list[str] = []
    headings = draw(st.permutations(HEADINGS))
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 4)) == 0 and headings:
            lines += [headings.pop(), ""]
        para = " ".join(draw(st.lists(sentence(), min_size=1, max_size=5)))
        line = ""
        for w in para.split(" "):
            if len(line) + len(w) + 1 > width:
                if len(w) >= 8 and w.isalpha() and draw(st.booleans()):
                    cut = len(w) // 2
                    lines.append(f"{line} {w[:cut]}-".strip())
                    line = w[cut:]
                    continue
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        lines += [line, ""]
    pages, size = [], draw(st.integers(6, 20))
    for n, k in enumerate(range(0, len(lines), size), start=1):
        head = ["MAO'S CHINA AND THE COLD WAR", ""] if n > 1 else []
        pages.append("\n".join(head + lines[k:k + size] + ["", str(n)]))
    return seam.join(pages) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book_like())
def test_cleaning_clean_text_changes_nothing(text):
    once = clean(text)
    twice = clean(once.text)
    assert twice.changes == [], [(c["rule"], c["before"], c["after"]) for c in twice.changes]
    assert twice.text == once.text
    assert replay(once.raw, once.changes_jsonl()) == once.text


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_either_clean_or_refuse_with_one_line(data):
    from pipeline.errors import OcrmendError

    try:
        r = clean(data)
    except OcrmendError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg
    else:
        assert replay(r.raw, r.changes_jsonl()) == r.text
