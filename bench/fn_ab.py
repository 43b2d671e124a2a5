"""Interleaved A/B of one core function in one process: the module as it was in a baseline commit (loaded from git,
its imports resolved against this tree) and as it is now, round after round on the same database, the answers
compared. Use a copy of the scale database (the rollups are brought up to date on it).

    python bench/fn_ab.py /tmp/work/fn.duckdb 11 47f5fc2 points.posting 2024-06     # prints one JSON object
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from bench.work_ab import baseline_module, same  # noqa: E402


def main(db: str, rounds: int, commit: str, target: str, args: list[str]) -> dict:
    module_name, function = target.rsplit(".", 1)
    now = importlib.import_module(f"analytics.results.{module_name}")
    old = baseline_module(commit, f"analytics/results/{module_name}.py", f"old_{module_name}")
    con = open_db(db)
    cur = con.cursor()
    before, after = getattr(old, function), getattr(now, function)
    equal = same(before(cur, *args), after(cur, *args))
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(rounds):
        for key, fn in (("before", before), ("after", after)):
            t0 = time.perf_counter()
            fn(cur, *args)
            times[key].append(time.perf_counter() - t0)
    con.close()
    median = {key: statistics.median(values) for key, values in times.items()}
    return {
        "function": target,
        "args": args,
        "baseline": commit,
        "rounds": rounds,
        "equal": equal,
        "before_s": round(median["before"], 4),
        "after_s": round(median["after"], 4),
        "ratio": round(median["before"] / median["after"], 2),
        "range_s": {key: [round(min(v), 4), round(max(v), 4)] for key, v in times.items()},
    }


if __name__ == "__main__":
    db, rounds, commit, target, *rest = sys.argv[1:]
    print(json.dumps(main(db, int(rounds), commit, target, rest), ensure_ascii=False, indent=1))
