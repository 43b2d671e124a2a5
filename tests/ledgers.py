"""A small task ledger for the tests: the header the importer reads, one row per snapshot with the usual defaults,
and loading the rows through the real importer (as xlsx, or as csv when the file name says so)."""

from __future__ import annotations

from conftest import csv_bytes, load

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
    """Import the rows under TASK_HEADER; returns the batch id."""
    table = [TASK_HEADER, *rows]
    return load(con, csv_bytes(table) if name.endswith(".csv") else table, name)
