"""A small task ledger for the tests: the header the importer reads, one row per snapshot with the usual defaults,
and loading the rows through the real importer (as xlsx, or as csv when the file name says so); and random ledgers
(hypothesis) for the tests that hold a rewritten query to its direct form."""

from __future__ import annotations

from datetime import date

from conftest import ROSTER, csv_bytes, load, xlsx_bytes
from hypothesis import strategies as st

TASK_HEADER = [
    "任务编号",
    "任务名称",
    "台账类别",
    "责任科室",
    "责任人",
    "开始日期",
    "计划完成日期",
    "进度(%)",
    "当前环节",
    "最新进展",
    "更新日期",
]


def task_row(
    code,
    updated,
    progress,
    stage="全程督查",
    due="2022-06-30",
    start="2022-01-01",
    section="组织科",
    ledger="基础夯实工程",
    owner="张三",
    name=None,
    note="推进中",
) -> list:
    """One snapshot of a task as a ledger row (columns of TASK_HEADER)."""
    return [code, name or f"任务{code}", ledger, section, owner, start, due, progress, stage, note, updated]


def load_tasks(con, rows: list[list], name: str = "任务台账.xlsx") -> int:
    """Import the rows under TASK_HEADER; returns the batch id. A drop in a task's progress, which the importer asks
    about, is confirmed as the clerk would: these ledgers mean their values."""
    from analytics.sheets.ingest import Options, import_bytes

    table = [TASK_HEADER, *rows]
    content = csv_bytes(table) if name.endswith(".csv") else xlsx_bytes({"Sheet1": table})
    preview, _ = import_bytes(con, content, name, Options(), dry_run=True)
    return load(con, content, name, decisions={(q["sheet"], q["row"]): "confirm" for q in preview.questions})


# Random ledgers for the property tests that hold a rewritten query to its direct form.
LEDGERS = ["基础夯实工程", "揭榜挂帅"]
STAGES = ["领办登记", "全程督查", "即时反馈", "办结销号"]
PEOPLE = [(r[0], r[1]) for r in ROSTER[1:]]
DAY0 = date(2021, 12, 2)


@st.composite
def ledgers(draw):
    """Up to 40 snapshots of up to 6 tasks over 14 months (Dec 2021 to Jan 2023), several on one day or one week, a
    task's ledger changing now and then, progress with odd decimals."""
    snapshot = st.tuples(
        st.integers(0, 5),  # task
        st.integers(0, 420),  # day after DAY0
        st.sampled_from(LEDGERS),
        st.sampled_from(STAGES),
        st.sampled_from([0, 12.5, 33.3, 50, 66.7, 99.9, 100]),
        st.integers(0, len(PEOPLE) - 1),
        st.sampled_from(["2022-01-31", "2022-03-31", "2022-06-30", "2022-11-15"]),  # due date
    )
    return draw(st.lists(snapshot, min_size=1, max_size=40))
