"""Understanding a file's sheets before their rows are checked: which sheets are read (guides, summaries and sheets
of cross-sheet formulas are not), when a sheet is taken for a roster by default, what to say when a kind's columns
are missing, and the year of dates written without one."""

from __future__ import annotations

import re
from pathlib import Path

from analytics.sheets.kinds import FACT_KINDS, KIND_LABELS, KINDS
from analytics.sheets.layout import (
    HEADER_SCAN_ROWS,
    SEQ_HEADERS,
    Layout,
    _cell_keys,
    _column_keys,
    _header_key,
    find_layout,
)
from analytics.sheets.normalize import is_blank
from analytics.sheets.problems import ERROR, Problem
from analytics.sheets.reader import RawSheet

GUIDE_SHEETS = {"填写说明", "说明", "使用说明", "填表说明"}
# A sheet named like a summary is not read by default: its numbers are computed from the detail sheets beside it.
# Unless its header is a complete detail layout (one event a row, with its date), and no other sheet of the file is
# of that kind (see dry_run): then it is a register titled 情况统计, not totals.
SUMMARY_WORDS = ("汇总", "统计", "合计", "总表", "排名")
# Header words that only fact sheets carry: an incomplete layout with one is refused with its missing columns rather
# than passed over. A person's own dates (出生日期, 入职时间) are a roster's.
FACT_MARKERS = (
    "日期",
    "分值",
    "分数",
    "得分",
    "加分",
    "减分",
    "扣分",
    "考核内容",
    "考核项目",
    "事由",
    "活动类型",
    "任务编号",
    "进度",
    "评委",
    "事项编号",
)
PERSONAL_DATES = ("出生", "入职", "入党", "参加工作", "任职", "任现职", "生日", "入伍", "调整", "调入", "离岗")
# Headers a roster may carry besides its own columns: a serial number, a remark, a person's particulars. Any other
# header (总分, 排名, a date such as 3月7日, anything unknown) says the sheet is something else.
ROSTER_HARMLESS = (
    *SEQ_HEADERS,
    "备注",
    "说明",
    "性别",
    "民族",
    "籍贯",
    "出生地",
    "年龄",
    "学历",
    "学位",
    "政治面貌",
    "职称",
    "电话",
    "手机",
    "身份证",
    "毕业院校",
    "专业",
    "邮箱",
    "照片",
)
_ROSTER_WORDS = frozenset(w for c in KINDS["roster"].columns for pair in _column_keys(c) for w in pair)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def fact_headers(row: list) -> list[str]:
    """The headers of a row that only fact sheets carry (日期, 分值, 扣分, 考核内容 …), as written."""
    found = []
    for cell, (full, bare) in zip(row, _cell_keys(row)):
        if not bare or full in _ROSTER_WORDS or bare in _ROSTER_WORDS:
            continue
        if any(m in bare for m in FACT_MARKERS) and not any(w in bare for w in PERSONAL_DATES):
            found.append(str(cell).strip())
    return found


def not_roster_headers(layout: Layout) -> list[str]:
    """The headers of a sheet read as a roster that are neither a roster column nor harmless (ROSTER_HARMLESS, a
    person's own dates), as written: a sheet with one is never taken for a roster by default."""
    found = []
    for header in layout.unused:
        full, bare = _header_key(header)
        if full in _ROSTER_WORDS or bare in _ROSTER_WORDS or bare in SEQ_HEADERS:
            continue
        if any(w in bare for w in ROSTER_HARMLESS[len(SEQ_HEADERS) :]) or any(w in bare for w in PERSONAL_DATES):
            continue
        found.append(header)
    return found


# A sheet without a header is passed over quietly only when it holds little: a few lines of notes, a 填报人 block.
DATA_ROWS = 3
DATA_CELLS = 3


def holds_data(raw: RawSheet) -> bool:
    """Whether a sheet has several rows of several filled cells: data that would be lost if the sheet were passed
    over for want of a header."""
    rows = 0
    for row in raw.grid:
        if sum(1 for c in row if not is_blank(c)) >= DATA_CELLS:
            rows += 1
            if rows >= DATA_ROWS:
                return True
    return False


def reads_as_detail(raw: RawSheet) -> bool:
    """Whether a sheet's header is a complete layout of a fact kind: one event a row, with its date."""
    layout = find_layout(raw.grid, among=tuple(FACT_KINDS))
    return layout is not None and layout.complete


def headerless(sheets: list[str]) -> str:
    """The refusal of a file some of whose sheets hold data under no header that could be read, while others are
    read: importing the rest would lose those sheets' rows without a word."""
    names = "、".join(f"「{name}」" for name in sheets)
    return (
        f"工作表{names}中有多行数据，但在前 {HEADER_SCAN_ROWS} 行中没有找到可识别的表头，未能读取；"
        "为免漏导其中的记录，整个文件未导入。请把表头改为「下载模板」中的写法（如 日期、姓名、考核内容、分值、事由），"
        "或删去该工作表后再上传"
    )


def _how_to_name(kind_key: str, missing: list[str]) -> str:
    """For each missing column: its label and the other headers accepted for it."""
    kind = KINDS[kind_key]
    parts = []
    for label in missing:
        names = []
        for one in label.split(" 或 "):
            column = kind.labelled(one)
            others = "、".join(column.synonyms[:3]) if column else ""
            names.append(f"“{one}”" + (f"（也可写作 {others}）" if others else ""))
        parts.append(" 或 ".join(names))
    return "；".join(parts)


def missing_columns(sheet: str, layout: Layout) -> Problem:
    expected = KINDS[layout.kind]
    return Problem(
        ERROR,
        sheet,
        layout.header_row + 1,
        None,
        None,
        f"按“{expected.label}”识别，缺少必填列：{'、'.join(layout.missing)}。"
        f"已识别的列：{'、'.join(layout.header_of(k) for k in layout.columns) or '无'}。"
        f"请添加或改名：{_how_to_name(layout.kind, layout.missing)}；或在上传时选择正确的表格类型",
    )


def not_a_roster(sheet: str, layout: Layout, like: Layout | None, facts: list[str]) -> Problem:
    shown = "、".join(facts[:5])
    # A fact layout of the person's columns alone (姓名、科室) says nothing of what the sheet is.
    if like is None or like.complete or set(like.columns) <= {"name", "section", "staff_no"}:
        text = (
            f"表头含有 {shown}，不是人员名单（名单只含姓名、科室、职务、工号等列），但无法判断是哪一种明细表，未导入。"
            "请使用「下载模板」中的表头；如为汇总/统计表，请删去该工作表，或在工作表名称中写明“汇总”；"
            "如确为人员名单，请在上传时选择“人员名单”"
        )
    else:
        label = KIND_LABELS[like.kind]
        text = (
            f"表头含有 {shown}，看起来是“{label}”，但缺少必填列：{'、'.join(like.missing)}，未导入。"
            f"请添加或改名：{_how_to_name(like.kind, like.missing)}。"
            "如确为人员名单，请在上传时选择“人员名单”"
        )
    row = (like or layout).header_row + 1
    return Problem(ERROR, sheet, row, None, None, text)


def _years(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text or "")}


def year_evidence(raw: RawSheet, layout: Layout, file_name: str) -> tuple[int | None, str | None, str | None]:
    """The year of dates written without one (3月5日): from the nearest evidence — the sheet's name, then its title
    rows, then the file's name. (year, problem when the evidence disagrees, note for the preview)."""
    # Each text once: a merged title stands in every cell of its block (reader._fill_merged).
    cells = (c.strip() for row in raw.grid[: layout.header_row] for c in row if isinstance(c, str) and c.strip())
    titles = " ".join(dict.fromkeys(cells))
    sources = [("工作表名", raw.name), ("标题", titles), ("文件名", Path(file_name).stem)]
    found = [(where, text, _years(text)) for where, text in sources]
    found = [(where, text.strip()[:30], years) for where, text, years in found if years]
    if not found:
        return None, None, None
    years = set().union(*(y for _, _, y in found))
    if len(years) > 1:
        said = "；".join(f"{where}“{text}”为 {'、'.join(map(str, sorted(y)))} 年" for where, text, y in found)
        return None, f"未写年份，且表中关于年份的信息不一致（{said}）：请写明完整日期，如 2022-03-05", None
    year = years.pop()
    where, text, _ = found[0]
    return year, None, f"未写年份的日期按 {year} 年计（依据{where}“{text}”）"
