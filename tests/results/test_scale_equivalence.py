"""The scale-minded queries give the same answers as the direct computation they replaced, on the demo year and on
random ledgers (hypothesis): the weekly burn-up from running sums of each task's weekly changes against the week x
snapshot join, the flags' on-time rates from each snapshot's span against the period x snapshot join, and 任务督办's
lights (latest snapshot by an integer key), year wall, KPIs and late closures in SQL against the struct-keyed state
and the page-side filters and counts they replaced."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import ROSTER, csv_bytes, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgers import DAY0, LEDGERS, PEOPLE, ledgers, load_tasks, task_row

from analytics import open_db
from analytics.results import tasks
from analytics.rules import rulebook as rb
from analytics.store.db import fetch_df, scalar

# The burn-up as first written: every week joined with every live snapshot up to the week's end, the latest per
# task kept. Correct by construction and quadratic in size; the reference the running-sum version must match.
DIRECT_BURNUP = """
    with weeks as (
        select w::date as week_start, least((w + interval 6 day)::date, $last_day::date) as week_end
        from generate_series(date_trunc('week', $first::date), $until::date, interval 7 day) t(w)
    ),
    snaps as (
        select task_code, updated_on, fact_id, progress, stage, ledger
        from task_snapshot
        where superseded_by is null and updated_on <= $until::date
    ),
    per_task as (
        select wk.week_start, s.task_code,
               arg_max(s.progress, (s.updated_on, s.fact_id)) as progress,
               arg_max(s.stage, (s.updated_on, s.fact_id)) as stage,
               arg_max(s.ledger, (s.updated_on, s.fact_id)) as ledger
        from weeks wk
        join snaps s on s.updated_on <= wk.week_end
        group by wk.week_start, s.task_code
    )
    select wk.week_start, wk.week_end,
           count(p.task_code) as tasks,
           count(p.task_code) filter (where p.stage = $closed) as closed,
           avg(p.progress) as progress_avg
    from weeks wk
    left join per_task p on p.week_start = wk.week_start and ($ledger::varchar is null or p.ledger = $ledger)
    group by wk.week_start, wk.week_end
    order by wk.week_start
"""


def direct_burnup(cur, year: int, ledger: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    first, last_day = date(year, 1, 1), date(year, 12, 31)
    if as_of is None:
        latest = scalar(
            cur,
            "select max(updated_on) from task_snapshot where superseded_by is null and updated_on <= $day",
            {"day": last_day},
        )
        as_of = latest or first
    until = min(max(as_of, first), last_day)
    closed = rb.in_force(cur, until).closed_stage
    return fetch_df(
        cur,
        DIRECT_BURNUP,
        {"first": first, "last_day": last_day, "until": until, "closed": closed, "ledger": ledger},
    )


# The flags' task part as first written: every period joined with every live snapshot up to its as-of day.
DIRECT_RATES = """
    with periods as (
        select unnest(range(len($starts::date[]))) as period, unnest($starts::date[]) as p_start,
               unnest($ends::date[]) as p_end, unnest($as_ofs::date[]) as as_of,
               unnest($closed::varchar[]) as closed
    ),
    latest as (
        select p.period, t.task_code,
               max_by(t.fact_id, (t.updated_on, t.fact_id)) as fact_id,
               min(t.updated_on) filter (where t.stage = p.closed) as first_closed_on
        from periods p
        join task_snapshot t on t.superseded_by is null and t.updated_on <= p.as_of
        group by p.period, t.task_code
    ),
    state as (
        select l.period, t.task_code, t.section_id, t.due_date, t.stage, l.first_closed_on
        from latest l join task_snapshot t using (fact_id)
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
"""


def direct_rates(cur, periods: list[tuple[date, date, date]]) -> pd.DataFrame:
    closed = [rb.in_force(cur, end).closed_stage for _, end, _ in periods]
    params = {
        "starts": [p[0] for p in periods],
        "ends": [p[1] for p in periods],
        "as_ofs": [p[2] for p in periods],
        "closed": closed,
    }
    return fetch_df(cur, DIRECT_RATES, params)


def assert_same_rates(cur, periods: list[tuple[date, date, date]]) -> None:
    new = tasks.section_task_rates_many(cur, periods)
    old = direct_rates(cur, periods)
    for col in ("period", "section_id", "due", "on_time"):
        assert new[col].astype(int).tolist() == old[col].astype(int).tolist(), col


QUARTERS = [
    (date(2022, 1, 1), date(2022, 3, 31), date(2022, 3, 31)),
    (date(2022, 4, 1), date(2022, 6, 30), date(2022, 6, 30)),
    (date(2022, 4, 1), date(2022, 6, 30), date(2022, 5, 15)),
    (date(2022, 7, 1), date(2022, 9, 30), date(2022, 9, 30)),
    (date(2022, 10, 1), date(2022, 12, 31), date(2022, 12, 31)),
    (date(2021, 10, 1), date(2021, 12, 31), date(2021, 12, 31)),
]


def test_demo_on_time_rates_are_the_direct_rates(demo_db):
    con = open_db(demo_db)
    try:
        cur = con.cursor()
        assert direct_rates(cur, QUARTERS)["due"].sum() > 0
        assert_same_rates(cur, QUARTERS)
        for quarter in QUARTERS:
            assert_same_rates(cur, [quarter])
    finally:
        con.close()


# The tasks' state on a day as first written: the latest snapshot by the pair (updated_on, fact_id) compared as a
# struct. task_lights now folds the pair into one integer; everything after the state is shared.
DIRECT_STATE = """
    latest as (
        select task_code,
               max_by(fact_id, (updated_on, fact_id)) as fact_id,
               min(updated_on) as first_on,
               min(updated_on) filter (where stage = $closed) as first_closed_on,
               max_by(start_date, (updated_on, fact_id)) filter (where start_date is not null) as any_start
        from task_snapshot
        where superseded_by is null and updated_on <= $as_of::date
          and ($task_code::varchar is null or task_code = $task_code)
        group by task_code
    ),
    state as (
        select t.* exclude (superseded_by), l.first_closed_on, coalesce(l.any_start, l.first_on) as start
        from latest l
        join task_snapshot t using (fact_id)
    )
"""


def direct_lights(cur, as_of: date, ledger: str | None = None, section_id: int | None = None) -> pd.DataFrame:
    assert tasks._STATE in tasks._LIGHTS
    sql = tasks._LIGHTS.replace(tasks._STATE, DIRECT_STATE)
    frame = fetch_df(
        cur,
        sql + f"select {tasks._LIGHT_COLUMNS} from lights order by attention, due_date, task_code",
        tasks._light_params(rb.in_force(cur, as_of), as_of, ledger, section_id),
    )
    frame["flags"] = pd.Series([list(x) for x in frame["flags"]], index=frame.index, dtype=object)
    return frame


def assert_same_wall(cur, as_of: date, ledger: str | None = None, section_id: int | None = None) -> None:
    """task_lights, the year's wall, the KPIs and light counts in SQL, and the late closures of a year, against the
    direct state and the page-side filters and counts they replaced (pages.tasks_in_year, pages.task_kpis)."""
    from analytics.results import pages

    old = direct_lights(cur, as_of, ledger, section_id)
    new = tasks.task_lights(cur, as_of, ledger, section_id)
    pd.testing.assert_frame_equal(new, old)
    for year in (as_of.year - 1, as_of.year):
        wall = tasks.year_wall(cur, as_of, year, ledger, section_id)
        pd.testing.assert_frame_equal(wall, pages.tasks_in_year(old, year))
        late = tasks.late_closures(cur, as_of, ledger, section_id, year)
        every = tasks.late_closures(cur, as_of)
        every = pages.filter_tasks(every, ledger, section_id)
        keep = pd.Series([d >= date(year, 1, 1) for d in every["closed_on"]], index=every.index, dtype=bool)
        every = every[keep].reset_index(drop=True)
        pd.testing.assert_frame_equal(late, every)
    summary = tasks.wall_summary(cur, as_of, ledger, section_id)
    assert pages.TaskKpis(**summary.kpis) == pages.task_kpis(old, as_of)
    assert summary.lights == tasks.light_counts(old)


@pytest.mark.parametrize("ledger", [None, "揭榜挂帅", "没有这个台账"])
@pytest.mark.parametrize("as_of", [date(2022, 1, 2), date(2022, 3, 31), date(2022, 7, 15), date(2022, 12, 31)])
def test_demo_wall_is_the_direct_wall(demo_db, ledger, as_of):
    con = open_db(demo_db)
    try:
        cur = con.cursor()
        sections = [None, *(r[0] for r in cur.execute("select section_id from section order by 1").fetchall()[:2])]
        assert len(direct_lights(cur, as_of)) > 0 or as_of == date(2022, 1, 2)
        for section_id in sections:
            assert_same_wall(cur, as_of, ledger, section_id)
    finally:
        con.close()


def assert_same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert new["week_start"].tolist() == old["week_start"].tolist()
    assert new["week_end"].tolist() == old["week_end"].tolist()
    assert new["tasks"].astype(int).tolist() == old["tasks"].astype(int).tolist()
    assert new["closed"].astype(int).tolist() == old["closed"].astype(int).tolist()
    # Averages of the same values, summed in another order: equal up to the last bits of a double.
    assert new["progress_avg"].isna().tolist() == old["progress_avg"].isna().tolist()
    assert new["progress_avg"].fillna(0).tolist() == pytest.approx(old["progress_avg"].fillna(0).tolist(), rel=1e-12)


@pytest.mark.parametrize("ledger", [None, "揭榜挂帅", "基础夯实工程", "没有这个台账"])
@pytest.mark.parametrize("as_of", [None, date(2022, 1, 2), date(2022, 3, 31), date(2022, 7, 15), date(2023, 2, 1)])
def test_demo_burnup_is_the_direct_burnup(demo_db, ledger, as_of):
    con = open_db(demo_db)
    try:
        cur = con.cursor()
        old = direct_burnup(cur, 2022, ledger, as_of)
        assert old["tasks"].sum() > 0 or ledger == "没有这个台账" or as_of == date(2022, 1, 2)
        assert_same(tasks.burnup(cur, 2022, ledger, as_of), old)
    finally:
        con.close()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(ledgers(), st.sampled_from([None, *LEDGERS]), st.sampled_from([None, date(2022, 2, 14), date(2022, 12, 31)]))
def test_random_ledgers_give_the_direct_answers(snapshots, ledger, as_of):
    con = open_db(":memory:")
    try:
        load(con, csv_bytes(ROSTER), "名单.csv")
        rows = []
        # One report per task and day, as the importer requires.
        unique = {(task, day): rest for task, day, *rest in snapshots}
        for (task, day), (book, stage, progress, who, due) in unique.items():
            name, section = PEOPLE[who]
            updated = DAY0 + timedelta(days=day)
            rows.append(task_row(f"T{task}", updated, progress, stage, due, "2021-12-15", section, book, name, note=""))
        load_tasks(con, rows, "任务台账.csv")
        cur = con.cursor()
        for year in (2021, 2022, 2023):
            assert_same(tasks.burnup(cur, year, ledger, as_of), direct_burnup(cur, year, ledger, as_of))
        assert_same_rates(cur, QUARTERS)
        for day in (date(2022, 2, 14), date(2022, 6, 30), date(2023, 1, 31)):
            assert_same_wall(cur, day, ledger)
    finally:
        con.close()


def test_the_wall_lists_this_years_tasks_and_the_gantt_a_bounded_set():
    from analytics.results import pages

    frame = pd.DataFrame(
        {
            "task_code": ["A", "B", "C", "D"],
            "closed_on": [None, date(2021, 12, 31), date(2022, 1, 1), pd.NaT],
        }
    )
    assert pages.tasks_in_year(frame, 2022)["task_code"].tolist() == ["A", "C", "D"]
    assert pages.tasks_in_year(frame, 2021)["task_code"].tolist() == ["A", "B", "C", "D"]
    many = pd.DataFrame({"task_code": [f"T{n}" for n in range(1000)], "closed_on": None})
    assert pages.gantt_rows(many)["task_code"].tolist() == many["task_code"].tolist()[: pages.GANTT_LIMIT]
    assert len(pages.gantt_rows(many.head(5))) == 5
