"""Tasks over time: a task's progress history, the weekly burn-up of a year and the on-time rates of periods (the
task part of the quarterly flag). They read the snapshots as they accumulate, not the lights on one day
(those are in tasks.py, which re-exports these for its callers)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.results import task_rollup
from analytics.rules import rulebook as rb
from analytics.store.db import Con, fetch_df, scalar


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
    if task_rollup.ready(cur):  # the stored task spans give the same counts without windowing every snapshot
        return _rates_from_spans(cur, periods, closed)
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


# One row per period x section (every section): tasks whose state on the period's as_of (the span of task_span that
# holds it: updated_on <= as_of < next_on) is due within the period, and those of them at the closed stage reached
# (task_stage_first) by their due date.
_SPAN_RATES_SQL = """
    with periods as (
        select unnest(range(len($starts::date[]))) as period, unnest($starts::date[]) as p_start,
               unnest($ends::date[]) as p_end, unnest($as_ofs::date[]) as as_of,
               unnest($closed::varchar[]) as closed
    ),
    state as (
        select p.period, s.section_id, s.stage = p.closed and f.first_on <= s.due_date as on_time
        from task_span s
        join periods p
          on s.due_date between p.p_start and p.p_end and s.updated_on <= p.as_of and s.next_on > p.as_of
        left join task_stage_first f on f.task_code = s.task_code and f.stage = s.stage
        -- ranges on the columns themselves, so the scan skips row groups of other periods
        where s.due_date between $low::date and $high::date and s.next_on > $first_as_of::date
    ),
    per_section as (
        select period, section_id, count(*) as due, count(*) filter (where on_time) as on_time
        from state group by period, section_id
    )
    select p.period, sec.section_id, coalesce(ps.due, 0) as due, coalesce(ps.on_time, 0) as on_time
    from periods p
    cross join section sec
    left join per_section ps on ps.period = p.period and ps.section_id = sec.section_id
    order by p.period, sec.sort_order, sec.section_id
"""


def _rates_from_spans(cur: Con, periods: list[tuple[date, date, date]], closed: list[str]) -> pd.DataFrame:
    frame = fetch_df(
        cur,
        _SPAN_RATES_SQL,
        {
            "starts": [p[0] for p in periods],
            "ends": [p[1] for p in periods],
            "as_ofs": [p[2] for p in periods],
            "closed": closed,
            "low": min(p[0] for p in periods),
            "high": max(p[1] for p in periods),
            "first_as_of": min(p[2] for p in periods),
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
    params = {"first": first, "last_day": last_day, "until": until, "closed": book.closed_stage, "ledger": ledger}
    if task_rollup.ready(cur):
        return fetch_df(cur, _BURNUP_FROM_DAYS, params)
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
        params,
    )
    return frame


# The burn-up from the task rollup's daily changes (a few thousand rows): the tasks, closed tasks and summed progress
# on a day are the running sums of the changes up to it, so a week's figures are those on its last day (or on
# $until, in the week that holds it): the state of each task by its latest snapshot up to then, as above.
_BURNUP_FROM_DAYS = """
    with weeks as (
        select w::date as week_start, least((w + interval 6 day)::date, $last_day::date) as week_end,
               least((w + interval 6 day)::date, $until::date) as cutoff
        from generate_series(date_trunc('week', $first::date), $until::date, interval 7 day) t(w)
    ),
    daily as (
        select day, sum(tasks) as tasks, sum(tasks) filter (where stage = $closed) as closed,
               sum(progress) as progress
        from task_burn_day
        where day <= $until::date and ($ledger::varchar is null or ledger = $ledger)
        group by day
    ),
    running as (
        select day,
               sum(tasks) over w as tasks,
               sum(coalesce(closed, 0)) over w as closed,
               sum(progress) over w as progress
        from daily
        window w as (order by day rows between unbounded preceding and current row)
    )
    select wk.week_start, wk.week_end, coalesce(r.tasks, 0)::bigint as tasks, coalesce(r.closed, 0)::bigint as closed,
           case when r.tasks > 0 then r.progress::double / r.tasks end as progress_avg
    from weeks wk
    asof left join running r on wk.cutoff >= r.day
    order by wk.week_start
"""
