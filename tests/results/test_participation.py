"""五个一 completion by period, the campaign counters and participation by month, section and person."""

from __future__ import annotations

import math
from datetime import date

import pytest
from conftest import load

from analytics.results import participation as pa

HEADER = ["日期", "姓名", "活动类型", "活动名称", "角色"]
ROSTER_CHANGES = ["姓名", "科室", "职务", "工号", "状态", "调整日期"]
D = date
MARCH = (D(2022, 3, 1), D(2022, 3, 31))


def load_rows(con, rows, name="参与记录.xlsx"):
    return load(con, [HEADER, *rows], name)


def cell(frame, name, activity, column):
    hit = frame[(frame["name"] == name) & (frame["activity"] == activity)]
    assert len(hit) == 1, (name, activity, len(hit))
    return hit.iloc[0][column]


# 五个一 --------------------------------------------------------------------------------------------


# March 2022 seen on 03-31: weeks Feb 28–Mar 6, 7–13, 14–20, 21–27 have ended; Mar 28–Apr 3 is still running.
@pytest.mark.parametrize(
    "days, expected, done",
    [
        (["03-01", "03-08", "03-15", "03-22"], 4, 4),
        (["03-01", "03-08", "03-22"], 4, 3),  # missed the week of 03-14
        (["03-01", "03-03", "03-22"], 4, 2),  # two in one week count once
        (["03-01", "03-08", "03-22", "03-29"], 5, 4),  # the running week counts once done
        ([], 4, 0),
    ],
)
def test_weekly_completion_over_a_month(roster_con, days, expected, done):
    if days:
        load_rows(roster_con, [[f"2022-{d}", "张三", "荐学", f"每周一文{n}", "参与"] for n, d in enumerate(days)])
    frame = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31))
    assert cell(frame, "张三", "荐学", "expected") == expected
    assert cell(frame, "张三", "荐学", "done") == done
    assert cell(frame, "张三", "荐学", "completion") == pytest.approx(done / expected)


def test_half_months_months_and_quarters(roster_con):
    load_rows(
        roster_con,
        [
            ["2022-03-15", "张三", "研学", "支部研学一", "参与"],  # first half of March
            ["2022-03-16", "张三", "研学", "支部研学二", "参与"],  # second half
            ["2022-03-25", "张三", "主题党日", "主题党日", "参与"],  # 游学 by its alias
            ["2022-02-20", "张三", "评学", "党员大会", "参与"],  # in Q1, before the window
        ],
    )
    frame = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31))
    assert (cell(frame, "张三", "研学", "expected"), cell(frame, "张三", "研学", "done")) == (2, 2)
    assert (cell(frame, "张三", "游学", "expected"), cell(frame, "张三", "游学", "done")) == (1, 1)
    # The quarter overlaps March, so the February 党员大会 fulfils it.
    assert (cell(frame, "张三", "评学", "expected"), cell(frame, "张三", "评学", "done")) == (1, 1)
    assert (cell(frame, "李四", "研学", "expected"), cell(frame, "李四", "研学", "done")) == (2, 0)
    # Seen in mid-month only the first half is owed.
    mid = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 15))
    assert cell(mid, "李四", "研学", "expected") == 1
    assert cell(mid, "李四", "游学", "expected") == 0
    assert math.isnan(cell(mid, "李四", "游学", "completion"))


@pytest.mark.parametrize(
    "as_of, took_part, expected, completion",
    [
        (D(2022, 6, 30), False, 0, None),  # the year is not out: nothing owed yet
        (D(2022, 6, 30), True, 1, 1.0),  # already done counts
        (D(2022, 12, 31), False, 1, 0.0),
    ],
)
def test_award_meeting_undefined_before_the_year_ends(roster_con, as_of, took_part, expected, completion):
    if took_part:
        load_rows(roster_con, [["2022-06-15", "张三", "总结大会", "半年总结", "参与"]])
    frame = pa.five_one_matrix(roster_con.cursor(), D(2022, 1, 1), D(2022, 12, 31), as_of=as_of)
    assert cell(frame, "张三", "奖学", "expected") == expected
    value = cell(frame, "张三", "奖学", "completion")
    if completion is None:
        assert math.isnan(value)
        assert pa.completion_text(value) == "—"
    else:
        assert value == completion


def test_overall_is_the_mean_of_defined_completions(roster_con):
    load_rows(
        roster_con,
        [
            ["2022-03-01", "张三", "荐学", "a", "参与"],
            ["2022-03-08", "张三", "荐学", "b", "参与"],
            ["2022-03-02", "张三", "研学", "c", "参与"],
            ["2022-03-20", "张三", "游学", "d", "参与"],
        ],
    )
    frame = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31))
    # 荐学 2/4, 研学 1/2, 游学 1/1, 评学 0/1, 奖学 undefined → (0.5 + 0.5 + 1 + 0) / 4
    assert cell(frame, "张三", "荐学", "overall") == pytest.approx(0.5)
    wide = pa.five_one_by_person(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31)).set_index("name")
    assert list(wide.columns) == [
        "person_id",
        "section_id",
        "section",
        "荐学",
        "研学",
        "游学",
        "评学",
        "奖学",
        "overall",
    ]
    assert wide.loc["张三", "游学"] == 1.0
    assert math.isnan(wide.loc["张三", "奖学"])
    assert wide.loc["李四", "overall"] == 0.0
    assert pa.completion_text(0.75) == "75%"


def test_people_who_joined_or_left_mid_window(roster_con):
    load(
        roster_con,
        [
            ROSTER_CHANGES,
            ["周八", "组织科", "科员", "A03", "在岗", "2022-03-16"],  # joins mid-March
            ["李四", "组织科", "科员", "A02", "离岗", "2022-03-10"],  # leaves on 03-10
            ["吴九", "组织科", "科员", "A04", "在岗", "2022-04-01"],  # joins after the window
        ],
        "人员调整.xlsx",
    )
    frame = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31))
    # 周八: weeks of 03-14 and 03-21 have ended; the second half of March; March; Q1.
    assert [cell(frame, "周八", a, "expected") for a in ("荐学", "研学", "游学", "评学")] == [2, 1, 1, 1]
    # 李四: weeks of 02-28 and 03-07 only; the first half of March.
    assert cell(frame, "李四", "荐学", "expected") == 2
    assert cell(frame, "李四", "研学", "expected") == 1
    assert "吴九" not in set(frame["name"])
    april = pa.five_one_matrix(roster_con.cursor(), D(2022, 4, 1), D(2022, 4, 30), as_of=D(2022, 4, 30))
    assert "李四" not in set(april["name"])
    assert "吴九" in set(april["name"])


def test_section_and_person_filters(roster_con):
    cadre = roster_con.execute("select section_id from section where name = '干部一科'").fetchone()[0]
    frame = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31), section_id=cadre)
    assert sorted(set(frame["name"])) == sorted(["王五", "赵六"])
    assert len(frame) == 2 * 5
    zhang = roster_con.execute("select person_id from person where name = '张三'").fetchone()[0]
    one = pa.five_one_matrix(roster_con.cursor(), *MARCH, as_of=D(2022, 3, 31), person_id=zhang)
    assert set(one["name"]) == {"张三"}


# Counters ----------------------------------------------------------------------------------------


def test_counters_speak_as_the_report(roster_con):
    load_rows(
        roster_con,
        [
            ["2022-03-01", "张三", "每日鉴学", "外地经验一", "参与"],
            ["2022-03-02", "张三", "每日鉴学", "外地经验二", "参与"],
            ["2022-03-02", "李四", "每日鉴学", "外地经验三", "参与"],
            ["2022-05-04", "张三", "组工论坛", "青年组工干部分享", "主讲"],
            ["2022-05-04", "李四", "组工论坛", "青年组工干部分享", "主讲"],
            ["2022-05-04", "王五", "组工论坛", "青年组工干部分享", "参与"],
            ["2022-07-01", "张三", "组工论坛", "半年工作复盘检视", "主讲"],  # the same speaker again
            ["2022-04-10", "王五", "考察学习", "赴城阳区", "参与"],
            ["2022-04-10", "赵六", "考察学习", "赴城阳区", "参与"],
            ["2022-04-12", "孙七", "考察学习", "赴黄岛区", "参与"],
            ["2022-03-10", "张三", "组工讲堂", "经济形势专题", "参与"],
            ["2022-03-10", "李四", "组工讲堂", "经济形势专题", "参与"],
            ["2022-03-24", "李四", "组工讲堂", "招商引资专题", "参与"],
            ["2022-04-01", "孙七", "一线实践", "疫情防控", "参与"],
            ["2022-05-01", "孙七", "一线实践", "拆迁改造", "参与"],
            ["2022-04-02", "赵六", "志愿服务", "社区志愿服务", "参与"],
            ["2022-04-09", "赵六", "志愿服务", "社区志愿服务", "参与"],
            ["2022-04-09", "孙七", "志愿服务", "社区志愿服务", "参与"],
            ["2021-12-30", "张三", "每日鉴学", "上年经验", "参与"],  # before the window
        ],
    )
    got = {c["activity"]: c for c in pa.counters(roster_con.cursor(), D(2022, 1, 1), D(2022, 12, 31))}
    assert got["每日鉴学"] == {"activity": "每日鉴学", "value": 3, "unit": "条", "label": "每日鉴学累计推送经验 3 条"}
    assert got["组工论坛"]["value"] == 2
    assert got["组工论坛"]["label"] == "组工论坛 2 名机关干部上讲台"
    assert got["考察学习"]["value"] == 2
    assert got["考察学习"]["label"] == "派出 2 个小分队考察学习"
    assert got["组工讲堂"]["value"] == 2
    assert got["一线实践"]["value"] == 1
    assert got["志愿服务"]["value"] == 3
    assert got["志愿服务"]["unit"] == "人次"
    assert got["金点子"]["value"] == 0
    # Only activities the rule book counts, in its order; the 五个一 have no counter.
    assert list(got)[0] == "组工讲堂"
    assert "荐学" not in got
    march = {c["activity"]: c["value"] for c in pa.counters(roster_con.cursor(), *MARCH)}
    assert march["每日鉴学"] == 3 and march["组工讲堂"] == 2 and march["组工论坛"] == 0


# By month, section and person --------------------------------------------------------------------


def test_monthly_participation(roster_con):
    load_rows(
        roster_con,
        [
            ["2022-03-01", "张三", "荐学", "a", "参与"],
            ["2022-03-08", "张三", "荐学", "b", "参与"],
            ["2022-03-08", "李四", "荐学", "b", "参与"],
            ["2022-04-08", "李四", "荐学", "c", "参与"],
        ],
    )
    frame = pa.monthly_participation(roster_con.cursor(), 2022)
    assert len(frame) == 12 * 15
    march = frame[(frame["month"] == "2022-03") & (frame["activity"] == "荐学")].iloc[0]
    assert (march["rows"], march["people"]) == (3, 2)
    april = frame[(frame["month"] == "2022-04") & (frame["activity"] == "荐学")].iloc[0]
    assert (april["rows"], april["people"]) == (1, 1)
    assert frame["rows"].sum() == 4


def test_section_participation(roster_con):
    load_rows(
        roster_con,
        [
            ["2022-03-01", "张三", "荐学", "a", "参与"],
            ["2022-03-08", "张三", "荐学", "b", "参与"],
            ["2022-03-08", "李四", "每日鉴学", "b", "参与"],
            ["2022-03-09", "王五", "金点子", "建议", "参与"],
            ["2022-04-09", "王五", "金点子", "四月建议", "参与"],  # outside the window
        ],
    )
    frame = pa.section_participation(roster_con.cursor(), *MARCH).set_index("section")
    assert frame["headcount"].to_dict() == {"组织科": 2, "干部一科": 2, "干部二科": 1}
    assert frame["rows"].to_dict() == {"组织科": 3, "干部一科": 1, "干部二科": 0}
    assert frame.loc["组织科", "rows_per_capita"] == pytest.approx(1.5)
    assert frame.loc["干部一科", "active_people"] == 1
    # 张三 2/4 荐学, 0 elsewhere: overall (0.5 + 0 + 0 + 0) / 4; 李四 0.
    assert frame.loc["组织科", "five_one_completion"] == pytest.approx(0.0625)


def test_person_participation_keeps_the_source_rows(roster_con):
    load_rows(
        roster_con,
        [
            ["2022-03-08", "张三", "荐学", "b", "参与"],
            ["2022-03-01", "张三", "组工论坛", "青年组工干部分享", "主讲"],
            ["2022-03-01", "李四", "荐学", "a", "参与"],
        ],
        "三月参与.xlsx",
    )
    zhang = roster_con.execute("select person_id from person where name = '张三'").fetchone()[0]
    frame = pa.person_participation(roster_con.cursor(), zhang, 2022)
    assert frame["activity"].tolist() == ["组工论坛", "荐学"]
    assert frame["role"].tolist() == ["主讲", "参与"]
    assert frame["row_no"].tolist() == [3, 2]
    assert set(frame["source_file"]) == {"三月参与.xlsx"}
