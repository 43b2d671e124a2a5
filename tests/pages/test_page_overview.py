"""总览 in AppTest: the empty states, the month's top star and the flag held this quarter on the demo year, the month
filter and the section filter narrowing the cards."""

from __future__ import annotations

import pytest
from apptest import no_exception, on, open_page, read, texts_of, unescaped
from conftest import ROSTER, load

from analytics import open_db
from analytics.results import flags, stars, trends
from ui import texts

T = texts.OVERVIEW


def top_star(cur, month):
    result = stars.monthly_stars(cur, month)
    return result.stars[result.stars["award_kind"] == "month"].iloc[0]["name"]


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("overview", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_roster_without_points_shows_the_empty_month(db_with):
    db = db_with(participation=[["日期", "姓名", "活动类型"], ["2022-04-06", "李四", "荐学"]])
    at = open_page("overview", db)
    no_exception(at)
    text = texts_of(at)
    assert texts.EMPTY_PERIOD.format(period="2022年4月" + T["points_word"]) in text
    assert T["flag_none"].format(won_in="2022年第一季度") in text
    assert metric(at, T["kpi_people"]) == "5 人"


def test_a_section_without_people_says_so(tmp_path):
    db = tmp_path / "left.duckdb"
    con = open_db(db)
    load(con, ROSTER, "名单.xlsx")
    # 孙七 is 干部二科's only member and leaves before March.
    load(
        con,
        [
            ["姓名", "科室", "职务", "工号", "状态", "调整日期"],
            ["孙七", "干部二科", "科员", "C01", "离岗", "2022-02-01"],
        ],
        "人员调整.xlsx",
    )
    load(con, [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-04", "张三", "宣传推广", 4, "信息采用"]])
    con.close()
    at = open_page("overview", db)
    on(at, "month", "2022-03")
    text = on(at, "section", "干部二科")
    assert T["no_people"].format(section="干部二科", month="2022年3月") in text
    text = on(at, "section", "组织科")
    assert "张三" in text and metric(at, T["kpi_people"]) == "2 人"


def test_demo_month_shows_the_top_star_and_the_flag_held(demo_db):
    june, july = (read(demo_db, lambda cur, m=m: top_star(cur, m)) for m in ("2022-06", "2022-07"))
    assert june != july
    held = read(demo_db, lambda cur: flags.flag_text(flags.quarter_flags(cur, "2022Q1").red_flag))
    held_q3 = read(demo_db, lambda cur: flags.flag_text(flags.quarter_flags(cur, "2022Q2").red_flag))
    at = open_page("overview", demo_db)
    text = on(at, "month", "2022-06")
    assert june in text
    assert T["flag_line"].format(holder=held) in text
    assert metric(at, T["kpi_flag"]) == held
    text = on(at, "month", "2022-07")
    assert july in text
    assert T["flag_line"].format(holder=held_q3) in text
    assert "2022年7月" in text


def test_section_filter_narrows_the_cards(demo_db):
    series = read(demo_db, lambda cur: trends.section_trend(cur, 2022))
    row = series[(series["section"] == "研究室") & (series["month"] == "2022-06")].iloc[0]
    everyone = series[series["month"] == "2022-06"]["headcount"].sum()
    at = open_page("overview", demo_db)
    on(at, "month", "2022-06")
    assert metric(at, T["kpi_people"]) == T["people_value"].format(n=everyone)
    text = on(at, "section", "研究室")
    assert metric(at, T["kpi_people"]) == T["people_value"].format(n=int(row["headcount"]))
    assert "2022年6月 · 研究室" in text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"section": "不存在科"}, "链接中的科室“不存在科”不存在，已显示全部科室。"),
        ({"month": "2099-01"}, "链接中的月份“2099-01”不存在，已显示2022年12月。"),
        ({"year": "2022", "month": "2021-01"}, "链接中的月份“2021-01”不存在，已显示2022年12月。"),
    ],
)
def test_a_link_naming_what_is_not_there_says_what_is_shown_instead(demo_db, query, said):
    # Every page reads its filters through ui.shell.url_choice; AppTest opens a link on 总览 (open_page's first run).
    at = open_page("overview", demo_db, query)
    no_exception(at)
    warnings = [unescaped(w.value) for w in at.warning]
    assert said in warnings, warnings
    at.run()  # the link now names what is shown: the note is said once
    assert not any("链接中的" in w.value for w in at.warning)


def test_a_good_link_has_no_note(demo_db):
    at = open_page("stars", demo_db, {"month": "2022-06", "section": "组织科"})
    no_exception(at)
    assert not any("链接中的" in w.value for w in at.warning)
