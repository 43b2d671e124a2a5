"""学习实践 in AppTest: the empty states, the counters in the report's words, the 五个一 grid for the chosen window
(with — where nothing is due yet) and the section filter, on the demo year and on small databases."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from apptest import no_exception, open_page, read, texts_of
from conftest import ROSTER, load

from analytics import open_db
from analytics.periods import Month, Quarter
from analytics.results import participation
from ui import format as fmt
from ui import texts, widgets

L = texts.LEARNING


def grid(at) -> pd.DataFrame:
    """The 五个一 grid: the table with a name and an overall column."""
    found = [d.value for d in at.dataframe if {L["col_name"], L["col_overall"]} <= set(d.value.columns)]
    assert len(found) == 1
    return found[0]


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("learning", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_people_but_no_participation_says_what_is_missing(db_with):
    db = db_with()
    at = open_page("learning", db)
    no_exception(at)
    assert L["no_participation"] in texts_of(at)


def small_db(tmp_path):
    db = tmp_path / "learning.duckdb"
    con = open_db(db)
    load(con, ROSTER, "名单.xlsx")
    rows = [
        ["日期", "姓名", "活动类型", "活动名称", "角色"],
        ["2022-02-07", "张三", "荐学", "每周一文", "参与"],
        ["2022-02-08", "李四", "每日鉴学", "外地经验", "参与"],
        ["2022-02-09", "李四", "每日鉴学", "外地经验二", "参与"],
        ["2022-02-15", "王五", "组工论坛", "青年干部分享", "主讲"],
    ]
    load(con, rows, "参与.xlsx")
    con.close()
    return db


def test_small_month_counts_in_the_reports_words_and_shows_what_is_not_due(tmp_path):
    db = small_db(tmp_path)
    at = open_page("learning", db)
    no_exception(at)
    at.radio(key="window").set_value("month").run()
    no_exception(at)
    assert at.query_params["window"] == "month"
    text = texts_of(at)
    assert "每日鉴学累计推送经验 2 条" in text
    assert "组工论坛 1 名机关干部上讲台" in text
    table = grid(at).set_index(L["col_name"])
    # February 2022: four weeks ended (Feb 7–27); 张三 took part in one of them.
    assert table.loc["张三", "荐学"] == pytest.approx(0.25)
    assert table.loc["李四", "荐学"] == 0
    # The quarter and the year are not over by the end of February: nothing owed yet, shown as —.
    assert math.isnan(table.loc["张三", "评学"]) and math.isnan(table.loc["张三", "奖学"])
    assert participation.completion_text(table.loc["张三", "评学"]) == "—"


def test_a_section_without_people_says_so(tmp_path):
    db = small_db(tmp_path)
    con = open_db(db)
    # A section whose only member left in January: nobody is there in February.
    load(con, [["姓名", "科室", "状态", "调整日期"], ["孙七", "干部二科", "离岗", "2022-01-01"]], "离岗.xlsx")
    con.close()
    at = open_page("learning", db, {"section": "干部二科"})
    at.radio(key="window").set_value("month").run()
    no_exception(at)
    assert L["no_people"].format(section="干部二科") in texts_of(at)


def test_demo_counters_match_the_engine(demo_db):
    counters = read(demo_db, lambda cur: participation.counters(cur, date(2022, 1, 1), date(2022, 12, 31)))
    at = open_page("learning", demo_db)
    no_exception(at)
    text = texts_of(at)
    for item in counters:
        assert item["label"] in text
    shown = {m.label: m.value for m in at.metric}
    daily = next(c for c in counters if c["activity"] == "每日鉴学")
    assert shown["每日鉴学"] == f"{daily['value']} {daily['unit']}"


def test_demo_window_and_section_drive_the_grid(demo_db):
    quarter = Quarter(2022, 4)
    at = open_page("learning", demo_db)
    at.radio(key="window").set_value("quarter").run()
    no_exception(at)
    expected = read(
        demo_db,
        lambda cur: participation.five_one_matrix(cur, quarter.start, quarter.end, quarter.end),
    )
    table = grid(at)
    assert len(table) == expected["person_id"].nunique()
    totals = participation.five_one_totals(expected).set_index("activity")
    shown = {m.label: m.value for m in at.metric}
    assert shown["荐学"] == fmt.percent(totals.loc["荐学", "completion"])

    at.sidebar.selectbox(key="section").set_value("组织科").run()
    no_exception(at)
    table = grid(at)
    assert set(table[L["col_section"]]) == {"组织科"}


def test_learning_window_bounds():
    start, end, as_of, label = widgets.learning_window(
        "quarter", Month(2022, 5), Quarter(2022, 2), 2022, today=date(2022, 5, 20)
    )
    assert (start, end, as_of, label) == (date(2022, 4, 1), date(2022, 6, 30), date(2022, 5, 20), "2022年第二季度")
    assert widgets.learning_window("year", Month(2022, 5), Quarter(2022, 2), 2022, today=date(2023, 1, 1))[2] == date(
        2022, 12, 31
    )
