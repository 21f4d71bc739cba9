"""The Python API: ``from pipeline import clean`` on text, bytes, paths and parsed OCR, the
result object, replay, the public names, and calls from threads and worker processes."""
from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

import pipeline
from pipeline import Config, OcrmendError, Result, clean, load_config, replay
from pipeline.ocr.model import OcrDocument, PageContent

TEXT = "The illu-\nsions of youth were\nmany and bright.\n"


def scan() -> OcrDocument:
    doc = OcrDocument("scan")
    doc.add_page(PageContent(width=900, height=400, blocks=[[[
        [("The", (100, 100, 160, 130), 96.0), ("illu-", (170, 100, 250, 130), 91.0)],
        [("sions", (100, 140, 190, 170), 95.0), ("of", (200, 140, 230, 170), 96.0),
         ("youth", (240, 140, 330, 170), 96.0)]]]]))
    return doc


ALTO = (b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page ID="p" PHYSICAL_IMG_NR="1" '
        b'WIDTH="900" HEIGHT="400"><PrintSpace><TextBlock ID="b"><TextLine ID="l1">'
        b'<String ID="s1" HPOS="100" VPOS="100" WIDTH="60" HEIGHT="30" CONTENT="The"/><SP/>'
        b'<String ID="s2" HPOS="170" VPOS="100" WIDTH="80" HEIGHT="30" CONTENT="illu-"/></TextLine>'
        b'<TextLine ID="l2"><String ID="s3" HPOS="100" VPOS="140" WIDTH="90" HEIGHT="30" CONTENT="sions"/><SP/>'
        b'<String ID="s4" HPOS="200" VPOS="140" WIDTH="30" HEIGHT="30" CONTENT="of"/><SP/>'
        b'<String ID="s5" HPOS="240" VPOS="140" WIDTH="90" HEIGHT="30" CONTENT="youth"/></TextLine>'
        b'</TextBlock></PrintSpace></Page></Layout></alto>')


def test_the_readme_one_liner_works():
    out = subprocess.run([sys.executable, "-c", "from pipeline import clean; print(clean('The illu-\\nsions of youth').text)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "The illusions of youth\n\n" and out.stderr == ""


def test_every_kind_of_source_gives_the_same_clean_text(tmp_path):
    path = tmp_path / "chapter.txt"
    path.write_text(TEXT, encoding="utf-8")
    results = [clean(TEXT), clean(TEXT.encode()), clean(path), clean(str(TEXT))]
    assert {r.text for r in results} == {"The illusions of youth were many and bright.\n"}
    assert results[2].name == "chapter"
    assert clean(scan()).text == clean(ALTO).text == "The illusions of youth\n"
    from pipeline.formats import read

    assert clean(read(ALTO, name="alto-doc")).name == "alto-doc"


def test_the_result_object():
    r = clean(TEXT)
    assert isinstance(r, Result) and r.changed
    assert [c["rule"] for c in r.changes][0] == "dehyphenate.line_end"
    assert all(b["kind"] == "paragraph" for b in r.blocks) and r.blocks[0]["text"].startswith("The illusions")
    assert isinstance(r.flags, list)
    data = json.loads(r.to_json())
    assert data["document"] == "<text>" and data["summary"]["changes"] == len(r.changes)
    assert "-The illu-\n" in r.diff() and "+The illusions of youth were many and bright.\n" in r.diff()
    assert replay(r.raw, r.changes_jsonl()) == r.text
    assert replay(r.raw, r.changes) == r.text  # records work as well as JSONL


def test_scan_results_carry_boxes_and_the_formats_of_the_input():
    r = clean(ALTO)
    assert r.format == "alto" and r.ocr["format"]["name"] == "alto"
    assert r.blocks[0]["box"] == [100, 100, 330, 170]
    assert [w[0] for w in r.blocks[0]["words"]] == ["The", "illu-", "sions", "of", "youth"]
    assert clean(TEXT).format is None


def test_same_configuration_as_the_cli(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ocrmend]\nignore = ["dehyphenate"]\n')
    config = load_config(tmp_path / "pyproject.toml")  # the file the CLI reads
    assert config == Config(ignore=("dehyphenate",))
    assert "illu-" in clean(TEXT, config).text
    assert "illu-" in clean(TEXT, ignore=("dehyphenate",)).text
    with pytest.raises(OcrmendError):
        clean(TEXT, keep=("no-such-kind",))


def test_only_public_names_are_exported():
    assert set(pipeline.__all__) == {"clean", "replay", "load_config", "Config", "Result", "OcrmendError",
                                     "__version__"}
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None
    with pytest.raises(AttributeError):
        pipeline.runner_internals  # noqa: B018
    assert (Path(pipeline.__file__).parent / "py.typed").exists()


SOURCES = [TEXT, "Teh cat sat on teh mat.\n", "A line\n\n\fTHE BOOK\n\nAnother page.\n", ALTO]


def test_threads_and_processes_give_the_same_results_as_one_call():
    alone = [clean(s) for s in SOURCES]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(clean, SOURCES * 3))
    assert threaded == alone * 3
    # different configurations at the same time do not leak into each other (no global state)
    with ThreadPoolExecutor(4) as pool:
        mixed = list(pool.map(lambda i: clean(TEXT, ignore=("dehyphenate",) if i % 2 else ()), range(8)))
    assert ["illu-" in r.text for r in mixed] == [False, True] * 4
    ctx = multiprocessing.get_context("spawn")  # as Dask and most worker pools start them
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        processed = list(pool.map(clean, SOURCES))
    assert processed == alone
    assert [r.word_spans is None for r in processed] == [True, True, True, False]
    from pipeline.formats import render

    assert render(processed[3], "alto") .count("HypPart") == 2  # a result from a worker still writes


def test_one_parsed_file_shared_by_threads_cleans_and_writes_the_same(tmp_path):
    from pipeline.formats import read, render

    f = read(ALTO, name="shared")
    serial = render(clean(f), "same")
    with ThreadPoolExecutor(4) as pool:
        written = list(pool.map(lambda _: render(clean(f), "same"), range(12)))
    strip = lambda s: "\n".join(ln for ln in s.splitlines() if "processingDateTime" not in ln)  # noqa: E731
    assert {strip(w) for w in written} == {strip(serial)}
    assert 'SUBS_TYPE="HypPart1"' in serial
