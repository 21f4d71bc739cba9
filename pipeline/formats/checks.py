"""Structural checks of written files, where no installable package ships the schema.

PAGE is checked against its official XSD in the tests (the ``ocrd-validators`` package ships
``page.xsd``). No package on PyPI ships the ALTO schemas (looked for: ocrd, ocrd-validators,
ocrd-page-to-alto, ocrd-fileformat, ocrd-format-converters, kraken, alto-tools, alto-xml,
pagexml-tools), and hOCR has no schema at all, so these checks stand in, each one a rule of the
ALTO schema or the hOCR specification:

ALTO (``alto_problems``)
  * the root is ``alto`` in an ALTO namespace; its children in the schema's order
    (``Description``, ``Styles``, ``Tags``, ``Layout``), ``Layout`` present;
  * ``Description`` opens with ``MeasurementUnit`` (pixel, mm10 or inch1200), then
    ``sourceImageInformation``, ``OCRProcessing``, ``Processing`` in that order (``Processing``
    only in v4); an ``OCRProcessing`` has one ``ocrProcessingStep`` between its pre- and
    post-processing steps; every processing step's children in the schema's order;
  * every ``Page`` has ``ID`` and ``PHYSICAL_IMG_NR``; ``ID`` values are unique;
  * a ``TextLine`` holds ``String``/``SP`` and at most one ``HYP``, which comes last;
  * every ``String`` has ``CONTENT``; positions and sizes are numbers; ``WC`` is in [0, 1];
  * ``SUBS_TYPE`` is ``HypPart1`` or ``HypPart2``; a ``HypPart1`` is the last word of its line
    and the next word in the document is its ``HypPart2`` with the same ``SUBS_CONTENT``;
  * every ``TAGREFS`` names a tag that exists.

hOCR (``hocr_problems``), from the hOCR 1.2 specification
  * an ``ocr-system`` meta and an ``ocr-capabilities`` meta naming every ``ocr*`` class used;
  * every ``ocr_page`` has a ``bbox``; every ``ocrx_word`` and line has a valid ``bbox``
    (``x0 <= x1``, ``y0 <= y1``) inside its page's, and every word sits in a line;
  * ``x_wconf`` is a number in [0, 100]; ids are unique.
"""
from __future__ import annotations

from typing import Any

from .base import local

ALTO_ROOT_ORDER = ["Description", "Styles", "Tags", "Layout"]
DESCRIPTION_ORDER = ["MeasurementUnit", "sourceImageInformation", "OCRProcessing", "Processing"]
STEP_ORDER = ["processingDateTime", "processingAgency", "processingStepDescription", "processingStepSettings",
              "processingSoftware"]
SOFTWARE_ORDER = ["softwareCreator", "softwareName", "softwareVersion", "applicationDescription"]


def _ordered(el: Any, order: list[str], where: str) -> list[str]:
    names = [local(c.tag) for c in el if isinstance(c.tag, str)]
    problems = [f"{where}: unexpected <{n}>" for n in names if n not in order]
    ranks = [order.index(n) for n in names if n in order]
    if ranks != sorted(ranks):
        problems.append(f"{where}: children out of order ({', '.join(names)})")
    return problems


def _is_number(v: str | None) -> bool:
    try:
        float(v or "")
        return True
    except ValueError:
        return False


def alto_problems(root: Any) -> list[str]:
    """What is wrong with an ALTO document, by the rules listed in the module's note ([] if none)."""
    from .alto import NAMESPACES, V4, namespace

    out: list[str] = []
    ns = namespace(root)
    if local(root.tag) != "alto" or ns not in NAMESPACES:
        return [f"root is <{root.tag}>, not <alto> in an ALTO namespace"]
    out += _ordered(root, ALTO_ROOT_ORDER, "alto")
    if not any(local(c.tag) == "Layout" for c in root):
        out.append("alto: no <Layout>")
    desc = next((c for c in root if local(c.tag) == "Description"), None)
    if desc is not None:
        order = DESCRIPTION_ORDER if ns == V4 else DESCRIPTION_ORDER[:3]
        out += _ordered(desc, order, "Description")
        first = next((c for c in desc if isinstance(c.tag, str)), None)
        if first is None or local(first.tag) != "MeasurementUnit" or (first.text or "").strip() not in (
                "pixel", "mm10", "inch1200"):
            out.append("Description: must open with MeasurementUnit pixel, mm10 or inch1200")
        for proc in desc:
            name = local(proc.tag)
            if name == "OCRProcessing":
                kids = [local(c.tag) for c in proc if isinstance(c.tag, str)]
                if kids.count("ocrProcessingStep") != 1:
                    out.append("OCRProcessing: needs exactly one ocrProcessingStep")
                else:
                    k = kids.index("ocrProcessingStep")
                    if any(n != "preProcessingStep" for n in kids[:k]) or any(
                            n != "postProcessingStep" for n in kids[k + 1:]):
                        out.append(f"OCRProcessing: steps out of order ({', '.join(kids)})")
                if not proc.get("ID"):
                    out.append("OCRProcessing: no ID")
                for step in proc:
                    if isinstance(step.tag, str):
                        out += _step_problems(step)
            elif name == "Processing":
                if not proc.get("ID"):
                    out.append("Processing: no ID")
                out += _step_problems(proc)
    ids: set[str] = set()
    tag_ids = set()
    tags = next((c for c in root if local(c.tag) == "Tags"), None)
    if tags is not None:
        tag_ids = {t.get("ID") for t in tags if isinstance(t.tag, str)}
    strings = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = local(el.tag)
        ident = el.get("ID")
        if ident:
            if ident in ids:
                out.append(f"ID {ident!r} is used twice")
            ids.add(ident)
        for ref in (el.get("TAGREFS") or "").split():
            if ref not in tag_ids:
                out.append(f"{name} {ident}: TAGREFS names no tag {ref!r}")
        if name == "Page" and (not ident or el.get("PHYSICAL_IMG_NR") is None):
            out.append("Page: needs ID and PHYSICAL_IMG_NR")
        for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"):
            if el.get(a) is not None and not _is_number(el.get(a)):
                out.append(f"{name} {ident}: {a}={el.get(a)!r} is not a number")
        if name == "TextLine":
            kids = [local(c.tag) for c in el if isinstance(c.tag, str)]
            bad = [k for k in kids if k not in ("String", "SP", "HYP")]
            if bad:
                out.append(f"TextLine {ident}: unexpected {bad}")
            if kids.count("HYP") > 1 or ("HYP" in kids and kids[-1] != "HYP"):
                out.append(f"TextLine {ident}: HYP must come once, last")
        if name == "String":
            strings.append(el)
            if el.get("CONTENT") is None:
                out.append(f"String {ident}: no CONTENT")
            wc = el.get("WC")
            if wc is not None and not (_is_number(wc) and 0 <= float(wc) <= 1):
                out.append(f"String {ident}: WC={wc!r} is not in [0, 1]")
            st = el.get("SUBS_TYPE")
            if st is not None and st not in ("HypPart1", "HypPart2"):
                out.append(f"String {ident}: SUBS_TYPE={st!r}")
    for i, s in enumerate(strings):
        if s.get("SUBS_TYPE") == "HypPart1":
            later = [c for c in s.itersiblings() if local(c.tag) == "String"]
            nxt = strings[i + 1] if i + 1 < len(strings) else None
            if later:
                out.append(f"String {s.get('ID')}: HypPart1 is not the last word of its line")
            if nxt is None or nxt.get("SUBS_TYPE") != "HypPart2" or nxt.get("SUBS_CONTENT") != s.get("SUBS_CONTENT"):
                out.append(f"String {s.get('ID')}: HypPart1 not followed by its HypPart2")
    return out


def _step_problems(step: Any) -> list[str]:
    out = _ordered(step, STEP_ORDER, local(step.tag))
    for sw in step:
        if local(sw.tag) == "processingSoftware":
            out += _ordered(sw, SOFTWARE_ORDER, "processingSoftware")
    return out


def hocr_problems(root: Any) -> list[str]:
    """What is wrong with an hOCR document, by the rules listed in the module's note ([] if none)."""
    from .hocr import LINE_CLASSES, WORD_CLASSES, _bbox, classes, title_props

    out: list[str] = []
    metas = {e.get("name"): e.get("content") or "" for e in root.iter() if local(e.tag) == "meta" and e.get("name")}
    if "ocr-system" not in metas:
        out.append("no ocr-system meta")
    caps = set(metas.get("ocr-capabilities", "").split())
    if "ocr-capabilities" not in metas:
        out.append("no ocr-capabilities meta")
    used = {c for e in root.iter() for c in classes(e) if c.startswith("ocr")}
    missing = sorted(c for c in used - caps if c != "ocr_page")
    if missing and "ocr-capabilities" in metas:
        out.append(f"ocr-capabilities does not name {missing}")
    ids: set[str] = set()
    for e in root.iter():
        if not isinstance(e.tag, str):
            continue
        if e.get("id"):
            if e.get("id") in ids:
                out.append(f"id {e.get('id')!r} is used twice")
            ids.add(e.get("id"))
    for page in (e for e in root.iter() if "ocr_page" in classes(e)):
        pbox = _bbox(page)
        if pbox is None:
            out.append(f"ocr_page {page.get('id')}: no bbox")
            continue
        for e in page.iter():
            cl = classes(e)
            if not cl & (WORD_CLASSES | LINE_CLASSES):
                continue
            b = _bbox(e)
            if b is None:
                out.append(f"{e.get('id')}: no bbox")
                continue
            if not (pbox[0] <= b[0] <= b[2] <= pbox[2] and pbox[1] <= b[1] <= b[3] <= pbox[3]):
                out.append(f"{e.get('id')}: bbox {b} outside its page {pbox}")
            if cl & WORD_CLASSES:
                p = e.getparent()
                while p is not None and not classes(p) & LINE_CLASSES:
                    p = p.getparent()
                if p is None:
                    out.append(f"{e.get('id')}: a word outside any line")
                conf = title_props(e.get("title")).get("x_wconf")
                if conf is not None and not (_is_number(conf) and 0 <= float(conf) <= 100):
                    out.append(f"{e.get('id')}: x_wconf {conf!r}")
    return out
