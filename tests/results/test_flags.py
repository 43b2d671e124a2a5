"""Quarterly flags: per-capita fairness between a section of one and one of twenty, vetoes, quarter boundaries,
headcount with movers, the task component, ties, the progress flag and the history, with hand-computed scores."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import load

from analytics.results import flag_drill, flags
from analytics.rules import rulebook as rb
from analytics.store.db import transaction

HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]
NUMERALS = "一二三四五六七八九十"


def numbered(surname: str, n: int) -> list[str]:
    """高一 … 高十, 高十一 … 高二十."""
    out = []
    for k in range(1, n + 1):
        tens, ones = divmod(k, 10)
        text = ("" if tens < 2 else NUMERALS[tens - 1]) + ("十" if tens else "") + (NUMERALS[ones - 1] if ones else "")
        out.append(surname + text)
    return out


def points(con, rows, name=None):
    """rows: (date, name, content, points[, veto flag])."""
    sheet = [[*HEADER, "一票否决"]]
    for n, row in enumerate(rows):
        day, person, content, value = row[:4]
        sheet.append([day, person, content, "", value, f"事由{n}", row[4] if len(row) > 4 else ""])
    load(con, sheet, name or f"加减分{rows[0][0]}.xlsx")


def set_params(con, **params):
    with transaction(con) as cur:
        book = rb.current(cur)
        rb.save(cur, book.with_changes(params={**book.params, **params}), date(2022, 1, 1), "edit")


def table(result):
    return result.sections.set_index("section")


def test_a_section_of_one_competes_fairly_with_one_of_twenty(con):
    big = numbered("高", 20)
    load(con, [["姓名", "科室"], ["林一", "小科"], *[[n, "大科"] for n in big]], "名单.xlsx")
    # 林一 +5 alone; each of the twenty +4: the big section's total (80) is 16 times the small one's, per capita less.
    points(con, [("2022-03-10", "林一", "宣传推广", 5), *[("2022-03-10", n, "工作质量", 4) for n in big]])
    result = flags.quarter_flags(con.cursor(), "2022Q1")
    frame = table(result)
    assert frame.loc["小科", ["headcount", "net", "net_per_capita"]].tolist() == [1, 5, 5]
    assert frame.loc["大科", ["headcount", "net", "net_per_capita"]].tolist() == [20, 80, 4]
    # Stars: 林一 月度之星 + 宣传推广之星; all twenty tie at 2nd (月度之星) and at the top of 工作质量: 2 per head each.
    assert frame.loc["小科", ["stars", "stars_per_capita"]].tolist() == [2, 2]
    assert frame.loc["大科", ["stars", "stars_per_capita"]].tolist() == [40, 2]
    assert frame.loc["小科", "score"] == pytest.approx(100)
    assert frame.loc["大科", "score"] == pytest.approx(0.3 * 100 / 0.7)
    assert result.red_flag == ["小科"]
    assert "人均" in result.trace.formula and "20 人" in result.trace.formula


def test_veto_bars_the_top_section_from_the_red_flag(roster_con):
    points(
        roster_con,
        [
            ("2022-03-05", "张三", "宣传推广", 6),
            ("2022-03-05", "李四", "工作质量", 2),
            ("2022-03-06", "李四", "纪律作风", -0.5, "是"),
            ("2022-03-05", "王五", "工作质量", 2),
            ("2022-03-05", "赵六", "工作质量", 1),
            ("2022-03-05", "孙七", "工作质量", 1),
        ],
    )
    result = flags.quarter_flags(roster_con.cursor(), "2022Q1")
    frame = table(result)
    # Per capita: 组织科 7.5/2, 干部一科 3/2, 干部二科 1; stars per capita are 1 everywhere.
    assert frame.loc["组织科", "rank"] == 1 and bool(frame.loc["组织科", "veto"])
    assert frame.loc["干部一科", "score"] == pytest.approx((0.4 * 0.5 / 2.75 * 100 + 30) / 0.7)
    assert frame.loc["干部二科", "score"] == pytest.approx(30 / 0.7)
    assert result.red_flag == ["干部一科"]
    reason = next(e["reason"] for e in result.excluded if e["name"] == "组织科")
    assert reason.startswith("本季度有一票否决事项：李四 3月6日 事由2")
    assert any("组织科得分最高，但本季度有一票否决事项" in n for n in result.trace.notes)


@pytest.mark.parametrize(("day", "quarter"), [("2022-03-31", "2022Q1"), ("2022-04-01", "2022Q2")])
def test_quarter_boundaries(roster_con, day, quarter):
    points(roster_con, [(day, "王五", "工作质量", 2)])
    cur = roster_con.cursor()
    inside = table(flags.quarter_flags(cur, quarter))
    assert inside.loc["干部一科", "net"] == 2
    other = "2022Q2" if quarter == "2022Q1" else "2022Q1"
    outside = flags.quarter_flags(cur, other)
    assert not outside.has_data and outside.red_flag == []
    assert any("没有加减分记录和到期任务" in n for n in outside.trace.notes)


def test_headcount_is_the_average_of_the_months(roster_con):
    # 王五 moves to 组织科 on 2月15日: 组织科 counts 2, 3, 3 people by month end; 干部一科 2, 1, 1.
    load(roster_con, [["姓名", "科室", "调整日期"], ["王五", "组织科", "2022-02-15"]], "调整.xlsx")
    points(roster_con, [("2022-01-10", "王五", "工作质量", 3), ("2022-03-10", "王五", "工作质量", 1)])
    frame = table(flags.quarter_flags(roster_con.cursor(), "2022Q1"))
    assert frame.loc["组织科", "headcount"] == pytest.approx(8 / 3)
    assert frame.loc["干部一科", "headcount"] == pytest.approx(4 / 3)
    assert frame.loc["干部二科", "headcount"] == 1
    # Points follow the section on the event's date.
    assert frame.loc["干部一科", "net"] == 3 and frame.loc["组织科", "net"] == 1


TASK_HEADER = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


def test_task_component_and_sections_without_tasks(roster_con):
    load(
        roster_con,
        [
            TASK_HEADER,
            ["T1", "党员信息库规范化", "基础夯实工程", "组织科", "2022-03-20", 100, "办结销号", "2022-03-10"],
            ["T2", "制度修订", "制度文件修订", "干部一科", "2022-03-20", 50, "全程督查", "2022-03-10"],
        ],
        "台账.xlsx",
    )
    result = flags.quarter_flags(roster_con.cursor(), "2022Q1")
    frame = table(result)
    assert frame.loc["组织科", ["tasks_due", "tasks_on_time", "on_time_rate"]].tolist() == [1, 1, 1.0]
    assert frame.loc["干部一科", ["tasks_due", "tasks_on_time", "on_time_rate"]].tolist() == [1, 0, 0.0]
    assert frame.loc["干部二科", "tasks_due"] == 0
    # Points and stars are equal everywhere (100 each); tasks: 100 and 0; 干部二科 has no task part.
    assert frame.loc["组织科", "score"] == pytest.approx(100)
    assert frame.loc["干部一科", "score"] == pytest.approx(70)
    assert frame.loc["干部二科", "score"] == pytest.approx(100)
    # Tied at 100 with equal points per head: the on-time rate decides; no tasks comes last.
    assert result.red_flag == ["组织科"]
    assert any(n.startswith("干部二科本季度没有到期任务") for n in result.trace.notes)
    assert any("依次比较人均净得分、按期办结率后，由组织科获得流动红旗" in t for t in result.trace.ties)


def test_tie_broken_by_points_per_head(con):
    set_params(con, flag_weight_points=0.5, flag_weight_stars=0.5, flag_weight_tasks=0)
    load(con, [["姓名", "科室"], ["林一", "甲科"], ["高一", "乙科"]], "名单.xlsx")
    points(
        con,
        [
            ("2022-02-10", "林一", "宣传推广", 6),
            ("2022-02-10", "高一", "工作质量", 3),
            ("2022-02-10", "高一", "学习提升", 3),
            ("2022-02-11", "高一", "纪律作风", -3),
        ],
    )
    result = flags.quarter_flags(con.cursor(), "2022Q1")
    frame = table(result)
    # 甲科: 6 per head, 2 stars; 乙科: 3 per head, 3 stars (月度之星, 工作质量之星, 学习提升之星): 50 each.
    assert frame["score"].tolist() == [50, 50] and frame["rank"].tolist() == [1, 1]
    assert result.red_flag == ["甲科"]
    assert result.trace.ties == [
        "甲科、乙科得分并列第一（50.00 分），依次比较人均净得分、按期办结率后，由甲科获得流动红旗"
    ]


def progress_scenario(con):
    points(
        con,
        [
            ("2022-03-05", "张三", "宣传推广", 4),
            ("2022-03-05", "王五", "工作质量", 2),
            ("2022-03-05", "孙七", "纪律作风", -1),
        ],
    )
    points(
        con,
        [
            ("2022-04-05", "王五", "宣传推广", 4),
            ("2022-04-05", "赵六", "工作质量", 4),
            ("2022-04-05", "张三", "学习提升", 1),
            ("2022-04-05", "孙七", "学习提升", 1),
        ],
    )
    points(con, [("2022-07-05", "王五", "宣传推广", 4)])


def test_progress_flag(roster_con):
    progress_scenario(roster_con)
    cur = roster_con.cursor()
    first = flags.quarter_flags(cur, "2022Q1")
    assert table(first)["score"].round(3).to_dict() == {"组织科": 100, "干部一科": 59.524, "干部二科": 0}
    assert first.red_flag == ["组织科"] and first.progress_flag == []
    assert any("第一季度" in n and "不评选进步旗" in n for n in first.trace.notes)

    second = flags.quarter_flags(cur, "2022Q2")
    frame = table(second)
    assert frame["score"].round(3).to_dict() == {"干部一科": 100, "干部二科": 22.449, "组织科": 0}
    assert second.red_flag == ["干部一科"]
    # 干部一科 gained most but holds the red flag; 干部二科 rose from 0.
    assert second.progress_flag == ["干部二科"]
    assert frame.loc["干部二科", "gain"] == pytest.approx(22.449, abs=1e-3)


def test_flag_history_and_kept_flags(roster_con):
    progress_scenario(roster_con)
    history = flags.flag_history(roster_con.cursor(), 2022)
    assert history.to_dict("records") == [
        {
            "quarter": "2022Q1",
            "label": "2022年第一季度",
            "red_flag": "组织科",
            "held_in": "2022Q2",
            "kept": False,
            "progress_flag": None,
        },
        {
            "quarter": "2022Q2",
            "label": "2022年第二季度",
            "red_flag": "干部一科",
            "held_in": "2022Q3",
            "kept": False,
            "progress_flag": "干部二科",
        },
        {
            "quarter": "2022Q3",
            "label": "2022年第三季度",
            "red_flag": "干部一科",
            "held_in": "2022Q4",
            "kept": True,
            "progress_flag": None,
        },
    ]


def test_shared_red_flag_and_json(roster_con):
    # 组织科 and 干部二科 have the same points and stars per head: they share the flag.
    points(
        roster_con,
        [
            ("2022-03-05", "张三", "宣传推广", 4),
            ("2022-03-05", "王五", "工作质量", 1),
            ("2022-03-05", "孙七", "工作质量", 2),
        ],
    )
    cur = roster_con.cursor()
    result = flags.quarter_flags(cur, "2022Q1")
    assert result.red_flag == ["组织科", "干部二科"]
    assert "组织科、干部二科得分、人均净得分和按期办结率都相同，共同获得流动红旗" in result.trace.ties
    assert flags.flags_json(cur, "2022Q1") == {
        "quarter": "2022Q1",
        "sections": [
            {"section": "组织科", "score": 100.0, "rank": 1},
            {"section": "干部二科", "score": 100.0, "rank": 1},
            {"section": "干部一科", "score": 0.0, "rank": 3},
        ],
        "red_flag": "组织科、干部二科",
        "progress_flag": None,
    }


def test_section_people(roster_con):
    progress_scenario(roster_con)
    cur = roster_con.cursor()
    section_id = cur.execute("select section_id from section where name = '干部一科'").fetchall()[0][0]
    people = flag_drill.section_people(cur, section_id, "2022Q2").set_index("name")
    assert people.loc["王五", ["months_present", "net", "month_stars", "content_stars", "stars"]].tolist() == [
        3,
        4,
        1,
        1,
        2,
    ]
    assert people.loc["赵六", ["net", "stars"]].tolist() == [4, 2]
    assert set(people.index) == {"王五", "赵六"}
