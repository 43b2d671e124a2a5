"""Tasks on the wall (挂图作战): each task's state and light on a date, the closed loop, completion rates, burn-up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from analytics.errors import DashboardError
from analytics.results.lights import LABELS
from analytics.results.trace import Trace, source_rows
from analytics.rules import rulebook as rb
from analytics.store.db import Con, fetch_df, scalar

# Precedence of the primary light: the first that applies wins (the table lives in lights.py).
LIGHTS = LABELS
LIGHT_PARAMS = ["light_lag_margin", "light_stale_days", "light_due_soon_days"]

# The state of every task on $as_of: its latest live snapshot on or before that day. A task's start is the latest
# start date written so far, else the day it was first reported; closed_on is the first day reported closed.
_STATE = """
    latest as (
        select task_code,
               max_by(fact_id, (updated_on, fact_id)) as fact_id,
               min(updated_on) as first_on,
               min(updated_on) filter (where stage = $closed) as first_closed_on,
               max_by(start_date, (updated_on, fact_id)) filter (where start_date is not null) as any_start
        from task_snapshot
        where superseded_by is null and updated_on <= $as_of::date
        group by task_code
    ),
    state as (
        select t.* exclude (superseded_by), l.first_closed_on, coalesce(l.any_start, l.first_on) as start
        from latest l
        join task_snapshot t using (fact_id)
    )
"""

# The lights of every task in state; filters are optional (null = all).
_LIGHTS = (
    "with "
    + _STATE
    + """,
    steps as (
        select unnest($stage_names::varchar[]) as stage, unnest($stage_steps::integer[]) as stage_step
    ),
    calc as (
        select s.*, st.stage_step,
               s.stage = $closed as is_closed,
               date_diff('day', s.updated_on, $as_of::date) as days_since_update,
               date_diff('day', $as_of::date, s.due_date) as days_to_due,
               case
                   when s.due_date <= s.start then case when $as_of::date >= s.due_date then 100.0 else 0.0 end
                   else greatest(0.0, least(1.0,
                       date_diff('day', s.start, $as_of::date) / date_diff('day', s.start, s.due_date)::double
                   )) * 100
               end as expected_exact
        from state s
        left join steps st using (stage)
        where ($ledger::varchar is null or s.ledger = $ledger)
          and ($section_id::integer is null or s.section_id = $section_id)
          and ($owner::integer is null or s.owner_person_id = $owner)
          and ($task_code::varchar is null or s.task_code = $task_code)
    ),
    rounded as (
        -- shown rounded; compared unrounded (a 滞后 test on 39.011 must not use 39.0)
        select *, round(expected_exact, 1) as expected from calc
    ),
    flagged as (
        select *,
               list_filter([
                   case when is_closed then '已办结' end,
                   case when not is_closed and days_to_due < 0 then '逾期' end,
                   -- the tolerance keeps a progress exactly at the margin 正常 despite float subtraction
                   case when not is_closed and progress < expected_exact - $lag - 1e-9 then '滞后' end,
                   case when not is_closed and days_since_update > $stale then '久未反馈' end,
                   case when not is_closed and days_to_due between 0 and $soon then '临期' end
               ], lambda x: x is not null) as raw_flags
        from rounded
    ),
    lights as (
        select f.*,
               case when len(raw_flags) = 0 then ['正常'] else raw_flags end as flags,
               case when len(raw_flags) = 0 then '正常' else raw_flags[1] end as light,
               case when is_closed then first_closed_on end as closed_on,
               is_closed and first_closed_on > due_date as closed_late,
               case
                   when list_contains(raw_flags, '逾期') then 0
                   when list_contains(raw_flags, '久未反馈') then 1
                   when list_contains(raw_flags, '滞后') then 2
                   when list_contains(raw_flags, '临期') then 3
                   when is_closed then 5
                   else 4
               end as attention,
               sec.name as section
        from flagged f
        left join section sec using (section_id)
    )
"""
)

_LIGHT_COLUMNS = """
    task_code, task_name, ledger, section_id, section, owner_name, owner_person_id, start, due_date, progress,
    expected, stage, stage_step, latest_note, updated_on, days_since_update, days_to_due, light, flags, closed_on,
    coalesce(closed_late, false) as closed_late, attention, fact_id, batch_id, source_file, sheet, row_no
"""


def _light_params(
    book: rb.RuleBook,
    as_of: date,
    ledger: str | None = None,
    section_id: int | None = None,
    owner: int | None = None,
    task_code: str | None = None,
) -> dict[str, Any]:
    return {
        "as_of": as_of,
        "closed": book.closed_stage,
        "stage_names": [s.name for s in book.stages],
        "stage_steps": [s.step for s in book.stages],
        "lag": book.param("light_lag_margin"),
        "stale": book.int_param("light_stale_days"),
        "soon": book.int_param("light_due_soon_days"),
        "ledger": ledger,
        "section_id": section_id,
        "owner": owner,
        "task_code": task_code,
    }


def _with_lists(frame: pd.DataFrame) -> pd.DataFrame:
    if "flags" in frame:
        frame["flags"] = [list(x) for x in frame["flags"]]
    return frame


def task_lights(
    cur: Con, as_of: date, ledger: str | None = None, section_id: int | None = None, owner: int | None = None
) -> pd.DataFrame:
    """One row per task existing on as_of: its latest snapshot, expected progress, light, flags and lineage.

    Sorted for the page: 逾期 first, then 久未反馈, 滞后, 临期, 正常, 已办结 (column ``attention``), then by due date."""
    book = rb.in_force(cur, as_of)
    frame = fetch_df(
        cur,
        _LIGHTS + f"select {_LIGHT_COLUMNS} from lights order by attention, due_date, task_code",
        _light_params(book, as_of, ledger, section_id, owner),
    )
    return _with_lists(frame)


def tasks_of_person(cur: Con, person_id: int, as_of: date) -> pd.DataFrame:
    """One row per task whose responsible person (责任人) is the person, as in task_lights."""
    return task_lights(cur, as_of, owner=person_id)


def attention_list(cur: Con, as_of: date, ledger: str | None = None, section_id: int | None = None) -> pd.DataFrame:
    """One row per open task that is not 正常 (逾期, 久未反馈, 滞后 or 临期), most urgent first."""
    frame = task_lights(cur, as_of, ledger, section_id)
    return frame[frame["attention"] <= 3].reset_index(drop=True)


def late_closures(cur: Con, as_of: date) -> pd.DataFrame:
    """One row per task closed after its due date (逾期办结), latest first by days late."""
    book = rb.in_force(cur, as_of)
    return fetch_df(
        cur,
        _LIGHTS
        + """
        select task_code, task_name, ledger, section_id, section, owner_name, owner_person_id, due_date, closed_on,
               date_diff('day', due_date, closed_on) as days_late, fact_id, batch_id, source_file, sheet, row_no
        from lights
        where closed_late
        order by days_late desc, task_code
        """,
        _light_params(book, as_of),
    )


def light_trace(cur: Con, task_code: str, as_of: date) -> Trace:
    """How a task's light on a date was reached: parameters, formula, the snapshot used and its source row."""
    book = rb.in_force(cur, as_of)
    frame = _with_lists(
        fetch_df(
            cur,
            _LIGHTS + f"select {_LIGHT_COLUMNS}, first_closed_on from lights",
            _light_params(book, as_of, task_code=task_code),
        )
    )
    if frame.empty:
        raise DashboardError(f"任务 {task_code} 截至 {as_of:%Y-%m-%d} 还没有进度记录")
    row = frame.iloc[0]
    lag = book.param("light_lag_margin")
    stale = book.int_param("light_stale_days")
    soon = book.int_param("light_due_soon_days")
    formula = (
        "应达进度 =（截至日期 − 开始日期）÷（计划完成日期 − 开始日期）× 100%，限定在 0～100%；"
        "未填开始日期的，以首次填报日期为开始日期；计划完成日期不晚于开始日期的，到期即为 100%。"
        f"亮灯按顺序取第一个符合的：已办结（当前环节为“{book.closed_stage}”）＞ 逾期（已过计划完成日期仍未办结）"
        f"＞ 滞后（实际进度比应达进度低 {lag:g} 个百分点以上）＞ 久未反馈（超过 {stale} 天没有更新）"
        f"＞ 临期（距计划完成日期不超过 {soon} 天）＞ 正常。"
    )
    sources = source_rows(cur, "task_snapshot", [int(row["fact_id"])])
    inputs = frame[
        [
            "task_code",
            "task_name",
            "updated_on",
            "progress",
            "stage",
            "start",
            "due_date",
            "expected",
            "days_since_update",
            "days_to_due",
            "light",
            "fact_id",
        ]
    ].merge(sources, on="fact_id", how="left")
    inputs.insert(0, "as_of", as_of)
    # Timestamps, so the trace's records show the dates as text.
    for col in ("as_of", "updated_on", "start", "due_date"):
        inputs[col] = pd.to_datetime(inputs[col])
    start, due = row["start"], row["due_date"]
    notes = [
        f"截至 {as_of:%Y-%m-%d} 的最新进度：{row['updated_on']:%Y-%m-%d} 填报，进度 {row['progress']:g}%，"
        f"环节“{row['stage']}”。",
    ]
    if due > start:
        passed = min(max((as_of - start).days, 0), (due - start).days)
        notes.append(
            f"开始日期 {start:%Y-%m-%d}，计划完成日期 {due:%Y-%m-%d}，共 {(due - start).days} 天，"
            f"已过 {passed} 天，应达进度 {row['expected']:g}%。"
        )
    else:
        notes.append(f"计划完成日期 {due:%Y-%m-%d} 不晚于开始日期 {start:%Y-%m-%d}，应达进度 {row['expected']:g}%。")
    flags = "、".join(row["flags"])
    notes.append(f"判定：{row['light']}（符合的情形：{flags}）。")
    if row["closed_on"] is not None and not pd.isna(row["closed_on"]):
        late = "，晚于计划完成日期（逾期办结）" if row["closed_late"] else "，按期办结"
        notes.append(f"{row['closed_on']:%Y-%m-%d} 首次填报为“{book.closed_stage}”{late}。")
    for src in sources.to_dict("records"):
        notes.append(
            f"来源：批次 #{src['batch_id']}，文件“{src['source_file']}”，工作表“{src['sheet']}”第 {src['row_no']} 行。"
        )
    return Trace.for_book(
        f"任务 {task_code}「{row['task_name']}」截至 {as_of:%Y-%m-%d} 的亮灯",
        book,
        LIGHT_PARAMS,
        formula,
        inputs=inputs,
        notes=notes,
    )


def funnel(cur: Con, as_of: date, ledger: str | None = None, section_id: int | None = None) -> pd.DataFrame:
    """One row per stage of the closed loop (领办登记 → 全程督查 → 即时反馈 → 办结销号): tasks that have reached it
    (current step >= its step), tasks at it now, and the share reached of all tasks."""
    book = rb.in_force(cur, as_of)
    return fetch_df(
        cur,
        _LIGHTS
        + """
        select st.stage, st.stage_step as step,
               count(l.task_code) filter (where l.stage_step >= st.stage_step) as reached,
               count(l.task_code) filter (where l.stage_step = st.stage_step) as current,
               count(l.task_code) as tasks,
               count(l.task_code) filter (where l.stage_step >= st.stage_step)
                   / nullif(count(l.task_code), 0)::double as reached_share
        from steps st
        left join lights l on true
        group by st.stage, st.stage_step
        order by st.stage_step
        """,
        _light_params(book, as_of, ledger, section_id),
    )


def rates(cur: Con, as_of: date, by: str = "ledger") -> pd.DataFrame:
    """One row per ledger (every ledger of the rule book, with its planned count) or per section (every section):
    tasks, closed, completion_rate, due (due_date <= as_of), on_time (closed by the due date, among due),
    on_time_rate, overdue, closed_late."""
    if by not in ("ledger", "section"):
        raise ValueError(by)
    book = rb.in_force(cur, as_of)
    params = _light_params(book, as_of)
    agg = """
        count(l.task_code) as tasks,
        count(l.task_code) filter (where l.is_closed) as closed,
        count(l.task_code) filter (where l.is_closed) / nullif(count(l.task_code), 0)::double as completion_rate,
        count(l.task_code) filter (where l.due_date <= $as_of::date) as due,
        count(l.task_code) filter (where l.due_date <= $as_of::date and l.is_closed and l.closed_on <= l.due_date)
            as on_time,
        count(l.task_code) filter (where l.due_date <= $as_of::date and l.is_closed and l.closed_on <= l.due_date)
            / nullif(count(l.task_code) filter (where l.due_date <= $as_of::date), 0)::double as on_time_rate,
        count(l.task_code) filter (where l.light = '逾期') as overdue,
        count(l.task_code) filter (where l.closed_late) as closed_late,
        avg(l.progress) as progress_avg
    """
    if by == "section":
        sql = (
            _LIGHTS
            + f"""
            select s.section_id, s.name as section, {agg}
            from section s
            left join lights l on l.section_id = s.section_id
            group by s.section_id, s.name, s.sort_order
            order by s.sort_order, s.section_id
            """
        )
        return fetch_df(cur, sql, params)
    params.update(
        ledger_names=[x.name for x in book.ledgers],
        ledger_planned=[x.planned for x in book.ledgers],
        ledger_order=list(range(len(book.ledgers))),
    )
    # Ledgers a task still names after the rule book dropped them are kept, after the book's own.
    sql = (
        _LIGHTS
        + f""",
        book_ledgers as (
            select unnest($ledger_names::varchar[]) as ledger, unnest($ledger_planned::integer[]) as planned,
                   unnest($ledger_order::integer[]) as sort_order
        ),
        all_ledgers as (
            select ledger, planned, sort_order from book_ledgers
            union all
            select distinct ledger, null, null from lights where ledger not in (select ledger from book_ledgers)
        )
        select b.ledger, b.planned, {agg}
        from all_ledgers b
        left join lights l on l.ledger = b.ledger
        group by b.ledger, b.planned, b.sort_order
        order by b.sort_order nulls last, b.ledger
        """
    )
    frame = fetch_df(cur, sql, params)
    frame["planned"] = frame["planned"].astype("Int64")
    return frame


def section_task_rates(cur: Con, start: date, end: date, as_of: date) -> pd.DataFrame:
    """One row per section (every section): tasks due in [start, end] (by the task's state on as_of), how many of
    them were closed by their due date (and by as_of), and the on-time rate (NaN when none was due).

    This is the task part of the quarterly flag."""
    frame = section_task_rates_many(cur, [(start, end, as_of)])
    return frame.drop(columns="period").reset_index(drop=True)


def section_task_rates_many(cur: Con, periods: list[tuple[date, date, date]]) -> pd.DataFrame:
    """section_task_rates for several (start, end, as_of) periods in one query: one row per period x section, with
    ``period`` the period's position in the list. The flags score two to five quarters at a time."""
    if not periods:
        return pd.DataFrame(columns=["period", "section_id", "due", "on_time", "rate"])
    closed = [rb.in_force(cur, end).closed_stage for _, end, _ in periods]
    frame = fetch_df(
        cur,
        """
        with periods as (
            select unnest(range(len($starts::date[]))) as period, unnest($starts::date[]) as p_start,
                   unnest($ends::date[]) as p_end, unnest($as_ofs::date[]) as as_of,
                   unnest($closed::varchar[]) as closed
        ),
        -- Each live snapshot is a task's state from its date until the task's next snapshot (a same-day pair: the
        -- later fact_id), so the state on as_of is the one snapshot whose span holds it: one row per period x task,
        -- not every period x every snapshot before it.
        spans as (
            select task_code, fact_id, updated_on,
                   coalesce(
                       lead(updated_on) over (partition by task_code order by updated_on, fact_id), '9999-12-31'::date
                   ) as next_on
            from task_snapshot
            where superseded_by is null
        ),
        first_stage as (
            select task_code, stage, min(updated_on) as first_on
            from task_snapshot
            where superseded_by is null
            group by task_code, stage
        ),
        state as (
            select p.period, t.task_code, t.section_id, t.due_date, t.stage,
                   case when f.first_on <= p.as_of then f.first_on end as first_closed_on
            from periods p
            join spans s on s.updated_on <= p.as_of and s.next_on > p.as_of
            join task_snapshot t on t.fact_id = s.fact_id
            left join first_stage f on f.task_code = s.task_code and f.stage = p.closed
        )
        select p.period, sec.section_id,
               count(s.task_code) filter (where s.due_date between p.p_start and p.p_end) as due,
               count(s.task_code) filter (
                   where s.due_date between p.p_start and p.p_end and s.stage = p.closed
                     and s.first_closed_on <= s.due_date
               ) as on_time
        from periods p
        cross join section sec
        left join state s on s.period = p.period and s.section_id = sec.section_id
        group by p.period, sec.section_id, sec.sort_order
        order by p.period, sec.sort_order, sec.section_id
        """,
        {
            "starts": [p[0] for p in periods],
            "ends": [p[1] for p in periods],
            "as_ofs": [p[2] for p in periods],
            "closed": closed,
        },
    )
    frame = frame.astype({"period": "int64", "section_id": "int64", "due": "int64", "on_time": "int64"})
    frame["rate"] = (frame["on_time"] / frame["due"].where(frame["due"] > 0)).astype(float)
    return frame


def progress_history(cur: Con, task_code: str) -> pd.DataFrame:
    """One row per live snapshot of the task in date order (its burn-up), with the progress expected on that date
    from the start and due date known then."""
    return fetch_df(
        cur,
        """
        with snaps as (
            select *,
                   coalesce(
                       last_value(start_date ignore nulls) over (
                           order by updated_on, fact_id rows between unbounded preceding and current row
                       ),
                       min(updated_on) over ()
                   ) as start
            from task_snapshot
            where superseded_by is null and task_code = $task_code
        )
        select task_code, task_name, updated_on, progress,
               round(
                   case
                       when due_date <= start then case when updated_on >= due_date then 100.0 else 0.0 end
                       else greatest(0.0, least(1.0,
                           date_diff('day', start, updated_on) / date_diff('day', start, due_date)::double
                       )) * 100
                   end, 1) as expected,
               stage, start, due_date, latest_note, fact_id, batch_id, source_file, sheet, row_no
        from snaps
        order by updated_on, fact_id
        """,
        {"task_code": task_code},
    )


def burnup(cur: Con, year: int, ledger: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """One row per calendar week (Mon–Sun) of the year up to as_of (default: the week of the latest snapshot):
    tasks existing at the week's end, closed so far, and their average progress."""
    first, last_day = date(year, 1, 1), date(year, 12, 31)
    if as_of is None:
        latest = scalar(
            cur,
            "select max(updated_on) from task_snapshot where superseded_by is null and updated_on <= $day",
            {"day": last_day},
        )
        as_of = latest or first
    until = min(max(as_of, first), last_day)
    book = rb.in_force(cur, until)
    # Each task's state changes only in the weeks it was reported, so the weekly figures are running sums of those
    # changes: a task's latest snapshot in a week is its state from that week until its next reported week. This
    # reads each live snapshot once (no week x snapshot join) and gives the same counts and averages.
    frame = fetch_df(
        cur,
        """
        with weeks as (
            select w::date as week_start, least((w + interval 6 day)::date, $last_day::date) as week_end
            from generate_series(date_trunc('week', $first::date), $until::date, interval 7 day) t(w)
        ),
        snaps as (
            select task_code, updated_on, fact_id, progress, stage, ledger,
                   greatest(date_trunc('week', updated_on)::date, date_trunc('week', $first::date)::date) as week_start
            from task_snapshot
            where superseded_by is null and updated_on <= $until::date
        ),
        per_week as (
            select task_code, week_start,
                   arg_max(progress, (updated_on, fact_id)) as progress,
                   arg_max(stage, (updated_on, fact_id)) as stage,
                   arg_max(ledger, (updated_on, fact_id)) as ledger
            from snaps
            group by task_code, week_start
        ),
        spans as (
            select *, lead(week_start) over (partition by task_code order by week_start) as next_week
            from per_week
        ),
        kept as (
            select week_start, next_week, coalesce(stage = $closed, false)::integer as closed,
                   progress::decimal(38, 12) as progress
            from spans
            where $ledger::varchar is null or ledger = $ledger
        ),
        changes as (
            select week_start, 1 as tasks, closed, progress from kept
            union all
            select next_week, -1, -closed, -progress from kept where next_week is not null
        ),
        weekly as (
            select week_start, sum(tasks) as tasks, sum(closed) as closed, sum(progress) as progress
            from changes
            group by week_start
        ),
        running as (
            select wk.week_start, wk.week_end,
                   sum(coalesce(c.tasks, 0)) over w as tasks,
                   sum(coalesce(c.closed, 0)) over w as closed,
                   sum(coalesce(c.progress, 0)) over w as progress
            from weeks wk
            left join weekly c using (week_start)
            window w as (order by wk.week_start rows between unbounded preceding and current row)
        )
        select week_start, week_end, tasks::bigint as tasks, closed::bigint as closed,
               case when tasks > 0 then progress::double / tasks end as progress_avg
        from running
        order by week_start
        """,
        {"first": first, "last_day": last_day, "until": until, "closed": book.closed_stage, "ledger": ledger},
    )
    return frame


def light_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Tasks per light, every light present (zero when none), in precedence order."""
    counts = frame["light"].value_counts() if len(frame) else pd.Series(dtype="int64")
    return {light: int(counts.get(light, 0)) for light in LIGHTS}


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.isoformat()


def tasks_json(cur: Con, as_of: date) -> dict:
    """The wall as plain data: every task with its light, and the count per light."""
    frame = task_lights(cur, as_of)
    tasks = [
        {
            "task_code": rec["task_code"],
            "task_name": rec["task_name"],
            "ledger": rec["ledger"],
            "section": rec["section"],
            "progress": float(rec["progress"]),
            "expected": float(rec["expected"]),
            "stage": rec["stage"],
            "light": rec["light"],
            "flags": list(rec["flags"]),
            "due_date": _iso(rec["due_date"]),
            "updated_on": _iso(rec["updated_on"]),
        }
        for rec in frame.to_dict("records")
    ]
    return {"as_of": as_of.isoformat(), "tasks": tasks, "counts": light_counts(frame)}
