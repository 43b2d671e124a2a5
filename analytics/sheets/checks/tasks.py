"""Checking a 任务台账 sheet: one progress snapshot per task and 更新日期; the lead section, the owner, the stage
against the progress, and the snapshots of the same task and day it replaces."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.sheets.body import Extracted
from analytics.sheets.checks.checker import Checker, Context, dates
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.events import stored_matches
from analytics.sheets.layout import Layout
from analytics.sheets.names import split_list
from analytics.sheets.normalize import clean_name, code_text, halfwidth, is_blank, map_unique, parse_percent
from analytics.sheets.problems import ERROR, MAX_LISTED, WARNING, Problem, show_value
from analytics.store.db import fetch_df


def _progress_column(check: Checker) -> np.ndarray:
    """进度 on the 0–100 scale. A column written as fractions (none over 1: 0.6, or 0.6 formatted as 60 %; in a CSV
    the text 0.6) is scaled once for the whole column, and says so; fractions beside figures over 1 (0.6 next to 80)
    are asked about, since one of the two readings is wrong; so is a plain 1 beside figures over 1, since a cell
    formatted 100 % holds the number 1. A figure written with % is taken as written."""
    values = check.parse("progress", parse_percent, True, "进度（0～100 的数字）")
    raw = check.frame["progress"].to_numpy(dtype=object)
    nums = np.array([v if v is not None else np.nan for v in values], dtype=float)
    marked = np.array([isinstance(r, str) and ("%" in r or "％" in r) for r in raw], dtype=bool)
    plain = ~np.isnan(nums) & ~marked
    fraction = plain & (nums > 0) & (nums < 1)
    over_one = plain & (nums > 1)
    if (fraction.any() or (plain & (nums == 1)).any()) and over_one.any():
        example = nums[np.flatnonzero(over_one)[0]]
        for pos in np.flatnonzero(fraction):
            percent = round(nums[pos] * 100, 6)
            check.add(
                ERROR,
                pos,
                "progress",
                f"进度 {nums[pos]:g} 是小数，同列其他行按 0～100 填写（如 {example:g}）：两种写法不能混用，"
                f"若是 {percent:g}% 请写 {percent:g}",
            )
        for pos in np.flatnonzero(plain & (nums == 1)):
            check.add(
                ERROR,
                pos,
                "progress",
                f"进度 1 意思不明确：同列其他行按 0～100 填写（如 {example:g}），而 Excel 中显示为 100% 的单元格存的是 1："
                "已完成请写 100；若是 1%，请写成带百分号的文字“1%”",
            )
    elif plain.any() and not over_one.any() and (nums[plain] > 0).any():
        scaled = np.flatnonzero(plain)
        first = nums[scaled[0]]
        nums[scaled] = nums[scaled] * 100
        check.problems.append(
            Problem(
                WARNING,
                check.sheet,
                None,
                check.layout.header_of("progress"),
                None,
                f"整列进度都不大于 1，按小数理解、换算为百分比（{len(scaled)} 行，如第 {int(check.rows[scaled[0]])} 行 "
                f"{first:g} → {first * 100:g}）；若本意是不到 1% 的进度，请写成 0.5% 这样带百分号的形式",
            )
        )
    out = np.array([None if np.isnan(v) else float(v) for v in nums], dtype=object)
    check.outside(
        "progress", out, 0, 100, lambda pos: f"进度 {nums[pos]:g} 超出范围：应在 0～100 之间（100 表示全部完成）"
    )
    return out


CONFIRM_DROP = "confirm"
DROP_LABELS = {CONFIRM_DROP: "进度确实下降，照常导入"}
# The question's "topic": what the import page and the CLI offer to confirm all at once (and nothing else).
DROP_TOPIC = "progress_drop"


def _progress_drops(ctx: Context, check: Checker, rows: pd.DataFrame) -> list[dict]:
    """Snapshots of one task whose progress falls from one date to the next: between a row and the latest stored
    snapshot before it, a row and the earliest stored one after it, or two rows of this sheet. A ledger's progress
    rarely falls, and a digit dropped (80 typed 8) would darken a task's light in silence: each row on either side of
    a drop is asked about (请您确认) until the clerk confirms it or corrects the cell. One query for all rows: the
    sheet's snapshots and the stored ones of its tasks in one timeline per task (a stored snapshot of a task and day
    the sheet sends again is replaced by it, so left out)."""
    if rows.empty:
        return []
    probe = rows[["task_code", "updated_on", "progress", "_row"]]
    ctx.cur.complete()
    ctx.cur.register("upload_progress", probe)
    try:
        drops = fetch_df(
            ctx.cur,
            """
            with upload as (
                select task_code, cast(updated_on as date) as updated_on, progress, cast(_row as bigint) as _row
                from upload_progress
            ),
            stored as (
                select t.task_code, t.updated_on, t.progress, null::bigint as _row
                from task_snapshot t
                where t.superseded_by is null
                  and t.task_code in (select task_code from upload)
                  and not exists (
                      select 1 from upload u where u.task_code = t.task_code and u.updated_on = t.updated_on
                  )
            ),
            timeline as (
                select *,
                       lag(progress) over w as before_progress,
                       lag(updated_on) over w as before_on,
                       lag(_row) over w as before_row
                from (select * from upload union all select * from stored)
                window w as (partition by task_code order by updated_on, _row nulls first)
            )
            select task_code, before_on, before_progress, before_row, updated_on, progress, _row
            from timeline
            where before_progress is not null
              and progress < before_progress - 1e-9
              and (_row is not null or before_row is not null)
            order by coalesce(_row, before_row)
            """,
        )
    finally:
        ctx.cur.unregister("upload_progress")
    asked: dict[int, dict] = {}
    header = check.column("progress")
    for rec in drops.to_dict("records"):
        row_now = None if pd.isna(rec["_row"]) else int(rec["_row"])
        row_before = None if pd.isna(rec["before_row"]) else int(rec["before_row"])
        before = f"{rec['before_progress']:g}%（{rec['before_on']:%Y-%m-%d}"
        now = f"{rec['progress']:g}%（{rec['updated_on']:%Y-%m-%d}"
        if row_now is not None:
            source = "已导入的快照" if row_before is None else f"本表第 {row_before} 行"
            said = f"任务 {rec['task_code']} 的进度由 {before}，{source}）降为 {now}，本行）"
            row, value = row_now, rec["progress"]
        else:
            assert row_before is not None
            said = f"任务 {rec['task_code']} 本行的进度 {before}）高于此后已导入的快照 {now}）：导入后进度会显示为下降"
            row, value = row_before, rec["before_progress"]
        if row in asked:
            continue
        confirmed = ctx.confirm_drops or ctx.decisions.get((check.sheet, row)) == CONFIRM_DROP
        if confirmed:
            check.problems.append(Problem(WARNING, check.sheet, row, header, value, f"{said}：按您的确认照常导入"))
        else:
            check.problems.append(
                Problem(
                    ERROR,
                    check.sheet,
                    row,
                    header,
                    value,
                    f"{said}：进度一般不会下降，请您确认——如是填错（如少写了一位数字），请改正这一格；"
                    f"确实下降的，请在预览的“请您确认”中选择“{DROP_LABELS[CONFIRM_DROP]}”",
                )
            )
        asked[row] = {
            "sheet": check.sheet,
            "row": row,
            "name": rec["task_code"],
            "now": "",
            "to": "",
            "text": f"「{check.sheet}」第 {row} 行：{said}。是否照常导入？",
            "choices": [{"value": k, "label": v} for k, v in DROP_LABELS.items()],
            "topic": DROP_TOPIC,
        }
    return list(asked.values())


def check_tasks(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    frame = data.frame
    codes = check.parse(
        "task_code", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), True, "任务编号"
    )
    names = check.text("task_name", True, "任务名称")
    ledgers = check.vocab("ledger", ctx.book.vocab_ledgers, True, "台账类别")
    stages = check.vocab("stage", ctx.book.vocab_stages, True, "当前环节")
    starts = check.parse("start_date", ctx.date_parser("first"), False, "日期")
    dues = check.parse("due_date", ctx.date_parser("last"), True, "计划完成日期")
    if "due_date" in frame:
        check.rules["due_date"] = "只写年月的，按当月最后一天计"
    updated = dates(check, ctx, "updated_on")
    progress = _progress_column(check)
    notes = check.text("latest_note")
    owners = check.text("owner")

    def section(value):
        if is_blank(value):
            return None, "不能为空"
        parts = split_list(halfwidth(str(value)))
        sid = ctx.people.section_id(parts[0]) if parts else None
        return (sid, None) if sid is not None else (None, "unknown")

    sections, problems = map_unique(frame["section"], section)
    for pos in np.flatnonzero(problems != None).tolist():  # noqa: E711
        if problems[pos] == "不能为空":
            check.add(ERROR, pos, "section", "不能为空：请填写牵头科室")
            continue
        raw = show_value(frame["section"].iat[pos])
        close = ctx.people.suggest_sections(raw)
        hint = f"是否为：{'、'.join(close)}？" if close else ""
        check.add(ERROR, pos, "section", f"“{raw}”不是人员名单中的科室。{hint}")
    multi = np.array([isinstance(v, str) and len(split_list(v)) > 1 for v in frame["section"]], dtype=bool)
    if multi.any():
        check.add(WARNING, np.flatnonzero(multi)[:1], "section", "填写了多个科室，按第一个（牵头科室）统计")

    owner_ids = np.zeros(len(frame), dtype=np.int64)
    if "owner" in frame:
        first_owner = pd.Series([re.split(r"[、,，/;；\s]+", o.strip())[0] if o else "" for o in owners], dtype=object)
        unknown: dict[str, int] = {}
        for pos, name in enumerate(first_owner):
            name = clean_name(name)
            if not name:
                continue
            candidates = ctx.people.by_name.get(name, [])
            if len(candidates) == 1:
                owner_ids[pos] = candidates[0]
            elif name not in unknown:
                unknown[name] = pos
        for name, pos in unknown.items():
            close = ctx.people.suggest_names(name)
            hint = f"（最接近：{'、'.join(close)}）" if close else ""
            why = "在名单中有重名" if ctx.people.by_name.get(name) else "不在人员名单中"
            check.add(WARNING, pos, "owner", f"责任人“{name}”{why}{hint}，个人档案中将不显示这项任务")

    closed = ctx.book.closed_stage
    for pos in range(len(frame)):
        if dues[pos] is not None and starts[pos] is not None and dues[pos] < starts[pos]:
            check.add(
                ERROR, pos, "due_date", f"计划完成日期 {dues[pos]:%Y-%m-%d} 早于开始日期 {starts[pos]:%Y-%m-%d}：请核对"
            )
        if progress[pos] is not None and stages[pos] is not None:
            if stages[pos] == closed and progress[pos] < 100:
                check.add(WARNING, pos, "progress", f"环节为“{closed}”但进度只有 {progress[pos]:g}%：按已办结统计")
            elif stages[pos] != closed and progress[pos] >= 100:
                check.add(WARNING, pos, "stage", f"进度已到 100% 但环节为“{stages[pos]}”：办结后请把环节改为“{closed}”")

    check.duplicates([codes, updated], "任务编号、更新日期", "同一任务同一天只保留一条进展")
    rows = pd.DataFrame(
        {
            "task_code": codes,
            "task_name": names,
            "ledger": ledgers,
            "section_id": sections,
            "owner_name": owners,
            "owner_person_id": owner_ids,
            "start_date": starts,
            "due_date": dues,
            "progress": progress,
            "stage": stages,
            "latest_note": notes,
            "updated_on": updated,
            "_row": check.rows,
        }
    )
    rows = rows[~check.bad].reset_index(drop=True)
    rows["owner_person_id"] = rows["owner_person_id"].where(rows["owner_person_id"] != 0, None)
    rows = rows.astype({"section_id": "int64", "progress": float})
    live = "(select * from task_snapshot where superseded_by is null)"
    found = stored_matches(ctx.cur, rows, live, ["task_code", "updated_on"], ", t.fact_id, t.task_code, t.updated_on")
    replaced = found[["fact_id", "task_code", "updated_on", "batch_id"]] if len(found) else None
    if len(rows):
        names_before = fetch_df(
            ctx.cur,
            """
            select task_code, arg_max(task_name, updated_on) as task_name
            from task_snapshot where superseded_by is null and task_code in (select unnest(?))
            group by task_code
            """,
            [sorted(set(rows["task_code"]))],
        ).set_index("task_code")["task_name"]
        old_name = rows["task_code"].map(names_before)
        renamed = rows[old_name.notna() & (old_name != rows["task_name"])]
        for rec in renamed.drop_duplicates("task_code").head(MAX_LISTED).to_dict("records"):
            check.problems.append(
                Problem(
                    WARNING,
                    sheet,
                    int(rec["_row"]),
                    check.column("task_name"),
                    rec["task_name"],
                    f"任务 {rec['task_code']} 原名称为“{names_before[rec['task_code']]}”，将按新名称显示：如编号填错请更正",
                )
            )
    questions = _progress_drops(ctx, check, rows)
    result = check.result("tasks", rows, replaced=replaced)
    result.questions.extend(questions)
    if replaced is not None and len(replaced):
        result.notes.append(f"替换 {len(replaced)} 条已有的同日进度快照（同一任务、同一更新日期以本次为准）")
    return result
