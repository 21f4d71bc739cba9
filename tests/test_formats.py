"""hOCR, ALTO and PAGE in and out, on a page the tests render and real Tesseract reads
(tests/test_formats_pages.py): the same clean text as from the image, the hyphenated word
joined with each format's own mechanism, running head and page number found from geometry,
nothing lost, written files valid, a no-op round trip equivalent, an ABBYY-like ALTO made by
hand, and hostile XML refused one file at a time."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline import OcrmendError, clean, replay
from pipeline.errors import EXIT_SOME_FAILED, InputError
from pipeline.formats import (FORMAT_SUFFIXES, OcrFile, checks, detect, detect_file, output_name, read, render,
                              write_as)
from pipeline.stages import STAGES
from test_formats_pages import HEADER, PAGE_NS, page_schema, render_book_page, tesseract_files

import test_formats_pages

ALTO3 = "http://www.loc.gov/standards/alto/ns-v3#"
XHTML = "http://www.w3.org/1999/xhtml"
ALL_OFF = {"ignore": STAGES}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    test_formats_pages.PAGE_NUMBER = "103"
    png = render_book_page(folder / "keeper.png")
    files = tesseract_files(png, folder, "keeper")
    return {"png": png, "hocr": files.hocr, "alto": files.alto, "page": files.page,
            "image_result": clean(png)}


def parse(path_or_text):
    data = Path(path_or_text).read_bytes() if isinstance(path_or_text, Path) else path_or_text.encode()
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def local(el):
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


# -- reading ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_same_clean_text_as_from_the_image_itself(book, fmt):
    r = clean(book[fmt])
    assert r.format == fmt and r.name == "keeper"
    assert r.text == book["image_result"].text
    assert "few illusions about the work" in r.text
    assert replay(r.raw, r.changes_jsonl()) == r.text  # the log replays from the file's raw text


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_running_head_and_page_number_found_from_geometry(book, fmt):
    r = clean(book[fmt])
    kinds = {b["kind"]: b for b in r.blocks if b["kind"] != "paragraph"}
    assert kinds["header"]["text"] == HEADER and "top of the page" in kinds["header"]["reason"]
    assert kinds["page_number"]["text"] == "103" and "foot of the page" in kinds["page_number"]["reason"]
    assert kinds["page_number"]["box"][1] > 1800  # on the scan, at the foot of the 2100-pixel page
    assert HEADER not in r.text and "103" not in r.text


def test_declared_region_type_is_evidence(book):
    """A PAGE region typed page-number is one, and the reason says the file declared it."""
    xml = book["page"].read_text(encoding="utf-8")
    last = xml.rindex('type="paragraph"')
    xml = xml[:last] + 'type="page-number"' + xml[last + len('type="paragraph"'):]
    r = clean(xml)
    block = next(b for b in r.blocks if b["text"] == "103")
    assert block["kind"] == "page_number" and "declared 'page-number'" in block["reason"]


# -- writing ------------------------------------------------------------------------------
def word_elements(root, fmt):
    if fmt == "alto":
        return [e for e in root.iter(f"{{{ALTO3}}}String")]
    if fmt == "hocr":
        return [e for e in root.iter(f"{{{XHTML}}}span") if e.get("class") == "ocrx_word"]
    return [e for e in root.iter(f"{{{PAGE_NS}}}Word")]


def word_text(el, fmt):
    if fmt == "alto":
        return el.get("CONTENT")
    if fmt == "hocr":
        return "".join(el.itertext())
    return el.find(f"{{{PAGE_NS}}}TextEquiv/{{{PAGE_NS}}}Unicode").text


def box_attrs(el, fmt):
    if fmt == "alto":
        return [el.get(a) for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
    if fmt == "hocr":
        return el.get("title")
    return el.find(f"{{{PAGE_NS}}}Coords").get("points")


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_hyphenated_word_joined_with_the_formats_mechanism(book, fmt, tmp_path):
    r = clean(book[fmt])
    out = write_as(r, "same", tmp_path / output_name("keeper", fmt))
    before, after = word_elements(parse(book[fmt]), fmt), word_elements(parse(out), fmt)
    assert len(before) == len(after)
    i = next(k for k, e in enumerate(before) if word_text(e, fmt) == "illu-")
    first, second = after[i], after[i + 1]
    assert box_attrs(first, fmt) == box_attrs(before[i], fmt) and box_attrs(second, fmt) == box_attrs(before[i + 1], fmt)
    assert first.getparent() is not second.getparent()  # each half still on its own line
    assert word_text(second, fmt) == "sions"
    if fmt == "alto":
        assert (first.get("CONTENT"), first.get("SUBS_TYPE"), first.get("SUBS_CONTENT")) == ("illu", "HypPart1", "illusions")
        assert (second.get("SUBS_TYPE"), second.get("SUBS_CONTENT")) == ("HypPart2", "illusions")
        hyp = first.getnext()
        assert local(hyp) == "HYP" and hyp.get("CONTENT") == "-" and hyp.getnext() is None
    elif fmt == "hocr":
        assert word_text(first, fmt) == "illu-"
        assert [(e.get("data-ocrmend-joined"), e.get("data-ocrmend-part")) for e in (first, second)] == [
            ("illusions", "1"), ("illusions", "2")]
    else:
        assert word_text(first, fmt) == "illu-"
        assert first.get("custom") == "ocrmend {joined:illusions; part:1;}"
        assert second.get("custom") == "ocrmend {joined:illusions; part:2;}"


#: what a writer may change on an element it corrects (everything else must stay)
MAY_CHANGE = {"alto": {"CONTENT", "SUBS_TYPE", "SUBS_CONTENT", "TAGREFS"},
              "hocr": set(), "page": {"custom"}}


def path_map(root):
    """Every element by its path of (name, index among same-named siblings)."""
    out = {}

    def walk(el, path):
        counts = {}
        for c in el:
            if not isinstance(c.tag, str):
                continue
            n = counts.get(c.tag, 0)
            counts[c.tag] = n + 1
            p = path + ((c.tag, n),)
            out[p] = c
            walk(c, p)

    out[()] = root
    walk(root, ())
    return out


def assert_nothing_lost(src_root, out_root, fmt, changed_texts=()):
    src, out = path_map(src_root), path_map(out_root)
    for path, el in src.items():
        assert path in out, f"element lost: {path[-1]}"
        o = out[path]
        for k, v in el.attrib.items():
            assert k in o.attrib, f"attribute {k} lost from {path[-1]}"
            if o.get(k) != v:
                assert k in MAY_CHANGE[fmt], f"{path[-1]} {k}: {v!r} became {o.get(k)!r}"
        if (el.text or "").strip() != (o.text or "").strip():
            assert (el.text or "").strip() in changed_texts or local(el) in ("LastChange",), \
                f"text of {path[-1]} changed: {el.text!r} -> {o.text!r}"
    assert dict(src_root.nsmap) == dict(out_root.nsmap)


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_no_element_or_attribute_lost_and_the_processing_recorded(book, fmt, tmp_path):
    r = clean(book[fmt])
    out = write_as(r, "same", tmp_path / output_name("keeper", fmt))
    src_root, out_root = parse(book[fmt]), parse(out)
    joined_lines = {"illu-", "of the cliffs to the south. He had few illu-",
                    "the fishing boats coming home and the long grey line\nof the cliffs to the south. He had few illu-"}
    assert_nothing_lost(src_root, out_root, fmt, changed_texts=joined_lines | {"illu-"})
    text = out.read_text(encoding="utf-8")
    if fmt == "alto":
        step = out_root.find(f".//{{{ALTO3}}}OCRProcessing/{{{ALTO3}}}postProcessingStep")
        assert step.findtext(f".//{{{ALTO3}}}softwareName") == "ocrmend"
        assert '"ignore": []' in step.findtext(f"{{{ALTO3}}}processingStepSettings")
    elif fmt == "page":
        item = out_root.find(f".//{{{PAGE_NS}}}MetadataItem")
        assert item.get("type") == "processingStep" and item.get("value").startswith("ocrmend ")
    else:
        assert 'name="ocrmend"' in text and "version " in text


def test_written_files_are_valid(book, tmp_path):
    schema = page_schema()
    for src in ("hocr", "alto", "page", "png"):
        r = clean(book[src])
        for fmt in ("hocr", "alto", "page"):
            out = write_as(r, fmt, tmp_path / f"{src}-{output_name('keeper', fmt)}")
            root = parse(out)
            if fmt == "page":
                assert schema.validate(etree.ElementTree(root)), (src, schema.error_log)
            elif fmt == "alto":
                assert checks.alto_problems(root) == [], src
            else:
                assert checks.hocr_problems(root) == [], src
            again = clean(out)  # and every written file reads back to the same clean text
            assert again.text == r.text, (src, fmt)


def test_the_checks_catch_broken_files(book):
    root = parse(render(clean(book["alto"]), "alto"))
    s = next(root.iter(f"{{{ALTO3}}}String"))
    s.set("SUBS_TYPE", "HypPart1")
    s.set("WC", "7")
    problems = " ".join(checks.alto_problems(root))
    assert "HypPart1 is not the last word" in problems and "WC='7'" in problems
    h = parse(render(clean(book["hocr"]), "hocr"))
    w = next(e for e in h.iter() if e.get("class") == "ocrx_word")
    w.set("title", "bbox 5 5 99999 6; x_wconf 96")
    assert any("outside its page" in p for p in checks.hocr_problems(h))


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_no_op_round_trip_is_equivalent(book, fmt, tmp_path):
    r = clean(book[fmt], **ALL_OFF)
    assert r.text == r.raw and not r.changes
    out = write_as(r, "same", tmp_path / output_name("keeper", fmt))
    src_root, out_root = parse(book[fmt]), parse(out)
    assert_nothing_lost(src_root, out_root, fmt)
    # the only elements added are the processing record
    added = [p[-1][0] for p in set(path_map(out_root)) - set(path_map(src_root))]
    names = {etree.QName(t).localname for t in added}
    assert names <= {"meta", "postProcessingStep", "processingDateTime", "processingStepDescription",
                     "processingStepSettings", "processingSoftware", "softwareCreator", "softwareName",
                     "softwareVersion", "MetadataItem", "Labels", "Label"}, names
    for el in word_elements(out_root, fmt):
        assert not any(k.startswith("data-ocrmend") or k in ("SUBS_TYPE", "custom") for k in el.attrib)


def test_cross_format_writing_keeps_words_and_boxes(book, tmp_path):
    r = clean(book["hocr"])
    alto = parse(write_as(r, "alto", tmp_path / "k.alto.xml"))
    strings = list(alto.iter("{http://www.loc.gov/standards/alto/ns-v4#}String"))
    hocr_words = word_elements(parse(book["hocr"]), "hocr")
    assert len(strings) == len(hocr_words)
    for s, w in zip(strings, hocr_words):
        x0, y0, x1, y1 = (int(v) for v in w.get("title").split(";")[0].split()[1:])
        assert [int(s.get(a)) for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT")] == [x0, y0, x1 - x0, y1 - y0]
    tagged = [s for s in strings if s.get("TAGREFS")]
    assert {s.get("CONTENT") for s in tagged} >= {"THE", "KEEPER", "103"}  # removed regions are marked
    assert alto.find(".//{http://www.loc.gov/standards/alto/ns-v4#}OtherTag[@ID='ocrmend.kind.header']") is not None


def test_a_text_input_cannot_be_written_as_alto(tmp_path):
    r = clean("Just some text.\n")
    with pytest.raises(OcrmendError, match="plain text has no words on boxes"):
        write_as(r, "alto", tmp_path / "x.alto.xml")
    assert not list(tmp_path.iterdir())  # nothing half-written


# -- an ABBYY-like ALTO, made by hand from the ALTO documentation --------------------------
def abbyy_like(unit: str, scale: float) -> bytes:
    """ALTO v2 in physical units, with HYP elements and SUBS_CONTENT already filled in, as
    engines like ABBYY FineReader write it."""
    def pos(x, y, w, h):
        return f'HPOS="{x * scale:g}" VPOS="{y * scale:g}" WIDTH="{w * scale:g}" HEIGHT="{h * scale:g}"'

    return f'''<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v2#" xmlns:xlink="http://www.w3.org/1999/xlink">
  <Description>
    <MeasurementUnit>{unit}</MeasurementUnit>
    <sourceImageInformation><fileName>letter.tif</fileName></sourceImageInformation>
    <OCRProcessing ID="OCR_1">
      <ocrProcessingStep><processingSoftware><softwareCreator>A Vendor</softwareCreator>
        <softwareName>Some Engine</softwareName><softwareVersion>12</softwareVersion></processingSoftware>
      </ocrProcessingStep>
    </OCRProcessing>
  </Description>
  <Styles><TextStyle ID="TS1" FONTFAMILY="Times New Roman" FONTSIZE="11"/></Styles>
  <Layout>
    <Page ID="P1" PHYSICAL_IMG_NR="1" {pos(0, 0, 1200, 900).replace('HPOS="0" VPOS="0" ', '')}>
      <PrintSpace {pos(100, 100, 1000, 700)}>
        <TextBlock ID="TB1" STYLEREFS="TS1" {pos(100, 100, 1000, 200)}>
          <TextLine ID="TL1" {pos(100, 100, 900, 40)}>
            <String ID="S1" {pos(100, 100, 120, 40)} CONTENT="Dear" WC="0.97"/><SP ID="SP1" {pos(220, 100, 20, 40)}/>
            <String ID="S2" {pos(240, 100, 200, 40)} CONTENT="friend," WC="0.95"/><SP ID="SP2" {pos(440, 100, 20, 40)}/>
            <String ID="S3" {pos(460, 100, 150, 40)} CONTENT="your" WC="0.96"/><SP ID="SP3" {pos(610, 100, 20, 40)}/>
            <String ID="S4" {pos(630, 100, 200, 40)} CONTENT="corres" SUBS_TYPE="HypPart1" SUBS_CONTENT="correspondence" WC="0.9"/>
            <HYP CONTENT="\N{NOT SIGN}" {pos(830, 100, 20, 40)}/>
          </TextLine>
          <TextLine ID="TL2" {pos(100, 150, 900, 40)}>
            <String ID="S5" {pos(100, 150, 260, 40)} CONTENT="pondence" SUBS_TYPE="HypPart2" SUBS_CONTENT="correspondence" WC="0.91"/><SP ID="SP4" {pos(360, 150, 20, 40)}/>
            <String ID="S6" {pos(380, 150, 100, 40)} CONTENT="came" WC="0.97"/><SP ID="SP5" {pos(480, 150, 20, 40)}/>
            <String ID="S7" {pos(500, 150, 120, 40)} CONTENT="today." WC="0.97"/>
          </TextLine>
        </TextBlock>
      </PrintSpace>
    </Page>
  </Layout>
</alto>
'''.encode()


@pytest.mark.parametrize("unit,scale,px_per_unit", [("mm10", 254 / 300, 300 / 254), ("inch1200", 4.0, 0.25)])
def test_abbyy_like_alto_is_read_and_written_correctly(unit, scale, px_per_unit, tmp_path):
    data = abbyy_like(unit, scale)
    f = read(data, name="letter")
    assert f.format == "alto" and f.engine == "Some Engine" and unit in f.version
    words = f.ocr.words
    assert words[3].text == "corres\N{NOT SIGN}"  # the HYP is part of the printed line
    assert words[1].box == (240, 100, 440, 140)  # converted back to pixels at 300 dpi
    r = clean(f)
    assert r.text == "Dear friend, your correspondence came today.\n"
    out = write_as(r, "same", tmp_path / "letter.alto.xml")
    src_root, out_root = parse(data.decode()), parse(out)
    assert_nothing_lost(src_root, out_root, "alto")
    ns = "{http://www.loc.gov/standards/alto/ns-v2#}"
    s4, s5 = out_root.find(f".//{ns}String[@ID='S4']"), out_root.find(f".//{ns}String[@ID='S5']")
    assert (s4.get("CONTENT"), s4.get("SUBS_TYPE"), s4.get("SUBS_CONTENT")) == ("corres", "HypPart1", "correspondence")
    assert (s5.get("CONTENT"), s5.get("SUBS_TYPE"), s5.get("SUBS_CONTENT")) == ("pondence", "HypPart2", "correspondence")
    assert [h.get("CONTENT") for h in out_root.iter(f"{ns}HYP")] == ["\N{NOT SIGN}"]  # kept, not doubled
    assert out_root.findtext(f".//{ns}MeasurementUnit") == unit
    steps = out_root.findall(f".//{ns}OCRProcessing/*")
    assert [local(s) for s in steps] == ["ocrProcessingStep", "postProcessingStep"]
    assert checks.alto_problems(out_root) == []


# -- hostile and bad input ----------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE alto [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#"><Layout><Page ID="p" PHYSICAL_IMG_NR="1"><PrintSpace>
<TextBlock ID="b"><TextLine ID="l"><String ID="s" HPOS="0" VPOS="0" WIDTH="9" HEIGHT="9" CONTENT="&lol9;"/>
</TextLine></TextBlock></PrintSpace></Page></Layout></alto>
"""


def external_entity(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE PcGts [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            f'<PcGts xmlns="{PAGE_NS}"><Page imageFilename="x" imageWidth="9" imageHeight="9">'
            '<TextRegion id="r"><Coords points="0,0 9,0 9,9 0,9"/><TextLine id="l"><Coords points="0,0 9,0 9,9 0,9"/>'
            '<TextEquiv><Unicode>&xxe;</Unicode></TextEquiv></TextLine></TextRegion></Page></PcGts>\n').encode()


def test_hostile_xml_is_refused_one_line_each_and_the_batch_goes_on(book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("THE-SECRET-PASSWORD\n")
    batch = tmp_path / "in"
    batch.mkdir()
    (batch / "a_bomb.xml").write_bytes(BILLION_LAUGHS)
    (batch / "b_xxe.xml").write_bytes(external_entity(secret))
    (batch / "c_big.xml").write_bytes(book["alto"].read_bytes() + b"<!--" + b" " * 200_000 + b"-->")
    (batch / "d_good.xml").write_bytes(book["alto"].read_bytes())
    (batch / "e_broken.xml").write_bytes(book["alto"].read_bytes()[:-200])
    done, errors = [], {}
    for path in sorted(batch.iterdir()):  # what a batch does: one bad file costs only itself
        try:
            done.append(clean(path, max_bytes=150_000))
        except OcrmendError as exc:
            errors[path.name] = exc
    assert [r.name for r in done] == ["d_good"] and done[0].text == book["image_result"].text
    assert sorted(errors) == ["a_bomb.xml", "b_xxe.xml", "c_big.xml", "e_broken.xml"]
    for name, exc in errors.items():
        msg = str(exc)
        assert isinstance(exc, InputError) and exc.exit_code == EXIT_SOME_FAILED
        assert "\n" not in msg and msg.startswith(name.split(".")[0]) or msg.startswith(str(batch)), msg
        assert "SECRET" not in msg
    assert "declares XML entities" in str(errors["a_bomb.xml"]) and "declares XML entities" in str(errors["b_xxe.xml"])
    assert "over the limit of 150000" in str(errors["c_big.xml"])
    assert "not well-formed XML" in str(errors["e_broken.xml"])


def test_entities_are_never_resolved_even_past_the_declaration_check(tmp_path):
    """Defence in depth: the parser itself resolves nothing and fetches nothing."""
    from pipeline.formats import safexml

    secret = tmp_path / "secret.txt"
    secret.write_text("THE-SECRET-PASSWORD\n")
    root = etree.fromstring(external_entity(secret), safexml._parser())
    assert "SECRET" not in etree.tostring(root, encoding="unicode")


def test_detection_is_by_content_not_suffix(book, tmp_path):
    odd = tmp_path / "scan.txt"
    odd.write_bytes(book["page"].read_bytes())
    assert clean(odd).format == "page"
    assert detect(book["hocr"].read_bytes()) == "hocr" and detect(b"<html><p>hello</p></html>") is None
    assert ".xml" in FORMAT_SUFFIXES and ".hocr" in FORMAT_SUFFIXES
    plain = tmp_path / "notes.xml"
    plain.write_text("<notes>not OCR</notes>")
    assert [detect_file(p) for p in (odd, plain, tmp_path / "missing.xml")] == ["page", None, None]
    assert clean(plain).text.strip() == "<notes>not OCR</notes>"  # not a format: cleaned as the text it is
    with pytest.raises(InputError, match="not an hOCR, ALTO or PAGE document"):
        read(plain)


def test_parsed_file_and_model_are_accepted_and_pickle(book, monkeypatch):
    import pickle

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the processing date, fixed

    f = read(book["alto"])
    assert isinstance(f, OcrFile)
    r1, r2 = clean(f), clean(f.ocr, name="keeper")
    assert r1.text == r2.text == book["image_result"].text
    again = pickle.loads(pickle.dumps(r1))
    assert again == r1 and again.source == f and render(again, "same") == render(r1, "same")
    assert "2026-01-01T00:00:00+00:00" in render(r1, "same")


# -- declared regions, other versions and dialects -----------------------------------------
def alto_with_tags() -> bytes:
    def line(lid, y, words):
        out, x = [], 100
        for k, w in enumerate(words.split()):
            out.append(f'<String ID="{lid}_{k}" HPOS="{x}" VPOS="{y}" WIDTH="{20 * len(w)}" HEIGHT="30" CONTENT="{w}"/>')
            x += 20 * len(w) + 15
        return f'<TextLine ID="{lid}">{"<SP/>".join(out)}</TextLine>'

    body = "".join(line(f"L{i}", 300 + 45 * i, "the quiet harbour lay under a low grey sky all day") for i in range(8))
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">
<Description><MeasurementUnit>pixel</MeasurementUnit></Description>
<Tags><StructureTag ID="T1" LABEL="page number"/><LayoutTag ID="T2" TYPE="margin note"/></Tags>
<Layout>
<Page ID="P1" PHYSICAL_IMG_NR="1" WIDTH="1400" HEIGHT="1900">
<TopMargin><TextBlock ID="TM">{line("H", 80, "THE HARBOUR BOOK")}</TextBlock></TopMargin>
<PrintSpace>
<TextBlock ID="B1">{body}</TextBlock>
<TextBlock ID="N1" TAGREFS="T1">{line("N", 700, "7")}</TextBlock>
<TextBlock ID="M1" TAGREFS="T2">{line("M", 900, "see p. 4")}</TextBlock>
</PrintSpace>
</Page>
<Page ID="P2" PHYSICAL_IMG_NR="2" WIDTH="1400" HEIGHT="1900"><PrintSpace>
<TextBlock ID="B2">{line("Z", 300, "Second page words")}</TextBlock></PrintSpace></Page>
</Layout>
</alto>
'''.encode()


def test_alto_tags_and_margins_are_evidence_and_pages_are_form_feeds():
    r = clean(alto_with_tags())
    kinds = {b["text"]: (b["kind"], b.get("reason", "")) for b in r.blocks}
    assert kinds["THE HARBOUR BOOK"][0] == "header" and "ALTO TopMargin" in kinds["THE HARBOUR BOOK"][1]
    assert kinds["7"][0] == "page_number" and "declared 'page number' by the file (ALTO TAGREFS T1)" in kinds["7"][1]
    assert kinds["see p. 4"][0] == "footnote" and "margin note" in kinds["see p. 4"][1]
    assert r.pages == 2 and "\f" in r.raw and r.text.rstrip().endswith("Second page words")


def test_page_2013_reading_order_and_line_level_text(book):
    xml = book["page"].read_text(encoding="utf-8").replace("2019-07-15", "2013-07-15")
    # a line-level file: words only in the line's TextEquiv (as handwriting tools write it)
    root = etree.fromstring(xml.encode())
    ns = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15}"
    for word in list(root.iter(f"{ns}Word")):
        word.getparent().remove(word)
    f = read(etree.tostring(root), name="lines")
    assert f.version == "PAGE 2013"
    r = clean(f)
    assert "few illusions about the work" in r.text
    out = parse(render(r, "same"))
    lines = [u.text for u in out.iter(f"{ns}Unicode") if u.getparent().getparent().tag == f"{ns}TextLine"]
    assert "of the cliffs to the south. He had few illu-" in lines  # the printed line is kept
    assert "ocrmend" in out.findtext(f".//{ns}Comments")  # 2013 has no MetadataItem


def test_hocr_written_as_plain_html_is_read(book):
    html = book["hocr"].read_text(encoding="utf-8").split("?>", 1)[1].replace("<title></title>", "<title>a&nbsp;b</title>")
    r = clean(html.encode())
    assert r.format == "hocr" and r.text == book["image_result"].text
    assert "ocrx_word" in render(r, "same")


def test_the_module_writes_each_file_and_reports_bad_ones_in_one_line(book, tmp_path):
    import subprocess
    import sys

    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(BILLION_LAUGHS)
    out = subprocess.run([sys.executable, "-m", "pipeline.formats", str(book["alto"]), str(bomb), str(book["hocr"]),
                          "--to", "page", "-o", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == EXIT_SOME_FAILED
    assert out.stdout.split() == [str(tmp_path / "out" / "keeper.page.xml")] * 2
    assert out.stderr.count("\n") == 1 and "bomb" in out.stderr and "declares XML entities" in out.stderr
    assert page_schema().validate(etree.parse(str(tmp_path / "out" / "keeper.page.xml")))


#: a word's text and confidence as each format writes them (for damaging the test page)
WORD_PATTERNS = {
    "alto": r'WC="[\d.]+" CONTENT="{w}"',
    "hocr": r"x_wconf \d+'>{w}<",
    "page": r'<TextEquiv conf="[\d.]+">\s*<Unicode>{w}</Unicode>',
}


def misread(fmt: str, src: str, word: str, wrong: str, conf: int) -> str:
    """``src`` with ``word`` read as ``wrong`` at confidence ``conf`` (0-100)."""
    import re

    new = {"alto": f'WC="{conf / 100:.2f}" CONTENT="{wrong}"', "hocr": f"x_wconf {conf}'>{wrong}<",
           "page": f'<TextEquiv conf="{conf / 100:.2f}"><Unicode>{wrong}</Unicode>'}[fmt]
    out, n = re.subn(WORD_PATTERNS[fmt].format(w=word), new, src)
    assert n == 1, (fmt, word, n)
    return out


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_a_misread_word_is_corrected_in_place_and_a_doubtful_one_flagged(book, fmt, tmp_path):
    src = book[fmt].read_text(encoding="utf-8")
    src = misread(fmt, src, "careful", "carefnl", 40)  # a low-confidence misread: corrected
    src = misread(fmt, src, "museum", "rnuseum", 96)   # a confident one: only flagged
    damaged = tmp_path / f"damaged-{book[fmt].name}"
    damaged.write_text(src, encoding="utf-8")
    r = clean(damaged)
    assert "kept a careful log" in r.text and "rnuseum" in r.text
    assert any(c["before"] == "carefnl" and c["after"] == "careful" for c in r.changes)
    flag = next(f for f in r.flags if f["text"] == "rnuseum")
    out = parse(write_as(r, "same", tmp_path / output_name("fixed", fmt)))
    before, after = word_elements(parse(damaged), fmt), word_elements(out, fmt)
    i = next(k for k, e in enumerate(before) if word_text(e, fmt) == "carefnl")
    ident = "ID" if fmt == "alto" else "id"
    assert word_text(after[i], fmt) == "careful" and after[i].get(ident) == before[i].get(ident)
    assert box_attrs(after[i], fmt) == box_attrs(before[i], fmt)
    j = next(k for k, e in enumerate(before) if word_text(e, fmt) == "rnuseum")
    flagged = after[j]
    assert word_text(flagged, fmt) == "rnuseum"  # a flag never changes text
    if fmt == "alto":
        tag = out.find(f".//{{{ALTO3}}}OtherTag[@ID='{flagged.get('TAGREFS')}']")
        assert (tag.get("TYPE"), tag.get("LABEL")) == ("ocrmend-flag", flag["rule"])
    elif fmt == "hocr":
        assert flagged.get("data-ocrmend-flags") == flag["rule"] and flagged.get("data-ocrmend-reasons")
    else:
        assert flagged.get("custom") == f"ocrmend {{flags:{flag['rule']};}}"
        line = after[i].getparent()  # the line's own text follows its words
        assert "kept a careful log" in line.find(f"{{{PAGE_NS}}}TextEquiv/{{{PAGE_NS}}}Unicode").text
        assert page_schema().validate(etree.ElementTree(out))
    if fmt == "alto":
        assert checks.alto_problems(out) == []


def test_damaged_files_give_a_result_or_one_line_never_a_traceback(book):
    """Truncated files, and files with attributes and elements knocked out at random."""
    import random

    rng = random.Random(8)
    for fmt in ("hocr", "alto", "page"):
        data = book[fmt].read_bytes()
        cuts = [data[: rng.randrange(len(data))] for _ in range(12)]
        mangled = []
        for _ in range(25):
            root = parse(book[fmt])
            els = [e for e in root.iter() if isinstance(e.tag, str)]
            for _ in range(rng.randrange(1, 6)):
                e = rng.choice(els)
                if e.attrib and rng.random() < 0.6:
                    k = rng.choice(list(e.attrib))
                    e.set(k, rng.choice(["", "x", "-5", "1e9", "nan", "0,0 a,b"])) if rng.random() < 0.5 else e.attrib.pop(k)
                elif e.getparent() is not None:
                    e.getparent().remove(e)
            mangled.append(etree.tostring(root))
        for doc in cuts + mangled:
            try:
                r = clean(doc)
            except OcrmendError as exc:
                assert "\n" not in str(exc)
                continue
            for target in ("same", "hocr", "alto"):
                try:
                    render(r, target)
                except OcrmendError as exc:
                    assert "\n" not in str(exc)


def test_hocr_lines_without_words_are_read_and_written(book):
    import re

    src = book["hocr"].read_text(encoding="utf-8")
    lines_only = re.sub(r"<span class='ocrx_word'[^>]*>([^<]*)</span>", r"\1", src)
    assert "ocrx_word" not in lines_only.split("</head>")[1]
    r = clean(lines_only)
    assert r.text == book["image_result"].text
    out = render(r, "same")
    assert "illu-" in out and "sions" in out  # as printed: a line keeps its own text
    assert clean(out).text == r.text


# -- the fast paths keep the file's words and elements lined up ----------------------------
@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_the_writer_gets_every_word_of_the_model_with_its_element(book, fmt):
    """The words a writer corrects are the model's words, in the model's order, each in an
    element of the tree it is handed (the reader keeps no object a word; this lines them up)."""
    f = read(book[fmt])
    root, refs = f.walk()
    assert [(w.text, w.box, w.conf) for w in refs.words] == [(w.text, w.box, w.conf) for w in f.ocr.words]
    assert len(refs.els) == len(f.ocr.words) and all(el.getroottree().getroot() is root for el in refs.els)
    tag = {"hocr": "span", "alto": "String", "page": "Word"}[fmt]
    assert {local(el) for el in refs.els} == {tag}


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page"])
def test_one_file_written_twice_gives_the_same_file(book, fmt, monkeypatch):
    """The first writer takes the tree read (no copy); a second one parses the bytes again and
    writes the same file, and the file read is left as it was."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    f = read(book[fmt])
    data = f.data
    r = clean(f)
    first, second = render(r, "same"), render(r, "same")
    assert first == second and f.data == data == book[fmt].read_bytes()
    assert clean(first).text == r.text


def test_hocr_paragraphs_of_one_block_stay_apart():
    """Two ``ocr_par`` of one ``ocr_carea`` are two paragraphs (a blank line between), however
    many there are: the walk keeps each paragraph's element while it groups lines by it."""
    pars = "".join(
        f"<p class='ocr_par' id='par_{k}'><span class='ocr_line' id='line_{k}' title='bbox 100 {100 + 60 * k} 600 "
        f"{140 + 60 * k}'><span class='ocrx_word' id='w_{k}_1' title='bbox 100 {100 + 60 * k} 300 {140 + 60 * k}; "
        f"x_wconf 95'>word{k}</span> <span class='ocrx_word' id='w_{k}_2' title='bbox 320 {100 + 60 * k} 600 "
        f"{140 + 60 * k}; x_wconf 95'>end{k}</span></span></p>"
        for k in range(12))
    hocr = ("<html xmlns='http://www.w3.org/1999/xhtml'><head><title/><meta name='ocr-system' content='hand'/></head>"
            "<body><div class='ocr_page' id='page_1' title='bbox 0 0 1400 1900'>"
            f"<div class='ocr_carea' id='block_1' title='bbox 100 100 600 900'>{pars}</div></div></body></html>")
    f = read(hocr)
    assert f.ocr.text == "\n\n".join(f"word{k} end{k}" for k in range(12)) + "\n"
    assert [ln.par for ln in f.ocr.lines] == list(range(12))


def test_entity_declarations_in_utf16_are_refused_too(tmp_path):
    """The declaration check searches the UTF-16 and UTF-32 spellings whenever a file has zero
    bytes (and the UTF-8 one always)."""
    bomb = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE alto [<!ENTITY a "aaaa">]>'
            '<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#"><Layout/></alto>')
    for enc in ("utf-16", "utf-16-be"):
        with pytest.raises(InputError, match="declares XML entities"):
            read(bomb.encode(enc), fmt="alto")


def test_a_no_op_hocr_copy_has_each_element_with_the_same_attributes(book):
    """Written as XML, not in libxml2's XHTML mode (which adds a Content-Type ``meta`` to a head
    without one): every element of the copy is the input's, with exactly its attributes, and
    the only new element is the processing meta."""
    import re

    hocr = re.sub(r"\s*<meta http-equiv[^>]*>", "", book["hocr"].read_text(encoding="utf-8"))
    assert "http-equiv" not in hocr
    r = clean(hocr, **ALL_OFF)
    out = render(r, "same")
    src = [(e.tag, dict(e.attrib)) for e in parse(hocr).iter() if isinstance(e.tag, str)]
    got = [(e.tag, dict(e.attrib)) for e in parse(out).iter()
           if isinstance(e.tag, str) and e.get("name") != "ocrmend"]
    assert got == src
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC')


# -- the short ways read exactly what the general way reads -------------------------------
HOCR_LINES = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title>
<meta name='ocr-system' content='tesseract 5.3.0' /></head><body>
<div class='ocr_page' title='bbox 0 0 900 600'><div class='ocr_carea'><p class='ocr_par'>
<span class='ocr_line' title='bbox 10 10 400 40'>
 <span class='ocrx_word' title='bbox 10 10 60 40; x_wconf 96'>plain</span>
 <span class='ocrx_word' title='bbox 70 10 120 40; x_wconf 91'>words</span>
</span>
<span class='ocr_line' title='bbox 10 50 400 80'>{odd}</span>
</p></div></div></body></html>"""

#: word elements Tesseract's short way must hand to the general one, each alone in a line
ODD_HOCR_WORDS = [
    "<span class='ocrx_word' title='bbox 10 50 10 80; x_wconf 90'>narrow</span>",  # empty box
    "<span class='ocrx_word' title='bbox 10 50 60 80; x_wconf 150'>over</span>",  # conf over 100
    "<span class='ocrx_word' title='bbox 10 50 60 80; x_wconf 90; x_font Serif'>more</span>",
    "<span class='ocrx_word' title='bbox 10.6 50 60 80; x_wconf 90'>decimal</span>",
    "<span class='ocrx_word' title='bbox \u0661\u0660 50 60 80; x_wconf 90'>digits</span>",  # Arabic-Indic
    "<span class='ocrx_word' title='bbox 10 50 60 80'>noconf</span>",
    "<span class='ocrx_word'>notitle</span>",
    "<span class='ocrx_word' title='bbox 10 50 60 80; x_wconf 90'> spaced </span>",
    "<span class='ocrx_word' title='bbox 10 50 60 80; x_wconf 90'><strong>bold</strong></span>",
    "<span class='ocrx_word' title='bbox 10 50 60 80; x_wconf 90'></span>",  # no text: no word
    "<span class='ocrx_word' title='bbox 10 50 60 80; x_wconf 90&#10;bbox 1 2 3 4; x_wconf 5'>nl</span>",
]


def _lines_read(walked):
    return [[(tuple(w), el) for w, el in zip(ln.words, ln.els)]
            for p in walked.pages for b in p.blocks for par in b.paragraphs for ln in par]


@pytest.mark.parametrize("odd", ODD_HOCR_WORDS)
def test_hocr_short_way_reads_what_the_word_at_a_time_way_reads(odd, monkeypatch):
    from pipeline.formats import hocr, safexml

    root = safexml.parse(HOCR_LINES.format(odd=odd).encode(), "t")
    runs = []
    real_run = hocr._tesseract_run
    monkeypatch.setattr(hocr, "_tesseract_run", lambda els: runs.append(real_run(els)) or runs[-1])
    fast = hocr.walk(root, "t")
    assert runs[0] is not None and runs[1] is None  # the plain line went the short way, the odd one not
    monkeypatch.setattr(hocr, "_tesseract_run", lambda els: None)
    slow = hocr.walk(root, "t")
    assert _lines_read(fast) == _lines_read(slow)
    assert (fast.pages[0].width, fast.pages[0].height) == (slow.pages[0].width, slow.pages[0].height)


def pword(points: str | None, text: str, conf: str | None = None, inner: str | None = None) -> str:
    """A PAGE ``Word`` (``inner`` replaces its Coords when given)."""
    coords = inner if inner is not None else (f'<Coords points="{points}"/>' if points is not None else "")
    attr = f' conf="{conf}"' if conf is not None else ""
    return f"<Word>{coords}<TextEquiv{attr}><Unicode>{text}</Unicode></TextEquiv></Word>"


PAGE_LINE = """<PcGts xmlns="{ns}"><Page imageWidth="900" imageHeight="600">
<TextRegion id="r1"><Coords points="0,0 900,0 900,600 0,600"/>
<TextLine id="l1"><Coords points="10,10 400,10 400,40 10,40"/>{plain}</TextLine>
<TextLine id="l2"><Coords points="10,50 400,50 400,80 10,80"/>{first}{odd}</TextLine>
</TextRegion></Page></PcGts>"""
PLAIN_PAGE_WORDS = pword("10,10 60,10 60,40 10,40", "plain", "0.96") + pword("70,10 120,10 120,40 70,40", "words", "0.5")
RECT = "70,50 120,50 120,80 70,80"

ODD_PAGE_WORDS = [
    pword("70,50 70,50 70,80 70,80", "narrow"),
    pword("70,50 120,50 120,80 75,80", "skewed"),
    pword("70,50 120,52 118,80 71,79 69,60", "polygon"),
    pword("070,50 120,50 120,80 70,80", "zero"),
    pword("\u0667\u0660,50 120,50 120,80 \u0667\u0660,80", "digits"),  # Arabic-Indic digits
    pword("70.5,50 120,50 120,80 70.5,80", "half"),
    pword(RECT + "&#10;1,1 2,1 2,2 1,2", "nl"),
    pword(None, "old", inner='<Coords><Point x="70" y="50"/><Point x="120" y="80"/></Coords>'),
    pword(None, "nocoords"),
    pword(RECT, "nan", "nan"),
    pword(RECT, "high", "1.7"),
    pword(RECT, "low", "-1"),
    pword(RECT, "empty", ""),
    pword(RECT, "bad", "x"),
    pword(RECT, "noconf"),
    f'<Word><Coords points="{RECT}"/><TextEquiv index="2" conf="0.2"><Unicode>second</Unicode></TextEquiv>'
    '<TextEquiv index="1" conf="0.8"><Unicode>chosen</Unicode></TextEquiv></Word>',
    pword(RECT, "  "),
]


def _page_line_reference(line_el, q):
    """A line's words read one by one with the module's general helpers (no short way)."""
    from pipeline.formats import page

    out = []
    for w in line_el.iterchildren(q.word):
        te = page.text_equiv(w)
        text = " ".join(page.equiv_text(te).split())
        if te is None or not text:
            continue
        box = page.coords_box(w) or page.coords_box(line_el) or (0, 0, 1, 1)
        conf = page.equiv_conf(te) if te.get("conf") is not None else 100.0
        out.append(((text, box, conf), w))
    return out


@pytest.mark.parametrize("odd", ODD_PAGE_WORDS)
def test_page_short_way_reads_what_the_general_helpers_read(odd):
    from pipeline.formats import page, safexml

    first = pword("10,50 60,50 60,80 10,80", "first", "0.9")
    root = safexml.parse(PAGE_LINE.format(ns=PAGE_NS, plain=PLAIN_PAGE_WORDS, first=first, odd=odd).encode(), "t")
    q = page._Names(PAGE_NS)
    lines = list(root.iter(q.line))
    assert page._rect_boxes([w[0] for w in lines[0].iterchildren(q.word)]) is not None  # the short way runs
    for line_el in lines:
        line = page._line(line_el, q)
        assert [(tuple(w), el) for w, el in zip(line.words, line.els)] == _page_line_reference(line_el, q)


@pytest.mark.parametrize("wc, conf", [("0.93", 93.0), ("1.5", 100.0), ("-0.2", 0.0), ("nan", 100.0),
                                      ("inf", 100.0), ("abc", 100.0), (None, 100.0)])
def test_alto_word_confidence_is_clamped_to_0_100(wc, conf):
    from pipeline.formats import alto, safexml

    attr = f' WC="{wc}"' if wc is not None else ""
    doc = (f'<alto xmlns="{ALTO3}"><Layout><Page WIDTH="100" HEIGHT="50"><PrintSpace><TextBlock><TextLine>'
           f'<String HPOS="1" VPOS="2" WIDTH="20" HEIGHT="10" CONTENT="word"{attr}/>'
           '</TextLine></TextBlock></PrintSpace></Page></Layout></alto>')
    walked = alto.walk(safexml.parse(doc.encode(), "t"), "t")
    (w,) = walked.pages[0].blocks[0].paragraphs[0][0].words
    assert (w.text, w.box, w.conf) == ("word", (1, 2, 21, 12), conf)


def test_model_words_in_is_the_overlap_of_each_word_with_the_span():
    from pipeline.ocr.model import OcrDocument, PageContent

    doc = OcrDocument("t")
    for _ in range(2):
        doc.add_page(PageContent(width=100, height=100, blocks=[
            [[[("ab", (0, 0, 5, 5), 90), ("", (6, 0, 7, 5), 90), ("c", (8, 0, 9, 5), 90)],
              [("de", (0, 6, 5, 9), 90)]]],
            [[[("fgh", [0, 20, 9, 25], 80)]]]]))
    doc.check()
    n = len(doc.text)
    for s in range(-1, n + 2):
        for e in range(s - 1, n + 2):
            expected = [w for w in doc.words if w.end > s and (w.start < e or w.start <= s) and w.start < max(e, s + 1)]
            assert doc.words_in(s, e) == expected, (s, e)
            assert [doc.words[i] for i in doc.word_range(s, e)] == expected
    w = doc.words[-1]
    assert w.box == (0, 20, 9, 25) and isinstance(w.conf, float) and doc.lines[-1].box == (0, 20, 9, 25)
    assert hash(w) == hash(doc.words[-1]) and {w, doc.lines[0], doc.blocks[0]}  # immutable, hashable
    with pytest.raises(AttributeError):
        w.text = "x"  # type: ignore[misc]


def test_union_of_no_boxes_is_an_error():
    from pipeline.ocr.model import union

    with pytest.raises(ValueError):
        union([])
    assert union(iter([(3, 4, 5, 6), [1, 9, 2, 10]])) == (1, 4, 5, 10)
