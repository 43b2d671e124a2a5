"""Accounts in the core: bcrypt hashes, roles checked by every write entry point with the acting user, clerks limited
to their sections, login lockout and slowdown by address, idle sessions, password changes ending other sessions."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from conftest import ROSTER, load, xlsx_bytes

from analytics.accounts import audit, roles, settings, users
from analytics.accounts.roles import Actor, PermissionDenied
from analytics.rules import rule_edit
from analytics.rules.rulebook import current
from analytics.sheets.ingest import Options, commit, import_bytes, list_batches, prepare, undo
from analytics.store.db import WRITE_LOCK
from demo import year as demo

ADMIN = Actor("王管理", "admin", ip="10.0.0.9")
PASSWORD = "正确的密码-123"

POINTS = [
    ["日期", "姓名", "科室", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "组织科", "宣传推广", 2, "信息被采用"],
    ["2022-03-06", "王五", "干部一科", "宣传推广", 1, "信息被采用"],
]


@pytest.fixture
def accounts(roster_con):
    users.add(roster_con, "王管理", "admin", PASSWORD)  # the first admin needs no actor
    users.add(roster_con, "李内勤", "clerk", PASSWORD, ["组织科"], actor=ADMIN)
    users.add(roster_con, "全科内勤", "clerk", PASSWORD, actor=ADMIN)
    users.add(roster_con, "赵查看", "viewer", PASSWORD, actor=ADMIN)
    return roster_con


def actor(con, name: str) -> Actor:
    return users.actor_of(con.cursor(), name, "10.0.0.1")


def audit_rows(con, action: str) -> list[tuple]:
    return con.execute(
        "select actor, target, detail, ip from audit_log where action = ? order by audit_id", [action]
    ).fetchall()


def test_passwords_are_stored_as_bcrypt_hashes_only(accounts):
    stored = accounts.execute("select password_hash from account where name = '王管理'").fetchone()[0]
    assert stored.startswith("$2b$") and PASSWORD not in stored
    assert users._matches(PASSWORD, stored) and not users._matches("错误的密码-123", stored)


def test_the_first_admin_needs_no_actor_but_later_accounts_do(roster_con):
    with pytest.raises(PermissionDenied):
        users.add(roster_con, "甲", "clerk", PASSWORD)  # no admin yet: only an admin may be bootstrapped
    users.add(roster_con, "甲", "admin", PASSWORD)
    with pytest.raises(PermissionDenied):
        users.add(roster_con, "乙", "admin", PASSWORD)
    with pytest.raises(PermissionDenied):
        users.add(roster_con, "乙", "viewer", PASSWORD, actor=Actor("丙", "clerk"))
    assert audit_rows(roster_con, "account_add") == [("初始化", "账号 甲", "角色：管理员", None)]


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("", PASSWORD, "账号名"),
        ("<b>x</b>", PASSWORD, "账号名"),
        ("=cmd", PASSWORD, "账号名"),
        ("好人", "short", "至少 8 个字符"),
        ("好人", "长" * 30, "密码太长"),
    ],
)
def test_bad_names_and_passwords_are_refused_in_chinese(roster_con, name, password, message):
    with pytest.raises(users.AccountError) as caught:
        users.add(roster_con, name, "admin", password)
    assert message in caught.value.message


def test_only_clerks_may_be_limited_and_only_to_known_sections(accounts):
    with pytest.raises(users.AccountError, match="只有"):
        users.add(accounts, "丁", "viewer", PASSWORD, ["组织科"], actor=ADMIN)
    with pytest.raises(users.AccountError, match="没有这些科室：宣传科"):
        users.add(accounts, "丁", "clerk", PASSWORD, ["宣传科"], actor=ADMIN)


def test_roles_hold_their_permissions():
    assert roles.may(Actor("a", "admin"), roles.MANAGE_ACCOUNTS)
    assert roles.may(Actor("c", "clerk"), roles.IMPORT) and not roles.may(Actor("c", "clerk"), roles.MANAGE_RULES)
    assert not roles.may(Actor("v", "viewer"), roles.IMPORT) and roles.may(Actor("v", "viewer"), roles.VIEW)
    assert not roles.may(None, roles.VIEW)


def test_a_viewer_cannot_import_and_the_database_is_unchanged(accounts):
    preview = prepare(accounts.cursor(), xlsx_bytes({"3月": POINTS}), "三月.xlsx", Options())
    assert preview.ok
    with pytest.raises(PermissionDenied) as caught:
        commit(accounts, preview, actor(accounts, "赵查看"))
    assert "没有“导入数据”的权限" in caught.value.message
    assert accounts.execute("select count(*) from score_event").fetchone()[0] == 0


def test_an_import_names_its_uploader_and_leaves_an_audit_row(accounts):
    _, batch = import_bytes(accounts, xlsx_bytes({"3月": POINTS}), "三月.xlsx", actor=actor(accounts, "全科内勤"))
    frame = list_batches(accounts.cursor()).set_index("batch_id")
    assert frame.loc[batch, "uploader"] == "全科内勤"
    assert audit_rows(accounts, "import") == [
        ("全科内勤", f"批次 #{batch}", "三月.xlsx（加减分记录）：2 行", "10.0.0.1")
    ]


def test_a_limited_clerk_imports_only_rows_of_its_sections(accounts):
    clerk = actor(accounts, "李内勤")
    with pytest.raises(PermissionDenied) as caught:
        import_bytes(accounts, xlsx_bytes({"3月": POINTS}), "三月.xlsx", actor=clerk)
    assert "只能导入 组织科 的数据" in caught.value.message
    assert "「3月」第 3 行（干部一科）" in caught.value.message
    assert accounts.execute("select count(*) from score_event").fetchone()[0] == 0
    _, batch = import_bytes(accounts, xlsx_bytes({"3月": POINTS[:2]}), "组织科.xlsx", actor=clerk)
    assert batch is not None
    assert accounts.execute("select count(*) from score_event").fetchone()[0] == 1


NEW_ROW = ["2022-03-09", "李四", "组织科", "工作质量", 1, "按时报送"]


def test_a_limited_clerk_cannot_claim_stored_rows_of_other_sections(accounts):
    # Claimed, the other section's row would pass to the clerk's batch on the first batch's undo, and go with
    # the clerk's own undo: a row sent again is refused like a new one.
    load(accounts, xlsx_bytes({"3月": POINTS}), "全部.xlsx")
    with pytest.raises(PermissionDenied) as caught:
        import_bytes(accounts, xlsx_bytes({"3月": [*POINTS, NEW_ROW]}), "再发.xlsx", actor=actor(accounts, "李内勤"))
    assert "「3月」第 3 行（干部一科）" in caught.value.message and "第 2 行" not in caught.value.message
    assert accounts.execute("select count(*) from fact_claim").fetchone()[0] == 0


def test_the_audit_says_rows_claimed_on_import_and_rows_kept_on_undo(accounts):
    clerk = actor(accounts, "全科内勤")
    _, first = import_bytes(accounts, xlsx_bytes({"3月": POINTS[:2]}), "一.xlsx", actor=clerk)
    _, second = import_bytes(accounts, xlsx_bytes({"3月": POINTS}), "二.xlsx", actor=clerk)
    assert audit_rows(accounts, "import")[-1][2] == "二.xlsx（加减分记录）：1 行，另有 1 行已由其他批次导入，一并认领"
    undo(accounts, first, actor=clerk)
    assert audit_rows(accounts, "undo")[-1][2] == "一.xlsx：删除 0 行，1 行另有批次含有，保留并改记到该批次"
    undo(accounts, second, actor=clerk)
    assert audit_rows(accounts, "undo")[-1][2] == "二.xlsx：删除 2 行"


def test_a_limited_clerk_cannot_register_people_in_other_sections(accounts):
    roster = [["姓名", "科室", "职务", "工号"], ["新人", "干部二科", "科员", "C09"]]
    with pytest.raises(PermissionDenied, match="干部二科"):
        import_bytes(accounts, xlsx_bytes({"名单": roster}), "名单2.xlsx", actor=actor(accounts, "李内勤"))


def test_clerks_undo_only_their_own_batches_and_undo_is_audited(accounts):
    _, mine = import_bytes(accounts, xlsx_bytes({"3月": POINTS}), "三月.xlsx", actor=actor(accounts, "全科内勤"))
    with pytest.raises(PermissionDenied, match="只能撤销自己导入的批次"):
        undo(accounts, mine, actor=actor(accounts, "李内勤"))
    with pytest.raises(PermissionDenied):
        undo(accounts, mine, actor=actor(accounts, "赵查看"))
    undo(accounts, mine, actor=actor(accounts, "全科内勤"))
    frame = list_batches(accounts.cursor()).set_index("batch_id")
    assert frame.loc[mine, "status"] == "undone" and frame.loc[mine, "undone_by"] == "全科内勤"
    assert audit_rows(accounts, "undo") == [("全科内勤", f"批次 #{mine}", "三月.xlsx：删除 2 行", "10.0.0.1")]


def test_the_undo_list_asks_the_undo_rule_for_a_page_of_batches_at_once(accounts):
    # The import page offers only the batches an account may undo: undo_refusals gives before_undo's answer for many
    # batches in one query (the clerk's own, another clerk's, a missing one), word for word.
    from analytics.accounts import guard

    _, own = import_bytes(accounts, xlsx_bytes({"3月": POINTS[:2]}), "一.xlsx", actor=actor(accounts, "全科内勤"))
    _, other = import_bytes(accounts, xlsx_bytes({"3月": POINTS}), "二.xlsx", actor=actor(accounts, "王管理"))
    batches = [own, other, 9999]
    for name in ("全科内勤", "李内勤", "王管理", "赵查看"):
        who = actor(accounts, name)
        expected = {}
        for batch in batches:
            try:
                guard.before_undo(accounts.cursor(), who, batch)
                expected[batch] = None
            except PermissionDenied as exc:
                expected[batch] = exc.message
        assert guard.undo_refusals(accounts.cursor(), who, batches) == expected, name
    assert guard.undo_refusals(accounts.cursor(), actor(accounts, "全科内勤"), batches)[other] is not None


def test_rule_edits_need_an_admin_and_are_audited(accounts):
    book = current(accounts.cursor())
    edited = rule_edit.with_params(book, {**rule_edit.param_values(book), "star_min_points": 7})
    with pytest.raises(PermissionDenied):
        rule_edit.save_edit(accounts, edited, date(2022, 7, 1), None, actor=actor(accounts, "全科内勤"))
    version = rule_edit.save_edit(accounts, edited, date(2022, 7, 1), None, "调整", actor=actor(accounts, "王管理"))
    by = accounts.execute("select created_by from rule_version where version_id = ?", [version]).fetchone()[0]
    assert by == "王管理"
    assert audit_rows(accounts, "rules_edit") == [
        ("王管理", f"规则第 {version} 版", "自 2022-07-01 起施行；调整", "10.0.0.1")
    ]


def test_demo_clear_needs_an_admin_and_is_audited(con):
    demo.load_demo(con)
    users.add(con, "管", "admin", PASSWORD)
    with pytest.raises(PermissionDenied):
        demo.clear_demo(con, actor=Actor("内", "clerk"))
    assert demo.demo_loaded(con.cursor())
    count = demo.clear_demo(con, actor=actor(con, "管"))
    assert audit_rows(con, "demo_clear") == [("管", "演示数据", f"{count} 个批次", "10.0.0.1")]


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(accounts):
    for n in range(4):
        with pytest.raises(users.LoginRefused, match="账号或密码不正确"):
            users.login(accounts, "赵查看", "错误的密码-000", f"10.0.1.{n}")
    with pytest.raises(users.LoginRefused, match="已锁定 15 分钟"):
        users.login(accounts, "赵查看", "错误的密码-000", "10.0.1.9")
    with pytest.raises(users.LoginRefused, match="已被锁定"):
        users.login(accounts, "赵查看", PASSWORD, "10.0.2.1")  # even the right password waits
    locked = accounts.execute("select locked_until from account where name = '赵查看'").fetchone()[0]
    assert timedelta(minutes=14) < locked - datetime.now() <= timedelta(minutes=15)
    accounts.execute("update account set locked_until = ? where name = '赵查看'", [datetime.now()])
    who, token = users.login(accounts, "赵查看", PASSWORD, "10.0.2.1")
    assert who.role == "viewer" and token
    failed = audit_rows(accounts, "login_failed")
    assert len(failed) == 6 and failed[0][2] == "密码错误" and failed[0][3] == "10.0.1.0"
    assert audit_rows(accounts, "login")[-1] == ("赵查看", "账号 赵查看", None, "10.0.2.1")


def test_unknown_names_fail_like_wrong_passwords(accounts):
    with pytest.raises(users.LoginRefused) as caught:
        users.login(accounts, "不存在", PASSWORD, "10.0.3.1")
    assert caught.value.message == "账号或密码不正确。"
    assert audit_rows(accounts, "login_failed")[-1][2] == "账号不存在"


def test_an_address_that_keeps_failing_must_wait(accounts):
    names = ["甲", "乙", "丙", "丁", "戊"]  # unknown names: no account is locked, only the address slows down
    for name in names:
        with pytest.raises(users.LoginRefused, match="账号或密码不正确"):
            users.login(accounts, name, "x" * 8, "10.0.4.4")
    assert users.ip_wait(accounts.cursor(), "10.0.4.4") == 1
    with pytest.raises(users.LoginRefused, match="此地址登录失败次数过多"):
        users.login(accounts, "王管理", PASSWORD, "10.0.4.4")
    later = datetime.now() + timedelta(seconds=2)
    assert users.ip_wait(accounts.cursor(), "10.0.4.4", later) == 0
    assert users.ip_wait(accounts.cursor(), "10.0.4.5") == 0


def test_sessions_end_when_idle_on_logout_and_when_disabled(accounts):
    _, token = users.login(accounts, "全科内勤", PASSWORD, "10.0.5.1")
    assert users.session_actor(accounts, token).name == "全科内勤"
    idle = settings.get(accounts.cursor(), "session_idle_minutes")
    assert users.session_actor(accounts, token, now=datetime.now() + timedelta(minutes=idle + 1)) is None
    assert users.session_actor(accounts, token) is None  # an expired session stays ended
    _, token = users.login(accounts, "全科内勤", PASSWORD, "10.0.5.1")
    users.logout(accounts, token)
    assert users.session_actor(accounts, token) is None
    _, token = users.login(accounts, "全科内勤", PASSWORD, "10.0.5.1")
    users.set_disabled(accounts, "全科内勤", True, ADMIN)
    assert users.session_actor(accounts, token) is None
    with pytest.raises(users.LoginRefused):
        users.login(accounts, "全科内勤", PASSWORD)
    assert users.session_actor(accounts, "not-a-token") is None


def test_a_password_change_ends_the_other_sessions_only(accounts):
    _, here = users.login(accounts, "赵查看", PASSWORD)
    _, elsewhere = users.login(accounts, "赵查看", PASSWORD)
    me = actor(accounts, "赵查看")
    with pytest.raises(users.AccountError, match="原密码不正确"):
        users.set_password(accounts, "赵查看", "新的密码-456", me, keep_token=here, old="猜的密码-000")
    with pytest.raises(PermissionDenied):
        users.set_password(accounts, "王管理", "新的密码-456", me)
    users.set_password(accounts, "赵查看", "新的密码-456", me, keep_token=here, old=PASSWORD)
    assert users.session_actor(accounts, here) is not None
    assert users.session_actor(accounts, elsewhere) is None
    with pytest.raises(users.LoginRefused):
        users.login(accounts, "赵查看", PASSWORD)
    assert users.login(accounts, "赵查看", "新的密码-456")[0].name == "赵查看"


def test_the_last_admin_cannot_be_disabled_or_demoted(accounts):
    with pytest.raises(users.AccountError, match="最后一个"):
        users.set_disabled(accounts, "王管理", True, ADMIN)
    with pytest.raises(users.AccountError, match="最后一个"):
        users.set_role(accounts, "王管理", "viewer", [], ADMIN)
    users.set_role(accounts, "全科内勤", "admin", [], ADMIN)
    users.set_disabled(accounts, "王管理", True, ADMIN)
    assert not users.actor_of(accounts.cursor(), "王管理")


def test_account_changes_and_settings_are_audited(accounts):
    users.set_role(accounts, "赵查看", "clerk", ["干部一科"], ADMIN)
    users.change_setting(accounts, "view_requires_login", True, ADMIN)
    assert settings.get(accounts.cursor(), "view_requires_login") is True
    assert audit_rows(accounts, "account_change") == [
        ("王管理", "账号 赵查看", "角色：查看 → 内勤，限定科室：干部一科", "10.0.0.9")
    ]
    assert audit_rows(accounts, "setting_change") == [("王管理", "查看看板需要登录", "False → True", "10.0.0.9")]
    with pytest.raises(PermissionDenied):
        users.change_setting(accounts, "backup_keep", 3, Actor("x", "clerk"))


def test_account_writes_do_not_invalidate_the_boards_caches(accounts):
    before = accounts.execute("select value from meta where key = 'data_version'").fetchone()
    users.login(accounts, "王管理", PASSWORD)
    users.add(accounts, "新账号", "viewer", PASSWORD, actor=ADMIN)
    assert accounts.execute("select value from meta where key = 'data_version'").fetchone() == before


def test_audit_entries_filter_and_export_as_inert_text(accounts):
    audit.record(accounts.cursor(), '=HYPERLINK("http://x")', "import", "批次 #9", "+cmd|' /C calc'!A0", "1.1.1.1")
    frame = audit.entries(accounts.cursor(), actions=["import"])
    assert len(frame) == 1 and frame.iloc[0]["target"] == "批次 #9"
    assert audit.entries(accounts.cursor(), text="批次 #9").shape[0] == 1
    assert audit.entries(accounts.cursor(), actor="没有这个人").empty
    tomorrow = date.today() + timedelta(days=1)
    assert audit.entries(accounts.cursor(), start=tomorrow).empty
    shown = audit.labelled(frame)
    assert list(shown.columns) == ["时间", "操作人", "操作", "对象", "内容", "来源地址"]
    assert shown.iloc[0]["操作"] == "导入"
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(audit.to_xlsx(shown))).active
    assert sheet["B2"].value == '=HYPERLINK("http://x")' and sheet["B2"].data_type == "s"
    assert sheet["E2"].data_type == "s"
    text = audit.to_csv(shown).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+cmd" in text


def test_load_of_the_demo_by_a_user_needs_the_demo_permission(con):
    users.add(con, "管", "admin", PASSWORD)
    with pytest.raises(PermissionDenied):
        demo.load_demo(con, actor=Actor("内", "clerk"))
    assert not demo.demo_loaded(con.cursor())


def test_roster_load_helper_still_trusts_in_process_callers(con):
    # The importer without an actor is the trusted in-process caller (demo at first start, these tests).
    assert load(con, ROSTER, "名单.xlsx")


def test_the_docs_cover_every_setting_and_command():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "accounts.md").read_text(encoding="utf-8")
    for setting in settings.SETTINGS:
        assert f"`{setting.key}`" in text and setting.label in text
    for command in ("users add", "users list", "users passwd", "users disable", "backup -o", "restore", "--user"):
        assert command in text


def test_files_over_the_upload_limit_are_refused_before_anything_is_written(accounts):
    users.change_setting(accounts, "upload_max_mb", 1, ADMIN)
    with pytest.raises(users.AccountError, match="须在 1 到 50 之间"):
        users.change_setting(accounts, "upload_max_mb", 500, ADMIN)
    assert settings.upload_refusal(accounts.cursor(), "a.xlsx", 1024 * 1024) is None
    message = settings.upload_refusal(accounts.cursor(), "大.xlsx", 3 * 1024 * 1024)
    assert "文件“大.xlsx”有 3.0 MB，超过了单个文件 1 MB 的上限" in message
    preview = prepare(accounts.cursor(), xlsx_bytes({"3月": POINTS}), "大.xlsx", Options())
    assert preview.ok
    preview.content = preview.content + b"\0" * (1024 * 1024)  # the bytes the commit would store, past the limit
    with pytest.raises(PermissionDenied, match="超过了单个文件 1 MB 的上限"):
        commit(accounts, preview, actor(accounts, "全科内勤"))
    assert accounts.execute("select count(*) from score_event").fetchone()[0] == 0


def test_a_session_is_kept_alive_by_use_but_never_waits_for_the_write_lock(accounts):
    _, token = users.login(accounts, "赵查看", PASSWORD)
    seen = accounts.execute("select last_seen from account_session").fetchone()[0]
    later = seen + timedelta(minutes=5)
    held = threading.Event()
    release = threading.Event()

    def hold():
        with WRITE_LOCK:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        assert users.session_actor(accounts, token, now=later) is not None  # returns at once, lock or not
        assert accounts.execute("select last_seen from account_session").fetchone()[0] == seen
    finally:
        release.set()
        holder.join()
    users.session_actor(accounts, token, now=later)
    assert accounts.execute("select last_seen from account_session").fetchone()[0] == later
