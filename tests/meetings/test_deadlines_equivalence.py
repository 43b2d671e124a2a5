"""The deadline history runs its ordered window only over tasks whose deadline changed; these tests hold it to the
direct query over every live snapshot (kept here as the oracle) on the demo year and on random ledgers."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import ROSTER, csv_bytes, load
from hypothesis import HealthCheck, given, settings
from ledgers import DAY0, PEOPLE, ledgers, load_tasks, task_row

from analytics import open_db
from analytics.meetings import deadlines as dl
from analytics.store.db import fetch_df

# The history as it was computed before: the window over every live snapshot on or before the day.
DIRECT = """
    with snaps as (
        select task_code, updated_on, fact_id, due_date,
               lag(due_date) over (partition by task_code order by updated_on, fact_id) as previous_due
        from task_snapshot
        where superseded_by is null and updated_on <= $as_of::date
    )
    select task_code,
           arg_min(due_date, (updated_on, fact_id)) as original_due,
           count(*) filter (where previous_due is not null and due_date > previous_due) as postponements,
           count(*) filter (where previous_due is not null and due_date <> previous_due) as moves,
           max(updated_on) filter (where previous_due is not null and due_date <> previous_due) as last_moved_on
    from snaps
    group by task_code
"""
DIRECT_MOVES = """
    with snaps as (
        select task_code, updated_on, fact_id, due_date,
               lag(due_date) over (partition by task_code order by updated_on, fact_id) as previous_due
        from task_snapshot
        where superseded_by is null and updated_on <= $as_of::date
    )
    select s.task_code, s.previous_due as from_due, s.due_date as to_due, s.updated_on as moved_on
    from snaps s
    where s.previous_due is not null and s.due_date <> s.previous_due and s.updated_on between $start and $as_of
    order by s.updated_on, s.task_code
"""


def verdicts_by_rows(frame: pd.DataFrame, as_of: date) -> tuple[list, list]:
    """The verdicts read row by row, as deadline_history computed them before it went column-wise (the oracle)."""
    on_time, verdicts = [], []
    for row in frame.itertuples(index=False):
        original, current, closed = row.original_due, row.current_due, row.closed_on
        if closed is not None and not pd.isna(closed):
            by_original = closed <= original
            verdicts.append(dl.ON_TIME if by_original else dl.ON_TIME_AFTER_MOVE if closed <= current else dl.LATE)
        elif as_of > original:
            by_original = False
            verdicts.append(dl.LATE if as_of > current else dl.LATE_BY_ORIGINAL)
        else:
            by_original = None
            verdicts.append(dl.OPEN)
        on_time.append(by_original)
    return on_time, verdicts


def assert_same_history(cur, as_of: date) -> None:
    fast = fetch_df(cur, dl._HISTORY, {"as_of": as_of}).sort_values("task_code").reset_index(drop=True)
    direct = fetch_df(cur, DIRECT, {"as_of": as_of}).sort_values("task_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(fast, direct, check_dtype=False)
    moved = dl.moved_tasks(cur, as_of)
    whole = dl.deadline_history(cur, as_of)
    on_time, verdicts = verdicts_by_rows(whole, as_of)
    assert list(whole["verdict"]) == verdicts
    assert [None if v is None else bool(v) for v in whole["on_time_by_original"]] == on_time
    expected = whole[whole["moves"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(moved, expected, check_dtype=False)
    start = as_of - timedelta(days=120)
    moves = dl.deadline_moves(cur, start, as_of)[["task_code", "from_due", "to_due", "moved_on"]]
    direct_moves = fetch_df(cur, DIRECT_MOVES, {"as_of": as_of, "start": start})
    pd.testing.assert_frame_equal(moves.reset_index(drop=True), direct_moves, check_dtype=False)


@pytest.mark.parametrize("as_of", [date(2022, 3, 31), date(2022, 6, 30), date(2022, 9, 30), date(2022, 12, 31)])
def test_demo_history_is_the_direct_history(demo_db, as_of):
    con = open_db(demo_db)
    try:
        cur = con.cursor()
        assert len(fetch_df(cur, DIRECT, {"as_of": as_of}))
        assert_same_history(cur, as_of)
    finally:
        con.close()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(ledgers())
def test_random_ledgers_give_the_direct_history(snapshots):
    con = open_db(":memory:")
    try:
        load(con, csv_bytes(ROSTER), "名单.csv")
        unique = {(task, day): rest for task, day, *rest in snapshots}
        rows = []
        for (task, day), (book, stage, progress, who, due) in unique.items():
            name, section = PEOPLE[who]
            rows.append(
                task_row(
                    f"T{task}",
                    DAY0 + timedelta(days=day),
                    progress,
                    stage,
                    due,
                    "2021-12-15",
                    section,
                    book,
                    name,
                    note="",
                )
            )
        load_tasks(con, rows, "任务台账.csv")
        cur = con.cursor()
        for day in (date(2022, 2, 14), date(2022, 6, 30), date(2023, 1, 31)):
            assert_same_history(cur, day)
    finally:
        con.close()
