"""Reading uploads: xlsx, xls, csv in three encodings, multi-sheet workbooks, and files that are not spreadsheets."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import xlwt
from conftest import ROSTER, csv_bytes, xlsx_bytes
from hypothesis import given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile

from analytics.errors import FileUnreadable
from analytics.sheets.errorcells import holds, unread_cells
from analytics.sheets.ingest import Options, import_bytes, prepare
from analytics.sheets.reader import read_file

POINTS = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "宣传推广", 1, "信息被采用"],
    ["2022-03-06", "李四", "纪律作风", -0.5, "迟到"],
]


def xls_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def encrypted_xlsx(plain: bytes, password: str = "1234") -> bytes:
    source = OOXMLFile(io.BytesIO(plain))
    out = io.BytesIO()
    source.encrypt(password, out)
    return out.getvalue()


def with_cached_formula(content: bytes, cell: str, formula: str, value: float) -> bytes:
    """Put a formula with its stored result into a cell, as Excel saves it (openpyxl cannot store results)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text, count = re.subn(
                    rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)',
                    f'<c r="{cell}"><f>{formula}</f><v>{value}</v></c>',
                    text,
                )
                assert count == 1
                data = text.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding_imports(roster_con, encoding):
    preview, batch = import_bytes(roster_con, csv_bytes(POINTS, encoding), "三月.csv")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.kind == "points"
    assert preview.points_total == 0.5


def test_xls_imports(roster_con):
    preview, batch = import_bytes(roster_con, xls_bytes({"三月": POINTS}), "三月.xls")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.rows_imported == 2


def test_each_sheet_of_a_workbook_is_read_on_its_own(roster_con):
    content = xlsx_bytes(
        {
            "1月": [POINTS[0], ["2022-01-05", "张三", "宣传推广", 1, "一月信息"]],
            "2月": [["序号", *POINTS[0]], [1, "2022-02-05", "李四", "宣传推广", 1, "二月信息"]],
            "3月": [POINTS[0], ["2022-03-05", "王五", "工作质量", 2, "三月批示"]],
        }
    )
    preview, batch = import_bytes(roster_con, content, "一季度.xlsx")
    assert batch is not None
    assert [s.sheet for s in preview.sheets] == ["1月", "2月", "3月"]
    rows = roster_con.execute("select sheet, row_no from score_event order by sheet").fetchall()
    assert rows == [("1月", 2), ("2月", 2), ("3月", 2)]


def test_one_workbook_with_roster_and_points_resolves_new_people(con):
    content = xlsx_bytes(
        {
            "加减分": [POINTS[0], ["2022-03-05", "新人甲", "宣传推广", 1, "信息"]],
            "人员名单": [["姓名", "科室"], ["新人甲", "研究室"]],
        }
    )
    preview, batch = import_bytes(con, content, "合并.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.kinds == ["roster", "points"]
    name = con.execute("select p.name from score_event e join person p using (person_id)").fetchone()[0]
    assert name == "新人甲"


def test_formula_cells_use_the_stored_value(roster_con):
    rows = [POINTS[0], ["2022-03-05", "张三", "宣传推广", 0, "信息"]]
    content = with_cached_formula(xlsx_bytes({"Sheet1": rows}), "D2", "0.5+0.5", 1)
    preview, batch = import_bytes(roster_con, content, "公式.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.points_total == 1.0


def with_cell(content: bytes, cell: str, xml: str) -> bytes:
    """Put a cell written as raw XML (an error value, a formula without its result) in place of `cell`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, count = re.subn(rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)', xml, data.decode("utf-8"))
                assert count == 1
                data = text.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


VETO = [[*POINTS[0], "一票否决"], ["2022-03-05", "张三", "纪律作风", -5, "违反工作纪律", "否"]]
ERRORS = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!", "#GETTING_DATA"]


def error_cell_problem(con, cell: str, error: str):
    """The one problem of the VETO sheet with ``cell`` a looked-up formula that saved ``error``; nothing imported."""
    content = with_cell(
        xlsx_bytes({"Sheet1": VETO}), cell, f'<c r="{cell}" t="e"><f>VLOOKUP(B2,Z:AA,2,0)</f><v>{error}</v></c>'
    )
    preview, batch = import_bytes(con, content, "错误值.xlsx")
    assert batch is None
    [problem] = preview.errors
    return problem


@pytest.mark.parametrize("error", ERRORS)
def test_an_error_value_in_a_required_column_is_named_not_called_blank(roster_con, error):
    problem = error_cell_problem(roster_con, "D2", error)
    assert (problem.row, problem.column, problem.value) == (2, "分值", error)
    assert error in problem.text() and "不能为空" not in problem.text()
    assert ("公式出错" in problem.text()) != (error == "#GETTING_DATA")


@pytest.mark.parametrize("error", ERRORS)
def test_an_error_value_in_an_optional_column_is_not_read_as_blank(roster_con, error):
    # A veto looked up from another sheet that failed (#N/A) is not "no veto".
    problem = error_cell_problem(roster_con, "F2", error)
    assert (problem.row, problem.column, problem.value) == (2, "一票否决", error)
    assert roster_con.execute("select count(*) from score_event").fetchone() == (0,)


def test_a_formula_saved_without_its_result_is_refused_with_the_way_out(roster_con):
    # openpyxl (like many programs) writes formulas without calculating them: the parser sees an empty cell.
    rows = [VETO[0], ["2022-03-05", "张三", "纪律作风", "=-2-3", "违反工作纪律", '=IF(D2<0,"是","否")']]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"Sheet1": rows}), "未计算.xlsx")
    assert batch is None
    assert [(p.row, p.column, p.value) for p in preview.errors] == [
        (2, "分值", "=-2-3"),
        (2, "一票否决", '=IF(D2<0,"是","否")'),
    ]
    assert all("公式没有保存计算结果" in p.text() and "保存一次再上传" in p.text() for p in preview.errors)


def test_an_error_value_in_a_column_not_read_and_an_empty_text_result_are_no_problem(roster_con):
    rows = [[*VETO[0], "核对"], [*VETO[1], "x"]]
    content = with_cell(xlsx_bytes({"Sheet1": rows}), "G2", '<c r="G2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    content = with_cell(content, "F2", '<c r="F2" t="str"><f>IF(D2&gt;0,"是","")</f><v></v></c>')
    preview, batch = import_bytes(roster_con, content, "可导入.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert roster_con.execute("select points, veto_flag from score_event").fetchall() == [(-5.0, None)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b"e", b"f", b"t", b"=", b'"', b"<", b"/", b">", b"x", b't="e"', b"</f>"]), max_size=200)
)
def test_the_mark_search_through_its_letter_finds_what_a_plain_search_finds(pieces):
    # Error cells and formulas are looked for through one letter of their mark (errorcells.holds), with a plain
    # search once that letter is common: the answer must be the plain search's, wherever the letter stands.
    xml = b"".join(pieces)
    for mark in (b't="e"', b"t='e'", b"</f>"):
        assert holds(xml, mark) == (mark in xml)


@pytest.mark.parametrize("filler", ["fe" * 100, "x"])
def test_error_cells_and_unsaved_formulas_are_found_after_many_of_their_letters(filler):
    # A sheet of inline strings holding the marks' letters (e, f) many times over before the cells: found all the
    # same, at their places.
    cells = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{filler}</t></is></c></row>' for n in range(1, 41))
    xml = (
        "<worksheet><sheetData>" + cells + '<row r="41"><c r="B41" t="e"><f>1/0</f><v>#N/A</v></c>'
        '<c r="C41"><f>-2-3</f></c></row></sheetData></worksheet>'
    ).encode()
    assert unread_cells(xml) == [(40, 1, "#N/A"), (40, 2, "=-2-3")]


def test_an_error_value_in_a_csv_saved_from_excel_is_refused(roster_con):
    rows = [VETO[0], ["2022-03-05", "张三", "纪律作风", -5, "违反工作纪律", "#N/A"]]
    preview, batch = import_bytes(roster_con, csv_bytes(rows), "错误值.csv")
    assert batch is None
    assert [(p.row, p.column, p.value) for p in preview.errors] == [(2, "一票否决", "#N/A")]


def test_html_saved_as_xls_gets_a_clear_message(roster_con):
    page = "<html><body><table><tr><td>姓名</td></tr></table></body></html>".encode()
    preview = prepare(roster_con.cursor(), page, "导出.xls")
    assert not preview.ok
    assert "网页（HTML）格式" in preview.errors[0].message
    assert "另存为" in preview.errors[0].message


def test_encrypted_workbook_gets_a_clear_message(roster_con):
    preview = prepare(roster_con.cursor(), encrypted_xlsx(xlsx_bytes({"Sheet1": POINTS})), "加密.xlsx")
    assert not preview.ok
    assert "密码" in preview.errors[0].message


@pytest.mark.parametrize(
    "content, name, words",
    [
        (b"PK\x03\x04 broken zip", "坏.xlsx", "损坏"),
        (b"", "空.xlsx", "空的"),
        (b"\x00\x01\x02\x03binary", "x.bin", "无法识别"),
    ],
)
def test_damaged_files_get_a_message_not_a_traceback(roster_con, content, name, words):
    with pytest.raises(FileUnreadable) as caught:
        read_file(content, name)
    assert words in caught.value.message
    preview = prepare(roster_con.cursor(), content, name)
    assert not preview.ok and words in preview.errors[0].message


def test_a_sheet_without_any_known_header_is_refused_with_advice(roster_con):
    preview = prepare(roster_con.cursor(), xlsx_bytes({"Sheet1": [["甲", "乙"], [1, 2]]}), "无关.xlsx")
    assert not preview.ok
    assert "没有找到可识别的工作表" in preview.errors[0].message


def test_guide_and_hidden_sheets_are_ignored(roster_con):
    content = xlsx_bytes({"填写说明": [["列", "怎么填"], ["姓名", "必填"]], "数据": POINTS})
    preview, batch = import_bytes(roster_con, content, "带说明.xlsx", Options())
    assert batch is not None
    assert [s.sheet for s in preview.sheets] == ["数据"]


def test_roster_fixture_is_a_plain_table():
    assert ROSTER[0][:2] == ["姓名", "科室"]


POINT_LINES = [
    "日期,姓名,考核内容,分值,事由",
    "2022-03-05,张三,宣传推广,1,信息被采用",
    "2022-03-06,李四,纪律作风,-0.5,迟到",
]


@pytest.mark.parametrize(
    "ends",
    [["\r", "\r", "\r"], ["\r\n", "\r", "\r\n"], ["\n", "\r", "\r\n"]],
    ids=["cr-only (Mac Excel)", "cr and crlf", "lf cr crlf"],
)
def test_csv_lines_ending_in_cr_or_mixed_read_as_lines(roster_con, ends):
    text = "".join(line + end for line, end in zip(POINT_LINES, ends))
    preview, batch = import_bytes(roster_con, text.encode(), "三月.csv")
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.rows_imported == 2
    assert roster_con.execute("select reason from score_event order by row_no").fetchall() == [
        ("信息被采用",),
        ("迟到",),
    ]


def _stored_reasons(con) -> list[str]:
    return [r for (r,) in con.execute("select reason from score_event order by row_no").fetchall()]


def test_csv_quote_closed_by_a_chinese_quote_is_refused_naming_the_line(roster_con):
    # The 事由 opens with an English quote and closes with a Chinese one: read as written, the cell would swallow
    # every later line (Excel does the same), and the file would import one row instead of three.
    text = (
        "日期,姓名,考核内容,分值,事由\n"
        '2022-03-05,张三,宣传推广,1,"学习强国”积分第一\n'
        "2022-03-06,李四,纪律作风,-0.5,迟到\n"
        "2022-03-07,王五,工作质量,2,按时报送\n"
    )
    preview, batch = import_bytes(roster_con, text.encode(), "三月.csv")
    assert batch is None
    message = preview.errors[0].message
    assert "第 2 行" in message and "「事由」" in message and "引号" in message and "未配对" in message
    assert "第 3 行" in message  # where the swallowed lines start
    assert roster_con.execute("select count(*) from score_event").fetchone() == (0,)


def test_csv_unclosed_quote_in_a_middle_line_is_refused_too(roster_con):
    # The quote is closed again, much later, by a quote at the start of another cell: still lines swallowed.
    text = (
        "日期,姓名,考核内容,分值,事由\n"
        '2022-03-05,张三,宣传推广,1,"学习强国积分第一\n'
        "2022-03-06,李四,纪律作风,-0.5,迟到\n"
        '2022-03-07,王五,工作质量,2,"按时报送"\n'
    )
    preview, batch = import_bytes(roster_con, text.encode(), "三月.csv")
    assert batch is None
    assert "第 2 行" in preview.errors[0].message and "未配对" in preview.errors[0].message


def test_csv_apostrophes_are_text_never_quotes(roster_con):
    text = (
        "日期,姓名,考核内容,分值,事由\n"
        "2022-03-05,张三,宣传推广,1,'十四五'规划学习\n"
        "2022-03-06,李四,纪律作风,-0.5,'迟到\n"
        "2022-03-07,王五,工作质量,2,信息被采用'\n"
        "2022-03-08,赵六,工作质量,1,按时报送\n"
    )
    preview, batch = import_bytes(roster_con, text.encode(), "三月.csv")
    assert batch is not None, [p.text() for p in preview.errors]
    assert _stored_reasons(roster_con) == ["'十四五'规划学习", "'迟到", "信息被采用'", "按时报送"]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_csv_cell_of_several_lines_in_paired_quotes_still_reads(roster_con, eol):
    # A cell written on several lines (Alt+Enter in Excel), even with commas in its lines, is one cell.
    lines = [
        "日期,姓名,考核内容,分值,事由",
        '2022-03-05,张三,宣传推广,1,"第一行' + eol + '第二行, 有逗号"',
        '2022-03-06,李四,纪律作风,-0.5,"他说""迟到""了"',
        "2022-03-07,王五,工作质量,2,按时报送",
    ]
    preview, batch = import_bytes(roster_con, eol.join(lines).encode(), "三月.csv")
    assert batch is not None, [p.text() for p in preview.errors]
    reasons = _stored_reasons(roster_con)
    assert len(reasons) == 3
    assert reasons[0].splitlines() == ["第一行", "第二行, 有逗号"]
    assert reasons[1:] == ['他说"迟到"了', "按时报送"]


# ---------------------------------------------------------------------------------------------------------------
# Formulas over other sheets: a summary's aggregates and copies are not imported; a lookup of each row's 分值 or 科室
# in a helper sheet of the same workbook keeps the detail sheet a detail sheet.


def with_formulas(content: bytes, part: str, cells: dict[str, tuple[str, object]]) -> bytes:
    """Put formulas with their stored results (text or number) into cells of one worksheet part, as Excel saves
    them."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                text = data.decode("utf-8")
                for cell, (formula, value) in cells.items():
                    kind = ' t="str"' if isinstance(value, str) else ""
                    xml = f'<c r="{cell}"{kind}><f>{formula}</f><v>{value}</v></c>'
                    text, count = re.subn(rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)', xml, text)
                    assert count == 1
                data = text.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "formula",
    [
        "VLOOKUP(C2,事项!A:D,4,0)",
        'IFERROR(VLOOKUP(C2,事项!$A$2:$D$20,4,FALSE),"")',
        "HLOOKUP(C$1,'事 项'!A1:Z3,2,0)",
        "INDEX(名单!B:B,MATCH(A2,名单!A:A,0))",
        '_xlfn.XLOOKUP(A2,名单!A:A,名单!B:B,"")',
        "LOOKUP(2,1/(名单!A:A=A2),名单!B:B)",
        "INDEX(名单!B:B,_xlfn.XMATCH(A2,名单!A:A))",
    ],
)
def test_a_lookup_in_another_sheet_marks_no_summary(formula):
    from analytics.sheets.formulas import refers_to_other_sheet

    assert not refers_to_other_sheet(formula, "3月")


@pytest.mark.parametrize(
    "formula",
    [
        "SUM('3月'!E:E)",
        "SUMIFS(明细!E:E,明细!B:B,A2)",
        "COUNTIF('3月'!B:B,A2)",
        "'3月'!E5",
        "VLOOKUP('3月'!B5,名单!A:C,2,0)",  # the key itself copied from another sheet
        "VLOOKUP(C2,事项!A:D,4,0)+名单!B1",
        "SUMPRODUCT(('3月'!B2:B99=A2)*'3月'!E2:E99)",
    ],
)
def test_an_aggregate_or_a_copy_of_another_sheet_marks_a_summary(formula):
    from analytics.sheets.formulas import refers_to_other_sheet

    assert refers_to_other_sheet(formula, "汇总")


def test_a_detail_sheet_looking_up_its_section_in_a_helper_sheet_is_imported(roster_con):
    detail = [
        ["日期", "姓名", "科室", "考核内容", "分值", "事由"],
        ["2022-03-05", "张三", "组织科", "宣传推广", 1, "信息被采用"],
        ["2022-03-08", "李四", "组织科", "纪律作风", -0.5, "迟到"],
    ]
    helper = [["姓名", "科室"], ["张三", "组织科"], ["李四", "组织科"]]
    content = with_formulas(
        xlsx_bytes({"3月": detail, "名单": helper}),
        "xl/worksheets/sheet1.xml",
        {"C2": ("VLOOKUP(B2,名单!A:B,2,0)", "组织科"), "C3": ("VLOOKUP(B3,名单!A:B,2,0)", "组织科")},
    )
    preview, batch = import_bytes(roster_con, content, "3月加减分.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert roster_con.execute("select count(*), sum(points) from score_event").fetchone() == (2, 0.5)


def test_a_points_sheet_with_formulas_copying_another_sheet_is_refused_not_replaced_by_its_helper(roster_con):
    """Every detail sheet skipped as a summary: the file is refused naming it, not read as the roster beside it."""
    detail = [
        ["日期", "姓名", "科室", "考核内容", "分值", "事由"],
        ["2022-03-05", "张三", "组织科", "宣传推广", 1, "信息被采用"],
    ]
    helper = [["姓名", "科室"], ["张三", "组织科"], ["周八", "研究室"]]
    content = with_formulas(
        xlsx_bytes({"3月": detail, "名单": helper}), "xl/worksheets/sheet1.xml", {"C2": ("名单!B2", "组织科")}
    )
    preview, batch = import_bytes(roster_con, content, "3月加减分.xlsx")
    assert batch is None
    assert "「3月」" in preview.errors[0].message and "引用其他工作表的公式" in preview.errors[0].message
    assert roster_con.execute("select count(*) from person where name = '周八'").fetchone()[0] == 0


# ---------------------------------------------------------------------------------------------------------------
# Headers under a long preamble, and sheets of data whose header cannot be read.


def test_a_header_under_a_long_block_of_instructions_is_found(roster_con):
    preamble = [["2022年3月加减分登记表"]] + [[f"{n}. 填表说明第{n}条：请如实填写。"] for n in range(1, 25)]
    content = xlsx_bytes({"1月": [POINTS[0], ["2022-01-05", "张三", "宣传推广", 1, "一月"]], "3月": preamble + POINTS})
    preview, batch = import_bytes(roster_con, content, "一季度.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert [s.sheet for s in preview.sheets] == ["1月", "3月"]
    assert roster_con.execute("select count(*) from score_event").fetchone()[0] == 3


def test_a_sheet_of_data_without_a_readable_header_refuses_the_file(roster_con):
    unknown = [["甲", "乙", "丙", "丁"], *[[f"a{n}", f"b{n}", n, n * 2] for n in range(5)]]
    content = xlsx_bytes({"3月": POINTS, "4月": unknown, "填报人": [["填报人", "王五"], ["电话", "123"]]})
    preview, batch = import_bytes(roster_con, content, "两月.xlsx")
    assert batch is None
    message = preview.errors[0].message
    assert "「4月」" in message and "没有找到可识别的表头" in message and "填报人" not in message
