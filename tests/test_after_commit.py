"""What follows a committed write: the app's connection brings every rollup up to date right after an import, an
undo or a rule edit, in the writer's request, so the first leader to open a page afterwards does not pay for them
(at 2 million events, a month's sheet costs its rollups about 0.4 s). Other connections to the file do not."""

from __future__ import annotations

from datetime import date

import pytest
from apptest import open_page, texts_of
from conftest import ROSTER, load, xlsx_bytes

from analytics import open_db
from analytics.results import rollup
from analytics.rules import rule_edit
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import after_commit, data_version, follow_up_once, rolled_back, transaction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POINTS = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 2, "信息被采用"]]
APRIL = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-04-08", "李四", "工作质量", 1, "批示"]]


def current(con) -> bool:
    """Whether every rollup holds the data version the database is at, read without building any."""
    cur = con.cursor()
    version = data_version(cur)
    return all(built == version for built in rollup.built_versions(cur).values())


def test_work_follows_each_commit_on_its_connection_only(tmp_path):
    path = tmp_path / "a.duckdb"
    con, other = open_db(path), open_db(path)
    seen: list[int] = []
    after_commit(con, lambda c: seen.append(data_version(c)))
    try:
        with transaction(con):
            pass
        assert seen == [data_version(con)]
        with transaction(other):  # another connection to the same file
            pass
        with rolled_back(con):
            pass
        with pytest.raises(RuntimeError), transaction(con):
            raise RuntimeError("refused")  # rolled back: nothing follows
        assert len(seen) == 1
    finally:
        other.close()
        con.close()


def test_several_writes_held_together_are_followed_once(tmp_path):
    con = open_db(tmp_path / "a.duckdb")
    seen: list[int] = []
    after_commit(con, lambda c: seen.append(data_version(c)))
    try:
        with follow_up_once():
            for _ in range(3):
                with transaction(con):
                    pass
            with follow_up_once():  # nested: the outer block runs it
                with transaction(con):
                    pass
            assert seen == []
        assert seen == [data_version(con)]
        with pytest.raises(RuntimeError), follow_up_once():
            with transaction(con):
                pass
            raise RuntimeError("the second file was refused")
        assert seen == [data_version(con) - 1, data_version(con)]
    finally:
        con.close()


def test_a_failing_follow_up_leaves_the_write_committed(tmp_path):
    con = open_db(tmp_path / "a.duckdb")

    def broken(_):
        raise ValueError("rollup could not be built")

    after_commit(con, broken)
    try:
        before = data_version(con)
        load(con, ROSTER, "名单.xlsx")
        assert data_version(con) == before + 1
        assert con.execute("select count(*) from person").fetchall()[0][0] == 5
    finally:
        con.close()


def test_keep_current_brings_the_rollups_up_to_date_after_import_undo_and_rule_edit(tmp_path):
    con = open_db(tmp_path / "a.duckdb")
    try:
        load(con, ROSTER, "名单.xlsx")
        rollup.keep_current(con)
        batch = load(con, xlsx_bytes({"3月": POINTS}), "三月.xlsx")
        assert current(con)
        assert rollup.last_rebuild[0] == [date(2022, 3, 1)]
        with follow_up_once():
            second = load(con, xlsx_bytes({"4月": APRIL}), "四月.xlsx")
            assert not current(con)
        assert current(con)
        undo(con, second)
        assert current(con)
        book = rb.current(con.cursor())
        values = rule_edit.param_values(book)
        key = next(k for k in values if k != "campaign_year")
        rule_edit.save_edit(con, rule_edit.with_params(book, {key: values[key] + 1}), date(2022, 7, 1), "测试")
        assert current(con)
        undo(con, batch)
        assert current(con)
    finally:
        con.close()


def test_an_import_on_the_page_leaves_the_rollups_current_before_any_page_reads_them(empty_db):
    con = open_db(empty_db)
    load(con, ROSTER, "名单.xlsx")
    con.close()
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("三月.xlsx", xlsx_bytes({"3月": POINTS}), XLSX)
    at.run()
    at.button(key="commit_0").click()
    at.run()
    assert "已导入「三月.xlsx」" in texts_of(at)
    con = open_db(empty_db)
    try:
        assert current(con)
        assert con.execute("select count(*) from points_rollup_event").fetchall()[0][0] == 1
    finally:
        con.close()
