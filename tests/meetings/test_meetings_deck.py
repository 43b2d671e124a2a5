"""The deck read back with python-pptx (slides, titles, native charts and tables, a:ea and zh-CN on every Chinese run,
speaker notes with the lineage), its LibreOffice PDF (pages and Chinese text via pdftotext), and the 公示表 workbook
(totals equal the core's, print settings, formula-looking text kept as text) and its PDF."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from conftest import csv_bytes, load
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from analytics import open_db
from analytics.meetings import deck, posting, slides
from analytics.results.points import posting_totals

CJK = re.compile(r"[\u4e00-\u9fff]")
CHART_TYPES = {"COLUMN_CLUSTERED", "COLUMN_STACKED", "LINE_MARKERS", "DOUGHNUT"}


@pytest.fixture(scope="module")
def demo_cur(demo_db):
    con = open_db(demo_db)
    yield con.cursor()
    con.close()


@pytest.fixture(scope="module")
def quarter_deck(demo_cur):
    meeting = slides.build(demo_cur, "quarter", "2022Q1")
    return meeting, deck.build_deck(meeting)


def chinese_runs(root):
    for run in root.iter(qn("a:r")):
        text = "".join(t.text or "" for t in run.iter(qn("a:t")))
        if CJK.search(text):
            yield run, text


def test_the_deck_has_a_title_agenda_topics_and_closing(quarter_deck):
    meeting, content = quarter_deck
    prs = Presentation(io.BytesIO(content))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    assert len(prs.slides) == len(meeting.slides) + 3
    texts = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in prs.slides]
    assert "2022年第一季度季度讲评" in texts[0]
    assert "议程" in texts[1]
    for spec, text in zip(meeting.slides, texts[2:]):
        assert spec.title in text
        assert "数据截至" in text
    assert "近期到期任务" in texts[-1]
    titles = [s.title for s in meeting.slides]
    assert "2022年第一季度 夺旗排名" in titles and "上次讲评以来的变化" in titles


def test_charts_are_native_charts_and_tables_native_tables(quarter_deck):
    meeting, content = quarter_deck
    prs = Presentation(io.BytesIO(content))
    for spec, slide in zip(meeting.slides, list(prs.slides)[2:]):
        shapes = list(slide.shapes)
        assert not any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in shapes)
        charts = [s for s in shapes if s.has_chart]
        tables = [s for s in shapes if s.has_table]
        assert len(charts) == (1 if spec.chart else 0), spec.title
        assert len(tables) == (1 if spec.table else 0), spec.title
        for shape in charts:
            assert shape.chart.chart_type.name in CHART_TYPES
            assert list(shape.chart.plots[0].categories) == spec.chart.categories
        for shape in tables:
            assert [c.text for c in shape.table.rows[0].cells] == spec.table.columns
    flags = next(s for s in list(prs.slides)[2:] if "夺旗" in s.shapes[0].text_frame.text)
    assert next(s for s in flags.shapes if s.has_chart).chart.chart_type.name == "COLUMN_STACKED"


def test_every_chinese_run_has_the_east_asian_font(quarter_deck):
    _, content = quarter_deck
    prs = Presentation(io.BytesIO(content))
    seen = 0
    for slide in prs.slides:
        roots = [slide.shapes._spTree, slide.notes_slide.shapes._spTree]
        roots += [s.chart._chartSpace for s in slide.shapes if s.has_chart]
        for root in roots:
            for run, text in chinese_runs(root):
                rpr = run.find(qn("a:rPr"))
                assert rpr is not None, text
                assert rpr.get("lang") == "zh-CN", text
                ea = rpr.find(qn("a:ea"))
                assert ea is not None and ea.get("typeface") == deck.FONT, text
                seen += 1
    assert seen > 200


def test_speaker_notes_say_where_the_numbers_come_from(quarter_deck, demo_cur):
    meeting, content = quarter_deck
    prs = Presentation(io.BytesIO(content))
    batches = meeting.batches
    assert batches
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert f"规则第 {meeting.rule_version} 版" in notes
        assert "数据截至" in notes
        assert f"#{batches[0]}" in notes


def test_the_pdf_has_one_page_a_slide_and_the_chinese_text(quarter_deck):
    meeting, content = quarter_deck
    assert deck.office(), "LibreOffice is missing: bash scripts/setup.sh dev installs libreoffice-impress"
    assert shutil.which("pdftotext"), "pdftotext is missing: bash scripts/setup.sh dev installs poppler-utils"
    pdf = deck.to_pdf(content, ".pptx")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    assert re.search(r"Pages:\s+(\d+)", info).group(1) == str(len(meeting.slides) + 3)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    assert "季度讲评" in flat and "夺旗排名" in flat and "数据截至" in flat


def test_every_agenda_builds_a_deck(demo_cur):
    for agenda, period, kwargs in (
        ("month", "2022-03", {}),
        ("month", "2022-03", {"deputy": next(iter(slides.dp.deputies(demo_cur)))}),
        ("week", "2022-03-09", {"section": "组织科"}),
    ):
        meeting = slides.build(demo_cur, agenda, period, **kwargs)
        prs = Presentation(io.BytesIO(deck.build_deck(meeting)))
        assert len(prs.slides) == len(meeting.slides) + 3
    assert meeting.period == "2022-03-07"  # any day of the week names its Monday


def test_unknown_scopes_are_told_in_chinese(demo_cur):
    with pytest.raises(slides.DashboardError, match="不是分管部长"):
        slides.build(demo_cur, "month", "2022-03", deputy="无此人")
    with pytest.raises(slides.DashboardError, match="没有名为"):
        slides.build(demo_cur, "week", "2022-03-07", section="无此科")


def test_file_names_are_safe_on_windows():
    assert slides.safe_file_name('讲评:2022/03*"组织科"?<>|') == "讲评_2022_03__组织科_____"
    assert slides.safe_file_name(" .. ") == "导出"


# The posting ---------------------------------------------------------------------------------------


def test_posting_totals_equal_the_cores(demo_cur):
    sheet = posting.posting_sheet(demo_cur, "2022-03")
    book = openpyxl.load_workbook(io.BytesIO(posting.posting_xlsx(sheet)))
    ws = book.active
    subtotals = []
    grand = None
    for row in ws.iter_rows(min_row=4, values_only=True):
        label = row[0]
        if isinstance(label, str) and label.endswith(" 小计"):
            subtotals.append((label[: -len(" 小计")], round(row[8], 4)))
        elif label == "全部门 合计":
            grand = row[8]
    core = posting_totals(demo_cur, "2022-03")
    # Same names (the demo has two 张伟) are told apart by order: both list people by section, then person.
    assert subtotals == [(r.name, round(r.net, 4)) for r in core.itertuples()]
    assert grand == pytest.approx(core["net"].sum())


def test_posting_is_print_ready(demo_cur):
    sheet = posting.posting_sheet(demo_cur, "2022-03")
    ws = openpyxl.load_workbook(io.BytesIO(posting.posting_xlsx(sheet))).active
    assert "2022年3月" in ws["A1"].value and "公示表" in ws["A1"].value
    assert "规则：第" in ws["A2"].value and "考核期间" in ws["A2"].value
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    last = [c.value for c in ws[ws.max_row]]
    assert "签字" in last[0] and "日期" in last[0]
    assert [c.value for c in ws[3]] == posting.HEADER


def test_posting_pdf_has_every_page_and_the_signature(demo_cur):
    sheet = posting.posting_sheet(demo_cur, "2022-03")
    pdf = deck.to_pdf(posting.posting_xlsx(sheet), ".xlsx")
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode())
    assert "加减分公示表" in text and "全部门合计" in text and "审核人（签字）" in text
    pages = int(
        re.search(
            r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
        ).group(1)
    )
    assert pages > 1 and f"第{pages}页，共{pages}页" in text


def test_formula_looking_text_is_written_as_text(roster_con):
    header = ["日期", "姓名", "考核内容", "分值", "事由"]
    rows = [header, ["2022-03-02", "张三", "工作质量", 1, '=HYPERLINK("http://x","点我")']]
    load(roster_con, csv_bytes(rows), "公式.csv")
    sheet = posting.posting_sheet(roster_con.cursor(), "2022-03")
    ws = openpyxl.load_workbook(io.BytesIO(posting.posting_xlsx(sheet))).active
    cell = next(
        c for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value
    )
    assert cell.data_type == "s"
    assert sheet.file_name == "2022年3月公示表.xlsx"


def test_the_charts_workbook_keeps_formula_looking_names_as_text():
    data = deck.ChartData()
    data.categories = ['=HYPERLINK("http://x","点我")', "+1", "组织科"]
    data.add_series("=1+1", [1, 2, 3])
    sheet = openpyxl.load_workbook(io.BytesIO(data.xlsx_blob)).active
    cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://x","点我")'] == "s"
    assert cells["=1+1"] == "s"
