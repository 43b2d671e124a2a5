"""The participation queries written for scale give the same answers as the direct forms they replaced, kept here as
the reference: the 五个一 matrix counted without pairing every person with every period (five_one_matrix,
section_participation), the counters with each distinct count over its own activities' rows, and the monthly
participation read from the participation rollup (against ``rollup.direct()``; after an import or an undo only the
changed months are recomputed and the table equals a whole rebuild). On the demo year and on random participation
with people joining, moving and leaving mid-year (hypothesis)."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import ROSTER, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import open_db
from analytics.results import participation as pa
from analytics.results import participation_rollup, rollup
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import data_version, transaction

# The matrix as first written: every person x activity x window period, left-joined with the attended periods.
DIRECT_MATRIX = (
    "with "
    + pa._PEOPLE
    + ","
    + pa._PERIODS
    + """,
    acts as (
        select unnest($act_names::varchar[]) as activity, unnest($act_freqs::varchar[]) as frequency,
               unnest($act_order::integer[]) as act_order
    ),
    attended as (
        select distinct p.person_id, p.activity,
               case a.frequency
                   when 'weekly' then date_trunc('week', p.event_date)
                   when 'half_monthly' then
                       date_trunc('month', p.event_date)
                       + case when day(p.event_date) > 15 then interval 15 day else interval 0 day end
                   when 'monthly' then date_trunc('month', p.event_date)
                   when 'quarterly' then date_trunc('quarter', p.event_date)
                   else date_trunc('year', p.event_date)
               end::date as p_start
        from participation p
        join acts a using (activity)
        where p.event_date <= $as_of::date
    ),
    owed as (
        select pe.person_id, a.activity, wp.p_start, wp.p_end, att.person_id is not null as done
        from people pe
        cross join acts a
        join window_periods wp on wp.frequency = a.frequency
        left join attended att
          on att.person_id = pe.person_id and att.activity = a.activity and att.p_start = wp.p_start
        where wp.p_end >= greatest($start::date, pe.joined) and wp.p_start <= least($end::date, pe.gone)
    ),
    counted as (
        select person_id, activity,
               count(*) filter (where p_end <= $as_of::date or done) as expected,
               count(*) filter (where done) as done
        from owed
        group by person_id, activity
    ),
    matrix as (
        select pe.person_id, pe.name, pe.section_id, pe.section, pe.section_order, a.activity, a.frequency,
               a.act_order, coalesce(c.expected, 0) as expected, coalesce(c.done, 0) as done,
               coalesce(c.done, 0) / nullif(c.expected, 0)::double as completion
        from people pe
        cross join acts a
        left join counted c on c.person_id = pe.person_id and c.activity = a.activity
    ),
    matrix_overall as (
        select *, avg(completion) over (partition by person_id) as overall
        from matrix
    )
"""
)


# The counters as first written: one aggregate computing every kind of count over every row.
DIRECT_COUNTERS = """
    with acts as (
        select unnest($activities) as activity, unnest($counters) as counter, unnest($orders) as act_order
    )
    select a.activity, a.counter,
           case a.counter
               when 'rows' then count(p.fact_id)
               when 'people' then count(distinct p.person_id)
               when 'speakers' then count(distinct p.person_id) filter (where p.role = '主讲')
               else count(distinct (p.event_date, coalesce(p.title, ''))) filter (where p.fact_id is not null)
           end as value
    from acts a
    left join participation p on p.activity = a.activity and p.event_date between $start and $end
    group by a.activity, a.counter, a.act_order
    order by a.act_order
"""


def assert_same_counts(cur, spans, years) -> int:
    """counters against DIRECT_COUNTERS on each span, monthly_participation via the rollup against the direct count
    on each year; returns the participation rows counted."""
    total = 0
    for start, end in spans:
        acts = [a for a in rb.in_force(cur, end).activities if a.counter]
        old = cur.execute(DIRECT_COUNTERS, pa._counter_params(acts, start, end)).fetchall()
        new = pa.counters(cur, start, end)
        assert [(c["activity"], c["value"]) for c in new] == [(a, int(v)) for a, _, v in old]
    for year in years:
        assert participation_rollup.ready(cur)
        new = pa.monthly_participation(cur, year)
        with rollup.direct():
            assert not participation_rollup.ready(cur)
            old = pa.monthly_participation(cur, year)
        pd.testing.assert_frame_equal(new, old)
        total += int(new["rows"].sum())
    return total


def stored_months(cur) -> pd.DataFrame:
    return cur.sql("select * from participation_month order by month_start, activity").df()


def stored_periods(cur) -> pd.DataFrame:
    return cur.sql("select * from participation_period order by all").df()


def check_partial(con, recomputed: set[date]) -> None:
    """The next reader recomputes exactly ``recomputed`` months, and the table equals a whole rebuild."""
    cur = con.cursor()
    assert participation_rollup.built_for(cur) != data_version(cur)
    assert participation_rollup.ready(cur)
    assert set(participation_rollup.last_rebuild) == recomputed
    partial, periods = stored_months(cur), stored_periods(cur)
    assert participation_rollup.rebuild(cur, whole=True)
    pd.testing.assert_frame_equal(partial, stored_months(cur))
    pd.testing.assert_frame_equal(periods, stored_periods(cur))
    assert_same_counts(cur, [], [2021, 2022, 2023])


@contextmanager
def direct():
    kept = pa._matrix
    pa._matrix = lambda cur, book: DIRECT_MATRIX
    try:
        yield
    finally:
        pa._matrix = kept


def assert_same(cur, windows, sections=(None,)) -> int:
    """five_one_matrix and section_participation, read from the participation rollup and counted directly, equal to
    the reference on every window; returns the cells done."""
    assert participation_rollup.ready(cur)
    done = 0
    for start, end, as_of in windows:
        for section_id in sections:
            new = pa.five_one_matrix(cur, start, end, as_of, section_id)
            with rollup.direct():
                counted = pa.five_one_matrix(cur, start, end, as_of, section_id)
            with direct():
                old = pa.five_one_matrix(cur, start, end, as_of, section_id)
            pd.testing.assert_frame_equal(new, old)
            pd.testing.assert_frame_equal(counted, old)
            done += int(new["done"].sum())
        new = pa.section_participation(cur, start, end, as_of)
        with rollup.direct():
            counted = pa.section_participation(cur, start, end, as_of)
        with direct():
            old = pa.section_participation(cur, start, end, as_of)
        pd.testing.assert_frame_equal(new, old)
        pd.testing.assert_frame_equal(counted, old)
    return done


WINDOWS = [
    (date(2022, 1, 1), date(2022, 12, 31), date(2022, 12, 31)),
    (date(2022, 1, 1), date(2022, 6, 30), date(2022, 6, 30)),
    (date(2022, 1, 1), date(2022, 12, 31), date(2022, 9, 17)),
    (date(2022, 3, 1), date(2022, 3, 31), date(2022, 3, 15)),
    (date(2022, 3, 16), date(2022, 5, 10), date(2022, 5, 10)),
    (date(2021, 12, 1), date(2022, 1, 31), date(2022, 1, 31)),
    (date(2022, 1, 1), date(2022, 1, 31), date(2022, 1, 2)),  # inside the week of Monday 2021-12-27
    (date(2023, 1, 1), date(2023, 1, 31), date(2023, 1, 10)),
]


def test_demo_matrix_is_the_direct_matrix(demo_db):
    con = open_db(demo_db)
    try:
        cur = con.cursor()
        sections = [None, *(r[0] for r in cur.execute("select section_id from section order by 1").fetchall()[:2])]
        assert assert_same(cur, WINDOWS, sections) > 0
        spans = [(date(2022, 1, 1), date(2022, 12, 31)), (date(2022, 3, 1), date(2022, 3, 31))]
        assert assert_same_counts(cur, spans, [2021, 2022]) > 0
    finally:
        con.close()


def test_an_import_and_an_undo_recompute_their_months_only(demo_db, tmp_path):
    import shutil

    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = open_db(path)
    try:
        cur = con.cursor()
        assert participation_rollup.ready(cur)
        name = cur.execute("select min(name) from person").fetchall()[0][0]
        rows = [
            HEADER,
            ["2022-05-06", name, "荐学", "补录一", "参与"],
            ["2022-05-31", name, "荐学", "跨月的一周", "参与"],  # the week of 05-30 runs into June
            ["2022-05-20", name, "评学", "二季度", "参与"],  # the quarter's other months keep their rows
            ["2023-01-09", name, "游学", "新年", "参与"],
        ]
        batch = load(con, rows, "补录.xlsx")
        check_partial(con, {date(2022, 5, 1), date(2023, 1, 1)})
        undo(con, batch)
        check_partial(con, {date(2022, 5, 1), date(2023, 1, 1)})
        assert not cur.execute("select count(*) from participation_month where month_start = '2023-01-01'").fetchall()[
            0
        ][0]
    finally:
        con.close()


HEADER = ["日期", "姓名", "活动类型", "活动名称", "角色"]
ACTIVITIES = ["荐学", "研学", "游学", "评学", "奖学", "组工讲堂"]
NAMES = [row[0] for row in ROSTER[1:]]
DAY0 = date(2021, 12, 20)


@st.composite
def participations(draw):
    """Up to 60 participation rows of the roster's people over Dec 2021 to Jan 2023, several in one period."""
    row = st.tuples(st.integers(0, len(NAMES) - 1), st.sampled_from(ACTIVITIES), st.integers(0, 390))
    return draw(st.lists(row, min_size=1, max_size=60))


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(participations(), st.booleans())
def test_random_participation_gives_the_direct_matrix(rows, changes):
    con = open_db(":memory:")
    try:
        load(con, ROSTER, "名单.xlsx")
        if changes:
            load(
                con,
                [
                    ["姓名", "科室", "职务", "工号", "状态", "调整日期"],
                    ["周八", "组织科", "科员", "A03", "在岗", "2022-03-16"],
                    ["李四", "组织科", "科员", "A02", "离岗", "2022-03-10"],
                    ["王五", "干部二科", "科长", "B01", "在岗", "2022-05-01"],
                ],
                "人员调整.xlsx",
            )
        table = [HEADER]
        for n, (who, activity, day) in enumerate(rows):
            when = DAY0 + timedelta(days=day)
            if changes and NAMES[who] == "李四" and when >= date(2022, 3, 10):
                continue  # not on the roster any more: the importer would refuse the row
            table.append([when.isoformat(), NAMES[who], activity, f"活动{n}", "参与"])
        if len(table) > 1:
            batch = load(con, table, "参与记录.xlsx")
        cur = con.cursor()
        assert_same(cur, WINDOWS)
        spans = [(date(2022, 1, 1), date(2022, 12, 31)), (date(2021, 12, 1), date(2022, 2, 28))]
        assert_same_counts(cur, spans, [2021, 2022, 2023])
        if len(table) > 1:
            undo(con, batch)
            assert_same_counts(cur, spans, [2021, 2022, 2023])
            assert_same(cur, WINDOWS)
            assert stored_months(cur).empty
            assert stored_periods(cur).empty
    finally:
        con.close()


@pytest.mark.parametrize("as_of", [date(2022, 3, 15), date(2022, 3, 31)])
def test_a_running_period_is_expected_only_once_done(roster_con, as_of):
    # The week of 03-28 is still running on 03-31: done there, it is expected; not done, it is not.
    load(roster_con, [HEADER, ["2022-03-29", "张三", "荐学", "每周一文", "参与"]], "参与.xlsx")
    frame = pa.five_one_matrix(roster_con.cursor(), date(2022, 3, 1), date(2022, 3, 31), as_of)
    with direct():
        old = pa.five_one_matrix(roster_con.cursor(), date(2022, 3, 1), date(2022, 3, 31), as_of)
    pd.testing.assert_frame_equal(frame, old)
    hit = frame[(frame["name"] == "张三") & (frame["activity"] == "荐学")].iloc[0]
    assert (hit["expected"], hit["done"]) == ((2, 0) if as_of.day == 15 else (5, 1))


def test_a_week_across_the_new_year_is_done_by_a_day_before_it(roster_con):
    # The week of Monday 2021-12-27 runs to 2022-01-02: a January window owes it, and a 荐学 on 12-30 does it.
    load(roster_con, [HEADER, ["2021-12-30", "张三", "荐学", "每周一文", "参与"]], "参与.xlsx")
    cur = roster_con.cursor()
    for read in (nullcontext(), rollup.direct()):
        with read:
            frame = pa.five_one_matrix(cur, date(2022, 1, 1), date(2022, 1, 31), date(2022, 1, 31))
        hit = frame[(frame["name"] == "张三") & (frame["activity"] == "荐学")].iloc[0]
        assert (hit["expected"], hit["done"]) == (5, 1)  # the week of 01-31 is still running


def test_a_rule_change_of_frequency_rebuilds_the_periods(roster_con):
    # 荐学 monthly from July: the rollup is rebuilt for the new pair, and both books' matrices equal the reference.
    rows = [HEADER] + [
        [f"2022-{m:02d}-{d:02d}", "张三", "荐学", "每周一文", "参与"] for m in (5, 8) for d in (2, 9, 20)
    ]
    load(roster_con, rows, "参与.xlsx")
    cur = roster_con.cursor()
    assert participation_rollup.ready(cur)
    assert_same(cur, WINDOWS)
    book = rb.current(cur)
    activities = tuple(replace(a, frequency="monthly") if a.name == "荐学" else a for a in book.activities)
    with transaction(roster_con) as tx:
        rb.save(tx, book.with_changes(activities=activities), date(2022, 7, 1), "edit")
    assert participation_rollup.ready(cur)
    pairs = cur.execute("select * from participation_period_pair where activity = '荐学' order by all").fetchall()
    assert pairs == [("荐学", "monthly"), ("荐学", "weekly")]
    assert_same(cur, [*WINDOWS, (date(2022, 7, 1), date(2022, 12, 31), date(2022, 12, 31))])
    august = pa.five_one_matrix(cur, date(2022, 8, 1), date(2022, 8, 31), date(2022, 8, 31))
    hit = august[(august["name"] == "张三") & (august["activity"] == "荐学")].iloc[0]
    assert (hit["frequency"], hit["expected"], hit["done"]) == ("monthly", 1, 1)
