"""The monthly posting (公示表) as a print-ready workbook: the month's score events grouped by section and person with
the person's and the section's totals, a title, the period, the rule version and the published version, the header row
repeated on every printed page, A4 landscape fitted to the page width, page numbers, and a signature and date line.

Rows come from points.posting() (the core's counted points) or, for a published month, from the frozen version, so the
printed list is the one that was posted."""

from __future__ import annotations

import io
from copy import copy
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from analytics.meetings import publish as pub
from analytics.meetings.deputies import sections
from analytics.meetings.meeting import safe_file_name
from analytics.periods import Month
from analytics.results.points import as_month, posting
from analytics.rules import rulebook as rb
from analytics.sheets.cells import put
from analytics.store.db import Con, scalar

HEADER = ["序号", "科室", "姓名", "日期", "考核内容", "事项", "事由", "分值", "计入分值", "备注"]
WIDTHS = [6, 12, 10, 11, 11, 22, 46, 8, 9, 16]
FONT = "Noto Sans CJK SC"
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E8E8E8")
TOTAL_FILL = PatternFill("solid", fgColor="F5F5F5")


@dataclass
class PostingSheet:
    """What a posting shows: the rows (one per score event), the person and section totals, and its header facts."""

    month: Month
    rows: pd.DataFrame
    rule_version: int
    version: pub.Version | None
    data_as_of: datetime | None

    @property
    def person_totals(self) -> pd.DataFrame:
        """One row per person: section, name, events, counted net (the sum of the counted points of the rows)."""
        if self.rows.empty:
            return pd.DataFrame(columns=["section", "person_id", "name", "events", "net"])
        grouped = self.rows.groupby(["section", "person_id", "name"], sort=False, dropna=False)
        return grouped.agg(events=("fact_id", "count"), net=("counted", "sum")).reset_index()

    @property
    def status_text(self) -> str:
        if self.version is None:
            return "未发布（预览）"
        label = "发布" if self.version.version == 1 else "更正"
        text = f"第 {self.version.version} 版（{self.version.published_at:%Y-%m-%d} {label}，公示期 {self.version.window_text}）"
        return text + (f"；更正原因：{self.version.reason}" if self.version.reason else "")

    @property
    def file_name(self) -> str:
        suffix = "" if self.version is None else f"_第{self.version.version}版"
        return safe_file_name(f"{self.month.label}公示表{suffix}") + ".xlsx"


def posting_sheet(cur: Con, month: Month | str, version: int | None = None, live: bool = False) -> PostingSheet:
    """The posting of a month: the given published version, else the latest published one, else the live data."""
    m = as_month(month)
    chosen = None
    if not live:
        published = pub.versions(cur, m)
        if version is not None:
            chosen = next((v for v in published if v.version == version), None)
            if chosen is None:
                raise pub.PublishRefused(f"{m.label}没有第 {version} 版公示。")
        elif published:
            chosen = published[-1]
    if chosen is not None:
        rows = pub.frozen_rows(cur, m, chosen.version)
        order = {name: n for n, name in enumerate(sections(cur))}
        rows = rows.sort_values(
            ["section", "person_id", "event_date", "fact_id"], key=lambda c: c.map(order) if c.name == "section" else c
        ).reset_index(drop=True)
        return PostingSheet(m, rows, int(chosen.rule_version or 0), chosen, chosen.data_as_of)
    rows = posting(cur, m)[pub.ROW_COLUMNS]
    as_of = scalar(cur, "select max(imported_at) from import_batch where status = 'committed'")
    return PostingSheet(m, rows, int(rb.version_in_force(cur, m.end)), None, as_of)


def _note(capped, veto) -> str:
    notes = []
    capped = float(capped or 0)
    if abs(capped) > 1e-9:
        notes.append(f"封顶扣除 {capped:g}")
    if bool(veto) if veto is not None and veto == veto else False:
        notes.append("一票否决")
    return "；".join(notes)


def _num(value) -> float:
    return round(float(value), 4)


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows section by section and person by person, each in the order it first appears (what grouping by
    section, then by person, in order of appearance gives), keeping the order of a person's own rows."""
    if rows.empty:
        return rows
    section = pd.factorize(rows["section"], use_na_sentinel=False)[0]
    person = pd.factorize(rows["person_id"], use_na_sentinel=False)[0]
    return rows.iloc[np.lexsort((person, section))]


def posting_xlsx(sheet: PostingSheet) -> bytes:
    """The print-ready workbook of a posting, streamed row by row (openpyxl's write-only mode: a month of 58,000
    rows took about 50 s as a normal workbook, most of it merging the subtotal rows one at a time).

    Every cell of a row is written with a style copied from a prototype cell (assigning Font and Border objects
    per cell makes openpyxl hash each one); user text goes through put(), so no cell becomes a formula."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(f"{sheet.month.month}月公示")
    width = len(HEADER)
    bold = Font(name=FONT, bold=True, size=11)
    plain = Font(name=FONT, size=10)

    def styled(**style) -> StyleArray:
        prototype = Cell(ws)
        for name, value in style.items():
            setattr(prototype, name, value)
        return prototype._style

    title_style = styled(
        font=Font(name=FONT, bold=True, size=16), alignment=Alignment(horizontal="center", vertical="center")
    )
    period_style = styled(font=plain, alignment=Alignment(wrap_text=True, vertical="center"))
    head_style = styled(
        font=bold, fill=HEAD_FILL, border=BORDER, alignment=Alignment(horizontal="center", vertical="center")
    )
    body = styled(font=plain, border=BORDER)
    wrapped = styled(font=plain, border=BORDER, alignment=Alignment(wrap_text=True, vertical="top"))
    dated = styled(font=plain, border=BORDER, number_format="yyyy-mm-dd")
    total = styled(font=bold, fill=TOTAL_FILL, border=BORDER)
    total_label = styled(font=bold, fill=TOTAL_FILL, border=BORDER, alignment=Alignment(horizontal="right"))
    plain_style = styled(font=plain)
    bold_style = styled(font=bold)
    styles = [wrapped if c in (6, 7) else dated if c == 4 else body for c in range(1, width + 1)]

    def cell(value, style: StyleArray) -> Cell:
        out = Cell(ws, row=1, column=1, style_array=copy(style))
        if isinstance(value, str):
            put(out, value)
        elif value is not None:
            out.value = value
        return out

    merged: list[str] = []

    def merged_line(r: int, value: str, style: StyleArray) -> None:
        merged.append(f"A{r}:{get_column_letter(width)}{r}")
        ws.append([cell(value, style)])

    for c, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 30
    ws.freeze_panes = "A4"
    # Written with the sheet's head, at the first row appended, like the widths and the frozen panes.
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    merged_line(1, f"{sheet.month.label}“作风能力提升年”加减分公示表", title_style)
    as_of = f"{sheet.data_as_of:%Y-%m-%d %H:%M}" if sheet.data_as_of else "—"
    merged_line(
        2,
        f"考核期间：{sheet.month.start:%Y年%m月%d日}至{sheet.month.end:%Y年%m月%d日}　"
        f"计分规则：第 {sheet.rule_version} 版　数据截至：{as_of}　版本：{sheet.status_text}",
        period_style,
    )
    ws.append([cell(name, head_style) for name in HEADER])

    r = 4

    def total_row(label: str, value: float) -> None:
        nonlocal r
        merged.append(f"A{r}:H{r}")
        ws.append(
            [
                cell(label, total_label),
                *(cell(None, total) for _ in range(7)),
                cell(_num(value), total),
                cell(None, total),
            ]
        )
        r += 1

    rows = _ordered(sheet.rows)
    columns = {
        name: rows[name].tolist()
        for name in (
            "section",
            "person_id",
            "name",
            "event_date",
            "content",
            "item_code",
            "item_name",
            "reason",
            "points",
            "counted",
            "capped",
            "veto",
        )
    }
    grand = section_total = person_total = 0.0
    first_name = None  # the subtotal names the person as their first row does
    for i in range(len(rows)):
        section, person = columns["section"][i], columns["person_id"][i]
        if i == 0 or not _same(columns["person_id"][i - 1], person) or not _same(columns["section"][i - 1], section):
            first_name = columns["name"][i]
        values = [
            i + 1,
            section,
            columns["name"][i],
            columns["event_date"][i],
            columns["content"][i],
            f"{columns['item_code'][i] or ''} {columns['item_name'][i] or ''}".strip() or "—",
            columns["reason"][i],
            _num(columns["points"][i]),
            _num(columns["counted"][i]),
            _note(columns["capped"][i], columns["veto"][i]),
        ]
        ws.append([cell(value, style) for value, style in zip(values, styles)])
        r += 1
        person_total += float(columns["counted"][i])
        last = i + 1 == len(rows)
        next_section = last or not _same(columns["section"][i + 1], section)
        if next_section or not _same(columns["person_id"][i + 1], person):
            total_row(f"{first_name} 小计", person_total)
            section_total += person_total
            person_total = 0.0
        if next_section:
            total_row(f"{section} 合计", section_total)
            grand += section_total
            section_total = 0.0
    total_row("全部门 合计", grand)

    ws.append([])
    r += 1
    window = sheet.version.window_text if sheet.version else "发布后 5 个工作日"
    merged_line(r, f"公示期：{window}。如有异议，请在公示期内向部考核办提出。", plain_style)
    ws.append([])
    r += 2
    merged_line(
        r, "审核人（签字）：____________　　负责人（签字）：____________　　日期：______年____月____日", bold_style
    )

    # Added as a whole: MultiCellRange.add checks each new range against all the others (quadratic).
    ws.merged_cells = MultiCellRange(merged)
    ws.print_area = f"A1:{get_column_letter(width)}{r}"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    # 0 means "automatic" to Excel, but LibreOffice then drops the last page; a bound no posting reaches fits width.
    ws.page_setup.fitToHeight = 999
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader.right.text = f"{sheet.month.label}公示"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _same(a, b) -> bool:
    """Equal, or both missing (a section or person that is NaN groups with itself)."""
    return a == b or (a != a and b != b) or (a is None and b is None)
