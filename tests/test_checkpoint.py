"""The app's one long-lived connection never holds a transaction open between calls, so DuckDB folds the write-ahead
log into the database file at the next write after it outgrows its threshold. A result left unread (``fetchone``)
kept the connection's transaction open: from the first ``open_db`` on, no automatic checkpoint ran, and the log and
the memory behind it (about 25 MB per 100,000-row import at city size) grew until the process stopped."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROSTER, csv_bytes, load

from analytics import open_db
from analytics.accounts import users
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import data_version, scalar, transaction

ROOT = Path(__file__).resolve().parent.parent


def log_size(path: Path) -> int:
    wal = Path(f"{path}.wal")
    return wal.stat().st_size if wal.exists() else 0


def test_the_write_after_a_large_one_folds_the_log_into_the_file(tmp_path):
    path = tmp_path / "app.duckdb"
    con = open_db(path)
    try:
        con.execute("set checkpoint_threshold = '256KB'")
        # What the app does on its connection between writes: reads of the version, the rules, an account.
        data_version(con)
        rb.current(con)
        users.actor_of(con, "管理员")
        scalar(con, "select count(*) from person")
        load(con, ROSTER, "名单.xlsx")
        header = ["日期", "姓名", "考核内容", "分值", "事由"]
        rows = [[f"2022-03-{n % 28 + 1:02d}", "张三", "宣传推广", 1, f"第{n}条信息被采用" * 3] for n in range(6000)]
        batch = load(con, csv_bytes([header, *rows]), "三月.csv")  # its log alone outgrows the threshold
        data_version(con)
        with transaction(con) as cur:  # by this write at the latest, the log is folded in
            cur.execute("select 1").fetchall()
        assert log_size(path) < 256 * 1024
        undo(con, batch)
        users.actor_of(con, "管理员")
        with transaction(con) as cur:
            cur.execute("select 1").fetchall()
        assert log_size(path) < 256 * 1024
    finally:
        con.close()


def test_the_app_reads_single_rows_to_the_end():
    # A single row is read with store.db.first_row (or scalar), which reads the result to its end.
    found = []
    for folder in ("analytics", "ui", "views"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"\.fetchone\(\)", line) and not line.lstrip().startswith("#"):
                    found.append(f"{path.relative_to(ROOT)}:{n}")
    assert found == []
