"""From files to OCR documents: pages read, prepared, recognised and arranged, in parallel.

Pages run in threads: the work is in the Tesseract process each page starts and in OpenCV,
which both run outside the Python interpreter lock, so threads give the cores to the pages
without copying images between processes. At most ``2 * jobs`` pages are in flight at once,
and a finished page keeps only its words, so memory stays flat however long the PDF.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import InputError, OcrmendError
from .images import PageImage, open_source
from .model import OcrDocument, PageContent, StepRecord
from .settings import OcrSettings

log = logging.getLogger("ocrmend.ocr")


def _words_score(words: list[Any]) -> float:
    """How much readable text a recognition found: confidence summed over real words."""
    return sum(w.conf for w in words if w.conf >= 50 and any(c.isalnum() for c in w.text))


def _mean_conf(words: list[Any]) -> float:
    real = [w.conf for w in words if any(c.isalnum() for c in w.text)]
    return sum(real) / len(real) if real else 0.0


def ocr_image(image: PageImage, settings: OcrSettings) -> PageContent:
    """OCR one page image: preprocess, recognise, fix orientation if needed, arrange."""
    from . import geometry, tesseract
    from .preprocess import PageState, prepare, rotate_quarter

    t0 = time.perf_counter()
    h, w = image.pixels.shape[:2]
    if image.text_layer is not None:
        blocks = [[[list(line) for line in image.text_layer]]]
        return PageContent(width=w, height=h, blocks=blocks, dpi=image.dpi, dpi_source=image.dpi_source,
                           source="pdf-text", notes=image.notes + ["text taken from the PDF's text layer"],
                           seconds=time.perf_counter() - t0)
    state = PageState.start(image.pixels, image.dpi, image.bilevel)
    prepare(state, settings)
    args = settings.tesseract_args(image.dpi)
    words = tesseract.recognise(state.image, state.bilevel, settings.lang, args, settings.timeout)
    if settings.orientation:
        conf = _mean_conf(words)
        if conf >= settings.orientation_below and len(words) >= 3:
            state.steps.append(StepRecord("orientation", False, f"mean word confidence {conf:.0f}: upright"))
        elif not tesseract.has_osd():
            state.steps.append(StepRecord("orientation", False, "Tesseract's osd data is not installed "
                                          "(apt-get install tesseract-ocr-osd)"))
        else:
            t = time.perf_counter()
            found = tesseract.orientation(state.image, state.bilevel, image.dpi, settings.timeout)
            detail = f"mean word confidence {conf:.0f}: asked OSD"
            applied = False
            if found is None:
                detail += ", which cannot tell"
            elif found[0] == 0 or found[1] < 1.5:
                detail += f", which says turn {found[0]} deg (confidence {found[1]:.1f}): left as it is"
            else:
                saved = (state.image, state.matrix, state.orientation, state.gutter)
                rotate_quarter(state, found[0])
                turned = tesseract.recognise(state.image, state.bilevel, settings.lang, args, settings.timeout)
                if _words_score(turned) > _words_score(words):
                    words, applied = turned, True
                    detail += f", which says turn {found[0]} deg (confidence {found[1]:.1f}): turned"
                else:
                    state.image, state.matrix, state.orientation, state.gutter = saved
                    detail += f", which says turn {found[0]} deg, but the turned page reads worse: left as it is"
            state.steps.append(StepRecord("orientation", applied, detail, (time.perf_counter() - t) * 1000))
    else:
        state.steps.append(StepRecord("orientation", False, "switched off (ocr.orientation = false)"))

    if words:
        words = _second_look(state, words, settings, args)
    ih, iw = state.image.shape[:2]
    figures = geometry.find_figures(state.image, image.dpi, words) if words else []
    frame = geometry.PageFrame(iw, ih, image.dpi, state.gutter, figures, state.to_original, (w, h))
    blocks = geometry.group(words)
    blocks = geometry.split_at_gutter(blocks, state.gutter)
    blocks = geometry.arrange(blocks, frame)

    out_blocks = []
    hints: dict[tuple[int, int, int], tuple[str, str]] = {}
    for bi, b in enumerate(blocks):
        pars = []
        for pi, par in enumerate(b.paragraphs):
            lines = []
            for li, ln in enumerate(par):
                lines.append([(wd.text, state.to_original(wd.box), wd.conf) for wd in ln.words])
                if ln.hint:
                    hints[(bi, pi, li)] = (ln.hint, ln.reason)
            pars.append(lines)
        out_blocks.append(pars)
    gutter = None
    if state.gutter is not None:
        gx = state.to_original((state.gutter[0], ih // 2, state.gutter[0] + 1, ih // 2 + 1))[0]
        gutter = (gx, state.gutter[1])
    notes = list(image.notes)
    if state.angle:
        notes.append(f"skewed {state.angle:+.2f} deg (counter-clockwise positive): turned back level")
    if state.orientation:
        notes.append(f"turned {state.orientation} deg clockwise to read")
    content = PageContent(
        width=w, height=h, blocks=out_blocks, dpi=image.dpi, dpi_source=image.dpi_source, angle=state.angle,
        orientation=state.orientation, steps=state.steps, notes=notes, gutter=gutter,
        figures=[state.to_original(f) for f in figures], columns=[b.column for b in blocks], hints=hints,
        seconds=time.perf_counter() - t0,
    )
    for rec in state.steps:
        log.debug("page %d: %s %s: %s", image.number, rec.name, "applied" if rec.applied else "skipped", rec.detail)
    return content


def _second_look(state: Any, words: list[Any], settings: OcrSettings, args: str) -> list[Any]:
    """Areas that look like print but gave no words are read again on their own as one block
    (``--psm 6``); what reads back with good confidence joins the page, logged as ``recover``."""
    from . import geometry, tesseract
    from .model import StepRecord

    t = time.perf_counter()
    areas = geometry.uncovered_text(state.image, state.dpi, words)
    if not areas:
        return words
    found = []
    kept = 0
    next_block = max(w.block for w in words) + 1
    h, w = state.image.shape[:2]
    pad = max(4, state.dpi // 30)
    for x0, y0, x1, y1 in areas:
        x0, y0, x1, y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
        crop = state.image[y0:y1, x0:x1]
        more = tesseract.recognise(crop, state.bilevel, settings.lang, args.replace(f"--psm {settings.psm}", "--psm 6"),
                                   settings.timeout)
        real = [m for m in more if any(c.isalnum() for c in m.text)]
        conf = _mean_conf(more)
        if len(real) >= 5 and conf >= 70:
            for m in more:
                m.box = (m.box[0] + x0, m.box[1] + y0, m.box[2] + x0, m.box[3] + y0)
                m.block = next_block
            next_block += 1
            words = words + more
            kept += 1
        found.append(f"{x0},{y0}-{x1},{y1}: {len(real)} words at {conf:.0f}")
    state.steps.append(StepRecord("recover", kept > 0, f"{len(areas)} area(s) of print without words read again "
                                  f"(--psm 6): {'; '.join(found)}; {kept} kept", (time.perf_counter() - t) * 1000))
    return words


def _page_task(source: Any, index: int, settings: OcrSettings) -> PageContent:
    image = source.load(index)
    try:
        return ocr_image(image, settings)
    except InputError as exc:
        raise InputError(f"{source.path} page {index + 1}: {exc}") from None


def ocr_batch(paths: Iterable[str | Path], settings: OcrSettings | None = None, *,
              jobs: int = 1) -> Iterator[tuple[Path, OcrDocument | OcrmendError]]:
    """OCR many files with ``jobs`` pages at a time across all of them; yield each file's
    document (or the error that stopped it) in input order, as soon as it is complete.

    A bad file costs only itself: its error is yielded in its place and the batch goes on.
    A missing Tesseract (``MissingDependency``) is raised, since no file can be read then.
    """
    from . import tesseract

    settings = settings or OcrSettings()
    tesseract.check(settings.lang)
    jobs = max(1, int(jobs))
    window = 2 * jobs
    # per file: [path, source, document, pages outstanding, error]
    files: deque[list[Any]] = deque()
    inflight: deque[tuple[list[Any], Future]] = deque()

    def finish_ready() -> Iterator[tuple[Path, OcrDocument | OcrmendError]]:
        while files and files[0][3] == 0:
            path, source, doc, _, error = files.popleft()
            if source is not None:
                source.close()
            yield path, (error if error is not None else doc)

    def collect_one() -> Iterator[tuple[Path, OcrDocument | OcrmendError]]:
        entry, fut = inflight.popleft()
        try:
            content = fut.result()
            if entry[4] is None:
                entry[2].add_page(content)
        except OcrmendError as exc:
            if entry[4] is None:
                entry[4] = exc
        except Exception as exc:  # a bug, or a library failing on odd input: this file only
            if entry[4] is None:
                entry[4] = InputError(f"{entry[0]}: OCR failed ({type(exc).__name__}: {exc})")
        entry[3] -= 1
        yield from finish_ready()

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ocr") as pool:
        for p in paths:
            path = Path(p)
            try:
                source = open_source(path, settings)
            except OcrmendError as exc:
                files.append([path, None, None, 0, exc])
                yield from finish_ready()
                continue
            entry = [path, source, OcrDocument(path.stem), source.count, None]
            files.append(entry)
            for index in range(source.count):
                while len(inflight) >= window:
                    yield from collect_one()
                if entry[4] is not None:  # an earlier page failed: skip the rest of the file
                    entry[3] -= 1
                    continue
                inflight.append((entry, pool.submit(_page_task, source, index, settings)))
            yield from finish_ready()
        while inflight:
            yield from collect_one()
        yield from finish_ready()


def ocr_file(path: str | Path, settings: OcrSettings | None = None, *, jobs: int = 1) -> OcrDocument:
    """OCR one image, multi-page TIFF or PDF into an ``OcrDocument`` (pages streamed, ``jobs``
    at a time). Raises ``InputError`` for a file that cannot be read, ``MissingDependency``
    when Tesseract or a language is not installed."""
    for _, result in ocr_batch([path], settings, jobs=jobs):
        if isinstance(result, OcrmendError):
            raise result
        return result
    raise InputError(f"{path}: nothing to OCR")  # pragma: no cover


def iter_pages(path: str | Path, settings: OcrSettings | None = None, *, jobs: int = 1) -> Iterator[PageContent]:
    """The pages of a file, OCRed, in order, one at a time (for callers that stream)."""
    from . import tesseract

    settings = settings or OcrSettings()
    tesseract.check(settings.lang)
    with open_source(Path(path), settings) as source, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending: deque[Future] = deque()
        for index in range(source.count):
            if len(pending) >= 2 * max(1, jobs):
                yield pending.popleft().result()
            pending.append(pool.submit(_page_task, source, index, settings))
        while pending:
            yield pending.popleft().result()
