"""Page speed on the demo year: every page of the app run through Streamlit's AppTest, cold (the page's first script
run with empty data caches) and warm (the median of repeated reruns), printed beside the goals (0.5 s cold, 0.15 s
warm) as ratios. A page whose file does not exist yet is listed as missing, one that fails as failing.

"Cold" is measured in a process that has already run the app once, so it times the page's queries and drawing, not
Python's imports; that first run (imports of the UI modules and plotly included) is printed on its own line.

Run: python bench/pages.py [--repeat 5]"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import streamlit as st  # noqa: E402
from apptest import APP, PAGES  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from analytics import open_db  # noqa: E402
from analytics.results import stars  # noqa: E402
from demo import year as demo  # noqa: E402

COLD_GOAL = 0.5
WARM_GOAL = 0.15
# The view the leaders open first: a mid-year month and its quarter (set by key, as a user picks them).
QUERY = {"year": "2022"}
FILTERS: dict[str, object] = {"month": "2022-06", "quarter": "2022Q2"}


def _set_filters(at: AppTest) -> None:
    for key, value in FILTERS.items():
        widgets = [w for w in at.selectbox if w.key == key]
        if widgets and not widgets[0].disabled and widgets[0].value != value:
            widgets[0].set_value(value)


def _fail_on_exception(at: AppTest, page: str) -> None:
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")


def measure(page: str, path: str, repeat: int) -> tuple[float, float]:
    """(cold, warm) seconds of one page's script run."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in QUERY.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(path)
        at.run()
    _set_filters(at)
    at.run()
    _fail_on_exception(at, page)
    st.cache_data.clear()
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    _fail_on_exception(at, page)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - t0)
    _fail_on_exception(at, page)
    return cold, statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "pages.duckdb"
        t0 = time.perf_counter()
        con = open_db(db)
        demo.load_demo(con)
        # 个人档案 opens on the roster's first person (the head, who is not scored); time a scored one.
        FILTERS["person"] = int(stars.monthly_stars(con.cursor(), str(FILTERS["month"])).stars["person_id"].iat[0])
        con.close()
        print(f"演示年度加载：{time.perf_counter() - t0:.1f}s")
        os.environ["DASHBOARD_DB"] = str(db)
        os.environ["DASHBOARD_DEMO"] = "off"

        t0 = time.perf_counter()
        AppTest.from_file(APP, default_timeout=120).run()
        print(f"首次运行应用（含导入界面模块、plotly）：{time.perf_counter() - t0:.2f}s")

        print(f"\n{'页面':<12}{'冷启动 s':>10}{'热运行 s':>10}{'目标':>14}{'冷/目标':>9}{'热/目标':>9}")
        for page, path in PAGES.items():
            if not (ROOT / path).exists():
                print(f"{page:<14}（页面文件尚不存在）")
                continue
            try:
                cold, warm = measure(page, path, args.repeat)
            except RuntimeError as exc:
                print(f"{page:<14}（运行出错：{str(exc)[:60]}…）")
                continue
            print(
                f"{page:<14}{cold:>10.3f}{warm:>10.3f}{f'≤{COLD_GOAL} / ≤{WARM_GOAL}':>16}"
                f"{cold / COLD_GOAL:>9.2f}{warm / WARM_GOAL:>9.2f}"
            )


if __name__ == "__main__":
    main()
