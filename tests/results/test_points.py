"""Points: monthly caps with the capped part reported, vetoes, presence, the posting, year-to-date totals and the source
rows behind a number, on tiny hand-computed sheets loaded through the real importer."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import csv_bytes, load

from analytics.results import points
from analytics.rules import rulebook as rb
from analytics.store.db import transaction

HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]


def sheet(*rows):
    """Points rows (date, name, content, item code, points) with a distinct reason each."""
    return [HEADER, *[[d, n, c, i, p, f"事由{k}"] for k, (d, n, c, i, p) in enumerate(rows)]]


def by_person(frame, name):
    return frame.set_index("name").loc[name]


def test_cap_counts_up_to_the_cap_and_reports_the_rest(roster_con):
    # XC01 is +1 with a monthly cap of 5: seven items count as 5, the two beyond the cap are reported as capped.
    load(roster_con, sheet(*[(f"2022-03-{d:02d}", "张三", "", "XC01", 1) for d in range(1, 8)]))
    cur = roster_con.cursor()
    month = points.month_points(cur, "2022-03")
    row = by_person(month, "张三")
    assert (row["raw"], row["counted"], row["capped"]) == (7.0, 5.0, 2.0)

    posted = points.posting(cur, "2022-03")
    assert len(posted) == 7
    # In date order: the first five count, the last two are over the cap.
    assert posted["counted"].tolist() == [1, 1, 1, 1, 1, 0, 0]
    assert posted["capped"].tolist() == [0, 0, 0, 0, 0, 1, 1]
    assert set(posted["person_total"]) == {5.0}

    trace = points.points_trace(cur, "2022-03")
    assert "月度上限" in trace.formula
    capped = trace.inputs.set_index("name").loc["张三"]
    assert (capped["monthly_cap"], capped["raw"], capped["counted"], capped["capped"]) == (5, 7, 5, 2)


@pytest.mark.parametrize(
    ("item", "value", "times", "counted", "capped"),
    [
        ("XC01", 1, 5, 5.0, 0.0),  # exactly at the cap
        ("XC01", 1, 6, 5.0, 1.0),
        ("DC03", -1, 4, -3.0, -1.0),  # a deduction is capped in absolute value
        ("XC03", 0.5, 8, 3.0, 1.0),
        ("DC02", -2, 4, -8.0, 0.0),  # no cap
    ],
)
def test_cap_cases(roster_con, item, value, times, counted, capped):
    load(roster_con, sheet(*[(f"2022-05-{d + 1:02d}", "李四", "", item, value) for d in range(times)]))
    row = by_person(points.person_month_net(roster_con.cursor(), "2022-05"), "李四")
    assert (row["net"], row["capped"], row["raw"]) == (counted, capped, value * times)


def test_cap_is_per_person_and_month(roster_con):
    rows = [(f"2022-03-{d:02d}", "张三", "", "XC01", 1) for d in range(1, 8)]
    rows += [("2022-04-01", "张三", "", "XC01", 1), ("2022-04-02", "张三", "", "XC01", 1)]
    rows += [(f"2022-03-{d:02d}", "李四", "", "XC01", 1) for d in range(1, 4)]
    load(roster_con, sheet(*rows))
    cur = roster_con.cursor()
    march = points.person_month_net(cur, "2022-03")
    assert by_person(march, "张三")["net"] == 5.0
    assert by_person(march, "李四")["net"] == 3.0
    assert by_person(points.person_month_net(cur, "2022-04"), "张三")["net"] == 2.0


def test_cap_follows_the_rule_version_in_force_for_the_month(roster_con):
    # From April a new rule version lifts XC01's cap; March keeps the old cap, April counts everything.
    with transaction(roster_con) as cur:
        book = rb.current(cur)
        items = tuple(
            rb.Item(
                i.code,
                i.content,
                i.name,
                i.points_min,
                i.points_max,
                None if i.code == "XC01" else i.monthly_cap,
                i.veto,
                i.note,
            )
            for i in book.items
        )
        rb.save(cur, book.with_changes(items=items), date(2022, 4, 1), "edit")
    rows = [(f"2022-03-{d:02d}", "张三", "", "XC01", 1) for d in range(1, 8)]
    rows += [(f"2022-04-{d:02d}", "张三", "", "XC01", 1) for d in range(1, 8)]
    load(roster_con, sheet(*rows))
    cur = roster_con.cursor()
    assert by_person(points.person_month_net(cur, "2022-03"), "张三")["net"] == 5.0
    assert by_person(points.person_month_net(cur, "2022-04"), "张三")["net"] == 7.0


@pytest.mark.parametrize(
    ("item", "flag", "veto"),
    [
        ("JL03", "", True),  # the item is a veto item
        ("JL03", "否", False),  # the sheet says no
        ("JL01", "是", True),  # the sheet says yes for an ordinary item
        ("JL01", "", False),
    ],
)
def test_veto_follows_the_sheet_then_the_item(roster_con, item, flag, veto):
    value = -10 if item == "JL03" else -3
    load(roster_con, [[*HEADER, "一票否决"], ["2022-03-05", "王五", "", item, value, "违纪", flag]])
    row = by_person(points.person_month_net(roster_con.cursor(), "2022-03"), "王五")
    assert bool(row["veto"]) is veto
    if veto:
        assert row["veto_reasons"] == "3月5日 违纪"


def test_person_month_net_lists_everyone_present_with_content_columns(roster_con):
    load(roster_con, sheet(("2022-03-05", "张三", "宣传推广", "", 2), ("2022-03-06", "张三", "工作质量", "", -1)))
    cur = roster_con.cursor()
    frame = points.person_month_net(cur, "2022-03")
    assert sorted(frame["name"]) == sorted(["张三", "李四", "王五", "赵六", "孙七"])
    row = by_person(frame, "张三")
    assert (row["net"], row["content_xc"], row["content_zl"], row["content_jl"]) == (1.0, 2.0, -1.0, 0.0)
    assert by_person(frame, "孙七")["section"] == "干部二科"
    assert points.content_columns(cur, "2022-03")["content_xc"] == "宣传推广"


def test_presence_follows_moves_and_leaving(roster_con):
    # 王五 moves to 组织科 on 3月15日; 孙七 leaves on 3月10日: present in March, gone from April.
    load(
        roster_con,
        [
            ["姓名", "科室", "状态", "调整日期"],
            ["王五", "组织科", "在岗", "2022-03-15"],
            ["孙七", "干部二科", "离岗", "2022-03-10"],
        ],
        "调整.xlsx",
    )
    load(roster_con, sheet(("2022-03-05", "王五", "宣传推广", "", 1), ("2022-03-20", "王五", "宣传推广", "", 2)))
    cur = roster_con.cursor()
    march = points.person_month_net(cur, "2022-03")
    assert "孙七" in set(march["name"])
    # The section of the person's last event of the month.
    assert by_person(march, "王五")["section"] == "组织科"
    april = points.person_month_net(cur, "2022-04")
    assert "孙七" not in set(april["name"])
    assert by_person(april, "王五")["section"] == "组织科"
    posted = points.posting(cur, "2022-03").set_index("points")
    assert posted.loc[1.0, "section"] == "干部一科" and posted.loc[2.0, "section"] == "组织科"


def test_month_boundaries(roster_con):
    load(roster_con, sheet(("2022-03-31", "张三", "宣传推广", "", 2), ("2022-04-01", "张三", "宣传推广", "", 1)))
    cur = roster_con.cursor()
    assert by_person(points.month_points(cur, "2022-03"), "张三")["counted"] == 2.0
    assert by_person(points.month_points(cur, "2022-04"), "张三")["counted"] == 1.0


def test_posting_and_totals(roster_con):
    load(
        roster_con,
        sheet(
            ("2022-03-05", "张三", "宣传推广", "", 2),
            ("2022-03-06", "张三", "", "JL02", -0.5),
            ("2022-03-07", "李四", "", "XC02", 3),
        ),
    )
    cur = roster_con.cursor()
    posted = points.posting(cur, "2022-03")
    assert len(posted) == 3
    row = posted.set_index("item_code").loc["XC02"]
    assert (row["name"], row["item_name"], row["section"]) == ("李四", "经验做法被市级以上推广", "组织科")
    totals = points.posting_totals(cur, "2022-03").set_index("name")
    assert totals.loc["张三", "net"] == 1.5 and totals.loc["李四", "net"] == 3.0
    assert set(totals.index) == {"张三", "李四"}


def test_empty_month(roster_con):
    cur = roster_con.cursor()
    assert points.posting(cur, "2022-07").empty
    assert points.month_points(cur, "2022-07").empty
    frame = points.person_month_net(cur, "2022-07")
    assert len(frame) == 5 and (frame["net"] == 0).all()


def test_ytd_points_people_and_sections_add_up(roster_con):
    load(
        roster_con,
        sheet(
            ("2022-01-05", "张三", "宣传推广", "", 2),
            ("2022-02-05", "张三", "工作质量", "", 1),
            ("2022-03-05", "王五", "工作质量", "", 3),
            ("2022-04-05", "王五", "工作质量", "", 4),
        ),
    )
    cur = roster_con.cursor()
    ytd = points.ytd_points(cur, 2022, "2022-03")
    people = ytd["people"].set_index("name")
    assert people.loc["张三", "net"] == 3.0 and people.loc["王五", "net"] == 3.0
    assert people.loc["孙七", "months_present"] == 3
    sections = ytd["sections"].set_index("section")
    assert sections.loc["组织科", "net"] == 3.0 and sections.loc["干部一科", "net"] == 3.0
    assert ytd["people"]["net"].sum() == ytd["sections"]["net"].sum() == 6.0
    assert points.ytd_points(cur, 2022, 4)["people"].set_index("name").loc["王五", "net"] == 7.0


def test_event_sources_carry_lineage(roster_con):
    batch = load(
        roster_con,
        sheet(("2022-03-05", "张三", "宣传推广", "", 2), ("2022-03-06", "张三", "工作质量", "", 1)),
        "三月加减分.xlsx",
    )
    cur = roster_con.cursor()
    person_id = cur.execute("select person_id from person where name = '张三'").fetchall()[0][0]
    rows = points.event_sources(cur, person_id, "2022-03", "宣传推广")
    assert len(rows) == 1
    row = rows.iloc[0]
    # The header is Excel row 1, so the first record is row 2.
    assert (row["batch_id"], row["source_file"], row["sheet"], row["row_no"]) == (batch, "三月加减分.xlsx", "Sheet1", 2)
    assert len(points.event_sources(cur, person_id, "2022-03")) == 2


def test_csv_and_xlsx_count_the_same(con):
    roster = [["姓名", "科室"], ["张三", "组织科"]]
    load(con, csv_bytes(roster), "名单.csv")
    load(con, csv_bytes(sheet(("2022-03-05", "张三", "", "XC01", 1))), "p.csv")
    assert points.person_month_net(con.cursor(), "2022-03")["net"].tolist() == [1.0]
