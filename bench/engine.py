"""Rule-engine speed on the demo year: every public result function timed (median of repeated calls), printed beside
the goal (50 ms) and beside a baseline — one trivial DuckDB query through the same cursor — as ratios.

Run: python bench/engine.py [--repeat 7]"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import open_db  # noqa: E402
from analytics.results import arena, flags, participation, points, stars, tasks, trends  # noqa: E402
from demo import year as demo  # noqa: E402

GOAL_MS = 50.0


def timed(fn, repeat: int) -> float:
    fn()  # first call warms DuckDB's catalog and Python imports
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        con = open_db(Path(folder) / "bench.duckdb")
        t0 = time.perf_counter()
        demo.load_demo(con)
        print(f"演示年度加载（生成 + 导入）：{time.perf_counter() - t0:.2f}s")
        cur = con.cursor()
        rows = cur.execute(
            "select (select count(*) from score_event), (select count(*) from participation), "
            "(select count(*) from task_snapshot), (select count(*) from person)"
        ).fetchall()[0]
        print(f"数据量：加减分 {rows[0]:,} 条，参与 {rows[1]:,} 条，任务快照 {rows[2]:,} 条，人员 {rows[3]} 人")
        month, quarter, as_of = "2022-06", "2022Q2", date(2022, 6, 30)
        task = tasks.task_lights(cur, as_of)["task_code"].iloc[0]
        person = int(cur.execute("select min(person_id) from participation").fetchall()[0][0])
        session = arena.arena_results(cur, 2022).iloc[0]
        cases = {
            "points.person_month_net": lambda: points.person_month_net(cur, month),
            "points.posting": lambda: points.posting(cur, month),
            "points.ytd_points": lambda: points.ytd_points(cur, 2022, month),
            "stars.monthly_stars": lambda: stars.monthly_stars(cur, month),
            "stars.star_board": lambda: stars.star_board(cur, 2022),
            "flags.quarter_flags": lambda: flags.quarter_flags(cur, quarter),
            "flags.flag_history": lambda: flags.flag_history(cur, 2022),
            "trends.person_trend": lambda: trends.person_trend(cur, 2022),
            "trends.section_trend": lambda: trends.section_trend(cur, 2022),
            "trends.movers": lambda: trends.movers(cur, month),
            "tasks.task_lights": lambda: tasks.task_lights(cur, as_of),
            "tasks.funnel": lambda: tasks.funnel(cur, as_of),
            "tasks.rates": lambda: tasks.rates(cur, as_of),
            "tasks.burnup": lambda: tasks.burnup(cur, 2022),
            "tasks.light_trace": lambda: tasks.light_trace(cur, task, as_of),
            "tasks.progress_history": lambda: tasks.progress_history(cur, task),
            "tasks.section_task_rates": lambda: tasks.section_task_rates(cur, date(2022, 4, 1), as_of, as_of),
            "participation.five_one_matrix": lambda: participation.five_one_matrix(
                cur, date(2022, 1, 1), date(2022, 6, 30), as_of
            ),
            "participation.counters": lambda: participation.counters(cur, date(2022, 1, 1), date(2022, 12, 31)),
            "participation.monthly_participation": lambda: participation.monthly_participation(cur, 2022),
            "participation.section_participation": lambda: participation.section_participation(
                cur, date(2022, 1, 1), date(2022, 12, 31)
            ),
            "participation.person_participation": lambda: participation.person_participation(cur, person, 2022),
            "arena.arena_results": lambda: arena.arena_results(cur, 2022),
            "arena.arena_marks": lambda: arena.arena_marks(cur, session["arena"], session["date"]),
            "arena.judge_spread": lambda: arena.judge_spread(cur, 2022),
            "arena.arena_trace": lambda: arena.arena_trace(
                cur, session["arena"], session["date"], int(session["contestant_id"]), session["topic"]
            ),
        }
        baseline = timed(lambda: cur.execute("select count(*) from score_event").fetchall(), args.repeat)
        print(f"\n基线：一次最简单的 DuckDB 查询 {baseline:.2f} ms；目标：每个函数 < {GOAL_MS:g} ms\n")
        print(f"{'函数':<40}{'中位 ms':>9}{'÷目标':>8}{'÷基线':>9}")
        worst = 0.0
        for name, fn in cases.items():
            ms = timed(fn, args.repeat)
            worst = max(worst, ms)
            print(f"{name:<40}{ms:>9.1f}{ms / GOAL_MS:>8.2f}{ms / baseline:>9.0f}×")
        print(f"\n最慢 {worst:.1f} ms，为目标的 {worst / GOAL_MS:.2f} 倍")
        con.close()


if __name__ == "__main__":
    main()
