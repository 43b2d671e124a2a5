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

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties

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


def _note(row) -> str:
    notes = []
    capped = float(row.capped or 0)
    if abs(capped) > 1e-9:
        notes.append(f"封顶扣除 {capped:g}")
    if bool(row.veto) if row.veto is not None and row.veto == row.veto else False:
        notes.append("一票否决")
    return "；".join(notes)


def _num(value) -> float:
    return round(float(value), 4)


def posting_xlsx(sheet: PostingSheet) -> bytes:
    """The print-ready workbook of a posting."""
    book = Workbook()
    ws = book.active
    ws.title = f"{sheet.month.month}月公示"
    width = len(HEADER)
    bold = Font(name=FONT, bold=True, size=11)
    plain = Font(name=FONT, size=10)

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    put(ws.cell(1, 1), f"{sheet.month.label}“作风能力提升年”加减分公示表")
    ws.cell(1, 1).font = Font(name=FONT, bold=True, size=16)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    as_of = f"{sheet.data_as_of:%Y-%m-%d %H:%M}" if sheet.data_as_of else "—"
    put(
        ws.cell(2, 1),
        f"考核期间：{sheet.month.start:%Y年%m月%d日}至{sheet.month.end:%Y年%m月%d日}　"
        f"计分规则：第 {sheet.rule_version} 版　数据截至：{as_of}　版本：{sheet.status_text}",
    )
    ws.cell(2, 1).font = plain
    ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[2].height = 30
    for c, name in enumerate(HEADER, start=1):
        cell = ws.cell(3, c, name)
        cell.font, cell.fill, cell.border = bold, HEAD_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for c, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(3, c).column_letter].width = w

    # Styles are set once on prototype cells and their style arrays copied: assigning Font/Border objects to 100,000
    # cells makes openpyxl hash each one and costs seconds.
    scratch = book.create_sheet("_styles")
    body, wrapped, total = scratch.cell(1, 1), scratch.cell(1, 2), scratch.cell(1, 3)
    body.font, body.border = plain, BORDER
    wrapped.font, wrapped.border = plain, BORDER
    wrapped.alignment = Alignment(wrap_text=True, vertical="top")
    total.font, total.fill, total.border = bold, TOTAL_FILL, BORDER
    dated = scratch.cell(1, 4)
    dated.font, dated.border, dated.number_format = plain, BORDER, "yyyy-mm-dd"
    styles = {c: (wrapped if c in (6, 7) else dated if c == 4 else body)._style for c in range(1, width + 1)}

    r = 4
    serial = 0
    grand = 0.0
    rows = sheet.rows

    def total_row(label: str, value: float) -> None:
        nonlocal r
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=8)
        put(ws.cell(r, 1), label)
        ws.cell(r, 9, _num(value))
        for c in range(1, width + 1):
            ws.cell(r, c)._style = copy(total._style)
        ws.cell(r, 1).alignment = Alignment(horizontal="right")
        r += 1

    for section, by_section in rows.groupby("section", sort=False, dropna=False):
        section_total = 0.0
        for _, by_person in by_section.groupby("person_id", sort=False):
            person_total = 0.0
            for row in by_person.itertuples(index=False):
                serial += 1
                values = [
                    serial,
                    row.section,
                    row.name,
                    row.event_date,
                    row.content,
                    f"{row.item_code or ''} {row.item_name or ''}".strip() or "—",
                    row.reason,
                    _num(row.points),
                    _num(row.counted),
                    _note(row),
                ]
                for c, value in enumerate(values, start=1):
                    cell = ws.cell(r, c)
                    put(cell, value)
                    cell._style = copy(styles[c])
                person_total += float(row.counted)
                r += 1
            total_row(f"{by_person['name'].iat[0]} 小计", person_total)
            section_total += person_total
        total_row(f"{section} 合计", section_total)
        grand += section_total
    total_row("全部门 合计", grand)

    r += 1
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    window = sheet.version.window_text if sheet.version else "发布后 5 个工作日"
    put(ws.cell(r, 1), f"公示期：{window}。如有异议，请在公示期内向部考核办提出。")
    ws.cell(r, 1).font = plain
    r += 2
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    put(ws.cell(r, 1), "审核人（签字）：____________　　负责人（签字）：____________　　日期：______年____月____日")
    ws.cell(r, 1).font = bold

    ws.print_area = f"A1:{ws.cell(r, width).coordinate}"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    # 0 means "automatic" to Excel, but LibreOffice then drops the last page; a bound no posting reaches fits width.
    ws.page_setup.fitToHeight = 999
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader.right.text = f"{sheet.month.label}公示"
    ws.freeze_panes = "A4"
    book.remove(scratch)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
