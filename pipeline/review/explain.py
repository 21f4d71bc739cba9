"""``ocrmend explain``: one document's changes and flags in the terminal, with context.

Each change shows its id, rule, safety, confidence, page and raw line, its reason, and the
raw text around it with the replaced text and its replacement; each flag its text, reason
and suggestions. Invisible characters are written by name so a removed line break shows.

>>> show("a\\nb")
'a⏎b'
>>> show("\\N{SOFT HYPHEN}")
'<SOFT HYPHEN>'
"""
from __future__ import annotations

import unicodedata
from typing import Any, Iterator

#: colour of each stage in the terminal (the review page uses the same hues)
STAGE_COLOURS = {
    "ocr": "cyan", "encoding": "magenta", "layout": "blue", "fragments": "yellow",
    "dehyphenate": "green", "reflow": "bright_blue", "spelling": "red", "review": "bright_magenta",
}
CONTEXT = 30


def show(s: str) -> str:
    """``s`` with line breaks, tabs, form feeds and other invisible characters made visible."""
    out = []
    for ch in s:
        if ch == "\n":
            out.append("⏎")
        elif ch == "\t":
            out.append("⇥")
        elif ch == "\f":
            out.append("<FORM FEED>")
        elif ch != " " and (unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn")):
            out.append(f"<{unicodedata.name(ch, f'U+{ord(ch):04X}')}>")
        else:
            out.append(ch)
    return "".join(out)


def _matches(rule: str, prefixes: tuple[str, ...]) -> bool:
    return not prefixes or any(rule == p or rule.startswith(p.rstrip(".") + ".") for p in prefixes)


def explain_lines(name: str, raw: str, changes: list[dict[str, Any]], flags: list[dict[str, Any]],
                  rules: tuple[str, ...] = (), *, style: Any = None) -> Iterator[str]:
    """The lines ``ocrmend explain`` prints (``style`` is ``click.style`` or None for plain).

    >>> from pipeline import clean
    >>> r = clean("The illu-\\nsions of youth", select=("dehyphenate",))
    >>> print("\\n".join(explain_lines("doc", r.raw, r.changes, r.flags)))  # doctest: +ELLIPSIS
    doc: 1 change(s), 0 flag(s); by stage: dehyphenate 1
    <BLANKLINE>
    change 1/1 ... dehyphenate...  safe ...  page 1  line 1
      why:  ...
      raw:  The illu[-⏎ → ]sions of youth
    """
    st = style or (lambda text, **_: text)
    picked_c = [c for c in changes if _matches(c["rule"], rules)]
    picked_f = [f for f in flags if _matches(f["rule"], rules)]
    by_stage: dict[str, int] = {}
    for c in picked_c:
        by_stage[c["stage"]] = by_stage.get(c["stage"], 0) + 1
    stages = ", ".join(f"{k} {v}" for k, v in by_stage.items()) or "none"
    yield f"{name}: {len(picked_c)} change(s), {len(picked_f)} flag(s); by stage: {stages}"
    for i, c in enumerate(picked_c, 1):
        yield ""
        colour = STAGE_COLOURS.get(c["stage"], "white")
        r0, r1 = c["raw"] if c.get("raw") else (0, 0)
        line = raw.count("\n", 0, r0) + 1
        page = f"  page {c['page']}" if c.get("page") else ""
        yield (f"change {i}/{len(picked_c)} {c['id']}  {st(c['rule'], fg=colour, bold=True)}  "
               f"{c.get('safety', '')} {c.get('confidence', '')}{page}  line {line}")
        yield f"  why:  {c.get('reason', '')}"
        yield f"  raw:  {_context(raw, r0, r1, c['before'], c['after'], st)}"
    for i, f in enumerate(picked_f, 1):
        yield ""
        colour = STAGE_COLOURS.get(f["stage"], "white")
        r0, r1 = f["raw"]
        line = raw.count("\n", 0, r0) + 1
        page = f"  page {f['page']}" if f.get("page") else ""
        yield (f"flag {i}/{len(picked_f)} {f['id']}  {st(f['rule'], fg=colour, bold=True)}  "
               f"{f.get('severity', '')}{page}  line {line}")
        yield f"  why:  {f.get('reason', '')}"
        left = show(raw[max(0, r0 - CONTEXT):r0])
        right = show(raw[r1:r1 + CONTEXT])
        yield f"  text: {left}{st('[' + show(f['text']) + ']', fg='yellow', bold=True)}{right}"
        if f.get("suggestions"):
            yield "  suggestions: " + ", ".join(repr(s) for s in f["suggestions"])
        if f.get("resolved"):
            yield f"  resolved: {f['resolved']}"


def _context(raw: str, r0: int, r1: int, before: str, after: str, st: Any) -> str:
    """The raw text around a change with ``[before → after]`` in its place."""
    left = show(raw[max(0, r0 - CONTEXT):r0])
    right = show(raw[r1:r1 + CONTEXT])
    mark = st(show(before), fg="red", strikethrough=True) + " → " + st(show(after), fg="green", bold=True)
    return f"{left}[{mark}]{right}"
