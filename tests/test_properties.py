"""The promises on arbitrary text: replay is exact, raw spans are real, nothing crashes,
and cleaning clean text changes nothing."""
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


@SETTINGS
@given(ocr_like())
def test_cleaning_clean_text_changes_nothing(text):
    once = clean(text)
    twice = clean(once.text)
    assert twice.changes == [], [(c["rule"], c["before"], c["after"]) for c in twice.changes]
    assert twice.text == once.text


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
