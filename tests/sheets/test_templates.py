"""Templates a clerk downloads, and the error workbook a clerk gets back."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import xlsx_bytes

from analytics.rules.rulebook import current
from analytics.sheets.errorbook import build_error_workbook
from analytics.sheets.ingest import import_bytes, prepare
from analytics.sheets.kinds import KINDS
from analytics.sheets.templates import build_template


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "rules"])
def test_template_has_header_comments_examples_and_imports_as_its_kind(roster_con, kind):
    content = build_template(kind, current(roster_con.cursor()))
    wb = workbook(content)
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[2]]
    assert header[0] == "序号"
    assert header[1:] == [c.label for c in KINDS[kind].template_columns]
    assert all(c.comment is not None for c in sheet[2] if c.value)
    assert [sheet.cell(3, 1).value, sheet.cell(4, 1).value] == ["示例", "示例"]
    assert "填写说明" in wb.sheetnames
    if "_lists" in wb.sheetnames:
        assert wb["_lists"].sheet_state == "hidden"
    preview = prepare(roster_con.cursor(), content, f"{kind}.xlsx")
    assert [s.kind for s in preview.sheets] == [kind]
    assert all(len(s.rows) == 0 for s in preview.sheets if kind != "roster")  # example rows are never imported


@pytest.mark.parametrize("kind", ["roster", "points", "participation"])
def test_the_staff_number_column_is_text_so_excel_keeps_its_leading_zeros(roster_con, kind):
    sheet = workbook(build_template(kind, current(roster_con.cursor()))).worksheets[0]
    header = [c.value for c in sheet[2]]
    letter = openpyxl.utils.get_column_letter(header.index("工号") + 1)
    assert sheet.column_dimensions[letter].number_format == "@"


def test_dropdowns_come_from_the_rule_book_in_force(roster_con):
    book = current(roster_con.cursor())
    wb = workbook(build_template("points", book))
    sheet = wb.worksheets[0]
    lists = wb["_lists"]
    by_header = {
        lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)]
        for c in range(1, lists.max_column + 1)
    }
    assert [v for v in by_header["考核内容"] if v] == [c.name for c in book.contents]
    assert [v for v in by_header["事项编号"] if v] == [i.code for i in book.items]
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert any("_lists" in f for f in formulas) and '"是,否"' in formulas


def test_rules_template_lists_the_items_in_force_and_imports_back(roster_con):
    book = current(roster_con.cursor())
    content = build_template("rules", book)
    preview = prepare(roster_con.cursor(), content, "事项.xlsx")
    assert preview.ok, [p.text() for p in preview.errors]
    assert preview.sheets[0].new_book.items == book.items


def test_filled_template_imports(roster_con):
    wb = workbook(build_template("points", current(roster_con.cursor())))
    sheet = wb.worksheets[0]
    sheet.append([1, "2022-03-05", "张三", "", "", "宣传推广", "XC01", 1, "信息被采用", "", "", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    preview, batch = import_bytes(roster_con, buffer.getvalue(), "填好的模板.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.rows_imported == 1


def test_error_workbook_marks_bad_cells_and_explains_each_row(roster_con):
    rows = [
        ["2022年3月加减分"],
        ["日期", "姓名", "考核内容", "分值", "事由"],
        ["2022-03-05", "张3", "宣传推广", 1, "信息"],
        ["2022-03-06", "李四", "宣传推广", "abc", "信息"],
        ["2022-03-07", "王五", "工作质量", 1, "批示"],
    ]
    preview = prepare(roster_con.cursor(), xlsx_bytes({"3月": rows}), "三月.xlsx")
    wb = workbook(build_error_workbook(preview))
    sheet = wb["3月"]
    assert sheet.cell(2, 6).value == "错误说明"
    assert "“张3”不在人员名单中" in sheet.cell(3, 6).value
    assert "不是有效的分值" in sheet.cell(4, 6).value
    assert sheet.cell(5, 6).value is None  # a good row has no note
    assert sheet.cell(3, 2).fill.fgColor.rgb.endswith("F8C9C9")  # the bad name cell is red
    assert sheet.cell(4, 4).fill.fgColor.rgb.endswith("F8C9C9")  # the bad points cell is red
    assert sheet.cell(4, 4).comment is not None
    assert sheet.cell(3, 1).value == "2022-03-05"  # cells are as uploaded, rows where they were


def test_error_workbook_of_an_unreadable_file_explains_the_file(roster_con):
    preview = prepare(roster_con.cursor(), b"<html><table></table></html>", "导出.xls")
    wb = workbook(build_error_workbook(preview))
    assert "网页" in wb["文件问题"].cell(2, 1).value


@pytest.mark.parametrize(
    "file_name",
    [
        "加减分[3月].csv",
        "加减分[第2周]:组织科?.csv",
        "加减分*初稿*.csv",
        "'加减分'.csv",
        "文件问题.csv",
        "历" * 40 + ".csv",
    ],
)
def test_error_workbook_of_a_csv_with_any_name_opens(roster_con, file_name):
    # The sheet is named after the file; Excel forbids [ ] : * ? / \ in sheet names and more than 31 characters.
    content = "日期,姓名,考核内容,分值,事由\n2022-03-05,钱八,宣传推广,1,信息\n".encode()
    preview = prepare(roster_con.cursor(), content, file_name)
    assert not preview.ok
    wb = workbook(preview.error_workbook())
    titles = wb.sheetnames
    assert len(titles) == len(set(titles)) and all(0 < len(t) <= 31 for t in titles)
    assert not any(ch in t for t in titles for ch in "[]:*?/\\") and not any(t.startswith("'") for t in titles)
    sheet = next(ws for ws in wb.worksheets if ws.cell(1, 1).value == "日期")
    assert "不在人员名单中" in sheet.cell(2, 6).value


def test_sheet_titles_from_user_text_are_valid_and_distinct():
    from analytics.sheets.cells import sheet_title

    assert sheet_title("加减分[3月]") == "加减分【3月】"
    assert sheet_title("a/b\\c:d*e?f") == "a／b＼c：d＊e？f"
    assert sheet_title("") == sheet_title("'") == "工作表"  # never empty, never quoted
    assert sheet_title("加减分", {"加减分"}) == "加减分(2)"
    assert sheet_title("abc", {"ABC", "abc(2)"}) == "abc(3)"  # Excel compares names ignoring case
    long = "长" * 40
    assert len(sheet_title(long)) == 31
    assert sheet_title(long, {sheet_title(long)}) == "长" * 28 + "(2)"
