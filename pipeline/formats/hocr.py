"""hOCR (the HTML microformat of Tesseract, OCRopus, Kraken): read, correct in place, write anew.

Read: ``ocr_page`` (``bbox`` gives the page size, ``scan_res`` its resolution) → blocks
(``ocr_carea`` and other containers) → ``ocr_par`` → lines (``ocr_line``, ``ocr_textfloat``,
``ocr_header``, ``ocr_caption``) → ``ocrx_word`` with ``bbox`` and ``x_wconf`` (a line with
text and no words is split at spaces, its box shared out by length). Classes that
declare a region (``ocr_pageno``, ``ocr_footer``; ``ocr_header``/``ocr_caption`` only from
engines other than Tesseract, which uses them for headings and guessed captions) are evidence.

Write: a changed word gets its new text in the ``ocrx_word`` element; a word joined across a
line keeps each half on its own line and box, and both halves carry the joined form in
``data-ocrmend-joined`` with ``data-ocrmend-part`` 1 or 2 (hOCR has no property for it);
flags go in ``data-ocrmend-flags`` (rule ids) and ``data-ocrmend-reasons``; a word in a region
the stages took out of the body gets ``data-ocrmend-kind``. The processing is recorded in
``<meta name="ocrmend" content="...">`` and ``ocr-system`` is left as it was.
"""
from __future__ import annotations

import re
from operator import lt
from typing import Any

from .base import BlockIn, LineIn, PageIn, Reading, W, Walked, build, local, new_word, word_text
from .plan import words_to_write

WORD_CLASSES = {"ocrx_word", "ocr_word"}
LINE_CLASSES = {"ocr_line", "ocrx_line", "ocr_textfloat", "ocr_header", "ocr_caption"}
BLOCK_CLASSES = {"ocr_carea", "ocr_float", "ocr_column", "ocr_table", "ocr_footer", "ocr_pageno", "ocr_textimage"}
DECLARING = {"ocr_pageno": "page-number", "ocr_footer": "footer", "ocr_header": "header", "ocr_caption": "caption"}
XHTML = "http://www.w3.org/1999/xhtml"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

_PROP = re.compile(r"\s*([A-Za-z_]\w*)\s*(.*)")


def title_props(title: str | None) -> dict[str, str]:
    """The properties of an hOCR ``title`` attribute.

    >>> title_props('bbox 1 2 30 40; x_wconf 96')
    {'bbox': '1 2 30 40', 'x_wconf': '96'}
    >>> title_props('image "a; b.png"; bbox 0 0 10 10')['bbox']
    '0 0 10 10'
    """
    out: dict[str, str] = {}
    if not title:
        return out
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in title:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    for p in parts:
        m = _PROP.match(p)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def classes(el: Any) -> set[str]:
    c = el.get("class") if isinstance(el.tag, str) else None
    return set(c.split()) if c else set()


def _bbox(el: Any) -> tuple[int, int, int, int] | None:
    v = title_props(el.get("title")).get("bbox")
    if not v:
        return None
    try:
        x0, y0, x1, y1 = (int(round(float(t))) for t in v.split()[:4])
    except ValueError:
        return None
    return (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))


def engine_of(root: Any) -> str:
    for el in root.iter():
        if local(el.tag) == "meta" and el.get("name") == "ocr-system":
            return el.get("content") or ""
    return ""


_BBOX = re.compile(r"\bbbox\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)")
_WCONF = re.compile(r"\bx_wconf\s+(-?[\d.]+)")


def _fast_bbox(title: str | None) -> tuple[int, int, int, int] | None:
    m = _BBOX.search(title) if title else None
    if not m:
        return None
    x0, y0, x1, y1 = (int(round(float(v))) for v in m.groups())
    return (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))


#: Tesseract's own word title, read without the general property parser
_TESS_TITLE = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+); x_wconf (\d+)")
#: a run of Tesseract's word titles joined by newlines (ASCII digits: the common case, and
#: the fastest to match; any other title is read a word at a time)
_TESS_TITLES = re.compile(r"bbox [0-9]+ [0-9]+ [0-9]+ [0-9]+; x_wconf [0-9]+"
                          r"(?:\nbbox [0-9]+ [0-9]+ [0-9]+ [0-9]+; x_wconf [0-9]+)*").fullmatch

def _word_box_conf(title: str | None, line_el: Any) -> tuple[tuple[int, int, int, int], float]:
    """A word's box (its own, else its line's) and confidence (0-100; 100 when absent)."""
    if title:
        m = _TESS_TITLE.fullmatch(title)
        if m:
            x0, y0, x1, y1, c = map(int, m.groups())
            return (x0, y0, x1 if x1 > x0 else x0 + 1, y1 if y1 > y0 else y0 + 1), (c if c <= 100 else 100.0) + 0.0
    box = _fast_bbox(title) or _fast_bbox(line_el.get("title")) or (0, 0, 1, 1)
    m = _WCONF.search(title) if title else None
    return box, max(0.0, min(100.0, float(m.group(1)))) if m else 100.0


def _has_word(el: Any) -> bool:
    for d in el.iterdescendants():
        c = d.get("class")
        if c and "word" in c and not WORD_CLASSES.isdisjoint(c.split()):
            return True
    return False


class _Walk:
    """One pass over a page's elements, carrying the block, paragraph and line it is in."""

    def __init__(self, declaring: dict[str, str]) -> None:
        self.declaring = declaring
        self.declaring_set = frozenset(declaring)
        self.blocks: dict[int, BlockIn] = {}
        self.pars: dict[int, list[LineIn]] = {}
        self.lines: dict[int, LineIn] = {}
        self.held: list[Any] = []
        from lxml import etree

        self.element = etree.Element  # the tag filter that keeps elements only
        self.max_x = self.max_y = 0

    def run(self, el: Any, block: Any, par: Any, line: Any, declared: tuple[str, str] | None) -> None:
        # Tesseract's words (class exactly "ocrx_word": no class to split, nothing declared) are
        # gathered and read a run at a time (``tesseract_words``); the run is handed over before
        # any other child is looked into, so lines are met in the file's order all the same
        run: list[Any] = []
        for child in el.iterchildren(self.element):  # elements only: no comments, no PIs
            cls = child.get("class")
            if cls == "ocrx_word":
                run.append(child)
                continue
            if run:
                self.tesseract_words(run, block, par, line if line is not None else el, declared)
                run = []
            if cls is None:
                if len(child):
                    self.run(child, block, par, line, declared)
                continue
            names = cls.split()
            decl = declared
            if not self.declaring_set.isdisjoint(names):
                for c in names:
                    if c in self.declaring:
                        decl = (self.declaring[c], f"hOCR class {cls}")
            if not WORD_CLASSES.isdisjoint(names):
                self.word(child, block, par, line if line is not None else el, decl)
                continue
            b, p, ln = block, par, line
            if not LINE_CLASSES.isdisjoint(names):
                ln = child
                if not _has_word(child):
                    self.line_text(child, block, par, decl)  # a line with its text and no words
                    continue
            elif "ocr_par" in names:
                p = child
            elif not BLOCK_CLASSES.isdisjoint(names):
                b = child
            self.run(child, b, p, ln, decl)
        if run:
            self.tesseract_words(run, block, par, line if line is not None else el, declared)

    def tesseract_words(self, els: list[Any], block: Any, par: Any, line_el: Any,
                        declared: tuple[str, str] | None) -> None:
        """A run of Tesseract's words of one line: read together (``_tesseract_run``) when
        they are written as Tesseract writes them, else a word at a time (``word``, which reads
        every case: the result is the same either way)."""
        run = _tesseract_run(els)
        if run is None:
            for e in els:
                self.word(e, block, par, line_el, declared)
            return
        words, max_x, max_y = run
        if max_x > self.max_x:
            self.max_x = max_x
        if max_y > self.max_y:
            self.max_y = max_y
        ln = self.lines.get(id(line_el)) or self._line(line_el, block, par, declared)
        ln.words.extend(words)
        ln.els.extend(els)

    def line_text(self, line_el: Any, block: Any, par: Any, declared: tuple[str, str] | None) -> None:
        from .base import add_split_line, split_words

        box = _fast_bbox(line_el.get("title"))
        m = _WCONF.search(line_el.get("title") or "")
        words = split_words(word_text("".join(line_el.itertext())), box or (0, 0, 1, 1),
                            float(m.group(1)) if m else 100.0)
        if words:
            add_split_line(self._line(line_el, block, par, declared), words)

    def _line(self, line_el: Any, block: Any, par: Any, declared: tuple[str, str] | None) -> LineIn:
        key = id(line_el)
        ln = self.lines.get(key)
        if ln is None:
            ln = LineIn([], line_el, *(declared or (None, "")))
            self.lines[key] = ln
            pkey = id(par) if par is not None else key
            if pkey not in self.pars:
                self.pars[pkey] = []
                # ids key the dicts: the elements are held, so no id is reused by another
                self.held.append(par)
                bel = block if block is not None else (par if par is not None else line_el)
                bkey = id(bel)
                if bkey not in self.blocks:
                    self.blocks[bkey] = BlockIn([], bel)
                self.blocks[bkey].paragraphs.append(self.pars[pkey])
            self.pars[pkey].append(ln)
        return ln

    def word(self, el: Any, block: Any, par: Any, line_el: Any, declared: tuple[str, str] | None) -> None:
        raw = (el.text or "") if not len(el) else "".join(el.itertext())
        text = raw if raw and not _NEEDS_TIDY(raw) else word_text(raw)
        if not text:
            return
        box, conf = _word_box_conf(el.get("title"), line_el)
        if box[2] > self.max_x:
            self.max_x = box[2]
        if box[3] > self.max_y:
            self.max_y = box[3]
        ln = self.lines.get(id(line_el)) or self._line(line_el, block, par, declared)
        ln.words.append(W(text, box, conf))
        ln.els.append(el)


#: a word's text that needs ``word_text`` (white space in or around it)
_NEEDS_TIDY = re.compile(r"\s").search


def _tesseract_run(els: list[Any]) -> tuple[list[W], int, int] | None:
    """The words of word elements as Tesseract writes them (plain text without white space;
    ``title`` exactly ``bbox x0 y0 x1 y1; x_wconf c`` in ASCII digits, boxes not empty,
    confidences at most 100), with the largest x1 and y1; None when any is otherwise. The
    titles are checked by one regex over the run and their numbers taken by one split, and
    the words are made in C: no Python step a word."""
    texts = [e.text for e in els]
    titles = [e.get("title") for e in els]
    if None in titles or not all(texts) or any(map(len, els)) or _NEEDS_TIDY("".join(texts)):
        return None
    joined = "\n".join(titles)
    if not _TESS_TITLES(joined):
        return None
    # "bbox A B C D; x_wconf E" lines: without the two names, five numbers a word
    nums = list(map(int, joined.replace("bbox ", "").replace("; x_wconf", "").split()))
    if len(nums) != 5 * len(els):  # a title with a newline of its own
        return None
    x0s, y0s, x1s, y1s, confs = nums[0::5], nums[1::5], nums[2::5], nums[3::5], nums[4::5]
    if not (all(map(lt, x0s, x1s)) and all(map(lt, y0s, y1s)) and max(confs) <= 100):
        return None
    words = list(map(new_word, zip(texts, zip(x0s, y0s, x1s, y1s), map(float, confs))))
    return words, max(x1s), max(y1s)


def read(root: Any, name: str) -> Reading:
    return build(name, walk(root, name))


def walk(root: Any, name: str) -> Walked:
    engine = engine_of(root)
    tesseract = engine.lower().startswith("tesseract")
    declaring = {k: v for k, v in DECLARING.items() if not (tesseract and k in ("ocr_header", "ocr_caption"))}
    pages = []
    for page_el in root.iter():
        c = page_el.get("class")  # None for comments and PIs too
        if not (c and "ocr_page" in c and "ocr_page" in c.split()):
            continue
        props = title_props(page_el.get("title"))
        pbox = _fast_bbox(page_el.get("title")) or (0, 0, 0, 0)
        dpi, dpi_source = 300, "default"
        if "scan_res" in props:
            try:
                dpi, dpi_source = int(float(props["scan_res"].split()[0])), "file"
            except ValueError:
                pass
        w = _Walk(declaring)
        w.run(page_el, None, None, None, None)
        width = pbox[2] - pbox[0] if pbox[2] > pbox[0] else w.max_x + 1
        height = pbox[3] - pbox[1] if pbox[3] > pbox[1] else w.max_y + 1
        pages.append(PageIn(width, height, list(w.blocks.values()), dpi, dpi_source, el=page_el))
    return Walked("hocr", "hOCR 1.2", engine, pages)


# -- writing ---------------------------------------------------------------------------
def set_text(el: Any, text: str) -> None:
    """Put ``text`` in a word element, inside the markup it already has (``<strong>`` ...)."""
    holders = [e for e in el.iter() if isinstance(e.tag, str) and e.text and e.text.strip()]
    if not holders:
        el.text = text
        return
    first = holders[0]
    lead = first.text[: len(first.text) - len(first.text.lstrip())]
    trail = first.text[len(first.text.rstrip()):]
    first.text = lead + text + trail
    for e in holders[1:]:
        e.text = ""
    for e in el.iter():
        if e is not el and e.tail and e.tail.strip():
            e.tail = ""


def update(root: Any, refs: Any, plan: Any, meta: dict[str, str], source: bytes | None = None) -> None:
    """Apply a word plan (``plan.WordPlan`` per word) to the hOCR tree in place; ``refs`` are
    the words and their elements (``base.WordRefs``). Words the plan leaves alone are not
    visited (except words split out of a line's text, whose line is written whole). ``source`` (the
    bytes read) is not needed here: every writer is called alike."""
    lines: dict[int, tuple[Any, list[str], bool]] = {}
    extras = refs[2]
    for i, el, w, p, text in words_to_write(refs, plan):
        if el is None:  # a word split out of a line's text: the line gets its words back
            line = extras[i]["line"]
            entry = lines.setdefault(id(line), (line, [], False))
            entry[1].append(text)
            if text != w.text:
                lines[id(line)] = (line, entry[1], True)
            if p.flags:
                line.set("data-ocrmend-flags", " ".join(dict.fromkeys((line.get("data-ocrmend-flags") or "").split()
                                                                      + list(p.flags))))
            continue
        if text != w.text:
            set_text(el, text)
        if p.joined is not None:
            el.set("data-ocrmend-joined", p.joined)
            el.set("data-ocrmend-part", str(p.part))
        if p.kind:
            el.set("data-ocrmend-kind", p.kind)
        if p.flags:
            el.set("data-ocrmend-flags", " ".join(p.flags))
            el.set("data-ocrmend-reasons", " | ".join(p.reasons))
    for line, texts, changed in lines.values():
        if changed:
            set_text(line, " ".join(texts))
    _record(root, meta)


def _record(root: Any, meta: dict[str, str]) -> None:
    from lxml import etree

    head = next((e for e in root.iter() if local(e.tag) == "head"), None)
    if head is None:
        return
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else None
    tag = f"{{{ns}}}meta" if ns else "meta"
    last = [e for e in head if local(e.tag) == "meta"]
    m = etree.Element(tag)
    m.set("name", "ocrmend")
    m.set("content", "; ".join(f"{k} {v}" for k, v in meta.items()))
    if last:
        last[-1].addnext(m)
        m.tail, last[-1].tail = last[-1].tail, (last[-2].tail if len(last) > 1 else last[-1].tail)
    else:
        head.append(m)


def serialise(root: Any) -> str:
    """The document as text. XHTML is written as XML with its doctype as it was; libxml2's own
    XHTML mode is avoided, since it adds attributes (``xml:lang``) the file did not have. The
    tree is the writer's own (taken from the file read, not copied) and is changed on the way:
    empty non-void elements get an empty text, and the DTD loses its ids."""
    from lxml import etree

    tree = root.getroottree()
    if not (tree.docinfo.xml_version or root.tag.startswith("{")):
        return etree.tostring(tree, encoding="unicode", method="html", doctype=tree.docinfo.doctype or None) + "\n"
    pre = [etree.tostring(s, encoding="unicode") for s in reversed(list(root.itersiblings(preceding=True)))]
    post = [etree.tostring(s, encoding="unicode") for s in root.itersiblings()]
    doctype = tree.docinfo.doctype
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + (doctype + "\n" if doctype else "")
    # <title/> would open an element that never closes for an HTML parser: such elements get
    # an empty text (the tree is the writer's own, taken from the file read; no copy is made)
    for el in root.iterdescendants():
        if el.text is None and not len(el) and isinstance(el.tag, str) and local(el.tag) not in VOID:
            el.text = ""
    if root.text is None and not len(root):
        root.text = ""
    if doctype:
        # libxml2 writes a document whose doctype names XHTML in its XHTML mode (" />", and
        # attributes the file did not have): the doctype is written above already, so the tree
        # (the writer's own) keeps its DTD without the ids that select that mode
        tree.docinfo.public_id = None
        tree.docinfo.system_url = None
    body = etree.tostring(root, encoding="unicode", with_tail=False)
    return head + "".join(pre) + body + "".join(post) + "\n"


def new_document(reading_ocr: Any, plan: Any, meta: dict[str, str], name: str) -> str:
    """A fresh hOCR file (XHTML, as Tesseract writes it) for a document read from elsewhere."""
    from html import escape

    doc = reading_ocr
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
           '    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
           f'<html xmlns="{XHTML}" xml:lang="en" lang="en">\n <head>\n  <title>{escape(name)}</title>\n'
           '  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
           f'  <meta name="ocr-system" content="{escape(meta.get("source-engine", "") or "unknown")}"/>\n'
           '  <meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"/>\n'
           f'  <meta name="ocrmend" content="{escape("; ".join(f"{k} {v}" for k, v in meta.items()))}"/>\n'
           ' </head>\n <body>\n']

    def bb(b: Any) -> str:
        return f"bbox {b[0]} {b[1]} {b[2]} {b[3]}"

    wi = 0
    for page in doc.pages:
        out.append(f'  <div class="ocr_page" id="page_{page.number}" title="{bb((0, 0, page.width, page.height))}; '
                   f'ppageno {page.number - 1}; scan_res {page.dpi} {page.dpi}">\n')
        for bi, block in enumerate(doc.page_blocks(page), 1):
            bid = f"{page.number}_{bi}"
            out.append(f'   <div class="ocr_carea" id="block_{bid}" title="{bb(block.box)}">\n')
            pars = doc.block_paragraphs(block)
            for pi, par in enumerate(pars, 1):
                from ..ocr.model import union
                out.append(f'    <p class="ocr_par" id="par_{bid}_{pi}" title="{bb(union([ln.box for ln in par]))}">\n')
                for li, ln in enumerate(par, 1):
                    out.append(f'     <span class="ocr_line" id="line_{bid}_{pi}_{li}" title="{bb(ln.box)}">')
                    for w in doc.line_words(ln):
                        p = plan[wi]
                        wi += 1
                        attrs = [f'class="ocrx_word" id="word_{wi}" title="{bb(w.box)}; x_wconf {int(round(w.conf))}"']
                        if p.joined is not None:
                            attrs.append(f'data-ocrmend-joined="{escape(p.joined)}" data-ocrmend-part="{p.part}"')
                        if p.kind:
                            attrs.append(f'data-ocrmend-kind="{p.kind}"')
                        if p.flags:
                            attrs.append(f'data-ocrmend-flags="{escape(" ".join(p.flags))}" '
                                         f'data-ocrmend-reasons="{escape(" | ".join(p.reasons))}"')
                        text = p.printed(w.text)
                        out.append(f'<span {" ".join(attrs)}>{escape(text, quote=False)}</span> ')
                    out.append("</span>\n")
                out.append("    </p>\n")
            out.append("   </div>\n")
        out.append("  </div>\n")
    out.append(" </body>\n</html>\n")
    return "".join(out)
