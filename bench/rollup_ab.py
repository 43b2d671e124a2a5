"""Interleaved A/B in one process: each function the points rollup serves, computed directly (rollup.direct()) and
via the rollup, round after round under the same load, plus the time of one rollup build. Works on a copy.

    python bench/rollup_ab.py /tmp/scale/full.duckdb [REPEAT]      # prints one JSON object
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from analytics.results import flags, pages, points, profile, rollup, stars, trends  # noqa: E402


def main(scale: str, repeat: int) -> dict:
    folder = Path(tempfile.mkdtemp())
    work = folder / "db.duckdb"
    shutil.copyfile(scale, work)
    con = open_db(work)
    cur = con.cursor()
    try:
        started = time.perf_counter()
        if not rollup.ready(cur):
            raise SystemExit("汇总表无法建立")
        build = time.perf_counter() - started
        rows = cur.execute("select count(*) from points_rollup").fetchall()[0][0]
        last = cur.execute("select max(event_date) from score_event").fetchall()[0][0]
        y = last.year - 1 if last.month < 12 else last.year
        m, q = f"{y}-06", f"{y}Q2"
        person = cur.execute("select min(person_id) from score_event where year(event_date) = ?", [y]).fetchall()[0][0]
        sections = [r[0] for r in cur.execute("select section_id from section order by sort_order limit 3").fetchall()]
        cases = {
            "points.person_month_net": lambda: points.person_month_net(cur, m),
            "points.ytd_points": lambda: points.ytd_points(cur, y, m),
            "stars.monthly_stars": lambda: stars.monthly_stars(cur, m),
            "stars.star_board": lambda: stars.star_board(cur, y),
            "flags.quarter_flags": lambda: flags.quarter_flags(cur, q),
            "flags.flag_history": lambda: flags.flag_history(cur, y),
            "trends.person_trend": lambda: trends.person_trend(cur, y),
            "trends.section_trend": lambda: trends.section_trend(cur, y),
            "trends.movers": lambda: trends.movers(cur, m),
            "profile.year_standing": lambda: profile.year_standing(cur, person, y, 6),
            "pages.overview_page x3 (deck)": lambda: [pages.overview_page(cur, m, s) for s in sections],
            "pages.overview_pages (deck)": lambda: pages.overview_pages(cur, m, list(sections)),
        }
        times: dict[str, dict[str, list[float]]] = {name: {"direct": [], "rollup": []} for name in cases}
        for fn in cases.values():
            fn()
        for _ in range(repeat):
            for name, fn in cases.items():
                with rollup.direct():
                    started = time.perf_counter()
                    fn()
                    times[name]["direct"].append(time.perf_counter() - started)
                started = time.perf_counter()
                fn()
                times[name]["rollup"].append(time.perf_counter() - started)
        medians = {k: {kind: round(statistics.median(v), 4) for kind, v in d.items()} for k, d in times.items()}
        return {"build_s": round(build, 3), "rollup_rows": rows, "functions": medians}
    finally:
        con.close()
        shutil.rmtree(folder)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3), ensure_ascii=False))
