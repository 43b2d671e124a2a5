"""Import speed benchmark: a 100,000-row points sheet timed three ways in one run — the bare python-calamine parse,
the bare pandas+openpyxl parse, and the project's full import (read, understand, validate, commit) — with ratios."""

from __future__ import annotations

import io
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import python_calamine as calamine
from openpyxl import Workbook

from analytics import open_db
from analytics.sheets.ingest import import_bytes
from analytics.store.db import scalar

SECTIONS = ["办公室", "组织科", "干部一科", "干部二科", "干部监督科", "人才工作科", "公务员管理科", "研究室"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华建国志红"
CONTENTS = ["督查落实", "工作质量", "宣传推广", "学习提升", "创新突破", "一线实践", "团结协作", "纪律作风"]


def _people(n: int = 60) -> list[tuple[str, str]]:
    rng = random.Random(7)
    names: set[str] = set()
    while len(names) < n:
        names.add(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN))
    return [(name, SECTIONS[i % len(SECTIONS)]) for i, name in enumerate(sorted(names))]


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("加减分")
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def make_files(rows: int) -> tuple[bytes, bytes]:
    """(roster.xlsx, points.xlsx with `rows` events) — deterministic."""
    people = _people()
    roster = _xlsx([["姓名", "科室"], *[[n, s] for n, s in people]])
    rng = random.Random(2022)
    start = date(2022, 1, 1)
    data: list[list[object]] = [["序号", "日期", "姓名", "科室", "考核内容", "分值", "事由", "登记人"]]
    for n in range(rows):
        name, section = people[rng.randrange(len(people))]
        day = start + timedelta(days=rng.randrange(365))
        data.append(
            [n + 1, day, name, section, rng.choice(CONTENTS), rng.choice((1, 2, 0.5, -1, 3)), f"事由{n}", "考核专员"]
        )
    return roster, _xlsx(data)


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    result = fn()
    return result if isinstance(result, float) else time.perf_counter() - t0


def run_import_bench(rows: int = 100_000, repeat: int = 5) -> dict[str, list[float]]:
    """The three timings, taken in turn (calamine, full import, calamine, full import, …) so that each full import
    is compared with a calamine parse taken moments before it: the ratio holds when the machine's speed drifts."""
    roster, points = make_files(rows)
    print(f"导入速度基准：{rows:,} 行加减分记录（{len(points) / 1e6:.1f} MB），每项 {repeat} 次，交替测量")

    def bare_calamine():
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(points))
        book.get_sheet_by_index(0).to_python()

    def pandas_calamine():
        pd.read_excel(io.BytesIO(points), engine="calamine")

    def bare_openpyxl():
        pd.read_excel(io.BytesIO(points), engine="openpyxl")

    def full_import() -> float:
        with tempfile.TemporaryDirectory() as folder:
            con = open_db(Path(folder) / "bench.duckdb")
            import_bytes(con, roster, "名单.xlsx")
            # Only the points file is timed: the roster is setup.
            t0 = time.perf_counter()
            preview, batch = import_bytes(con, points, "points.xlsx")
            elapsed = time.perf_counter() - t0
            if batch is None:
                raise RuntimeError(preview.errors[0].text())
            assert scalar(con, "select count(*) from score_event") == rows
            con.close()
            return elapsed

    results: dict[str, list[float]] = {"calamine 裸解析": [], "pandas+calamine": [], "完整导入（解析+校验+写入）": []}
    ratios = []
    bare_calamine()
    for _ in range(repeat):
        base = _seconds(bare_calamine)
        full = _seconds(full_import)
        results["calamine 裸解析"].append(base)
        results["完整导入（解析+校验+写入）"].append(full)
        results["pandas+calamine"].append(_seconds(pandas_calamine))
        ratios.append(full / base)
    results["pandas+openpyxl 裸解析"] = [_seconds(bare_openpyxl) for _ in range(max(1, repeat // 2))]
    base = statistics.median(results["calamine 裸解析"])
    print(f"{'项目':<24}{'最短':>9}{'中位':>9}{'中位 ÷ calamine':>16}")
    for label, times in results.items():
        median = statistics.median(times)
        print(f"{label:<24}{min(times):>8.2f}s{median:>8.2f}s{median / base:>15.2f}×")
    print(f"完整导入 ÷ 紧邻的 calamine 裸解析，逐对：{'、'.join(f'{r:.2f}' for r in ratios)}")
    print(f"目标：完整导入 ≤ 1.5× calamine 裸解析；逐对比值中位数 {statistics.median(ratios):.2f}×")
    return results
