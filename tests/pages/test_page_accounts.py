"""Login, roles and the admin pages through AppTest: what each role finds in the navigation, pages refused when
reached by URL, the login form with lockout, logout, password change, the view_requires_login setting, and the
账号管理, 审计日志 and 备份 pages."""

from __future__ import annotations

import time
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
import streamlit as st
from apptest import PAGES, PASSWORD, no_exception, open_page, sign_in, texts_of
from conftest import ROSTER, xlsx_bytes

from analytics import open_db
from analytics.accounts import users
from analytics.accounts.roles import Actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADMIN_ONLY = {"accounts", "audit", "backup"}


def menu(page: str, db, **kwargs) -> tuple[set[str], object]:
    """The url paths the navigation shows (not hidden) on this page, and the AppTest."""
    seen = []
    real = st.navigation

    def spy(pages, *args, **kw):
        seen[:] = [p for group in pages.values() for p in group]
        return real(pages, *args, **kw)

    with mock.patch.object(st, "navigation", spy):
        at = open_page(page, db, **kwargs)
    no_exception(at)
    keys = {Path(path).name: key for key, path in PAGES.items()}
    return {keys[Path(str(p._page)).name] for p in seen if p.visibility == "visible"}, at


def db_with(tmp_path, *, admin: bool = True, view_login: bool = False):
    path = tmp_path / "accounts.duckdb"
    con = open_db(path)
    try:
        if admin:
            users.add(con, "王管理", "admin", PASSWORD)
        if view_login:
            users.change_setting(con, "view_requires_login", True, Actor("王管理", "admin"))
    finally:
        con.close()
    return path


def test_each_role_finds_only_its_pages_in_the_navigation(tmp_path):
    db = db_with(tmp_path)
    anonymous, _ = menu("overview", db)
    assert {"overview", "rules", "login"} <= anonymous
    assert not ({"import"} | ADMIN_ONLY) & anonymous
    viewer, _ = menu("overview", db, as_role="viewer")
    assert not ({"import"} | ADMIN_ONLY) & viewer
    clerk, _ = menu("overview", db, as_role="clerk")
    assert "import" in clerk and not ADMIN_ONLY & clerk
    admin, _ = menu("overview", db, as_role="admin")
    assert {"import", "rules", *ADMIN_ONLY} <= admin


@pytest.mark.parametrize(("page", "role"), [("import", "viewer"), ("accounts", "clerk"), ("audit", "viewer")])
def test_a_page_reached_by_url_refuses_a_role_without_it(tmp_path, page, role):
    at = open_page(page, db_with(tmp_path), as_role=role)
    no_exception(at)
    text = texts_of(at)
    assert "没有使用此页面的权限" in text
    assert not at.get("file_uploader") and not at.get("dataframe")


def test_a_page_reached_by_url_asks_an_anonymous_visitor_to_log_in(tmp_path):
    at = open_page("import", db_with(tmp_path), as_role=None)
    no_exception(at)
    assert "此页面需要登录" in texts_of(at)
    assert not at.get("file_uploader")


def test_without_an_admin_the_import_page_says_how_to_create_one(tmp_path):
    at = open_page("import", db_with(tmp_path, admin=False), as_role=None)
    no_exception(at)
    assert "还没有管理员账号" in texts_of(at)
    assert at.code[0].value == "python -m analytics users add 管理员姓名 --role admin"


def test_logging_in_opens_the_import_page_and_logging_out_closes_it(tmp_path):
    db = db_with(tmp_path)
    at = open_page("login", db, as_role=None)
    at.text_input(key="login_name").input("王管理")
    at.text_input(key="login_password").input("错误的密码-000")
    at.button(key="login_submit").click().run()
    no_exception(at)
    assert "账号或密码不正确" in texts_of(at)
    assert "auth_token" not in at.session_state
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    no_exception(at)
    assert "已登录：王管理（管理员）" in texts_of(at)
    token = at.session_state["auth_token"]
    at.switch_page("views/import_data.py").run()
    no_exception(at)
    assert at.file_uploader(key="import_files") is not None
    at.switch_page("views/login.py").run()
    at.button(key="logout").click().run()
    assert "已退出登录" in texts_of(at)
    con = open_db(db)
    try:
        assert users.session_actor(con, token) is None
        logins = con.execute("select action from audit_log where actor = '王管理' order by audit_id").fetchall()
    finally:
        con.close()
    assert [a for (a,) in logins] == ["login_failed", "login", "logout"]


def test_five_failures_lock_the_account_on_the_form(tmp_path):
    at = open_page("login", db_with(tmp_path), as_role=None)
    for _ in range(5):
        at.text_input(key="login_name").input("王管理")
        at.text_input(key="login_password").input("错误的密码-000")
        at.button(key="login_submit").click().run()
    assert "已锁定 15 分钟" in texts_of(at)
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    assert "已被锁定" in texts_of(at) and "auth_token" not in at.session_state


def test_changing_the_password_ends_the_other_sessions(tmp_path):
    db = db_with(tmp_path)
    elsewhere = sign_in(db, "viewer", "赵查看")
    at = open_page("login", db, as_role="viewer", name="赵查看")
    assert "当前账号：赵查看（查看）" in texts_of(at).replace("**", "")
    at.text_input(key="pw_old").input(PASSWORD)
    at.text_input(key="pw_new").input("新的密码-456")
    at.text_input(key="pw_again").input("新的密码-456")
    at.button(key="pw_submit").click().run()
    no_exception(at)
    assert "其他地方的登录已全部退出" in texts_of(at)
    con = open_db(db)
    try:
        assert users.session_actor(con, elsewhere) is None
        assert users.session_actor(con, at.session_state["auth_token"]).name == "赵查看"
    finally:
        con.close()


def test_when_viewing_needs_login_the_board_is_refused_and_login_is_the_default(tmp_path):
    db = db_with(tmp_path, view_login=True)
    shown, at = menu("overview", db, as_role=None)
    assert shown == {"login"}
    assert at.title[0].value == "登录"
    at.switch_page("views/stars.py").run()
    assert "此页面需要登录" in texts_of(at)
    shown, at = menu("overview", db, as_role="viewer")
    assert "overview" in shown and "import" not in shown
    assert at.title[0].value == "总览"


def test_the_rules_page_is_read_only_for_a_viewer(demo_db):
    at = open_page("rules", demo_db, as_role=None)
    no_exception(at)
    assert "只能查看" in texts_of(at)
    with pytest.raises(KeyError):
        at.button(key="rules_save")


def test_admins_create_and_disable_accounts_on_the_page(tmp_path):
    db = db_with(tmp_path)
    at = open_page("accounts", db)
    no_exception(at)
    at.text_input(key="account_add_name").input("李内勤")
    at.selectbox(key="account_add_role").set_value("clerk")
    at.text_input(key="account_add_password").input("内勤的密码-123")
    at.button(key="account_add_submit").click().run()
    no_exception(at)
    assert "已创建账号“李内勤”" in texts_of(at)
    at.text_input(key="account_add_name").input("坏")
    at.text_input(key="account_add_password").input("短")
    at.button(key="account_add_submit").click().run()
    assert "密码至少 8 个字符" in texts_of(at)
    at.selectbox(key="account_pick").set_value("李内勤").run()
    at.button(key="account_disable").click().run()
    no_exception(at)
    assert "已停用“李内勤”" in texts_of(at)
    con = open_db(db)
    try:
        assert users.actor_of(con.cursor(), "李内勤") is None
    finally:
        con.close()


def test_a_clerk_import_shows_who_imported_and_lands_in_the_audit_page(tmp_path):
    db = db_with(tmp_path)
    at = open_page("import", db, as_role="clerk", name="李内勤")
    at.file_uploader(key="import_files").upload("名单.xlsx", xlsx_bytes({"名单": ROSTER}), XLSX)
    at.run()
    at.button(key="commit_0").click().run()
    no_exception(at)
    assert "李内勤" in at.dataframe[-1].value.to_string()  # 导入人 in the history
    audit = open_page("audit", db)
    no_exception(audit)
    text = texts_of(audit)
    assert "李内勤" in text and "批次 #1" in text and "名单.xlsx" in text
    audit.multiselect(key="audit_actions").set_value(["login"]).run()
    assert "没有符合条件的记录" in texts_of(audit)
    audit.multiselect(key="audit_actions").set_value(["import"]).run()
    assert "共 1 条记录" in texts_of(audit)
    assert {b.label for b in audit.get("download_button")} == {"导出 Excel", "导出 CSV"}


def test_the_backup_button_makes_a_backup_from_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_BACKUPS", str(tmp_path / "bk"))
    at = open_page("backup", db_with(tmp_path))
    no_exception(at)
    assert "还没有备份" in texts_of(at)
    at.button(key="backup_now").click().run()
    no_exception(at)
    made = list((tmp_path / "bk").glob("手动备份-*.duckdb"))
    assert len(made) == 1 and "已备份到" in texts_of(at)
    assert at.get("download_button")[0].label == "下载这份备份"


def test_a_file_over_the_upload_limit_is_refused_in_chinese_before_it_is_read(tmp_path):
    db = db_with(tmp_path)
    con = open_db(db)
    try:
        users.change_setting(con, "upload_max_mb", 1, Actor("王管理", "admin"))
    finally:
        con.close()
    at = open_page("import", db)
    at.file_uploader(key="import_files").upload("大文件.csv", b"a,b\n" + b"1,2\n" * 300_000, "text/csv")
    at.run()
    no_exception(at)
    text = texts_of(at)
    assert "超过了单个文件 1 MB 的上限，未读取" in text
    assert "预览：大文件.csv" not in text


def test_the_app_process_makes_the_daily_backup_on_its_first_run(tmp_path, monkeypatch):
    from apptest import APP
    from streamlit.testing.v1 import AppTest

    from analytics.accounts.backup import DAILY_PREFIX

    db = db_with(tmp_path)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    monkeypatch.setenv("DASHBOARD_DEMO", "off")
    monkeypatch.setenv("DASHBOARD_DAILY_BACKUP", "on")
    monkeypatch.setenv("DASHBOARD_BACKUPS", str(tmp_path / "daily"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    no_exception(at)
    at.run()
    for _ in range(300):  # the copy runs in a thread of the app process; give it up to 30 s
        made = list((tmp_path / "daily").glob(f"{DAILY_PREFIX}*.duckdb"))
        if made:
            break
        time.sleep(0.1)
    assert len(made) == 1


def test_an_account_that_never_signed_in_reads_never_signed_in(tmp_path):
    db = db_with(tmp_path)
    con = open_db(db)
    users.add(con, "未登录的人", "viewer", PASSWORD, [], actor=Actor("测试准备", "admin"))
    con.close()
    at = open_page("accounts", db)
    no_exception(at)
    frame = next(d.value for d in at.dataframe if "最近活动" in d.value.columns)
    seen = dict(zip(frame["账号"], frame["最近活动"]))
    assert seen["未登录的人"] == "从未登录"
    assert seen["测试admin"] != "从未登录" and not pd.isna(seen["测试admin"])


def test_a_limited_clerk_sees_the_permission_refusal_in_the_preview_and_undoes_only_own_batches(tmp_path):
    from conftest import load

    db = db_with(tmp_path)
    con = open_db(db)
    load(con, ROSTER, "名单.xlsx")  # batch #1, imported by someone else
    con.close()
    at = open_page("import", db, as_role="clerk", name="组织科内勤", sections=("组织科",))
    header = ["日期", "姓名", "考核内容", "分值", "事由"]
    mixed = [header, ["2022-03-05", "张三", "宣传推广", 2, "信息"], ["2022-03-06", "王五", "宣传推广", 1, "信息"]]
    own = [header, ["2022-03-07", "李四", "宣传推广", 1, "信息"]]
    uploader = at.file_uploader(key="import_files")
    uploader.upload("混合.xlsx", xlsx_bytes({"3月": mixed}), XLSX)
    uploader.upload("本科.xlsx", xlsx_bytes({"3月": own}), XLSX)
    at.run()
    no_exception(at)
    text = texts_of(at)
    # The commit's refusal is in the preview of the mixed file, before any button; that file has no button.
    assert "只能导入 组织科 的数据" in text and "干部一科" in text
    assert not any(b.key == "commit_0" for b in at.button)
    assert any(b.key == "commit_1" for b in at.button)
    assert at.button(key="commit_all").label == "全部导入无错误的文件（1 个）"
    files = next(d.value for d in at.dataframe if "导入后的变化" in d.value.columns)
    assert "没有权限" in files.set_index("文件").loc["混合.xlsx", "导入后的变化"]
    at.button(key="commit_all").click().run()
    no_exception(at)
    # The roster batch is someone else's: the undo choice offers the clerk's own batch only.
    offered = at.selectbox(key="undo_batch").options
    assert len(offered) == 1 and "本科.xlsx" in offered[0], offered
    assert "不是本账号可以撤销的" in texts_of(at)
