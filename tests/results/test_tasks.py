"""Task lights, the closed loop, rates and the quarterly on-time rate, on tiny hand-computed ledgers."""

from __future__ import annotations

import math
from datetime import date

import pytest
from ledgers import load_tasks, task_row

from analytics.results import tasks
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import transaction

D = date
row = task_row


def light_of(con, code, as_of):
    frame = tasks.task_lights(con.cursor(), as_of)
    return frame.set_index("task_code").loc[code]


# Lights ------------------------------------------------------------------------------------------


# start 01-01, due 06-30: 180 days. One report on 06-20 at 95 %.
@pytest.mark.parametrize(
    "as_of, light, flags",
    [
        (D(2022, 6, 22), "正常", ["正常"]),  # 8 days to due, expected 95.6 → 95 is within 10 points
        (D(2022, 6, 23), "临期", ["临期"]),  # exactly light_due_soon_days = 7 to go
        (D(2022, 6, 30), "临期", ["临期"]),  # due today is not yet overdue
        (D(2022, 7, 1), "逾期", ["逾期"]),  # the day after
    ],
)
def test_due_today_is_due_soon_and_the_day_after_overdue(roster_con, as_of, light, flags):
    load_tasks(roster_con, [row("T1", "2022-06-20", 95)])
    got = light_of(roster_con, "T1", as_of)
    assert got["light"] == light
    assert got["flags"] == flags


def test_expected_progress_is_the_share_of_time_passed(roster_con):
    load_tasks(roster_con, [row("T1", "2022-06-20", 95)])
    got = light_of(roster_con, "T1", D(2022, 6, 22))
    assert got["expected"] == pytest.approx(95.6)  # 172 / 180 days
    assert got["days_to_due"] == 8
    assert got["days_since_update"] == 2
    assert light_of(roster_con, "T1", D(2022, 8, 1))["expected"] == 100


def test_task_closed_late(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-06-20", 80),
            row("T1", "2022-07-05", 100, "办结销号"),
            row("T2", "2022-06-28", 100, "办结销号"),
        ],
    )
    before = light_of(roster_con, "T1", D(2022, 7, 1))
    assert before["light"] == "逾期"
    assert before["closed_on"] is None
    after = light_of(roster_con, "T1", D(2022, 7, 10))
    assert after["light"] == "已办结"
    assert after["flags"] == ["已办结"]
    assert after["closed_on"] == D(2022, 7, 5)
    assert bool(after["closed_late"])
    assert not bool(light_of(roster_con, "T2", D(2022, 7, 10))["closed_late"])
    late = tasks.late_closures(roster_con.cursor(), D(2022, 7, 10))
    assert late[["task_code", "days_late"]].values.tolist() == [["T1", 5]]


def test_closed_on_is_the_first_report_in_the_closed_stage(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-06-25", 100, "办结销号"),
            row("T1", "2022-07-05", 100, "办结销号", note="补充材料"),
        ],
    )
    got = light_of(roster_con, "T1", D(2022, 7, 10))
    assert got["closed_on"] == D(2022, 6, 25)
    assert not bool(got["closed_late"])


# start 01-01, due 12-31; one report on 03-01 at 40 %.
@pytest.mark.parametrize("as_of, light", [(D(2022, 3, 15), "正常"), (D(2022, 3, 16), "久未反馈")])
def test_stale_after_more_than_the_stale_days(roster_con, as_of, light):
    load_tasks(roster_con, [row("T1", "2022-03-01", 40, due="2022-12-31")])
    assert light_of(roster_con, "T1", as_of)["light"] == light


def test_missing_reports_for_weeks_and_behind_carries_both_flags(roster_con):
    load_tasks(
        roster_con, [row("T1", "2022-03-01", 0, due="2022-12-31"), row("T2", "2022-04-29", 40, due="2022-12-31")]
    )
    frame = tasks.task_lights(roster_con.cursor(), D(2022, 4, 30))
    got = frame.set_index("task_code").loc["T1"]
    assert got["light"] == "滞后"  # expected 119/364 = 32.7 %
    assert got["flags"] == ["滞后", "久未反馈"]
    # The page lists 久未反馈 before a task that is only on track.
    assert frame["task_code"].tolist() == ["T1", "T2"]
    assert frame["attention"].tolist() == [1, 4]


# start 01-01, due 05-01 (120 days); on 03-02 60 days have passed: expected 50 %, margin 10 points.
@pytest.mark.parametrize("progress, light", [(40, "正常"), (39.5, "滞后"), (45, "正常"), (0, "滞后")])
def test_behind_versus_on_track_at_the_margin(roster_con, progress, light):
    load_tasks(roster_con, [row("T1", "2022-03-01", progress, due="2022-05-01")])
    got = light_of(roster_con, "T1", D(2022, 3, 2))
    assert got["expected"] == 50
    assert got["light"] == light


def test_lag_margin_comes_from_the_rule_book_in_force(roster_con):
    load_tasks(roster_con, [row("T1", "2022-03-01", 42, due="2022-05-01")])
    book = rb.current(roster_con.cursor())
    with transaction(roster_con) as cur:
        rb.save(cur, book.with_changes(params={**book.params, "light_lag_margin": 5}), D(2022, 3, 2), "edit")
    assert light_of(roster_con, "T1", D(2022, 3, 1))["light"] == "正常"  # old book: 42 >= 48.3 - 10
    got = light_of(roster_con, "T1", D(2022, 3, 2))  # new book: 42 < 50 - 5
    assert got["light"] == "滞后"
    trace = tasks.light_trace(roster_con.cursor(), "T1", D(2022, 3, 2))
    assert trace.params["light_lag_margin"] == 5
    assert "5 个百分点" in trace.formula


def test_start_defaults_to_the_first_report(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-03-01", 0, start="", due="2022-03-31"),
            row("T1", "2022-03-11", 30, start="", due="2022-03-31"),
        ],
    )
    got = light_of(roster_con, "T1", D(2022, 3, 16))
    assert got["start"] == D(2022, 3, 1)
    assert got["expected"] == 50  # 15 of 30 days
    assert got["progress"] == 30


def test_task_without_a_report_yet_does_not_exist(roster_con):
    load_tasks(roster_con, [row("T1", "2022-03-01", 10), row("T2", "2022-03-10", 10)])
    frame = tasks.task_lights(roster_con.cursor(), D(2022, 3, 5))
    assert frame["task_code"].tolist() == ["T1"]


def test_superseded_snapshots_are_ignored_and_undo_restores_them(roster_con):
    load_tasks(roster_con, [row("T1", "2022-03-01", 10)], "第一次.xlsx")
    second = load_tasks(roster_con, [row("T1", "2022-03-01", 50)], "更正.xlsx")
    got = light_of(roster_con, "T1", D(2022, 3, 5))
    assert got["progress"] == 50
    assert got["source_file"] == "更正.xlsx"
    assert len(tasks.progress_history(roster_con.cursor(), "T1")) == 1
    undo(roster_con, second)
    assert light_of(roster_con, "T1", D(2022, 3, 5))["progress"] == 10


def test_filters_and_the_person_drill_down(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-03-01", 10, owner="张三"),
            row("T2", "2022-03-01", 10, owner="王五", section="干部一科", ledger="揭榜挂帅"),
        ],
    )
    cur = roster_con.cursor()
    zhang = roster_con.execute("select person_id from person where name = '张三'").fetchone()[0]
    assert tasks.tasks_of_person(cur, zhang, D(2022, 3, 5))["task_code"].tolist() == ["T1"]
    assert tasks.task_lights(cur, D(2022, 3, 5), ledger="揭榜挂帅")["task_code"].tolist() == ["T2"]
    cadre = roster_con.execute("select section_id from section where name = '干部一科'").fetchone()[0]
    assert tasks.task_lights(cur, D(2022, 3, 5), section_id=cadre)["task_code"].tolist() == ["T2"]


# Trace -------------------------------------------------------------------------------------------


def test_light_trace_shows_the_snapshot_and_its_source_row(roster_con):
    load_tasks(
        roster_con, [row("T0", "2022-03-01", 90), row("T1", "2022-03-01", 39.5, due="2022-05-01")], "三月台账.xlsx"
    )
    trace = tasks.light_trace(roster_con.cursor(), "T1", D(2022, 3, 2))
    assert trace.params == {"light_lag_margin": 10, "light_stale_days": 14, "light_due_soon_days": 7}
    assert "应达进度" in trace.formula
    inputs = trace.inputs.iloc[0]
    assert inputs["expected"] == 50
    assert inputs["row_no"] == 3
    assert inputs["source_file"] == "三月台账.xlsx"
    assert any("第 3 行" in note for note in trace.notes)
    assert any("判定：滞后" in note for note in trace.notes)
    assert trace.as_dict()["inputs"][0]["due_date"] == "2022-05-01"


def test_light_trace_of_a_task_not_yet_reported(roster_con):
    load_tasks(roster_con, [row("T1", "2022-03-10", 10)])
    with pytest.raises(Exception, match="还没有进度记录"):
        tasks.light_trace(roster_con.cursor(), "T1", D(2022, 3, 1))


# Funnel and rates --------------------------------------------------------------------------------


def test_funnel_counts_reached_and_current(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-03-01", 0, "领办登记"),
            row("T2", "2022-03-01", 30, "全程督查"),
            row("T3", "2022-03-01", 30, "全程督查"),
            row("T4", "2022-03-01", 90, "即时反馈"),
            row("T5", "2022-03-01", 100, "办结销号"),
        ],
    )
    frame = tasks.funnel(roster_con.cursor(), D(2022, 3, 5))
    assert frame["stage"].tolist() == ["领办登记", "全程督查", "即时反馈", "办结销号"]
    assert frame["reached"].tolist() == [5, 4, 2, 1]
    assert frame["current"].tolist() == [1, 2, 1, 1]


def test_rates_by_ledger_and_section(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-06-28", 100, "办结销号", due="2022-06-30"),  # on time
            row("T2", "2022-07-05", 100, "办结销号", due="2022-06-30"),  # late
            row("T3", "2022-06-01", 50, due="2022-06-30"),  # overdue
            row("T4", "2022-06-01", 50, due="2022-12-31", section="干部一科"),  # not due yet
            row("T5", "2022-06-01", 50, due="2022-12-31", ledger="揭榜挂帅", section="干部一科"),
        ],
    )
    by_ledger = tasks.rates(roster_con.cursor(), D(2022, 7, 10)).set_index("ledger")
    assert len(by_ledger) == 8
    base = by_ledger.loc["基础夯实工程"]
    assert base["planned"] == 28
    assert (base["tasks"], base["closed"], base["due"], base["on_time"], base["overdue"], base["closed_late"]) == (
        4,
        2,
        3,
        1,
        1,
        1,
    )
    assert base["completion_rate"] == pytest.approx(0.5)
    assert base["on_time_rate"] == pytest.approx(1 / 3)
    assert by_ledger.loc["揭榜挂帅", "tasks"] == 1
    assert math.isnan(by_ledger.loc["揭榜挂帅", "on_time_rate"])
    assert by_ledger.loc["组织保障专项台账", "tasks"] == 0
    by_section = tasks.rates(roster_con.cursor(), D(2022, 7, 10), by="section").set_index("section")
    assert by_section["tasks"].to_dict() == {"组织科": 3, "干部一科": 2, "干部二科": 0}
    assert by_section.loc["组织科", "on_time_rate"] == pytest.approx(1 / 3)


# Quarterly on-time rate (feeds the flag) -----------------------------------------------------------

QUARTER_TASKS = [
    row("A", "2022-03-30", 100, "办结销号", due="2022-03-31"),  # due in Q1
    row("B", "2022-04-01", 100, "办结销号", due="2022-04-01"),  # first day of Q2, on time
    row("C", "2022-06-30", 100, "办结销号", due="2022-06-30"),  # last day of Q2, on time
    row("D", "2022-06-20", 80, due="2022-06-30"),
    row("D", "2022-07-02", 100, "办结销号", due="2022-06-30"),  # closed late
    row("E", "2022-06-01", 50, due="2022-07-01"),  # due in Q3
    row("F", "2022-04-10", 50, due="2022-05-15"),  # never closed
    row("G", "2022-04-20", 100, "办结销号", due="2022-05-01", section="干部一科"),
    row("H", "2022-06-01", 90, due="2022-06-30", section="干部一科"),
    row("H", "2022-06-30", 100, "办结销号", due="2022-06-30", section="干部一科"),  # closed on its due day
]


@pytest.mark.parametrize(
    "start, end, as_of, expected",
    [
        # Q2 seen on 07-15: 组织科 B, C on time of B, C, D, F; 干部一科 G and H both on time.
        (D(2022, 4, 1), D(2022, 6, 30), D(2022, 7, 15), {"组织科": (4, 2), "干部一科": (2, 2), "干部二科": (0, 0)}),
        # Seen on 06-29: C has no report yet, D's late closing is not known, H is not closed yet.
        (D(2022, 4, 1), D(2022, 6, 30), D(2022, 6, 29), {"组织科": (3, 1), "干部一科": (2, 1), "干部二科": (0, 0)}),
        # Q1: only A.
        (D(2022, 1, 1), D(2022, 3, 31), D(2022, 4, 5), {"组织科": (1, 1), "干部一科": (0, 0), "干部二科": (0, 0)}),
        # Q3 seen at its end: E was due 07-01 and never closed.
        (D(2022, 7, 1), D(2022, 9, 30), D(2022, 9, 30), {"组织科": (1, 0), "干部一科": (0, 0), "干部二科": (0, 0)}),
    ],
)
def test_section_task_rates_on_quarter_boundaries(roster_con, start, end, as_of, expected):
    load_tasks(roster_con, QUARTER_TASKS)
    frame = tasks.section_task_rates(roster_con.cursor(), start, end, as_of)
    names = dict(roster_con.execute("select section_id, name from section").fetchall())
    assert list(frame.columns) == ["section_id", "due", "on_time", "rate"]
    assert str(frame["due"].dtype) == "int64" and str(frame["on_time"].dtype) == "int64"
    got = {names[r["section_id"]]: (r["due"], r["on_time"]) for r in frame.to_dict("records")}
    assert got == expected
    for rec in frame.to_dict("records"):
        if rec["due"]:
            assert rec["rate"] == pytest.approx(rec["on_time"] / rec["due"])
        else:
            assert math.isnan(rec["rate"])


def test_section_task_rates_lists_sections_without_tasks(roster_con):
    frame = tasks.section_task_rates(roster_con.cursor(), D(2022, 1, 1), D(2022, 3, 31), D(2022, 3, 31))
    assert len(frame) == 3
    assert frame["due"].tolist() == [0, 0, 0]
    assert frame["rate"].isna().all()


# History, burn-up and JSON -------------------------------------------------------------------------


def test_progress_history_and_burnup(roster_con):
    load_tasks(
        roster_con,
        [
            row("T1", "2022-01-11", 20, start="2022-01-01", due="2022-01-21"),
            row("T1", "2022-01-21", 100, "办结销号", start="2022-01-01", due="2022-01-21"),
            row("T2", "2022-01-12", 40, due="2022-12-31"),
        ],
    )
    history = tasks.progress_history(roster_con.cursor(), "T1")
    assert history["updated_on"].tolist() == [D(2022, 1, 11), D(2022, 1, 21)]
    assert history["expected"].tolist() == [50, 100]
    weeks = tasks.burnup(roster_con.cursor(), 2022)
    # Weeks from the one holding 01-01 (Mon 2021-12-27) to the one holding the last report (01-21).
    assert weeks["week_start"].tolist() == [D(2021, 12, 27), D(2022, 1, 3), D(2022, 1, 10), D(2022, 1, 17)]
    assert weeks["tasks"].tolist() == [0, 0, 2, 2]
    assert weeks["closed"].tolist() == [0, 0, 0, 1]
    assert weeks["progress_avg"].tolist()[2:] == [30, 70]
    only = tasks.burnup(roster_con.cursor(), 2022, ledger="揭榜挂帅")
    assert only["tasks"].sum() == 0


def test_tasks_json(roster_con):
    load_tasks(roster_con, [row("T1", "2022-06-20", 95), row("T2", "2022-06-28", 100, "办结销号")])
    data = tasks.tasks_json(roster_con.cursor(), D(2022, 6, 30))
    assert data["as_of"] == "2022-06-30"
    assert data["counts"] == {"已办结": 1, "逾期": 0, "滞后": 0, "久未反馈": 0, "临期": 1, "正常": 0}
    first = data["tasks"][0]
    assert set(first) == {
        "task_code",
        "task_name",
        "ledger",
        "section",
        "progress",
        "expected",
        "stage",
        "light",
        "flags",
        "due_date",
        "updated_on",
    }
    assert first == {
        **first,
        "task_code": "T1",
        "light": "临期",
        "flags": ["临期"],
        "due_date": "2022-06-30",
        "updated_on": "2022-06-20",
        "section": "组织科",
    }
