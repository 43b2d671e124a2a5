"""The posting workbook as it was written before it streamed (cell by cell in a normal openpyxl workbook, a merge
at a time), kept as the oracle of tests/meetings/test_posting_stream.py: the streamed workbook must load back the
same, cell for cell and setting for setting."""

from __future__ import annotations

import io
from copy import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties

from analytics.meetings.posting import BORDER, FONT, HEAD_FILL, HEADER, TOTAL_FILL, WIDTHS, PostingSheet
from analytics.sheets.cells import put


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
