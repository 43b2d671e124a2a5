"""The KPI row of 任务督办 and the meeting's task slide (pages.task_kpis), computed column-wise, against the plain
row-by-row reading of the same rules on random ledgers of lights: open and closed tasks, closed on time, late, with no
closing day, due before or after the day read, with and without the 久未反馈 flag."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.results import pages
from analytics.results.lights import CLOSED, LABELS, OVERDUE, STALE

AS_OF = date(2022, 6, 30)


def by_rows(frame: pd.DataFrame, as_of: date) -> pages.TaskKpis:
    rows = frame.to_dict("records")
    known = [r for r in rows if r["closed_on"] is not None and not pd.isna(r["closed_on"])]
    closed = [r for r in rows if r["light"] == CLOSED]
    due = [r for r in rows if r["due_date"] <= as_of]
    on_time = [r for r in due if r["light"] == CLOSED and r in known and r["closed_on"] <= r["due_date"]]
    return pages.TaskKpis(
        tasks=len(rows),
        closed=len(closed),
        completion=len(closed) / len(rows) if rows else None,
        due=len(due),
        on_time=len(on_time),
        on_time_rate=len(on_time) / len(due) if due else None,
        overdue=sum(r["light"] == OVERDUE for r in rows),
        stale=sum(STALE in r["flags"] for r in rows),
    )


day = st.integers(min_value=-60, max_value=60).map(lambda n: AS_OF + timedelta(days=n))
task = st.fixed_dictionaries(
    {
        "light": st.sampled_from(list(LABELS)),
        "due_date": day,
        "closed_on": st.none() | day,
        "flags": st.lists(st.sampled_from([STALE, OVERDUE, "滞后"]), unique=True, max_size=3),
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(task, max_size=40))
def test_column_wise_kpis_equal_the_row_by_row_reading(tasks):
    frame = pd.DataFrame(tasks, columns=["light", "due_date", "closed_on", "flags"])
    assert pages.task_kpis(frame, AS_OF) == by_rows(frame, AS_OF)


def test_no_tasks_no_rates():
    empty = pd.DataFrame(columns=["light", "due_date", "closed_on", "flags"])
    k = pages.task_kpis(empty, AS_OF)
    assert (k.tasks, k.completion, k.on_time_rate) == (0, None, None)
