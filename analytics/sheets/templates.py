"""Excel templates for clerks: one per sheet kind, with a header, a comment on every column, two example rows, and
dropdown lists filled from the rule book in force."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from analytics.rules.rulebook import FREQUENCIES, RuleBook
from analytics.sheets.cells import put
from analytics.sheets.columns import Column
from analytics.sheets.kinds import KINDS, Kind

RED = "C8102E"
GOLD = "FBF3E4"
DATA_ROWS = 500
_thin = Side(style="thin", color="D9C9A3")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
DATE_KEYS = {"event_date", "start_date", "due_date", "updated_on", "changed_on", "left_on"}
# Fixed workbook timestamps keep a template's bytes (and so its sha256) the same for the same rule book.
FIXED_TIME = datetime(2022, 1, 1)


def _choices(book: RuleBook, name: str) -> list[str]:
    return {
        "contents": [c.name for c in book.contents],
        "activities": [a.name for a in book.activities],
        "ledgers": [x.name for x in book.ledgers],
        "stages": [s.name for s in book.stages],
        "arenas": [a.name for a in book.arenas],
        "items": [i.code for i in book.items],
    }[name]


def _example(column: Column, n: int, book: RuleBook):
    value = column.examples[n]
    if column.key in DATE_KEYS and isinstance(value, str) and value:
        value = date.fromisoformat(value).replace(year=book.campaign_year)
    return value


def build_template(kind_key: str, book: RuleBook) -> bytes:
    """The .xlsx template of a kind; for 加减分事项 it lists the items in force, ready to edit."""
    kind = KINDS[kind_key]
    wb = Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.active
    ws.title = kind.label
    columns: tuple[str | Column, ...] = ("序号", *kind.template_columns)
    width = len(columns)
    ws.cell(1, 1, f"{kind.label}（{book.campaign_year}年度“作风能力提升年”）")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=14, color=RED)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = 26

    for index, column in enumerate(columns, start=1):
        cell = ws.cell(2, index, column if isinstance(column, str) else column.label)
        required = not isinstance(column, str) and (column.required or any(column.key in g for g in kind.one_of))
        cell.font = Font(bold=True, color="FFFFFF" if required else "2B2B2B")
        cell.fill = PatternFill("solid", fgColor=RED if required else GOLD)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        note = "序号可留空，导入时忽略" if isinstance(column, str) else _note(column, kind, book)
        cell.comment = Comment(note, "模板说明", width=260, height=110)
        ws.column_dimensions[get_column_letter(index)].width = 6 if isinstance(column, str) else column.width
    ws.row_dimensions[2].height = 30
    ws.freeze_panes = "B3"

    if kind.key == "rules":
        _fill_items(ws, book)
    else:
        for n in (0, 1):
            ws.cell(3 + n, 1, "示例")
            for index, column in enumerate(kind.template_columns, start=2):
                ws.cell(3 + n, index, _example(column, n, book))
            for index in range(1, width + 1):
                cell = ws.cell(3 + n, index)
                cell.font = Font(italic=True, color="8C8C8C")
                cell.fill = PatternFill("solid", fgColor="F2F2F2")

    for index, column in enumerate(kind.template_columns, start=2):
        letter = get_column_letter(index)
        if column.key in DATE_KEYS:
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif column.key == "staff_no":
            # Text, so that Excel keeps a typed 001 as 001 instead of making the number 1 of it.
            ws.column_dimensions[letter].number_format = "@"
        if column.choices:
            _dropdown(wb, ws, book, column, letter)
        elif column.key in ("veto",):
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            dv.add(f"{letter}3:{letter}{DATA_ROWS + 2}")
            ws.add_data_validation(dv)
        elif column.key == "role":
            dv = DataValidation(type="list", formula1='"主讲,参与"', allow_blank=True)
            dv.add(f"{letter}3:{letter}{DATA_ROWS + 2}")
            ws.add_data_validation(dv)
        elif column.key == "progress":
            dv = DataValidation(
                type="decimal",
                operator="between",
                formula1="0",
                formula2="100",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="进度有误",
                error="进度应为 0～100 的数字",
            )
            dv.add(f"{letter}3:{letter}{DATA_ROWS + 2}")
            ws.add_data_validation(dv)
    _guide(wb, kind, book)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _note(column: Column, kind: Kind, book: RuleBook) -> str:
    text = f"{column.label}：{column.note}"
    if column.synonyms:
        text += f"\n也可用列名：{'、'.join(column.synonyms[:4])}"
    if column.choices and column.choices != "items":
        text += f"\n可选：{'、'.join(_choices(book, column.choices))}"
    return text


def _dropdown(wb: Workbook, ws, book: RuleBook, column: Column, letter: str) -> None:
    """Lists live on a hidden sheet: an inline list is capped at 255 characters, the 22 item codes are not."""
    if "_lists" in wb.sheetnames:
        lists = wb["_lists"]
    else:
        lists = wb.create_sheet("_lists")
        lists.sheet_state = "hidden"
    values = _choices(book, column.choices or "")
    col = lists.max_column + 1 if lists.max_row > 1 or lists.cell(1, 1).value else 1
    lists.cell(1, col, column.label)
    for n, value in enumerate(values, start=2):
        put(lists.cell(n, col), value)
    ref_letter = get_column_letter(col)
    formula = f"=_lists!${ref_letter}$2:${ref_letter}${len(values) + 1}"
    strict = column.choices != "items"
    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=strict,
        errorTitle="不在可选范围",
        error=f"请从下拉列表中选择{column.label}",
    )
    dv.add(f"{letter}3:{letter}{DATA_ROWS + 2}")
    ws.add_data_validation(dv)


def _fill_items(ws, book: RuleBook) -> None:
    for n, item in enumerate(book.items, start=1):
        points = item.points_min if item.points_min == item.points_max else f"{item.points_min:g}~{item.points_max:g}"
        row = ws.max_row + 1
        values = [
            n,
            item.code,
            item.content,
            item.name,
            points,
            item.monthly_cap,
            "是" if item.veto else "否",
            item.note,
        ]
        for c, value in enumerate(values, start=1):
            put(ws.cell(row, c), value)


def _guide(wb: Workbook, kind: Kind, book: RuleBook) -> None:
    guide = wb.create_sheet("填写说明")
    guide.append([f"{kind.label}填写说明"])
    guide["A1"].font = Font(bold=True, size=13, color=RED)
    guide.append(["列", "是否必填", "怎么填"])
    for cell in guide[2]:
        cell.font = Font(bold=True)
    for column in kind.template_columns:
        need = "必填" if column.required else ("二选一" if any(column.key in g for g in kind.one_of) else "选填")
        guide.append([column.label, need, column.note])
    guide.append([])
    tips = [
        "1. 第 1 行标题、序号列、空行和“合计”行导入时会自动忽略；灰色“示例”行也会忽略，可直接删除。",
        "2. 日期可写 2022-03-05、2022年3月5日、2022.3.5 或 2022/03/05。",
        "3. 分值加分为正、减分为负，可写 2、-0.5、+2分；全角数字也可识别。",
        "4. 姓名须与人员名单一致；名单中有重名时请同时填写科室或工号。",
        "5. 导入前会先预览并逐行检查，有错误时可下载标注了错误的表格，改好后重新上传。",
    ]
    if kind.key == "participation":
        tips.append(
            "6. “五个一”学习："
            + "、".join(f"{a.name}（{FREQUENCIES.get(a.frequency or '', '')}）" for a in book.activities if a.five_one)
        )
    for tip in tips:
        guide.append([tip])
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 60


def template_name(kind_key: str) -> str:
    return f"{KINDS[kind_key].label}模板.xlsx"
