"""Tasks on the wall (挂图作战): each task's state and light on a date, the wall's counts, the closed loop and the
completion rates; the snapshots over time (burn-up, history, on-time rates of periods) are in task_progress.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.errors import DashboardError
from analytics.results import task_rollup
from analytics.results.lights import CLOSED, LABELS, OVERDUE, STALE
from analytics.results.task_progress import (  # noqa: F401  (re-exported: callers read them as tasks.*)
    burnup,
    progress_history,
    section_task_rates,
    section_task_rates_many,
)
from analytics.results.trace import Trace, source_rows
from analytics.rules import rulebook as rb
from analytics.store.db import Con, fetch_df

# Precedence of the primary light: the first that applies wins (the table lives in lights.py).
LIGHTS = LABELS
LIGHT_PARAMS = ["light_lag_margin", "light_stale_days", "light_due_soon_days"]

# The state of every task on $as_of: its latest live snapshot on or before that day. A task's start is the latest
# start date written so far, else the day it was first reported; closed_on is the first day reported closed.
# "Latest" is by (updated_on, fact_id), folded into one integer so the aggregate compares numbers, not structs (four
# to six times faster at scale): days * 2^64 + fact_id orders exactly as the pair for any bigint fact_id.
_STATE = """
    keyed as (
        select task_code, fact_id, updated_on, stage, start_date,
               date_diff('day', DATE '1970-01-01', updated_on)::hugeint * 18446744073709551616 + fact_id as recency
        from task_snapshot
        where superseded_by is null and updated_on <= $as_of::date
          and ($task_code::varchar is null or task_code = $task_code)
    ),
    latest as (
        select task_code,
               arg_max(fact_id, recency) as fact_id,
               min(updated_on) as first_on,
               min(updated_on) filter (where stage = $closed) as first_closed_on,
               arg_max(start_date, recency) filter (where start_date is not null) as any_start
        from keyed
        group by task_code
    ),
    state as (
        select t.* exclude (superseded_by), l.first_closed_on, coalesce(l.any_start, l.first_on) as start
        from latest l
        join task_snapshot t using (fact_id)
    )
"""

# The same state from the task rollup (task_rollup.py): the one span of each task that holds $as_of, its first
# closed day from the stage days. A range predicate over the spans, sorted by updated_on, instead of an aggregate
# over every snapshot up to the day.
_SPAN_STATE = """
    state as (
        select s.* exclude (next_on, any_start, first_on), f.first_on as first_closed_on,
               coalesce(s.any_start, s.first_on) as start
        from task_span s
        left join task_stage_first f
          on f.task_code = s.task_code and f.stage = $closed and f.first_on <= $as_of::date
        where s.updated_on <= $as_of::date and s.next_on > $as_of::date
          and ($task_code::varchar is null or s.task_code = $task_code)
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
          -- a year's wall: every task still open on as_of, and those closed on or after $since
          and ($since::date is null or s.stage <> $closed or s.first_closed_on >= $since)
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


def _lights_sql(cur: Con) -> str:
    """_LIGHTS over the task rollup when it is current (brought up to date if it can be), else over the snapshots."""
    return _LIGHTS.replace(_STATE, _SPAN_STATE) if task_rollup.ready(cur) else _LIGHTS


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
    since: date | None = None,
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
        "since": since,
    }


def _with_lists(frame: pd.DataFrame) -> pd.DataFrame:
    if "flags" in frame:
        # Each cell arrives as a numpy array of str; its tolist() is several times faster than list() at scale.
        lists = [x.tolist() if hasattr(x, "tolist") else list(x) for x in frame["flags"]]
        frame["flags"] = pd.Series(lists, index=frame.index, dtype=object)
    return frame


def task_lights(
    cur: Con,
    as_of: date,
    ledger: str | None = None,
    section_id: int | None = None,
    owner: int | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """One row per task existing on as_of: its latest snapshot, expected progress, light, flags and lineage. With a
    year, only the tasks of that year's wall: those still open on as_of and those closed on or after its first day
    (tasks closed in earlier years stay in the counts of wall_summary, rates and funnel, not in the lists).

    Sorted for the page: 逾期 first, then 久未反馈, 滞后, 临期, 正常, 已办结 (column ``attention``), then by due date."""
    book = rb.in_force(cur, as_of)
    since = date(year, 1, 1) if year is not None else None
    frame = fetch_df(
        cur,
        _lights_sql(cur) + f"select {_LIGHT_COLUMNS} from lights order by attention, due_date, task_code",
        _light_params(book, as_of, ledger, section_id, owner, since=since),
    )
    return _with_lists(frame)


def year_wall(
    cur: Con, as_of: date, year: int, ledger: str | None = None, section_id: int | None = None
) -> pd.DataFrame:
    """任务督办's lists for a year: task_lights of the tasks still open on as_of or closed in the year."""
    return task_lights(cur, as_of, ledger, section_id, year=year)


@dataclass(frozen=True)
class WallSummary:
    """The counts over every task on the wall (all years; after the ledger and section filters), counted in SQL.
    ``kpis`` has the fields of pages.TaskKpis (tasks, closed, completion, due, on_time, on_time_rate, overdue, stale:
    the same rules as pages.task_kpis applies to a task_lights frame); ``lights`` is the tasks per light, every light
    present, in precedence order."""

    kpis: dict[str, Any]
    lights: dict[str, int]


def wall_summary(cur: Con, as_of: date, ledger: str | None = None, section_id: int | None = None) -> WallSummary:
    book = rb.in_force(cur, as_of)
    params = _light_params(book, as_of, ledger, section_id)
    row = fetch_df(
        cur,
        _lights_sql(cur)
        + """
        select count(*) as tasks,
               count(*) filter (where light = $closed_label) as closed,
               count(*) filter (where due_date <= $as_of::date) as due,
               count(*) filter (
                   where due_date <= $as_of::date and light = $closed_label and closed_on <= due_date
               ) as on_time,
               count(*) filter (where light = $overdue_label) as overdue,
               count(*) filter (where list_contains(flags, $stale_label)) as stale,
               histogram(light) as per_light
        from lights
        """,
        params | {"closed_label": CLOSED, "overdue_label": OVERDUE, "stale_label": STALE},
    ).iloc[0]
    tasks, closed, due, on_time = (int(row[k]) for k in ("tasks", "closed", "due", "on_time"))
    kpis = {
        "tasks": tasks,
        "closed": closed,
        "completion": closed / tasks if tasks else None,
        "due": due,
        "on_time": on_time,
        "on_time_rate": on_time / due if due else None,
        "overdue": int(row["overdue"]),
        "stale": int(row["stale"]),
    }
    counts = dict(row["per_light"] or [])
    return WallSummary(kpis, {light: int(counts.get(light, 0)) for light in LIGHTS})


def section_light_counts(cur: Con, as_of: date) -> pd.DataFrame:
    """How many tasks of each section carry each light on as_of (columns section_id, light, tasks): the counts of
    task_lights without shipping every task to Python (总览 shows three of them per scope)."""
    book = rb.in_force(cur, as_of)
    return fetch_df(
        cur,
        _lights_sql(cur) + "select section_id, light, count(*) as tasks from lights group by all order by all",
        _light_params(book, as_of),
    )


def tasks_of_person(cur: Con, person_id: int, as_of: date) -> pd.DataFrame:
    """One row per task whose responsible person (责任人) is the person, as in task_lights."""
    return task_lights(cur, as_of, owner=person_id)


def attention_list(cur: Con, as_of: date, ledger: str | None = None, section_id: int | None = None) -> pd.DataFrame:
    """One row per open task that is not 正常 (逾期, 久未反馈, 滞后 or 临期), most urgent first."""
    frame = task_lights(cur, as_of, ledger, section_id)
    return frame[frame["attention"] <= 3].reset_index(drop=True)


def late_closures(
    cur: Con,
    as_of: date,
    ledger: str | None = None,
    section_id: int | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """One row per task closed after its due date (逾期办结), latest first by days late; with a year, only those
    closed on or after its first day."""
    book = rb.in_force(cur, as_of)
    since = date(year, 1, 1) if year is not None else None
    return fetch_df(
        cur,
        _lights_sql(cur)
        + """
        select task_code, task_name, ledger, section_id, section, owner_name, owner_person_id, due_date, closed_on,
               date_diff('day', due_date, closed_on) as days_late, fact_id, batch_id, source_file, sheet, row_no
        from lights
        where closed_late
        order by days_late desc, task_code
        """,
        _light_params(book, as_of, ledger, section_id, since=since),
    )


def light_trace(cur: Con, task_code: str, as_of: date) -> Trace:
    """How a task's light on a date was reached: parameters, formula, the snapshot used and its source row."""
    book = rb.in_force(cur, as_of)
    frame = _with_lists(
        fetch_df(
            cur,
            _lights_sql(cur) + f"select {_LIGHT_COLUMNS}, first_closed_on from lights",
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
        _lights_sql(cur)
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
            _lights_sql(cur)
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
        _lights_sql(cur)
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
