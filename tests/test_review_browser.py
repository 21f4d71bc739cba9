"""End to end in a real browser: the review page built from the samples, opened in headless
Chromium (Debian's ``chromium``, driven by Playwright), used as a reviewer uses it, and its
exported decisions applied with ``ocrmend apply``."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import RAW, ROOT, ocrmend_cmd

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CASES = ROOT / "tests" / "cases" / "review"
MARKUP = "markup-and-doubt"


def _run(*args, cwd):
    got = subprocess.run([*ocrmend_cmd(), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert got.returncode == 0, got.stderr
    return got


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(RAW, root / "in")  # the samples, with any subfolders
    for f in CASES.glob("*.txt"):
        shutil.copy(f, root / "in" / f.name)
    _run("clean", "in", "-o", "cleaned", "-q", cwd=root)
    _run("review", "cleaned", "--raw", "in", "-q", cwd=root)
    return root


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, page_path: Path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(page_path.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return context, page, problems


def _log(folder: Path, name: str) -> list[dict]:
    return [json.loads(x) for x in (folder / f"{name}.changes.jsonl").read_text(encoding="utf-8").splitlines()]


def test_review_reject_pick_export_apply_replay(site, browser, tmp_path):
    cleaned = site / "cleaned"
    old_text = (cleaned / f"{MARKUP}.txt").read_text(encoding="utf-8")
    raw = (CASES / f"{MARKUP}.txt").read_text(encoding="utf-8")
    log = _log(cleaned, MARKUP)
    context, page, problems = _open(browser, cleaned / "review.html")
    try:
        # the OCR text's markup is shown as text and ran nothing
        page.click(f".docrow[data-doc='{MARKUP}']")
        assert '<script>document.title="pwned"' in page.inner_text("#raw")
        assert '<img src=x onerror="window.pwned=2">' in page.inner_text("#clean")
        assert page.evaluate("window.pwned") is None and "pwned" not in page.title()

        # filter to one stage: only its cards are left
        page.dblclick("#stages .chip[data-stage='reflow']")
        stages = page.eval_on_selector_all("#cards .card", "cs => cs.map(c => c.dataset.stage)")
        reflow = [r for r in log if r.get("kind") == "change" and r["stage"] == "reflow"]
        assert stages == ["reflow"] * len(reflow)

        # reject a change with the keyboard: the second line join
        page.keyboard.press("j")
        page.keyboard.press("j")
        rejected = page.get_attribute("#cards .card.current", "data-id")
        page.keyboard.press("r")
        assert "rejected" in page.get_attribute(f"#cards .card[data-id='{rejected}']", "class")

        # show the flags and pick the first suggestion of the flagged word
        page.select_option("#f-safety", "flag")
        page.dblclick("#stages .chip[data-stage='spelling']")
        flag = page.locator("#cards .card[data-kind='flag']").first
        flag.locator("button[data-action='pick']").first.click()
        picked = flag.locator("button[data-action='pick']").first.get_attribute("data-value")
        assert flag.locator("button[aria-pressed='true']").count() == 1

        page.fill("#reviewer", "B. Browser")
        page.locator("#reviewer").dispatch_event("change")
        with page.expect_download() as info:
            page.click("#export")
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
    finally:
        context.close()
    assert problems == []

    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["reviewer"] == "B. Browser"
    assert exported["decisions"] == {
        rejected: {"doc": MARKUP, "action": "reject"},
        flag_id(log): {"doc": MARKUP, "action": "pick", "value": picked},
    }

    _run("apply", saved, "--to", cleaned, cwd=site)
    new_text = (cleaned / f"{MARKUP}.txt").read_text(encoding="utf-8")
    # exactly two places changed: the rejected join is a line break again, the word is the pick
    change = next(r for r in log if r.get("id") == rejected)
    r0, r1 = change["raw"]
    joined = raw[r0 - 12:r0] + change["after"] + raw[r1:r1 + 12]
    at = old_text.index(joined) + 12
    expected = old_text[:at] + change["before"] + old_text[at + len(change["after"]):]
    expected = expected.replace("went jome", f"went {picked}")
    assert new_text == expected
    # and the log still replays to it
    rep = subprocess.run([*ocrmend_cmd(), "replay", CASES / f"{MARKUP}.txt", cleaned / f"{MARKUP}.changes.jsonl"],
                         capture_output=True, text=True, timeout=60)
    assert rep.returncode == 0 and rep.stdout == new_text and "verified" in rep.stderr


def flag_id(log: list[dict]) -> str:
    return next(r["id"] for r in log if r.get("kind") == "flag" and r["text"] == "jome")


def test_keyboard_walks_from_change_to_change_and_document_to_document(site, browser):
    context, page, problems = _open(browser, site / "cleaned" / "review.html")
    try:
        first_doc = page.get_attribute(".docrow[aria-current='true']", "data-doc")
        ids = page.eval_on_selector_all("#cards .card", "cs => cs.map(c => c.dataset.id)")
        for n in range(3):
            page.keyboard.press("j")
            assert page.get_attribute("#cards .card.current", "data-id") == ids[n]
            # the change is marked in both texts
            assert page.locator(f"mark.current[data-id='{ids[n]}']").count() >= 1
        page.keyboard.press("k")
        assert page.get_attribute("#cards .card.current", "data-id") == ids[1]
        page.keyboard.press("n")
        assert page.get_attribute(".docrow[aria-current='true']", "data-doc") != first_doc
    finally:
        context.close()
    assert problems == []


def test_scanned_pages_show_a_crop_of_the_page_image(site, browser):
    context, page, problems = _open(browser, site / "cleaned" / "review.html")
    try:
        page.click(".docrow[data-doc='keeper-page-13']")
        imgs = page.locator("#cards .card img")
        assert imgs.count() == page.locator("#cards .card").count() > 0
        sizes = imgs.first.evaluate("i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])")
        assert sizes[0] > 50 and sizes[1] > 10
    finally:
        context.close()
    assert problems == []


def test_filters_by_rule_safety_and_confidence(site, browser):
    log = _log(site / "cleaned", "000_158432e1425d889a")
    changes = [r for r in log if r.get("kind") == "change"]
    context, page, problems = _open(browser, site / "cleaned" / "review.html")
    try:
        page.click(".docrow[data-doc='000_158432e1425d889a']")
        assert page.locator("#cards .card").count() == min(300, len(log) - 1)
        rule = changes[-1]["rule"]
        page.select_option("#f-rule", rule)
        assert page.eval_on_selector_all("#cards .card", "cs => cs.map(c => c.dataset.id)") == \
            [c["id"] for c in changes if c["rule"] == rule]
        page.select_option("#f-rule", "")
        page.fill("#f-conf", "0.9")
        shown = page.eval_on_selector_all("#cards .card[data-kind='change']", "cs => cs.map(c => c.dataset.id)")
        assert shown and shown == [c["id"] for c in changes if c["confidence"] <= 0.9][:300]
        assert len(shown) < len(changes)
        page.fill("#f-conf", "1")
        page.select_option("#f-safety", "flag")
        kinds = page.eval_on_selector_all("#cards .card", "cs => cs.map(c => c.dataset.kind)")
        assert kinds and kinds == ["flag"] * sum(1 for r in log if r.get("kind") == "flag")
    finally:
        context.close()
    assert problems == []
