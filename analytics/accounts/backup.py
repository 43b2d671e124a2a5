"""Backups: a consistent copy of the whole database into one DuckDB file marked as ours, restore from such a file,
and the daily backup the app process makes (the CLI cannot open the file while the app holds it)."""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb

from analytics.accounts import audit
from analytics.accounts.roles import BACKUP, Actor, require
from analytics.errors import DashboardError, DatabaseBusy
from analytics.store.db import WRITE_LOCK, Con, first_row, get_meta, migrate, scalar, schema_version, set_meta

# Backups are DuckDB files; the pages list and name them by this suffix.
SUFFIX = ".duckdb"

APP = "zuofeng-dashboard"
MARKER = "dashboard_backup"
DAILY_PREFIX = "每日备份-"
LAST_DAILY = "backup:last_daily"


class BackupError(DashboardError):
    title = "备份或恢复未完成"


def backup_folder(db_file: str | Path) -> Path:
    """Where backups go: $DASHBOARD_BACKUPS, else a backups/ folder beside the database file."""
    configured = os.environ.get("DASHBOARD_BACKUPS")
    return Path(configured) if configured else Path(db_file).resolve().parent / "backups"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def backup(con: Con, target: str | Path, actor: Actor | None, note: str = "手动备份") -> Path:
    """Copy the whole database, as one consistent snapshot taken under the write lock, into a new DuckDB file at
    ``target`` (written beside it first, then moved into place). Returns the path."""
    actor = require(actor, BACKUP)
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"“{target}”是一个文件夹，请给出备份文件名，例如 {target / 'dashboard-backup.duckdb'}。")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    alias = f"backup_{secrets.token_hex(4)}"
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            source = scalar(cur, "select current_database()")
            version = schema_version(cur)
            cur.execute(f"attach {_quote(partial)} as {alias}")
            try:
                cur.execute(f'copy from database "{source}" to {alias}')
                cur.execute(
                    f"create table {alias}.{MARKER} (app varchar, schema_version integer, created_at timestamp, "
                    "created_by varchar, note varchar)"
                )
                cur.execute(
                    f"insert into {alias}.{MARKER} values ($app, $version, $now, $by, $note)",
                    {"app": APP, "version": version, "now": datetime.now(), "by": actor.name, "note": note},
                )
            finally:
                cur.execute(f"detach {alias}")
            os.replace(partial, target)
            cur.execute("begin")
            audit.record(cur, actor.name, "backup", str(target.name), note, actor.ip)
            cur.execute("commit")
        finally:
            partial.unlink(missing_ok=True)
            cur.close()
    return target


def describe(path: str | Path) -> dict:
    """What a backup file holds (schema version, when, by whom); refuses a file that is not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupError(f"“{path.name}”不是本看板的备份文件（无法作为数据库打开），未做任何改动。") from exc
    try:
        found = scalar(
            con, "select count(*) from information_schema.tables where table_name = $MARKER", {"MARKER": MARKER}
        )
        row = first_row(con, f"select app, schema_version, created_at, created_by, note from {MARKER}")
        if not found or row is None or row[0] != APP:
            raise BackupError(f"“{path.name}”不是本看板的备份文件，未做任何改动。")
        batches = scalar(con, "select count(*) from import_batch where status = 'committed'")
        accounts = scalar(con, "select count(*) from account")
    except duckdb.Error as exc:
        raise BackupError(f"“{path.name}”不是本看板的备份文件，未做任何改动。") from exc
    finally:
        con.close()
    return {
        "schema_version": int(row[1]),
        "created_at": row[2],
        "created_by": row[3],
        "note": row[4],
        "batches": int(batches),
        "accounts": int(accounts),
    }


def restore(source: str | Path, db_file: str | Path, actor: Actor | None) -> Path:
    """Replace the database file with a backup. The app must be stopped (the file must not be open elsewhere).
    The replaced file is kept beside it as ``<name>.before-restore-<time>``, which this returns."""
    actor = require(actor, BACKUP)
    info = describe(source)
    db_file = Path(db_file)
    probe = duckdb.connect(":memory:")
    newest = migrate(probe)
    probe.close()
    if info["schema_version"] > newest:
        raise BackupError("这份备份来自较新版本的看板，当前程序无法读取。请先升级看板程序再恢复。")
    if db_file.exists():
        try:
            duckdb.connect(str(db_file)).close()
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseBusy(str(db_file)) from exc
            raise
    staged = db_file.with_name(f".{db_file.name}.{secrets.token_hex(4)}.restoring")
    shutil.copyfile(source, staged)
    try:
        con = duckdb.connect(str(staged))
        try:
            con.execute(f"drop table {MARKER}")
            migrate(con)
            con.execute("begin")
            audit.record(
                con,
                actor.name,
                "restore",
                Path(source).name,
                f"恢复到 {info['created_at']:%Y-%m-%d %H:%M} 的备份（{info['created_by']}）",
                actor.ip,
            )
            con.execute("commit")
            con.execute("checkpoint")
        finally:
            con.close()
        kept = db_file.with_name(f"{db_file.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        if db_file.exists():
            os.replace(db_file, kept)
            wal = db_file.with_name(db_file.name + ".wal")
            if wal.exists():
                os.replace(wal, kept.with_name(kept.name + ".wal"))
        os.replace(staged, db_file)
    finally:
        staged.unlink(missing_ok=True)
    return kept


def daily_files(folder: Path) -> list[Path]:
    """The daily backups in a folder, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{DAILY_PREFIX}*{SUFFIX}") if p.is_file())


def daily(con: Con, folder: str | Path, keep: int, today: date | None = None) -> Path | None:
    """Make today's backup if none was made yet, and delete daily backups beyond the newest ``keep``. Returns the
    new file, or None when today's already exists. Called by the app process."""
    today = today or date.today()
    cur = con.cursor()
    try:
        done = get_meta(cur, LAST_DAILY) == today.isoformat()
    finally:
        cur.close()
    if done:
        return None
    folder = Path(folder)
    system = Actor("系统（每日自动备份）", "admin")
    made = backup(con, folder / f"{DAILY_PREFIX}{today:%Y%m%d}{SUFFIX}", system, "每日自动备份")
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            set_meta(cur, LAST_DAILY, today.isoformat())
        finally:
            cur.close()
    for old in daily_files(folder)[: -max(1, keep)]:
        old.unlink(missing_ok=True)
    return made
