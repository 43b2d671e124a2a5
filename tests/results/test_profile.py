"""One person's file: the header with moves between sections, the year's events counted as on the posting with their
source rows, points by month and content, the standing in the department, stars and participation."""

from __future__ import annotations

from datetime import date

import pandas as pd
from conftest import load

from analytics.results import participation, profile, stars

HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]
ROSTER_CHANGES = ["姓名", "科室", "职务", "工号", "状态", "调整日期"]


def person(con, name):
    return con.execute("select person_id from person where name = ?", [name]).fetchone()[0]


def test_card_lists_the_moves_between_sections(roster_con):
    load(roster_con, [ROSTER_CHANGES, ["张三", "干部一科", "科长", "A01", "在岗", "2022-05-01"]], "人员调整.xlsx")
    card = profile.person_card(roster_con.cursor(), person(roster_con, "张三"))
    assert (card["name"], card["staff_no"], card["title"], card["section"]) == ("张三", "A01", "科长", "干部一科")
    assert [m["section"] for m in card["memberships"]] == ["组织科", "干部一科"]
    assert card["memberships"][0]["valid_to"] is not None and card["memberships"][1]["valid_to"] is None
    assert profile.person_card(roster_con.cursor(), 9999) is None


def test_events_counted_as_on_the_posting_with_source_rows(roster_con):
    # XC01 is +1 with a monthly cap of 5: in March seven count for 5; April starts afresh. 李四's row is not 张三's.
    rows = [HEADER] + [[f"2022-03-{d:02d}", "张三", "", "XC01", 1, f"信息{d}"] for d in range(1, 8)]
    rows += [["2022-04-02", "张三", "工作质量", "", 2, "批示肯定"], ["2022-03-05", "李四", "宣传推广", "", 3, "经验"]]
    load(roster_con, rows, "三四月加减分.xlsx")
    events = profile.person_events(roster_con.cursor(), person(roster_con, "张三"), 2022)
    assert len(events) == 8
    assert events["month"].tolist() == ["2022-03"] * 7 + ["2022-04"]
    assert events["counted"].tolist() == [1, 1, 1, 1, 1, 0, 0, 2]
    assert events["capped"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0]
    assert set(events["source_file"]) == {"三四月加减分.xlsx"}
    # The header is row 1 of the sheet, so the first event is Excel row 2.
    assert events["row_no"].tolist()[:2] == [2, 3]
    assert events["section"].iat[0] == "组织科"
    assert profile.person_events(roster_con.cursor(), person(roster_con, "张三"), 2021).empty


def test_points_by_month_and_content_keep_every_month(roster_con):
    rows = [HEADER] + [[f"2022-03-{d:02d}", "张三", "", "XC01", 1, f"信息{d}"] for d in range(1, 8)]
    rows += [["2022-04-02", "张三", "工作质量", "", 2, "批示肯定"], ["2022-04-20", "张三", "纪律作风", "", -1, "迟到"]]
    load(roster_con, rows)
    cur = roster_con.cursor()
    events = profile.person_events(cur, person(roster_con, "张三"), 2022)
    contents = profile.year_contents(cur, 2022)
    assert len(contents) == 8 and contents[2] == "宣传推广"
    grid = profile.by_month_content(events, 2022, contents).set_index(["month", "content"])
    assert len(grid) == 12 * 8
    assert tuple(grid.loc[("2022-03", "宣传推广"), ["counted", "raw", "events"]]) == (5.0, 7.0, 7)
    assert grid.loc[("2022-04", "纪律作风"), "counted"] == -1.0
    assert grid.loc[("2022-01", "督查落实"), "counted"] == 0.0
    totals = profile.monthly_totals(events, 2022).set_index("month")
    assert (totals.loc["2022-03", "net"], totals.loc["2022-03", "capped"]) == (5.0, 2.0)
    assert totals.loc["2022-04", "cumulative"] == 6.0
    assert totals.loc["2022-12", "cumulative"] == 6.0


def test_a_content_outside_the_book_gets_its_own_rows():
    events = pd.DataFrame(
        {"fact_id": [1], "month": ["2022-02"], "content": ["旧内容"], "counted": [1.5], "points": [1.5]}
    )
    grid = profile.by_month_content(events, 2022, ["督查落实"])
    assert sorted(set(grid["content"])) == sorted(["督查落实", "旧内容"])
    assert grid.set_index(["month", "content"]).loc[("2022-02", "旧内容"), "counted"] == 1.5
    empty = profile.by_month_content(events.iloc[0:0], 2022, ["督查落实"])
    assert len(empty) == 12 and empty["counted"].sum() == 0


def test_standing_ranks_with_ties(roster_con):
    load(
        roster_con,
        [
            HEADER,
            ["2022-03-01", "张三", "工作质量", "", 3, "a"],
            ["2022-03-01", "李四", "工作质量", "", 3, "b"],
            ["2022-03-01", "王五", "工作质量", "", 1, "c"],
        ],
    )
    cur = roster_con.cursor()
    zhang = profile.year_standing(cur, person(roster_con, "张三"), 2022, 3)
    wang = profile.year_standing(cur, person(roster_con, "王五"), 2022, 3)
    assert (zhang["net"], zhang["rank"], zhang["events"]) == (3.0, 1, 1)
    assert wang["rank"] == 3
    assert zhang["people"] == 5  # everyone on the roster is counted, the three without points at 0
    assert profile.year_standing(cur, 9999, 2022, 3)["rank"] is None


def test_awards_of_puts_the_month_star_first(roster_con):
    load(
        roster_con,
        [HEADER, ["2022-03-01", "张三", "宣传推广", "", 4, "a"], ["2022-03-02", "李四", "工作质量", "", 1, "b"]],
    )
    cur = roster_con.cursor()
    board = stars.star_board(cur, 2022)
    mine = profile.awards_of(board["awards"], person(roster_con, "张三"))
    assert mine["award"].tolist() == ["月度之星", "宣传推广之星"]
    assert set(mine["month"]) == {"2022-03"}
    assert profile.awards_of(board["awards"], person(roster_con, "孙七")).empty


def test_activity_summary_counts_times_speakers_and_hours(roster_con):
    load(
        roster_con,
        [
            ["日期", "姓名", "活动类型", "活动名称", "角色", "时长(小时)"],
            ["2022-03-01", "张三", "荐学", "每周一文", "参与", 0.5],
            ["2022-03-08", "张三", "荐学", "每周一文", "主讲", 0.5],
            ["2022-03-10", "张三", "组工讲堂", "第一讲", "参与", 2],
            ["2022-03-10", "李四", "组工讲堂", "第一讲", "参与", 2],
        ],
        "参与.xlsx",
    )
    rows = participation.person_participation(roster_con.cursor(), person(roster_con, "张三"), 2022)
    summary = profile.activity_summary(rows).set_index("activity")
    assert summary.index.tolist() == ["荐学", "组工讲堂"]
    assert tuple(summary.loc["荐学", ["times", "speaker", "hours"]]) == (2, 1, 1.0)
    assert summary.loc["荐学", "last"] == date(2022, 3, 8)
    assert profile.activity_summary(rows.iloc[0:0]).empty


def test_as_of_for_a_running_and_a_past_year():
    assert profile.as_of_for(2022, date(2022, 6, 15)) == date(2022, 6, 15)
    assert profile.as_of_for(2022, date(2023, 2, 1)) == date(2022, 12, 31)
    assert profile.as_of_for(2022, None) == date(2022, 12, 31)
