"""规则设置 in AppTest: the rule book and its versions, editing a parameter with its impact previewed and saved as a new
version, refusing an inconsistent book, and a new 加减分事项 sheet uploaded, previewed and committed as a batch."""

from __future__ import annotations

import io
import shutil
from datetime import date

import openpyxl
import pytest
from apptest import no_exception, open_page, read, texts_of

from analytics.results import impact
from analytics.rules import rule_edit
from analytics.rules import rulebook as rb
from analytics.sheets.templates import build_template
from ui import texts

R = texts.RULES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    """A copy of the demo database these tests may write to, so the shared demo stays pristine."""
    path = tmp_path / "rules.duckdb"
    shutil.copy(demo_db, path)
    return path


def test_empty_database_shows_the_default_book(empty_db):
    at = open_page("rules", empty_db)
    no_exception(at)
    text = texts_of(at)
    for param in rb.PARAMS:
        assert param.label in text
    assert "宣传推广之星" in text and "违反廉洁纪律、保密纪律（一票否决）" in text
    assert "第 1 版规则" in text


def test_demo_shows_the_book_in_force_and_its_history(demo_db):
    history = read(demo_db, lambda con: rule_edit.version_history(con.cursor()))
    at = open_page("rules", demo_db)
    no_exception(at)
    text = texts_of(at)
    newest = history.iloc[0]
    assert f"第 {newest['version_id']} 版规则" in text
    assert newest["changes"] in text
    assert at.number_input(key="param_star_top_n").value == 3
    at.selectbox(key="rules_version").set_value(1).run()
    no_exception(at)
    assert "第 1 版规则" in texts_of(at)


def test_changing_a_parameter_previews_its_impact_and_saves_a_new_version(demo_copy):
    effective = date(2022, 7, 1)

    def expected_lines(con):
        book = rb.current(con.cursor())
        return impact.rules_impact(con, rule_edit.with_params(book, {"star_top_n": 5}), effective).lines

    lines = read(demo_copy, expected_lines)
    versions_before = read(demo_copy, lambda con: len(rb.versions(con.cursor())))
    assert lines

    at = open_page("rules", demo_copy)
    assert at.button(key="rules_save").disabled
    at.number_input(key="param_star_top_n").set_value(5)
    at.date_input(key="rules_effective").set_value(effective)
    at.text_input(key="rules_note").set_value("自7月起月度之星增至5名")
    at.run()
    no_exception(at)
    assert "月度之星名额：3 → 5" in texts_of(at)
    assert at.button(key="rules_save").disabled  # not before the impact was seen
    at.button(key="rules_preview").click().run()
    no_exception(at)
    text = texts_of(at)
    for line in lines[:5]:
        assert line in text
    assert not at.button(key="rules_save").disabled

    at.button(key="rules_save").click().run()
    no_exception(at)

    def saved(con):
        cur = con.cursor()
        return rb.versions(cur), rb.in_force(cur, effective), rb.in_force(cur, date(2022, 6, 30))

    versions, after, before = read(demo_copy, saved)
    assert len(versions) == versions_before + 1
    new_id = versions[0]["version_id"]
    text = texts_of(at)
    assert R["saved"].format(id=new_id, day=effective) in text
    assert f"第 {new_id} 版规则" in text  # the page turns to the version just saved
    assert after.version_id == new_id and after.param("star_top_n") == 5 and after.source == "edit"
    assert after.note == "自7月起月度之星增至5名" and after.created_by
    assert before.param("star_top_n") == 3


def test_an_inconsistent_book_is_refused_with_its_reason(empty_db):
    at = open_page("rules", empty_db)
    for key in ("flag_weight_points", "flag_weight_stars", "flag_weight_tasks"):
        at.number_input(key=f"param_{key}").set_value(0.0)
    at.run()
    no_exception(at)
    assert any("季度夺旗三项权重之和须大于 0" in e.value for e in at.error)
    assert at.button(key="rules_preview").disabled and at.button(key="rules_save").disabled


def edited_items(book: rb.RuleBook) -> bytes:
    """The 加减分事项 template of the book with XC01 worth 1 to 2 instead of 1 (its stored +1 events stay within
    it: an item repriced under them is refused, see tests/rules/test_rule_edit.py)."""
    wb = openpyxl.load_workbook(io.BytesIO(build_template("rules", book)))
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        if any(cell.value == "XC01" for cell in row):
            points = next(c for c in row if c.column == 5)
            points.value = "1~2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_uploaded_items_sheet_is_previewed_and_committed_as_a_batch(demo_copy):
    book = read(demo_copy, lambda con: rb.current(con.cursor()))
    content = edited_items(book)
    at = open_page("rules", demo_copy)
    at.date_input(key="rules_effective").set_value(date(2022, 10, 1))
    at.file_uploader(key="rules_upload").set_value(("加减分事项.xlsx", content, XLSX))
    at.run()
    no_exception(at)
    text = texts_of(at)
    assert R["upload_ok"] in text
    assert "事项 XC01：分值 +1 → +1～+2" in text
    assert R["impact_heading"] in text
    at.button(key="rules_upload_commit").click().run()
    no_exception(at)

    def state(con):
        cur = con.cursor()
        batch = cur.execute("select batch_id, kind, status from import_batch order by batch_id desc limit 1").fetchone()
        return batch, rb.in_force(cur, date(2022, 10, 1))

    (batch_id, kind, status), after = read(demo_copy, state)
    assert (kind, status) == ("rules", "committed")
    assert after.source == "upload" and after.item("XC01").points_max == 2
    assert R["upload_done"].format(batch=batch_id) in texts_of(at)


def test_a_broken_items_sheet_shows_its_problems(empty_db):
    rows = [["事项编号", "考核内容", "事项名称", "分值"], ["X1", "不存在的内容", "随便", "abc"]]
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    at = open_page("rules", empty_db)
    at.file_uploader(key="rules_upload").set_value(("事项.xlsx", buffer.getvalue(), XLSX))
    at.run()
    no_exception(at)
    assert any(R["upload_errors"].format(n=2) == e.value for e in at.error)
    assert "rules_upload_commit" not in {b.key for b in at.button}
