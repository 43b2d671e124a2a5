"""What every command shares: the database it opens, the account it acts as, and one JSON line."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from typing import Any


def open_db():
    """The database of DASHBOARD_DB (or the default path), migrated, with a rule book in force."""
    from analytics import open_db as open_database

    return open_database()


def acting(args: argparse.Namespace, con):
    """Who the command acts as: the account named by --user or $DASHBOARD_USER (its role applies, so a clerk's
    section limits hold here too), else the local administrator. Whoever can run commands on the server can read and
    replace the database file itself, so asking them for a password would protect nothing; the audit log still names
    the operating-system user."""
    from analytics.accounts.roles import ADMIN, Actor, PermissionDenied
    from analytics.accounts.users import actor_of

    name = getattr(args, "user", None) or os.environ.get("DASHBOARD_USER")
    if not name:
        return Actor(f"本机管理员（{_os_user()}）", ADMIN, ip="命令行")
    cur = con.cursor()
    try:
        actor = actor_of(cur, name, ip="命令行")
    finally:
        cur.close()
    if actor is None:
        raise PermissionDenied(f"没有名为“{name}”的可用账号（--user 或 DASHBOARD_USER）。可用 users list 查看账号。")
    return actor


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知用户"


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))
