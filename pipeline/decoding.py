"""Turn input bytes into text: BOMs, UTF-8, then the legacy encodings OCR files come in.

The decoded text is the raw text of the document: the change log replays from it, and
which decoding was used goes into the log's header and the JSON. The name returned is a
Python codec that decodes the same bytes to the same text when given back as ``forced``
(``ocrmend replay`` does that).

What is accepted, in the order it is tried:

1. a byte-order mark: UTF-8, UTF-16 or UTF-32, little or big endian;
2. UTF-16 or UTF-32 without a BOM, told by the NUL bytes in every other (every fourth)
   byte that Latin text has in those encodings;
3. UTF-8;
4. cp1252 (Windows Western), or Latin-1 when the file has bytes cp1252 leaves undefined,
   provided the result reads as Western text.

What is refused, each with one line naming the file and what to do: empty and
whitespace-only files; images, PDFs, archives and executables (by their signature) and
other binary data (NUL or control bytes); UTF-8 with a few broken bytes; and text in an
encoding we cannot name (Shift-JIS, KOI8-R, GBK, Latin-2 ...), which would otherwise come
out as plausible-looking garbage.

The decision reads samples, not the whole input: the statistics come from up to 16 pieces
of 64 KiB spread over the file, and the only whole-file passes are the C-speed ones
(decoding itself, counting NUL bytes).
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from .errors import InputError

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# File signatures of things people drop into an input folder by mistake.
_SIGNATURES = (
    (b"%PDF-", "a PDF document", "extract its text (pdftotext) or OCR its pages first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "OCR it first; ocrmend cleans the text"),
    (b"\xff\xd8\xff", "a JPEG image", "OCR it first; ocrmend cleans the text"),
    (b"GIF87a", "a GIF image", "OCR it first; ocrmend cleans the text"),
    (b"GIF89a", "a GIF image", "OCR it first; ocrmend cleans the text"),
    (b"II*\x00", "a TIFF image", "OCR it first; ocrmend cleans the text"),
    (b"MM\x00*", "a TIFF image", "OCR it first; ocrmend cleans the text"),
    (b"RIFF", "a RIFF file (WebP, WAV or AVI)", "give ocrmend the OCR text"),
    (b"\x7fELF", "an executable (ELF)", "give ocrmend the OCR text"),
    (b"PK\x03\x04", "a zip archive (or DOCX, ODT, EPUB)", "unpack it, or save the document as plain text"),
    (b"PK\x05\x06", "an empty zip archive", "give ocrmend the OCR text"),
    (b"\x1f\x8b", "gzip-compressed data", "decompress it first (gunzip)"),
    (b"\xfd7zXZ\x00", "xz-compressed data", "decompress it first (unxz)"),
    (b"(\xb5/\xfd", "zstd-compressed data", "decompress it first (unzstd)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it first"),
    (b"Rar!\x1a\x07", "a RAR archive", "unpack it first"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document", "save it as plain text"),
    (b"{\\rtf", "an RTF document", "save it as plain text"),
    (b"%!PS", "a PostScript file", "extract its text or OCR it first"),
)

_SAMPLE_PIECES = 16
_PIECE = 65536  # a multiple of 4, so UTF-16/32 byte positions keep their parity
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 12, 13})) + b"\x7f"
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
_CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)

_HOW_TO_CONVERT = "convert it to UTF-8 (iconv -f ENCODING -t UTF-8) or name it with --encoding"


def sample(data: bytes) -> bytes:
    """Up to 16 pieces of 64 KiB spread evenly over ``data`` (all of it when that is smaller).

    >>> len(sample(b"x" * 10)), len(sample(b"x" * 10_000_000))
    (10, 1048576)
    """
    if len(data) <= _SAMPLE_PIECES * _PIECE:
        return data
    step = (len(data) - _PIECE) // (_SAMPLE_PIECES - 1)
    step -= step % 4
    return b"".join(data[i * step:i * step + _PIECE] for i in range(_SAMPLE_PIECES))


def _count_control_bytes(data: bytes) -> int:
    return len(data) - len(data.translate(None, _CONTROL_BYTES))


def _many_nuls(part: bytes) -> bool:
    # a stray NUL or two is OCR noise (control_chars removes it); more is UTF-16 or binary
    return part.count(0) > max(2, len(part) // 10000)


def _many_controls(part: bytes) -> bool:
    # math debris in OCR of papers has a few control bytes; binary data has 10 % of them
    return _count_control_bytes(part) > max(8, len(part) // 100)


def looks_binary(data: bytes) -> bool:
    """True for data no OCR engine writes as single-byte text: more than a stray NUL
    byte, or many control bytes (UTF-16 without a BOM looks binary too; decode tells).

    >>> looks_binary(b"plain text\\n")
    False
    >>> looks_binary(b"\\x00\\x01\\x02\\x03 IHDR \\x00\\x00\\x08\\x06")
    True
    """
    part = sample(data)
    return _many_nuls(part) or _many_controls(part)


def _signature(data: bytes) -> tuple[str, str] | None:
    for magic, what, todo in _SIGNATURES:
        if data.startswith(magic):
            return what, todo
    return None


def _wide_encoding(part: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, from where the NUL bytes fall; None if neither.

    Latin text in UTF-16-LE has a NUL in (nearly) every odd byte and none in even ones;
    in UTF-32-LE bytes 2 and 3 of every four are NUL.

    >>> _wide_encoding("Hello, world".encode("utf-16-le"))
    'utf-16-le'
    >>> _wide_encoding("Hello, world".encode("utf-32-be"))
    'utf-32-be'
    >>> _wide_encoding(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR") is None
    True
    """
    n = len(part) - len(part) % 4
    if n < 4:
        return None
    zeros = [part[i:n:4].count(0) / (n // 4) for i in range(4)]
    if zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.02:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[3] < 0.02:
        return "utf-32-be"
    even = (zeros[0] + zeros[2]) / 2
    odd = (zeros[1] + zeros[3]) / 2
    # text in scripts other than Latin (Cyrillic, Greek) still has NULs after every space,
    # digit and punctuation mark: 10 % is a floor well above what binary data shows
    # alongside a clean other half
    if odd >= 0.1 and even <= 0.02:
        return "utf-16-le"
    if even >= 0.1 and odd <= 0.02:
        return "utf-16-be"
    return None


_TEXT_CATEGORIES = frozenset("Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No Pc Pd Ps Pe Pi Pf Po Sm Sc Sk So Zs".split())


def _utf16_by_content(part: bytes) -> str | None:
    """UTF-16 without a BOM in a script that gives few NUL bytes away (CJK): its NULs
    (from line ends, spaces, ASCII marks) all fall on one side of each byte pair, and
    read in that byte order the sample is letters, marks and punctuation. None if not.

    >>> _utf16_by_content("東京は大きな都市です。\\n".encode("utf-16-be") * 20)
    'utf-16-be'
    >>> _utf16_by_content(b"plain text with a few stray NULs\\x00 here\\x00 and\\x00 there\\x00" * 4) is None
    True
    """
    n = len(part) - len(part) % 2
    nul_even, nul_odd = part[0:n:2].count(0), part[1:n:2].count(0)
    if nul_even + nul_odd < 8:
        return None
    if nul_odd >= 0.95 * (nul_even + nul_odd):
        enc = "utf-16-le"
    elif nul_even >= 0.95 * (nul_even + nul_odd):
        enc = "utf-16-be"
    else:
        return None
    text = part[:n].decode(enc, errors="replace")[:32768]
    good = sum(1 for ch in text if ch in "\n\r\t\f" or unicodedata.category(ch) in _TEXT_CATEGORIES)
    # single-byte text read as UTF-16 scores up to about 0.95 (it lands on CJK ideographs)
    return enc if good >= 0.97 * len(text) else None


def _text_problem(text: str) -> str | None:
    """Why decoded UTF-16/32 text is not text (controls, unassigned or private characters)."""
    part = text[:65536]
    odd = 0
    for ch in part:
        if ch in "\t\n\r\f":
            continue
        if unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs"):
            odd += 1
    if odd > max(8, len(part) // 100):
        return "control, unassigned or private-use characters"
    return None


# -- Western single-byte text ---------------------------------------------------------------

# A word as cp1252 spells it; × and ÷ count as letters because Cyrillic in KOI8 lands on them.
_WORD = re.compile("[A-Za-zÀ-ÿŠšŒœŽžŸƒ]+")
_HIGH = re.compile("[^\x00-\x7f]")
# symbols that Western text (even OCR garbage, which favours « » £ ° ®) does not put
# between two letters of a word, but Latin-2 and cp1250 do: ą ł ś ź ż š ž land on them
_IN_WORD_SYMBOL = re.compile("(?<=[A-Za-zÀ-ÖØ-öø-ÿ])[¤¦¨¬¯±²³´¶¸¹¼½¾¿×÷](?=[A-Za-zÀ-ÖØ-öø-ÿ])")
# rare in Western text anywhere: the cp1252 symbols legacy Asian encodings land on
_RARE_SYMBOL = re.compile("[¤¦¨¬¯´¸‚ˆ‰‹›˜†‡¹¾]")
_WHITESPACE = " \t\n\r\f\v\x1c\x1d\x1e\x1f\x85\xa0"


def _alien(word: str) -> bool:
    """A word of four letters or more, most of them outside ASCII: not a Western word."""
    return len(word) >= 4 and 2 * len(_HIGH.findall(word)) > len(word)


def _western_problem(text: str, undefined: int = 0) -> str | None:
    """Why ``text`` (bytes read as cp1252) is not Western text; None when it reads as such.

    Text in another code page comes out as words of accented letters, symbols inside
    words, or mostly non-ASCII characters; Western text has few of each.

    >>> _western_problem("Le café, naïve æther; „Grüße“ — 1949–50 £5. Ça été")
    >>> _western_problem("Привет, мир!".encode("koi8-r").decode("cp1252"))
    '9 of 11 characters outside ASCII'
    >>> _western_problem("The Russian word Привет means hello.".encode("koi8-r").decode("cp1252"))
    '1 word made mostly of accented letters'
    """
    nonspace = len(text) - sum(map(text.count, _WHITESPACE))
    high = len(text) - len(text.encode("ascii", "ignore"))
    if undefined > max(2, nonspace // 1000):
        return f"{undefined} bytes that no Western code page uses"
    if high > max(8, nonspace // 2):
        return f"{high} of {nonspace} characters outside ASCII"
    words = _WORD.findall(text)
    alien = sum(1 for w in words if _alien(w))
    if alien >= max(1, len(words) // 500):
        return f"{alien} word{'s' if alien > 1 else ''} made mostly of accented letters"
    letters = sum(map(len, words))
    in_word = len(_IN_WORD_SYMBOL.findall(text))
    if in_word > max(2, letters // 500):
        return f"{in_word} symbols inside words"
    rare = len(_RARE_SYMBOL.findall(text))
    if rare > max(3, nonspace // 200):
        return f"{rare} rarely used symbols"
    return None


# -- decode ----------------------------------------------------------------------------------

# anything but whitespace, NUL and the invisible BOM / zero-width space
_SOMETHING = re.compile(r"[^\s\x00\N{ZERO WIDTH NO-BREAK SPACE}\N{ZERO WIDTH SPACE}]")


def _refuse_empty(text: str, data: bytes, name: str) -> None:
    if not data:
        raise InputError(f"{name}: empty file (0 bytes), nothing to clean; remove it from the input")
    if _SOMETHING.search(text) is None:
        raise InputError(f"{name}: only whitespace, no text to clean; remove it from the input")


def _binary(name: str, why: str) -> InputError:
    return InputError(f"{name}: binary data, not text ({why}); give ocrmend a plain-text OCR file")


def decode(data: bytes, name: str = "input", forced: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding)``. Raise :class:`InputError` when it cannot be text.

    >>> decode("caf\\u00e9".encode("cp1252"))
    ('café', 'cp1252')
    >>> decode(codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"))
    ('hi', 'utf-16')
    >>> decode("Привет".encode("koi8-r"), "ru.txt")
    Traceback (most recent call last):
    ...
    pipeline.errors.InputError: ru.txt: not UTF-8, and not Western text in cp1252 or Latin-1 either (1 word made mostly of accented letters); convert it to UTF-8 (iconv -f ENCODING -t UTF-8) or name it with --encoding
    """
    if forced:
        try:
            text = data.decode(forced)
        except LookupError:
            raise InputError(f"{name}: unknown encoding '{forced}' given with --encoding") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid {forced} at byte {exc.start}; check --encoding") from None
        _refuse_empty(text, data, name)
        return text, forced

    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                if enc == "utf-32" and data.startswith(codecs.BOM_UTF16_LE):
                    continue  # a UTF-16 BOM followed by a NUL character, not UTF-32
                raise InputError(
                    f"{name}: starts with a {enc} byte-order mark but does not decode as {enc}; "
                    "it is damaged or not text"
                ) from None
            _refuse_empty(text, data, name)
            problem = _text_problem(text) if enc != "utf-8-sig" else None
            if problem:
                raise _binary(name, problem)
            return text, enc

    if not data:
        _refuse_empty("", data, name)
    found = _signature(data)
    if found:
        raise InputError(f"{name}: {found[0]}, not text; {found[1]}")

    part = sample(data)
    if _many_nuls(part):
        wide = _wide_encoding(part) or _utf16_by_content(part)
        if wide is None:
            raise _binary(name, "NUL bytes")
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: looks like {wide} without a byte-order mark but does not decode as it; "
                f"{_HOW_TO_CONVERT}"
            ) from None
        _refuse_empty(text, data, name)
        problem = _text_problem(text)
        if problem:
            raise _binary(name, problem)
        return text, wide
    if _many_controls(part):
        raise _binary(name, "control bytes")

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        broken = exc
    else:
        _refuse_empty(text, data, name)
        return text, "utf-8"

    high = len(part) - len(part.translate(None, _HIGH_BYTES))
    in_sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(part))
    if in_sequences and in_sequences >= high * 4 // 5:
        at = broken.start
        line = data.count(b"\n", 0, at) + 1
        if broken.reason == "unexpected end of data":
            raise InputError(f"{name}: ends inside a UTF-8 character (byte {at}, line {line}): the file was cut short; "
                             "re-export it, or remove the last bytes")
        raise InputError(f"{name}: UTF-8 except for byte {at} (0x{data[at]:02x}, line {line}): damaged or mixed "
                         "encodings; fix that byte or re-export the file as UTF-8")

    # judge the sample as cp1252 first: refusing should not cost a decode of the whole file
    undefined = sum(part.count(b) for b in _CP1252_UNDEFINED)
    problem = _western_problem(part.decode("cp1252", errors="ignore"), undefined)
    if problem:
        raise InputError(
            f"{name}: not UTF-8, and not Western text in cp1252 or Latin-1 either ({problem}); {_HOW_TO_CONVERT}"
        )
    if _CP1252_ONLY.search(data) is None:
        # no byte where cp1252 and Latin-1 differ: the same text, and Latin-1 is a plain copy
        text, enc = data.decode("latin-1"), "cp1252"
    else:
        try:
            text, enc = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            # bytes cp1252 leaves undefined: Latin-1 keeps them (as C1 controls, which the
            # encoding stage then repairs or removes, each change logged)
            text, enc = data.decode("latin-1"), "latin-1"
    _refuse_empty(text, data, name)
    return text, enc
