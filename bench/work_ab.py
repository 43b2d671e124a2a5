"""Interleaved A/B in one process for 任务督办 and 学习实践's core functions: each computed by the modules of a
baseline commit (tasks.py, task_progress.py, participation.py as they were there, loaded from git) and by this tree
(the task and participation rollups, the rewritten matrix and counters), round after round under the same load, the
answers compared; plus the time of the rollups' first build, of a rebuild after a data version bump with no change,
and after one month of task snapshots changed. Works on a copy.

    python bench/work_ab.py /tmp/scale/full.duckdb [REPEAT] [BASELINE]     # prints one JSON object
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from analytics.results import participation, participation_rollup, task_rollup, tasks  # noqa: E402
from analytics.store.db import transaction  # noqa: E402


def baseline_module(commit: str, path: str, name: str) -> types.ModuleType:
    """The module at ``path`` as it was in ``commit`` (its imports resolve against this tree)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{commit}:{path}"
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def same(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
        except AssertionError:
            return False
        return True
    if hasattr(a, "kpis"):
        return bool(a.kpis == b.kpis and a.lights == b.lights)
    return bool(a == b)


def main(scale: str, repeat: int, commit: str) -> dict:
    old_progress = baseline_module(commit, "analytics/results/task_progress.py", "old_task_progress")
    old_tasks = baseline_module(commit, "analytics/results/tasks.py", "old_tasks")
    old_part = baseline_module(commit, "analytics/results/participation.py", "old_participation")
    folder = Path(tempfile.mkdtemp())
    work = folder / "db.duckdb"
    shutil.copyfile(scale, work)
    con = open_db(work)
    cur = con.cursor()
    try:
        builds = {}
        for name, module in (("task_rollup", task_rollup), ("participation_rollup", participation_rollup)):
            started = time.perf_counter()
            if not module.ready(cur):
                raise SystemExit(f"{name} 无法建立")
            builds[f"{name}_first_build_s"] = round(time.perf_counter() - started, 3)
        last = cur.execute("select max(event_date) from score_event").fetchall()[0][0]
        y = last.year - 1 if last.month < 12 else last.year
        as_of, start, end = date(y, 6, 30), date(y, 1, 1), date(y, 12, 31)
        pairs = {
            "tasks.burnup": (lambda: old_progress.burnup(cur, y), lambda: tasks.burnup(cur, y)),
            "tasks.task_lights": (lambda: old_tasks.task_lights(cur, as_of), lambda: tasks.task_lights(cur, as_of)),
            "tasks.year_wall": (
                lambda: old_tasks.year_wall(cur, as_of, y),
                lambda: tasks.year_wall(cur, as_of, y),
            ),
            "tasks.wall_summary": (
                lambda: old_tasks.wall_summary(cur, as_of),
                lambda: tasks.wall_summary(cur, as_of),
            ),
            "tasks.rates": (lambda: old_tasks.rates(cur, as_of), lambda: tasks.rates(cur, as_of)),
            "tasks.rates by section": (
                lambda: old_tasks.rates(cur, as_of, by="section"),
                lambda: tasks.rates(cur, as_of, by="section"),
            ),
            "tasks.funnel": (lambda: old_tasks.funnel(cur, as_of), lambda: tasks.funnel(cur, as_of)),
            "tasks.late_closures": (
                lambda: old_tasks.late_closures(cur, as_of, year=y),
                lambda: tasks.late_closures(cur, as_of, year=y),
            ),
            "participation.five_one_matrix": (
                lambda: old_part.five_one_matrix(cur, start, as_of, as_of),
                lambda: participation.five_one_matrix(cur, start, as_of, as_of),
            ),
            "participation.section_participation": (
                lambda: old_part.section_participation(cur, start, end),
                lambda: participation.section_participation(cur, start, end),
            ),
            "participation.counters": (
                lambda: old_part.counters(cur, start, end),
                lambda: participation.counters(cur, start, end),
            ),
            "participation.monthly_participation": (
                lambda: old_part.monthly_participation(cur, y),
                lambda: participation.monthly_participation(cur, y),
            ),
        }
        times: dict[str, dict[str, list[float]]] = {name: {"old": [], "new": []} for name in pairs}
        equal = {}
        for name, (old, new) in pairs.items():
            equal[name] = same(old(), new())
        for _ in range(repeat):
            for name, (old, new) in pairs.items():
                for label, fn in (("old", old), ("new", new)):
                    started = time.perf_counter()
                    fn()
                    times[name][label].append(time.perf_counter() - started)
        functions = {}
        for name, t in times.items():
            o, n = statistics.median(t["old"]), statistics.median(t["new"])
            functions[name] = {
                "old_s": round(o, 4),
                "new_s": round(n, 4),
                "ratio": round(o / n, 1),
                "equal": equal[name],
            }
        # A data version bump with no change: the fingerprint scans only.
        with transaction(con):
            pass
        started = time.perf_counter()
        task_rollup.ready(cur)
        participation_rollup.ready(cur)
        builds["bump_only_refresh_s"] = round(time.perf_counter() - started, 3)
        # One month of task snapshots changed (a tenth of its rows get a new progress).
        month = date(y, 6, 1)
        with transaction(con) as c:
            c.execute(
                "update task_snapshot set progress = progress / 2 where date_trunc('month', updated_on) = $m "
                "and fact_id % 10 = 0",
                {"m": month},
            )
        started = time.perf_counter()
        task_rollup.ready(cur)
        builds["task_one_month_refresh_s"] = round(time.perf_counter() - started, 3)
        builds["task_one_month_tasks_recomputed"] = len(task_rollup.last_rebuild)
        return {"database": scale, "year": y, "repeat": repeat, "baseline": commit, "functions": functions, **builds}
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    print(
        json.dumps(
            main(args[0], int(args[1]) if len(args) > 1 else 3, args[2] if len(args) > 2 else "fffb57f"),
            ensure_ascii=False,
            indent=1,
        )
    )
