"""The task rollup (task spans, stage days, the burn-up's daily changes) gives the same answers as the direct
computation from the snapshots: every task function that reads it, against its answer under ``rollup.direct()``, on
the demo year and on random ledgers (hypothesis), before and after imports, re-imports and undos. A rebuild
recomputes only the tasks reported in the months whose snapshots changed, and what it leaves equals a whole rebuild;
inside a what-if transaction the snapshots answer."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import ROSTER, csv_bytes, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgers import DAY0, LEDGERS, PEOPLE, ledgers, load_tasks, task_row
from test_rollup import same

from analytics import open_db
from analytics.errors import DashboardError
from analytics.results import rollup, task_rollup, tasks
from analytics.sheets.ingest import undo
from analytics.store.db import data_version, rolled_back, transaction

DAYS = [date(2022, 1, 2), date(2022, 1, 7), date(2022, 3, 31), date(2022, 7, 15), date(2022, 12, 31), date(2023, 2, 1)]


def answers(cur, days: list[date], ledgers_: list[str | None], sections: list[int | None]) -> dict[str, object]:
    """Every task function that reads the state of tasks on a day or the burn-up, on each day, ledger and section."""
    found: dict[str, object] = {}
    for day in days:
        found[f"rates {day}"] = tasks.rates(cur, day)
        found[f"rates by section {day}"] = tasks.rates(cur, day, by="section")
        found[f"section_light_counts {day}"] = tasks.section_light_counts(cur, day)
        for ledger in ledgers_:
            found[f"burnup {day} {ledger}"] = tasks.burnup(cur, day.year, ledger, day)
            for section_id in sections:
                key = f"{day} {ledger} {section_id}"
                found[f"task_lights {key}"] = tasks.task_lights(cur, day, ledger, section_id)
                found[f"year_wall {key}"] = tasks.year_wall(cur, day, day.year, ledger, section_id)
                found[f"wall_summary {key}"] = tasks.wall_summary(cur, day, ledger, section_id)
                found[f"funnel {key}"] = tasks.funnel(cur, day, ledger, section_id)
                found[f"late_closures {key}"] = tasks.late_closures(cur, day, ledger, section_id, day.year)
    for ledger in ledgers_:
        found[f"burnup 2022 latest {ledger}"] = tasks.burnup(cur, 2022, ledger)
    codes = [r[0] for r in cur.execute("select distinct task_code from task_snapshot order by 1").fetchall()]
    for code in codes[:: max(1, len(codes) // 6)]:
        for day in days[2:]:
            try:
                trace = tasks.light_trace(cur, code, day)
                found[f"light_trace {code} {day}"] = (trace.inputs, trace.notes)
            except DashboardError as error:  # not reported yet on that day: the same message either way
                found[f"light_trace {code} {day}"] = str(error)
    return found


def check_against_direct(con, days=DAYS, ledgers_=(None,), sections=(None,)) -> dict[str, object]:
    cur = con.cursor()
    assert task_rollup.ready(cur)
    assert task_rollup.built_for(cur) == data_version(cur)
    got = answers(cur, days, list(ledgers_), list(sections))
    with rollup.direct():
        assert not task_rollup.ready(cur)
        expected = answers(cur, days, list(ledgers_), list(sections))
    same(got, expected)
    return got


def stored(cur) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables in a fixed order."""
    return (
        cur.sql(f"select {task_rollup.SPAN_COLUMNS} from task_span order by task_code, updated_on").df(),
        cur.sql("select * from task_stage_first order by task_code, stage").df(),
        cur.sql("select * from task_burn_day order by day, ledger, stage").df(),
    )


def check_partial(con, recomputed: set[str]) -> None:
    """After a change: the next reader recomputes exactly ``recomputed``, and the tables equal a whole rebuild."""
    cur = con.cursor()
    assert task_rollup.built_for(cur) != data_version(cur)
    assert task_rollup.ready(cur)
    assert set(task_rollup.last_rebuild) == recomputed
    partial = stored(cur)
    assert task_rollup.rebuild(cur, whole=True)
    for a, b in zip(partial, stored(cur)):
        pd.testing.assert_frame_equal(a, b)
    check_against_direct(con, DAYS[2:5])


def codes_in(cur, sql: str, params: dict | None = None) -> set[str]:
    return {row[0] for row in cur.execute(sql, params or {}).fetchall()}


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = open_db(path)
    yield con
    con.close()


def test_demo_year_via_the_task_rollup_equals_the_direct_computation(demo_copy):
    cur = demo_copy.cursor()
    ledger = cur.execute("select min(ledger) from task_snapshot").fetchall()[0][0]
    section = cur.execute("select min(section_id) from task_snapshot").fetchall()[0][0]
    got = check_against_direct(demo_copy, DAYS, [None, ledger, "没有这个台账"], [None, section])
    # The demo year really exercises it: tasks open and closed, several lights, a burn-up that rises.
    lights = got["task_lights 2022-07-15 None None"]
    assert len(lights) > 50 and lights["light"].nunique() >= 3
    assert got["wall_summary 2022-12-31 None None"].kpis["closed"] > 0
    assert got["burnup 2022 latest None"]["tasks"].iloc[-1] > got["burnup 2022 latest None"]["tasks"].iloc[0]
    # One span per task and reported day; the daily changes sum to the tasks on the last day.
    spans, _, burn = stored(cur)
    assert (
        len(spans)
        == cur.execute(
            "select count(distinct (task_code, updated_on)) from task_snapshot where superseded_by is null"
        ).fetchall()[0][0]
    )
    assert burn["tasks"].sum() == spans["task_code"].nunique()


def test_an_import_into_one_month_recomputes_the_tasks_reported_in_it(demo_copy):
    cur = demo_copy.cursor()
    assert task_rollup.ready(cur)
    june = codes_in(cur, "select task_code from task_snapshot where updated_on between '2022-06-01' and '2022-06-30'")
    assert june
    code = sorted(june)[0]
    rows = [
        task_row(code, "2022-06-20", 77.7, stage="即时反馈", due="2022-09-30", start="2022-02-01", section="组织科"),
        task_row("NEW-1", "2022-06-21", 5, due="2022-08-31", start=None, section="组织科"),
    ]
    load_tasks(demo_copy, rows, "六月补报.csv")
    check_partial(demo_copy, june | {"NEW-1"})
    # The same task and day again: the re-import supersedes the earlier snapshot.
    load_tasks(demo_copy, [task_row(code, "2022-06-20", 100, stage="办结销号", due="2022-09-30")], "更正.csv")
    assert cur.execute("select count(*) from task_snapshot where superseded_by is not null").fetchall()[0][0] > 0
    check_partial(demo_copy, june | {"NEW-1"})
    assert tasks.light_trace(cur, code, date(2022, 6, 20)).inputs["progress"].iloc[0] == 100


def test_an_undo_recomputes_the_tasks_of_the_batchs_months(demo_copy):
    cur = demo_copy.cursor()
    assert task_rollup.ready(cur)
    batch = cur.execute(
        "select max(batch_id) from import_batch where kind = 'tasks' and status = 'committed'"
    ).fetchall()[0][0]
    months = "select distinct date_trunc('month', updated_on) from task_snapshot where batch_id = $b"
    affected = codes_in(
        cur,
        f"select task_code from task_snapshot where superseded_by is null and date_trunc('month', updated_on) in ({months})",
        {"b": batch},
    )
    undo(demo_copy, batch)
    check_partial(demo_copy, affected)


def test_a_what_if_inside_a_transaction_reads_the_snapshots(demo_copy):
    cur = demo_copy.cursor()
    assert task_rollup.ready(cur)
    before = tasks.task_lights(cur, date(2022, 7, 15))
    with rolled_back(demo_copy) as inside:
        inside.execute("delete from task_snapshot where task_code = $c", {"c": before["task_code"].iloc[0]})
        assert not task_rollup.ready(inside)
        assert len(tasks.task_lights(inside, date(2022, 7, 15))) == len(before) - 1
    same(tasks.task_lights(cur, date(2022, 7, 15)), before)


def test_a_read_only_database_answers_from_the_snapshots(demo_db, tmp_path):
    path = tmp_path / "ro.duckdb"
    shutil.copyfile(demo_db, path)
    writable = open_db(path)
    with transaction(writable):  # a change after the rollup was last built (if it ever was)
        pass
    writable.close()
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.cursor()
        assert not task_rollup.ready(cur)  # stale, and a read-only database cannot bring it up to date
        assert len(tasks.task_lights(cur, date(2022, 7, 15))) > 0
        assert len(tasks.burnup(cur, 2022)) > 0
    finally:
        con.close()


RANDOM_DAYS = [date(2022, 2, 14), date(2022, 6, 30), date(2022, 12, 31), date(2023, 1, 31)]


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(ledgers(), ledgers(), st.sampled_from([None, *LEDGERS]))
def test_random_ledgers_via_the_task_rollup_equal_the_direct_computation(first, second, ledger):
    con = open_db(":memory:")
    try:
        load(con, csv_bytes(ROSTER), "名单.csv")
        batches = []
        for n, snapshots in enumerate((first, second)):
            unique = {(task, day): rest for task, day, *rest in snapshots}  # one report per task and day
            rows = []
            for (task, day), (book, stage, progress, who, due) in unique.items():
                name, section = PEOPLE[who]
                updated = DAY0 + timedelta(days=day)
                start = None if (task + day) % 3 == 0 else (DAY0 + timedelta(days=day % 40)).isoformat()
                rows.append(
                    task_row(f"T{task}", updated, progress, stage, due, start, section, book, name, note=f"第{n}批")
                )
            batches.append(load_tasks(con, rows, f"任务台账{n}.csv"))
            cur = con.cursor()
            check_against_direct(con, RANDOM_DAYS, [ledger], [None])
            spans = stored(cur)
            assert task_rollup.rebuild(cur, whole=True)
            for a, b in zip(spans, stored(cur)):
                pd.testing.assert_frame_equal(a, b)
        undo(con, batches[0])
        cur = con.cursor()
        check_against_direct(con, RANDOM_DAYS, [ledger], [None])
        spans = stored(cur)
        assert task_rollup.rebuild(cur, whole=True)
        for a, b in zip(spans, stored(cur)):
            pd.testing.assert_frame_equal(a, b)
    finally:
        con.close()
