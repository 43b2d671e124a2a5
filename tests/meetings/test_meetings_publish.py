"""The frozen monthly posting: publish, objections within the posting period, a correction as version 2 with its
row-by-row diff and changed stars, the posting period in working days, and imports and undos refused in a published
month unless an admin opened it for correction."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import load, xlsx_bytes

from analytics.accounts.roles import ADMIN, Actor
from analytics.errors import UndoRefused
from analytics.meetings import publish as pub
from analytics.results.stars import monthly_stars
from analytics.sheets.ingest import Options, import_bytes, undo

BOSS = Actor("管理员", ADMIN)  # the acting admin of these tests

HEADER = ["日期", "姓名", "考核内容", "分值", "事由"]
TODAY = date(2022, 4, 4)  # a Monday


def points(rows):
    return [HEADER, *rows]


@pytest.fixture
def march(roster_con):
    """March: 张三 3, 李四 2, 王五 1 (three 月度之星); a first batch and a second batch of one row."""
    load(
        roster_con,
        points(
            [["2022-03-02", "张三", "工作质量", 3, "材料质量高"], ["2022-03-03", "李四", "工作质量", 2, "按时报送"]]
        ),
        "三月一.xlsx",
    )
    batch = load(roster_con, points([["2022-03-04", "王五", "督查落实", 1, "督查到位"]]), "三月二.xlsx")
    return roster_con, batch


def test_the_posting_period_counts_working_days():
    assert pub.working_days(date(2022, 4, 4), 5) == (date(2022, 4, 4), date(2022, 4, 8))
    assert pub.working_days(date(2022, 4, 7), 5) == (date(2022, 4, 7), date(2022, 4, 13))  # over a weekend
    assert pub.working_days(date(2022, 4, 9), 1) == (date(2022, 4, 11), date(2022, 4, 11))  # Saturday → Monday


def test_publish_freezes_rows_and_stars(march):
    con, _ = march
    version = pub.publish(con, "2022-03", BOSS, today=TODAY)
    cur = con.cursor()
    assert version.version == 1 and version.window_end == date(2022, 4, 8)
    rows = pub.frozen_rows(cur, "2022-03", 1)
    assert sorted(rows["name"]) == sorted(["李四", "张三", "王五"])
    assert rows["counted"].sum() == 6
    stars = pub.frozen_stars(cur, "2022-03", 1)
    live = monthly_stars(cur, "2022-03").stars
    assert sorted(stars["award"] + stars["name"]) == sorted(live["award"] + live["name"])
    assert pub.is_final(cur, "2022-03") and not pub.is_final(cur, "2022-04")
    with pytest.raises(pub.PublishRefused, match="已经公示"):
        pub.publish(con, "2022-03", BOSS, today=TODAY)


def test_only_an_admin_publishes_and_the_audit_log_says_who(march):
    from analytics.accounts.roles import CLERK, VIEWER, PermissionDenied

    con, _ = march
    for who in (None, Actor("看板", VIEWER), Actor("内勤", CLERK)):
        with pytest.raises(PermissionDenied):
            pub.publish(con, "2022-03", who, today=TODAY)
    assert pub.latest(con.cursor(), "2022-03") is None
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    who, action = con.execute("select actor, action from audit_log order by audit_id desc limit 1").fetchone()
    assert (who, action) == ("管理员", "publish")


def test_an_empty_month_is_not_published(roster_con):
    with pytest.raises(pub.PublishRefused, match="没有加减分记录"):
        pub.publish(roster_con, "2022-05", BOSS)


def test_an_import_into_a_published_month_is_refused_and_the_preview_says_so(march):
    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    content = xlsx_bytes({"Sheet1": points([["2022-03-20", "赵六", "工作质量", 2, "补录"]])})
    preview, batch = import_bytes(con, content, "补录.xlsx")
    assert batch is None
    assert any("已经公示" in p.message for p in preview.errors)
    # April is not published: an April file goes in.
    load(con, points([["2022-04-02", "赵六", "工作质量", 2, "四月"]]), "四月.xlsx")


def test_an_undo_touching_a_published_month_is_refused(march):
    con, batch = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    with pytest.raises(UndoRefused, match="已经公示"):
        undo(con, batch)


def test_a_correction_is_version_two_with_the_diff_and_the_changed_stars(march):
    con, batch = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    pub.open_correction(con, "2022-03", BOSS)
    undo(con, batch)  # 王五's row goes: he loses his star
    load(con, points([["2022-03-21", "孙七", "宣传推广", 4, "信息被采用"]]), "更正.xlsx")
    with pytest.raises(pub.PublishRefused, match="原因"):
        pub.correct(con, "2022-03", BOSS, "  ")
    version = pub.correct(con, "2022-03", BOSS, "王五加分重复登记；补录孙七", today=TODAY)
    assert version.version == 2 and version.reason.startswith("王五")
    cur = con.cursor()
    assert pub.correction_open(cur, "2022-03") is None  # closed by the correction
    # The first version never changes.
    assert sorted(pub.frozen_rows(cur, "2022-03", 1)["name"]) == sorted(["李四", "张三", "王五"])
    result = pub.diff(cur, "2022-03", 1, 2)
    assert result.counts == {"added": 1, "removed": 1, "changed": 0}
    labels = dict(zip(result.rows["name"], result.rows["change_label"]))
    assert labels == {"王五": "删除", "孙七": "新增"}
    star_changes = {(r.name, r.award, r.change_label) for r in result.stars.itertuples()}
    assert ("王五", "月度之星", "不再获得") in star_changes
    assert ("孙七", "月度之星", "新获得") in star_changes
    # Closed again: the next import into March is refused.
    preview, batch_id = import_bytes(
        con, xlsx_bytes({"S": points([["2022-03-22", "赵六", "工作质量", 1, "再补"]])}), "再补.xlsx"
    )
    assert batch_id is None


def test_a_correction_without_any_change_is_refused(march):
    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    with pytest.raises(pub.PublishRefused, match="完全一致"):
        pub.correct(con, "2022-03", BOSS, "核对")


def test_a_row_fixed_by_undo_and_reimport_is_one_changed_row(march):
    con, batch = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    pub.open_correction(con, "2022-03", BOSS)
    undo(con, batch)
    load(con, points([["2022-03-04", "王五", "督查落实", 0.5, "督查到位（核减）"]]), "三月二更正.xlsx")
    pub.correct(con, "2022-03", BOSS, "王五分值核减", today=TODAY)
    result = pub.diff(con.cursor(), "2022-03", 1, 2)
    assert result.counts == {"added": 0, "removed": 0, "changed": 1}
    row = result.rows.iloc[0]
    assert row["name"] == "王五" and row["points_before"] == 1 and row["points_after"] == 0.5
    assert "分值：1 → 0.5" in row["what"] and "事由：督查到位 → 督查到位（核减）" in row["what"]


def test_objections_during_the_posting_period_and_their_answers(march):
    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    cur = con.cursor()
    fact = int(pub.frozen_rows(cur, "2022-03", 1).query("name == '王五'")["fact_id"].iat[0])
    first = pub.raise_objection(
        con, "2022-03", BOSS, by="赵六", text="王五此项已在二月计分", fact_id=fact, today=date(2022, 4, 6)
    )
    with pytest.raises(pub.PublishRefused, match="不在公示期内"):
        pub.raise_objection(con, "2022-03", BOSS, by="赵六", text="太晚了", today=date(2022, 4, 11))
    with pytest.raises(pub.PublishRefused, match="不在本月公示"):
        pub.raise_objection(con, "2022-03", BOSS, by="赵六", text="不存在的行", fact_id=999999, today=TODAY)
    pub.answer_objection(con, first, BOSS, "经核实，异议成立，将更正", upheld=True)
    table = pub.objections(cur, "2022-03")
    assert table["name"].tolist() == ["王五"]
    assert table["status_label"].tolist() == ["异议成立"]
    assert table["raised_by"].tolist() == ["赵六"]


def test_an_objection_is_taken_from_the_day_of_publication_even_at_a_weekend(march):
    con, _ = march
    saturday = date(2022, 4, 9)
    version = pub.publish(con, "2022-03", BOSS, today=saturday)
    assert (version.window_start, version.window_end) == (date(2022, 4, 11), date(2022, 4, 15))
    pub.raise_objection(con, "2022-03", BOSS, by="赵六", text="周末看到公示", today=saturday)
    pub.raise_objection(con, "2022-03", BOSS, by="赵六", text="最后一天", today=version.window_end)
    for outside in (date(2022, 4, 8), date(2022, 4, 16)):  # the Friday before, the Saturday after
        with pytest.raises(pub.PublishRefused, match="不在公示期内"):
            pub.raise_objection(con, "2022-03", BOSS, by="赵六", text="期外", today=outside)
    assert pub.objections(con.cursor(), "2022-03")["raised_by"].tolist() == ["赵六", "赵六"]


def test_the_posting_period_is_a_rule_book_parameter(march):
    from analytics.rules import rulebook as rb
    from analytics.store.db import transaction

    con, _ = march
    with transaction(con) as cur:
        book = rb.current(cur)
        rb.save(cur, book.with_changes(params={**book.params, "posting_days": 3}), date(2022, 1, 1), "edit")
    version = pub.publish(con, "2022-03", BOSS, today=TODAY)
    assert version.window_end == date(2022, 4, 6)


def test_the_posting_of_a_published_month_is_the_frozen_version(march):
    from analytics.meetings import posting

    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    pub.open_correction(con, "2022-03", BOSS)
    load(con, points([["2022-03-21", "孙七", "宣传推广", 4, "信息被采用"]]), "更正.xlsx")
    cur = con.cursor()
    frozen = posting.posting_sheet(cur, "2022-03")
    assert frozen.version.version == 1 and "孙七" not in set(frozen.rows["name"])
    assert frozen.file_name == "2022年3月公示表_第1版.xlsx"
    assert "孙七" in set(posting.posting_sheet(cur, "2022-03", live=True).rows["name"])
    assert frozen.rows["section"].tolist() == sorted(frozen.rows["section"], key=["组织科", "干部一科"].index)


# ---------------------------------------------------------------------------------------------------------------
# Roster changes and rule-book versions effective in or before a published month change its live results (its stars,
# its posting), so they are refused like a points file into it: until an admin opens the month for correction.
# Effective after the last published month, they go in.

ROSTER_HEADER = ["姓名", "科室", "工号", "状态", "调整日期"]


def roster(*rows):
    return [ROSTER_HEADER, *rows]


def stars_of(con, month="2022-03"):
    return sorted(monthly_stars(con.cursor(), month).stars[["name", "section", "award"]].itertuples(index=False))


@pytest.mark.parametrize(
    "row",
    [
        ["张三", "组织科", "A01", "离岗", "2022-02-10"],  # left before the month
        ["张三", "组织科", "A01", "离岗", "2022-03-15"],  # left inside it
        ["王五", "组织科", "B01", "在岗", "2022-02-01"],  # moved before it
        ["王五", "组织科", "B01", "在岗", "2022-03-10"],  # moved inside it
    ],
)
def test_a_roster_change_effective_in_or_before_a_published_month_is_refused(march, row):
    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    before = stars_of(con)
    preview, batch = import_bytes(con, xlsx_bytes({"名单": roster(row)}), "名单.xlsx")
    assert batch is None
    texts = [p.text() for p in preview.errors]
    assert any("第 2 行" in t and row[0] in t and "2022年3月" in t and "开始更正" in t for t in texts), texts
    assert stars_of(con) == before
    # Opened for correction, it goes in (and is said to need a correction version).
    pub.open_correction(con, "2022-03", BOSS)
    preview, batch = import_bytes(con, xlsx_bytes({"名单": roster(row)}), "名单.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert any("更正" in p.message for p in preview.warnings)


@pytest.mark.parametrize(
    "sheet",
    [
        [["姓名", "科室", "工号", "离岗日期"], ["张三", "组织科", "A01", "2022-03-15"]],  # a list of leavers
        [
            ["姓名", "科室", "工号", "状态", "调入日期", "离岗日期"],
            ["张三", "组织科", "A01", "退休", "2016-05-01", "2022-03-15"],
        ],
    ],
)
def test_a_leaving_date_column_in_a_published_month_is_refused(march, sheet):
    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    preview, batch = import_bytes(con, xlsx_bytes({"名单": sheet}), "离岗名单.xlsx")
    assert batch is None
    texts = [p.text() for p in preview.errors]
    assert any("第 2 行" in t and "张三" in t and "2022-03-15" in t and "2022年3月" in t for t in texts), texts


def test_a_roster_change_effective_after_the_published_month_goes_in(march):
    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    before = stars_of(con)
    load(con, roster(["张三", "组织科", "A01", "离岗", "2022-04-01"], ["王五", "组织科", "B01", "在岗", "2022-04-01"]))
    assert stars_of(con) == before


def test_undoing_a_roster_file_whose_change_reaches_a_published_month_is_refused(roster_con):
    con = roster_con
    moved = load(con, roster(["王五", "组织科", "B01", "在岗", "2022-03-10"]), "三月调整.xlsx")
    later = load(con, roster(["赵六", "组织科", "B02", "在岗", "2022-04-10"]), "四月调整.xlsx")
    load(con, points([["2022-03-12", "王五", "工作质量", 2, "材料"]]), "三月.xlsx")
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    before = stars_of(con)
    with pytest.raises(UndoRefused, match="2022年3月.*开始更正"):
        undo(con, moved)
    assert stars_of(con) == before
    undo(con, later)  # effective in April only


def test_a_rule_edit_effective_in_or_before_a_published_month_is_refused(march):
    from analytics.rules import rule_edit
    from analytics.rules import rulebook as rb

    con, _ = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    before = stars_of(con)
    edited = rule_edit.with_params(rb.current(con.cursor()), {"star_top_n": 1})
    for day in (date(2022, 1, 1), date(2022, 3, 31)):
        with pytest.raises(pub.PublishRefused, match="2022年3月.*开始更正"):
            rule_edit.save_edit(con, edited, day, "管理员")
    assert stars_of(con) == before
    rule_edit.save_edit(con, edited, date(2022, 4, 1), "管理员")
    assert stars_of(con) == before


def test_a_rules_file_effective_in_or_before_a_published_month_is_refused_and_so_is_its_undo(march):
    from analytics.rules import rulebook as rb

    con, _ = march
    rows = [["事项编号", "考核内容", "事项名称", "分值", "月度上限", "一票否决"]]
    rows += [
        [i.code, i.content, i.name, i.points_text.replace("～", "~").replace("+", ""), i.monthly_cap, "否"]
        for i in rb.current(con.cursor()).items
    ]
    earlier = load(con, rows, "事项一.xlsx", kind="rules", rules_effective=date(2022, 2, 1))
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    content = xlsx_bytes({"事项": rows[:-1]})
    preview, batch = import_bytes(con, content, "事项二.xlsx", Options(kind="rules", rules_effective=date(2022, 3, 1)))
    assert batch is None
    assert any("2022年3月" in p.message and "开始更正" in p.message for p in preview.errors), preview.errors
    load(con, rows[:-1], "事项二.xlsx", kind="rules", rules_effective=date(2022, 4, 1))
    with pytest.raises(UndoRefused, match="2022年3月"):
        undo(con, earlier)


def test_a_correction_is_withdrawn_only_while_the_month_reads_as_published(march):
    # Withdrawn with a changed month, the month would be locked with results its printed posting does not show.
    con, batch = march
    pub.publish(con, "2022-03", BOSS, today=TODAY)
    pub.open_correction(con, "2022-03", BOSS)
    added = load(con, points([["2022-03-20", "孙七", "宣传推广", 5, "经验被市级推广"]]), "三月补.xlsx")
    undo(con, batch)
    with pytest.raises(pub.PublishRefused) as refused:
        pub.withdraw_correction(con, "2022-03", BOSS)
    message = str(refused.value)
    assert f"#{added}" in message and f"#{batch}" in message and "摘星" in message and "第 2 版" in message
    assert pub.correction_open(con.cursor(), "2022-03") is not None
    undo(con, added)
    load(con, points([["2022-03-04", "王五", "督查落实", 1, "督查到位"]]), "三月二.xlsx")
    pub.withdraw_correction(con, "2022-03", BOSS)
    assert pub.correction_open(con.cursor(), "2022-03") is None
