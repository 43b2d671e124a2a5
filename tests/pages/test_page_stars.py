"""每月摘星 in AppTest: the empty states, the month's stars by name, the month filter, the chosen person's source
rows and the yearly board, on the demo year and on small databases."""

from __future__ import annotations

from apptest import no_exception, on, open_page, open_trace, read, texts_of

from analytics.results import points, stars
from ui import texts


def top_star(cur, month):
    result = stars.monthly_stars(cur, month)
    winners = result.stars[result.stars["award_kind"] == "month"]
    return winners.iloc[0]


def on_month(at, month):
    at.selectbox(key="month").set_value(month).run()
    no_exception(at)
    return texts_of(at)


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("stars", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_a_month_without_points_says_so(db_with):
    db = db_with(
        points=[["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-04", "张三", "宣传推广", 4, "信息采用"]],
        participation=[["日期", "姓名", "活动类型"], ["2022-04-06", "李四", "荐学"]],
    )
    at = open_page("stars", db)
    text = on_month(at, "2022-04")
    assert texts.EMPTY_PERIOD.format(period="2022年4月" + texts.STARS["points_word"]) in text
    text = on_month(at, "2022-03")
    assert "张三" in text and "当月净得分 4 分，排名第 1" in text


def test_demo_month_shows_its_stars_and_switching_changes_them(demo_db):
    june = read(demo_db, lambda cur: top_star(cur, "2022-06"))
    july = read(demo_db, lambda cur: top_star(cur, "2022-07"))
    assert june["name"] != july["name"]
    at = open_page("stars", demo_db)
    text = on_month(at, "2022-06")
    assert june["name"] in text
    assert f"当月净得分 {june['net_points']:g} 分，排名第 1" in text
    assert "2022年6月 月度之星与单项之星" not in text  # the trace panel is built only while open
    assert "2022年6月 月度之星与单项之星" in open_trace(at, "stars")  # its subject
    text = on_month(at, "2022-07")
    assert july["name"] in text
    assert f"当月净得分 {july['net_points']:g} 分，排名第 1" in text


def test_chosen_person_shows_source_rows(demo_db):
    at = open_page("stars", demo_db)
    on_month(at, "2022-06")
    ranking = read(demo_db, lambda cur: stars.monthly_stars(cur, "2022-06").ranking)
    chosen = ranking[ranking["events"] > 0].iloc[3]
    at.selectbox(key="stars_person").set_value(int(chosen["person_id"])).run()
    no_exception(at)
    text = texts_of(at)
    sources = read(demo_db, lambda cur: points.event_sources(cur, int(chosen["person_id"]), "2022-06"))
    assert f"**{chosen['name']}（{chosen['section']}）** · 2022年6月：{len(sources)} 条记录" in text
    assert sources["source_file"].iat[0] in text


def test_yearly_board_and_show_all(demo_db):
    board = read(demo_db, lambda cur: stars.star_board(cur, 2022))
    best = board["people"].iloc[0]
    at = open_page("stars", demo_db)
    text = on_month(at, "2022-06")
    assert "2022年度摘星榜" in text
    assert best["name"] in text
    ranking = read(demo_db, lambda cur: stars.monthly_stars(cur, "2022-06").ranking)
    hidden = texts.STARS["more_people"].format(n=int((ranking["events"] > 0).sum()) - 20)
    assert hidden in text
    at.toggle(key="stars_show_all").set_value(True).run()
    no_exception(at)
    assert hidden not in texts_of(at)


def test_section_filter_narrows_the_ranking(demo_db):
    at = open_page("stars", demo_db)
    on_month(at, "2022-06")
    at.selectbox(key="section").set_value("研究室").run()
    no_exception(at)
    options = at.selectbox(key="stars_person").options
    assert options and all("（研究室）" in o for o in options)


def test_a_large_tie_is_counted_and_listed_in_one_table(db_with):
    # 20 people tie on 宣传推广 (4 points each); 工作质量 points differ, so the 月度之星 are three, not a tie.
    names = [s + g for s in "张王李赵刘" for g in ("一", "二", "三", "四")]
    rows = [["日期", "姓名", "考核内容", "分值", "事由"]]
    for n, name in enumerate(names):
        rows.append(["2022-03-04", name, "宣传推广", 4, f"信息采用{n}"])
        rows.append(["2022-03-05", name, "工作质量", 0.5 * (n + 1), f"质量{n}"])
    db = db_with(roster=[["姓名", "科室"], *[[name, "组织科"] for name in names]], points=rows)
    at = open_page("stars", db)
    on_month(at, "2022-03")
    b = texts.BOARD
    assert b["tied_count"].format(n="20") in texts_of(at)
    assert b["tied_more"].format(n=17) in [p.proto.popover.label for p in at.get("popover")]
    tied = [d.value for d in at.dataframe if list(d.value.columns) == [b["tied_name"], b["tied_section"]]]
    assert len(tied) == 1 and len(tied[0]) == 17
    # The tie's first three are links, plus the 工作质量 star (刘四); the other seventeen are table rows, not links.
    linked = [link.label for link in at.get("page_link") if link.label.endswith("（组织科）")]
    assert len(linked) == 4 and "刘四（组织科）" in linked
    assert set(tied[0][b["tied_name"]]) | {label.split("（")[0] for label in linked} == set(names)


def test_the_trace_tables_show_no_none(demo_db):
    # A row without a veto leaves 一票否决事由 blank: no "None", "nan" or "NaT" in any table of 怎么算出来的.
    at = open_page("stars", demo_db)
    on_month(at, "2022-06")
    open_trace(at, "stars")
    frames = [d.value for d in at.dataframe]
    veto = [f for f in frames if "一票否决事由" in f.columns]
    assert veto and all(f["一票否决事由"].notna().all() for f in veto), [list(f.columns) for f in frames]
    for frame in frames:
        text = frame.astype(str).to_string()
        assert "None" not in text and "NaT" not in text, frame.columns


def wall_names(at) -> tuple[set[str], set[str]]:
    """The names on the star wall: the 月度之星 cards (a "### name" heading each) and the content stars' links."""
    month = {m.value[4:] for m in at.main.markdown if m.value.startswith("### ")}
    content = {link.label for link in at.main.get("page_link") if link.label.endswith("）")}
    return month, content


def test_section_filter_narrows_the_star_wall_as_on_the_overview(demo_db):
    from analytics.results import pages

    section = "组织科"
    chosen = read(
        demo_db, lambda cur: cur.execute("select section_id from section where name = ?", [section]).fetchone()
    )
    awarded = read(demo_db, lambda cur: stars.monthly_stars(cur, "2022-06").stars)
    ours = pages.in_section(awarded, chosen[0])
    overview = read(demo_db, lambda cur: pages.overview_page(cur, "2022-06", chosen[0]).stars)
    assert set(ours["person_id"]) == set(overview["person_id"])  # the filter 总览 applies
    assert (awarded["section"] != section).any() and len(ours)  # the department's wall has others, the section some
    at = open_page("stars", demo_db)
    on_month(at, "2022-06")
    month_all, content_all = wall_names(at)
    assert any(not label.endswith(f"（{section}）") for label in content_all)
    text = on(at, "section", section)
    month_names, content_links = wall_names(at)
    assert month_names == set(ours.loc[ours["award_kind"] == "month", "name"])
    expected = ours.loc[ours["award_kind"] == "content"]
    assert content_links and content_links <= {f"{n}（{s}）" for n, s in zip(expected["name"], expected["section"])}
    assert texts.STARS["wall_title"].format(month="2022年6月", scope=section) in text
    board = next(d.value for d in at.dataframe if texts.BOARD["board_columns"]["total"] in d.value.columns)
    assert set(board[texts.BOARD["board_columns"]["section"]]) == {section}
