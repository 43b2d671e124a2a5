"""Checking a 人员名单 sheet: its cells read, then planned against the roster (analytics.sheets.roster)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.sheets.checks.checker import Checker, Context
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.kinds import FACT_KINDS
from analytics.sheets.layout import Extracted, Layout
from analytics.sheets.normalize import clean_name, code_text, is_blank
from analytics.sheets.people import People
from analytics.sheets.problems import WARNING, Problem
from analytics.sheets.roster import RosterPlan, plan_roster
from analytics.store.db import scalar


def check_roster(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    year = ctx.book.campaign_year
    names = check.parse("name", lambda v: (clean_name(v) or None, None if clean_name(v) else "不能为空"), True, "姓名")
    sections = check.text("section", True, "科室")
    titles = check.text("title")
    categories = check.text("category")
    staff = check.parse("staff_no", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), False, "工号")
    statuses = check.text("status")
    changed = check.parse("changed_on", ctx.date_parser("first"), False, "日期")
    # dtype=object keeps blank cells as None: pandas would turn them into NaN, which reads as a value.
    rows = pd.DataFrame(
        {
            "name": names,
            "section": sections,
            "title": titles,
            "category": categories,
            "staff_no": staff,
            "status": statuses,
            "changed_on": changed,
        },
        dtype=object,
    )
    rows["_row"] = check.rows
    rows = rows[~check.bad].reset_index(drop=True)
    start, end = date(year, 1, 1), date(year, 12, 31)
    default_on = min(max(ctx.today, start), end)
    headers = {key: layout.header_of(key) for key in layout.columns}
    decisions = {row: choice for (name, row), choice in ctx.decisions.items() if name == sheet}
    plan, after, problems = plan_roster(
        ctx.people, rows, sheet, headers, default_on, start, ctx.mark_missing_left, decisions, ctx.same_name
    )
    check.problems.extend(problems)
    _events_after_leaving(check, ctx, plan, after)
    result = check.result("roster", rows, roster_plan=plan, roster_after=after)
    result.notes.append(plan.summary())
    return result


# A person's own events dated after a day: over the kinds whose rows are one person's events (kinds.person_events).
_EVENTS_AFTER = " union all ".join(
    f"select event_date from {k.table} where person_id = $p and event_date > $on"
    for k in FACT_KINDS.values()
    if k.section_follows_person
)


def _events_after_leaving(check: Checker, ctx: Context, plan: RosterPlan, after: People) -> None:
    """A departure dated before records already stored says so, as the records would had they come after it."""
    leaving = [(x["person_id"], x["on"], x["row"]) for x in plan.leaves if x["person_id"] > 0]
    for pid, on, row in leaving:
        later = scalar(ctx.cur, f"select count(*) from ({_EVENTS_AFTER})", {"p": pid, "on": on})
        if later:
            check.problems.append(
                Problem(
                    WARNING,
                    check.sheet,
                    row,
                    check.column("status") if "status" in check.layout.columns else None,
                    None,
                    f"{after.people[pid].name} 离岗日期为 {on:%Y-%m-%d}，已导入的记录中有 {later} 条在此之后：请核对",
                )
            )
