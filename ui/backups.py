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


def daily() -> threading.Thread | None:
    """Start today's backup on the first page run of the day, in a thread of its own so no page waits for the copy
    (afterwards: one look at a dict). A failure is logged and tried again on a later run; it never stops a page.
    DASHBOARD_DAILY_BACKUP=off turns it off (page tests). Returns the thread it started, if any."""
    if os.environ.get("DASHBOARD_DAILY_BACKUP", "on").lower() in ("off", "0", "no", "false"):
        return None
    today = date.today()
    path = location()
    if _DONE.get(path) == today or path == ":memory:":
        return None
    with _LOCK:
        if _DONE.get(path) == today:
            return None
        _DONE[path] = today  # claimed: later runs of today do not start another copy
        con, where, count = connection(), folder(), keep()

    def run() -> None:
        try:
            backup.daily(con, where, count, today)
        except Exception as exc:  # noqa: BLE001 - a background copy that fails is logged and retried on a later run
            log.warning("daily backup failed: %s", exc)
            with _LOCK:
                _DONE.pop(path, None)

    worker = threading.Thread(target=run, name="daily-backup", daemon=True)
    worker.start()
    return worker


def make_now(actor: Actor | None) -> Path:
    return backup.backup(connection(), folder() / f"手动备份-{datetime.now():%Y%m%d-%H%M%S-%f}{backup.SUFFIX}", actor)


def listing() -> pd.DataFrame:
    """One row per backup file in the folder, newest first."""
    where = folder()
    files = (
        sorted(where.glob(f"*{backup.SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True) if where.is_dir() else []
    )
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
