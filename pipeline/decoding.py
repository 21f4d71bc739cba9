"""Turn input bytes into text: BOMs, UTF-8, then the legacy encodings OCR files come in.

The decoded text is the raw text of the document: the change log replays from it, and
which decoding was used goes into the log's header and the JSON.
"""
from __future__ import annotations

import codecs

from .errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than tab, newline, carriage return and form feed
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def looks_binary(data: bytes) -> bool:
    """True for data no OCR engine writes: NUL bytes or many control bytes.

    >>> looks_binary(b"plain text\\n")
    False
    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    True
    """
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b in _CONTROL)
    return controls > max(2, len(sample) // 200)


def decode(data: bytes, name: str = "input", forced: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding)``. Raise :class:`InputError` when it cannot be text.

    >>> decode("caf\\u00e9".encode("cp1252"))
    ('café', 'cp1252')
    >>> decode(codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"))
    ('hi', 'utf-16')
    """
    if forced:
        try:
            return data.decode(forced), forced
        except LookupError:
            raise InputError(f"{name}: unknown encoding '{forced}' given with --encoding") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid {forced} at byte {exc.start}; check --encoding") from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise InputError(f"{name}: starts with a {enc} byte-order mark but does not decode as {enc}") from None
    if not data.strip():
        raise InputError(f"{name}: empty file (nothing to clean); remove it or give a file with text")
    if looks_binary(data):
        raise InputError(f"{name}: binary data, not text; give ocrmend OCR text (or, later, page images)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "latin-1"
    # Text in an encoding we do not know decodes as cp1252/latin-1 into a soup of symbols
    # and accented capitals; real Western text has few of them.
    odd = sum(1 for ch in text if ord(ch) >= 0x80 and not ch.isalpha() and ch not in "‘’“”–—…•€£§°·«»")
    upper_accents = sum(1 for ch in text if ord(ch) >= 0xC0 and ch.isupper())
    if (odd + upper_accents) > max(8, len(text) // 20):
        raise InputError(f"{name}: unknown text encoding (not UTF-8, UTF-16 or cp1252); convert it to UTF-8 or pass --encoding NAME")
    return text, enc
