"""Safe XML parsing for every format reader: safe by construction, refused in one line.

* A document that declares entities (``<!ENTITY``) is refused before it is parsed: that is
  how both the "billion laughs" expansion bomb and external entities (``SYSTEM
  "file:///etc/passwd"``) are written, and no OCR format needs one.
* The parser itself never resolves entities, never loads a DTD, never touches the network,
  and keeps libxml2's limits on depth and text size (``huge_tree=False``), so even a document
  that slipped past the check above could not expand or fetch anything.
* The size limit (``max_bytes`` of the config) is checked by the caller before the bytes are
  read; ``parse`` checks it again for bytes given directly.

Every refusal is an ``InputError`` (exit code 4: the rest of a batch goes on) with one line.

>>> parse(b"<alto><Layout/></alto>", "ok.xml").tag
'alto'
>>> parse(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "bad.xml")
Traceback (most recent call last):
...
pipeline.errors.InputError: bad.xml: declares XML entities (<!ENTITY>); refused, since entities can expand without bound or read local files
"""
from __future__ import annotations

from typing import Any

from ..errors import InputError, MissingDependency


def _etree() -> Any:
    try:
        from lxml import etree
    except ImportError:
        raise MissingDependency("the Python package 'lxml' is needed for hOCR, ALTO and PAGE files; "
                                "install it with: pip install lxml") from None
    return etree

# XML spells the declaration exactly so (no space, upper case), in any of its encodings
_ENTITY_DECLS = tuple({"<!ENTITY".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le",
                                                           "utf-32-be")})


def _parser() -> Any:
    etree = _etree()
    # a parser per call: lxml parsers are not safe to share between threads
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=False, remove_comments=False)


_UTF8_DECL = "<!ENTITY".encode("utf-8")


def check_entities(data: bytes, name: str) -> None:
    """Refuse a document that declares entities (see the module's note). The UTF-16 and
    UTF-32 spellings hold zero bytes, so a document without any is searched once, not five
    times.

    >>> check_entities("<!ENTITY".encode("utf-16-le"), "wide.xml")
    Traceback (most recent call last):
    ...
    pipeline.errors.InputError: wide.xml: declares XML entities (<!ENTITY>); refused, since entities can expand without bound or read local files
    """
    decls = _ENTITY_DECLS if b"\x00" in data else (_UTF8_DECL,)
    if any(decl in data for decl in decls):
        raise InputError(f"{name}: declares XML entities (<!ENTITY>); refused, since entities can expand "
                         "without bound or read local files")


def check_size(data: bytes, name: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise InputError(f"{name}: {len(data)} bytes is over the limit of {max_bytes} (config max_bytes)")


def parse(data: bytes, name: str, *, max_bytes: int = 256 * 1024 * 1024) -> Any:
    """The root element of an XML document, parsed safely; ``InputError`` when it is refused
    or not well-formed."""
    etree = _etree()

    check_size(data, name, max_bytes)
    check_entities(data, name)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise InputError(f"{name}: not well-formed XML ({msg})") from None
    if root is None:
        raise InputError(f"{name}: an empty XML document")
    return root


def parse_html(data: bytes, name: str, *, max_bytes: int = 256 * 1024 * 1024) -> Any:
    """An hOCR file written as HTML rather than XHTML (no closing tags, ``&nbsp;``): lxml's HTML
    parser, which knows no entity declarations and never fetches anything."""
    etree = _etree()
    from lxml import html

    check_size(data, name, max_bytes)
    check_entities(data, name)
    parser = html.HTMLParser(no_network=True, remove_comments=False, huge_tree=False)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{name}: cannot be read as HTML ({exc})") from None
    return root
