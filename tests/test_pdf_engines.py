"""The PDFium engine reads every PDF layout exactly as the pdfplumber reference does, and the
grid rules it shares with pdfplumber behave on merged cells and broken rules."""

import pytest

from parsers.pdf import parse_pdf
from parsers.ruled import Edge, Glyph, find_grids, page_text
from replica.render_formats import render_libreoffice_pdf, turned_pdf
from replica.seeds import load_fixture
from tests.conftest import FIXTURES


class _Layouts(dict):
    """Both seeds in both PDF layouts (reportlab's, and LibreOffice's export of the DOCX), and
    reportlab's with its landscape pages stored turned, shown upright by /Rotate 90 or 270;
    each rendered when a test first asks for it (LibreOffice takes seconds)."""

    def __init__(self, seed_pdfs):
        super().__init__()
        self.seed_pdfs = seed_pdfs

    def __missing__(self, layout: str) -> bytes:
        seed, how = layout.split("-")
        if how == "reportlab":
            data = self.seed_pdfs[seed]
        elif how == "libreoffice":
            data = render_libreoffice_pdf(load_fixture(FIXTURES / f"seed_{seed}.json"))
        else:
            data = turned_pdf(self.seed_pdfs[seed], int(how.removeprefix("rotate")))
        self[layout] = data
        return data


@pytest.fixture(scope="module")
def layouts(seed_pdfs):
    return _Layouts(seed_pdfs)


LAYOUTS = ["001-reportlab", "002-reportlab", "001-libreoffice", "002-libreoffice", "001-rotate90", "002-rotate270"]


BOX_TOLERANCE = 2.5  # points: the engines measure a glyph's height differently (PDFium's loose box, the font's)


def split_boxes(parsed: dict) -> tuple[dict, dict]:
    """A parse's JSON without its boxes, and the boxes by what they place (cells, claims, fields)."""
    boxes = {}
    for c in parsed["cells"]:
        boxes[("cell", c["table"], c["row"], c["col"])] = c.pop("bbox", None)
    for c in parsed["claims"]:
        boxes[("claim", c["seq"])] = c.pop("bbox", None)
    for ev in parsed["evaluations"]:
        for name, box in ev.pop("boxes", {}).items():
            boxes[("evaluation", ev["seq"], name)] = box
    return parsed, boxes


def assert_same_boxes(boxes: dict, reference: dict) -> None:
    assert boxes.keys() == reference.keys()
    for key, box in boxes.items():
        assert (box is None) == (reference[key] is None), key
        if box is not None:
            assert box[0] == reference[key][0], key  # the page
            assert max(abs(a - b) for a, b in zip(box[1:], reference[key][1:], strict=True)) <= BOX_TOLERANCE, key


@pytest.mark.slow  # the pdfplumber reference is the slow reader (about 7×): 50 s for the six
@pytest.mark.parametrize("layout", LAYOUTS)
def test_pdfium_engine_matches_the_pdfplumber_reference(layouts, layout):
    fast, fast_boxes = split_boxes(parse_pdf(layouts[layout], layout, engine="pdfium").to_json())
    reference, reference_boxes = split_boxes(parse_pdf(layouts[layout], layout, engine="pdfplumber").to_json())
    assert len(fast["cells"]) > 150 and fast["claims"] and fast["evaluations"]
    assert fast == reference
    # Both engines place every cell and claim, each within a glyph's measure of the other.
    assert all(fast_boxes[k] for k in fast_boxes if k[0] in ("cell", "claim"))
    assert_same_boxes(fast_boxes, reference_boxes)


@pytest.mark.parametrize("layout", ["001-rotate90", "002-rotate270"])
def test_turned_pages_read_as_displayed(layouts, layout):
    seed = layout[:3]
    turned, turned_boxes = split_boxes(parse_pdf(layouts[layout], "x").to_json())
    upright, upright_boxes = split_boxes(parse_pdf(layouts[f"{seed}-reportlab"], "x").to_json())
    assert turned == upright
    assert_same_boxes(turned_boxes, upright_boxes)  # boxes on the page as displayed, not as stored


def test_an_unknown_engine_stops_the_parse_instead_of_failing_each_file(monkeypatch, seed_pdfs):
    from parsers import parse_bytes
    from parsers.model import ConfigurationError

    monkeypatch.setenv("DISCLOSURE_PDF_ENGINE", "pdfbox")
    with pytest.raises(ConfigurationError, match="DISCLOSURE_PDF_ENGINE='pdfbox': choose one of pdfium, pdfplumber"):
        parse_bytes(seed_pdfs["001"], "001.pdf")


def _glyphs(text: str, x: float, top: float, width: float = 9.0) -> list[Glyph]:
    return [Glyph(ch, x + i * width, top, x + (i + 1) * width, top + 10) for i, ch in enumerate(text)]


def _box(x0: float, top: float, x1: float, bottom: float) -> list[Edge]:
    return [
        Edge(True, top, x0, x1),
        Edge(True, bottom, x0, x1),
        Edge(False, x0, top, bottom),
        Edge(False, x1, top, bottom),
    ]


def test_merged_header_spans_are_none_and_near_rules_snap_together():
    # A two-row table: the header cell spans both columns; the rules are drawn per cell and
    # one of them sits 1.5 pt off, as exporters draw them.
    edges = [
        Edge(True, 100, 50, 250),
        Edge(True, 121.5, 50, 150),
        Edge(True, 120, 150, 250),
        Edge(True, 140, 50, 250),
        Edge(False, 50, 100, 140),
        Edge(False, 250, 100, 140),
        Edge(False, 150, 120, 140),
    ]
    glyphs = _glyphs("项目", 60, 105) + _glyphs("合计", 60, 125) + _glyphs("584.83", 160, 125, 5)
    assert find_grids(glyphs, edges) == [[["项目", None], ["合计", "584.83"]]]


def test_separate_boxes_are_separate_tables_top_to_bottom():
    edges = _box(50, 300, 150, 320) + _box(150, 300, 250, 320) + _box(50, 100, 150, 120) + _box(150, 100, 250, 120)
    glyphs = _glyphs("下", 60, 305) + _glyphs("上", 60, 105)
    assert find_grids(glyphs, edges) == [[["上", ""]], [["下", ""]]]


def test_text_lines_split_words_at_gaps_and_keep_line_order():
    glyphs = _glyphs("本年收入", 50, 200) + _glyphs("2795.38", 200, 201, 5) + _glyphs("收入决算表", 50, 100)
    assert page_text(glyphs) == "收入决算表\n本年收入 2795.38"


@pytest.mark.parametrize(
    "above, row, joined",
    [
        # the rest of a tall indicator row: text under text, no figure
        (
            ["", "效益指标", "社会效", "维持补助", "20", "0"],
            ["", "", "益", "对象生活", "", ""],
            ["", "效益指标", "社会效\n益", "维持补助\n对象生活", "20", "0"],
        ),
        # a row of its own: it holds figures
        (["", "产出指标", "数量指标", "补助人数", "20", "20"], ["", "", "质量指标", "合格率", "10", "10"], None),
        # a row of its own: it opens a field, though its text sits under text
        (["项目名称", "", "机要密码专项经费", ""], ["主管部门", "", "101-中共忻州市委办公室", ""], None),
        # text where the row above is blank cannot be the rest of it
        (["年度目标", "", "", ""], ["", "保障运转", "", ""], None),
    ],
)
def test_a_row_broken_across_pages_is_joined_only_when_it_is_a_rest(above, row, joined):
    from parsers.evaluations import join_split_row

    assert join_split_row(above, row) == joined


def test_rules_drawn_inside_a_form_xobject_are_found():
    """A table drawn once as a Form XObject and placed scaled (stamping tools and some report
    generators draw this way): PDFium's grid is pdfplumber's."""
    import io

    from reportlab.pdfgen import canvas

    from parsers.pdf import ENGINES, TextLayer
    from replica.render_pdf import FONT

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(842, 595))
    c.beginForm("grid")
    for i in range(4):
        c.line(0, i * 20, 300, i * 20)
    for x in (0, 120, 210, 300):
        c.line(x, 0, x, 60)
    c.setFont(FONT, 9)
    for r, row in enumerate(
        [("项目", "本年收入合计", "财政拨款收入"), ("栏次", "1", "2"), ("合计", "584.83", "584.54")]
    ):
        for x, text in zip((5, 125, 215), row):
            c.drawString(x, 46 - 20 * r, text)
    c.endForm()
    c.translate(100, 300)
    c.scale(1.2, 1.2)
    c.doForm("grid")
    c.showPage()
    c.save()
    grids = {name: list(read(buf.getvalue(), "form.pdf", TextLayer()))[0].grids() for name, read in ENGINES.items()}
    assert (
        grids["pdfium"]
        == grids["pdfplumber"]
        == [[["项目", "本年收入合计", "财政拨款收入"], ["栏次", "1", "2"], ["合计", "584.83", "584.54"]]]
    )


def test_fake_bold_glyphs_printed_twice_read_once():
    import io

    from reportlab.pdfgen import canvas

    from parsers.pdf import ENGINES, TextLayer
    from replica.render_pdf import FONT

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    for x, y, text in ((100, 700, "合计"), (100, 680, "收入支出决算表"), (300, 700, "584.83")):
        c.setFont(FONT, 10)
        c.drawString(x, y, text)
        if text != "584.83":
            c.drawString(x + 0.4, y, text)  # drawn again a hair to the right: bold without a bold font
    c.showPage()
    c.save()
    texts = {name: list(read(buf.getvalue(), "bold.pdf", TextLayer()))[0].text for name, read in ENGINES.items()}
    assert texts["pdfium"] == texts["pdfplumber"] == "合计 584.83\n收入支出决算表"


@pytest.mark.parametrize(
    "text, garbage",
    [
        ("收入支出决算表\n合计 584.83 \ufffd", False),  # one symbol without a Unicode name
        ("\ufffd\ufffd\ufffd表 OQ\ufffd", True),
        ("(cid:31639)(cid:34920) 公开", True),
        ("\ue000\ue001\ue002\ue003 决算", True),  # private-use codes
    ],
)
def test_a_page_is_garbage_when_a_tenth_of_its_glyphs_have_no_name(text, garbage):
    from parsers.pdf import TextLayer

    layer = TextLayer()
    layer.page(1, text, False, None)
    assert layer.garbage_pages == int(garbage)
