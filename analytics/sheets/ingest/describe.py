"""The preview's account of one sheet: each column as read (and by which rule), the rows left out and why, the
roster's changes and questions, and the notes under the sheet's line."""

from __future__ import annotations

from analytics.sheets.checks import SheetResult
from analytics.sheets.ingest.preview import Preview
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Extracted, Layout
from analytics.sheets.people import People
from analytics.sheets.reader import RawSheet

_FIELD_LABELS = {"points_plus": "分值（加分）", "points_minus": "分值（减分）"}


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
    dates = {"event_date", "updated_on", "start_date", "due_date", "changed_on"}
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
    for row in range(layout.header_row):
        if any(isinstance(c, str) and c.strip() for c in raw.grid[row]):
            preview.skipped.append({"sheet": sheet, "row": row + 1, "why": "标题行"})
    rows = [*data.skipped(), *result.skipped_rows]
    preview.skipped.extend({"sheet": sheet, "row": r, "why": why} for r, why in sorted(rows))
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
    if data.filled_down:
        filled = "、".join(f"{layout.header_of(k)} {n} 格" for k, n in data.filled_down.items())
        result.notes.append(f"分组列空白处沿用上一行：{filled}")
    if layout.header_rows == 2:
        result.notes.append("表头为两行（合并表头下的子列），按子列名识别")
    if skipped:
        result.notes.append("已跳过：" + "，".join(skipped))
