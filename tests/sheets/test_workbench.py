"""The clerk's workbench in the core: the column matching step, remembered layouts, cells corrected before commit
(with the original kept in the lineage), hidden sheets reported, and published months marked."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from conftest import xlsx_bytes

from analytics.results.trace import source_rows
from analytics.sheets import mapping
from analytics.sheets.ingest import Options, import_bytes, undo
from analytics.sheets.mapping import Choice, MappingError, parse_choice, parse_choices

# A March sheet whose reason column is titled 经过 (no field's name) and whose points column is 扣分 of magnitudes.
MISNAMED = ["日期", "姓名", "考核内容", "扣分", "经过"]


def march(name="李四"):
    return [MISNAMED, ["2022-03-05", "张三", "纪律作风", 1, "迟到"], ["2022-03-09", name, "纪律作风", 0.5, "早退"]]


def april():
    return [MISNAMED, ["2022-04-06", "王五", "纪律作风", 2, "缺席会议"]]


def points(con):
    return con.execute(
        "select p.name, e.points, e.reason from score_event e join person p using (person_id) order by e.event_date"
    ).fetchall()


def test_the_choice_vocabulary():
    assert parse_choice("扣分=分值:负") == ("扣分", Choice("分值", mapping.NEGATE))
    assert parse_choice(" 编号 = 忽略") == ("编号", Choice(None))
    assert parse_choice("减分值=分值：原值") == ("减分值", Choice("分值", mapping.AS_WRITTEN))
    assert parse_choices(["经过=事由", "经过=忽略"]) == {"经过": Choice(None)}
    for bad in ("扣分", "=分值", "扣分=分值:倍", "编号=忽略:负"):
        with pytest.raises(MappingError):
            parse_choice(bad)


def test_a_misnamed_column_is_refused_until_the_clerk_names_it_then_imports_with_the_rule(roster_con):
    content = xlsx_bytes({"3月": march()})
    preview, batch = import_bytes(roster_con, content, "3月.xlsx")
    assert batch is None and "事由" in " ".join(p.text() for p in preview.errors)
    step = preview.matching[0]
    assert step["kind"] == "points" and [m["field"] for m in step["missing"]] == ["事由"]
    assert "简要说明" in step["missing"][0]["meaning"]
    by_header = {c["header"]: c for c in step["columns"]}
    assert by_header["扣分"]["field"] == "减分" and by_header["扣分"]["rule"] == "取负"
    assert by_header["日期"]["how"] == mapping.HOW_EXACT and by_header["经过"]["field"] is None
    assert by_header["姓名"]["samples"] == "张三、李四"

    options = Options(columns=parse_choices(["经过=事由", "扣分=分值:负"]))
    preview, batch = import_bytes(roster_con, content, "3月.xlsx", options)
    assert batch is not None, [p.text() for p in preview.errors]
    assert points(roster_con) == [("张三", -1.0, "迟到"), ("李四", -0.5, "早退")]
    how = {c["header"]: c["how"] for c in preview.matching[0]["columns"]}
    assert how["经过"] == how["扣分"] == mapping.HOW_CHOSEN


def test_a_confirmed_matching_is_remembered_and_applied_to_the_next_sheet_of_that_shape(roster_con):
    import_bytes(roster_con, xlsx_bytes({"3月": march()}), "3月.xlsx", Options(columns={"经过": Choice("事由")}))
    listed = mapping.remembered_layouts(roster_con.cursor())
    assert len(listed) == 1 and listed["choices"][0] == "经过=事由" and listed["kind"][0] == "加减分记录"
    audit = roster_con.execute("select detail from audit_log where target like '列对应关系%'").fetchall()
    assert audit and "经过=事由" in audit[0][0]

    preview, batch = import_bytes(roster_con, xlsx_bytes({"4月": april()}), "4月.xlsx")
    assert batch is not None and preview.remembered
    assert preview.sheets[0].notes[0] == "按上次确认的对应关系读取各列"
    assert points(roster_con)[-1] == ("王五", -2.0, "缺席会议")

    # Another shape (one more column) is not matched by it; a deleted layout is gone.
    other = [[*MISNAMED, "备注"], ["2022-04-07", "赵六", "纪律作风", 1, "迟到", ""]]
    assert not import_bytes(roster_con, xlsx_bytes({"4月": other}), "x.xlsx", dry_run=True)[0].ok
    assert mapping.forget(roster_con.cursor(), int(listed["layout_id"][0]), "管理员")
    assert mapping.remembered_layouts(roster_con.cursor()).empty
    again = [MISNAMED, ["2022-04-08", "王五", "纪律作风", 2, "缺席"]]
    assert not import_bytes(roster_con, xlsx_bytes({"4月": again}), "y.xlsx", dry_run=True)[0].ok


def test_ignoring_a_column_and_taking_a_deduction_header_as_written(roster_con):
    sheet = [["日期", "姓名", "考核内容", "分值", "减分", "事由"], ["2022-03-05", "张三", "宣传推广", 2, 9, "简报"]]
    options = Options(columns=parse_choices(["减分=忽略"]))
    preview, batch = import_bytes(roster_con, xlsx_bytes({"s": sheet}), "a.xlsx", options)
    assert batch is not None and points(roster_con) == [("张三", 2.0, "简报")]
    assert {c["header"]: c["how"] for c in preview.matching[0]["columns"]}["减分"] == mapping.IGNORE

    sheet = [["日期", "姓名", "考核内容", "扣分", "事由"], ["2022-03-06", "李四", "宣传推广", 3, "信息采用"]]
    options = Options(columns=parse_choices(["扣分=分值:正"]))
    import_bytes(roster_con, xlsx_bytes({"s": sheet}), "b.xlsx", options)
    assert points(roster_con)[-1] == ("李四", 3.0, "信息采用")


def test_a_choice_naming_no_field_is_an_error_naming_the_choices(roster_con):
    options = Options(columns=parse_choices(["经过=原因说明书"]))
    preview, _ = import_bytes(roster_con, xlsx_bytes({"3月": march()}), "3月.xlsx", options, dry_run=True)
    text = " ".join(p.text() for p in preview.errors)
    assert "原因说明书" in text and "事由" in text


def test_a_cell_corrected_before_commit_is_stored_with_its_original(roster_con):
    content = xlsx_bytes({"3月": march(name="李 四四")})
    options = Options(columns={"经过": Choice("事由")})
    preview, batch = import_bytes(roster_con, content, "3月.xlsx", options)
    assert batch is None
    bad = [p for p in preview.errors if p.row == 3]
    assert bad and bad[0].column == "姓名"
    options.corrections = {("3月", 3, "name"): "李四"}
    preview, batch = import_bytes(roster_con, content, "3月.xlsx", options)
    assert batch is not None, [p.text() for p in preview.errors]
    assert preview.corrected == [
        {"sheet": "3月", "row": 3, "field": "name", "header": "姓名", "original": "李 四四", "value": "李四"}
    ]
    stored = roster_con.execute(
        "select e.row_no, c.header, c.original, c.corrected from score_event e join import_correction c"
        " using (batch_id, sheet) where c.row_no = e.row_no"
    ).fetchall()
    assert stored == [(3, "姓名", "李 四四", "李四")]
    assert points(roster_con)[-1] == ("李四", -0.5, "早退")
    fact = roster_con.execute("select fact_id from score_event where row_no = 3").fetchone()[0]
    sources = source_rows(roster_con.cursor(), "score_event", [fact])
    assert sources["corrected"].tolist() == ["姓名：“李 四四”→“李四”"]
    undo(roster_con, batch)
    assert points(roster_con) == []


def test_hidden_sheets_are_reported_not_read(roster_con):
    book = openpyxl.Workbook()
    book.active.title = "3月"
    for row in [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 1, "简报"]]:
        book.active.append(row)
    hidden = book.create_sheet("旧数据")
    hidden.append(["日期", "姓名", "考核内容", "分值", "事由"])
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    preview, _ = import_bytes(roster_con, buffer.getvalue(), "h.xlsx", dry_run=True)
    assert (
        preview.ok
        and ("旧数据", "隐藏的工作表，不导入（如需导入，请在 Excel/WPS 中取消隐藏后再上传）") in preview.ignored
    )
    assert json.dumps(preview.as_json(), ensure_ascii=False)


def test_a_file_touching_a_published_month_is_marked(roster_con):
    from datetime import date

    from analytics.accounts.roles import ADMIN, Actor
    from analytics.meetings import publish

    first = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 1, "简报"]]
    import_bytes(roster_con, xlsx_bytes({"3月": first}), "a.xlsx")
    publish.publish(roster_con, "2022-03", Actor("管理员", ADMIN), today=date(2022, 4, 2))
    late = [first[0], ["2022-03-20", "李四", "宣传推广", 1, "补报"], ["2022-04-02", "李四", "宣传推广", 1, "信息"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"s": late}), "b.xlsx", dry_run=True)
    assert preview.published_months == ["2022-03"] and preview.as_json()["published_months"] == ["2022-03"]
    april = [first[0], ["2022-04-03", "李四", "宣传推广", 1, "信息"]]
    assert import_bytes(roster_con, xlsx_bytes({"s": april}), "c.xlsx", dry_run=True)[0].published_months == []


def test_the_fix_table_rows_offers_and_edits(roster_con):
    from analytics.rules import rulebook as rb
    from analytics.sheets import fixes

    sheet = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张3", "宣传推貫", 1, "简报"]]
    sheet.append(["2022-03-06", "李四", "宣传推广", 2, "信息"])
    preview, _ = import_bytes(roster_con, xlsx_bytes({"3月": sheet}), "a.xlsx", dry_run=True)
    frame, titles = fixes.error_rows(preview, "3月")
    assert frame[fixes.ROW].tolist() == [2] and frame["姓名"].tolist() == ["张3"]
    assert "张3" in frame[fixes.ERRORS].iat[0] and "宣传推貫" in frame[fixes.ERRORS].iat[0]
    offered = fixes.offered(roster_con.cursor(), frame, titles, rb.current(roster_con.cursor()))
    assert offered["姓名"][0] == "张三" and "张3" in offered["姓名"]
    assert "宣传推广" in offered["考核内容"]
    edited = frame.copy()
    edited.loc[0, "姓名"] = "张三"
    edited.loc[0, "考核内容"] = "宣传推广"
    corrections = fixes.corrections_from("3月", frame, edited, titles)
    assert corrections == {("3月", 2, "name"): "张三", ("3月", 2, "content"): "宣传推广"}
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": sheet}), "a.xlsx", Options(corrections=corrections))
    assert batch is not None and len(preview.corrected) == 2


STANDARD = ["日期", "姓名", "考核内容", "分值", "事由"]


def test_a_sign_rule_on_a_column_whose_header_says_no_sign_is_not_remembered(roster_con):
    # One clerk's deduction list on the standard template, 分值 marked 取负 for that upload only: the next sheet of
    # the same headers (another section's bonuses) is read as written, never negated by the remembered choice.
    deductions = [STANDARD, ["2022-03-08", "李四", "纪律作风", 1, "迟到"]]
    options = Options(columns=parse_choices(["分值=分值:负"]))
    assert import_bytes(roster_con, xlsx_bytes({"扣分": deductions}), "a.xlsx", options)[1] is not None
    assert points(roster_con) == [("李四", -1.0, "迟到")]
    bonus = [STANDARD, ["2022-03-15", "王五", "宣传推广", 2, "信息被区委简报采用"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": bonus}), "b.xlsx")
    assert batch is not None and points(roster_con)[-1] == ("王五", 2.0, "信息被区委简报采用")
    assert {c["header"]: c["rule"] for c in preview.matching[0]["columns"]}["分值"] == ""


def test_a_remembered_sign_rule_stored_before_is_ignored_unless_the_header_says_the_sign(roster_con):
    cur = roster_con.cursor()
    headers = dict(enumerate(STANDARD))
    mapping.remember(cur, "points", headers, {"分值": Choice("分值", mapping.NEGATE)}, "科员")
    assert mapping.recall(cur, mapping.signature("points", headers)) == {"分值": Choice("分值")}
    headers = dict(enumerate(MISNAMED))
    mapping.remember(cur, "points", headers, {"扣分": Choice("分值", mapping.AS_WRITTEN)}, "科员")
    assert mapping.recall(cur, mapping.signature("points", headers)) == {"扣分": Choice("分值", mapping.AS_WRITTEN)}


def test_undoing_a_batch_forgets_the_layout_it_remembered_but_not_one_confirmed_again(roster_con):
    wrong = Options(columns=parse_choices(["经过=事由", "扣分=分值:正"]))
    _, first = import_bytes(roster_con, xlsx_bytes({"3月": march()}), "3月.xlsx", wrong)
    assert first is not None and len(mapping.remembered_layouts(roster_con.cursor())) == 1
    undo(roster_con, first)
    assert mapping.remembered_layouts(roster_con.cursor()).empty
    # Matched afresh: 经过 is again asked about, and 扣分 is again read as a deduction.
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": march()}), "3月.xlsx")
    assert batch is None and "事由" in " ".join(p.text() for p in preview.errors)

    # Remembered by one batch, confirmed again by a later one: undoing the first keeps it.
    right = Options(columns=parse_choices(["经过=事由"]))
    _, one = import_bytes(roster_con, xlsx_bytes({"3月": march()}), "3月.xlsx", right)
    _, two = import_bytes(
        roster_con, xlsx_bytes({"4月": april()}), "4月.xlsx", Options(columns=parse_choices(["经过=事由", "扣分=减分"]))
    )
    assert one is not None and two is not None
    undo(roster_con, one)
    assert len(mapping.remembered_layouts(roster_con.cursor())) == 1
    undo(roster_con, two)
    assert mapping.remembered_layouts(roster_con.cursor()).empty
