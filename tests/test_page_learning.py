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
from ui import tables, texts, widgets

L = texts.LEARNING


def grid(at) -> pd.DataFrame:
    """The 五个一 grid: the table with a name and an overall column, its completions read back as shares (the page
    shows them as whole percents out of 100, like every other rate)."""
    found = [d.value for d in at.dataframe if {L["col_name"], L["col_overall"]} <= set(d.value.columns)]
    assert len(found) == 1
    shown = found[0]
    bars = [c for c in shown.columns if c not in (L["col_name"], L["col_section"])]
    return shown.assign(**{c: shown[c] / 100 for c in bars})


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
    people = expected.drop_duplicates("person_id")
    # 61 people: two pages of 50, the count above the grid, every person on one of the pages.
    assert texts.PAGING["count"].format(n=len(people), unit="人", page=1, pages=2) in texts_of(at)
    table = grid(at)
    assert len(table) == tables.PAGE_SIZE
    at.number_input(key="five_one_page").set_value(2).run()
    no_exception(at)
    second = grid(at)
    assert len(second) == len(people) - tables.PAGE_SIZE
    assert sorted([*table[L["col_name"]], *second[L["col_name"]]]) == sorted(people["name"])
    # The pages hold the engine's completions (as shares once read back), person by person.
    engine = expected[expected["activity"] == "荐学"]
    pairs = sorted((n, round(float(v), 9)) for n, v in zip(engine["name"], engine["completion"].fillna(-1)))
    both = pd.concat([table, second])
    assert sorted((n, round(float(v), 9)) for n, v in zip(both[L["col_name"]], both["荐学"].fillna(-1))) == pairs
    totals = participation.five_one_totals(expected).set_index("activity")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["荐学"] == fmt.percent(totals.loc["荐学", "completion"])

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


def test_the_grid_is_searched_by_name_or_section(demo_db):
    at = open_page("learning", demo_db)
    no_exception(at)
    first = grid(at)[L["col_name"]].iloc[0]
    at.text_input(key="five_one_search").input(first).run()
    no_exception(at)
    found = grid(at)
    assert first in set(found[L["col_name"]]) and len(found) < tables.PAGE_SIZE
    assert texts.PAGING["count_one"].format(n=len(found), unit="人") in texts_of(at)
    at.text_input(key="five_one_search").input("组织科").run()
    assert set(grid(at)[L["col_section"]]) == {"组织科"}
    at.text_input(key="five_one_search").input("没有这个人").run()
    no_exception(at)
    assert grid(at).empty
    assert texts.PAGING["none"].format(text="没有这个人") in texts_of(at)


def test_the_grid_shows_whole_percents():
    grid_frame = pd.DataFrame(
        {
            "person_id": [1, 2],
            "name": ["甲", "乙"],
            "section": ["组织科"] * 2,
            "荐学": [0.25, None],
            "overall": [0.5, 1.0],
        }
    )
    shown, config = tables.five_one_table(grid_frame, ["荐学"])
    assert shown["荐学"].iloc[0] == pytest.approx(25) and math.isnan(shown["荐学"].iloc[1])
    assert shown[L["col_overall"]].tolist() == [50.0, 100.0]
    assert {c["type_config"]["format"] for c in config.values()} == {"%.0f%%"}
    assert {c["type_config"]["max_value"] for c in config.values()} == {100}
