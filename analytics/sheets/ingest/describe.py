"""The preview's account of one sheet: each column as read (and by which rule), the rows left out and why, the
roster's changes and questions, and the notes under the sheet's line."""

from __future__ import annotations

from datetime import datetime, time

from openpyxl.utils import get_column_letter

from analytics.sheets.body import Extracted
from analytics.sheets.checks import SheetResult
from analytics.sheets.ingest.preview import Preview
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Layout
from analytics.sheets.people import People
from analytics.sheets.problems import ERROR, MAX_LISTED, WARNING, Problem, show_value
from analytics.sheets.reader import RawSheet

_FIELD_LABELS = {"points_plus": "分值（加分）", "points_minus": "分值（减分）"}
# A CSV's delimiter as a clerk names it, and how to keep it inside a cell's text.
_DELIMITERS = {
    ",": ("英文逗号“,”", "把其中的英文逗号改成中文逗号“，”或顿号“、”"),
    ";": ("英文分号“;”", "把其中的英文分号改成中文逗号“，”或顿号“、”"),
    "\t": ("制表符（Tab）", "删去其中的制表符（Tab）"),
}


def _rows_named(rows: list[int]) -> str:
    return "、".join(str(r) for r in rows[:MAX_LISTED]) + ("等" if len(rows) > MAX_LISTED else "")


def row_runs(rows: list[int], most: int | None = None) -> str:
    """Excel rows as runs: 3–5、8; with ``most``, the first that many runs and 等."""
    spans: list[list[int]] = []
    for row in rows:
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    shown = "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans[:most])
    return shown + ("等" if most is not None and len(spans) > most else "")


def _shown(value: object) -> str | None:
    """A filled-down value as the clerk typed it: a date without a midnight time."""
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return show_value(value)


def _headerless_name(index: int) -> str:
    return f"{get_column_letter(index + 1)} 列（无表头）"


def describe_sheet(
    preview: Preview,
    raw: RawSheet,
    layout: Layout,
    data: Extracted,
    result: SheetResult,
    before: People,
    year_note: str | None,
) -> None:
    """The contract of one sheet for the preview: columns as read, rows left out, roster changes, questions."""
    kind = KINDS[layout.kind]
    sheet = raw.name
    near = {h for h, _ in layout.near}
    dates = {"event_date", "updated_on", "start_date", "due_date", "changed_on", "left_on"}
    for key, index in sorted(layout.columns.items(), key=lambda kv: kv[1]):
        header = layout.headers.get(index, kind.column(key).label)
        rules = []
        if header in near:
            rules.append("按近似列名匹配")
        if key in result.column_rules:
            rules.append(result.column_rules[key])
        if key in data.filled_down:
            rules.append(f"分组列：{data.filled_down[key]} 个空白单元格沿用上一行")
        if key in dates and year_note:
            rules.append(year_note)
        label = _FIELD_LABELS.get(key, kind.column(key).label)
        preview.columns.append({"sheet": sheet, "header": header, "field": label, "rule": "；".join(rules)})
    used = set(layout.columns.values())
    date_header = layout.header_of("event_date") if "event_date" in layout.columns else None
    for index, header in sorted(layout.headers.items()):
        if index in used:
            continue
        if index == layout.seq_col:
            rule = "序号列，导入时忽略"
        elif date_header and "日期" in header:
            rule = f"未使用：日期按“{date_header}”（事件发生的日期）计"
        else:
            rule = "未使用"
        preview.columns.append({"sheet": sheet, "header": header, "field": None, "rule": rule})
    for index, cells in sorted(data.headerless.items()):
        rule = f"未导入：第 {_rows_named([r for r, _ in cells])} 行有内容"
        preview.columns.append({"sheet": sheet, "header": _headerless_name(index), "field": None, "rule": rule})
    for row in range(layout.header_row):
        if any(isinstance(c, str) and c.strip() for c in raw.grid[row]):
            preview.skipped.append({"sheet": sheet, "row": row + 1, "why": "标题行"})
    rows = [*data.skipped(), *result.skipped_rows]
    preview.skipped.extend({"sheet": sheet, "row": r, "why": why} for r, why in sorted(rows))
    preview.questions.extend(result.questions)
    plan = result.roster_plan
    if plan is not None and result.roster_after is not None:
        preview.roster_changes.extend(plan.listed(sheet, before, result.roster_after))
        preview.questions.extend(plan.asked(sheet))


def note_layout(result: SheetResult, layout, data) -> None:
    """Tell the clerk how the sheet was understood: near-matched headers and the rows left out."""
    if layout.near:
        pairs = "、".join(f"“{h}”→{label}" for h, label in layout.near)
        result.notes.append(f"列名按近似匹配：{pairs}")
    skipped = []
    if data.skipped_total:
        skipped.append(f"合计/小计行 {len(data.skipped_total)} 行（第 {data.skipped_total[0]} 行等）")
    if data.skipped_example:
        skipped.append(f"模板示例行 {len(data.skipped_example)} 行")
    if data.skipped_note:
        skipped.append(f"说明行 {len(data.skipped_note)} 行")
    if data.skipped_header:
        skipped.append(f"重复的表头行 {len(data.skipped_header)} 行")
    if data.skipped_hint:
        skipped.append(f"表头下的提示行 {len(data.skipped_hint)} 行")
    for key, runs in data.filled_from.items():
        took = "，".join(f"第 {row_runs(rows)} 行取第 {row} 行的“{_shown(value)}”" for row, value, rows in runs[:3])
        more = "等" if len(runs) > 3 else ""
        header = layout.header_of(key)
        result.notes.append(f"分组列“{header}”空白处沿用上一行（{data.filled_down[key]} 格）：{took}{more}")
    if layout.header_rows == 2:
        result.notes.append("表头为两行（合并表头下的子列），按子列名识别")
    if skipped:
        result.notes.append("已跳过：" + "，".join(skipped))


def flag_headerless(result: SheetResult, raw: RawSheet, layout: Layout, data: Extracted, corrected: set[int]) -> None:
    """Cells in columns without a header, which nobody reads, said where the clerk looks. In a CSV a row with more
    values than the header is an error: a delimiter typed inside a cell (an unquoted comma in 事由) split the cell,
    and the rest of it would be lost; once the clerk corrected that row in the browser, the rest is only listed.
    Anywhere else (a value typed beside a workbook's table, a column between headers) a warning per column."""
    if not data.headerless or not layout.headers:
        return
    width = max(layout.headers) + 1
    beyond: dict[int, list[tuple[int, object]]] = {}
    for index, cells in sorted(data.headerless.items()):
        if raw.delimiter is not None and index >= width:
            for row, value in cells:
                beyond.setdefault(row, []).append((index, value))
            continue
        first = show_value(cells[0][1])
        result.problems.append(
            Problem(
                WARNING,
                raw.name,
                None,
                None,
                first,
                f"{get_column_letter(index + 1)} 列没有表头，第 {_rows_named([r for r, _ in cells])} 行在这一列的内容"
                f"（如“{first}”）不会导入。如需导入，请给这一列写上表头，或把内容移到对应的列（如「事由」）后重新上传",
            )
        )
    said, fix = _DELIMITERS.get(raw.delimiter or ",", _DELIMITERS[","])
    for row, extra in sorted(beyond.items()):
        if row in corrected:
            continue
        values = max(index for index, _ in extra) + 1
        shown = show_value(("," if raw.delimiter == "," else "、").join(str(v) for _, v in extra))
        result.problems.append(
            Problem(
                ERROR,
                raw.name,
                row,
                None,
                shown,
                f"这一行有 {values} 个值，表头只有 {width} 列：多出的“{shown}”没有对应的列，不会导入。"
                f"多半是某一格文字（如事由）里有{said}，被当成了分隔符：请把这一格用英文双引号括起来，或{fix}后重新上传；"
                "也可以在预览的改正表中把这一格改成完整的内容。如果多出的本是单独的一列，请在表头为它补上列名",
            )
        )
