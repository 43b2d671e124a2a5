"""趋势分析 in AppTest: the empty states, the person / section / content selectors and the measure driving the
sentences under the charts, the section filter, and the month's risers and fallers."""

from __future__ import annotations

from apptest import no_exception, on, open_page, read, texts_of

from analytics.results import trends
from ui import format as fmt
from ui import texts

T = texts.TRENDS


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("trends", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_a_year_without_points_says_so(db_with):
    db = db_with(participation=[["日期", "姓名", "活动类型"], ["2022-04-06", "李四", "荐学"]])
    at = open_page("trends", db)
    no_exception(at)
    assert texts.EMPTY_PERIOD.format(period="2022年" + T["points_word"]) in texts_of(at)


def test_person_selector_changes_the_person_line(demo_db):
    people = read(demo_db, lambda cur: trends.person_trend(cur, 2022))
    june = people[people["month"] == "2022-06"].set_index("person_id")
    year = people.groupby("person_id")["net"].sum()
    top, other = year.sort_values(ascending=False).index[[0, 5]]
    at = open_page("trends", demo_db)
    on(at, "month", "2022-06")
    # The first person offered is the year's best.
    assert at.selectbox(key="trends_person").value == top
    text = on(at, "trends_person", int(other))
    line = T["person_line"].format(
        total=fmt.points_text(year[other]),
        avg=fmt.points_text(year[other] / 12),
        month="2022年6月",
        net=fmt.signed(june.loc[other, "net"]),
        rank=f"第 {int(june.loc[other, 'rank'])} 名",
    )
    assert line in text
    assert f"**{june.loc[other, 'name']}（{june.loc[other, 'section']}）**" in text


def test_section_and_content_selectors(demo_db):
    sections = read(demo_db, lambda cur: trends.section_trend(cur, 2022))
    contents = read(demo_db, lambda cur: trends.content_trend(cur, 2022))
    at = open_page("trends", demo_db)
    on(at, "month", "2022-06")
    text = on(at, "trends_section", "干部监督科")
    row = sections[(sections["section"] == "干部监督科") & (sections["month"] == "2022-06")].iloc[0]
    total = sections.loc[sections["section"] == "干部监督科", "net"].sum()
    assert (
        T["section_line"].format(
            total=fmt.points_text(total),
            per_capita=fmt.signed(row["net_per_capita"]),
            month="2022年6月",
            rank=f"第 {int(row['rank'])} 名",
            n=8,
        )
        in text
    )
    text = on(at, "trends_content", "宣传推广")
    mine = contents[contents["content"] == "宣传推广"]
    june = mine.set_index("month").loc["2022-06", "counted"]
    assert (
        T["content_line"].format(total=fmt.points_text(mine["counted"].sum()), month="2022年6月", net=fmt.signed(june))
        in text
    )
    at.segmented_control(key="trends_measure").set_value("cumulative").run()
    no_exception(at)
    assert at.segmented_control(key="trends_measure").value == "cumulative"


def test_global_section_filter_moves_the_section_selector(demo_db):
    at = open_page("trends", demo_db)
    on(at, "section", "研究室")
    assert at.selectbox(key="trends_section").value == "研究室"
    on(at, "trends_section", "办公室")
    on(at, "month", "2022-05")
    # The user's own pick stands until the global filter changes again.
    assert at.selectbox(key="trends_section").value == "办公室"


def test_risers_and_fallers_of_the_month(demo_db):
    moved = read(demo_db, lambda cur: trends.movers(cur, "2022-06"))
    at = open_page("trends", demo_db)
    text = on(at, "month", "2022-06")
    assert "2022年6月 进退榜" in text
    for key in ("risers", "fallers"):
        for name in moved[key]["name"]:
            assert name in text
    first = moved["risers"].iloc[0]
    assert f"↑{int(first['rank_change'])}" in text
