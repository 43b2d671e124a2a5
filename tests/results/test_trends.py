"""Trends: monthly series per person, section and content, cumulative totals, month-on-month change, ranks and rank
movement, and the month's risers and fallers, on a three-month hand-computed example."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import load

from analytics.results import trends

HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]


@pytest.fixture
def trend_con(roster_con):
    # Feb: 张三 5, 李四 3, 王五 1.  Mar: 张三 1, 李四 3, 王五 5 (and 7 XC01 for 孙七, capped at 5).
    rows = [
        ["2022-02-10", "张三", "工作质量", "", 5, "a"],
        ["2022-02-10", "李四", "工作质量", "", 3, "b"],
        ["2022-02-10", "王五", "宣传推广", "", 1, "c"],
        ["2022-03-10", "张三", "工作质量", "", 1, "d"],
        ["2022-03-10", "李四", "工作质量", "", 3, "e"],
        ["2022-03-10", "王五", "宣传推广", "", 5, "f"],
    ]
    rows += [[f"2022-03-{d:02d}", "孙七", "", "XC01", 1, f"信息{d}"] for d in range(1, 8)]
    load(roster_con, [HEADER, *rows], "加减分.xlsx")
    return roster_con


def at(frame, month, key, value):
    return frame[(frame["month"] == month) & (frame[key] == value)].iloc[0]


def test_person_trend(trend_con):
    frame = trends.person_trend(trend_con.cursor(), 2022)
    # January has people but no points; the series runs to March, the last month with data.
    assert sorted(frame["month"].unique()) == ["2022-01", "2022-02", "2022-03"]
    zhang = at(frame, "2022-03", "name", "张三")
    assert (zhang["net"], zhang["cumulative"], zhang["change"]) == (1, 6, -4)
    assert (zhang["rank"], zhang["rank_change"]) == (4, -3)
    wang = at(frame, "2022-03", "name", "王五")
    assert (wang["net"], wang["cumulative"], wang["change"], wang["rank"], wang["rank_change"]) == (5, 6, 4, 1, 2)
    # Cumulative: 张三 and 王五 tie at 6 in March.
    assert zhang["cumulative_rank"] == wang["cumulative_rank"] == 1
    assert at(frame, "2022-02", "name", "张三")["rank"] == 1
    sun = at(frame, "2022-03", "name", "孙七")
    assert sun["net"] == 5  # counted after the cap, not the raw 7
    assert pd.isna(at(frame, "2022-01", "name", "张三")["rank_change"])


def test_person_trend_through_and_empty_year(trend_con):
    cur = trend_con.cursor()
    assert sorted(trends.person_trend(cur, 2022, through="2022-02")["month"].unique()) == ["2022-01", "2022-02"]
    empty = trends.person_trend(cur, 2023)
    assert empty.empty and "rank_change" in empty.columns


def test_movers(trend_con):
    moved = trends.movers(trend_con.cursor(), "2022-03", n=2)
    risers, fallers = moved["risers"], moved["fallers"]
    # Feb ranks: 张三 1, 李四 2, 王五 3, 赵六/孙七 4.  Mar: 王五 1, 孙七 1, 李四 3, 张三 4, 赵六 5.
    assert risers["name"].tolist() == ["孙七", "王五"]
    assert risers[["previous_rank", "rank", "rank_change"]].values.tolist() == [[4, 1, 3], [3, 1, 2]]
    assert fallers["name"].tolist() == ["张三", "李四"]
    assert fallers.iloc[0][["previous_net", "net", "net_change"]].tolist() == [5, 1, -4]


def test_section_trend_ranks_per_head(trend_con):
    frame = trends.section_trend(trend_con.cursor(), 2022)
    march = frame[frame["month"] == "2022-03"].set_index("section")
    # 组织科 (2 people) 4 points, 干部一科 (2) 5, 干部二科 (1) 5: per head 2, 2.5, 5.
    assert march["net_per_capita"].to_dict() == {"干部二科": 5, "干部一科": 2.5, "组织科": 2}
    assert march["rank"].to_dict() == {"干部二科": 1, "干部一科": 2, "组织科": 3}
    assert march.loc["组织科", "rank_change"] == -2 and march.loc["组织科", "cumulative"] == 12
    assert march.loc["干部二科", "headcount"] == 1


def test_content_trend(trend_con):
    frame = trends.content_trend(trend_con.cursor(), 2022)
    assert set(frame["content"]) >= {"督查落实", "纪律作风"}  # every content of the book, even without points
    xc = at(frame, "2022-03", "content", "宣传推广")
    assert (xc["raw"], xc["counted"], xc["capped"], xc["cumulative"], xc["change"]) == (12, 10, 2, 11, 9)
    zl = at(frame, "2022-02", "content", "工作质量")
    assert (zl["counted"], zl["cumulative"]) == (8, 8)
