"""Backups made by the app process, which holds the database file: the page's button and the daily backup."""

from __future__ import annotations

import logging
import os
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.accounts import backup, settings
from analytics.accounts.roles import Actor
from analytics.errors import DashboardError
from ui.db import connection, cursor, location

_DONE: dict[str, date] = {}
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def folder() -> Path:
    return backup.backup_folder(location())


def keep() -> int:
    cur = cursor()
    try:
        return int(settings.get(cur, "backup_keep"))
    finally:
        cur.close()


def daily() -> None:
    """Make today's backup on the first page run of the day (one check of a dict afterwards). A failure is logged
    and tried again on the next run; it never stops a page. DASHBOARD_DAILY_BACKUP=off turns it off (page tests)."""
    if os.environ.get("DASHBOARD_DAILY_BACKUP", "on").lower() in ("off", "0", "no", "false"):
        return
    today = date.today()
    path = location()
    if _DONE.get(path) == today or path == ":memory:":
        return
    with _LOCK:
        if _DONE.get(path) == today:
            return
        try:
            backup.daily(connection(), folder(), keep(), today)
        except (DashboardError, OSError) as exc:
            log.warning("daily backup failed: %s", exc)
            return
        _DONE[path] = today


def make_now(actor: Actor | None) -> Path:
    return backup.backup(connection(), folder() / f"手动备份-{datetime.now():%Y%m%d-%H%M%S-%f}.duckdb", actor)


def listing() -> pd.DataFrame:
    """One row per backup file in the folder, newest first."""
    where = folder()
    files = sorted(where.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True) if where.is_dir() else []
    return pd.DataFrame(
        [
            {
                "file": p.name,
                "size": round(p.stat().st_size / 1024),
                "modified": pd.Timestamp.fromtimestamp(p.stat().st_mtime),
            }
            for p in files
        ],
        columns=["file", "size", "modified"],
    )
