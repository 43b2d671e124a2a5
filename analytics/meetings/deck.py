"""The meeting as a PPTX deck (16:9): a title slide, the agenda, one slide per topic with native, editable charts and
tables, and a closing slide with the coming deadlines. Every run of text carries the East Asian font (a:ea) and
lang="zh-CN" so Chinese renders right in PowerPoint, WPS and LibreOffice; the speaker notes of each slide say where its
numbers come from (rule version, data as of, import batches). The PDF is made by LibreOffice headless."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt, lazyproperty
from xlsxwriter import Workbook

from analytics.errors import DashboardError
from analytics.meetings.meeting import Meeting, Slide, Table

FONT = "Noto Sans CJK SC"  # fonts-noto-cjk on Debian; PowerPoint and WPS fall back to their own Chinese font
FALLBACK = "Microsoft YaHei"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # PowerPoint's own 16:9 (13.333 × 7.5 in)
RED = RGBColor(0xC0, 0x1F, 0x2B)
DARK = RGBColor(0x26, 0x2B, 0x33)
GREY = RGBColor(0x6B, 0x72, 0x80)
LIGHT = RGBColor(0xF4, 0xF5, 0xF7)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
CHART_TYPES = {
    "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "stacked": XL_CHART_TYPE.COLUMN_STACKED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "doughnut": XL_CHART_TYPE.DOUGHNUT,
}
MARGIN = Inches(0.5)


class DeckError(DashboardError):
    title = "生成讲评材料失败"


# The chart's embedded workbook ----------------------------------------------------------------------


class _TextWorkbookWriter(CategoryWorkbookWriter):
    """The workbook inside each chart, where a clerk edits its data: names stay text even when they start with "="
    (xlsxwriter would otherwise store them as formulas) and are never turned into links."""

    @contextmanager
    def _open_worksheet(self, xlsx_file):
        workbook = Workbook(xlsx_file, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class ChartData(CategoryChartData):
    @lazyproperty
    def _workbook_writer(self):
        return _TextWorkbookWriter(self)


# Text ---------------------------------------------------------------------------------------------


def _east_asian(rpr) -> None:
    """lang="zh-CN" and latin/ea/cs typefaces on one run's properties, in the schema's element order."""
    rpr.set("lang", "zh-CN")
    rpr.set("altLang", "en-US")
    for tag in ("a:latin", "a:ea", "a:cs"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    # latin, ea, cs come after the fill/effect elements and before sym/hlinkClick/hlinkMouseOver/rtl/extLst.
    successors = {qn(t) for t in ("a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")}
    anchor = next((child for child in rpr if child.tag in successors), None)
    for tag in ("a:latin", "a:ea", "a:cs"):
        element = etree.SubElement(rpr, qn(tag))
        element.set("typeface", FONT)
        if anchor is not None:
            anchor.addprevious(element)


def _fix_runs(root) -> None:
    """Every run, field and paragraph end of an XML tree gets the East Asian font."""
    for run in root.iter(qn("a:r"), qn("a:fld")):
        rpr = run.find(qn("a:rPr"))
        if rpr is None:
            rpr = etree.SubElement(run, qn("a:rPr"))
            run.insert(0, rpr)
        _east_asian(rpr)
    for tag in ("a:endParaRPr", "a:defRPr"):
        for rpr in root.iter(qn(tag)):
            _east_asian(rpr)


def _text(frame, lines: list[str], size: int, color=DARK, bold: bool = False, align=PP_ALIGN.LEFT) -> None:
    frame.clear()
    frame.word_wrap = True
    for n, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
        run.font.name = FONT


def _box(slide, x, y, w, h, lines: list[str], size: int, **style):
    shape = slide.shapes.add_textbox(x, y, w, h)
    shape.text_frame.vertical_anchor = style.pop("anchor", MSO_ANCHOR.TOP)
    _text(shape.text_frame, lines, size, **style)
    return shape


# Frame of every slide -----------------------------------------------------------------------------


def _frame(prs, meeting: Meeting, title: str, number: int, total: int):
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    bar = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.95))
    bar.fill.solid()
    bar.fill.fore_color.rgb = RED
    bar.line.fill.background()
    _text(bar.text_frame, [title], 28, WHITE, bold=True)
    bar.text_frame.margin_left = MARGIN
    bar.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    footer_y = HEIGHT - Inches(0.45)
    _box(slide, MARGIN, footer_y, Inches(6.5), Inches(0.35), [meeting.as_of_text], 11, color=GREY)
    _box(
        slide,
        WIDTH - MARGIN - Inches(5.5),
        footer_y,
        Inches(5.5),
        Inches(0.35),
        [f"{meeting.title}  ·  {number} / {total}"],
        11,
        color=GREY,
        align=PP_ALIGN.RIGHT,
    )
    return slide


def _notes(slide, meeting: Meeting, source: str) -> None:
    lines = [source] if source else []
    lines.append(f"口径来源：{meeting.lineage}")
    lines.append(f"讲评范围：{meeting.subtitle}；期间 {meeting.start:%Y-%m-%d} 至 {meeting.end:%Y-%m-%d}")
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _kpis(slide, kpis: list[tuple[str, str]], y) -> None:
    width = (WIDTH - 2 * MARGIN - Inches(0.2) * (len(kpis) - 1)) / len(kpis)
    for n, (label, value) in enumerate(kpis):
        x = MARGIN + n * (width + Inches(0.2))
        card = slide.shapes.add_shape(1, x, y, int(width), Inches(1.05))
        card.fill.solid()
        card.fill.fore_color.rgb = LIGHT
        card.line.fill.background()
        frame = card.text_frame
        _text(frame, [value, label], 14, DARK, align=PP_ALIGN.CENTER)
        frame.paragraphs[0].runs[0].font.size = Pt(26 if len(value) <= 8 else 16)
        frame.paragraphs[0].runs[0].font.bold = True
        frame.paragraphs[0].runs[0].font.color.rgb = RED
        frame.paragraphs[1].runs[0].font.color.rgb = GREY


def _chart(slide, spec, x, y, w, h) -> None:
    data = ChartData()
    data.categories = spec.categories
    for name, values in spec.series:
        data.add_series(name, [round(v, 4) for v in values])
    graphic = slide.shapes.add_chart(CHART_TYPES[spec.kind], x, y, w, h, data)
    chart = graphic.chart
    chart.font.size = Pt(12)
    chart.font.name = FONT
    chart.has_legend = len(spec.series) > 1 or spec.kind == "doughnut"
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    if spec.kind == "doughnut":
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.show_value = True
        plot.data_labels.font.size = Pt(12)
    _fix_runs(chart._chartSpace)


def _em(text: str) -> int:
    """How wide a text sets, in tenths of an em: a Chinese character (or a full-width sign) ten, any other character
    six (digits, % and Latin letters of the Chinese font run wider than half an em)."""
    return sum(10 if ord(ch) >= 0x2E80 else 6 for ch in text)


# Cell padding (left + right, top + bottom) and the line height, as PowerPoint and LibreOffice set a table cell.
_PAD_X, _PAD_Y, _LEADING = Inches(0.2), Inches(0.06), 1.25


def _widths(need: list[int], w: int, size: int) -> list[int] | None:
    """Column widths at a font size: every column as wide as its longest text sets (so a name or a date stays on one
    line), the widest column (a task's name) taking what is left and wrapping; spare room shared out. None when the
    widest column would be left under four characters at this size."""
    tenth = Pt(size) / 10
    natural = [int(n * tenth + _PAD_X) for n in need]
    if sum(natural) <= w:
        spare = (w - sum(natural)) // len(natural)
        return [n + spare for n in natural]
    wide = need.index(max(need))
    rest = w - (sum(natural) - natural[wide])
    if rest < 40 * tenth + _PAD_X:
        return None
    natural[wide] = rest
    return natural


def _fitted(spec: Table, w: int, h: int) -> tuple[int, list[int], list[list[str]]]:
    """Font size, column widths and rows of a table that fits w × h: the largest size at which every column but the
    widest holds its texts on one line and the rows, wrapped, fit; at the smallest size, the rows that fit and a last
    one saying how many more the page lists."""
    texts = [[str(name) for name in spec.columns]] + [[str(v) for v in row] for row in spec.rows]
    need = [max(_em(row[c]) for row in texts) for c in range(len(spec.columns))]

    def height(row: list[str], size: int, widths: list[int]) -> int:
        tenth = Pt(size) / 10
        lines = max(
            max(1, -(-_em(text) * tenth // max(width - _PAD_X, tenth))) for text, width in zip(row, widths, strict=True)
        )
        return int(lines * Pt(size) * _LEADING + _PAD_Y)

    rows = [list(r) for r in texts[1:]]
    size, widths = 10, [w // len(need)] * len(need)
    for size in (14, 12, 11, 10):
        found = _widths(need, w, size)
        if found is None:
            continue
        widths = found
        if sum(height(row, size, widths) for row in texts) <= h:
            return size, widths, rows
    used = height(texts[0], size, widths) + height(["另有"] * len(widths), size, widths)
    kept: list[list[str]] = []
    for row in rows:
        used += height(row, size, widths)
        if used > h:
            break
        kept.append(row)
    kept.append([f"另有 {len(rows) - len(kept)} 行未列出，见看板页面"] + [""] * (len(widths) - 1))
    return size, widths, kept


def _table(slide, spec, x, y, w, h) -> None:
    size, widths, rows = _fitted(spec, w, h)
    shape = slide.shapes.add_table(
        len(rows) + 1, len(spec.columns), x, y, w, Emu(min(h, Inches(0.4) * (len(rows) + 1)))
    )
    table = shape.table
    for c, width in enumerate(widths):
        table.columns[c].width = width
    for c, name in enumerate(spec.columns):
        cell = table.cell(0, c)
        _text(cell.text_frame, [name], size, WHITE, bold=True)
        cell.fill.solid()
        cell.fill.fore_color.rgb = DARK
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            _text(cell.text_frame, [str(value)], size, DARK)
            cell.margin_top = cell.margin_bottom = Inches(0.03)


def _content(prs, meeting: Meeting, spec: Slide, number: int, total: int) -> None:
    slide = _frame(prs, meeting, spec.title, number, total)
    top: int = Inches(1.15)
    if spec.kpis:
        _kpis(slide, spec.kpis, top)
        top += Inches(1.25)
    bottom = HEIGHT - Inches(0.55)
    if spec.bullets:
        bottom -= Inches(0.5)
        _box(slide, MARGIN, bottom, WIDTH - 2 * MARGIN, Inches(0.45), ["；".join(spec.bullets)], 14, color=GREY)
    height = bottom - top - Inches(0.1)
    width = WIDTH - 2 * MARGIN
    if spec.chart and spec.table:
        half = int(width * 0.42)
        _chart(slide, spec.chart, MARGIN, top, half, height)
        _table(slide, spec.table, MARGIN + half + Inches(0.25), top, width - half - Inches(0.25), height)
    elif spec.chart:
        _chart(slide, spec.chart, MARGIN, top, width, height)
    elif spec.table:
        _table(slide, spec.table, MARGIN, top, width, height)
    _notes(slide, meeting, spec.source)


def build_deck(meeting: Meeting) -> bytes:
    """The deck as PPTX bytes: title, agenda, one slide per topic, closing with the coming deadlines."""
    closing = meeting.closing
    if closing is None or not meeting.built:
        raise ValueError("build_deck needs a built meeting (slides.build), not an outline")
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    topics = [s for s in meeting.slides]
    total = len(topics) + 3

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, Inches(2.3), WIDTH, Inches(2.2))
    band.fill.solid()
    band.fill.fore_color.rgb = RED
    band.line.fill.background()
    _text(band.text_frame, [meeting.title, meeting.subtitle], 40, WHITE, bold=True, align=PP_ALIGN.CENTER)
    band.text_frame.paragraphs[1].runs[0].font.size = Pt(22)
    band.text_frame.paragraphs[1].runs[0].font.bold = False
    band.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    lines = [f"期间：{meeting.start:%Y年%m月%d日} 至 {meeting.end:%Y年%m月%d日}", meeting.as_of_text]
    if meeting.final:
        lines.append("本期公示已定稿")
    _box(slide, MARGIN, Inches(5.0), WIDTH - 2 * MARGIN, Inches(1.2), lines, 16, color=GREY, align=PP_ALIGN.CENTER)
    _box(slide, MARGIN, Inches(0.8), WIDTH - 2 * MARGIN, Inches(0.8), ["作风能力提升年 · 讲评会"], 20, color=RED)
    _notes(slide, meeting, "封面")

    slide = _frame(prs, meeting, "议程", 2, total)
    items = [f"{n}. {s.title}" for n, s in enumerate(topics, start=1)] + [f"{len(topics) + 1}. {closing.title}"]
    _box(slide, Inches(1.2), Inches(1.3), WIDTH - Inches(2.4), Inches(5.4), items, 22)
    _notes(slide, meeting, "议程")

    for n, spec in enumerate(topics, start=3):
        _content(prs, meeting, spec, n, total)
    _content(prs, meeting, closing, total, total)

    for slide in prs.slides:
        _fix_runs(slide.shapes._spTree)
        if slide.has_notes_slide:
            _fix_runs(slide.notes_slide.shapes._spTree)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


# PDF ----------------------------------------------------------------------------------------------


def office() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def to_pdf(content: bytes, suffix: str, timeout: float = 180) -> bytes:
    """Convert PPTX or XLSX bytes to PDF with LibreOffice headless, in a private profile so parallel runs never meet."""
    binary = office()
    if binary is None:
        raise DeckError("没有找到 LibreOffice，无法生成 PDF。请先运行 bash scripts/setup.sh 安装 libreoffice-impress。")
    with tempfile.TemporaryDirectory(prefix="meeting-pdf-") as folder:
        work = Path(folder)
        source = work / f"document{suffix}"
        source.write_bytes(content)
        profile = (work / "profile").as_uri()
        try:
            run = subprocess.run(
                [binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
                + ["--outdir", str(work), str(source)],
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise DeckError("LibreOffice 转换 PDF 超时，请稍后再试。") from exc
        target = work / "document.pdf"
        if run.returncode != 0 or not target.exists():
            raise DeckError("LibreOffice 未能把文件转换为 PDF。请确认已安装 libreoffice-impress 和中文字体。")
        return target.read_bytes()
