"""Input decoding: every encoding we accept, every kind of input we refuse, and speed."""
from __future__ import annotations

import codecs
import random
import time

import pytest

from pipeline.decoding import decode
from pipeline.errors import EXIT_SOME_FAILED, InputError

ENGLISH = (
    "CHAPTER I.\n\nThe \u201cLean-to-One-Side\u201d approach \u2014 it\u2019s 1949\u201350 \u2026\n"
    "Mao justified the CCP\u2019s decision, and Kim Il-sung agreed.\n"
)
FRENCH = "L\u2019\u00e9t\u00e9 dernier, \u00e0 No\u00ebl, \u00ab c\u2019est \u00e7a \u00bb, dit-il. \u0152uvre, na\u00efvet\u00e9.\n"
GERMAN = "Die Gr\u00f6\u00dfe der Stra\u00dfe \u00fcber M\u00fcnchen \u2014 \u201eGr\u00fc\u00dfe\u201c, \u00c4pfel, \u00d6l.\n"
SPANISH = "\u00bfD\u00f3nde est\u00e1 el ni\u00f1o? \u00a1Ma\u00f1ana ser\u00e1 otro d\u00eda! A\u00f1o, coraz\u00f3n.\n"
ICELANDIC = "\u00de\u00f3r\u00f0ur og Gu\u00f0r\u00fan f\u00f3ru til Reykjav\u00edkur \u00e1 \u00feri\u00f0judaginn.\n"
RUSSIAN = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u042d\u0442\u043e \u0442\u0435\u043a\u0441\u0442 \u043d\u0430 \u0440\u0443\u0441\u0441\u043a\u043e\u043c \u044f\u0437\u044b\u043a\u0435, \u0432\u0441\u0451.\n"
JAPANESE = "\u3053\u308c\u306f\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002\u6771\u4eac\u306f\u5927\u304d\u306a\u90fd\u5e02\u3067\u3059\u3002\n"
CHINESE = "\u8fd9\u662f\u4e2d\u6587\u6587\u672c\u3002\u5317\u4eac\u662f\u4e00\u4e2a\u5927\u57ce\u5e02\uff0c\u6211\u4eec\u559c\u6b22\u5b83\u3002\n"
POLISH = "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144. \u0141\u00f3d\u017a jest du\u017cym miastem, \u015blub si\u0119 odby\u0142.\n"
GREEK = "\u0391\u03c5\u03c4\u03cc \u03b5\u03af\u03bd\u03b1\u03b9 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03cc \u03ba\u03b5\u03af\u03bc\u03b5\u03bd\u03bf.\n"


# -- accepted ---------------------------------------------------------------------------------

ACCEPTED = [
    ("utf-8", (ENGLISH + FRENCH + RUSSIAN + CHINESE).encode("utf-8"), "utf-8"),
    ("utf-8 with BOM", codecs.BOM_UTF8 + ENGLISH.encode("utf-8"), "utf-8-sig"),
    ("utf-16 LE with BOM", codecs.BOM_UTF16_LE + (ENGLISH + CHINESE).encode("utf-16-le"), "utf-16"),
    ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + (ENGLISH + CHINESE).encode("utf-16-be"), "utf-16"),
    ("utf-32 LE with BOM", codecs.BOM_UTF32_LE + ENGLISH.encode("utf-32-le"), "utf-32"),
    ("utf-32 BE with BOM", codecs.BOM_UTF32_BE + ENGLISH.encode("utf-32-be"), "utf-32"),
    ("utf-16 LE, no BOM", (ENGLISH * 3).encode("utf-16-le"), "utf-16-le"),
    ("utf-16 BE, no BOM", (ENGLISH * 3).encode("utf-16-be"), "utf-16-be"),
    ("utf-16 LE, no BOM, Russian", (RUSSIAN * 5).encode("utf-16-le"), "utf-16-le"),
    ("utf-16 LE, no BOM, Japanese", (JAPANESE * 10).encode("utf-16-le"), "utf-16-le"),
    ("utf-32 LE, no BOM", (ENGLISH * 3).encode("utf-32-le"), "utf-32-le"),
    ("cp1252 English", (ENGLISH * 3).encode("cp1252"), "cp1252"),
    ("cp1252 French", (FRENCH * 5).encode("cp1252"), "cp1252"),
    ("cp1252 German", (GERMAN * 5).encode("cp1252"), "cp1252"),
    ("cp1252 Spanish", (SPANISH * 5).encode("cp1252"), "cp1252"),
    ("cp1252 Icelandic", (ICELANDIC * 5).encode("cp1252"), "cp1252"),
    ("latin-1 (same bytes as cp1252)", (FRENCH.replace("\u2019", "'").replace("\u0152", "OE") * 5).encode("latin-1"), "cp1252"),
    ("short cp1252", "caf\u00e9".encode("cp1252"), "cp1252"),
    ("a stray NUL", ENGLISH.encode() + b"\x00" + ENGLISH.encode(), "utf-8"),
]


@pytest.mark.parametrize("data,encoding", [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_accepted(data: bytes, encoding: str) -> None:
    text, enc = decode(data, "in.txt")
    assert enc == encoding
    # the name given back decodes the same bytes to the same text (replay relies on it)
    assert decode(data, "in.txt", forced=enc) == (text, enc)
    assert "\ufffd" not in text


def test_latin1_with_bytes_cp1252_leaves_undefined() -> None:
    data = ENGLISH.encode("cp1252") * 3 + b" \x81 " + ENGLISH.encode("cp1252")
    text, enc = decode(data, "in.txt")
    assert enc == "latin-1"
    assert text == data.decode("latin-1")


def test_decoded_text_is_the_original() -> None:
    for original, codec in [(ENGLISH, "utf-16-le"), (FRENCH * 4, "cp1252"), (RUSSIAN * 4, "utf-16-be"), (CHINESE, "utf-8")]:
        assert decode(original.encode(codec), "in.txt")[0] == original


# -- refused ------------------------------------------------------------------------------------

def _random(n: int, low: int = 0, high: int = 256, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    return bytes(rnd.randrange(low, high) for _ in range(n))


REFUSED = [
    ("empty", b"", "empty file"),
    ("whitespace only", b" \n\t\r\n  \n", "only whitespace"),
    ("BOM only", codecs.BOM_UTF8, "only whitespace"),
    ("UTF-16 whitespace", "  \n \n".encode("utf-16"), "only whitespace"),
    ("PNG", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random(300), "a PNG image"),
    ("JPEG", b"\xff\xd8\xff\xe0\x00\x10JFIF" + _random(300), "a JPEG image"),
    ("TIFF", b"II*\x00\x08\x00\x00\x00" + _random(300), "a TIFF image"),
    ("PDF", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "a PDF document"),
    ("ELF", b"\x7fELF\x02\x01\x01\x00" + bytes(8) + _random(300), "an executable"),
    ("zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + _random(300), "a zip archive"),
    ("gzip", b"\x1f\x8b\x08\x00" + _random(300), "gzip-compressed"),
    ("random bytes", _random(5000), "binary data"),
    ("random bytes with NULs", _random(5000, 0, 16), "binary data"),
    ("random high bytes", _random(5000, 128, 256), "not UTF-8, and not Western text"),
    ("KOI8-R", (RUSSIAN * 5).encode("koi8-r"), "not UTF-8, and not Western text"),
    ("cp1251", (RUSSIAN * 5).encode("cp1251"), "not UTF-8, and not Western text"),
    ("KOI8-R, one word", "\u041f\u0440\u0438\u0432\u0435\u0442".encode("koi8-r"), "not UTF-8, and not Western text"),
    ("KOI8-R sentence in English", (ENGLISH * 3 + RUSSIAN).encode("koi8-r", errors="replace"), "not UTF-8, and not Western text"),
    ("Shift-JIS", (JAPANESE * 5).encode("shift_jis"), "not UTF-8, and not Western text"),
    ("EUC-JP", (JAPANESE * 5).encode("euc_jp"), "not UTF-8, and not Western text"),
    ("GBK", (CHINESE * 5).encode("gbk"), "not UTF-8, and not Western text"),
    ("Latin-2 Polish", (POLISH * 5).encode("iso8859_2"), "not UTF-8, and not Western text"),
    ("cp1250 Polish", (POLISH * 5).encode("cp1250"), "not UTF-8, and not Western text"),
    ("Greek cp1253", (GREEK * 5).encode("cp1253"), "not UTF-8, and not Western text"),
    ("UTF-8 with one cp1252 byte", (FRENCH * 3).encode() + b"it\x92s", "UTF-8 except for byte"),
    ("UTF-8 cut mid-character", (FRENCH * 3).encode() + "\u00e9".encode()[:1], "ends inside a UTF-8 character"),
    ("UTF-16 BOM, odd bytes", codecs.BOM_UTF16_LE + b"a\x00b", "does not decode"),
]


@pytest.mark.parametrize("data,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        decode(data, "books/ch1.txt")
    text = str(info.value)
    assert message in text
    assert text.startswith("books/ch1.txt: ")  # names the file
    assert "\n" not in text  # one line
    assert info.value.exit_code == EXIT_SOME_FAILED


def test_refusals_say_what_to_do() -> None:
    todo = ("remove it", "OCR it", "extract", "give ocrmend", "unpack", "decompress", "convert it", "fix", "re-export", "damaged")
    for name, data, _ in REFUSED:
        with pytest.raises(InputError) as info:
            decode(data, name)
        assert any(t in str(info.value) for t in todo), str(info.value)


def test_forced_encoding() -> None:
    data = (RUSSIAN * 3).encode("koi8-r")
    assert decode(data, "ru.txt", forced="koi8-r") == (RUSSIAN * 3, "koi8-r")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        decode(data, "ru.txt", forced="klingon")
    with pytest.raises(InputError, match="not valid utf-8 at byte 0"):
        decode(data, "ru.txt", forced="utf-8")
    with pytest.raises(InputError, match="only whitespace"):
        decode(b"   \n", "ws.txt", forced="cp1252")


# -- speed -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-8", "cp1252", "koi8-r"])
def test_decision_on_a_large_input_is_fast(codec: str) -> None:
    """64 MB: the decision reads samples; only C-speed passes touch the whole input."""
    text = (ENGLISH if codec != "koi8-r" else RUSSIAN) * 1
    data = text.encode(codec, errors="replace") * (64_000_000 // len(text.encode(codec, errors="replace")))
    start = time.process_time()
    try:
        decode(data, "big.txt")
    except InputError:
        assert codec == "koi8-r"
    assert time.process_time() - start < 3.0
