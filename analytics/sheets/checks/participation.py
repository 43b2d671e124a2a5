"""Checking a 参与记录 sheet: the activity, the role (主讲 or 参与), hours, duplicates and events already stored."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.sheets.checks.checker import Checker, Context, dates
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.events import skip_stored
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Extracted, Layout
from analytics.sheets.normalize import clean_text, parse_hours

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
    roles = np.where(pd.isna(roles), "参与", roles)
    hours = check.parse("hours", parse_hours, False, "时长（小时）")
    check.outside("hours", hours, 0, 24, lambda pos: f"时长 {hours[pos]:g} 小时不合理：应在 0～24 小时之间")
    check.duplicates([days, pids, activities, titles], "日期、姓名、活动类型、活动名称", "同一活动同一人只需登记一次")
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
    rows = rows[~check.bad].reset_index(drop=True)
    rows, claims = skip_stored(check, ctx.cur, rows, KINDS["participation"], "参与记录")
    rows = rows.astype({"person_id": "int64", "section_id": "int64", "_row": "int64", "hours": "Float64"})
    return check.result("participation", rows, claims=claims)
