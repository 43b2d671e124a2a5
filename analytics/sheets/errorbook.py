"""The error workbook: the uploaded sheets written back with a 错误说明 column and the bad cells coloured, so a clerk
fixes them in Excel/WPS and uploads again. Rows keep their Excel row numbers, so the messages still point right."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analytics.sheets.cells import put, sheet_title
from analytics.sheets.ingest.preview import Preview
from analytics.sheets.problems import ERROR

ERROR_FILL = PatternFill("solid", fgColor="F8C9C9")
WARNING_FILL = PatternFill("solid", fgColor="FFF2CC")
ROW_FILL = PatternFill("solid", fgColor="FDECEC")
HEAD_FILL = PatternFill("solid", fgColor="C8102E")


def error_workbook_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0]
    return f"{stem}_错误说明.xlsx"


def build_error_workbook(preview: Preview) -> bytes:
    """Every sheet that was read, as uploaded, plus the problems of each row; sheets with problems first."""
    by_sheet: dict[str, list] = defaultdict(list)
    for problem in preview.problems:
        by_sheet[problem.sheet].append(problem)
    layouts = {s.sheet: s.layout for s in preview.sheets}
    wb = Workbook()
    wb.remove(wb.active)
    file_level = by_sheet.pop("", [])
    if file_level:
        ws = wb.create_sheet(sheet_title("文件问题", wb.sheetnames))
        ws.append(["错误说明"])
        for problem in file_level:
            put(ws.cell(ws.max_row + 1, 1), problem.text())
        ws.column_dimensions["A"].width = 100
    order = sorted(preview.raw, key=lambda raw: (not by_sheet.get(raw.name), preview.raw.index(raw)))
    for raw in order:
        # A CSV's sheet is named after the file, which may hold what Excel refuses in a sheet's name ([3月]).
        ws = wb.create_sheet(sheet_title(raw.name, wb.sheetnames))
        width = max((len(r) for r in raw.grid), default=0)
        for r, row in enumerate(raw.grid, start=1):
            for c, value in enumerate(row, start=1):
                if value == "" or value is None:
                    continue
                cell = put(ws.cell(r, c), value)
                if isinstance(value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
        for (r1, c1), (r2, c2) in raw.merged:
            # The reader copied a merged block's value into every cell; merging again leaves it once, as uploaded.
            if (r1, c1) != (r2, c2):
                ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        layout = layouts.get(raw.name)
        note_col = width + 1
        header_row = (layout.header_row + 1) if layout else 1
        head = ws.cell(header_row, note_col, "错误说明")
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = HEAD_FILL
        ws.column_dimensions[get_column_letter(note_col)].width = 70
        columns_by_header = {}
        if layout:
            columns_by_header = {text: index + 1 for index, text in layout.headers.items()}
        rows: dict[int, list] = defaultdict(list)
        for problem in by_sheet.get(raw.name, []):
            rows[problem.row or 0].append(problem)
        for row_no, problems in sorted(rows.items()):
            target = row_no or header_row
            lines = [("【错误】" if p.level == ERROR else "【提醒】") + _without_place(p) for p in problems]
            cell = put(ws.cell(target, note_col), "\n".join(lines))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            worst = ERROR if any(p.level == ERROR for p in problems) else "warning"
            cell.font = Font(color="C8102E" if worst == ERROR else "7F6000")
            for p in problems:
                col = columns_by_header.get(p.column)
                if col and row_no:
                    bad = ws.cell(row_no, col)
                    fill = ERROR_FILL if p.level == ERROR else WARNING_FILL
                    if bad.fill != ERROR_FILL:
                        bad.fill = fill
                    if bad.comment is None:
                        bad.comment = Comment(p.message, "导入检查", width=260, height=90)
            if row_no and worst == ERROR:
                for c in range(1, width + 1):
                    cell = ws.cell(row_no, c)
                    if cell.fill.fgColor.rgb in (None, "00000000"):
                        cell.fill = ROW_FILL
        ws.freeze_panes = ws.cell(header_row + 1, 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _without_place(problem) -> str:
    """The message with its column, since the row is already the row."""
    if problem.column:
        return f"「{problem.column}」{problem.message}"
    return problem.message
