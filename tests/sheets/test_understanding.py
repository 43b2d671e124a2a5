"""Understanding messy sheets: header row, synonyms, kind detection, skipped rows, and value normalisation."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import csv_bytes, load, xlsx_bytes

from analytics.sheets.ingest import Options, import_bytes, prepare
from analytics.sheets.layout import find_layout
from analytics.sheets.normalize import clean_name, parse_date, parse_percent, parse_points


def preview_of(con, rows, kind=None, title=None):
    return prepare(con.cursor(), xlsx_bytes({"Sheet1": rows}, title=title), "t.xlsx", Options(kind=kind))


def points_rows(con):
    return con.execute(
        "select p.name, e.event_date, e.content, e.points, e.reason, e.row_no "
        "from score_event e join person p using (person_id) order by e.row_no"
    ).fetchall()


def test_header_found_under_title_rows_and_merged_cells(roster_con):
    grid = [
        ["2022年3月加减分情况公示", "", "", "", ""],
        ["填报单位：组织部办公室", "", "", "", ""],
        ["", "", "", "", ""],
        ["序号", "日期", "姓名", "考核内容", "分值", "事由"],
        [1, "2022-03-05", "张三", "宣传推广", 1, "信息"],
    ]
    layout = find_layout(grid)
    assert layout.header_row == 3 and layout.kind == "points"
    load(roster_con, grid, "标题.xlsx")
    assert points_rows(roster_con)[0][-1] == 5  # the Excel row number the clerk sees


def test_near_match_headers_are_mapped_and_reported(roster_con):
    rows = [
        ["登记日期", "姓名", "考核项目", "加减分分值", "加减分的具体事由"],
        ["2022-03-05", "张三", "宣传推广", 1, "信息"],
    ]
    preview = preview_of(roster_con, rows)
    assert preview.ok, [p.text() for p in preview.errors]
    layout = preview.sheets[0].layout
    assert {"points", "reason", "content", "event_date"} <= set(layout.columns)
    assert any("近似匹配" in note for note in preview.sheets[0].notes)


def test_exact_synonym_wins_over_a_near_one(roster_con):
    rows = [["日期", "姓名", "考核内容", "基础分", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 10, 2, "信息"]]
    load(roster_con, rows, "两个分.xlsx")
    assert points_rows(roster_con)[0][3] == 2


@pytest.mark.parametrize(
    "header, kind",
    [
        (["姓名", "科室", "职务", "工号"], "roster"),
        (["日期", "姓名", "考核内容", "分值", "事由"], "points"),
        (["日期", "姓名", "活动类型", "角色"], "participation"),
        (["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"], "tasks"),
        (["日期", "擂台", "选手", "评委", "得分"], "arena"),
        (["事项编号", "考核内容", "事项名称", "分值", "月度上限"], "rules"),
    ],
)
def test_kind_is_detected_from_headers(header, kind):
    assert find_layout([header]).kind == kind


def test_chosen_kind_overrides_detection_and_names_missing_columns(roster_con):
    rows = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 1, "x"]]
    preview = preview_of(roster_con, rows, kind="participation")
    assert not preview.ok
    assert "缺少必填列：活动类型" in preview.errors[0].message


def test_missing_required_column_is_named(roster_con):
    rows = [["日期", "姓名", "考核内容", "分值"], ["2022-03-05", "张三", "宣传推广", 1]]
    preview = preview_of(roster_con, rows, kind="points")
    assert "缺少必填列：事由" in preview.errors[0].message


def test_serial_blank_total_and_repeated_header_rows_are_skipped(roster_con):
    rows = [
        ["序号", "日期", "姓名", "考核内容", "分值", "事由"],
        [1, "2022-03-05", "张三", "宣传推广", 1, "合计三条信息被采用"],
        [None, None, None, None, None, None],
        ["序号", "日期", "姓名", "考核内容", "分值", "事由"],
        [2, "2022-03-06", "李四", "宣传推广", 2, "信息"],
        ["小计", None, None, None, 3, None],
        ["合计", None, None, None, 3, None],
        ["注：本表由办公室汇总", None, None, None, None, None],
    ]
    preview = preview_of(roster_con, rows)
    assert preview.ok, [p.text() for p in preview.errors]
    sheet = preview.sheets[0]
    assert len(sheet.rows) == 2
    assert sheet.rows["reason"].tolist() == ["合计三条信息被采用", "信息"]  # 合计 inside free text is data
    assert any("合计/小计行 2 行" in n for n in sheet.notes)


def test_messy_values_are_normalised(roster_con):
    rows = [
        ["日期", "姓名", "考核内容", "分值", "事由"],
        [date(2022, 3, 5), "张 三", "宣传推广", "＋２", "全角"],
        [44626, "李\u3000四", "宣传推广", "+2分", "带分字"],
        ["2022年3月7日", "王五", "纪律作风", "-0.5分", "中文日期"],
        ["2022.3.8", "赵六", "纪律作风", "扣1分", "点分日期"],
        ["2022/03/09", "孙七", "工作质量", "１.５", "斜杠日期"],
    ]
    load(roster_con, rows, "乱.xlsx")
    got = points_rows(roster_con)
    assert [(r[0], r[1], r[3]) for r in got] == [
        ("张三", date(2022, 3, 5), 2.0),
        ("李四", date(2022, 3, 6), 2.0),
        ("王五", date(2022, 3, 7), -0.5),
        ("赵六", date(2022, 3, 8), -1.0),
        ("孙七", date(2022, 3, 9), 1.5),
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2022年3月5日", date(2022, 3, 5)),
        ("2022.3.5", date(2022, 3, 5)),
        ("2022/03/05", date(2022, 3, 5)),
        ("2022-03-05 00:00:00", date(2022, 3, 5)),
        (44625.0, date(2022, 3, 5)),
        ("20220305", date(2022, 3, 5)),
        ("２０２２－０３－０５", date(2022, 3, 5)),
        ("3月5日", date(2022, 3, 5)),
        ("2022年3月", date(2022, 3, 1)),
    ],
)
def test_date_forms(value, expected):
    assert parse_date(value, 2022) == (expected, None)


@pytest.mark.parametrize("value", ["2022-02-30", "三月五日", "2022.13.1"])
def test_bad_dates_say_what_is_expected(value):
    parsed, problem = parse_date(value, 2022)
    assert parsed is None and problem


@pytest.mark.parametrize(
    "value, expected", [("＋２", 2), ("+2分", 2), ("-0.5分", -0.5), ("−1", -1), ("减2分", -2), (3, 3)]
)
def test_point_forms(value, expected):
    assert parse_points(value) == (expected, None)


@pytest.mark.parametrize("value, expected", [("85%", 85), (85, 85), ("８５％", 85)])
def test_percent_forms(value, expected):
    assert parse_percent(value) == (expected, None)


def test_names_with_inner_spaces():
    assert clean_name(" 张 三 ") == "张三" and clean_name("欧阳\u3000娜娜") == "欧阳娜娜"


def task_rows(progress_values):
    header = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]
    return [header] + [
        [f"T{n}", f"任务{n}", "基础夯实工程", "组织科", "2022-12-31", value, "全程督查", "2022-03-04"]
        for n, value in enumerate(progress_values)
    ]


@pytest.mark.parametrize(
    "values, expected",
    [(["85%", "40%"], [85, 40]), ([85, 40], [85, 40]), ([0.85, 0.4], [85, 40]), (["８５％", 100], [85, 100])],
)
def test_progress_as_percent_number_or_fraction(roster_con, values, expected):
    load(roster_con, task_rows(values), "台账.xlsx")
    got = [r[0] for r in roster_con.execute("select progress from task_snapshot order by task_code").fetchall()]
    assert got == expected


def test_csv_with_messy_values(roster_con):
    rows = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022年3月5日", "张 三", "宣传", "＋１", "信息"]]
    preview, batch = import_bytes(roster_con, csv_bytes(rows, "gbk"), "gbk.csv")
    assert batch is not None, [p.text() for p in preview.errors]
    assert points_rows(roster_con)[0][2] == "宣传推广"


def test_participation_role_and_hours(roster_con):
    rows = [
        ["日期", "姓名", "活动类型", "活动名称", "角色", "时长(小时)"],
        ["2022-03-07", "张三", "每周荐学", "每周一文", "", "1"],
        ["2022-03-08", "李四", "论坛", "青年分享", "主讲人", "2小时"],
    ]
    load(roster_con, rows, "参与.xlsx")
    got = roster_con.execute("select activity, role, hours from participation order by event_date").fetchall()
    assert got == [("荐学", "参与", 1.0), ("组工论坛", "主讲", 2.0)]


# ---------------------------------------------------------------------------------------------------------------
# A roster by default only when every header is a roster column or a harmless one (序号, 备注, a person's particulars).

DETAIL = [
    ["日期", "姓名", "科室", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "组织科", "宣传推广", 1, "信息被采用"],
]


@pytest.mark.parametrize(
    "header, odd",
    [
        (["姓名", "科室", "总分", "排名"], "总分"),
        (["姓名", "科室", "3月7日", "3月14日", "备注"], "3月7日"),
        (["序号", "姓名", "科室", "职务", "培训经历"], "培训经历"),
    ],
)
def test_a_sheet_with_any_header_a_roster_lacks_is_not_taken_for_a_roster(roster_con, header, odd):
    sheet = [header, ["张三", "组织科", *[1] * (len(header) - 2)], ["周八", "研究室", *[2] * (len(header) - 2)]]
    if header[0] == "序号":
        sheet = [header, [1, "张三", "组织科", "科长", "党校培训"], [2, "周八", "研究室", "科员", "党校培训"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月明细": DETAIL, "3月得分": sheet}), "3月.xlsx")
    assert batch is None
    message = next(p.message for p in preview.errors if p.sheet == "3月得分")
    assert odd in message and "不是人员名单" in message
    assert roster_con.execute("select count(*) from person where name = '周八'").fetchone()[0] == 0


def test_a_roster_with_serial_numbers_remarks_and_particulars_is_still_a_roster(roster_con):
    header = ["序号", "姓名", "性别", "出生年月", "政治面貌", "科室", "职务", "联系电话", "备注"]
    rows = [header, [1, "周八", "男", "1990.05", "中共党员", "研究室", "科员", "13900000000", ""]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"名单": rows}), "名单.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.kinds == ["roster"]
    assert roster_con.execute("select count(*) from person where name = '周八'").fetchone()[0] == 1


# ---------------------------------------------------------------------------------------------------------------
# A sheet named like a summary (汇总/统计/…): per-person totals are not read; a register of events with their dates
# titled 情况统计 is read when no other sheet of the file is of its kind, and passed over (said so) beside them.


def test_a_detail_sheet_named_statistics_is_imported_when_it_is_the_files_only_one(roster_con):
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月加减分情况统计": POINTS_SHEET}), "3月.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert "按明细导入" in preview.why_kind["3月加减分情况统计"]
    assert roster_con.execute("select count(*) from score_event").fetchone()[0] == 2


def test_a_detail_sheet_named_like_a_summary_beside_month_sheets_is_passed_over_and_said_so(roster_con):
    april = [POINTS_SHEET[0], ["2022-04-05", "张三", "宣传推广", 1, "四月"]]
    content = xlsx_bytes({"一季度汇总": POINTS_SHEET, "4月": april})
    preview, batch = import_bytes(roster_con, content, "汇总.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    why = dict(preview.ignored)["一季度汇总"]
    assert "「4月」" in why and "改名" in why
    assert roster_con.execute("select count(*) from score_event").fetchone()[0] == 1


def test_a_summary_of_totals_alone_is_refused_naming_the_sheet_and_why(roster_con):
    totals = [["姓名", "科室", "总分"], ["张三", "组织科", 3], ["李四", "组织科", 1]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月得分统计": totals}), "3月.xlsx")
    assert batch is None
    message = preview.errors[0].message
    assert "「3月得分统计」" in message and "含“统计”" in message


POINTS_SHEET = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "宣传推广", 1, "信息被采用"],
    ["2022-03-06", "李四", "纪律作风", -0.5, "迟到"],
]


def test_a_total_word_alone_in_any_column_marks_a_total_row_before_anything_fills_down(roster_con):
    # A study-hours ledger grouped by person: 姓名 merged down, a 小计 row per person under 活动名称.
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "学时"
    sheet.append(["姓名", "日期", "活动类型", "活动名称", "时长(小时)"])
    sheet.append(["张三", "2022-03-07", "荐学", "党史第3讲", 1])
    sheet.append([None, "2022-03-15", "研学", "支部研学：条例学习", 2])
    sheet.append([None, None, None, "小 计", 3])
    sheet.merge_cells("A2:A4")
    sheet.append(["李四", "2022-03-07", "荐学", "党史第3讲", 1])
    sheet.append([None, None, None, "本页小计：", 1])
    sheet.merge_cells("A5:A6")
    sheet.append([None, None, None, "共计", 4])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = prepare(roster_con.cursor(), buffer.getvalue(), "3月学时.xlsx", Options())
    assert preview.ok, [p.text() for p in preview.errors]
    got = preview.sheets[0]
    assert got.rows["title"].tolist() == ["党史第3讲", "支部研学：条例学习", "党史第3讲"]
    assert [s["row"] for s in preview.skipped if s["why"] == "合计/小计行"] == [4, 6, 7]


def test_a_total_word_inside_longer_text_of_a_later_column_is_data_and_alone_is_a_total(roster_con):
    rows = [
        ["日期", "姓名", "考核内容", "分值", "事由", "依据"],
        ["2022-03-05", "张三", "宣传推广", 1, "信息被采用，合计三条", "简报合计"],
        ["2022-03-06", "李四", "宣传推广", 2, "信息", "总计"],
    ]
    preview = preview_of(roster_con, rows)
    assert len(preview.sheets[0].rows) == 1
    assert preview.sheets[0].rows["reason"].tolist() == ["信息被采用，合计三条"]
