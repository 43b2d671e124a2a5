"""Deadline history: postponements counted across snapshots, the original and the current deadline, and a task that
closed "on time" only because its deadline moved is not on time."""

from __future__ import annotations

from datetime import date

import ledgers

from analytics.meetings import deadlines as dl
from analytics.meetings import slides


def snap(code, updated, due, progress, stage="全程督查"):
    return ledgers.task_row(code, updated, progress, stage, due=due)


def load_tasks(con):
    rows = [
        # A: due 03-31, moved to 04-30, then 05-31, closed 05-20: on time only because it moved twice.
        snap("A", "2022-03-04", "2022-03-31", 40),
        snap("A", "2022-03-25", "2022-04-30", 60),
        snap("A", "2022-04-22", "2022-05-31", 80),
        snap("A", "2022-05-20", "2022-05-31", 100, "办结销号"),
        # B: never moved, closed on time.
        snap("B", "2022-03-04", "2022-04-30", 50),
        snap("B", "2022-04-15", "2022-04-30", 100, "办结销号"),
        # C: moved once to 06-30, still open on 05-31: late by its original deadline of 04-30.
        snap("C", "2022-03-04", "2022-04-30", 30),
        snap("C", "2022-04-20", "2022-06-30", 50),
        snap("C", "2022-05-27", "2022-06-30", 70),
    ]
    ledgers.load_tasks(con, rows, "台账.xlsx")


def test_postponements_original_and_current_deadline(roster_con):
    load_tasks(roster_con)
    history = dl.deadline_history(roster_con.cursor(), date(2022, 5, 31)).set_index("task_code")
    assert history.loc["A", "postponements"] == 2
    assert history.loc["A", "original_due"] == date(2022, 3, 31)
    assert history.loc["A", "current_due"] == date(2022, 5, 31)
    assert history.loc["A", "last_moved_on"] == date(2022, 4, 22)
    assert history.loc["A", "verdict"] == dl.ON_TIME_AFTER_MOVE
    assert history.loc["A", "on_time_by_original"] is False
    assert history.loc["B", "postponements"] == 0 and history.loc["B", "verdict"] == dl.ON_TIME
    assert history.loc["C", "postponements"] == 1 and history.loc["C", "verdict"] == dl.LATE_BY_ORIGINAL
    # The history only knows the snapshots up to the day asked: on 04-01 A has moved once.
    early = dl.deadline_history(roster_con.cursor(), date(2022, 4, 1)).set_index("task_code")
    assert early.loc["A", "postponements"] == 1 and early.loc["A", "current_due"] == date(2022, 4, 30)


def test_moves_within_a_period_and_moved_tasks(roster_con):
    load_tasks(roster_con)
    cur = roster_con.cursor()
    moves = dl.deadline_moves(cur, date(2022, 4, 1), date(2022, 4, 30))
    assert [(r.task_code, r.from_due, r.to_due) for r in moves.itertuples()] == [
        ("C", date(2022, 4, 30), date(2022, 6, 30)),
        ("A", date(2022, 4, 30), date(2022, 5, 31)),
    ]
    assert dl.moved_tasks(cur, date(2022, 5, 31))["task_code"].tolist() == ["A", "C"]


def test_the_deck_slide_says_on_time_only_after_a_move(roster_con):
    load_tasks(roster_con)
    meeting = slides.build(roster_con.cursor(), "month", "2022-05")
    slide = next(s for s in meeting.slides if s.key == "deadlines")
    assert dict(slide.kpis)["延期后按期办结"] == "1"
    rows = {r[0]: r for r in slide.table.rows}
    assert rows["任务A"][5] == "2" and rows["任务A"][6] == dl.ON_TIME_AFTER_MOVE
    changes = next(s for s in meeting.slides if s.key == "changes")
    assert dict(changes.kpis)["期限推后"] == "0 次"  # no move reported in May
    april = slides.build(roster_con.cursor(), "month", "2022-04")
    changes = next(s for s in april.slides if s.key == "changes")
    assert dict(changes.kpis)["期限推后"] == "2 次"
