"""The flag rollups (section x month results, task spans) give the same flags as the direct computation: every
quarter's flags, the year's flag history and the on-time rates of periods, compared with the points rollup alone
(``flag_rollup.off()``) and with the events read directly (``rollup.direct()``), on the demo year and on random
departments with random task ledgers (hypothesis). A change recomputes only the months or tasks it touched, and what
that leaves equals a whole rebuild."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta

import pytest
from conftest import csv_bytes, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgers import DAY0, LEDGERS, STAGES, load_tasks, task_row
from test_rollup import build, departments, same

from analytics import open_db
from analytics.periods import quarters_of_year
from analytics.results import flag_drill, flag_rollup, flags, rollup, task_rollup, tasks
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import data_version, fetch_df, rolled_back, transaction

PERIODS = [
    (date(2021, 10, 1), date(2021, 12, 31), date(2021, 12, 31)),
    (date(2022, 1, 1), date(2022, 3, 31), date(2022, 3, 31)),
    (date(2022, 4, 1), date(2022, 6, 30), date(2022, 5, 15)),
    (date(2022, 4, 1), date(2022, 12, 31), date(2022, 12, 31)),
    (date(2022, 7, 1), date(2022, 9, 30), date(2023, 1, 31)),
    (date(2022, 10, 1), date(2022, 12, 31), date(2022, 12, 31)),
]


def flag_cases(cur, year: int = 2022) -> dict[str, object]:
    """Everything the flag rollups serve: each quarter's flags (the scored sections, the flags, the trace) and
    contents radar, the history, the quarter's on-time rates alone and several periods at once."""
    found: dict[str, object] = {"flag_history": flags.flag_history(cur, year)}
    for q in [quarters_of_year(year)[0].shift(-1), *quarters_of_year(year)]:
        found[f"quarter_flags {q}"] = flags.quarter_flags(cur, q)
        found[f"quarter_contents {q}"] = flag_drill.quarter_contents(cur, q)
    found["rates"] = tasks.section_task_rates_many(cur, PERIODS)
    for n, (start, end, as_of) in enumerate(PERIODS):
        found[f"rates {n}"] = tasks.section_task_rates(cur, start, end, as_of)
    return found


def check_against_direct(con, year: int = 2022) -> dict[str, object]:
    """Via the flag rollups equals the points rollup alone and the events read directly; the flag rollups were
    really read (built for this data)."""
    cur = con.cursor()
    with rollup.direct():
        assert not flag_rollup.ready(cur)
        direct = flag_cases(cur, year)
    with flag_rollup.off():
        assert rollup.ready(cur)
        assert not flag_rollup.ready(cur)
        points_only = flag_cases(cur, year)
    assert flag_rollup.ready(cur)
    assert flag_rollup.built_for(cur) == data_version(cur)
    got = flag_cases(cur, year)
    assert got.keys() == direct.keys()
    for key in direct:
        same(points_only[key], direct[key], f"points rollup: {key}")
        same(got[key], direct[key], f"flag rollup: {key}")
    return got


def stored_tables(cur) -> list:
    return [
        fetch_df(cur, "select * from flag_section_month order by month_start, section_id"),
        fetch_df(cur, "select * from flag_section_content order by month_start, section_id, content"),
        fetch_df(cur, "select * from flag_section_month_print order by month_start"),
    ]


def check_partial(con, months: set[date]) -> None:
    """After a change, the first reader recomputes exactly the months named, and what it leaves equals a whole
    rebuild (fingerprints included) and answers as the direct computation does (the task part of the flag reads the
    task rollup, tests/results/test_task_rollup.py)."""
    cur = con.cursor()
    assert flag_rollup.built_for(cur) != data_version(cur)
    assert flag_rollup.ready(cur)
    assert set(flag_rollup.last_rebuild) == months
    partial = stored_tables(cur)
    assert flag_rollup.rebuild(cur, whole=True)
    for name, got, whole in zip(("section months", "section contents", "month prints"), partial, stored_tables(cur)):
        same(got, whole, f"{name}: partial vs whole")
    check_against_direct(con)


def event_months(cur) -> set[date]:
    sql = "select distinct date_trunc('month', event_date)::date from score_event"
    return {row[0] for row in cur.execute(sql).fetchall()}


# The demo year ----------------------------------------------------------------------------------


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = open_db(path)
    yield con
    con.close()


def test_demo_year_via_the_flag_rollup_equals_the_direct_computation(demo_copy):
    got = check_against_direct(demo_copy)
    cur = demo_copy.cursor()
    # The demo really exercises it: flags won, tasks due and closed on time, stars, every month with events stored.
    assert len(got["flag_history"]) >= 2
    assert got["flag_history"]["red_flag"].notna().any()
    assert got["rates"]["due"].sum() > 0 and got["rates"]["on_time"].sum() > 0
    stored = stored_tables(cur)
    assert stored[0]["month_stars"].sum() > 0 and stored[0]["content_stars"].sum() > 0
    assert set(stored[2]["month_start"]) == event_months(cur)
    assert got["quarter_contents 2022Q2"]["counted"].abs().sum() > 0
    # The rates were read from the task rollup's spans, built for this data.
    assert task_rollup.built_for(cur) == data_version(cur)


def test_a_new_data_version_without_changes_recomputes_nothing(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    with transaction(demo_copy):
        pass
    check_partial(demo_copy, set())


def test_an_import_into_one_month_recomputes_that_month_only(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    rows = [["日期", "姓名", "事项编号", "分值", "事由"]]
    rows += [[f"2022-05-{d:02d}", "郭一颖", "XC01", 1, f"新增事由{d}"] for d in range(1, 9)]
    load(demo_copy, csv_bytes(rows), "五月补录.csv")
    check_partial(demo_copy, {date(2022, 5, 1)})


def test_a_task_report_recomputes_no_section_month(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    code, name, ledger, section, owner, start, due, updated = cur.execute(
        """
        select t.task_code, t.task_name, t.ledger, s.name, t.owner_name, t.start_date, t.due_date, t.updated_on
        from task_snapshot t join section s using (section_id)
        where t.superseded_by is null and t.stage <> '办结销号' and t.owner_name is not null
        order by t.updated_on desc, t.task_code limit 1
        """
    ).fetchall()[0]
    closing = task_row(
        code, updated + timedelta(days=1), 100, "办结销号", due, start or "", section, ledger, owner, name
    )
    load_tasks(demo_copy, [closing], "任务台账.csv")
    check_partial(demo_copy, set())


def test_a_roster_move_recomputes_the_months_it_changes(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    load(demo_copy, csv_bytes([["姓名", "科室", "调整日期"], ["郭一颖", "研究室", "2022-11-15"]]), "调整.csv")
    check_partial(demo_copy, {m for m in event_months(cur) if m >= date(2022, 11, 1)})


def test_someone_joining_recomputes_the_months_of_the_new_headcount(demo_copy):
    # No score event changes: only who is present does (the flag's headcount, per capita).
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    section = cur.execute("select name from section order by section_id limit 1").fetchall()[0][0]
    load(demo_copy, csv_bytes([["姓名", "科室", "调整日期"], ["新来的", section, "2022-08-20"]]), "新进.csv")
    check_partial(demo_copy, {m for m in event_months(cur) if m >= date(2022, 8, 1)})


def test_a_rule_edit_from_a_date_recomputes_the_months_from_then(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    with transaction(demo_copy) as tx:
        book = rb.current(tx)
        items = [dataclasses.replace(i, monthly_cap=2.0 if i.code == "XC01" else i.monthly_cap) for i in book.items]
        rb.save(tx, book.with_changes(items=items), date(2022, 10, 1), "edit")
    check_partial(demo_copy, {m for m in event_months(cur) if m >= date(2022, 10, 1)})


def test_an_undo_recomputes_the_batchs_months_only(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    batch = cur.execute(
        "select max(batch_id) from import_batch where kind = 'points' and status = 'committed'"
    ).fetchall()[0][0]
    months = {
        row[0]
        for row in cur.execute(
            "select distinct date_trunc('month', event_date)::date from score_event where batch_id = $b", {"b": batch}
        ).fetchall()
    }
    undo(demo_copy, batch)
    assert flag_rollup.ready(cur)
    assert set(flag_rollup.last_rebuild) <= months
    check_against_direct(demo_copy)


def test_a_what_if_inside_a_transaction_reads_its_own_data(demo_copy):
    cur = demo_copy.cursor()
    assert flag_rollup.ready(cur)
    before = flags.flag_history(cur, 2022)
    with rolled_back(demo_copy) as tx:
        tx.execute("delete from score_event where event_date < '2022-07-01'")
        tx.execute("delete from task_snapshot where updated_on < '2022-07-01'")
        assert not flag_rollup.ready(tx)
        inside = flags.quarter_flags(tx, "2022Q1")
        assert not inside.has_data
    same(flags.flag_history(cur, 2022), before)


# Random departments and ledgers -----------------------------------------------------------------


def task_rows(people, snapshots) -> list[list]:
    """One report per task and day (as the importer requires), owned by the department's people."""
    unique = {(task, day): rest for task, day, *rest in snapshots}
    rows = []
    for (task, day), (book, stage, progress, who, due) in unique.items():
        name, section = people[who % len(people)]
        updated = DAY0 + timedelta(days=day)
        rows.append(task_row(f"T{task}", updated, progress, stage, due, "2021-12-15", section, book, name, note=""))
    return rows


snapshots = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 420),
        st.sampled_from(LEDGERS),
        st.sampled_from(STAGES),
        st.sampled_from([0, 50, 100]),
        st.integers(0, 6),
        st.sampled_from(["2022-01-31", "2022-03-31", "2022-06-30", "2022-11-15"]),
    ),
    max_size=30,
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# At most one roster move a person: the same move drawn twice would be a file the importer rightly refuses (the same
# file, or a roster with nothing to change).
@given(departments().filter(lambda d: len({move[0] for move in d[1]}) == len(d[1])), snapshots, snapshots)
def test_random_departments_via_the_flag_rollup_equal_the_direct_computation(department, first, second):
    con, batch = build(department)
    people = department[0]
    try:
        if first:
            load_tasks(con, task_rows(people, first), "任务台账一.csv")
        check_against_direct(con)
        cur = con.cursor()
        # A second ledger reports again on some tasks (a same-day report replaces the earlier one): no section month
        # is recomputed, and the rates read from the task rollup's spans still equal the direct ones.
        if second:
            load_tasks(con, task_rows(people, second), "任务台账二.csv")
            check_partial(con, set())
        if batch is not None:
            months = {
                row[0]
                for row in cur.execute(
                    "select distinct date_trunc('month', event_date)::date from score_event where batch_id = $b",
                    {"b": batch},
                ).fetchall()
            }
            undo(con, batch)
            assert flag_rollup.ready(cur)
            assert set(flag_rollup.last_rebuild) <= months
            partial = stored_tables(cur)
            assert flag_rollup.rebuild(cur, whole=True)
            for got, whole in zip(partial, stored_tables(cur)):
                same(got, whole, "after undo: partial vs whole")
            check_against_direct(con)
    finally:
        con.close()
