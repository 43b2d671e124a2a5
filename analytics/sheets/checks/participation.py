"""Checking a 参与记录 sheet: the activity, the role (主讲 or 参与), hours, who was absent, duplicates and events
already stored."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.sheets.body import Extracted
from analytics.sheets.checks.checker import Checker, Context, dates
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.events import refuse_namesakes, skip_stored
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Layout
from analytics.sheets.normalize import clean_text, is_attendance_word, is_blank, parse_attended, parse_hours
from analytics.sheets.problems import ERROR, show_value

_LEAD_WORDS = ("主讲", "主讲人", "讲", "主持", "授课", "分享", "领学", "发言", "主讲嘉宾")
_JOIN_WORDS = ("参与", "参加", "听讲", "学员", "参会", "")


def _parse_role(value: Any) -> tuple[str | None, str | None]:
    key = clean_text(value)
    if key in _JOIN_WORDS:
        return "参与", None
    if key in _LEAD_WORDS or "主讲" in key:
        return "主讲", None
    return None, "应填“主讲”或“参与”"


def check_participation(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    days = dates(check, ctx, "event_date")
    pids, sections = check.people(ctx, "name", days)
    activities = check.vocab("activity", ctx.book.vocab_activities, True, "活动类型")
    titles = check.text("title")
    roles = check.parse("role", _parse_role, False, "角色")
    no_role = pd.isna(roles)
    roles = np.where(no_role, "参与", roles)
    hours = check.parse("hours", parse_hours, False, "时长（小时）")
    check.outside("hours", hours, 0, 24, lambda pos: f"时长 {hours[pos]:g} 小时不合理：应在 0～24 小时之间")
    absent = _absent(check)
    _unread_attendance(check, data)
    # An absent row is no event: it is never the duplicate of another row (its own number as a key).
    apart = np.where(absent, np.arange(len(absent)), -1)
    check.duplicates(
        [days, pids, activities, titles, apart], "日期、姓名、活动类型、活动名称", "同一活动同一人只需登记一次"
    )
    rows = pd.DataFrame(
        {
            "event_date": days,
            "person_id": pids,
            "section_id": sections,
            "activity": activities,
            "title": titles,
            "role": roles,
            "hours": hours,
            "_row": check.rows,
        },
        dtype=object,
    )
    rows = rows[~check.bad & ~absent].reset_index(drop=True)
    # A blank 角色 is 参与 when stored, but sent again it says nothing: a sign-in list without the column does not
    # contradict the 主讲 another file gave.
    unwritten = {"role": pd.Series(no_role, index=check.rows)}
    rows, claims = skip_stored(check, ctx.cur, rows, KINDS["participation"], "参与记录", unwritten=unwritten)
    rows = refuse_namesakes(check, ctx.cur, rows, KINDS["participation"], ctx.people)
    rows = rows.astype({"person_id": "int64", "section_id": "int64", "_row": "int64", "hours": "Float64"})
    result = check.result("participation", rows, claims=claims)
    left_out = np.flatnonzero(absent & ~check.bad)
    if len(left_out):
        header = check.column("attended")
        raw = check.frame["attended"]
        result.skipped_rows += [
            (int(check.rows[pos]), f"未参加（{header}：{show_value(raw.iat[pos])}）") for pos in left_out.tolist()
        ]
        result.notes.append(f"未参加 {len(left_out)} 行，不导入（依据“{header}”列）")
    return result


def _absent(check: Checker) -> np.ndarray:
    """Rows the attendance column (是否参加, 出勤情况, 签到) marks absent. Once the column says anything, a blank
    mark is asked about: in a sign-in list it may mean either."""
    attended = check.parse("attended", parse_attended, False, "出勤标记")
    if "attended" not in check.frame:
        return np.zeros(len(check.frame), dtype=bool)
    check.rules["attended"] = "填“否”、缺席、请假、× 等的行表示未参加，不导入"
    raw = check.frame["attended"]
    blank = np.array([is_blank(v) for v in raw], dtype=bool)
    if not blank.all():
        check.add(
            ERROR, np.flatnonzero(blank), "attended", "未填写：同列其他行已填写，请填“是”或“否”（未参加的填“否”）"
        )
    return np.array([v is False for v in attended], dtype=bool)


def _unread_attendance(check: Checker, data: Extracted) -> None:
    """A column no field took whose words are mostly 是/否 or 出席/缺席/请假 may be saying who was absent: importing
    every row would count the absent as taking part, so the sheet is refused until the clerk says what it is."""
    layout = check.layout
    for index, values in data.unused.items():
        if index in layout.chosen:
            continue
        filled = [v for v in values if not is_blank(v)]
        words = [v for v in filled if is_attendance_word(v)]
        if not words or len(words) * 2 < len(filled):
            continue
        header = layout.headers[index]
        samples = "、".join(list(dict.fromkeys(str(v).strip() for v in words))[:3])
        check.on_header(
            header,
            f"“{header}”列填的是“{samples}”这样的是否/出勤情况，但这一列没有被读取，不能确定哪些人没有参加："
            f"若它表示是否参加，请把表头改为“是否参加”（或在列对应中把它选为“是否参加”），填“否”、缺席、请假的行"
            "将不导入；若与是否参加无关，请在列对应中把它选为“忽略”",
            samples,
        )
