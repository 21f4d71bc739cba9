"""PAGE XML 2013/2019 (OCR-D, Transkribus, eScriptorium): read, correct in place, write anew.

Read: ``Page`` (``imageWidth``/``imageHeight``) → ``TextRegion`` (also nested, and inside
table regions) in the order of the ``ReadingOrder`` (``OrderedGroup`` by ``index``, unordered
groups and regions it does not name in document order) → ``TextLine`` → ``Word``, each with
``Coords`` (``points``, or ``Point`` children in old files) and its text from the
``TextEquiv`` with the lowest ``index`` (``conf`` 0-1 is the confidence). A line with no
``Word`` elements (common in handwriting tools) is split at spaces into words whose boxes share
out the line's box by length. Region ``type`` is evidence: header, footer, page-number,
caption, footnote (and footnote-continued), marginalia, catch-word, signature-mark.
``ImageRegion``/``GraphicRegion``/``ChartRegion`` are figures (for captions).

Write: a changed word gets its new text in that ``TextEquiv`` (``Unicode``, and
``PlainText`` when present), ``conf`` and ``Coords`` kept, and the ``TextEquiv`` of its line and
region, where the file has them, are rebuilt from the words. PAGE has no hyphenation element:
the first half of a joined word keeps its printed hyphen and both halves record the joined form
in the ``custom`` attribute, ``ocrmend {joined:illusions; part:1;}``, as do the kinds of removed
regions (``kind:header``) and flags (``flags:rule.id,...``); ``custom`` values escape
``\\ ; : { }`` as ``\\uXXXX``. The processing is recorded as a ``MetadataItem``
(``type="processingStep"``, 2019) or in ``Comments`` (2013), and ``LastChange`` is updated.
"""
from __future__ import annotations

import re
from math import isnan
from operator import lt
from typing import Any

from .base import child as _child, children as _children, fit_in, qname, BlockIn, LineIn, PageIn, Reading, Walked, box_of_points, build, local, new_word, word_text
from .plan import words_to_write

NAMESPACES = {
    "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15": "2019",
    "http://schema.primaresearch.org/PAGE/gts/pagecontent/2017-07-15": "2017",
    "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15": "2013",
    "http://schema.primaresearch.org/PAGE/gts/pagecontent/2010-03-19": "2010",
}
NS_2019 = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
FIGURES = ("ImageRegion", "GraphicRegion", "ChartRegion")


def namespace(root: Any) -> str:
    return root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name






_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_RECT = re.compile(r"(\d+),(\d+) (\d+),(\d+) (\d+),(\d+) (\d+),(\d+)").fullmatch


def coords_box(el: Any) -> tuple[int, int, int, int] | None:
    c = _child(el, "Coords")
    return _coords(c) if c is not None else None


def _coords(c: Any) -> tuple[int, int, int, int] | None:
    """The box around a ``Coords`` element's ``points`` (or old-style ``Point`` children)."""
    pts: list[tuple[float, float]] = []
    points = c.get("points")
    if points:
        m = _RECT(points)
        if m:  # a rectangle in whole pixels, corners clockwise from the top left (Tesseract's)
            x0, y0, x1, y0b, x1b, y1, x0b, y1b = map(int, m.groups())
            if x0 == x0b and x1 == x1b and y0 == y0b and y1 == y1b and x0 <= x1 and y0 <= y1:
                return (x0, y0, x1 if x1 > x0 else x0 + 1, y1 if y1 > y0 else y0 + 1)
        try:  # whole pixels, "x,y x,y ...": the short way
            nums = list(map(int, points.replace(",", " ").split()))
            xs, ys = nums[0::2], nums[1::2]
        except ValueError:
            fl = [float(v) for v in _NUMBER.findall(points)]
            xs, ys = [int(round(v)) for v in fl[0::2]], [int(round(v)) for v in fl[1::2]]
        if not xs or len(xs) != len(ys):
            return None
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        return (x0, y0, x1 if x1 > x0 else x0 + 1, y1 if y1 > y0 else y0 + 1)
    for p in _children(c, "Point"):
        try:
            pts.append((float(p.get("x", "")), float(p.get("y", ""))))
        except ValueError:
            continue
    if not pts:
        return None
    b = box_of_points(pts)
    return (b[0], b[1], max(b[2], b[0] + 1), max(b[3], b[1] + 1))


def text_equiv(el: Any) -> Any:
    """The ``TextEquiv`` child to read: the lowest ``index`` (PAGE's order of preference)."""
    tes = _children(el, "TextEquiv")
    return _lowest(tes) if tes else None


def equiv_text(te: Any) -> str:
    if te is None:
        return ""
    u = _child(te, "Unicode")
    return (u.text or "") if u is not None else ""


def equiv_conf(te: Any) -> float:
    try:
        return max(0.0, min(100.0, 100.0 * float(te.get("conf")))) if te is not None and te.get("conf") else 100.0
    except ValueError:
        return 100.0


def engine_of(root: Any) -> str:
    md = _child(root, "Metadata")
    c = _child(md, "Creator") if md is not None else None
    return (c.text or "").strip() if c is not None else ""


def reading_order(page: Any) -> list[str]:
    """Region ids in the page's reading order (flattened, groups by ``index``)."""
    ro = _child(page, "ReadingOrder")
    out: list[str] = []

    def walk(group: Any) -> None:
        kids = [c for c in group if local(c.tag) in ("RegionRefIndexed", "OrderedGroupIndexed",
                                                      "UnorderedGroupIndexed", "RegionRef", "OrderedGroup",
                                                      "UnorderedGroup")]
        if local(group.tag).startswith("Ordered"):
            kids.sort(key=lambda c: int(c.get("index", "0")) if (c.get("index") or "0").isdigit() else 0)
        for k in kids:
            if k.get("regionRef"):  # a region, or a group tied to one
                out.append(k.get("regionRef"))
            if not local(k.tag).startswith("RegionRef"):
                walk(k)

    if ro is not None:
        for g in ro:
            if isinstance(g.tag, str):
                walk(g)
    return out


class _Names:
    """The qualified element names a walk compares tags with (one namespace a file)."""

    def __init__(self, ns: str) -> None:
        self.line, self.word, self.coords = _q(ns, "TextLine"), _q(ns, "Word"), _q(ns, "Coords")
        self.equiv, self.unicode = _q(ns, "TextEquiv"), _q(ns, "Unicode")


def _line(line_el: Any, q: _Names) -> LineIn:
    """A ``TextLine``'s words: each ``Word``'s first ``Coords`` and the text and confidence of
    its ``TextEquiv`` with the lowest ``index``; a line without ``Word`` elements is split at
    spaces (see the module's note)."""
    from .base import add_split_line, split_words

    els: list[Any] = []
    line = LineIn([], line_el, None, "", els)
    lbox: Any = False  # the line's box, looked up once when needed
    any_word = False
    # the words' texts, Coords elements and TextEquiv elements, turned into words together
    # after the loop (``_rect_boxes``, ``_confs``)
    texts: list[str] = []
    coords_els: list[Any] = []
    tes_read: list[Any] = []
    unicode_tag = q.unicode
    for w in line_el.iterchildren(q.word):
        any_word = True
        coords, te = _word_parts(w, q)
        if te is None:
            continue
        # the first Unicode child: the first or (after PlainText) the second in a valid file
        n = len(te)
        u = te[0] if n else None
        if u is not None and u.tag != unicode_tag:
            u = te[1] if n > 1 and te[1].tag == unicode_tag else next(te.iterchildren(unicode_tag), None)
        raw = (u.text or "") if u is not None else ""
        text = raw if raw and not _NEEDS_TIDY(raw) else word_text(raw)
        if not text:
            continue
        texts.append(text)
        coords_els.append(coords)
        tes_read.append(te)
        els.append(w)
    if texts:
        boxes = _rect_boxes(coords_els)
        if boxes is None:
            boxes = []
            for coords in coords_els:
                box = _coords(coords) if coords is not None else None
                if box is None:
                    if lbox is False:
                        lbox = coords_box(line_el)
                    box = lbox or (0, 0, 1, 1)
                boxes.append(box)
        line.words = list(map(new_word, zip(texts, boxes, _confs(tes_read))))
    if not any_word:
        te = text_equiv(line_el)
        if lbox is False:
            lbox = coords_box(line_el)
        add_split_line(line, split_words(word_text(equiv_text(te)), lbox or (0, 0, 1, 1), equiv_conf(te)))
    return line


#: rectangles in whole pixels, corners clockwise from the top left (as Tesseract and most
#: engines write a word's box), one a line: the backreferences hold each corner to the others
_RECTS = re.compile(r"([0-9]+),([0-9]+) ([0-9]+),\2 \3,([0-9]+) \1,\4"
                    r"(?:\n([0-9]+),([0-9]+) ([0-9]+),\6 \7,([0-9]+) \5,\8)*").fullmatch


def _rect_boxes(coords_els: list[Any]) -> list[tuple[int, int, int, int]] | None:
    """The boxes of a line's words when every one is such a rectangle, not empty, read by one
    regex over the line; None otherwise (``_coords`` then reads each word, to the same boxes)."""
    if None in coords_els:
        return None
    pts = [c.get("points") for c in coords_els]
    if None in pts:
        return None
    joined = "\n".join(pts)
    if not _RECTS(joined):
        return None
    nums = joined.replace(",", " ").split()  # x0 y0 x1 y0 x1 y1 x0 y1, a word
    if len(nums) != 8 * len(pts):  # a points value with a newline of its own
        return None
    x0s, y0s = list(map(int, nums[0::8])), list(map(int, nums[1::8]))
    x1s, y1s = list(map(int, nums[2::8])), list(map(int, nums[5::8]))
    if not (all(map(lt, x0s, x1s)) and all(map(lt, y0s, y1s))):
        return None
    return list(zip(x0s, y0s, x1s, y1s))


def _confs(tes: list[Any]) -> list[float]:
    """The confidences (0-100) of the words whose TextEquiv elements are ``tes``: as
    ``equiv_conf`` gives them, 100 where there is no ``conf``."""
    raw = [te.get("conf") for te in tes]
    if all(raw):
        try:
            confs = [100.0 * float(c) for c in raw]
        except ValueError:
            return [equiv_conf(te) for te in tes]
        if min(confs) < 0.0 or max(confs) > 100.0 or any(map(isnan, confs)):
            confs = [max(0.0, min(100.0, c)) for c in confs]  # as equiv_conf clamps them
        return confs
    return [equiv_conf(te) if c is not None else 100.0 for te, c in zip(tes, raw)]



def _lowest(tes: list[Any]) -> Any:
    def key(t: Any) -> int:
        try:
            return int(t.get("index", "1000000"))
        except ValueError:
            return 1000000

    return min(tes, key=key)


#: a text that needs ``word_text`` (white space in or around it)
_NEEDS_TIDY = re.compile(r"\s").search


def read(root: Any, name: str) -> Reading:
    return build(name, walk(root, name))


def walk(root: Any, name: str) -> Walked:
    ns = namespace(root)
    version = NAMESPACES.get(ns, "?")
    pages = []
    for page_el in _children(root, "Page"):
        width = int(float(page_el.get("imageWidth", "0") or 0))
        height = int(float(page_el.get("imageHeight", "0") or 0))
        regions = list(page_el.iter(_q(ns, "TextRegion")))
        by_id = {r.get("id"): r for r in regions}
        ordered = [by_id[i] for i in dict.fromkeys(reading_order(page_el)) if i in by_id]
        seen = {id(r) for r in ordered}
        ordered += [r for r in regions if id(r) not in seen]
        figures = [b for r in page_el.iter(*(qname(page_el, f) for f in FIGURES)) for b in [coords_box(r)] if b]
        blocks = []
        q = _Names(ns)
        for reg in ordered:
            rtype = reg.get("type")
            lines = []
            for line_el in reg.iterchildren(q.line):
                line = _line(line_el, q)
                lines.append(line)
            blocks.append(BlockIn([lines], reg, rtype, f"PAGE TextRegion type {rtype}" if rtype else ""))
        pages.append(PageIn(width, height, blocks, 300, "default", figures, page_el))
    return Walked("page", f"PAGE {version}", engine_of(root), pages)


# -- writing ---------------------------------------------------------------------------
_ESCAPE = re.compile(r"[\\;:{}]")


def custom_value(s: str) -> str:
    r"""A value for a PAGE ``custom`` attribute.

    >>> custom_value("a;b:c")
    'a\\u003bb\\u003ac'
    """
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def custom_attr(p: Any) -> str:
    items = []
    if p.joined is not None:
        items += [f"joined:{custom_value(p.joined)}", f"part:{p.part}"]
    if p.kind:
        items.append(f"kind:{p.kind}")
    if p.flags:
        items.append("flags:" + custom_value(",".join(p.flags)))
    return "ocrmend {" + "; ".join(items) + ";}" if items else ""


def _set_custom(el: Any, value: str) -> None:
    if not value:
        return
    old = el.get("custom") or ""
    old = re.sub(r"\s*ocrmend \{[^}]*\}", "", old).strip()
    el.set("custom", (old + " " + value).strip())


def _set_equiv(el: Any, te: Any, text: str) -> None:
    ns = namespace(el.getroottree().getroot())
    if te is None:
        te = el.makeelement(_q(ns, "TextEquiv"), {})
        # TextEquiv comes after Coords/Baseline/Word/Glyph/TextLine children, before TextStyle
        after = [c for c in el if local(c.tag) in ("AlternativeImage", "Coords", "Baseline", "Word", "Glyph",
                                                  "TextLine", "TextRegion")]
        if after:
            after[-1].addnext(te)
        else:
            el.insert(0, te)
    u = _child(te, "Unicode")
    if u is None:
        u = te.makeelement(_q(ns, "Unicode"), {})
        te.append(u)
    u.text = text
    pt = _child(te, "PlainText")
    if pt is not None:
        pt.text = text


def update(root: Any, refs: Any, plan: Any, meta: dict[str, str], source: bytes | None = None) -> None:
    """Apply a word plan to the PAGE tree in place (see the module's note); ``refs`` are the
    words and their elements (``base.WordRefs``). Words the plan leaves alone are not visited
    (except words split out of a line's text, whose line is written whole). ``source`` (the
    bytes read) is not needed here: every writer is called alike."""
    touched_lines: dict[int, Any] = {}
    virtual: dict[int, list[str]] = {}
    extras = refs[2]
    for i, el, w, p, text in words_to_write(refs, plan):
        if el is None:  # a word split out of a line's text
            line = extras[i]["line"]
            virtual.setdefault(id(line), []).append(text)
            touched_lines[id(line)] = line
            if p.changed:
                _set_custom(line, custom_attr(p)) if p.flags or p.kind else None
            continue
        if text != w.text or p.text is not None:
            te = text_equiv(el)
            old = equiv_text(te)
            if text != word_text(old):
                _set_equiv(el, te, text)
                parent = el.getparent()
                touched_lines[id(parent)] = parent
        _set_custom(el, custom_attr(p))
    regions: dict[int, Any] = {}
    q = _Names(namespace(root))
    for key, line in touched_lines.items():
        if key in virtual:
            _set_equiv(line, text_equiv(line), " ".join(virtual[key]))
        else:
            te = text_equiv(line)
            if te is not None:
                _set_equiv(line, te, " ".join(t for t in _word_texts(line, q) if t))
        reg = line.getparent()
        regions[id(reg)] = reg
    for reg in regions.values():
        if text_equiv(reg) is not None:
            lines = [equiv_text(text_equiv(ln)) for ln in _children(reg, "TextLine")]
            _set_equiv(reg, text_equiv(reg), "\n".join(lines))
    record(root, meta)


def _word_parts(w: Any, q: _Names) -> tuple[Any, Any]:
    """A ``Word``'s first ``Coords`` and the ``TextEquiv`` it is read by (the lowest
    ``index`` when it has several); either None when it has none."""
    coords = te = None
    tes: list[Any] | None = None  # when a word has more than one TextEquiv
    for c in w:  # plain iteration: a tag filter costs more than the few children it skips
        t = c.tag
        if t == q.equiv:
            if te is None:
                te = c
            else:
                tes = (tes or [te]) + [c]
        elif t == q.coords and coords is None:
            coords = c
    if tes:
        te = _lowest(tes)
    return coords, te


def _word_texts(line: Any, q: _Names) -> list[str]:
    """``equiv_text`` of the ``TextEquiv`` each ``Word`` of a line is read by."""
    return [equiv_text(_word_parts(w, q)[1]) for w in line.iterchildren(q.word)]


def record(root: Any, meta: dict[str, str]) -> None:
    ns = namespace(root)
    md = _child(root, "Metadata")
    if md is None:
        return
    lc = _child(md, "LastChange")
    if lc is not None:
        lc.text = meta["date"]
    if NAMESPACES.get(ns) in ("2019", "2017") or ns == NS_2019:
        item = md.makeelement(_q(ns, "MetadataItem"), {"type": "processingStep", "name": "ocrmend",
                                                       "value": f"ocrmend {meta['version']}", "date": meta["date"]})
        labels = item.makeelement(_q(ns, "Labels"), {})
        for k in ("description", "config"):
            labels.append(labels.makeelement(_q(ns, "Label"), {"type": k, "value": meta[k]}))
        item.append(labels)
        md.append(item)
        fit_in(item)
        return
    com = _child(md, "Comments")
    note = f"ocrmend {meta['version']} ({meta['date']}): {meta['description']}; config {meta['config']}"
    if com is None:
        com = md.makeelement(_q(ns, "Comments"), {})
        (lc if lc is not None else _child(md, "Created")).addnext(com)
        com.text = note
        fit_in(com)
    else:
        com.text = ((com.text or "").rstrip() + "\n" + note).lstrip()


def serialise(root: Any) -> str:
    from lxml import etree

    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root.getroottree(), encoding="unicode") + "\n"


def new_document(ocr: Any, plan: Any, meta: dict[str, str], name: str) -> str:
    """A fresh PAGE 2019 file for a document read from elsewhere (one ``Page`` per page: PAGE
    holds one page a file, so a multi-page document gives a file with several ``Page``s only
    when it has them; readers of PAGE expect one)."""
    from lxml import etree

    ns = NS_2019
    root = etree.Element(_q(ns, "PcGts"), nsmap={None: ns, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation",
             f"{ns} http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd")
    md = etree.SubElement(root, _q(ns, "Metadata"))
    etree.SubElement(md, _q(ns, "Creator")).text = meta.get("source-engine") or "ocrmend"
    etree.SubElement(md, _q(ns, "Created")).text = meta["date"]
    etree.SubElement(md, _q(ns, "LastChange")).text = meta["date"]
    wi = 0
    for page in ocr.pages:
        pe = etree.SubElement(root, _q(ns, "Page"), {"imageFilename": name, "imageWidth": str(page.width),
                                                      "imageHeight": str(page.height)})
        ro = etree.SubElement(pe, _q(ns, "ReadingOrder"))
        og = etree.SubElement(ro, _q(ns, "OrderedGroup"), {"id": f"ro_{page.number}"})
        k = 0
        for bi, block in enumerate(ocr.page_blocks(page), 1):
            pars = ocr.block_paragraphs(block)
            for pi, par in enumerate(pars, 1):
                from ..ocr.model import union
                rid = f"r_{page.number}_{bi}_{pi}"
                etree.SubElement(og, _q(ns, "RegionRefIndexed"), {"index": str(k), "regionRef": rid})
                k += 1
                reg = etree.SubElement(pe, _q(ns, "TextRegion"), {"id": rid})
                etree.SubElement(reg, _q(ns, "Coords"), {"points": points(union([ln.box for ln in par]))})
                reg_lines = []
                for li, ln in enumerate(par, 1):
                    le = etree.SubElement(reg, _q(ns, "TextLine"), {"id": f"{rid}_l{li}"})
                    etree.SubElement(le, _q(ns, "Coords"), {"points": points(ln.box)})
                    texts = []
                    for wj, w in enumerate(ocr.line_words(ln), 1):
                        p = plan[wi]
                        wi += 1
                        we = etree.SubElement(le, _q(ns, "Word"), {"id": f"{rid}_l{li}_w{wj}"})
                        c = custom_attr(p)
                        if c:
                            we.set("custom", c)
                        etree.SubElement(we, _q(ns, "Coords"), {"points": points(w.box)})
                        text = p.printed(w.text)
                        te = etree.SubElement(we, _q(ns, "TextEquiv"), {"conf": f"{w.conf / 100:.2f}"})
                        etree.SubElement(te, _q(ns, "Unicode")).text = text
                        texts.append(text)
                    te = etree.SubElement(le, _q(ns, "TextEquiv"))
                    etree.SubElement(te, _q(ns, "Unicode")).text = " ".join(texts)
                    reg_lines.append(" ".join(texts))
                te = etree.SubElement(reg, _q(ns, "TextEquiv"))
                etree.SubElement(te, _q(ns, "Unicode")).text = "\n".join(reg_lines)
        if k == 0:
            pe.remove(ro)
    record(root, meta)
    etree.indent(root, space="  ")
    return serialise(root)


def points(box: Any) -> str:
    x0, y0, x1, y1 = box
    return f"{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}"
