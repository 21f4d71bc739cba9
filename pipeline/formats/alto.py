"""ALTO v2-v4 (newspaper portals, METS/ALTO viewers, national libraries): read, correct in
place, write anew.

Read: ``Page`` (``WIDTH``/``HEIGHT``) → its spaces (``TopMargin``, ``LeftMargin``,
``RightMargin``, ``BottomMargin``, ``PrintSpace``) → ``TextBlock`` (also inside
``ComposedBlock``) → ``TextLine`` → ``String`` (``CONTENT``, ``HPOS``/``VPOS``/``WIDTH``/
``HEIGHT``, ``WC``), with ``SP`` between words and a ``HYP`` at a line end, whose ``CONTENT``
is appended to the word before it in the raw text (the line reads as printed: ``illu-``).
Lengths are converted from the ``MeasurementUnit`` (``pixel``; ``mm10`` and ``inch1200`` at a
nominal 300 dpi) to pixels. ``Illustration``/``GraphicalElement`` boxes are figures (for
captions). Evidence the file declares: the ``TAGREFS`` of a block or line naming a tag whose
``LABEL``/``TYPE`` is a region type (header, footer, page number, caption, footnote ...), and
blocks in the top or bottom margin (running head or page number, footer) or the side margins
(marginal notes).

Write: a changed word gets its new ``CONTENT``; a word joined across a line break gets
``SUBS_TYPE="HypPart1"``/``"HypPart2"`` and ``SUBS_CONTENT`` (the joined form) on its two
halves, and the first half ends its line with a ``HYP`` element holding the printed hyphen
(an existing ``HYP`` is kept); ids, boxes and every other attribute stay. Flags and the kinds
of removed regions become ``OtherTag`` entries in ``Tags`` (``TYPE="ocrmend-flag"`` or
``"ocrmend-kind"``) that the words point at with ``TAGREFS``. The processing is recorded as a
``Processing`` element (v4) or a ``postProcessingStep`` of ``OCRProcessing`` (v2, v3).
"""
from __future__ import annotations

import re
from typing import Any

from ..ocr.geometry import PAGE_NUMBER
from .plan import changed_words
from .base import child as _child, children as _children, fit_in, qname, BlockIn, LineIn, PageIn, Reading, W, Walked, build, declared_kind, local, new_word, word_text

NAMESPACES = {
    "http://www.loc.gov/standards/alto/ns-v2#": "2",
    "http://www.loc.gov/standards/alto/ns-v3#": "3",
    "http://www.loc.gov/standards/alto/ns-v4#": "4",
    "http://schema.ccs-gmbh.com/ALTO": "1",
}
V4 = "http://www.loc.gov/standards/alto/ns-v4#"
#: pixels per unit, at the nominal 300 dpi used for physical units
UNIT_SCALE = {"pixel": 1.0, "inch1200": 300 / 1200, "mm10": 300 / 254}
SPACES = ("TopMargin", "LeftMargin", "RightMargin", "BottomMargin", "PrintSpace")
SPACE_DECLARES = {"TopMargin": "header", "BottomMargin": "footer", "LeftMargin": "marginalia",
                  "RightMargin": "marginalia"}


def namespace(root: Any) -> str:
    return root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name






def _num(el: Any, attr: str) -> float | None:
    v = el.get(attr)
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def _box(el: Any, scale: float) -> tuple[int, int, int, int] | None:
    x, y, w, h = (_num(el, a) for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
    if x is None or y is None:
        return None
    w, h = w or 0.0, h or 0.0
    x0, y0 = int(round(x * scale)), int(round(y * scale))
    return (x0, y0, max(x0 + 1, int(round((x + w) * scale))), max(y0 + 1, int(round((y + h) * scale))))


def unit_of(root: Any) -> str:
    desc = _child(root, "Description")
    mu = _child(desc, "MeasurementUnit") if desc is not None else None
    return (mu.text or "").strip() if mu is not None else "pixel"


def engine_of(root: Any) -> str:
    for el in root.iter():
        if local(el.tag) == "softwareName" and el.text and el.text.strip():
            return el.text.strip()
    return ""


def _tags(root: Any) -> dict[str, str]:
    """Tag id -> the region type it names (its LABEL, else TYPE), for the tags that name one."""
    out: dict[str, str] = {}
    tags = _child(root, "Tags")
    if tags is None:
        return out
    for t in tags:
        if not isinstance(t.tag, str):
            continue
        for attr in ("LABEL", "TYPE", "DESCRIPTION"):
            v = t.get(attr)
            if v and declared_kind(v):
                out[t.get("ID", "")] = v
                break
    return out


def read(root: Any, name: str) -> Reading:
    return build(name, walk(root, name))


def walk(root: Any, name: str) -> Walked:
    ns = namespace(root)
    version = NAMESPACES.get(ns, "?")
    if root.get("SCHEMAVERSION"):
        version = root.get("SCHEMAVERSION")
    unit = unit_of(root)
    if unit not in UNIT_SCALE:
        from ..errors import InputError

        raise InputError(f"{name}: ALTO MeasurementUnit {unit!r} is not pixel, mm10 or inch1200")
    scale = UNIT_SCALE[unit]
    tags = _tags(root)
    layout = _child(root, "Layout")
    pages = []
    for page_el in (_children(layout, "Page") if layout is not None else []):
        width = int(round((_num(page_el, "WIDTH") or 0) * scale))
        height = int(round((_num(page_el, "HEIGHT") or 0) * scale))
        blocks: list[BlockIn] = []
        figures = []
        max_x = max_y = 0
        for space in page_el:
            sname = local(space.tag)
            if sname not in SPACES:
                continue
            q_string, q_hyp, q_line = qname(space, "String"), qname(space, "HYP"), qname(space, "TextLine")
            for el in space.iter(qname(space, "TextBlock"), qname(space, "Illustration"),
                                 qname(space, "GraphicalElement")):
                tag = local(el.tag)
                if tag in ("Illustration", "GraphicalElement"):
                    b = _box(el, scale)
                    if b:
                        figures.append(b)
                if tag != "TextBlock":
                    continue
                declared, where = _declared_block(el, space, tags)
                par: list[LineIn] = []
                for line_el in el.iterchildren(q_line):
                    ldecl, lwhere = _declared_of(line_el, tags) if tags else (None, "")
                    line = _line(line_el, q_string, q_hyp, scale)
                    line.declared, line.where = ldecl, lwhere
                    for w in line.words:
                        box = w.box
                        if box[2] > max_x:
                            max_x = box[2]
                        if box[3] > max_y:
                            max_y = box[3]
                    if line.words and sname != "PrintSpace" and declared and not ldecl:
                        # a page number in the top margin is still a page number
                        line.declared = "page-number" if PAGE_NUMBER.match(line.text) else declared
                        line.where = where
                    par.append(line)
                blocks.append(BlockIn([par], el, declared if sname == "PrintSpace" else None, where))
        pages.append(PageIn(width or max_x + 1, height or max_y + 1, blocks, 300 if scale != 1.0 else 300,
                            "default", figures, page_el))
    return Walked("alto", f"ALTO {version}" + (f" ({unit})" if unit != "pixel" else ""), engine_of(root), pages)


def _line(line_el: Any, q_string: str, q_hyp: str, scale: float) -> LineIn:
    """A ``TextLine``'s words: ``String`` (``CONTENT``, box, ``WC``), and a ``HYP``'s
    ``CONTENT`` appended to the word before it. Whole-pixel positions (what Tesseract and most
    engines write) take the short way; anything else goes through ``_box``."""
    words: list[W] = []
    els: list[Any] = []
    line = LineIn(words, line_el, None, "", els)
    last = -1  # the index of the word a HYP would join, -1 when there is none
    line_box: Any = False  # the line's own box, looked up once when a word has none
    # a line without a HYP (most lines) is walked by String alone: no tag to read a word
    has_hyp = line_el.find(q_hyp) is not None
    for child in (line_el.iterchildren(q_string, q_hyp) if has_hyp else line_el.iterchildren(q_string)):
        get = child.get
        if has_hyp and child.tag == q_hyp:
            if last >= 0:
                w = words[last]
                words[last] = W(w.text + (get("CONTENT", "-") or "-"), w.box, w.conf)
                line.extras[last] = {"hyp": child}
            continue
        content = get("CONTENT", "")
        text = content if content and not _NEEDS_TIDY(content) else word_text(content)
        if not text:
            last = -1
            continue
        box = None
        if scale == 1.0:
            try:
                x, y = int(get("HPOS")), int(get("VPOS"))
                x1, y1 = x + int(get("WIDTH") or 0), y + int(get("HEIGHT") or 0)
                box = (x, y, x1 if x1 > x else x + 1, y1 if y1 > y else y + 1)
            except (TypeError, ValueError):  # absent, or not whole pixels
                box = None
        if box is None:
            box = _box(child, scale)
            if box is None:
                if line_box is False:
                    line_box = _box(line_el, scale)
                box = line_box or (0, 0, 1, 1)
        wc = get("WC")
        if wc is None:
            conf = 100.0
        else:
            try:
                conf = 100.0 * float(wc)
            except ValueError:
                conf = 100.0
            if not 0.0 <= conf <= 100.0:  # out of range, or not a number
                conf = max(0.0, min(100.0, conf))
        last = len(words)
        words.append(new_word((text, box, conf)))
        els.append(child)
    return line


#: a CONTENT that needs ``word_text`` (white space in or around it)
_NEEDS_TIDY = re.compile(r"\s").search

def _declared_of(el: Any, tags: dict[str, str]) -> tuple[str | None, str]:
    for ref in (el.get("TAGREFS") or "").split():
        if ref in tags:
            return tags[ref], f"ALTO TAGREFS {ref}"
    return None, ""


def _declared_block(block: Any, space: Any, tags: dict[str, str]) -> tuple[str | None, str]:
    p = block
    while p is not None and p is not space:
        found = _declared_of(p, tags)
        if found[0]:
            return found
        p = p.getparent()
    sname = local(space.tag)
    if sname in SPACE_DECLARES:
        return SPACE_DECLARES[sname], f"ALTO {sname}"
    return None, ""


# -- writing ---------------------------------------------------------------------------
def _ids(root: Any, prefix: str = "") -> set[str]:
    """The ``ID`` values in the document (those starting with ``prefix``), found in C."""
    if prefix:
        return set(root.xpath("//@ID[starts-with(., $p)]", p=prefix, smart_strings=False))
    return set(root.xpath("//@ID", smart_strings=False))


def _never_says(source: bytes | None, word: bytes) -> bool:
    """``source`` is known not to hold ``word``: bytes in an ASCII-compatible encoding (no
    UTF-16/32, whose ASCII has zero bytes between) without it.

    >>> _never_says(b"<alto/>", b"ocrmend"), _never_says("<alto/>".encode("utf-16"), b"ocrmend")
    (True, False)
    """
    return source is not None and b"\x00" not in source[:64] and word not in source


def _tag_id(kind: str, name: str) -> str:
    return "ocrmend." + kind + "." + re.sub(r"[^A-Za-z0-9._-]", "_", name)


def update(root: Any, refs: Any, plan: Any, meta: dict[str, str], source: bytes | None = None) -> None:
    """Apply a word plan to the ALTO tree in place (see the module's note); ``refs`` are the
    words and their elements (``base.WordRefs``). Words the plan leaves alone are not visited.
    ``source``, the bytes the tree was parsed from, spares a search of the tree for ids ocrmend
    wrote before when it never mentions ocrmend."""
    ns = namespace(root)
    ids = set() if _never_says(source, b"ocrmend") else _ids(root, "ocrmend")
    tag_defs: dict[str, tuple[str, str, str]] = {}
    words, els, extras = refs
    for i in changed_words(plan):
        p, w, el = plan[i], words[i], els[i]
        hyp = extras[i].get("hyp") if i in extras else None
        content = el.get("CONTENT", "")
        if p.part == 1:
            new = p.text if p.text is not None else (w.text[: -len(p.hyphen)] if p.hyphen else w.text)
            if hyp is not None and new.endswith(hyp.get("CONTENT", "")):
                new = new[: len(new) - len(hyp.get("CONTENT", ""))]
            if hyp is None and p.hyphen:
                line = el.getparent()
                if next(el.itersiblings("{*}String"), None) is None:  # the last String of its line
                    hyp = line.makeelement(_q(ns, "HYP"), {"CONTENT": p.hyphen})
                    el.addnext(hyp)  # after the word, before any space or white space that follows it
                    hyp.tail, el.tail = el.tail, None
                else:  # not the last word of its line: the hyphen stays in the word
                    new += p.hyphen
            if new != content:
                el.set("CONTENT", new)
            el.set("SUBS_TYPE", "HypPart1")
            el.set("SUBS_CONTENT", p.joined or "")
        elif p.part == 2:
            if p.text is not None and p.text != content:
                el.set("CONTENT", p.text)
            el.set("SUBS_TYPE", "HypPart2")
            el.set("SUBS_CONTENT", p.joined or "")
        elif p.text is not None:
            new = p.text
            if hyp is not None and new.endswith(hyp.get("CONTENT", "\0")):
                new = new[: len(new) - len(hyp.get("CONTENT", ""))]
            if new != content:
                el.set("CONTENT", new)
        refs = _word_tags(p, tag_defs)
        if refs:
            old = (el.get("TAGREFS") or "").split()
            el.set("TAGREFS", " ".join(old + [r for r in refs if r not in old]))
    if tag_defs:
        _add_tags(root, ns, tag_defs, ids)
    record(root, meta, ids)


def _add_tags(root: Any, ns: str, defs: dict[str, tuple[str, str, str]], have: set[str]) -> None:
    tags = _child(root, "Tags")
    if tags is None:
        tags = root.makeelement(_q(ns, "Tags"), {})
        _child(root, "Layout").addprevious(tags)
    for tid, (typ, label, desc) in sorted(defs.items()):
        if tid in have:
            continue
        t = tags.makeelement(_q(ns, "OtherTag"), {"ID": tid, "TYPE": typ, "LABEL": label, "DESCRIPTION": desc})
        tags.append(t)
    fit_in(tags)


def _word_tags(p: Any, tag_defs: dict[str, tuple[str, str, str]]) -> list[str]:
    """The ``TAGREFS`` ids a planned word gets (its block kind, its flags), each tag defined
    once in ``tag_defs`` for the ``Tags`` element."""
    refs = []
    if p.kind:
        tid = _tag_id("kind", p.kind)
        tag_defs.setdefault(tid, ("ocrmend-kind", p.kind, f"taken out of the body text by ocrmend as {p.kind}"))
        refs.append(tid)
    for rule, reason in zip(p.flags, p.reasons):
        tid = _tag_id("flag", rule)
        tag_defs.setdefault(tid, ("ocrmend-flag", rule, reason))
        refs.append(tid)
    return refs


def _step(parent: Any, ns: str, tag: str, meta: dict[str, str], attrs: dict[str, str] | None = None) -> Any:
    step = parent.makeelement(_q(ns, tag), attrs or {})
    for name, text in (("processingDateTime", meta["date"]),
                       ("processingStepDescription", meta["description"]),
                       ("processingStepSettings", meta["config"])):
        e = step.makeelement(_q(ns, name), {})
        e.text = text
        step.append(e)
    sw = step.makeelement(_q(ns, "processingSoftware"), {})
    for name, text in (("softwareCreator", "the ocrmend project"), ("softwareName", "ocrmend"),
                       ("softwareVersion", meta["version"])):
        e = sw.makeelement(_q(ns, name), {})
        e.text = text
        sw.append(e)
    step.append(sw)
    return step


def record(root: Any, meta: dict[str, str], ids: set[str] | None = None) -> None:
    """Record the processing in the ``Description`` (created if the file has none); ``ids``
    are the document's ids that start with "ocrmend" (searched for when not given)."""
    ns = namespace(root)
    desc = _child(root, "Description")
    if desc is None:
        desc = root.makeelement(_q(ns, "Description"), {})
        mu = desc.makeelement(_q(ns, "MeasurementUnit"), {})
        mu.text = "pixel"
        desc.append(mu)
        root.insert(0, desc)
        fit_in(desc)
    if ids is None:
        ids = _ids(root, "ocrmend")
    n = 1
    while f"ocrmend_{n}" in ids:
        n += 1
    ident = f"ocrmend_{n}"
    if ns == V4:
        step = _step(desc, ns, "Processing", meta, {"ID": ident})
        desc.append(step)
        fit_in(step)
        return
    ocrp = _children(desc, "OCRProcessing")
    if ocrp:
        step = _step(ocrp[0], ns, "postProcessingStep", meta)
        ocrp[0].append(step)
        fit_in(step)
        return
    proc = desc.makeelement(_q(ns, "OCRProcessing"), {"ID": ident})
    ocr_step = proc.makeelement(_q(ns, "ocrProcessingStep"), {})
    d = ocr_step.makeelement(_q(ns, "processingStepDescription"), {})
    d.text = "OCR as found in the input (not recorded there)"
    ocr_step.append(d)
    proc.append(ocr_step)
    proc.append(_step(proc, ns, "postProcessingStep", meta))
    desc.append(proc)
    fit_in(proc)


def serialise(root: Any) -> str:
    from lxml import etree

    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root.getroottree(), encoding="unicode") + "\n"


def new_document(ocr: Any, plan: Any, meta: dict[str, str], name: str) -> str:
    """A fresh ALTO v4 file (pixel units) for a document read from elsewhere."""
    from lxml import etree

    ns = V4
    E = lambda tag, attrs=None, text=None: _el(ns, tag, attrs, text)  # noqa: E731
    root = etree.Element(_q(ns, "alto"), nsmap={None: ns, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation",
             f"{ns} http://www.loc.gov/standards/alto/v4/alto-4-2.xsd")
    desc = E("Description")
    desc.append(E("MeasurementUnit", text="pixel"))
    sii = E("sourceImageInformation")
    sii.append(E("fileName", text=name))
    desc.append(sii)
    if meta.get("source-engine"):
        p = E("Processing", {"ID": "source_ocr"})
        sw = E("processingSoftware")
        sw.append(E("softwareName", text=meta["source-engine"]))
        p.append(sw)
        desc.append(p)
    root.append(desc)
    layout = E("Layout")
    wi = 0
    tag_defs: dict[str, tuple[str, str, str]] = {}
    for page in ocr.pages:
        pe = E("Page", {"ID": f"page_{page.number}", "PHYSICAL_IMG_NR": str(page.number),
                        "WIDTH": str(page.width), "HEIGHT": str(page.height)})
        ps = E("PrintSpace", {"HPOS": "0", "VPOS": "0", "WIDTH": str(page.width), "HEIGHT": str(page.height)})
        for bi, block in enumerate(ocr.page_blocks(page), 1):
            pars = ocr.block_paragraphs(block)
            for pi, par in enumerate(pars, 1):
                from ..ocr.model import union
                tb = E("TextBlock", {"ID": f"block_{page.number}_{bi}_{pi}", **_pos(union([ln.box for ln in par]))})
                for li, ln in enumerate(par, 1):
                    te = E("TextLine", {"ID": f"line_{page.number}_{bi}_{pi}_{li}", **_pos(ln.box)})
                    words = ocr.line_words(ln)
                    for k, w in enumerate(words):
                        p = plan[wi]
                        wi += 1
                        attrs = {"ID": f"string_{wi}", **_pos(w.box), "WC": f"{w.conf / 100:.2f}"}
                        text = p.text if p.text is not None else w.text
                        hyphen = ""
                        if p.part == 1:
                            if text.endswith(p.hyphen or "\0"):
                                text = text[: -len(p.hyphen)]
                            hyphen = p.hyphen if k == len(words) - 1 else ""
                            if p.hyphen and not hyphen:
                                text += p.hyphen
                            attrs.update({"SUBS_TYPE": "HypPart1", "SUBS_CONTENT": p.joined or ""})
                        elif p.part == 2:
                            attrs.update({"SUBS_TYPE": "HypPart2", "SUBS_CONTENT": p.joined or ""})
                        refs = _word_tags(p, tag_defs)
                        if refs:
                            attrs["TAGREFS"] = " ".join(dict.fromkeys(refs))
                        attrs["CONTENT"] = text
                        te.append(E("String", attrs))
                        if k < len(words) - 1:
                            nxt = words[k + 1]
                            te.append(E("SP", {"HPOS": str(w.box[2]), "VPOS": str(w.box[1]),
                                               "WIDTH": str(max(0, nxt.box[0] - w.box[2]))}))
                        elif hyphen:
                            te.append(E("HYP", {"CONTENT": hyphen}))
                    tb.append(te)
                ps.append(tb)
        pe.append(ps)
        layout.append(pe)
    if tag_defs:
        tags = E("Tags")
        for tid, (typ, label, desc_) in sorted(tag_defs.items()):
            tags.append(E("OtherTag", {"ID": tid, "TYPE": typ, "LABEL": label, "DESCRIPTION": desc_}))
        root.append(tags)
    root.append(layout)
    record(root, meta)
    etree.indent(root, space="  ")
    return serialise(root)


def _el(ns: str, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> Any:
    from lxml import etree

    e = etree.Element(_q(ns, tag), attrs or {})
    if text is not None:
        e.text = text
    return e


def _pos(box: Any) -> dict[str, str]:
    return {"HPOS": str(box[0]), "VPOS": str(box[1]), "WIDTH": str(box[2] - box[0]), "HEIGHT": str(box[3] - box[1])}
