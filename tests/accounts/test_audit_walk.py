"""The audit log records every write issue 9 names — import, undo, rule change, publish, objection, correction,
account change, login success and failure, backup and restore, demo clear — each with who, what and from where; and
no core write entry point takes None (a visitor, or a page that lost its user) for the trusted in-process caller."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ROSTER, load, xlsx_bytes

from analytics import open_db
from analytics.accounts import backup, users
from analytics.accounts.roles import SYSTEM, Actor, PermissionDenied, is_system
from analytics.meetings import publish
from analytics.rules import rule_edit
from analytics.rules.rulebook import current
from analytics.sheets.ingest import commit, import_bytes, prepare, undo
from analytics.store.db import data_version
from demo import year as demo

PASSWORD = "正确的密码-123"
IP = "10.0.0.7"
POINTS = [
    ["日期", "姓名", "科室", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "组织科", "宣传推广", 2, "信息被采用"],
    ["2022-03-06", "王五", "干部一科", "宣传推广", 1, "信息被采用"],
]
MORE = [POINTS[0], ["2022-03-09", "张三", "组织科", "宣传推广", 1, "补报信息"]]


def actions(con) -> list[tuple[str, str]]:
    return con.execute("select action, actor from audit_log order by audit_id").fetchall()


def test_every_write_of_issue_9_leaves_an_audit_row(tmp_path):
    path = tmp_path / "walk.duckdb"
    con = open_db(path)
    assert load(con, ROSTER, "名单.xlsx")  # the in-process caller (SYSTEM): trusted, not a user's action
    assert actions(con) == []

    users.add(con, "王管理", "admin", PASSWORD)  # the bootstrap of the first admin
    boss = users.actor_of(con.cursor(), "王管理", IP)
    users.add(con, "李内勤", "clerk", PASSWORD, actor=boss)
    users.set_role(con, "李内勤", "clerk", ["组织科", "干部一科"], actor=boss)
    users.login(con, "李内勤", PASSWORD, IP)
    with pytest.raises(users.LoginRefused):
        users.login(con, "李内勤", "错误的密码-123", IP)
    clerk = users.actor_of(con.cursor(), "李内勤", IP)

    _, batch = import_bytes(con, xlsx_bytes({"3月": POINTS}), "三月.xlsx", actor=clerk)
    _, extra = import_bytes(con, xlsx_bytes({"3月": MORE}), "补报.xlsx", actor=clerk)
    undo(con, extra, actor=clerk)
    book = current(con.cursor())
    edited = rule_edit.with_params(book, {**rule_edit.param_values(book), "star_min_points": 7})
    rule_edit.save_edit(con, edited, date(2022, 7, 1), None, "调整", actor=boss)

    today = date.today()
    publish.publish(con, "2022-03", boss, today=today)
    fact = int(publish.frozen_rows(con.cursor(), "2022-03", 1)["fact_id"].iat[0])
    objection = publish.raise_objection(con, "2022-03", clerk, "分值有误", fact_id=fact, today=today)
    publish.answer_objection(con, objection, boss, "已核实，予以更正", upheld=True)
    publish.open_correction(con, "2022-03", boss)
    undo(con, batch, actor=boss)
    publish.correct(con, "2022-03", boss, "撤回误报记录", today=today)
    demo.clear_demo(con, actor=boss)
    copy = backup.backup(con, tmp_path / "备份.duckdb", boss)
    done = actions(con)
    con.close()
    backup.restore(copy, path, boss)
    con = open_db(path)
    restored = actions(con)
    con.close()
    expected = [
        ("account_add", "初始化"),
        ("account_add", "王管理"),
        ("account_change", "王管理"),
        ("login", "李内勤"),
        ("login_failed", "李内勤"),
        ("import", "李内勤"),
        ("import", "李内勤"),
        ("undo", "李内勤"),
        ("rules_edit", "王管理"),
        ("publish", "王管理"),
        ("objection", "李内勤"),
        ("objection_reply", "王管理"),
        ("correction_open", "王管理"),
        ("undo", "王管理"),
        ("correction", "王管理"),
        ("demo_clear", "王管理"),
        ("backup", "王管理"),
    ]
    assert done == expected
    # The restored file is the snapshot (taken before its own backup row) and the restore that brought it back.
    assert restored == expected[:-1] + [("restore", "王管理")]
    from analytics.accounts.audit import ACTIONS

    assert {a for a, _ in done} <= set(ACTIONS)  # every action has its Chinese label on the audit page


def test_none_is_refused_by_every_core_write_and_changes_nothing(roster_con):
    assert is_system(SYSTEM) and not is_system(None) and not is_system(Actor("系统", "system"))
    _, batch = import_bytes(roster_con, xlsx_bytes({"3月": POINTS}), "三月.xlsx")  # SYSTEM, the default
    before = data_version(roster_con.cursor())
    preview = prepare(roster_con.cursor(), xlsx_bytes({"3月": MORE}), "补报.xlsx")
    book = current(roster_con.cursor())
    edited = rule_edit.with_params(book, {**rule_edit.param_values(book), "star_min_points": 7})
    writes = {
        "import": lambda: commit(roster_con, preview, None),
        "import_bytes": lambda: import_bytes(roster_con, xlsx_bytes({"3月": MORE}), "补报.xlsx", actor=None),
        "undo": lambda: undo(roster_con, batch, actor=None),
        "rules": lambda: rule_edit.save_edit(roster_con, edited, date(2022, 7, 1), None, actor=None),
        "demo_load": lambda: demo.load_demo(roster_con, actor=None),
        "demo_clear": lambda: demo.clear_demo(roster_con, actor=None),
        "look_alike": lambda: undo(roster_con, batch, actor=Actor("系统", "system")),
    }
    for name, write in writes.items():
        with pytest.raises(PermissionDenied):
            write()
        assert data_version(roster_con.cursor()) == before, name
    assert roster_con.execute("select count(*) from score_event").fetchone()[0] == 2
    assert roster_con.execute("select count(*) from audit_log").fetchone()[0] == 0
