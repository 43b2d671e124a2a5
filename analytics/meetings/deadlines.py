"""Tasks' deadline history (延期): how often each task's 计划完成日期 moved across its snapshots, the original and the
current deadline, and whether a task counted on time is on time only because its deadline moved."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.results.tasks import task_lights
from analytics.store.db import Con, fetch_df

# The live snapshots on or before $as_of (live), each task's lowest and highest deadline (spans), and the snapshots of
# the tasks whose deadline changed, each with the deadline of the snapshot before it (snaps; grain: task x date). Only
# a task whose live snapshots carry two different deadlines can have moved, so the ordered window runs over those
# tasks alone (at full size a small share of 650k snapshots instead of all of them).
_SNAPS = """
    with live as (
        select task_code, updated_on, fact_id, due_date
        from task_snapshot
        where superseded_by is null and updated_on <= $as_of::date
    ),
    spans as (
        select task_code, min(due_date) as lowest, max(due_date) as highest from live group by task_code
    ),
    snaps as (
        select task_code, updated_on, fact_id, due_date,
               lag(due_date) over (partition by task_code order by updated_on, fact_id) as previous_due
        from live
        where task_code in (select task_code from spans where lowest <> highest)
    )
"""
# One row per task on $as_of: its first deadline, how often the deadline moved later (postponements) or changed at all
# (moves), and the last day it moved; a task that never moved has its only deadline as the first.
_HISTORY = (
    _SNAPS
    + """,
    moved as (
        select task_code,
               arg_min(due_date, (updated_on, fact_id)) as original_due,
               count(*) filter (where previous_due is not null and due_date > previous_due) as postponements,
               count(*) filter (where previous_due is not null and due_date <> previous_due) as moves,
               max(updated_on) filter (where previous_due is not null and due_date <> previous_due) as last_moved_on
        from snaps
        group by task_code
    )
    select s.task_code,
           coalesce(m.original_due, s.lowest) as original_due,
           coalesce(m.postponements, 0) as postponements,
           coalesce(m.moves, 0) as moves,
           m.last_moved_on
    from spans s left join moved m using (task_code)
"""
)

HISTORY_COLUMNS = [
    "task_code",
    "task_name",
    "ledger",
    "section_id",
    "section",
    "owner_name",
    "original_due",
    "current_due",
    "postponements",
    "moves",
    "last_moved_on",
    "light",
    "closed_on",
    "progress",
    "on_time_by_original",
    "verdict",
]

# The verdicts a user reads; "延期后按期" is the case the issue names: on time only because the deadline moved.
ON_TIME = "按期"
ON_TIME_AFTER_MOVE = "延期后按期办结（按原定期限为逾期）"
LATE_BY_ORIGINAL = "按原定期限已逾期"
LATE = "逾期"
OPEN = "进行中"


def deadline_history(cur: Con, as_of: date, section_id: int | None = None, moved_only: bool = False) -> pd.DataFrame:
    """One row per task on as_of: original and current deadline, postponements (moves to a later date, 延期次数),
    moves (any change), the last day it moved, the light and closing day from task_lights, whether it is on time by
    the original deadline (None while open and not yet due by it) and the verdict in Chinese. Tasks that moved come
    first, most postponed first; with moved_only, only they."""
    history = fetch_df(cur, _HISTORY + (" where m.moves > 0" if moved_only else ""), {"as_of": as_of})
    lights = task_lights(cur, as_of, section_id=section_id)
    frame = lights[
        ["task_code", "task_name", "ledger", "section_id", "section", "owner_name", "due_date", "light", "closed_on"]
        + ["progress"]
    ].merge(history, on="task_code", how="inner" if moved_only else "left")
    frame = frame.rename(columns={"due_date": "current_due"})
    # Column-wise (a city's ledger holds tens of thousands of tasks): closed → by its closing day; open and past the
    # original deadline → late by it; else not yet decided.
    original = pd.to_datetime(frame["original_due"])
    current = pd.to_datetime(frame["current_due"])
    closed = pd.to_datetime(frame["closed_on"])
    day = pd.Timestamp(as_of)
    done = closed.notna().to_numpy()
    past = (day > original).to_numpy()
    by_original = (closed <= original).to_numpy()
    undecided = np.full(len(frame), None, dtype=object)
    frame["on_time_by_original"] = pd.Series(
        np.where(done, by_original, np.where(past, False, undecided)), index=frame.index, dtype=object
    )
    frame["verdict"] = np.select(
        [done & by_original, done & (closed <= current).to_numpy(), done, past & (day > current).to_numpy(), past],
        [ON_TIME, ON_TIME_AFTER_MOVE, LATE, LATE, LATE_BY_ORIGINAL],
        default=OPEN,
    )
    frame["postponements"] = frame["postponements"].fillna(0).astype(int)
    frame["moves"] = frame["moves"].fillna(0).astype(int)
    frame = frame.sort_values(["postponements", "current_due", "task_code"], ascending=[False, True, True])
    return frame[HISTORY_COLUMNS].reset_index(drop=True)


def moved_tasks(cur: Con, as_of: date, section_id: int | None = None) -> pd.DataFrame:
    """The deadline history of the tasks whose deadline moved at least once (what 任务督办 and the deck list)."""
    return deadline_history(cur, as_of, section_id, moved_only=True)


def deadline_moves(cur: Con, start: date, end: date, section_id: int | None = None) -> pd.DataFrame:
    """One row per deadline change reported in [start, end]: task, section, owner, from_due, to_due, moved_on."""
    return fetch_df(
        cur,
        _SNAPS
        + """
        select s.task_code, t.task_name, t.section_id, sec.name as section, t.owner_name,
               s.previous_due as from_due, s.due_date as to_due, s.updated_on as moved_on
        from snaps s
        join task_snapshot t using (fact_id)
        left join section sec on sec.section_id = t.section_id
        where s.previous_due is not null and s.due_date <> s.previous_due
          and s.updated_on between $start and $as_of
          and ($section_id::integer is null or t.section_id = $section_id)
        order by s.updated_on, s.task_code
        """,
        {"as_of": end, "start": start, "section_id": section_id},
    )
