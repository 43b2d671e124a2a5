"""No silent wrong answer: every class of sheet that once imported "ok" but wrong now lands exactly, asks, or is
refused with a Chinese message. Files are built in the test and go through the real importer."""

from __future__ import annotations

import io
import itertools
from datetime import date

import openpyxl
import pytest
import xlwt
from conftest import ROSTER, csv_bytes, load, xlsx_bytes

from analytics import open_db
from analytics.sheets.ingest import Options, import_bytes, undo
from analytics.sheets.kinds import KINDS
from analytics.sheets.mapping import Choice

POINTS_HEADER = ["日期", "姓名", "考核内容", "分值", "事由"]


def preview_of(con, content, name="upload.xlsx", **options):
    preview, _ = import_bytes(con, content, name, Options(**options), dry_run=True)
    return preview


def refused(preview) -> str:
    assert not preview.ok
    return " ".join(p.text() for p in preview.errors)


def events(con):
    return con.execute(
        """
        select p.name, e.event_date, e.points, s.name
        from score_event e join person p using (person_id) join section s on s.section_id = e.section_id
        order by e.event_date, p.name, e.points
        """
    ).fetchall()


def people(con):
    return con.execute(
        """
        select p.name, s.name from person p join membership m using (person_id) join section s using (section_id)
        where m.valid_to is null order by p.name, s.name
        """
    ).fetchall()


# 1. Kind detection by default ---------------------------------------------------------------------


def test_a_points_sheet_missing_a_required_column_is_refused_never_taken_for_a_roster(roster_con):
    before = people(roster_con)
    sheet = [["日期", "姓名", "科室", "考核内容", "分值"], ["2022-03-05", "张三", "干部一科", "宣传推广", 1]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": sheet}), "无事由.xlsx")
    assert batch is None
    text = refused(preview)
    assert "加减分记录" in text and "事由" in text and "人员名单" in text
    assert people(roster_con) == before


def test_a_summary_sheet_beside_month_sheets_is_skipped_with_a_notice(roster_con):
    month = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 1, "信息"]]
    summary = [["姓名", "科室", "合计"], ["张三", "干部一科", 1]]
    before = people(roster_con)
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": month, "汇总": summary}), "带汇总.xlsx")
    assert batch is not None
    assert [s.kind for s in preview.sheets] == ["points"]
    assert any(sheet == "汇总" and "汇总" in why for sheet, why in preview.ignored)
    assert people(roster_con) == before  # nobody moved, nobody created


def test_a_sheet_of_formulas_over_other_sheets_is_a_summary_whatever_its_name(roster_con):
    book = openpyxl.Workbook()
    detail = book.active
    detail.title = "3月"
    for row in [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 1, "信息"]]:
        detail.append(row)
    other = book.create_sheet("张三")
    other.append(["日期", "姓名", "科室", "分值"])
    other.append(["2022-03-31", "张三", "干部一科", "=SUM('3月'!D:D)"])
    buffer = io.BytesIO()
    book.save(buffer)
    before = people(roster_con)
    preview, batch = import_bytes(roster_con, buffer.getvalue(), "带公式.xlsx")
    assert batch is not None and [s.sheet for s in preview.sheets] == ["3月"]
    assert any(sheet == "张三" and "公式" in why for sheet, why in preview.ignored)
    assert people(roster_con) == before


def test_a_month_sheet_whose_formulas_only_write_text_with_exclamation_marks_is_imported(roster_con):
    # A remark formula's "!" inside a text literal, an error value in a formula and a reference to the sheet's own
    # name refer to no other sheet: the month sheet is detail, not a summary.
    book = openpyxl.Workbook()
    january = book.active
    january.title = "1月"
    for row in [POINTS_HEADER, ["2022-01-05", "张三", "宣传推广", 2, "信息"]]:
        january.append(row)
    february = book.create_sheet("2月")
    february.append([*POINTS_HEADER, "备注", "说明", "核对"])
    remarks = ['=IF(D2>2,"优秀!","")', '=IF(D2="x","他说""好!""",#N/A)', "='2月'!D2"]
    february.append(["2022-02-05", "张三", "宣传推广", 3, "信息", *remarks])
    buffer = io.BytesIO()
    book.save(buffer)
    preview, batch = import_bytes(roster_con, buffer.getvalue(), "一季度.xlsx")
    assert batch is not None and [s.sheet for s in preview.sheets] == ["1月", "2月"]
    assert all(sheet != "2月" for sheet, _ in preview.ignored)
    assert [row[:3] for row in events(roster_con)] == [("张三", date(2022, 1, 5), 2.0), ("张三", date(2022, 2, 5), 3.0)]


def test_a_header_fitting_two_kinds_equally_is_asked_not_guessed(roster_con):
    header = ["日期", "姓名", "考核内容", "分值", "事由", "活动类型", "角色", "时长"]
    sheet = [header, ["2022-03-07", "张三", "学习提升", 1, "荐学", "荐学", "参与", 1]]
    text = refused(preview_of(roster_con, xlsx_bytes({"学习": sheet})))
    assert "无法确定表格类型" in text and "加减分记录" in text and "参与记录" in text
    forced = preview_of(roster_con, xlsx_bytes({"学习": sheet}), kind="points")
    assert forced.ok and forced.points_total == 1


def test_a_roster_chosen_by_the_clerk_is_still_a_roster(con):
    load(con, [["姓名", "科室", "入职日期"], ["张三", "组织科", "2020-01-01"]], "名单.xlsx", kind="roster")
    assert people(con) == [("张三", "组织科")]


# 2. The roster changes only deliberately ---------------------------------------------------------


MOVED = [["姓名", "科室"], ["张三", "干部二科"]]


def test_a_name_found_in_another_section_is_asked_not_merged(roster_con):
    preview, batch = import_bytes(roster_con, xlsx_bytes({"名单": MOVED}), "新名单.xlsx")
    assert batch is None
    assert "移动" in refused(preview) and "新增同名人员" in refused(preview)
    assert preview.questions and preview.questions[0]["name"] == "张三" and preview.questions[0]["row"] == 2
    assert ("张三", "组织科") in people(roster_con)


def test_the_clerks_decision_moves_or_adds_and_the_preview_lists_the_change(roster_con):
    preview = preview_of(roster_con, xlsx_bytes({"名单": MOVED}), decisions={("名单", 2): "move"})
    assert preview.ok
    assert preview.roster_changes == [
        {
            "sheet": "名单",
            "row": 2,
            "action": "调整科室",
            "name": "张三",
            "from": "组织科",
            "to": "干部二科",
            "on": preview.roster_changes[0]["on"],
        }
    ]
    load(roster_con, xlsx_bytes({"名单": MOVED}), "新名单.xlsx", same_name="new")
    assert [s for n, s in people(roster_con) if n == "张三"] == ["干部二科", "组织科"]


def test_a_new_staff_number_for_a_name_known_elsewhere_without_one_is_asked(con):
    load(con, [["姓名", "科室"], ["张三", "组织科"]], "名单.xlsx")
    preview = preview_of(con, xlsx_bytes({"名单": [["姓名", "科室", "工号"], ["张三", "干部一科", "A9"]]}))
    assert preview.questions and "新增同名人员" in refused(preview)


def test_a_change_date_on_the_row_tells_a_move(roster_con):
    load(roster_con, [["姓名", "科室", "调整日期"], ["张三", "干部二科", "2022-03-01"]], "调动.xlsx")
    assert ("张三", "干部二科") in people(roster_con) and ("张三", "组织科") not in people(roster_con)


def test_one_file_listing_two_people_of_one_name_adds_both(con):
    load(con, [["姓名", "科室"], ["张三", "组织科"], ["张三", "干部一科"]], "名单.xlsx")
    assert people(con) == [("张三", "干部一科"), ("张三", "组织科")]


# A 工号 typed 001 becomes the number 1 when Excel opens the sheet again: the same person, said so, never a second one.
PADDED = [["姓名", "科室", "工号"], ["张三", "组织科", "001"], ["李四", "组织科", "002"]]


def test_a_roster_sent_again_after_excel_dropped_the_leading_zeros_keeps_its_people(con):
    load(con, PADDED, "名单1月.xlsx")
    again = xlsx_bytes(
        {"名单": [["姓名", "科室", "工号"], ["张三", "组织科", 1], ["李四", "组织科", 2], ["王五", "组织科", 3]]}
    )
    preview = preview_of(con, again)
    assert preview.ok, refused(preview)
    assert [(c["action"], c["name"]) for c in preview.roster_changes] == [("新增", "王五")]
    said = [(w.row, w.column, w.message) for w in preview.warnings]
    assert (2, "工号", "工号 1 按 001 匹配（Excel 可能去掉了前导 0）") in said
    assert (3, "工号", "工号 2 按 002 匹配（Excel 可能去掉了前导 0）") in said
    load(con, again, "名单2月.xlsx")
    assert con.execute("select name, staff_no from person order by person_id").fetchall() == [
        ("张三", "001"),
        ("李四", "002"),
        ("王五", "3"),
    ]


def test_a_staff_number_without_its_zeros_is_refused_when_the_name_differs_or_several_people_fit(con):
    load(con, [*PADDED, ["王五", "干部一科", "01"]], "名单.xlsx")
    other_name = refused(preview_of(con, xlsx_bytes({"名单": [["姓名", "科室", "工号"], ["赵六", "组织科", 2]]})))
    assert "第 2 行" in other_name and "李四" in other_name and "002" in other_name and "赵六" in other_name
    several = refused(preview_of(con, xlsx_bytes({"名单": [["姓名", "科室", "工号"], ["张三", "组织科", 1]]})))
    assert "张三（组织科，工号 001）" in several and "王五（干部一科，工号 01）" in several
    twice = refused(
        preview_of(
            con, xlsx_bytes({"名单": [["姓名", "科室", "工号"], ["李四", "组织科", "002"], ["李四", "组织科", 2]]})
        )
    )
    assert "第 3 行" in twice and "第 2 行" in twice
    assert con.execute("select count(*) from person").fetchone()[0] == 3


def test_points_and_participation_find_a_person_whose_staff_number_lost_its_zeros(con):
    load(con, PADDED, "名单.xlsx")
    points = [["日期", "姓名", "工号", "考核内容", "分值", "事由"], ["2022-03-05", "李四", 2, "宣传推广", 1, "x"]]
    taking_part = [["日期", "姓名", "工号", "活动类型"], ["2022-03-07", "李四", "2", "荐学"]]
    for rows in (points, taking_part):
        preview = preview_of(con, xlsx_bytes({"3月": rows}))
        assert preview.ok, refused(preview)
        assert any(w.message == "工号 2 按 002 匹配（Excel 可能去掉了前导 0）" for w in preview.warnings)
    load(con, xlsx_bytes({"3月": points}), "加减分.xlsx")
    assert events(con) == [("李四", date(2022, 3, 5), 1.0, "组织科")]
    wrong = refused(preview_of(con, xlsx_bytes({"3月": [points[0], ["2022-03-05", "张三", 2, "宣传推广", 1, "x"]]})))
    assert "李四（组织科，工号 002）" in wrong and "张三" in wrong


# 3. History by date, whatever the upload order ----------------------------------------------------

APRIL = [
    POINTS_HEADER,
    ["2022-04-10", "张三", "宣传推广", 2, "四月信息"],
    ["2022-02-10", "张三", "宣传推广", 1, "二月"],
]
MOVE_MARCH = [["姓名", "科室", "工号", "调整日期"], ["张三", "干部二科", "A01", "2022-03-01"]]


def test_a_move_uploaded_after_the_points_reaches_the_points_dated_after_it(roster_con):
    load(roster_con, APRIL, "四月.xlsx")
    load(roster_con, MOVE_MARCH, "调动.xlsx")
    late = events(roster_con)
    other = roster_con.cursor()
    assert ("张三", date(2022, 4, 10), 2.0, "干部二科") in late
    assert ("张三", date(2022, 2, 10), 1.0, "组织科") in late
    assert other is not None


def test_undoing_the_move_puts_the_points_back(roster_con):
    load(roster_con, APRIL, "四月.xlsx")
    batch = load(roster_con, MOVE_MARCH, "调动.xlsx")
    undo(roster_con, batch)
    assert {row[3] for row in events(roster_con)} == {"组织科"}


# 4. Sign semantics of headers ---------------------------------------------------------------------


def test_a_deduction_header_negates_positive_magnitudes_and_says_so(roster_con):
    sheet = [["日期", "姓名", "考核内容", "扣分", "事由"], ["2022-03-05", "李四", "纪律作风", 2, "迟到"]]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert preview.ok, refused(preview)
    assert preview.points_total == -2
    assert {"sheet": "3月", "header": "扣分", "field": "分值（减分）", "rule": "按减分计，取负"} in preview.columns


def test_a_negative_value_under_a_deduction_header_is_a_warning_not_a_plus(roster_con):
    sheet = [["日期", "姓名", "考核内容", "减分值", "事由"], ["2022-03-05", "李四", "纪律作风", -1, "迟到"]]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert preview.points_total == -1 and any("负数" in w.message for w in preview.warnings)


def test_plus_and_minus_columns_under_a_merged_header_combine_into_one_signed_value(roster_con):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "3月"
    ws.append(["日期", "姓名", "考核内容", "加减分", None, "事由"])
    ws.append([None, None, None, "加分", "减分", None])
    for col in (1, 2, 3, 6):
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    ws.merge_cells(start_row=1, start_column=4, end_row=1, end_column=5)
    ws.append(["2022-03-05", "张三", "宣传推广", 2, None, "信息"])
    ws.append(["2022-03-06", "李四", "纪律作风", None, 1, "迟到"])
    buffer = io.BytesIO()
    book.save(buffer)
    load(roster_con, buffer.getvalue(), "加减分两列.xlsx")
    assert [(n, p) for n, _, p, _ in events(roster_con)] == [("张三", 2.0), ("李四", -1.0)]


@pytest.mark.parametrize("written, points", [("扣-2分", -2.0), ("减-1", -1.0), ("扣2分", -2.0), ("加+1分", 1.0)])
def test_a_sign_word_and_a_sign_that_agree_are_one_direction(roster_con, written, points):
    # '扣-2分' says minus twice: a deduction of 2, never an award.
    sheet = [POINTS_HEADER, ["2022-03-05", "李四", "纪律作风", written, "迟到"]]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert preview.ok and preview.points_total == points


@pytest.mark.parametrize("written", ["加-1", "扣+2分"])
def test_a_sign_word_against_the_sign_is_asked_about(roster_con, written):
    sheet = [POINTS_HEADER, ["2022-03-05", "李四", "纪律作风", written, "迟到"]]
    message = refused(preview_of(roster_con, xlsx_bytes({"3月": sheet})))
    assert "第 2 行" in message and "方向相反" in message


def test_points_and_a_deduction_column_that_disagree_are_refused_not_one_kept(roster_con):
    header = ["日期", "姓名", "考核内容", "分值", "减分", "事由"]
    sheet = [
        header,
        ["2022-03-05", "李四", "纪律作风", -1, 1, "迟到"],  # the same deduction written twice: fine
        ["2022-03-06", "张三", "纪律作风", 2, 5, "迟到"],
    ]
    message = refused(preview_of(roster_con, xlsx_bytes({"3月": sheet})))
    assert "第 3 行" in message and "+2" in message and "-5" in message and "不一致" in message
    assert "第 2 行" not in message


@pytest.mark.parametrize("written", ["20分", "20分钟", "30 min"])
def test_minutes_in_a_duration_are_not_read_as_hours(roster_con, written):
    sheet = [["日期", "姓名", "活动类型", "时长(小时)"], ["2022-03-05", "张三", "主题党日", written]]
    message = refused(preview_of(roster_con, xlsx_bytes({"3月": sheet}), kind="participation"))
    assert "第 2 行" in message and "分钟" in message


@pytest.mark.parametrize("written, hours", [("2小时", 2.0), ("1.5h", 1.5), ("２个小时", 2.0), (3, 3.0)])
def test_hours_are_read_in_their_usual_forms(roster_con, written, hours):
    sheet = [["日期", "姓名", "活动类型", "时长(小时)"], ["2022-03-05", "张三", "主题党日", written]]
    load(roster_con, xlsx_bytes({"3月": sheet}), "参与.xlsx", kind="participation")
    assert roster_con.execute("select hours from participation").fetchall() == [(hours,)]


TASK_HEADER = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


def task_sheet(values):
    return [TASK_HEADER] + [
        [f"T{n}", f"任务{n}", "基础夯实工程", "组织科", "2022-12-31", value, "全程督查", "2022-03-04"]
        for n, value in enumerate(values)
    ]


def stored_progress(con):
    return [r[0] for r in con.execute("select progress from task_snapshot order by task_code").fetchall()]


def test_progress_fractions_in_a_csv_read_as_in_a_workbook_and_say_so(roster_con):
    for content, name in (
        (csv_bytes(task_sheet(["0.6", "0.85"])), "台账.csv"),
        (xlsx_bytes({"台账": task_sheet([0.6, 0.85])}), "台账.xlsx"),
    ):
        preview, batch = import_bytes(roster_con, content, name)
        assert batch is not None and any("按小数理解" in w.text() for w in preview.warnings)
        assert stored_progress(roster_con) == [60.0, 85.0]
        undo(roster_con, batch)


def test_a_progress_fraction_beside_figures_over_one_is_asked_about(roster_con):
    # 0.6 formatted as 60 % in Excel beside 80 typed: neither reading of the column is safe.
    message = refused(preview_of(roster_con, xlsx_bytes({"台账": task_sheet([0.6, 80])})))
    assert "第 2 行" in message and "0.6" in message and "混用" in message
    # With a percent sign there is nothing to ask.
    load(roster_con, xlsx_bytes({"台账": task_sheet(["0.5%", "1%", 80])}), "台账.xlsx")
    assert stored_progress(roster_con) == [0.5, 1.0, 80.0]


def test_a_progress_of_exactly_one_beside_figures_over_one_is_asked_about(roster_con):
    # A cell formatted 100 % holds the number 1: beside 80 and 35 it may mean finished or 1 %.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    for row in task_sheet([80, 1, 35]):
        sheet.append(row)
    sheet["F3"].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    message = refused(preview_of(roster_con, buffer.getvalue(), "台账.xlsx"))
    assert "第 3 行" in message and "进度 1 " in message and "100" in message and "1%" in message
    # The same sheet saved as CSV writes 100%: taken as written.
    load(roster_con, csv_bytes(task_sheet(["80", "100%", "35"])), "台账.csv")
    assert stored_progress(roster_con) == [80.0, 100.0, 35.0]


def test_a_task_row_without_a_code_but_with_another_name_is_not_the_task_above(roster_con):
    sheet = task_sheet([50, 80])
    sheet[2][0] = None  # 任务编号 left blank under T0, 任务名称 says 任务1
    message = refused(preview_of(roster_con, xlsx_bytes({"台账": sheet})))
    assert "第 3 行「任务编号」" in message
    # The group's later rows with the same name, or none, are the task above.
    grouped = task_sheet([50, 80, 90])
    grouped[2][0], grouped[3][0], grouped[3][1] = None, None, None
    grouped[2][1] = "任务0"
    grouped[2][7], grouped[3][7] = "2022-03-11", "2022-03-18"
    load(roster_con, xlsx_bytes({"台账": grouped}), "台账.xlsx")
    assert roster_con.execute("select distinct task_code from task_snapshot").fetchall() == [("T0",)]


# 5. Which date ------------------------------------------------------------------------------------


def test_the_event_date_wins_over_the_entry_date_whatever_the_order(roster_con):
    sheet = [
        ["登记日期", "发生日期", "姓名", "考核内容", "分值", "事由"],
        ["2022-04-01", "2022-03-05", "张三", "宣传推广", 1, "信息"],
    ]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert preview.ok
    used = {c["header"]: c for c in preview.columns}
    assert used["发生日期"]["field"] == "日期" and used["登记日期"]["field"] is None
    assert "发生日期" in used["登记日期"]["rule"]
    load(roster_con, xlsx_bytes({"3月": sheet}), "两个日期.xlsx")
    assert events(roster_con)[0][1] == date(2022, 3, 5)


def test_the_date_of_the_event_wins_over_a_plain_date_column(roster_con):
    sheet = [
        ["日期", "姓名", "考核日期", "考核内容", "分值", "事由"],
        ["2022-04-01", "张三", "2022-03-05", "宣传推广", 1, "信息"],
    ]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert preview.points_rows()["event_date"].tolist() == [date(2022, 3, 5)]


# 6. Which year ------------------------------------------------------------------------------------


def test_a_date_without_a_year_takes_the_year_the_sheet_states(roster_con):
    sheet = [POINTS_HEADER, ["3月5日", "张三", "宣传推广", 1, "信息"]]
    preview = preview_of(roster_con, xlsx_bytes({"2021年3月": sheet}))
    assert "2021" in refused(preview)  # 2021-03-05 is outside the campaign year 2022: refused, not moved to 2022
    ok = preview_of(roster_con, xlsx_bytes({"3月": sheet}, title="2022年3月加减分"))
    assert ok.ok and ok.points_rows()["event_date"].tolist() == [date(2022, 3, 5)]


def test_disagreeing_evidence_of_the_year_is_refused(roster_con):
    sheet = [POINTS_HEADER, ["3月5日", "张三", "宣传推广", 1, "信息"]]
    preview = preview_of(roster_con, xlsx_bytes({"2021年3月": sheet}), "2022年加减分.xlsx")
    assert "不一致" in refused(preview)


# 7. Partial dates and numbers ---------------------------------------------------------------------

TASK_HEADER = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


def test_a_month_only_deadline_is_the_months_last_day(roster_con):
    sheet = [TASK_HEADER, ["T1", "任务", "组织保障专项台账", "组织科", "2022年6月", 50, "全程督查", "2022-03-04"]]
    load(roster_con, xlsx_bytes({"台账": sheet}), "台账.xlsx", today=date(2022, 3, 10))
    assert roster_con.execute("select due_date from task_snapshot").fetchall() == [(date(2022, 6, 30),)]


def test_a_month_only_event_date_is_an_error_asking_for_the_day(roster_con):
    sheet = [POINTS_HEADER, ["2022年3月", "张三", "宣传推广", 1, "信息"]]
    assert "缺少日" in refused(preview_of(roster_con, xlsx_bytes({"3月": sheet})))


def test_a_decimal_comma_is_one_and_a_half_never_fifteen(roster_con):
    sheet = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", "1,5", "信息"]]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert preview.ok and preview.points_total == 1.5


# 8. Events are identified by what they are --------------------------------------------------------


def test_a_row_sent_again_with_more_detail_is_the_same_event(roster_con):
    load(roster_con, xlsx_bytes({"3月": [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 1, "信息"]]}), "一.xlsx")
    fuller = [
        [*POINTS_HEADER, "依据", "登记人"],
        ["2022-03-05", "张三", "宣传推广", 1, "信息", "简报第3期", "王五"],
        ["2022-03-09", "李四", "宣传推广", 1, "另一条", "", ""],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": fuller}), "二.xlsx")
    assert batch is not None and preview.rows_skipped == 1 and preview.rows_imported == 1
    assert len(events(roster_con)) == 2
    assert {"sheet": "3月", "row": 2, "why": "与批次 #2 中的记录相同，未重复计入"} in preview.skipped


def test_participation_sent_again_with_the_title_filled_is_the_same_event(roster_con):
    header = ["日期", "姓名", "活动类型"]
    load(roster_con, xlsx_bytes({"学习": [header, ["2022-03-07", "张三", "荐学"]]}), "一.xlsx")
    preview, _ = import_bytes(
        roster_con, xlsx_bytes({"学习": [[*header, "活动名称"], ["2022-03-07", "张三", "荐学", "每周一文"]]}), "二.xlsx"
    )
    assert preview.rows_skipped == 1
    assert roster_con.execute("select count(*) from participation").fetchone()[0] == 1


# 9. Undo with overlapping files -------------------------------------------------------------------


def test_undoing_the_earlier_of_two_overlapping_files_keeps_the_rows_the_later_one_holds(roster_con):
    march = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 1, "信息"]]
    first = load(roster_con, xlsx_bytes({"3月": march}), "三月.xlsx")
    cumulative = [*march, ["2022-04-02", "李四", "宣传推广", 1, "四月"]]
    second = load(roster_con, xlsx_bytes({"累计": cumulative}), "累计.xlsx")
    undo(roster_con, first)
    assert len(events(roster_con)) == 2
    owner = roster_con.execute("select batch_id, sheet, row_no from score_event order by event_date").fetchall()
    assert owner[0] == (second, "累计", 2)
    undo(roster_con, second)
    assert events(roster_con) == []


# 10. Fill-down where a sheet groups rows ----------------------------------------------------------


def test_an_arena_sheet_writing_the_session_once_per_contestant_is_one_session(roster_con):
    sheet = [
        ["日期", "擂台", "主题", "选手", "评委", "得分"],
        ["2022-04-15", "科长擂台", "一季度晒比", "张三", "李四", 90],
        ["", "", "", "", "王五", 88],
        ["", "", "", "", "赵六", 86],
        ["", "", "", "李四", "张三", 80],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"擂台": sheet}), "擂台.xlsx")
    assert batch is not None, refused(preview)
    sessions = roster_con.execute("select count(distinct (event_date, arena, topic)), count(*) from arena_mark")
    assert sessions.fetchone() == (1, 4)
    assert any("沿用上一行" in c["rule"] for c in preview.columns)


FULL_TASK_HEADER = ["任务编号", "任务名称", "台账类别", "责任科室", "责任人", "开始日期", "计划完成日期", "进度(%)"]
FULL_TASK_HEADER += ["当前环节", "更新日期"]
T1 = ["T1", "任务一", "基础夯实工程", "组织科", "张三", "2022-01-01", "2022-03-31", 50, "全程督查", "2022-03-04"]


def stored_tasks(con):
    return con.execute("select task_code, task_name, owner_name, due_date from task_snapshot order by all").fetchall()


@pytest.mark.parametrize(
    ("ledger", "first"),
    [
        (None, True),
        ("基础夯实工程", True),
        ("基础夯实工程", False),
        ("组织保障专项台账", True),
        ("组织保障专项台账", False),
    ],
    ids=[
        "ledger taken from above",
        "same ledger below",
        "same ledger above",
        "another ledger below",
        "another ledger above",
    ],
)
def test_a_row_starting_another_task_takes_nothing_of_the_task_above(roster_con, ledger, first):
    other = ["T2", "任务二", ledger, "干部一科", None, None, None, 40, "全程督查", "2022-03-04"]
    rows = [T1, other] if first else [other, T1]
    message = refused(preview_of(roster_con, xlsx_bytes({"台账": [FULL_TASK_HEADER, *rows]})))
    # Its required 计划完成日期 is refused as blank, never the due date of the task above (nor below).
    assert message == f"「台账」第 {3 if first else 2} 行「计划完成日期」列：不能为空：请填写计划完成日期"
    # With its own due date it imports, and 责任人 stays blank rather than the other task's.
    other[6] = "2022-12-31"
    load(roster_con, xlsx_bytes({"台账": [FULL_TASK_HEADER, *rows]}), "台账.xlsx")
    assert stored_tasks(roster_con) == [
        ("T1", "任务一", "张三", date(2022, 3, 31)),
        ("T2", "任务二", None, date(2022, 12, 31)),
    ]


def test_a_task_row_of_another_ledger_without_its_code_is_not_the_task_above(roster_con):
    other = [None, None, "组织保障专项台账", "组织科", None, None, None, 40, "全程督查", "2022-03-18"]
    message = refused(preview_of(roster_con, xlsx_bytes({"台账": [FULL_TASK_HEADER, T1, other]})))
    assert "第 3 行「任务编号」" in message


def test_a_task_row_with_its_own_code_and_no_name_is_not_named_after_the_task_above(roster_con):
    other = ["T2", None, "基础夯实工程", "组织科", None, None, "2022-12-31", 40, "全程督查", "2022-03-04"]
    message = refused(preview_of(roster_con, xlsx_bytes({"台账": [FULL_TASK_HEADER, T1, other]})))
    assert "第 3 行「任务名称」" in message


def test_a_tasks_later_reports_written_under_its_first_row_take_its_details(roster_con):
    later = [None, None, None, None, None, None, None, 70, "全程督查", "2022-03-18"]
    same_code = ["T1", None, None, None, None, None, None, 90, "全程督查", "2022-03-25"]
    load(roster_con, xlsx_bytes({"台账": [FULL_TASK_HEADER, T1, later, same_code]}), "台账.xlsx")
    assert set(stored_tasks(roster_con)) == {("T1", "任务一", "张三", date(2022, 3, 31))}
    assert roster_con.execute("select count(*) from task_snapshot").fetchone()[0] == 3


def test_a_participation_title_is_not_taken_into_another_date_or_activity(roster_con):
    header = ["日期", "姓名", "活动类型", "活动名称"]
    sheet = [
        header,
        ["2022-03-15", "张三", "组工讲堂", "第一期"],
        [None, "李四", None, None],  # the same session: takes 2022-03-15, 组工讲堂 and 第一期
        ["2022-03-20", "王五", "每日鉴学", None],  # another date and activity: no title
        [None, "赵六", "组工讲堂", None],  # another activity on 2022-03-20: no title
        ["2022-03-25", "孙七", None, None],  # another date of 组工讲堂: no title
    ]
    load(roster_con, xlsx_bytes({"参与": sheet}), "参与.xlsx")
    stored = roster_con.execute(
        "select p.name, e.event_date, e.activity, e.title from participation e join person p using (person_id) order by 2, 1"
    ).fetchall()
    assert stored == [
        ("张三", date(2022, 3, 15), "组工讲堂", "第一期"),
        ("李四", date(2022, 3, 15), "组工讲堂", "第一期"),
        ("王五", date(2022, 3, 20), "每日鉴学", None),
        ("赵六", date(2022, 3, 20), "组工讲堂", None),
        ("孙七", date(2022, 3, 25), "组工讲堂", None),
    ]
    # A later file naming the 每日鉴学 push is the same event, not a second one.
    titled = [header, ["2022-03-20", "王五", "每日鉴学", "经验一则"]]
    assert preview_of(roster_con, xlsx_bytes({"参与": titled}), "参与二.xlsx").rows_skipped == 1


def test_an_arena_topic_is_not_taken_into_another_session(roster_con):
    sheet = [
        ["日期", "擂台", "主题", "选手", "评委", "得分"],
        [date(2022, 3, 5), "业务擂台", "一季度晒比", "张三", "李四", 90],
        [None, None, None, "李四", "张三", 80],  # another contestant of the same session: its topic
        ["2022/3/5", "业务擂台 ", None, None, "赵六", 85],  # the same session written again: its topic, 李四
        ["2022-04-09", "学习擂台", None, "王五", "张三", 70],  # another session: no topic
        [None, None, None, None, "李四", 60],
    ]
    load(roster_con, xlsx_bytes({"擂台": sheet}), "擂台.xlsx")
    stored = roster_con.execute("select event_date, arena, topic, count(*) from arena_mark group by all order by 1")
    assert stored.fetchall() == [
        (date(2022, 3, 5), "业务擂台", "一季度晒比", 3),
        (date(2022, 4, 9), "学习擂台", None, 2),
    ]
    # A new session's first row without its contestant is refused, not given the contestant above.
    sheet[4][3] = None
    assert "第 5 行「选手」" in refused(preview_of(roster_con, xlsx_bytes({"擂台": sheet})))


def test_the_preview_names_the_rows_that_took_a_value_and_the_value(roster_con):
    sheet = [
        ["日期", "擂台", "选手", "评委", "得分"],
        ["2022-04-15", "科长擂台", "张三", "李四", 90],
        ["", "", "", "王五", 88],
        ["", "", "", "赵六", 86],
        ["", "", "李四", "张三", 80],
    ]
    preview = preview_of(roster_con, xlsx_bytes({"擂台": sheet}))
    notes = [n for s in preview.sheets for n in s.notes if "沿用" in n]
    assert any("擂台" in n and "第 3–5 行" in n and "第 2 行" in n and "科长擂台" in n for n in notes), notes
    assert any("选手" in n and "第 3–4 行" in n and "张三" in n for n in notes), notes


def test_every_fill_down_group_is_named_by_columns_of_its_kind():
    for kind in KINDS.values():
        keys = {c.key for c in kind.columns}
        for column, group in kind.fill_down_within:
            assert column in kind.fill_down and group and set(group) <= keys, (kind.key, column)


# 11. Crash: every multi-sheet combination ends in a result or a Chinese refusal -------------------

SHEETS = {
    "人员名单": ROSTER,
    "加减分": [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 1, "信息"]],
    "参与": [["日期", "姓名", "活动类型"], ["2022-03-07", "李四", "荐学"]],
    "台账": [TASK_HEADER, ["T1", "任务", "组织保障专项台账", "组织科", "2022-06-30", 20, "全程督查", "2022-03-04"]],
    "擂台": [["日期", "擂台", "选手", "评委", "得分"], ["2022-04-15", "科长擂台", "张三", "李四", 90]],
}


@pytest.mark.parametrize(
    "names", [c for n in range(2, len(SHEETS) + 1) for c in itertools.combinations(SHEETS, n)], ids=str
)
def test_every_multi_sheet_combination_imports(roster_con, names):
    content = xlsx_bytes({name: SHEETS[name] for name in names})
    preview, batch = import_bytes(roster_con, content, "多表.xlsx", Options(today=date(2022, 5, 1)))
    facts = [n for n in names if n != "人员名单"]
    assert batch is not None, refused(preview)
    assert len(preview.sheets) == len(facts) + ("人员名单" in names)


RULES = [["事项编号", "考核内容", "事项名称", "分值"], ["XC01", "宣传推广", "信息被采用", 1]]


def test_rules_beside_a_roster_are_refused_in_chinese(roster_con):
    content = xlsx_bytes({"规则": RULES, "人员名单": SHEETS["人员名单"]})
    preview, batch = import_bytes(roster_con, content, "规则与数据.xlsx", Options(today=date(2022, 5, 1)))
    assert batch is None and "单独上传" in refused(preview)


@pytest.mark.parametrize("names", [("加减分",), ("台账", "擂台")], ids=str)
def test_rules_beside_sheets_of_facts_are_a_helper_not_a_new_rule_book(roster_con, names):
    """The rule sheet is where the facts look their 分值 up: passed over and said so, the rule book unchanged."""
    content = xlsx_bytes({"规则": RULES, **{name: SHEETS[name] for name in names}})
    preview, batch = import_bytes(roster_con, content, "规则与数据.xlsx", Options(today=date(2022, 5, 1)))
    assert batch is not None, refused(preview)
    assert "单独上传" in dict(preview.ignored)["规则"] and "rules" not in preview.kinds


def test_an_unclear_comma_in_points_is_refused_and_thousands_are_read_as_such(roster_con):
    sheet = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", "1,5,3", "信息"]]
    assert "逗号" in refused(preview_of(roster_con, xlsx_bytes({"3月": sheet})))
    big = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", "1,500", "信息"]]
    assert "超出单条上限" in refused(preview_of(roster_con, xlsx_bytes({"3月": big})))


# Forgiveness ------------------------------------------------------------------------------------


def test_notes_hints_and_a_serial_column_are_skipped_and_reported(roster_con):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "3月"
    ws.append(["编号", *POINTS_HEADER])
    ws.append(["", "", "", "", "（单位：分）", ""])
    ws.append([1, "2022-03-05", "张三", "宣传推广", 1, "信息"])
    ws.append([2, "2022-03-06", "李四", "工作质量", 2, "批示"])
    ws.append(["备注：以上为三月加减分"] * 6)
    ws.merge_cells("A5:F5")
    ws.append(["", "", "", "", "", "以上数据截至3月31日"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview, batch = import_bytes(roster_con, buffer.getvalue(), "宽容.xlsx")
    assert batch is not None, refused(preview)
    assert preview.rows_imported == 2
    whys = {s["row"]: s["why"] for s in preview.skipped}
    assert whys[2] == "表头下的提示行" and whys[5] == "说明/备注行" and whys[6] == "说明/备注行"
    assert {"sheet": "3月", "header": "编号", "field": None, "rule": "序号列，导入时忽略"} in preview.columns


def test_a_departure_dated_before_stored_records_says_so(roster_con):
    load(roster_con, xlsx_bytes({"4月": [POINTS_HEADER, ["2022-04-10", "张三", "宣传推广", 2, "四月"]]}), "四月.xlsx")
    leave = [["姓名", "科室", "工号", "状态", "调整日期"], ["张三", "组织科", "A01", "调离", "2022-03-31"]]
    preview = preview_of(roster_con, xlsx_bytes({"名单": leave}))
    assert preview.ok
    assert any("离岗日期为 2022-03-31" in w.message for w in preview.warnings)
    assert [c["action"] for c in preview.roster_changes] == ["离岗"]


def test_the_error_workbook_is_built_once_per_preview_and_only_when_asked(roster_con, monkeypatch):
    from analytics.sheets import errorbook

    calls = []
    real = errorbook.build_error_workbook
    monkeypatch.setattr(errorbook, "build_error_workbook", lambda p: calls.append(1) or real(p))
    sheet = [POINTS_HEADER, ["2022-03-05", "无此人", "宣传推广", 1, "信息"]]
    preview = preview_of(roster_con, xlsx_bytes({"3月": sheet}))
    assert calls == []
    first = preview.error_workbook()
    assert preview.error_workbook() is first and calls == [1]
    assert first[:2] == b"PK"


def test_progress_is_compared_with_the_unrounded_expected_progress(roster_con):
    from analytics.results.tasks import task_lights

    # 147 of 299 days gone: expected 49.16…% (shown 49.2); 39.18 is within the 10-point margin of 49.16… — 正常.
    header = [*TASK_HEADER, "开始日期"]
    row = ["T1", "任务", "组织保障专项台账", "组织科", "2022-10-27", 39.18, "全程督查", "2022-05-27", "2022-01-01"]
    load(roster_con, xlsx_bytes({"台账": [header, row]}), "台账.xlsx", today=date(2022, 6, 1))
    lights = task_lights(roster_con.cursor(), date(2022, 5, 28))
    assert lights["expected"].tolist() == [49.2]
    assert lights["light"].tolist() == ["正常"]


def test_a_csv_row_with_more_values_than_the_header_is_refused_naming_the_row(roster_con):
    # An unquoted comma inside 事由 splits it in two: the second half has no column and would vanish.
    text = (
        "日期,姓名,考核内容,分值,事由\n"
        "2022-03-05,张三,宣传推广,1,按时报送材料,质量较好获领导批示\n"
        '2022-03-06,李四,工作质量,2,"批示,表扬"\n'
        "2022-03-07,王五,工作质量,1,信息,,\n"  # empty cells after the last column are nothing
    )
    preview, batch = import_bytes(roster_con, text.encode(), "加减分.csv")
    assert batch is None
    assert [(p.row, p.level) for p in preview.errors] == [(2, "error")]
    message = preview.errors[0].message
    assert "6 个值" in message and "表头只有 5 列" in message and "质量较好获领导批示" in message
    assert "英文双引号" in message and "“，”" in message and "“、”" in message
    assert roster_con.execute("select count(*) from score_event").fetchone() == (0,)


def test_a_csv_row_with_more_values_imports_once_the_clerk_corrects_it_in_the_browser(roster_con):
    text = "日期,姓名,考核内容,分值,事由\n2022-03-05,张三,宣传推广,1,按时报送材料,质量较好获领导批示\n"
    fixed = {("加减分", 2, "reason"): "按时报送材料，质量较好获领导批示"}
    preview, batch = import_bytes(roster_con, text.encode(), "加减分.csv", Options(corrections=fixed))
    assert batch is not None, refused(preview)
    assert roster_con.execute("select reason from score_event").fetchall() == [("按时报送材料，质量较好获领导批示",)]
    # What was left of the row is still said: not imported, in a column without a header.
    assert any(c["field"] is None and "F" in c["header"] for c in preview.columns)


def test_values_in_a_workbook_column_without_a_header_are_listed_and_warned_about(roster_con):
    sheet = [
        POINTS_HEADER,
        ["2022-03-05", "张三", "宣传推广", 1, "按时报送", "", "另加：材料被市委采用"],
        ["2022-03-06", "李四", "工作质量", 2, "批示"],
        ["2022-03-07", "王五", "工作质量", 1, "信息", "", "见附件"],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": sheet}), "三月.xlsx")
    assert batch is not None, refused(preview)  # the sheet's own columns import; the stray cells are not lost quietly
    listed = [c for c in preview.columns if c["field"] is None]
    assert listed == [{"sheet": "3月", "header": "G 列（无表头）", "field": None, "rule": "未导入：第 2、4 行有内容"}]
    said = [w.text() for w in preview.warnings]
    assert (
        len(said) == 1 and "G 列没有表头" in said[0] and "第 2、4 行" in said[0] and "另加：材料被市委采用" in said[0]
    )


def test_a_cell_merged_over_a_column_without_a_header_is_no_stray_value(roster_con):
    # 事由 merged across E:F to give it room: F holds no value of its own (G, typed beside the table, does).
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "3月"
    ws.append(POINTS_HEADER)
    ws.append(["2022-03-05", "张三", "宣传推广", 1, "信息被采用"])
    ws.merge_cells("E2:F2")
    ws.append(["2022-03-06", "李四", "工作质量", 2, "批示", "", "见附件"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview, batch = import_bytes(roster_con, buffer.getvalue(), "合并.xlsx")
    assert batch is not None, refused(preview)
    assert [c["header"] for c in preview.columns if c["field"] is None] == ["G 列（无表头）"]
    assert len(preview.warnings) == 1 and "G 列没有表头，第 3 行" in preview.warnings[0].message


def test_a_remark_about_the_person_is_said_once_with_the_number_of_rows(con):
    # 工号 matched without its zeros, or a 科室 other than the roster's: one warning on the person's first row, not
    # one on each of the person's rows.
    load(con, PADDED, "名单.xlsx")
    rows = [["日期", "姓名", "科室", "工号", "考核内容", "分值", "事由"]]
    rows += [["2022-03-05", "李四", "组织科", 2, "宣传推广", 1, f"信息{n}"] for n in range(3)]
    rows += [["2022-03-06", "张三", "组织部门", "", "宣传推广", 1, f"稿件{n}"] for n in range(2)]
    preview = preview_of(con, xlsx_bytes({"3月": rows}))
    assert preview.ok, refused(preview)
    said = [(w.row, w.message) for w in preview.warnings if "匹配" in w.message or "科室与表中" in w.message]
    assert said == [
        (2, "工号 2 按 002 匹配（Excel 可能去掉了前导 0）（本表此人共 3 行，均按此处理）"),
        (
            5,
            "名单中张三（组织科，工号 001）的科室与表中“组织部门”不同，按人员名单的科室统计（本表此人共 2 行，均按此处理）",
        ),
    ]


# The roster's 状态 read as whole words: a planned, pending or denied departure, or a rehired retiree, is no departure.
@pytest.mark.parametrize("status", ["拟调离", "未离岗", "待退休", "尚未离职", "调离中", "离岗?", "借调"])
def test_a_status_that_is_not_clearly_on_duty_or_gone_is_refused_naming_the_value(roster_con, status):
    sheet = [["姓名", "科室", "状态"], ["张三", "组织科", "在岗"], ["李四", "组织科", status]]
    preview = preview_of(roster_con, xlsx_bytes({"名单": sheet}), today=date(2022, 7, 5))
    text = refused(preview)
    assert "第 3 行" in text and status in text and "在岗" in text and "离岗" in text, text
    assert not [c for c in preview.roster_changes if c["action"] == "离岗"]


@pytest.mark.parametrize("status", ["离岗", "已退休", "调离", "离职", "辞职", "去世", " 退 休 "])
def test_a_status_that_says_the_person_is_gone_marks_the_departure(roster_con, status):
    sheet = [["姓名", "科室", "状态"], ["张三", "组织科", "在职"], ["李四", "组织科", status]]
    preview = preview_of(roster_con, xlsx_bytes({"名单": sheet}), today=date(2022, 7, 5))
    assert preview.ok, refused(preview)
    assert [(c["name"], c["action"]) for c in preview.roster_changes] == [("李四", "离岗")]


@pytest.mark.parametrize("status", ["退休返聘", "返聘", "在职", "正常"])
def test_a_rehired_retiree_or_another_word_for_on_duty_is_no_departure(roster_con, status):
    sheet = [["姓名", "科室", "状态", "职务"], ["张三", "组织科", "在岗", "科长"], ["李四", "组织科", status, "主任"]]
    preview = preview_of(roster_con, xlsx_bytes({"名单": sheet}), today=date(2022, 7, 5))
    assert preview.ok, refused(preview)
    assert [(c["name"], c["action"]) for c in preview.roster_changes] == [("李四", "更新信息")]


# A 离岗日期 column is the departure: never read as the date of a move, never left unused beside 调入日期.
def left_on(con, name):
    return con.execute("select left_on from person where name = ?", [name]).fetchone()[0]


def test_a_leaving_date_beside_a_date_of_joining_is_the_day_the_person_left(roster_con):
    sheet = [
        ["姓名", "科室", "状态", "调入日期", "离岗日期"],
        ["张三", "组织科", "在岗", "2019-03-01", ""],
        ["孙七", "干部二科", "退休", "2016-05-01", "2022-06-30"],
    ]
    preview = preview_of(roster_con, xlsx_bytes({"名单": sheet}), today=date(2022, 7, 5))
    assert preview.ok, refused(preview)
    assert {c["header"]: c["field"] for c in preview.columns}["离岗日期"] == "离岗日期"
    assert [(c["name"], c["action"], c["on"]) for c in preview.roster_changes] == [("孙七", "离岗", date(2022, 6, 30))]


@pytest.mark.parametrize("header", ["离岗日期", "离职日期", "退休日期", "调离日期"])
def test_a_leavers_sheet_without_a_status_marks_its_people_left_on_their_dates(roster_con, header):
    leavers = [["姓名", "科室", header], ["孙七", "干部二科", "2022-06-30"]]
    load(roster_con, xlsx_bytes({"离岗人员": leavers}), "6月离岗人员.xlsx", today=date(2022, 7, 5))
    assert left_on(roster_con, "孙七") == date(2022, 6, 30)


def test_a_leavers_sheet_beside_the_staff_sheet_marks_the_leavers(roster_con):
    staying = [["姓名", "科室"], ["张三", "组织科"], ["李四", "组织科"], ["王五", "干部一科"], ["赵六", "干部一科"]]
    leavers = [["姓名", "科室", "离岗日期"], ["孙七", "干部二科", "2022-06-30"]]
    load(roster_con, xlsx_bytes({"在岗人员": staying, "离岗人员": leavers}), "7月名单.xlsx", today=date(2022, 7, 5))
    assert left_on(roster_con, "孙七") == date(2022, 6, 30) and left_on(roster_con, "张三") is None


def test_on_duty_beside_a_filled_leaving_date_is_asked_about(roster_con):
    sheet = [["姓名", "科室", "状态", "离岗日期"], ["孙七", "干部二科", "在岗", "2022-06-30"]]
    text = refused(preview_of(roster_con, xlsx_bytes({"名单": sheet}), today=date(2022, 7, 5)))
    assert "第 2 行" in text and "在岗" in text and "2022-06-30" in text, text


# A roster keeping a person's old row beside the new one dated by 调整日期: one person who moved, in either order.
@pytest.mark.parametrize("old_first", [True, False])
def test_an_old_row_beside_a_dated_new_row_is_one_person_who_moved(roster_con, old_first):
    old, new = ["李四", "组织科", ""], ["李四", "干部一科", "2022-04-01"]
    rows = [old, new] if old_first else [new, old]
    sheet = [["姓名", "科室", "调整日期"], ["张三", "组织科", ""], *rows, ["王五", "干部一科", ""]]
    load(roster_con, xlsx_bytes({"名单": sheet}), "名单4月.xlsx", today=date(2022, 4, 5))
    memberships = roster_con.execute(
        """select s.name, m.valid_from from person p join membership m using (person_id)
           join section s using (section_id) where p.name = '李四' order by m.valid_from"""
    ).fetchall()
    assert roster_con.execute("select count(*) from person where name = '李四'").fetchone()[0] == 1
    assert [(s, d) for s, d in memberships][-1] == ("干部一科", date(2022, 4, 1))


# A roster whose 工号 were renumbered: each row's name is already in its section under another 工号. Asked, never
# a second copy of everyone.
RENUMBERED = [["姓名", "科室", "工号"], ["张三", "组织科", "ZZ-001"], ["李四", "组织科", "ZZ-002"]]


def test_a_new_staff_number_for_a_name_in_the_same_section_is_asked_naming_both_numbers(roster_con):
    preview = preview_of(roster_con, xlsx_bytes({"名单": RENUMBERED}))
    text = refused(preview)
    assert "第 2 行" in text and "A01" in text and "ZZ-001" in text and "新增同名人员" in text, text
    assert [(q["row"], q["name"]) for q in preview.questions] == [(2, "张三"), (3, "李四")]
    assert any("工号" in c["label"] for c in preview.questions[0]["choices"])


def test_the_clerk_says_the_staff_number_changed_or_that_it_is_a_second_person(roster_con):
    load(roster_con, xlsx_bytes({"名单": RENUMBERED}), "新工号.xlsx", decisions={("名单", 2): "move"}, same_name="new")
    staff = roster_con.execute("select name, staff_no from person where name in ('张三', '李四') order by all")
    assert staff.fetchall() == [("张三", "ZZ-001"), ("李四", "A02"), ("李四", "ZZ-002")]


def test_a_second_person_of_the_same_name_beside_the_first_is_not_asked(roster_con):
    sheet = [["姓名", "科室", "工号"], ["张三", "组织科", "ZZ-001"], ["张三", "组织科", "A01"]]
    preview = preview_of(roster_con, xlsx_bytes({"名单": sheet}))
    assert preview.ok, refused(preview)
    assert [c["action"] for c in preview.roster_changes] == ["新增"]


# A sign-in list of everyone: the attendance column says who took part ------------------------------------------------

SIGN_IN = ["日期", "姓名", "活动类型", "活动名称"]


@pytest.mark.parametrize(
    "header, came, absent",
    [
        ("是否参加", ["是", "已参加"], ["否", "否（请假）", "未参加"]),
        ("出勤情况", ["出席", "迟到"], ["请假", "缺席", "病假"]),
        ("签到", ["√", "✔"], ["×", "未到", "没有参加"]),
    ],
)
def test_rows_marked_absent_in_an_attendance_column_are_not_imported_and_are_listed(roster_con, header, came, absent):
    people_in_order = ["张三", "李四", "王五", "赵六", "孙七"]
    marks = [*came, *absent]
    sheet = [[*SIGN_IN, header]] + [
        ["2022-03-07", name, "荐学", "每周一文：党史第3讲", mark] for name, mark in zip(people_in_order, marks)
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"荐学": sheet}), "3月荐学.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    stored = roster_con.execute("select p.name from participation join person p using (person_id) order by 1")
    assert sorted(n for (n,) in stored.fetchall()) == sorted(people_in_order[: len(came)])
    assert [s["row"] for s in preview.skipped if "未参加" in s["why"]] == [4, 5, 6]
    assert any(f"未参加 {len(absent)} 行" in line for line in preview.summary_lines())
    column = next(c for c in preview.columns if c["header"] == header)
    assert column["field"] == "是否参加"


@pytest.mark.parametrize("mark", ["待定", "是（请假）", 2])
def test_an_attendance_mark_that_is_not_yes_or_no_is_refused_naming_it(roster_con, mark):
    sheet = [
        [*SIGN_IN, "是否参加"],
        ["2022-03-07", "张三", "荐学", "党史", "是"],
        ["2022-03-07", "李四", "荐学", "党史", mark],
    ]
    message = refused(preview_of(roster_con, xlsx_bytes({"荐学": sheet})))
    assert "第 3 行" in message and "是否参加" in message and str(mark) in message


def test_a_blank_attendance_mark_beside_filled_ones_is_asked_about(roster_con):
    sheet = [
        [*SIGN_IN, "签到"],
        ["2022-03-07", "张三", "荐学", "党史", "√"],
        ["2022-03-07", "李四", "荐学", "党史", None],
    ]
    message = refused(preview_of(roster_con, xlsx_bytes({"荐学": sheet})))
    assert "第 3 行" in message and "签到" in message


def test_an_unknown_column_of_yes_and_no_words_in_a_participation_sheet_is_refused_naming_it(roster_con):
    sheet = [
        [*SIGN_IN, "备注"],
        ["2022-03-07", "张三", "荐学", "党史", "是"],
        ["2022-03-07", "李四", "荐学", "党史", "请假"],
    ]
    message = refused(preview_of(roster_con, xlsx_bytes({"荐学": sheet})))
    assert "“备注”" in message
    assert "是否参加" in message
    # The clerk's answer in the column matching: 忽略 imports every row, 是否参加 reads the column.
    ignored = preview_of(roster_con, xlsx_bytes({"荐学": sheet}), columns={"备注": Choice(None)})
    assert ignored.ok and len(ignored.sheets[0].rows) == 2
    read = preview_of(roster_con, xlsx_bytes({"荐学": sheet}), columns={"备注": Choice("是否参加")})
    assert read.ok and len(read.sheets[0].rows) == 1


def test_a_yes_no_column_about_something_else_is_refused_too_and_numbers_are_not_words(roster_con):
    numbers = [[*SIGN_IN, "人数"], ["2022-03-07", "张三", "荐学", "党史", 1], ["2022-03-07", "李四", "荐学", "党史", 1]]
    assert preview_of(roster_con, xlsx_bytes({"荐学": numbers})).ok


# Hidden rows ------------------------------------------------------------------------------------------------------


HIDDEN_SHEET = [
    POINTS_HEADER,
    ["2022-03-05", "张三", "宣传推广", 2, "信息被采用"],
    ["2022-03-06", "李四", "纪律作风", -1, "迟到（作废）"],
    ["2022-03-07", "王五", "宣传推广", 1, "信息被采用"],
    ["2022-03-08", "赵六", "宣传推广", 1, "信息被采用"],
]


def _with_hidden_rows(hidden: list[int], filtered: bool = False, sheet: str = "加减分", kind: str = "xlsx") -> bytes:
    """The sheet above with the Excel rows ``hidden`` hidden (rows 6 and 7 are blank), as an .xlsx or a legacy .xls
    (BIFF8, written by xlwt: a ROW record whose flags say the row is hidden, as Excel and WPS write it, for a row
    hidden by hand and one an AutoFilter left out alike)."""
    if kind == "xls":
        xls = xlwt.Workbook(encoding="utf-8")
        page = xls.add_sheet(sheet)
        for r, values in enumerate(HIDDEN_SHEET):
            for c, value in enumerate(values):
                page.write(r, c, value)
        for row in hidden:
            page.row(row - 1).hidden = True
        buffer = io.BytesIO()
        xls.save(buffer)
        return buffer.getvalue()
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for values in HIDDEN_SHEET:
        ws.append(values)
    ws.append([])
    ws.append([])
    for row in hidden:
        ws.row_dimensions[row].hidden = True
    if filtered:
        ws.auto_filter.ref = "A1:E5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_hidden_rows_are_asked_about_never_counted_in_silence(roster_con, kind):
    content = _with_hidden_rows([3, 4], filtered=True, kind=kind)
    name = f"加减分.{kind}"
    preview = preview_of(roster_con, content, name)
    message = refused(preview)
    assert "隐藏" in message and "第 3–4 行" in message
    asked = [q for q in preview.questions if q["sheet"] == "加减分"]
    assert len(asked) == 1 and "第 3–4 行" in asked[0]["text"]
    place = ("加减分", asked[0]["row"])
    # Left out: the visible rows only, and the preview says which rows were passed over.
    kept = preview_of(roster_con, content, name, decisions={place: "exclude"})
    assert kept.ok and kept.rows_imported == 2 and kept.points_total == 3
    assert {s["row"] for s in kept.skipped if "隐藏" in s["why"]} == {3, 4}
    # Imported: every row, and said so.
    taken = preview_of(roster_con, content, name, decisions={place: "include"})
    assert taken.ok and taken.rows_imported == 4 and taken.points_total == 3
    assert any("隐藏" in note for s in taken.sheets for note in s.notes)
    load(roster_con, content, name, decisions={place: "exclude"})
    assert [(n, p) for n, _, p, _ in events(roster_con)] == [("张三", 2.0), ("赵六", 1.0)]


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_hidden_blank_rows_and_visible_sheets_ask_nothing(roster_con, kind):
    name = f"加减分.{kind}"
    assert preview_of(roster_con, _with_hidden_rows([6, 7], kind=kind), name).ok
    plain = preview_of(roster_con, _with_hidden_rows([], kind=kind), name)
    assert plain.ok and plain.rows_imported == 4 and plain.points_total == 3
    assert not any("隐藏" in p.text() for p in plain.problems)


def test_a_row_hidden_in_an_xls_is_asked_about_as_the_clerk_sees_it(roster_con):
    # One hidden row with points (the voided −1): named alone, the question the same as an .xlsx's.
    content = _with_hidden_rows([3], kind="xls")
    preview = preview_of(roster_con, content, "加减分.xls")
    assert "第 3 行" in refused(preview)
    [asked] = [q for q in preview.questions if q["sheet"] == "加减分"]
    same = preview_of(roster_con, _with_hidden_rows([3]), "加减分.xlsx")
    [expected] = [q for q in same.questions if q["sheet"] == "加减分"]
    assert asked == expected
    kept = preview_of(roster_con, content, "加减分.xls", decisions={("加减分", asked["row"]): "exclude"})
    assert kept.ok and kept.rows_imported == 3 and kept.points_total == 4


def test_hidden_rows_are_found_in_the_sheet_xml_however_written():
    from analytics.sheets.hidden import hidden_rows

    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="2" hidden="1" ht="0"><c r="A2"><v>2</v></c></row>'
        b"<row r='3' hidden='true'><c r='A3'><is><t>hidden=\"1\"</t></is></c></row>"
        b'<row r="4" hidden="0"/><x:row r="9" hidden="1"/></sheetData></worksheet>'
    )
    assert hidden_rows(xml) == [2, 3, 9]
    # Rows without their number follow the row before them.
    assert hidden_rows(b'<sheetData><row r="4"/><row/><row hidden="1"/></sheetData>') == [6]
    assert hidden_rows(b'<sheetData><row r="1"><c><is><t>hidden</t></is></c></row></sheetData>') == []


# A drop in a task's progress ----------------------------------------------------------------------------------------


def ledger(*rows):
    """A 任务台账 sheet: one (code, progress, updated_on) a row."""
    return xlsx_bytes(
        {
            "台账": [TASK_HEADER]
            + [[code, f"任务{code}", "基础夯实工程", "组织科", "2022-12-31", p, "全程督查", on] for code, p, on in rows]
        }
    )


def test_a_drop_from_the_stored_snapshot_is_asked_about(roster_con):
    load(roster_con, ledger(("ZB-01", 80, "2022-03-04"), ("ZB-02", 50, "2022-03-04")), "台账0304.xlsx")
    content = ledger(("ZB-01", 8, "2022-03-11"), ("ZB-02", 60, "2022-03-11"))
    message = refused(preview_of(roster_con, content, today=date(2022, 3, 12)))
    assert "ZB-01" in message and "80%" in message and "8%" in message
    assert "2022-03-04" in message and "2022-03-11" in message and "ZB-02" not in message
    preview = preview_of(roster_con, content, today=date(2022, 3, 12))
    assert [(q["sheet"], q["row"]) for q in preview.questions] == [("台账", 2)]
    confirmed = preview_of(roster_con, content, today=date(2022, 3, 12), decisions={("台账", 2): "confirm"})
    assert confirmed.ok and any("ZB-01" in w.text() for w in confirmed.warnings)
    # A snapshot dated before the stored one is compared with it too (the stored one would then drop), and a rise
    # or an equal value asks nothing.
    message = refused(preview_of(roster_con, ledger(("ZB-01", 90, "2022-03-01")), today=date(2022, 3, 12)))
    assert "ZB-01" in message and "90%" in message and "80%" in message
    assert preview_of(roster_con, ledger(("ZB-01", 80, "2022-03-11")), today=date(2022, 3, 12)).ok


def test_a_drop_within_one_file_is_asked_about(roster_con):
    content = ledger(("ZB-01", 70, "2022-03-11"), ("ZB-01", 75, "2022-03-04"), ("ZB-02", 10, "2022-03-04"))
    message = refused(preview_of(roster_con, content, today=date(2022, 3, 12)))
    assert "ZB-01" in message and "75%" in message and "70%" in message and "第 3 行" in message


def dropping_ledger(hide: int | None = None) -> bytes:
    """Three drops against the ledger of 03-04 (two from the stored snapshots, one within the file), a rise, and
    optionally a hidden row (Excel row number) asked about on its own."""
    content = ledger(
        ("ZB-01", 8, "2022-03-11"),
        ("ZB-02", 40, "2022-03-11"),
        ("ZB-03", 75, "2022-03-04"),
        ("ZB-03", 70, "2022-03-11"),
        ("ZB-04", 30, "2022-03-11"),
    )
    if hide is None:
        return content
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["台账"].row_dimensions[hide].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def drops_con():
    con = open_db(":memory:")
    load(con, ROSTER, "名单.xlsx")
    load(con, ledger(("ZB-01", 80, "2022-03-04"), ("ZB-02", 50, "2022-03-04"), ("ZB-04", 20, "2022-03-04")), "a.xlsx")
    return con


def snapshots(con):
    return con.execute(
        "select task_code, updated_on, progress, superseded_by is null from task_snapshot order by all"
    ).fetchall()


def test_confirming_every_drop_at_once_imports_what_confirming_each_does_and_nothing_else():
    content = dropping_ledger()
    each, at_once = drops_con(), drops_con()
    preview = preview_of(each, content, today=date(2022, 3, 12))
    drops = [(q["sheet"], q["row"]) for q in preview.questions]
    assert drops == [("台账", 2), ("台账", 3), ("台账", 5)]
    assert all(q["topic"] == "progress_drop" for q in preview.questions)
    one_by_one, _ = import_bytes(
        each, content, "b.xlsx", Options(today=date(2022, 3, 12), decisions=dict.fromkeys(drops, "confirm"))
    )
    all_at_once, _ = import_bytes(at_once, content, "b.xlsx", Options(today=date(2022, 3, 12), confirm_drops=True))
    assert one_by_one.ok and all_at_once.ok
    assert [w.text() for w in all_at_once.warnings] == [w.text() for w in one_by_one.warnings]
    assert any("按您的确认照常导入" in w.text() for w in all_at_once.warnings)
    assert all_at_once.questions == one_by_one.questions
    assert snapshots(at_once) == snapshots(each) and len(snapshots(each)) == 8
    each.close()
    at_once.close()


def test_confirming_every_drop_leaves_the_other_questions_of_the_file_asked(roster_con):
    load(roster_con, ledger(("ZB-01", 80, "2022-03-04"), ("ZB-02", 50, "2022-03-04")), "a.xlsx")
    content = dropping_ledger(hide=6)
    preview = preview_of(roster_con, content, today=date(2022, 3, 12), confirm_drops=True)
    assert not preview.ok
    hidden = [q for q in preview.questions if q.get("topic") != "progress_drop"]
    assert [(q["sheet"], q["row"]) for q in hidden] == [("台账", 1)] and "被隐藏" in hidden[0]["text"]
    assert not any("进度一般不会下降" in p.text() for p in preview.errors)
    assert any("被隐藏" in p.text() for p in preview.errors)
    # Decided on its own, the hidden row lets the file through.
    decided = preview_of(
        roster_con, content, today=date(2022, 3, 12), confirm_drops=True, decisions={("台账", 1): "include"}
    )
    assert decided.ok


def year_notes(preview) -> list[str]:
    said = [n for s in preview.sheets for n in s.notes] + [c["rule"] for c in preview.columns]
    return [text for text in said if "未写年份" in text]


def test_the_year_note_is_said_only_when_a_date_lacks_its_year_and_names_the_title_once(roster_con):
    written = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 2, "信息被采用"]]
    assert year_notes(preview_of(roster_con, xlsx_bytes({"3月": written}, title="2022年3月加减分公示"))) == []
    yearless = [POINTS_HEADER, ["3月5日", "张三", "宣传推广", 2, "信息被采用"]]
    notes = year_notes(preview_of(roster_con, xlsx_bytes({"3月": yearless}, title="2022年3月加减分公示")))
    assert notes and all(text.count("2022年3月加减分公示") == 1 for text in notes)
    assert "依据标题“2022年3月加减分公示”" in notes[0]


def test_a_date_without_a_year_and_no_year_near_the_sheet_says_it_took_the_campaign_year(roster_con):
    # Nothing in the sheet's name, title or file name gives a year: the campaign year is taken, and said.
    yearless = [POINTS_HEADER, ["3月5日", "张三", "宣传推广", 2, "信息被采用"]]
    notes = year_notes(preview_of(roster_con, xlsx_bytes({"Sheet1": yearless}), "加减分.xlsx"))
    assert notes and "活动年度 2022 年" in notes[0]
    written = [POINTS_HEADER, ["2022-03-05", "张三", "宣传推广", 2, "信息被采用"]]
    assert year_notes(preview_of(roster_con, xlsx_bytes({"Sheet1": written}), "加减分.xlsx")) == []


def test_an_error_about_points_read_from_plus_and_minus_columns_names_those_columns(roster_con):
    rows = [
        ["日期", "姓名", "考核内容", "加分", "扣分", "事由"],
        ["2022-03-05", "张三", "宣传推广", 50, None, "信息被采用"],
        ["2022-03-06", "李四", "宣传推广", None, 40, "迟到"],
        ["2022-03-07", "王五", "宣传推广", None, None, "信息被采用"],
    ]
    errors = {p.row: p for p in preview_of(roster_con, xlsx_bytes({"3月": rows})).errors}
    assert errors[2].column == "加分" and "50" in errors[2].message
    assert errors[3].column == "扣分"
    assert "「加分」或「扣分」" in errors[4].message
    assert not any(p.column == "分值" or "「分值」" in p.text() for p in errors.values())
