"""Deductions are never stored as bonuses: a 加/减 column of words beside 分值 of amounts, a 扣分 header above 分值,
and a sheet named or titled 扣分 whose 分值 holds positive numbers."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import xlsx_bytes

from analytics.sheets.ingest import Options, import_bytes
from analytics.sheets.mapping import parse_choices


def points(con):
    return con.execute("select e.points from score_event e order by e.event_date, e.row_no").fetchall()


def sheet(head, words, amounts=(2, 1, 2)):
    rows = [["日期", "姓名", "考核内容", head, "分值", "事由"]]
    people = ("张三", "李四", "王五")
    for n, (word, amount) in enumerate(zip(words, amounts, strict=True)):
        rows.append([f"2022-03-0{n + 5}", people[n], "纪律作风", word, amount, f"事由{n}"])
    return rows


def errors(preview):
    return " ".join(p.text() for p in preview.errors)


@pytest.mark.parametrize("head", ["加/减", "加减", "性质", "加扣分", "奖惩", "类别", "类型", "加减分", "方向"])
def test_a_direction_column_signs_the_amounts(roster_con, head):
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": sheet(head, ["加分", "扣分", "减分"])}), "a.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(2.0,), (-1.0,), (-2.0,)]
    matched = {c["header"]: c for c in preview.matching[0]["columns"]}
    assert matched[head]["field"] == "加/减"
    rules = " ".join(preview.sheets[0].column_rules.values())
    assert head in rules and "扣" in rules


@pytest.mark.parametrize("words", [["加", "减", "扣"], ["奖", "惩", "罚"], ["＋", "－", "-"]])
def test_short_direction_words(roster_con, words):
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": sheet("加/减", words)}), "a.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(2.0,), (-1.0,), (-2.0,)]


def test_a_negative_amount_under_a_deduction_word_is_one_deduction(roster_con):
    rows = sheet("加/减", ["加分", "扣分", "扣分"], amounts=(2, -1, "扣2分"))
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(2.0,), (-1.0,), (-2.0,)]


def test_a_bonus_word_with_a_negative_amount_is_asked_about(roster_con):
    rows = sheet("加/减", ["加分", "加分", "扣分"], amounts=(2, -1, 1))
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is None
    bad = [p for p in preview.errors if p.row == 3]
    assert bad and "加分" in bad[0].text() and "-1" in bad[0].text()


def test_an_unknown_direction_word_is_refused_by_name(roster_con):
    rows = sheet("加/减", ["加分", "表扬", "扣分"])
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is None
    bad = [p for p in preview.errors if p.row == 3]
    assert bad and "表扬" in bad[0].text() and bad[0].column == "加/减"


def test_a_category_column_of_contents_is_still_the_content(roster_con):
    rows = [["日期", "姓名", "类别", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 2, "信息被采用"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(2.0,)]


def test_an_unread_column_of_direction_words_is_refused(roster_con):
    rows = sheet("加/减", ["加分", "扣分", "减分"])
    rows[0].append("说明")
    for row, word in zip(rows[1:], ["加分", "扣分", "扣分"], strict=True):
        row.append(word)
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is None
    text = errors(preview)
    assert "「说明」" in text and "加分" in text and "忽略" in text

    # The clerk said what the column is: no longer asked.
    options = Options(columns=parse_choices(["说明=忽略"]))
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx", options)
    assert batch is not None, errors(preview)


def test_a_positive_amount_with_no_direction_word_is_asked_about(roster_con):
    rows = sheet("加/减", ["加分", "", "扣分"], amounts=(2, 1, 1))
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is None and [p.row for p in preview.errors] == [3]


def two_row_header(parent: str) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "3月"
    ws.append(["日期", "姓名", "考核内容", parent, None])
    ws.append([None, None, None, "分值", "事由"])
    for block in ("A1:A2", "B1:B2", "C1:C2", "D1:E1"):
        ws.merge_cells(block)
    ws.append(["2022-03-08", "李四", "纪律作风", 1, "迟到"])
    ws.append(["2022-03-09", "王五", "纪律作风", 2, "早退"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("parent", ["扣分情况", "扣分", "减分", "扣分项目"])
def test_amounts_under_a_deduction_parent_header_count_negative(roster_con, parent):
    preview, batch = import_bytes(roster_con, two_row_header(parent), "3月.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(-1.0,), (-2.0,)]
    assert {c["header"]: c["rule"] for c in preview.matching[0]["columns"]}["分值"] == "取负"


def test_amounts_under_a_signed_parent_header_are_taken_as_written(roster_con):
    preview, batch = import_bytes(roster_con, two_row_header("加减分情况"), "3月.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(1.0,), (2.0,)]


DEDUCTIONS = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-08", "李四", "纪律作风", 1, "迟到"]]


@pytest.mark.parametrize(
    ("name", "title", "said"),
    [("扣分", None, "工作表名“扣分”"), ("3月", "2022年3月扣分登记表", "标题“2022年3月扣分登记表”")],
)
def test_a_sheet_said_to_be_deductions_with_positive_amounts_is_asked_about(roster_con, name, title, said):
    content = xlsx_bytes({name: DEDUCTIONS}, title=title)
    preview, batch = import_bytes(roster_con, content, "3月.xlsx")
    assert batch is None
    text = errors(preview)
    assert said in text and "正数" in text and "取负" in text and "按原值" in text

    preview, batch = import_bytes(roster_con, content, "3月.xlsx", Options(columns=parse_choices(["分值=分值:负"])))
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(-1.0,)]


def test_a_deduction_sheet_taken_as_written_or_written_negative_imports(roster_con):
    content = xlsx_bytes({"扣分": DEDUCTIONS})
    preview, batch = import_bytes(roster_con, content, "a.xlsx", Options(columns=parse_choices(["分值=分值:正"])))
    assert batch is not None, errors(preview)
    negative = [DEDUCTIONS[0], ["2022-03-09", "王五", "纪律作风", -2, "早退"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"扣分": negative}), "b.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(1.0,), (-2.0,)]


def test_direction_words_under_a_reason_header_are_read_as_the_direction(roster_con):
    rows = [
        ["日期", "姓名", "考核内容", "分值", "加减分事项", "情况"],
        ["2022-03-08", "李四", "纪律作风", 1, "扣分", "迟到"],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is None and "事由" in errors(preview)
    options = Options(columns=parse_choices(["情况=事由"]))
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx", options)
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(-1.0,)]


def test_a_column_of_dashes_is_no_direction_column(roster_con):
    rows = [
        ["日期", "姓名", "考核内容", "分值", "事由", "备注"],
        ["2022-03-05", "张三", "宣传推广", 2, "信息被采用", "-"],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": rows}), "a.xlsx")
    assert batch is not None, errors(preview)
    assert points(roster_con) == [(2.0,)]
