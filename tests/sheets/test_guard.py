"""The guard around the importer and the exports: names are names, lists split on separators and not on spaces,
written files never carry a live formula from user text, and a busy database is explained in Chinese."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace

import openpyxl
import pytest
from apptest import open_page, texts_of

from analytics import open_db
from analytics.rules.rulebook import current
from analytics.sheets import guard
from analytics.sheets.errorbook import build_error_workbook
from analytics.sheets.ingest import import_bytes
from analytics.sheets.names import cell_problems, name_problem, split_list
from analytics.sheets.templates import build_template
from tests.conftest import csv_bytes, load, xlsx_bytes

HYPERLINK = '=HYPERLINK("http://198.51.100.7/x","点我")'
POINTS = ["日期", "姓名", "科室", "考核内容", "分值", "事由"]


def formula_cells(content: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("张三", None),
        ("欧阳 修", None),
        ("<b>张三</b>", "网页标记"),
        ("[张三](http://x)", "网页标记"),
        ("![x](http://x/a.png)", "网页标记"),
        ("=1+1", "公式"),
        ("+张三", "公式"),
        ("-张三", "公式"),
        ("@张三", "公式"),
        ("＝张三", "公式"),
        ("＜b＞张三", "网页标记"),
        ("张\u202e三", "控制字符"),
        ("张\u200b三", "控制字符"),
        ("张\x1b三", "控制字符"),
        ("张\n三", "控制字符"),
        ("张" * 51, "名称上限"),
    ],
)
def test_a_name_is_plain_text(value, fragment):
    problem = name_problem(value)
    assert (problem is None) if fragment is None else (fragment in problem)


def test_a_task_may_list_sections_one_a_line_but_each_is_still_a_name():
    assert name_problem("组织科\n干部一科", multi=True) is None
    assert "公式" in name_problem("组织科、=干部一科", multi=True)


def test_lists_split_on_separators_and_line_breaks_never_on_spaces():
    assert split_list("综合 科、组织科") == ["综合 科", "组织科"]
    assert split_list("组织科，干部一科;干部二科；研究室,办公室/人才科") == [
        "组织科",
        "干部一科",
        "干部二科",
        "研究室",
        "办公室",
        "人才科",
    ]
    assert split_list("组织科\r\n综合 科\n") == ["组织科", "综合 科"]
    assert split_list(None) == []


def test_a_section_with_a_space_in_its_name_can_lead_a_task(con):
    load(con, [["姓名", "科室"], ["张三", "综合 科"], ["李四", "组织科"]], "名单.xlsx")
    header = [
        "任务编号",
        "任务名称",
        "台账类别",
        "责任科室",
        "责任人",
        "计划完成日期",
        "进度(%)",
        "当前环节",
        "更新日期",
    ]
    rows = [
        header,
        ["RW-01", "材料报送", "重点任务", "综合 科", "张三", "2022-06-30", 50, "推进中", "2022-03-01"],
        ["RW-02", "调研", "重点任务", "组织科\n综合 科", "李四", "2022-06-30", 20, "推进中", "2022-03-01"],
    ]
    preview, batch_id = import_bytes(con, xlsx_bytes({"任务": rows}), "任务.xlsx")
    assert batch_id is not None, [p.text() for p in preview.errors]
    led = dict(
        con.execute(
            "select t.task_code, s.name from task_snapshot t join section s using (section_id) order by 1"
        ).fetchall()
    )
    assert led == {"RW-01": "综合 科", "RW-02": "组织科"}
    assert any("多个科室" in p.message for p in preview.warnings)


def test_a_plain_column_of_100000_rows_is_passed_in_one_search():
    import pandas as pd

    frame = pd.DataFrame({"reason": [f"事由{n}" for n in range(100_000)], "name": ["张三"] * 100_000})
    assert cell_problems(frame, "points") == []
    frame.loc[70_000, "reason"] = "坏\u202e事由"
    found = cell_problems(frame, "points")
    assert [(pos, key) for pos, key, _, _ in found] == [(70_000, "reason")]
    assert found[0][3] == "坏[U+202E]事由"


def test_the_error_workbook_keeps_a_formula_looking_reason_as_text(roster_con):
    rows = [
        POINTS,
        ["2022-03-05", "张三", "组织科", "督查落实", 2, HYPERLINK],
        ["2022-03-05", "查无此人", "组织科", "督查落实", 1, "x"],
    ]
    # A CSV cell holds the text as typed (an xlsx cell typed so would be a formula already, read as its value).
    preview, batch_id = import_bytes(roster_con, csv_bytes(rows), "加减分.csv")
    assert batch_id is None and preview.errors
    book = build_error_workbook(preview)
    assert formula_cells(book) == []
    sheet = openpyxl.load_workbook(io.BytesIO(book))["加减分"]
    assert HYPERLINK in [c.value for row in sheet.iter_rows() for c in row]


def test_the_error_workbook_of_a_file_with_control_characters_is_still_written(roster_con):
    content = csv_bytes([POINTS, ["2022-03-05", "张\x07三", "组织科", "督查落实", 2, "按时\x1b报送"]])
    preview, _ = import_bytes(roster_con, content, "控制字符.csv")
    assert any("控制字符" in p.message for p in preview.errors)
    assert formula_cells(build_error_workbook(preview)) == []


def test_a_rule_item_named_like_a_formula_stays_text_in_every_template(con):
    book = current(con)
    items = (replace(book.items[0], name=HYPERLINK, code="=A1"), *book.items[1:])
    hostile = replace(book, items=items)
    for kind in ("rules", "points"):
        content = build_template(kind, hostile)
        assert formula_cells(content) == [], kind
    values = [
        c.value
        for ws in openpyxl.load_workbook(io.BytesIO(build_template("rules", hostile))).worksheets
        for row in ws.iter_rows()
        for c in row
    ]
    assert HYPERLINK in values


def test_an_xlsm_stored_copy_loses_only_its_macro_parts():
    plain = xlsx_bytes({"名单": [["姓名", "科室"], ["张三", "组织科"]]})
    assert guard.without_macros(plain) == plain
    assert guard.without_macros(b"a,b\n") == b"a,b\n"


def test_a_database_held_by_another_process_is_explained_in_chinese(tmp_path):
    path = tmp_path / "held.duckdb"
    open_db(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        at = open_page("overview", path)
    finally:
        holder.kill()
        holder.wait()
    assert not at.exception
    text = texts_of(at)
    assert "正被另一个程序占用" in text and str(path) not in text  # shown before sign-in: the path is for admins
    # Once the other program lets go, the next run opens the database.
    at.run()
    assert not at.exception
    assert "正被另一个程序占用" not in texts_of(at)


def test_a_table_download_keeps_user_text_as_text():
    import pandas as pd

    from analytics.sheets.cells import table_csv, table_xlsx

    frame = pd.DataFrame({"姓名": ["张三", "@李四"], "事由": [HYPERLINK, None], "分值": [2.0, float("nan")]})
    content = table_xlsx(frame, "加减分")
    assert formula_cells(content) == []
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["加减分"].values)
    assert rows == [("姓名", "事由", "分值"), ("张三", HYPERLINK, 2), ("@李四", None, None)]
    text = table_csv(frame).decode("utf-8-sig").splitlines()
    assert text[1].startswith("张三,\"'=HYPERLINK(") and text[2] == "'@李四,,"
