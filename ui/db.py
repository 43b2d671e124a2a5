"""The process's one DuckDB connection, a cursor per call, the data version caches key on, and the demo on first start."""

from __future__ import annotations

import logging
import os
import threading

import streamlit as st

from analytics import open_db
from analytics.errors import DashboardError, DatabaseBroken, DatabaseBusy
from analytics.results import rollup
from analytics.store.db import Con, data_version, db_path
from demo import year as demo
from ui.safe import md

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Con:
    """Opened once per process and file: DuckDB lets one process hold the file, and every session shares it."""
    con = open_db(path)
    # DASHBOARD_DEMO=off starts with an empty database (a real deployment, or tests of empty pages).
    if os.environ.get("DASHBOARD_DEMO", "on").lower() not in ("off", "0", "no", "false"):
        demo.load_on_first_start(con)
    # The rollups the pages read, brought up to date once here (under the first-start notice) rather than by
    # whichever page is read first: a file imported into from the command line, or written before the rollups
    # existed, otherwise makes its first visitor's page pay for the builds, while other sessions compute directly.
    try:
        rollup.bring_up_to_date(con.cursor())
    except Exception:  # noqa: BLE001 - never a reason not to open: each reader then builds them, or computes directly
        log.exception("汇总表预先建立失败，页面将在读取时再建立或直接计算")
    # And after every write made here, in the writer's request (rollup.keep_current).
    rollup.keep_current(con)
    return con


_READY: set[str] = set()
FIRST_START = "首次打开：正在准备数据库和汇总表。空库时会通过正常的导入流程加载 2022 年演示数据，约需数秒……"


# Shown before anyone can sign in, so without the file's path (only admins see it); the server's log names it.
BUSY = (
    "数据库文件正被另一个程序占用（例如正在运行的命令行导入、备份，或另一个看板进程），看板暂时无法打开它。"
    "请等对方完成或将其关闭后，刷新本页。"
)
BROKEN = "数据库文件已损坏或不是本系统的数据库，看板无法打开。请联系管理员检查该文件（可从备份恢复）。"


def connection() -> Con:
    path = str(db_path())
    if path in _READY:
        return _open(path)
    # The first session of the process may load the demo year: say so instead of showing a blank page.
    try:
        with st.spinner(FIRST_START):
            con = _open(path)
    except DatabaseBusy:
        # Not cached (st.cache_resource keeps no failure): the next rerun tries again once the file is free.
        log.warning("数据库文件 %s 正被另一个程序占用", path)
        st.error(BUSY, icon=":material/lock:")
        st.stop()
    except DatabaseBroken as exc:  # the core's message names the file: the log keeps it, the page does not
        log.error(exc.message)
        st.error(BROKEN, icon=":material/error:")
        st.stop()
    except DashboardError as exc:  # a failed migration and the like: the core's Chinese message
        st.error(md(exc.message), icon=":material/error:")
        st.stop()
    _READY.add(path)
    return con


def cursor() -> Con:
    """A fresh cursor for this call: a cursor must not be shared between the threads of two sessions."""
    return connection().cursor()


# The data version each database file was last seen at by this process.
_SEEN: dict[str, int] = {}
_SEEN_LOCK = threading.Lock()


def version() -> str:
    """The cache key of the data: the database file and its data version, which every import, undo and rule change
    bumps. Cached queries take it as their first argument, so two databases in one process never share answers.

    Every cached read is keyed by it, so once the version moves on nothing cached for an earlier one is asked for
    again: the first run that sees the new version empties the caches, instead of leaving a month's posting, its
    workbook and every page's tables of each superseded version in memory until their entries are pushed out."""
    path = str(db_path())
    current = data_version(cursor())
    with _SEEN_LOCK:
        before = _SEEN.get(path)
        _SEEN[path] = current
    if before is not None and before != current:
        st.cache_data.clear()
    return f"{path}#{current}"


def location() -> str:
    return str(db_path())
