"""What a previewed import or a new rule version would change, computed without changing anything."""

from __future__ import annotations

from conftest import load, xlsx_bytes

from analytics.results.impact import import_impact, rules_impact
from analytics.rules import rulebook as rb
from analytics.rules.rule_edit import with_params
from analytics.sheets.ingest import prepare
from analytics.store.db import data_version

HEADER = ["日期", "姓名", "考核内容", "分值", "事由"]
MARCH = [
    HEADER,
    ["2022-03-05", "张三", "宣传推广", 5, "信息"],
    ["2022-03-06", "李四", "工作质量", 4, "批示"],
    ["2022-03-07", "王五", "工作质量", 3, "批示"],
]
TASKS = ["任务编号", "任务名称", "台账类别", "责任科室", "开始日期", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


def counts(con):
    return con.execute(
        "select (select count(*) from score_event), (select count(*) from task_snapshot), "
        "(select count(*) from import_batch), (select count(*) from rule_version)"
    ).fetchall()[0]


def test_an_import_that_changes_stars_and_the_flag_says_so_and_changes_nothing(roster_con):
    load(roster_con, MARCH, "三月.xlsx")
    before, version = counts(roster_con), data_version(roster_con)
    file = xlsx_bytes({"补录": [HEADER, ["2022-03-08", "赵六", "宣传推广", 9, "经验被市委推广"]]})
    impact = import_impact(roster_con, prepare(roster_con.cursor(), file, "补录.xlsx"))
    assert "赵六（干部一科）将获得 2022年3月「月度之星」" in impact.lines
    assert "赵六（干部一科）将获得 2022年3月「宣传推广之星」" in impact.lines
    assert "王五（干部一科）将不再获得 2022年3月「月度之星」" in impact.lines
    assert "张三（组织科）将不再获得 2022年3月「宣传推广之星」" in impact.lines
    assert set(impact.stars_gained["name"]) == {"赵六"}
    assert "2022年第一季度流动红旗将由「组织科」变为「干部一科」" in impact.lines
    assert counts(roster_con) == before and data_version(roster_con) == version


def test_a_task_sheet_shows_lights_that_change(roster_con):
    load(
        roster_con,
        [
            TASKS,
            ["T1", "招商引资", "组织保障专项台账", "组织科", "2022-01-01", "2022-12-31", 10, "全程督查", "2022-06-30"],
        ],
    )
    update = [
        TASKS,
        ["T1", "招商引资", "组织保障专项台账", "组织科", "2022-01-01", "2022-12-31", 60, "全程督查", "2022-07-01"],
    ]
    impact = import_impact(roster_con, prepare(roster_con.cursor(), xlsx_bytes({"台账": update}), "台账.xlsx"))
    assert list(
        impact.light_changes[["task_code", "light_before", "light_after"]].itertuples(index=False, name=None)
    ) == [("T1", "滞后", "正常")]
    assert any("「滞后」变为「正常」" in line for line in impact.lines)


def test_a_file_with_errors_has_no_impact(roster_con):
    file = xlsx_bytes({"s": [HEADER, ["2022-03-08", "无此人", "宣传推广", 9, "x"]]})
    assert import_impact(roster_con, prepare(roster_con.cursor(), file, "x.xlsx")) is None


def test_a_rule_change_lists_the_past_results_it_would_change(roster_con):
    load(roster_con, MARCH, "三月.xlsx")
    before = counts(roster_con)
    book = rb.current(roster_con.cursor())
    impact = rules_impact(roster_con, with_params(book, {"star_top_n": 1}), book.effective_from)
    lost = set(impact.stars_lost.loc[impact.stars_lost["award"] == "月度之星", "name"])
    assert lost == {"李四", "王五"}
    assert impact.stars_gained.empty
    assert counts(roster_con) == before


def test_an_import_that_awards_no_star_before_or_after_has_no_star_lines(roster_con):
    deductions = xlsx_bytes({"扣分": [HEADER, ["2022-03-05", "张三", "纪律作风", -2, "迟到"]]})
    impact = import_impact(roster_con, prepare(roster_con.cursor(), deductions, "扣分.xlsx"))
    assert impact.stars_gained.empty and impact.stars_lost.empty
    assert not any("之星" in line for line in impact.lines)
    load(roster_con, MARCH, "三月.xlsx")  # stars on one side only: all of them are kept, none gained
    impact = import_impact(roster_con, prepare(roster_con.cursor(), deductions, "扣分2.xlsx"))
    assert impact.stars_gained.empty
