"""Validation: each problem names the sheet, the Excel row, the column, the value and what is expected."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from conftest import load, xlsx_bytes

from analytics.sheets.ingest import Options, prepare
from analytics.sheets.problems import ERROR, WARNING

HEADER = ["日期", "姓名", "科室", "考核内容", "事项编号", "分值", "事由"]


def check(con, rows, sheet="3月", **options):
    return prepare(con.cursor(), xlsx_bytes({sheet: rows}), "t.xlsx", Options(**options))


def only(preview, level=ERROR):
    found = [p for p in preview.problems if p.level == level]
    assert found, "expected a problem"
    return found


def test_a_problem_names_sheet_row_column_value_and_fix(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "宣传推广", "", "abc", "信息"]])
    problem = only(preview)[0]
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("3月", 2, "分值", "abc")
    assert "不是有效的分值" in problem.message and "-0.5" in problem.message
    assert problem.text().startswith("「3月」第 2 行「分值」列：")


def test_person_not_on_roster_suggests_closest_names(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张3", "", "宣传推广", "", 1, "信息"]])
    message = only(preview)[0].message
    assert "不在人员名单中" in message and "张三" in message.split("最接近的有：")[1]


def test_shared_name_must_be_resolved_by_section_or_staff_number(con):
    load(con, [["姓名", "科室", "工号"], ["张伟", "组织科", "A1"], ["张伟", "干部一科", "B1"]], "名单.xlsx")
    ambiguous = check(con, [HEADER, ["2022-03-05", "张伟", "", "宣传推广", "", 1, "信息"]])
    message = only(ambiguous)[0].message
    assert "2 位“张伟”" in message and "组织科" in message and "干部一科" in message
    by_section = check(con, [HEADER, ["2022-03-05", "张伟", "干部一科", "宣传推广", "", 1, "信息"]])
    assert by_section.ok
    by_number = check(
        con, [["日期", "姓名", "工号", "考核内容", "分值", "事由"], ["2022-03-05", "张伟", "B1", "宣传推广", 1, "x"]]
    )
    assert by_number.ok
    assert by_section.sheets[0].rows["person_id"].iloc[0] == by_number.sheets[0].rows["person_id"].iloc[0]


def test_a_staff_number_typed_as_a_number_finds_the_person_in_every_kind_that_names_one(con):
    # Excel keeps a typed 1 as the number 1.0: the roster stores it as "1", and every sheet naming a person by 工号
    # must find that person (in a later file, and in the same file as the roster).
    numbered = [["姓名", "科室", "工号"], ["张伟", "组织科", 1], ["张伟", "干部一科", 2]]
    load(con, numbered, "名单.xlsx")
    assert con.execute("select staff_no from person order by person_id").fetchall() == [("1",), ("2",)]
    points = [["日期", "姓名", "工号", "考核内容", "分值", "事由"], ["2022-03-05", "张伟", 2, "宣传推广", 1, "x"]]
    taking_part = [["日期", "姓名", "工号", "活动类型"], ["2022-03-07", "张伟", 2.0, "荐学"]]
    for rows in (points, taking_part):
        preview = check(con, rows)
        assert preview.ok, [p.text() for p in preview.problems]
        pid = preview.sheets[0].rows["person_id"].iloc[0]
        assert con.execute("select staff_no from person where person_id = ?", [int(pid)]).fetchone() == ("2",)
    wrong_name = check(con, [points[0], ["2022-03-05", "李四", 2, "宣传推广", 1, "x"]])
    assert "工号 2 在名单中是“张伟”" in only(wrong_name)[0].message
    again = prepare(
        con.cursor(),
        xlsx_bytes(
            {
                "名单": [*numbered, ["王五", "组织科", 3]],
                "3月": [points[0], ["2022-03-05", "王五", 3, "宣传推广", 1, "x"]],
            }
        ),
        "名单和加减分.xlsx",
        Options(),
    )
    assert again.ok, [p.text() for p in again.problems]
    assert again.roster_changes and [c["name"] for c in again.roster_changes] == ["王五"]


@pytest.mark.parametrize(
    "column_value, accepted",
    [
        ("宣传推广", "宣传推广"),
        ("宣传", "宣传推广"),
        ("宣传推广类", "宣传推广"),
        ("XC", "宣传推广"),
        ("纪律", "纪律作风"),
    ],
)
def test_content_variants_are_accepted(roster_con, column_value, accepted):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", column_value, "", 1, "信息"]])
    assert preview.ok
    assert preview.sheets[0].rows["content"].iloc[0] == accepted


def test_unknown_content_lists_choices(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "后勤保障", "", 1, "信息"]])
    message = only(preview)[0].message
    assert "不是规则中的考核内容" in message and "督查落实" in message


def test_scoring_item_points_must_match_the_rule_book(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "", "XC01", 2, "信息"]])
    message = only(preview)[0].message
    assert "XC01" in message and "+1" in message and "+2" in message


def test_scoring_item_range_and_content_from_code(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "", "ZL01", 3, "批示"]])
    assert preview.ok
    assert preview.sheets[0].rows["content"].iloc[0] == "工作质量"
    wrong = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "", "ZL01", 4, "批示"]])
    assert "+1～+3" in only(wrong)[0].message


def test_item_content_mismatch_is_an_error(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "工作质量", "XC01", 1, "信息"]])
    assert "属于“宣传推广”" in only(preview)[0].message


def test_blank_points_take_a_fixed_item_value_with_a_warning(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "", "JL02", None, "迟到"]])
    assert preview.ok
    assert preview.sheets[0].rows["points"].iloc[0] == -0.5
    assert "按事项 JL02 的分值 -0.5 计" in only(preview, WARNING)[0].message


def test_points_above_the_bound_without_an_item(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "工作质量", "", 25, "特别贡献"]])
    assert "超出单条上限 ±20" in only(preview)[0].message


def test_dates_outside_the_campaign_year(roster_con):
    inside_margin = check(roster_con, [HEADER, ["2021-12-15", "张三", "", "工作质量", "", 1, "补录"]])
    assert inside_margin.ok
    outside = check(roster_con, [HEADER, ["2021-03-15", "张三", "", "工作质量", "", 1, "补录"]])
    assert "不在活动年度 2022 年" in only(outside)[0].message


def test_duplicate_rows_within_a_file_name_the_first(roster_con):
    row = ["2022-03-05", "张三", "", "宣传推广", "", 1, "信息"]
    preview = check(roster_con, [HEADER, row, ["2022-03-06", "李四", "", "宣传推广", "", 1, "信息"], row])
    problem = only(preview)[0]
    assert problem.row == 4 and "与第 2 行重复" in problem.message


def test_required_blank_cells(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "宣传推广", "", 1, None]])
    problem = only(preview)[0]
    assert problem.column == "事由" and "不能为空" in problem.message


def test_either_content_or_item_code(roster_con):
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "", "", "", 1, "信息"]])
    assert "至少填写一项" in only(preview)[0].message


def test_warnings_do_not_block(roster_con):
    # A 科室 that is no section of the roster (a name of the clerk's own): the roster's section is taken, said.
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "组织部门", "宣传推广", "", 1, "信息"]])
    assert preview.ok
    assert "按人员名单的科室统计" in only(preview, WARNING)[0].message


def test_a_section_of_the_roster_the_only_namesake_never_belonged_to_is_asked_about(roster_con):
    """张三 of 干部一科, where the roster's only 张三 is of 组织科: a slip, or a namesake not on the roster yet. Taken for
    the 组织科 one, the event would stay on him once the other is added; so the row is refused saying both ways."""
    preview = check(roster_con, [HEADER, ["2022-03-05", "张三", "干部一科", "宣传推广", "", 1, "信息"]])
    problem = only(preview)[0]
    assert problem.column == "姓名" and "从未在干部一科" in problem.message, problem.message
    assert "组织科" in problem.message and "人员名单" in problem.message and "工号" in problem.message


TASK_HEADER = [
    "任务编号",
    "任务名称",
    "台账类别",
    "责任科室",
    "开始日期",
    "计划完成日期",
    "进度(%)",
    "当前环节",
    "更新日期",
]


@pytest.mark.parametrize(
    "row, words",
    [
        (["T1", "任务", "基础夯实工程", "组织科", "", "2022-06-30", 120, "全程督查", "2022-03-04"], "超出范围"),
        (["T1", "任务", "基础台账", "组织科", "", "2022-06-30", 50, "全程督查", "2022-03-04"], "台账类别"),
        (["T1", "任务", "基础夯实工程", "组织科", "", "2022-06-30", 50, "推进", "2022-03-04"], "当前环节"),
        (
            ["T1", "任务", "基础夯实工程", "后勤科", "", "2022-06-30", 50, "全程督查", "2022-03-04"],
            "不是人员名单中的科室",
        ),
        (
            ["T1", "任务", "基础夯实工程", "组织科", "2022-07-01", "2022-06-30", 50, "全程督查", "2022-03-04"],
            "早于开始日期",
        ),
    ],
)
def test_task_sheet_checks(roster_con, row, words):
    preview = check(roster_con, [TASK_HEADER, row])
    assert any(words in p.message for p in preview.errors), [p.text() for p in preview.problems]


def test_task_stage_variants(roster_con):
    preview = check(
        roster_con, [TASK_HEADER, ["T1", "任务", "基础夯实", "组织科", "", "2022-06-30", 100, "已办结", "2022-03-04"]]
    )
    assert preview.ok
    assert preview.sheets[0].rows["stage"].iloc[0] == "办结销号"
    assert preview.sheets[0].rows["ledger"].iloc[0] == "基础夯实工程"


ARENA_HEADER = ["日期", "擂台", "选手", "评委", "得分"]


def test_arena_checks(roster_con):
    preview = check(
        roster_con,
        [ARENA_HEADER, ["2022-04-15", "科长擂台", "张三", "张三", 90], ["2022-04-15", "科长擂台", "张三", "李四", 101]],
    )
    assert any("超出范围" in p.message for p in preview.errors)
    assert any("给自己打分" in p.message for p in preview.warnings)


def test_participation_unknown_activity(roster_con):
    preview = check(roster_con, [["日期", "姓名", "活动类型"], ["2022-03-07", "张三", "打篮球"]])
    assert "不是规则中的活动类型" in only(preview)[0].message


@pytest.mark.parametrize(
    "stage", ["申请办结销号", "待办结销号", "未办结销号", "拟办结销号", "尚未办结销号", "办结销号（待审核）"]
)
def test_a_stage_not_yet_reached_is_refused_not_read_as_the_stage_it_names(roster_con, stage):
    preview = check(
        roster_con, [TASK_HEADER, ["T1", "任务", "基础夯实工程", "组织科", "", "2022-06-30", 90, stage, "2022-03-04"]]
    )
    message = only(preview)[0].message
    assert f"“{stage}”不是规则中的当前环节" in message and "领办登记" in message and "办结销号" in message


@pytest.mark.parametrize(
    "stage, read", [("待销号", "即时反馈"), ("办结销号（已审核）", "办结销号"), ("全程督查阶段", "全程督查")]
)
def test_stage_words_of_the_rule_book_still_resolve(roster_con, stage, read):
    preview = check(
        roster_con, [TASK_HEADER, ["T1", "任务", "基础夯实工程", "组织科", "", "2022-06-30", 50, stage, "2022-03-04"]]
    )
    assert preview.ok, [p.text() for p in preview.problems]
    assert preview.sheets[0].rows["stage"].iloc[0] == read


@pytest.mark.parametrize(
    "rows",
    [
        [HEADER, ["2022-12-05", "李四", "", "宣传推广", "", 3, "经验做法被推广"]],
        [["日期", "姓名", "活动类型"], ["2022-12-05", "李四", "荐学"]],
        [ARENA_HEADER, ["2022-12-05", "科长擂台", "张三", "李四", 90]],
        [TASK_HEADER, ["T1", "任务", "基础夯实工程", "组织科", "", "2022-06-30", 50, "全程督查", "2022-12-05"]],
    ],
)
def test_an_event_dated_after_today_is_refused_naming_the_date(roster_con, rows):
    preview = check(roster_con, rows, today=date(2022, 3, 10))
    errors = only(preview)
    assert len(errors) == 1 and errors[0].row == 2
    assert "2022-12-05 晚于今天" in errors[0].message and "年份" in errors[0].message
    assert check(roster_con, rows, today=date(2022, 12, 5)).ok


def test_a_day_and_month_cell_that_excel_gave_this_years_date_is_refused(roster_con):
    # Typed 12月30日 on 2022-01-05 for late December 2021: Excel stored 2022-12-30.
    rows = [HEADER, [datetime(2022, 12, 30), "张三", "", "宣传推广", "", 2, "信息被区委简报采用"]]
    preview = check(roster_con, rows, sheet="2021年12月补录", today=date(2022, 1, 5))
    assert "2022-12-30 晚于今天" in only(preview)[0].message


def test_a_veto_written_none_is_no(roster_con):
    header = ["日期", "姓名", "考核内容", "分值", "事由", "一票否决"]
    preview = check(roster_con, [header, ["2022-03-05", "王五", "纪律作风", -1, "违反工作纪律", "无"]])
    assert preview.ok, [p.text() for p in preview.problems]
    value = preview.sheets[0].rows["veto_flag"].iloc[0]
    assert value is not None and not value
