"""The review page: one self-contained HTML file for a cleaned batch (``ocrmend review``).

The page carries its data as one JSON block and draws only what is looked at: the list of
documents, then one document's texts and cards when it is opened, so a batch of hundreds of
documents and tens of thousands of changes opens at once. Every piece of text reaches the
page as JSON (with ``<``, ``>`` and ``&`` escaped, so no text can close the script block)
and is put on screen with ``textContent``: OCR text holding ``<script>`` or markup is shown
as text and runs nothing. A Content-Security-Policy forbids any network access.

>>> embed_json({"t": "</script><b>"})
'{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
from bisect import bisect_left
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from .assets import PAGE_CSS, PAGE_JS
from .batch import CleanedDocument
from .decisions import _origin_after

#: pixels of page around the words a change touches, in a crop
CROP_PAD = (48, 14)
#: crops wider than this are scaled down (keeps the page small)
CROP_MAX_WIDTH = 720


def embed_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _clean_span(origin: Any, r0: int, r1: int) -> tuple[int, int]:
    s = bisect_left(origin, r0)
    return s, max(s, bisect_left(origin, r1))


def document_data(doc: CleanedDocument, images: Path | None = None) -> dict[str, Any]:
    """What the page needs of one document: texts, and its changes and flags as short rows."""
    origin = _origin_after(len(doc.raw), doc.changes)
    crops = _Crops(doc, images) if doc.is_scan and images is not None else None
    changes = []
    for c in doc.changes:
        r0, r1 = c["raw"] if c.get("raw") else (0, 0)
        c0, c1 = _clean_span(origin, r0, r1)
        crop = crops.crop(r0, r1) if crops else -1
        changes.append([c["id"], c["stage"], c["rule"], c.get("safety", "safe"), c.get("confidence", 1.0),
                        c.get("page"), r0, r1, c0, c1, c["before"], c["after"], c.get("reason", ""), crop])
    flags = []
    for f in doc.flags:
        r0, r1 = f["raw"]
        c0, c1 = _clean_span(origin, r0, r1)
        crop = crops.crop(r0, r1) if crops else -1
        flags.append([f["id"], f["stage"], f["rule"], f.get("severity", "warning"), f.get("page"), r0, r1, c0, c1,
                      f["text"], f.get("reason", ""), list(f.get("suggestions", [])), crop, f.get("resolved")])
    return {
        "key": doc.key, "scan": doc.is_scan, "raw": doc.raw, "clean": doc.text, "changes": changes,
        "flags": flags, "crops": crops.images if crops else [], "reviewed": bool(doc.header.get("review")),
    }


def review_data(docs: Iterable[CleanedDocument], images: Path | None = None, *, title: str = "cleaned") -> dict[str, Any]:
    """The page's data for a batch."""
    return {
        "title": title,
        "tool": f"ocrmend {__version__}",
        "made": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "docs": [document_data(d, images) for d in docs],
    }


def page_html(data: dict[str, Any]) -> str:
    """The whole page: markup, inline CSS and script, and the data."""
    title = html.escape(f"ocrmend review: {data['title']}")
    csp = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
           "base-uri 'none'; form-action 'none'")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<header id="bar">
 <h1 id="title"></h1>
 <div id="filters">
  <span id="stages" role="group" aria-label="stages"></span>
  <label>rule <select id="f-rule"><option value="">all</option></select></label>
  <label>safety <select id="f-safety"><option value="">all</option><option>safe</option><option>unsafe</option><option>suggest</option><option value="flag">flags</option></select></label>
  <label>confidence ≤ <input id="f-conf" type="number" min="0" max="1" step="0.05" value="1"></label>
  <label>show <select id="f-decided"><option value="">all</option><option value="open">undecided</option><option value="reject">rejected</option></select></label>
 </div>
 <div id="actions">
  <label>reviewer <input id="reviewer" type="text" size="12" autocomplete="name"></label>
  <span id="tally"></span>
  <button id="export" type="button">Export decisions</button>
  <button id="help-btn" type="button" aria-expanded="false">Keys</button>
 </div>
</header>
<div id="help" hidden>
 <b>j</b>/<b>k</b> next/previous change · <b>a</b> accept · <b>r</b> reject · <b>u</b> undecided ·
 <b>1</b>–<b>9</b> pick a flag's suggestion · <b>n</b>/<b>p</b> next/previous document ·
 <b>R</b>/<b>A</b> reject/accept every change of this rule in the batch
</div>
<main>
 <nav id="docs" aria-label="documents"></nav>
 <section id="doc">
  <div id="doc-head"></div>
  <div id="panes">
   <div class="pane"><h2>raw</h2><pre id="raw"></pre></div>
   <div class="pane"><h2>clean</h2><pre id="clean"></pre></div>
  </div>
 </section>
 <aside id="cards" aria-label="changes and flags"></aside>
</main>
<script type="application/json" id="data">{embed_json(data)}</script>
<script>{PAGE_JS}</script>
</body>
</html>
"""


class _Crops:
    """Crops of a scanned document's page images around raw spans, as PNG data: URIs."""

    def __init__(self, doc: CleanedDocument, images: Path) -> None:
        self.images: list[str] = []
        self._seen: dict[tuple[int, int, int, int, int], int] = {}
        self._words = _word_spans(doc)
        self._starts = [w[0] for w in self._words]
        self._source = _find_image(images, doc.key)
        self._pages: dict[int, Any] = {}
        self._skews = {p["page"]: float(p.get("skew") or 0.0) for p in (doc.data.get("ocr") or {}).get("pages", [])}
        self._turns = {p["page"]: int(p.get("orientation") or 0) for p in (doc.data.get("ocr") or {}).get("pages", [])}

    def crop(self, r0: int, r1: int) -> int:
        if self._source is None:
            return -1
        # the words the span touches (a removed line break touches the words either side)
        i = max(0, bisect_left(self._starts, r0) - 2)
        hit = []
        for w in self._words[i:]:
            if w[0] > r1 + 1:
                break
            if w[1] >= r0 - 1 and w[0] <= r1 + 1:
                hit.append(w)
        if not hit:
            return -1
        page = hit[0][2]
        boxes = [w[3] for w in hit if w[2] == page]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        key = (page, *box)
        if key in self._seen:
            return self._seen[key]
        image = self._page(page)
        if image is None:
            return -1
        x0, y0 = max(0, box[0] - CROP_PAD[0]), max(0, box[1] - CROP_PAD[1])
        x1, y1 = min(image.width, box[2] + CROP_PAD[0]), min(image.height, box[3] + CROP_PAD[1])
        if x1 <= x0 or y1 <= y0:
            return -1
        piece = image.crop((x0, y0, x1, y1))
        if piece.width > CROP_MAX_WIDTH:
            piece = piece.resize((CROP_MAX_WIDTH, max(1, round(piece.height * CROP_MAX_WIDTH / piece.width))))
        buf = io.BytesIO()
        piece.save(buf, format="PNG", optimize=True)
        self.images.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
        self._seen[key] = len(self.images) - 1
        return self._seen[key]

    def _page(self, number: int) -> Any:
        """Page ``number`` as the OCR saw it: turned and deskewed as it was (the boxes' frame)."""
        if number in self._pages:
            return self._pages[number]
        image = None
        try:
            from PIL import Image

            from ..api import ocr_settings
            from ..ocr.images import open_source

            with open_source(self._source, ocr_settings()) as src:
                pixels = src.load(number - 1).pixels
            image = Image.fromarray(pixels).convert("L")
            turn = self._turns.get(number, 0)
            if turn:
                image = image.rotate(-turn, expand=True)
            skew = self._skews.get(number, 0.0)
            if skew:
                image = image.rotate(-skew, resample=Image.BICUBIC, fillcolor=255)
        except Exception:  # a crop is a help, not a need: the page says there is none
            image = None
        self._pages[number] = image
        return image


def _find_image(images: Path, key: str) -> Path | None:
    from ..ocr.images import IMAGE_SUFFIXES

    base = images / key
    for sfx in IMAGE_SUFFIXES:
        for cand in (base.with_name(base.name + sfx), base.with_name(base.name + sfx.upper())):
            if cand.is_file():
                return cand
    return None


def _word_spans(doc: CleanedDocument) -> list[tuple[int, int, int, tuple[int, int, int, int]]]:
    """(raw start, raw end, page, box) of every OCR word, found in order in the raw text
    from the start of the block that lists it (``NAME.json`` gives words with boxes)."""
    out: dict[int, tuple[int, int, int, tuple[int, int, int, int]]] = {}
    raw = doc.raw
    for block in doc.data.get("blocks", []):
        words = block.get("words")
        if not words or not block.get("raw"):
            continue
        pos = block["raw"][0]
        for w in words:
            text = w[0]
            at = raw.find(text, pos, block["raw"][1] + len(text) + 1)
            if at < 0:
                continue
            out.setdefault(at, (at, at + len(text), int(block.get("page") or 1), (w[1], w[2], w[3], w[4])))
            pos = at + len(text)
    return [out[k] for k in sorted(out)]
