"""Checking a 人员名单 sheet: its cells read, then planned against the roster (analytics.sheets.roster)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.sheets.body import Extracted
from analytics.sheets.checks.checker import Checker, Context
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.kinds import FACT_KINDS
from analytics.sheets.layout import Layout
from analytics.sheets.normalize import clean_name, is_blank, staff_key
from analytics.sheets.people import People
from analytics.sheets.problems import WARNING, Problem
from analytics.sheets.roster import RosterPlan, plan_roster, read_status


def check_roster(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    year = ctx.book.campaign_year
    names = check.parse("name", lambda v: (clean_name(v) or None, None if clean_name(v) else "不能为空"), True, "姓名")
    sections = check.text("section", True, "科室")
    titles = check.text("title")
    categories = check.text("category")
    staff = check.parse(
        "staff_no", lambda v: (staff_key(v) or None, None if not is_blank(v) else "不能为空"), False, "工号"
    )
    statuses = check.parse("status", read_status, False, "状态")
    changed = check.parse("changed_on", ctx.date_parser("first"), False, "日期")
    left = check.parse("left_on", ctx.date_parser("first"), False, "日期")
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
            "left_on": left,
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


# People's own events (person, date): over the kinds whose rows are one person's events (kinds.person_events).
_PERSON_EVENTS = " union all ".join(
    f"select person_id, event_date from {k.table}" for k in FACT_KINDS.values() if k.section_follows_person
)


def _events_after_leaving(check: Checker, ctx: Context, plan: RosterPlan, after: People) -> None:
    """A departure dated before records already stored says so, as the records would had they come after it."""
    leaving = [(x["person_id"], x["on"], x["row"]) for x in plan.leaves if x["person_id"] > 0]
    if not leaving:
        return
    # One count for all the leavers (a city's roster marks hundreds; a query each read the events hundreds of times).
    counts = {
        (pid, on): n
        for pid, on, n in ctx.cur.execute(
            f"""
            select l.person_id, l.left_on, count(*)
            from (select unnest($pids::integer[]) as person_id, unnest($days::date[]) as left_on) l
            join ({_PERSON_EVENTS}) e on e.person_id = l.person_id and e.event_date > l.left_on
            group by all
            """,
            {"pids": [pid for pid, _, _ in leaving], "days": [on for _, on, _ in leaving]},
        ).fetchall()
    }
    for pid, on, row in leaving:
        later = counts.get((pid, on), 0)
        if later:
            check.problems.append(
                Problem(
                    WARNING,
                    check.sheet,
                    row,
                    next((check.column(k) for k in ("left_on", "status") if k in check.layout.columns), None),
                    None,
                    f"{after.people[pid].name} 离岗日期为 {on:%Y-%m-%d}，已导入的记录中有 {later} 条在此之后：请核对",
                )
            )
