"""每月公示 at a city's size: the page shows one searchable page of the month's rows, never the whole month, and the
record an objection names is chosen among the rows on that page (search a name, then pick), while the downloads
still hold every row."""

from __future__ import annotations

import shutil

import pytest
from apptest import no_exception, open_page, read

from analytics import open_db
from analytics.accounts import users
from analytics.accounts.roles import ADMIN, Actor
from analytics.accounts.users import AccountError
from analytics.meetings import publish
from ui import tables
from ui.meeting_texts import POSTING as T
from ui.meeting_texts import ROW_COLUMNS

MONTH = "2022-03"


def shown_rows(at):
    return next(d.value for d in at.dataframe if ROW_COLUMNS["fact_id"] in d.value.columns)


def test_the_posting_shows_a_page_and_objects_to_a_row_found_by_name(demo_db, tmp_path):
    db = tmp_path / "posting.duckdb"
    shutil.copy(demo_db, db)
    con = open_db(db)
    publish.publish(con, MONTH, Actor("管理员", ADMIN))
    con.close()
    frozen = read(db, lambda cur: publish.frozen_rows(cur, MONTH, 1))
    assert len(frozen) > tables.PAGE_SIZE  # the demo month is longer than a page
    at = open_page("posting", db, {"month": MONTH}, as_role="admin")
    no_exception(at)
    first = shown_rows(at)
    assert len(first) == tables.PAGE_SIZE
    assert any(f"{len(frozen):,}" in c.value for c in at.caption)
    # The objection's choice lists the whole posting and the rows on the page, not the month.
    assert len(at.selectbox(key="posting_object_row").options) == tables.PAGE_SIZE + 1

    name = frozen["name"].value_counts().index[-1]  # someone with few rows
    mine = frozen[frozen["name"] == name]
    at.text_input(key="posting_rows_search").input(name).run()
    no_exception(at)
    found = shown_rows(at)
    assert set(found[ROW_COLUMNS["name"]]) == {name}
    assert len(found) == min(len(mine), tables.PAGE_SIZE)
    choice = at.selectbox(key="posting_object_row")
    assert len(choice.options) == len(found) + 1 and choice.options[0] == T["object_whole"]

    fact = int(found[ROW_COLUMNS["fact_id"]].iat[0])
    choice.set_value(fact)
    at.text_area(key="posting_object_text").input("分值有误")  # a form sends its values with the submit
    at.button(key="posting_object_submit").click().run()
    no_exception(at)
    raised = read(db, lambda cur: cur.execute("select fact_id, text from posting_objection").fetchall())
    assert raised == [(fact, "分值有误")]


def test_a_visitor_who_is_not_signed_in_may_object(demo_db, tmp_path):
    # docs/meetings.md: during the posting period anyone may object. A visitor is recorded as 匿名, in the objection
    # (unless a 提出人 is written) and in the audit log, with the address the browser came from.
    db = tmp_path / "posting.duckdb"
    shutil.copy(demo_db, db)
    con = open_db(db)
    publish.publish(con, MONTH, Actor("管理员", ADMIN))
    con.close()
    at = open_page("posting", db, {"month": MONTH}, as_role=None)
    no_exception(at)
    at.text_area(key="posting_object_text").input("这一条分值不对")
    at.button(key="posting_object_submit").click().run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    at.text_input(key="posting_object_by").input("赵六")
    at.text_area(key="posting_object_text").input("另一条也不对")
    at.button(key="posting_object_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    raised = read(db, lambda cur: cur.execute("select raised_by, text from posting_objection order by 1").fetchall())
    assert raised == [("匿名", "这一条分值不对"), ("赵六", "另一条也不对")]
    audit = read(db, lambda cur: cur.execute("select actor from audit_log where action = 'objection'").fetchall())
    assert audit == [("匿名",), ("匿名",)]
    con = open_db(db)
    try:
        with pytest.raises(AccountError, match="匿名"):  # no account may take the visitor's name
            users.add(con, "匿名", "viewer", "测试密码-12345", actor=Actor("管理员", ADMIN))
    finally:
        con.close()
