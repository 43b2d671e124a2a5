"""Properties of the rule engine on generated departments: totals add up at every level, 月度之星 never exceed the
places plus those tied at the cut, and doubling a section with identical people and events leaves every flag score
and rank unchanged (a flag score never rewards size alone)."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import csv_bytes, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import open_db
from analytics.periods import Month, Quarter
from analytics.results import flags, points, stars, trends
from analytics.rules import rulebook as rb
from analytics.store.db import transaction

SECTIONS = ["组织科", "干部科", "研究室"]
SURNAMES = ["张", "王", "李"]
NUMERALS = "一二三四五六七八九"
CONTENTS = ["督查落实", "工作质量", "宣传推广", "学习提升", "纪律作风"]
# (item code, points) with monthly caps 5, 3 and 3, so capping happens often; None = a free entry.
ITEMS = [("XC01", 1.0), ("XC03", 0.5), ("DC03", -1.0), (None, None)]
FREE_POINTS = [-1.0, -0.5, 0.5, 1.0, 2.0, 3.0]
PROPERTY_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@st.composite
def departments(draw, months=(1, 2, 3, 4, 5, 6)):
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=3))
    people = [(SURNAMES[s] + NUMERALS[k], SECTIONS[s]) for s, size in enumerate(sizes) for k in range(size)]
    event = st.tuples(
        st.integers(0, len(people) - 1),
        st.sampled_from(months),
        st.integers(1, 28),
        st.sampled_from(ITEMS),
        st.sampled_from(CONTENTS),
        st.sampled_from(FREE_POINTS),
        st.booleans(),
    )
    events = draw(st.lists(event, min_size=1, max_size=40))
    return people, events


def points_rows(people, events, tag=""):
    rows = [["日期", "姓名", "考核内容", "事项编号", "分值", "事由", "一票否决"]]
    for n, (who, month, day, (code, value), content, free, veto) in enumerate(events):
        name = people[who][0]
        # A veto now and then, by the sheet's own column on a small deduction (decided by the event alone, so a
        # copied event is copied exactly).
        vetoed = veto and day % 7 == 0
        if code is None or vetoed:
            rows.append(
                [
                    f"2022-{month:02d}-{day:02d}",
                    name,
                    "纪律作风" if vetoed else content,
                    "",
                    -0.5 if vetoed else free,
                    f"事由{tag}{n}",
                    "是" if vetoed else "",
                ]
            )
        else:
            rows.append([f"2022-{month:02d}-{day:02d}", name, "", code, value, f"事由{tag}{n}", ""])
    return rows


def build(people, events, **params):
    con = open_db(":memory:")
    if params:
        with transaction(con) as cur:
            book = rb.current(cur)
            rb.save(cur, book.with_changes(params={**book.params, **params}), date(2022, 1, 1), "edit")
    load(con, csv_bytes([["姓名", "科室"], *[[n, s] for n, s in people]]), "名单.csv")
    load(con, csv_bytes(points_rows(people, events)), "加减分.csv")
    return con


@PROPERTY_SETTINGS
@given(departments())
def test_totals_add_up_at_every_level(department):
    people, events = department
    con = build(people, events)
    cur = con.cursor()
    try:
        department_total = 0.0
        for m in range(1, 7):
            month = Month(2022, m)
            net = points.person_month_net(cur, month)["net"].sum()
            posted = points.posting(cur, month)
            by_content = points.month_points(cur, month)
            assert net == pytest.approx(posted["counted"].sum())
            assert net == pytest.approx(by_content["counted"].sum())
            # Raw = counted + capped, for every person x content.
            assert (by_content["raw"] - by_content["counted"] - by_content["capped"]).abs().le(1e-9).all()
            department_total += net
        ytd = points.ytd_points(cur, 2022, 6)
        assert ytd["people"]["net"].sum() == pytest.approx(department_total)
        assert ytd["sections"]["net"].sum() == pytest.approx(department_total)
        quarters = flags.quarter_flags(cur, "2022Q1").sections["net"].sum()
        quarters += flags.quarter_flags(cur, "2022Q2").sections["net"].sum()
        assert quarters == pytest.approx(department_total)
        by_section = trends.section_trend(cur, 2022, through="2022-06").groupby("month")["net"].sum()
        by_person = trends.person_trend(cur, 2022, through="2022-06").groupby("month")["net"].sum()
        assert by_section.to_dict() == pytest.approx(by_person.to_dict())
    finally:
        con.close()


@PROPERTY_SETTINGS
@given(departments(months=(3,)), st.integers(1, 4))
def test_month_stars_never_exceed_the_places_plus_ties_at_the_cut(department, top_n):
    people, events = department
    con = build(people, events, star_top_n=top_n)
    try:
        result = stars.monthly_stars(con.cursor(), "2022-03")
        ranking = result.ranking
        eligible = ranking[ranking["eligible"]].sort_values("net", ascending=False)
        won = result.stars[result.stars["award_kind"] == "month"]
        assert set(won["name"]) == set(ranking.loc[ranking["star"], "name"])
        assert (won["rank"] <= top_n).all()
        assert len(won) >= min(top_n, len(eligible))
        if len(won) > top_n:
            cut = won["rank"].max()
            tied = won[won["rank"] == cut]
            assert tied["net_points"].nunique() == 1
            assert (won["rank"] < cut).sum() < top_n
        if len(eligible) > len(won):
            # Everyone left out scored strictly less than the last star.
            assert eligible["net"].iloc[len(won)] < won["net_points"].min()
        assert not set(won["name"]) & set(ranking.loc[ranking["veto"] | ~ranking["present"], "name"])
    finally:
        con.close()


@PROPERTY_SETTINGS
@given(departments(months=(1, 2, 3)), st.integers(0, 2))
def test_doubling_a_section_does_not_change_flag_scores(department, chosen):
    people, events = department
    section = SECTIONS[chosen % len({s for _, s in people})]
    # Every eligible person wins 月度之星 (50 places), so a larger section takes no place from another section's
    # people: with fewer places than people, any fixed-number award is shared out between sections.
    con = build(people, events, star_top_n=50)
    try:
        cur = con.cursor()
        before = flags.quarter_flags(cur, "2022Q1").sections.set_index("section")[["score", "rank"]]
        twins = {n: p for n, p in enumerate(people) if p[1] == section}
        copies = [("复" + name, sec) for name, sec in twins.values()]
        load(con, csv_bytes([["姓名", "科室"], *[[n, s] for n, s in copies]]), "名单二.csv")
        index = {who: len(people) + k for k, who in enumerate(twins)}
        twin_events = [(index[e[0]], *e[1:]) for e in events if e[0] in twins]
        if twin_events:
            load(con, csv_bytes(points_rows(people + copies, twin_events, "复")), "加减分二.csv")
        after_result = flags.quarter_flags(cur, "2022Q1")
        after = after_result.sections.set_index("section")
        assert after.loc[section, "headcount"] == pytest.approx(2 * len(twins))
        assert after["score"].to_dict() == pytest.approx(before["score"].to_dict(), nan_ok=True)
        assert after["rank"].to_dict() == before["rank"].to_dict()
    finally:
        con.close()


def test_flag_scores_do_not_depend_on_the_order_of_quarters(roster_con):
    # Asking for Q2 before Q1 gives the same Q1 (nothing is carried between calls).
    load(roster_con, [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 2, "a"]])
    cur = roster_con.cursor()
    first = flags.quarter_flags(cur, Quarter(2022, 1)).sections
    flags.quarter_flags(cur, Quarter(2022, 2))
    assert flags.quarter_flags(cur, "2022Q1").sections.equals(first)
