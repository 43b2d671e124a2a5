"""User text written to xlsx/csv stays text."""

import io

import openpyxl

from analytics.sheets.cells import csv_text, put


def test_formula_looking_text_is_stored_as_text():
    book = openpyxl.Workbook()
    sheet = book.active
    put(sheet["A1"], '=HYPERLINK("http://x","点我")')
    put(sheet["A2"], "+2")
    put(sheet["A3"], 2)
    buffer = io.BytesIO()
    book.save(buffer)
    again = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    cell = again.active["A1"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert again.active["A2"].data_type == "s"
    assert again.active["A3"].value == 2


def test_csv_text_prefixes_formula_leads_only():
    assert csv_text("=1+1") == "'=1+1"
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("张三") == "张三"
    assert csv_text(-2) == -2
