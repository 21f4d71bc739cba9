"""The review page's stylesheet and script, inlined into every page (no network, no CDN).

The script never uses ``innerHTML``: every text goes on screen with ``textContent`` or
``createTextNode``. Only the open document is drawn (its texts and its cards); the list of
documents is one short row each.
"""

PAGE_CSS = r"""
:root { --bg:#fbfaf7; --fg:#1d1d1f; --muted:#6b6b70; --line:#dddad2; --card:#fff; --focus:#1f6feb;
  --ocr:#0f8b8d; --encoding:#a0409c; --layout:#3d5a98; --fragments:#b07d00; --dehyphenate:#2e8540;
  --reflow:#2f7fc1; --spelling:#c8361b; --review:#7b3fe4; --other:#666; }
* { box-sizing: border-box; }
body { display:flex; flex-direction:column; height:100vh; overflow:hidden; margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header#bar { display:flex; flex-wrap:wrap; gap:.4em 1.2em; align-items:center;
  padding:.5em 1em; background:#f1efe8; border-bottom:1px solid var(--line); }
h1 { font-size:1.05em; margin:0; }
h2 { font-size:.8em; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:.2em 0; }
#filters, #actions { display:flex; flex-wrap:wrap; gap:.5em; align-items:center; }
#actions { margin-left:auto; }
select, input, button { font:inherit; }
button { cursor:pointer; border:1px solid #bbb; background:#fff; border-radius:4px; padding:.1em .55em; }
button:hover { border-color:#777; }
.chip { border-radius:999px; padding:.05em .6em; color:#fff; border:0; opacity:1; }
.chip.off { opacity:.3; }
#help { padding:.4em 1em; background:#fffbe6; border-bottom:1px solid var(--line); }
main { flex:1; min-height:0; display:grid; grid-template-columns:minmax(12em,17em) minmax(0,1fr) minmax(20em,28em); }
nav#docs { overflow:auto; border-right:1px solid var(--line); }
.docrow { display:block; width:100%; text-align:left; border:0; border-bottom:1px solid var(--line); border-radius:0;
  background:transparent; padding:.35em .6em; }
.docrow[aria-current="true"] { background:#e6eefc; }
.docrow.none { color:var(--muted); }
.docrow .name { font-weight:600; overflow-wrap:anywhere; }
.docrow .counts { font-size:.85em; color:var(--muted); }
.badge { display:inline-block; min-width:1.6em; padding:0 .35em; margin:.1em .15em 0 0; border-radius:3px; color:#fff;
  font-size:.8em; text-align:center; }
.badge.flag { background:#fff; color:var(--fg); border:2px dashed #999; }
section#doc { overflow:auto; padding:.4em .8em; }
#doc-head { margin:.2em 0 .5em; }
#panes { display:grid; grid-template-columns:1fr 1fr; gap:.8em; }
.pane pre { white-space:pre-wrap; overflow-wrap:anywhere; font:13px/1.5 ui-monospace, "DejaVu Sans Mono", monospace;
  background:#fff; border:1px solid var(--line); padding:.6em; margin:0; }
mark { background:color-mix(in srgb, var(--c) 22%, white); border-bottom:2px solid var(--c); color:inherit; padding:0 1px; }
mark.flag { background:#fff3b0; border-bottom:2px dashed #b07d00; }
mark.off { background:transparent; border-bottom-color:transparent; }
mark.rejected { text-decoration:line-through; text-decoration-color:#c00; }
mark.current { outline:2px solid var(--focus); }
mark.caret::before { content:"‸"; color:var(--c); font-weight:700; }
.ws { color:#999; }
aside#cards { overflow:auto; border-left:1px solid var(--line); padding:.4em; }
.card { background:var(--card); border:1px solid var(--line); border-left:5px solid var(--c); border-radius:4px;
  padding:.4em .55em; margin:0 0 .45em; }
.card.current { outline:2px solid var(--focus); }
.card.rejected { background:#fdeeee; }
.card.accepted { background:#eef8ef; }
.card .meta { font-size:.8em; color:var(--muted); }
.card .rule { font-weight:600; color:var(--c); }
.card .why { margin:.15em 0; }
.card .edit { font:12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space:pre-wrap; overflow-wrap:anywhere; }
.card del { background:#fde2e1; color:#8a1c12; }
.card ins { background:#dcf5dc; color:#145a1f; text-decoration:none; }
.card img { display:block; max-width:100%; max-height:11em; object-fit:contain; object-position:left top; margin:.3em 0; border:1px solid var(--line); }
.card .buttons { display:flex; flex-wrap:wrap; gap:.3em; margin-top:.3em; }
.card button[aria-pressed="true"] { background:#333; color:#fff; }
.more { width:100%; }
"""

PAGE_JS = r"""
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const COLOURS = ["ocr","encoding","layout","fragments","dehyphenate","reflow","spelling","review"];
  const PAGE_CARDS = 300;  // cards drawn at a time; "more" draws the next ones
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  const colour = (stage) => COLOURS.includes(stage) ? "var(--" + stage + ")" : "var(--other)";
  const storeKey = "ocrmend-review:" + DATA.title;

  // rows of the data: changes [id, stage, rule, safety, conf, page, r0, r1, c0, c1, before, after, reason, crop]
  //                   flags   [id, stage, rule, severity, page, r0, r1, c0, c1, text, reason, suggestions, crop, resolved]
  // a document's items are made when it is first opened: a big batch opens without making them all
  const cache = [];
  function itemsOf(n) {
    if (cache[n]) return cache[n];
    const d = DATA.docs[n];
    cache[n] = [
      ...d.changes.map((c, i) => ({ doc: d.key, kind: "change", i, id: c[0], stage: c[1], rule: c[2], safety: c[3], conf: c[4],
        page: c[5], r: [c[6], c[7]], c: [c[8], c[9]], before: c[10], after: c[11], reason: c[12], crop: c[13] })),
      ...d.flags.map((f, i) => ({ doc: d.key, kind: "flag", i, id: f[0], stage: f[1], rule: f[2], safety: "flag", severity: f[3],
        conf: null, page: f[4], r: [f[5], f[6]], c: [f[7], f[8]], text: f[9], reason: f[10], suggestions: f[11], crop: f[12], resolved: f[13] })),
    ];
    return cache[n];
  }
  const stages = [], rules = [], seenStage = new Set(), seenRule = new Set();
  for (const d of DATA.docs) for (const rows of [d.changes, d.flags]) for (const r of rows) {
    if (!seenStage.has(r[1])) { seenStage.add(r[1]); stages.push(r[1]); }
    if (!seenRule.has(r[2])) { seenRule.add(r[2]); rules.push(r[2]); }
  }
  rules.sort();

  let decisions = {};
  try { decisions = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { decisions = {}; }
  {  // decisions kept from an earlier page of the same folder: only those about this batch's ids
    const ids = new Set();
    for (const d of DATA.docs) { for (const c of d.changes) ids.add(c[0]); for (const f of d.flags) ids.add(f[0]); }
    for (const k of Object.keys(decisions)) if (!ids.has(k)) delete decisions[k];
  }
  const filt = { stages: new Set(stages), rule: "", safety: "", conf: 1, decided: "" };
  let current = 0, visible = [], cursor = -1, shown = 0;

  function save() { try { localStorage.setItem(storeKey, JSON.stringify(decisions)); } catch (e) { /* a file page may have no storage */ } tally(); }
  function passes(it) { return passesRow(it.id, it.stage, it.rule, it.safety, it.conf); }
  function passesRow(id, stage, rule, safety, conf) {
    if (!filt.stages.has(stage)) return false;
    if (filt.rule && rule !== filt.rule) return false;
    if (filt.safety && safety !== filt.safety) return false;
    if (conf != null && conf > filt.conf) return false;
    const d = decisions[id];
    if (filt.decided === "open" && d) return false;
    if (filt.decided === "reject" && !(d && d.action === "reject")) return false;
    return true;
  }
  function visibleText(s) {  // line breaks and tabs made visible inside a marked change
    return s.replace(/\n/g, "⏎").replace(/\t/g, "⇥").replace(/\f/g, "«FF»").replace(/\u00ad/g, "¬").replace(/ /g, "·") || "∅";
  }

  // -- header and filters --------------------------------------------------------------
  $("title").textContent = "ocrmend review — " + DATA.title + " (" + DATA.docs.length + " documents)";
  for (const s of stages) {
    const b = el("button", "chip", s); b.type = "button"; b.style.background = colour(s); b.dataset.stage = s;
    b.setAttribute("aria-pressed", "true"); b.title = "show or hide the " + s + " stage (double-click: only this stage)";
    b.addEventListener("click", () => { filt.stages.has(s) ? filt.stages.delete(s) : filt.stages.add(s); refilter(); });
    b.addEventListener("dblclick", () => { filt.stages = new Set([s]); refilter(); });
    $("stages").appendChild(b);
  }
  for (const r of rules) { const o = el("option", null, r); o.value = r; $("f-rule").appendChild(o); }
  $("f-rule").addEventListener("change", (e) => { filt.rule = e.target.value; refilter(); });
  $("f-safety").addEventListener("change", (e) => { filt.safety = e.target.value; refilter(); });
  $("f-conf").addEventListener("input", (e) => { const v = parseFloat(e.target.value); filt.conf = isNaN(v) ? 1 : v; refilter(); });
  $("f-decided").addEventListener("change", (e) => { filt.decided = e.target.value; refilter(); });
  $("reviewer").value = localStorage.getItem(storeKey + ":reviewer") || "";
  $("reviewer").addEventListener("change", (e) => { try { localStorage.setItem(storeKey + ":reviewer", e.target.value); } catch (x) {} });
  $("help-btn").addEventListener("click", () => { const h = $("help"); h.hidden = !h.hidden; $("help-btn").setAttribute("aria-expanded", String(!h.hidden)); });
  $("export").addEventListener("click", exportDecisions);

  // -- the list of documents --------------------------------------------------------------
  const rows = [];
  function drawDocList() {
    const nav = $("docs");
    DATA.docs.forEach((d, n) => {
      const b = el("button", "docrow"); b.type = "button"; b.dataset.doc = d.key;
      b.appendChild(el("div", "name", d.key));
      b.appendChild(el("div", "counts"));
      b.addEventListener("click", () => openDoc(n));
      nav.appendChild(b); rows.push(b);
    });
    countDocs();
  }
  function countDocs() {
    DATA.docs.forEach((d, n) => {
      const by = {}, fby = {}; let flags = 0, all = 0;
      for (const c of d.changes) if (passesRow(c[0], c[1], c[2], c[3], c[4])) { all++; by[c[1]] = (by[c[1]] || 0) + 1; }
      for (const f of d.flags) if (passesRow(f[0], f[1], f[2], "flag", null)) { all++; flags++; fby[f[1]] = (fby[f[1]] || 0) + 1; }
      const counts = rows[n].querySelector(".counts"); counts.textContent = "";
      counts.appendChild(document.createTextNode((all - flags) + " changes, " + flags + " flags "));
      for (const s in by) { const g = el("span", "badge", String(by[s])); g.style.background = colour(s); g.title = by[s] + " " + s + " changes"; counts.appendChild(g); }
      for (const s in fby) { const g = el("span", "badge flag", String(fby[s])); g.style.borderColor = colour(s); g.title = fby[s] + " " + s + " flags"; counts.appendChild(g); }
      rows[n].classList.toggle("none", all === 0);
    });
  }

  // -- one document -------------------------------------------------------------------------
  function openDoc(n) {
    current = n; cursor = -1;
    rows.forEach((r, i) => r.setAttribute("aria-current", String(i === n)));
    const d = DATA.docs[n];
    const head = $("doc-head"); head.textContent = "";
    head.appendChild(el("strong", null, d.key));
    head.appendChild(document.createTextNode("  " + d.changes.length + " changes, " + d.flags.length + " flags" +
      (d.scan ? ", scanned page(s)" : "") + (d.reviewed ? ", reviewed before" : "")));
    drawText($("raw"), d.raw, "r");
    drawText($("clean"), d.clean, "c");
    drawCards();
  }
  function drawText(pre, text, side) {
    // marks for the visible items that do not overlap an earlier-starting one
    const list = itemsOf(current).filter(passes).map((it) => ({ it, s: it[side][0], e: it[side][1] }))
      .sort((a, b) => a.s - b.s || b.e - a.e);
    pre.textContent = "";
    let pos = 0;
    for (const m of list) {
      if (m.s < pos) continue;
      if (m.s > pos) pre.appendChild(document.createTextNode(text.slice(pos, m.s)));
      const mk = el("mark", m.it.kind === "flag" ? "flag" : "");
      mk.style.setProperty("--c", colour(m.it.stage));
      mk.dataset.id = m.it.id;
      mk.title = m.it.rule + ": " + m.it.reason;
      const inner = text.slice(m.s, m.e);
      if (m.e === m.s) mk.classList.add("caret");
      else appendMarked(mk, inner);
      if (decisions[m.it.id] && decisions[m.it.id].action === "reject") mk.classList.add("rejected");
      mk.addEventListener("click", () => focusItem(visible.indexOf(m.it)));
      pre.appendChild(mk);
      pos = m.e;
    }
    pre.appendChild(document.createTextNode(text.slice(pos)));
  }
  function appendMarked(parent, s) {
    const parts = s.split("\n");
    parts.forEach((p, i) => { if (p) parent.appendChild(document.createTextNode(p)); if (i < parts.length - 1) { parent.appendChild(el("span", "ws", "⏎")); parent.appendChild(document.createTextNode("\n")); } });
  }
  function drawCards() {
    visible = itemsOf(current).filter(passes);
    const box = $("cards"); box.textContent = ""; shown = 0;
    if (!visible.length) box.appendChild(el("p", "meta", "Nothing here matches the filters."));
    moreCards();
  }
  function moreCards() {
    const box = $("cards");
    const old = box.querySelector(".more"); if (old) old.remove();
    const stop = Math.min(visible.length, shown + PAGE_CARDS);
    for (; shown < stop; shown++) box.appendChild(card(visible[shown], shown));
    if (shown < visible.length) { const b = el("button", "more", "show " + Math.min(PAGE_CARDS, visible.length - shown) + " more of " + (visible.length - shown)); b.type = "button"; b.addEventListener("click", moreCards); box.appendChild(b); }
  }
  function card(it, n) {
    const d = DATA.docs[current];
    const c = el("div", "card"); c.dataset.id = it.id; c.dataset.n = n; c.dataset.kind = it.kind; c.dataset.stage = it.stage; c.dataset.rule = it.rule;
    c.style.setProperty("--c", colour(it.stage)); c.tabIndex = -1;
    const meta = el("div", "meta");
    meta.appendChild(el("span", "rule", it.rule));
    meta.appendChild(document.createTextNode("  " + (it.kind === "flag" ? "flag, " + it.severity : it.safety + " " + it.conf) +
      (it.page ? "  page " + it.page : "") + "  " + it.id));
    c.appendChild(meta);
    c.appendChild(el("div", "why", it.reason));
    const edit = el("div", "edit");
    const left = d.raw.slice(Math.max(0, it.r[0] - 24), it.r[0]), right = d.raw.slice(it.r[1], it.r[1] + 24);
    edit.appendChild(document.createTextNode("…" + left.replace(/\n/g, "⏎")));
    if (it.kind === "change") { edit.appendChild(el("del", null, visibleText(it.before))); edit.appendChild(el("ins", null, visibleText(it.after))); }
    else edit.appendChild(el("mark", "flag", visibleText(it.text)));
    edit.appendChild(document.createTextNode(right.replace(/\n/g, "⏎") + "…"));
    c.appendChild(edit);
    if (it.crop >= 0 && d.crops[it.crop]) { const img = el("img"); img.alt = "the page image around this " + it.kind; img.src = d.crops[it.crop]; img.loading = "lazy"; c.appendChild(img); }
    const buttons = el("div", "buttons");
    if (it.kind === "change") {
      buttons.appendChild(button("Accept", "accept", it));
      buttons.appendChild(button("Reject", "reject", it));
      const all = el("button", "rule-reject", "Reject all " + it.rule); all.type = "button";
      all.title = "reject every change of this rule in the batch";
      all.addEventListener("click", () => decideRule(it.rule, "reject"));
      buttons.appendChild(all);
      const ok = el("button", "rule-accept", "Accept all"); ok.type = "button";
      ok.title = "accept every change of " + it.rule + " in the batch";
      ok.addEventListener("click", () => decideRule(it.rule, "accept"));
      buttons.appendChild(ok);
    } else {
      if (it.resolved) buttons.appendChild(el("span", "meta", it.resolved));
      it.suggestions.forEach((s, k) => buttons.appendChild(button((k < 9 ? (k + 1) + ": " : "") + s, "pick", it, s)));
      buttons.appendChild(button("Leave as is", "accept", it));
    }
    c.appendChild(buttons);
    c.addEventListener("click", (e) => { if (e.target.tagName !== "BUTTON") focusItem(n); });
    paint(c, it);
    return c;
  }
  function button(label, action, it, value) {
    const b = el("button", "act-" + action, label); b.type = "button"; b.dataset.action = action; if (value != null) b.dataset.value = value;
    b.addEventListener("click", () => decide(it, action, value));
    return b;
  }
  function paint(c, it) {
    const d = decisions[it.id];
    c.classList.toggle("rejected", !!d && d.action === "reject");
    c.classList.toggle("accepted", !!d && d.action !== "reject");
    c.querySelectorAll("button[data-action]").forEach((b) => {
      const on = !!d && d.action === b.dataset.action && (d.action !== "pick" || d.value === b.dataset.value);
      b.setAttribute("aria-pressed", String(on));
    });
    document.querySelectorAll("mark[data-id=\"" + CSS.escape(it.id) + "\"]").forEach((m) => m.classList.toggle("rejected", !!d && d.action === "reject"));
  }
  function decide(it, action, value) {
    const d = decisions[it.id];
    if (d && d.action === action && d.value === value) delete decisions[it.id];  // a second press takes it back
    else if (action === null) delete decisions[it.id];
    else decisions[it.id] = value == null ? { doc: it.doc, action } : { doc: it.doc, action, value };
    const c = $("cards").querySelector(".card[data-id=\"" + CSS.escape(it.id) + "\"]");
    if (c) paint(c, it);
    save();
  }
  function decideRule(rule, action) {
    for (const d of DATA.docs) for (const c of d.changes) if (c[2] === rule) decisions[c[0]] = { doc: d.key, action };
    save(); openDoc(current);
  }
  function focusItem(n) {
    if (n < 0 || n >= visible.length) return;
    while (n >= shown) moreCards();
    document.querySelectorAll(".current").forEach((e) => e.classList.remove("current"));
    cursor = n;
    const it = visible[n];
    const c = $("cards").querySelector(".card[data-n=\"" + n + "\"]");
    if (c) { c.classList.add("current"); c.scrollIntoView({ block: "nearest" }); }
    document.querySelectorAll("mark[data-id=\"" + CSS.escape(it.id) + "\"]").forEach((m) => { m.classList.add("current"); m.scrollIntoView({ block: "center" }); });
  }
  function refilter() {
    document.querySelectorAll("#stages .chip").forEach((b) => { const on = filt.stages.has(b.dataset.stage); b.classList.toggle("off", !on); b.setAttribute("aria-pressed", String(on)); });
    countDocs(); openDoc(current);
  }
  function tally() {
    let rej = 0, acc = 0, pick = 0;
    for (const k in decisions) { const a = decisions[k].action; if (a === "reject") rej++; else if (a === "pick") pick++; else acc++; }
    $("tally").textContent = rej + " rejected, " + pick + " picked, " + acc + " accepted";
  }
  function exportDecisions() {
    const out = { format: "ocrmend-decisions", version: 1, reviewer: $("reviewer").value || null,
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), batch: DATA.title, made_with: DATA.tool, decisions };
    const blob = new Blob([JSON.stringify(out, null, 1) + "\n"], { type: "application/json" });
    const a = el("a"); a.href = URL.createObjectURL(blob); a.download = "ocrmend-decisions.json";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // -- keys ------------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    const it = visible[cursor];
    if (e.key === "j" || e.key === "ArrowDown") focusItem(Math.min(visible.length - 1, cursor + 1));
    else if (e.key === "k" || e.key === "ArrowUp") focusItem(Math.max(0, cursor - 1));
    else if (e.key === "n") { if (current < DATA.docs.length - 1) openDoc(current + 1); }
    else if (e.key === "p") { if (current > 0) openDoc(current - 1); }
    else if (e.key === "?") $("help-btn").click();
    else if (!it) return;
    else if (e.key === "a") decide(it, "accept");
    else if (e.key === "r" && it.kind === "change") decide(it, "reject");
    else if (e.key === "R" && it.kind === "change") decideRule(it.rule, "reject");
    else if (e.key === "A" && it.kind === "change") decideRule(it.rule, "accept");
    else if (e.key === "u") decide(it, null);
    else if (/^[1-9]$/.test(e.key) && it.kind === "flag" && it.suggestions[+e.key - 1] != null) decide(it, "pick", it.suggestions[+e.key - 1]);
    else return;
    e.preventDefault();
  });

  drawDocList();
  tally();
  if (DATA.docs.length) openDoc(0);
  document.body.dataset.ready = "1";
})();
"""
