"""Backups: a copy of the whole database marked as ours, restore that refuses other files and keeps the replaced
one, the daily backup keeping the last N, and the users/backup/restore commands run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import ROSTER, load

from analytics import open_db
from analytics.accounts import backup, users
from analytics.accounts.roles import Actor, PermissionDenied
from analytics.errors import DatabaseBusy

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor("王管理", "admin")


def counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("person", "import_batch", "account")
        }
    finally:
        con.close()


@pytest.fixture
def live(tmp_path):
    path = tmp_path / "live.duckdb"
    con = open_db(path)
    load(con, ROSTER, "名单.xlsx")
    users.add(con, "王管理", "admin", "正确的密码-123")
    yield path, con
    con.close()


def test_a_backup_is_a_full_copy_marked_as_ours(live, tmp_path):
    path, con = live
    made = backup.backup(con, tmp_path / "out" / "b.duckdb", ADMIN)
    info = backup.describe(made)
    assert info["created_by"] == "王管理" and info["batches"] == 1 and info["accounts"] == 1
    assert counts(made) == {"person": 5, "import_batch": 1, "account": 1}
    assert not list((tmp_path / "out").glob("*.partial"))
    logged = con.execute("select actor, action, target from audit_log where action = 'backup'").fetchall()
    assert logged == [("王管理", "backup", "b.duckdb")]


def test_only_an_admin_may_back_up(live, tmp_path):
    _, con = live
    with pytest.raises(PermissionDenied):
        backup.backup(con, tmp_path / "b.duckdb", Actor("内", "clerk"))
    assert not (tmp_path / "b.duckdb").exists()


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not a database", "人员名单".encode()])
def test_restore_refuses_a_file_that_is_not_ours(live, tmp_path, content):
    path, con = live
    con.close()
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(backup.BackupError, match="不是本看板的备份文件"):
        backup.restore(bogus, path, ADMIN)
    assert path.read_bytes() == before


def test_restore_refuses_another_duckdb_database(live, tmp_path):
    path, con = live
    con.close()
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("create table t (x integer)").close()
    with pytest.raises(backup.BackupError, match="不是本看板的备份文件"):
        backup.restore(other, path, ADMIN)


def test_restore_puts_the_backup_in_place_and_keeps_the_replaced_file(live, tmp_path):
    path, con = live
    made = backup.backup(con, tmp_path / "b.duckdb", ADMIN)
    con.execute("delete from person")
    con.close()
    kept = backup.restore(made, path, ADMIN)
    assert counts(kept)["person"] == 0
    assert counts(path)["person"] == 5
    again = open_db(path)
    try:
        tables = [r[0] for r in again.execute("show tables").fetchall()]
        assert backup.MARKER not in tables
        assert again.execute("select actor from audit_log where action = 'restore'").fetchall() == [("王管理",)]
    finally:
        again.close()


def test_daily_backup_once_a_day_keeping_the_newest(live, tmp_path):
    _, con = live
    folder = tmp_path / "daily"
    day = date(2026, 3, 1)
    made = [backup.daily(con, folder, 2, day + timedelta(days=n)) for n in range(3)]
    assert all(made)
    assert backup.daily(con, folder, 2, day + timedelta(days=2)) is None  # already done today
    kept = backup.daily_files(folder)
    assert len(kept) == 2 and made[0] not in kept


def cli(db: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != "DASHBOARD_USER"}
    environment = {**inherited, "DASHBOARD_DB": str(db), "DASHBOARD_DEMO": "off", **env}
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_users_backup_and_restore_commands(tmp_path):
    db = tmp_path / "cli.duckdb"
    shown = cli(db, "users", "list")
    assert "还没有账号" in shown.stdout and "users add" in shown.stdout
    made = cli(db, "users", "add", "王管理", "--role", "admin", "--password-stdin", stdin="正确的密码-123\n")
    assert made.returncode == 0, made.stderr
    short = cli(db, "users", "add", "小李", "--role", "viewer", "--password-stdin", stdin="123\n")
    assert short.returncode == 1 and "密码至少 8 个字符" in short.stderr
    viewer = cli(db, "users", "add", "小李", "--role", "viewer", "--password-stdin", stdin="另一个密码-456\n")
    assert viewer.returncode == 0, viewer.stderr
    # Acting as the viewer, nothing that writes is allowed.
    refused = cli(db, "--user", "小李", "users", "disable", "王管理")
    assert refused.returncode == 1 and "没有权限" in refused.stderr
    refused = cli(db, "backup", "-o", str(tmp_path / "x.duckdb"), DASHBOARD_USER="小李")
    assert refused.returncode == 1 and "备份与恢复" in refused.stderr
    unknown = cli(db, "--user", "没有这人", "users", "list")
    assert unknown.returncode == 0  # reading the list needs no account
    listed = json.loads(cli(db, "users", "list", "--json").stdout)
    assert [(a["name"], a["role"]) for a in listed] == [("小李", "viewer"), ("王管理", "admin")]
    assert cli(db, "users", "passwd", "小李", "--password-stdin", stdin="全新的密码-789\n").returncode == 0
    assert cli(db, "users", "disable", "小李").returncode == 0
    assert json.loads(cli(db, "users", "list", "--json").stdout)[0]["disabled"] is True

    out = tmp_path / "备份.duckdb"
    done = cli(db, "backup", "-o", str(out))
    assert done.returncode == 0 and out.is_file(), done.stderr
    bogus = tmp_path / "x.xlsx"
    bogus.write_bytes(b"PK\x03\x04")
    refused = cli(db, "restore", str(bogus))
    assert refused.returncode == 1 and "不是本看板的备份文件" in refused.stderr
    assert cli(db, "users", "enable", "小李").returncode == 0
    restored = cli(db, "restore", str(out))
    assert restored.returncode == 0 and "原数据库已保留为" in restored.stdout, restored.stderr
    assert json.loads(cli(db, "users", "list", "--json").stdout)[0]["disabled"] is True

    con = open_db(db)
    try:
        actors = {row[0] for row in con.execute("select actor from audit_log").fetchall()}
    finally:
        con.close()
    assert any(a.startswith("本机管理员（") for a in actors)


def test_restore_refuses_while_the_database_is_open_elsewhere(live, tmp_path):
    path, con = live
    made = backup.backup(con, tmp_path / "b.duckdb", ADMIN)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    con.close()
    try:
        # The child may only open the file once this process let go of it.
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(DatabaseBusy):
            backup.restore(made, path, ADMIN)
    finally:
        holder.kill()
        holder.wait()


def test_the_command_line_acts_as_the_named_account_with_its_limits(tmp_path):
    from conftest import xlsx_bytes

    db = tmp_path / "cli.duckdb"
    roster = tmp_path / "名单.xlsx"
    roster.write_bytes(xlsx_bytes({"名单": ROSTER}))
    points = tmp_path / "三月.xlsx"
    rows = [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 1, "信息"]]
    points.write_bytes(xlsx_bytes({"3月": [*rows, ["2022-03-06", "王五", "宣传推广", 1, "信息"]]}))
    mine = tmp_path / "组织科.xlsx"
    mine.write_bytes(xlsx_bytes({"3月": rows}))
    assert cli(db, "import", str(roster)).returncode == 0  # the local admin, no account needed
    made = cli(
        db,
        "users",
        "add",
        "小李",
        "--role",
        "clerk",
        "--sections",
        "组织科",
        "--password-stdin",
        stdin="密码-12345678\n",
    )
    assert made.returncode == 0, made.stderr
    refused = cli(db, "--user", "小李", "import", str(points))
    assert refused.returncode == 1 and "只能导入 组织科 的数据" in refused.stdout + refused.stderr
    done = cli(db, "import", str(mine), "--json", DASHBOARD_USER="小李")
    assert done.returncode == 0 and json.loads(done.stdout)["ok"]
    batches = json.loads(cli(db, "batches", "--json").stdout)
    assert [b["uploader"] for b in batches][:1] == ["小李"]
    assert batches[-1]["uploader"].startswith("本机管理员（")
    undone = cli(db, "batches", "--undo", str(batches[-1]["batch_id"]), "--user", "小李")
    assert undone.returncode == 1 and "只能撤销自己导入的批次" in undone.stderr
