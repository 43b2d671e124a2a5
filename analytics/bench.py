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
from analytics.ingest import import_bytes

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
    data = [["序号", "日期", "姓名", "科室", "考核内容", "分值", "事由", "登记人"]]
    for n in range(rows):
        name, section = people[rng.randrange(len(people))]
        day = start + timedelta(days=rng.randrange(365))
        data.append(
            [n + 1, day, name, section, rng.choice(CONTENTS), rng.choice((1, 2, 0.5, -1, 3)), f"事由{n}", "考核专员"]
        )
    return roster, _xlsx(data)


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run_import_bench(rows: int = 100_000, repeat: int = 3) -> dict[str, list[float]]:
    roster, points = make_files(rows)
    print(f"导入速度基准：{rows:,} 行加减分记录（{len(points) / 1e6:.1f} MB），每项 {repeat} 次")

    def bare_calamine():
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(points))
        book.get_sheet_by_index(0).to_python()

    def bare_openpyxl():
        pd.read_excel(io.BytesIO(points), engine="openpyxl")

    def full_import():
        with tempfile.TemporaryDirectory() as folder:
            con = open_db(Path(folder) / "bench.duckdb")
            import_bytes(con, roster, "名单.xlsx")
            # Only the points file is timed: the roster is setup.
            t0 = time.perf_counter()
            preview, batch = import_bytes(con, points, "points.xlsx")
            elapsed = time.perf_counter() - t0
            if batch is None:
                raise RuntimeError(preview.errors[0].text())
            assert con.execute("select count(*) from score_event").fetchone()[0] == rows
            con.close()
            return elapsed

    results = {
        "calamine 裸解析": _time(bare_calamine, repeat),
        "pandas+openpyxl 裸解析": _time(bare_openpyxl, max(1, repeat - 1)),
        "完整导入（解析+校验+写入）": [full_import() for _ in range(repeat)],
    }
    base = min(results["calamine 裸解析"])
    print(f"{'项目':<24}{'最短':>9}{'中位':>9}{'相对 calamine':>14}")
    for label, times in results.items():
        best = min(times)
        print(f"{label:<24}{best:>8.2f}s{statistics.median(times):>8.2f}s{best / base:>13.2f}×")
    ratio = min(results["完整导入（解析+校验+写入）"]) / base
    print(f"目标：完整导入 ≤ 1.5× calamine 裸解析；本次 {ratio:.2f}×")
    return results
